// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Receives results of the {{name}} program from the InfinityVM JobManager.
/// The JobManager calls `receiveResult(jobID, result)` once the coprocessor's signed result
/// is accepted; `result` is what the guest committed: abi.encode(uint256 n, uint256 root).
contract SquareRootConsumer {
    address public immutable jobManager;
    mapping(uint256 => uint256) public rootOf;

    event RootStored(bytes32 indexed jobID, uint256 n, uint256 root);

    constructor(address jobManager_) {
        jobManager = jobManager_;
    }

    function receiveResult(bytes32 jobID, bytes calldata result) external {
        require(msg.sender == jobManager, "SquareRootConsumer: caller is not the job manager");
        (uint256 n, uint256 root) = abi.decode(result, (uint256, uint256));
        require(root * root <= n && (root + 1) * (root + 1) > n, "SquareRootConsumer: wrong root");
        rootOf[n] = root;
        emit RootStored(jobID, n, root);
    }
}
