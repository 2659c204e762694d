//! Practice mode (`--dishonest`): what the devnet's operator cheats on.
use anyhow::Result;

use super::{default_programs_dir, DevnetArgs};
use crate::{exit::invalid_input, ui};

/// `--dishonest`: the programs the practice-mode operator cheats on.
pub(super) fn practice_mode(args: &DevnetArgs) -> Result<Option<ivm_node::Dishonesty>> {
    if args.dishonest.is_empty() {
        return Ok(None);
    }
    let mut programs = Vec::new();
    for name in &args.dishonest {
        if name == "all" {
            programs.clear();
            break;
        }
        programs.push(dishonest_program_id(args, name)?);
    }
    ui::warn(format!(
        "practice mode: the devnet's operator posts WRONG results for {}{}",
        args.dishonest.join(", "),
        if args.withhold_inputs { " and withholds their offchain inputs" } else { "" }
    ));
    if args.self_challenge {
        ui::warn("practice mode: the operator challenges its own wrong results with junk proofs");
    }
    Ok(Some(ivm_node::Dishonesty {
        programs,
        wrong_results: true,
        withhold_inputs: args.withhold_inputs,
        self_challenge: args.self_challenge,
    }))
}

/// A `--dishonest` value: a 0x program ID, or the name of an ELF in the programs directory.
fn dishonest_program_id(args: &DevnetArgs, name: &str) -> Result<[u8; 32]> {
    if let Some(hex) = name.strip_prefix("0x") {
        let bytes = hex::decode(hex).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
        return bytes.ok_or_else(|| {
            invalid_input(format!("--dishonest {name}: a program ID is 32 bytes of hex"))
        });
    }
    let dir = args.programs.clone().or_else(default_programs_dir).ok_or_else(|| {
        invalid_input(format!(
            "--dishonest {name}: no programs directory to find it in (pass --programs DIR or a 0x program ID)"
        ))
    })?;
    let path = dir.join(format!("{name}.elf"));
    let bytes = std::fs::read(&path).map_err(|e| {
        invalid_input(format!("--dishonest {name}: cannot read {}: {e}", path.display()))
    })?;
    let program = ivm_vm::Program::load(&bytes)
        .map_err(|e| invalid_input(format!("--dishonest {name}: {}: {e}", path.display())))?;
    Ok(ivm_vm::ProgramId::of(&program).0)
}
