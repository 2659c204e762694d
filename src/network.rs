//! Network profiles: where a coprocessor network lives (RPC URL, node URL, contract addresses,
//! chain ID, and on a devnet its dev keys).
//!
//! A profile is a TOML file `<profile dir>/<name>.toml`. The profile directory is, first match:
//! `--profile-dir`, `$IVM_PROFILE_DIR`, `$IVM_HOME/networks`, `~/.ivm/networks`.
//! `ivm devnet` writes `devnet.toml` there; every network command reads `--network <name>`
//! (or a path to a `.toml` file), defaulting to `devnet` when that profile exists.
//! `--node-url` / `--rpc-url` override the profile's URLs.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use ivm_contracts::alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::exit::invalid_input;

/// The profile `ivm devnet` writes and other commands use by default.
pub const DEFAULT_PROFILE: &str = "devnet";

/// A network profile.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name (the file stem).
    pub name: String,
    pub chain_id: u64,
    /// Ethereum JSON-RPC endpoint.
    pub rpc_url: String,
    /// Coprocessor node REST gateway.
    pub node_url: String,
    pub contracts: Contracts,
    /// Whether this is a local devnet (dev accounts below may be used with `--dev-account`).
    #[serde(default)]
    pub devnet: bool,
    /// Dev accounts by index (anvil's well-known keys; public, for local use only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dev_accounts: Vec<DevAccount>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Contracts {
    pub job_manager: Address,
    /// The general-purpose `ExampleConsumer` (default `--consumer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<Address>,
    /// Block the `JobManager` was deployed in.
    #[serde(default)]
    pub deploy_block: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DevAccount {
    pub index: u32,
    pub address: Address,
    pub private_key: String,
    /// What the devnet uses it for (deployer, operator, relayer, arbiter, offchain signer, user).
    pub role: String,
}

/// `--profile-dir`.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileDirArg {
    /// Directory of network profiles (default: $IVM_HOME/networks, else ~/.ivm/networks).
    #[arg(long, value_name = "DIR", env = "IVM_PROFILE_DIR")]
    pub profile_dir: Option<PathBuf>,
}

/// Network selection flags shared by the client commands.
#[derive(Debug, Args, Clone, Default)]
pub struct NetworkArgs {
    /// Network profile name (a file in the profile directory) or a path to a profile .toml
    /// [default: devnet, if that profile exists].
    #[arg(long, value_name = "PROFILE", env = "IVM_NETWORK")]
    pub network: Option<String>,
    /// Coprocessor node URL (overrides the profile).
    #[arg(long, value_name = "URL", env = "IVM_NODE_URL")]
    pub node_url: Option<String>,
    /// Ethereum JSON-RPC URL (overrides the profile).
    #[arg(long, value_name = "URL", env = "IVM_RPC_URL")]
    pub rpc_url: Option<String>,
    #[command(flatten)]
    pub dir: ProfileDirArg,
}

/// What a command resolved from its flags and profile.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub profile: Option<Profile>,
    pub node_url: Option<String>,
    pub rpc_url: Option<String>,
}

impl Resolved {
    /// A read-only client for the profile's chain and its `JobManager`, when there is a profile
    /// with an RPC URL (`None` otherwise, or when the endpoint cannot be set up).
    pub async fn job_manager_reader(&self) -> Option<(ivm_contracts::client::Client, Address)> {
        let (Some(profile), Some(rpc)) = (&self.profile, &self.rpc_url) else { return None };
        let signer = alloy_signer_local::PrivateKeySigner::random(); // reads only: never signs
        let client = ivm_contracts::client::Client::connect_with_signer(rpc, signer).await.ok()?;
        Some((client, profile.contracts.job_manager))
    }

    pub fn node_url(&self) -> Result<&str> {
        self.node_url.as_deref().ok_or_else(|| {
            invalid_input(
                "no coprocessor node URL: pass --node-url, --network <profile>, or start `ivm devnet` (it writes the default profile)",
            )
        })
    }

    pub fn rpc_url(&self) -> Result<&str> {
        self.rpc_url.as_deref().ok_or_else(|| {
            invalid_input(
                "no RPC URL: pass --rpc-url, --network <profile>, or start `ivm devnet` (it writes the default profile)",
            )
        })
    }

    /// The profile's example consumer, if any.
    pub fn default_consumer(&self) -> Option<Address> {
        self.profile.as_ref().and_then(|p| p.contracts.consumer)
    }
}

/// The profile directory.
pub fn profile_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(home) = std::env::var_os("IVM_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home).join("networks"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).context(
        "cannot find the profile directory: set IVM_HOME or HOME, or pass --profile-dir",
    )?;
    Ok(PathBuf::from(home).join(".ivm").join("networks"))
}

/// The file of profile `name` (or `name` itself when it is a path to a `.toml` file).
pub fn profile_path(dir_flag: Option<&Path>, name: &str) -> Result<PathBuf> {
    if name.ends_with(".toml") || name.contains(std::path::MAIN_SEPARATOR) {
        return Ok(PathBuf::from(name));
    }
    validate_name(name)?;
    Ok(profile_dir(dir_flag)?.join(format!("{name}.toml")))
}

/// Profile names are file stems: letters, digits, `-`, `_`, `.`.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(invalid_input(format!(
            "{name:?} is not a valid profile name (letters, digits, '-', '_', '.')"
        )))
    }
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            invalid_input(format!("cannot read network profile {}: {e}", path.display()))
        })?;
        toml::from_str(&text).map_err(|e| {
            invalid_input(format!("network profile {} is malformed: {e}", path.display()))
        })
    }

    /// Writes the profile (owner-only permissions: it may hold keys), atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating profile directory {}", dir.display()))?;
        let text = format!(
            "# ivm network profile (written by `ivm devnet`; dev keys are anvil's public test keys)\n{}",
            toml::to_string_pretty(self).context("serialising the profile")?
        );
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
        }
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// The dev account with this index.
    pub fn dev_account(&self, index: u32) -> Option<&DevAccount> {
        self.dev_accounts.iter().find(|a| a.index == index)
    }
}

impl NetworkArgs {
    /// Loads the selected profile (if any) and applies the URL overrides.
    pub fn resolve(&self) -> Result<Resolved> {
        let dir = self.dir.profile_dir.as_deref();
        let profile = match &self.network {
            Some(name) => {
                let path = profile_path(dir, name)?;
                if !path.is_file() {
                    let shown =
                        profile_dir(dir).map(|d| d.display().to_string()).unwrap_or_default();
                    return Err(invalid_input(format!(
                        "unknown network profile {name:?}: {} does not exist (profiles live in {shown}; `ivm devnet` writes `devnet`)",
                        path.display()
                    )));
                }
                Some(Profile::load(&path)?)
            }
            None => {
                let path = profile_path(dir, DEFAULT_PROFILE)?;
                if path.is_file() {
                    Some(Profile::load(&path)?)
                } else {
                    None
                }
            }
        };
        Ok(Resolved {
            node_url: self
                .node_url
                .clone()
                .or_else(|| profile.as_ref().map(|p| p.node_url.clone())),
            rpc_url: self.rpc_url.clone().or_else(|| profile.as_ref().map(|p| p.rpc_url.clone())),
            profile,
        })
    }
}

/// Parses a 20-byte address (`0x` optional) for flag `flag`.
pub fn parse_address(flag: &str, s: &str) -> Result<Address> {
    s.trim().parse::<Address>().map_err(|e| {
        invalid_input(format!("{flag} {s:?} is not an address (20 bytes of hex): {e}"))
    })
}

/// A tokio runtime for one command (the network commands are async over HTTP/RPC).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Parses a 32-byte job ID (`0x` optional).
pub fn parse_job_id(s: &str) -> Result<[u8; 32]> {
    let bytes = crate::input::parse_hex(s).map_err(|e| {
        invalid_input(format!(
            "{s:?} is not a job ID: expected 32 bytes as 64 hex digits, 0x optional ({e})"
        ))
    })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        invalid_input(format!(
            "job ID {s:?} must be 32 bytes (64 hex digits), got {} bytes",
            bytes.len()
        ))
    })
}
