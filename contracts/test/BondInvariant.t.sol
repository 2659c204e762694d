// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimedOutcome} from "../src/IConsumer.sol";
import {Test} from "./utils/Test.sol";
import {TestConsumer} from "./utils/Mocks.sol";
import {JobManager} from "../src/JobManager.sol";
import {
    IJobManager,
    DisputeParameters,
    Challenge,
    ChallengeStatus,
    OperatorBond,
    JOB_STATE_COMPLETED,
    JOB_STATE_OVERTURNED
} from "../src/IJobManager.sol";

/// Drives JobManager through random sequences of deposits, results, challenges, verdicts,
/// timeouts, withdrawals and payouts, keeping ghost totals of the ether that moved.
contract BondHandler is Test {
    JobManager public jm;
    TestConsumer public consumer;
    uint256 internal constant OPERATOR_KEY = ANVIL_KEY_2;
    address public operator;
    address public relayer = address(0x5E1A7);
    address public arbiter = address(0xA4B17E4);
    address public owner = address(0x0A11CE);
    address[3] public challengers = [address(0xC001), address(0xC002), address(0xC003)];
    address public operatorPayee = address(0x0B0B);

    uint256 public ghostIn; // deposits + challenge bonds
    uint256 public ghostOut; // completed withdrawals + payouts
    bytes32[] public completedJobs;
    uint256 public calls;
    // How often each path actually ran (useful when changing the handler: every one must be reached).
    uint256 public upheld;
    uint256 public rejected;
    uint256 public timedOut;
    uint256 public selfChallenges;
    uint256 public withdrawals;
    uint256 public payouts;

    constructor(JobManager jm_, TestConsumer consumer_) {
        jm = jm_;
        consumer = consumer_;
        operator = vm.addr(OPERATOR_KEY);
    }

    function actors() external view returns (address[] memory a) {
        a = new address[](5);
        a[0] = challengers[0];
        a[1] = challengers[1];
        a[2] = challengers[2];
        a[3] = operator;
        a[4] = operatorPayee;
    }

    function completedCount() external view returns (uint256) {
        return completedJobs.length;
    }

    // ---------------------------------------------------------------- actions

    function deposit(uint256 amount) external {
        calls++;
        amount = bound(amount, 1, 20 ether);
        address funder = address(0xF00D);
        vm.deal(funder, amount);
        vm.prank(funder);
        jm.depositOperatorBond{value: amount}(operator);
        ghostIn += amount;
    }

    function postResult(uint256 seed) external {
        calls++;
        bytes memory input = abi.encode(seed);
        bytes32 id = consumer.request("program", input, 1000);
        bytes memory encoded = abi.encode(
            IJobManager.ResultWithMetadata({
                jobID: id,
                onchainInputHash: keccak256(input),
                maxCycles: 1000,
                programID: "program",
                result: abi.encode(seed % 7)
            })
        );
        bytes memory sig = signMessage(OPERATOR_KEY, encoded);
        vm.prank(relayer);
        try jm.submitResult(encoded, sig) {
            completedJobs.push(id);
        } catch {
            // operator bond below the minimum: the job stays pending
        }
    }

    function challenge(uint256 jobSeed, uint256 who, uint8 outcomeSeed) external {
        calls++;
        if (completedJobs.length == 0) return;
        bytes32 id = completedJobs[jobSeed % completedJobs.length];
        // One in four challenges is the operator challenging its own result.
        address c = who % 4 == 3 ? operator : challengers[who % 4];
        uint256 bond = jm.getDisputeParameters().challengeBond;
        vm.deal(c, c.balance + bond);
        vm.prank(c);
        ClaimedOutcome outcome = ClaimedOutcome(outcomeSeed % 3);
        bytes memory output = outcome == ClaimedOutcome.Output ? abi.encode(jobSeed) : bytes("");
        try jm.challenge{value: bond}(id, outcome, output, hex"01") {
            ghostIn += bond;
            if (c == operator) selfChallenges++;
        } catch {
            // closed window or overturned job
        }
    }

    function resolve(uint256 challengeSeed, bool fraudProven) external {
        calls++;
        uint256 n = jm.challengeCount();
        if (n == 0) return;
        uint256 cid = 1 + challengeSeed % n;
        vm.prank(arbiter);
        try jm.resolveChallenge{gas: 3_000_000}(cid, fraudProven) {
            if (fraudProven) upheld++;
            else rejected++;
        } catch {}
    }

    function reclaim(uint256 challengeSeed) external {
        calls++;
        uint256 n = jm.challengeCount();
        if (n == 0) return;
        try jm.reclaimChallengeBond(1 + challengeSeed % n) {
            timedOut++;
        } catch {}
    }

    function warp(uint256 secs) external {
        calls++;
        vm.warp(block.timestamp + bound(secs, 0, 2 days));
    }

    function requestWithdrawal(uint256 amount) external {
        calls++;
        uint256 bondAmount = jm.getOperatorBond(operator).amount;
        if (bondAmount == 0) return;
        vm.prank(operator);
        jm.requestBondWithdrawal(bound(amount, 1, bondAmount));
    }

    function completeWithdrawal() external {
        calls++;
        uint256 before = operatorPayee.balance;
        vm.prank(operator);
        try jm.completeBondWithdrawal(payable(operatorPayee)) {
            ghostOut += operatorPayee.balance - before;
            withdrawals++;
        } catch {}
    }

    function withdrawPayout(uint256 who) external {
        calls++;
        address a = who % 4 == 3 ? operator : challengers[who % 4];
        address payee = address(uint160(0xBEEF0000) + uint160(who % 4));
        uint256 before = payee.balance;
        vm.prank(a);
        try jm.withdrawPayout(payable(payee)) {
            ghostOut += payee.balance - before;
            payouts++;
        } catch {}
    }

    function changeParameters(uint256 bondSeed, uint256 rewardSeed) external {
        calls++;
        DisputeParameters memory p = jm.getDisputeParameters();
        p.challengeBond = bound(bondSeed, 0, 3 ether);
        p.challengerReward = bound(rewardSeed, 0, 15 ether);
        vm.prank(owner);
        jm.setDisputeParameters(p);
    }
}

contract BondInvariantTest is Test {
    JobManager internal jm;
    BondHandler internal handler;

    function setUp() public {
        vm.warp(1_000_000);
        DisputeParameters memory p = DisputeParameters({
            challengeWindow: 1 hours,
            arbiterTimeout: 6 hours,
            withdrawalDelay: 2 hours,
            challengeBond: 1 ether,
            challengerReward: 2 ether,
            minOperatorBond: 1 ether
        });
        jm = new JobManager(address(0x0A11CE), address(0x5E1A7), vm.addr(ANVIL_KEY_2), address(0xA4B17E4), p);
        TestConsumer consumer = new TestConsumer(address(jm), address(0), 0);
        handler = new BondHandler(jm, consumer);
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// Ether in == ether held + ether paid out.
    function invariant_etherConserved() public view {
        assertEq(address(jm).balance, handler.ghostIn() - handler.ghostOut(), "balance == deposits - payouts");
    }

    /// Ether held == operator bond + open challenge bonds + unclaimed payouts + burned bonds.
    function invariant_balanceFullyAccounted() public view {
        uint256 held = jm.getOperatorBond(handler.operator()).amount + jm.burnedChallengeBonds();
        uint256 n = jm.challengeCount();
        uint256 open;
        for (uint256 i = 1; i <= n; i++) {
            Challenge memory c = jm.getChallenge(i);
            if (c.status == ChallengeStatus.Open) {
                held += c.bond;
                open++;
            }
        }
        address[] memory a = handler.actors();
        for (uint256 i = 0; i < a.length; i++) {
            held += jm.claimable(a[i]);
        }
        assertEq(address(jm).balance, held, "balance == bonds + open challenge bonds + claimable + burned");
        assertEq(uint256(jm.getOperatorBond(handler.operator()).openChallenges), open, "open challenge count");
    }

    /// Job state agrees with challenge state; each job counts its own open challenges; at most
    /// one challenge per job is ever upheld; rejected bonds are all burned.
    function invariant_jobAndChallengeStatesAgree() public view {
        uint256 n = jm.challengeCount();
        uint256 burned;
        for (uint256 i = 1; i <= n; i++) {
            Challenge memory c = jm.getChallenge(i);
            uint8 status = jm.getJobMetadata(c.jobID).status;
            if (c.status == ChallengeStatus.Upheld) {
                assertEq(uint256(status), uint256(JOB_STATE_OVERTURNED), "upheld => overturned");
                assertFalse(jm.isFinal(c.jobID), "overturned jobs are never final");
                for (uint256 k = i + 1; k <= n; k++) {
                    Challenge memory d = jm.getChallenge(k);
                    assertTrue(
                        d.jobID != c.jobID || d.status != ChallengeStatus.Upheld,
                        "one upheld challenge per job"
                    );
                }
            } else if (c.status == ChallengeStatus.Open) {
                assertFalse(jm.isFinal(c.jobID), "a job with an open challenge is not final");
            } else if (c.status == ChallengeStatus.Rejected) {
                burned += c.bond;
            } else if (c.status == ChallengeStatus.Refunded) {
                assertEq(
                    uint256(status), uint256(JOB_STATE_OVERTURNED), "refunded => another overturned the job"
                );
            }
        }
        assertEq(jm.burnedChallengeBonds(), burned, "every rejected bond, and only those, is burned");
        uint256 jobs = handler.completedCount();
        for (uint256 j = 0; j < jobs; j++) {
            bytes32 id = handler.completedJobs(j);
            uint256 open;
            for (uint256 i = 1; i <= n; i++) {
                Challenge memory c = jm.getChallenge(i);
                if (c.jobID == id && c.status == ChallengeStatus.Open) open++;
            }
            assertEq(uint256(jm.getResultRecord(id).openChallenges), open, "a job's open challenge count");
        }
        OperatorBond memory b = jm.getOperatorBond(handler.operator());
        assertTrue(b.pendingWithdrawal <= b.amount, "pending withdrawal never exceeds the bond");
    }

    function invariant_completedJobsStayCompletedOrOverturned() public view {
        uint256 n = handler.completedCount();
        for (uint256 i = 0; i < n; i++) {
            uint8 s = jm.getJobMetadata(handler.completedJobs(i)).status;
            assertTrue(s == JOB_STATE_COMPLETED || s == JOB_STATE_OVERTURNED, "completed job state");
        }
    }
}
