//! RPC client for ivm's contracts (feature `client`): deploy `JobManager` + `ExampleConsumer`,
//! send jobs, results, bonds and challenges, and read job, result, challenge, bond and consumer
//! state and events.
//!
//! Built on alloy's provider with gas, blob gas, nonce (asked from the node each time) and chain-ID fillers and a local
//! private-key wallet; transactions are sent one at a time and each call waits for its receipt,
//! failing with the decoded revert reason if the transaction would revert or did.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ivm_contracts::client::ClientError> {
//! use ivm_contracts::client::Client;
//! use ivm_contracts::deploy::{deploy, DeployConfig};
//! let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
//! let deployer = Client::connect("http://127.0.0.1:8545", key).await?;
//! let config = DeployConfig::single_key(deployer.address());
//! let deployment = deploy(&deployer, &config).await?;
//! println!("JobManager at {}", deployment.job_manager);
//! # Ok(()) }
//! ```

use crate::bindings::{ExampleConsumer, IConsumer, JobManager};
use crate::DisputeParameters;
use alloy_network::{EthereumWallet, TransactionBuilder, TransactionBuilder4844};
use alloy_primitives::{Address, Bytes, Log as PrimitiveLog, B256, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, Log, TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use std::fmt;

pub use crate::bindings::JobManager::{Challenge, OperatorBond, ResultRecord};
pub use crate::bindings::JobManagerStructs::JobMetadata;
pub use alloy_provider;
pub use alloy_rpc_types_eth;
pub use alloy_signer_local;

/// `Challenge.status` values.
pub const CHALLENGE_NONE: u8 = 0;
pub const CHALLENGE_OPEN: u8 = 1;
/// Fraud proven: the job was overturned.
pub const CHALLENGE_UPHELD: u8 = 2;
/// Fraud not proven: the challenger's bond was burned.
pub const CHALLENGE_REJECTED: u8 = 3;
pub const CHALLENGE_TIMED_OUT: u8 = 4;
/// Closed without a verdict because another challenge overturned the job first: bond returned.
pub const CHALLENGE_REFUNDED: u8 = 5;

/// Errors from the RPC client.
#[derive(Debug)]
pub enum ClientError {
    /// The RPC URL or private key is malformed.
    Config(String),
    /// The endpoint failed or returned something unexpected.
    Rpc(String),
    /// The transaction or call reverts; `reason` is the decoded `Error(string)` or custom error.
    Reverted { reason: String, data: Option<Bytes> },
    /// The transaction was mined but failed (status 0).
    Failed { tx_hash: B256 },
    /// Return data or a log could not be decoded.
    Decode(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Config(e) => write!(f, "{e}"),
            ClientError::Rpc(e) => write!(f, "RPC error: {e}"),
            ClientError::Reverted { reason, .. } => write!(f, "reverted: {reason}"),
            ClientError::Failed { tx_hash } => write!(f, "transaction {tx_hash} failed"),
            ClientError::Decode(e) => write!(f, "decode error: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl ClientError {
    /// The revert reason, if this is a revert.
    pub fn revert_reason(&self) -> Option<&str> {
        match self {
            ClientError::Reverted { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// Decodes revert data: `Error(string)`, `Panic(uint256)` or one of `JobManager`'s / the
/// consumer's custom errors; otherwise hex.
pub fn decode_revert(data: &[u8]) -> String {
    if let Some(reason) = alloy_sol_types::decode_revert_reason(data) {
        if !reason.starts_with("custom error") {
            return reason;
        }
    }
    if let Ok(e) = JobManager::JobManagerErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = ExampleConsumer::ExampleConsumerErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    format!("0x{}", alloy_primitives::hex::encode(data))
}

fn rpc_error(e: alloy_provider::transport::TransportError) -> ClientError {
    if let Some(resp) = e.as_error_resp() {
        if let Some(data) = resp.as_revert_data() {
            return ClientError::Reverted { reason: decode_revert(&data), data: Some(data) };
        }
        if resp.message.contains("revert") {
            return ClientError::Reverted { reason: resp.message.to_string(), data: None };
        }
    }
    ClientError::Rpc(e.to_string())
}

/// Parses a private key (hex, with or without `0x`) into alloy's local signer.
pub fn parse_key(hex_key: &str) -> Result<PrivateKeySigner, ClientError> {
    let key =
        crate::signing_key_from_hex(hex_key).map_err(|e| ClientError::Config(e.to_string()))?;
    Ok(PrivateKeySigner::from_signing_key(key))
}

/// A connection to a chain with one signing key: sends transactions from [`Client::address`].
#[derive(Clone)]
pub struct Client {
    provider: DynProvider,
    signer: PrivateKeySigner,
    rpc_url: String,
    timeout: std::time::Duration,
}

/// A job's posted result and the block whose transaction posted it (and its blobs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedResult {
    pub output: Bytes,
    pub block_number: u64,
    pub block_hash: B256,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("address", &self.signer.address()).finish()
    }
}

/// Gas limit for a transaction whose estimate is `estimate`.
///
/// An estimate is exact only for the state and block it was computed against. The transaction
/// runs in a later block, where branches can cost more: `JobManager` writes an operator's latest
/// challenge deadline only when `block.timestamp` has moved on, a consumer's callback may write
/// a fresh slot. Sending the bare estimate made such a transaction run out of gas and revert,
/// wasting a transaction; a quarter more plus 50k covers these with room to spare, and unused
/// gas is not paid for. The margin never lifts a limit above [`MAX_TX_GAS`] (a challenge with a
/// large proof estimates close to it); an estimate already above it is left alone.
pub fn gas_with_margin(estimate: u64) -> u64 {
    let padded = estimate.saturating_add(estimate / 4).saturating_add(50_000);
    padded.min(MAX_TX_GAS.max(estimate))
}

/// The per-transaction gas cap of EIP-7825 (Osaka): 2^24. A transaction asking for more is
/// invalid on chains that enforce it.
pub const MAX_TX_GAS: u64 = 1 << 24;

/// How long one RPC request may take by default before it fails (a large challenge
/// transaction carries a proof of a few hundred KB).
pub const DEFAULT_RPC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Client {
    /// Connects to `rpc_url` (http://, or https:// with feature `rustls`) with a private key.
    pub async fn connect(rpc_url: &str, private_key: &str) -> Result<Self, ClientError> {
        Self::connect_with_signer(rpc_url, parse_key(private_key)?).await
    }

    pub async fn connect_with_signer(
        rpc_url: &str,
        signer: PrivateKeySigner,
    ) -> Result<Self, ClientError> {
        Self::connect_with_timeout(rpc_url, signer, DEFAULT_RPC_TIMEOUT).await
    }

    /// [`Client::connect_with_signer`] where every RPC request gives up after `timeout` (an
    /// error like any other RPC failure), so a frozen endpoint cannot hang a caller.
    pub async fn connect_with_timeout(
        rpc_url: &str,
        signer: PrivateKeySigner,
        timeout: std::time::Duration,
    ) -> Result<Self, ClientError> {
        if !(rpc_url.starts_with("http://") || rpc_url.starts_with("https://")) {
            return Err(ClientError::Config(format!(
                "RPC URL must be http:// or https://, got {rpc_url:?}"
            )));
        }
        let url: reqwest::Url = rpc_url
            .parse()
            .map_err(|e| ClientError::Config(format!("invalid RPC URL {rpc_url:?}: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ClientError::Config(format!("cannot build an HTTP client: {e}")))?;
        // Not the recommended fillers: their cached nonce manager consumes a nonce even when gas
        // estimation fails (a reverting call), leaving a gap that stalls every later transaction.
        // The simple manager asks the node for the pending nonce each time, which also keeps
        // several clients with the same key consistent.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_blob_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(EthereumWallet::from(signer.clone()))
            .connect_reqwest(http, url)
            .erased();
        // Reach the endpoint once, as connecting used to, so a wrong URL fails here.
        provider
            .get_chain_id()
            .await
            .map_err(|e| ClientError::Config(format!("cannot connect to {rpc_url}: {e}")))?;
        Ok(Self { provider, signer, rpc_url: rpc_url.to_string(), timeout })
    }

    /// The same endpoint (and timeout) with another key.
    pub async fn with_signer(&self, signer: PrivateKeySigner) -> Result<Self, ClientError> {
        Self::connect_with_timeout(&self.rpc_url, signer, self.timeout).await
    }

    /// The RPC URL this client was connected to.
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// The sender address.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    pub fn signer(&self) -> &PrivateKeySigner {
        &self.signer
    }

    /// The underlying provider, for anything not wrapped here.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    // ----- generic -----

    /// Signs and sends `tx` with a gas limit of the node's estimate plus [`gas_with_margin`]'s
    /// headroom; fees, nonce and chain ID are filled by the provider. Fails without sending if
    /// the estimate fails (the call would revert).
    pub async fn send_transaction(
        &self,
        tx: TransactionRequest,
    ) -> Result<
        alloy_provider::PendingTransactionBuilder<alloy_network::Ethereum>,
        alloy_provider::transport::TransportError,
    > {
        let estimate = self.provider.estimate_gas(tx.clone()).await?;
        self.provider.send_transaction(tx.with_gas_limit(gas_with_margin(estimate))).await
    }

    /// Sends a transaction with calldata `input` and `value` to `to` (or a creation if `None`),
    /// waits for its receipt and fails if it reverts.
    pub async fn send_raw(
        &self,
        to: Option<Address>,
        input: Bytes,
        value: U256,
    ) -> Result<TransactionReceipt, ClientError> {
        let mut tx = TransactionRequest::default()
            .with_from(self.address())
            .with_input(input)
            .with_value(value);
        match to {
            Some(to) => tx.set_to(to),
            None => tx.set_create(),
        }
        self.send_request(tx).await
    }

    /// Sends `tx`, waits for its receipt and fails if it reverts.
    pub async fn send_request(
        &self,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, ClientError> {
        let pending = self.send_transaction(tx).await.map_err(rpc_error)?;
        let receipt = pending.get_receipt().await.map_err(|e| ClientError::Rpc(e.to_string()))?;
        if !receipt.status() {
            return Err(ClientError::Failed { tx_hash: receipt.transaction_hash });
        }
        Ok(receipt)
    }

    /// Sends `call` to `to` with `value` wei and waits for the receipt.
    pub async fn send<C: SolCall>(
        &self,
        to: Address,
        call: &C,
        value: U256,
    ) -> Result<TransactionReceipt, ClientError> {
        self.send_raw(Some(to), call.abi_encode().into(), value).await
    }

    /// `eth_call` of `call` on `to` at the latest block, decoding the return value.
    pub async fn view<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return, ClientError> {
        let tx = TransactionRequest::default()
            .with_from(self.address())
            .with_to(to)
            .with_input(call.abi_encode());
        // At the latest block, as `cast call` does, not alloy's default "pending": a node
        // computes the pending block by executing every transaction in its pool, so with a
        // relayer's many transactions in flight each read would re-run all of them.
        let out = self
            .provider
            .call(tx)
            .block(BlockNumberOrTag::Latest.into())
            .await
            .map_err(rpc_error)?;
        C::abi_decode_returns(&out)
            .map_err(|e| ClientError::Decode(format!("{}: {e}", C::SIGNATURE)))
    }

    /// Ether balance of `account` in wei.
    pub async fn balance(&self, account: Address) -> Result<U256, ClientError> {
        self.provider.get_balance(account).await.map_err(rpc_error)
    }

    pub async fn chain_id(&self) -> Result<u64, ClientError> {
        self.provider.get_chain_id().await.map_err(rpc_error)
    }

    pub async fn block_number(&self) -> Result<u64, ClientError> {
        self.provider.get_block_number().await.map_err(rpc_error)
    }

    /// Timestamp of the latest block.
    pub async fn block_timestamp(&self) -> Result<u64, ClientError> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(rpc_error)?
            .ok_or_else(|| ClientError::Rpc("no latest block".into()))?;
        Ok(block.header.timestamp)
    }

    /// Every `E` event emitted by `address` from block `from_block` on, with its log.
    pub async fn events<E: SolEvent>(
        &self,
        address: Address,
        from_block: u64,
    ) -> Result<Vec<(E, Log)>, ClientError> {
        let filter = Filter::new()
            .address(address)
            .event_signature(E::SIGNATURE_HASH)
            .from_block(from_block)
            .to_block(BlockNumberOrTag::Latest);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc_error)?;
        logs.into_iter()
            .map(|log| {
                let decoded = decode_log::<E>(&log)?;
                Ok((decoded, log))
            })
            .collect()
    }

    /// The result posted for `job_id` (its `JobCompleted` event, searched from `from_block`),
    /// or `None` if none was posted.
    pub async fn posted_result(
        &self,
        job_manager: Address,
        job_id: B256,
        from_block: u64,
    ) -> Result<Option<PostedResult>, ClientError> {
        let filter = Filter::new()
            .address(job_manager)
            .event_signature(JobManager::JobCompleted::SIGNATURE_HASH)
            .topic1(job_id)
            .from_block(from_block)
            .to_block(BlockNumberOrTag::Latest);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc_error)?;
        let Some(log) = logs.last() else { return Ok(None) };
        let output = decode_log::<JobManager::JobCompleted>(log)?.result;
        match (log.block_number, log.block_hash) {
            (Some(block_number), Some(block_hash)) => {
                Ok(Some(PostedResult { output, block_number, block_hash }))
            }
            _ => Err(ClientError::Decode("a JobCompleted log without its block".into())),
        }
    }

    // ----- deployment -----

    /// Sends a contract creation; returns the new contract's address.
    pub async fn deploy_bytecode(&self, creation_data: Bytes) -> Result<Address, ClientError> {
        let receipt = self.send_raw(None, creation_data, U256::ZERO).await?;
        receipt
            .contract_address
            .ok_or_else(|| ClientError::Rpc("creation receipt has no contract address".into()))
    }

    // ----- JobManager: transactions -----

    /// `submitResult(result, signature)` (relayer only): `result` is an encoded
    /// [`crate::ResultWithMetadata`], `signature` the operator's EIP-191 signature over it.
    pub async fn submit_result(
        &self,
        job_manager: Address,
        result: impl Into<Bytes>,
        signature: impl Into<Bytes>,
    ) -> Result<TransactionReceipt, ClientError> {
        let call = JobManager::submitResultCall {
            resultWithMetadata: result.into(),
            signature: signature.into(),
        };
        self.send(job_manager, &call, U256::ZERO).await
    }

    /// `submitResultForOffchainJob` (relayer only).
    /// `blobs`: the offchain input to carry in the transaction's blobs (packed by `da`; the
    /// result must name their versioned hashes), or empty for none.
    pub async fn submit_result_for_offchain_job(
        &self,
        job_manager: Address,
        result: impl Into<Bytes>,
        signature_on_result: impl Into<Bytes>,
        request: impl Into<Bytes>,
        signature_on_request: impl Into<Bytes>,
        blobs: &[u8],
    ) -> Result<TransactionReceipt, ClientError> {
        let call = JobManager::submitResultForOffchainJobCall {
            offchainResultWithMetadata: result.into(),
            signatureOnResult: signature_on_result.into(),
            jobRequest: request.into(),
            signatureOnRequest: signature_on_request.into(),
        };
        let mut tx = TransactionRequest::default()
            .with_from(self.address())
            .with_to(job_manager)
            .with_input(call.abi_encode());
        if let Some(sidecar) =
            crate::da::sidecar(blobs).map_err(|e| ClientError::Config(e.to_string()))?
        {
            tx = tx.with_blob_sidecar(sidecar);
        }
        self.send_request(tx).await
    }

    /// `createJob(nonce, programID, onchainInput, maxCycles)` sent directly from this key
    /// (normally a consumer contract calls it; see [`Client::request_job`]).
    pub async fn create_job(
        &self,
        job_manager: Address,
        nonce: u64,
        program_id: impl Into<Bytes>,
        onchain_input: impl Into<Bytes>,
        max_cycles: u64,
    ) -> Result<(B256, TransactionReceipt), ClientError> {
        let call = JobManager::createJobCall {
            nonce,
            programID: program_id.into(),
            onchainInput: onchain_input.into(),
            maxCycles: max_cycles,
        };
        let receipt = self.send(job_manager, &call, U256::ZERO).await?;
        let created = receipt_event::<JobManager::JobCreated>(&receipt, job_manager)?;
        Ok((created.jobID, receipt))
    }

    /// `depositOperatorBond(operator)` with `amount` wei.
    pub async fn deposit_operator_bond(
        &self,
        job_manager: Address,
        operator: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, ClientError> {
        let call = JobManager::depositOperatorBondCall { operator };
        self.send(job_manager, &call, amount).await
    }

    /// `challenge(jobID, claimedOutcome, claimedOutput, proof)` with `bond` wei (must equal the
    /// current `challengeBond`); returns the challenge ID.
    pub async fn challenge(
        &self,
        job_manager: Address,
        job_id: B256,
        claim: &crate::ClaimedOutcome,
        proof: impl Into<Bytes>,
        bond: U256,
    ) -> Result<(U256, TransactionReceipt), ClientError> {
        let call = JobManager::challengeCall {
            jobID: job_id,
            claimedOutcome: claim.code(),
            claimedOutput: claim.output().to_vec().into(),
            proof: proof.into(),
        };
        let receipt = self.send(job_manager, &call, bond).await?;
        let filed = receipt_event::<JobManager::ChallengeFiled>(&receipt, job_manager)?;
        Ok((filed.challengeID, receipt))
    }

    /// `challengeWithProofInBlobs(job, claim, keccak256(proof))` with `bond`, the proof in the
    /// transaction's blobs (packed as `da` packs offchain inputs): blob gas instead of ~16 gas
    /// per calldata byte.
    pub async fn challenge_with_proof_in_blobs(
        &self,
        job_manager: Address,
        job_id: B256,
        claim: &crate::ClaimedOutcome,
        proof: &[u8],
        bond: U256,
    ) -> Result<(U256, TransactionReceipt), ClientError> {
        let sidecar = crate::da::sidecar(proof)
            .map_err(|e| ClientError::Config(format!("the proof does not fit in blobs: {e}")))?
            .ok_or_else(|| ClientError::Config("the proof is empty".into()))?;
        let call = JobManager::challengeWithProofInBlobsCall {
            jobID: job_id,
            claimedOutcome: claim.code(),
            claimedOutput: claim.output().to_vec().into(),
            proofHash: alloy_primitives::keccak256(proof),
        };
        let tx = TransactionRequest::default()
            .with_from(self.address())
            .with_to(job_manager)
            .with_input(call.abi_encode())
            .with_value(bond)
            .with_blob_sidecar(sidecar);
        let receipt = self.send_request(tx).await?;
        let filed = receipt_event::<JobManager::ChallengeFiled>(&receipt, job_manager)?;
        Ok((filed.challengeID, receipt))
    }

    /// The versioned hashes of the blobs challenge `id`'s proof was filed in (empty for a
    /// proof in calldata).
    pub async fn challenge_proof_blob_hashes(
        &self,
        job_manager: Address,
        id: U256,
    ) -> Result<Vec<B256>, ClientError> {
        self.array_prefix(job_manager, 8, |i| JobManager::challengeProofBlobhashesCall {
            _0: id,
            _1: i,
        })
        .await
    }

    /// The bytes packed (by `da`) into the blobs with these versioned hashes, fetched with
    /// [`Client::blob_by_hash`] and checked against `keccak256 = expected`.
    pub async fn bytes_from_blobs(
        &self,
        versioned_hashes: &[B256],
        expected: B256,
    ) -> Result<Vec<u8>, ClientError> {
        let mut fetched = Vec::with_capacity(versioned_hashes.len());
        for &h in versioned_hashes {
            fetched.push(self.blob_by_hash(h).await?.ok_or_else(|| {
                ClientError::Rpc(format!(
                    "the RPC node has no blob {h} (nodes keep blobs for ~18 days; use one that still serves it)"
                ))
            })?);
        }
        crate::da::unpack_bytes(&fetched, expected).map_err(ClientError::Decode)
    }

    /// `maxJobCycles()`: the largest `maxCycles` a new job may have (the provability bound).
    pub async fn max_job_cycles(&self, job_manager: Address) -> Result<u64, ClientError> {
        self.view(job_manager, &JobManager::maxJobCyclesCall {}).await
    }

    /// `setMaxJobCycles(newMax)` (owner only).
    pub async fn set_max_job_cycles(
        &self,
        job_manager: Address,
        max: u64,
    ) -> Result<TransactionReceipt, ClientError> {
        self.send(job_manager, &JobManager::setMaxJobCyclesCall { newMax: max }, U256::ZERO).await
    }

    /// `setArbiters(arbiters, threshold)` (owner only): `threshold` of `arbiters` decide.
    pub async fn set_arbiters(
        &self,
        job_manager: Address,
        arbiters: Vec<Address>,
        threshold: u64,
    ) -> Result<TransactionReceipt, ClientError> {
        let call =
            JobManager::setArbitersCall { newArbiters: arbiters, threshold: U256::from(threshold) };
        self.send(job_manager, &call, U256::ZERO).await
    }

    /// `getArbiters()`: the arbiter set and how many of them must agree on a verdict.
    pub async fn arbiters(&self, job_manager: Address) -> Result<(Vec<Address>, u64), ClientError> {
        let r = self.view(job_manager, &JobManager::getArbitersCall {}).await?;
        Ok((r.arbiters, r.threshold.saturating_to()))
    }

    /// `hasVoted(challengeID, arbiter)` under the current arbiter set.
    pub async fn has_voted(
        &self,
        job_manager: Address,
        challenge_id: U256,
        arbiter: Address,
    ) -> Result<bool, ClientError> {
        let call = JobManager::hasVotedCall { challengeID: challenge_id, who: arbiter };
        self.view(job_manager, &call).await
    }

    /// `resolveChallenge(challengeID, fraudProven)`: an arbiter's vote (the challenge is decided
    /// when `arbiterThreshold` votes agree).
    pub async fn resolve_challenge(
        &self,
        job_manager: Address,
        challenge_id: U256,
        fraud_proven: bool,
    ) -> Result<TransactionReceipt, ClientError> {
        let call = JobManager::resolveChallengeCall {
            challengeID: challenge_id,
            fraudProven: fraud_proven,
        };
        self.send(job_manager, &call, U256::ZERO).await
    }

    /// `reclaimChallengeBond(challengeID)` after the arbiter timed out.
    pub async fn reclaim_challenge_bond(
        &self,
        job_manager: Address,
        challenge_id: U256,
    ) -> Result<TransactionReceipt, ClientError> {
        let call = JobManager::reclaimChallengeBondCall { challengeID: challenge_id };
        self.send(job_manager, &call, U256::ZERO).await
    }

    /// `withdrawPayout(to)`: sends this key's `claimable` balance to `to`.
    pub async fn withdraw_payout(
        &self,
        job_manager: Address,
        to: Address,
    ) -> Result<TransactionReceipt, ClientError> {
        self.send(job_manager, &JobManager::withdrawPayoutCall { to }, U256::ZERO).await
    }

    // ----- JobManager: views -----

    pub async fn job_metadata(
        &self,
        job_manager: Address,
        job_id: B256,
    ) -> Result<JobMetadata, ClientError> {
        self.view(job_manager, &JobManager::getJobMetadataCall { jobID: job_id }).await
    }

    /// The versioned hashes of the blobs a job's offchain input was posted in
    /// (`JobManager.jobIDToBlobhashes`, in blob order; empty for a job without blobs).
    pub async fn job_blob_hashes(
        &self,
        job_manager: Address,
        job_id: B256,
    ) -> Result<Vec<B256>, ClientError> {
        self.array_prefix(job_manager, crate::da::MAX_BLOBS_PER_JOB * 2, |i| {
            JobManager::jobIDToBlobhashesCall { _0: job_id, _1: i }
        })
        .await
    }

    /// The entries of a public array getter `call(i)` on `to`, read from `i = 0` until it
    /// reverts (past the end), at most `max` of them.
    async fn array_prefix<C: SolCall>(
        &self,
        to: Address,
        max: usize,
        call: impl Fn(U256) -> C,
    ) -> Result<Vec<C::Return>, ClientError> {
        let mut entries = Vec::new();
        for i in 0..max {
            match self.view(to, &call(U256::from(i))).await {
                Ok(entry) => entries.push(entry),
                Err(ClientError::Reverted { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(entries)
    }

    /// A blob's bytes by its versioned hash, from a node that keeps blobs and serves them over
    /// RPC (anvil's `anvil_getBlobByHash`; `None` when it has no such blob). Consensus-layer
    /// nodes serve blobs through the beacon API instead. The bytes stay on the heap: a 128 KiB
    /// `Blob` decoded by value can overflow a worker thread's stack.
    pub async fn blob_by_hash(&self, versioned_hash: B256) -> Result<Option<Bytes>, ClientError> {
        self.provider
            .raw_request::<_, Option<Bytes>>("anvil_getBlobByHash".into(), (versioned_hash,))
            .await
            .map_err(|e| ClientError::Rpc(format!("anvil_getBlobByHash({versioned_hash}): {e}")))
    }

    pub async fn result_record(
        &self,
        job_manager: Address,
        job_id: B256,
    ) -> Result<ResultRecord, ClientError> {
        self.view(job_manager, &JobManager::getResultRecordCall { jobID: job_id }).await
    }

    pub async fn is_final(&self, job_manager: Address, job_id: B256) -> Result<bool, ClientError> {
        self.view(job_manager, &JobManager::isFinalCall { jobID: job_id }).await
    }

    pub async fn get_challenge(
        &self,
        job_manager: Address,
        challenge_id: U256,
    ) -> Result<Challenge, ClientError> {
        let call = JobManager::getChallengeCall { challengeID: challenge_id };
        self.view(job_manager, &call).await
    }

    pub async fn operator_bond(
        &self,
        job_manager: Address,
        operator: Address,
    ) -> Result<OperatorBond, ClientError> {
        self.view(job_manager, &JobManager::getOperatorBondCall { operator }).await
    }

    /// Wei `account` can withdraw with `withdrawPayout`.
    pub async fn claimable(
        &self,
        job_manager: Address,
        account: Address,
    ) -> Result<U256, ClientError> {
        self.view(job_manager, &JobManager::claimableCall(account)).await
    }

    pub async fn dispute_parameters(
        &self,
        job_manager: Address,
    ) -> Result<DisputeParameters, ClientError> {
        self.view(job_manager, &JobManager::getDisputeParametersCall {}).await
    }

    // ----- Consumers -----

    /// A job's onchain input and offchain input hash as its consumer recorded them (the
    /// `IConsumer` views `JobManager` checks posted results against).
    pub async fn consumer_job_inputs(
        &self,
        consumer: Address,
        job_id: B256,
    ) -> Result<(Bytes, B256), ClientError> {
        let onchain =
            self.view(consumer, &IConsumer::getOnchainInputForJobCall { jobID: job_id }).await?;
        let offchain_hash = self
            .view(consumer, &IConsumer::getOffchainInputHashForJobCall { jobID: job_id })
            .await?;
        Ok((onchain, offchain_hash))
    }

    // ----- ExampleConsumer -----

    /// `ExampleConsumer.requestJob(programID, onchainInput, maxCycles)`: the consumer calls
    /// `JobManager.createJob`; returns the job ID (from `JobRequested`) and the receipt, which
    /// also holds `JobManager`'s `JobCreated` log.
    pub async fn request_job(
        &self,
        consumer: Address,
        program_id: impl Into<Bytes>,
        onchain_input: impl Into<Bytes>,
        max_cycles: u64,
    ) -> Result<(B256, TransactionReceipt), ClientError> {
        let call = ExampleConsumer::requestJobCall {
            programID: program_id.into(),
            onchainInput: onchain_input.into(),
            maxCycles: max_cycles,
        };
        let receipt = self.send(consumer, &call, U256::ZERO).await?;
        let requested = receipt_event::<ExampleConsumer::JobRequested>(&receipt, consumer)?;
        Ok((requested.jobID, receipt))
    }

    /// The result `ExampleConsumer` stored for `job_id`, if it received one.
    pub async fn consumer_result(
        &self,
        consumer: Address,
        job_id: B256,
    ) -> Result<Option<Bytes>, ClientError> {
        if !self.view(consumer, &ExampleConsumer::hasResultCall { jobID: job_id }).await? {
            return Ok(None);
        }
        let result =
            self.view(consumer, &ExampleConsumer::getJobResultCall { jobID: job_id }).await?;
        Ok(Some(result))
    }

    /// Whether `ExampleConsumer` was told the job's result was overturned.
    pub async fn consumer_overturned(
        &self,
        consumer: Address,
        job_id: B256,
    ) -> Result<bool, ClientError> {
        self.view(consumer, &ExampleConsumer::isOverturnedCall { jobID: job_id }).await
    }

    /// The consumer's next unused nonce (`getNextNonce`), for offchain requests.
    pub async fn consumer_next_nonce(&self, consumer: Address) -> Result<u64, ClientError> {
        self.view(consumer, &ExampleConsumer::getNextNonceCall {}).await
    }
}

/// Decodes an RPC log as event `E` (checking its topic 0).
pub fn decode_log<E: SolEvent>(log: &Log) -> Result<E, ClientError> {
    let inner: &PrimitiveLog = &log.inner;
    E::decode_log(inner)
        .map(|l| l.data)
        .map_err(|e| ClientError::Decode(format!("{}: {e}", E::SIGNATURE)))
}

/// Every `E` event that `emitter` logged in the transaction of `receipt`.
pub fn receipt_events<E: SolEvent>(
    receipt: &TransactionReceipt,
    emitter: Address,
) -> Result<Vec<E>, ClientError> {
    receipt
        .inner
        .logs()
        .iter()
        .filter(|log| log.address() == emitter && log.topics().first() == Some(&E::SIGNATURE_HASH))
        .map(decode_log::<E>)
        .collect()
}

/// The single `E` event that `emitter` logged in the transaction of `receipt`.
pub fn receipt_event<E: SolEvent>(
    receipt: &TransactionReceipt,
    emitter: Address,
) -> Result<E, ClientError> {
    let mut events = receipt_events::<E>(receipt, emitter)?;
    if events.len() != 1 {
        return Err(ClientError::Decode(format!(
            "expected one {} event from {emitter}, found {}",
            E::SIGNATURE,
            events.len()
        )));
    }
    Ok(events.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gas_margin_stays_under_the_transaction_cap() {
        assert_eq!(gas_with_margin(100_000), 175_000);
        assert_eq!(gas_with_margin(10_000_000), 12_550_000);
        // A challenge carrying a large proof: the margin stops at the cap.
        assert_eq!(gas_with_margin(14_000_000), MAX_TX_GAS);
        // Over the cap already (a chain without EIP-7825): the estimate itself is sent.
        assert_eq!(gas_with_margin(MAX_TX_GAS + 5), MAX_TX_GAS + 5);
    }
}
