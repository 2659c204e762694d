//! The proof file: a versioned, self-describing container for a statement and its proof.
//!
//! Layout (all integers little-endian, see [`crate::codec`]):
//!
//! | field | encoding |
//! |---|---|
//! | magic | the 8 bytes `IVMPROOF` |
//! | format version | `u16`, currently [`FORMAT_VERSION`] |
//! | proof system | `u32` length + UTF-8, [`PROOF_SYSTEM`] (at most 64 bytes) |
//! | statement | [`Statement::write`], decoded with [`StatementLimits::ABI_MAX`] |
//! | proof body | `u32` length (must equal the bytes left) + [`Proof::write`] |
//!
//! Parsing checks everything that does not need the ELF (magic, version, system, statement,
//! exact body length), so truncated files and trailing bytes fail before any proof decoding.
//! The body itself can only be decoded against an ELF: every length in it is derived from the
//! program (`v2::Proof::read`). No length prefix is trusted: each is bounded by a limit and by the
//! bytes actually present before anything is allocated.
use crate::codec::{DecodeError, Reader, Writer};
use crate::statement::{Statement, StatementLimits};
use crate::v2::{Phase, Proof, ProveError, VerifyError};

/// The first 8 bytes of every proof file.
pub const MAGIC: &[u8; 8] = b"IVMPROOF";
/// The container format this version writes and reads (version 1 carried prover v1's proofs).
pub const FORMAT_VERSION: u16 = 2;
/// The proof system (and its parameter set) of the proofs in this format: prover v2, Twist
/// and Shout (docs/prover-architecture.md). `/2.1` sends each sumcheck round polynomial
/// without its linear coefficient (the verifier derives it from the running claim); `/2.2`
/// commits only the lookup slots' operand bytes (their subtable kinds follow from the table
/// flags) and batches each chunked matrix's virtualization with its chunks' booleanity (one
/// cycle point for both); `/2.3` proves every read check of the bytecode fetch matrix in one
/// batched sumcheck after the lookups (one address point for all, so the virtualization
/// states the fetch chunks' values once). A file of an earlier `/2.x` from an earlier ivm is
/// refused by its system name.
pub const PROOF_SYSTEM: &str = "jolt-rv32im-dory/2.3";
/// What format version 1 carried (named in the error a version-1 file gets).
const PROOF_SYSTEM_V1: &str = "jolt-rv32im-dory/1";
/// Upper bound on the proof-system string in a file.
const MAX_SYSTEM_LEN: usize = 64;

/// Why a proof file was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    /// Not a proof file at all.
    #[error("not an ivm proof file (it does not start with \"IVMPROOF\")")]
    Magic,
    /// A proof file of another format version.
    #[error("{}", version_message(*.0))]
    Version(u16),
    /// A proof of another proof system.
    #[error("proof system {0:?} is not supported (this ivm verifies {PROOF_SYSTEM:?})")]
    System(String),
    /// The container is damaged: truncated, a length out of bounds, trailing bytes.
    #[error("{0}")]
    Malformed(#[from] DecodeError),
    /// The container is well-formed but the proof does not verify for this ELF.
    #[error("proof rejected: {0}")]
    Rejected(#[from] VerifyError),
}

fn version_message(version: u16) -> String {
    let v1 = if version == 1 {
        format!(" (a {PROOF_SYSTEM_V1} proof from prover v1, which this ivm no longer reads)")
    } else {
        String::new()
    };
    format!(
        "proof file format version {version}{v1} is not supported: this ivm reads version \
         {FORMAT_VERSION} ({PROOF_SYSTEM}); prove the run again with this ivm (`ivm prove`)"
    )
}

impl ProofFileError {
    /// True when the file is of a kind this build cannot check at all (wrong magic, version or
    /// proof system), as opposed to a proof that is damaged or wrong.
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            ProofFileError::Magic | ProofFileError::Version(_) | ProofFileError::System(_)
        )
    }
}

/// A parsed proof file: the statement and the (still encoded) proof body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofFile {
    pub statement: Statement,
    /// [`Proof::write`]'s encoding; decoded by [`ProofFile::verify`] against an ELF.
    pub proof_bytes: Vec<u8>,
}

impl ProofFile {
    /// Wraps a proof.
    pub fn new(statement: Statement, proof: &Proof) -> Self {
        let mut w = Writer::new();
        proof.write(&mut w);
        ProofFile { statement, proof_bytes: w.finish() }
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.buf.extend_from_slice(MAGIC);
        w.u16(FORMAT_VERSION);
        w.bytes(PROOF_SYSTEM.as_bytes());
        self.statement.write(&mut w);
        w.bytes(&self.proof_bytes);
        w.finish()
    }

    /// Parses a file: header, statement and body length. Does not check the proof.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProofFileError> {
        let mut r = Reader::new(bytes);
        // A short file that is a prefix of the magic is truncated, anything else is not ours.
        let head = &bytes[..bytes.len().min(MAGIC.len())];
        if head != &MAGIC[..head.len()] {
            return Err(ProofFileError::Magic);
        }
        r.take(MAGIC.len(), "magic")?;
        let version = r.u16("format version")?;
        if version != FORMAT_VERSION {
            return Err(ProofFileError::Version(version));
        }
        let name = r.bytes(MAX_SYSTEM_LEN, "proof system")?;
        if name != PROOF_SYSTEM.as_bytes() {
            return Err(ProofFileError::System(String::from_utf8_lossy(&name).into_owned()));
        }
        let statement = Statement::read(&mut r, StatementLimits::ABI_MAX)?;
        let body_len = r.len(u32::MAX as usize, "proof body")?;
        if body_len != r.remaining() {
            return Err(if body_len > r.remaining() {
                DecodeError(format!(
                    "truncated proof body: {body_len} bytes announced, {} present",
                    r.remaining()
                ))
            } else {
                DecodeError(format!(
                    "{} trailing bytes after the proof body",
                    r.remaining() - body_len
                ))
            }
            .into());
        }
        let proof_bytes = r.take(body_len, "proof body")?.to_vec();
        r.finish()?;
        Ok(ProofFile { statement, proof_bytes })
    }

    /// Say "wrong program" before the body's shapes (which depend on the program) complain.
    fn check_program(&self, elf: &[u8]) -> Result<(), VerifyError> {
        let program = ivm_vm::Program::load(elf).map_err(VerifyError::Elf)?;
        let elf_id = ivm_vm::ProgramId::of(&program).0;
        if elf_id != self.statement.program_id {
            return Err(VerifyError::ProgramId {
                statement: hex(&self.statement.program_id),
                elf: hex(&elf_id),
            });
        }
        Ok(())
    }

    /// Decodes the body against `elf` (every length derived from the program and the
    /// statement) and verifies it.
    pub fn verify(&self, elf: &[u8]) -> Result<(), ProofFileError> {
        self.check_program(elf)?;
        let pre = crate::v2::verifier::preprocess_for_verifier(elf)?;
        let mut r = Reader::new(&self.proof_bytes);
        let shape = |e: DecodeError| VerifyError::Shape(format!("proof body: {}", e.0));
        let proof = Proof::read(&mut r, &pre, &self.statement).map_err(shape)?;
        r.finish().map_err(shape)?;
        crate::v2::verifier::verify_with(&pre, &self.statement, &proof)?;
        Ok(())
    }
}

/// Proves a run of `elf` (at most `max_cycles` instructions, whatever its outcome) and returns
/// the statement and the proof file's bytes.
pub fn prove_file(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    progress: &mut dyn FnMut(Phase),
) -> Result<(Statement, Vec<u8>), ProveError> {
    let (statement, proof) =
        crate::v2::prove_with(elf, onchain, offchain, max_cycles, progress, &|_| ())?;
    let file = ProofFile::new(statement, &proof);
    drop(proof);
    let bytes = file.to_bytes();
    Ok((file.statement, bytes))
}

/// Verifies a proof file against `elf`; returns the proven statement.
pub fn verify_file(elf: &[u8], bytes: &[u8]) -> Result<Statement, ProofFileError> {
    let file = ProofFile::from_bytes(bytes)?;
    file.verify(elf)?;
    Ok(file.statement)
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("0x");
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn statement() -> Statement {
        Statement {
            program_id: [7; 32],
            onchain_input: vec![1, 2, 3],
            offchain_input: b"offchain".to_vec(),
            output: vec![0xab; 40],
            outcome: crate::statement::Outcome::Halted,
            cycles: 12345,
        }
    }

    fn file() -> ProofFile {
        ProofFile { statement: statement(), proof_bytes: (0..=255u8).cycle().take(3000).collect() }
    }

    /// Offset of the statement: magic, version, system string.
    const STATEMENT_AT: usize = 8 + 2 + 4 + PROOF_SYSTEM.len();

    #[test]
    fn round_trip() {
        let f = file();
        let bytes = f.to_bytes();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(ProofFile::from_bytes(&bytes).unwrap(), f);
        let mut p = f.clone();
        p.statement.outcome = crate::statement::Outcome::Panicked;
        p.statement.output.clear();
        p.proof_bytes.clear();
        assert_eq!(ProofFile::from_bytes(&p.to_bytes()).unwrap(), p);
    }

    #[test]
    fn wrong_magic_version_system_rejected() {
        let good = file().to_bytes();
        let mut b = good.clone();
        b[0] = b'X';
        assert!(matches!(ProofFile::from_bytes(&b), Err(ProofFileError::Magic)));
        assert!(matches!(
            ProofFile::from_bytes(b"\x7fELF\x01\x01\x01\0\0\0"),
            Err(ProofFileError::Magic)
        ));
        assert!(matches!(ProofFile::from_bytes(b""), Err(ProofFileError::Malformed(_))));

        for old in [1u16, 3] {
            let mut b = good.clone();
            b[8..10].copy_from_slice(&old.to_le_bytes());
            let e = ProofFile::from_bytes(&b).unwrap_err();
            assert!(matches!(e, ProofFileError::Version(v) if v == old) && e.is_unsupported());
            let msg = e.to_string();
            assert!(msg.contains(&format!("version {old}")) && msg.contains("ivm prove"), "{msg}");
            assert_eq!(old == 1, msg.contains("jolt-rv32im-dory/1"), "{msg}");
        }

        let mut b = good.clone();
        b[14 + PROOF_SYSTEM.len() - 1] ^= 1; // last byte of the system string
        let e = ProofFile::from_bytes(&b).unwrap_err();
        assert!(matches!(e, ProofFileError::System(_)) && e.is_unsupported(), "{e}");

        // Another system string of another length.
        let mut w = Writer::new();
        w.buf.extend_from_slice(MAGIC);
        w.u16(FORMAT_VERSION);
        w.bytes(b"groth16-bn254/1");
        statement().write(&mut w);
        w.bytes(&[]);
        assert!(
            matches!(ProofFile::from_bytes(&w.finish()), Err(ProofFileError::System(s)) if s == "groth16-bn254/1")
        );
    }

    #[test]
    fn every_truncation_and_trailing_bytes_rejected_fast() {
        let bytes = file().to_bytes();
        let start = Instant::now();
        for len in 0..bytes.len() {
            let e = ProofFile::from_bytes(&bytes[..len]).unwrap_err();
            assert!(matches!(e, ProofFileError::Malformed(_)), "length {len}: {e}");
            assert!(!e.is_unsupported());
        }
        for extra in [1usize, 7, 100_000] {
            let mut b = bytes.clone();
            b.extend(std::iter::repeat_n(0u8, extra));
            let e = ProofFile::from_bytes(&b).unwrap_err();
            assert!(e.to_string().contains("trailing"), "{e}");
        }
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    }

    #[test]
    fn huge_length_prefixes_rejected_without_allocating() {
        let good = file().to_bytes();
        // Offsets of each length prefix: system string, the three statement byte strings, body.
        let st = statement();
        let onchain_at = STATEMENT_AT + 32;
        let offchain_at = onchain_at + 4 + st.onchain_input.len();
        let output_at = offchain_at + 4 + st.offchain_input.len();
        let body_at = output_at + 4 + st.output.len() + 1 + 8;
        for (at, what) in [
            (10, "system"),
            (onchain_at, "onchain"),
            (offchain_at, "offchain"),
            (output_at, "output"),
            (body_at, "body"),
        ] {
            for huge in [u32::MAX, 1 << 28, (1 << 28) + 1, good.len() as u32] {
                let mut b = good.clone();
                b[at..at + 4].copy_from_slice(&huge.to_le_bytes());
                let start = Instant::now();
                let e = ProofFile::from_bytes(&b).unwrap_err();
                assert!(
                    matches!(e, ProofFileError::Malformed(_) | ProofFileError::System(_)),
                    "{what} {huge}: {e}"
                );
                assert!(
                    start.elapsed() < Duration::from_millis(50),
                    "{what}: {:?}",
                    start.elapsed()
                );
            }
        }
        // An unknown outcome tag.
        let mut b = good.clone();
        b[body_at - 9] = 4;
        assert!(ProofFile::from_bytes(&b).unwrap_err().to_string().contains("outcome"));
    }

    #[test]
    fn every_outcome_round_trips_and_an_unknown_fault_class_is_refused() {
        use crate::statement::{FaultClass, Outcome};
        let mut outcomes = vec![Outcome::Halted, Outcome::Panicked, Outcome::OutOfCycles];
        outcomes.extend(FaultClass::ALL.map(|class| Outcome::Faulted { class, pc: 0x8000_0040 }));
        for outcome in outcomes {
            let mut f = file();
            f.statement.outcome = outcome;
            let back = ProofFile::from_bytes(&f.to_bytes()).unwrap();
            assert_eq!(back.statement, f.statement);
        }
        let mut f = file();
        f.statement.outcome = Outcome::Faulted { class: FaultClass::MemoryAccess, pc: 0x8000_0040 };
        let mut b = f.to_bytes();
        let class_at = STATEMENT_AT
            + 32
            + 3 * 4
            + f.statement.onchain_input.len()
            + f.statement.offchain_input.len()
            + f.statement.output.len()
            + 1;
        assert_eq!(b[class_at], FaultClass::MemoryAccess as u8);
        b[class_at] = 0;
        let e = ProofFile::from_bytes(&b).unwrap_err();
        assert!(e.to_string().contains("unknown fault class 0"), "{e}");
    }

    #[test]
    fn garbage_body_rejected_against_a_real_elf() {
        let path =
            format!("{}/../../guest-examples/target/ivm/fibonacci.elf", env!("CARGO_MANIFEST_DIR"));
        let Ok(elf) = std::fs::read(&path) else {
            eprintln!("skipping: {path} not built (scripts/setup)");
            return;
        };
        let id = ivm_vm::ProgramId::of(&ivm_vm::Program::load(&elf).unwrap()).0;
        // Wrong program ID: named before any body decoding.
        let e = ProofFile::from_bytes(&file().to_bytes()).unwrap().verify(&elf).unwrap_err();
        assert!(matches!(e, ProofFileError::Rejected(VerifyError::ProgramId { .. })), "{e}");
        // Right program, garbage or empty body.
        for body in [vec![], vec![0xff; 5000], vec![10, 5, 0, 0]] {
            let mut f = file();
            f.statement.program_id = id;
            f.proof_bytes = body;
            let start = Instant::now();
            let e = verify_file(&elf, &f.to_bytes()).unwrap_err();
            assert!(matches!(e, ProofFileError::Rejected(_)), "{e}");
            assert!(start.elapsed() < Duration::from_secs(2));
        }
    }

    /// One real proof: the Rust API round trip, then corruption of the file.
    #[test]
    fn real_proof_round_trip_and_tampering() {
        let dir = format!("{}/../../guest-examples/target/ivm", env!("CARGO_MANIFEST_DIR"));
        let (Ok(elf), Ok(other)) = (
            std::fs::read(format!("{dir}/fibonacci.elf")),
            std::fs::read(format!("{dir}/panic.elf")),
        ) else {
            eprintln!("skipping: guest examples not built (scripts/setup)");
            return;
        };
        let mut input = vec![0u8; 32];
        input[31] = 10;
        let mut phases = Vec::new();
        let (st, bytes) = prove_file(&elf, &input, &[], 1 << 20, &mut |p| phases.push(p)).unwrap();
        assert_eq!(phases, Phase::ALL);
        assert_eq!(verify_file(&elf, &bytes).unwrap(), st);
        assert_eq!(st.outcome, crate::statement::Outcome::Halted);

        assert!(matches!(
            verify_file(&other, &bytes),
            Err(ProofFileError::Rejected(VerifyError::ProgramId { .. }))
        ));

        // Flipped bytes across the file (header, statement, body): never accepted.
        let step = (bytes.len() / 24).max(1);
        for at in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
            let mut b = bytes.clone();
            b[at] ^= 0x10;
            assert!(
                verify_file(&elf, &b).is_err(),
                "flipped byte {at} of {} accepted",
                bytes.len()
            );
        }
        // Trailing bytes inside the body (body length adjusted): rejected by the ELF-driven decode.
        let mut f = ProofFile::from_bytes(&bytes).unwrap();
        f.proof_bytes.push(0);
        let e = verify_file(&elf, &f.to_bytes()).unwrap_err();
        assert!(e.to_string().contains("trailing"), "{e}");
    }
}
