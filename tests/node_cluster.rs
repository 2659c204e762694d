//! Three `ivm node` processes (the real binary) on one PostgreSQL database, against a real
//! anvil: jobs submitted to any node are executed once and relayed once. The node holding the
//! relayer role is SIGKILLed in the middle of the load, with jobs of its own still pending:
//! another node takes the role, the killed node's jobs are taken over, and every accepted job
//! lands on chain exactly once with the output local execution gives.
mod node_support;
#[path = "../crates/ivm-node/tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ivm_api::operator::{routes as op_routes, NodeStatus};
use ivm_api::{routes, JobStatusType};
use ivm_contracts::alloy_primitives::B256;
use node_support::NodeProcess;
use support::*;

fn execute(elf: &[u8], onchain: &[u8]) -> Vec<u8> {
    let program = ivm_vm::Program::load(elf).unwrap();
    let inputs = ivm_vm::Inputs { onchain, offchain: &[] };
    let exec = ivm_vm::execute(&program, inputs, u64::MAX).unwrap();
    assert_eq!(exec.exit, ivm_vm::Exit::Halted);
    exec.output
}

async fn status(gw: &Gateway) -> NodeStatus {
    let (code, body) = gw.get(op_routes::STATUS).await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// The gateway URL of the live node that holds `role`, once one does.
async fn holder(gw: &Gateway, role: &str, not: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = status(gw).await;
        let found = s
            .cluster
            .iter()
            .find(|n| n.alive && n.roles.iter().any(|r| r == role) && Some(n.url.as_str()) != not);
        if let Some(n) = found {
            return n.url.clone();
        }
        assert!(Instant::now() < deadline, "no live node took the {role} role: {:?}", s.cluster);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Submits an offchain job with `onchain` input for `elf` to `gw`; returns its ID.
async fn submit(gw: &Gateway, chain: &Chain, nonce: u64, elf: &[u8], onchain: &[u8]) -> B256 {
    let (req, request) =
        submit_job_body(chain.consumer, nonce, &program_id(elf), onchain, &[], 2_000_000_000, USER);
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "submit_job nonce {nonce} to {}: {body}", gw.base);
    request.job_id()
}

#[test]
fn three_nodes_share_one_database_and_survive_a_sigkill_of_the_relayer() {
    let db = postgres_db();
    node_support::on_anvil(|url| async move { scenario(&url, db).await });
}

async fn scenario(url: &str, db: String) {
    let started = Instant::now();
    let chain = Chain::deploy(url, true).await;
    let mut nodes: Vec<Option<NodeProcess>> =
        (0..3).map(|_| Some(NodeProcess::spawn(&chain, &db, &["--executors", "1"]))).collect();
    let gws: Vec<Gateway> =
        nodes.iter().map(|n| Gateway::new(n.as_ref().unwrap().url.clone())).collect();
    let (sha, fib) = (guest_elf("sha256"), guest_elf("fibonacci"));
    for elf in [&sha, &fib] {
        assert_eq!(gws[0].submit_program(elf).await.0, 200);
    }
    let relayer_url = holder(&gws[0], "relayer", None).await;
    let leader = gws.iter().position(|g| g.base == relayer_url).expect("a node of ours");
    let others: Vec<usize> = (0..3).filter(|&i| i != leader).collect();

    let mut expected: HashMap<B256, Vec<u8>> = HashMap::new();
    // An onchain job for whichever node listens (it takes nonce 1).
    let input = abi_u256(1_000);
    let (onchain_id, _) = chain
        .user
        .request_job(chain.consumer, program_id(&fib).to_vec(), input.clone(), 2_000_000_000)
        .await
        .unwrap();
    expected.insert(onchain_id, execute(&fib, &input));
    let mut nonce = chain.user.consumer_next_nonce(chain.consumer).await.unwrap();

    // Slow jobs on the relayer's node: its one executor is busy with the first when it dies, so
    // the others are still PENDING and owned by it.
    let slow_input = abi_u256(20_000_000);
    let slow_output = execute(&fib, &slow_input);
    let mut slow = Vec::new();
    for _ in 0..3 {
        let id = submit(&gws[leader], &chain, nonce, &fib, &slow_input).await;
        nonce += 1;
        expected.insert(id, slow_output.clone());
        slow.push(id);
    }
    // Quick jobs on every node.
    for i in 0..9u8 {
        let gw = &gws[usize::from(i) % 3];
        let id = submit(gw, &chain, nonce, &sha, &[i; 7]).await;
        nonce += 1;
        expected.insert(id, execute(&sha, &[i; 7]));
    }
    let job = gws[others[0]].job(slow[2].as_slice()).await.expect("shared store");
    assert_eq!(status_of(&job), JobStatusType::Pending as i32, "the last slow job is pending");

    // SIGKILL the relayer, with its jobs pending and relays possibly in flight.
    let killed = nodes[leader].take().unwrap();
    let killed_log = killed.log.clone();
    killed.kill9();
    let killed_at = Instant::now();

    // More load on the survivors while the cluster recovers.
    for i in 9..15u8 {
        let gw = &gws[others[usize::from(i) % 2]];
        let id = submit(gw, &chain, nonce, &sha, &[i; 7]).await;
        nonce += 1;
        expected.insert(id, execute(&sha, &[i; 7]));
    }
    let new_relayer = holder(&gws[others[0]], "relayer", Some(&relayer_url)).await;
    assert!(others.iter().any(|&i| gws[i].base == new_relayer));

    // ----- nothing lost: every accepted job is RELAYED -----
    for id in expected.keys() {
        let job = gws[others[1]].wait_terminal(id.as_slice(), Duration::from_secs(120)).await;
        assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    }
    eprintln!(
        "cluster recovered and relayed everything {:.1?} after the kill",
        killed_at.elapsed()
    );

    // ----- exactly once on chain, with the right outputs; the failover wasted no transaction -----
    let expected_list: Vec<(B256, Vec<u8>)> = expected.clone().into_iter().collect();
    node_support::assert_relayed_exactly_once(&chain, &expected_list).await;

    // ----- no double work: each job executed by one node at most -----
    let mut logs: Vec<String> = killed_log.lock().unwrap().clone();
    for n in nodes.iter().flatten() {
        logs.extend(n.log.lock().unwrap().iter().cloned());
    }
    for id in expected.keys() {
        let hex = format!("{id}");
        let runs = logs.iter().filter(|l| l.contains("job executed") && l.contains(&hex)).count();
        assert!(runs <= 1, "job {id} was executed {runs} times");
    }
    // The killed node's pending jobs were taken over by a survivor.
    let taken: usize = others
        .iter()
        .map(|&i| nodes[i].as_ref().unwrap().log_lines("taking over a job").len())
        .sum();
    assert!(taken >= 1, "no survivor took over the killed node's pending jobs");

    // ----- metrics: one relayer among the survivors; the take-over counted -----
    let mut relayers = 0;
    let mut taken_total = 0;
    for &i in &others {
        let (code, body) = gws[i].get("/metrics").await;
        assert_eq!(code, 200);
        let text = String::from_utf8(body).unwrap();
        relayers += usize::from(text.contains("ivm_node_role{role=\"relayer\"} 1"));
        taken_total += text
            .lines()
            .find_map(|l| l.strip_prefix("ivm_node_jobs_taken_over_total "))
            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
    }
    assert_eq!(relayers, 1, "exactly one survivor reports the relayer role");
    assert_eq!(taken_total, taken, "the take-overs are counted");

    // ----- the operator's view: the dead node is GONE, the roles are on live nodes -----
    let s = status(&gws[others[0]]).await;
    assert_eq!(s.cluster.len(), 3, "{:?}", s.cluster);
    assert_eq!(s.cluster.iter().filter(|n| n.alive).count(), 2, "{:?}", s.cluster);
    let gone = s.cluster.iter().find(|n| !n.alive).unwrap();
    assert_eq!(gone.url, relayer_url);
    assert_eq!(s.jobs.relayed, expected.len() as u64);
    eprintln!("cluster test: {:.1?}", started.elapsed());
}
