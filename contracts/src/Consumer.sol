// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsumerBase} from "./ConsumerBase.sol";

/// InfinityVM-compatible consumer base: inherit it, call `requestJob(...)` and implement
/// `_receiveResult`. Add `SingleOffchainSigner` (or your own `OffchainRequester`) to accept
/// offchain job requests.
abstract contract Consumer is ConsumerBase {
    constructor(address jobManager, uint64 initialMaxNonce) ConsumerBase(jobManager, initialMaxNonce) {}

    function requestJob(bytes memory programID, bytes memory onchainInput, uint64 maxCycles)
        internal
        virtual
        returns (bytes32)
    {
        return _requestJob(programID, onchainInput, maxCycles);
    }

    function cancelJob(bytes32 jobID) internal virtual {
        _cancelJob(jobID);
    }
}
