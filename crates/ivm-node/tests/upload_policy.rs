//! The operator's program upload policy (issue: the node under attack): an upload key, a
//! per-program size limit and a total quota, each refused with a clear gateway error, while a
//! program already stored stays submittable (idempotent) and nothing refused is stored.
mod support;

use ivm_api::{routes, ContainsProgramRequest, SubmitProgramRequest, VmType};
use ivm_node::UploadKey;
use support::*;

const KEY: &str = "operator-upload-key-0123456789";

async fn upload(gw: &Gateway, elf: &[u8], key: Option<&str>) -> (u16, serde_json::Value) {
    let req = SubmitProgramRequest {
        program_elf: elf.to_vec(),
        program_id: program_id(elf).to_vec(),
        vm_type: VmType::JoltRv32im as i32,
    };
    let mut http = reqwest::Client::new()
        .post(format!("{}{}", gw.base, routes::SUBMIT_PROGRAM))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&req).unwrap());
    if let Some(k) = key {
        http = http.header("authorization", format!("Bearer {k}"));
    }
    let resp = http.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap())
}

async fn stored(gw: &Gateway, elf: &[u8]) -> bool {
    let req = ContainsProgramRequest { program_id: program_id(elf).to_vec() };
    gw.post(routes::CONTAINS_PROGRAM, &req).await.1["contains"] == true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_need_the_key_and_fit_the_limits() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let (fib, sha, clob) = (guest_elf("fibonacci"), guest_elf("sha256"), guest_elf("clob"));
    let mut config = node_config(&chain, &chain.url, &dir.path().join("node.redb"));
    config.program_upload_key = Some(UploadKey::new(KEY));
    // Room for fibonacci and sha256, not for a third program; clob is over the size limit.
    config.max_program_bytes = fib.len().max(sha.len()) + 16;
    config.max_programs_total_bytes = (fib.len() + sha.len() + 2) as u64;
    assert!(clob.len() > config.max_program_bytes, "clob must be the large one");
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());

    // No key, a wrong key: PERMISSION_DENIED (403), nothing stored.
    for key in [None, Some("not-the-key"), Some("")] {
        let (status, body) = upload(&gw, &fib, key).await;
        assert_eq!((status, &body["grpc_code"]), (403, &7.into()), "{key:?}: {body}");
        assert!(body["message"].as_str().unwrap().contains("upload key"), "{body}");
        assert!(!body.to_string().contains(KEY), "the key is never echoed");
    }
    assert!(!stored(&gw, &fib).await);

    // The key: stored; again: idempotent.
    assert_eq!(upload(&gw, &fib, Some(KEY)).await.0, 200);
    assert_eq!(upload(&gw, &fib, Some(KEY)).await.0, 200);
    // Over the per-program limit: RESOURCE_EXHAUSTED, naming the limit.
    let (status, body) = upload(&gw, &clob, Some(KEY)).await;
    assert_eq!(body["grpc_code"], 8, "{status} {body}");
    assert!(body["message"].as_str().unwrap().contains("limit"), "{body}");
    assert!(!stored(&gw, &clob).await);
    // Up to the quota, then RESOURCE_EXHAUSTED for a new program, but a stored one still goes.
    assert_eq!(upload(&gw, &sha, Some(KEY)).await.0, 200);
    let third = ["panic", "arith", "faults", "keccak", "square-root"]
        .into_iter()
        .map(guest_elf)
        .min_by_key(|e| e.len())
        .unwrap();
    assert!(third.len() <= fib.len().max(sha.len()) + 16, "a third program under the size limit");
    let (status, body) = upload(&gw, &third, Some(KEY)).await;
    assert_eq!(body["grpc_code"], 8, "{status} {body}");
    assert!(body["message"].as_str().unwrap().contains("quota"), "{body}");
    assert!(!stored(&gw, &third).await);
    assert_eq!(upload(&gw, &sha, Some(KEY)).await.0, 200);
    node.shutdown().await;
}
