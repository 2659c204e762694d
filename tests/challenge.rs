//! The challenge flow end to end on real parts: `ivm devnet` (a real anvil, the contracts, the
//! node as arbiter), a dishonest operator (this test signs wrong results with the devnet's
//! operator key and relays them with its relayer key, as a corrupted node would), and the real
//! `ivm challenge check|file`. A wrong result is found, proven, challenged on chain and
//! overturned by the node's arbiter, which verifies the proof; a challenge whose proof does not
//! prove its claim is rejected; a correct result is not challenged.
//!
//! Needs anvil (`scripts/install-tools`) and the example ELFs (built if missing). Proves one
//! small run (fibonacci(20)).
mod devnet_support;

use std::time::{Duration, Instant};

use devnet_support::*;
use ivm_contracts::{
    alloy_primitives::{Address, Bytes, B256, U256},
    bindings::JobManager,
    client::{Client, CHALLENGE_OPEN, CHALLENGE_REJECTED, CHALLENGE_UPHELD},
    sign_eip191, signing_key_from_hex, ClaimedOutcome, OffchainJobRequest,
    OffchainResultWithMetadata, JOB_STATE_OVERTURNED,
};
use serde_json::Value;

const OFFCHAIN_SIGNER: usize = 0;
const OPERATOR: usize = 1;
const RELAYER: usize = 2;
const CHALLENGER: usize = 5;
const WATCHER: usize = 6;
const MAX_CYCLES: u64 = 1_000_000;

fn dev_key(profile: &Value, index: usize) -> String {
    profile["devAccounts"][index]["privateKey"].as_str().unwrap().to_string()
}

fn address(profile: &Value, path: &[&str]) -> Address {
    let mut v = profile;
    for key in path {
        v = &v[key];
    }
    v.as_str().unwrap().parse().unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.trim_start_matches("0x")).unwrap()
}

/// Puts `output` on chain as the result of a new offchain job (as a dishonest node would: the
/// request is signed by the consumer's offchain signer, the result by the operator, and the
/// relayer sends it). The node never sees the job.
async fn post_result(
    profile: &Value,
    program_id: &[u8],
    onchain_input: &[u8],
    output: &[u8],
) -> B256 {
    post_result_with_offchain(profile, program_id, onchain_input, &[], output).await.unwrap()
}

/// [`post_result`] for a job with an offchain input (which the node is never given), sent
/// without blobs (which `JobManager` refuses for a non-empty input).
async fn post_result_with_offchain(
    profile: &Value,
    program_id: &[u8],
    onchain_input: &[u8],
    offchain_input: &[u8],
    output: &[u8],
) -> Result<B256, ivm_contracts::client::ClientError> {
    let rpc = profile["rpcUrl"].as_str().unwrap();
    let jm = address(profile, &["contracts", "jobManager"]);
    let consumer = address(profile, &["contracts", "consumer"]);
    let relayer = Client::connect(rpc, &dev_key(profile, RELAYER)).await.unwrap();
    let nonce = relayer.consumer_next_nonce(consumer).await.unwrap();
    let request = OffchainJobRequest::new(
        nonce,
        MAX_CYCLES,
        consumer,
        program_id.to_vec(),
        onchain_input.to_vec(),
        offchain_input,
    );
    let request_bytes = request.encode();
    let signer = signing_key_from_hex(&dev_key(profile, OFFCHAIN_SIGNER)).unwrap();
    let request_sig = sign_eip191(&signer, &request_bytes).unwrap();
    let result =
        OffchainResultWithMetadata::for_request(&request, Bytes::from(output.to_vec()), vec![])
            .encode();
    let operator = signing_key_from_hex(&dev_key(profile, OPERATOR)).unwrap();
    let result_sig = sign_eip191(&operator, &result).unwrap();
    relayer
        .submit_result_for_offchain_job(
            jm,
            result,
            result_sig.to_vec(),
            request_bytes,
            request_sig.to_vec(),
            &[],
        )
        .await?;
    Ok(request.job_id())
}

/// `ivm challenge file --job <job> <elf> --dev-account CHALLENGER <extra…> --wait --json`.
fn file_and_wait(net: &Devnet, job: &str, elf: &str, extra: &[&str]) -> std::process::Output {
    let challenger = CHALLENGER.to_string();
    let mut args = vec!["challenge", "file", "--job", job, elf, "--dev-account", &challenger];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--wait", "--json"]);
    net.run(&args)
}

#[test]
fn wrong_results_are_proven_challenged_and_overturned() {
    let elf = example("fibonacci");
    let elf_arg = elf.to_str().unwrap().to_string();
    let input = uint256(20);
    let honest = executed_output(&elf, &["--input-hex", &input]);
    let mut wrong = unhex(&honest);
    *wrong.last_mut().unwrap() ^= 1;

    let net = Devnet::start();
    let p = net.profile.clone();
    let rpc = p["rpcUrl"].as_str().unwrap().to_string();
    let jm = address(&p, &["contracts", "jobManager"]);
    let consumer = address(&p, &["contracts", "consumer"]);
    let program_id = unhex(&net.program_id("fibonacci"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let reader = rt.block_on(Client::connect(&rpc, &dev_key(&p, CHALLENGER))).unwrap();
    let challenger = reader.address();
    let params = rt.block_on(reader.dispute_parameters(jm)).unwrap();

    // ----- a wrong result: check finds it, file proves and challenges it, the arbiter upholds -----
    let job_a = rt.block_on(post_result(&p, &program_id, &unhex(&input), &wrong));
    let job_a_hex = job_a.to_string();
    let out = net.run(&["challenge", "check", "--job", &job_a_hex, &elf_arg, "--json"]);
    assert_eq!(code(&out), 13, "a wrong result exits 13");
    let check = json(&out);
    assert_eq!(check["verdict"], "wrong");
    assert_eq!(check["state"], "completed");
    assert_eq!(check["postedOutput"], format!("0x{}", hex::encode(&wrong)));
    assert_eq!(check["correct"]["output"], honest.as_str());
    assert_eq!(check["correct"]["panicked"], false);
    assert_eq!(check["challengeable"], true);
    // Before anyone needs it: can this machine prove the job's worst case?
    assert_eq!(check["worstCase"]["maxCycles"], MAX_CYCLES);
    assert_eq!(check["worstCase"]["rows"], 2 * MAX_CYCLES, "planned at 2 rows per cycle");
    assert!(check["worstCase"]["rowsUpperBound"].as_u64().unwrap() >= 2 * MAX_CYCLES);
    assert!(check["worstCase"]["estimatedMemoryBytes"].as_u64().unwrap() > 1 << 30);
    assert_eq!(check["worstCase"]["provableHere"], true, "{check}");

    let dir = tempfile::tempdir().unwrap();
    let proof_path = dir.path().join("a.proof");
    let proof_arg = proof_path.to_str().unwrap();
    let out = file_and_wait(&net, &job_a_hex, &elf_arg, &["-o", proof_arg, "--timeout", "120"]);
    assert_eq!(code(&out), 0, "filing an upheld challenge exits 0: {}", stderr(&out));
    let filed = json(&out);
    assert_eq!(filed["verdict"], "upheld");
    assert_eq!(filed["dryRun"], false);
    assert_eq!(filed["claimedOutput"], honest.as_str());
    assert_eq!(filed["claimedPanicked"], false);
    assert!(proof_path.is_file(), "the proof is kept");
    // By default a v2 proof: for this small run well under the 128 KB mempools relay.
    assert_eq!(filed["proofSystem"], "jolt-rv32im-dory/2.3");
    assert!(filed["proofSizeBytes"].as_u64().unwrap() < 128 * 1024, "{filed}");
    // By default the proof travels in blobs: the transaction pays blob gas, not ~16 gas per
    // proof byte of calldata (a 100 KB proof: ~3.7 M gas).
    assert_eq!(filed["proofIn"], "blobs");
    let gas = filed["gasUsed"].as_u64().unwrap();
    eprintln!(
        "challenge transaction (proof in blobs): {gas} gas for a {} byte proof",
        filed["proofSizeBytes"]
    );
    assert!(gas < 500_000, "{gas} gas");

    let meta = rt.block_on(reader.job_metadata(jm, job_a)).unwrap();
    assert_eq!(meta.status, JOB_STATE_OVERTURNED, "the arbiter overturned the job");
    assert!(rt.block_on(reader.consumer_overturned(consumer, job_a)).unwrap());
    let owed = rt.block_on(reader.claimable(jm, challenger)).unwrap();
    assert_eq!(owed, params.challengeBond + params.challengerReward, "bond back plus reward");

    // The node never saw this job (posted around it): `job status` falls back to the chain.
    let out = net.run(&["job", "status", &job_a_hex, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["status"], "overturned");
    assert_eq!(json(&out)["source"], "chain");
    let out = net.run(&["challenge", "check", "--job", &job_a_hex, &elf_arg, "--json"]);
    assert_eq!(code(&out), 0, "an overturned result no longer stands");
    let check = json(&out);
    assert_eq!(check["verdict"], "wrong");
    assert_eq!(check["state"], "overturned");
    assert_eq!(check["challengeable"], false);
    assert!(check["notChallengeableReason"].as_str().unwrap().contains("overturned"));

    // ----- a challenge whose proof does not prove its claim is rejected by the arbiter -----
    let job_b = rt.block_on(post_result(&p, &program_id, &unhex(&input), &wrong));
    let proof = std::fs::read(&proof_path).unwrap();
    let mut claimed = unhex(&honest);
    claimed[0] ^= 0x80; // neither the posted nor the proven output
    let (challenge_b, _) = rt
        .block_on(reader.challenge(
            jm,
            job_b,
            &ClaimedOutcome::Output(claimed),
            proof,
            params.challengeBond,
        ))
        .unwrap();
    let status = wait_until_resolved(&rt, &reader, jm, challenge_b);
    assert_eq!(status, CHALLENGE_REJECTED, "a proof of another outcome does not uphold a claim");
    assert_eq!(
        rt.block_on(reader.claimable(jm, challenger)).unwrap(),
        owed,
        "the rejected challenger's bond is not returned"
    );

    // Human output: the hint to file is a command that runs as printed (job, ELF, key flag).
    let out = net.run(&["challenge", "check", "--job", &job_b.to_string(), &elf_arg]);
    assert_eq!(code(&out), 13);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let hint = format!("ivm challenge file --job {job_b} {elf_arg} --private-key");
    assert!(text.contains(&hint), "{text}");
    // A challenger short of memory is not told to "prove a shorter run": the job's run is fixed.
    let out = net.run(&[
        "challenge",
        "file",
        "--job",
        &job_b.to_string(),
        &elf_arg,
        "--dev-account",
        &CHALLENGER.to_string(),
        "--memory-limit",
        "1M",
    ]);
    assert_eq!(code(&out), 11, "{}", stderr(&out));
    assert!(stderr(&out).contains("the job's run is fixed"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("shorter run"), "{}", stderr(&out));

    // `--proof` reuses a proof; `--dry-run` judges it and shows the bond without sending.
    let out = net.run(&[
        "challenge",
        "file",
        "--job",
        &job_b.to_string(),
        &elf_arg,
        "--proof",
        proof_path.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let dry = json(&out);
    assert_eq!(dry["dryRun"], true);
    assert!(dry.get("challengeId").is_none());
    assert_eq!(dry["bondWei"], params.challengeBond.to_string());
    assert_eq!(rt.block_on(reader.result_record(jm, job_b)).unwrap().openChallenges, 0);

    // ----- a correct result: check says so, file refuses to spend a bond on it -----
    let job_c = rt.block_on(post_result(&p, &program_id, &unhex(&input), &unhex(&honest)));
    let out = net.run(&["challenge", "check", "--job", &job_c.to_string(), &elf_arg, "--json"]);
    assert_eq!(code(&out), 0);
    assert_eq!(json(&out)["verdict"], "correct");
    let out = net.run(&["challenge", "file", "--job", &job_c.to_string(), &elf_arg, "--dry-run"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("is correct"), "{}", stderr(&out));

    // ----- watch: a watchtower over every posted result, then challenging what is wrong -----
    let examples = repo().join("guest-examples/target/ivm");
    let examples = examples.to_str().unwrap();
    let out = net.run(&["challenge", "watch", "--once", "--elf-dir", examples, "--json"]);
    assert_eq!(code(&out), 13, "a standing wrong result was found and not challenged");
    let watched = json(&out);
    assert_eq!(line(&watched, &job_a)["verdict"], "wrong");
    assert_eq!(line(&watched, &job_a)["state"], "overturned");
    assert_eq!(line(&watched, &job_a)["challengeable"], false);
    assert_eq!(line(&watched, &job_b)["verdict"], "wrong");
    assert_eq!(line(&watched, &job_b)["challengeable"], true);
    assert_eq!(line(&watched, &job_b)["program"], "fibonacci");
    assert_eq!(line(&watched, &job_c)["verdict"], "correct");
    assert_eq!(watched["jobs"].as_array().unwrap().len(), 3);
    // Human lines: an overturned result is shown as such, not as WRONG.
    let out = net.run(&["challenge", "watch", "--once", "--elf-dir", examples]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let line_a = text.lines().find(|l| l.contains(&job_a.to_string())).expect("a line for job a");
    assert!(line_a.contains("overturned") && !line_a.contains("WRONG"), "{line_a}");

    let datadir = dir.path().join("watch");
    let out = net.run(&[
        "challenge",
        "watch",
        "--once",
        "--file",
        "--elf-dir",
        examples,
        "--dev-account",
        &WATCHER.to_string(),
        "--datadir",
        datadir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&out), 0, "every wrong result that could be was challenged");
    let watched = json(&out);
    let challenge_id: U256 =
        line(&watched, &job_b)["challengeId"].as_str().unwrap().parse().unwrap();
    assert!(datadir.join(format!("challenge-{}.proof", &job_b.to_string()[2..14])).is_file());
    assert_eq!(wait_until_resolved(&rt, &reader, jm, challenge_id), CHALLENGE_UPHELD);
    let watcher = rt.block_on(Client::connect(&rpc, &dev_key(&p, WATCHER))).unwrap().address();
    assert_eq!(
        rt.block_on(reader.claimable(jm, watcher)).unwrap(),
        params.challengeBond + params.challengerReward
    );
    // The datadir resumes after the last scanned block, and a rescan never files a job twice.
    let watch_again = |extra: &[&str]| {
        let mut a = vec!["challenge", "watch", "--once", "--file", "--elf-dir", examples];
        a.extend_from_slice(&["--dev-account", "6", "--datadir", datadir.to_str().unwrap()]);
        a.extend_from_slice(extra);
        a.push("--json");
        net.run(&a)
    };
    let out = watch_again(&[]);
    assert_eq!(code(&out), 0);
    assert_eq!(json(&out)["jobs"].as_array().unwrap().len(), 0, "nothing new since the last run");
    let count = rt.block_on(reader.view(jm, &JobManager::challengeCountCall {})).unwrap();
    let out = watch_again(&["--from-block", "0"]);
    assert_eq!(code(&out), 0);
    let rescanned = json(&out);
    assert_eq!(line(&rescanned, &job_b)["verdict"], "challenged");
    assert!(line(&rescanned, &job_b)["message"].as_str().unwrap().contains("already challenged"));
    assert_eq!(
        rt.block_on(reader.view(jm, &JobManager::challengeCountCall {})).unwrap(),
        count,
        "no challenge filed twice"
    );

    // ----- a result posted for a run that really panics: the claim "panicked" is proven -----
    let panic_elf = example("panic");
    let panic_id = unhex(&net.program_id("panic"));
    let job_d = rt.block_on(post_result(&p, &panic_id, b"\x01boom", b"a made-up output"));
    let job_d_hex = job_d.to_string();
    let panic_arg = panic_elf.to_str().unwrap();
    let out = net.run(&["challenge", "check", "--job", &job_d_hex, panic_arg, "--json"]);
    assert_eq!(code(&out), 13);
    let check = json(&out);
    assert_eq!(check["correct"]["panicked"], true);
    let d_proof = dir.path().join("d.proof");
    let out = file_and_wait(&net, &job_d_hex, panic_arg, &["-o", d_proof.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let filed = json(&out);
    assert_eq!(filed["claimedPanicked"], true);
    assert_eq!(filed["claimedOutput"], "0x");
    assert_eq!(filed["verdict"], "upheld");
    assert_eq!(rt.block_on(reader.job_metadata(jm, job_d)).unwrap().status, JOB_STATE_OVERTURNED);

    // ----- a result posted for a run that really faults: "the job should have failed" -----
    // (the faults guest reads address 0 on input 0x01; proven with prover v2)
    let faults_elf = example("faults");
    let faults_id = unhex(&net.program_id("faults"));
    let job_f = rt.block_on(post_result(&p, &faults_id, b"\x01", b"ok"));
    let job_f_hex = job_f.to_string();
    let faults_arg = faults_elf.to_str().unwrap();
    let out = net.run(&["challenge", "check", "--job", &job_f_hex, faults_arg, "--json"]);
    assert_eq!(code(&out), 13, "{}", stderr(&out));
    let check = json(&out);
    assert_eq!(check["verdict"], "wrong");
    assert_eq!(check["correct"]["outcome"], "failed");
    assert_eq!(check["challengeable"], true);
    let f_proof = dir.path().join("f.proof");
    // This one with the proof in calldata (the path for a chain without blobs): judged alike.
    let f_args = ["-o", f_proof.to_str().unwrap(), "--proof-in-calldata"];
    let out = file_and_wait(&net, &job_f_hex, faults_arg, &f_args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let filed = json(&out);
    assert_eq!(filed["claimedOutcome"], "failed");
    assert_eq!(filed["proofIn"], "calldata");
    let calldata_gas = filed["gasUsed"].as_u64().unwrap();
    eprintln!(
        "challenge transaction (proof in calldata): {calldata_gas} gas for a {} byte proof",
        filed["proofSizeBytes"]
    );
    assert!(calldata_gas > 1_000_000, "{calldata_gas} gas: calldata costs what blobs save");
    assert_eq!(filed["claimedOutput"], "0x");
    assert_eq!(filed["verdict"], "upheld");
    assert_eq!(rt.block_on(reader.job_metadata(jm, job_f)).unwrap().status, JOB_STATE_OVERTURNED);
    let proof = std::fs::read(dir.path().join("f.proof")).unwrap();
    assert_eq!(&proof[14..34], b"jolt-rv32im-dory/2.3");

    // ----- the operator challenges its own wrong result to keep honest challengers out -----
    // Its junk challenge is open when the honest one is filed; the honest one is still accepted
    // and upheld, and the junk bond is burned (JobManager used to pay it to the operator).
    let job_e = rt.block_on(post_result(&p, &program_id, &unhex(&input), &wrong));
    let operator = rt.block_on(Client::connect(&rpc, &dev_key(&p, OPERATOR))).unwrap();
    let operator_owed = rt.block_on(reader.claimable(jm, operator.address())).unwrap();
    let burned = |rt: &tokio::runtime::Runtime| {
        rt.block_on(reader.view(jm, &JobManager::burnedChallengeBondsCall {})).unwrap()
    };
    let burned_before = burned(&rt);
    let junk_proof = Bytes::from(vec![0u8; 8]);
    let (junk, _) = rt
        .block_on(operator.challenge(
            jm,
            job_e,
            &ClaimedOutcome::Panicked,
            junk_proof,
            params.challengeBond,
        ))
        .unwrap();
    let out = file_and_wait(&net, &job_e.to_string(), &elf_arg, &["--proof", proof_arg]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["verdict"], "upheld");
    assert_eq!(rt.block_on(reader.job_metadata(jm, job_e)).unwrap().status, JOB_STATE_OVERTURNED);
    assert_eq!(wait_until_resolved(&rt, &reader, jm, junk), CHALLENGE_REJECTED);
    assert_eq!(burned(&rt), burned_before + params.challengeBond, "the junk bond is burned");
    assert_eq!(
        rt.block_on(reader.claimable(jm, operator.address())).unwrap(),
        operator_owed,
        "a rejected bond is never paid to the operator it challenged"
    );

    // ----- an offchain input cannot be withheld: a result posted without its blobs reverts
    // (tests/practice.rs: a node that will not serve the input is overturned from the blobs) -----
    let e = rt
        .block_on(post_result_with_offchain(
            &p,
            &program_id,
            &unhex(&input),
            b"withheld by the operator",
            &wrong,
        ))
        .unwrap_err();
    assert!(e.to_string().contains("must be posted in blobs"), "{e}");

    // The wrong program is refused before anything is executed.
    let other = example("square-root");
    let out =
        net.run(&["challenge", "check", "--job", &job_c.to_string(), other.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("pass the job's program"), "{}", stderr(&out));

    let lines = net.stop();
    assert!(
        lines.iter().any(
            |l| l.contains("voted on a challenge whose proof shows the posted result is wrong")
        ),
        "the node logs its votes"
    );
}

/// The watch report's line for `job`.
fn line(watched: &Value, job: &B256) -> Value {
    let jobs = watched["jobs"].as_array().unwrap();
    let found = jobs.iter().find(|l| l["jobId"] == job.to_string());
    found.cloned().unwrap_or_else(|| panic!("no line for {job}: {watched}"))
}

fn wait_until_resolved(rt: &tokio::runtime::Runtime, client: &Client, jm: Address, id: U256) -> u8 {
    let start = Instant::now();
    loop {
        let c = rt.block_on(client.get_challenge(jm, id)).unwrap();
        if c.status != CHALLENGE_OPEN {
            return c.status;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "challenge {id} not resolved");
        std::thread::sleep(Duration::from_millis(300));
    }
}
