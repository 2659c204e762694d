//! Typed inputs and outputs for IVM-RV32 guests, in the codecs coprocessor apps use: the
//! onchain input and the output as Solidity ABI (`alloy-sol-types`), the offchain input as
//! postcard (serde) or borsh, with InfinityVM's `u32` little-endian length framing for inputs
//! that carry several parts, and InfinityVM's stateful-app types.
//!
//! ```ignore
//! let n: U256 = ivm_io::onchain_input_abi();              // abi.encode(uint256 n)
//! let orders: Vec<Order> = ivm_io::offchain_input_postcard();
//! ivm_io::commit_abi(&(n, total));                        // abi.encode((n, total))
//! ```
//!
//! Decoding errors are guest panics whose message names the input and what was expected,
//! e.g. `onchain input: expected abi.encode(uint256): buffer overrun while deserializing`.
//! The `decode_*` functions take any bytes, so a guest's logic (and its native twin) can use
//! them on parts of an input.
#![no_std]

extern crate alloc;

/// Splits `bytes` into a part prefixed by its `u32` little-endian length and the rest
/// (InfinityVM's framing of several values in one offchain input). Panics, naming `what`, if
/// the prefix or the part is missing.
pub fn split_length_prefixed<'a>(what: &str, bytes: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    let Some((len, rest)) = bytes.split_first_chunk::<4>() else {
        panic!("{what}: expected a 4-byte little-endian length prefix, got {} bytes", bytes.len());
    };
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        panic!("{what}: the length prefix says {len} bytes, {} follow", rest.len());
    }
    rest.split_at(len)
}

#[cfg(feature = "abi")]
mod abi {
    use alloc::vec::Vec;
    use alloy_sol_types::{SolType, SolValue};

    /// `T` from `abi.encode(value)` (one value: a number, `bytes`, a struct, …). Validating:
    /// a non-canonical encoding is an error too.
    pub fn decode_abi<T>(what: &str, bytes: &[u8]) -> T
    where
        T: SolValue + From<<T::SolType as SolType>::RustType>,
    {
        T::abi_decode_validate(bytes).unwrap_or_else(|e| {
            panic!("{what}: expected abi.encode({}): {e}", <T::SolType as SolType>::SOL_NAME)
        })
    }

    /// The tuple `T` from `abi.encode(a, b, …)` (Solidity's encoding of several arguments).
    pub fn decode_abi_params<'de, T>(what: &str, bytes: &'de [u8]) -> T
    where
        T: SolValue + From<<T::SolType as SolType>::RustType>,
        <T::SolType as SolType>::Token<'de>: alloy_sol_types::abi::TokenSeq<'de>,
    {
        T::abi_decode_params_validate(bytes).unwrap_or_else(|e| {
            let name = <T::SolType as SolType>::SOL_NAME;
            let args = name.strip_prefix('(').and_then(|n| n.strip_suffix(')')).unwrap_or(name);
            panic!("{what}: expected abi.encode({args}): {e}")
        })
    }

    /// The onchain input as `abi.encode(value)`.
    pub fn onchain_input_abi<T>() -> T
    where
        T: SolValue + From<<T::SolType as SolType>::RustType>,
    {
        decode_abi("onchain input", ivm_guest::onchain_input())
    }

    /// The onchain input as `abi.encode(a, b, …)`.
    pub fn onchain_input_abi_params<T>() -> T
    where
        T: SolValue + From<<T::SolType as SolType>::RustType>,
        for<'de> <T::SolType as SolType>::Token<'de>: alloy_sol_types::abi::TokenSeq<'de>,
    {
        decode_abi_params("onchain input", ivm_guest::onchain_input())
    }

    /// `abi.encode(value)`, what a contract reads with `abi.decode(output, (T))`.
    pub fn encode_abi<T: SolValue>(value: &T) -> Vec<u8> {
        value.abi_encode()
    }

    /// Appends `abi.encode(value)` to the output.
    #[track_caller]
    pub fn commit_abi<T: SolValue>(value: &T) {
        ivm_guest::commit(&value.abi_encode());
    }

    /// Appends `abi.encode(a, b, …)` of the tuple `value` to the output.
    #[track_caller]
    pub fn commit_abi_params<T>(value: &T)
    where
        T: SolValue,
        for<'a> <T::SolType as SolType>::Token<'a>: alloy_sol_types::abi::TokenSeq<'a>,
    {
        ivm_guest::commit(&value.abi_encode_params());
    }
}
#[cfg(feature = "abi")]
pub use abi::*;

#[cfg(feature = "postcard")]
mod postcard_io {
    /// `T` from its postcard encoding (serde).
    pub fn decode_postcard<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> T {
        postcard::from_bytes(bytes).unwrap_or_else(|e| {
            panic!("{what}: expected postcard({}): {e}", core::any::type_name::<T>())
        })
    }

    /// The offchain input as postcard.
    pub fn offchain_input_postcard<T: serde::de::DeserializeOwned>() -> T {
        decode_postcard("offchain input", ivm_guest::offchain_input())
    }
}
#[cfg(feature = "postcard")]
pub use postcard_io::*;

#[cfg(feature = "borsh")]
mod borsh_io {
    /// `T` from its borsh encoding (all bytes must be used).
    pub fn decode_borsh<T: borsh::BorshDeserialize>(what: &str, bytes: &[u8]) -> T {
        borsh::from_slice(bytes).unwrap_or_else(|e| {
            panic!("{what}: expected borsh({}): {e}", core::any::type_name::<T>())
        })
    }

    /// The offchain input as borsh.
    pub fn offchain_input_borsh<T: borsh::BorshDeserialize>() -> T {
        decode_borsh("offchain input", ivm_guest::offchain_input())
    }
}
#[cfg(feature = "borsh")]
pub use borsh_io::*;

/// InfinityVM's stateful-app encodings: the onchain input carries the state root the
/// consumer holds, the result the new root (checked by `StatefulConsumer`).
#[cfg(feature = "stateful")]
pub mod stateful {
    alloy_sol_types::sol! {
        /// The onchain input of a stateful app: `abi.encode(StatefulAppOnchainInput)`.
        #[derive(Debug, PartialEq, Eq)]
        struct StatefulAppOnchainInput {
            bytes32 input_state_root;
            bytes onchain_input;
        }

        /// The output of a stateful app: `abi.encode(StatefulAppResult)`.
        #[derive(Debug, PartialEq, Eq)]
        struct StatefulAppResult {
            bytes32 output_state_root;
            bytes result;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let e = std::panic::catch_unwind(f).expect_err("should panic");
        e.downcast_ref::<String>().cloned().unwrap_or_default()
    }

    #[test]
    fn length_prefixed_parts_split_and_errors_name_the_input() {
        assert_eq!(split_length_prefixed("x", &[2, 0, 0, 0, 7, 8, 9]), (&[7u8, 8][..], &[9u8][..]));
        assert_eq!(split_length_prefixed("x", &[0, 0, 0, 0]), (&[][..], &[][..]));
        let m = panic_message(|| {
            split_length_prefixed("offchain input", &[1, 2]);
        });
        assert_eq!(m, "offchain input: expected a 4-byte little-endian length prefix, got 2 bytes");
        let m = panic_message(|| {
            split_length_prefixed("offchain input", &[9, 0, 0, 0, 1]);
        });
        assert_eq!(m, "offchain input: the length prefix says 9 bytes, 1 follow");
    }

    #[cfg(feature = "abi")]
    #[test]
    fn abi_values_round_trip_and_errors_name_the_type() {
        use alloy_primitives::{Bytes, U256};
        let v = (U256::from(7u8), Bytes::from_static(b"hi"));
        let params = alloy_sol_types::SolValue::abi_encode_params(&v);
        assert_eq!(decode_abi_params::<(U256, Bytes)>("onchain input", &params), v);
        assert_eq!(decode_abi::<U256>("x", &encode_abi(&U256::from(9u8))), U256::from(9u8));
        let m = panic_message(|| {
            decode_abi::<U256>("onchain input", &[1, 2, 3]);
        });
        assert!(m.starts_with("onchain input: expected abi.encode(uint256): "), "{m}");
        let m = panic_message(move || {
            decode_abi_params::<(U256, Bytes)>("onchain input", &params[..40]);
        });
        assert!(m.starts_with("onchain input: expected abi.encode(uint256,bytes): "), "{m}");
        // Validation: a uint16 with dirty high bytes is not a canonical encoding.
        let mut dirty = [0u8; 32];
        dirty[0] = 1;
        let m = panic_message(|| {
            decode_abi::<u16>("onchain input", &dirty);
        });
        assert!(m.starts_with("onchain input: expected abi.encode(uint16): "), "{m}");
    }

    #[cfg(feature = "stateful")]
    #[test]
    fn stateful_types_are_infinityvms_encoding() {
        use alloy_primitives::{Bytes, B256};
        use stateful::*;
        let input = StatefulAppOnchainInput {
            input_state_root: B256::repeat_byte(1),
            onchain_input: Bytes::from_static(b"abc"),
        };
        let bytes = encode_abi(&input);
        // abi.encode(struct with a dynamic field): offset, root, offset of bytes, length, data.
        assert_eq!(bytes.len(), 5 * 32);
        assert_eq!(decode_abi::<StatefulAppOnchainInput>("onchain input", &bytes), input);
    }

    #[cfg(feature = "postcard")]
    #[test]
    fn postcard_errors_name_the_type() {
        let m = panic_message(|| {
            decode_postcard::<alloc::vec::Vec<u64>>("offchain input", &[5]);
        });
        assert!(m.starts_with("offchain input: expected postcard(alloc::vec::Vec<u64>): "), "{m}");
    }

    #[cfg(feature = "borsh")]
    #[test]
    fn borsh_rejects_trailing_bytes() {
        assert_eq!(decode_borsh::<u16>("x", &[1, 0]), 1);
        let m = panic_message(|| {
            decode_borsh::<u16>("offchain input", &[1, 0, 0]);
        });
        assert!(m.starts_with("offchain input: expected borsh(u16): "), "{m}");
    }
}
