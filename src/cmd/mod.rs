//! One module per command; each is a thin layer over the libraries.
pub mod build;
pub mod completions;
pub mod execute;
pub mod new;
pub mod node;
pub mod program_id;

use crate::{cli::Command, exit::Outcome};

pub fn run(command: Command) -> Outcome {
    match command {
        Command::New(args) => new::run(args),
        Command::Build(args) => build::run(args),
        Command::Execute(args) => execute::run(args),
        Command::ProgramId(args) => program_id::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Node(args) => node::run(*args),
    }
}
