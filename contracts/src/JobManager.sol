// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {
    IJobManager,
    JOB_STATE_PENDING,
    JOB_STATE_CANCELLED,
    JOB_STATE_COMPLETED,
    JOB_STATE_OVERTURNED,
    DisputeParameters,
    ResultRecord,
    ChallengeStatus,
    Challenge,
    OperatorBond,
    VoteTally
} from "./IJobManager.sol";
import {ClaimedOutcome, IConsumer} from "./IConsumer.sol";
import {OffchainRequester} from "./OffchainRequester.sol";

/// The registry between consumer contracts and the coprocessor: InfinityVM's JobManager
/// (same selectors, events, encodings and checks) plus optimistic fraud-proof disputes.
///
/// Not upgradeable: it holds operator and challenger bonds, and an upgrade key would let its
/// holder take them. See contracts/README.md for the rules.
contract JobManager is IJobManager, Ownable, ReentrancyGuard {
    /// Gas given to a consumer's `resultOverturned` hook. Its failure never blocks resolution.
    uint256 public constant CONSUMER_HOOK_GAS = 500_000;
    /// Upper bound for every duration parameter.
    uint64 public constant MAX_DURATION = 365 days;

    bytes4 internal constant EIP1271_MAGIC_VALUE = 0x1626ba7e;
    /// keccak256 of the empty offchain input (a job without one posts no blobs).
    bytes32 internal constant EMPTY_INPUT_HASH = keccak256("");
    /// The most blobs a challenge's proof may take (a proof is ~100–170 KB: two blobs).
    uint256 public constant MAX_PROOF_BLOBS = 6;
    /// How long consensus clients keep blobs (MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS: 4096
    /// epochs of 32 twelve-second slots, ~18.2 days). Offchain inputs and challenge proofs live
    /// in blobs, so a challenge window plus the arbiter's timeout must end before they expire.
    uint64 public constant BLOB_RETENTION = 4096 * 32 * 12;
    /// The most arbiters the owner may set (votes are counted in a loop-free tally, but the set
    /// is copied on every change).
    uint256 public constant MAX_ARBITERS = 16;

    // ---- InfinityVM state ----
    address public relayer;
    address public coprocessorOperator;
    mapping(bytes32 => JobMetadata) public jobIDToMetadata;
    mapping(bytes32 => bytes32[]) public jobIDToBlobhashes;
    /// The versioned hashes of the blobs a challenge's proof was filed in
    /// (`challengeWithProofInBlobs`; empty for a proof in calldata).
    mapping(uint256 => bytes32[]) public challengeProofBlobhashes;

    // ---- dispute state ----
    /// The arbiters: each verifies a challenge's proof on its own and votes
    /// (`resolveChallenge`); a challenge is decided when `arbiterThreshold` of them agree.
    address[] internal _arbiters;
    uint256 public arbiterThreshold;
    mapping(address => bool) public isArbiter;
    /// Bumped on every change of the arbiter set: votes cast under an earlier set are void,
    /// so a removed arbiter's vote never counts and a new set decides afresh.
    uint64 public arbiterEpoch;
    mapping(uint256 => VoteTally) internal _tallies;
    /// The epoch in which an arbiter last voted on a challenge (0: never).
    mapping(uint256 => mapping(address => uint64)) internal _votedInEpoch;
    DisputeParameters internal _params;
    mapping(bytes32 => ResultRecord) internal _results;
    mapping(uint256 => Challenge) internal _challenges;
    uint256 public challengeCount;
    mapping(address => OperatorBond) internal _bonds;
    mapping(address => uint256) public claimable;
    /// The largest `maxCycles` a new job may have (onchain or offchain): the provability bound.
    /// A result for a job beyond what any challenger's machine can prove could never be
    /// overturned, so the owner sets this from what the prover can do (docs/node.md). Unbounded
    /// (`type(uint64).max`) until set.
    uint64 public maxJobCycles = type(uint64).max;
    /// Bonds of rejected challenges. They stay in this contract for good: paying them to the
    /// operator would let it challenge its own result for free, so nobody is paid.
    uint256 public burnedChallengeBonds;

    modifier onlyRelayer(string memory fn) {
        require(msg.sender == relayer, string.concat("JobManager.", fn, ": caller is not the relayer"));
        _;
    }

    constructor(
        address initialOwner,
        address initialRelayer,
        address initialOperator,
        address initialArbiter,
        DisputeParameters memory params
    ) Ownable(initialOwner) {
        relayer = initialRelayer;
        coprocessorOperator = initialOperator;
        emit RelayerUpdated(initialRelayer);
        emit CoprocessorOperatorUpdated(initialOperator);
        _setSingleArbiter(initialArbiter);
        _setDisputeParameters(params);
    }

    // =====================================================================================
    // Jobs (InfinityVM)
    // =====================================================================================

    /// Creates an onchain job for the calling consumer. jobID = keccak256(abi.encodePacked(nonce, msg.sender)).
    function createJob(uint64 nonce, bytes calldata programID, bytes calldata onchainInput, uint64 maxCycles)
        external
        override
        returns (bytes32 jobID)
    {
        jobID = _createJob(nonce, msg.sender, programID, maxCycles);
        emit JobCreated(jobID, nonce, msg.sender, maxCycles, programID, onchainInput);
    }

    function cancelJob(bytes32 jobID) external override {
        JobMetadata storage job = jobIDToMetadata[jobID];
        require(
            msg.sender == job.consumer || msg.sender == owner(),
            "JobManager.cancelJob: caller is not the job consumer or JobManager owner"
        );
        require(job.status == JOB_STATE_PENDING, "JobManager.cancelJob: job is not in pending state");
        job.status = JOB_STATE_CANCELLED;
        emit JobCancelled(jobID);
    }

    /// Relays the operator-signed result of an onchain job.
    function submitResult(bytes calldata resultWithMetadata, bytes calldata signature)
        external
        override
        nonReentrant
        onlyRelayer("submitResult")
    {
        require(
            _signedByOperator(resultWithMetadata, signature), "JobManager.submitResult: Invalid signature"
        );
        ResultWithMetadata memory r = abi.decode(resultWithMetadata, (ResultWithMetadata));
        _submitResult(r.jobID, r.maxCycles, r.onchainInputHash, r.programID, r.result);
    }

    /// Creates an offchain job from a signed request and relays its operator-signed result in
    /// one call. Unlike InfinityVM, only the relayer may call it.
    function submitResultForOffchainJob(
        bytes calldata offchainResultWithMetadata,
        bytes calldata signatureOnResult,
        bytes calldata jobRequest,
        bytes calldata signatureOnRequest
    ) external override nonReentrant onlyRelayer("submitResultForOffchainJob") {
        _relayOffchainJob(offchainResultWithMetadata, signatureOnResult, jobRequest, signatureOnRequest, 0);
    }

    /// ivm: relays many offchain jobs in one transaction, each exactly as
    /// `submitResultForOffchainJob` would (same checks, storage, events and consumer calls), in
    /// the order given. All or nothing: if one would revert, the batch reverts with its reason.
    /// The items' `versionedBlobHashes` are matched against the transaction's blobs in order
    /// (the first item's first). One transaction instead of one per job is what lets a relayer
    /// keep up with a node: the per-transaction work of a chain is paid once.
    function submitResultsForOffchainJobs(
        bytes[] calldata offchainResultsWithMetadata,
        bytes[] calldata signaturesOnResults,
        bytes[] calldata jobRequests,
        bytes[] calldata signaturesOnRequests
    ) external nonReentrant onlyRelayer("submitResultsForOffchainJobs") {
        uint256 n = jobRequests.length;
        require(
            n > 0 && offchainResultsWithMetadata.length == n && signaturesOnResults.length == n
                && signaturesOnRequests.length == n,
            "JobManager.submitResultsForOffchainJobs: empty batch or arrays of different lengths"
        );
        uint256 nextBlob = 0;
        for (uint256 i = 0; i < n; i++) {
            nextBlob = _relayOffchainJob(
                offchainResultsWithMetadata[i],
                signaturesOnResults[i],
                jobRequests[i],
                signaturesOnRequests[i],
                nextBlob
            );
        }
    }

    /// One offchain job: its request and result checked, created and completed. Its blobs are
    /// the transaction's from index `firstBlob`; returns the index after them.
    function _relayOffchainJob(
        bytes calldata offchainResultWithMetadata,
        bytes calldata signatureOnResult,
        bytes calldata jobRequest,
        bytes calldata signatureOnRequest,
        uint256 firstBlob
    ) internal returns (uint256 nextBlob) {
        OffchainJobRequest memory request = abi.decode(jobRequest, (OffchainJobRequest));
        bytes32 jobID = keccak256(abi.encodePacked(request.nonce, request.consumer));

        require(
            OffchainRequester(request.consumer)
                .isValidSignature(MessageHashUtils.toEthSignedMessageHash(jobRequest), signatureOnRequest)
            == EIP1271_MAGIC_VALUE,
            "JobManager.submitResultForOffchainJob: Invalid signature on job request"
        );
        require(
            _signedByOperator(offchainResultWithMetadata, signatureOnResult),
            "JobManager.submitResultForOffchainJob: Invalid signature on result"
        );

        OffchainResultWithMetadata memory r =
            abi.decode(offchainResultWithMetadata, (OffchainResultWithMetadata));
        require(
            r.jobID == jobID,
            "JobManager.submitResultForOffchainJob: job ID signed by coprocessor doesn't match job ID of job request"
        );
        require(
            r.offchainInputHash == request.offchainInputHash,
            "JobManager.submitResultForOffchainJob: offchain input hash signed by coprocessor doesn't match offchain input hash of job request"
        );
        // ivm: an offchain input must be available to challengers, so it travels in the
        // transaction's blobs (InfinityVM checks the hashes it is given but accepts none).
        require(
            r.offchainInputHash == EMPTY_INPUT_HASH || r.versionedBlobHashes.length > 0,
            "JobManager.submitResultForOffchainJob: a non-empty offchain input must be posted in blobs"
        );
        for (uint256 i = 0; i < r.versionedBlobHashes.length; i++) {
            require(
                blobhash(firstBlob + i) == r.versionedBlobHashes[i],
                "JobManager.submitResultForOffchainJob: given blob hash does not match"
            );
        }
        if (r.versionedBlobHashes.length > 0) {
            jobIDToBlobhashes[jobID] = r.versionedBlobHashes;
        }

        _createJob(request.nonce, request.consumer, request.programID, request.maxCycles);
        IConsumer(request.consumer).setInputsForJob(jobID, request.onchainInput, request.offchainInputHash);
        _submitResult(jobID, r.maxCycles, r.onchainInputHash, r.programID, r.result);
        return firstBlob + r.versionedBlobHashes.length;
    }

    function getJobMetadata(bytes32 jobID) external view override returns (JobMetadata memory) {
        return jobIDToMetadata[jobID];
    }

    function setRelayer(address newRelayer) external override onlyOwner {
        relayer = newRelayer;
        emit RelayerUpdated(newRelayer);
    }

    function getRelayer() external view override returns (address) {
        return relayer;
    }

    function setCoprocessorOperator(address newOperator) external override onlyOwner {
        coprocessorOperator = newOperator;
        emit CoprocessorOperatorUpdated(newOperator);
    }

    function getCoprocessorOperator() external view override returns (address) {
        return coprocessorOperator;
    }

    // =====================================================================================
    // Dispute configuration and views
    // =====================================================================================

    /// Sets `newArbiters` (distinct, non-zero, at most MAX_ARBITERS) of whom `threshold` must
    /// agree on a verdict (1 <= threshold <= their number), or no arbiter at all (an empty set
    /// with threshold 0: no challenge can be filed). A low threshold decides with fewer honest
    /// arbiters online; a high one needs more of them to lie before a verdict is wrong. Votes
    /// already cast on open challenges are void under the new set.
    function setArbiters(address[] calldata newArbiters, uint256 threshold) external override onlyOwner {
        _setArbiters(newArbiters, threshold);
    }

    /// One arbiter deciding alone (threshold 1), or none for the zero address.
    function setArbiter(address newArbiter) external onlyOwner {
        _setSingleArbiter(newArbiter);
    }

    function getArbiters() external view override returns (address[] memory arbiters, uint256 threshold) {
        return (_arbiters, arbiterThreshold);
    }

    /// Votes cast on a challenge under the current arbiter set.
    function getChallengeVotes(uint256 challengeID)
        external
        view
        override
        returns (uint256 upheld, uint256 rejected)
    {
        VoteTally memory t = _tallies[challengeID];
        if (t.epoch != arbiterEpoch) {
            return (0, 0);
        }
        return (t.upheld, t.rejected);
    }

    /// Whether `who` has voted on a challenge under the current arbiter set.
    function hasVoted(uint256 challengeID, address who) external view override returns (bool) {
        return _votedInEpoch[challengeID][who] == arbiterEpoch;
    }

    /// New parameters apply to results posted and challenges filed afterwards; running
    /// windows and deadlines keep the values they started with.
    function setDisputeParameters(DisputeParameters calldata params) external onlyOwner {
        _setDisputeParameters(params);
    }

    /// Sets the provability bound for jobs created from now on (existing jobs keep theirs).
    function setMaxJobCycles(uint64 newMax) external onlyOwner {
        require(newMax > 0, "JobManager.setMaxJobCycles: the bound must be positive");
        maxJobCycles = newMax;
        emit MaxJobCyclesUpdated(newMax);
    }

    function getDisputeParameters() external view returns (DisputeParameters memory) {
        return _params;
    }

    /// The accepted result of a job (zero record if none).
    function getResultRecord(bytes32 jobID) external view returns (ResultRecord memory) {
        return _results[jobID];
    }

    function getChallenge(uint256 challengeID) external view returns (Challenge memory) {
        return _challenges[challengeID];
    }

    function getOperatorBond(address operator) external view returns (OperatorBond memory) {
        return _bonds[operator];
    }

    /// True once a completed job's challenge window has passed with no challenge open.
    function isFinal(bytes32 jobID) public view override returns (bool) {
        ResultRecord storage rec = _results[jobID];
        return jobIDToMetadata[jobID].status == JOB_STATE_COMPLETED && block.timestamp > rec.challengeDeadline
            && rec.openChallenges == 0;
    }

    // =====================================================================================
    // Operator bonds
    // =====================================================================================

    /// Adds to `operator`'s bond. Anyone may fund an operator.
    function depositOperatorBond(address operator) external payable override nonReentrant {
        require(msg.value > 0, "JobManager.depositOperatorBond: no value sent");
        require(operator != address(0), "JobManager.depositOperatorBond: operator is the zero address");
        OperatorBond storage b = _bonds[operator];
        b.amount += msg.value;
        emit OperatorBondDeposited(operator, msg.sender, msg.value, b.amount);
    }

    /// Starts (or restarts) a withdrawal of `amount` from the caller's bond. The amount stays
    /// slashable until the withdrawal completes.
    function requestBondWithdrawal(uint256 amount) external override nonReentrant {
        OperatorBond storage b = _bonds[msg.sender];
        require(amount > 0, "JobManager.requestBondWithdrawal: amount is zero");
        require(amount <= b.amount, "JobManager.requestBondWithdrawal: amount exceeds bond");
        uint64 unlockAt = uint64(block.timestamp) + _params.withdrawalDelay;
        b.pendingWithdrawal = amount;
        b.withdrawalUnlockAt = unlockAt;
        emit OperatorBondWithdrawalRequested(msg.sender, amount, unlockAt);
    }

    function cancelBondWithdrawal() external override nonReentrant {
        OperatorBond storage b = _bonds[msg.sender];
        require(b.pendingWithdrawal > 0, "JobManager.cancelBondWithdrawal: no pending withdrawal");
        b.pendingWithdrawal = 0;
        b.withdrawalUnlockAt = 0;
        emit OperatorBondWithdrawalCancelled(msg.sender);
    }

    /// Completes the caller's pending withdrawal once the delay has passed, every result the
    /// caller signed is past its challenge window, and no challenge against it is open.
    function completeBondWithdrawal(address payable to) external override nonReentrant {
        OperatorBond storage b = _bonds[msg.sender];
        require(b.pendingWithdrawal > 0, "JobManager.completeBondWithdrawal: no pending withdrawal");
        require(
            block.timestamp >= b.withdrawalUnlockAt,
            "JobManager.completeBondWithdrawal: withdrawal delay has not passed"
        );
        require(
            block.timestamp > b.latestChallengeDeadline,
            "JobManager.completeBondWithdrawal: a result signed by the operator is still challengeable"
        );
        require(
            b.openChallenges == 0,
            "JobManager.completeBondWithdrawal: a challenge against the operator is open"
        );
        uint256 amount = b.pendingWithdrawal < b.amount ? b.pendingWithdrawal : b.amount;
        b.amount -= amount;
        b.pendingWithdrawal = 0;
        b.withdrawalUnlockAt = 0;
        emit OperatorBondWithdrawn(msg.sender, to, amount);
        _sendValue(to, amount);
    }

    /// Pays out what the caller is owed (returned and rewarded challenge bonds, forfeited bonds).
    function withdrawPayout(address payable to) external override nonReentrant {
        uint256 amount = claimable[msg.sender];
        require(amount > 0, "JobManager.withdrawPayout: nothing to withdraw");
        claimable[msg.sender] = 0;
        emit PayoutWithdrawn(msg.sender, to, amount);
        _sendValue(to, amount);
    }

    // =====================================================================================
    // Challenges
    // =====================================================================================

    /// Disputes the result of a completed job within its challenge window. `claimedOutcome` is
    /// `Output` with the claimed correct `claimedOutput` (not the posted one), or `Panicked` (the
    /// guest panics) or `Failed` (the guest faults or runs out of cycles: no result should
    /// exist), both with an empty `claimedOutput`. `proof` is published in `ChallengeFiled` for anyone to re-check.
    /// Any number of challenges may be open against one result: nobody, the operator included,
    /// can keep an honest challenger out by keeping a challenge open.
    function challenge(
        bytes32 jobID,
        ClaimedOutcome claimedOutcome,
        bytes calldata claimedOutput,
        bytes calldata proof
    ) external payable override nonReentrant returns (uint256 challengeID) {
        require(proof.length > 0, "JobManager.challenge: empty proof");
        challengeID = _fileChallenge(jobID, claimedOutcome, claimedOutput, keccak256(proof));
        emit ChallengeFiled(challengeID, jobID, msg.sender, msg.value, claimedOutcome, claimedOutput, proof);
    }

    /// `challenge` with the proof in this transaction's blobs instead of calldata (packed as
    /// offchain inputs are: ivm_contracts::da), so a ~100 KB proof costs blob gas, not ~3.7 M
    /// gas of calldata. `proofHash` is keccak256 of the proof; the blobs' versioned hashes are
    /// recorded (`challengeProofBlobhashes`) and announced in `ChallengeProofInBlobs`, and the
    /// arbiter judges the proof it reads from those blobs if it hashes to `proofHash`.
    /// `ChallengeFiled` carries an empty proof.
    function challengeWithProofInBlobs(
        bytes32 jobID,
        ClaimedOutcome claimedOutcome,
        bytes calldata claimedOutput,
        bytes32 proofHash
    ) external payable override nonReentrant returns (uint256 challengeID) {
        uint256 count;
        while (count < MAX_PROOF_BLOBS && blobhash(count) != bytes32(0)) {
            count++;
        }
        require(count > 0, "JobManager.challengeWithProofInBlobs: the transaction carries no blobs");
        challengeID = _fileChallenge(jobID, claimedOutcome, claimedOutput, proofHash);
        bytes32[] storage hashes = challengeProofBlobhashes[challengeID];
        for (uint256 i = 0; i < count; i++) {
            hashes.push(blobhash(i));
        }
        emit ChallengeFiled(challengeID, jobID, msg.sender, msg.value, claimedOutcome, claimedOutput, "");
        emit ChallengeProofInBlobs(challengeID, hashes);
    }

    function _fileChallenge(
        bytes32 jobID,
        ClaimedOutcome claimedOutcome,
        bytes calldata claimedOutput,
        bytes32 proofHash
    ) internal returns (uint256 challengeID) {
        require(arbiterThreshold > 0, "JobManager.challenge: no arbiter is set");
        require(
            jobIDToMetadata[jobID].status == JOB_STATE_COMPLETED, "JobManager.challenge: job is not completed"
        );
        ResultRecord storage rec = _results[jobID];
        require(block.timestamp <= rec.challengeDeadline, "JobManager.challenge: challenge window has closed");
        require(msg.value == _params.challengeBond, "JobManager.challenge: wrong challenge bond");
        bytes32 outputHash = keccak256(claimedOutput);
        bool withOutput = claimedOutcome == ClaimedOutcome.Output;
        if (!withOutput) {
            require(
                claimedOutput.length == 0, "JobManager.challenge: a panicked or failed outcome has no output"
            );
        } else {
            require(
                outputHash != rec.resultHash, "JobManager.challenge: claimed outcome equals the posted result"
            );
        }

        challengeID = ++challengeCount;
        uint64 deadline = uint64(block.timestamp) + _params.arbiterTimeout;
        _challenges[challengeID] = Challenge({
            jobID: jobID,
            challenger: msg.sender,
            operator: rec.operator,
            filedAt: uint64(block.timestamp),
            resolveDeadline: deadline,
            status: ChallengeStatus.Open,
            claimedOutcome: claimedOutcome,
            bond: msg.value,
            reward: _params.challengerReward,
            claimedOutputHash: withOutput ? outputHash : bytes32(0),
            proofHash: proofHash
        });
        rec.openChallenges += 1;
        _bonds[rec.operator].openChallenges += 1;
    }

    /// An arbiter's vote, before the challenge's resolve deadline; the challenge is decided when
    /// `arbiterThreshold` votes agree (without a quorum by the deadline, the challenger reclaims
    /// its bond: `reclaimChallengeBond`). Fraud proven: the job is overturned, the challenger
    /// gets its bond back plus the reward from the operator's bond, and the consumer is
    /// notified. Not proven: the bond is burned (`burnedChallengeBonds`), never paid to the
    /// operator. If another challenge already overturned the job, any arbiter's call refunds
    /// the challenge whatever its vote (only the first upheld challenge is rewarded).
    function resolveChallenge(uint256 challengeID, bool fraudProven) external override nonReentrant {
        require(isArbiter[msg.sender], "JobManager.resolveChallenge: caller is not an arbiter");
        Challenge storage c = _challenges[challengeID];
        require(c.status == ChallengeStatus.Open, "JobManager.resolveChallenge: challenge is not open");
        require(
            block.timestamp <= c.resolveDeadline, "JobManager.resolveChallenge: resolve deadline has passed"
        );

        bytes32 jobID = c.jobID;
        JobMetadata storage job = jobIDToMetadata[jobID];
        if (job.status == JOB_STATE_OVERTURNED) {
            _closeChallenge(c);
            _refund(challengeID, c);
            return;
        }
        if (!_vote(challengeID, fraudProven)) {
            return;
        }
        _closeChallenge(c);
        if (fraudProven) {
            c.status = ChallengeStatus.Upheld;
            job.status = JOB_STATE_OVERTURNED;
            OperatorBond storage b = _bonds[c.operator];
            uint256 slash = c.reward < b.amount ? c.reward : b.amount;
            b.amount -= slash;
            if (b.pendingWithdrawal > b.amount) {
                b.pendingWithdrawal = b.amount;
            }
            emit ChallengeResolved(challengeID, jobID, true);
            emit OperatorSlashed(c.operator, jobID, slash);
            emit JobOverturned(jobID, challengeID, c.claimedOutcome, c.claimedOutputHash);
            _credit(c.challenger, c.bond + slash);
            _notifyConsumer(job.consumer, jobID, c.claimedOutcome, c.claimedOutputHash);
        } else {
            c.status = ChallengeStatus.Rejected;
            emit ChallengeResolved(challengeID, jobID, false);
            burnedChallengeBonds += c.bond;
            emit ChallengeBondBurned(challengeID, c.bond);
        }
    }

    /// Returns an open challenge's bond to its challenger, callable by anyone: at once when
    /// another challenge has overturned the job (`Refunded`), otherwise after the resolve
    /// deadline has passed without a verdict (`TimedOut`).
    function reclaimChallengeBond(uint256 challengeID) external override nonReentrant {
        Challenge storage c = _challenges[challengeID];
        require(c.status == ChallengeStatus.Open, "JobManager.reclaimChallengeBond: challenge is not open");
        if (jobIDToMetadata[c.jobID].status == JOB_STATE_OVERTURNED) {
            _closeChallenge(c);
            _refund(challengeID, c);
            return;
        }
        require(
            block.timestamp > c.resolveDeadline,
            "JobManager.reclaimChallengeBond: resolve deadline has not passed"
        );
        _closeChallenge(c);
        c.status = ChallengeStatus.TimedOut;
        emit ChallengeTimedOut(challengeID, c.jobID);
        _credit(c.challenger, c.bond);
    }

    // =====================================================================================
    // Internals
    // =====================================================================================

    /// Records the caller's vote; true when it completes a quorum for `fraudProven`.
    function _vote(uint256 challengeID, bool fraudProven) internal returns (bool decided) {
        uint64 epoch = arbiterEpoch;
        require(
            _votedInEpoch[challengeID][msg.sender] != epoch,
            "JobManager.resolveChallenge: this arbiter has already voted"
        );
        _votedInEpoch[challengeID][msg.sender] = epoch;
        VoteTally storage t = _tallies[challengeID];
        if (t.epoch != epoch) {
            t.epoch = epoch;
            t.upheld = 0;
            t.rejected = 0;
        }
        uint32 votes = fraudProven ? ++t.upheld : ++t.rejected;
        emit ArbiterVoted(challengeID, msg.sender, fraudProven);
        return votes >= arbiterThreshold;
    }

    function _setSingleArbiter(address newArbiter) internal {
        address[] memory one = new address[](newArbiter == address(0) ? 0 : 1);
        if (one.length == 1) {
            one[0] = newArbiter;
        }
        _setArbiters(one, one.length);
    }

    function _setArbiters(address[] memory newArbiters, uint256 threshold) internal {
        require(newArbiters.length <= MAX_ARBITERS, "JobManager.setArbiters: more than MAX_ARBITERS arbiters");
        require(
            newArbiters.length == 0 ? threshold == 0 : threshold >= 1 && threshold <= newArbiters.length,
            "JobManager.setArbiters: the threshold must be between 1 and the number of arbiters (0 for none)"
        );
        for (uint256 i = 0; i < _arbiters.length; i++) {
            isArbiter[_arbiters[i]] = false;
        }
        for (uint256 i = 0; i < newArbiters.length; i++) {
            address a = newArbiters[i];
            require(a != address(0), "JobManager.setArbiters: an arbiter is the zero address");
            require(!isArbiter[a], "JobManager.setArbiters: an arbiter is listed twice");
            isArbiter[a] = true;
        }
        _arbiters = newArbiters;
        arbiterThreshold = threshold;
        arbiterEpoch += 1;
        emit ArbitersUpdated(newArbiters, threshold, arbiterEpoch);
    }

    function _createJob(uint64 nonce, address consumer, bytes memory programID, uint64 maxCycles)
        internal
        returns (bytes32 jobID)
    {
        require(
            maxCycles <= maxJobCycles,
            "JobManager: maxCycles is above maxJobCycles, the largest run a challenger can prove"
        );
        jobID = keccak256(abi.encodePacked(nonce, consumer));
        require(
            jobIDToMetadata[jobID].status == 0,
            "JobManager.createJob: job already exists with this nonce and consumer"
        );
        jobIDToMetadata[jobID] = JobMetadata({
            programID: programID, maxCycles: maxCycles, consumer: consumer, status: JOB_STATE_PENDING
        });
        IConsumer(consumer).updateLatestNonce(nonce);
    }

    function _submitResult(
        bytes32 jobID,
        uint64 maxCycles,
        bytes32 onchainInputHash,
        bytes memory programID,
        bytes memory result
    ) internal {
        JobMetadata storage job = jobIDToMetadata[jobID];
        require(job.status == JOB_STATE_PENDING, "JobManager.submitResult: job is not in pending state");
        require(
            onchainInputHash == keccak256(IConsumer(job.consumer).getOnchainInputForJob(jobID)),
            "JobManager.submitResult: onchain input signed by coprocessor doesn't match onchain input submitted with job"
        );
        require(
            keccak256(programID) == keccak256(job.programID),
            "JobManager.submitResult: program ID signed by coprocessor doesn't match program ID submitted with job"
        );
        require(
            maxCycles == job.maxCycles,
            "JobManager.submitResult: max cycles signed by coprocessor doesn't match max cycles submitted with job"
        );

        address operator = coprocessorOperator;
        OperatorBond storage b = _bonds[operator];
        require(
            b.amount - b.pendingWithdrawal >= _params.minOperatorBond,
            "JobManager.submitResult: operator bond below minimum"
        );

        job.status = JOB_STATE_COMPLETED;
        uint64 deadline = uint64(block.timestamp) + _params.challengeWindow;
        bytes32 resultHash = keccak256(result);
        _results[jobID] = ResultRecord({
            resultHash: resultHash,
            operator: operator,
            completedAt: uint64(block.timestamp),
            challengeDeadline: deadline,
            openChallenges: 0
        });
        if (deadline > b.latestChallengeDeadline) {
            b.latestChallengeDeadline = deadline;
        }
        emit JobCompleted(jobID, result);
        emit ResultRecorded(jobID, operator, resultHash, deadline);
        IConsumer(job.consumer).receiveResult(jobID, result);
    }

    function _closeChallenge(Challenge storage c) internal {
        _results[c.jobID].openChallenges -= 1;
        _bonds[c.operator].openChallenges -= 1;
    }

    /// Closes a challenge whose job another challenge has overturned: its bond goes back.
    function _refund(uint256 challengeID, Challenge storage c) internal {
        c.status = ChallengeStatus.Refunded;
        emit ChallengeRefunded(challengeID, c.jobID);
        _credit(c.challenger, c.bond);
    }

    function _credit(address account, uint256 amount) internal {
        if (amount == 0) return;
        claimable[account] += amount;
        emit PayoutCredited(account, amount);
    }

    /// Calls the consumer's `resultOverturned` hook with a fixed gas budget, ignoring any
    /// failure and copying no return data (so a hostile consumer cannot block resolution).
    function _notifyConsumer(
        address consumer,
        bytes32 jobID,
        ClaimedOutcome claimedOutcome,
        bytes32 claimedOutputHash
    ) internal {
        // Make sure the hook really gets its budget, so an arbiter cannot starve it on purpose.
        require(
            gasleft() > CONSUMER_HOOK_GAS + CONSUMER_HOOK_GAS / 63 + 20_000,
            "JobManager.resolveChallenge: not enough gas for the consumer hook"
        );
        bytes memory data =
            abi.encodeCall(IConsumer.resultOverturned, (jobID, claimedOutcome, claimedOutputHash));
        bool success;
        uint256 hookGas = CONSUMER_HOOK_GAS;
        assembly ("memory-safe") {
            success := call(hookGas, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        emit ConsumerNotified(jobID, consumer, success);
    }

    /// EIP-191 `personal_sign` over the raw bytes, recovering to the (non-zero) coprocessor operator.
    function _signedByOperator(bytes calldata message, bytes calldata signature)
        internal
        view
        returns (bool)
    {
        (address signer, ECDSA.RecoverError err,) =
            ECDSA.tryRecover(MessageHashUtils.toEthSignedMessageHash(message), signature);
        return err == ECDSA.RecoverError.NoError && signer != address(0) && signer == coprocessorOperator;
    }

    function _sendValue(address payable to, uint256 amount) internal {
        require(to != address(0), "JobManager: payout to the zero address");
        (bool ok,) = to.call{value: amount}("");
        require(ok, "JobManager: payout transfer failed");
    }

    function _setDisputeParameters(DisputeParameters memory params) internal {
        require(params.challengeWindow > 0, "JobManager.setDisputeParameters: challenge window is zero");
        require(params.arbiterTimeout > 0, "JobManager.setDisputeParameters: arbiter timeout is zero");
        require(
            params.challengeWindow <= MAX_DURATION && params.arbiterTimeout <= MAX_DURATION
                && params.withdrawalDelay <= MAX_DURATION,
            "JobManager.setDisputeParameters: duration too long"
        );
        require(
            params.withdrawalDelay >= params.challengeWindow,
            "JobManager.setDisputeParameters: withdrawal delay shorter than the challenge window"
        );
        require(
            uint256(params.challengeWindow) + params.arbiterTimeout <= BLOB_RETENTION,
            "JobManager.setDisputeParameters: the challenge window plus the arbiter timeout outlast the blob retention"
        );
        _params = params;
        emit DisputeParametersUpdated(params);
    }
}
