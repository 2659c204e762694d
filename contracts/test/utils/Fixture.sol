// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "./Test.sol";
import {TestConsumer} from "./Mocks.sol";
import {JobManager} from "../../src/JobManager.sol";
import {IJobManager, DisputeParameters} from "../../src/IJobManager.sol";

/// A deployed JobManager with a bonded operator and one consumer.
abstract contract Fixture is Test {
    address internal owner = address(0x0A11CE);
    address internal relayer = address(0x5E1A7);
    address internal arbiter = address(0xA4B17E4);
    address internal challenger = address(0xC4A11);
    address internal stranger = address(0xBAD);

    uint256 internal operatorKey = ANVIL_KEY_2;
    address internal operator;
    uint256 internal signerKey = ANVIL_KEY_5;
    address internal offchainSigner;

    uint64 internal constant WINDOW = 1 hours;
    uint64 internal constant ARBITER_TIMEOUT = 1 days;
    uint64 internal constant WITHDRAWAL_DELAY = 2 hours;
    uint256 internal constant CHALLENGE_BOND = 1 ether;
    uint256 internal constant REWARD = 2 ether;
    uint256 internal constant MIN_BOND = 5 ether;
    uint256 internal constant INITIAL_BOND = 10 ether;

    uint64 internal constant MAX_CYCLES = 1_000_000;
    bytes internal constant PROGRAM_ID = "programID";
    bytes32 internal constant EMPTY_HASH = keccak256("");

    JobManager internal jm;
    TestConsumer internal consumer;

    function setUp() public virtual {
        vm.warp(1_000_000);
        operator = vm.addr(operatorKey);
        offchainSigner = vm.addr(signerKey);
        jm = new JobManager(owner, relayer, operator, arbiter, defaultParams());
        consumer = new TestConsumer(address(jm), offchainSigner, 0);
        vm.deal(address(this), 1000 ether);
        jm.depositOperatorBond{value: INITIAL_BOND}(operator);
        vm.deal(challenger, 100 ether);
    }

    function defaultParams() internal pure returns (DisputeParameters memory) {
        return DisputeParameters({
            challengeWindow: WINDOW,
            arbiterTimeout: ARBITER_TIMEOUT,
            withdrawalDelay: WITHDRAWAL_DELAY,
            challengeBond: CHALLENGE_BOND,
            challengerReward: REWARD,
            minOperatorBond: MIN_BOND
        });
    }

    function encodeResult(
        bytes32 jobID,
        bytes memory onchainInput,
        uint64 maxCycles,
        bytes memory programID,
        bytes memory result
    ) internal pure returns (bytes memory) {
        return abi.encode(
            IJobManager.ResultWithMetadata({
                jobID: jobID,
                onchainInputHash: keccak256(onchainInput),
                maxCycles: maxCycles,
                programID: programID,
                result: result
            })
        );
    }

    /// Requests an onchain job through `consumer` and returns its ID.
    function requestJob(bytes memory onchainInput) internal returns (bytes32) {
        return consumer.request(PROGRAM_ID, onchainInput, MAX_CYCLES);
    }

    /// Requests an onchain job and relays a correctly signed result for it.
    function completeJob(bytes memory onchainInput, bytes memory result) internal returns (bytes32 jobID) {
        jobID = requestJob(onchainInput);
        bytes memory encoded = encodeResult(jobID, onchainInput, MAX_CYCLES, PROGRAM_ID, result);
        vm.prank(relayer);
        jm.submitResult(encoded, signMessage(operatorKey, encoded));
    }

    function offchainRequest(
        uint64 nonce,
        address consumerAddr,
        bytes memory onchainInput,
        bytes memory offchainInput
    ) internal pure returns (IJobManager.OffchainJobRequest memory) {
        return IJobManager.OffchainJobRequest({
            nonce: nonce,
            maxCycles: MAX_CYCLES,
            consumer: consumerAddr,
            programID: PROGRAM_ID,
            onchainInput: onchainInput,
            offchainInputHash: keccak256(offchainInput)
        });
    }

    function offchainResultFor(IJobManager.OffchainJobRequest memory req, bytes memory result)
        internal
        pure
        returns (IJobManager.OffchainResultWithMetadata memory)
    {
        return IJobManager.OffchainResultWithMetadata({
            jobID: keccak256(abi.encodePacked(req.nonce, req.consumer)),
            onchainInputHash: keccak256(req.onchainInput),
            offchainInputHash: req.offchainInputHash,
            maxCycles: req.maxCycles,
            programID: req.programID,
            result: result,
            versionedBlobHashes: standInBlobHashes(req.offchainInputHash)
        });
    }

    /// The blob hashes of a relayed offchain job: none for an empty offchain input, else one
    /// stand-in versioned hash (JobManager requires blobs; a test that relays it successfully
    /// sets `vm.blobhashes` to them, see `relayOffchainWithBlobs`).
    function standInBlobHashes(bytes32 offchainInputHash) internal pure returns (bytes32[] memory h) {
        if (offchainInputHash == keccak256("")) return new bytes32[](0);
        h = new bytes32[](1);
        h[0] = bytes32((uint256(0x01) << 248) | (uint256(offchainInputHash) >> 8));
    }

    /// Relays an offchain job as the relayer; returns the raw call result.
    function relayOffchain(
        IJobManager.OffchainJobRequest memory req,
        uint256 reqKey,
        IJobManager.OffchainResultWithMetadata memory res,
        uint256 resKey
    ) internal {
        bytes memory reqBytes = abi.encode(req);
        bytes memory resBytes = abi.encode(res);
        vm.prank(relayer);
        jm.submitResultForOffchainJob(
            resBytes, signMessage(resKey, resBytes), reqBytes, signMessage(reqKey, reqBytes)
        );
    }

    /// `relayOffchain` in a transaction that carries the result's blobs.
    function relayOffchainWithBlobs(
        IJobManager.OffchainJobRequest memory req,
        uint256 reqKey,
        IJobManager.OffchainResultWithMetadata memory res,
        uint256 resKey
    ) internal {
        vm.blobhashes(res.versionedBlobHashes);
        relayOffchain(req, reqKey, res, resKey);
    }

    function jobIdOf(uint64 nonce, address consumerAddr) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(nonce, consumerAddr));
    }

    receive() external payable {}
}
