//! Encoders, decoders, signatures and deploy data beyond the fixed vectors.

use ivm_contracts::alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use ivm_contracts::alloy_sol_types::SolCall;
use ivm_contracts::bindings::{ExampleConsumer, JobManager};
use ivm_contracts::*;

const OPERATOR_KEY: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

#[test]
fn decode_rejects_garbage_and_non_canonical_bytes() {
    assert!(ResultWithMetadata::decode(&[0xde, 0xad]).is_err());
    let r = ResultWithMetadata::new(B256::ZERO, b"in", 5, b"p".to_vec(), b"out".to_vec());
    let mut enc = r.encode();
    assert_eq!(ResultWithMetadata::decode(&enc).unwrap(), r);
    enc.extend_from_slice(&[0u8; 32]);
    let err = ResultWithMetadata::decode(&enc).unwrap_err();
    assert!(err.to_string().contains("ResultWithMetadata"), "{err}");
    // A request is not a result.
    let req = OffchainJobRequest::new(1, 2, Address::ZERO, b"p".to_vec(), b"in".to_vec(), b"off");
    assert!(OffchainResultWithMetadata::decode(&req.encode()).is_err());
}

#[test]
fn offchain_result_binds_request() {
    let req = OffchainJobRequest::new(
        7,
        1000,
        address!("00000000000000000000000000000000000000aa"),
        b"prog".to_vec(),
        b"on".to_vec(),
        b"off",
    );
    let blobs = vec![B256::repeat_byte(1)];
    let r = OffchainResultWithMetadata::for_request(&req, b"out".to_vec(), blobs.clone());
    assert_eq!(r.jobID, job_id(7, req.consumer));
    assert_eq!(r.onchainInputHash, keccak256(b"on"));
    assert_eq!(r.offchainInputHash, keccak256(b"off"));
    assert_eq!(r.maxCycles, 1000);
    assert_eq!(r.versionedBlobHashes, blobs);
    assert_eq!(OffchainResultWithMetadata::decode(&r.encode()).unwrap(), r);
}

#[test]
fn stateful_types_round_trip() {
    let input = StatefulAppOnchainInput {
        inputStateRoot: B256::repeat_byte(3),
        onchainInput: Bytes::from_static(b"x"),
    };
    assert_eq!(StatefulAppOnchainInput::decode(&input.encode()).unwrap(), input);
    let out = StatefulAppResult {
        outputStateRoot: B256::repeat_byte(4),
        result: Bytes::from_static(b"y"),
    };
    assert_eq!(StatefulAppResult::decode(&out.encode()).unwrap(), out);
}

#[test]
fn signatures_round_trip_and_reject_what_the_contract_rejects() {
    let key = signing_key_from_hex(OPERATOR_KEY).unwrap();
    let operator = address_of(&key);
    assert_eq!(operator, address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"));
    for len in [0usize, 1, 9, 10, 99, 100, 1000] {
        let msg = vec![0x5a; len];
        let sig = sign_eip191(&key, &msg).unwrap();
        assert!(sig[64] == 27 || sig[64] == 28);
        assert_eq!(recover_eip191(&msg, &sig).unwrap(), operator);
        assert_ne!(recover_eip191(b"other", &sig).ok(), Some(operator));
    }
    let msg = b"result bytes";
    let sig = sign_eip191(&key, msg).unwrap();
    assert_eq!(recover_eip191(msg, &sig[..64]).unwrap_err(), Error::SignatureLength(64));
    assert!(recover_eip191(msg, &[0u8; 65]).is_err());

    // The malleable twin (n - s, flipped v) recovers the same key but JobManager refuses it.
    let n = U256::from_str_radix(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
        16,
    )
    .unwrap();
    let s = U256::from_be_slice(&sig[32..64]);
    let mut twin = sig;
    twin[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
    twin[64] = if sig[64] == 27 { 28 } else { 27 };
    assert_eq!(recover_eip191(msg, &twin).unwrap_err(), Error::SignatureHighS);

    assert!(signing_key_from_hex("zz").is_err());
    assert!(signing_key_from_hex(&"00".repeat(32)).is_err());
}

#[test]
fn call_encoding_matches_relay_calldata() {
    let r = ResultWithMetadata::new(B256::ZERO, b"in", 5, b"p".to_vec(), b"out".to_vec());
    let key = signing_key_from_hex(OPERATOR_KEY).unwrap();
    let sig = sign_eip191(&key, &r.encode()).unwrap();
    let call = JobManager::submitResultCall {
        resultWithMetadata: r.encode().into(),
        signature: sig.to_vec().into(),
    };
    let data = call.abi_encode();
    assert_eq!(&data[..4], &[0xea, 0x25, 0x34, 0x87]);
    let back = JobManager::submitResultCall::abi_decode(&data).unwrap();
    assert_eq!(ResultWithMetadata::decode(&back.resultWithMetadata).unwrap(), r);
}

#[test]
fn deploy_data_is_bytecode_plus_constructor_args() {
    let params = DisputeParameters {
        challengeWindow: 3600,
        arbiterTimeout: 86400,
        withdrawalDelay: 7200,
        challengeBond: U256::from(10).pow(U256::from(18)),
        challengerReward: U256::from(2) * U256::from(10).pow(U256::from(18)),
        minOperatorBond: U256::ZERO,
    };
    let owner = Address::repeat_byte(1);
    let data = job_manager_deploy_data(
        owner,
        Address::repeat_byte(2),
        Address::repeat_byte(3),
        Address::repeat_byte(4),
        params,
    );
    let code = JobManager::BYTECODE.as_ref();
    assert!(code.len() > 1000, "JobManager creation code present");
    assert!(data.starts_with(code));
    assert_eq!(data.len(), code.len() + 4 * 32 + 6 * 32);
    assert_eq!(&data[code.len() + 12..code.len() + 32], owner.as_slice());
    assert!(!JobManager::DEPLOYED_BYTECODE.is_empty());

    let data =
        example_consumer_deploy_data(owner, Address::repeat_byte(2), Address::repeat_byte(5), 0);
    assert!(data.starts_with(ExampleConsumer::BYTECODE.as_ref()));
    assert_eq!(data.len(), ExampleConsumer::BYTECODE.len() + 4 * 32);
}
