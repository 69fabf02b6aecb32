//! Which probe owns which token, the callbacks received, and which checks want to hear
//! about them. No I/O: the listener feeds it, checks and the scanner read it.

use super::token;
use crate::engine::Exchange;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;
use tollgate_core::{CheckId, CheckMeta, Finding, Redactor};
use url::Url;

/// Hits kept per token, and in all: a target that calls back in a loop cannot fill
/// memory.
const HITS_PER_TOKEN: usize = 20;
const HITS_TOTAL: usize = 2_000;

/// What a probe was: the exact request, parameter and identity a callback is matched to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProbeKey {
    /// The URL probed, before the callback value went in (redacted).
    pub url: String,
    /// The query parameter, or the token field (`jku`, `x5u`, `iss`), that carried the
    /// callback URL.
    pub parameter: String,
    /// The identity the probe was sent as (`None`: anonymous).
    pub identity: Option<String>,
}

/// One probe that embeds a callback URL.
#[derive(Debug, Clone)]
pub struct Probe {
    pub key: ProbeKey,
    /// The unguessable token in the callback path.
    pub token: String,
    /// A second random value the listener puts in its answer (never in any request),
    /// so a response that contains it proves the target returned fetched content.
    pub marker: String,
    /// The callback URL the probe carries.
    pub callback: Url,
    /// The probe's own exchange with the target, once sent.
    pub exchange: Option<Arc<Exchange>>,
    pub created: Instant,
}

/// One request the listener received for a known token.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    /// The request target as received (redacted).
    pub path: String,
    /// Request headers, lower-case names, redacted: the user's credentials as `$TOKEN`,
    /// any other credential masked (`Bearer eyJh…x1Qw (212 chars)`).
    pub headers: Vec<(String, String)>,
    /// The credential-carrying headers present (`authorization`, `x-api-key`, …).
    pub credentials: Vec<ForwardedCredential>,
    /// Who connected.
    pub source: SocketAddr,
    /// When the hit arrived.
    pub at: Instant,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Method, path, source and delay after the probe, for a finding's facts.
    pub fn describe(&self, probe: &Probe) -> String {
        let after = self.at.saturating_duration_since(probe.created);
        format!(
            "callback received: {} {} from {} ({} ms after the probe)",
            self.method,
            self.path,
            self.source,
            after.as_millis()
        )
    }
}

/// A credential header a callback carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardedCredential {
    /// The header name, lower-case.
    pub header: String,
    /// The value as it may be shown: `Bearer $TOKEN` when it is exactly a configured
    /// identity's credential, masked otherwise.
    pub shown: String,
    /// Whether the value is exactly a configured identity's credential.
    pub callers_own: bool,
}

/// Turns a probe and its hits into a check's finding (or `None`: not this check's
/// business). A plain function, so findings for late hits can be built at the end of
/// the scan exactly as the check would have built them.
pub type HitJudge = fn(&Probe, &[Hit], &Redactor) -> Option<Finding>;

struct Subscription {
    token: String,
    check: CheckId,
    meta: &'static CheckMeta,
    judge: HitJudge,
}

#[derive(Default)]
struct State {
    probes: HashMap<String, Probe>,
    keys: HashMap<ProbeKey, String>,
    hits: HashMap<String, Vec<Hit>>,
    total_hits: usize,
    unmatched: u64,
    subscriptions: Vec<Subscription>,
    reported: HashSet<(String, CheckId)>,
    last_probe: Option<Instant>,
}

/// Counters for the report's notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub probes: usize,
    pub hits: usize,
    pub unmatched: u64,
}

/// The token registry shared by the listener, the checks and the scanner.
#[derive(Default)]
pub struct Registry {
    state: Mutex<State>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The probe for `key`, made on first use. The same key always gets the same token,
    /// so checks that send the same probe share one request (the engine de-duplicates
    /// identical requests) and one set of hits.
    pub fn probe(&self, key: ProbeKey, base: &Url) -> Result<Probe, token::RandomError> {
        let mut st = self.lock();
        if let Some(p) = st.keys.get(&key).and_then(|t| st.probes.get(t)).cloned() {
            return Ok(p); // the same request again: the engine answers it from its cache
        }
        let token = token::fresh()?;
        let marker = format!("tollgate-oast-{}", token::fresh()?);
        let callback = base.join(&token).unwrap_or_else(|_| base.clone());
        let now = Instant::now();
        let probe = Probe {
            key: key.clone(),
            token: token.clone(),
            marker,
            callback,
            exchange: None,
            created: now,
        };
        st.keys.insert(key, token.clone());
        st.probes.insert(token, probe.clone());
        st.last_probe = Some(now);
        Ok(probe)
    }

    /// Records the probe's exchange with the target. The grace period for late
    /// callbacks runs from the first answer to each probe (later checks sharing the
    /// probe get the engine's cached answer, so no new request went out).
    pub fn attach(&self, token: &str, exchange: Arc<Exchange>) {
        let mut st = self.lock();
        let Some(p) = st.probes.get_mut(token) else {
            return;
        };
        let first = p.exchange.is_none();
        p.exchange = Some(exchange);
        if first {
            st.last_probe = Some(Instant::now());
        }
    }

    /// Asks for `judge` to be run over the probe's hits, now or at the end of the scan.
    pub fn subscribe(&self, token: &str, meta: &'static CheckMeta, judge: HitJudge) {
        let mut st = self.lock();
        let dup = st
            .subscriptions
            .iter()
            .any(|s| s.token == token && s.check == meta.id);
        if !dup {
            st.subscriptions.push(Subscription {
                token: token.to_string(),
                check: meta.id.clone(),
                meta,
                judge,
            });
        }
    }

    /// Whether a path segment is a live token (the listener's lookup).
    pub fn knows(&self, token: &str) -> Option<String> {
        self.lock().probes.get(token).map(|p| p.marker.clone())
    }

    /// Stores a hit for a known token; counts it as unmatched otherwise.
    pub fn record(&self, token: Option<&str>, hit: Hit) {
        let mut st = self.lock();
        let Some(token) = token.filter(|t| st.probes.contains_key(*t)) else {
            st.unmatched += 1;
            return;
        };
        if st.total_hits >= HITS_TOTAL {
            return;
        }
        let list = st.hits.entry(token.to_string()).or_default();
        if list.len() < HITS_PER_TOKEN {
            list.push(hit);
            st.total_hits += 1;
        }
    }

    /// The hits received for a token so far.
    pub fn hits(&self, token: &str) -> Vec<Hit> {
        self.lock().hits.get(token).cloned().unwrap_or_default()
    }

    /// Runs the pending judges (only `check`'s, or every check's) over the probes that
    /// have hits; each (probe, check) pair reports at most once.
    pub fn collect(&self, check: Option<&CheckId>, redactor: &Redactor) -> Vec<Finding> {
        let pending: Vec<(Probe, Vec<Hit>, &'static CheckMeta, HitJudge)> = {
            let st = self.lock();
            st.subscriptions
                .iter()
                .filter(|s| check.is_none_or(|c| &s.check == c))
                .filter(|s| !st.reported.contains(&(s.token.clone(), s.check.clone())))
                .filter_map(|s| {
                    let hits = st.hits.get(&s.token).filter(|h| !h.is_empty())?;
                    let probe = st.probes.get(&s.token)?;
                    Some((probe.clone(), hits.clone(), s.meta, s.judge))
                })
                .collect()
        };
        let mut out = Vec::new();
        for (probe, hits, meta, judge) in pending {
            if let Some(f) = judge(&probe, &hits, redactor) {
                self.lock()
                    .reported
                    .insert((probe.token.clone(), meta.id.clone()));
                out.push(f);
            }
        }
        out
    }

    /// How long after now the grace period for late callbacks ends: `grace` after the
    /// last probe was made or answered, zero when no probe was made at all.
    pub fn grace_remaining(&self, grace: Duration) -> Duration {
        match self.lock().last_probe {
            Some(t) => (t + grace).saturating_duration_since(Instant::now()),
            None => Duration::ZERO,
        }
    }

    pub fn summary(&self) -> Summary {
        let st = self.lock();
        Summary {
            probes: st.probes.len(),
            hits: st.total_hits,
            unmatched: st.unmatched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::{Category, CheckDocs, HttpMethod, Location, Owasp, SafetyClass, Severity};

    static META: CheckMeta = CheckMeta {
        id: CheckId::new_static("SSRF-999"),
        name: "test",
        category: Category::Ssrf,
        severity: Severity::High,
        cwe: 918,
        owasp: Owasp::Api7,
        safety: SafetyClass::Safe,
        methods: &[HttpMethod::Get],
        budget: 1,
        docs: CheckDocs {
            what: "",
            why: "",
            evidence: "",
            remediation: "",
            remediation_django: None,
            references: &[],
        },
    };

    fn judge(probe: &Probe, hits: &[Hit], _: &Redactor) -> Option<Finding> {
        let loc = Location::http_param("GET", probe.key.url.clone(), probe.key.parameter.clone());
        Some(Finding::new(&META, loc, format!("{} hits", hits.len())))
    }

    fn key(param: &str) -> ProbeKey {
        ProbeKey {
            url: "http://127.0.0.1:1/fetch".into(),
            parameter: param.into(),
            identity: None,
        }
    }

    fn hit() -> Hit {
        Hit {
            method: "GET".into(),
            path: "/x".into(),
            headers: vec![],
            credentials: vec![],
            source: "127.0.0.1:9".parse().expect("addr"),
            at: Instant::now(),
        }
    }

    fn base() -> Url {
        Url::parse("http://127.0.0.1:7/cb/").expect("url")
    }

    #[test]
    fn same_key_same_token_other_key_other_token() {
        let r = Registry::default();
        let a = r.probe(key("url"), &base()).expect("probe");
        let b = r.probe(key("url"), &base()).expect("probe");
        let c = r.probe(key("uri"), &base()).expect("probe");
        assert_eq!(a.token, b.token);
        assert_ne!(a.token, c.token);
        assert_ne!(a.marker, a.token);
        assert!(
            !a.marker.contains(&a.token),
            "the marker never travels in a request"
        );
        assert_eq!(
            a.callback.as_str(),
            format!("http://127.0.0.1:7/cb/{}", a.token)
        );
    }

    #[test]
    fn hits_are_matched_and_reported_once_per_check() {
        let r = Registry::default();
        let p = r.probe(key("url"), &base()).expect("probe");
        r.subscribe(&p.token, &META, judge);
        r.subscribe(&p.token, &META, judge);
        assert!(
            r.collect(None, &Redactor::default()).is_empty(),
            "no hit yet"
        );
        r.record(Some(&p.token), hit());
        r.record(Some("00000000000000000000000000000000"), hit());
        r.record(None, hit());
        let f = r.collect(Some(&META.id), &Redactor::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].title, "1 hits");
        assert!(
            r.collect(None, &Redactor::default()).is_empty(),
            "reported once"
        );
        assert_eq!(
            r.summary(),
            Summary {
                probes: 1,
                hits: 1,
                unmatched: 2
            }
        );
    }

    #[test]
    fn hits_per_token_are_capped() {
        let r = Registry::default();
        let p = r.probe(key("url"), &base()).expect("probe");
        for _ in 0..100 {
            r.record(Some(&p.token), hit());
        }
        assert_eq!(r.hits(&p.token).len(), HITS_PER_TOKEN);
    }

    #[tokio::test(start_paused = true)]
    async fn grace_runs_from_the_last_probe() {
        let r = Registry::default();
        let grace = Duration::from_millis(1500);
        assert_eq!(
            r.grace_remaining(grace),
            Duration::ZERO,
            "no probe, no wait"
        );
        r.probe(key("url"), &base()).expect("probe");
        assert_eq!(r.grace_remaining(grace), grace);
        tokio::time::advance(Duration::from_millis(1000)).await;
        assert_eq!(r.grace_remaining(grace), Duration::from_millis(500));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(r.grace_remaining(grace), Duration::ZERO);
    }
}
