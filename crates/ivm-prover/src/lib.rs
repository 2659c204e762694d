//! `ivm-prover`: the foundation of ivm's Jolt-style proof system for RV32IM.
//!
//! Modules, bottom-up:
//! * [`field`]: the BN254 scalar field (`ark-bn254` 0.5, the arkworks line `dory-pcs` uses);
//! * [`poly`]: dense multilinear polynomials, eq tables, univariate interpolation;
//! * [`transcript`]: the Keccak-256 Fiat–Shamir transcript;
//! * [`sumcheck`]: a generic (and batched) sumcheck prover and verifier;
//! * [`pcs`]: the polynomial-commitment adapter and its Dory implementation.
//!
//! On these: the one-hot toolkit ([`onehot`], [`twist`], [`paged_ram`], [`joint_opening`],
//! [`claim_reduction`], [`eq_product`]), the RV32IM expansion into virtual instructions and
//! lookup tables ([`isa`], [`bytecode_fields`]), and the proof system built from them ([`v2`],
//! `docs/prover-architecture.md`), written by [`proof_file`]. Prover v1 (Lasso and grand
//! products) was removed when v2 proved every outcome; the module keeps its name.

mod batch_add;
pub mod bytecode_fields;
pub mod claim_reduction;
pub mod codec;
pub mod columns;
pub mod eq_product;
pub mod factor;
pub mod factor_product;
pub mod field;
mod gt;
pub mod isa;
pub mod joint_opening;
mod line_mul;
pub mod memory;
mod miller_loop;
pub mod onehot;
pub mod opening_curve;
pub mod paged_ram;
pub mod par;
pub mod pcs;
pub mod poly;
pub mod preprocess;
pub mod proof_file;
pub mod r1cs;
pub mod ram;
pub mod spartan;
pub mod statement;
pub mod sumcheck;
pub mod transcript;
pub mod twist;
pub mod v2;

pub use proof_file::{prove_file, verify_file, ProofFile, ProofFileError};
