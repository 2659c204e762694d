// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Vm} from "./utils/Test.sol";
import {IJobManager, JOB_STATE_COMPLETED} from "../src/IJobManager.sol";

/// `submitResultsForOffchainJobs`: many offchain jobs relayed in one transaction, each as
/// `submitResultForOffchainJob` would, all or nothing.
contract RelayBatchTest is Fixture {
    bytes internal constant INPUT = hex"0000000000000000000000000000000000000000000000000000000000000009";

    struct Batch {
        bytes[] results;
        bytes[] resultSigs;
        bytes[] requests;
        bytes[] requestSigs;
    }

    /// A batch of correctly signed offchain jobs with nonces `first`, `first + 1`, …, whose
    /// offchain inputs are `offchainInputs` (empty ones post no blobs).
    function batchOf(uint64 first, bytes[] memory offchainInputs) internal view returns (Batch memory b) {
        uint256 n = offchainInputs.length;
        b = Batch(new bytes[](n), new bytes[](n), new bytes[](n), new bytes[](n));
        for (uint256 i = 0; i < n; i++) {
            IJobManager.OffchainJobRequest memory req =
                offchainRequest(first + uint64(i), address(consumer), INPUT, offchainInputs[i]);
            b.requests[i] = abi.encode(req);
            b.results[i] = abi.encode(offchainResultFor(req, abi.encode(i)));
            b.requestSigs[i] = signMessage(signerKey, b.requests[i]);
            b.resultSigs[i] = signMessage(operatorKey, b.results[i]);
        }
    }

    function emptyInputs(uint256 n) internal pure returns (bytes[] memory inputs) {
        inputs = new bytes[](n);
    }

    /// Sends the batch as the relayer (a `vm.expectRevert` before it applies to the call).
    function relay(Batch memory b) internal {
        vm.prank(relayer);
        jm.submitResultsForOffchainJobs(b.results, b.resultSigs, b.requests, b.requestSigs);
    }

    function test_batch_relaysEveryJobInOrder() public {
        Batch memory b = batchOf(1, emptyInputs(3));
        vm.recordLogs();
        relay(b);
        for (uint64 nonce = 1; nonce <= 3; nonce++) {
            bytes32 id = jobIdOf(nonce, address(consumer));
            assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
            assertEq(jm.getResultRecord(id).resultHash, keccak256(abi.encode(uint256(nonce - 1))));
            assertEq(consumer.getOnchainInputForJob(id), INPUT);
        }
        assertEq(uint256(consumer.maxNonce()), 3);
        assertEq(consumer.lastResult(), abi.encode(uint256(2)), "the consumer got the results in order");
        uint256 completed;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter == address(jm) && logs[i].topics[0] == IJobManager.JobCompleted.selector) {
                assertEq(logs[i].topics[1], jobIdOf(uint64(1 + completed), address(consumer)));
                completed++;
            }
        }
        assertEq(completed, 3, "one JobCompleted per job");
    }

    /// A forged item (here: a result the operator did not sign) cannot ride along with honest ones,
    /// and takes none of them down silently: the whole batch reverts with its reason.
    function test_batch_oneBadItemRevertsTheWholeBatch() public {
        Batch memory b = batchOf(1, emptyInputs(3));
        b.resultSigs[1] = signMessage(ANVIL_KEY_1, b.results[1]);
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: Invalid signature on result"));
        relay(b);
        for (uint64 nonce = 1; nonce <= 3; nonce++) {
            assertEq(uint256(jm.getJobMetadata(jobIdOf(nonce, address(consumer))).status), 0);
        }
    }

    function test_batch_sameJobTwiceReverts() public {
        Batch memory b = batchOf(1, emptyInputs(2));
        b.results[1] = b.results[0];
        b.resultSigs[1] = b.resultSigs[0];
        b.requests[1] = b.requests[0];
        b.requestSigs[1] = b.requestSigs[0];
        vm.expectRevert(bytes("JobManager.createJob: job already exists with this nonce and consumer"));
        relay(b);
    }

    function test_batch_jobAlreadyRelayedAloneReverts() public {
        Batch memory b = batchOf(1, emptyInputs(2));
        vm.prank(relayer);
        jm.submitResultForOffchainJob(b.results[1], b.resultSigs[1], b.requests[1], b.requestSigs[1]);
        vm.expectRevert(bytes("JobManager.createJob: job already exists with this nonce and consumer"));
        relay(b);
    }

    function test_batch_revertsForNonRelayer() public {
        Batch memory b = batchOf(1, emptyInputs(2));
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.submitResultsForOffchainJobs: caller is not the relayer"));
        jm.submitResultsForOffchainJobs(b.results, b.resultSigs, b.requests, b.requestSigs);
    }

    function test_batch_revertsForEmptyOrRaggedArrays() public {
        Batch memory b = batchOf(1, emptyInputs(2));
        bytes[] memory one = new bytes[](1);
        one[0] = b.requestSigs[0];
        string memory reason =
            "JobManager.submitResultsForOffchainJobs: empty batch or arrays of different lengths";
        vm.prank(relayer);
        vm.expectRevert(bytes(reason));
        jm.submitResultsForOffchainJobs(b.results, b.resultSigs, b.requests, one);
        bytes[] memory none = new bytes[](0);
        vm.prank(relayer);
        vm.expectRevert(bytes(reason));
        jm.submitResultsForOffchainJobs(none, none, none, none);
    }

    /// Each item's blob hashes are matched against its own blobs: the transaction's, in order.
    function test_batch_blobsAreMatchedInOrder() public {
        bytes[] memory inputs = new bytes[](3);
        inputs[0] = "first input";
        inputs[2] = "third input";
        Batch memory b = batchOf(1, inputs);
        bytes32[] memory hashes = new bytes32[](2);
        hashes[0] = standInBlobHashes(keccak256(inputs[0]))[0];
        hashes[1] = standInBlobHashes(keccak256(inputs[2]))[0];
        vm.blobhashes(hashes);
        relay(b);
        assertEq(jm.jobIDToBlobhashes(jobIdOf(1, address(consumer)), 0), hashes[0]);
        assertEq(jm.jobIDToBlobhashes(jobIdOf(3, address(consumer)), 0), hashes[1]);
    }

    /// An operator cannot post one blob and claim it for two jobs: the second item looks at the
    /// next blob, which is not there.
    function test_batch_oneBlobCannotServeTwoItems() public {
        bytes[] memory inputs = new bytes[](2);
        inputs[0] = "same input";
        inputs[1] = "same input";
        Batch memory b = batchOf(1, inputs);
        vm.blobhashes(standInBlobHashes(keccak256(inputs[0])));
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: given blob hash does not match"));
        relay(b);
    }
}
