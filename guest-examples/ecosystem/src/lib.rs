//! A guest written the way app developers write them: crates.io crates for the ABI, hashing,
//! signatures, big integers and serialization, no hand-written primitives.
//!
//! Onchain input: `abi.encode(uint256 seed, bytes message)`. Offchain input (InfinityVM's
//! framing): `u32 LE length ‖ postcard(Vec<Order>)`, then `borsh(Book)` in the rest.
//! Output: `abi.encode(Report)` (see [`Report`]).
//!
//! Inputs are decoded and the output encoded with the SDK's `ivm-io`; every decoding error
//! panics with a message that says what did not decode.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::sol;
use k256::ecdsa::signature::{Signer, Verifier};
use k256::ecdsa::{Signature, SigningKey};
use ruint::aliases::U512;
use sha2::Digest;

sol! {
    /// What the guest computes.
    struct Report {
        bytes32 sha256;
        bytes32 sha3_256;
        bytes32 keccak;
        bytes32 keccakTiny;
        address signer;
        bool signatureValid;
        uint256 isqrt;
        uint256 productHigh;
        uint64 orders;
        uint64 orderQuantity;
        uint64 bookLevels;
        string firstNote;
    }
}

/// An order of the offchain input (serde + postcard).
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: u64,
    pub quantity: u32,
    pub note: String,
}

/// A book of the offchain input (borsh).
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct Book {
    pub levels: Vec<(u64, u128)>,
}

/// The offchain input a caller sends: `u32 LE length ‖ postcard(orders) ‖ borsh(book)`.
pub fn offchain_input(orders: &[Order], book: &Book) -> Vec<u8> {
    let orders = postcard::to_allocvec(orders).expect("orders serialize");
    let mut out = (orders.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&orders);
    out.extend_from_slice(&borsh::to_vec(book).expect("book serializes"));
    out
}

fn decode_offchain(bytes: &[u8]) -> (Vec<Order>, Book) {
    let (orders, book) = ivm_io::split_length_prefixed("offchain input", bytes);
    (
        ivm_io::decode_postcard("offchain input (orders)", orders),
        ivm_io::decode_borsh("offchain input (book)", book),
    )
}

fn tiny_keccak256(bytes: &[u8]) -> [u8; 32] {
    use tiny_keccak::Hasher;
    let mut k = tiny_keccak::Keccak::v256();
    k.update(bytes);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

/// Sign `message` with a key derived from `seed` (deterministic ECDSA, RFC 6979), verify it,
/// and return the signer's Ethereum address.
fn sign_and_verify(seed: U256, message: &[u8]) -> (Address, bool) {
    let secret = keccak256(seed.to_be_bytes::<32>());
    let key = SigningKey::from_bytes(&secret.0.into())
        .unwrap_or_else(|e| panic!("seed: keccak256(seed) is not a valid secp256k1 key: {e}"));
    let signature: Signature = key.sign(message);
    let valid = key.verifying_key().verify(message, &signature).is_ok();
    let point = key.verifying_key().to_encoded_point(false);
    let address = Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..]);
    (address, valid)
}

pub fn run(onchain: &[u8], offchain: &[u8]) -> Vec<u8> {
    let (seed, message): (U256, alloy_primitives::Bytes) =
        ivm_io::decode_abi_params("onchain input", onchain);
    let (orders, book) = decode_offchain(offchain);
    let (signer, signature_valid) =
        ivm_guest::cycle_region("k256 sign+verify", || sign_and_verify(seed, &message));
    let wide = U512::from(seed) * U512::from(seed);
    // Cycle regions (`ivm execute` lists them; nothing natively): what each crate costs.
    let report = Report {
        sha256: ivm_guest::cycle_region("sha2", || {
            B256::from_slice(&sha2::Sha256::digest(&message))
        }),
        sha3_256: ivm_guest::cycle_region("sha3", || {
            B256::from_slice(&sha3::Sha3_256::digest(&message))
        }),
        keccak: keccak256(&message),
        keccakTiny: ivm_guest::cycle_region("tiny-keccak", || B256::from(tiny_keccak256(&message))),
        signer,
        signatureValid: signature_valid,
        isqrt: square_root::isqrt(seed),
        productHigh: U256::from_limbs_slice(&wide.as_limbs()[4..]),
        orders: orders.len() as u64,
        orderQuantity: orders.iter().map(|o| u64::from(o.quantity)).sum(),
        bookLevels: book.levels.len() as u64,
        firstNote: orders.first().map(|o| o.note.clone()).unwrap_or_default(),
    };
    ivm_io::encode_abi(&report)
}
