//! `ivm verify`: checks a proof file against a program's ELF and prints the proven statement.
use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, Result};
use clap::{ArgGroup, Args};
use ivm_prover::{proof_file::PROOF_SYSTEM, ProofFile, ProofFileError};
use serde::Serialize;

use super::prove::StatementJson;
use crate::{
    cli::{JsonFlag, ProjectArgs},
    exit::{coded, invalid_input, Code, Outcome},
    input::{parse_hex, to_hex},
    project::Project,
    ui,
};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("program_source").multiple(true).args(["elf", "path", "program_id"])))]
pub struct VerifyArgs {
    /// The proof file (written by `ivm prove`).
    pub proof: PathBuf,
    /// The program's ELF: the verifier derives everything about the program from it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["path", "program", "program_id"])]
    pub elf: Option<PathBuf>,
    /// With --program-id: the project whose built programs (target/ivm/*.elf) are searched
    /// (default: the current project). Alone: the project's program is built and used.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which program of the project (with --path, when it has several).
    #[arg(long, value_name = "NAME", conflicts_with = "program_id")]
    pub program: Option<String>,
    /// Use the project's built program with this ID (from `ivm build`).
    #[arg(long, value_name = "HEX")]
    pub program_id: Option<String>,
    /// Also require the proven output to be exactly these bytes (exit 12 if it differs).
    #[arg(long, value_name = "HEX")]
    pub expect_output: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// The `--json` document.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    /// The proof verified for this ELF.
    valid: bool,
    /// With --expect-output: whether the proven output is the expected one.
    #[serde(skip_serializing_if = "Option::is_none")]
    output_matches: Option<bool>,
    /// Why the proof was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    proof: PathBuf,
    elf: PathBuf,
    proof_system: &'static str,
    /// The proven statement (absent when the file could not be parsed; unproven when invalid).
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<StatementJson>,
    verify_seconds: f64,
}

pub fn run(args: VerifyArgs) -> Outcome {
    let expected = match &args.expect_output {
        Some(h) => Some(parse_hex(h).map_err(|e| invalid_input(format!("--expect-output: {e}")))?),
        None => None,
    };
    // The proof first: a missing file should not cost a project build.
    let bytes = std::fs::read(&args.proof).map_err(|e| {
        invalid_input(format!("cannot read proof file {}: {e}", args.proof.display()))
    })?;
    let mut program_id = args.program_id.as_deref().map(parse_program_id).transpose()?;
    // No program named at all: inside a project, the built program whose ID the proof's
    // statement names (so `ivm verify x.proof` works where `ivm prove` made it).
    if program_id.is_none() && args.elf.is_none() && args.program.is_none() {
        if args.project.path.is_none() && Project::locate(None).is_err() {
            return Err(invalid_input(
                "name the program the proof is for: --elf FILE, or --program-id HEX / --path DIR for a project's built program (inside the project that built it, no flag is needed)",
            ));
        }
        let named = statement_program_id(&bytes);
        if let Some(id) =
            named.filter(|id| find_built_program(args.project.path.as_deref(), id).is_ok())
        {
            program_id = Some(id);
        }
    }
    let elf_path = match &program_id {
        Some(id) => find_built_program(args.project.path.as_deref(), id)?,
        None => crate::guest_build::select_elf(
            args.elf.as_deref(),
            args.project.path.as_deref(),
            args.program.as_deref(),
            "verify against",
        )?,
    };
    let (_, elf_id) = super::program_id::load_elf(&elf_path)?;
    if let Some(id) = program_id {
        if elf_id.0 != id {
            return Err(invalid_input(format!(
                "{} has program ID {elf_id}, not the {} its .program-id file names: rebuild the project with `ivm build`",
                elf_path.display(),
                to_hex(&id)
            )));
        }
    }
    let elf =
        std::fs::read(&elf_path).with_context(|| format!("reading ELF {}", elf_path.display()))?;

    let mut report = Report {
        valid: false,
        output_matches: None,
        error: None,
        proof: args.proof.clone(),
        elf: elf_path.clone(),
        proof_system: PROOF_SYSTEM,
        statement: None,
        verify_seconds: 0.0,
    };
    let start = Instant::now();
    let spinner = ui::spinner(format!("verifying {}", args.proof.display()));
    let parsed = ProofFile::from_bytes(&bytes);
    let verdict = parsed.as_ref().ok().map(|f| f.verify(&elf));
    spinner.finish_and_clear();
    report.verify_seconds = start.elapsed().as_secs_f64();

    let file = match parsed {
        Ok(f) => f,
        Err(e) => return reject(report, &args, e),
    };
    report.statement = Some(StatementJson::from(&file.statement));
    if let Some(Err(e)) = verdict {
        return reject(report, &args, e);
    }
    report.valid = true;
    let st = &file.statement;
    let mismatch = expected.as_ref().filter(|want| **want != st.output);
    report.output_matches = expected.as_ref().map(|_| mismatch.is_none());

    if args.json.json {
        ui::print_json(&report)?;
    } else {
        print_human(&report, st.onchain_input.len(), st.offchain_input.len(), st.output.len());
    }
    if let Some(want) = mismatch {
        return Err(coded(
            Code::OutputMismatch,
            format!(
                "the proof is valid but proves output {}, not the expected {}",
                shorten(&to_hex(&st.output)),
                shorten(&to_hex(want))
            ),
        ));
    }
    Ok(Code::Ok)
}

/// Reports a proof that does not verify: exit 8, or 3 for a file this ivm cannot read at all.
fn reject(mut report: Report, args: &VerifyArgs, e: ProofFileError) -> Outcome {
    let unsupported = e.is_unsupported();
    let message = match e {
        // Already says "proof rejected: <reason>".
        ProofFileError::Rejected(_) => format!("{}: {e}", args.proof.display()),
        _ if unsupported => format!("{}: {e}", args.proof.display()),
        _ => format!("proof rejected: {}: {e}", args.proof.display()),
    };
    report.error = Some(e.to_string());
    if args.json.json && !unsupported {
        ui::print_json(&report)?;
    }
    if unsupported {
        Err(invalid_input(message))
    } else {
        Err(coded(Code::ProofRejected, message))
    }
}

fn print_human(r: &Report, onchain_len: usize, offchain_len: usize, output_len: usize) {
    let Some(s) = &r.statement else { return };
    println!(
        "verified  {} ({}, {:.2}s)",
        console::style("valid").green().bold(),
        r.proof_system,
        r.verify_seconds
    );
    println!("program   {}", s.program_id);
    println!("elf       {}", r.elf.display());
    println!("status    {}", super::prove::status_line(s));
    println!("cycles    {}", ui::thousands(s.cycles));
    println!("input     {}", with_len(&s.onchain_input, onchain_len));
    println!("offchain  {}", with_len(&s.offchain_input, offchain_len));
    println!("output    {}", with_len(&s.output, output_len));
    if r.output_matches == Some(true) {
        println!("expected  {}", console::style("output matches").green());
    }
}

fn with_len(hex: &str, len: usize) -> String {
    if len > 64 {
        format!("{} ({} bytes)", shorten(hex), ui::thousands(len as u64))
    } else {
        hex.to_owned()
    }
}

/// `0x` + the first and last 16 bytes of long hex.
fn shorten(hex: &str) -> String {
    if hex.len() <= 2 + 2 * 64 {
        return hex.to_owned();
    }
    format!("{}…{}", &hex[..2 + 32], &hex[hex.len() - 32..])
}

fn parse_program_id(s: &str) -> Result<[u8; 32]> {
    let bytes = parse_hex(s).map_err(|e| invalid_input(format!("--program-id: {e}")))?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        invalid_input(format!(
            "--program-id: a program ID is 32 bytes (64 hex digits), got {} bytes",
            b.len()
        ))
    })
}

/// The ELF in `<project>/target/ivm/` whose `.program-id` file names `id`.
/// The program ID a proof file's statement names, if the file parses.
fn statement_program_id(bytes: &[u8]) -> Option<[u8; 32]> {
    ProofFile::from_bytes(bytes).ok().map(|f| f.statement.program_id)
}

fn find_built_program(path: Option<&Path>, id: &[u8; 32]) -> Result<PathBuf> {
    let project = Project::locate(path)?;
    let dir = project.root.join("target").join("ivm");
    let mut known = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut elves: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "elf"))
            .collect();
        elves.sort();
        for elf in elves {
            let Ok(text) = std::fs::read_to_string(elf.with_extension("program-id")) else {
                continue;
            };
            let Ok(file_id) = parse_hex(&text) else { continue };
            if file_id == id {
                return Ok(elf);
            }
            known.push(elf.file_stem().unwrap_or_default().to_string_lossy().into_owned());
        }
    }
    let built = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
    Err(invalid_input(format!(
        "no built program with ID {} in {} (built: {built}): run `ivm build` in the project, or pass the ELF with --elf",
        to_hex(id),
        dir.display()
    )))
}
