//! InfinityVM interoperability vectors (shared/reference/infinityvm.md §11), byte for byte.

use ivm_contracts::alloy_primitives::{address, b256, hex, keccak256, Address, Bytes, B256, U256};
use ivm_contracts::alloy_sol_types::{SolCall, SolEvent, SolValue};
use ivm_contracts::bindings::{ExampleConsumer, IJobManager, JobManager, StatefulConsumer};
use ivm_contracts::*;

const REPO_CONSUMER: Address = address!("50EEf481cae4250d252Ae577A09bF514f224C6C4");
const SQRT_CONSUMER: Address = address!("5FbDB2315678afecb367f032d93F642f64180aa3");
const REPO_JOB_ID: B256 = b256!("60bd454a5be1144057d7b68260c9414afce2ca215f6a84a26a65329343a1220c");
const SQRT_JOB_ID: B256 = b256!("27c228cf511b4fa242f29995cd9e6f47c73638f2f27b8e9e081694eaebfeeb21");
const SQUARE_ROOT_ID: [u8; 32] =
    hex!("11f33be858c41ce554eea7d643911c8e5c4de4f775da47bf100317333d2ef425");

const ANVIL_0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ANVIL_2: &str = "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const ANVIL_5: &str = "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

fn word(enc: &[u8], i: usize) -> U256 {
    U256::from_be_slice(&enc[32 * i..32 * (i + 1)])
}

/// `abi.encode(uint256 a, uint256 b)`.
fn abi_u256_pair(a: u64, b: u64) -> Vec<u8> {
    (U256::from(a), U256::from(b)).abi_encode_params()
}

#[test]
fn v01_v02_hashes() {
    assert_eq!(keccak256([]), EMPTY_INPUT_HASH);
    assert_eq!(
        EMPTY_INPUT_HASH,
        b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    );
    assert_eq!(
        keccak256([0u8; 32]),
        b256!("290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563")
    );
    assert_eq!(Address::ZERO.abi_encode(), vec![0u8; 32]);
}

#[test]
fn v03_to_v05_job_ids() {
    assert_eq!(job_id(1, REPO_CONSUMER), REPO_JOB_ID);
    assert_eq!(
        job_id(2, REPO_CONSUMER),
        b256!("70e9ee97435f368239d23bf4f7953c710a37e0b3368db309de181d5f6bc47169")
    );
    assert_eq!(
        job_id(0, Address::ZERO),
        b256!("b696031ea0505df7c7b5cc290e50cea0402d2a396b0db1c5d08155bd219cc52e")
    );
    assert_eq!(
        job_id(u64::MAX, Address::repeat_byte(0xff)),
        b256!("e23f421fa473c78889707f235872043c4aaca3b99dbc141ec517b44b7b219576")
    );
    assert_eq!(job_id(1, SQRT_CONSUMER), SQRT_JOB_ID);
    // Same as abi.encodePacked(uint64, address).
    let packed = (1u64, REPO_CONSUMER).abi_encode_packed();
    assert_eq!(packed.len(), 28);
    assert_eq!(keccak256(&packed), REPO_JOB_ID);
}

fn repo_result() -> ResultWithMetadata {
    ResultWithMetadata::new(
        REPO_JOB_ID,
        &[0u8; 32],
        1_000_000,
        b"programID".to_vec(),
        (Address::ZERO, U256::from(10)).abi_encode_params(),
    )
}

#[test]
fn v06_repo_result_with_metadata() {
    let r = repo_result();
    assert_eq!(r.onchainInputHash, keccak256([0u8; 32]));
    let enc = r.encode();
    assert_eq!(enc.len(), 352);
    assert_eq!(word(&enc, 0), U256::from(0x20));
    assert_eq!(word(&enc, 3), U256::from(0xf4240));
    assert_eq!(word(&enc, 4), U256::from(0xa0));
    assert_eq!(word(&enc, 5), U256::from(0xe0));
    assert_eq!(
        eip191_digest(&enc),
        b256!("3c19a3a7c1d0f95fca98eadaac3db98504f0924ae27e19023aefa503505fc5a4")
    );
    assert_eq!(ResultWithMetadata::decode(&enc).unwrap(), r);
}

#[test]
fn v07_repo_offchain_job_request() {
    let req = OffchainJobRequest {
        nonce: 1,
        maxCycles: 1_000_000,
        consumer: REPO_CONSUMER,
        programID: Bytes::from_static(b"programID"),
        onchainInput: Bytes::from(vec![0u8; 32]),
        offchainInputHash: keccak256([0u8; 32]),
    };
    let enc = req.encode();
    assert_eq!(enc.len(), 352);
    assert_eq!(word(&enc, 0), U256::from(0x20));
    assert_eq!(word(&enc, 4), U256::from(0xc0));
    assert_eq!(word(&enc, 5), U256::from(0x100));
    assert_eq!(
        eip191_digest(&enc),
        b256!("f1a189bb15a7c19c82edd877b3c59b4528291c228acc1f548ea52c834811a6b4")
    );
    let key = signing_key_from_hex(ANVIL_0).unwrap();
    assert_eq!(address_of(&key), address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    let sig = sign_eip191(&key, &enc).unwrap();
    assert_eq!(
        sig,
        hex!("ebed44f7299bd0dba5e4622207ebec36ca16106074f403cb65b18c6242e60fd3043703f26051243f128bb2a6a1ca3d90e7916c216b6438c997a3c146776192351b")
    );
    assert_eq!(recover_eip191(&enc, &sig).unwrap(), address_of(&key));
    assert_eq!(req.job_id(), REPO_JOB_ID);
    assert_eq!(OffchainJobRequest::decode(&enc).unwrap(), req);
}

#[test]
fn v08_repo_offchain_result_with_metadata() {
    let r = OffchainResultWithMetadata {
        jobID: REPO_JOB_ID,
        onchainInputHash: keccak256([0u8; 32]),
        offchainInputHash: keccak256([0u8; 32]),
        maxCycles: 1_000_000,
        programID: Bytes::from_static(b"programID"),
        result: (Address::ZERO, U256::from(10)).abi_encode_params().into(),
        versionedBlobHashes: vec![],
    };
    let enc = r.encode();
    assert_eq!(enc.len(), 448);
    assert_eq!(word(&enc, 0), U256::from(0x20));
    assert_eq!(word(&enc, 5), U256::from(0xe0));
    assert_eq!(word(&enc, 6), U256::from(0x120));
    assert_eq!(word(&enc, 7), U256::from(0x180));
    assert_eq!(word(&enc, 13), U256::ZERO);
    assert_eq!(OffchainResultWithMetadata::decode(&enc).unwrap(), r);
}

fn sqrt_request() -> OffchainJobRequest {
    OffchainJobRequest::new(
        1,
        1_000_000,
        SQRT_CONSUMER,
        SQUARE_ROOT_ID.to_vec(),
        U256::from(9).abi_encode(),
        &[],
    )
}

#[test]
fn v09_square_root_request() {
    let req = sqrt_request();
    assert_eq!(
        keccak256(&req.onchainInput),
        b256!("6e1540171b6c0c960b71a7020d9f60077f6af931a8bbf590da0223dacf75c7af")
    );
    assert_eq!(req.offchainInputHash, EMPTY_INPUT_HASH);
    assert_eq!(req.job_id(), SQRT_JOB_ID);
    let enc = req.encode();
    assert_eq!(enc.len(), 352);
    assert_eq!(
        eip191_digest(&enc),
        b256!("c0f47a02dd2b555da865efb77f8334b2b7490847960729e7e82d27b952674d79")
    );
    let sig = sign_eip191(&signing_key_from_hex(ANVIL_5).unwrap(), &enc).unwrap();
    assert_eq!(
        sig,
        hex!("f2122152e96ad86190c1de265b307041abfff0b44fb68e2964046b4cff2a74d40fe7183ec093b441cff7204dcd7d224891a6367e48ea44092f0c7841e64fd13e1b")
    );
    assert_eq!(
        recover_eip191(&enc, &sig).unwrap(),
        address!("9965507D1a55bcC2695C58ba16FB37d819B0A4dc")
    );
}

#[test]
fn v10_square_root_result() {
    let r = ResultWithMetadata::new(
        SQRT_JOB_ID,
        &U256::from(9).abi_encode(),
        1_000_000,
        SQUARE_ROOT_ID.to_vec(),
        abi_u256_pair(9, 3),
    );
    let enc = r.encode();
    assert_eq!(enc.len(), 352);
    assert_eq!(
        eip191_digest(&enc),
        b256!("03612279748de70b5019660974e87c13a9dffae635599b41f5c7017ae240cdb0")
    );
    let sig = sign_eip191(&signing_key_from_hex(ANVIL_2).unwrap(), &enc).unwrap();
    assert_eq!(
        sig,
        hex!("554e5364163193cb9f33eea1fe9ca6fc58aef909e2fa43b248bceda8fa3ac33e052d97aad0cebe2405fb710942c06c04f9bad83f3ed68bf7738fa430a774c1cf1b")
    );
    assert_eq!(
        recover_eip191(&enc, &sig).unwrap(),
        address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
    );
}

#[test]
fn v11_square_root_offchain_result() {
    let r = OffchainResultWithMetadata::for_request(&sqrt_request(), abi_u256_pair(9, 3), vec![]);
    assert_eq!(r.jobID, SQRT_JOB_ID);
    let enc = r.encode();
    assert_eq!(enc.len(), 448);
    assert_eq!(
        eip191_digest(&enc),
        b256!("38f28e085d1e9fc4643d600b3a2cc47ee88dca247ac92b2cd32ac79f0948faca")
    );
    let sig = sign_eip191(&signing_key_from_hex(ANVIL_2).unwrap(), &enc).unwrap();
    assert_eq!(
        sig,
        hex!("c232a3207464050651b39d432f2ab8540886095e3b43b53b095cca2e7b79723e2d96da20e8acd4d00efa091ff1d6e9f9af1b1f2d2a8176a89ed755dcb7e0b52d1b")
    );
}

#[test]
fn v12_selectors() {
    let cases: &[([u8; 4], [u8; 4], &str)] = &[
        (JobManager::createJobCall::SELECTOR, hex!("a8f63fb6"), "createJob"),
        (JobManager::cancelJobCall::SELECTOR, hex!("5fae1450"), "cancelJob"),
        (JobManager::submitResultCall::SELECTOR, hex!("ea253487"), "submitResult"),
        (
            JobManager::submitResultForOffchainJobCall::SELECTOR,
            hex!("f4c67279"),
            "submitResultForOffchainJob",
        ),
        (JobManager::getJobMetadataCall::SELECTOR, hex!("0b827bfc"), "getJobMetadata"),
        (JobManager::jobIDToMetadataCall::SELECTOR, hex!("5ada462e"), "jobIDToMetadata"),
        (JobManager::jobIDToBlobhashesCall::SELECTOR, hex!("61796952"), "jobIDToBlobhashes"),
        (JobManager::setRelayerCall::SELECTOR, hex!("6548e9bc"), "setRelayer"),
        (JobManager::getRelayerCall::SELECTOR, hex!("bdc50373"), "getRelayer"),
        (
            JobManager::setCoprocessorOperatorCall::SELECTOR,
            hex!("33db8f79"),
            "setCoprocessorOperator",
        ),
        (
            JobManager::getCoprocessorOperatorCall::SELECTOR,
            hex!("d332ca87"),
            "getCoprocessorOperator",
        ),
        (ExampleConsumer::getJobManagerCall::SELECTOR, hex!("db6902fd"), "getJobManager"),
        (
            ExampleConsumer::getOnchainInputForJobCall::SELECTOR,
            hex!("535fb15e"),
            "getOnchainInputForJob",
        ),
        (
            ExampleConsumer::getOffchainInputHashForJobCall::SELECTOR,
            hex!("c072fcad"),
            "getOffchainInputHashForJob",
        ),
        (ExampleConsumer::getNextNonceCall::SELECTOR, hex!("bd7084b2"), "getNextNonce"),
        (ExampleConsumer::setInputsForJobCall::SELECTOR, hex!("f0bb3feb"), "setInputsForJob"),
        (ExampleConsumer::updateLatestNonceCall::SELECTOR, hex!("b75880a4"), "updateLatestNonce"),
        (ExampleConsumer::receiveResultCall::SELECTOR, hex!("5dd80855"), "receiveResult"),
        (ExampleConsumer::isValidSignatureCall::SELECTOR, hex!("1626ba7e"), "isValidSignature"),
        (
            StatefulConsumer::getLatestStateRootCall::SELECTOR,
            hex!("a04fda49"),
            "getLatestStateRoot",
        ),
    ];
    for (got, want, name) in cases {
        assert_eq!(got, want, "selector of {name}");
    }
    assert_eq!(EIP1271_MAGIC_VALUE, hex!("1626ba7e"));
}

#[test]
fn v12_event_topics() {
    assert_eq!(
        JobManager::JobCreated::SIGNATURE_HASH,
        b256!("6746f3d160e2aee55f5b75a72021b8b806113443f64eed235b5f69af10d4890b")
    );
    assert_eq!(
        JobManager::JobCancelled::SIGNATURE_HASH,
        b256!("9ccc861eaec2aceb9488758b457d6274b344707bc4e961cbaefacd208025410f")
    );
    assert_eq!(
        JobManager::JobCompleted::SIGNATURE_HASH,
        b256!("18ce2a004e7924f4cafa86a73b66181a8015d42237947bf984673fd623ac644f")
    );
    assert_eq!(IJobManager::JobCreated::SIGNATURE_HASH, JobManager::JobCreated::SIGNATURE_HASH);
}

/// The bindings agree with the committed artifacts' method identifiers.
#[test]
fn bindings_match_artifact_method_identifiers() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/out");
    let artifact: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/JobManager.sol/JobManager.json")).unwrap(),
    )
    .unwrap();
    let ids = artifact["methodIdentifiers"].as_object().unwrap();
    assert_eq!(
        ids["submitResult(bytes,bytes)"],
        hex::encode(JobManager::submitResultCall::SELECTOR)
    );
    assert_eq!(
        ids["challenge(bytes32,uint8,bytes,bytes)"],
        hex::encode(JobManager::challengeCall::SELECTOR)
    );
    assert_eq!(ids.len(), JobManager::JobManagerCalls::SELECTORS.len());
}
