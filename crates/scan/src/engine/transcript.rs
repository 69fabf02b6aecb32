//! The transcript: every exchange of the scan, kept for passive checks and evidence.

use super::Exchange;
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
        copy.response.body = full.response.body.slice(..keep);
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
