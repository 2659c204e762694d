//! Repeated warnings, aggregated. In a chain outage every queued job fails its relay the same
//! way on every attempt, and the listener and relayer loops fail on every poll: logged one by
//! one, that is a flood that grows with the queue. A [`LogLimiter`] lets one event of a kind
//! through per window and says, with the next one, how many it held back.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One event of a kind is logged per window.
pub const LOG_WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct LogLimiter {
    kinds: Mutex<HashMap<&'static str, Kind>>,
}

#[derive(Debug)]
struct Kind {
    last_logged: Instant,
    held_back: u64,
}

impl LogLimiter {
    /// `Some(held_back)` if an event of `kind` is to be logged now (`held_back`: how many were
    /// not since the last one logged), `None` if it is held back.
    pub fn admit(&self, kind: &'static str) -> Option<u64> {
        self.admit_at(kind, Instant::now())
    }

    fn admit_at(&self, kind: &'static str, now: Instant) -> Option<u64> {
        let mut kinds = self.kinds.lock().unwrap();
        match kinds.get_mut(kind) {
            None => {
                kinds.insert(kind, Kind { last_logged: now, held_back: 0 });
                Some(0)
            }
            Some(k) if now.duration_since(k.last_logged) >= LOG_WINDOW => {
                let held_back = std::mem::take(&mut k.held_back);
                k.last_logged = now;
                Some(held_back)
            }
            Some(k) => {
                k.held_back += 1;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_kind_and_window_then_the_count_held_back() {
        let limiter = LogLimiter::default();
        let t0 = Instant::now();
        assert_eq!(limiter.admit_at("relay", t0), Some(0));
        for i in 1..=1000u64 {
            assert_eq!(limiter.admit_at("relay", t0 + Duration::from_millis(i)), None);
        }
        // Another kind is not held back by the first.
        assert_eq!(limiter.admit_at("listener", t0 + Duration::from_millis(5)), Some(0));
        assert_eq!(limiter.admit_at("relay", t0 + LOG_WINDOW), Some(1000));
        assert_eq!(limiter.admit_at("relay", t0 + LOG_WINDOW + Duration::from_secs(1)), None);
        assert_eq!(limiter.admit_at("relay", t0 + 3 * LOG_WINDOW), Some(1));
    }
}
