// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IJobManager, JOB_STATE_COMPLETED, JOB_STATE_PENDING} from "../src/IJobManager.sol";

/// Fuzz tests for the wire encodings, job IDs and the signature checks built on them.
contract EncodingTest is Fixture {
    function word(bytes memory b, uint256 i) internal pure returns (uint256 w) {
        assembly {
            w := mload(add(add(b, 0x20), mul(i, 0x20)))
        }
    }

    function padded(uint256 len) internal pure returns (uint256) {
        return (len + 31) / 32 * 32;
    }

    function testFuzz_jobID_isKeccakOfBigEndianNonceAndAddress(uint64 nonce, address c) public pure {
        bytes memory manual = new bytes(28);
        for (uint256 i = 0; i < 8; i++) {
            manual[i] = bytes1(uint8(nonce >> (8 * (7 - i))));
        }
        for (uint256 i = 0; i < 20; i++) {
            manual[8 + i] = bytes1(uint8(uint160(c) >> (8 * (19 - i))));
        }
        assertEq(keccak256(manual), keccak256(abi.encodePacked(nonce, c)));
    }

    function testFuzz_jobID_matchesJobManager(uint64 nonce) public {
        bytes32 id = consumer.requestWithNonce(nonce, PROGRAM_ID, "", MAX_CYCLES);
        assertEq(id, jobIdOf(nonce, address(consumer)));
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_PENDING));
    }

    function testFuzz_resultWithMetadata_layout(
        bytes32 jobID,
        bytes32 inputHash,
        uint64 maxCycles,
        bytes memory programID,
        bytes memory result
    ) public pure {
        IJobManager.ResultWithMetadata memory r =
            IJobManager.ResultWithMetadata(jobID, inputHash, maxCycles, programID, result);
        bytes memory enc = abi.encode(r);
        assertEq(
            enc.length, 32 + 5 * 32 + 32 + padded(programID.length) + 32 + padded(result.length), "length"
        );
        assertEq(word(enc, 0), 0x20, "leading offset");
        assertEq(bytes32(word(enc, 1)), jobID);
        assertEq(bytes32(word(enc, 2)), inputHash);
        assertEq(word(enc, 3), uint256(maxCycles));
        assertEq(word(enc, 4), 0xa0, "programID offset");
        assertEq(word(enc, 5), 0xa0 + 32 + padded(programID.length), "result offset");
        assertEq(word(enc, 6), programID.length);

        IJobManager.ResultWithMetadata memory d = abi.decode(enc, (IJobManager.ResultWithMetadata));
        assertEq(d.jobID, jobID);
        assertEq(d.onchainInputHash, inputHash);
        assertEq(uint256(d.maxCycles), uint256(maxCycles));
        assertEq(d.programID, programID);
        assertEq(d.result, result);
    }

    function testFuzz_offchainJobRequest_layout(
        uint64 nonce,
        uint64 maxCycles,
        address c,
        bytes memory programID,
        bytes memory onchainInput,
        bytes32 offchainInputHash
    ) public pure {
        IJobManager.OffchainJobRequest memory q = IJobManager.OffchainJobRequest(
            nonce, maxCycles, c, programID, onchainInput, offchainInputHash
        );
        bytes memory enc = abi.encode(q);
        assertEq(enc.length, 32 + 6 * 32 + 32 + padded(programID.length) + 32 + padded(onchainInput.length));
        assertEq(word(enc, 0), 0x20);
        assertEq(word(enc, 1), uint256(nonce));
        assertEq(word(enc, 2), uint256(maxCycles));
        assertEq(word(enc, 3), uint256(uint160(c)), "consumer left-padded");
        assertEq(word(enc, 4), 0xc0);
        assertEq(word(enc, 5), 0xc0 + 32 + padded(programID.length));
        assertEq(bytes32(word(enc, 6)), offchainInputHash);

        IJobManager.OffchainJobRequest memory d = abi.decode(enc, (IJobManager.OffchainJobRequest));
        assertEq(uint256(d.nonce), uint256(nonce));
        assertEq(uint256(d.maxCycles), uint256(maxCycles));
        assertEq(d.consumer, c);
        assertEq(d.programID, programID);
        assertEq(d.onchainInput, onchainInput);
        assertEq(d.offchainInputHash, offchainInputHash);
    }

    function testFuzz_offchainResult_layout(
        bytes32 jobID,
        bytes32 onHash,
        bytes32 offHash,
        uint64 maxCycles,
        bytes memory programID,
        bytes memory result,
        bytes32[] memory blobs
    ) public pure {
        IJobManager.OffchainResultWithMetadata memory r =
            IJobManager.OffchainResultWithMetadata(
                jobID, onHash, offHash, maxCycles, programID, result, blobs
            );
        bytes memory enc = abi.encode(r);
        uint256 resultOffset = 0xe0 + 32 + padded(programID.length);
        uint256 blobsOffset = resultOffset + 32 + padded(result.length);
        assertEq(enc.length, 32 + blobsOffset + 32 + 32 * blobs.length);
        assertEq(word(enc, 0), 0x20);
        assertEq(word(enc, 5), 0xe0);
        assertEq(word(enc, 6), resultOffset);
        assertEq(word(enc, 7), blobsOffset);

        IJobManager.OffchainResultWithMetadata memory d =
            abi.decode(enc, (IJobManager.OffchainResultWithMetadata));
        assertEq(d.jobID, jobID);
        assertEq(d.offchainInputHash, offHash);
        assertEq(d.result, result);
        assertEq(d.versionedBlobHashes.length, blobs.length);
        for (uint256 i = 0; i < blobs.length; i++) {
            assertEq(d.versionedBlobHashes[i], blobs[i]);
        }
    }

    function testFuzz_eip191_digestUsesDecimalLength(bytes memory message) public pure {
        assertEq(ethSignedDigest(message), MessageHashUtils.toEthSignedMessageHash(message));
    }

    function test_eip191_lengthBoundaries() public pure {
        uint256[6] memory lens = [uint256(0), 9, 10, 99, 100, 1000];
        for (uint256 i = 0; i < lens.length; i++) {
            bytes memory m = new bytes(lens[i]);
            assertEq(ethSignedDigest(m), MessageHashUtils.toEthSignedMessageHash(m));
        }
    }

    /// A result is accepted iff it is signed by the operator's key.
    function testFuzz_submitResult_onlyOperatorKeyAccepted(uint256 key, bytes memory result) public {
        key = bound(key, 1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140);
        bytes memory input = "fuzz input";
        bytes32 id = requestJob(input);
        bytes memory encoded = encodeResult(id, input, MAX_CYCLES, PROGRAM_ID, result);
        bytes memory sig = signMessage(key, encoded);
        vm.prank(relayer);
        if (vm.addr(key) != operator) {
            vm.expectRevert(bytes("JobManager.submitResult: Invalid signature"));
        }
        jm.submitResult(encoded, sig);
        if (vm.addr(key) == operator) {
            assertEq(consumer.lastResult(), result);
        }
    }

    /// Any change to what the operator signed about the job (input, program, cycles) is rejected.
    function testFuzz_submitResult_rejectsMismatchedJobFields(
        bytes memory input,
        bytes memory signedInput,
        bytes memory signedProgram,
        uint64 signedCycles
    ) public {
        vm.assume(
            keccak256(input) != keccak256(signedInput) || keccak256(signedProgram) != keccak256(PROGRAM_ID)
                || signedCycles != MAX_CYCLES
        );
        bytes32 id = requestJob(input);
        bytes memory encoded = encodeResult(id, signedInput, signedCycles, signedProgram, "out");
        bytes memory sig = signMessage(operatorKey, encoded);
        vm.prank(relayer);
        vm.expectRevert();
        jm.submitResult(encoded, sig);
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_PENDING));
    }

    /// Offchain jobs round-trip for arbitrary nonces and inputs.
    function testFuzz_offchain_roundTrip(
        uint64 nonce,
        bytes memory onchainInput,
        bytes memory offchainInput,
        bytes memory result
    ) public {
        IJobManager.OffchainJobRequest memory req =
            offchainRequest(nonce, address(consumer), onchainInput, offchainInput);
        relayOffchainWithBlobs(req, signerKey, offchainResultFor(req, result), operatorKey);
        bytes32 id = jobIdOf(nonce, address(consumer));
        assertEq(uint256(jm.getJobMetadata(id).status), uint256(JOB_STATE_COMPLETED));
        assertEq(consumer.getOnchainInputForJob(id), onchainInput);
        assertEq(consumer.getOffchainInputHashForJob(id), keccak256(offchainInput));
        assertEq(consumer.lastResult(), result);
        assertTrue(consumer.maxNonce() >= nonce);
    }
}
