//! Lasso's "primary sumcheck": every row's lookup output is the table's `combine` of the
//! values its slots read from the subtable memory.
//!
//! Proves `Σ_x eq(r, x) · (Σ_t flag_t(x) · combine_t(e(x)) − out(x)) = 0` for a random `r`,
//! i.e. (whp) `out = Σ_t flag_t · combine_t(e)` on every row. It ends with claims on every
//! table flag, every slot value and `out` at one point; the memory argument (`memory`) proves
//! that the slot values are genuine reads of the subtables, and the CPU constraints bind the
//! slot addresses to the operands and `out` to the register/pc wiring.
use ark_ff::Zero;

use crate::codec::{DecodeError, Reader, Writer};
use crate::field::Fr;
use crate::isa::tables::{combine, Table, MAX_COMBINE_DEGREE, NUM_TABLES, SLOTS};
use crate::poly::{eq_eval, eq_table};
use crate::sumcheck::{self, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// Degree of the summand in each variable: eq · flag · combine.
pub const DEGREE: usize = 2 + MAX_COMBINE_DEGREE;

/// The proof: the sumcheck and the claimed evaluations at its point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupOutputProof {
    pub sumcheck: SumcheckProof,
    pub flag_evals: Vec<Fr>,
    pub slot_evals: Vec<Fr>,
    pub out_eval: Fr,
}

/// What the caller turns into opening claims.
#[derive(Clone, Debug)]
pub struct LookupOutputClaims {
    pub point: Vec<Fr>,
    pub flag_evals: Vec<Fr>,
    pub slot_evals: Vec<Fr>,
    pub out_eval: Fr,
}

impl LookupOutputProof {
    pub fn write(&self, w: &mut Writer) {
        w.sumcheck(&self.sumcheck);
        w.frs(&self.flag_evals);
        w.frs(&self.slot_evals);
        w.fr(&self.out_eval);
    }

    pub fn read(r: &mut Reader, log_rows: usize) -> Result<Self, DecodeError> {
        Ok(LookupOutputProof {
            sumcheck: r.sumcheck(log_rows, DEGREE, "lookup-output sumcheck")?,
            flag_evals: r.frs_exact(NUM_TABLES, "lookup flag evaluations")?,
            slot_evals: r.frs_exact(SLOTS, "lookup slot evaluations")?,
            out_eval: r.fr("lookup output evaluation")?,
        })
    }
}

/// `Σ_t flags[t] · combine_t(e) − out`.
fn summand(flags: &[Fr], e: &[Fr], out: Fr) -> Fr {
    let mut acc = -out;
    for (t, f) in Table::ALL.iter().zip(flags) {
        if !f.is_zero() {
            acc += *f * combine(*t, e);
        }
    }
    acc
}

struct Prover {
    eq: Vec<Fr>,
    flags: Vec<Vec<Fr>>,
    slots: Vec<Vec<Fr>>,
    out: Vec<Fr>,
}

impl SumcheckProver for Prover {
    fn num_vars(&self) -> usize {
        self.eq.len().trailing_zeros() as usize
    }

    fn degree(&self) -> usize {
        DEGREE
    }

    fn round_evals(&self) -> Vec<Fr> {
        let half = self.eq.len() / 2;
        let mut sums = vec![Fr::zero(); DEGREE + 1];
        let mut f = vec![Fr::zero(); NUM_TABLES];
        let mut df = vec![Fr::zero(); NUM_TABLES];
        let mut e = vec![Fr::zero(); SLOTS];
        let mut de = vec![Fr::zero(); SLOTS];
        for i in 0..half {
            let (mut eq, deq) = (self.eq[i], self.eq[i + half] - self.eq[i]);
            let (mut out, dout) = (self.out[i], self.out[i + half] - self.out[i]);
            for t in 0..NUM_TABLES {
                f[t] = self.flags[t][i];
                df[t] = self.flags[t][i + half] - f[t];
            }
            for s in 0..SLOTS {
                e[s] = self.slots[s][i];
                de[s] = self.slots[s][i + half] - e[s];
            }
            for (k, sum) in sums.iter_mut().enumerate() {
                if k > 0 {
                    eq += deq;
                    out += dout;
                    for t in 0..NUM_TABLES {
                        f[t] += df[t];
                    }
                    for s in 0..SLOTS {
                        e[s] += de[s];
                    }
                }
                if !eq.is_zero() {
                    *sum += eq * summand(&f, &e, out);
                }
            }
        }
        sums
    }

    fn bind(&mut self, r: Fr) {
        let bind = |v: &mut Vec<Fr>| {
            let half = v.len() / 2;
            for i in 0..half {
                let lo = v[i];
                v[i] = lo + r * (v[i + half] - lo);
            }
            v.truncate(half);
        };
        bind(&mut self.eq);
        bind(&mut self.out);
        self.flags.iter_mut().for_each(bind);
        self.slots.iter_mut().for_each(bind);
    }
}

/// Proves the lookup outputs. `flags` has [`NUM_TABLES`] columns, `slots` [`SLOTS`] columns
/// (the values read), all of the same power-of-two length.
pub fn prove(
    flags: &[&[Fr]],
    slots: &[&[Fr]],
    out: &[Fr],
    transcript: &mut Transcript,
) -> (LookupOutputProof, LookupOutputClaims) {
    assert_eq!(flags.len(), NUM_TABLES);
    assert_eq!(slots.len(), SLOTS);
    let log_rows = out.len().trailing_zeros() as usize;
    let r = transcript.challenge_scalars(b"lookup/r", log_rows);
    let mut prover = Prover {
        eq: eq_table(&r),
        flags: flags.iter().map(|c| c.to_vec()).collect(),
        slots: slots.iter().map(|c| c.to_vec()).collect(),
        out: out.to_vec(),
    };
    // The true sum (0 for an honest witness). Proving it rather than asserting 0 lets a
    // cheating witness produce a proof that the verifier (whose claim is 0) rejects.
    let (mut f, mut e) = (vec![Fr::zero(); NUM_TABLES], vec![Fr::zero(); SLOTS]);
    let mut claim = Fr::zero();
    for i in 0..out.len() {
        f.iter_mut().zip(&prover.flags).for_each(|(v, c)| *v = c[i]);
        e.iter_mut().zip(&prover.slots).for_each(|(v, c)| *v = c[i]);
        claim += prover.eq[i] * summand(&f, &e, out[i]);
    }
    let (sumcheck, point) = sumcheck::prove(&mut prover, claim, transcript);
    let flag_evals: Vec<Fr> = prover.flags.iter().map(|v| v[0]).collect();
    let slot_evals: Vec<Fr> = prover.slots.iter().map(|v| v[0]).collect();
    let out_eval = prover.out[0];
    absorb(transcript, &flag_evals, &slot_evals, &out_eval);
    let claims = LookupOutputClaims {
        point,
        flag_evals: flag_evals.clone(),
        slot_evals: slot_evals.clone(),
        out_eval,
    };
    (LookupOutputProof { sumcheck, flag_evals, slot_evals, out_eval }, claims)
}

fn absorb(t: &mut Transcript, flags: &[Fr], slots: &[Fr], out: &Fr) {
    t.append_scalars(b"lookup/flag_evals", flags);
    t.append_scalars(b"lookup/slot_evals", slots);
    t.append_scalar(b"lookup/out_eval", out);
}

/// Verifies the sumcheck and the final evaluation; returns the claims to open.
pub fn verify(
    log_rows: usize,
    proof: &LookupOutputProof,
    transcript: &mut Transcript,
) -> Result<LookupOutputClaims, SumcheckError> {
    let r = transcript.challenge_scalars(b"lookup/r", log_rows);
    let (final_claim, point) =
        sumcheck::verify(Fr::zero(), log_rows, DEGREE, &proof.sumcheck, transcript)?;
    let expected =
        eq_eval(&r, &point) * summand(&proof.flag_evals, &proof.slot_evals, proof.out_eval);
    sumcheck::check_final(final_claim, expected)?;
    absorb(transcript, &proof.flag_evals, &proof.slot_evals, &proof.out_eval);
    Ok(LookupOutputClaims {
        point,
        flag_evals: proof.flag_evals.clone(),
        slot_evals: proof.slot_evals.clone(),
        out_eval: proof.out_eval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::tables::{slot_values, Table};
    use crate::poly::DenseMle;

    fn witness(n: usize, cheat_row: Option<usize>) -> (Vec<Vec<Fr>>, Vec<Vec<Fr>>, Vec<Fr>) {
        let mut flags = vec![vec![Fr::zero(); n]; NUM_TABLES];
        let mut slots = vec![vec![Fr::zero(); n]; SLOTS];
        let mut out = vec![Fr::zero(); n];
        let mut x: u32 = 0x1234_5678;
        for row in 0..n - 1 {
            let t = Table::ALL[row % NUM_TABLES];
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let y = x.rotate_left(7) ^ 0x5555;
            flags[t.index()][row] = Fr::from(1u64);
            for (s, v) in slot_values(t, x, y).into_iter().enumerate() {
                slots[s][row] = v;
            }
            out[row] = Fr::from(t.eval(x, y) as u64);
        }
        if let Some(row) = cheat_row {
            out[row] += Fr::from(1u64);
        }
        (flags, slots, out)
    }

    fn run(n: usize, cheat_row: Option<usize>) -> Result<(), SumcheckError> {
        let (flags, slots, out) = witness(n, cheat_row);
        let fr: Vec<&[Fr]> = flags.iter().map(|v| v.as_slice()).collect();
        let sr: Vec<&[Fr]> = slots.iter().map(|v| v.as_slice()).collect();
        let mut tp = Transcript::new(b"test");
        let (proof, claims) = prove(&fr, &sr, &out, &mut tp);
        let mut bytes = Writer::new();
        proof.write(&mut bytes);
        let bytes = bytes.finish();
        let mut reader = Reader::new(&bytes);
        let decoded = LookupOutputProof::read(&mut reader, n.trailing_zeros() as usize).unwrap();
        reader.finish().unwrap();
        let mut tv = Transcript::new(b"test");
        let vclaims = verify(n.trailing_zeros() as usize, &decoded, &mut tv)?;
        assert_eq!(tp.state(), tv.state());
        // The claims are the real evaluations (the caller opens them).
        assert_eq!(DenseMle::new(out.clone()).evaluate(&vclaims.point), claims.out_eval);
        assert_eq!(DenseMle::new(slots[0].clone()).evaluate(&vclaims.point), claims.slot_evals[0]);
        Ok(())
    }

    #[test]
    fn honest_lookups_verify() {
        run(64, None).unwrap();
    }

    #[test]
    fn a_wrong_output_fails() {
        assert!(run(64, Some(5)).is_err());
        assert!(run(64, Some(63)).is_err());
    }
}
