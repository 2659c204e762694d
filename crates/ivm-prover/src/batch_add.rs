//! Sums of many small sets of G1 points by batched affine additions.
//!
//! Tier 1 of a one-hot commitment is, per layout row, the sum of the generators at the
//! columns of that row's ones (`onehot::commit`): tens of millions of additions per proof and
//! no scalar multiplication. Added one by one into projective accumulators each costs a mixed
//! addition (7 multiplications and 4 squarings). Here every set is summed as a tree, one level
//! at a time across all the sets of a task, and each level's affine additions share one
//! field inversion (Montgomery's trick): about 5 multiplications and a squaring each.
use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{batch_inversion, Field, Zero};
use rayon::prelude::*;

/// Points summed by one task (its sets are whole): enough additions per level for the shared
/// inversion to be cheap, few enough that the task's points stay in cache.
const POINTS_PER_TASK: usize = 1 << 14;

/// `(set, member)` pairs sorted into the `(members, start)` form [`subset_sums`] takes, for
/// `sets` sets: a counting sort (two passes over `pairs()`; members keep their order within a
/// set).
pub fn into_sets<I: Iterator<Item = (usize, u32)>>(
    sets: usize,
    pairs: impl Fn() -> I,
) -> (Vec<u32>, Vec<usize>) {
    let mut start = vec![0usize; sets + 1];
    for (s, _) in pairs() {
        start[s + 1] += 1;
    }
    for s in 0..sets {
        start[s + 1] += start[s];
    }
    let mut fill = start.clone();
    let mut members = vec![0u32; start[sets]];
    for (s, m) in pairs() {
        members[fill[s]] = m;
        fill[s] += 1;
    }
    (members, start)
}

/// `Σ_{c ∈ members[start[s]..start[s+1]]} bases[c]` for every set `s` (`start` has one more
/// entry than there are sets, and is non-decreasing).
pub fn subset_sums(bases: &[G1Affine], members: &[u32], start: &[usize]) -> Vec<G1Projective> {
    let sets = start.len() - 1;
    // Split the sets into tasks of about POINTS_PER_TASK points each.
    let mut bounds = vec![0];
    for s in 1..=sets {
        if start[s] - start[*bounds.last().unwrap()] >= POINTS_PER_TASK || s == sets {
            bounds.push(s);
        }
    }
    bounds
        .par_windows(2)
        .flat_map_iter(|w| {
            let (first, last) = (w[0], w[1]);
            let points: Vec<G1Affine> =
                members[start[first]..start[last]].iter().map(|&c| bases[c as usize]).collect();
            let runs: Vec<(usize, usize)> =
                (first..last).map(|s| (start[s] - start[first], start[s + 1] - start[s])).collect();
            sum_runs(points, runs)
        })
        .collect()
}

/// The sum of each run `(offset, len)` of `points`, pairing neighbours level by level.
fn sum_runs(mut points: Vec<G1Affine>, mut runs: Vec<(usize, usize)>) -> Vec<G1Projective> {
    let mut denominators: Vec<Fq> = Vec::new();
    loop {
        // One denominator x₂ − x₁ per pair at this level (1 where the formula does not apply).
        denominators.clear();
        for &(at, len) in &runs {
            for i in 0..len / 2 {
                let (p, q) = (&points[at + 2 * i], &points[at + 2 * i + 1]);
                denominators.push(if general(p, q) { q.x - p.x } else { Fq::ONE });
            }
        }
        if denominators.is_empty() {
            break;
        }
        batch_inversion(&mut denominators);
        let mut inverse = denominators.iter();
        for (at, len) in &mut runs {
            for i in 0..*len / 2 {
                let (p, q) = (points[*at + 2 * i], points[*at + 2 * i + 1]);
                let inv = inverse.next().expect("one inverse per pair");
                points[*at + i] =
                    if general(&p, &q) { chord(&p, &q, inv) } else { special(&p, &q) };
            }
            if *len % 2 == 1 {
                points[*at + *len / 2] = points[*at + *len - 1];
            }
            *len = len.div_ceil(2);
        }
    }
    runs.iter()
        .map(|&(at, len)| if len == 0 { G1Projective::zero() } else { points[at].into_group() })
        .collect()
}

/// Whether `p + q` is given by the chord formula: neither is the identity and `x_p ≠ x_q`.
#[inline(always)]
fn general(p: &G1Affine, q: &G1Affine) -> bool {
    !p.infinity && !q.infinity && p.x != q.x
}

/// `p + q` by the chord through them, with `inv = 1 / (x_q − x_p)`.
#[inline(always)]
fn chord(p: &G1Affine, q: &G1Affine, inv: &Fq) -> G1Affine {
    let lambda = (q.y - p.y) * inv;
    let x = lambda.square() - p.x - q.x;
    let y = lambda * (p.x - x) - p.y;
    G1Affine::new_unchecked(x, y)
}

/// `p + q` when the chord formula does not apply (an identity, a doubling, or `q = −p`).
fn special(p: &G1Affine, q: &G1Affine) -> G1Affine {
    (p.into_group() + q).into_affine()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Every set's sum equals the one added point by point, for empty, single and uneven sets
    /// across task boundaries, with repeated points (doublings), a point and its negation, and
    /// the identity among the bases.
    #[test]
    fn subset_sums_equal_sums_point_by_point() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut bases: Vec<G1Affine> =
            (0..64).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        bases[1] = -bases[0];
        bases[2] = G1Affine::identity();
        let mut members = Vec::new();
        let mut start = vec![0];
        let sets = POINTS_PER_TASK as u32;
        for s in 0..sets {
            let len = [0, 1, 2, 3, 5, 8][s as usize % 6];
            members.extend((0..len).map(|i| (s * 7 + i * 11) % 64));
            if s % 97 == 0 {
                members.extend([0, 1, 2, 5, 5]); // cancelling pair, identity, a doubling
            }
            start.push(members.len());
        }
        let sums = subset_sums(&bases, &members, &start);
        assert_eq!(sums.len(), sets as usize);
        for (s, sum) in sums.iter().enumerate() {
            let naive: G1Projective =
                members[start[s]..start[s + 1]].iter().map(|&c| bases[c as usize]).sum();
            assert_eq!(*sum, naive, "set {s}");
        }
        assert!(members.len() > 2 * POINTS_PER_TASK, "the sets span several tasks");
    }
}
