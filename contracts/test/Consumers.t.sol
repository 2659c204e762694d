// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimedOutcome} from "../src/IConsumer.sol";
import {Fixture} from "./utils/Fixture.sol";
import {MaliciousConsumer, TestStatefulConsumer} from "./utils/Mocks.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ExampleConsumer} from "../src/ExampleConsumer.sol";
import {SingleOffchainSigner} from "../src/SingleOffchainSigner.sol";
import {StatefulConsumer} from "../src/StatefulConsumer.sol";
import {
    IJobManager,
    JOB_STATE_PENDING,
    JOB_STATE_CANCELLED,
    JOB_STATE_COMPLETED
} from "../src/IJobManager.sol";

/// ExampleConsumer, StatefulConsumer, SingleOffchainSigner and attacks from consumer callbacks.
contract ConsumersTest is Fixture {
    ExampleConsumer internal example;
    address internal appOwner = address(0xABCD);
    address internal user = address(0x1234);

    function setUp() public override {
        super.setUp();
        example = new ExampleConsumer(appOwner, address(jm), offchainSigner, 0);
    }

    // ------------------------------------------------------------------ ExampleConsumer

    function test_example_anyoneCanRequestAnyProgram() public {
        bytes32 expected = jobIdOf(1, address(example));
        vm.expectEmit(address(jm));
        emit IJobManager.JobCreated(expected, 1, address(example), 5000, hex"c0ffee", hex"0102");
        vm.expectEmit(address(example));
        emit ExampleConsumer.JobRequested(expected, user, hex"c0ffee", hex"0102", 5000);
        vm.prank(user);
        bytes32 id = example.requestJob(hex"c0ffee", hex"0102", 5000);
        assertEq(id, expected);
        assertEq(example.getRequester(id), user);
        assertEq(example.getOnchainInputForJob(id), hex"0102");
        assertEq(example.getOffchainInputHashForJob(id), EMPTY_HASH);
        assertEq(uint256(example.getNextNonce()), 2);
        assertEq(example.getJobManager(), address(jm));
        assertEq(example.owner(), appOwner);
        assertEq(example.getOffchainSigner(), offchainSigner);
    }

    function test_example_storesResultByJobID() public {
        vm.prank(user);
        bytes32 id = example.requestJob(PROGRAM_ID, "in", MAX_CYCLES);
        assertFalse(example.hasResult(id));
        bytes memory encoded = encodeResult(id, "in", MAX_CYCLES, PROGRAM_ID, "the output");
        vm.expectEmit(address(example));
        emit ExampleConsumer.ResultReceived(id, "the output");
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        assertTrue(example.hasResult(id));
        assertEq(example.getJobResult(id), "the output");
    }

    function test_example_offchainJob() public {
        IJobManager.OffchainJobRequest memory req = offchainRequest(100, address(example), "on", "off");
        relayOffchainWithBlobs(req, signerKey, offchainResultFor(req, "offchain output"), operatorKey);
        bytes32 id = jobIdOf(100, address(example));
        assertEq(example.getJobResult(id), "offchain output");
        assertEq(uint256(example.getNextNonce()), 101);
    }

    function test_example_cancel() public {
        vm.prank(user);
        bytes32 a = example.requestJob(PROGRAM_ID, "a", MAX_CYCLES);
        vm.prank(user);
        bytes32 b = example.requestJob(PROGRAM_ID, "b", MAX_CYCLES);

        vm.prank(stranger);
        vm.expectRevert(bytes("ExampleConsumer.cancelJob: caller is not the requester or owner"));
        example.cancelJob(a);

        vm.prank(user);
        example.cancelJob(a);
        vm.prank(appOwner);
        example.cancelJob(b);
        assertEq(uint256(jm.getJobMetadata(a).status), uint256(JOB_STATE_CANCELLED));
        assertEq(uint256(jm.getJobMetadata(b).status), uint256(JOB_STATE_CANCELLED));
    }

    function test_example_setOffchainSigner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        example.setOffchainSigner(stranger);

        vm.expectEmit(address(example));
        emit SingleOffchainSigner.OffchainSignerUpdated(vm.addr(ANVIL_KEY_1));
        vm.prank(appOwner);
        example.setOffchainSigner(vm.addr(ANVIL_KEY_1));

        // The old signer's requests are now refused, the new one's accepted.
        IJobManager.OffchainJobRequest memory req = offchainRequest(1, address(example), "on", "");
        vm.expectRevert(bytes("JobManager.submitResultForOffchainJob: Invalid signature on job request"));
        relayOffchain(req, signerKey, offchainResultFor(req, "x"), operatorKey);
        relayOffchain(req, ANVIL_KEY_1, offchainResultFor(req, "x"), operatorKey);
    }

    function test_example_recordsOverturn() public {
        vm.prank(user);
        bytes32 id = example.requestJob(PROGRAM_ID, "in", MAX_CYCLES);
        bytes memory encoded = encodeResult(id, "in", MAX_CYCLES, PROGRAM_ID, "wrong");
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, "right", "proof");
        vm.expectEmit(address(example));
        emit ExampleConsumer.ResultOverturned(id, ClaimedOutcome.Output, keccak256("right"));
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        assertTrue(example.isOverturned(id));
    }

    // ------------------------------------------------------------------ SingleOffchainSigner

    function test_isValidSignature() public view {
        bytes32 digest = keccak256("message");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        assertEq(
            bytes32(example.isValidSignature(digest, abi.encodePacked(r, s, v))), bytes32(bytes4(0x1626ba7e))
        );
        (v, r, s) = vm.sign(ANVIL_KEY_1, digest);
        assertEq(
            bytes32(example.isValidSignature(digest, abi.encodePacked(r, s, v))), bytes32(bytes4(0xffffffff))
        );
        assertEq(bytes32(example.isValidSignature(digest, "")), bytes32(bytes4(0xffffffff)), "empty");
        assertEq(
            bytes32(example.isValidSignature(digest, new bytes(65))), bytes32(bytes4(0xffffffff)), "zero"
        );
    }

    function test_isValidSignature_zeroSignerAcceptsNothing() public {
        ExampleConsumer c = new ExampleConsumer(appOwner, address(jm), address(0), 0);
        assertEq(
            bytes32(c.isValidSignature(keccak256("m"), new bytes(65))),
            bytes32(bytes4(0xffffffff)),
            "zero signer"
        );
    }

    // ------------------------------------------------------------------ StatefulConsumer

    function test_stateful_acceptsResultFromCurrentRoot() public {
        TestStatefulConsumer s = new TestStatefulConsumer(address(jm), bytes32(uint256(1)));
        assertEq(s.getLatestStateRoot(), bytes32(uint256(1)));
        bytes memory input =
            abi.encode(StatefulConsumer.StatefulAppOnchainInput(bytes32(uint256(1)), "payload"));
        bytes32 id = s.request(PROGRAM_ID, input, MAX_CYCLES);
        bytes memory output =
            abi.encode(StatefulConsumer.StatefulAppResult(bytes32(uint256(2)), "app result"));
        bytes memory encoded = encodeResult(id, input, MAX_CYCLES, PROGRAM_ID, output);
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        assertEq(s.latestStateRoot(), bytes32(uint256(2)));
        assertEq(s.lastResult(), "app result");
    }

    function test_stateful_rejectsResultFromStaleRoot() public {
        TestStatefulConsumer s = new TestStatefulConsumer(address(jm), bytes32(uint256(1)));
        bytes memory input =
            abi.encode(StatefulConsumer.StatefulAppOnchainInput(bytes32(uint256(9)), "payload"));
        bytes32 id = s.request(PROGRAM_ID, input, MAX_CYCLES);
        bytes memory output =
            abi.encode(StatefulConsumer.StatefulAppResult(bytes32(uint256(2)), "app result"));
        bytes memory encoded = encodeResult(id, input, MAX_CYCLES, PROGRAM_ID, output);
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert(bytes("Invalid state root passed as input"));
        jm.submitResult(encoded, sig);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_PENDING));
    }

    function test_stateful_onlyJobManager() public {
        TestStatefulConsumer s = new TestStatefulConsumer(address(jm), bytes32(0));
        vm.expectRevert(bytes("Consumer.onlyJobManager: caller is not the job manager"));
        s.receiveResult(bytes32(0), "");
    }

    // ------------------------------------------------------------------ reentrancy from a malicious consumer

    function _maliciousSetup()
        internal
        returns (MaliciousConsumer m, bytes32 a, bytes memory encA, bytes memory sigA)
    {
        m = new MaliciousConsumer(address(jm), offchainSigner);
        vm.prank(owner);
        jm.setRelayer(address(m)); // so reentering submitResult would pass the relayer check
        a = m.request(PROGRAM_ID, "a", MAX_CYCLES);
        encA = encodeResult(a, "a", MAX_CYCLES, PROGRAM_ID, "result a");
        sigA = signMessage(operatorKey, encA);
    }

    function test_reentrancy_resubmitSameResultFromCallback() public {
        (MaliciousConsumer m, bytes32 a, bytes memory encA, bytes memory sigA) = _maliciousSetup();
        m.arm(MaliciousConsumer.Attack.ResubmitSameResult, encA, sigA);
        m.relay(encA, sigA);
        assertFalse(m.reentrySucceeded());
        assertEq(
            m.reentryError(), abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)
        );
        assertEq(m.resultCount(), 1, "callback ran once");
        assertEq(uint256(jm.getJobMetadata(a).status), uint256(JOB_STATE_COMPLETED));
    }

    function test_reentrancy_submitOtherResultFromCallback() public {
        (MaliciousConsumer m,, bytes memory encA, bytes memory sigA) = _maliciousSetup();
        bytes32 b = m.request(PROGRAM_ID, "b", MAX_CYCLES);
        bytes memory encB = encodeResult(b, "b", MAX_CYCLES, PROGRAM_ID, "result b");
        m.arm(MaliciousConsumer.Attack.SubmitOtherResult, encB, signMessage(operatorKey, encB));
        m.relay(encA, sigA);
        assertFalse(m.reentrySucceeded());
        assertEq(
            m.reentryError(), abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)
        );
        assertEq(uint256(jm.getJobMetadata(b).status), uint256(JOB_STATE_PENDING));
    }

    function test_reentrancy_challengeFromCallback() public {
        (MaliciousConsumer m,, bytes memory encA, bytes memory sigA) = _maliciousSetup();
        m.arm(MaliciousConsumer.Attack.Challenge, "", "");
        m.relay(encA, sigA);
        assertFalse(m.reentrySucceeded());
        assertEq(
            m.reentryError(), abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)
        );
        assertEq(jm.challengeCount(), 0);
    }

    function test_reentrancy_withdrawFromCallback() public {
        (MaliciousConsumer m,, bytes memory encA, bytes memory sigA) = _maliciousSetup();
        m.arm(MaliciousConsumer.Attack.WithdrawPayout, "", "");
        m.relay(encA, sigA);
        assertFalse(m.reentrySucceeded());
        assertEq(
            m.reentryError(), abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)
        );
    }

    function test_reentrancy_revertingCallbackRevertsSubmission() public {
        (MaliciousConsumer m, bytes32 a, bytes memory encA, bytes memory sigA) = _maliciousSetup();
        m.arm(MaliciousConsumer.Attack.RevertInCallback, "", "");
        vm.expectRevert(bytes("MaliciousConsumer: callback reverts"));
        m.relay(encA, sigA);
        assertEq(uint256(jm.getJobMetadata(a).status), uint256(JOB_STATE_PENDING));
    }

    function test_callbackMayRequestFollowUpJob() public {
        // createJob is deliberately not behind the reentrancy guard: apps chain jobs from callbacks.
        (MaliciousConsumer m,, bytes memory encA, bytes memory sigA) = _maliciousSetup();
        m.arm(MaliciousConsumer.Attack.RequestFollowUpJob, "", "");
        m.relay(encA, sigA);
        bytes32 followUp = m.followUpJobID();
        assertEq(followUp, jobIdOf(2, address(m)));
        assertEq(uint256(jm.getJobMetadata(followUp).status), uint256(JOB_STATE_PENDING));
    }
}
