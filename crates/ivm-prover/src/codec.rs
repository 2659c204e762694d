//! The proof wire codec: little-endian, length-prefixed, and bounded on decode.
//!
//! Every proof component writes itself with [`Writer`] and reads itself back with [`Reader`].
//! Decoding never trusts a length prefix: callers pass the maximum they accept (derived by the
//! verifier from the statement and policy), so a hostile file cannot make us allocate.
use crate::field::{fr_from_bytes, fr_to_bytes, Fr};
use crate::sumcheck::{CompressedPoly, SumcheckProof};

/// A decoding failure. The message says what was being read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed proof: {0}")]
pub struct DecodeError(pub String);

fn err(msg: impl Into<String>) -> DecodeError {
    DecodeError(msg.into())
}

/// Appends encoded values to a byte buffer.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A length-prefixed byte string.
    pub fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.buf.extend_from_slice(b);
    }
    /// A field element, 32 bytes little-endian canonical.
    pub fn fr(&mut self, x: &Fr) {
        self.buf.extend_from_slice(&fr_to_bytes(x));
    }
    /// A length-prefixed vector of field elements.
    pub fn frs(&mut self, xs: &[Fr]) {
        self.u32(xs.len() as u32);
        for x in xs {
            self.fr(x);
        }
    }
    /// A sumcheck proof: round count, then each compressed round polynomial's coefficients
    /// (their number is the degree, which the reader knows).
    pub fn sumcheck(&mut self, p: &SumcheckProof) {
        self.u32(p.round_polys.len() as u32);
        for poly in &p.round_polys {
            for c in &poly.coeffs {
                self.fr(c);
            }
        }
    }
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads encoded values, checking every bound before allocating.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.remaining() != 0 {
            return Err(err(format!("{} trailing bytes", self.remaining())));
        }
        Ok(())
    }
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(err(format!("truncated while reading {what}")));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }
    pub fn u16(&mut self, what: &str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.take(2, what)?.try_into().unwrap()))
    }
    pub fn u32(&mut self, what: &str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().unwrap()))
    }
    pub fn u64(&mut self, what: &str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().unwrap()))
    }
    /// A length prefix that must be at most `max`.
    pub fn len(&mut self, max: usize, what: &str) -> Result<usize, DecodeError> {
        let n = self.u32(what)? as usize;
        if n > max {
            return Err(err(format!("{what}: length {n} exceeds the limit {max}")));
        }
        Ok(n)
    }
    /// A length prefix that must equal `expected` exactly.
    pub fn exact_len(&mut self, expected: usize, what: &str) -> Result<(), DecodeError> {
        let n = self.u32(what)? as usize;
        if n != expected {
            return Err(err(format!("{what}: length {n}, expected {expected}")));
        }
        Ok(())
    }
    pub fn bytes(&mut self, max: usize, what: &str) -> Result<Vec<u8>, DecodeError> {
        let n = self.len(max, what)?;
        Ok(self.take(n, what)?.to_vec())
    }
    /// A canonical field element (non-canonical encodings are rejected).
    pub fn fr(&mut self, what: &str) -> Result<Fr, DecodeError> {
        let b = self.take(32, what)?;
        fr_from_bytes(b.try_into().unwrap())
            .ok_or_else(|| err(format!("{what}: not a canonical field element")))
    }
    /// Exactly `n` field elements behind a length prefix that must equal `n`.
    pub fn frs_exact(&mut self, n: usize, what: &str) -> Result<Vec<Fr>, DecodeError> {
        self.exact_len(n, what)?;
        (0..n).map(|_| self.fr(what)).collect()
    }
    /// A sumcheck proof with exactly `rounds` rounds of `degree + 1` coefficients each.
    pub fn sumcheck(
        &mut self,
        rounds: usize,
        degree: usize,
        what: &str,
    ) -> Result<SumcheckProof, DecodeError> {
        self.exact_len(rounds, what)?;
        let round_polys = (0..rounds)
            .map(|_| {
                let coeffs = (0..degree).map(|_| self.fr(what)).collect::<Result<_, _>>()?;
                Ok(CompressedPoly { coeffs })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(SumcheckProof { round_polys })
    }
}
