// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SquareRootConsumer} from "../src/SquareRootConsumer.sol";
import {vm} from "./ScriptVm.sol";

/// Requests floor(sqrt(N)) on chain (an onchain job): the coprocessor node picks up the
/// `JobCreated` event, runs the program and relays the result to the consumer.
///
///     CONSUMER=0x… N=49 \
///       scripts/forge script script/RequestSquareRoot.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract RequestSquareRoot {
    function run() external returns (bytes32 jobID) {
        SquareRootConsumer consumer = SquareRootConsumer(vm.envAddress("CONSUMER"));
        uint256 n = vm.envUint("N");
        vm.startBroadcast();
        jobID = consumer.requestSquareRoot(n);
        vm.stopBroadcast();
    }
}
