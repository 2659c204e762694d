// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {OffchainRequester} from "./OffchainRequester.sol";

/// Accepts offchain job requests signed by one address.
abstract contract SingleOffchainSigner is OffchainRequester {
    address private _offchainSigner;

    event OffchainSignerUpdated(address indexed signer);

    constructor(address offchainSigner) {
        _updateOffchainSigner(offchainSigner);
    }

    function getOffchainSigner() external view returns (address) {
        return _offchainSigner;
    }

    function isValidSignature(bytes32 messageHash, bytes memory signature)
        public
        view
        virtual
        override
        returns (bytes4)
    {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(messageHash, signature);
        if (err == ECDSA.RecoverError.NoError && signer != address(0) && signer == _offchainSigner) {
            return EIP1271_MAGIC_VALUE;
        }
        return INVALID_SIGNATURE;
    }

    function _updateOffchainSigner(address signer) internal {
        _offchainSigner = signer;
        emit OffchainSignerUpdated(signer);
    }
}
