//! One matching step of a central limit order book (CLOB) with price-time priority, in
//! InfinityVM's stateful-app shape (its CLOB example's framing).
//!
//! - **Onchain input** — `abi.encode(StatefulAppOnchainInput { input_state_root, onchain_input })`
//!   (`ivm_io::stateful`): the root of the book the consumer holds; `onchain_input` is unused.
//! - **Offchain input** — `u32 LE len ‖ borsh(Vec<Order>) ‖ borsh(ClobState)`: the requests
//!   (limit orders and cancels, applied in order) and the book's state, whose sha256 must be
//!   `input_state_root`. The state's resting orders rest without matching, each price level in
//!   time priority, so the book must not be crossed (best bid < best ask).
//! - **Output** — `abi.encode(StatefulAppResult { output_state_root, result })`: the new
//!   state's root and `result`:
//!   ```text
//!   u32 fill_count,  fill_count × { maker_id: u64, taker_id: u64, price: u64, quantity: u64 }
//!   u32 bid_levels,  bid_levels × { price: u64, total_quantity: u128, orders: u32 }  (highest first)
//!   u32 ask_levels,  ask_levels × { price: u64, total_quantity: u128, orders: u32 }  (lowest first)
//!   ```
//!   (integers big-endian). A buy or sell is a limit order: it matches against the opposite
//!   side while that side's best price is at or better than its limit (best price first,
//!   earliest order first at each price; the fill price is the resting order's price) and any
//!   remainder rests at its limit price behind the orders already there. A cancel removes the
//!   resting order `id` (an unknown id is a no-op).
//!
//! Malformed input panics, naming what did not decode or hold: inputs that do not decode, a
//! state that does not hash to the root, a zero quantity, an id that is already resting, a
//! cancel in the state, or a crossed state.
#![no_std]
extern crate alloc;
use alloc::{
    collections::{BTreeMap, VecDeque},
    vec::Vec,
};
use borsh::{BorshDeserialize, BorshSerialize};
use ivm_io::stateful::{StatefulAppOnchainInput, StatefulAppResult};
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Side {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Action {
    Limit { side: Side, price: u64, quantity: u64 },
    Cancel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Order {
    pub action: Action,
    pub id: u64,
}

/// The book between jobs: its resting orders, each price level's queue in time priority.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ClobState {
    pub resting: Vec<Order>,
}

/// The state root of `borsh(state)`: its sha256.
pub fn state_root(state_bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(state_bytes).into()
}

fn borsh_bytes<T: BorshSerialize>(value: &T) -> Vec<u8> {
    borsh::to_vec(value).expect("borsh encodes into memory")
}

/// The job inputs for `requests` on the book `state`: `(onchain, offchain)`.
pub fn encode_inputs(state: &ClobState, requests: &[Order]) -> (Vec<u8>, Vec<u8>) {
    let (requests, state) = (borsh_bytes(&requests.to_vec()), borsh_bytes(state));
    let onchain = StatefulAppOnchainInput {
        input_state_root: state_root(&state).into(),
        onchain_input: Default::default(),
    };
    let mut offchain = (requests.len() as u32).to_le_bytes().to_vec();
    offchain.extend_from_slice(&requests);
    offchain.extend_from_slice(&state);
    (ivm_io::encode_abi(&onchain), offchain)
}

/// The new state root and the `result` bytes of an output.
pub fn decode_output(out: &[u8]) -> ([u8; 32], Vec<u8>) {
    let r: StatefulAppResult = ivm_io::decode_abi("clob output", out);
    (r.output_state_root.0, r.result.to_vec())
}

/// The program: checks the state against its root, builds the book, applies the requests, and
/// encodes the new root with the fills and the book summary.
pub fn run(onchain: &[u8], offchain: &[u8]) -> Vec<u8> {
    let input: StatefulAppOnchainInput = ivm_io::decode_abi("onchain input", onchain);
    let (requests, state) = ivm_io::split_length_prefixed("offchain input", offchain);
    assert!(
        state_root(state) == input.input_state_root.0,
        "offchain input: the state does not hash to the onchain input's state root"
    );
    let requests: Vec<Order> = ivm_io::decode_borsh("offchain input requests", requests);
    let state: ClobState = ivm_io::decode_borsh("offchain input state", state);
    let (result, book) = match_orders(&state.resting, &requests);
    let output_state = borsh_bytes(&ClobState { resting: book.resting_orders() });
    ivm_io::encode_abi(&StatefulAppResult {
        output_state_root: state_root(&output_state).into(),
        result: result.into(),
    })
}

/// A trade between a resting (maker) order and an incoming (taker) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    pub maker_id: u64,
    pub taker_id: u64,
    pub price: u64,
    pub quantity: u64,
}

#[derive(Clone, Copy, Debug)]
struct Resting {
    id: u64,
    quantity: u64,
}

/// The book: price levels of FIFO queues, and where each resting id is.
#[derive(Default)]
pub struct Book {
    bids: BTreeMap<u64, VecDeque<Resting>>,
    asks: BTreeMap<u64, VecDeque<Resting>>,
    index: BTreeMap<u64, (Side, u64)>,
}

impl Book {
    /// Builds the initial book from resting orders (no matching).
    pub fn from_resting(orders: &[Order]) -> Book {
        let mut book = Book::default();
        for o in orders {
            match o.action {
                Action::Limit { quantity: 0, .. } => panic!("order {}: zero quantity", o.id),
                Action::Limit { side, price, quantity } => book.rest(o.id, side, price, quantity),
                Action::Cancel => panic!("order {}: cancel in the initial book", o.id),
            }
        }
        if let (Some(bid), Some(ask)) = (book.bids.keys().next_back(), book.asks.keys().next()) {
            assert!(bid < ask, "initial book is crossed: best bid {bid} >= best ask {ask}");
        }
        book
    }

    fn rest(&mut self, id: u64, side: Side, price: u64, quantity: u64) {
        let levels = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        levels.entry(price).or_default().push_back(Resting { id, quantity });
        assert!(
            self.index.insert(id, (side, price)).is_none(),
            "order {id}: id is already resting"
        );
    }

    /// Applies one order, appending its fills.
    pub fn apply(&mut self, order: &Order, fills: &mut Vec<Fill>) {
        let id = order.id;
        let (side, limit, mut remaining) = match order.action {
            Action::Cancel => {
                self.cancel(id);
                return;
            }
            Action::Limit { quantity: 0, .. } => panic!("order {id}: zero quantity"),
            Action::Limit { side, price, quantity } => (side, price, quantity),
        };
        assert!(!self.index.contains_key(&id), "order {id}: id is already resting");
        while remaining > 0 {
            let mut level = match side {
                Side::Buy => match self.asks.first_entry() {
                    Some(e) if *e.key() <= limit => e,
                    _ => break,
                },
                Side::Sell => match self.bids.last_entry() {
                    Some(e) if *e.key() >= limit => e,
                    _ => break,
                },
            };
            let price = *level.key();
            let queue = level.get_mut();
            while remaining > 0 {
                let Some(maker) = queue.front_mut() else { break };
                let quantity = maker.quantity.min(remaining);
                fills.push(Fill { maker_id: maker.id, taker_id: id, price, quantity });
                maker.quantity -= quantity;
                remaining -= quantity;
                if maker.quantity == 0 {
                    self.index.remove(&maker.id);
                    queue.pop_front();
                }
            }
            if queue.is_empty() {
                level.remove();
            }
        }
        if remaining > 0 {
            self.rest(id, side, limit, remaining);
        }
    }

    fn cancel(&mut self, id: u64) {
        let Some((side, price)) = self.index.remove(&id) else { return };
        let levels = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let queue = levels.get_mut(&price).expect("indexed level exists");
        queue.retain(|r| r.id != id);
        if queue.is_empty() {
            levels.remove(&price);
        }
    }

    /// The resting orders, each level's queue in time priority (what [`Book::from_resting`]
    /// rebuilds this book from).
    pub fn resting_orders(&self) -> Vec<Order> {
        let levels = [(Side::Buy, &self.bids), (Side::Sell, &self.asks)];
        let mut out = Vec::new();
        for (side, book) in levels {
            for (&price, queue) in book {
                out.extend(queue.iter().map(|r| Order {
                    action: Action::Limit { side, price, quantity: r.quantity },
                    id: r.id,
                }));
            }
        }
        out
    }

    /// `(price, total quantity, order count)` per bid level, best (highest) first.
    pub fn bid_levels(&self) -> Vec<(u64, u128, u32)> {
        self.bids.iter().rev().map(summarize).collect()
    }

    /// `(price, total quantity, order count)` per ask level, best (lowest) first.
    pub fn ask_levels(&self) -> Vec<(u64, u128, u32)> {
        self.asks.iter().map(summarize).collect()
    }
}

fn summarize((price, queue): (&u64, &VecDeque<Resting>)) -> (u64, u128, u32) {
    (*price, queue.iter().map(|r| r.quantity as u128).sum(), queue.len() as u32)
}

/// Matches `requests` against the book of `resting` orders: the encoded fills and book
/// summary, and the book after.
pub fn match_orders(resting: &[Order], requests: &[Order]) -> (Vec<u8>, Book) {
    let mut book = Book::from_resting(resting);
    let mut fills = Vec::new();
    for o in requests {
        book.apply(o, &mut fills);
    }
    let (bids, asks) = (book.bid_levels(), book.ask_levels());
    let mut out = Vec::with_capacity(12 + 32 * fills.len() + 28 * (bids.len() + asks.len()));
    out.extend_from_slice(&(fills.len() as u32).to_be_bytes());
    for f in &fills {
        for w in [f.maker_id, f.taker_id, f.price, f.quantity] {
            out.extend_from_slice(&w.to_be_bytes());
        }
    }
    for levels in [bids, asks] {
        out.extend_from_slice(&(levels.len() as u32).to_be_bytes());
        for (price, total, count) in levels {
            out.extend_from_slice(&price.to_be_bytes());
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
        }
    }
    (out, book)
}
