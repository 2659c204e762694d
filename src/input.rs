//! Program inputs from the command line: hex strings or files.
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::exit::invalid_input;

/// The onchain and offchain input flags shared by `execute` (and later `prove` and `job`).
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Onchain input as hex (`0x` optional).
    #[arg(long, value_name = "HEX", conflicts_with = "input_file")]
    pub input_hex: Option<String>,
    /// Onchain input read from a file (raw bytes).
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,
    /// Offchain input as hex (`0x` optional).
    #[arg(long, value_name = "HEX", conflicts_with = "offchain_input_file")]
    pub offchain_input_hex: Option<String>,
    /// Offchain input read from a file (raw bytes).
    #[arg(long, value_name = "FILE")]
    pub offchain_input_file: Option<PathBuf>,
}

/// Both inputs, as bytes.
#[derive(Debug, Clone, Default)]
pub struct InputBytes {
    pub onchain: Vec<u8>,
    pub offchain: Vec<u8>,
}

impl InputArgs {
    pub fn read(&self) -> Result<InputBytes> {
        Ok(InputBytes {
            onchain: read_one("--input-hex", &self.input_hex, "--input-file", &self.input_file)?,
            offchain: read_one(
                "--offchain-input-hex",
                &self.offchain_input_hex,
                "--offchain-input-file",
                &self.offchain_input_file,
            )?,
        })
    }
}

fn read_one(
    hex_flag: &'static str,
    hex: &Option<String>,
    file_flag: &'static str,
    file: &Option<PathBuf>,
) -> Result<Vec<u8>> {
    Ok(read_given(hex_flag, hex, file_flag, file)?.map(|(bytes, _)| bytes).unwrap_or_default())
}

/// The bytes of a hex flag or a file flag (hex wins), with the flag they came from; `None`
/// when neither was given.
pub fn read_given(
    hex_flag: &'static str,
    hex: &Option<String>,
    file_flag: &'static str,
    file: &Option<PathBuf>,
) -> Result<Option<(Vec<u8>, &'static str)>> {
    match (hex, file) {
        (Some(h), _) => parse_hex(h)
            .map(|b| Some((b, hex_flag)))
            .map_err(|e| invalid_input(format!("{hex_flag}: {e}"))),
        (None, Some(f)) => std::fs::read(f)
            .map(|b| Some((b, file_flag)))
            .map_err(|e| invalid_input(format!("{file_flag} {}: cannot read: {e}", f.display()))),
        (None, None) => Ok(None),
    }
}

/// Parses hex with an optional `0x` prefix; whitespace around it is ignored.
pub fn parse_hex(s: &str) -> std::result::Result<Vec<u8>, String> {
    let t = s.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    hex::decode(t).map_err(|e| match e {
        hex::FromHexError::OddLength => format!("{s:?} has an odd number of hex digits"),
        hex::FromHexError::InvalidHexCharacter { c, index } => {
            format!("{s:?} is not hex: {c:?} at position {index}")
        }
        other => format!("{s:?} is not valid hex: {other}"),
    })
}

/// `0x`-prefixed lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}
