//! Soft-404 baselines: what "this does not exist" looks like on this target.
//!
//! Many servers answer 200 with the same page for any path (SPAs, catch-all routes,
//! WAF block pages). Before a check claims "X exists", it asks [`Soft404::is_missing`]
//! whether the response looks like the answer to a path that cannot exist.

use crate::engine::Response;

/// A response to a path that cannot exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub status: u16,
    /// The body with the probe path removed, so reflected paths compare equal.
    pub normalized: String,
    pub content_type: Option<String>,
}

/// The target's "not found" baselines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Soft404 {
    baselines: Vec<Baseline>,
}

impl Soft404 {
    /// A random path segment that no real route matches.
    pub fn random_path() -> String {
        format!("/tollgate-{:016x}-missing", fastrand::u64(..))
    }

    /// Adds the response to a request for `path`, a path that cannot exist.
    pub fn learn(&mut self, path: &str, response: &Response) {
        self.baselines.push(Baseline {
            status: response.status,
            normalized: normalize(&response.text(), path),
            content_type: response.content_type(),
        });
    }

    /// Whether the server answers unknown paths with a success status (a catch-all).
    pub fn is_catch_all(&self) -> bool {
        self.baselines
            .iter()
            .any(|b| (200..300).contains(&b.status))
    }

    /// Whether `response` to `path` looks like "not found": a 404/410, or the same
    /// status and nearly the same body as a baseline.
    pub fn is_missing(&self, path: &str, response: &Response) -> bool {
        if matches!(response.status, 404 | 410) {
            return true;
        }
        let body = normalize(&response.text(), path);
        self.baselines
            .iter()
            .any(|b| b.status == response.status && similar(&b.normalized, &body))
    }
}

fn normalize(body: &str, path: &str) -> String {
    let trimmed = path.trim_start_matches('/');
    let mut out = body.replace(path, "");
    if !trimmed.is_empty() {
        out = out.replace(trimmed, "");
    }
    out
}

/// Near-identical: equal, or within 10% in length with the same leading 256 bytes.
fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (la, lb) = (a.len() as f64, b.len() as f64);
    let ratio = la.min(lb) / la.max(lb).max(1.0);
    let head = |s: &str| s.bytes().take(256).collect::<Vec<u8>>();
    ratio >= 0.9 && head(a) == head(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::time::Duration;

    fn resp(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: Bytes::from(body.to_string()),
            truncated: false,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn catch_all_200_pages_are_missing() {
        let mut s = Soft404::default();
        let p = "/tollgate-abc-missing";
        s.learn(
            p,
            &resp(200, "<html>Welcome to the app /tollgate-abc-missing</html>"),
        );
        assert!(s.is_catch_all());
        assert!(s.is_missing("/.env", &resp(200, "<html>Welcome to the app /.env</html>")));
        assert!(!s.is_missing(
            "/.env",
            &resp(200, "DJANGO_SECRET_KEY=django-insecure-xyz\nDEBUG=1\n")
        ));
    }

    #[test]
    fn real_404_means_missing() {
        let mut s = Soft404::default();
        s.learn("/x", &resp(404, "nope"));
        assert!(!s.is_catch_all());
        assert!(s.is_missing("/.env", &resp(404, "different")));
        assert!(!s.is_missing("/.env", &resp(200, "A=1")));
    }

    #[test]
    fn random_paths_differ() {
        assert_ne!(Soft404::random_path(), Soft404::random_path());
    }
}
