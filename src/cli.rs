//! Command-line interface: one subcommand per command family; each is implemented in
//! `src/cmd/<name>.rs`.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cmd;

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (guest ABI IVM-RV32 v1)");

#[derive(Debug, Parser)]
#[command(name = "ivm", version = VERSION, about = "Build, execute, prove and challenge InfinityVM zkVM programs")]
#[command(propagate_version = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new project from a template.
    New(cmd::new::NewArgs),
    /// Cross-compile every program of a project to RISC-V and print program IDs.
    Build(cmd::build::BuildArgs),
    /// Run a program and print its status, output, cycles and cycle regions.
    #[command(visible_alias = "run")]
    Execute(cmd::execute::ExecuteArgs),
    /// Print the program ID of an ELF.
    ProgramId(cmd::program_id::ProgramIdArgs),
    /// Print a shell completion script.
    Completions(cmd::completions::CompletionsArgs),
    /// Run a coprocessor node (InfinityVM gateway, executor, relayer, listener), or look at a
    /// running one (`ivm node status`).
    #[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
    Node(Box<cmd::node::NodeArgs>),
    /// Start a local coprocessor network: anvil, contracts, a node, example programs, a profile.
    Devnet(Box<cmd::devnet::DevnetArgs>),
    /// Programs on a coprocessor node (`program submit`).
    Program(cmd::program::ProgramArgs),
    /// Coprocessor jobs: submit, status, result, list.
    Job(cmd::job::JobArgs),
    /// Follow jobs until they are relayed or failed.
    Watch(cmd::watch::WatchArgs),
    /// Prove a run with Jolt and write a proof file.
    Prove(Box<cmd::prove::ProveArgs>),
    /// Verify a proof file against a program and print the proven statement.
    Verify(Box<cmd::verify::VerifyArgs>),
    /// Check posted job results and challenge wrong ones with a proof: check, file.
    Challenge(cmd::challenge::ChallengeArgs),
}

/// `--json`: one JSON document on stdout, nothing else.
#[derive(Debug, Args, Clone, Copy)]
pub struct JsonFlag {
    /// Print one JSON document on stdout (logs and progress go to stderr). `IVM_JSON` accepts
    /// 1/0, true/false, yes/no, on/off.
    #[arg(
        long,
        env = "IVM_JSON",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0,
        default_missing_value = "true",
        default_value = "false"
    )]
    pub json: bool,
}

/// Selects the program a command works on: an ELF, or a project's program built first (like
/// `cargo run`).
#[derive(Debug, Args, Clone)]
pub struct ProgramSelect {
    /// The program's ELF. Without it, the project's program is built first.
    #[arg(conflicts_with_all = ["path", "program"])]
    pub elf: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which program of the project (needed when it has several).
    #[arg(long, value_name = "NAME")]
    pub program: Option<String>,
}

impl ProgramSelect {
    /// The ELF's path, building the project's program first when no ELF was given. `verb`
    /// names the command in errors ("building the program to prove").
    pub fn elf_path(&self, verb: &str) -> anyhow::Result<PathBuf> {
        crate::guest_build::select_elf(
            self.elf.as_deref(),
            self.project.path.as_deref(),
            self.program.as_deref(),
            verb,
        )
    }
}

/// Selects an ivm project.
#[derive(Debug, Args, Clone)]
pub struct ProjectArgs {
    /// Project directory (default: the nearest directory with ivm.toml above the current one).
    #[arg(long, value_name = "DIR", env = "IVM_PROJECT")]
    pub path: Option<PathBuf>,
}
