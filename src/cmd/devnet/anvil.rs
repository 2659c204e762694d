//! The devnet's anvil: finding the binary, starting it on the devnet's port and chain ID, and
//! stopping it.
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::Result;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use super::DevnetArgs;
use crate::exit::{coded, Code};

/// A running anvil; stopped by [`Anvil::stop`] (and killed on drop).
pub(super) struct Anvil {
    pub(super) child: Child,
    pub(super) url: String,
}

impl Anvil {
    pub(super) async fn start(bin: &Path, args: &DevnetArgs) -> Result<Anvil> {
        let mut cmd = Command::new(bin);
        cmd.args(["--host", "127.0.0.1", "--port", &args.port.to_string()])
            .args([
                "--chain-id",
                &args.chain_id.to_string(),
                "--accounts",
                "10",
                "--balance",
                "10000",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(gas) = args.gas_limit {
            cmd.args(["--gas-limit", &gas.to_string()]);
        }
        if let Some(t) = args.block_time {
            cmd.args(["--block-time", &t.to_string()]);
        }
        let mut child = cmd.spawn().map_err(|e| {
            coded(Code::Failure, format!("cannot start anvil ({}): {e}", bin.display()))
        })?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        // Read the listening address, then keep draining anvil's output so it never blocks.
        let tx2 = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(line);
            }
        });
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx2.send(line);
            }
        });
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            tokio::select! {
                line = rx.recv() => match line {
                    Some(line) => {
                        if let Some(addr) = line.trim().strip_prefix("Listening on ") {
                            let url = format!("http://{}", addr.trim());
                            // Drain the rest in the background.
                            tokio::spawn(async move { while rx.recv().await.is_some() {} });
                            return Ok(Anvil { child, url });
                        }
                        seen.push(line);
                    }
                    None => {
                        let status = child.wait().await.ok();
                        let tail: Vec<&String> = seen.iter().rev().take(5).rev().collect();
                        let tail = tail.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" | ");
                        let hint = if tail.contains("in use") {
                            format!(" (port {} is taken: pass --port <other> or --port 0)", args.port)
                        } else {
                            String::new()
                        };
                        return Err(coded(Code::Network, format!(
                            "anvil exited before listening ({}){}{tail}{hint}",
                            status.map(|s| s.to_string()).unwrap_or_default(),
                            if tail.is_empty() { "" } else { ": " },
                        )));
                    }
                },
                _ = tokio::time::sleep_until(deadline) => {
                    let _ = child.kill().await;
                    return Err(coded(Code::Network, "anvil did not report a listening address within 30 s"));
                }
            }
        }
    }

    /// SIGTERM, then SIGKILL after 5 s; reaps the process.
    pub(super) async fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
            if tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await.is_ok() {
                return;
            }
        }
        let _ = self.child.kill().await;
    }
}

/// The anvil binary: `--anvil`/`IVM_ANVIL`, else `anvil` on PATH, else the platform binary of
/// the `@foundry-rs/anvil` npm package in a `node_modules` above the current directory (or
/// this checkout). npm's `node_modules/.bin/anvil` is a node wrapper that would outlive a kill,
/// so the real binary is used instead.
pub fn find_anvil(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        return Err(coded(Code::InvalidInput, format!("--anvil {}: no such file", p.display())));
    }
    let pkg = npm_platform_package();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let cand = dir.join("anvil");
            if !cand.is_file() {
                continue;
            }
            // A node_modules/.bin wrapper: use the package's real binary next to it.
            if dir.ends_with("node_modules/.bin") {
                if let Some(real) =
                    pkg.as_ref().map(|p| dir.join("..").join(p)).filter(|r| r.is_file())
                {
                    return Ok(real);
                }
                continue;
            }
            return Ok(cand);
        }
    }
    if let Some(pkg) = &pkg {
        let mut roots: Vec<PathBuf> = Vec::new();
        if let Ok(cwd) = std::env::current_dir() {
            roots.extend(cwd.ancestors().map(Path::to_path_buf));
        }
        roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        for root in roots {
            let cand = root.join("node_modules").join(pkg);
            if cand.is_file() {
                return Ok(cand);
            }
        }
    }
    Err(coded(
        Code::Failure,
        "anvil not found: install it with `scripts/install-tools` (in the ivm repository) or `npm install @foundry-rs/anvil` in your project, put Foundry's anvil on PATH, or pass --anvil <file>",
    ))
}

/// `@foundry-rs/anvil-<os>-<arch>/bin/anvil` for this platform.
fn npm_platform_package() -> Option<PathBuf> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        _ => return None,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        _ => return None,
    };
    Some(PathBuf::from(format!("@foundry-rs/anvil-{os}-{arch}/bin/anvil")))
}
