//! BN254 as Dory's opening prover sees it: the same groups and the same values as dory-pcs's
//! arkworks backend (`BN254`, `G1Routines`, `G2Routines`), computed faster. A proof made
//! with these routines is byte for byte the one the backend's routines make (tested), so
//! the verifier keeps the backend's.
//!
//! Where the opening's time went (2^12 generators, per round at the largest size): the
//! vectors' folds, `v ← v + β·Γ` and `v ← α·v_L + v_R`, were one scalar multiplication per
//! point, G2's without the GLV endomorphism, and the pairings ran arkworks' Miller loop (one
//! accumulator per four pairs). Here:
//!
//! * **one scalar, many points** ([`SharedScalar`]): the scalar is split once by GLV into
//!   two ~128-bit halves, each in width-5 non-adjacent form; each point then costs ~127
//!   doublings and ~45 mixed additions against its own table of odd multiples (normalized
//!   to affine a chunk of points at a time, with one inversion);
//! * **one point, many scalars** (`v₂ = v·Γ₂,fin` in the first round): arkworks' fixed-base
//!   window tables;
//! * **pairings** ([`crate::miller_loop`]): one accumulator per core; pairs with the setup's
//!   G2 generators read the lines [`crate::pcs::DoryProverSetup`] prepared (normalized) for
//!   the tier-2 commitments, registered for the opening's duration by
//!   [`PreparedGenerators::register`]; the vectors' G2 points, each paired once, have their
//!   lines computed as the loop goes, in affine coordinates (one inversion per step for all).
use std::sync::{Arc, Mutex};

use ark_bn254::{Bn254, G1Projective, G2Projective};
use ark_ec::pairing::{MillerLoopOutput, Pairing};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::CurveGroup;
use ark_ff::{AdditiveGroup, BigInteger, PrimeField, Zero};
use dory_pcs::backends::arkworks::{ArkFr, ArkG1, ArkG2, ArkGT, G1Routines, G2Routines, BN254};
use dory_pcs::primitives::arithmetic::{DoryRoutines, PairingCurve};
use dory_pcs::ProverSetup;
use rayon::prelude::*;

use crate::miller_loop::{multi_miller_loop_affine, pairing_with_prepared, NormalizedG2};

/// BN254 for the opening prover (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct OpeningCurve;

/// G1's routines for the opening prover.
pub struct OpeningG1;

/// G2's routines for the opening prover.
pub struct OpeningG2;

/// The setup's G2 generators, prepared, while an opening runs: `multi_pair_g2_setup` is
/// always called with a prefix of the setup's `g2_vec`, recognized by its address.
struct Registered {
    g2_vec_addr: usize,
    lines: Arc<Vec<NormalizedG2>>,
}

static REGISTERED: Mutex<Option<Registered>> = Mutex::new(None);

/// Registration of prepared generators; dropping it unregisters them.
pub struct PreparedGenerators(());

impl PreparedGenerators {
    /// Registers `lines` (the prepared `setup.g2_vec[..lines.len()]`) until the returned
    /// value is dropped.
    pub fn register(setup: &ProverSetup<OpeningCurve>, lines: Arc<Vec<NormalizedG2>>) -> Self {
        let g2_vec_addr = setup.g2_vec.as_ptr() as usize;
        *REGISTERED.lock().expect("no panic while registering") =
            Some(Registered { g2_vec_addr, lines });
        PreparedGenerators(())
    }
}

impl Drop for PreparedGenerators {
    fn drop(&mut self) {
        if let Ok(mut r) = REGISTERED.lock() {
            *r = None;
        }
    }
}

/// The prepared lines of `qs`, if `qs` is a prefix of the registered setup's generators.
fn registered_lines(qs: &[ArkG2]) -> Option<Arc<Vec<NormalizedG2>>> {
    let r = REGISTERED.lock().ok()?;
    let r = r.as_ref()?;
    (qs.as_ptr() as usize == r.g2_vec_addr && qs.len() <= r.lines.len())
        .then(|| Arc::clone(&r.lines))
}

fn final_exponentiation(f: ark_bn254::Fq12) -> ArkGT {
    ArkGT(
        Bn254::final_exponentiation(MillerLoopOutput(f))
            .expect("a Miller loop output is never zero"),
    )
}

/// `Π e(p_i, q_i)` with both sides arbitrary: each G2 point's lines computed as the loop
/// goes, in affine coordinates with one inversion per step for all of them.
fn pair_all(ps: &[ArkG1], qs: &[ArkG2]) -> ArkGT {
    assert_eq!(ps.len(), qs.len(), "multi_pair requires equal length vectors");
    let (ps, qs): (Vec<G1Projective>, Vec<G2Projective>) = ps
        .iter()
        .zip(qs)
        .filter(|(p, q)| !p.0.is_zero() && !q.0.is_zero())
        .map(|(p, q)| (p.0, q.0))
        .unzip();
    let pairs: Vec<_> = G1Projective::normalize_batch(&ps)
        .into_iter()
        .zip(G2Projective::normalize_batch(&qs))
        .collect();
    final_exponentiation(multi_miller_loop_affine(&pairs))
}

impl PairingCurve for OpeningCurve {
    type G1 = ArkG1;
    type G2 = ArkG2;
    type GT = ArkGT;

    fn pair(p: &ArkG1, q: &ArkG2) -> ArkGT {
        BN254::pair(p, q)
    }

    fn multi_pair(ps: &[ArkG1], qs: &[ArkG2]) -> ArkGT {
        pair_all(ps, qs)
    }

    fn multi_pair_g2_setup(ps: &[ArkG1], qs: &[ArkG2]) -> ArkGT {
        assert_eq!(ps.len(), qs.len(), "multi_pair requires equal length vectors");
        match registered_lines(qs) {
            Some(lines) => {
                ArkGT(pairing_with_prepared(ps.iter().map(|p| &p.0), &lines[..qs.len()]))
            }
            None => pair_all(ps, qs),
        }
    }

    fn multi_pair_g1_setup(ps: &[ArkG1], qs: &[ArkG2]) -> ArkGT {
        pair_all(ps, qs)
    }

    fn gt_msm(ts: &[ArkGT], ks: &[ArkFr]) -> ArkGT {
        BN254::gt_msm(ts, ks)
    }
}

/// Width of the scalar halves' non-adjacent form: 8 odd multiples per table.
const WNAF_WIDTH: usize = 5;

/// Points per normalization of their tables (one field inversion each).
const TABLE_CHUNK: usize = 64;

/// A scalar decomposed once for multiplying many points: `k = s1·k1 + s2·k2·λ` (GLV, `λ`
/// the endomorphism's eigenvalue, `k1, k2 < 2^128`), each half in width-5 NAF.
pub struct SharedScalar {
    halves: [(bool, Vec<i64>); 2], // (negated, little-endian digits)
}

impl SharedScalar {
    pub fn new<P: GLVConfig>(k: P::ScalarField) -> Self {
        let ((pos1, k1), (pos2, k2)) = P::scalar_decomposition(k);
        let naf = |x: P::ScalarField| {
            x.into_bigint().find_wnaf(WNAF_WIDTH).expect("width 5 is a valid wNAF width")
        };
        Self { halves: [(!pos1, naf(k1)), (!pos2, naf(k2))] }
    }

    /// `k·p` for each `p` of `points`, in order.
    pub fn mul_each<P: GLVConfig>(&self, points: &[Projective<P>]) -> Vec<Projective<P>> {
        let per_table = 1 << (WNAF_WIDTH - 2);
        let chunks: Vec<Vec<Projective<P>>> = points
            .par_chunks(TABLE_CHUNK)
            .map(|chunk| {
                // Each point's table: odd multiples of ±p, then of ±φ(p).
                let mut tables = Vec::with_capacity(chunk.len() * 2 * per_table);
                let sign = |negate: bool, q: Projective<P>| if negate { -q } else { q };
                for p in chunk {
                    let twice = p.double();
                    let mut odd = Vec::with_capacity(per_table);
                    let mut q = *p;
                    for _ in 0..per_table {
                        odd.push(q);
                        q += twice;
                    }
                    tables.extend(odd.iter().map(|q| sign(self.halves[0].0, *q)));
                    tables.extend(odd.iter().map(|q| sign(self.halves[1].0, P::endomorphism(q))));
                }
                let tables = Projective::normalize_batch(&tables);
                tables.chunks(2 * per_table).map(|t| self.mul_with(t, per_table)).collect()
            })
            .collect();
        chunks.concat()
    }

    fn mul_with<P: GLVConfig>(&self, table: &[Affine<P>], per_table: usize) -> Projective<P> {
        let len = self.halves[0].1.len().max(self.halves[1].1.len());
        let mut acc = Projective::<P>::zero();
        for i in (0..len).rev() {
            acc.double_in_place();
            for (h, (_, digits)) in self.halves.iter().enumerate() {
                match digits.get(i).copied().unwrap_or(0) {
                    0 => {}
                    d if d > 0 => acc += &table[h * per_table + (d / 2) as usize],
                    d => acc -= &table[h * per_table + (-d / 2) as usize],
                }
            }
        }
        acc
    }
}

/// `vs[i] ← vs[i] + k·bases[i]`.
fn add_scaled_bases<P: GLVConfig>(
    bases: &[Projective<P>],
    vs: &mut [Projective<P>],
    k: P::ScalarField,
) {
    assert_eq!(bases.len(), vs.len(), "equal lengths");
    let products = SharedScalar::new::<P>(k).mul_each(bases);
    vs.par_iter_mut().zip(products).for_each(|(v, q)| *v += q);
}

/// `vs[i] ← k·vs[i] + addends[i]`.
fn scale_then_add<P: GLVConfig>(
    vs: &mut [Projective<P>],
    addends: &[Projective<P>],
    k: P::ScalarField,
) {
    assert_eq!(addends.len(), vs.len(), "equal lengths");
    let products = SharedScalar::new::<P>(k).mul_each(vs);
    vs.par_iter_mut().zip(products).zip(addends).for_each(|((v, q), a)| *v = q + a);
}

/// The routines for one group, over its arkworks projective points.
macro_rules! opening_routines {
    ($routines:ident, $group:ident, $config:ty, $backend:ident) => {
        impl DoryRoutines<$group> for $routines {
            fn msm(bases: &[$group], scalars: &[ArkFr]) -> $group {
                $backend::msm(bases, scalars)
            }

            fn fixed_base_vector_scalar_mul(base: &$group, scalars: &[ArkFr]) -> Vec<$group> {
                let scalars: Vec<_> = scalars.iter().map(|s| s.0).collect();
                let table = BatchMulPreprocessing::new(base.0, scalars.len());
                let parts: Vec<Vec<$group>> = scalars
                    .par_chunks(TABLE_CHUNK)
                    .map(|c| table.batch_mul(c).into_iter().map(|a| $group(a.into())).collect())
                    .collect();
                parts.concat()
            }

            fn fixed_scalar_mul_bases_then_add(
                bases: &[$group],
                vs: &mut [$group],
                scalar: &ArkFr,
            ) {
                let bases: Vec<_> = bases.iter().map(|b| b.0).collect();
                let mut points: Vec<_> = vs.iter().map(|v| v.0).collect();
                add_scaled_bases::<$config>(&bases, &mut points, scalar.0);
                vs.iter_mut().zip(points).for_each(|(v, p)| v.0 = p);
            }

            fn fixed_scalar_mul_vs_then_add(vs: &mut [$group], addends: &[$group], scalar: &ArkFr) {
                let addends: Vec<_> = addends.iter().map(|a| a.0).collect();
                let mut points: Vec<_> = vs.iter().map(|v| v.0).collect();
                scale_then_add::<$config>(&mut points, &addends, scalar.0);
                vs.iter_mut().zip(points).for_each(|(v, p)| v.0 = p);
            }

            fn fold_field_vectors(left: &mut [ArkFr], right: &[ArkFr], scalar: &ArkFr) {
                $backend::fold_field_vectors(left, right, scalar)
            }
        }
    };
}

opening_routines!(OpeningG1, ArkG1, ark_bn254::g1::Config, G1Routines);
opening_routines!(OpeningG2, ArkG2, ark_bn254::g2::Config, G2Routines);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Fr;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;

    fn points<G: UniformRand>(n: usize, seed: u64) -> Vec<G> {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| G::rand(&mut rng)).collect()
    }

    /// Edge scalars (0, ±1, the GLV eigenvalue's neighbours) and random ones, on more
    /// points than a table chunk, with the identity among them: each routine equals the
    /// backend's.
    #[test]
    fn routines_equal_the_backends() {
        let mut scalars = vec![
            ArkFr(Fr::from(0u64)),
            ArkFr(Fr::from(1u64)),
            ArkFr(-Fr::from(1u64)),
            ArkFr(<ark_bn254::g1::Config as GLVConfig>::LAMBDA),
            ArkFr(<ark_bn254::g2::Config as GLVConfig>::LAMBDA + Fr::from(1u64)),
        ];
        scalars.extend(points::<Fr>(3, 1).into_iter().map(ArkFr));
        let n = TABLE_CHUNK + 7;
        let mut g1: Vec<ArkG1> = points::<G1Projective>(n, 2).into_iter().map(ArkG1).collect();
        let mut g2: Vec<ArkG2> = points::<G2Projective>(n, 3).into_iter().map(ArkG2).collect();
        g1[5] = ArkG1(G1Projective::zero());
        g2[6] = ArkG2(G2Projective::zero());
        let (a1, a2) = (
            g1.iter().rev().copied().collect::<Vec<_>>(),
            g2.iter().rev().copied().collect::<Vec<_>>(),
        );
        for k in &scalars {
            let (mut ours, mut theirs) = (g1.clone(), g1.clone());
            OpeningG1::fixed_scalar_mul_bases_then_add(&a1, &mut ours, k);
            G1Routines::fixed_scalar_mul_bases_then_add(&a1, &mut theirs, k);
            assert!(ours == theirs, "G1 bases then add");
            let (mut ours, mut theirs) = (g2.clone(), g2.clone());
            OpeningG2::fixed_scalar_mul_vs_then_add(&mut ours, &a2, k);
            G2Routines::fixed_scalar_mul_vs_then_add(&mut theirs, &a2, k);
            assert!(ours == theirs, "G2 vs then add");
            let (mut ours, mut theirs) = (g2.clone(), g2.clone());
            OpeningG2::fixed_scalar_mul_bases_then_add(&a2, &mut ours, k);
            G2Routines::fixed_scalar_mul_bases_then_add(&a2, &mut theirs, k);
            assert!(ours == theirs, "G2 bases then add");
        }
        let ks: Vec<ArkFr> = scalars.iter().cycle().take(n).copied().collect();
        assert!(
            OpeningG2::fixed_base_vector_scalar_mul(&g2[0], &ks)
                == G2Routines::fixed_base_vector_scalar_mul(&g2[0], &ks),
            "G2 fixed base"
        );
    }

    /// Every pairing product equals the backend's, with identities on either side and the
    /// registered generators used for a prefix of the setup (and not for another vector).
    #[test]
    fn pairings_equal_the_backends() {
        let n = 9;
        let mut ps: Vec<ArkG1> = points::<G1Projective>(n, 4).into_iter().map(ArkG1).collect();
        let mut qs: Vec<ArkG2> = points::<G2Projective>(n, 5).into_iter().map(ArkG2).collect();
        ps[2] = ArkG1(G1Projective::zero());
        qs[3] = ArkG2(G2Projective::zero());
        assert!(OpeningCurve::multi_pair(&ps, &qs) == BN254::multi_pair(&ps, &qs));
        assert!(OpeningCurve::multi_pair_g1_setup(&ps, &qs) == BN254::multi_pair(&ps, &qs));
        let setup = ProverSetup::<OpeningCurve> {
            g1_vec: ps.clone(),
            g2_vec: points::<G2Projective>(n, 6).into_iter().map(ArkG2).collect(),
            h1: ps[0],
            h2: qs[0],
            ht: BN254::pair(&ps[0], &qs[0]),
        };
        let affine =
            G2Projective::normalize_batch(&setup.g2_vec.iter().map(|q| q.0).collect::<Vec<_>>());
        let lines = Arc::new(affine.into_iter().map(NormalizedG2::new).collect());
        let _registered = PreparedGenerators::register(&setup, lines);
        assert!(registered_lines(&setup.g2_vec[..4]).is_some());
        assert!(registered_lines(&qs).is_none());
        let prefix = &setup.g2_vec[..n - 1];
        assert!(
            OpeningCurve::multi_pair_g2_setup(&ps[..n - 1], prefix)
                == BN254::multi_pair(&ps[..n - 1], prefix)
        );
    }
}
