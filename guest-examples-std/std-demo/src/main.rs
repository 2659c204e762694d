//! A std guest: a plain `fn main()` with `HashMap`, `BTreeMap`, `String` formatting, `Vec`,
//! bincode 1.x and `println!`, reading and writing through `ivm_guest`.
//!
//! Input (onchain): a mode byte, then UTF-8 text. Mode 0 commits `std_demo::output(text)`;
//! 1 panics; 2 calls `std::process::exit(3)`; 3 prints to stdout and stderr and commits
//! nothing; any other mode makes `main` return an error.
fn main() -> Result<(), String> {
    let input = ivm_guest::onchain_input();
    let (mode, text) = input.split_first().unwrap_or((&0, &[]));
    let text = std::str::from_utf8(text).expect("the text is UTF-8");
    match mode {
        0 => ivm_guest::commit(&std_demo::output(text)),
        1 => panic!("asked to panic: {text}"),
        2 => std::process::exit(3),
        3 => {
            println!("to stdout: {text}");
            eprintln!("to stderr: {} bytes", text.len());
        }
        _ => return Err(format!("mode {mode} is not known")),
    }
    Ok(())
}
