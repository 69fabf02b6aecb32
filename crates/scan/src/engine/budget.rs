//! The scan-wide budgets: a request count and a deadline.

use super::EngineError;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Counts requests against `--max-requests` and time against `--max-time`.
#[derive(Debug)]
pub struct Budget {
    max_requests: u64,
    sent: AtomicU64,
    deadline: Instant,
    exhausted: AtomicBool,
}

impl Budget {
    pub fn new(max_requests: u64, max_time: Duration) -> Self {
        Budget {
            max_requests,
            sent: AtomicU64::new(0),
            deadline: Instant::now() + max_time,
            exhausted: AtomicBool::new(false),
        }
    }

    /// Takes one request from the budget, or says why it cannot.
    pub fn take(&self) -> Result<(), EngineError> {
        if Instant::now() >= self.deadline {
            return Err(self.expire());
        }
        let prev = self.sent.fetch_add(1, Ordering::Relaxed);
        if prev >= self.max_requests {
            self.sent.fetch_sub(1, Ordering::Relaxed);
            self.exhausted.store(true, Ordering::Relaxed);
            return Err(EngineError::BudgetExhausted(format!(
                "--max-requests {} reached",
                self.max_requests
            )));
        }
        Ok(())
    }

    /// Marks the budget spent because the deadline passed while a request was in
    /// flight, and returns the error that says so.
    pub fn expire(&self) -> EngineError {
        self.exhausted.store(true, Ordering::Relaxed);
        EngineError::BudgetExhausted("--max-time reached".into())
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Relaxed)
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_request_count() {
        let b = Budget::new(2, Duration::from_secs(60));
        assert!(b.take().is_ok());
        assert!(b.take().is_ok());
        assert!(b.take().is_err());
        assert_eq!(b.sent(), 2);
        assert!(b.exhausted());
    }

    #[tokio::test(start_paused = true)]
    async fn refuses_past_the_deadline() {
        let b = Budget::new(100, Duration::from_secs(5));
        assert!(b.take().is_ok());
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(matches!(b.take(), Err(EngineError::BudgetExhausted(_))));
    }

    #[tokio::test(start_paused = true)]
    async fn remaining_time_runs_down_and_expiry_is_recorded() {
        let b = Budget::new(100, Duration::from_secs(5));
        assert_eq!(b.remaining(), Duration::from_secs(5));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(b.remaining(), Duration::from_secs(3));
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(b.remaining(), Duration::ZERO);
        assert!(!b.exhausted());
        assert!(matches!(b.expire(), EngineError::BudgetExhausted(_)));
        assert!(b.exhausted());
    }
}
