// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Consumer} from "../src/Consumer.sol";
import {IJobManager} from "../src/IJobManager.sol";
import {JobManager} from "../src/JobManager.sol";
import {SingleOffchainSigner} from "../src/SingleOffchainSigner.sol";
import {StatefulConsumer} from "../src/StatefulConsumer.sol";

/// Written as an InfinityVM app is: the shared structs named through the contracts that
/// declare them in InfinityVM, `getJobManager()` called internally and overridden.
contract InfinityVMStyleConsumer is Consumer, SingleOffchainSigner {
    uint256 public overrideCalls;

    constructor(address jobManager) Consumer(jobManager, 0) SingleOffchainSigner(address(1)) {}

    function getJobManager() public view override returns (address) {
        return super.getJobManager();
    }

    function jobManagerSeenInternally() external view returns (address) {
        return getJobManager();
    }

    function metadataOf(bytes32 jobID) external view returns (JobManager.JobMetadata memory) {
        return IJobManager(getJobManager()).getJobMetadata(jobID);
    }

    function _receiveResult(bytes32, bytes memory) internal override {}
}

/// A stateful app reading its root internally, as InfinityVM's do.
contract InfinityVMStyleStateful is StatefulConsumer {
    constructor(address jobManager) StatefulConsumer(jobManager, 0, bytes32(uint256(5))) {}

    function rootSeenInternally() external view returns (bytes32) {
        return getLatestStateRoot();
    }

    function encodeInput(bytes32 root) external pure returns (bytes memory) {
        return abi.encode(StatefulConsumer.StatefulAppOnchainInput(root, "x"));
    }

    function _receiveResult(bytes32, bytes memory) internal override {}
}

contract InfinityVMSourceTest is Fixture {
    function test_structsResolveWhereInfinityVMDeclaresThem() public {
        bytes32 id = completeJob(abi.encode(uint256(9)), abi.encode(uint256(3)));
        InfinityVMStyleConsumer app = new InfinityVMStyleConsumer(address(jm));
        assertEq(app.jobManagerSeenInternally(), address(jm));
        assertEq(app.getJobManager(), address(jm));
        JobManager.JobMetadata memory meta = app.metadataOf(id);
        IJobManager.JobMetadata memory same = jm.getJobMetadata(id);
        assertEq(keccak256(abi.encode(meta)), keccak256(abi.encode(same)));
        IJobManager.ResultWithMetadata memory r;
        IJobManager.OffchainResultWithMetadata memory o;
        IJobManager.OffchainJobRequest memory q;
        assertEq(r.result.length + o.result.length + q.onchainInput.length, 0);
    }

    function test_statefulRootReadInternally() public {
        InfinityVMStyleStateful app = new InfinityVMStyleStateful(address(jm));
        assertEq(app.rootSeenInternally(), bytes32(uint256(5)));
        StatefulConsumer.StatefulAppOnchainInput memory input =
            abi.decode(app.encodeInput(bytes32(uint256(5))), (StatefulConsumer.StatefulAppOnchainInput));
        assertEq(input.inputStateRoot, bytes32(uint256(5)));
    }
}
