//! The transcript: every exchange of the scan, kept for passive checks and evidence.

use super::Exchange;
use bytes::Bytes;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// An append-only, bounded record of exchanges.
#[derive(Debug)]
pub struct Transcript {
    entries: Mutex<Vec<Arc<Exchange>>>,
    next_seq: AtomicU64,
    body_cap: usize,
    total_cap: usize,
    total: AtomicU64,
}

impl Transcript {
    pub fn new(body_cap: usize, total_cap: usize) -> Self {
        Transcript {
            entries: Mutex::new(Vec::new()),
            next_seq: AtomicU64::new(0),
            body_cap,
            total_cap,
            total: AtomicU64::new(0),
        }
    }

    /// Records an exchange and returns it with its sequence number. The transcript's
    /// copy keeps at most `body_cap` bytes of body, and bodies stop being kept once
    /// `total_cap` bytes are held, so memory stays bounded however long the scan runs.
    pub fn record(&self, mut exchange: Exchange) -> Arc<Exchange> {
        exchange.seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let full = Arc::new(exchange);
        let kept = self.trimmed(&full);
        if let Ok(mut entries) = self.entries.lock() {
            entries.push(kept);
        }
        full
    }

    fn trimmed(&self, full: &Arc<Exchange>) -> Arc<Exchange> {
        let len = full.response.body.len().min(self.body_cap);
        let held = self.total.fetch_add(len as u64, Ordering::Relaxed) as usize;
        let keep = if held + len > self.total_cap { 0 } else { len };
        if keep == full.response.body.len() {
            return Arc::clone(full);
        }
        let mut copy = Exchange::clone(full);
        // A copy, not a slice: a slice would keep the whole body's buffer alive and
        // the transcript would hold far more than it counts.
        copy.response.body = Bytes::copy_from_slice(&full.response.body[..keep]);
        copy.response.truncated = true;
        Arc::new(copy)
    }

    /// A snapshot of every exchange so far, in order.
    pub fn snapshot(&self) -> Vec<Arc<Exchange>> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RecordedRequest, Response};
    use std::time::Duration;
    use tollgate_core::HttpMethod;
    use url::Url;

    fn exchange(body_len: usize) -> Exchange {
        Exchange {
            seq: 0,
            check: None,
            request: RecordedRequest {
                method: HttpMethod::Get,
                url: Url::parse("http://127.0.0.1/").expect("url"),
                headers: Vec::new(),
                identity: None,
            },
            response: Response {
                status: 200,
                headers: Vec::new(),
                body: Bytes::from(vec![b'x'; body_len]),
                truncated: false,
                elapsed: Duration::ZERO,
            },
        }
    }

    #[test]
    fn trimmed_bodies_own_their_bytes() {
        let t = Transcript::new(10, 1000);
        let full = t.record(exchange(1000));
        assert_eq!(
            full.response.body.len(),
            1000,
            "the caller gets the whole body"
        );
        let kept = &t.snapshot()[0];
        assert_eq!(kept.response.body.len(), 10);
        assert!(kept.response.truncated);
        // Not a view into the 1000-byte buffer, which would keep it alive.
        let full_range = full.response.body.as_ptr_range();
        assert!(!full_range.contains(&kept.response.body.as_ptr()));
    }

    #[test]
    fn bodies_stop_being_kept_at_the_total_cap() {
        let t = Transcript::new(100, 250);
        for _ in 0..4 {
            t.record(exchange(100));
        }
        let kept: Vec<usize> = t.snapshot().iter().map(|e| e.response.body.len()).collect();
        assert_eq!(kept, vec![100, 100, 0, 0]);
        assert_eq!(
            t.snapshot().iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
    }
}
