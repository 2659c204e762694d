//! Signing keys, the way Foundry takes them: `--private-key` (or `$IVM_PRIVATE_KEY`),
//! `--keystore <file>` with `--password-file <file>` (or `$IVM_KEYSTORE_PASSWORD`), or
//! `--dev-account <n>` on a devnet profile. A key is never printed or logged.
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use ivm_contracts::client::alloy_signer_local::PrivateKeySigner;

use crate::{exit::invalid_input, network::Resolved};

#[derive(Args, Clone, Default)]
pub struct KeyArgs {
    /// Private key (hex). Prefer `IVM_PRIVATE_KEY` or a keystore: flags show up in `ps`.
    #[arg(long, value_name = "HEX", env = "IVM_PRIVATE_KEY", hide_env_values = true,
          conflicts_with_all = ["keystore", "dev_account"])]
    pub private_key: Option<String>,
    /// Encrypted JSON keystore (as written by `cast wallet import` / geth).
    #[arg(long, value_name = "FILE", env = "IVM_KEYSTORE", conflicts_with = "dev_account")]
    pub keystore: Option<PathBuf>,
    /// File holding the keystore password (trailing newline ignored; or set IVM_KEYSTORE_PASSWORD).
    #[arg(long, value_name = "FILE", env = "IVM_PASSWORD_FILE", requires = "keystore")]
    pub password_file: Option<PathBuf>,
    /// Use dev account <N> of the devnet profile (anvil's well-known keys).
    #[arg(long, value_name = "N")]
    pub dev_account: Option<u32>,
}

impl std::fmt::Debug for KeyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyArgs")
            .field("private_key", &self.private_key.as_ref().map(|_| "<redacted>"))
            .field("keystore", &self.keystore)
            .field("password_file", &self.password_file)
            .field("dev_account", &self.dev_account)
            .finish()
    }
}

const HOW: &str = "pass --private-key <hex> (or set IVM_PRIVATE_KEY), --keystore <file> --password-file <file>, or --dev-account <n> on a devnet";

impl KeyArgs {
    /// Whether any key source was given.
    pub fn given(&self) -> bool {
        self.private_key.is_some() || self.keystore.is_some() || self.dev_account.is_some()
    }

    /// The signer; a missing or bad key is invalid input (exit 3). Error messages never
    /// contain key material.
    pub fn signer(&self, network: &Resolved) -> Result<PrivateKeySigner> {
        if let Some(key) = &self.private_key {
            return parse_private_key(key)
                .map_err(|e| invalid_input(format!("--private-key / IVM_PRIVATE_KEY: {e}")));
        }
        if let Some(path) = &self.keystore {
            let password = match &self.password_file {
                Some(file) => {
                    let text = std::fs::read_to_string(file).map_err(|e| {
                        invalid_input(format!(
                            "--password-file {}: cannot read: {e}",
                            file.display()
                        ))
                    })?;
                    text.trim_end_matches(['\n', '\r']).to_string()
                }
                None => std::env::var("IVM_KEYSTORE_PASSWORD").map_err(|_| {
                    invalid_input(
                        "--keystore needs --password-file <file> (or IVM_KEYSTORE_PASSWORD)",
                    )
                })?,
            };
            if !path.is_file() {
                return Err(invalid_input(format!("--keystore {}: no such file", path.display())));
            }
            return PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
                invalid_input(format!(
                    "--keystore {}: cannot decrypt (wrong password or not a keystore): {e}",
                    path.display()
                ))
            });
        }
        if let Some(index) = self.dev_account {
            let profile = network
                .profile
                .as_ref()
                .filter(|p| p.devnet)
                .ok_or_else(|| invalid_input("--dev-account needs a devnet profile (start `ivm devnet`, or pass --network <devnet profile>)"))?;
            let account = profile.dev_account(index).ok_or_else(|| {
                let have: Vec<String> =
                    profile.dev_accounts.iter().map(|a| a.index.to_string()).collect();
                invalid_input(format!(
                    "--dev-account {index}: profile {:?} has dev accounts {}",
                    profile.name,
                    have.join(", ")
                ))
            })?;
            return parse_private_key(&account.private_key).map_err(|e| {
                invalid_input(format!("dev account {index} of profile {:?}: {e}", profile.name))
            });
        }
        Err(invalid_input(format!("no signing key: {HOW}")))
    }
}

/// Parses a hex private key without echoing it in errors.
pub fn parse_private_key(key: &str) -> std::result::Result<PrivateKeySigner, String> {
    let t = key.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "a private key is 32 bytes of hex (64 digits), got {} characters",
            t.len()
        ));
    }
    ivm_contracts::client::parse_key(t).map_err(|_| "not a valid secp256k1 private key".to_string())
}
