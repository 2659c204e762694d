//! Small helpers for the parallel folds the provers share: each worker accumulates into its
//! own array or vector, and the partial results are added element-wise.

use std::ops::AddAssign;

/// `a += b` element-wise (the `reduce` step of a fold over fixed-size round evaluations).
pub fn add_arrays<T: for<'a> AddAssign<&'a T>, const N: usize>(mut a: [T; N], b: [T; N]) -> [T; N] {
    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
    a
}

/// `a += b` element-wise for vectors of equal length (the `reduce` step of a fold into
/// per-worker tables).
pub fn add_vecs<T: for<'a> AddAssign<&'a T>>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
    debug_assert_eq!(a.len(), b.len(), "partial results of different sizes");
    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
    a
}

/// Runs `step(state, block)` for every block in `0..blocks`, each core over one contiguous
/// share of them with its own `init()` state, and merges the cores' states: for sums into
/// per-core tables (buckets, per-address weights) too large to make one per task.
pub fn fold_block_shares<S: Send>(
    blocks: usize,
    init: impl Fn() -> S + Sync + Send,
    step: impl Fn(&mut S, usize) + Sync + Send,
    merge: impl Fn(S, S) -> S + Sync + Send,
) -> S {
    use rayon::prelude::*;
    let per_core = blocks.div_ceil(rayon::current_num_threads()).max(1);
    (0..blocks.div_ceil(per_core))
        .into_par_iter()
        .map(|c| {
            let mut state = init();
            for block in c * per_core..((c + 1) * per_core).min(blocks) {
                step(&mut state, block);
            }
            state
        })
        .reduce_with(merge)
        .unwrap_or_else(init)
}
