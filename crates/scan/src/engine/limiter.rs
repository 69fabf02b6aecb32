//! Concurrency and rate control: a per-host semaphore, a global rate limiter with
//! jitter, and back-off on 429/503 that honours Retry-After within a cap.

use governor::{DefaultDirectRateLimiter, Jitter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Per-host state.
#[derive(Debug)]
struct Host {
    permits: Arc<Semaphore>,
    blocked_until: Option<Instant>,
}

/// Limits how fast and how many requests go to each host.
pub struct Limiter {
    per_host: usize,
    hosts: Mutex<HashMap<String, Host>>,
    rate: DefaultDirectRateLimiter,
    retry_after_cap: Duration,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("per_host", &self.per_host)
            .finish()
    }
}

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit {
    // `None` only if the semaphore were closed, which the limiter never does.
    _permit: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    pub fn new(per_host: usize, rate_per_second: u32, retry_after_cap: Duration) -> Self {
        let rate = NonZeroU32::new(rate_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        Limiter {
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
            rate: RateLimiter::direct(Quota::per_second(rate)),
            retry_after_cap,
        }
    }

    /// Waits for a concurrency slot, the host's back-off and the global rate.
    pub async fn acquire(&self, host: &str) -> Permit {
        let sem = self.semaphore(host);
        let permit = sem.acquire_owned().await.ok();
        // The back-off is checked after the slot is ours: a 429 that arrives while this
        // request queues for a slot must hold it back too. Each wait is capped by
        // `retry_after_cap`, and only a new 429/503 can extend it.
        while let Some(until) = self.blocked_until(host) {
            tokio::time::sleep_until(until).await;
        }
        self.rate
            .until_ready_with_jitter(Jitter::up_to(Duration::from_millis(5)))
            .await;
        Permit { _permit: permit }
    }

    /// Records a 429/503 answer: the host is left alone for `retry_after` (capped),
    /// or one second when the server gave no usable Retry-After. Returns the wait.
    pub fn back_off(&self, host: &str, retry_after: Option<Duration>) -> Duration {
        let wait = retry_after
            .unwrap_or(Duration::from_secs(1))
            .min(self.retry_after_cap);
        let until = Instant::now() + wait;
        if let Ok(mut hosts) = self.hosts.lock() {
            let h = hosts
                .entry(host.to_string())
                .or_insert_with(|| self.new_host());
            h.blocked_until = Some(h.blocked_until.map_or(until, |u| u.max(until)));
        }
        wait
    }

    fn blocked_until(&self, host: &str) -> Option<Instant> {
        let hosts = self.hosts.lock().ok()?;
        hosts
            .get(host)
            .and_then(|h| h.blocked_until)
            .filter(|u| *u > Instant::now())
    }

    fn semaphore(&self, host: &str) -> Arc<Semaphore> {
        match self.hosts.lock() {
            Ok(mut hosts) => hosts
                .entry(host.to_string())
                .or_insert_with(|| self.new_host())
                .permits
                .clone(),
            Err(_) => Arc::new(Semaphore::new(self.per_host)),
        }
    }

    fn new_host(&self) -> Host {
        Host {
            permits: Arc::new(Semaphore::new(self.per_host)),
            blocked_until: None,
        }
    }
}

/// Parses `Retry-After` given in seconds. An HTTP-date yields `None` (the default
/// back-off applies), as does anything unparsable.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn back_off_delays_the_host_within_the_cap() {
        let l = Limiter::new(4, 1000, Duration::from_secs(10));
        let waited = l.back_off("h", Some(Duration::from_secs(3600)));
        assert_eq!(waited, Duration::from_secs(10));
        let start = Instant::now();
        let _p = l.acquire("h").await;
        assert!(Instant::now() - start >= Duration::from_secs(10));
        // Another host is not delayed.
        let start = Instant::now();
        let _q = l.acquire("other").await;
        assert!(Instant::now() - start < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_queued_for_a_slot_honours_a_later_back_off() {
        let l = Arc::new(Limiter::new(1, 1000, Duration::from_secs(10)));
        let start = Instant::now();
        let first = l.acquire("h").await;
        let queued = {
            let l = Arc::clone(&l);
            tokio::spawn(async move {
                let _p = l.acquire("h").await;
                Instant::now()
            })
        };
        tokio::task::yield_now().await;
        // The in-flight request comes back 429 with Retry-After: 5, then frees its slot.
        l.back_off("h", Some(Duration::from_secs(5)));
        drop(first);
        let went_at = queued.await.expect("task");
        assert!(
            went_at - start >= Duration::from_secs(5),
            "went after {:?}",
            went_at - start
        );
    }

    #[tokio::test(start_paused = true)]
    async fn default_back_off_is_one_second() {
        let l = Limiter::new(4, 1000, Duration::from_secs(10));
        assert_eq!(l.back_off("h", None), Duration::from_secs(1));
    }

    #[tokio::test]
    async fn per_host_concurrency_is_bounded() {
        let l = Limiter::new(2, 1000, Duration::from_secs(1));
        let a = l.acquire("h").await;
        let _b = l.acquire("h").await;
        let third = tokio::time::timeout(Duration::from_millis(50), l.acquire("h")).await;
        assert!(third.is_err(), "third permit must wait");
        drop(a);
        let third = tokio::time::timeout(Duration::from_millis(500), l.acquire("h")).await;
        assert!(third.is_ok());
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
