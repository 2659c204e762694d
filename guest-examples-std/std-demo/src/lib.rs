//! The logic of the std guest (`main.rs`), shared with its native twin in the differential
//! tests: a word count over `HashMap`, `BTreeMap`, `Vec` and `String` formatting, encoded with
//! bincode 1.x.
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Summary {
    pub words: u32,
    pub distinct: u32,
    /// The three most frequent words, most frequent first (ties alphabetical).
    pub top: Vec<(String, u32)>,
    pub text: String,
}

pub fn summarize(text: &str) -> Summary {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for w in text.split_whitespace() {
        *counts.entry(w).or_default() += 1;
    }
    let ordered: BTreeMap<&str, u32> = counts.iter().map(|(k, v)| (*k, *v)).collect();
    let mut top: Vec<(String, u32)> = ordered.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(3);
    let words = counts.values().sum();
    let distinct = counts.len() as u32;
    let text = format!("{words} words, {distinct} distinct, first {:?}", top.first());
    Summary { words, distinct, top, text }
}

/// The program's output for mode 0: `bincode(summarize(text))`.
pub fn output(text: &str) -> Vec<u8> {
    bincode::serialize(&summarize(text)).expect("a Summary always encodes")
}
