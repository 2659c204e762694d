//! `ivm new`: scaffold a project from the embedded templates.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use crate::{
    embedded::{self, RUST_TOOLCHAIN, SDK_VERSION, STD_TOOLCHAIN},
    exit::{invalid_input, Code, Outcome},
    ui,
};

/// The templates: name, the embedded layers it is made of, and a description.
const TEMPLATES: &[(&str, &[&str], &str)] = &[
    (
        "app",
        &["guest", "app"],
        "guest program + Solidity consumer contract, forge test and CI workflow",
    ),
    ("bare", &["guest"], "guest program only"),
];
const DEFAULT_TEMPLATE: &str = "app";

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to create (must not exist or be empty).
    pub path: PathBuf,
    /// Template: `app` (program + consumer contract) or `bare` (program only).
    #[arg(long, short, value_parser = ["app", "bare"])]
    pub template: Option<String>,
    /// Program crate name (default: the directory name).
    #[arg(long)]
    pub name: Option<String>,
    /// std guests: a plain `fn main()` with std (`HashMap`, `println!`, bincode, …), built with
    /// a pinned nightly and -Zbuild-std (rustup installs it on the first build). Default: no_std
    /// on stable.
    #[arg(long)]
    pub std: bool,
    /// Never prompt; use defaults for anything not given.
    #[arg(long, short)]
    pub yes: bool,
}

pub fn run(args: NewArgs) -> Outcome {
    let raw_name = match &args.name {
        Some(n) => n.clone(),
        None => {
            args.path.file_name().map(|n| n.to_string_lossy().into_owned()).ok_or_else(|| {
                invalid_input(format!(
                    "{}: cannot derive a program name; pass --name",
                    args.path.display()
                ))
            })?
        }
    };
    validate_crate_name(&raw_name)?;
    check_target_dir(&args.path)?;
    let template = choose_template(args.template.as_deref(), args.yes)?;
    let mut layers: Vec<&str> = TEMPLATES
        .iter()
        .find(|t| t.0 == template)
        .map(|t| t.1)
        .expect("validated by clap")
        .to_vec();
    if args.std {
        // Over the guest layer: the std manifest, toolchain, cargo config and program.
        layers.insert(1, "std");
    }
    let layers = layers.as_slice();

    scaffold(&args.path, &raw_name, layers)?;
    ui::status("Created", format!("{template} project `{raw_name}` in {}", args.path.display()));
    eprintln!(
        "\nNext:\n  cd {}\n  ivm build\n  ivm execute --input-hex 0x{:064x}",
        args.path.display(),
        144
    );
    if layers.contains(&"app") {
        eprintln!(
            "  cd contracts && npm install && scripts/forge test   # see contracts/README.md\n  \
             (contracts/README.md, \"Run it on ivm devnet\": deploy and run the app on a devnet)"
        );
    }
    Ok(Code::Ok)
}

/// Writes the template layers, the SDK, (for `app`) ivm's contract sources and a lock file into `dir`.
pub fn scaffold(dir: &Path, name: &str, layers: &[&str]) -> Result<()> {
    for layer in layers {
        for (rel, contents) in embedded::template_files(layer) {
            let dest = dir.join(substitute(rel, name));
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&dest, substitute(contents, name))
                .with_context(|| format!("writing {}", dest.display()))?;
            if contents.starts_with("#!") {
                make_executable(&dest)?;
            }
        }
    }
    embedded::materialize_sdk(&dir.join(embedded::sdk_dir_in_project()))?;
    if layers.contains(&"app") {
        embedded::materialize_contracts(&dir.join(embedded::contracts_dir_in_project()))?;
    }
    generate_lock_file(dir);
    Ok(())
}

/// Writes the project's `Cargo.lock`, so that `ivm build --locked` works on a fresh checkout:
/// resolved from the crates already on this machine (the template's crates.io dependencies —
/// alloy, serde — are those `ivm` itself is built with), else from the registry. Without
/// either, `ivm build` resolves on its first run; a warning says so.
fn generate_lock_file(dir: &Path) {
    let resolve = |offline: bool| {
        let mut cmd = std::process::Command::new("cargo");
        cmd.current_dir(dir).arg("generate-lockfile").arg("--quiet");
        if offline {
            cmd.arg("--offline");
        }
        // The project's rust-toolchain.toml decides the toolchain, not whatever invoked us.
        for var in ["RUSTUP_TOOLCHAIN", "RUSTC", "CARGO_TARGET_DIR"] {
            cmd.env_remove(var);
        }
        cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        cmd.status().is_ok_and(|s| s.success())
    };
    if !resolve(true) && !resolve(false) {
        ui::warn(format!(
            "could not resolve the project's dependencies (offline, or no cargo on PATH): no Cargo.lock yet; `ivm build` in {} resolves them on its first run",
            dir.display()
        ));
    }
}

/// Scripts (files starting with `#!`) are written executable.
fn make_executable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("making {} executable", path.display()))?;
    }
    Ok(())
}

fn substitute(text: &str, name: &str) -> String {
    text.replace("{{name}}", name)
        .replace("{{sdk_version}}", SDK_VERSION)
        .replace("{{rust_toolchain}}", RUST_TOOLCHAIN)
        .replace("{{std_toolchain}}", STD_TOOLCHAIN)
}

fn choose_template(given: Option<&str>, yes: bool) -> Result<&'static str> {
    if let Some(t) = given {
        return Ok(TEMPLATES.iter().find(|x| x.0 == t).expect("validated by clap").0);
    }
    if yes || !ui::interactive() {
        return Ok(DEFAULT_TEMPLATE);
    }
    let items: Vec<String> = TEMPLATES.iter().map(|(n, _, d)| format!("{n:5} {d}")).collect();
    let i = dialoguer::Select::new()
        .with_prompt("Template (or pass --template)")
        .items(&items)
        .default(0)
        .interact()
        .context("reading the template choice")?;
    Ok(TEMPLATES[i].0)
}

fn check_target_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_some();
        if non_empty || !dir.is_dir() {
            return Err(invalid_input(format!(
                "{} already exists and is not an empty directory: choose a new path",
                dir.display()
            )));
        }
    }
    Ok(())
}

const RESERVED: &[&str] = &[
    "alloc",
    "core",
    "std",
    "test",
    "proc_macro",
    "ivm_guest",
    "ivm_abi",
    "ivm-guest",
    "ivm-abi",
    "self",
    "super",
    "crate",
    "fn",
    "mod",
    "struct",
    "enum",
    "type",
    "match",
    "loop",
    "while",
    "for",
    "if",
    "else",
    "let",
    "use",
    "pub",
    "impl",
    "trait",
    "return",
    "async",
    "await",
    "dyn",
    "move",
    "ref",
    "static",
    "const",
    "unsafe",
    "where",
    "extern",
    "true",
    "false",
    "in",
    "as",
    "break",
    "continue",
    "mut",
];

/// Cargo's package-name rules, plus names that would clash with the SDK.
fn validate_crate_name(name: &str) -> Result<()> {
    let valid_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let starts_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !valid_chars || !starts_ok || name.len() > 64 {
        return Err(invalid_input(format!(
            "`{name}` is not a valid program name: use letters, digits, `-` and `_`, starting with a letter (or pass --name)"
        )));
    }
    if RESERVED.contains(&name) {
        return Err(invalid_input(format!(
            "`{name}` is reserved: choose another name with --name"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names() {
        assert!(validate_crate_name("hello-world_2").is_ok());
        for bad in ["", "2fast", "has space", "ünï", "std", "ivm-guest", "a/b"] {
            assert!(validate_crate_name(bad).is_err(), "{bad:?} accepted");
        }
    }
}
