// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// A consumer that accepts offchain job requests decides who may sign them (EIP-1271 style).
abstract contract OffchainRequester {
    /// Returned by `isValidSignature` for an authorised request.
    bytes4 internal constant EIP1271_MAGIC_VALUE = 0x1626ba7e;
    /// Returned by `isValidSignature` for anything else.
    bytes4 internal constant INVALID_SIGNATURE = 0xffffffff;

    /// @param messageHash the EIP-191 digest of the ABI-encoded `OffchainJobRequest`.
    /// @param signature the requester's signature over it.
    function isValidSignature(bytes32 messageHash, bytes memory signature)
        public
        view
        virtual
        returns (bytes4);
}
