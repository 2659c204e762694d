// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consumer} from "ivm/Consumer.sol";
import {ClaimedOutcome} from "ivm/IConsumer.sol";
import {SingleOffchainSigner} from "ivm/SingleOffchainSigner.sol";

/// Consumer of the {{name}} program, built on ivm's contracts (InfinityVM-compatible).
///
/// - Onchain jobs: `requestSquareRoot(n)` asks the JobManager to run the program on
///   `abi.encode(n)`; the JobManager emits `JobCreated`, the coprocessor runs the job and the
///   relayer submits the operator-signed result.
/// - Offchain jobs: requests signed (EIP-191) by `getOffchainSigner()` are accepted by the
///   JobManager through `isValidSignature`.
/// - Either way the JobManager calls `receiveResult(jobID, result)`, which `Consumer` forwards to
///   `_receiveResult` after checking the caller; `result` is what the guest committed:
///   `abi.encode(uint256 n, uint256 root)`.
contract SquareRootConsumer is Consumer, SingleOffchainSigner {
    /// Program ID of the {{name}} program (printed by `ivm build`).
    bytes public programID;
    uint64 public constant MAX_CYCLES = 1_000_000;

    mapping(uint256 => uint256) public rootOf;
    mapping(uint256 => bool) public hasRoot;
    mapping(bytes32 => uint256) public inputOfJob;

    event SquareRootRequested(bytes32 indexed jobID, uint256 n);
    event RootStored(bytes32 indexed jobID, uint256 n, uint256 root);
    event RootRetracted(bytes32 indexed jobID, uint256 n);

    constructor(address jobManager, address offchainSigner, uint64 initialMaxNonce, bytes memory programID_)
        Consumer(jobManager, initialMaxNonce)
        SingleOffchainSigner(offchainSigner)
    {
        programID = programID_;
    }

    /// Asks the coprocessor for floor(sqrt(n)).
    function requestSquareRoot(uint256 n) external returns (bytes32 jobID) {
        jobID = requestJob(programID, abi.encode(n), MAX_CYCLES);
        emit SquareRootRequested(jobID, n);
    }

    function _receiveResult(bytes32 jobID, bytes memory result) internal override {
        (uint256 n, uint256 root) = abi.decode(result, (uint256, uint256));
        // Cheap to check on chain, so check it (a wrong result reverts the submission).
        require(root * root <= n && (root + 1) * (root + 1) > n, "SquareRootConsumer: wrong root");
        rootOf[n] = root;
        hasRoot[n] = true;
        inputOfJob[jobID] = n;
        emit RootStored(jobID, n, root);
    }

    /// Called by the JobManager (with a fixed gas budget) when the arbiter finds a result of this
    /// consumer fraudulent (another root, a panic, or a run that should have failed): forget it.
    function _onResultOverturned(bytes32 jobID, ClaimedOutcome, bytes32) internal override {
        uint256 n = inputOfJob[jobID];
        delete rootOf[n];
        delete hasRoot[n];
        emit RootRetracted(jobID, n);
    }
}
