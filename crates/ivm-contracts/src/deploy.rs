//! Deploys ivm's contracts (feature `client`): `JobManager(owner, relayer, operator, arbiter,
//! DisputeParameters)` and an `ExampleConsumer` wired to it.

use crate::bindings::{ExampleConsumer, JobManager};
use crate::client::{Client, ClientError};
use crate::{example_consumer_deploy_data, job_manager_deploy_data, DisputeParameters};
use alloy_primitives::{Address, U256};

/// What to deploy: `JobManager(owner, relayer, operator, arbiter, params)` and
/// `ExampleConsumer(owner, jobManager, offchainSigner, initialMaxNonce)`.
#[derive(Debug, Clone)]
pub struct DeployConfig {
    pub owner: Address,
    pub relayer: Address,
    pub operator: Address,
    pub arbiter: Address,
    pub dispute_parameters: DisputeParameters,
    /// Owner of the `ExampleConsumer`.
    pub consumer_owner: Address,
    /// Address whose EIP-191 signatures the consumer accepts for offchain requests.
    pub consumer_offchain_signer: Address,
    pub consumer_initial_max_nonce: u64,
}

impl DeployConfig {
    /// Every role held by one address (a local devnet), with [`dev_dispute_parameters`].
    pub fn single_key(address: Address) -> Self {
        Self {
            owner: address,
            relayer: address,
            operator: address,
            arbiter: address,
            dispute_parameters: dev_dispute_parameters(),
            consumer_owner: address,
            consumer_offchain_signer: address,
            consumer_initial_max_nonce: 0,
        }
    }
}

/// Dispute parameters for local devnets: 1 hour challenge window, 1 hour arbiter timeout and
/// withdrawal delay, 0.1 ether challenge bond, 0.5 ether challenger reward, 1 ether minimum
/// operator bond.
pub fn dev_dispute_parameters() -> DisputeParameters {
    const ETHER: u128 = 1_000_000_000_000_000_000;
    DisputeParameters {
        challengeWindow: 3600,
        arbiterTimeout: 3600,
        withdrawalDelay: 3600,
        challengeBond: U256::from(ETHER / 10),
        challengerReward: U256::from(ETHER / 2),
        minOperatorBond: U256::from(ETHER),
    }
}

/// Addresses of a deployment and the arguments they were deployed with.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub chain_id: u64,
    pub job_manager: Address,
    pub consumer: Address,
    pub config: DeployConfig,
    /// Block of the `JobManager` creation (a lower bound for event queries).
    pub deploy_block: u64,
}

/// Deploys `JobManager` then `ExampleConsumer` from `deployer`'s key (which pays the gas) and
/// checks the constructor arguments took effect.
pub async fn deploy(deployer: &Client, config: &DeployConfig) -> Result<Deployment, ClientError> {
    let chain_id = deployer.chain_id().await?;
    let data = job_manager_deploy_data(
        config.owner,
        config.relayer,
        config.operator,
        config.arbiter,
        config.dispute_parameters.clone(),
    );
    let receipt = deployer.send_raw(None, data, U256::ZERO).await?;
    let job_manager = receipt
        .contract_address
        .ok_or_else(|| ClientError::Rpc("creation receipt has no contract address".into()))?;
    let deploy_block = receipt.block_number.unwrap_or_default();
    let consumer = deployer
        .deploy_bytecode(example_consumer_deploy_data(
            config.consumer_owner,
            job_manager,
            config.consumer_offchain_signer,
            config.consumer_initial_max_nonce,
        ))
        .await?;

    let relayer = deployer.view(job_manager, &JobManager::getRelayerCall {}).await?;
    let operator = deployer.view(job_manager, &JobManager::getCoprocessorOperatorCall {}).await?;
    let arbiters = deployer.view(job_manager, &JobManager::getArbitersCall {}).await?;
    let consumer_jm = deployer.view(consumer, &ExampleConsumer::getJobManagerCall {}).await?;
    if (relayer, operator, arbiters.arbiters, consumer_jm)
        != (config.relayer, config.operator, vec![config.arbiter], job_manager)
    {
        return Err(ClientError::Rpc(
            "deployed contracts do not report the constructor arguments".into(),
        ));
    }
    Ok(Deployment { chain_id, job_manager, consumer, config: config.clone(), deploy_block })
}

/// Connects with `private_key` and deploys (see [`deploy`]).
pub async fn deploy_to(
    rpc_url: &str,
    private_key: &str,
    config: &DeployConfig,
) -> Result<Deployment, ClientError> {
    let deployer = Client::connect(rpc_url, private_key).await?;
    deploy(&deployer, config).await
}
