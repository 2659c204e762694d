// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// What a challenge claims the job's correct outcome is (ivm extension): an output other than
/// the posted one, a guest panic, or that the job should have failed (the guest faults, or runs
/// out of its `maxCycles`), in which case no result should have been posted at all.
enum ClaimedOutcome {
    Output,
    Panicked,
    Failed
}

/// What JobManager calls on a consumer contract. `Consumer`/`ConsumerBase` implement all of it.
interface IConsumer {
    function getNextNonce() external view returns (uint64);
    function getOnchainInputForJob(bytes32 jobID) external view returns (bytes memory);
    function getOffchainInputHashForJob(bytes32 jobID) external view returns (bytes32);
    function setInputsForJob(bytes32 jobID, bytes memory onchainInput, bytes32 offchainInputHash) external;
    function updateLatestNonce(uint64 nonce) external;
    function receiveResult(bytes32 jobID, bytes calldata result) external;
    /// ivm extension: called (with bounded gas, failures ignored) when an arbiter overturns a
    /// result this consumer already received. `claimedOutputHash` is keccak256 of the output the
    /// challenger proved (zero bytes when the correct outcome is a guest panic or a failed run).
    function resultOverturned(bytes32 jobID, ClaimedOutcome outcome, bytes32 claimedOutputHash) external;
}
