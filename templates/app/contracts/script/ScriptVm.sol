// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// The forge cheatcodes the scripts use (no forge-std needed).
interface ScriptVm {
    function envAddress(string calldata name) external view returns (address);
    function envBytes(string calldata name) external view returns (bytes memory);
    function envUint(string calldata name) external view returns (uint256);
    function startBroadcast() external;
    function stopBroadcast() external;
}

ScriptVm constant vm = ScriptVm(address(uint160(uint256(keccak256("hevm cheat code")))));
