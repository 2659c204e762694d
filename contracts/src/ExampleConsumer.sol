// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ConsumerBase} from "./ConsumerBase.sol";
import {ClaimedOutcome} from "./IConsumer.sol";
import {SingleOffchainSigner} from "./SingleOffchainSigner.sol";

/// A general-purpose consumer, deployed by `ivm devnet`: anyone may request a job for any
/// program; results (onchain or offchain jobs) are stored by job ID. Offchain requests must be
/// signed by the configured offchain signer.
contract ExampleConsumer is ConsumerBase, SingleOffchainSigner, Ownable {
    mapping(bytes32 => bytes) private _results;
    mapping(bytes32 => bool) private _hasResult;
    mapping(bytes32 => bool) private _overturned;
    mapping(bytes32 => address) private _requester;

    event JobRequested(
        bytes32 indexed jobID,
        address indexed requester,
        bytes programID,
        bytes onchainInput,
        uint64 maxCycles
    );
    event ResultReceived(bytes32 indexed jobID, bytes result);
    event ResultOverturned(bytes32 indexed jobID, ClaimedOutcome outcome, bytes32 claimedOutputHash);

    constructor(address owner, address jobManager, address offchainSigner, uint64 initialMaxNonce)
        ConsumerBase(jobManager, initialMaxNonce)
        SingleOffchainSigner(offchainSigner)
        Ownable(owner)
    {}

    /// Requests an onchain job; returns its ID. The node picks it up from `JobCreated`.
    function requestJob(bytes calldata programID, bytes calldata onchainInput, uint64 maxCycles)
        external
        returns (bytes32 jobID)
    {
        jobID = _requestJob(programID, onchainInput, maxCycles);
        _requester[jobID] = msg.sender;
        emit JobRequested(jobID, msg.sender, programID, onchainInput, maxCycles);
    }

    /// Cancels a pending onchain job; only its requester or the owner may.
    function cancelJob(bytes32 jobID) external {
        require(
            msg.sender == _requester[jobID] || msg.sender == owner(),
            "ExampleConsumer.cancelJob: caller is not the requester or owner"
        );
        _cancelJob(jobID);
    }

    function setOffchainSigner(address signer) external onlyOwner {
        _updateOffchainSigner(signer);
    }

    function getJobResult(bytes32 jobID) external view returns (bytes memory) {
        return _results[jobID];
    }

    function hasResult(bytes32 jobID) external view returns (bool) {
        return _hasResult[jobID];
    }

    function isOverturned(bytes32 jobID) external view returns (bool) {
        return _overturned[jobID];
    }

    function getRequester(bytes32 jobID) external view returns (address) {
        return _requester[jobID];
    }

    function _receiveResult(bytes32 jobID, bytes memory result) internal override {
        _results[jobID] = result;
        _hasResult[jobID] = true;
        emit ResultReceived(jobID, result);
    }

    function _onResultOverturned(bytes32 jobID, ClaimedOutcome outcome, bytes32 claimedOutputHash)
        internal
        override
    {
        _overturned[jobID] = true;
        emit ResultOverturned(jobID, outcome, claimedOutputHash);
    }
}
