// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SquareRootConsumer} from "../src/SquareRootConsumer.sol";
import {JobManager} from "ivm/JobManager.sol";
import {IJobManager, DisputeParameters} from "ivm/IJobManager.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// The forge cheatcodes this test uses (no forge-std needed).
interface Vm {
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function prank(address sender) external;
}

/// End to end against a real ivm JobManager: this test contract is the JobManager's owner,
/// relayer and arbiter; `OPERATOR_KEY` signs results, `SIGNER_KEY` signs offchain requests.
contract SquareRootConsumerTest {
    Vm constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 constant OPERATOR_KEY = 0xA11CE;
    uint256 constant SIGNER_KEY = 0xB0B;
    uint8 constant JOB_STATE_COMPLETED = 3;
    bytes constant PROGRAM_ID = hex"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    JobManager jobManager;
    SquareRootConsumer consumer;

    function setUp() public {
        DisputeParameters memory params = DisputeParameters({
            challengeWindow: 1 hours,
            arbiterTimeout: 1 hours,
            withdrawalDelay: 1 hours,
            challengeBond: 0.1 ether,
            challengerReward: 0.5 ether,
            minOperatorBond: 0
        });
        jobManager = new JobManager(address(this), address(this), vm.addr(OPERATOR_KEY), address(this), params);
        consumer = new SquareRootConsumer(address(jobManager), vm.addr(SIGNER_KEY), 0, PROGRAM_ID);
    }

    function _sign(uint256 key, bytes memory message) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, MessageHashUtils.toEthSignedMessageHash(message));
        return abi.encodePacked(r, s, v);
    }

    /// The operator's signed result for `jobID`, as the coprocessor would produce it.
    function _result(bytes32 jobID, uint256 n, uint256 root) internal pure returns (bytes memory) {
        return abi.encode(
            IJobManager.ResultWithMetadata({
                jobID: jobID,
                onchainInputHash: keccak256(abi.encode(n)),
                maxCycles: 1_000_000,
                programID: PROGRAM_ID,
                result: abi.encode(n, root)
            })
        );
    }

    function test_requestCreatesJob() public {
        bytes32 jobID = consumer.requestSquareRoot(144);
        require(jobID == keccak256(abi.encodePacked(uint64(1), address(consumer))), "job ID");
        IJobManager.JobMetadata memory job = jobManager.getJobMetadata(jobID);
        require(job.consumer == address(consumer), "consumer");
        require(keccak256(job.programID) == keccak256(PROGRAM_ID), "program ID");
        require(keccak256(consumer.getOnchainInputForJob(jobID)) == keccak256(abi.encode(uint256(144))), "input");
        require(consumer.getNextNonce() == 2, "nonce");
    }

    function test_storesOperatorSignedRoot() public {
        bytes32 jobID = consumer.requestSquareRoot(144);
        bytes memory result = _result(jobID, 144, 12);
        jobManager.submitResult(result, _sign(OPERATOR_KEY, result));
        require(consumer.hasRoot(144) && consumer.rootOf(144) == 12, "root not stored");
        require(jobManager.getJobMetadata(jobID).status == JOB_STATE_COMPLETED, "job not completed");
    }

    function test_rejectsWrongRoot() public {
        bytes32 jobID = consumer.requestSquareRoot(144);
        bytes memory result = _result(jobID, 144, 13);
        bytes memory sig = _sign(OPERATOR_KEY, result);
        try jobManager.submitResult(result, sig) {
            revert("accepted a wrong root");
        } catch {}
        require(!consumer.hasRoot(144), "wrong root stored");
    }

    function test_rejectsResultNotSignedByOperator() public {
        bytes32 jobID = consumer.requestSquareRoot(144);
        bytes memory result = _result(jobID, 144, 12);
        bytes memory sig = _sign(SIGNER_KEY, result);
        try jobManager.submitResult(result, sig) {
            revert("accepted a result not signed by the operator");
        } catch {}
    }

    function test_onlyJobManagerDeliversResults() public {
        try consumer.receiveResult(bytes32(uint256(1)), abi.encode(uint256(144), uint256(12))) {
            revert("accepted a result from a non-JobManager caller");
        } catch {}
    }

    function test_offchainSigner() public view {
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(bytes("request"));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(SIGNER_KEY, digest);
        require(consumer.isValidSignature(digest, abi.encodePacked(r, s, v)) == 0x1626ba7e, "signer rejected");
        (v, r, s) = vm.sign(OPERATOR_KEY, digest);
        require(consumer.isValidSignature(digest, abi.encodePacked(r, s, v)) != 0x1626ba7e, "stranger accepted");
    }
}
