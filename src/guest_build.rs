//! Cross-compiles a project's guest programs with cargo and derives their program IDs.
//!
//! Reproducibility: the project root, the SDK directory and `CARGO_HOME` are remapped to
//! fixed names, debug info is off, and the program ID covers only what executes, so the same
//! sources and toolchain give the same ID in any directory on any machine.
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{bail, Context, Result};
use ivm_abi::SIZE_ENV_VARS;
use ivm_vm::{Program, ProgramId};
use serde::Deserialize;

use crate::{
    embedded,
    exit::{coded, invalid_input, Code},
    project::Project,
};

/// The target of no_std guests (stable Rust, the default).
pub const TARGET: &str = "riscv32im-unknown-none-elf";
/// The target of std guests (`std = true` in `ivm.toml`): upstream's zkvm target, whose std
/// calls the `sys_*` symbols `ivm-guest` (feature `std`) supplies. rustup ships no std for it,
/// so it is built from source with the project's pinned nightly and `rust-src`.
pub const STD_TARGET: &str = "riscv32im-risc0-zkvm-elf";

/// How a project's guests are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestKind {
    NoStd,
    Std,
}

impl GuestKind {
    pub fn of(project: &Project) -> GuestKind {
        if project.manifest.project.std {
            GuestKind::Std
        } else {
            GuestKind::NoStd
        }
    }

    pub fn target(self) -> &'static str {
        match self {
            GuestKind::NoStd => TARGET,
            GuestKind::Std => STD_TARGET,
        }
    }

    /// Extra cargo arguments: std, alloc and core are compiled from `rust-src`.
    fn cargo_args(self) -> &'static [&'static str] {
        match self {
            GuestKind::NoStd => &[],
            GuestKind::Std => &[
                "-Zbuild-std=core,alloc,std,panic_abort",
                "-Zbuild-std-features=compiler-builtins-mem",
            ],
        }
    }

    /// Extra rustc flags: the VM has no atomic instructions (single-threaded, so plain loads
    /// and stores are correct), and a panic ends the run.
    fn rustflags(self) -> &'static [&'static str] {
        match self {
            GuestKind::NoStd => &[],
            GuestKind::Std => &["-Cpasses=lower-atomic", "-Cpanic=abort"],
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Where to put `<name>.elf` and `<name>.program-id` (default `<project>/target/ivm`).
    pub out_dir: Option<PathBuf>,
    /// Pass `--locked` to cargo.
    pub locked: bool,
    /// Run `rustup target add` if the RISC-V target is missing.
    pub install_target: bool,
    /// Build only this program.
    pub program: Option<String>,
}

/// One built program.
#[derive(Debug, Clone)]
pub struct BuiltProgram {
    pub name: String,
    pub elf: PathBuf,
    pub program_id: ProgramId,
    pub size_bytes: u64,
}

/// Picks the ELF a command works on: the one given, or the project's program built first
/// (like `cargo run`). `verb` names the command in errors ("building the program to prove").
pub fn select_elf(
    elf: Option<&Path>,
    project: Option<&Path>,
    program: Option<&str>,
    verb: &str,
) -> Result<PathBuf> {
    if let Some(elf) = elf {
        return Ok(elf.to_path_buf());
    }
    let project = Project::locate(project)?;
    let opts = BuildOptions { program: program.map(str::to_owned), ..Default::default() };
    let built =
        build(&project, &opts).with_context(|| format!("building the program to {verb}"))?;
    match built.as_slice() {
        [one] => Ok(one.elf.clone()),
        many => {
            let names: Vec<&str> = many.iter().map(|b| b.name.as_str()).collect();
            Err(invalid_input(format!(
                "the project has {} programs ({}): choose one with --program",
                many.len(),
                names.join(", ")
            )))
        }
    }
}

/// Builds the project's programs.
pub fn build(project: &Project, opts: &BuildOptions) -> Result<Vec<BuiltProgram>> {
    let kind = GuestKind::of(project);
    let sysroot = ensure_target(&project.root, kind, opts.install_target)?;
    let sizes = project.sizes()?;
    let sdk_dir = project.root.join(embedded::sdk_dir_in_project());
    if project.root.join(".ivm/sdk").is_dir() && embedded::materialize_sdk(&sdk_dir)? {
        crate::ui::status("Updated", format!("guest SDK in {}", sdk_dir.display()));
    }

    let mut cmd = Command::new("cargo");
    cmd.current_dir(&project.root)
        .args([
            "build",
            "--release",
            "--target",
            kind.target(),
            "--message-format=json-render-diagnostics",
        ])
        .args(kind.cargo_args())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if opts.locked {
        cmd.arg("--locked");
    }
    match &opts.program {
        Some(p) => cmd.args(["--package", p]),
        None => cmd.arg("--workspace"),
    };
    cmd.arg("--bins");
    for (var, value) in SIZE_ENV_VARS.iter().zip(sizes.to_array()) {
        cmd.env(var, value.to_string());
    }
    let packages = local_packages(&project.root, kind, opts.locked)?;
    if let Some(p) = &opts.program {
        check_program_name(p, &packages, project)?;
    }
    let outside = path_deps_outside(&packages, &project.root);
    for (name, dir) in &outside {
        crate::ui::warn(format!(
            "path dependency {name} at {} is outside the project: cargo hashes its location into symbol names, so program IDs may differ between checkouts (keep path dependencies inside the project, as `ivm new` does)",
            dir.display()
        ));
    }
    let mut flags: Vec<String> = kind.rustflags().iter().map(|f| f.to_string()).collect();
    flags.extend(rustflags(&project.root, &sysroot, &outside));
    cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    // Let the project's rust-toolchain.toml decide the toolchain, not whatever invoked us.
    for var in ["RUSTFLAGS", "RUSTUP_TOOLCHAIN", "RUSTC", "CARGO_BUILD_TARGET", "CARGO_TARGET_DIR"]
    {
        cmd.env_remove(var);
    }

    let mut child =
        cmd.spawn().context("running cargo (is Rust installed? see https://rustup.rs)")?;
    let mut executables = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.context("reading cargo output")?;
        if let Ok(msg) = serde_json::from_str::<CargoMessage>(&line) {
            if msg.reason == "compiler-artifact" {
                if let (Some(exe), Some(target)) = (msg.executable, msg.target) {
                    executables.push((target.name, exe));
                }
            }
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        bail!("cargo build failed in {} (see the errors above)", project.root.display());
    }
    if executables.is_empty() {
        return Err(invalid_input(format!(
            "no guest programs in {}: add a binary crate to the workspace (see `ivm new`)",
            project.root.display()
        )));
    }

    let out_dir = opts.out_dir.clone().unwrap_or_else(|| project.root.join("target").join("ivm"));
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let out_dir = out_dir.canonicalize()?;
    executables.sort();
    executables.dedup();
    let mut built = Vec::new();
    for (name, exe) in executables {
        let bytes = std::fs::read(&exe).with_context(|| format!("reading {}", exe.display()))?;
        let program = Program::load(&bytes).with_context(|| {
            format!(
                "{} is not a valid IVM-RV32 program (does it use ivm_guest::entry!?)",
                exe.display()
            )
        })?;
        let program_id = ProgramId::of(&program);
        let elf = out_dir.join(format!("{name}.elf"));
        std::fs::write(&elf, &bytes).with_context(|| format!("writing {}", elf.display()))?;
        let id_file = out_dir.join(format!("{name}.program-id"));
        std::fs::write(&id_file, format!("{program_id}\n"))
            .with_context(|| format!("writing {}", id_file.display()))?;
        built.push(BuiltProgram { name, elf, program_id, size_bytes: bytes.len() as u64 });
    }
    Ok(built)
}

/// Linker script, no debug info, and path remapping for reproducible builds (the toolchain's
/// sysroot too: std guests compile std from its `rust-src`, whose paths end up in std's panic
/// locations).
fn rustflags(root: &Path, sysroot: &Path, outside: &[(String, PathBuf)]) -> Vec<String> {
    let mut flags = vec!["-Clink-arg=-Tivm-guest.ld".to_string(), "-Cdebuginfo=0".to_string()];
    // getrandom 0.3 picks its backend by cfg; the SDK's (feature `getrandom`) is the custom one.
    flags.push("--cfg=getrandom_backend=\"custom\"".to_string());
    if let Some(home) = cargo_home() {
        flags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    flags.push(format!("--remap-path-prefix={}=/ivm/sysroot", sysroot.display()));
    for (name, dir) in outside {
        flags.push(format!("--remap-path-prefix={}=/ivm/deps/{name}", dir.display()));
    }
    // Later remaps win, so the most specific prefix goes last.
    flags.push(format!("--remap-path-prefix={}=/ivm/project", root.display()));
    flags
}

/// The local packages (not from a registry) of the project's workspace: `(name, version,
/// directory)`.
fn local_packages(
    root: &Path,
    kind: GuestKind,
    locked: bool,
) -> Result<Vec<(String, String, PathBuf)>> {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root)
        .args(["metadata", "--format-version", "1", "--filter-platform", kind.target()])
        .env_remove("RUSTUP_TOOLCHAIN")
        .stderr(Stdio::inherit());
    if locked {
        cmd.arg("--locked");
    }
    let out = cmd.output().context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed in {} (see the errors above)", root.display());
    }
    let meta: CargoMetadata =
        serde_json::from_slice(&out.stdout).context("parsing cargo metadata")?;
    Ok(meta
        .packages
        .into_iter()
        .filter(|p| p.source.is_none())
        .map(|p| {
            let dir = p.manifest_path.parent().map(Path::to_path_buf).unwrap_or_default();
            let dir = dir.canonicalize().unwrap_or(dir);
            (p.name, p.version, dir)
        })
        .collect())
}

/// Path dependencies that live outside the project root (e.g. an SDK checkout next to it):
/// their absolute paths would otherwise end up in panic messages and change the program ID.
fn path_deps_outside(
    packages: &[(String, String, PathBuf)],
    root: &Path,
) -> Vec<(String, PathBuf)> {
    packages
        .iter()
        .filter(|(_, _, dir)| !dir.starts_with(root))
        .map(|(name, version, dir)| (format!("{name}-{version}"), dir.clone()))
        .collect()
}

/// `--program NAME` must name one of the project's own packages.
fn check_program_name(
    name: &str,
    packages: &[(String, String, PathBuf)],
    project: &Project,
) -> Result<()> {
    let sdk = project.root.join(".ivm");
    let own: Vec<&str> = packages
        .iter()
        .filter(|(_, _, dir)| dir.starts_with(&project.root) && !dir.starts_with(&sdk))
        .map(|(n, _, _)| n.as_str())
        .collect();
    if own.contains(&name) {
        return Ok(());
    }
    Err(invalid_input(format!(
        "no program named '{name}' in {}: its programs are {}",
        project.root.display(),
        if own.is_empty() { "none".to_string() } else { own.join(", ") }
    )))
}

#[derive(Deserialize)]
struct CargoMetadata {
    packages: Vec<MetadataPackage>,
}

#[derive(Deserialize)]
struct MetadataPackage {
    name: String,
    version: String,
    source: Option<String>,
    manifest_path: PathBuf,
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .and_then(|p| p.canonicalize().ok())
}

/// Checks that the project's toolchain can build its guests — the RISC-V target (no_std) or
/// `rust-src` (std) — installing what is missing if asked. Returns the toolchain's sysroot.
fn ensure_target(root: &Path, kind: GuestKind, install: bool) -> Result<PathBuf> {
    let sysroot = Command::new("rustc")
        .current_dir(root)
        .args(["--print", "sysroot"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .output()
        .context("running rustc (is Rust installed? see https://rustup.rs)")?;
    if !sysroot.status.success() {
        bail!(
            "rustc --print sysroot failed in {}: {}",
            root.display(),
            String::from_utf8_lossy(&sysroot.stderr).trim()
        );
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let (present, what, rustup_args): (bool, String, &[&str]) = match kind {
        GuestKind::NoStd => (
            sysroot.join("lib/rustlib").join(TARGET).is_dir(),
            format!("the Rust target {TARGET}"),
            &["target", "add", TARGET],
        ),
        GuestKind::Std => (
            sysroot.join("lib/rustlib/src/rust/library/std").is_dir(),
            "rust-src (std guests build std from source)".to_string(),
            &["component", "add", "rust-src"],
        ),
    };
    if present {
        return Ok(sysroot);
    }
    let command = format!("rustup {}", rustup_args.join(" "));
    if !install {
        return Err(coded(
            Code::InvalidInput,
            format!("{what} is not installed for the toolchain at {}: run `{command}` in {} (or pass --install-target)", sysroot.display(), root.display()),
        ));
    }
    crate::ui::status("Installing", what);
    let status = Command::new("rustup")
        .current_dir(root)
        .args(rustup_args)
        .env_remove("RUSTUP_TOOLCHAIN")
        .status()
        .context("running rustup")?;
    if !status.success() {
        bail!("`{command}` failed");
    }
    Ok(sysroot)
}

#[derive(Deserialize)]
struct CargoMessage {
    reason: String,
    target: Option<CargoTarget>,
    executable: Option<PathBuf>,
}

#[derive(Deserialize)]
struct CargoTarget {
    name: String,
}
