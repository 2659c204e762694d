// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobManager} from "./IJobManager.sol";
import {ClaimedOutcome, IConsumer} from "./IConsumer.sol";

/// Everything JobManager needs from an app contract: per-job inputs, nonces and the result
/// callback. Apps normally inherit `Consumer` (which adds InfinityVM's internal `requestJob` /
/// `cancelJob` helpers); `ConsumerBase` exists so that a contract can expose its own external
/// `requestJob(...)` with the same parameter types (see `ExampleConsumer`).
abstract contract ConsumerBase is IConsumer {
    struct JobInputs {
        bytes onchainInput;
        bytes32 offchainInputHash;
    }

    /// keccak256 of empty bytes: the offchain input hash of an onchain job.
    bytes32 internal constant EMPTY_INPUT_HASH = keccak256("");

    IJobManager internal immutable _jobManager;
    /// Highest nonce used so far. `getNextNonce()` returns `maxNonce + 1`.
    uint64 public maxNonce;
    mapping(bytes32 => JobInputs) internal jobIDToInputs;

    modifier onlyJobManager() {
        require(msg.sender == address(_jobManager), "Consumer.onlyJobManager: caller is not the job manager");
        _;
    }

    constructor(address jobManager, uint64 initialMaxNonce) {
        _jobManager = IJobManager(jobManager);
        maxNonce = initialMaxNonce;
    }

    function getJobManager() public view virtual returns (address) {
        return address(_jobManager);
    }

    function getOnchainInputForJob(bytes32 jobID) public view virtual returns (bytes memory) {
        return jobIDToInputs[jobID].onchainInput;
    }

    function getOffchainInputHashForJob(bytes32 jobID) public view virtual returns (bytes32) {
        return jobIDToInputs[jobID].offchainInputHash;
    }

    /// Nonces need only be unique per consumer; the default scheme counts up from `maxNonce`.
    function getNextNonce() public view virtual returns (uint64) {
        return maxNonce + 1;
    }

    /// Called by JobManager when it creates an offchain job from a signed request.
    function setInputsForJob(bytes32 jobID, bytes memory onchainInput, bytes32 offchainInputHash)
        public
        virtual
        onlyJobManager
    {
        jobIDToInputs[jobID] = JobInputs({onchainInput: onchainInput, offchainInputHash: offchainInputHash});
    }

    /// Called by JobManager for every job it creates for this consumer.
    function updateLatestNonce(uint64 nonce) public virtual onlyJobManager {
        if (nonce > maxNonce) {
            maxNonce = nonce;
        }
    }

    /// Called by JobManager with a result that passed its signature and binding checks.
    function receiveResult(bytes32 jobID, bytes calldata result) external virtual onlyJobManager {
        _receiveResult(jobID, result);
    }

    /// Called by JobManager (bounded gas, failure ignored) when a result is overturned.
    function resultOverturned(bytes32 jobID, ClaimedOutcome outcome, bytes32 claimedOutputHash)
        external
        virtual
        onlyJobManager
    {
        _onResultOverturned(jobID, outcome, claimedOutputHash);
    }

    /// Creates an onchain job with the next nonce and records its input.
    function _requestJob(bytes memory programID, bytes memory onchainInput, uint64 maxCycles)
        internal
        virtual
        returns (bytes32 jobID)
    {
        jobID = _jobManager.createJob(getNextNonce(), programID, onchainInput, maxCycles);
        jobIDToInputs[jobID] = JobInputs({onchainInput: onchainInput, offchainInputHash: EMPTY_INPUT_HASH});
    }

    function _cancelJob(bytes32 jobID) internal virtual {
        _jobManager.cancelJob(jobID);
    }

    /// The app's handler for a result (usually `abi.decode`s it).
    function _receiveResult(bytes32 jobID, bytes memory result) internal virtual;

    /// The app's handler for an overturned result. Default: do nothing.
    function _onResultOverturned(bytes32 jobID, ClaimedOutcome outcome, bytes32 claimedOutputHash)
        internal
        virtual {}
}
