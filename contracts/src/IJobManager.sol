// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimedOutcome} from "./IConsumer.sol";

// Job states stored in `JobMetadata.status`. 0 means "no such job".
uint8 constant JOB_STATE_PENDING = 1;
uint8 constant JOB_STATE_CANCELLED = 2;
uint8 constant JOB_STATE_COMPLETED = 3;
// A completed job whose result an arbiter found fraudulent (ivm extension; InfinityVM has no disputes).
uint8 constant JOB_STATE_OVERTURNED = 4;

/// Dispute parameters, set by the owner. Times are in seconds, amounts in wei.
struct DisputeParameters {
    // How long after a result is posted it can be challenged.
    uint64 challengeWindow;
    // How long the arbiter has to resolve a challenge before the challenger may reclaim its bond.
    uint64 arbiterTimeout;
    // Minimum time between an operator's withdrawal request and its completion (>= challengeWindow).
    uint64 withdrawalDelay;
    // Exact amount a challenger attaches to `challenge`.
    uint256 challengeBond;
    // Paid from the operator's bond to the challenger when fraud is proven (capped by the bond).
    uint256 challengerReward;
    // Results are accepted only while the signing operator's bond, net of a pending withdrawal, is at least this.
    uint256 minOperatorBond;
}

/// Per-job record of the accepted result (ivm extension).
struct ResultRecord {
    bytes32 resultHash;
    address operator;
    uint64 completedAt;
    uint64 challengeDeadline;
    // Challenges against this result still awaiting a verdict (any number may be open at once).
    uint32 openChallenges;
}

enum ChallengeStatus {
    None,
    Open,
    Upheld,
    Rejected,
    TimedOut,
    // Closed without a verdict because another challenge overturned the job first: bond returned.
    Refunded
}

struct Challenge {
    bytes32 jobID;
    address challenger;
    address operator;
    uint64 filedAt;
    uint64 resolveDeadline;
    ChallengeStatus status;
    ClaimedOutcome claimedOutcome;
    uint256 bond;
    uint256 reward;
    bytes32 claimedOutputHash;
    bytes32 proofHash;
}

/// The arbiters' votes on one challenge, cast under the arbiter set of `epoch` (a change of the
/// set starts a new epoch, and votes of an earlier one no longer count).
struct VoteTally {
    uint64 epoch;
    uint32 upheld;
    uint32 rejected;
}

struct OperatorBond {
    uint256 amount;
    uint256 pendingWithdrawal;
    uint64 withdrawalUnlockAt;
    uint64 latestChallengeDeadline;
    uint32 openChallenges;
}

interface IJobManager {
    // ---- InfinityVM's structs, declared where InfinityVM declares them ----
    /// What JobManager stores per job.
    struct JobMetadata {
        bytes programID;
        uint64 maxCycles;
        address consumer;
        uint8 status;
    }

    /// Signed by the coprocessor operator for onchain jobs: `abi.encode(ResultWithMetadata)`.
    struct ResultWithMetadata {
        bytes32 jobID;
        bytes32 onchainInputHash;
        uint64 maxCycles;
        bytes programID;
        bytes result;
    }

    /// Signed by the coprocessor operator for offchain jobs: `abi.encode(OffchainResultWithMetadata)`.
    struct OffchainResultWithMetadata {
        bytes32 jobID;
        bytes32 onchainInputHash;
        bytes32 offchainInputHash;
        uint64 maxCycles;
        bytes programID;
        bytes result;
        bytes32[] versionedBlobHashes;
    }

    /// Signed by an authorised requester: `abi.encode(OffchainJobRequest)`.
    struct OffchainJobRequest {
        uint64 nonce;
        uint64 maxCycles;
        address consumer;
        bytes programID;
        bytes onchainInput;
        bytes32 offchainInputHash;
    }

    // ---- InfinityVM events ----
    event JobCreated(
        bytes32 indexed jobID,
        uint64 indexed nonce,
        address indexed consumer,
        uint64 maxCycles,
        bytes programID,
        bytes onchainInput
    );
    event JobCancelled(bytes32 indexed jobID);
    event JobCompleted(bytes32 indexed jobID, bytes result);

    // ---- ivm events: configuration ----
    event RelayerUpdated(address indexed relayer);
    event CoprocessorOperatorUpdated(address indexed operator);
    event ArbitersUpdated(address[] arbiters, uint256 threshold, uint64 epoch);
    event DisputeParametersUpdated(DisputeParameters params);
    event MaxJobCyclesUpdated(uint64 maxJobCycles);

    // ---- ivm events: results, bonds and disputes ----
    event ResultRecorded(
        bytes32 indexed jobID, address indexed operator, bytes32 resultHash, uint64 challengeDeadline
    );
    event OperatorBondDeposited(
        address indexed operator, address indexed from, uint256 amount, uint256 newBond
    );
    event OperatorBondWithdrawalRequested(address indexed operator, uint256 amount, uint64 unlockAt);
    event OperatorBondWithdrawalCancelled(address indexed operator);
    event OperatorBondWithdrawn(address indexed operator, address indexed to, uint256 amount);
    event ChallengeFiled(
        uint256 indexed challengeID,
        bytes32 indexed jobID,
        address indexed challenger,
        uint256 bond,
        ClaimedOutcome claimedOutcome,
        bytes claimedOutput,
        bytes proof
    );
    /// The proof of challenge `challengeID` is in the blobs with these versioned hashes.
    event ChallengeProofInBlobs(uint256 indexed challengeID, bytes32[] versionedBlobHashes);
    event ArbiterVoted(uint256 indexed challengeID, address indexed arbiter, bool fraudProven);
    event ChallengeResolved(uint256 indexed challengeID, bytes32 indexed jobID, bool indexed fraudProven);
    event ChallengeTimedOut(uint256 indexed challengeID, bytes32 indexed jobID);
    event ChallengeRefunded(uint256 indexed challengeID, bytes32 indexed jobID);
    event ChallengeBondBurned(uint256 indexed challengeID, uint256 amount);
    event JobOverturned(
        bytes32 indexed jobID,
        uint256 indexed challengeID,
        ClaimedOutcome claimedOutcome,
        bytes32 claimedOutputHash
    );
    event OperatorSlashed(address indexed operator, bytes32 indexed jobID, uint256 amount);
    event ConsumerNotified(bytes32 indexed jobID, address indexed consumer, bool success);
    event PayoutCredited(address indexed account, uint256 amount);
    event PayoutWithdrawn(address indexed account, address indexed to, uint256 amount);

    // ---- InfinityVM functions ----
    function createJob(uint64 nonce, bytes calldata programID, bytes calldata onchainInput, uint64 maxCycles)
        external
        returns (bytes32 jobID);
    function cancelJob(bytes32 jobID) external;
    function submitResult(bytes calldata resultWithMetadata, bytes calldata signature) external;
    function submitResultForOffchainJob(
        bytes calldata offchainResultWithMetadata,
        bytes calldata signatureOnResult,
        bytes calldata jobRequest,
        bytes calldata signatureOnRequest
    ) external;
    function getJobMetadata(bytes32 jobID) external view returns (JobMetadata memory);
    function setRelayer(address relayer) external;
    function getRelayer() external view returns (address);
    function setCoprocessorOperator(address operator) external;
    function getCoprocessorOperator() external view returns (address);

    // ---- ivm dispute functions ----
    function isFinal(bytes32 jobID) external view returns (bool);
    function challenge(
        bytes32 jobID,
        ClaimedOutcome claimedOutcome,
        bytes calldata claimedOutput,
        bytes calldata proof
    ) external payable returns (uint256 challengeID);
    function challengeWithProofInBlobs(
        bytes32 jobID,
        ClaimedOutcome claimedOutcome,
        bytes calldata claimedOutput,
        bytes32 proofHash
    ) external payable returns (uint256 challengeID);
    function resolveChallenge(uint256 challengeID, bool fraudProven) external;
    function setArbiters(address[] calldata arbiters, uint256 threshold) external;
    function getArbiters() external view returns (address[] memory arbiters, uint256 threshold);
    function getChallengeVotes(uint256 challengeID) external view returns (uint256 upheld, uint256 rejected);
    function hasVoted(uint256 challengeID, address arbiter) external view returns (bool);
    function reclaimChallengeBond(uint256 challengeID) external;
    function depositOperatorBond(address operator) external payable;
    function requestBondWithdrawal(uint256 amount) external;
    function cancelBondWithdrawal() external;
    function completeBondWithdrawal(address payable to) external;
    function withdrawPayout(address payable to) external;
}
