//! Wire format: InfinityVM's JSON vector (reference §11 item 13), the byte-field conventions,
//! round trips of every message, enums and the error mapping.
use ivm_api::*;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::json;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let text = serde_json::to_string(v).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, v, "{text}");
}

#[test]
fn job_result_matches_infinityvm_vector_13() {
    let b = vec![0u8, 0, 1];
    let job = JobResult {
        id: b.clone(),
        nonce: 1,
        max_cycles: 100,
        consumer_address: b.clone(),
        program_id: b.clone(),
        onchain_input: b.clone(),
        offchain_input_hash: b.clone(),
        request_signature: b.clone(),
        result_with_metadata: b.clone(),
        zkvm_operator_signature: b.clone(),
        status: Some(JobStatus {
            status: JobStatusType::Pending.into(),
            failure_reason: None,
            retries: 0,
        }),
        relay_tx_hash: b,
    };
    let expected = r#"{"id":"000001","nonce":1,"maxCycles":100,"consumerAddress":"000001","programId":"000001","onchainInput":"000001","offchainInputHash":"000001","requestSignature":"000001","resultWithMetadata":"000001","zkvmOperatorSignature":"000001","status":{"status":1,"failureReason":null,"retries":0},"relayTxHash":"000001"}"#;
    assert_eq!(serde_json::to_string(&job).unwrap(), expected);
    assert_eq!(serde_json::from_str::<JobResult>(expected).unwrap(), job);
}

#[test]
fn submit_job_bytes_are_integer_arrays() {
    let req = SubmitJobRequest {
        request: vec![1, 2],
        signature: vec![255],
        offchain_input: vec![],
        relay_strategy: RelayStrategy::Ordered.into(),
    };
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"request": [1, 2], "signature": [255], "offchainInput": [], "relayStrategy": 1})
    );
    assert_eq!(
        serde_json::to_value(SubmitJobResponse { job_id: vec![7; 2] }).unwrap(),
        json!({"jobId": [7, 7]})
    );
    assert_eq!(
        serde_json::to_value(GetResultRequest { job_id: vec![9] }).unwrap(),
        json!({"jobId": [9]})
    );
    // An integer outside 0..=255 is not a byte.
    assert!(serde_json::from_value::<GetResultRequest>(json!({"jobId": [256]})).is_err());
}

#[test]
fn hex_fields_accept_prefix_and_reject_garbage() {
    let p: ContainsProgramRequest = serde_json::from_value(json!({"programId": "0xABcd"})).unwrap();
    assert_eq!(p.program_id, [0xab, 0xcd]);
    assert!(serde_json::from_value::<ContainsProgramRequest>(json!({"programId": "abc"})).is_err());
    assert!(serde_json::from_value::<ContainsProgramRequest>(json!({"programId": "zz"})).is_err());
    assert_eq!(
        serde_json::to_value(SubmitProgramRequest {
            program_elf: vec![0x7f, 0x45],
            program_id: vec![1],
            vm_type: 2
        })
        .unwrap(),
        json!({"programElf": "7f45", "programId": "01", "vmType": 2})
    );
}

#[test]
fn missing_fields_default_like_protobuf() {
    let r: SubmitJobRequest = serde_json::from_str("{}").unwrap();
    assert_eq!(r, SubmitJobRequest::default());
    let r: GetResultResponse = serde_json::from_str("{}").unwrap();
    assert_eq!(r.job_result, None);
}

#[test]
fn every_message_round_trips() {
    round_trip(&SubmitJobRequest {
        request: vec![1; 40],
        signature: vec![2; 65],
        offchain_input: vec![3; 10],
        relay_strategy: 0,
    });
    round_trip(&SubmitJobResponse { job_id: vec![4; 32] });
    round_trip(&GetResultRequest { job_id: vec![5; 32] });
    round_trip(&GetResultResponse {
        job_result: Some(JobResult {
            id: vec![1; 32],
            nonce: u64::MAX,
            max_cycles: 1_000_000,
            consumer_address: vec![2; 20],
            status: Some(JobStatus {
                status: 3,
                failure_reason: Some("execution_error".into()),
                retries: 2,
            }),
            ..Default::default()
        }),
    });
    round_trip(&GetResultResponse { job_result: None });
    round_trip(&SubmitProgramRequest {
        program_elf: vec![0x7f, b'E', b'L', b'F'],
        program_id: vec![9; 32],
        vm_type: VmType::JoltRv32im.into(),
    });
    round_trip(&SubmitProgramResponse { program_id: vec![9; 32] });
    round_trip(&GetPendingJobsRequest { consumer_address: vec![3; 20] });
    round_trip(&GetPendingJobsResponse { pending_jobs: vec![1, 2, 5] });
    round_trip(&ContainsProgramRequest { program_id: vec![8; 32] });
    round_trip(&ContainsProgramResponse { contains: true });
    round_trip(&ApiError::invalid_argument("max cycles must be positive"));
}

#[test]
fn enums_are_integers_with_infinityvm_values() {
    for (v, i) in [
        (JobStatusType::Unspecified, 0),
        (JobStatusType::Pending, 1),
        (JobStatusType::Done, 2),
        (JobStatusType::Failed, 3),
        (JobStatusType::Relayed, 4),
    ] {
        assert_eq!(i32::from(v), i);
        assert_eq!(JobStatusType::try_from(i), Ok(v));
    }
    assert_eq!(i32::from(RelayStrategy::Unordered), 0);
    assert_eq!(i32::from(RelayStrategy::Ordered), 1);
    assert_eq!(i32::from(VmType::Sp1), 0);
    assert_eq!(i32::from(VmType::JoltRv32im), 2);
    let err = VmType::try_from(1).unwrap_err();
    assert_eq!(err.to_string(), "1 is not a valid VmType");
}

#[test]
fn errors_use_snake_case_code_and_infinityvm_status_mapping() {
    let e = ApiError::not_found("job not found");
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"message": "job not found", "grpc_code": 5})
    );
    let cases = [
        (GrpcCode::Internal, 400),
        (GrpcCode::Unauthenticated, 401),
        (GrpcCode::PermissionDenied, 403),
        (GrpcCode::Unimplemented, 404),
        (GrpcCode::Unavailable, 503),
        (GrpcCode::Unknown, 500),
        (GrpcCode::InvalidArgument, 409),
        (GrpcCode::NotFound, 409),
        (GrpcCode::AlreadyExists, 409),
    ];
    for (code, status) in cases {
        assert_eq!(ApiError::new(code, "x").http_status(), status, "{code:?}");
    }
    assert_eq!(ApiError { message: "x".into(), grpc_code: 99 }.http_status(), 409);
}
