//! Blobs from a consensus client's beacon API (`GET /eth/v1/beacon/blobs/{block_id}`), for
//! challengers on networks whose execution RPC nodes do not serve blobs. Blobs are kept for
//! ~18 days (4096 epochs); after that no honest node has them.
use std::time::Duration;

use anyhow::{Context, Result};
use ivm_contracts::alloy_primitives::{Bytes, B256};
use serde::Deserialize;

use crate::exit::invalid_input;

/// A beacon node at `base` (e.g. `http://127.0.0.1:5052`).
#[derive(Debug, Clone)]
pub struct BeaconClient {
    base: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct BlobsResponse {
    data: Vec<Bytes>,
}

impl BeaconClient {
    pub fn new(base: &str) -> Result<Self> {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(invalid_input(format!(
                "--beacon-url {base}: not an http(s) URL (e.g. http://127.0.0.1:5052)"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .context("building the HTTP client")?;
        Ok(BeaconClient { base: base.trim_end_matches('/').to_string(), http })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// The blobs with these versioned hashes in beacon block `block_id` (a beacon block root
    /// or a slot; anvil also takes the execution block's hash), in the block's order.
    pub async fn blobs(&self, block_id: &str, versioned_hashes: &[B256]) -> Result<Vec<Bytes>> {
        // Hex needs no escaping in a query.
        let query: Vec<String> =
            versioned_hashes.iter().map(|h| format!("versioned_hashes={h}")).collect();
        let url = format!("{}/eth/v1/beacon/blobs/{block_id}?{}", self.base, query.join("&"));
        let response = self.http.get(&url).send().await.with_context(|| format!("GET {url}"))?;
        let status = response.status();
        let body = response.text().await.with_context(|| format!("reading GET {url}"))?;
        if !status.is_success() {
            anyhow::bail!(
                "GET {url}: HTTP {status}: {}",
                body.chars().take(300).collect::<String>()
            );
        }
        let blobs: BlobsResponse =
            serde_json::from_str(&body).with_context(|| format!("decoding GET {url}"))?;
        if blobs.data.len() != versioned_hashes.len() {
            anyhow::bail!(
                "the beacon node returned {} of the {} blobs asked for in block {block_id}",
                blobs.data.len(),
                versioned_hashes.len()
            );
        }
        Ok(blobs.data)
    }
}
