// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SquareRootConsumer} from "../src/SquareRootConsumer.sol";
import {vm} from "./ScriptVm.sol";

/// Deploys the consumer against a running JobManager (an `ivm devnet`, or a real network).
///
///     JOB_MANAGER=0x… OFFCHAIN_SIGNER=0x… PROGRAM_ID=0x… \
///       scripts/forge script script/Deploy.s.sol --rpc-url $RPC --private-key $KEY --broadcast
///
/// - `JOB_MANAGER`: the JobManager address (`ivm devnet` prints it);
/// - `OFFCHAIN_SIGNER`: the address whose EIP-191 signatures authorise offchain job requests
///   (the key `ivm job submit` signs with);
/// - `PROGRAM_ID`: the {{name}} program's ID (`ivm build` prints it).
///
/// Prints `consumer: contract SquareRootConsumer 0x…`; the address is also in
/// `broadcast/Deploy.s.sol/<chain id>/run-latest.json`.
contract Deploy {
    function run() external returns (SquareRootConsumer consumer) {
        address jobManager = vm.envAddress("JOB_MANAGER");
        address offchainSigner = vm.envAddress("OFFCHAIN_SIGNER");
        bytes memory programID = vm.envBytes("PROGRAM_ID");
        vm.startBroadcast();
        consumer = new SquareRootConsumer(jobManager, offchainSigner, 0, programID);
        vm.stopBroadcast();
    }
}
