//! Offchain inputs as EIP-4844 blobs, packed exactly as InfinityVM packs them: the input is
//! compressed as one lz4 block with its uncompressed length in front (4 bytes, little-endian),
//! the result is one item of alloy's `SimpleCoder` (a big-endian length word, then 31 data
//! bytes per 32-byte field element), and each blob's versioned hash is
//! `0x01 ‖ sha256(kzg_commitment)[1..]`. `JobManager` checks those hashes against
//! `blobhash(i)` and stores them, so anyone can fetch the input from the chain's blobs and
//! check it against the job's `offchainInputHash`; the node that ran the job is not needed.
use alloy_eips::eip4844::builder::{SidecarBuilder, SidecarCoder, SimpleCoder};
use alloy_eips::eip4844::USABLE_BYTES_PER_BLOB;
pub use alloy_eips::eip4844::{Blob, BlobTransactionSidecar};
use alloy_primitives::{keccak256, B256};

/// InfinityVM's blob budget per job: `SIMPLE_CODER_MAX_DATA_PER_BLOB` bytes in each of 6 blobs.
pub const MAX_BLOBS_PER_JOB: usize = 6;
/// Data one blob holds in InfinityVM's accounting (`USABLE_BYTES_PER_BLOB − 32 − 4096`).
pub const SIMPLE_CODER_MAX_DATA_PER_BLOB: usize = USABLE_BYTES_PER_BLOB - 32 - 4096;
/// The most compressed bytes an offchain input may take (InfinityVM's default
/// `--max-da-per-job`): 755,520.
pub const MAX_DA_PER_JOB: usize = SIMPLE_CODER_MAX_DATA_PER_BLOB * MAX_BLOBS_PER_JOB;

/// Why an offchain input cannot be packed into blobs, or blobs do not hold one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DaError {
    #[error(
        "the offchain input compresses to {compressed} bytes, more than the {MAX_DA_PER_JOB} \
         bytes of blob data a job may carry (InfinityVM's max_da_per_job): send a smaller or \
         more compressible offchain input"
    )]
    TooLarge { compressed: usize },
    #[error("building the blob sidecar (KZG): {0}")]
    Kzg(String),
    #[error("the blobs do not hold one SimpleCoder item")]
    Coding,
    #[error("the blob data is not an lz4 block with its length in front: {0}")]
    Lz4(String),
    #[error(
        "the blob data is an input with keccak256 {got}, not the job's offchain input hash {want}"
    )]
    WrongInput { got: B256, want: B256 },
}

/// Loads the KZG trusted setup (once per process, ~1–3 s), so that the first sidecar built
/// later does not pay for it.
pub fn load_kzg_settings() {
    alloy_eips::eip4844::env_settings::EnvKzgSettings::Default.get();
}

/// The bytes that go into the blobs: `len(input)` as 4 little-endian bytes, then the lz4 block.
pub fn pack(input: &[u8]) -> Result<Vec<u8>, DaError> {
    let packed = lz4_flex::block::compress_prepend_size(input);
    if packed.len() > MAX_DA_PER_JOB {
        return Err(DaError::TooLarge { compressed: packed.len() });
    }
    Ok(packed)
}

/// The blob sidecar carrying `input` (`None` for an empty input: such a job posts no blobs).
pub fn sidecar(input: &[u8]) -> Result<Option<BlobTransactionSidecar>, DaError> {
    if input.is_empty() {
        return Ok(None);
    }
    let builder = SidecarBuilder::<SimpleCoder>::from_slice(&pack(input)?);
    builder.build_4844().map(Some).map_err(|e| DaError::Kzg(e.to_string()))
}

/// The versioned hashes of a sidecar's blobs, in blob order.
pub fn versioned_hashes(sidecar: &BlobTransactionSidecar) -> Vec<B256> {
    sidecar.versioned_hashes().collect()
}

/// Blobs from their bytes (as an RPC node serves them), built in place on the heap.
pub fn blobs_from_bytes(fetched: &[impl AsRef<[u8]>]) -> Result<Vec<Blob>, String> {
    let mut blobs = vec![Blob::ZERO; fetched.len()];
    for (i, (blob, bytes)) in blobs.iter_mut().zip(fetched).enumerate() {
        let bytes = bytes.as_ref();
        if bytes.len() != blob.len() {
            return Err(format!("blob {i} has {} bytes, not {}", bytes.len(), blob.len()));
        }
        blob.copy_from_slice(bytes);
    }
    Ok(blobs)
}

/// [`unpack`] of blobs given as bytes (as nodes serve them).
pub fn unpack_bytes(fetched: &[impl AsRef<[u8]>], expected_hash: B256) -> Result<Vec<u8>, String> {
    unpack(&blobs_from_bytes(fetched)?, expected_hash).map_err(|e| e.to_string())
}

/// The offchain input in `blobs` (the job's blobs, in order), checked against the job's
/// `offchain_input_hash`. The hash check is what makes the bytes trustworthy: whoever served
/// the blobs cannot change them without it failing.
pub fn unpack(blobs: &[Blob], offchain_input_hash: B256) -> Result<Vec<u8>, DaError> {
    let items = SimpleCoder::default().decode_all(blobs).ok_or(DaError::Coding)?;
    let [packed] = items.as_slice() else { return Err(DaError::Coding) };
    let input = lz4_flex::block::decompress_size_prepended(packed)
        .map_err(|e| DaError::Lz4(e.to_string()))?;
    let got = keccak256(&input);
    if got != offchain_input_hash {
        return Err(DaError::WrongInput { got, want: offchain_input_hash });
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_round_trips_through_blobs_and_is_checked_against_its_hash() {
        let input: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let blobs = sidecar(&input).unwrap().expect("a non-empty input has blobs");
        let hashes = versioned_hashes(&blobs);
        assert!(!hashes.is_empty() && hashes.iter().all(|h| h[0] == 0x01), "{hashes:?}");
        assert_eq!(unpack(&blobs.blobs, keccak256(&input)).unwrap(), input);
        let other = keccak256(b"another input");
        assert!(matches!(unpack(&blobs.blobs, other), Err(DaError::WrongInput { .. })));
        assert_eq!(sidecar(&[]).unwrap(), None);
    }

    #[test]
    fn the_packing_is_infinityvms_lz4_block_with_a_little_endian_length() {
        let packed = pack(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        assert_eq!(packed[..4], 40u32.to_le_bytes());
        assert_eq!(lz4_flex::block::decompress(&packed[4..], 40).unwrap(), [b'a'; 40]);
        assert_eq!(MAX_DA_PER_JOB, 755_520);
    }

    #[test]
    fn an_input_over_the_blob_budget_is_refused_by_size() {
        // Incompressible bytes: lz4 cannot shrink them below the budget.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..MAX_DA_PER_JOB + 1000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let e = pack(&noise).unwrap_err();
        assert!(matches!(e, DaError::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("755520"), "{e}");
    }

    #[test]
    fn blobs_are_rebuilt_from_their_bytes() {
        let blobs = sidecar(b"some input").unwrap().unwrap().blobs;
        let bytes: Vec<Vec<u8>> = blobs.iter().map(|b| b.to_vec()).collect();
        assert_eq!(blobs_from_bytes(&bytes).unwrap(), blobs);
        assert!(blobs_from_bytes(&[vec![0u8; 5]]).unwrap_err().contains("5 bytes"));
    }

    #[test]
    fn blobs_that_hold_no_packed_input_are_refused() {
        let blobs = vec![Blob::ZERO];
        assert_eq!(unpack(&blobs, B256::ZERO), Err(DaError::Coding));
        let garbage = SidecarBuilder::<SimpleCoder>::from_slice(b"not an lz4 block").take();
        assert!(matches!(unpack(&garbage, B256::ZERO), Err(DaError::Lz4(_))));
    }
}
