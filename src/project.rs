//! An ivm project: a directory with `ivm.toml` and a Cargo workspace of guest programs.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ivm_abi::{parse_size, Sizes, MAX_REGION_SIZE};
use serde::Deserialize;
use toml::Spanned;

use crate::exit::invalid_input;

pub const MANIFEST: &str = "ivm.toml";

/// The parsed `ivm.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub project: ProjectSection,
    /// Memory layout shared by every program of the project (they share one SDK build).
    #[serde(default)]
    pub layout: LayoutSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    pub name: Option<String>,
    /// std guests: built for `riscv32im-risc0-zkvm-elf` with the project's pinned nightly and
    /// `-Zbuild-std` (`ivm new --std`). Default: no_std on stable.
    #[serde(default)]
    pub std: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutSection {
    pub max_input: Option<Spanned<SizeValue>>,
    pub max_offchain_input: Option<Spanned<SizeValue>>,
    pub max_output: Option<Spanned<SizeValue>>,
    pub stack_size: Option<Spanned<SizeValue>>,
    pub heap_size: Option<Spanned<SizeValue>>,
}

/// A size written as bytes (`65536`) or with a binary suffix (`"64K"`, `"1M"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SizeValue {
    Bytes(u64),
    Text(String),
}

impl std::fmt::Display for SizeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeValue::Bytes(n) => write!(f, "{n}"),
            SizeValue::Text(s) => write!(f, "{s:?}"),
        }
    }
}

impl SizeValue {
    /// The size in bytes, checked against the ABI's rules; `at` names the line for errors.
    fn bytes(&self, key: &str, at: &str) -> Result<u32> {
        let v = match self {
            SizeValue::Bytes(n) => u32::try_from(*n).ok(),
            SizeValue::Text(s) => parse_size(s),
        };
        let bytes = v.ok_or_else(|| {
            invalid_input(format!(
                "{at}: [layout] {key} = {self} is not a size: use bytes (65536) or \"64K\"/\"1M\""
            ))
        })?;
        if bytes > MAX_REGION_SIZE {
            return Err(invalid_input(format!(
                "{at}: [layout] {key} = {self} is over the limit of 256M"
            )));
        }
        if bytes % 16 != 0 {
            return Err(invalid_input(format!(
                "{at}: [layout] {key} = {self} is not a multiple of 16 bytes"
            )));
        }
        Ok(bytes)
    }
}

/// A project found on disk.
#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub manifest: Manifest,
    /// The text of `ivm.toml` (for line numbers in errors).
    manifest_text: String,
}

impl Project {
    /// Loads the project at `path`, or the nearest one above the current directory.
    pub fn locate(path: Option<&Path>) -> Result<Project> {
        let root = match path {
            Some(p) => {
                if !p.join(MANIFEST).is_file() {
                    return Err(invalid_input(format!(
                        "{} has no {MANIFEST}: pass the directory of an ivm project (create one with `ivm new`)",
                        p.display()
                    )));
                }
                p.to_path_buf()
            }
            None => {
                let cwd = std::env::current_dir().context("reading the current directory")?;
                cwd.ancestors().find(|d| d.join(MANIFEST).is_file()).map(Path::to_path_buf).ok_or_else(|| {
                    invalid_input(format!(
                        "no {MANIFEST} in {} or any parent: run inside an ivm project, pass --path, or create one with `ivm new`",
                        cwd.display()
                    ))
                })?
            }
        };
        let root = root.canonicalize().with_context(|| format!("resolving {}", root.display()))?;
        let file = root.join(MANIFEST);
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let manifest: Manifest = toml::from_str(&text)
            .map_err(|e| invalid_input(format!("{} is invalid: {e}", file.display())))?;
        Ok(Project { root, manifest, manifest_text: text })
    }

    /// The program sizes from `[layout]`, with ABI defaults for missing keys.
    pub fn sizes(&self) -> Result<Sizes> {
        let l = &self.manifest.layout;
        let mut a = Sizes::default().to_array();
        let keys = [
            ("max_input", &l.max_input),
            ("max_offchain_input", &l.max_offchain_input),
            ("max_output", &l.max_output),
            ("stack_size", &l.stack_size),
            ("heap_size", &l.heap_size),
        ];
        for (slot, (key, value)) in a.iter_mut().zip(keys) {
            if let Some(v) = value {
                let line = self.manifest_text[..v.span().start].matches('\n').count() + 1;
                let at = format!("{} line {line}", self.root.join(MANIFEST).display());
                *slot = v.get_ref().bytes(key, &at)?;
            }
        }
        let sizes = Sizes::from_array(a);
        sizes
            .validate()
            .map_err(|e| invalid_input(format!("[layout] in {MANIFEST}: invalid sizes ({e:?})")))?;
        Ok(sizes)
    }
}
