//! `ivm node` (the real binary, over HTTP, real anvil) rejects each kind of bad input with a
//! clear gateway error and the right HTTP status / gRPC code, keeps serving, and keeps its store
//! intact: nothing rejected is stored, and a good job afterwards is still relayed.
mod node_support;
#[path = "../crates/ivm-node/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use ivm_api::{
    routes, ContainsProgramRequest, GetPendingJobsRequest, GetResultRequest, GrpcCode,
    JobStatusType, SubmitProgramRequest, VmType,
};
use node_support::NodeProcess;
use serde_json::Value;
use support::*;

/// Asserts a gateway error: HTTP status, gRPC code and a message containing `needle`.
fn expect_error(what: &str, got: (u16, Value), status: u16, code: GrpcCode, needle: &str) {
    let (got_status, body) = got;
    assert_eq!(got_status, status, "{what}: {body}");
    assert_eq!(body["grpc_code"], code as i32, "{what}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{what}: message {message:?} should contain {needle:?}");
    eprintln!("{what}: {status} {message}");
}

fn program_req(elf: &[u8], id: &[u8], vm_type: i32) -> SubmitProgramRequest {
    SubmitProgramRequest { program_elf: elf.to_vec(), program_id: id.to_vec(), vm_type }
}

/// `elf` with every loadable segment but the layout header's and the first executable one
/// dropped (`PT_NULL`), that executable segment grown to 1.5 GiB in memory (its file bytes
/// unchanged), and the layout header's stack moved above a 1.75 GiB image so it fits.
fn elf_bomb(elf: &[u8]) -> Vec<u8> {
    let mut b = elf.to_vec();
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let (phoff, phentsize) = (u32_at(&b, 28) as usize, u16::from_le_bytes([b[42], b[43]]) as usize);
    let phnum = u16::from_le_bytes([b[44], b[45]]) as usize;
    let mut grown = false;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        let (p_type, offset, vaddr, flags) =
            (u32_at(&b, ph), u32_at(&b, ph + 4) as usize, u32_at(&b, ph + 8), u32_at(&b, ph + 24));
        if p_type != 1 {
            continue;
        }
        if vaddr == ivm_abi::RAM_BASE {
            let mut words = [0u32; ivm_abi::LAYOUT_HEADER_WORDS];
            for (k, w) in words.iter_mut().enumerate() {
                *w = u32_at(&b, offset + 4 * k);
            }
            let mut h = ivm_abi::LayoutHeader::from_words(&words).unwrap();
            let stack_bottom = ivm_abi::RAM_BASE + 0x7000_0000 + ivm_abi::STACK_GUARD;
            h.stack_top = stack_bottom + h.sizes.stack_size;
            h.heap_end = h.stack_top + h.sizes.heap_size;
            for (k, w) in h.to_words().iter().enumerate() {
                b[offset + 4 * k..offset + 4 * k + 4].copy_from_slice(&w.to_le_bytes());
            }
        } else if flags & 1 != 0 && !grown {
            b[ph + 20..ph + 24].copy_from_slice(&0x6000_0000u32.to_le_bytes());
            grown = true;
        } else {
            b[ph..ph + 4].copy_from_slice(&0u32.to_le_bytes());
        }
    }
    assert!(grown, "the ELF has an executable segment");
    b
}

#[test]
fn node_rejects_bad_input_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path().join("node.redb").to_string_lossy().into_owned());
}

#[test]
fn node_on_postgres_rejects_bad_input_and_keeps_serving() {
    run(postgres_db());
}

fn run(db: String) {
    node_support::on_anvil(|url| async move { scenario(&url, db).await });
}

async fn scenario(url: &str, db: String) {
    let chain = Chain::deploy(url, true).await;
    let node = NodeProcess::spawn(&chain, &db, &["--max-body-bytes", "200000"]);
    let gw = Gateway::new(node.url.clone());
    let sha = guest_elf("sha256");
    let fib = guest_elf("fibonacci");
    let sha_id = program_id(&sha);
    let jolt = VmType::JoltRv32im as i32;
    assert_eq!(gw.submit_program(&sha).await.0, 200);

    // ----- submit_program -----
    let mut wrong_id = sha_id;
    wrong_id[0] ^= 1;
    expect_error(
        "program ID mismatch",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&fib, &wrong_id, jolt)).await,
        409,
        GrpcCode::InvalidArgument,
        "does not match derived program ID",
    );
    let mut not_elf = fib.clone();
    not_elf[1] = b'X';
    expect_error(
        "invalid ELF",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&not_elf, &program_id(&fib), jolt)).await,
        409,
        GrpcCode::InvalidArgument,
        "invalid ELF",
    );
    expect_error(
        "truncated ELF",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&fib[..100], &program_id(&fib), jolt)).await,
        409,
        GrpcCode::InvalidArgument,
        "invalid ELF",
    );
    expect_error(
        "empty ELF",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&[], &program_id(&fib), jolt)).await,
        409,
        GrpcCode::InvalidArgument,
        "programElf is empty",
    );
    expect_error(
        "SP1 vmType",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&fib, &program_id(&fib), 0)).await,
        409,
        GrpcCode::InvalidArgument,
        "unsupported vmType 0",
    );
    expect_error(
        "unknown vmType",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&fib, &program_id(&fib), 7)).await,
        409,
        GrpcCode::InvalidArgument,
        "unknown vmType 7",
    );
    expect_error(
        "program ID length",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&fib, &program_id(&fib)[..20], jolt)).await,
        409,
        GrpcCode::InvalidArgument,
        "programId must be 32 bytes",
    );

    // An ELF bomb: a few KiB whose executable segment claims 1.5 GiB of memory (the layout
    // header moved so that it fits the image). Refused at once by the documented limits.
    let bomb = elf_bomb(&fib);
    let started = std::time::Instant::now();
    expect_error(
        "ELF bomb",
        gw.post(routes::SUBMIT_PROGRAM, &program_req(&bomb, &program_id(&fib), jolt)).await,
        409,
        GrpcCode::InvalidArgument,
        "over the limit",
    );
    assert!(started.elapsed().as_secs() < 5, "the bomb took {:?}", started.elapsed());
    assert_eq!(gw.submit_program(&sha).await.0, 200, "the node keeps serving");

    // ----- submit_job -----
    let consumer = chain.consumer;
    let nonce = chain.user.consumer_next_nonce(consumer).await.unwrap();
    let job = |nonce: u64, program: &[u8], offchain: &[u8], signer: usize| {
        submit_job_body(consumer, nonce, program, b"in", offchain, 1_000_000, signer)
    };
    let mut rejected_ids = Vec::new();

    // Nonces far from the consumer's next one: those IDs must never be stored.
    let (mut req, r) = job(nonce + 100, &sha_id, b"data", USER);
    req.offchain_input = b"other data".to_vec();
    rejected_ids.push(r.job_id());
    expect_error(
        "wrong offchain input hash",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::InvalidArgument,
        "offchain input hash mismatch",
    );
    let (req, _) = job(nonce, &sha_id, b"data", STRANGER);
    expect_error(
        "bad signature",
        gw.post(routes::SUBMIT_JOB, &req).await,
        403,
        GrpcCode::PermissionDenied,
        "request signature rejected",
    );
    let (mut req, _) = job(nonce, &sha_id, b"data", USER);
    req.signature[64] = 30;
    expect_error(
        "malformed signature",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::InvalidArgument,
        "signature",
    );
    req.signature.truncate(64);
    expect_error(
        "signature length",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::InvalidArgument,
        "signature must be 65 bytes",
    );
    let (req, r) = job(nonce + 101, &[0xee; 32], b"", USER);
    rejected_ids.push(r.job_id());
    expect_error(
        "unknown program",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::NotFound,
        "unknown program",
    );
    let (mut req, _) = job(nonce, &sha_id, b"", USER);
    req.request.truncate(100);
    expect_error(
        "undecodable request",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::InvalidArgument,
        "OffchainJobRequest",
    );
    let (req, _) = submit_job_body(consumer, nonce, &sha_id, b"in", b"", 0, USER);
    expect_error(
        "maxCycles 0",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::InvalidArgument,
        "maxCycles",
    );
    let (mut req, _) = job(nonce, &sha_id, b"", USER);
    req.relay_strategy = 5;
    expect_error(
        "relay strategy",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::InvalidArgument,
        "relayStrategy",
    );
    // A used nonce: an onchain job takes `nonce` first.
    let (taken, _) =
        chain.user.request_job(consumer, sha_id.to_vec(), b"x".to_vec(), 1_000_000).await.unwrap();
    let (req, r) = job(nonce, &sha_id, b"data", USER);
    assert_eq!(r.job_id(), taken);
    expect_error(
        "used nonce",
        gw.post(routes::SUBMIT_JOB, &req).await,
        409,
        GrpcCode::AlreadyExists,
        "already used",
    );

    // ----- malformed JSON, oversized bodies, wrong lengths, unknown routes -----
    expect_error(
        "malformed JSON",
        gw.post_raw(routes::SUBMIT_JOB, b"{\"request\": [1, 2".to_vec()).await,
        409,
        GrpcCode::InvalidArgument,
        "invalid JSON body",
    );
    expect_error(
        "wrong JSON type",
        gw.post_raw(routes::GET_RESULT, b"{\"jobId\": \"abc\"}".to_vec()).await,
        409,
        GrpcCode::InvalidArgument,
        "invalid JSON body",
    );
    expect_error(
        "bad hex",
        gw.post_raw(routes::CONTAINS_PROGRAM, b"{\"programId\": \"zz\"}".to_vec()).await,
        409,
        GrpcCode::InvalidArgument,
        "invalid hex",
    );
    let huge = serde_json::to_vec(&program_req(&vec![0u8; 150_000], &sha_id, jolt)).unwrap();
    expect_error(
        "oversized body",
        gw.post_raw(routes::SUBMIT_PROGRAM, huge).await,
        413,
        GrpcCode::ResourceExhausted,
        "larger than this node's limit of 200000 bytes",
    );
    expect_error(
        "job ID length",
        gw.post(routes::GET_RESULT, &GetResultRequest { job_id: vec![1; 31] }).await,
        409,
        GrpcCode::InvalidArgument,
        "job ID must be 32 bytes",
    );
    expect_error(
        "unknown job",
        gw.post(routes::GET_RESULT, &GetResultRequest { job_id: vec![1; 32] }).await,
        409,
        GrpcCode::NotFound,
        "job not found",
    );
    expect_error(
        "consumer address length",
        gw.post(routes::GET_PENDING_JOBS, &GetPendingJobsRequest { consumer_address: vec![1; 19] })
            .await,
        409,
        GrpcCode::InvalidArgument,
        "consumerAddress must be 20 bytes",
    );
    expect_error(
        "offchain input hash length",
        {
            let (s, b) = gw.get("/v1/offchain_input/abcd").await;
            (s, serde_json::from_slice(&b).unwrap())
        },
        409,
        GrpcCode::InvalidArgument,
        "32 bytes",
    );
    expect_error(
        "unknown route",
        gw.post_raw("/v1/coprocessor_node/nope", b"{}".to_vec()).await,
        404,
        GrpcCode::Unimplemented,
        "no route",
    );

    // ----- still serving, store intact -----
    let (status, _) = gw.get("/health").await;
    assert_eq!(status, 200);
    for id in &rejected_ids {
        assert!(gw.job(id.as_slice()).await.is_none(), "rejected job {id} was stored");
    }
    let (_, body) = gw
        .post(
            routes::CONTAINS_PROGRAM,
            &ContainsProgramRequest { program_id: program_id(&fib).to_vec() },
        )
        .await;
    assert_eq!(body, serde_json::json!({"contains": false}), "a rejected program was stored");
    let (_, body) = gw
        .post(routes::CONTAINS_PROGRAM, &ContainsProgramRequest { program_id: sha_id.to_vec() })
        .await;
    assert_eq!(body, serde_json::json!({"contains": true}));
    // The onchain job that took the nonce, and a good offchain job, are relayed.
    let good_nonce = chain.user.consumer_next_nonce(consumer).await.unwrap();
    let (req, r) = job(good_nonce, &sha_id, b"data", USER);
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "{body}");
    for id in [taken, r.job_id()] {
        let job = gw.wait_terminal(id.as_slice(), Duration::from_secs(60)).await;
        assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    }
    // The same request again is idempotent; a different one for the same nonce is refused.
    assert_eq!(gw.post(routes::SUBMIT_JOB, &req).await.0, 200);
    let (req2, _) = job(good_nonce, &sha_id, b"other", USER);
    expect_error(
        "nonce of a relayed job",
        gw.post(routes::SUBMIT_JOB, &req2).await,
        409,
        GrpcCode::AlreadyExists,
        "already used",
    );
    let metrics = String::from_utf8(gw.get("/metrics").await.1).unwrap();
    assert!(metrics.contains("ivm_node_jobs_rejected_total"), "{metrics}");
}
