// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {SquareRootConsumer} from "../src/SquareRootConsumer.sol";

/// Plain forge test (no forge-std needed): the test contract acts as the job manager.
contract SquareRootConsumerTest {
    SquareRootConsumer consumer;

    function setUp() public {
        consumer = new SquareRootConsumer(address(this));
    }

    function test_storesCorrectRoot() public {
        consumer.receiveResult(bytes32(uint256(1)), abi.encode(uint256(144), uint256(12)));
        require(consumer.rootOf(144) == 12, "root not stored");
    }

    function test_rejectsWrongRoot() public {
        try consumer.receiveResult(bytes32(uint256(2)), abi.encode(uint256(144), uint256(13))) {
            revert("accepted a wrong root");
        } catch {}
    }
}
