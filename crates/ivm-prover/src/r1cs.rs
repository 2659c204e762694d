//! Uniform R1CS: one fixed set of rank-1 constraints applied to every row of a column trace.
//!
//! A trace is `num_cols` columns of equal power-of-two length `T`; row `i` consists of the
//! values `cols[j][i]`. A constraint is `A · B = C` where `A`, `B`, `C` are affine combinations
//! ([`Lc`]) of the row's columns ([`Var::Col`]) and of the **next** row's columns
//! ([`Var::Next`]). The next row of the last row reads 0 for every column, so constraints that
//! link consecutive rows must be guarded (e.g. by a "not last row" flag column).
//!
//! Constraint code is meant to read like the math:
//!
//! ```
//! use ivm_prover::r1cs::{Constraint, Lc, UniformR1cs};
//! const PC: usize = 0;
//! const NOT_LAST: usize = 1;
//! let mut r1cs = UniformR1cs::new(2);
//! // not_last · (pc' − pc − 4) = 0
//! r1cs.push(Constraint::eq_if(Lc::col(NOT_LAST), Lc::next(PC), Lc::col(PC) + 4));
//! // not_last is a bit
//! r1cs.push(Constraint::boolean(NOT_LAST));
//! assert_eq!(r1cs.shifted_columns(), vec![PC]);
//! ```

use std::collections::BTreeMap;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

use crate::field::{fr_i64, Fr, One, Zero};

/// A variable of a row: a column of this row, or the same column of the next row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    Col(usize),
    /// `Next(j)` on row `i` is `cols[j][i + 1]`, and 0 on the last row.
    Next(usize),
}

impl Var {
    /// The column this variable reads.
    pub fn column(self) -> usize {
        match self {
            Var::Col(j) | Var::Next(j) => j,
        }
    }
}

/// An affine combination `Σ coeff · var + constant`.
///
/// The arithmetic operators keep it normalised: terms sorted by variable, one term per
/// variable, no zero coefficients. (Building `Lc { .. }` by hand is allowed too; evaluation
/// does not rely on normal form.)
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Lc {
    pub terms: Vec<(Var, Fr)>,
    pub constant: Fr,
}

impl Lc {
    /// The zero combination.
    pub fn zero() -> Self {
        Self::default()
    }

    /// The constant 1.
    pub fn one() -> Self {
        Self::constant(1)
    }

    /// A constant.
    pub fn constant(c: i64) -> Self {
        Self::constant_fr(fr_i64(c))
    }

    /// A constant field element.
    pub fn constant_fr(c: Fr) -> Self {
        Self { terms: Vec::new(), constant: c }
    }

    /// `1 · var`.
    pub fn var(v: Var) -> Self {
        Self::term(v, Fr::one())
    }

    /// `coeff · var`.
    pub fn term(v: Var, coeff: Fr) -> Self {
        let terms = if coeff.is_zero() { Vec::new() } else { vec![(v, coeff)] };
        Self { terms, constant: Fr::zero() }
    }

    /// Column `j` of this row.
    pub fn col(j: usize) -> Self {
        Self::var(Var::Col(j))
    }

    /// Column `j` of the next row (0 on the last row).
    pub fn next(j: usize) -> Self {
        Self::var(Var::Next(j))
    }

    /// `Σ coeffs[k] · col(cols[k])`, e.g. a little-endian byte decomposition.
    pub fn weighted_cols(cols: &[usize], coeffs: &[Fr]) -> Self {
        assert_eq!(cols.len(), coeffs.len(), "one coefficient per column");
        cols.iter().zip(coeffs).fold(Self::zero(), |acc, (&j, &c)| acc + Self::term(Var::Col(j), c))
    }

    /// True if the combination has no variables.
    pub fn is_constant(&self) -> bool {
        self.terms.is_empty()
    }

    /// Merge duplicate variables, drop zero coefficients and sort by variable.
    pub fn normalize(&mut self) {
        let mut map: BTreeMap<Var, Fr> = BTreeMap::new();
        for &(v, c) in &self.terms {
            *map.entry(v).or_insert_with(Fr::zero) += c;
        }
        self.terms = map.into_iter().filter(|(_, c)| !c.is_zero()).collect();
    }

    /// The value given a lookup of every variable.
    pub fn evaluate(&self, mut value: impl FnMut(Var) -> Fr) -> Fr {
        self.terms.iter().fold(self.constant, |acc, &(v, c)| acc + c * value(v))
    }

    /// The value on row `row` of a trace (next of the last row reads 0).
    pub fn evaluate_row(&self, cols: &[Vec<Fr>], row: usize) -> Fr {
        self.evaluate(|v| row_value(cols, row, v))
    }

    fn scale(mut self, s: Fr) -> Self {
        if s.is_zero() {
            return Self::zero();
        }
        for (_, c) in &mut self.terms {
            *c *= s;
        }
        self.constant *= s;
        self
    }
}

/// The value of `var` on row `row` of a trace (`Next` of the last row reads 0).
pub fn row_value(cols: &[Vec<Fr>], row: usize, var: Var) -> Fr {
    match var {
        Var::Col(j) => cols[j][row],
        Var::Next(j) => cols[j].get(row + 1).copied().unwrap_or_else(Fr::zero),
    }
}

impl From<Var> for Lc {
    fn from(v: Var) -> Self {
        Lc::var(v)
    }
}

impl From<i64> for Lc {
    fn from(c: i64) -> Self {
        Lc::constant(c)
    }
}

impl From<Fr> for Lc {
    fn from(c: Fr) -> Self {
        Lc::constant_fr(c)
    }
}

impl<T: Into<Lc>> AddAssign<T> for Lc {
    fn add_assign(&mut self, rhs: T) {
        let rhs = rhs.into();
        self.terms.extend(rhs.terms);
        self.constant += rhs.constant;
        self.normalize();
    }
}

impl<T: Into<Lc>> SubAssign<T> for Lc {
    fn sub_assign(&mut self, rhs: T) {
        *self += -rhs.into();
    }
}

impl<T: Into<Lc>> Add<T> for Lc {
    type Output = Lc;
    fn add(mut self, rhs: T) -> Lc {
        self += rhs;
        self
    }
}

impl<T: Into<Lc>> Sub<T> for Lc {
    type Output = Lc;
    fn sub(mut self, rhs: T) -> Lc {
        self -= rhs;
        self
    }
}

impl Neg for Lc {
    type Output = Lc;
    fn neg(self) -> Lc {
        self.scale(-Fr::one())
    }
}

impl Mul<Fr> for Lc {
    type Output = Lc;
    fn mul(self, s: Fr) -> Lc {
        self.scale(s)
    }
}

impl Mul<i64> for Lc {
    type Output = Lc;
    fn mul(self, s: i64) -> Lc {
        self.scale(fr_i64(s))
    }
}

impl Mul<Lc> for Fr {
    type Output = Lc;
    fn mul(self, lc: Lc) -> Lc {
        lc.scale(self)
    }
}

impl Mul<Lc> for i64 {
    type Output = Lc;
    fn mul(self, lc: Lc) -> Lc {
        lc.scale(fr_i64(self))
    }
}

/// `a · b = c`, enforced on every row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    pub a: Lc,
    pub b: Lc,
    pub c: Lc,
}

impl Constraint {
    /// `a · b = c`.
    pub fn new(a: impl Into<Lc>, b: impl Into<Lc>, c: impl Into<Lc>) -> Self {
        Self { a: a.into(), b: b.into(), c: c.into() }
    }

    /// `lhs = rhs` (as `1 · (lhs − rhs) = 0`, a linear constraint).
    pub fn eq(lhs: impl Into<Lc>, rhs: impl Into<Lc>) -> Self {
        Self::new(Lc::one(), lhs.into() - rhs.into(), Lc::zero())
    }

    /// `cond ⇒ lhs = rhs` for a 0/1 `cond` (as `cond · (lhs − rhs) = 0`).
    pub fn eq_if(cond: impl Into<Lc>, lhs: impl Into<Lc>, rhs: impl Into<Lc>) -> Self {
        Self::new(cond, lhs.into() - rhs.into(), Lc::zero())
    }

    /// Column `j` is 0 or 1 (as `x · (x − 1) = 0`).
    pub fn boolean(j: usize) -> Self {
        Self::new(Lc::col(j), Lc::col(j) - 1, Lc::zero())
    }

    /// The three combinations.
    pub fn lcs(&self) -> [&Lc; 3] {
        [&self.a, &self.b, &self.c]
    }

    /// `a·b − c` on row `row`.
    pub fn residual_row(&self, cols: &[Vec<Fr>], row: usize) -> Fr {
        self.a.evaluate_row(cols, row) * self.b.evaluate_row(cols, row)
            - self.c.evaluate_row(cols, row)
    }
}

/// Why an R1CS is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum R1csError {
    #[error("constraint {constraint} uses column {column}, but there are only {num_cols} columns")]
    ColumnOutOfRange { constraint: usize, column: usize, num_cols: usize },
}

/// A uniform R1CS: `constraints` hold on every row of a trace of `num_cols` columns.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UniformR1cs {
    pub num_cols: usize,
    pub constraints: Vec<Constraint>,
}

impl UniformR1cs {
    pub fn new(num_cols: usize) -> Self {
        Self { num_cols, constraints: Vec::new() }
    }

    /// Append a constraint; returns its index.
    pub fn push(&mut self, c: Constraint) -> usize {
        self.constraints.push(c);
        self.constraints.len() - 1
    }

    /// Every variable refers to an existing column.
    pub fn validate(&self) -> Result<(), R1csError> {
        for (ci, con) in self.constraints.iter().enumerate() {
            for lc in con.lcs() {
                for &(v, _) in &lc.terms {
                    if v.column() >= self.num_cols {
                        return Err(R1csError::ColumnOutOfRange {
                            constraint: ci,
                            column: v.column(),
                            num_cols: self.num_cols,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The columns read as [`Var::Next`] anywhere, sorted and without duplicates.
    pub fn shifted_columns(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .constraints
            .iter()
            .flat_map(|c| c.lcs())
            .flat_map(|lc| lc.terms.iter())
            .filter_map(|&(v, _)| match v {
                Var::Next(j) => Some(j),
                Var::Col(_) => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Check every constraint on every row (debugging aid; O(T · size)). Returns the first
    /// failing `(row, constraint)`. The number of rows is the length of the first column.
    /// Panics if `cols` does not have `num_cols` columns of equal length.
    pub fn is_satisfied(&self, cols: &[Vec<Fr>]) -> Result<(), (usize, usize)> {
        assert_eq!(cols.len(), self.num_cols, "wrong number of columns");
        let rows = cols.first().map_or(1, Vec::len);
        assert!(cols.iter().all(|c| c.len() == rows), "columns differ in length");
        for row in 0..rows {
            for (ci, con) in self.constraints.iter().enumerate() {
                if !con.residual_row(cols, row).is_zero() {
                    return Err((row, ci));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_u64;

    #[test]
    fn builders_normalise() {
        let lc = Lc::col(2) + Lc::next(1) * 3 - Lc::col(2) + 5 - 2 * Lc::next(1);
        assert_eq!(lc.terms, vec![(Var::Next(1), Fr::one())]);
        assert_eq!(lc.constant, fr_u64(5));
        let z = (Lc::col(0) - 1) * Fr::zero();
        assert_eq!(z, Lc::zero());
        let n = -(Lc::col(0) + Var::Col(3) + fr_u64(7));
        assert_eq!(n.terms, vec![(Var::Col(0), -Fr::one()), (Var::Col(3), -Fr::one())]);
        assert_eq!(n.constant, -fr_u64(7));
        let w = Lc::weighted_cols(&[4, 5], &[fr_u64(1), fr_u64(256)]);
        assert_eq!(w.terms.len(), 2);
    }

    #[test]
    fn evaluation_and_satisfaction() {
        // cols: x, y = x + 1 (next-row counter), b = bit
        let cols = vec![
            vec![fr_u64(0), fr_u64(1), fr_u64(2), fr_u64(3)],
            vec![fr_u64(1), fr_u64(0), fr_u64(1), fr_u64(1)],
            vec![fr_u64(1), fr_u64(1), fr_u64(1), fr_u64(0)],
        ];
        let mut r = UniformR1cs::new(3);
        r.push(Constraint::boolean(1));
        r.push(Constraint::eq_if(Lc::col(2), Lc::next(0), Lc::col(0) + 1));
        r.validate().unwrap();
        assert_eq!(r.shifted_columns(), vec![0]);
        assert_eq!(r.is_satisfied(&cols), Ok(()));
        assert_eq!(row_value(&cols, 3, Var::Next(0)), Fr::zero());
        // The last row's next reads 0: unguarded, the counter constraint fails there.
        let mut bad = cols.clone();
        bad[2][3] = Fr::one();
        assert_eq!(r.is_satisfied(&bad), Err((3, 1)));
        let mut bad = cols.clone();
        bad[1][2] = fr_u64(2);
        assert_eq!(r.is_satisfied(&bad), Err((2, 0)));
        let mut bad_r = r.clone();
        bad_r.push(Constraint::eq(Lc::col(3), 0));
        assert!(bad_r.validate().is_err());
    }
}
