// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimedOutcome} from "../src/IConsumer.sol";
import {Fixture} from "./utils/Fixture.sol";
import {HostileHookConsumer, RejectEther, TestConsumer} from "./utils/Mocks.sol";
import {JobManager} from "../src/JobManager.sol";
import {
    IJobManager,
    DisputeParameters,
    ResultRecord,
    Challenge,
    ChallengeStatus,
    OperatorBond,
    JOB_STATE_PENDING,
    JOB_STATE_COMPLETED,
    JOB_STATE_OVERTURNED
} from "../src/IJobManager.sol";

/// Operator bonds, the challenge window, challenges, arbiter resolution and timeouts.
contract DisputesTest is Fixture {
    bytes internal constant INPUT = hex"0000000000000000000000000000000000000000000000000000000000000009";
    bytes internal constant POSTED = hex"0000000000000000000000000000000000000000000000000000000000000004";
    bytes internal constant CORRECT = hex"0000000000000000000000000000000000000000000000000000000000000003";
    bytes internal constant PROOF = hex"4a4f4c5450524f4f46"; // "JOLTPROOF"

    function fileChallenge(bytes32 id) internal returns (uint256) {
        vm.prank(challenger);
        return jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, CORRECT, PROOF);
    }

    // ------------------------------------------------------------------ parameters

    function test_constructor_recordsParameters() public view {
        DisputeParameters memory p = jm.getDisputeParameters();
        assertEq(uint256(p.challengeWindow), uint256(WINDOW));
        assertEq(uint256(p.arbiterTimeout), uint256(ARBITER_TIMEOUT));
        assertEq(uint256(p.withdrawalDelay), uint256(WITHDRAWAL_DELAY));
        assertEq(p.challengeBond, CHALLENGE_BOND);
        assertEq(p.challengerReward, REWARD);
        assertEq(p.minOperatorBond, MIN_BOND);
        (address[] memory arbiters, uint256 threshold) = jm.getArbiters();
        assertEq(arbiters.length, 1);
        assertEq(arbiters[0], arbiter);
        assertEq(threshold, 1);
        assertTrue(jm.isArbiter(arbiter));
        assertEq(uint256(jm.arbiterEpoch()), 1);
    }

    function test_parameters_validation() public {
        DisputeParameters memory p = defaultParams();
        p.challengeWindow = 0;
        vm.expectRevert(bytes("JobManager.setDisputeParameters: challenge window is zero"));
        new JobManager(owner, relayer, operator, arbiter, p);

        p = defaultParams();
        p.arbiterTimeout = 0;
        vm.prank(owner);
        vm.expectRevert(bytes("JobManager.setDisputeParameters: arbiter timeout is zero"));
        jm.setDisputeParameters(p);

        p = defaultParams();
        p.withdrawalDelay = WINDOW - 1;
        vm.prank(owner);
        vm.expectRevert(
            bytes("JobManager.setDisputeParameters: withdrawal delay shorter than the challenge window")
        );
        jm.setDisputeParameters(p);

        p = defaultParams();
        p.challengeWindow = 366 days;
        p.withdrawalDelay = 366 days;
        vm.prank(owner);
        vm.expectRevert(bytes("JobManager.setDisputeParameters: duration too long"));
        jm.setDisputeParameters(p);
    }

    function test_setDisputeParameters_emitsAndAppliesToNewResultsOnly() public {
        bytes32 early = completeJob(INPUT, POSTED);
        DisputeParameters memory p = defaultParams();
        p.challengeWindow = 10 hours;
        p.withdrawalDelay = 10 hours;
        p.challengeBond = 3 ether;
        vm.expectEmit(address(jm));
        emit IJobManager.DisputeParametersUpdated(p);
        vm.prank(owner);
        jm.setDisputeParameters(p);
        assertEq(jm.getDisputeParameters().challengeBond, 3 ether);

        bytes32 later = completeJob(INPUT, POSTED);
        assertEq(
            uint256(jm.getResultRecord(early).challengeDeadline), block.timestamp + WINDOW, "old window kept"
        );
        assertEq(
            uint256(jm.getResultRecord(later).challengeDeadline), block.timestamp + 10 hours, "new window"
        );
    }

    function test_setArbiter() public {
        address[] memory one = new address[](1);
        one[0] = stranger;
        vm.expectEmit(address(jm));
        emit IJobManager.ArbitersUpdated(one, 1, 2);
        vm.prank(owner);
        jm.setArbiter(stranger);
        (address[] memory arbiters, uint256 threshold) = jm.getArbiters();
        assertEq(arbiters.length, 1);
        assertEq(arbiters[0], stranger);
        assertEq(threshold, 1);
        assertTrue(jm.isArbiter(stranger));
        assertFalse(jm.isArbiter(arbiter), "the old arbiter is removed");
    }

    // ------------------------------------------------------------------ provability bound

    function test_maxJobCycles_unboundedUntilSet() public view {
        assertEq(uint256(jm.maxJobCycles()), uint256(type(uint64).max));
    }

    function test_maxJobCycles_onlyOwnerAndPositive() public {
        vm.prank(stranger);
        vm.expectRevert();
        jm.setMaxJobCycles(1000);
        vm.prank(owner);
        vm.expectRevert(bytes("JobManager.setMaxJobCycles: the bound must be positive"));
        jm.setMaxJobCycles(0);
        vm.expectEmit(address(jm));
        emit IJobManager.MaxJobCyclesUpdated(MAX_CYCLES);
        vm.prank(owner);
        jm.setMaxJobCycles(MAX_CYCLES);
        assertEq(uint256(jm.maxJobCycles()), uint256(MAX_CYCLES));
    }

    /// A job beyond the bound cannot be created, onchain or offchain; at the bound it can.
    function test_maxJobCycles_refusesLargerJobsOnchainAndOffchain() public {
        vm.prank(owner);
        jm.setMaxJobCycles(MAX_CYCLES - 1);
        vm.expectRevert(
            bytes("JobManager: maxCycles is above maxJobCycles, the largest run a challenger can prove")
        );
        requestJob(INPUT);
        IJobManager.OffchainJobRequest memory req = offchainRequest(77, address(consumer), INPUT, "");
        IJobManager.OffchainResultWithMetadata memory res = offchainResultFor(req, POSTED);
        vm.expectRevert(
            bytes("JobManager: maxCycles is above maxJobCycles, the largest run a challenger can prove")
        );
        relayOffchain(req, signerKey, res, operatorKey);

        vm.prank(owner);
        jm.setMaxJobCycles(MAX_CYCLES);
        bytes32 id = requestJob(INPUT);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_PENDING));
        relayOffchain(req, signerKey, res, operatorKey);
        // Lowering the bound later does not touch a job already created.
        vm.prank(owner);
        jm.setMaxJobCycles(1);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, POSTED);
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
    }

    // ------------------------------------------------------------------ bonds

    function test_deposit_anyoneCanFundAnOperator() public {
        vm.deal(stranger, 5 ether);
        vm.expectEmit(address(jm));
        emit IJobManager.OperatorBondDeposited(operator, stranger, 5 ether, INITIAL_BOND + 5 ether);
        vm.prank(stranger);
        jm.depositOperatorBond{value: 5 ether}(operator);
        assertEq(jm.getOperatorBond(operator).amount, INITIAL_BOND + 5 ether);
        assertEq(address(jm).balance, INITIAL_BOND + 5 ether);
    }

    function test_deposit_reverts() public {
        vm.expectRevert(bytes("JobManager.depositOperatorBond: no value sent"));
        jm.depositOperatorBond(operator);
        vm.expectRevert(bytes("JobManager.depositOperatorBond: operator is the zero address"));
        jm.depositOperatorBond{value: 1}(address(0));
    }

    function test_withdrawal_fullCycle() public {
        vm.expectEmit(address(jm));
        emit IJobManager.OperatorBondWithdrawalRequested(
            operator, 4 ether, uint64(block.timestamp) + WITHDRAWAL_DELAY
        );
        vm.prank(operator);
        jm.requestBondWithdrawal(4 ether);
        OperatorBond memory b = jm.getOperatorBond(operator);
        assertEq(b.pendingWithdrawal, 4 ether);
        assertEq(uint256(b.withdrawalUnlockAt), block.timestamp + WITHDRAWAL_DELAY);

        vm.warp(block.timestamp + WITHDRAWAL_DELAY - 1);
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager.completeBondWithdrawal: withdrawal delay has not passed"));
        jm.completeBondWithdrawal(payable(stranger));

        vm.warp(block.timestamp + 1);
        vm.expectEmit(address(jm));
        emit IJobManager.OperatorBondWithdrawn(operator, stranger, 4 ether);
        vm.prank(operator);
        jm.completeBondWithdrawal(payable(stranger));
        assertEq(stranger.balance, 4 ether);
        b = jm.getOperatorBond(operator);
        assertEq(b.amount, INITIAL_BOND - 4 ether);
        assertEq(b.pendingWithdrawal, 0);
        assertEq(uint256(b.withdrawalUnlockAt), 0);
    }

    function test_withdrawal_requestReverts() public {
        vm.startPrank(operator);
        vm.expectRevert(bytes("JobManager.requestBondWithdrawal: amount is zero"));
        jm.requestBondWithdrawal(0);
        vm.expectRevert(bytes("JobManager.requestBondWithdrawal: amount exceeds bond"));
        jm.requestBondWithdrawal(INITIAL_BOND + 1);
        vm.stopPrank();
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.requestBondWithdrawal: amount exceeds bond"));
        jm.requestBondWithdrawal(1);
    }

    function test_withdrawal_cancel() public {
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager.cancelBondWithdrawal: no pending withdrawal"));
        jm.cancelBondWithdrawal();
        vm.prank(operator);
        jm.requestBondWithdrawal(1 ether);
        vm.expectEmit(address(jm));
        emit IJobManager.OperatorBondWithdrawalCancelled(operator);
        vm.prank(operator);
        jm.cancelBondWithdrawal();
        assertEq(jm.getOperatorBond(operator).pendingWithdrawal, 0);
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager.completeBondWithdrawal: no pending withdrawal"));
        jm.completeBondWithdrawal(payable(operator));
    }

    function test_withdrawal_newRequestRestartsTheDelay() public {
        vm.prank(operator);
        jm.requestBondWithdrawal(1 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY - 10);
        vm.prank(operator);
        jm.requestBondWithdrawal(2 ether);
        vm.warp(block.timestamp + 10);
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager.completeBondWithdrawal: withdrawal delay has not passed"));
        jm.completeBondWithdrawal(payable(operator));
    }

    function test_withdrawal_waitsForChallengeWindowOfPostedResults() public {
        vm.prank(operator);
        jm.requestBondWithdrawal(1 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY - 10);
        completeJob(INPUT, POSTED); // a new result: its window ends after the withdrawal unlocks
        vm.warp(block.timestamp + 10);
        vm.prank(operator);
        vm.expectRevert(
            bytes("JobManager.completeBondWithdrawal: a result signed by the operator is still challengeable")
        );
        jm.completeBondWithdrawal(payable(operator));
        vm.warp(block.timestamp + WINDOW);
        vm.prank(operator);
        jm.completeBondWithdrawal(payable(operator));
    }

    function test_withdrawal_blockedByOpenChallenge() public {
        bytes32 id = completeJob(INPUT, POSTED);
        fileChallenge(id);
        vm.prank(operator);
        jm.requestBondWithdrawal(1 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY + 1);
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager.completeBondWithdrawal: a challenge against the operator is open"));
        jm.completeBondWithdrawal(payable(operator));
    }

    function test_withdrawal_transferFailures() public {
        vm.prank(operator);
        jm.requestBondWithdrawal(1 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        address rejecter = address(new RejectEther());
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager: payout transfer failed"));
        jm.completeBondWithdrawal(payable(rejecter));
        vm.prank(operator);
        vm.expectRevert(bytes("JobManager: payout to the zero address"));
        jm.completeBondWithdrawal(payable(address(0)));
    }

    // ------------------------------------------------------------------ finality

    function test_isFinal_afterWindow() public {
        bytes32 id = requestJob(INPUT);
        assertFalse(jm.isFinal(id), "pending job");
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, POSTED);
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        assertFalse(jm.isFinal(id), "inside window");
        vm.warp(block.timestamp + WINDOW);
        assertFalse(jm.isFinal(id), "at the deadline");
        vm.warp(block.timestamp + 1);
        assertTrue(jm.isFinal(id), "after the window");
        assertFalse(jm.isFinal(keccak256("unknown")), "unknown job");
    }

    function test_isFinal_falseForCancelledJob() public {
        bytes32 id = requestJob(INPUT);
        consumer.cancel(id);
        vm.warp(block.timestamp + WINDOW + 1);
        assertFalse(jm.isFinal(id));
    }

    function test_isFinal_waitsForOpenChallenge() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.warp(block.timestamp + WINDOW + 1);
        assertFalse(jm.isFinal(id), "open challenge");
        vm.prank(arbiter);
        jm.resolveChallenge(cid, false);
        assertTrue(jm.isFinal(id), "final once the challenge fails");
    }

    // ------------------------------------------------------------------ challenge

    function test_challenge_recordsAndPublishesProof() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeFiled(
            1, id, challenger, CHALLENGE_BOND, ClaimedOutcome.Output, CORRECT, PROOF
        );
        uint256 cid = fileChallenge(id);
        assertEq(cid, 1);
        assertEq(jm.challengeCount(), 1);

        Challenge memory c = jm.getChallenge(cid);
        assertEq(c.jobID, id);
        assertEq(c.challenger, challenger);
        assertEq(c.operator, operator);
        assertEq(uint256(c.filedAt), block.timestamp);
        assertEq(uint256(c.resolveDeadline), block.timestamp + ARBITER_TIMEOUT);
        assertEq(uint256(c.status), uint256(ChallengeStatus.Open));
        assertEq(uint256(c.claimedOutcome), uint256(ClaimedOutcome.Output));
        assertEq(c.bond, CHALLENGE_BOND);
        assertEq(c.reward, REWARD);
        assertEq(c.claimedOutputHash, keccak256(CORRECT));
        assertEq(c.proofHash, keccak256(PROOF));

        assertEq(uint256(jm.getResultRecord(id).openChallenges), 1);
        assertEq(uint256(jm.getOperatorBond(operator).openChallenges), 1);
        assertEq(address(jm).balance, INITIAL_BOND + CHALLENGE_BOND);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED), "still completed");
    }

    function test_challengeWithProofInBlobs_recordsTheBlobsAndTheProofHash() public {
        bytes32 id = completeJob(INPUT, POSTED);
        bytes32[] memory blobs = new bytes32[](2);
        blobs[0] = bytes32((uint256(0x01) << 248) | 0xa1);
        blobs[1] = bytes32((uint256(0x01) << 248) | 0xa2);
        vm.blobhashes(blobs);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeFiled(1, id, challenger, CHALLENGE_BOND, ClaimedOutcome.Output, CORRECT, "");
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeProofInBlobs(1, blobs);
        vm.prank(challenger);
        uint256 cid = jm.challengeWithProofInBlobs{value: CHALLENGE_BOND}(
            id, ClaimedOutcome.Output, CORRECT, keccak256(PROOF)
        );
        assertEq(jm.getChallenge(cid).proofHash, keccak256(PROOF));
        assertEq(jm.challengeProofBlobhashes(cid, 0), blobs[0]);
        assertEq(jm.challengeProofBlobhashes(cid, 1), blobs[1]);
        assertEq(uint256(jm.getResultRecord(id).openChallenges), 1);
        // Upheld like any other challenge.
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_OVERTURNED));
    }

    function test_challengeWithProofInBlobs_revertsWithoutBlobs() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challengeWithProofInBlobs: the transaction carries no blobs"));
        jm.challengeWithProofInBlobs{value: CHALLENGE_BOND}(
            id, ClaimedOutcome.Output, CORRECT, keccak256(PROOF)
        );
    }

    function test_challengeWithProofInBlobs_keepsTheChallengeRules() public {
        bytes32 id = completeJob(INPUT, POSTED);
        bytes32[] memory blobs = new bytes32[](1);
        blobs[0] = bytes32((uint256(0x01) << 248) | 0xb1);
        vm.blobhashes(blobs);
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: wrong challenge bond"));
        jm.challengeWithProofInBlobs{value: 1}(id, ClaimedOutcome.Output, CORRECT, keccak256(PROOF));
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: claimed outcome equals the posted result"));
        jm.challengeWithProofInBlobs{value: CHALLENGE_BOND}(
            id, ClaimedOutcome.Output, POSTED, keccak256(PROOF)
        );
        vm.warp(block.timestamp + WINDOW + 1);
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: challenge window has closed"));
        jm.challengeWithProofInBlobs{value: CHALLENGE_BOND}(
            id, ClaimedOutcome.Output, CORRECT, keccak256(PROOF)
        );
    }

    function test_parameters_mustFitTheBlobRetention() public {
        DisputeParameters memory p = defaultParams();
        p.challengeWindow = 18 days;
        p.withdrawalDelay = 18 days;
        p.arbiterTimeout = 1 days;
        vm.prank(owner);
        vm.expectRevert(
            bytes(
                "JobManager.setDisputeParameters: the challenge window plus the arbiter timeout outlast the blob retention"
            )
        );
        jm.setDisputeParameters(p);
        p.arbiterTimeout = uint64(jm.BLOB_RETENTION()) - 18 days;
        vm.prank(owner);
        jm.setDisputeParameters(p);
        assertEq(jm.getDisputeParameters().arbiterTimeout, p.arbiterTimeout);
    }

    function test_challenge_panickedClaim() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
        Challenge memory c = jm.getChallenge(cid);
        assertEq(uint256(c.claimedOutcome), uint256(ClaimedOutcome.Panicked));
        assertEq(c.claimedOutputHash, bytes32(0));
    }

    function test_challenge_failedClaim() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeFiled(1, id, challenger, CHALLENGE_BOND, ClaimedOutcome.Failed, "", PROOF);
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Failed, "", PROOF);
        Challenge memory c = jm.getChallenge(cid);
        assertEq(uint256(c.claimedOutcome), uint256(ClaimedOutcome.Failed));
        assertEq(c.claimedOutputHash, bytes32(0));
    }

    function test_challenge_panickedOrFailedClaimWithOutputReverts() public {
        bytes32 id = completeJob(INPUT, POSTED);
        for (uint256 i = 0; i < 2; i++) {
            ClaimedOutcome outcome = i == 0 ? ClaimedOutcome.Panicked : ClaimedOutcome.Failed;
            vm.prank(challenger);
            vm.expectRevert(bytes("JobManager.challenge: a panicked or failed outcome has no output"));
            jm.challenge{value: CHALLENGE_BOND}(id, outcome, CORRECT, PROOF);
        }
    }

    function test_challenge_unknownOutcomeReverts() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.deal(challenger, CHALLENGE_BOND);
        vm.prank(challenger);
        // ABI-decoding an enum value out of range reverts before the function body.
        (bool ok,) = address(jm).call{value: CHALLENGE_BOND}(
            abi.encodeWithSignature("challenge(bytes32,uint8,bytes,bytes)", id, uint8(3), bytes(""), PROOF)
        );
        assertFalse(ok, "outcome 3 accepted");
        assertEq(jm.challengeCount(), 0);
    }

    function test_challenge_claimEqualToPostedResultReverts() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: claimed outcome equals the posted result"));
        jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, POSTED, PROOF);
    }

    function test_challenge_emptyOutputDiffersFromNonEmptyResult() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(challenger);
        jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, "", PROOF);
    }

    function test_challenge_revertsForJobNotCompleted() public {
        bytes32 pending = requestJob(INPUT);
        bytes32 cancelled = requestJob(INPUT);
        consumer.cancel(cancelled);
        bytes32[3] memory ids = [pending, cancelled, keccak256("unknown")];
        for (uint256 i = 0; i < ids.length; i++) {
            vm.prank(challenger);
            vm.expectRevert(bytes("JobManager.challenge: job is not completed"));
            jm.challenge{value: CHALLENGE_BOND}(ids[i], ClaimedOutcome.Output, CORRECT, PROOF);
        }
    }

    function test_challenge_revertsForOverturnedJob() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: job is not completed"));
        jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
    }

    function test_challenge_manyOpenAtOnce() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 first = fileChallenge(id);
        vm.deal(stranger, 10 ether);
        vm.prank(stranger);
        uint256 second = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
        uint256 third = fileChallenge(id); // the same challenger again, same claim
        assertEq(second, first + 1);
        assertEq(third, first + 2);
        assertEq(uint256(jm.getResultRecord(id).openChallenges), 3);
        assertEq(uint256(jm.getOperatorBond(operator).openChallenges), 3);
        assertEq(address(jm).balance, INITIAL_BOND + 3 * CHALLENGE_BOND);
    }

    function test_challenge_newChallengeAfterRejection() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 first = fileChallenge(id);
        vm.prank(arbiter);
        jm.resolveChallenge(first, false);
        vm.prank(challenger);
        uint256 second = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
        assertEq(second, 2);
        assertEq(uint256(jm.getResultRecord(id).openChallenges), 1);
    }

    // ------------------------------------------------------------------ adversaries

    /// The operator posts a wrong result and challenges it itself with a junk proof, over and
    /// over, to keep the job's challenge slot busy until the window closes. The honest
    /// challenger files anyway, is upheld, and the operator's junk challenges only cost it.
    function test_adversary_selfChallengingOperatorCannotBlockAnHonestChallenge() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.deal(operator, 10 ether);
        uint256 operatorBalance = operator.balance;
        vm.prank(operator);
        uint256 junk1 = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", hex"00");
        // The arbiter rejects the junk; the operator re-files at once.
        vm.prank(arbiter);
        jm.resolveChallenge(junk1, false);
        vm.prank(operator);
        uint256 junk2 = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", hex"00");

        // The honest challenger files while junk2 is open, on the last second of the window.
        vm.warp(block.timestamp + WINDOW);
        uint256 honest = fileChallenge(id);
        vm.prank(arbiter);
        jm.resolveChallenge(honest, true);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_OVERTURNED));
        assertEq(jm.claimable(challenger), CHALLENGE_BOND + REWARD);

        // The rejected junk bond went to nobody; junk2, still open when the job was overturned,
        // is only refunded. The operator is down a bond and the reward.
        assertEq(jm.claimable(operator), 0, "a rejected bond is never paid to the operator");
        assertEq(jm.burnedChallengeBonds(), CHALLENGE_BOND);
        jm.reclaimChallengeBond(junk2);
        assertEq(uint256(jm.getChallenge(junk2).status), uint256(ChallengeStatus.Refunded));
        assertEq(jm.claimable(operator), CHALLENGE_BOND);
        vm.prank(operator);
        jm.withdrawPayout(payable(operator));
        assertEq(operator.balance, operatorBalance - CHALLENGE_BOND);
        assertEq(jm.getOperatorBond(operator).amount, INITIAL_BOND - REWARD);
    }

    /// Several challenges are open when one is upheld: the first upheld one overturns the job
    /// and is rewarded, every other is refunded (by the arbiter's verdict or by anyone), and no
    /// second slash happens.
    function test_adversary_firstUpheldWinsOthersAreRefunded() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 a = fileChallenge(id);
        vm.deal(stranger, 10 ether);
        vm.prank(stranger);
        uint256 b = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
        vm.prank(stranger);
        uint256 c = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, hex"01", PROOF);

        vm.prank(arbiter);
        jm.resolveChallenge(b, true);
        assertEq(uint256(jm.getChallenge(b).status), uint256(ChallengeStatus.Upheld));
        assertEq(jm.claimable(stranger), CHALLENGE_BOND + REWARD);

        // The arbiter's later verdicts on the others refund them, upheld or not.
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeRefunded(a, id);
        vm.prank(arbiter);
        jm.resolveChallenge(a, true);
        assertEq(uint256(jm.getChallenge(a).status), uint256(ChallengeStatus.Refunded));
        assertEq(jm.claimable(challenger), CHALLENGE_BOND);
        vm.prank(arbiter);
        jm.resolveChallenge(c, false);
        assertEq(uint256(jm.getChallenge(c).status), uint256(ChallengeStatus.Refunded));
        assertEq(jm.claimable(stranger), 2 * CHALLENGE_BOND + REWARD);

        assertEq(jm.getOperatorBond(operator).amount, INITIAL_BOND - REWARD, "slashed once");
        assertEq(jm.burnedChallengeBonds(), 0);
        assertEq(uint256(jm.getResultRecord(id).openChallenges), 0);
        assertEq(uint256(jm.getOperatorBond(operator).openChallenges), 0);
        assertEq(consumer.overturnCount(), 1, "the consumer is told once");
    }

    /// Once a job is overturned, anyone may refund its other open challenges at once, without
    /// waiting for the arbiter or its timeout.
    function test_reclaim_refundsAtOnceWhenAnotherChallengeOverturnedTheJob() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 a = fileChallenge(id);
        uint256 b = fileChallenge(id);
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.reclaimChallengeBond: resolve deadline has not passed"));
        jm.reclaimChallengeBond(b);
        vm.prank(arbiter);
        jm.resolveChallenge(a, true);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeRefunded(b, id);
        vm.expectEmit(address(jm));
        emit IJobManager.PayoutCredited(challenger, CHALLENGE_BOND);
        vm.prank(stranger);
        jm.reclaimChallengeBond(b);
        assertEq(jm.claimable(challenger), 2 * CHALLENGE_BOND + REWARD);
        vm.expectRevert(bytes("JobManager.reclaimChallengeBond: challenge is not open"));
        jm.reclaimChallengeBond(b);
    }

    function test_challenge_windowBoundary() public {
        bytes32 id = completeJob(INPUT, POSTED);
        bytes32 id2 = completeJob(INPUT, POSTED);
        vm.warp(block.timestamp + WINDOW); // last second of the window: accepted
        fileChallenge(id);
        vm.warp(block.timestamp + 1);
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: challenge window has closed"));
        jm.challenge{value: CHALLENGE_BOND}(id2, ClaimedOutcome.Output, CORRECT, PROOF);
    }

    function test_challenge_wrongBondReverts() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.startPrank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: wrong challenge bond"));
        jm.challenge{value: CHALLENGE_BOND - 1}(id, ClaimedOutcome.Output, CORRECT, PROOF);
        vm.expectRevert(bytes("JobManager.challenge: wrong challenge bond"));
        jm.challenge{value: CHALLENGE_BOND + 1}(id, ClaimedOutcome.Output, CORRECT, PROOF);
        vm.stopPrank();
    }

    function test_challenge_emptyProofReverts() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: empty proof"));
        jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, CORRECT, "");
    }

    function test_challenge_noArbiterReverts() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(owner);
        jm.setArbiter(address(0));
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: no arbiter is set"));
        jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, CORRECT, PROOF);
    }

    // ------------------------------------------------------------------ resolve

    function test_resolve_fraudProven() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);

        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeResolved(cid, id, true);
        vm.expectEmit(address(jm));
        emit IJobManager.OperatorSlashed(operator, id, REWARD);
        vm.expectEmit(address(jm));
        emit IJobManager.JobOverturned(id, cid, ClaimedOutcome.Output, keccak256(CORRECT));
        vm.expectEmit(address(jm));
        emit IJobManager.PayoutCredited(challenger, CHALLENGE_BOND + REWARD);
        vm.expectEmit(address(jm));
        emit IJobManager.ConsumerNotified(id, address(consumer), true);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);

        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_OVERTURNED));
        assertEq(uint256(jm.getChallenge(cid).status), uint256(ChallengeStatus.Upheld));
        assertEq(uint256(jm.getResultRecord(id).openChallenges), 0);
        assertFalse(jm.isFinal(id));
        OperatorBond memory b = jm.getOperatorBond(operator);
        assertEq(b.amount, INITIAL_BOND - REWARD);
        assertEq(uint256(b.openChallenges), 0);
        assertEq(jm.claimable(challenger), CHALLENGE_BOND + REWARD);
        // Consumer hook.
        assertEq(consumer.overturnedJobID(), id);
        assertEq(uint256(consumer.overturnedOutcome()), uint256(ClaimedOutcome.Output));
        assertEq(consumer.overturnedOutputHash(), keccak256(CORRECT));

        uint256 before = challenger.balance;
        vm.expectEmit(address(jm));
        emit IJobManager.PayoutWithdrawn(challenger, challenger, CHALLENGE_BOND + REWARD);
        vm.prank(challenger);
        jm.withdrawPayout(payable(challenger));
        assertEq(challenger.balance, before + CHALLENGE_BOND + REWARD);
        assertEq(address(jm).balance, INITIAL_BOND - REWARD);
    }

    function test_resolve_fraudProvenRewardCappedByBond() public {
        // Bond down to 1 ether after a withdrawal; then a fraud with a 2 ether reward.
        DisputeParameters memory p = defaultParams();
        p.minOperatorBond = 0;
        vm.prank(owner);
        jm.setDisputeParameters(p);
        vm.prank(operator);
        jm.requestBondWithdrawal(INITIAL_BOND - 1 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        vm.prank(operator);
        jm.completeBondWithdrawal(payable(operator));

        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        assertEq(jm.getOperatorBond(operator).amount, 0);
        assertEq(jm.claimable(challenger), CHALLENGE_BOND + 1 ether);
    }

    function test_resolve_slashClampsPendingWithdrawal() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(operator);
        jm.requestBondWithdrawal(INITIAL_BOND);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        OperatorBond memory b = jm.getOperatorBond(operator);
        assertEq(b.amount, INITIAL_BOND - REWARD);
        assertEq(b.pendingWithdrawal, INITIAL_BOND - REWARD);
    }

    function test_resolve_notProvenBurnsTheBond() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeResolved(cid, id, false);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeBondBurned(cid, CHALLENGE_BOND);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, false);

        assertEq(uint256(jm.getChallenge(cid).status), uint256(ChallengeStatus.Rejected));
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
        assertEq(jm.claimable(challenger), 0);
        assertEq(jm.claimable(operator), 0, "never paid to the operator it challenged");
        assertEq(jm.burnedChallengeBonds(), CHALLENGE_BOND);
        assertEq(address(jm).balance, INITIAL_BOND + CHALLENGE_BOND, "burned ether stays locked here");
        assertEq(jm.getOperatorBond(operator).amount, INITIAL_BOND);
        assertEq(consumer.overturnCount(), 0);
    }

    function test_resolve_onlyArbiter() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(owner);
        vm.expectRevert(bytes("JobManager.resolveChallenge: caller is not an arbiter"));
        jm.resolveChallenge(cid, true);
    }

    function test_resolve_revertsWhenNotOpen() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.startPrank(arbiter);
        vm.expectRevert(bytes("JobManager.resolveChallenge: challenge is not open"));
        jm.resolveChallenge(cid + 1, true);
        jm.resolveChallenge(cid, false);
        vm.expectRevert(bytes("JobManager.resolveChallenge: challenge is not open"));
        jm.resolveChallenge(cid, true);
        vm.stopPrank();
    }

    function test_resolve_revertsAfterDeadline() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.warp(block.timestamp + ARBITER_TIMEOUT + 1);
        vm.prank(arbiter);
        vm.expectRevert(bytes("JobManager.resolveChallenge: resolve deadline has passed"));
        jm.resolveChallenge(cid, true);
    }

    function test_resolve_atDeadlineStillAllowed() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.warp(block.timestamp + ARBITER_TIMEOUT);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
    }

    // ------------------------------------------------------------------ timeout

    function test_reclaim_afterArbiterTimeout() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.reclaimChallengeBond: resolve deadline has not passed"));
        jm.reclaimChallengeBond(cid);

        vm.warp(block.timestamp + ARBITER_TIMEOUT + 1);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeTimedOut(cid, id);
        vm.expectEmit(address(jm));
        emit IJobManager.PayoutCredited(challenger, CHALLENGE_BOND);
        vm.prank(stranger); // anyone may trigger it; the bond goes to the challenger
        jm.reclaimChallengeBond(cid);

        assertEq(uint256(jm.getChallenge(cid).status), uint256(ChallengeStatus.TimedOut));
        assertEq(jm.claimable(challenger), CHALLENGE_BOND);
        assertEq(uint256(jm.getResultRecord(id).openChallenges), 0);
        assertEq(uint256(jm.getOperatorBond(operator).openChallenges), 0);
        assertTrue(jm.isFinal(id), "window long over, no challenge open");

        vm.expectRevert(bytes("JobManager.reclaimChallengeBond: challenge is not open"));
        jm.reclaimChallengeBond(cid);
        vm.prank(arbiter);
        vm.expectRevert(bytes("JobManager.resolveChallenge: challenge is not open"));
        jm.resolveChallenge(cid, true);
    }

    function test_reclaim_revertsForResolvedOrUnknown() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, false);
        vm.warp(block.timestamp + ARBITER_TIMEOUT + 1);
        vm.expectRevert(bytes("JobManager.reclaimChallengeBond: challenge is not open"));
        jm.reclaimChallengeBond(cid);
        vm.expectRevert(bytes("JobManager.reclaimChallengeBond: challenge is not open"));
        jm.reclaimChallengeBond(999);
    }

    // ------------------------------------------------------------------ payouts

    function test_withdrawPayout_reverts() public {
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.withdrawPayout: nothing to withdraw"));
        jm.withdrawPayout(payable(challenger));

        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        address rejecter = address(new RejectEther());
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager: payout transfer failed"));
        jm.withdrawPayout(payable(rejecter));
        assertEq(jm.claimable(challenger), CHALLENGE_BOND + REWARD, "balance kept after failed transfer");
    }

    // ------------------------------------------------------------------ hostile consumer hooks

    function _overturnWithHostileConsumer(HostileHookConsumer.Mode mode)
        internal
        returns (HostileHookConsumer c)
    {
        c = new HostileHookConsumer(address(jm), mode);
        bytes32 id = c.request(PROGRAM_ID, INPUT, MAX_CYCLES);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, POSTED);
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
        vm.expectEmit(address(jm));
        emit IJobManager.ConsumerNotified(id, address(c), false);
        vm.prank(arbiter);
        jm.resolveChallenge{gas: 2_000_000}(cid, true);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_OVERTURNED));
        assertEq(jm.claimable(challenger), CHALLENGE_BOND + REWARD);
    }

    function test_hook_revertingConsumerCannotBlockResolution() public {
        _overturnWithHostileConsumer(HostileHookConsumer.Mode.Revert);
    }

    function test_hook_gasBurningConsumerCannotBlockResolution() public {
        _overturnWithHostileConsumer(HostileHookConsumer.Mode.BurnGas);
    }

    function test_hook_returnBombConsumerCannotBlockResolution() public {
        // The hook "succeeds" but returns 1 MB; JobManager copies none of it.
        HostileHookConsumer c = new HostileHookConsumer(address(jm), HostileHookConsumer.Mode.ReturnBomb);
        bytes32 id = c.request(PROGRAM_ID, INPUT, MAX_CYCLES);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, POSTED);
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
        vm.prank(arbiter);
        jm.resolveChallenge{gas: 2_000_000}(cid, true);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_OVERTURNED));
    }

    function test_hook_reentrantConsumerCannotWithdrawDuringResolution() public {
        HostileHookConsumer c = _overturnWithHostileConsumer(HostileHookConsumer.Mode.ReenterWithdraw);
        assertEq(address(c).balance, 0);
    }

    function test_hook_getsItsGasBudget() public {
        HostileHookConsumer c = new HostileHookConsumer(address(jm), HostileHookConsumer.Mode.Revert);
        bytes32 id = c.request(PROGRAM_ID, INPUT, MAX_CYCLES);
        bytes memory encoded = encodeResult(id, INPUT, MAX_CYCLES, PROGRAM_ID, POSTED);
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);

        // With too little gas for the hook's budget, the arbiter's call fails instead of
        // silently starving the hook.
        vm.prank(arbiter);
        (bool ok,) = address(jm).call{gas: 300_000}(abi.encodeCall(JobManager.resolveChallenge, (cid, true)));
        assertFalse(ok, "resolution with a starved hook must fail");
        assertEq(uint256(jm.getChallenge(cid).status), uint256(ChallengeStatus.Open));
    }

    function test_hook_consumerRecordsOverturn() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Panicked, "", PROOF);
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        assertEq(consumer.overturnCount(), 1);
        assertEq(uint256(consumer.overturnedOutcome()), uint256(ClaimedOutcome.Panicked));
        assertEq(consumer.overturnedOutputHash(), bytes32(0));
    }

    /// "The job should have failed" upheld: overturned, the consumer told so, the operator
    /// slashed as for any other proven fraud.
    function test_failedClaimUpheld_overturnsAndNotifies() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(challenger);
        uint256 cid = jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Failed, "", PROOF);
        vm.expectEmit(address(jm));
        emit IJobManager.JobOverturned(id, cid, ClaimedOutcome.Failed, bytes32(0));
        vm.prank(arbiter);
        jm.resolveChallenge(cid, true);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_OVERTURNED));
        assertEq(uint256(consumer.overturnedOutcome()), uint256(ClaimedOutcome.Failed));
        assertEq(consumer.overturnedJobID(), id);
        assertEq(jm.claimable(challenger), CHALLENGE_BOND + REWARD);
    }
}
