// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimedOutcome} from "../../src/IConsumer.sol";
import {Consumer} from "../../src/Consumer.sol";
import {SingleOffchainSigner} from "../../src/SingleOffchainSigner.sol";
import {StatefulConsumer} from "../../src/StatefulConsumer.sol";
import {JobManager} from "../../src/JobManager.sol";

/// A plain InfinityVM-style app: Consumer + SingleOffchainSigner with test entry points.
contract TestConsumer is Consumer, SingleOffchainSigner {
    bytes32 public lastJobID;
    bytes public lastResult;
    uint256 public resultCount;
    bytes32 public overturnedJobID;
    ClaimedOutcome public overturnedOutcome;
    bytes32 public overturnedOutputHash;
    uint256 public overturnCount;

    constructor(address jobManager, address signer, uint64 initialMaxNonce)
        Consumer(jobManager, initialMaxNonce)
        SingleOffchainSigner(signer)
    {}

    function request(bytes memory programID, bytes memory onchainInput, uint64 maxCycles)
        external
        returns (bytes32)
    {
        return requestJob(programID, onchainInput, maxCycles);
    }

    /// Creates a job with a caller-chosen nonce (nonces need only be unique).
    function requestWithNonce(
        uint64 nonce,
        bytes memory programID,
        bytes memory onchainInput,
        uint64 maxCycles
    ) external returns (bytes32 jobID) {
        jobID = _jobManager.createJob(nonce, programID, onchainInput, maxCycles);
        jobIDToInputs[jobID] = JobInputs({onchainInput: onchainInput, offchainInputHash: EMPTY_INPUT_HASH});
    }

    function cancel(bytes32 jobID) external {
        cancelJob(jobID);
    }

    function _receiveResult(bytes32 jobID, bytes memory result) internal virtual override {
        lastJobID = jobID;
        lastResult = result;
        resultCount++;
    }

    function _onResultOverturned(bytes32 jobID, ClaimedOutcome outcome, bytes32 claimedOutputHash)
        internal
        virtual
        override
    {
        overturnedJobID = jobID;
        overturnedOutcome = outcome;
        overturnedOutputHash = claimedOutputHash;
        overturnCount++;
    }
}

/// A consumer that attacks JobManager from its callbacks. The tests make it the relayer so
/// that reentering `submitResult` would pass the caller check if the guard were missing.
contract MaliciousConsumer is TestConsumer {
    enum Attack {
        None,
        ResubmitSameResult,
        SubmitOtherResult,
        Challenge,
        WithdrawPayout,
        RevertInCallback,
        RequestFollowUpJob
    }

    JobManager internal immutable jm;
    Attack public attack;
    bytes public replayResult;
    bytes public replaySignature;
    bool public reentrySucceeded;
    bytes public reentryError;
    bytes32 public followUpJobID;

    constructor(address jobManager, address signer) TestConsumer(jobManager, signer, 0) {
        jm = JobManager(jobManager);
    }

    function arm(Attack a, bytes calldata result, bytes calldata signature) external {
        attack = a;
        replayResult = result;
        replaySignature = signature;
    }

    function relay(bytes calldata result, bytes calldata signature) external {
        jm.submitResult(result, signature);
    }

    function _receiveResult(bytes32 jobID, bytes memory result) internal override {
        super._receiveResult(jobID, result);
        Attack a = attack;
        attack = Attack.None;
        if (a == Attack.ResubmitSameResult || a == Attack.SubmitOtherResult) {
            try jm.submitResult(replayResult, replaySignature) {
                reentrySucceeded = true;
            } catch (bytes memory err) {
                reentryError = err;
            }
        } else if (a == Attack.Challenge) {
            try jm.challenge{value: 0}(jobID, ClaimedOutcome.Panicked, "", hex"01") {
                reentrySucceeded = true;
            } catch (bytes memory err) {
                reentryError = err;
            }
        } else if (a == Attack.WithdrawPayout) {
            try jm.withdrawPayout(payable(address(this))) {
                reentrySucceeded = true;
            } catch (bytes memory err) {
                reentryError = err;
            }
        } else if (a == Attack.RevertInCallback) {
            revert("MaliciousConsumer: callback reverts");
        } else if (a == Attack.RequestFollowUpJob) {
            followUpJobID = requestJob("follow-up", "input", 1000);
        }
    }

    receive() external payable {}
}

/// Consumers whose overturn hook misbehaves; resolution must go through regardless.
contract HostileHookConsumer is TestConsumer {
    enum Mode {
        Revert,
        BurnGas,
        ReturnBomb,
        ReenterWithdraw
    }

    Mode public mode;
    JobManager internal immutable jm;
    uint256 public hookGasSeen;

    constructor(address jobManager, Mode m) TestConsumer(jobManager, address(0), 0) {
        mode = m;
        jm = JobManager(jobManager);
    }

    function resultOverturned(bytes32, ClaimedOutcome, bytes32) external override onlyJobManager {
        hookGasSeen = gasleft();
        if (mode == Mode.Revert) {
            revert("hook reverts");
        } else if (mode == Mode.BurnGas) {
            uint256 x;
            while (true) {
                x++;
            }
        } else if (mode == Mode.ReturnBomb) {
            assembly {
                return(0, 1000000)
            }
        } else {
            jm.withdrawPayout(payable(address(this)));
        }
    }
}

contract TestStatefulConsumer is StatefulConsumer {
    bytes public lastResult;

    constructor(address jobManager, bytes32 root) StatefulConsumer(jobManager, 0, root) {}

    function request(bytes memory programID, bytes memory onchainInput, uint64 maxCycles)
        external
        returns (bytes32)
    {
        return requestJob(programID, onchainInput, maxCycles);
    }

    function _receiveResult(bytes32, bytes memory result) internal override {
        lastResult = result;
    }
}

/// An address that refuses ETH.
contract RejectEther {
    receive() external payable {
        revert("no ether");
    }
}
