//! The devnet's practice mode (`ivm devnet --dishonest`): its operator posts wrong results and
//! withholds offchain inputs for the programs named, and a challenger catches and overturns
//! them with the ordinary commands — the README's "rehearse a challenge" walk-through.
mod devnet_support;

use devnet_support::*;
use ivm_contracts::alloy_primitives::{Address, U256};
use ivm_contracts::bindings::JobManager;
use ivm_contracts::client::Client;
use serde_json::Value;

fn dev_key(net: &Devnet, index: usize) -> String {
    net.profile["devAccounts"][index]["privateKey"].as_str().unwrap().to_string()
}

fn submit(net: &Devnet, program: &str, input: &str, offchain: Option<&str>) -> Value {
    let id = net.program_id(program);
    let mut args = vec!["job", "submit", "--program-id", &id, "--input-hex", input];
    if let Some(o) = offchain {
        args.extend(["--offchain-input-hex", o]);
    }
    args.extend(["--dev-account", "0", "--wait", "--json"]);
    let out = net.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)
}

#[test]
fn a_dishonest_devnet_is_caught_and_overturned() {
    let net =
        Devnet::start_with(&["--dishonest", "fibonacci", "--withhold-inputs", "--self-challenge"]);
    assert_eq!(net.profile["dishonest"], serde_json::json!(["fibonacci"]));
    let examples = repo().join("guest-examples/target/ivm");
    let fib = examples.join("fibonacci.elf");
    let fib = fib.to_str().unwrap();

    // An honest-looking job with a wrong result on chain.
    let job = submit(&net, "fibonacci", &uint256(12), None);
    let id = job["jobId"].as_str().unwrap();
    let out = net.run(&["challenge", "check", "--job", id, fib, "--json"]);
    assert_eq!(code(&out), 13, "the posted result is wrong: {}", stderr(&out));
    // The operator challenges its own result with junk to keep challengers out…
    let rpc = net.profile["rpcUrl"].as_str().unwrap().to_string();
    let jm: Address = net.profile["contracts"]["jobManager"].as_str().unwrap().parse().unwrap();
    let challenger = |id: u64| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = Client::connect(&rpc, &dev_key(&net, 6)).await.unwrap();
            let count = client.view(jm, &JobManager::challengeCountCall {}).await.unwrap();
            if count < U256::from(id) {
                return None;
            }
            Some(client.get_challenge(jm, U256::from(id)).await.unwrap().challenger)
        })
    };
    let started = std::time::Instant::now();
    let junk_by = loop {
        if let Some(by) = challenger(1) {
            break by;
        }
        assert!(started.elapsed().as_secs() < 30, "the operator never challenged itself");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let operator = net.profile["devAccounts"][1]["address"].as_str().unwrap();
    assert_eq!(
        junk_by.to_string().to_lowercase(),
        operator.to_lowercase(),
        "the operator's own challenge"
    );
    // …and an honest challenge is still filed and upheld.
    let out =
        net.run(&["challenge", "file", "--job", id, fib, "--dev-account", "5", "--wait", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let filed = json(&out);
    assert_eq!(filed["verdict"], "upheld");
    let owed = filed["owedWei"].as_str().unwrap().to_string();
    assert_ne!(owed, "0", "the challenger is told what it is owed");
    let out = net.run(&["challenge", "check", "--job", id, fib, "--json"]);
    assert_eq!(json(&out)["state"], "overturned");

    // The payout: shown, then withdrawn; a second withdraw finds nothing.
    let out = net.run(&["challenge", "withdraw", "--dev-account", "5", "--dry-run", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["owedWei"], owed.as_str());
    assert_eq!(json(&out)["withdrawnWei"], "0");
    let out = net.run(&["challenge", "withdraw", "--dev-account", "5"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.starts_with("withdrew ") && text.contains(" ETH to 0x"), "{text}");
    let out = net.run(&["challenge", "withdraw", "--dev-account", "5", "--json"]);
    assert_eq!(json(&out)["owedWei"], "0");

    // A withheld offchain input: the node will not serve it, but its result went on chain with
    // the input in blobs (JobManager requires them), so the challenger reads it from the chain
    // and the wrong result is still overturned.
    let job = submit(&net, "fibonacci", &uint256(9), Some("0x68656c6c6f"));
    let id = job["jobId"].as_str().unwrap();
    let node = net.profile["nodeUrl"].as_str().unwrap().trim_end_matches('/').to_string();
    let hash = ivm_contracts::alloy_primitives::keccak256(b"hello");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (status, body) = rt.block_on(async {
        let r = reqwest::get(format!("{node}/v1/offchain_input/{hash}")).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert!(status != 200 && body.contains("no offchain input"), "withheld: {status} {body}");
    let out = net.run(&["challenge", "check", "--job", id, fib, "--json"]);
    assert_eq!(code(&out), 13, "read from the blobs, the result is wrong: {}", stderr(&out));
    // The same through a beacon API (anvil serves one on its RPC port).
    let rpc_url = net.profile["rpcUrl"].as_str().unwrap().to_string();
    let out = net.run(&["challenge", "check", "--job", id, fib, "--beacon-url", &rpc_url]);
    assert_eq!(code(&out), 13, "read from the beacon API: {}", stderr(&out));
    assert!(!stderr(&out).contains("asking the node"), "{}", stderr(&out));
    // A beacon API that does not answer: the node is asked, and it withholds the input.
    let out =
        net.run(&["challenge", "check", "--job", id, fib, "--beacon-url", "http://127.0.0.1:9"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("neither in the chain's blobs"), "{}", stderr(&out));
    let out =
        net.run(&["challenge", "file", "--job", id, fib, "--dev-account", "5", "--wait", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["verdict"], "upheld");
    // Given by hand, the input is checked against the job's hash as before.
    let out = net.run(&["challenge", "check", "--job", id, fib, "--offchain-input-hex", "0x6869"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("hashes to"), "{}", stderr(&out));

    // Programs not named stay honest.
    let sqrt = examples.join("square-root.elf");
    let job = submit(&net, "square-root", &uint256(144), None);
    let out = net.run(&[
        "challenge",
        "check",
        "--job",
        job["jobId"].as_str().unwrap(),
        sqrt.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let lines = net.stop();
    assert!(lines.iter().any(|l| l.contains("posting a WRONG result on purpose")));
    assert!(lines.iter().any(|l| l.contains("challenged its own result with a junk proof")));
}

/// k-of-n arbiters on a real devnet: three arbiters, two of whom must agree, one voting against
/// what the proofs show on purpose. The operator's junk self-challenge is still rejected and an
/// honest challenge still upheld; every vote the liar got in is the wrong one, every honest vote
/// the right one.
#[test]
fn a_lying_arbiter_is_outvoted() {
    use ivm_contracts::bindings::JobManager::ArbiterVoted;
    let net = Devnet::start_with(&[
        "--dishonest",
        "fibonacci",
        "--self-challenge",
        "--arbiters",
        "3",
        "--threshold",
        "2",
        "--lying-arbiters",
        "1",
    ]);
    let arbiters: Vec<Address> = net.profile["arbiters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(arbiters.len(), 3);
    assert_eq!(net.profile["arbiterThreshold"], 2);
    let liar = arbiters[2];
    let rpc = net.profile["rpcUrl"].as_str().unwrap().to_string();
    let jm: Address = net.profile["contracts"]["jobManager"].as_str().unwrap().parse().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = rt.block_on(Client::connect(&rpc, &dev_key(&net, 6))).unwrap();
    let (set, threshold) = rt.block_on(client.arbiters(jm)).unwrap();
    assert_eq!((set, threshold), (arbiters.clone(), 2), "JobManager holds the devnet's set");

    let job = submit(&net, "fibonacci", &uint256(12), None);
    let id = job["jobId"].as_str().unwrap();
    // The operator's junk challenge (1): the liar votes to uphold it, the others outvote it.
    let status = |cid: u64| {
        rt.block_on(async {
            let count = client.view(jm, &JobManager::challengeCountCall {}).await.unwrap();
            if count < U256::from(cid) {
                return None;
            }
            Some(client.get_challenge(jm, U256::from(cid)).await.unwrap().status)
        })
    };
    let started = std::time::Instant::now();
    let junk = loop {
        match status(1) {
            Some(s) if s != ivm_contracts::client::CHALLENGE_OPEN => break s,
            _ => {}
        }
        assert!(started.elapsed().as_secs() < 60, "the junk challenge was never decided");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(junk, ivm_contracts::client::CHALLENGE_REJECTED, "junk is rejected");

    // The honest challenge (2): the liar votes against it, the others uphold it.
    let examples = repo().join("guest-examples/target/ivm");
    let fib = examples.join("fibonacci.elf");
    let fib = fib.to_str().unwrap();
    let out =
        net.run(&["challenge", "file", "--job", id, fib, "--dev-account", "5", "--wait", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["verdict"], "upheld");

    // The operator's view of the devnet's node: the job is relayed, listed, and cannot be
    // retried without the node's admin key (the devnet's node has none).
    let out = net.run(&["node", "status", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let status = json(&out);
    assert!(status["jobs"]["relayed"].as_u64().unwrap() >= 1, "{status}");
    assert_eq!(status["executors"]["total"], 2, "{status}");
    let out = net.run(&["node", "status"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("relayed since start"));
    let out = net.run(&["job", "list", "--state", "relayed", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listed = json(&out);
    assert!(listed["jobs"].as_array().unwrap().iter().any(|j| j["jobId"] == id), "{listed}");
    let out = net.run(&["job", "list", "--state", "failed", "--since", "1h", "--json"]);
    assert_eq!(json(&out)["matching"], 0);
    let out = net.run(&["job", "retry", id, "--admin-key", "guess"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("--admin-key"), "{}", stderr(&out));

    let votes = rt.block_on(client.events::<ArbiterVoted>(jm, 0)).unwrap();
    for (vote, _) in &votes {
        let truth = vote.challengeID == U256::from(2);
        let lied = vote.fraudProven != truth;
        assert_eq!(lied, vote.arbiter == liar, "vote {vote:?}");
    }
    let honest_votes = votes.iter().filter(|(v, _)| v.arbiter != liar).count();
    assert_eq!(honest_votes, 4, "two honest votes decided each challenge");
    let liar_votes = votes.len() - honest_votes;
    eprintln!("the liar's votes counted on chain: {liar_votes} (the others may decide first)");

    let lines = net.stop();
    assert!(
        lines.iter().any(|l| l.contains("practice mode: 1 of the 3 arbiters vote against")),
        "the devnet says it runs a liar"
    );
    // Whether the liar's vote lands before two honest ones decide is a race; that it acted is not.
    assert!(
        lines.iter().any(|l| l.contains("this arbiter voted against the proof")
            || l.contains("this arbiter tried to vote against the proof")),
        "the liar voted (or tried to)"
    );
}
