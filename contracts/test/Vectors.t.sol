// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {JobManager} from "../src/JobManager.sol";
import {Consumer} from "../src/Consumer.sol";
import {ConsumerBase} from "../src/ConsumerBase.sol";
import {StatefulConsumer} from "../src/StatefulConsumer.sol";
import {OffchainRequester} from "../src/OffchainRequester.sol";
import {IJobManager, DisputeParameters} from "../src/IJobManager.sol";

/// InfinityVM interoperability vectors (shared/reference/infinityvm.md §11), reproduced in Solidity.
contract VectorsTest is Test {
    address internal constant REPO_CONSUMER = 0x50EEf481cae4250d252Ae577A09bF514f224C6C4;
    address internal constant SQRT_CONSUMER = 0x5FbDB2315678afecb367f032d93F642f64180aa3;
    bytes internal constant SQUARE_ROOT_ID =
        hex"11f33be858c41ce554eea7d643911c8e5c4de4f775da47bf100317333d2ef425";
    bytes32 internal constant REPO_JOB_ID =
        0x60bd454a5be1144057d7b68260c9414afce2ca215f6a84a26a65329343a1220c;
    bytes32 internal constant SQRT_JOB_ID =
        0x27c228cf511b4fa242f29995cd9e6f47c73638f2f27b8e9e081694eaebfeeb21;

    function word(bytes memory b, uint256 i) internal pure returns (uint256 w) {
        assembly {
            w := mload(add(add(b, 0x20), mul(i, 0x20)))
        }
    }

    // 1, 2
    function test_vector_hashes() public pure {
        assertEq(keccak256(""), 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470);
        assertEq(keccak256(new bytes(32)), 0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563);
        assertEq(
            keccak256(abi.encode(address(0))),
            0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563
        );
    }

    // 3, 4, 5
    function test_vector_jobIDs() public {
        bytes memory packed = abi.encodePacked(uint64(1), REPO_CONSUMER);
        assertEq(packed.length, 28, "packed nonce+consumer is 28 bytes");
        assertEq(keccak256(packed), REPO_JOB_ID);
        assertEq(
            keccak256(abi.encodePacked(uint64(2), REPO_CONSUMER)),
            0x70e9ee97435f368239d23bf4f7953c710a37e0b3368db309de181d5f6bc47169
        );
        assertEq(
            keccak256(abi.encodePacked(uint64(0), address(0))),
            0xb696031ea0505df7c7b5cc290e50cea0402d2a396b0db1c5d08155bd219cc52e
        );
        assertEq(
            keccak256(abi.encodePacked(type(uint64).max, address(type(uint160).max))),
            0xe23f421fa473c78889707f235872043c4aaca3b99dbc141ec517b44b7b219576
        );
        assertEq(keccak256(abi.encodePacked(uint64(1), SQRT_CONSUMER)), SQRT_JOB_ID);

        // JobManager derives the same ID for a consumer at the vector's address.
        JobManager jm = new JobManager(address(this), address(this), address(1), address(0), _params());
        vm.etch(REPO_CONSUMER, address(new VectorConsumer(address(jm))).code);
        vm.prank(REPO_CONSUMER);
        assertEq(jm.createJob(1, "programID", new bytes(32), 1_000_000), REPO_JOB_ID);
    }

    // 6
    function test_vector_repoResultWithMetadata() public pure {
        bytes memory enc = abi.encode(
            IJobManager.ResultWithMetadata({
                jobID: REPO_JOB_ID,
                onchainInputHash: keccak256(new bytes(32)),
                maxCycles: 1_000_000,
                programID: "programID",
                result: abi.encode(address(0), uint256(10))
            })
        );
        assertEq(enc.length, 352);
        assertEq(word(enc, 0), 0x20, "leading offset");
        assertEq(word(enc, 1), uint256(REPO_JOB_ID));
        assertEq(word(enc, 3), 0xf4240, "maxCycles");
        assertEq(word(enc, 4), 0xa0, "programID offset");
        assertEq(word(enc, 5), 0xe0, "result offset");
        assertEq(ethSignedDigest(enc), 0x3c19a3a7c1d0f95fca98eadaac3db98504f0924ae27e19023aefa503505fc5a4);
    }

    // 7
    function test_vector_repoOffchainJobRequest() public pure {
        bytes memory enc = abi.encode(
            IJobManager.OffchainJobRequest({
                nonce: 1,
                maxCycles: 1_000_000,
                consumer: REPO_CONSUMER,
                programID: "programID",
                onchainInput: new bytes(32),
                offchainInputHash: keccak256(new bytes(32))
            })
        );
        assertEq(enc.length, 352);
        assertEq(word(enc, 0), 0x20);
        assertEq(word(enc, 4), 0xc0, "programID offset");
        assertEq(word(enc, 5), 0x100, "onchainInput offset");
        bytes32 digest = ethSignedDigest(enc);
        assertEq(digest, 0xf1a189bb15a7c19c82edd877b3c59b4528291c228acc1f548ea52c834811a6b4);
        assertEq(
            signMessage(ANVIL_KEY_0, enc),
            hex"ebed44f7299bd0dba5e4622207ebec36ca16106074f403cb65b18c6242e60fd3043703f26051243f128bb2a6a1ca3d90e7916c216b6438c997a3c146776192351b"
        );
        assertEq(vm.addr(ANVIL_KEY_0), 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266);
    }

    // 8
    function test_vector_repoOffchainResultWithMetadata() public pure {
        bytes memory enc = abi.encode(
            IJobManager.OffchainResultWithMetadata({
                jobID: REPO_JOB_ID,
                onchainInputHash: keccak256(new bytes(32)),
                offchainInputHash: keccak256(new bytes(32)),
                maxCycles: 1_000_000,
                programID: "programID",
                result: abi.encode(address(0), uint256(10)),
                versionedBlobHashes: new bytes32[](0)
            })
        );
        assertEq(enc.length, 448);
        assertEq(word(enc, 0), 0x20);
        assertEq(word(enc, 5), 0xe0, "programID offset");
        assertEq(word(enc, 6), 0x120, "result offset");
        assertEq(word(enc, 7), 0x180, "blob hashes offset");
        assertEq(word(enc, 13), 0, "empty array length is the last word");
    }

    // 9
    function test_vector_squareRootRequest() public pure {
        bytes memory enc = abi.encode(
            IJobManager.OffchainJobRequest({
                nonce: 1,
                maxCycles: 1_000_000,
                consumer: SQRT_CONSUMER,
                programID: SQUARE_ROOT_ID,
                onchainInput: abi.encode(uint256(9)),
                offchainInputHash: keccak256("")
            })
        );
        assertEq(
            keccak256(abi.encode(uint256(9))),
            0x6e1540171b6c0c960b71a7020d9f60077f6af931a8bbf590da0223dacf75c7af
        );
        assertEq(enc.length, 352);
        assertEq(ethSignedDigest(enc), 0xc0f47a02dd2b555da865efb77f8334b2b7490847960729e7e82d27b952674d79);
        bytes memory sig = signMessage(ANVIL_KEY_5, enc);
        assertEq(
            sig,
            hex"f2122152e96ad86190c1de265b307041abfff0b44fb68e2964046b4cff2a74d40fe7183ec093b441cff7204dcd7d224891a6367e48ea44092f0c7841e64fd13e1b"
        );
        assertEq(_recover(ethSignedDigest(enc), sig), 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc);
    }

    // 10
    function test_vector_squareRootResult() public pure {
        bytes memory enc = abi.encode(
            IJobManager.ResultWithMetadata({
                jobID: SQRT_JOB_ID,
                onchainInputHash: keccak256(abi.encode(uint256(9))),
                maxCycles: 1_000_000,
                programID: SQUARE_ROOT_ID,
                result: abi.encode(uint256(9), uint256(3))
            })
        );
        assertEq(enc.length, 352);
        assertEq(ethSignedDigest(enc), 0x03612279748de70b5019660974e87c13a9dffae635599b41f5c7017ae240cdb0);
        bytes memory sig = signMessage(ANVIL_KEY_2, enc);
        assertEq(
            sig,
            hex"554e5364163193cb9f33eea1fe9ca6fc58aef909e2fa43b248bceda8fa3ac33e052d97aad0cebe2405fb710942c06c04f9bad83f3ed68bf7738fa430a774c1cf1b"
        );
        assertEq(_recover(ethSignedDigest(enc), sig), 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC);
    }

    // 11
    function test_vector_squareRootOffchainResult() public pure {
        bytes memory enc = abi.encode(
            IJobManager.OffchainResultWithMetadata({
                jobID: SQRT_JOB_ID,
                onchainInputHash: keccak256(abi.encode(uint256(9))),
                offchainInputHash: keccak256(""),
                maxCycles: 1_000_000,
                programID: SQUARE_ROOT_ID,
                result: abi.encode(uint256(9), uint256(3)),
                versionedBlobHashes: new bytes32[](0)
            })
        );
        assertEq(enc.length, 448);
        assertEq(ethSignedDigest(enc), 0x38f28e085d1e9fc4643d600b3a2cc47ee88dca247ac92b2cd32ac79f0948faca);
        assertEq(
            signMessage(ANVIL_KEY_2, enc),
            hex"c232a3207464050651b39d432f2ab8540886095e3b43b53b095cca2e7b79723e2d96da20e8acd4d00efa091ff1d6e9f9af1b1f2d2a8176a89ed755dcb7e0b52d1b"
        );
    }

    // 12: selectors (reference §6) of our contracts.
    function test_vector_selectors() public view {
        assertEq(bytes32(JobManager.createJob.selector), bytes32(bytes4(0xa8f63fb6)), "createJob");
        assertEq(bytes32(JobManager.cancelJob.selector), bytes32(bytes4(0x5fae1450)), "cancelJob");
        assertEq(bytes32(JobManager.submitResult.selector), bytes32(bytes4(0xea253487)), "submitResult");
        assertEq(
            bytes32(JobManager.submitResultForOffchainJob.selector),
            bytes32(bytes4(0xf4c67279)),
            "submitResultForOffchainJob"
        );
        assertEq(bytes32(JobManager.getJobMetadata.selector), bytes32(bytes4(0x0b827bfc)), "getJobMetadata");
        assertEq(
            bytes32(JobManager(address(0)).jobIDToMetadata.selector),
            bytes32(bytes4(0x5ada462e)),
            "jobIDToMetadata"
        );
        assertEq(
            bytes32(JobManager(address(0)).jobIDToBlobhashes.selector),
            bytes32(bytes4(0x61796952)),
            "jobIDToBlobhashes"
        );
        assertEq(bytes32(JobManager.setRelayer.selector), bytes32(bytes4(0x6548e9bc)), "setRelayer");
        assertEq(bytes32(JobManager.getRelayer.selector), bytes32(bytes4(0xbdc50373)), "getRelayer");
        assertEq(
            bytes32(JobManager.setCoprocessorOperator.selector),
            bytes32(bytes4(0x33db8f79)),
            "setCoprocessorOperator"
        );
        assertEq(
            bytes32(JobManager.getCoprocessorOperator.selector),
            bytes32(bytes4(0xd332ca87)),
            "getCoprocessorOperator"
        );
        assertEq(bytes32(ConsumerBase.getJobManager.selector), bytes32(bytes4(0xdb6902fd)), "getJobManager");
        assertEq(
            bytes32(ConsumerBase.getOnchainInputForJob.selector),
            bytes32(bytes4(0x535fb15e)),
            "getOnchainInputForJob"
        );
        assertEq(
            bytes32(ConsumerBase.getOffchainInputHashForJob.selector),
            bytes32(bytes4(0xc072fcad)),
            "getOffchainInputHashForJob"
        );
        assertEq(bytes32(ConsumerBase.getNextNonce.selector), bytes32(bytes4(0xbd7084b2)), "getNextNonce");
        assertEq(
            bytes32(ConsumerBase.setInputsForJob.selector), bytes32(bytes4(0xf0bb3feb)), "setInputsForJob"
        );
        assertEq(
            bytes32(ConsumerBase.updateLatestNonce.selector), bytes32(bytes4(0xb75880a4)), "updateLatestNonce"
        );
        assertEq(bytes32(ConsumerBase.receiveResult.selector), bytes32(bytes4(0x5dd80855)), "receiveResult");
        assertEq(
            bytes32(StatefulConsumer.getLatestStateRoot.selector),
            bytes32(bytes4(0xa04fda49)),
            "getLatestStateRoot"
        );
        assertEq(
            bytes32(OffchainRequester.isValidSignature.selector),
            bytes32(bytes4(0x1626ba7e)),
            "isValidSignature"
        );
        // initializeJobManager(address,address,address) = f1c52b5d: JobManager here is not
        // upgradeable and has no initializer (see contracts/README.md).
        assertEq(
            bytes32(bytes4(keccak256("initializeJobManager(address,address,address)"))),
            bytes32(bytes4(0xf1c52b5d))
        );
    }

    // 12: event topics.
    function test_vector_eventTopics() public pure {
        assertEq(
            IJobManager.JobCreated.selector,
            0x6746f3d160e2aee55f5b75a72021b8b806113443f64eed235b5f69af10d4890b
        );
        assertEq(
            IJobManager.JobCancelled.selector,
            0x9ccc861eaec2aceb9488758b457d6274b344707bc4e961cbaefacd208025410f
        );
        assertEq(
            IJobManager.JobCompleted.selector,
            0x18ce2a004e7924f4cafa86a73b66181a8015d42237947bf984673fd623ac644f
        );
    }

    function _recover(bytes32 digest, bytes memory sig) internal pure returns (address) {
        bytes32 r;
        bytes32 s;
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
        }
        return ecrecover(digest, uint8(sig[64]), r, s);
    }

    function _params() internal pure returns (DisputeParameters memory p) {
        p = DisputeParameters(1 hours, 1 days, 1 hours, 0, 0, 0);
    }
}

contract VectorConsumer is Consumer {
    constructor(address jobManager) Consumer(jobManager, 0) {}

    function _receiveResult(bytes32, bytes memory) internal override {}
}
