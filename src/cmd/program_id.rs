//! `ivm program-id <elf>`: the program ID of any IVM-RV32 ELF.
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use ivm_vm::{Program, ProgramId};

use crate::{
    cli::JsonFlag,
    exit::{invalid_input, Code, Outcome},
    ui,
};

#[derive(Debug, Args)]
pub struct ProgramIdArgs {
    /// The ELF file.
    pub elf: PathBuf,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub fn run(args: ProgramIdArgs) -> Outcome {
    let (_, id) = load_elf(&args.elf)?;
    if args.json.json {
        ui::print_json(&serde_json::json!({ "elf": args.elf, "programId": id.to_hex() }))?;
    } else {
        println!("{id}");
    }
    Ok(Code::Ok)
}

/// Reads and validates an ELF; a bad ELF is invalid input (exit 3).
pub fn load_elf(path: &std::path::Path) -> Result<(Program, ProgramId)> {
    let bytes = std::fs::read(path)
        .map_err(|e| invalid_input(format!("cannot read ELF {}: {e}", path.display())))?;
    let program =
        Program::load(&bytes).map_err(|e| invalid_input(format!("{}: {e}", path.display())))?;
    let id = ProgramId::of(&program);
    Ok((program, id))
}
