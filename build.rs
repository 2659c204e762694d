//! Embeds the guest SDK sources and the project templates into the `ivm` binary, so that
//! `ivm new`/`ivm build` can materialise exactly the SDK this `ivm` was built with, offline.
//! Also embeds ivm's Solidity contract sources (contracts/src) for the `app` template.
use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
};

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());

    let mut sdk = Vec::new();
    for krate in ["ivm-abi", "ivm-guest", "ivm-compat", "ivm-io"] {
        let dir = root.join("crates").join(krate);
        for rel in ["Cargo.toml", "build.rs", "src"] {
            collect(&dir, &dir.join(rel), &mut sdk, krate);
        }
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    write_table(&out.join("sdk_files.rs"), &sdk);

    let mut templates = Vec::new();
    let tdir = root.join("templates");
    collect(&tdir, &tdir, &mut templates, "");
    // The app's contracts compile with solcjs through the same front end as this repository's
    // (scripts/solc), so that `forge test` in a generated project needs no download.
    templates.push(("app/contracts/scripts/solc".into(), root.join("scripts").join("solc")));
    println!("cargo:rerun-if-changed={}", root.join("scripts").join("solc").display());
    println!("cargo:rerun-if-changed={}", tdir.display());
    write_table(&out.join("template_files.rs"), &templates);

    // ivm's Solidity contracts (JobManager, Consumer, ...): `ivm new --template app` writes them
    // into the project's contracts/lib/ivm/ so the consumer builds on exactly these sources.
    let mut contracts = Vec::new();
    let cdir = root.join("contracts").join("src");
    collect(&cdir, &cdir, &mut contracts, "");
    contracts.retain(|(rel, _)| rel.ends_with(".sol"));
    println!("cargo:rerun-if-changed={}", cdir.display());
    write_table(&out.join("contract_files.rs"), &contracts);

    // The toolchain ivm is built with is the one scaffolded projects pin.
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "stable".into());
    let version = version.split('-').next().unwrap_or("stable").to_owned();
    println!("cargo:rustc-env=IVM_RUST_TOOLCHAIN={version}");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Adds every file under `path` as (path relative to `base`, prefixed, absolute path).
fn collect(base: &Path, path: &Path, files: &mut Vec<(String, PathBuf)>, prefix: &str) {
    if path.is_dir() {
        let mut entries: Vec<_> = fs::read_dir(path).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for e in entries {
            collect(base, &e, files, prefix);
        }
    } else if path.is_file() {
        let rel = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
        let rel = if prefix.is_empty() { rel } else { format!("{prefix}/{rel}") };
        files.push((rel, path.to_path_buf()));
    }
}

fn write_table(dest: &Path, files: &[(String, PathBuf)]) {
    let mut s = String::from("&[\n");
    for (rel, abs) in files {
        s.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", abs.display().to_string()));
    }
    s.push_str("]\n");
    fs::write(dest, s).unwrap();
}
