//! Single-flight de-duplication of identical safe requests.

use super::{Auth, EngineError, Exchange, ProbeRequest};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

type Outcome = Result<Arc<Exchange>, EngineError>;

/// Key of a request that may be shared: safe method, no body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    auth: Auth,
    follow: bool,
}

impl Key {
    /// The key of a request, or `None` if it must always go on the wire.
    pub fn of(req: &ProbeRequest) -> Option<Key> {
        if !req.method.is_safe() || req.body.is_some() {
            return None;
        }
        let mut headers = req.headers.clone();
        headers.sort();
        Some(Key {
            method: req.method.as_str(),
            url: req.url.to_string(),
            headers,
            auth: req.auth.clone(),
            follow: req.follow_redirects,
        })
    }
}

/// Shares the outcome of identical requests, in flight or finished.
///
/// Finished outcomes stay cached only while the bodies they hold fit in `cap` bytes;
/// past that, an outcome is shared with the callers already waiting for it and then
/// forgotten, so the cache cannot hold more than `cap` bytes of bodies however many
/// distinct URLs a scan requests.
#[derive(Debug)]
pub struct Dedupe {
    cells: Mutex<HashMap<Key, Arc<OnceCell<Outcome>>>>,
    hits: AtomicU64,
    held: AtomicUsize,
    cap: usize,
}

impl Dedupe {
    /// A de-duplicator that caches at most `cap` bytes of finished bodies.
    pub fn new(cap: usize) -> Self {
        Dedupe {
            cells: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            held: AtomicUsize::new(0),
            cap,
        }
    }

    /// Runs `send` once per key; later callers get the first caller's outcome.
    pub async fn run<F, Fut>(&self, key: Key, send: F) -> Outcome
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Outcome>,
    {
        // The guard must not live across an await (the future has to stay `Send`), so
        // the cell is taken out in a block of its own.
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(cells.entry(key.clone()).or_default())
        };
        let mut ran = false;
        let out = cell
            .get_or_init(|| {
                ran = true;
                send()
            })
            .await
            .clone();
        if ran {
            self.keep_or_forget(&key, &cell, &out);
        } else {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        out
    }

    /// Counts a finished outcome against the cap, or drops it from the cache.
    fn keep_or_forget(&self, key: &Key, cell: &Arc<OnceCell<Outcome>>, out: &Outcome) {
        let size = match out {
            Ok(ex) => ex.response.body.len() + header_bytes(&ex.response.headers),
            Err(_) => 0,
        };
        let held = self.held.fetch_add(size, Ordering::Relaxed);
        if held.saturating_add(size) <= self.cap {
            return;
        }
        self.held.fetch_sub(size, Ordering::Relaxed);
        let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        if cells.get(key).is_some_and(|c| Arc::ptr_eq(c, cell)) {
            cells.remove(key);
        }
    }

    /// How many requests were answered without going on the wire.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

fn header_bytes(headers: &[(String, String)]) -> usize {
    headers.iter().map(|(k, v)| k.len() + v.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::HttpMethod;
    use url::Url;

    #[test]
    fn unsafe_or_bodied_requests_have_no_key() {
        let url = Url::parse("http://127.0.0.1/").expect("url");
        assert!(Key::of(&ProbeRequest::get(url.clone())).is_some());
        assert!(Key::of(&ProbeRequest::new(HttpMethod::Post, url.clone())).is_none());
        let mut with_body = ProbeRequest::get(url);
        with_body.body = Some(bytes::Bytes::from_static(b"x"));
        assert!(Key::of(&with_body).is_none());
    }

    fn outcome(body_len: usize) -> Outcome {
        let url = Url::parse("http://127.0.0.1/").expect("url");
        Ok(Arc::new(Exchange {
            seq: 0,
            check: None,
            request: crate::engine::RecordedRequest {
                method: HttpMethod::Get,
                url,
                headers: Vec::new(),
                identity: None,
            },
            response: crate::engine::Response {
                status: 200,
                headers: Vec::new(),
                body: bytes::Bytes::from(vec![b'x'; body_len]),
                truncated: false,
                elapsed: std::time::Duration::ZERO,
            },
        }))
    }

    fn key(path: &str) -> Key {
        let url = Url::parse("http://127.0.0.1/")
            .expect("url")
            .join(path)
            .expect("url");
        Key::of(&ProbeRequest::get(url)).expect("key")
    }

    #[tokio::test]
    async fn finished_outcomes_are_cached_within_the_byte_cap() {
        let d = Dedupe::new(100);
        let sent = AtomicU64::new(0);
        let send = |len| {
            sent.fetch_add(1, Ordering::Relaxed);
            async move { outcome(len) }
        };
        // 60 bytes: cached.
        d.run(key("/a"), || send(60)).await.expect("ok");
        d.run(key("/a"), || send(60)).await.expect("ok");
        assert_eq!((sent.load(Ordering::Relaxed), d.hits()), (1, 1));
        // 60 more would pass the cap: answered, then forgotten.
        d.run(key("/b"), || send(60)).await.expect("ok");
        d.run(key("/b"), || send(60)).await.expect("ok");
        assert_eq!((sent.load(Ordering::Relaxed), d.hits()), (3, 1));
        // 40 still fit.
        d.run(key("/c"), || send(40)).await.expect("ok");
        d.run(key("/c"), || send(40)).await.expect("ok");
        assert_eq!((sent.load(Ordering::Relaxed), d.hits()), (4, 2));
        assert!(d.held.load(Ordering::Relaxed) <= 100);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_flight_even_past_the_cap() {
        let d = Dedupe::new(0);
        let sent = AtomicU64::new(0);
        let send = || {
            sent.fetch_add(1, Ordering::Relaxed);
            async {
                tokio::task::yield_now().await;
                outcome(10)
            }
        };
        let (a, b, c) = tokio::join!(
            d.run(key("/x"), send),
            d.run(key("/x"), send),
            d.run(key("/x"), send)
        );
        assert!(a.is_ok() && b.is_ok() && c.is_ok());
        assert_eq!(sent.load(Ordering::Relaxed), 1);
        assert_eq!(d.hits(), 2);
    }

    #[test]
    fn header_order_does_not_matter() {
        let url = Url::parse("http://127.0.0.1/").expect("url");
        let a = ProbeRequest::get(url.clone())
            .header("a", "1")
            .header("b", "2");
        let b = ProbeRequest::get(url).header("b", "2").header("a", "1");
        assert_eq!(Key::of(&a), Key::of(&b));
    }
}
