//! One module per command; each is a thin layer over the libraries.
pub mod build;
pub mod challenge;
pub mod completions;
pub mod devnet;
pub mod execute;
pub mod job;
pub mod new;
pub mod node;
pub mod node_status;
pub mod program;
pub mod program_id;
pub mod prove;
pub mod verify;
pub mod watch;

use crate::{cli::Command, exit::Outcome};

pub fn run(command: Command) -> Outcome {
    match command {
        Command::New(args) => new::run(args),
        Command::Build(args) => build::run(args),
        Command::Execute(args) => execute::run(args),
        Command::ProgramId(args) => program_id::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Node(args) => node::run(*args),
        Command::Devnet(args) => devnet::run(*args),
        Command::Program(args) => program::run(args),
        Command::Job(args) => job::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Prove(args) => prove::run(*args),
        Command::Verify(args) => verify::run(*args),
        Command::Challenge(args) => challenge::run(args),
    }
}
