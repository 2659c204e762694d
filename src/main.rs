use std::process::ExitCode;

use clap::Parser;
use ivm::{cli::Cli, exit};

fn main() -> ExitCode {
    restore_sigpipe();
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

/// `ivm execute … | head`: when the reader goes away, end quietly like other Unix tools
/// (killed by SIGPIPE, which the shell does not report) instead of panicking on the failed
/// write. Rust ignores SIGPIPE by default; restore the default action.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: `signal` with SIG_DFL only resets a disposition; called first thing in `main`,
    // before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
