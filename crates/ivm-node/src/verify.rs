//! Checks before anything is stored: submitted programs and signed offchain job requests.
//!
//! Every rejection is an [`ApiError`] with a message that names the field and what to do.
use ivm_api::{ApiError, GrpcCode, RelayStrategy, SubmitJobRequest, SubmitProgramRequest, VmType};
use ivm_contracts::alloy_primitives::{keccak256, Address, B256};
use ivm_contracts::bindings::{JobManager, OffchainRequester};
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::{Client, ClientError};
use ivm_contracts::{OffchainJobRequest, EIP1271_MAGIC_VALUE};

/// A program that passed the checks.
pub struct VerifiedProgram {
    pub program_id: [u8; 32],
    pub vm_type: VmType,
    /// Memory one run takes ([`run_memory_bytes`]).
    pub memory_bytes: u64,
}

/// Memory one run of `program` takes: its RAM up to the heap end plus the I/O regions.
pub fn run_memory_bytes(program: &ivm_vm::Program) -> u64 {
    let layout = &program.layout;
    let sizes = &layout.sizes;
    u64::from(layout.heap_end - ivm_abi::RAM_BASE)
        + u64::from(sizes.max_input)
        + u64::from(sizes.max_offchain_input)
        + u64::from(sizes.max_output)
}

/// `submit_program`: the ELF loads as an IVM-RV32 program, the VM type is one this node runs,
/// and the given program ID equals the one derived from the ELF.
pub fn check_program(req: &SubmitProgramRequest) -> Result<VerifiedProgram, ApiError> {
    if req.program_elf.is_empty() {
        return Err(ApiError::invalid_argument("programElf is empty: send the program's ELF"));
    }
    let vm_type = match VmType::try_from(req.vm_type) {
        Ok(VmType::JoltRv32im) => VmType::JoltRv32im,
        Ok(VmType::Sp1) => {
            return Err(ApiError::invalid_argument(format!(
                "unsupported vmType 0 (SP1): this node runs IVM-RV32 programs for Jolt RV32IM (vmType {})",
                VmType::JoltRv32im as i32
            )))
        }
        Err(_) => {
            return Err(ApiError::invalid_argument(format!(
                "unknown vmType {}: this node runs IVM-RV32 programs for Jolt RV32IM (vmType {})",
                req.vm_type,
                VmType::JoltRv32im as i32
            )))
        }
    };
    if req.program_id.len() != 32 {
        return Err(ApiError::invalid_argument(format!(
            "programId must be 32 bytes, got {} (derive it with `ivm program-id <elf>`)",
            req.program_id.len()
        )));
    }
    let program = ivm_vm::Program::load(&req.program_elf)
        .map_err(|e| ApiError::invalid_argument(format!("invalid ELF: {e}")))?;
    let derived = ivm_vm::ProgramId::of(&program);
    if derived.0[..] != req.program_id[..] {
        return Err(ApiError::invalid_argument(format!(
            "given program ID does not match derived program ID: given: {}, derived: {}",
            hex::encode(&req.program_id),
            hex::encode(derived.0)
        )));
    }
    Ok(VerifiedProgram { program_id: derived.0, vm_type, memory_bytes: run_memory_bytes(&program) })
}

/// The parts of `submit_job` checked without the chain or the store.
pub struct CheckedRequest {
    pub request: OffchainJobRequest,
    pub job_id: B256,
    pub relay_strategy: RelayStrategy,
}

/// `submit_job`, local checks: the request decodes (canonical `abi.encode`), `maxCycles > 0`,
/// `programID` is not empty, the signature is a well-formed 65-byte low-s signature,
/// `keccak(offchainInput)` is the signed hash, and the relay strategy is known.
pub fn check_request(req: &SubmitJobRequest) -> Result<CheckedRequest, ApiError> {
    if req.request.is_empty() {
        return Err(ApiError::invalid_argument(
            "request is empty: send abi.encode(OffchainJobRequest) as an array of bytes",
        ));
    }
    let request = OffchainJobRequest::decode(&req.request)
        .map_err(|e| ApiError::invalid_argument(format!("request: {e}")))?;
    if request.maxCycles == 0 {
        return Err(ApiError::invalid_argument("request.maxCycles must be greater than 0"));
    }
    if request.programID.is_empty() {
        return Err(ApiError::invalid_argument("request.programID is empty"));
    }
    if req.signature.is_empty() {
        return Err(ApiError::invalid_argument(
            "signature is empty: sign the request bytes with EIP-191 personal_sign",
        ));
    }
    ivm_contracts::parse_signature(&req.signature)
        .map_err(|e| ApiError::invalid_argument(format!("signature: {e}")))?;
    let actual = keccak256(&req.offchain_input);
    if actual != request.offchainInputHash {
        return Err(ApiError::invalid_argument(format!(
            "offchain input hash mismatch: keccak256(offchainInput) = {actual}, the request signs {}",
            request.offchainInputHash
        )));
    }
    let relay_strategy = RelayStrategy::try_from(req.relay_strategy).map_err(|_| {
        ApiError::invalid_argument(format!(
            "unknown relayStrategy {} (0 = Unordered, 1 = Ordered)",
            req.relay_strategy
        ))
    })?;
    let job_id = request.job_id();
    Ok(CheckedRequest { request, job_id, relay_strategy })
}

fn chain_unavailable(what: &str, e: ClientError) -> ApiError {
    ApiError::new(
        GrpcCode::Unavailable,
        format!("cannot check {what} on chain: {e}; try again when the RPC endpoint is reachable"),
    )
}

/// `submit_job`, chain checks: the consumer's `isValidSignature(eip191(request), signature)`
/// returns the EIP-1271 magic value, and no job with this nonce exists for the consumer in
/// `JobManager` (nonces need only be unique, as in InfinityVM; `getNextNonce` is a default
/// scheme, not a rule).
pub async fn check_on_chain(
    chain: &Client,
    job_manager: Address,
    req: &SubmitJobRequest,
    checked: &CheckedRequest,
) -> Result<(), ApiError> {
    let consumer = checked.request.consumer;
    let code = chain
        .provider()
        .get_code_at(consumer)
        .await
        .map_err(|e| chain_unavailable("the consumer", ClientError::Rpc(e.to_string())))?;
    if code.is_empty() {
        return Err(ApiError::invalid_argument(format!(
            "consumer {consumer} is not a contract on this chain"
        )));
    }
    let digest = ivm_contracts::eip191_digest(&req.request);
    let call = OffchainRequester::isValidSignatureCall {
        messageHash: digest,
        signature: req.signature.clone().into(),
    };
    match chain.view(consumer, &call).await {
        Ok(magic) if magic.0 == EIP1271_MAGIC_VALUE => {}
        Ok(_) => {
            let signer = ivm_contracts::recover_eip191(&req.request, &req.signature)
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "an unrecoverable key".into());
            return Err(ApiError::new(
                GrpcCode::PermissionDenied,
                format!(
                    "request signature rejected: consumer {consumer}'s isValidSignature does not accept a signature by {signer}"
                ),
            ));
        }
        Err(ClientError::Rpc(e)) => {
            return Err(chain_unavailable("the request signature", ClientError::Rpc(e)))
        }
        Err(e) => {
            return Err(ApiError::invalid_argument(format!(
                "consumer {consumer} cannot check request signatures (isValidSignature failed: {e})"
            )))
        }
    }
    let bound = match chain.max_job_cycles(job_manager).await {
        Ok(b) => b,
        Err(ClientError::Rpc(e)) => {
            return Err(chain_unavailable("the provability bound", ClientError::Rpc(e)))
        }
        // A JobManager deployed before the bound existed has none.
        Err(_) => u64::MAX,
    };
    if checked.request.maxCycles > bound {
        return Err(ApiError::invalid_argument(format!(
            "maxCycles {} is above JobManager's maxJobCycles {bound}, the largest run a challenger can prove: request at most {bound}",
            checked.request.maxCycles
        )));
    }
    let meta = chain
        .view(job_manager, &JobManager::getJobMetadataCall { jobID: checked.job_id })
        .await
        .map_err(|e| chain_unavailable("the nonce", e))?;
    if meta.status != 0 {
        return Err(ApiError::new(
            GrpcCode::AlreadyExists,
            format!(
                "nonce {} is already used by consumer {consumer} on chain (job {} exists); use a fresh nonce such as the consumer's getNextNonce()",
                checked.request.nonce, checked.job_id
            ),
        ));
    }
    Ok(())
}

/// The inputs fit the program's declared input sizes.
pub fn check_input_sizes(
    program: &ivm_vm::Program,
    onchain: usize,
    offchain: usize,
) -> Result<(), ApiError> {
    let sizes = &program.layout.sizes;
    if onchain > sizes.max_input as usize {
        return Err(ApiError::invalid_argument(format!(
            "onchain input is {onchain} bytes but the program accepts at most {}",
            sizes.max_input
        )));
    }
    if offchain > sizes.max_offchain_input as usize {
        return Err(ApiError::invalid_argument(format!(
            "offchain input is {offchain} bytes but the program accepts at most {}",
            sizes.max_offchain_input
        )));
    }
    Ok(())
}

/// The offchain input must fit the blobs its result is posted with (InfinityVM's
/// `max_da_per_job` of lz4-compressed bytes).
pub fn check_blob_budget(offchain_input: &[u8]) -> Result<(), ApiError> {
    ivm_contracts::da::pack(offchain_input)
        .map(drop)
        .map_err(|e| ApiError::invalid_argument(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offchain_input_over_the_blob_budget_is_refused_by_name() {
        // Incompressible bytes under the program's 1 MiB default, over the 755,520 blob bytes.
        let noise: Vec<u8> = (0u32..25_000)
            .flat_map(|i| ivm_contracts::alloy_primitives::keccak256(i.to_le_bytes()).0)
            .collect();
        let e = check_blob_budget(&noise).unwrap_err();
        assert_eq!(e.grpc_code, GrpcCode::InvalidArgument as i32);
        assert!(e.message.contains("bytes of blob data a job may carry"), "{}", e.message);
        check_blob_budget(&vec![7u8; 800_000]).expect("compressible input fits");
        check_blob_budget(&[]).expect("no input, no blobs");
    }
}
