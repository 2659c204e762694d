//! `ivm execute`: run a program on inputs; report status, output, cycles and regions.
use std::collections::BTreeMap;

use anyhow::Result;
use clap::Args;
use ivm_vm::{Execution, Exit, FaultKind, Inputs, Program, ProgramId, DEFAULT_MAX_CYCLES};
use serde::Serialize;

use crate::{
    cli::{JsonFlag, ProgramSelect},
    exit::{invalid_input, Code, Outcome},
    input::{to_hex, InputArgs},
    ui,
};

#[derive(Debug, Args)]
pub struct ExecuteArgs {
    #[command(flatten)]
    pub target: ProgramSelect,
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Stop with status `cycle_limit` after this many instructions.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CYCLES, env = "IVM_MAX_CYCLES")]
    pub max_cycles: u64,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// The `--json` document.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    status: &'static str,
    output: String,
    cycles: u64,
    regions: BTreeMap<String, u64>,
    program_id: String,
    /// Panic message or fault description.
    message: Option<String>,
    /// Faulting pc, for `error` and `cycle_limit`.
    pc: Option<String>,
}

pub fn run(args: ExecuteArgs) -> Outcome {
    let elf = args.target.elf_path("execute")?;
    let (program, program_id) = super::program_id::load_elf(&elf)?;
    let inputs = args.inputs.read()?;

    let spinner = ui::spinner(format!("executing {}", elf.display()));
    let exec = run_program(&program, &inputs.onchain, &inputs.offchain, args.max_cycles)?;
    spinner.finish_and_clear();

    for line in &exec.logs {
        eprintln!("{} {line}", console::style("guest:").cyan());
    }
    let report = report(&exec, program_id);
    warn_if_over_job_limit(exec.cycles);
    if args.json.json {
        ui::print_json(&report)?;
    } else {
        print_human(&report);
    }
    Ok(exit_code(&exec.exit))
}

fn run_program(
    program: &Program,
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
) -> Result<Execution> {
    ivm_vm::execute(program, Inputs { onchain, offchain }, max_cycles)
        .map_err(|e| invalid_input(e.to_string()))
}

fn report(exec: &Execution, id: ProgramId) -> Report {
    let (status, message, pc) = match &exec.exit {
        Exit::Halted => ("ok", None, None),
        Exit::Panicked { message } => ("panicked", message.clone(), None),
        Exit::Fault(f) => {
            let status =
                if matches!(f.kind, FaultKind::CycleLimit(_)) { "cycle_limit" } else { "error" };
            (status, Some(f.kind.to_string()), Some(format!("{:#010x}", f.pc)))
        }
    };
    Report {
        status,
        output: to_hex(&exec.output),
        cycles: exec.cycles,
        regions: exec.regions.clone(),
        program_id: id.to_hex(),
        message,
        pc,
    }
}

fn print_human(r: &Report) {
    let status = match r.status {
        "ok" => console::style(r.status).green().bold(),
        _ => console::style(r.status).red().bold(),
    };
    println!("status   {status}");
    if let Some(m) = &r.message {
        println!("message  {m}");
    }
    if let Some(pc) = &r.pc {
        println!("pc       {pc}");
    }
    println!("cycles   {}", ui::thousands(r.cycles));
    println!("output   {}", shorten_hex(&r.output));
    if !r.regions.is_empty() {
        let width = r.regions.keys().map(String::len).max().unwrap_or(0);
        println!("regions");
        for (name, cycles) in &r.regions {
            println!("  {name:width$}  {}", ui::thousands(*cycles));
        }
    }
    println!("program  {}", r.program_id);
}

/// Hex shown in full up to this many bytes; longer outputs show their ends (`--json` has all).
const HUMAN_OUTPUT_BYTES: usize = 64;

/// `0x…` output for a terminal: long outputs keep their first and last 32 bytes.
fn shorten_hex(hex: &str) -> String {
    let digits = hex.strip_prefix("0x").unwrap_or(hex);
    if digits.len() <= 2 * HUMAN_OUTPUT_BYTES {
        return hex.to_string();
    }
    let (head, tail) =
        (&digits[..HUMAN_OUTPUT_BYTES], &digits[digits.len() - HUMAN_OUTPUT_BYTES..]);
    format!(
        "0x{head}…{tail} ({} bytes; --json prints all of it)",
        ui::thousands((digits.len() / 2) as u64)
    )
}

/// A run that passes here may still fail as a job: jobs default to a smaller cycle limit.
fn warn_if_over_job_limit(cycles: u64) {
    let job_default = super::job::DEFAULT_JOB_MAX_CYCLES;
    if cycles > job_default {
        ui::warn(format!(
            "this run took {} cycles; jobs default to {} (`ivm job submit --max-cycles`, the \
             consumer's own limit, and JobManager's maxJobCycles bound them), so as a job it \
             would run out of cycles",
            ui::thousands(cycles),
            ui::thousands(job_default)
        ));
    }
}

fn exit_code(exit: &Exit) -> Code {
    match exit {
        Exit::Halted => Code::Ok,
        Exit::Panicked { .. } => Code::GuestPanic,
        Exit::Fault(f) if matches!(f.kind, FaultKind::CycleLimit(_)) => Code::CycleLimit,
        Exit::Fault(_) => Code::GuestFault,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_outputs_are_shortened_for_people() {
        let short = format!("0x{}", "ab".repeat(64));
        assert_eq!(shorten_hex(&short), short);
        let long = format!("0x{}{}", "ab".repeat(40), "cd".repeat(40));
        let shown = shorten_hex(&long);
        assert!(shown.starts_with(&format!("0x{}", "ab".repeat(32))), "{shown}");
        assert!(shown.contains(&format!("…{}", "cd".repeat(32))), "{shown}");
        assert!(shown.ends_with("(80 bytes; --json prints all of it)"), "{shown}");
    }
}
