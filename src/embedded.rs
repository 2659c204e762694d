//! Files carried inside the `ivm` binary: the guest SDK sources and the project templates.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// SDK crate files, as (path like `ivm-guest/src/lib.rs`, contents).
pub static SDK_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/sdk_files.rs"));
/// Template files, as (path like `bare/ivm.toml`, contents).
pub static TEMPLATE_FILES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/template_files.rs"));

/// ivm's Solidity contract sources (`contracts/src/*.sol`), as (file name, contents).
pub static CONTRACT_FILES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/contract_files.rs"));

/// Where an `app` project keeps its copy of ivm's contracts, relative to the project root
/// (remapped as `ivm/` in the template's foundry.toml).
pub fn contracts_dir_in_project() -> PathBuf {
    Path::new("contracts").join("lib").join("ivm")
}

/// Writes the embedded contract sources into `dir`.
pub fn materialize_contracts(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (rel, contents) in CONTRACT_FILES {
        let dest = dir.join(rel);
        std::fs::write(&dest, contents).with_context(|| format!("writing {}", dest.display()))?;
    }
    Ok(())
}

/// Version of the embedded SDK (the same as this `ivm`).
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Rust toolchain this `ivm` was built with; new projects pin it.
pub const RUST_TOOLCHAIN: &str = env!("IVM_RUST_TOOLCHAIN");
/// The nightly std guests are built with (`ivm new --std`): it compiles std from `rust-src`.
/// Pinned, so that the same sources give the same program ID.
pub const STD_TOOLCHAIN: &str = "nightly-2026-05-19";

/// Where a project keeps its copy of the SDK, relative to the project root.
pub fn sdk_dir_in_project() -> PathBuf {
    Path::new(".ivm").join("sdk").join(SDK_VERSION)
}

/// Writes the embedded SDK into `dir` (as `dir/ivm-abi`, `dir/ivm-guest`, `dir/ivm-compat`, `dir/ivm-io`), rewriting only
/// files whose contents differ so that cargo does not rebuild needlessly. Returns whether
/// anything changed.
pub fn materialize_sdk(dir: &Path) -> Result<bool> {
    let mut changed = false;
    for (rel, contents) in SDK_FILES {
        let dest = dir.join(rel);
        if std::fs::read_to_string(&dest).ok().as_deref() == Some(*contents) {
            continue;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&dest, contents).with_context(|| format!("writing {}", dest.display()))?;
        changed = true;
    }
    Ok(changed)
}

/// Names of the available templates.
pub fn template_names() -> Vec<&'static str> {
    let mut names: Vec<&str> =
        TEMPLATE_FILES.iter().filter_map(|(p, _)| p.split('/').next()).collect();
    names.dedup();
    names
}

/// Files of one template, with paths relative to the template root.
pub fn template_files(name: &str) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    TEMPLATE_FILES.iter().filter_map(move |(p, c)| {
        p.strip_prefix(name).and_then(|r| r.strip_prefix('/')).map(|r| (r, *c))
    })
}
