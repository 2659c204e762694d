//! Differential tests: every guest example in `guest-examples/`, run in the VM, gives the same
//! output as its native twin (the same library compiled for the host) on several inputs,
//! including edge cases; panicking inputs panic in both, with the same message.
//!
//! The examples are built once per test binary through the library API (`ivm build`'s code).
use std::{
    collections::BTreeMap,
    panic::{catch_unwind, UnwindSafe},
    path::{Path, PathBuf},
    sync::OnceLock,
};

use ivm::{
    guest_build::{build, BuildOptions},
    project::Project,
};
use ivm_vm::{
    decode::{AluOp, LoadOp, StoreOp},
    execute, Execution, Exit, Inputs, Instr, Program, DEFAULT_MAX_CYCLES,
};

const EXAMPLES: [&str; 8] =
    ["arith", "clob", "ecosystem", "fibonacci", "keccak", "panic", "sha256", "square-root"];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guest-examples")
}

/// The built examples, by program name (built on first use, once per test binary).
fn programs() -> &'static BTreeMap<String, Program> {
    static PROGRAMS: OnceLock<BTreeMap<String, Program>> = OnceLock::new();
    PROGRAMS.get_or_init(|| {
        let project =
            Project::locate(Some(&examples_dir())).expect("guest-examples is an ivm project");
        // Keep our ELFs apart from `ivm build`'s default output, which other tests may write.
        let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential-elfs");
        let opts = BuildOptions { out_dir: Some(out_dir), ..BuildOptions::default() };
        let built =
            build(&project, &opts).unwrap_or_else(|e| panic!("building guest-examples: {e:#}"));
        built
            .into_iter()
            .map(|b| {
                let bytes = std::fs::read(&b.elf).expect("read built ELF");
                let program = Program::load(&bytes).unwrap_or_else(|e| panic!("{}: {e}", b.name));
                (b.name, program)
            })
            .collect()
    })
}

fn program(name: &str) -> &'static Program {
    programs().get(name).unwrap_or_else(|| panic!("guest-examples has no program {name}"))
}

fn vm(name: &str, onchain: &[u8], offchain: &[u8]) -> Execution {
    execute(program(name), Inputs { onchain, offchain }, DEFAULT_MAX_CYCLES)
        .expect("inputs fit the program's layout")
}

fn describe(onchain: &[u8], offchain: &[u8]) -> String {
    let short = |b: &[u8]| {
        if b.len() <= 64 {
            format!("0x{}", hex::encode(b))
        } else {
            format!("0x{}… ({} bytes)", hex::encode(&b[..32]), b.len())
        }
    };
    format!("onchain {} offchain {}", short(onchain), short(offchain))
}

/// Runs `name` in the VM and asserts it halts with the native twin's output.
fn check(name: &str, onchain: &[u8], offchain: &[u8], native: Vec<u8>) -> Execution {
    let exec = vm(name, onchain, offchain);
    let what = describe(onchain, offchain);
    assert_eq!(exec.exit, Exit::Halted, "{name} on {what}: logs {:?}", exec.logs);
    assert!(exec.cycles > 0, "{name} on {what}: no cycles");
    if exec.output != native {
        panic!(
            "{name} on {what}: VM output differs from the native twin\n  vm:     0x{}\n  native: 0x{}",
            hex::encode(&exec.output),
            hex::encode(&native)
        );
    }
    exec
}

/// Asserts that the native twin panics and that the VM run panics with the same message.
fn check_panics(
    name: &str,
    onchain: &[u8],
    offchain: &[u8],
    native: impl FnOnce() -> Vec<u8> + UnwindSafe,
) {
    let what = describe(onchain, offchain);
    let payload = catch_unwind(native).expect_err(&format!("native {name} on {what} should panic"));
    let expected = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .expect("string panic payload");
    let exec = vm(name, onchain, offchain);
    assert!(exec.cycles > 0, "{name} on {what}: no cycles");
    match &exec.exit {
        // The guest reports `panicked at <file>:<line>:<col>:\n<message>`, cut at 256 bytes.
        Exit::Panicked { message: Some(m) } => {
            let reported = m.split_once('\n').map_or(m.as_str(), |(_, msg)| msg);
            assert!(
                expected.starts_with(reported) && (reported == expected || m.len() >= 200),
                "{name} on {what}: VM panic message {m:?}, native {expected:?}"
            );
        }
        other => panic!("{name} on {what}: expected a panic with {expected:?}, got {other:?}"),
    }
}

/// A deterministic pseudo-random byte stream (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn builds_every_example() {
    for name in EXAMPLES {
        assert!(
            programs().contains_key(name),
            "guest-examples did not build {name}: {:?}",
            programs().keys()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// fibonacci

fn uint256(n: u128) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[16..].copy_from_slice(&n.to_be_bytes());
    out
}

#[test]
fn fibonacci() {
    for n in [0u32, 1, 2, 3, 10, 47, 93, 94, 1000, 100_000] {
        let input = uint256(n as u128);
        let exec = check("fibonacci", &input, &[], fibonacci::run(&input));
        assert_eq!(exec.output[32..], uint256(fibonacci::fib(n) as u128)[..]);
    }
    assert_eq!(fibonacci::fib(93), 12_200_160_415_121_876_738);
    // Malformed: n >= 2^32, wrong length, empty.
    for input in [uint256(1 << 32).to_vec(), vec![0u8; 31], vec![]] {
        check_panics("fibonacci", &input, &[], || fibonacci::run(&input));
    }
}

// ---------------------------------------------------------------------------------------------
// sha256 and keccak

#[test]
fn sha256_known_vectors() {
    let vectors: [(&[u8], &str); 4] = [
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
        ),
    ];
    for (msg, digest) in vectors {
        assert_eq!(hex::encode(sha256::sha256(msg)), digest);
        let exec = check("sha256", msg, &[], sha256::run(msg, &[]));
        assert_eq!(hex::encode(&exec.output), digest);
    }
    // One million 'a's (FIPS 180-2 appendix B.3), split across the two inputs.
    let a = vec![b'a'; 1_000_000];
    let exec =
        check("sha256", &a[..600_001], &a[600_001..], sha256::run(&a[..600_001], &a[600_001..]));
    assert_eq!(
        hex::encode(&exec.output),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
}

#[test]
fn sha256_differential() {
    let mut rng = Rng(0x5eed_0001);
    // Lengths around the padding and block boundaries, split every way between the inputs.
    for len in [0usize, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
        let data = rng.bytes(len);
        for split in [0, len / 3, len] {
            let (on, off) = data.split_at(split);
            // The guest runs the sha2 crate; the twin is the hand-written implementation.
            check("sha256", on, off, sha256::sha256(&data).to_vec());
            assert_eq!(sha256::run(on, off), sha256::sha256(&data));
        }
    }
    // Large inputs: ~100 KB each side, and both limits filled (1 MiB onchain + 1 MiB offchain).
    let big = rng.bytes(100 * 1024);
    check("sha256", &big, &[], sha256::run(&big, &[]));
    check("sha256", &[], &big, sha256::run(&[], &big));
    let max = vec![0xffu8; 1 << 20];
    check("sha256", &max, &max, sha256::run(&max, &max));
}

#[test]
fn keccak_differential() {
    let exec = check("keccak", &[], &[], keccak::run(&[], &[]));
    assert_eq!(
        hex::encode(&exec.output),
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    );
    let exec = check("keccak", b"ab", b"c", keccak::run(b"ab", b"c"));
    assert_eq!(
        hex::encode(&exec.output),
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    );
    let mut rng = Rng(0x5eed_0002);
    // Around the 136-byte rate.
    for len in [1usize, 135, 136, 137, 271, 272, 273] {
        let data = rng.bytes(len);
        let (on, off) = data.split_at(len / 2);
        check("keccak", on, off, keccak::run(on, off));
    }
    let big = rng.bytes(100 * 1024);
    check("keccak", &big, &big[..1000], keccak::run(&big, &big[..1000]));
}

// ---------------------------------------------------------------------------------------------
// ecosystem: crates.io crates (alloy, sha2, sha3, tiny-keccak, k256, serde + postcard, borsh,
// ruint) in a guest

fn ecosystem_inputs(seed: &[u8; 32], message: &[u8], orders: usize) -> (Vec<u8>, Vec<u8>) {
    use alloy_dyn_abi::DynSolValue;
    let onchain = DynSolValue::Tuple(vec![
        DynSolValue::Uint(ivm_contracts::alloy_primitives::U256::from_be_bytes(*seed), 256),
        DynSolValue::Bytes(message.to_vec()),
    ])
    .abi_encode_params();
    let orders: Vec<ecosystem::Order> = (0..orders)
        .map(|i| ecosystem::Order {
            id: i as u64,
            quantity: 10 * i as u32 + 1,
            note: format!("order #{i}"),
        })
        .collect();
    let book = ecosystem::Book { levels: vec![(100, 5), (99, 1 << 70)] };
    (onchain, ecosystem::offchain_input(&orders, &book))
}

#[test]
fn ecosystem_differential() {
    let mut rng = Rng(0x5eed_0003);
    for (len, orders) in [(0usize, 0usize), (3, 1), (136, 4), (1000, 20)] {
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(&rng.bytes(16));
        let (on, off) = ecosystem_inputs(&seed, &rng.bytes(len), orders);
        let exec = check("ecosystem", &on, &off, ecosystem::run(&on, &off));
        // The hashes are the known ones, not just equal on both sides.
        let message = alloy_dyn_abi::DynSolType::Tuple(vec![
            alloy_dyn_abi::DynSolType::Uint(256),
            alloy_dyn_abi::DynSolType::Bytes,
        ])
        .abi_decode_params(&on)
        .unwrap()
        .as_tuple()
        .unwrap()[1]
            .as_bytes()
            .unwrap()
            .to_vec();
        // abi.encode(Report): the struct's offset, then sha256, sha3-256, keccak, …
        use sha2::Digest;
        let word = |i: usize| &exec.output[32 * (i + 1)..32 * (i + 2)];
        assert_eq!(word(0), &sha2::Sha256::digest(&message)[..], "sha256 word");
        let keccak = ivm_contracts::alloy_primitives::keccak256(&message);
        assert_eq!(word(2), &keccak[..], "keccak word (through the SDK's hook)");
        assert_eq!(word(3), &keccak[..], "keccak word (tiny-keccak)");
        assert!(
            exec.regions.get("native_keccak256").is_some_and(|c| *c > 0),
            "alloy's keccak256 did not go through the SDK's hook: regions {:?}",
            exec.regions
        );
    }
}

#[test]
fn ecosystem_names_what_did_not_decode() {
    let (on, off) = ecosystem_inputs(&[7; 32], b"hi", 2);
    // A short ABI tuple, a missing length prefix, a length past the end, a truncated book.
    let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (on[..40].to_vec(), off.clone()),
        (on.clone(), off[..3].to_vec()),
        (on.clone(), [&[200, 0, 0, 0][..], &off[4..]].concat()),
        (on.clone(), off[..off.len() - 1].to_vec()),
    ];
    for (on, off) in cases {
        let (on2, off2) = (on.clone(), off.clone());
        check_panics("ecosystem", &on, &off, move || ecosystem::run(&on2, &off2));
    }
}

/// A guest that asks for random bytes gets an error from both getrandom versions (the SDK's
/// backends refuse: a proof is public, a guest has no secret randomness) — not bytes that
/// look secret.
#[test]
fn getrandom_refuses_in_the_vm() {
    let exec = vm("faults", &[11], &[]);
    assert_eq!(exec.exit, Exit::Halted, "logs {:?}", exec.logs);
    assert_eq!(exec.output, b"refused");
}

// ---------------------------------------------------------------------------------------------
// square-root

/// `r^2` as a big-endian 256-bit number.
fn square(r: u128) -> [u8; 32] {
    let (hi, lo) = ((r >> 64) as u64 as u128, r as u64 as u128);
    // r^2 = hi^2·2^128 + 2·hi·lo·2^64 + lo^2, accumulated in 64-bit limbs (little-endian).
    let mut limbs = [0u128; 4];
    let mut add = |value: u128, at: usize| {
        let mut carry = value;
        let mut i = at;
        while carry != 0 {
            let sum = limbs[i] + (carry as u64 as u128);
            limbs[i] = sum as u64 as u128;
            carry = (carry >> 64) + (sum >> 64);
            i += 1;
        }
    };
    add(lo * lo, 0);
    add(hi * lo, 1);
    add(hi * lo, 1);
    add(hi * hi, 2);
    let mut out = [0u8; 32];
    for (i, limb) in limbs.iter().enumerate() {
        out[24 - 8 * i..32 - 8 * i].copy_from_slice(&(*limb as u64).to_be_bytes());
    }
    out
}

/// Asserts `root = floor(sqrt(x))`, i.e. `root^2 <= x < (root + 1)^2`.
fn assert_isqrt(x: &[u8; 32], root: &[u8; 32]) {
    assert!(root[..16].iter().all(|&b| b == 0), "root of 0x{} exceeds 2^128", hex::encode(x));
    let r = u128::from_be_bytes(root[16..].try_into().unwrap());
    assert!(square(r) <= *x, "root {r} too large for 0x{}", hex::encode(x));
    if let Some(next) = r.checked_add(1) {
        assert!(square(next) > *x, "root {r} too small for 0x{}", hex::encode(x));
    }
}

fn pow2(k: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[31 - (k / 8) as usize] = 1 << (k % 8);
    out
}

fn minus_one(mut x: [u8; 32]) -> [u8; 32] {
    for b in x.iter_mut().rev() {
        let (v, borrow) = b.overflowing_sub(1);
        *b = v;
        if !borrow {
            break;
        }
    }
    x
}

#[test]
fn square_root_differential() {
    let mut inputs: Vec<[u8; 32]> =
        [0u128, 1, 2, 3, 4, 8, 9, 15, 16, 17, 99, 1 << 64, u64::MAX as u128, u128::MAX]
            .into_iter()
            .map(uint256)
            .collect();
    for k in [128, 200, 254, 255] {
        inputs.push(pow2(k));
        inputs.push(minus_one(pow2(k)));
    }
    inputs.push([0xff; 32]); // 2^256 - 1: root 2^128 - 1
    inputs.push(square(u128::MAX)); // (2^128 - 1)^2
    inputs.push(minus_one(square(u128::MAX)));
    inputs.push(square(0xdead_beef_cafe_babe_1234_5678_9abc_def0));
    let mut rng = Rng(0x5eed_0003);
    for _ in 0..20 {
        let mut x: [u8; 32] = rng.bytes(32).try_into().unwrap();
        // Vary the magnitude too.
        let zeros = rng.below(32) as usize;
        x[..zeros].fill(0);
        inputs.push(x);
    }
    for x in &inputs {
        let native = square_root::run(x);
        assert_eq!(native[..32], x[..]);
        assert_isqrt(x, native[32..].try_into().unwrap());
        check("square-root", x, &[], native);
    }
    // The example from the InfinityVM template: abi.encode(9) -> abi.encode(9, 3).
    assert_eq!(vm("square-root", &uint256(9), &[]).output, [uint256(9), uint256(3)].concat());
    // The offchain input is ignored.
    check("square-root", &uint256(10), b"ignored", square_root::run(&uint256(10)));
    // Malformed: not exactly 32 bytes.
    for input in [vec![], vec![0u8; 31], vec![0u8; 33], vec![0xff; 64]] {
        check_panics("square-root", &input, &[], || square_root::run(&input));
    }
}

// ---------------------------------------------------------------------------------------------
// clob

use clob::{Action, ClobState, Order, Side};

fn limit(side: Side, price: u64, quantity: u64, id: u64) -> Order {
    Order { action: Action::Limit { side, price, quantity }, id }
}

fn cancel(id: u64) -> Order {
    Order { action: Action::Cancel, id }
}

/// The job inputs for `orders` on the initial `book` (InfinityVM's stateful-app framing).
fn clob_inputs(book: &[Order], orders: &[Order]) -> (Vec<u8>, Vec<u8>) {
    clob::encode_inputs(&ClobState { resting: book.to_vec() }, orders)
}

type Level = (u64, u128, u32);

/// Reads big-endian fields from the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().unwrap()
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.take())
    }
    fn u128(&mut self) -> u128 {
        u128::from_be_bytes(self.take())
    }
}

/// Decodes the clob output of `orders` on `book` into (fills, bid levels, ask levels), after
/// checking its state root is the book after the orders.
fn decode_clob(
    out: &[u8],
    book: &[Order],
    orders: &[Order],
) -> (Vec<[u64; 4]>, Vec<Level>, Vec<Level>) {
    let (root, result) = clob::decode_output(out);
    let after = ClobState { resting: clob::match_orders(book, orders).1.resting_orders() };
    assert_eq!(root, clob::state_root(&borsh::to_vec(&after).unwrap()), "the output state root");
    let mut r = Reader(&result);
    let n = r.u32();
    let fills = (0..n).map(|_| [r.u64(), r.u64(), r.u64(), r.u64()]).collect();
    let levels = |r: &mut Reader| {
        let n = r.u32();
        (0..n).map(|_| (r.u64(), r.u128(), r.u32())).collect::<Vec<_>>()
    };
    let bids = levels(&mut r);
    let asks = levels(&mut r);
    assert!(r.0.is_empty(), "trailing bytes in clob output");
    (fills, bids, asks)
}

#[test]
fn clob_matching_semantics() {
    use Side::*;
    let book = [
        limit(Sell, 100, 10, 1),
        limit(Sell, 101, 5, 2),
        limit(Sell, 100, 7, 3), // behind order 1 at 100
        limit(Buy, 98, 4, 4),
        limit(Buy, 99, 6, 5),
        limit(Buy, 99, 1, 6),
    ];
    let orders = [
        limit(Buy, 101, 20, 10), // takes 1 (10@100), 3 (7@100), 2 (3@101)
        cancel(6),               // removes bid 6
        cancel(42),              // unknown: no-op
        limit(Sell, 97, 8, 11),  // takes 5 (6@99), 4 (2@98)
        limit(Sell, 102, 3, 12), // rests
        limit(Buy, 50, 9, 13),   // rests
    ];
    let (on, off) = clob_inputs(&book, &orders);
    let exec = check("clob", &on, &off, clob::run(&on, &off));
    let (fills, bids, asks) = decode_clob(&exec.output, &book, &orders);
    assert_eq!(
        fills,
        vec![[1, 10, 100, 10], [3, 10, 100, 7], [2, 10, 101, 3], [5, 11, 99, 6], [4, 11, 98, 2]]
    );
    assert_eq!(bids, vec![(98, 2, 1), (50, 9, 1)]);
    assert_eq!(asks, vec![(101, 2, 1), (102, 3, 1)]);
    // The next job starts from the state the output's root commits to.
    let after = clob::match_orders(&book, &orders).1.resting_orders();
    let (on2, off2) = clob_inputs(&after, &[limit(Buy, 102, 5, 14)]);
    let exec = check("clob", &on2, &off2, clob::run(&on2, &off2));
    let (fills, _, asks) = decode_clob(&exec.output, &after, &[limit(Buy, 102, 5, 14)]);
    assert_eq!(fills, vec![[2, 14, 101, 2], [12, 14, 102, 3]]);
    assert!(asks.is_empty());
}

#[test]
fn clob_differential() {
    use Side::*;
    let cases: Vec<(Vec<Order>, Vec<Order>)> = vec![
        // Nothing at all.
        (vec![], vec![]),
        // A book and no orders: just the summary.
        (vec![limit(Buy, 1, 1, 1), limit(Sell, 2, 1, 2)], vec![]),
        // Orders on an empty book: the second crosses the first.
        (vec![], vec![limit(Buy, 10, 5, 1), limit(Sell, 9, 8, 2)]),
        // Extreme prices and quantities: level totals beyond u64.
        (
            vec![],
            vec![
                limit(Sell, u64::MAX, u64::MAX, 1),
                limit(Sell, u64::MAX, u64::MAX, 2),
                limit(Buy, 0, u64::MAX, 3),
                limit(Buy, 0, u64::MAX, 4),
                limit(Buy, u64::MAX, u64::MAX - 1, u64::MAX),
            ],
        ),
        // Cancelling everything, including a partially filled order.
        (
            vec![limit(Sell, 100, 5, 1), limit(Sell, 120, 5, 2)],
            vec![limit(Buy, 100, 3, 10), cancel(1), cancel(2), cancel(10)],
        ),
    ];
    for (book, orders) in &cases {
        let (on, off) = clob_inputs(book, orders);
        let exec = check("clob", &on, &off, clob::run(&on, &off));
        decode_clob(&exec.output, book, orders);
    }

    // Random order flow around a mid price, on a random initial book.
    let mut rng = Rng(0x5eed_0004);
    for (book_len, orders_len) in [(0, 50), (100, 200), (300, 600)] {
        let mut id = 0u64;
        let mut book = Vec::new();
        for _ in 0..book_len {
            id += 1;
            let side = if rng.below(2) == 0 { Buy } else { Sell };
            let price = match side {
                Buy => 900 + rng.below(100),
                Sell => 1000 + rng.below(100),
            };
            book.push(limit(side, price, 1 + rng.below(50), id));
        }
        let mut orders = Vec::new();
        for _ in 0..orders_len {
            if rng.below(8) == 0 && id > 0 {
                orders.push(cancel(1 + rng.below(id)));
                continue;
            }
            id += 1;
            let side = if rng.below(2) == 0 { Buy } else { Sell };
            orders.push(limit(side, 940 + rng.below(120), 1 + rng.below(80), id));
        }
        let (on, off) = clob_inputs(&book, &orders);
        let native = clob::run(&on, &off);
        let (fills, _, _) = decode_clob(&native, &book, &orders);
        assert!(orders_len < 100 || fills.len() > 50, "the random flow should trade");
        check("clob", &on, &off, native);
    }
}

#[test]
fn clob_rejects_malformed_input() {
    use Side::*;
    let ok = [limit(Buy, 1, 1, 1)];
    let (on, off) = clob_inputs(&[], &ok);
    let (other_root, _) = clob_inputs(&ok, &[]);
    let mut cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (on[..on.len() - 1].to_vec(), off.clone()), // onchain input: not abi.encode
        (other_root, off.clone()),                  // the state does not hash to the root
        (on.clone(), off[..3].to_vec()),            // no length prefix
        (on.clone(), [&[200, 0, 0, 0][..], &off[4..]].concat()), // the prefix overruns
    ];
    for (book, orders) in [
        (vec![], vec![limit(Sell, 5, 0, 7)]), // zero quantity
        (vec![limit(Buy, 10, 1, 1), limit(Sell, 10, 1, 2)], vec![]), // crossed state
        (vec![], vec![limit(Buy, 10, 1, 1), limit(Buy, 9, 1, 1)]), // a resting id again
        (vec![limit(Buy, 10, 1, 1), limit(Buy, 9, 1, 1)], vec![]), // the same in the state
        (vec![cancel(1)], vec![]),            // a cancel in the state
    ] {
        cases.push(clob_inputs(&book, &orders));
    }
    // Requests that are not borsh orders.
    let mut garbage = off.clone();
    garbage[8] = 9; // the first order's action tag
    cases.push((on.clone(), garbage));
    for (on, off) in cases {
        let (on2, off2) = (on.clone(), off.clone());
        check_panics("clob", &on, &off, move || clob::run(&on2, &off2));
    }
}

// ---------------------------------------------------------------------------------------------
// arith

#[test]
fn arith_differential() {
    let mut rng = Rng(0x5eed_0005);
    let words = |ws: &[u32]| ws.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>();
    let inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x80],
        vec![0xff, 0x7f, 0x80],
        words(&[0x8000_0000, 0xffff_ffff]),
        words(&[0, 0x8000_0000, 0xffff_ffff, 1, 0x7fff_ffff, 0xffff_8000]),
        words(&[u32::MAX; 8]),
        rng.bytes(37),
        rng.bytes(1024),
        rng.bytes(64 * 1024),
    ];
    for input in &inputs {
        check("arith", input, &[], arith::run(input));
    }
    // The native twin's own semantics on the edge cases.
    assert_eq!(arith::spec::div(0x8000_0000, u32::MAX), 0x8000_0000);
    assert_eq!(arith::spec::rem(0x8000_0000, u32::MAX), 0);
    assert_eq!(arith::spec::div(5, 0), u32::MAX);
    assert_eq!(arith::spec::divu(5, 0), u32::MAX);
    assert_eq!(arith::spec::rem(-5i32 as u32, 0), -5i32 as u32);
    assert_eq!(arith::spec::remu(5, 0), 5);
    assert_eq!(arith::spec::mulhsu(u32::MAX, u32::MAX), u32::MAX); // -1 * (2^32-1) >> 32 = -1
    assert_eq!(arith::spec::mulh(0x8000_0000, 0x8000_0000), 0x4000_0000);
    assert_eq!(arith::spec::mulhu(u32::MAX, u32::MAX), 0xffff_fffe);
}

/// The arith ELF really contains every M instruction and every byte/halfword load and store.
#[test]
fn arith_elf_contains_the_instructions_it_exercises() {
    let code = &program("arith").code;
    let alu: Vec<AluOp> = code
        .iter()
        .filter_map(|i| if let Instr::Op { op, .. } = i { Some(*op) } else { None })
        .collect();
    for op in [
        AluOp::Mul,
        AluOp::Mulh,
        AluOp::Mulhsu,
        AluOp::Mulhu,
        AluOp::Div,
        AluOp::Divu,
        AluOp::Rem,
        AluOp::Remu,
    ] {
        assert!(alu.contains(&op), "arith.elf has no {op:?} instruction");
    }
    for op in [LoadOp::B, LoadOp::H, LoadOp::Bu, LoadOp::Hu] {
        assert!(
            code.iter().any(|i| matches!(i, Instr::Load { op: o, .. } if *o == op)),
            "arith.elf has no load {op:?}"
        );
    }
    for op in [StoreOp::B, StoreOp::H] {
        assert!(
            code.iter().any(|i| matches!(i, Instr::Store { op: o, .. } if *o == op)),
            "arith.elf has no store {op:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// panic

#[test]
fn panic_example() {
    let fine: [&[u8]; 5] = [b"", b"\x00", b"\x02hello", b"no panic here", &[0u8; 4096]];
    for input in fine {
        check("panic", input, &[], ::panic::run(input));
    }
    let long = [&[::panic::PANIC_TAG][..], &[b'x'; 400]].concat();
    let panicking: [&[u8]; 4] = [&[::panic::PANIC_TAG], b"\x01boom", b"\x01\xff\xfe", &long];
    for input in panicking {
        let exec = vm("panic", input, &[]);
        assert!(exec.output.is_empty());
        check_panics("panic", input, &[], move || ::panic::run(input));
    }
    let exec = vm("panic", b"\x01boom", &[]);
    match exec.exit {
        Exit::Panicked { message: Some(m) } => {
            assert!(m.ends_with("\nguest panic requested: boom"), "{m:?}")
        }
        other => panic!("expected a panic, got {other:?}"),
    }
}
