use std::process::ExitCode;

use clap::Parser;
use ivm::{cli::Cli, exit};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::Code::Usage as u8 } else { 0 });
        }
    };
    match ivm::cmd::run(cli.command) {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            ivm::ui::error(&err);
            ExitCode::from(exit::code_of(&err) as u8)
        }
    }
}
