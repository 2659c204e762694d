//! The store's behaviour, the same on the embedded redb file and on PostgreSQL (a real server:
//! `IVM_TEST_POSTGRES`), and what several nodes on one PostgreSQL database rely on: a job
//! claimed by one live node is not executed by another, the jobs of a node that is gone are
//! taken over exactly once, and a role is held by one node at a time and freed when its
//! holder's connection ends.
mod support;

use std::time::Duration;

use ivm_node::store::{Admit, ExecutionOutcome, JobKind, JobRecord, JobState, NewJob};
use ivm_node::{Role, Store, StoreLocation};

fn job(nonce: u64) -> JobRecord {
    JobRecord::accepted(NewJob {
        id: [nonce as u8; 32],
        kind: JobKind::Offchain,
        nonce,
        max_cycles: 10,
        consumer: [7; 20],
        program_id: vec![1; 32],
        onchain_input: vec![],
        offchain_input_hash: [9; 32],
        request: vec![],
        request_signature: vec![],
        relay_strategy: 0,
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Both backends: a redb file in `dir`, and a fresh PostgreSQL database.
fn locations(dir: &std::path::Path) -> Vec<StoreLocation> {
    vec![
        StoreLocation::File(dir.join("sub/node.redb")),
        StoreLocation::parse(&support::postgres_db()),
    ]
}

async fn insert(store: &Store, job: JobRecord) {
    let (_, inserted) = store
        .submit_job(job, Some(b"input"), |_| Ok::<_, ()>(Admit::Insert))
        .await
        .unwrap()
        .unwrap();
    assert!(inserted);
}

#[test]
fn onchain_job_replaces_an_open_offchain_job_with_its_nonce() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for location in locations(dir.path()) {
            let store = Store::open(&location, "n1").await.unwrap();
            insert(&store, job(1)).await;
            let mut onchain = job(1);
            onchain.kind = JobKind::Onchain;
            onchain.onchain_input = b"onchain".to_vec();
            assert_eq!(store.add_onchain_jobs(vec![onchain.clone()], 5).await.unwrap().len(), 1);
            let stored = store.job(&[1; 32]).await.unwrap().unwrap();
            assert_eq!(
                (stored.kind, stored.onchain_input),
                (JobKind::Onchain, b"onchain".to_vec()),
                "{location}"
            );
            // The same event again (a re-scan) changes nothing.
            assert!(store.add_onchain_jobs(vec![onchain], 6).await.unwrap().is_empty());
            assert_eq!(store.pending_nonces(&[7; 20]).await.unwrap(), vec![1]);
            assert_eq!(store.listener_next_block().await.unwrap(), Some(6));
        }
    });
}

#[test]
fn lifecycle_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        for location in locations(dir.path()) {
            lifecycle(&location).await;
        }
    });
}

async fn lifecycle(location: &StoreLocation) {
    {
        let store = Store::open(location, "n1").await.unwrap();
        assert!(store.put_program(&[1; 32], 2, b"elf").await.unwrap());
        assert!(!store.put_program(&[1; 32], 2, b"elf").await.unwrap());
        assert_eq!(store.program_count().await.unwrap(), 1);
        assert_eq!(store.programs_total_bytes().await.unwrap(), 4);
        for n in [3, 1, 2] {
            insert(&store, job(n)).await;
        }
        // A duplicate is kept; a refusal stores nothing.
        let (kept, inserted) = store
            .submit_job(job(1), None, |old| {
                assert!(old.is_some());
                Ok::<_, ()>(Admit::Keep)
            })
            .await
            .unwrap()
            .unwrap();
        assert!(!inserted);
        assert_eq!(kept.seq, store.job(&[1; 32]).await.unwrap().unwrap().seq);
        let refused = store.submit_job(job(9), None, |_| Err::<Admit, _>("no")).await.unwrap();
        assert_eq!(refused.err(), Some("no"));
        assert!(store.job(&[9; 32]).await.unwrap().is_none());
        assert_eq!(store.highest_nonce(&[7; 20]).await.unwrap(), Some(3));
        assert_eq!(store.pending_nonces(&[7; 20]).await.unwrap(), vec![1, 2, 3]);
        let done = ExecutionOutcome::Done {
            result_with_metadata: vec![1],
            operator_signature: vec![2],
            cycles: 5,
        };
        store.finish_execution(&[1; 32], done).await.unwrap();
        store.finish_execution(&[2; 32], ExecutionOutcome::Failed("boom".into())).await.unwrap();
        assert_eq!(store.relay_queue().await.unwrap().len(), 1);
        assert_eq!(store.pending_nonces(&[7; 20]).await.unwrap(), vec![1, 3]);
        store.add_onchain_jobs(vec![job(4)], 17).await.unwrap();
    }
    let store = Store::open(location, "n1").await.unwrap();
    assert_eq!(store.program(&[1; 32]).await.unwrap(), Some((2, b"elf".to_vec())));
    assert_eq!(store.offchain_input(&[9; 32]).await.unwrap(), Some(b"input".to_vec()));
    assert_eq!(store.listener_next_block().await.unwrap(), Some(17));
    let pending = store.jobs_in_state(JobState::Pending).await.unwrap();
    assert_eq!(pending.iter().map(|j| j.nonce).collect::<Vec<_>>(), vec![3, 4], "{location}");
    assert_eq!(store.jobs_in_state(JobState::Done).await.unwrap()[0].cycles, Some(5));
    assert_eq!(store.pending_for_program(&[1; 32]).await.unwrap(), vec![[3; 32], [4; 32]]);
    // Relayed: out of the queue, watched until final; a reorg makes it due again.
    store.mark_relayed(&[1; 32], vec![0xaa; 32]).await.unwrap();
    assert!(store.relay_queue().await.unwrap().is_empty());
    assert_eq!(store.unfinal_relays().await.unwrap(), vec![[1; 32]]);
    store.relay_reorged(&[1; 32], "reorg".into()).await.unwrap();
    assert_eq!(store.relay_queue().await.unwrap().len(), 1);
    assert!(store.unfinal_relays().await.unwrap().is_empty());
    store.mark_relayed(&[1; 32], vec![0xbb; 32]).await.unwrap();
    store.mark_relay_final(&[1; 32]).await.unwrap();
    assert!(store.unfinal_relays().await.unwrap().is_empty());
    assert_eq!(store.pending_nonces(&[7; 20]).await.unwrap(), vec![3, 4]);
    let failed = store.job(&[2; 32]).await.unwrap().unwrap();
    assert_eq!(failed.failure_reason.as_deref(), Some("boom"));
    assert_eq!(failed.to_api().status.unwrap().status, 3);
    // An operator's retry: FAILED → PENDING; RELAYED stays.
    assert_eq!(store.retry(&[2; 32]).await.unwrap(), Some((JobState::Failed, JobState::Pending)));
    assert_eq!(store.retry(&[1; 32]).await.unwrap(), Some((JobState::Relayed, JobState::Relayed)));
    assert_eq!(store.all_jobs().await.unwrap().len(), 4);
}

#[test]
fn nodes_on_one_database_share_jobs_without_double_work() {
    let url = support::postgres_db();
    let location = StoreLocation::parse(&url);
    runtime().block_on(async {
        let a = Store::open(&location, "node-a").await.unwrap();
        let b = Store::open(&location, "node-b").await.unwrap();
        a.heartbeat("http://a").await.unwrap();
        b.heartbeat("http://b").await.unwrap();
        insert(&a, job(1)).await;
        insert(&a, job(2)).await;
        // A's jobs while A is alive: B may not take them; A may.
        assert!(b.claim(&[1; 32]).await.unwrap().is_none());
        assert!(b.take_orphans(10).await.unwrap().is_empty());
        assert!(a.claim(&[1; 32]).await.unwrap().is_some());
        // A job that is not PENDING is nobody's to run.
        a.finish_execution(&[1; 32], ExecutionOutcome::Failed("x".into())).await.unwrap();
        assert!(a.claim(&[1; 32]).await.unwrap().is_none());
        // A job waiting for its program is released: a node that gets the program runs it.
        a.note_waiting(&[2; 32], "waiting_for_program".into()).await.unwrap();
        assert!(b.claim(&[2; 32]).await.unwrap().is_some());
        assert!(a.claim(&[2; 32]).await.unwrap().is_none(), "B owns it now");

        // A stops beating; after the lease its PENDING jobs are taken over, each by one node.
        for n in 3..9 {
            insert(&a, job(n)).await;
        }
        let c = Store::open(&location, "node-c").await.unwrap();
        let deadline = std::time::Instant::now() + ivm_node::store::NODE_LEASE * 3;
        let (mut by_b, mut by_c) = (Vec::new(), Vec::new());
        while by_b.len() + by_c.len() < 6 {
            assert!(std::time::Instant::now() < deadline, "A's jobs were not taken over");
            b.heartbeat("http://b").await.unwrap();
            c.heartbeat("http://c").await.unwrap();
            let (x, y) = tokio::join!(b.take_orphans(2), c.take_orphans(2));
            by_b.extend(x.unwrap());
            by_c.extend(y.unwrap());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut all: Vec<_> = by_b.iter().chain(&by_c).copied().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 6, "a job taken by two nodes: {by_b:?} {by_c:?}");
        // Taken means owned: the other live node cannot claim it.
        let id = by_b[0];
        assert!(c.claim(&id).await.unwrap().is_none());
        assert!(b.claim(&id).await.unwrap().is_some());
        let nodes = b.cluster().await.unwrap();
        let alive: Vec<_> = nodes.iter().filter(|n| n.alive).map(|n| n.id.as_str()).collect();
        assert!(alive.contains(&"node-b") && alive.contains(&"node-c"), "{nodes:?}");
        assert!(nodes.iter().any(|n| n.id == "node-a" && !n.alive), "{nodes:?}");
    });
}

#[test]
fn a_role_is_held_by_one_node_and_freed_when_its_session_ends() {
    let location = StoreLocation::parse(&support::postgres_db());
    runtime().block_on(async {
        let a = Store::open(&location, "node-a").await.unwrap();
        let b = Store::open(&location, "node-b").await.unwrap();
        let mut relayer = a.try_acquire(Role::Relayer).await.unwrap().expect("free role");
        assert!(b.try_acquire(Role::Relayer).await.unwrap().is_none());
        // Roles are independent.
        let listener = b.try_acquire(Role::Listener).await.unwrap().expect("free role");
        assert!(a.try_acquire(Role::Listener).await.unwrap().is_none());
        assert!(relayer.held().await);
        a.heartbeat("http://a").await.unwrap();
        b.heartbeat("http://b").await.unwrap();
        let mut roles: Vec<_> =
            a.cluster().await.unwrap().into_iter().map(|n| (n.id, n.roles)).collect();
        roles.sort();
        assert_eq!(
            roles,
            vec![
                ("node-a".into(), vec!["relayer".into()]),
                ("node-b".into(), vec!["listener".into()])
            ]
        );
        // The holder's session ends (a crash closes its connection): the role is free.
        drop(relayer);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let taken = loop {
            if let Some(lease) = b.try_acquire(Role::Relayer).await.unwrap() {
                break lease;
            }
            assert!(std::time::Instant::now() < deadline, "the role was not freed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        drop((taken, listener));
    });
}

#[test]
fn embedded_store_holds_every_role_and_has_no_cluster() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Store::open(&StoreLocation::File(dir.path().join("db")), "n").await.unwrap();
        assert!(!store.is_shared());
        assert!(store.try_acquire(Role::Relayer).await.unwrap().unwrap().held().await);
        insert(&store, job(1)).await;
        assert!(store.claim(&[1; 32]).await.unwrap().is_some());
        assert!(store.take_orphans(10).await.unwrap().is_empty());
        assert!(store.cluster().await.unwrap().is_empty());
    });
}

#[test]
fn a_database_url_is_never_shown_with_its_password() {
    let location = StoreLocation::parse("postgres://ivm:s3cret-pw@db.example:5432/ivm");
    for shown in [format!("{location}"), format!("{location:?}")] {
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("db.example:5432/ivm"), "{shown}");
    }
    assert!(matches!(StoreLocation::parse("./node.redb"), StoreLocation::File(_)));
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    runtime().block_on(async {
        let location = StoreLocation::parse("postgres://ivm:s3cret-pw@127.0.0.1:1/ivm");
        let err = Store::open(&location, "n").await.expect_err("nothing listens on port 1");
        let shown = format!("{err:#}");
        assert!(
            shown.contains("cannot connect to PostgreSQL at postgres://ivm:***@127.0.0.1:1/ivm"),
            "{shown}"
        );
        assert!(!shown.contains("s3cret-pw"), "{shown}");
    });
}

#[test]
fn a_job_queued_for_relay_on_one_node_wakes_the_relayer_on_another() {
    let location = StoreLocation::parse(&support::postgres_db());
    runtime().block_on(async {
        let a = Store::open(&location, "node-a").await.unwrap();
        let relayer = Store::open(&location, "node-b").await.unwrap();
        let woken = std::sync::Arc::new(tokio::sync::Notify::new());
        let listening = {
            let woken = woken.clone();
            tokio::spawn(async move { relayer.relay_wakeups(|| woken.notify_one()).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await; // LISTEN is in place
        insert(&a, job(1)).await;
        let done = ExecutionOutcome::Done {
            result_with_metadata: vec![1],
            operator_signature: vec![2],
            cycles: 5,
        };
        a.finish_execution(&[1; 32], done).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), woken.notified())
            .await
            .expect("the relayer on the other node was woken");
        listening.abort();
    });
}
