//! One matching step of a central limit order book (CLOB) with price-time priority.
//!
//! All integers are big-endian.
//!
//! **Order record** (25 bytes): `side: u8 | price: u64 | quantity: u64 | id: u64`, where
//! `side` is `0` = buy (bid), `1` = sell (ask), `2` = cancel (removes the resting order `id`;
//! its price and quantity are ignored, and an unknown id is a no-op).
//!
//! - **Offchain input** — the initial book (may be empty): order records with side `0` or `1`,
//!   earliest first (that order is their time priority). They rest without matching, so the
//!   book must not be crossed (best bid < best ask).
//! - **Onchain input** — the new orders (may be empty): order records applied in order. A buy
//!   or sell is a limit order: it matches against the opposite side while that side's best
//!   price is at or better than its limit (best price first, earliest order first at each
//!   price; the fill price is the resting order's price) and any remainder rests at its limit
//!   price behind the orders already there.
//! - **Output**:
//!   ```text
//!   u32 fill_count,  fill_count × { maker_id: u64, taker_id: u64, price: u64, quantity: u64 }
//!   u32 bid_levels,  bid_levels × { price: u64, total_quantity: u128, orders: u32 }  (highest first)
//!   u32 ask_levels,  ask_levels × { price: u64, total_quantity: u128, orders: u32 }  (lowest first)
//!   ```
//!
//! Malformed input panics: a length that is not a multiple of 25, an unknown side, a zero
//! quantity on a buy or sell, an id that is already resting, a cancel in the initial book, or
//! a crossed initial book.
#![no_std]
extern crate alloc;
use alloc::{
    collections::{BTreeMap, VecDeque},
    vec::Vec,
};

/// Bytes per order record.
pub const ORDER_LEN: usize = 25;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Limit { side: Side, price: u64, quantity: u64 },
    Cancel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub action: Action,
    pub id: u64,
}

impl Order {
    /// Encodes the order as a 25-byte record.
    pub fn encode(&self) -> [u8; ORDER_LEN] {
        let (side, price, quantity) = match self.action {
            Action::Limit { side: Side::Buy, price, quantity } => (0, price, quantity),
            Action::Limit { side: Side::Sell, price, quantity } => (1, price, quantity),
            Action::Cancel => (2, 0, 0),
        };
        let mut out = [0u8; ORDER_LEN];
        out[0] = side;
        out[1..9].copy_from_slice(&price.to_be_bytes());
        out[9..17].copy_from_slice(&quantity.to_be_bytes());
        out[17..25].copy_from_slice(&self.id.to_be_bytes());
        out
    }
}

/// Decodes a list of order records.
pub fn decode_orders(bytes: &[u8]) -> Vec<Order> {
    assert!(
        bytes.chunks_exact(ORDER_LEN).remainder().is_empty(),
        "order list length {} is not a multiple of {ORDER_LEN}",
        bytes.len()
    );
    bytes
        .chunks_exact(ORDER_LEN)
        .map(|r| {
            let word = |i: usize| u64::from_be_bytes(r[i..i + 8].try_into().unwrap());
            let (price, quantity, id) = (word(1), word(9), word(17));
            let action = match r[0] {
                0 => Action::Limit { side: Side::Buy, price, quantity },
                1 => Action::Limit { side: Side::Sell, price, quantity },
                2 => Action::Cancel,
                s => panic!("order {id}: unknown side {s}"),
            };
            if let Action::Limit { quantity: 0, .. } = action {
                panic!("order {id}: zero quantity");
            }
            Order { action, id }
        })
        .collect()
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

/// The program: builds the book from `offchain`, applies the orders in `onchain`, and
/// encodes the fills and the resulting book summary.
pub fn run(onchain: &[u8], offchain: &[u8]) -> Vec<u8> {
    let mut book = Book::from_resting(&decode_orders(offchain));
    let orders = decode_orders(onchain);
    let mut fills = Vec::new();
    for o in &orders {
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
    out
}
