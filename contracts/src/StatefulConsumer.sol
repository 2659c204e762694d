// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consumer} from "./Consumer.sol";

/// A consumer whose program transforms a state root: a result is accepted only if it was
/// computed from the current root, and then moves the root forward.
abstract contract StatefulConsumer is Consumer {
    /// The onchain input of a stateful job: `abi.encode(StatefulAppOnchainInput)`.
    struct StatefulAppOnchainInput {
        bytes32 inputStateRoot;
        bytes onchainInput;
    }

    /// The program output of a stateful job: `abi.encode(StatefulAppResult)`.
    struct StatefulAppResult {
        bytes32 outputStateRoot;
        bytes result;
    }

    bytes32 public latestStateRoot;

    event StateRootUpdated(bytes32 indexed previousRoot, bytes32 indexed newRoot);

    constructor(address jobManager, uint64 initialMaxNonce, bytes32 initialStateRoot)
        Consumer(jobManager, initialMaxNonce)
    {
        latestStateRoot = initialStateRoot;
    }

    function getLatestStateRoot() public view virtual returns (bytes32) {
        return latestStateRoot;
    }

    function receiveResult(bytes32 jobID, bytes calldata result) external virtual override onlyJobManager {
        StatefulAppOnchainInput memory input =
            abi.decode(getOnchainInputForJob(jobID), (StatefulAppOnchainInput));
        StatefulAppResult memory out = abi.decode(result, (StatefulAppResult));
        require(input.inputStateRoot == latestStateRoot, "Invalid state root passed as input");
        emit StateRootUpdated(latestStateRoot, out.outputStateRoot);
        latestStateRoot = out.outputStateRoot;
        _receiveResult(jobID, out.result);
    }
}
