// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimedOutcome} from "../src/IConsumer.sol";
import {Fixture} from "./utils/Fixture.sol";
import {
    IJobManager,
    ChallengeStatus,
    JOB_STATE_COMPLETED,
    JOB_STATE_OVERTURNED
} from "../src/IJobManager.sol";

/// k-of-n arbiters: the owner sets the set and the threshold, each arbiter votes on its own,
/// a challenge is decided when the threshold agrees, and without a quorum it times out. The
/// attacks: a lying arbiter, an arbiter voting twice, a removed arbiter, a stale vote.
contract ArbitersTest is Fixture {
    bytes internal constant INPUT = hex"0000000000000000000000000000000000000000000000000000000000000009";
    bytes internal constant POSTED = hex"0000000000000000000000000000000000000000000000000000000000000004";
    bytes internal constant CORRECT = hex"0000000000000000000000000000000000000000000000000000000000000003";
    bytes internal constant PROOF = hex"4a4f4c5450524f4f46";

    address internal honest1 = address(0xA1);
    address internal honest2 = address(0xA2);
    address internal liar = address(0xA3);

    function setUp() public override {
        super.setUp();
        vm.prank(owner);
        jm.setArbiters(three(honest1, honest2, liar), 2);
    }

    function three(address a, address b, address c) internal pure returns (address[] memory set) {
        set = new address[](3);
        set[0] = a;
        set[1] = b;
        set[2] = c;
    }

    function fileChallenge(bytes32 id) internal returns (uint256) {
        vm.prank(challenger);
        return jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, CORRECT, PROOF);
    }

    function vote(address who, uint256 cid, bool fraudProven) internal {
        vm.prank(who);
        jm.resolveChallenge(cid, fraudProven);
    }

    function status(uint256 cid) internal view returns (uint256) {
        return uint256(jm.getChallenge(cid).status);
    }

    // ------------------------------------------------------------------ configuration

    function test_setArbiters_recordsTheSetAndEmits() public {
        address[] memory set = three(honest1, honest2, liar);
        vm.expectEmit(address(jm));
        emit IJobManager.ArbitersUpdated(set, 3, 3);
        vm.prank(owner);
        jm.setArbiters(set, 3);
        (address[] memory got, uint256 threshold) = jm.getArbiters();
        assertEq(got.length, 3);
        assertEq(got[2], liar);
        assertEq(threshold, 3);
        assertTrue(jm.isArbiter(honest2));
        assertFalse(jm.isArbiter(arbiter), "the fixture's arbiter was replaced");
    }

    function test_setArbiters_validation() public {
        vm.startPrank(owner);
        vm.expectRevert(
            bytes(
                "JobManager.setArbiters: the threshold must be between 1 and the number of arbiters (0 for none)"
            )
        );
        jm.setArbiters(three(honest1, honest2, liar), 0);
        vm.expectRevert(
            bytes(
                "JobManager.setArbiters: the threshold must be between 1 and the number of arbiters (0 for none)"
            )
        );
        jm.setArbiters(three(honest1, honest2, liar), 4);
        vm.expectRevert(
            bytes(
                "JobManager.setArbiters: the threshold must be between 1 and the number of arbiters (0 for none)"
            )
        );
        jm.setArbiters(new address[](0), 1);
        vm.expectRevert(bytes("JobManager.setArbiters: an arbiter is the zero address"));
        jm.setArbiters(three(honest1, address(0), liar), 2);
        vm.expectRevert(bytes("JobManager.setArbiters: an arbiter is listed twice"));
        jm.setArbiters(three(honest1, honest2, honest1), 2);
        address[] memory many = new address[](17);
        for (uint256 i = 0; i < many.length; i++) {
            many[i] = address(uint160(0x1000 + i));
        }
        vm.expectRevert(bytes("JobManager.setArbiters: more than MAX_ARBITERS arbiters"));
        jm.setArbiters(many, 9);
        // A failed change leaves the set as it was.
        (address[] memory got, uint256 threshold) = jm.getArbiters();
        assertEq(got.length, 3);
        assertEq(threshold, 2);
        assertTrue(jm.isArbiter(liar));
        vm.stopPrank();
    }

    function test_setArbiters_emptySetStopsNewChallenges() public {
        bytes32 id = completeJob(INPUT, POSTED);
        vm.prank(owner);
        jm.setArbiters(new address[](0), 0);
        assertFalse(jm.isArbiter(honest1));
        vm.prank(challenger);
        vm.expectRevert(bytes("JobManager.challenge: no arbiter is set"));
        jm.challenge{value: CHALLENGE_BOND}(id, ClaimedOutcome.Output, CORRECT, PROOF);
    }

    // ------------------------------------------------------------------ voting

    function test_oneVoteBelowTheThresholdDecidesNothing() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.expectEmit(address(jm));
        emit IJobManager.ArbiterVoted(cid, honest1, true);
        vote(honest1, cid, true);
        assertEq(status(cid), uint256(ChallengeStatus.Open));
        (uint256 upheld, uint256 rejected) = jm.getChallengeVotes(cid);
        assertEq(upheld, 1);
        assertEq(rejected, 0);
        assertTrue(jm.hasVoted(cid, honest1));
        assertFalse(jm.hasVoted(cid, honest2));
        assertEq(uint256(jm.getResultRecord(id).openChallenges), 1);
        assertFalse(jm.isFinal(id));
    }

    function test_adversary_aLyingArbiterCannotSaveAWrongResult() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vote(liar, cid, false); // the operator's friend votes "not proven" first
        vote(honest1, cid, true);
        assertEq(status(cid), uint256(ChallengeStatus.Open), "1 against 1: no quorum yet");
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeResolved(cid, id, true);
        vote(honest2, cid, true);
        assertEq(status(cid), uint256(ChallengeStatus.Upheld));
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_OVERTURNED));
        assertEq(jm.claimable(challenger), CHALLENGE_BOND + REWARD);
        vm.prank(liar);
        vm.expectRevert(bytes("JobManager.resolveChallenge: challenge is not open"));
        jm.resolveChallenge(cid, false);
    }

    function test_adversary_aLyingArbiterCannotUpholdJunk() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vote(liar, cid, true);
        vote(honest1, cid, false);
        vote(honest2, cid, false);
        assertEq(status(cid), uint256(ChallengeStatus.Rejected));
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
        assertEq(jm.burnedChallengeBonds(), CHALLENGE_BOND);
        assertEq(jm.getOperatorBond(operator).amount, INITIAL_BOND, "nobody slashed");
    }

    function test_adversary_anArbiterCannotVoteTwice() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vote(liar, cid, false);
        vm.prank(liar);
        vm.expectRevert(bytes("JobManager.resolveChallenge: this arbiter has already voted"));
        jm.resolveChallenge(cid, false);
        vm.prank(liar);
        vm.expectRevert(bytes("JobManager.resolveChallenge: this arbiter has already voted"));
        jm.resolveChallenge(cid, true);
    }

    function test_adversary_strangersAndRemovedArbitersCannotVote() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vm.prank(stranger);
        vm.expectRevert(bytes("JobManager.resolveChallenge: caller is not an arbiter"));
        jm.resolveChallenge(cid, false);
        vm.prank(arbiter); // the fixture's arbiter, replaced in setUp
        vm.expectRevert(bytes("JobManager.resolveChallenge: caller is not an arbiter"));
        jm.resolveChallenge(cid, false);
    }

    function test_aNewArbiterSetVoidsEarlierVotes() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vote(liar, cid, false);
        vote(honest1, cid, true);
        // The owner drops the liar; its vote no longer counts and the new set decides afresh.
        address honest3 = address(0xA4);
        vm.prank(owner);
        jm.setArbiters(three(honest1, honest2, honest3), 2);
        (uint256 upheld, uint256 rejected) = jm.getChallengeVotes(cid);
        assertEq(upheld + rejected, 0, "votes under the old set are void");
        assertFalse(jm.hasVoted(cid, honest1));
        vote(honest1, cid, true);
        assertEq(status(cid), uint256(ChallengeStatus.Open));
        vote(honest3, cid, true);
        assertEq(status(cid), uint256(ChallengeStatus.Upheld));
    }

    function test_noQuorumEndsInTheTimeoutPath() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vote(liar, cid, false);
        vote(honest1, cid, true); // honest2 is offline
        vm.warp(block.timestamp + ARBITER_TIMEOUT + 1);
        vm.prank(honest2);
        vm.expectRevert(bytes("JobManager.resolveChallenge: resolve deadline has passed"));
        jm.resolveChallenge(cid, true);
        jm.reclaimChallengeBond(cid);
        assertEq(status(cid), uint256(ChallengeStatus.TimedOut));
        assertEq(jm.claimable(challenger), CHALLENGE_BOND, "the bond goes back");
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
    }

    function test_thresholdOneOfThreeDecidesOnTheFirstVote() public {
        vm.prank(owner);
        jm.setArbiters(three(honest1, honest2, liar), 1);
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 cid = fileChallenge(id);
        vote(honest2, cid, true);
        assertEq(status(cid), uint256(ChallengeStatus.Upheld));
    }

    function test_afterAnotherChallengeOverturnedTheJobOneArbiterRefunds() public {
        bytes32 id = completeJob(INPUT, POSTED);
        uint256 first = fileChallenge(id);
        uint256 second = fileChallenge(id);
        vote(honest1, first, true);
        vote(honest2, first, true);
        vm.expectEmit(address(jm));
        emit IJobManager.ChallengeRefunded(second, id);
        vote(liar, second, false); // no quorum needed: the refund is a fact, not a verdict
        assertEq(status(second), uint256(ChallengeStatus.Refunded));
        assertEq(jm.burnedChallengeBonds(), 0);
    }
}
