//! Hidden routes: common undocumented debug, admin, internal and legacy paths
//! (`hidden_routes.txt`, nouns only) tried under the root and each known API prefix,
//! and judged against a soft-404 baseline learnt under that same prefix.

use super::Soft404;
use crate::engine::Response;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use url::Url;

const WORDLIST: &str = include_str!("hidden_routes.txt");

/// Most requests the wordlist sends: one soft-404 baseline per prefix and the probes.
pub const MAX_REQUESTS: usize = 120;
/// Most prefixes tried: the root and up to two API prefixes.
pub const MAX_PREFIXES: usize = 3;
/// Most hits kept (each joins the target's routes).
pub const MAX_HITS: usize = 12;

/// The wordlist's entries, in file order (comments and blank lines skipped).
pub fn entries() -> &'static [String] {
    static ENTRIES: OnceLock<Vec<String>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        WORDLIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    })
}

/// Whether a path segment is an API prefix marker: `api`, `rest`, or a version
/// (`v1`, `v2.1`).
fn is_prefix_segment(seg: &str) -> bool {
    let lower = seg.to_ascii_lowercase();
    lower == "api"
        || lower == "rest"
        || lower
            .strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The prefixes to try, `/` first, then the API prefixes the known routes use most
/// (`/api/`, `/api/v2/`), at most [`MAX_PREFIXES`] in all. Deterministic.
pub fn prefixes(target: &Url, routes: &[Url]) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let target_path = target.path();
    if target_path != "/" {
        let p = format!("{}/", target_path.trim_end_matches('/'));
        *counts.entry(p).or_default() += 1_000;
    }
    for r in routes {
        let segs: Vec<&str> = r.path().split('/').filter(|s| !s.is_empty()).collect();
        let mut prefix = String::from("/");
        for seg in segs.iter().take(3) {
            if !is_prefix_segment(seg) {
                break;
            }
            prefix.push_str(seg);
            prefix.push('/');
            *counts.entry(prefix.clone()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = vec!["/".to_string()];
    out.extend(ranked.into_iter().map(|(p, _)| p).take(MAX_PREFIXES - 1));
    out
}

/// The paths to probe, each with the index of its prefix: each entry under every
/// prefix, entry by entry, so the most useful entries are tried everywhere before the
/// budget runs out; at most `MAX_REQUESTS` minus one baseline per prefix.
pub fn plan(prefixes: &[String]) -> Vec<(usize, String)> {
    let budget = MAX_REQUESTS.saturating_sub(prefixes.len());
    entries()
        .iter()
        .flat_map(|e| {
            prefixes
                .iter()
                .enumerate()
                .map(move |(i, p)| (i, format!("{p}{e}")))
        })
        .take(budget)
        .collect()
}

/// Whether the answer to `path` shows a route: not a generic 404/405/410, not a
/// gateway error or an unfollowed redirect, and not the prefix's soft-404 answer.
pub fn found(baseline: &Soft404, path: &str, response: &Response) -> bool {
    !matches!(response.status, 404 | 405 | 410 | 501..=504)
        && !(300..400).contains(&response.status)
        && !baseline.is_missing(path, response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::time::Duration;

    /// Words that name an action: a GET to such a path may change state.
    const ACTIONS: &[&str] = &[
        "reset",
        "delete",
        "remove",
        "drop",
        "seed",
        "reseed",
        "shutdown",
        "restart",
        "reboot",
        "logout",
        "signout",
        "flush",
        "purge",
        "truncate",
        "wipe",
        "clear",
        "init",
        "install",
        "setup",
        "import",
        "export",
        "migrate",
        "rebuild",
        "create",
        "update",
        "destroy",
        "kill",
        "stop",
        "start",
        "run",
        "exec",
        "execute",
        "refresh",
        "invalidate",
        "heapdump",
        "dump",
        "trigger",
        "approve",
        "send",
        "pay",
        "transfer",
        "upload",
        "unsubscribe",
        "disable",
        "enable",
        "revoke",
        "rotate",
        "sync",
        "load",
        "generate",
        "cancel",
        "lock",
        "unlock",
    ];

    #[test]
    fn the_wordlist_is_bounded_unique_and_nouns_only() {
        let e = entries();
        assert!((30..=100).contains(&e.len()), "{} entries", e.len());
        for (i, w) in e.iter().enumerate() {
            assert!(!e[..i].contains(w), "duplicate {w}");
            assert!(
                w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/_-.".contains(&b)),
                "{w}"
            );
            assert!(!w.starts_with('/') && !w.ends_with('/'), "{w}");
            for seg in w.split(['/', '-', '_', '.']) {
                assert!(
                    !ACTIONS.contains(&seg.to_ascii_lowercase().as_str()),
                    "`{w}` names an action"
                );
            }
        }
        for must in [
            "internal/users",
            "admin",
            "debug",
            "actuator",
            "metrics",
            "v0",
        ] {
            assert!(e.iter().any(|w| w == must), "{must}");
        }
    }

    #[test]
    fn prefixes_come_from_routes_root_first() {
        let t = Url::parse("http://h/").expect("url");
        let routes: Vec<Url> = [
            "http://h/api/v2/products/",
            "http://h/api/v2/orders/",
            "http://h/api/status",
            "http://h/docs/",
            "http://h/static/x.css",
        ]
        .iter()
        .map(|u| Url::parse(u).expect("url"))
        .collect();
        assert_eq!(prefixes(&t, &routes), ["/", "/api/", "/api/v2/"]);
        assert_eq!(prefixes(&t, &routes[3..]), ["/"]);
        let t = Url::parse("http://h/rest/v1").expect("url");
        assert_eq!(prefixes(&t, &routes[..1])[..2], ["/", "/rest/v1/"]);
    }

    #[test]
    fn the_plan_is_bounded() {
        let p = plan(&["/".into(), "/api/".into(), "/api/v1/".into()]);
        assert_eq!(p.len(), MAX_REQUESTS - 3);
        let first: Vec<(usize, &str)> = p[..3].iter().map(|(i, s)| (*i, s.as_str())).collect();
        assert_eq!(
            first,
            [
                (0, "/internal/users"),
                (1, "/api/internal/users"),
                (2, "/api/v1/internal/users")
            ]
        );
        assert!(plan(&["/".into()]).len() <= entries().len());
    }

    fn resp(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(body.to_string()),
            truncated: false,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn found_only_when_the_answer_differs_from_not_found() {
        let mut catch_all = Soft404::default();
        catch_all.learn(
            "/api/tollgate-x-missing",
            &resp(200, r#"{"error":"no route /api/tollgate-x-missing"}"#),
        );
        assert!(!found(
            &catch_all,
            "/api/admin",
            &resp(200, r#"{"error":"no route /api/admin"}"#)
        ));
        assert!(found(
            &catch_all,
            "/api/internal/users",
            &resp(200, r#"{"users":[{"id":1,"password":"x"}]}"#)
        ));
        let mut plain = Soft404::default();
        plain.learn("/tollgate-x-missing", &resp(404, "{}"));
        assert!(!found(&plain, "/admin", &resp(405, "")));
        assert!(!found(&plain, "/admin", &resp(302, "")));
        assert!(!found(&plain, "/admin", &resp(502, "bad gateway")));
        assert!(found(&plain, "/admin", &resp(401, r#"{"detail":"login"}"#)));
        let mut auth_everywhere = Soft404::default();
        auth_everywhere.learn(
            "/api/tollgate-x-missing",
            &resp(401, r#"{"detail":"login"}"#),
        );
        assert!(!found(
            &auth_everywhere,
            "/api/admin",
            &resp(401, r#"{"detail":"login"}"#)
        ));
    }
}
