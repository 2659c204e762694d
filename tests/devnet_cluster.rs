//! `ivm devnet --nodes 3 --db postgres://…`: a local cluster of three nodes on one real
//! PostgreSQL database. Jobs submitted through any of them land on chain once; every node's
//! status shows the same cluster; a devnet asked for several nodes without PostgreSQL says
//! what to pass.
mod devnet_support;
#[path = "../crates/ivm-node/tests/support/mod.rs"]
mod support;

use devnet_support::*;

#[test]
fn a_devnet_of_three_nodes_shares_one_database() {
    let db = support::postgres_db();
    let net = Devnet::start_with(&["--nodes", "3", "--db", &db, "--no-programs"]);
    let urls: Vec<String> = net.profile["nodeUrls"]
        .as_array()
        .expect("nodeUrls")
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    assert_eq!(urls.len(), 3, "{}", net.profile);
    assert_eq!(net.profile["nodeUrl"], urls[0].as_str());
    // The password of the database never shows in the devnet's output.
    assert!(!net.profile.to_string().contains("postgres://"), "{}", net.profile);

    // A program submitted to node 2 serves a job submitted to node 3, relayed by whichever
    // node holds the relayer role.
    let elf = example("square-root");
    let out =
        net.run(&["program", "submit", elf.to_str().unwrap(), "--node-url", &urls[1], "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let program_id = json(&out)["programs"][0]["programId"].as_str().unwrap().to_string();
    let input = uint256(144);
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &program_id,
        "--input-hex",
        &input,
        "--dev-account",
        "0",
        "--node-url",
        &urls[2],
        "--wait",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let job = json(&out);
    assert_eq!(job["result"]["status"], "relayed", "{job}");
    let job_id = job["jobId"].as_str().unwrap().to_string();

    // Every node answers for the job and shows the same cluster: three alive, one relayer.
    for url in &urls {
        let out = net.run(&["job", "status", &job_id, "--node-url", url, "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(json(&out)["status"], "relayed", "node {url}");
        let out = net.run(&["node", "status", "--node-url", url, "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let status = json(&out);
        let cluster = status["cluster"].as_array().expect("cluster");
        assert_eq!(cluster.len(), 3, "{status}");
        assert!(cluster.iter().all(|n| n["alive"] == true), "{status}");
        let relayers = cluster
            .iter()
            .filter(|n| n["roles"].as_array().unwrap().iter().any(|r| r == "relayer"))
            .count();
        assert_eq!(relayers, 1, "{status}");
        assert_eq!(cluster.iter().filter(|n| n["thisNode"] == true).count(), 1);
    }
    let out = net.run(&["node", "status", "--node-url", &urls[0]]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("3 of 3 nodes alive"), "{text}");
    net.stop();
}

#[test]
fn several_devnet_nodes_need_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "devnet",
        "--nodes",
        "2",
        "--port",
        "0",
        "--node-port",
        "0",
        "--profile-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("--db postgres://"), "{}", stderr(&out));
}
