//! A few counters, rendered as Prometheus text (exposition format 0.0.4) on `GET /metrics`.
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Upper bounds (seconds) of the execution-time histogram buckets.
const EXEC_BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0];
/// Upper bounds (seconds) of the accepted → relayed latency histogram buckets.
const RELAY_BUCKETS: [f64; 10] = [0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0];

/// A Prometheus histogram over fixed bucket bounds.
#[derive(Debug)]
pub struct Histogram<const N: usize> {
    bounds: [f64; N],
    buckets: [AtomicU64; N],
    count: AtomicU64,
    /// Microseconds.
    sum_us: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    const fn new(bounds: [f64; N]) -> Self {
        Histogram {
            bounds,
            buckets: [const { AtomicU64::new(0) }; N],
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, seconds: f64) {
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_us.fetch_add((seconds * 1e6) as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", bucket.load(Relaxed));
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_us.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
    }
}

#[derive(Debug)]
pub struct Metrics {
    pub offchain_jobs_accepted: AtomicU64,
    pub onchain_jobs_accepted: AtomicU64,
    pub jobs_rejected: AtomicU64,
    pub jobs_done: AtomicU64,
    pub jobs_failed: AtomicU64,
    pub relayed: AtomicU64,
    pub relay_errors: AtomicU64,
    pub programs_submitted: AtomicU64,
    pub executions_running: AtomicU64,
    /// Jobs sent to the executor pool and not yet picked up by an executor.
    pub jobs_queued: AtomicU64,
    pub listener_next_block: AtomicU64,
    pub arbiter_votes_upheld: AtomicU64,
    pub arbiter_votes_rejected: AtomicU64,
    pub http_connections_open: AtomicU64,
    pub http_connection_limit_reached: AtomicU64,
    /// Relay transactions in flight now.
    pub relays_in_flight: AtomicU64,
    /// 1 while this node holds the relayer role (always, on the embedded store).
    pub role_relayer: AtomicU64,
    /// 1 while this node holds the listener role.
    pub role_listener: AtomicU64,
    /// PENDING jobs this node took over from nodes that were gone (shared store).
    pub jobs_taken_over: AtomicU64,
    /// Execution time of each job.
    pub exec_seconds: Histogram<{ EXEC_BUCKETS.len() }>,
    /// From acceptance to RELAYED, of each relayed job.
    pub relay_latency_seconds: Histogram<{ RELAY_BUCKETS.len() }>,
}

impl Default for Metrics {
    fn default() -> Self {
        let zero = || AtomicU64::new(0);
        Metrics {
            offchain_jobs_accepted: zero(),
            onchain_jobs_accepted: zero(),
            jobs_rejected: zero(),
            jobs_done: zero(),
            jobs_failed: zero(),
            relayed: zero(),
            relay_errors: zero(),
            programs_submitted: zero(),
            executions_running: zero(),
            jobs_queued: zero(),
            listener_next_block: zero(),
            arbiter_votes_upheld: zero(),
            arbiter_votes_rejected: zero(),
            http_connections_open: zero(),
            http_connection_limit_reached: zero(),
            relays_in_flight: zero(),
            role_relayer: zero(),
            role_listener: zero(),
            jobs_taken_over: zero(),
            exec_seconds: Histogram::new(EXEC_BUCKETS),
            relay_latency_seconds: Histogram::new(RELAY_BUCKETS),
        }
    }
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub fn observe_exec(&self, seconds: f64) {
        self.exec_seconds.observe(seconds);
    }

    /// Prometheus text; `gauges` are extra `(name, help, value)` samples read from the store.
    pub fn render(&self, gauges: &[(&str, &str, u64)]) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, labels: &[(&str, &str, &AtomicU64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (key, value, c) in labels {
                if key.is_empty() {
                    let _ = writeln!(out, "{name} {}", c.load(Relaxed));
                } else {
                    let _ = writeln!(out, "{name}{{{key}=\"{value}\"}} {}", c.load(Relaxed));
                }
            }
        };
        counter(
            "ivm_node_jobs_accepted_total",
            "Jobs accepted, by source.",
            &[
                ("kind", "offchain", &self.offchain_jobs_accepted),
                ("kind", "onchain", &self.onchain_jobs_accepted),
            ],
        );
        counter(
            "ivm_node_jobs_rejected_total",
            "submit_job requests rejected.",
            &[("", "", &self.jobs_rejected)],
        );
        counter(
            "ivm_node_jobs_executed_total",
            "Executions finished, by outcome.",
            &[("outcome", "done", &self.jobs_done), ("outcome", "failed", &self.jobs_failed)],
        );
        counter("ivm_node_relayed_total", "Results relayed on chain.", &[("", "", &self.relayed)]);
        counter(
            "ivm_node_relay_errors_total",
            "Relay attempts that failed (retried).",
            &[("", "", &self.relay_errors)],
        );
        counter(
            "ivm_node_arbiter_votes_total",
            "Votes this node's arbiter keys cast on challenges, by vote.",
            &[
                ("vote", "upheld", &self.arbiter_votes_upheld),
                ("vote", "rejected", &self.arbiter_votes_rejected),
            ],
        );
        counter(
            "ivm_node_http_connection_limit_reached_total",
            "Times the node stopped accepting HTTP connections at --max-connections.",
            &[("", "", &self.http_connection_limit_reached)],
        );
        counter(
            "ivm_node_programs_submitted_total",
            "Programs stored through submit_program.",
            &[("", "", &self.programs_submitted)],
        );
        counter(
            "ivm_node_jobs_taken_over_total",
            "PENDING jobs this node took over from nodes of its cluster that were gone.",
            &[("", "", &self.jobs_taken_over)],
        );
        let _ = writeln!(
            out,
            "# HELP ivm_node_role 1 while this node holds the role (one node of a cluster at a time).\n\
             # TYPE ivm_node_role gauge\n\
             ivm_node_role{{role=\"relayer\"}} {}\n\
             ivm_node_role{{role=\"listener\"}} {}",
            self.role_relayer.load(Relaxed),
            self.role_listener.load(Relaxed)
        );
        let mut gauge = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        };
        gauge(
            "ivm_node_executions_running",
            "Jobs executing now.",
            self.executions_running.load(Relaxed),
        );
        gauge(
            "ivm_node_jobs_queued",
            "Jobs waiting for an executor.",
            self.jobs_queued.load(Relaxed),
        );
        gauge(
            "ivm_node_http_connections_open",
            "Open HTTP connections.",
            self.http_connections_open.load(Relaxed),
        );
        gauge(
            "ivm_node_relays_in_flight",
            "Relay transactions sent and not yet settled.",
            self.relays_in_flight.load(Relaxed),
        );
        gauge(
            "ivm_node_listener_next_block",
            "Next block the JobCreated listener scans.",
            self.listener_next_block.load(Relaxed),
        );
        for (name, help, value) in gauges {
            gauge(name, help, *value);
        }
        self.exec_seconds.render(&mut out, "ivm_node_job_exec_seconds", "Job execution time.");
        self.relay_latency_seconds.render(
            &mut out,
            "ivm_node_relay_latency_seconds",
            "Time from accepting a job to its result relayed on chain.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        Metrics::inc(&m.relayed);
        m.observe_exec(0.02);
        let text = m.render(&[("ivm_node_programs", "Programs stored.", 3)]);
        assert!(text.contains("ivm_node_relayed_total 1\n"), "{text}");
        assert!(text.contains("ivm_node_job_exec_seconds_bucket{le=\"0.05\"} 1\n"), "{text}");
        assert!(text.contains("ivm_node_job_exec_seconds_bucket{le=\"0.01\"} 0\n"), "{text}");
        assert!(text.contains("ivm_node_programs 3\n"), "{text}");
        assert!(text.contains("ivm_node_jobs_executed_total{outcome=\"done\"} 0\n"), "{text}");
    }
}
