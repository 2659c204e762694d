//! Several nodes on one store: roles one node holds at a time, and the heartbeat by which
//! the others notice a node is gone and take over its jobs.
//!
//! On the embedded store a node is alone: it holds every role from the start and never loses
//! one, and the heartbeat does nothing. On PostgreSQL (`crate::store`):
//! - the relayer and the listener each run on the one node that holds the role's lock; the
//!   others try to take it every [`ROLE_RETRY`], so a killed relayer is replaced within about
//!   that (PostgreSQL drops a dead session's locks when its connection closes). A node that
//!   can no longer confirm its lock stops the role at once. Relays stay exactly once across a
//!   failover because each relay checks the chain before it is sent;
//! - every [`HEARTBEAT`] a node records that it is alive and takes over the PENDING jobs of
//!   nodes whose heartbeat is older than [`crate::store::NODE_LEASE`].
use std::sync::Arc;
use std::time::Duration;

use ivm_contracts::alloy_primitives::B256;
use tokio_util::sync::CancellationToken;

use crate::store::Role;
use crate::Shared;

/// How often a node that lacks a role tries to take it, and a holder checks it still has it.
pub const ROLE_RETRY: Duration = Duration::from_secs(1);
/// How often a node on a shared store records that it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// A name for this node process among the nodes of a shared store: host, process and a random
/// suffix (a restarted node is a new node; its old jobs are taken over as a gone node's).
pub fn new_node_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into());
    // std seeds every RandomState from the OS: enough to tell two processes on one host apart.
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish() as u32;
    format!("{host}-{}-{random:08x}", std::process::id())
}

/// Runs `task` whenever this node holds `role`, until shutdown. `task` must return soon after
/// its token is cancelled.
pub(crate) async fn run_role<F, Fut>(shared: Arc<Shared>, role: Role, task: F)
where
    F: Fn(Arc<Shared>, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut waiting_logged = false;
    while !shared.shutdown.is_cancelled() {
        let lease = match shared.store.try_acquire(role).await {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                if !waiting_logged && shared.store.is_shared() {
                    tracing::info!(role = role.name(), "another node holds the role: standing by");
                    waiting_logged = true;
                }
                if sleep_or_shutdown(&shared, ROLE_RETRY).await {
                    break;
                }
                continue;
            }
            Err(e) => {
                if let Some(held_back) = shared.log_limit.admit("role") {
                    tracing::warn!(role = role.name(), held_back, "cannot take the role: {e:#}");
                }
                if sleep_or_shutdown(&shared, ROLE_RETRY).await {
                    break;
                }
                continue;
            }
        };
        waiting_logged = false;
        if shared.store.is_shared() {
            tracing::info!(role = role.name(), "this node took the role");
        }
        hold(&shared, role, lease, &task).await;
    }
}

/// Runs the role's task while the lease holds.
async fn hold<F, Fut>(
    shared: &Arc<Shared>,
    role: Role,
    mut lease: crate::store::RoleLease,
    task: &F,
) where
    F: Fn(Arc<Shared>, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    if role == Role::Relayer {
        // Whatever the previous holder had in flight is checked on chain first, now.
        if let Err(e) = shared.store.relay_all_now().await {
            tracing::warn!("cannot make queued relays due: {e:#}");
        }
    }
    let held = match role {
        Role::Relayer => &shared.metrics.role_relayer,
        Role::Listener => &shared.metrics.role_listener,
    };
    held.store(1, std::sync::atomic::Ordering::Relaxed);
    let stop = shared.shutdown.child_token();
    let mut running = tokio::spawn(task(shared.clone(), stop.clone()));
    let wakeups = (role == Role::Relayer && shared.store.is_shared())
        .then(|| tokio::spawn(relay_wakeups(shared.clone())));
    loop {
        tokio::select! {
            _ = &mut running => break,
            _ = tokio::time::sleep(ROLE_RETRY) => {}
        }
        if !lease.held().await {
            tracing::warn!(
                role = role.name(),
                "lost the role (the database no longer confirms \
                this node's lock): stopping it here; another node takes over"
            );
            stop.cancel();
            let _ = running.await;
            break;
        }
    }
    if let Some(wakeups) = wakeups {
        wakeups.abort();
    }
    held.store(0, std::sync::atomic::Ordering::Relaxed);
}

/// Wakes this node's relayer when any node of the cluster queues a job for relay (without it
/// the relayer still finds them at its next poll).
async fn relay_wakeups(shared: Arc<Shared>) {
    while !shared.shutdown.is_cancelled() {
        if let Err(e) = shared.store.relay_wakeups(|| shared.relay_wake.notify_one()).await {
            if let Some(held_back) = shared.log_limit.admit("relay wakeups") {
                tracing::warn!(held_back, "cannot listen for queued relays: {e:#}");
            }
        }
        if sleep_or_shutdown(&shared, ROLE_RETRY).await {
            break;
        }
    }
}

/// True if the node shut down during the sleep.
async fn sleep_or_shutdown(shared: &Shared, d: Duration) -> bool {
    tokio::select! {
        _ = shared.shutdown.cancelled() => true,
        _ = tokio::time::sleep(d) => false,
    }
}

/// On a shared store: records this node alive every [`HEARTBEAT`] and queues the PENDING jobs
/// it takes over from nodes that are gone.
pub(crate) async fn run_heartbeat(shared: Arc<Shared>, url: String) {
    if !shared.store.is_shared() {
        return;
    }
    loop {
        let beat = async {
            shared.store.heartbeat(&url).await?;
            shared.store.take_orphans(shared.config.executors.max(1) * 4).await
        };
        match beat.await {
            Ok(taken) => {
                for id in taken {
                    crate::metrics::Metrics::inc(&shared.metrics.jobs_taken_over);
                    tracing::info!(job = %B256::from(id), "taking over a job of a node that is gone");
                    shared.enqueue(id);
                }
            }
            Err(e) => {
                if let Some(held_back) = shared.log_limit.admit("heartbeat") {
                    tracing::warn!(held_back, "cannot reach the shared store: {e:#}");
                }
            }
        }
        if sleep_or_shutdown(&shared, HEARTBEAT).await {
            break;
        }
    }
}
