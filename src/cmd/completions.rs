//! `ivm completions <shell>`.
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::{
    cli::Cli,
    exit::{Code, Outcome},
};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for.
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> Outcome {
    clap_complete::generate(args.shell, &mut Cli::command(), "ivm", &mut std::io::stdout());
    Ok(Code::Ok)
}
