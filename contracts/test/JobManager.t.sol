// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimedOutcome} from "../src/IConsumer.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Vm} from "./utils/Test.sol";
import {TestConsumer} from "./utils/Mocks.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {JobManager} from "../src/JobManager.sol";
import {
    IJobManager,
    ResultRecord,
    JOB_STATE_PENDING,
    JOB_STATE_CANCELLED,
    JOB_STATE_COMPLETED
} from "../src/IJobManager.sol";

/// InfinityVM-compatible job flow: createJob, cancelJob, submitResult, submitResultForOffchainJob.
contract JobManagerTest is Fixture {
    bytes internal constant INPUT = hex"0000000000000000000000000000000000000000000000000000000000000009";
    bytes internal constant OUTPUT =
        hex"00000000000000000000000000000000000000000000000000000000000000090000000000000000000000000000000000000000000000000000000000000003";

    // ------------------------------------------------------------------ createJob

    function test_createJob_storesMetadataUpdatesNonceAndEmits() public {
        bytes32 expected = jobIdOf(1, address(consumer));
        vm.expectEmit(address(jm));
        emit IJobManager.JobCreated(expected, 1, address(consumer), MAX_CYCLES, PROGRAM_ID, INPUT);
        bytes32 id = requestJob(INPUT);
        assertEq(id, expected, "job ID");

        IJobManager.JobMetadata memory m = jm.getJobMetadata(id);
        assertEq(m.programID, PROGRAM_ID);
        assertEq(uint256(m.maxCycles), uint256(MAX_CYCLES));
        assertEq(m.consumer, address(consumer));
        assertEq(uint256(m.status), uint256(JOB_STATE_PENDING));

        (bytes memory pid, uint64 mc, address c, uint8 st) = jm.jobIDToMetadata(id);
        assertEq(pid, PROGRAM_ID);
        assertEq(uint256(mc), uint256(MAX_CYCLES));
        assertEq(c, address(consumer));
        assertEq(uint256(st), 1);

        assertEq(uint256(consumer.maxNonce()), 1, "maxNonce");
        assertEq(uint256(consumer.getNextNonce()), 2, "next nonce");
        assertEq(consumer.getOnchainInputForJob(id), INPUT);
        assertEq(consumer.getOffchainInputHashForJob(id), EMPTY_HASH);
    }

    function test_createJob_consecutiveRequestsUseIncreasingNonces() public {
        bytes32 a = requestJob(INPUT);
        bytes32 b = requestJob(INPUT);
        assertEq(a, jobIdOf(1, address(consumer)));
        assertEq(b, jobIdOf(2, address(consumer)));
        assertEq(uint256(consumer.getNextNonce()), 3);
    }

    function test_createJob_initialMaxNonce() public {
        TestConsumer c = new TestConsumer(address(jm), offchainSigner, 41);
        assertEq(uint256(c.getNextNonce()), 42);
        bytes32 id = c.request(PROGRAM_ID, INPUT, MAX_CYCLES);
        assertEq(id, jobIdOf(42, address(c)));
    }

    function test_createJob_noncesNeedOnlyBeUnique() public {
        consumer.requestWithNonce(10, PROGRAM_ID, INPUT, MAX_CYCLES);
        assertEq(uint256(consumer.maxNonce()), 10);
        consumer.requestWithNonce(3, PROGRAM_ID, INPUT, MAX_CYCLES);
        assertEq(uint256(consumer.maxNonce()), 10, "a lower nonce does not lower maxNonce");
        assertEq(uint256(jm.getJobMetadata(jobIdOf(3, address(consumer))).status), uint256(JOB_STATE_PENDING));
    }

    function test_createJob_revertsOnReusedNonce() public {
        consumer.requestWithNonce(5, PROGRAM_ID, INPUT, MAX_CYCLES);
        vm.expectRevert(bytes("JobManager.createJob: job already exists with this nonce and consumer"));
        consumer.requestWithNonce(5, hex"ff", hex"", 1);
    }

    function test_createJob_revertsOnReusedNonceOfCancelledJob() public {
        bytes32 id = consumer.requestWithNonce(5, PROGRAM_ID, INPUT, MAX_CYCLES);
        consumer.cancel(id);
        vm.expectRevert(bytes("JobManager.createJob: job already exists with this nonce and consumer"));
        consumer.requestWithNonce(5, PROGRAM_ID, INPUT, MAX_CYCLES);
    }

    function test_createJob_sameNonceDifferentConsumersAreDifferentJobs() public {
        TestConsumer other = new TestConsumer(address(jm), offchainSigner, 0);
        bytes32 a = requestJob(INPUT);
        bytes32 b = other.request(PROGRAM_ID, INPUT, MAX_CYCLES);
        assertNotEqBytes32(a, b);
    }

    function test_createJob_revertsForCallerWithoutConsumerInterface() public {
        vm.prank(stranger); // an EOA: the updateLatestNonce callback has no code to call
        vm.expectRevert();
        jm.createJob(1, PROGRAM_ID, INPUT, MAX_CYCLES);
    }

    function test_consumerCallbacks_onlyJobManager() public {
        vm.startPrank(stranger);
        vm.expectRevert(bytes("Consumer.onlyJobManager: caller is not the job manager"));
        consumer.updateLatestNonce(100);
        vm.expectRevert(bytes("Consumer.onlyJobManager: caller is not the job manager"));
        consumer.setInputsForJob(bytes32(0), INPUT, EMPTY_HASH);
        vm.expectRevert(bytes("Consumer.onlyJobManager: caller is not the job manager"));
        consumer.receiveResult(bytes32(0), OUTPUT);
        vm.expectRevert(bytes("Consumer.onlyJobManager: caller is not the job manager"));
        consumer.resultOverturned(bytes32(0), ClaimedOutcome.Panicked, bytes32(0));
        vm.stopPrank();
        assertEq(consumer.getJobManager(), address(jm));
    }

    // ------------------------------------------------------------------ cancelJob

    function test_cancelJob_byConsumer() public {
        bytes32 id = requestJob(INPUT);
        vm.expectEmit(address(jm));
        emit IJobManager.JobCancelled(id);
        consumer.cancel(id);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_CANCELLED));
    }

    function test_cancelJob_byOwner() public {
        bytes32 id = requestJob(INPUT);
        vm.prank(owner);
        jm.cancelJob(id);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_CANCELLED));
    }

    function test_cancelJob_revertsForStranger() public {
        bytes32 id = requestJob(INPUT);
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.cancelJob: caller is not the job consumer or JobManager owner"));
        jm.cancelJob(id);
    }

    function test_cancelJob_revertsWhenAlreadyCancelled() public {
        bytes32 id = requestJob(INPUT);
        consumer.cancel(id);
        vm.expectRevert(bytes("JobManager.cancelJob: job is not in pending state"));
        consumer.cancel(id);
    }

    function test_cancelJob_revertsWhenCompleted() public {
        bytes32 id = completeJob(INPUT, OUTPUT);
        vm.expectRevert(bytes("JobManager.cancelJob: job is not in pending state"));
        consumer.cancel(id);
    }

    function test_cancelJob_revertsForUnknownJob() public {
        vm.prank(owner);
        vm.expectRevert(bytes("JobManager.cancelJob: job is not in pending state"));
        jm.cancelJob(keccak256("nope"));
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.cancelJob: caller is not the job consumer or JobManager owner"));
        jm.cancelJob(keccak256("nope"));
    }

    // ------------------------------------------------------------------ submitResult

    function test_submitResult_completesJobAndCallsConsumer() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);

        vm.expectEmit(address(jm));
        emit IJobManager.JobCompleted(id, OUTPUT);
        vm.expectEmit(address(jm));
        emit IJobManager.ResultRecorded(id, operator, keccak256(OUTPUT), uint64(block.timestamp) + WINDOW);
        vm.prank(relayer);
        jm.submitResult(encoded, sig);

        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
        assertEq(consumer.lastJobID(), id);
        assertEq(consumer.lastResult(), OUTPUT);
        assertEq(consumer.resultCount(), 1);
        ResultRecord memory rec = jm.getResultRecord(id);
        assertEq(rec.resultHash, keccak256(OUTPUT));
        assertEq(rec.operator, operator);
        assertEq(uint256(rec.completedAt), block.timestamp);
        assertEq(uint256(rec.challengeDeadline), block.timestamp + WINDOW);
        assertEq(uint256(rec.openChallenges), 0);
    }

    function test_submitResult_revertsForNonRelayer() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager.submitResult: caller is not the relayer"));
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForWrongOperator() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(ANVIL_KEY_1, encoded);
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: Invalid signature"));
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForSignatureOverOtherBytes() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, hex"01"));
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: Invalid signature"));
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForSignatureOverHashInsteadOfBytes() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(operatorKey, keccak256(encoded)); // no EIP-191 prefix
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: Invalid signature"));
        jm.submitResult(encoded, abi.encodePacked(r, s, v));
    }

    function test_submitResult_revertsForMalformedSignatures() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory good = signMessage(operatorKey, encoded);
        bytes[4] memory bad;
        bad[0] = "";
        bad[1] = new bytes(65); // all zero
        bytes memory short = new bytes(64);
        for (uint256 i = 0; i < 64; i++) {
            short[i] = good[i];
        }
        bad[2] = short;
        // The malleable twin (s' = n - s, v flipped) recovers to the same key but is rejected.
        bytes32 r;
        bytes32 s;
        assembly {
            r := mload(add(good, 0x20))
            s := mload(add(good, 0x40))
        }
        uint8 v = uint8(good[64]);
        bytes32 highS =
            bytes32(uint256(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141) - uint256(s));
        bad[3] = abi.encodePacked(r, highS, v == 27 ? uint8(28) : uint8(27));
        for (uint256 i = 0; i < bad.length; i++) {
            vm.prank(relayer);
            vm.expectRevert(bytes("JobManager.submitResult: Invalid signature"));
            jm.submitResult(encoded, bad[i]);
        }
    }

    function test_submitResult_zeroOperatorAcceptsNothing() public {
        vm.prank(owner);
        jm.setCoprocessorOperator(address(0));
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: Invalid signature"));
        jm.submitResult(encoded, new bytes(65));
    }

    function test_submitResult_revertsAfterOperatorRotation() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(owner);
        jm.setCoprocessorOperator(vm.addr(ANVIL_KEY_1));
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: Invalid signature"));
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_replayReverts() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        jm.submitResult(encoded, sig);
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: job is not in pending state"));
        jm.submitResult(encoded, sig);
        assertEq(consumer.resultCount(), 1);
    }

    function test_submitResult_revertsForCancelledJob() public {
        bytes32 id = requestJob(INPUT);
        consumer.cancel(id);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: job is not in pending state"));
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForUnknownJob() public {
        bytes32 id = jobIdOf(77, address(consumer));
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: job is not in pending state"));
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForWrongOnchainInput() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, hex"0a", MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert(
            bytes(
                "JobManager.submitResult: onchain input signed by coprocessor doesn't match onchain input submitted with job"
            )
        );
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForWrongProgram() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, "otherProgram", OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert(
            bytes(
                "JobManager.submitResult: program ID signed by coprocessor doesn't match program ID submitted with job"
            )
        );
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForWrongMaxCycles() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES + 1, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert(
            bytes(
                "JobManager.submitResult: max cycles signed by coprocessor doesn't match max cycles submitted with job"
            )
        );
        jm.submitResult(encoded, sig);
    }

    function test_submitResult_revertsForUndecodableResult() public {
        requestJob(INPUT);
        bytes memory garbage = hex"deadbeef";
        bytes memory sig = signMessage(operatorKey, garbage);
        vm.prank(relayer);
        vm.expectRevert();
        jm.submitResult(garbage, sig);
    }

    function test_submitResult_consumerRevertKeepsJobPending() public {
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        // Replace the consumer's code with one that reverts in receiveResult.
        vm.etch(address(consumer), hex"60006000fd"); // PUSH1 0 PUSH1 0 REVERT
        vm.prank(relayer);
        vm.expectRevert();
        jm.submitResult(encoded, sig);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_PENDING));
    }

    function test_submitResult_revertsWhenOperatorBondBelowMinimum() public {
        vm.prank(operator);
        jm.requestBondWithdrawal(INITIAL_BOND - MIN_BOND + 1); // net bond drops just below the minimum
        bytes32 id = requestJob(INPUT);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: operator bond below minimum"));
        jm.submitResult(encoded, sig);

        vm.prank(operator);
        jm.cancelBondWithdrawal();
        vm.prank(relayer);
        jm.submitResult(encoded, sig);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
    }

    function test_submitResult_resultForOneJobCannotCompleteAnother() public {
        bytes32 a = requestJob(INPUT);
        bytes32 b = requestJob(INPUT);
        bytes memory encodedA = encodeResult(a, INPUT, MAX_CYCLES, PROGRAM_ID, OUTPUT);
        bytes memory sigA = signMessage(operatorKey, encodedA);
        vm.prank(relayer);
        jm.submitResult(encodedA, sigA);
        // Replaying A's signed result never touches B.
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResult: job is not in pending state"));
        jm.submitResult(encodedA, sigA);
        assertEq(uint256(jm.getJobMetadata(b).status), uint256(JOB_STATE_PENDING));
    }

    // ------------------------------------------------------------------ submitResultForOffchainJob

    function test_offchain_createsAndCompletesJob() public {
        bytes memory offchainInput = "secret offchain input";
        IJobManager.OffchainJobRequest memory req =
            offchainRequest(7, address(consumer), INPUT, offchainInput);
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        bytes32 id = jobIdOf(7, address(consumer));

        vm.recordLogs();
        relayOffchainWithBlobs(req, signerKey, res, operatorKey);

        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
        assertEq(jm.getJobMetadata(id).consumer, address(consumer));
        assertEq(consumer.getOnchainInputForJob(id), INPUT);
        assertEq(consumer.getOffchainInputHashForJob(id), keccak256(offchainInput));
        assertEq(uint256(consumer.maxNonce()), 7, "nonce recorded");
        assertEq(consumer.lastResult(), OUTPUT);
        assertEq(jm.getResultRecord(id).resultHash, keccak256(OUTPUT));

        // Offchain jobs emit JobCompleted but never JobCreated (a node would re-run it).
        bool sawCompleted;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(jm)) continue;
            assertTrue(
                logs[i].topics[0] != IJobManager.JobCreated.selector, "no JobCreated for offchain jobs"
            );
            if (logs[i].topics[0] == IJobManager.JobCompleted.selector) sawCompleted = true;
        }
        assertTrue(sawCompleted, "JobCompleted emitted");
    }

    function test_offchain_revertsForNonRelayer() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        bytes memory reqBytes = abi.encode(req);
        bytes memory resBytes = abi.encode(res);
        bytes memory reqSig = signMessage(signerKey, reqBytes);
        bytes memory resSig = signMessage(operatorKey, resBytes);
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: caller is not the relayer"));
        jm.submitResultForOffchainJob(resBytes, resSig, reqBytes, reqSig);
    }

    function test_offchain_revertsForRequestSignedByWrongSigner() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: Invalid signature on job request"));
        relayOffchain(req, ANVIL_KEY_1, offchainResultFor(req, OUTPUT), operatorKey);
    }

    function test_offchain_revertsForRequestSignatureOverOtherRequest() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainJobRequest memory other = offchainRequest(1, address(consumer), hex"01", "");
        bytes memory reqBytes = abi.encode(req);
        bytes memory resBytes = abi.encode(offchainResultFor(req, OUTPUT));
        vm.prank(relayer);
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: Invalid signature on job request"));
        jm.submitResultForOffchainJob(
            resBytes, signMessage(operatorKey, resBytes), reqBytes, signMessage(signerKey, abi.encode(other))
        );
    }

    function test_offchain_requestSignedForOtherConsumerIsRejected() public {
        // consumer2 trusts a different signer; a request signed by consumer's signer fails there.
        TestConsumer consumer2 = new TestConsumer(address(jm), vm.addr(ANVIL_KEY_1), 0);
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer2), INPUT, "");
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: Invalid signature on job request"));
        relayOffchain(req, signerKey, offchainResultFor(req, OUTPUT), operatorKey);
    }

    function test_offchain_revertsForWrongOperator() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: Invalid signature on result"));
        relayOffchain(req, signerKey, offchainResultFor(req, OUTPUT), ANVIL_KEY_1);
    }

    function test_offchain_replayedRequestReverts() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        relayOffchain(req, signerKey, res, operatorKey);
        vm.expectRevert(bytes("JobManager.createJob: job already exists with this nonce and consumer"));
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_nonceOfExistingOnchainJobReverts() public {
        requestJob(INPUT); // nonce 1 used onchain
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        vm.expectRevert(bytes("JobManager.createJob: job already exists with this nonce and consumer"));
        relayOffchain(req, signerKey, offchainResultFor(req, OUTPUT), operatorKey);
    }

    function test_offchain_revertsForJobIDMismatch() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        res.jobID = jobIdOf(2, address(consumer));
        vm.expectRevert(
            bytes(
                "JobManager.submitResultForOffchainJob: job ID signed by coprocessor doesn't match job ID of job request"
            )
        );
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_revertsForOffchainInputHashMismatch() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "a");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        res.offchainInputHash = keccak256("b");
        vm.expectRevert(
            bytes(
                "JobManager.submitResultForOffchainJob: offchain input hash signed by coprocessor doesn't match offchain input hash of job request"
            )
        );
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_revertsForWrongOnchainInput() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        res.onchainInputHash = keccak256("other");
        vm.expectRevert(
            bytes(
                "JobManager.submitResult: onchain input signed by coprocessor doesn't match onchain input submitted with job"
            )
        );
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_revertsForWrongProgram() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        res.programID = "other";
        vm.expectRevert(
            bytes(
                "JobManager.submitResult: program ID signed by coprocessor doesn't match program ID submitted with job"
            )
        );
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_revertsForWrongMaxCycles() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        res.maxCycles = 5;
        vm.expectRevert(
            bytes(
                "JobManager.submitResult: max cycles signed by coprocessor doesn't match max cycles submitted with job"
            )
        );
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_blobHashesCheckedAndStored() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "blob data");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        bytes32[] memory hashes = new bytes32[](2);
        hashes[0] = bytes32(uint256(0x01) << 248 | 0xaa);
        hashes[1] = bytes32(uint256(0x01) << 248 | 0xbb);
        res.versionedBlobHashes = hashes;
        vm.blobhashes(hashes);
        relayOffchain(req, signerKey, res, operatorKey);
        bytes32 id = jobIdOf(1, address(consumer));
        assertEq(jm.jobIDToBlobhashes(id, 0), hashes[0]);
        assertEq(jm.jobIDToBlobhashes(id, 1), hashes[1]);
    }

    function test_offchain_revertsForBlobHashMismatch() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "blob data");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = bytes32(uint256(0x01) << 248 | 0xaa);
        res.versionedBlobHashes = hashes;
        bytes32[] memory actual = new bytes32[](1);
        actual[0] = bytes32(uint256(0x01) << 248 | 0xcc);
        vm.blobhashes(actual);
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: given blob hash does not match"));
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_revertsWhenBlobMissing() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "blob data");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = bytes32(uint256(0x01) << 248 | 0xaa);
        res.versionedBlobHashes = hashes; // the transaction carries no blob
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: given blob hash does not match"));
        relayOffchain(req, signerKey, res, operatorKey);
    }

    /// An operator withholding a non-empty offchain input cannot post its result without blobs.
    function test_offchain_revertsWithoutBlobsForNonEmptyInput() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "withheld");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        res.versionedBlobHashes = new bytes32[](0);
        vm.expectRevert(
            bytes("JobManager.submitResultForOffchainJob: a non-empty offchain input must be posted in blobs")
        );
        relayOffchain(req, signerKey, res, operatorKey);
    }

    function test_offchain_emptyInputNeedsNoBlobs() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, OUTPUT);
        assertEq(res.versionedBlobHashes.length, 0);
        relayOffchain(req, signerKey, res, operatorKey);
        assertEq(
            uint256(jm.getJobMetadata(jobIdOf(1, address(consumer))).status), uint256(JOB_STATE_COMPLETED)
        );
    }

    function test_offchain_revertsForConsumerWithoutSignerInterface() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, stranger, INPUT, "");
        vm.expectRevert();
        relayOffchain(req, signerKey, offchainResultFor(req, OUTPUT), operatorKey);
    }

    // ------------------------------------------------------------------ setters / getters

    function test_relayerAndOperatorSetters() public {
        assertEq(jm.getRelayer(), relayer);
        assertEq(jm.relayer(), relayer);
        assertEq(jm.getCoprocessorOperator(), operator);
        assertEq(jm.coprocessorOperator(), operator);
        assertEq(jm.owner(), owner);

        vm.startPrank(owner);
        vm.expectEmit(address(jm));
        emit IJobManager.RelayerUpdated(stranger);
        jm.setRelayer(stranger);
        vm.expectEmit(address(jm));
        emit IJobManager.CoprocessorOperatorUpdated(stranger);
        jm.setCoprocessorOperator(stranger);
        vm.stopPrank();
        assertEq(jm.getRelayer(), stranger);
        assertEq(jm.getCoprocessorOperator(), stranger);
    }

    function test_setters_onlyOwner() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        jm.setRelayer(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        jm.setCoprocessorOperator(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        jm.setArbiter(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        jm.setArbiters(new address[](0), 0);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        jm.setDisputeParameters(defaultParams());
        vm.stopPrank();
    }

    function assertNotEqBytes32(bytes32 a, bytes32 b) internal pure {
        vm.assertNotEq(a, b, "expected different values");
    }
}
