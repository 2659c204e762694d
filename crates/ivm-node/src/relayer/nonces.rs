//! The relayer account's nonces, handed out by the node itself so that many relay transactions
//! can be in flight at once (asking the chain for the pending nonce before each send, as a
//! one-at-a-time sender may, would give concurrent sends the same nonce).
use ivm_contracts::client::alloy_provider::network::{Ethereum, TransactionBuilder};
use ivm_contracts::client::alloy_provider::transport::TransportError;
use ivm_contracts::client::alloy_provider::{PendingTransactionBuilder, Provider};
use ivm_contracts::client::alloy_rpc_types_eth::TransactionRequest;
use ivm_contracts::client::Client;
use tokio::sync::Mutex;

/// The next nonce of the relayer account, or `None` until it is read from the chain.
#[derive(Debug, Default)]
pub(crate) struct Nonces {
    next: Mutex<Option<u64>>,
}

impl Nonces {
    /// Sends `tx` with the next nonce. The sequence is held across the send, so transactions
    /// reach the node in nonce order. The first send, and the first after a failed one or a
    /// [`Nonces::resync`], reads the account's pending nonce from the chain: a send whose fate
    /// is unknown, a transaction dropped from the pool or replaced by another sender of the
    /// same key would otherwise leave a gap that stalls every later transaction.
    pub async fn send(
        &self,
        chain: &Client,
        tx: TransactionRequest,
    ) -> Result<PendingTransactionBuilder<Ethereum>, TransportError> {
        let mut next = self.next.lock().await;
        let nonce = match *next {
            Some(n) => n,
            None => chain.provider().get_transaction_count(chain.address()).pending().await?,
        };
        match chain.provider().send_transaction(tx.with_nonce(nonce)).await {
            Ok(pending) => {
                *next = Some(nonce + 1);
                Ok(pending)
            }
            Err(e) => {
                *next = None;
                Err(e)
            }
        }
    }

    /// Forgets the sequence: the next send reads the pending nonce from the chain again.
    pub async fn resync(&self) {
        *self.next.lock().await = None;
    }
}
