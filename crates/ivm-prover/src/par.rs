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
