//! Bindings and wire formats for ivm's contracts (InfinityVM-compatible `JobManager`, consumers,
//! fraud-proof disputes).
//!
//! - [`bindings`]: typed call/event/error types generated with `alloy::sol!` from the artifacts
//!   committed in `contracts/out` (no Solidity compiler needed), plus creation bytecode.
//! - [`OffchainJobRequest`], [`ResultWithMetadata`], [`OffchainResultWithMetadata`]: the signed
//!   payloads, encoded as `abi.encode(struct)` (leading `0x20` offset word), byte-identical to
//!   InfinityVM.
//! - [`job_id`]: `keccak256(abi.encodePacked(uint64 nonce, address consumer))`.
//! - [`sign_eip191`] / [`recover_eip191`]: EIP-191 `personal_sign` over the raw encoded bytes,
//!   65-byte `r‖s‖v` signatures with `v ∈ {27, 28}`, rejecting what `JobManager` rejects.
//! - With feature `da`: [`da`], offchain inputs packed into EIP-4844 blobs and read back.
//! - With feature `client`: [`deploy`] (deploy `JobManager` + `ExampleConsumer`) and
//!   [`client::Client`] (send jobs, results, bonds, challenges; read state and events).

use alloy_primitives::{eip191_hash_message, keccak256, Address, Bytes, Signature, B256, U256};
use alloy_sol_types::{SolConstructor, SolValue};
use k256::ecdsa::SigningKey;
use std::fmt;

pub use {alloy_primitives, alloy_sol_types, k256};

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "da")]
pub mod da;
#[cfg(feature = "client")]
pub mod deploy;

/// Job states in `JobMetadata.status` (0 = no such job).
pub const JOB_STATE_PENDING: u8 = 1;
pub const JOB_STATE_CANCELLED: u8 = 2;
pub const JOB_STATE_COMPLETED: u8 = 3;
/// ivm extension: a completed job whose result the arbiter found fraudulent.
pub const JOB_STATE_OVERTURNED: u8 = 4;

/// What a challenge claims a job's correct outcome is (`ClaimedOutcome` in `IConsumer.sol`,
/// an ivm extension): an output other than the posted one, a guest panic, or that the job
/// should have failed (the guest faults or runs out of its `maxCycles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimedOutcome {
    /// The guest returns these output bytes.
    Output(Vec<u8>),
    /// The guest panics.
    Panicked,
    /// The run faults or exhausts the job's `maxCycles`: no result should have been posted.
    Failed,
}

impl ClaimedOutcome {
    /// The enum's value on chain.
    pub fn code(&self) -> u8 {
        match self {
            ClaimedOutcome::Output(_) => 0,
            ClaimedOutcome::Panicked => 1,
            ClaimedOutcome::Failed => 2,
        }
    }

    /// The `claimedOutput` argument (empty unless an output is claimed).
    pub fn output(&self) -> &[u8] {
        match self {
            ClaimedOutcome::Output(o) => o,
            _ => &[],
        }
    }

    /// From a `ChallengeFiled` event's `claimedOutcome` and `claimedOutput`.
    pub fn from_chain(code: u8, output: &[u8]) -> Option<Self> {
        match code {
            0 => Some(ClaimedOutcome::Output(output.to_vec())),
            1 => Some(ClaimedOutcome::Panicked),
            2 => Some(ClaimedOutcome::Failed),
            _ => None,
        }
    }

    /// `output`, `panicked` or `failed` (JSON output).
    pub fn name(&self) -> &'static str {
        match self {
            ClaimedOutcome::Output(_) => "output",
            ClaimedOutcome::Panicked => "panicked",
            ClaimedOutcome::Failed => "failed",
        }
    }
}

impl std::fmt::Display for ClaimedOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimedOutcome::Output(o) => {
                f.write_str("output 0x")?;
                o.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
            ClaimedOutcome::Panicked => f.write_str("a panic"),
            ClaimedOutcome::Failed => f.write_str("a failed run (fault or out of cycles)"),
        }
    }
}

/// `isValidSignature` magic value (EIP-1271).
pub const EIP1271_MAGIC_VALUE: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// `keccak256("")`: the offchain input hash of a job without offchain input.
pub const EMPTY_INPUT_HASH: B256 =
    alloy_primitives::b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// Typed bindings generated from the committed Foundry artifacts in `contracts/out`.
///
/// Each module (`bindings::JobManager`, ...) holds the contract's call structs
/// (`JobManager::submitResultCall`), events (`JobManager::JobCreated`), errors, the ABI's struct
/// types and, for deployable contracts, `BYTECODE`/`DEPLOYED_BYTECODE`.
pub mod bindings {
    #![allow(missing_docs, clippy::too_many_arguments)]
    use alloy_sol_types::sol;

    /// `JobManager`'s ABI names InfinityVM's structs through `IJobManager`, where InfinityVM
    /// declares them, so its binding brings an `IJobManager` module of its own (the structs):
    /// kept apart from the full `IJobManager` binding below.
    mod job_manager {
        #![allow(missing_docs, clippy::too_many_arguments)]
        alloy_sol_types::sol!(
            #[derive(Debug, PartialEq, Eq)]
            JobManager,
            "../../contracts/out/JobManager.sol/JobManager.json"
        );
    }
    /// InfinityVM's structs as `JobManager`'s calls and events use them (`JobMetadata`, …).
    pub use job_manager::IJobManager as JobManagerStructs;
    pub use job_manager::JobManager;
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        IJobManager,
        "../../contracts/out/IJobManager.sol/IJobManager.json"
    );
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        ExampleConsumer,
        "../../contracts/out/ExampleConsumer.sol/ExampleConsumer.json"
    );
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        IConsumer,
        "../../contracts/out/IConsumer.sol/IConsumer.json"
    );
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        ConsumerBase,
        "../../contracts/out/ConsumerBase.sol/ConsumerBase.json"
    );
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        Consumer,
        "../../contracts/out/Consumer.sol/Consumer.json"
    );
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        StatefulConsumer,
        "../../contracts/out/StatefulConsumer.sol/StatefulConsumer.json"
    );
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        OffchainRequester,
        "../../contracts/out/OffchainRequester.sol/OffchainRequester.json"
    );
    sol!(
        #[derive(Debug, PartialEq, Eq)]
        SingleOffchainSigner,
        "../../contracts/out/SingleOffchainSigner.sol/SingleOffchainSigner.json"
    );
}

alloy_sol_types::sol! {
    /// Signed by an authorised requester (consumer's `isValidSignature`): `abi.encode(request)`.
    #[derive(Debug, PartialEq, Eq)]
    struct OffchainJobRequest {
        uint64 nonce;
        uint64 maxCycles;
        address consumer;
        bytes programID;
        bytes onchainInput;
        bytes32 offchainInputHash;
    }

    /// Signed by the coprocessor operator for onchain jobs: `abi.encode(result)`.
    #[derive(Debug, PartialEq, Eq)]
    struct ResultWithMetadata {
        bytes32 jobID;
        bytes32 onchainInputHash;
        uint64 maxCycles;
        bytes programID;
        bytes result;
    }

    /// Signed by the coprocessor operator for offchain jobs: `abi.encode(result)`.
    #[derive(Debug, PartialEq, Eq)]
    struct OffchainResultWithMetadata {
        bytes32 jobID;
        bytes32 onchainInputHash;
        bytes32 offchainInputHash;
        uint64 maxCycles;
        bytes programID;
        bytes result;
        bytes32[] versionedBlobHashes;
    }

    /// Onchain input of a `StatefulConsumer` job.
    #[derive(Debug, PartialEq, Eq)]
    struct StatefulAppOnchainInput {
        bytes32 inputStateRoot;
        bytes onchainInput;
    }

    /// Program output of a `StatefulConsumer` job.
    #[derive(Debug, PartialEq, Eq)]
    struct StatefulAppResult {
        bytes32 outputStateRoot;
        bytes result;
    }
}

pub use bindings::JobManager::DisputeParameters;

/// Errors from decoding payloads and checking signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The bytes are not a canonical `abi.encode` of the named struct.
    Decode { what: &'static str, reason: String },
    /// A signature is not 65 bytes.
    SignatureLength(usize),
    /// A signature is malformed (bad `v`, zero or out-of-range `r`/`s`).
    SignatureInvalid(String),
    /// A signature uses the high-`s` form, which `JobManager` rejects.
    SignatureHighS,
    /// Signing failed.
    Sign(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode { what, reason } => write!(f, "not a valid ABI-encoded {what}: {reason}"),
            Error::SignatureLength(n) => write!(f, "signature must be 65 bytes (r||s||v), got {n}"),
            Error::SignatureInvalid(e) => write!(f, "invalid signature: {e}"),
            Error::SignatureHighS => {
                write!(
                    f,
                    "signature has a high s value (not accepted on chain; use the low-s form)"
                )
            }
            Error::Sign(e) => write!(f, "signing failed: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// `keccak256(abi.encodePacked(uint64 nonce, address consumer))`: 8 big-endian nonce bytes
/// followed by the 20 address bytes. Same for onchain and offchain jobs.
pub fn job_id(nonce: u64, consumer: Address) -> B256 {
    let mut packed = [0u8; 28];
    packed[..8].copy_from_slice(&nonce.to_be_bytes());
    packed[8..].copy_from_slice(consumer.as_slice());
    keccak256(packed)
}

fn decode_strict<T: SolValue + From<<T::SolType as alloy_sol_types::SolType>::RustType>>(
    what: &'static str,
    data: &[u8],
) -> Result<T, Error> {
    let value = T::abi_decode(data).map_err(|e| Error::Decode { what, reason: e.to_string() })?;
    // Reject non-canonical encodings (extra bytes, odd offsets): re-encoding must give the input.
    if value.abi_encode() != data {
        return Err(Error::Decode { what, reason: "not the canonical encoding".into() });
    }
    Ok(value)
}

impl OffchainJobRequest {
    /// A request for `consumer`'s job `nonce`, hashing the offchain input.
    pub fn new(
        nonce: u64,
        max_cycles: u64,
        consumer: Address,
        program_id: impl Into<Bytes>,
        onchain_input: impl Into<Bytes>,
        offchain_input: &[u8],
    ) -> Self {
        Self {
            nonce,
            maxCycles: max_cycles,
            consumer,
            programID: program_id.into(),
            onchainInput: onchain_input.into(),
            offchainInputHash: keccak256(offchain_input),
        }
    }

    /// The job ID this request creates.
    pub fn job_id(&self) -> B256 {
        job_id(self.nonce, self.consumer)
    }

    /// `abi.encode(request)`: the bytes that are signed and sent to `submitResultForOffchainJob`.
    pub fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    pub fn decode(data: &[u8]) -> Result<Self, Error> {
        decode_strict("OffchainJobRequest", data)
    }
}

impl ResultWithMetadata {
    /// The result of an onchain job, hashing the onchain input.
    pub fn new(
        job_id: B256,
        onchain_input: &[u8],
        max_cycles: u64,
        program_id: impl Into<Bytes>,
        output: impl Into<Bytes>,
    ) -> Self {
        Self {
            jobID: job_id,
            onchainInputHash: keccak256(onchain_input),
            maxCycles: max_cycles,
            programID: program_id.into(),
            result: output.into(),
        }
    }

    /// `abi.encode(result)`: the bytes the operator signs and the relayer submits.
    pub fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    pub fn decode(data: &[u8]) -> Result<Self, Error> {
        decode_strict("ResultWithMetadata", data)
    }
}

impl OffchainResultWithMetadata {
    /// The result of the offchain job described by `request`.
    pub fn for_request(
        request: &OffchainJobRequest,
        output: impl Into<Bytes>,
        versioned_blob_hashes: Vec<B256>,
    ) -> Self {
        Self {
            jobID: request.job_id(),
            onchainInputHash: keccak256(&request.onchainInput),
            offchainInputHash: request.offchainInputHash,
            maxCycles: request.maxCycles,
            programID: request.programID.clone(),
            result: output.into(),
            versionedBlobHashes: versioned_blob_hashes,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    pub fn decode(data: &[u8]) -> Result<Self, Error> {
        decode_strict("OffchainResultWithMetadata", data)
    }
}

impl StatefulAppOnchainInput {
    pub fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    pub fn decode(data: &[u8]) -> Result<Self, Error> {
        decode_strict("StatefulAppOnchainInput", data)
    }
}

impl StatefulAppResult {
    pub fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    pub fn decode(data: &[u8]) -> Result<Self, Error> {
        decode_strict("StatefulAppResult", data)
    }
}

/// EIP-191 `personal_sign` digest: `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message)`
/// with the length in decimal.
pub fn eip191_digest(message: &[u8]) -> B256 {
    eip191_hash_message(message)
}

/// A secp256k1 key from 32 bytes of hex (with or without `0x`), e.g. an anvil dev key.
pub fn signing_key_from_hex(hex_key: &str) -> Result<SigningKey, Error> {
    let raw = alloy_primitives::hex::decode(hex_key.trim())
        .map_err(|e| Error::Sign(format!("private key is not hex: {e}")))?;
    SigningKey::from_slice(&raw)
        .map_err(|_| Error::Sign("private key is not a valid secp256k1 scalar".into()))
}

/// The Ethereum address of a key.
pub fn address_of(key: &SigningKey) -> Address {
    Address::from_public_key(key.verifying_key())
}

/// Signs `message` (raw bytes, e.g. an encoded result) EIP-191 style. Deterministic (RFC 6979),
/// low-s; returns `r‖s‖v` with `v ∈ {27, 28}` (what alloy's `sign_message` and cast produce).
pub fn sign_eip191(key: &SigningKey, message: &[u8]) -> Result<[u8; 65], Error> {
    let digest = eip191_digest(message);
    let (sig, recid) =
        key.sign_prehash_recoverable(digest.as_slice()).map_err(|e| Error::Sign(e.to_string()))?;
    Ok(Signature::from_signature_and_parity(sig, recid.is_y_odd()).as_bytes())
}

/// The secp256k1 group order halved: `JobManager` rejects signatures with `s` above it.
const HALF_ORDER: U256 = alloy_primitives::uint!(
    0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256
);

/// Parses a 65-byte `r‖s‖v` signature the way `JobManager` does (v ∈ {27, 28} or {0, 1}; low s).
pub fn parse_signature(signature: &[u8]) -> Result<Signature, Error> {
    if signature.len() != 65 {
        return Err(Error::SignatureLength(signature.len()));
    }
    let sig = Signature::try_from(signature).map_err(|e| Error::SignatureInvalid(e.to_string()))?;
    if sig.s() > HALF_ORDER {
        return Err(Error::SignatureHighS);
    }
    if sig.r().is_zero() || sig.s().is_zero() {
        return Err(Error::SignatureInvalid("zero r or s".into()));
    }
    Ok(sig)
}

/// Recovers the address that signed `message` EIP-191 style (what `JobManager` and
/// `SingleOffchainSigner` compare with the operator / offchain signer).
pub fn recover_eip191(message: &[u8], signature: &[u8]) -> Result<Address, Error> {
    let sig = parse_signature(signature)?;
    sig.recover_address_from_msg(message).map_err(|e| Error::SignatureInvalid(e.to_string()))
}

/// Creation transaction data for `JobManager(owner, relayer, operator, arbiter, params)`.
pub fn job_manager_deploy_data(
    owner: Address,
    relayer: Address,
    operator: Address,
    arbiter: Address,
    params: DisputeParameters,
) -> Bytes {
    let args = bindings::JobManager::constructorCall {
        initialOwner: owner,
        initialRelayer: relayer,
        initialOperator: operator,
        initialArbiter: arbiter,
        params,
    }
    .abi_encode();
    [bindings::JobManager::BYTECODE.as_ref(), &args].concat().into()
}

/// Creation transaction data for `ExampleConsumer(owner, jobManager, offchainSigner, initialMaxNonce)`.
pub fn example_consumer_deploy_data(
    owner: Address,
    job_manager: Address,
    offchain_signer: Address,
    initial_max_nonce: u64,
) -> Bytes {
    let args = bindings::ExampleConsumer::constructorCall {
        owner,
        jobManager: job_manager,
        offchainSigner: offchain_signer,
        initialMaxNonce: initial_max_nonce,
    }
    .abi_encode();
    [bindings::ExampleConsumer::BYTECODE.as_ref(), &args].concat().into()
}
