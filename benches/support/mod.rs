//! What the devnet benchmarks share: an `ivm devnet --json` in a temporary profile directory,
//! stopped with SIGTERM when dropped, and reading its `--json` profile.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `ivm devnet`; SIGTERM (a clean stop of its nodes and anvil) on drop.
pub struct Devnet {
    child: Child,
    _profile_dir: tempfile::TempDir,
    /// The devnet's `--json` document (camelCase profile, programs, …).
    pub profile: serde_json::Value,
}

impl Devnet {
    /// Starts `ivm devnet --json` on free ports with these extra arguments.
    pub fn start(extra_args: &[String]) -> Devnet {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ivm"))
            .args(["devnet", "--json", "--port", "0", "--node-port", "0"])
            .args(extra_args)
            .arg("--profile-dir")
            .arg(dir.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ivm devnet");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let profile = serde_json::from_str(&line).expect("devnet --json");
        Devnet { child, _profile_dir: dir, profile }
    }

    /// The ID of an example program the devnet submitted to its node, by name.
    pub fn program_id(&self, name: &str) -> Vec<u8> {
        let id = self.profile["programs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} submitted"))["programId"]
            .as_str()
            .unwrap();
        hex::decode(id.trim_start_matches("0x")).unwrap()
    }

    /// A contract's address from the profile (`jobManager`, `consumer`).
    pub fn contract(&self, name: &str) -> ivm_contracts::alloy_primitives::Address {
        self.profile["contracts"][name].as_str().unwrap().parse().unwrap()
    }

    /// Dev account `i`'s private key.
    pub fn dev_key(&self, i: usize) -> String {
        self.profile["devAccounts"][i]["privateKey"].as_str().unwrap().to_string()
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}
