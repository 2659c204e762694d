//! Terminal presentation shared by commands: JSON output, spinners, errors.
use std::{io::IsTerminal, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Prints `value` as the one JSON document on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let s = serde_json::to_string_pretty(value)?;
    println!("{s}");
    Ok(())
}

/// A spinner on stderr, drawn only when stderr is a terminal.
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"),
    );
    pb.set_message(message.into());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// Prints an error and its causes on stderr.
pub fn error(err: &anyhow::Error) {
    let red = console::style("error:").red().bold();
    eprintln!("{red} {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// A warning on stderr.
pub fn warn(message: impl std::fmt::Display) {
    eprintln!("{} {message}", console::style("warning:").yellow().bold());
}

/// A status line on stderr (`  Building …`), like cargo's.
pub fn status(verb: &str, message: impl std::fmt::Display) {
    eprintln!("{:>12} {message}", console::style(verb).green().bold());
}

/// Whether prompts may be shown: stdin and stderr are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Formats a number with thousands separators.
/// `amount` wei as ETH, e.g. `1.5 ETH` (`--json` keeps wei).
pub fn eth(amount: ivm_contracts::alloy_primitives::U256) -> String {
    let s = ivm_contracts::alloy_primitives::utils::format_ether(amount);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} ETH")
}

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod eth_tests {
    use super::eth;
    use ivm_contracts::alloy_primitives::U256;

    #[test]
    fn amounts_in_eth() {
        assert_eq!(eth(U256::ZERO), "0 ETH");
        assert_eq!(eth(U256::from(1_500_000_000_000_000_000u128)), "1.5 ETH");
        assert_eq!(eth(U256::from(100u64)), "0.0000000000000001 ETH");
        assert_eq!(eth(U256::from(2_000_000_000_000_000_000u128)), "2 ETH");
    }
}
