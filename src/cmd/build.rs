//! `ivm build`: cross-compile a project's programs and print their program IDs.
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::{
    cli::{JsonFlag, ProjectArgs},
    exit::{Code, Outcome},
    guest_build::{self, BuildOptions, BuiltProgram},
    project::Project,
    ui,
};

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Directory for `<name>.elf` and `<name>.program-id` (default: <project>/target/ivm).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Require Cargo.lock to be up to date (for CI).
    #[arg(long)]
    pub locked: bool,
    /// Build only this program.
    #[arg(long, value_name = "NAME")]
    pub program: Option<String>,
    /// Install the riscv32im-unknown-none-elf target with rustup if it is missing.
    #[arg(long)]
    pub install_target: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProgramJson {
    name: String,
    elf: PathBuf,
    program_id: String,
    size_bytes: u64,
}

pub fn run(args: BuildArgs) -> Outcome {
    let project = Project::locate(args.project.path.as_deref())?;
    let opts = BuildOptions {
        out_dir: args.out_dir,
        locked: args.locked,
        install_target: args.install_target,
        program: args.program,
    };
    let built = guest_build::build(&project, &opts)?;
    if args.json.json {
        let programs: Vec<ProgramJson> = built.into_iter().map(to_json).collect();
        ui::print_json(&serde_json::json!({ "programs": programs }))?;
    } else {
        let width = built.iter().map(|b| b.name.len()).max().unwrap_or(0);
        for b in &built {
            println!("{:width$}  {}  {}", b.name, b.program_id, display_path(&b.elf));
        }
    }
    Ok(Code::Ok)
}

fn to_json(b: BuiltProgram) -> ProgramJson {
    ProgramJson {
        name: b.name,
        elf: b.elf,
        program_id: b.program_id.to_hex(),
        size_bytes: b.size_bytes,
    }
}

/// A path relative to the current directory when it is below it.
fn display_path(p: &std::path::Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(|r| r.display().to_string()))
        .unwrap_or_else(|| p.display().to_string())
}
