//! The devnet's practice mode (`ivm devnet --dishonest`): its operator posts wrong results and
//! withholds offchain inputs for the programs named, and a challenger catches and overturns
//! them with the ordinary commands — the README's "rehearse a challenge" walk-through.
mod devnet_support;

use devnet_support::*;
use serde_json::Value;

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
    let net = Devnet::start_with(&["--dishonest", "fibonacci", "--withhold-inputs"]);
    assert_eq!(net.profile["dishonest"], serde_json::json!(["fibonacci"]));
    let examples = repo().join("guest-examples/target/ivm");
    let fib = examples.join("fibonacci.elf");
    let fib = fib.to_str().unwrap();

    // An honest-looking job with a wrong result on chain.
    let job = submit(&net, "fibonacci", &uint256(12), None);
    let id = job["jobId"].as_str().unwrap();
    let out = net.run(&["challenge", "check", "--job", id, fib, "--json"]);
    assert_eq!(code(&out), 13, "the posted result is wrong: {}", stderr(&out));
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

    // A withheld offchain input: the node will not serve it; given from elsewhere, the check
    // still works.
    let job = submit(&net, "fibonacci", &uint256(9), Some("0x68656c6c6f"));
    let id = job["jobId"].as_str().unwrap();
    let out = net.run(&["challenge", "check", "--job", id, fib]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("has no offchain input"), "{}", stderr(&out));
    let out =
        net.run(&["challenge", "check", "--job", id, fib, "--offchain-input-hex", "0x68656c6c6f"]);
    assert_eq!(code(&out), 13, "{}", stderr(&out));

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
}
