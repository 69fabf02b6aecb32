//! SSRF probing: finding URL parameters worth probing (the OpenAPI document, given
//! with `--spec` or served by the target; observed query strings; a few common names on
//! fetch-like routes), sending the harmless control value, the callback probe and the
//! internal-target values, and building findings at the parameter.
//!
//! Probes for the same candidate are identical across checks (the same control value,
//! the same callback token for the same route, parameter and identity), so the
//! engine's de-duplication sends each one once however many checks look at it.

use super::common::{send_quiet, with_query_param};
use crate::check::CheckCtx;
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::oast::{Hit, HitJudge, InternalTarget, Probe, ProbeKey, Service, Signature};
use futures::StreamExt;
use std::sync::Arc;
use tollgate_core::{CheckMeta, Confidence, Finding, Location, Redactor, Severity};
use tollgate_spec::{example, Method, ParamLocation};
use url::Url;

/// Parameters from the spec or seen in use, probed per check.
const MAX_STRONG: usize = 6;
/// Guessed parameters (common names on fetch-like routes), probed per check.
const MAX_GUESSED: usize = 4;
/// Internal-target values tried per candidate and service family.
pub const MAX_FORMS: usize = 10;
/// Probes of one candidate in flight at once.
const PROBE_CONCURRENCY: usize = 4;

/// The host of the control value (`.invalid` never resolves); a redirect to it is an
/// open redirect.
pub const CONTROL_HOST: &str = "tollgate-control.invalid";
/// A harmless value sent first: the answer every signature is compared against.
const CONTROL_VALUE: &str = "http://tollgate-control.invalid/";

/// Where a candidate parameter came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A query parameter of a GET operation in the OpenAPI document.
    Spec,
    /// A query parameter seen in a URL the target used or linked to.
    Observed,
    /// A common name tried on a route whose path suggests it fetches things.
    Guessed,
}

/// A query parameter worth probing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The route, with any query parameters it was seen with.
    pub route: Url,
    pub param: String,
    pub source: Source,
}

/// How a check hunts for its parameters.
pub struct Hunt {
    /// Whether a parameter name suggests the kind of value the check is after.
    pub is_name: fn(&str) -> bool,
    /// Whether an observed value is of that kind.
    pub is_value: fn(&str) -> bool,
    /// Path words that make a route worth guessing names on.
    pub route_words: &'static [&'static str],
    /// The names guessed on such routes.
    pub guess_names: &'static [&'static str],
}

/// Lower-case, without `_` and `-`: `image_url` and `imageUrl` become `imageurl`.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

const SSRF_NAMES: &[&str] = &[
    "url",
    "uri",
    "link",
    "src",
    "source",
    "dest",
    "destination",
    "redirect",
    "next",
    "callback",
    "webhook",
    "feed",
    "image",
    "avatar",
    "target",
    "endpoint",
    "host",
    "proxy",
    "fetch",
    "href",
    "site",
    "domain",
    "load",
];

fn is_ssrf_name(name: &str) -> bool {
    let n = normalise(name);
    SSRF_NAMES.contains(&n.as_str()) || n.ends_with("url") || n.ends_with("uri")
}

/// Whether a value is an absolute http(s) URL.
pub fn is_http_url(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.starts_with("http://") || v.starts_with("https://")
}

/// The SSRF hunt: URL-ish names, URL values, fetch-like routes.
pub static SSRF_HUNT: Hunt = Hunt {
    is_name: is_ssrf_name,
    is_value: is_http_url,
    route_words: &[
        "fetch",
        "proxy",
        "preview",
        "webhook",
        "callback",
        "import",
        "render",
        "download",
        "image",
        "avatar",
        "feed",
        "unfurl",
        "embed",
        "thumbnail",
        "screenshot",
        "pdf",
        "url",
        "link",
    ],
    guess_names: &["url", "uri", "link", "src", "target"],
};

/// The candidates on the target's origin: spec and observed ones first (at most
/// [`MAX_STRONG`]), then guessed ones (at most [`MAX_GUESSED`]), without duplicates.
pub fn candidates(ctx: &CheckCtx, hunt: &Hunt) -> Vec<Candidate> {
    let origin = ctx.target().url.origin();
    let mut strong = spec_candidates(ctx, hunt);
    strong.extend(observed_candidates(ctx, hunt));
    let mut out: Vec<Candidate> = Vec::new();
    for c in strong.into_iter().filter(|c| c.route.origin() == origin) {
        if out.len() < MAX_STRONG && !out.iter().any(|o| same_slot(o, &c)) {
            out.push(c);
        }
    }
    let mut guessed = 0;
    for c in guessed_candidates(ctx, hunt) {
        let taken = out.iter().any(|o| o.route.path() == c.route.path());
        if guessed < MAX_GUESSED && c.route.origin() == origin && !taken {
            out.push(c);
            guessed += 1;
        }
    }
    out
}

fn same_slot(a: &Candidate, b: &Candidate) -> bool {
    a.route.path() == b.route.path() && a.param == b.param
}

/// Query parameters of the OpenAPI document's GET operations (`--spec`, or the one the
/// target serves) with a matching name or `format: uri`. Required sibling parameters
/// get their example values; templated paths are left out.
fn spec_candidates(ctx: &CheckCtx, hunt: &Hunt) -> Vec<Candidate> {
    let Some(spec) = ctx.target().spec.as_ref() else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut out = Vec::new();
    for op in model
        .operations
        .iter()
        .filter(|o| o.method == Method::Get && !o.is_templated())
    {
        let Ok(base) = ctx
            .target()
            .url
            .join(&format!("{}{}", model.base_path(), op.path))
        else {
            continue;
        };
        for p in op.params_in(ParamLocation::Query) {
            let format = p.schema.and_then(|id| model.schema(id).format.as_deref());
            let uri = matches!(format, Some("uri" | "url" | "uri-reference"));
            if !(hunt.is_name)(&p.name) && !uri {
                continue;
            }
            let mut route = base.clone();
            let siblings = op
                .params_in(ParamLocation::Query)
                .filter(|q| q.required && q.name != p.name)
                .map(|q| (q.name.clone(), example::param_value(model, q)));
            route.query_pairs_mut().extend_pairs(siblings);
            if route.query() == Some("") {
                route.set_query(None);
            }
            out.push(Candidate {
                route,
                param: p.name.clone(),
                source: Source::Spec,
            });
        }
    }
    out
}

fn observed_candidates(ctx: &CheckCtx, hunt: &Hunt) -> Vec<Candidate> {
    let recorded = ctx
        .transcript()
        .into_iter()
        .filter(|e| e.check.is_none())
        .map(|e| e.request.url.clone());
    let mut out = Vec::new();
    for url in ctx.target().routes.iter().cloned().chain(recorded) {
        for (k, v) in url.query_pairs() {
            if (hunt.is_name)(&k) || (hunt.is_value)(&v) {
                out.push(Candidate {
                    route: url.clone(),
                    param: k.into_owned(),
                    source: Source::Observed,
                });
            }
        }
    }
    out
}

fn guessed_candidates(ctx: &CheckCtx, hunt: &Hunt) -> Vec<Candidate> {
    let mut out = Vec::new();
    for route in &ctx.target().routes {
        let path = route.path().to_ascii_lowercase();
        let fetchy = path
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| hunt.route_words.contains(&w));
        if fetchy
            && !out
                .iter()
                .any(|c: &Candidate| c.route.path() == route.path())
        {
            for name in hunt.guess_names {
                out.push(Candidate {
                    route: route.clone(),
                    param: (*name).to_string(),
                    source: Source::Guessed,
                });
            }
        }
    }
    out
}

/// A candidate ready to probe: the credential it needs, and its control answer.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub cand: Candidate,
    pub auth: Auth,
    /// The identity the probes go out as (`None`: anonymous).
    pub identity: Option<String>,
    /// The answer to the harmless control value.
    pub control: Arc<Exchange>,
}

/// Sends the control value, anonymously and, if that is refused (401/403), as the
/// primary identity. `None` when the route does not answer at all.
pub async fn prepare(ctx: &CheckCtx, cand: Candidate) -> Option<Prepared> {
    let url = with_query_param(&cand.route, &cand.param, CONTROL_VALUE);
    let anon = send_quiet(ctx, ProbeRequest::get(url.clone())).await?;
    let refused = matches!(anon.response.status, 401 | 403);
    if let (true, Some(id)) = (refused, ctx.target().primary_identity.clone()) {
        let req = ProbeRequest::get(url).auth(Auth::Identity(id.clone()));
        let control = send_quiet(ctx, req).await?;
        return Some(Prepared {
            cand,
            auth: Auth::Identity(id.clone()),
            identity: Some(id),
            control,
        });
    }
    Some(Prepared {
        cand,
        auth: Auth::Anonymous,
        identity: None,
        control: anon,
    })
}

/// The candidate probed with a callback URL (as `identity`, or as prepared). `judge`
/// is subscribed to the probe's hits, now and at the end of the scan. `None` without a
/// listener.
pub async fn callback_probe(
    ctx: &CheckCtx,
    prep: &Prepared,
    auth: Option<(Auth, Option<String>)>,
    judge: Option<HitJudge>,
) -> Option<Probe> {
    let callbacks = ctx.reach().callbacks().ok()?;
    let (auth, identity) = auth.unwrap_or_else(|| (prep.auth.clone(), prep.identity.clone()));
    let key = ProbeKey {
        url: ctx.redactor().redact(prep.cand.route.as_str()).into_owned(),
        parameter: prep.cand.param.clone(),
        identity,
    };
    let mut probe = callbacks.probe(key).ok()?;
    if let Some(judge) = judge {
        callbacks.subscribe(&probe, ctx.meta(), judge);
    }
    let url = with_query_param(&prep.cand.route, &prep.cand.param, probe.callback.as_str());
    if let Some(ex) = send_quiet(ctx, ProbeRequest::get(url).auth(auth)).await {
        callbacks.attach(&probe, Arc::clone(&ex));
        probe.exchange = Some(ex);
    }
    Some(probe)
}

/// Whether the target's answer to the probe carries the listener's marker: it fetched
/// the callback URL and returned what it got.
pub fn reflected(probe: &Probe) -> bool {
    probe
        .exchange
        .as_ref()
        .is_some_and(|e| e.response.text().contains(&probe.marker))
}

/// Whether the target demonstrably fetches this parameter (reflection or a hit).
pub fn proven(ctx: &CheckCtx, probe: Option<&Probe>) -> bool {
    let Some(p) = probe else { return false };
    reflected(p) || ctx.reach().callbacks().is_ok_and(|c| !c.hits(p).is_empty())
}

/// Whether internal targets are worth sending for this candidate: always for spec and
/// observed parameters; for a guessed name only once the callback proved a fetch.
pub fn worth_internal_probes(ctx: &CheckCtx, prep: &Prepared, probe: Option<&Probe>) -> bool {
    prep.cand.source != Source::Guessed || proven(ctx, probe)
}

/// Where the candidate came from and who sent the probes, as two facts.
pub fn provenance(prep: &Prepared) -> [String; 2] {
    let source = match prep.cand.source {
        Source::Spec => "a query parameter of the OpenAPI document",
        Source::Observed => "a query parameter seen in use",
        Source::Guessed => "a common parameter name tried on a fetch-like route",
    };
    let who = prep
        .identity
        .as_ref()
        .map_or("anonymously".to_string(), |i| format!("as identity `{i}`"));
    [
        format!("parameter `{}`: {source}", prep.cand.param),
        format!("probes sent {who}"),
    ]
}

/// One internal target that answered with its signature (absent from the control).
#[derive(Debug, Clone)]
pub struct Reached {
    pub target: InternalTarget,
    pub exchange: Arc<Exchange>,
    pub signature: Signature,
}

/// Sends the internal targets of `service` (at most [`MAX_FORMS`]) and returns the
/// first, in list order, whose answer carries the service's signature.
pub async fn first_reached(ctx: &CheckCtx, prep: &Prepared, service: Service) -> Option<Reached> {
    let control = prep.control.response.text().into_owned();
    if service.recognise(&control).is_some() {
        return None; // the route always says this; nothing can be proven
    }
    let targets: Vec<InternalTarget> = ctx
        .reach()
        .internal_targets()
        .iter()
        .filter(|t| t.service == service)
        .take(MAX_FORMS)
        .cloned()
        .collect();
    let results: Vec<Option<Reached>> = futures::stream::iter(targets)
        .map(|t| probe_internal(ctx, prep, t))
        .buffered(PROBE_CONCURRENCY)
        .collect()
        .await;
    results.into_iter().flatten().next()
}

async fn probe_internal(
    ctx: &CheckCtx,
    prep: &Prepared,
    target: InternalTarget,
) -> Option<Reached> {
    let url = with_query_param(&prep.cand.route, &prep.cand.param, &target.value);
    let ex = send_quiet(ctx, ProbeRequest::get(url).auth(prep.auth.clone())).await?;
    let signature = target.service.recognise(&ex.response.text())?;
    Some(Reached {
        target,
        exchange: ex,
        signature,
    })
}

/// A finding at the probe's URL and parameter, with the exchange as evidence (any
/// credential in the response masked).
pub fn param_finding(
    meta: &CheckMeta,
    exchange: Option<&Exchange>,
    fallback_url: &str,
    param: &str,
    title: String,
    highlight: Option<&str>,
    redactor: &Redactor,
) -> Finding {
    let url = exchange.map_or_else(
        || fallback_url.to_string(),
        |e| redactor.redact(e.request.url.as_str()).into_owned(),
    );
    let mut f = Finding::new(meta, Location::http_param("GET", url, param), title);
    if let Some(ex) = exchange {
        f = f
            .with_exchange(crate::mask::exchange(ex.evidence(redactor, highlight)))
            .with_curl(ex.curl(redactor));
    }
    f
}

/// A finding for an internal target reached through the candidate (severity by the
/// signature's reach): the value sent, the signature absent from the control answer,
/// where the parameter came from and who sent the probes.
pub fn reached_finding(
    meta: &CheckMeta,
    prep: &Prepared,
    r: &Reached,
    title: String,
    redactor: &Redactor,
) -> Finding {
    let severity = if r.signature.full_access {
        Severity::Critical
    } else {
        Severity::High
    };
    let [source, who] = provenance(prep);
    param_finding(
        meta,
        Some(&r.exchange),
        "",
        &prep.cand.param,
        title,
        Some(&r.signature.matched),
        redactor,
    )
    .with_severity(severity)
    .with_confidence(Confidence::Confirmed)
    .with_fact(format!(
        "value sent: {} ({})",
        r.target.value, r.target.label
    ))
    .with_fact(format!(
        "{} in the answer; absent from the answer to a harmless value",
        r.signature.description
    ))
    .with_fact(source)
    .with_fact(who)
}

/// A finding made from callbacks to a probe that carried its URL in `parameter` of a
/// request with a body or header (not a query parameter): the request as evidence,
/// the first callback described, `fact`, and the callback's User-Agent.
pub fn callback_hit_finding(
    meta: &CheckMeta,
    probe: &Probe,
    first: &Hit,
    parameter: &str,
    title: String,
    fact: String,
    redactor: &Redactor,
) -> Option<Finding> {
    let ex = probe.exchange.as_deref()?;
    let url = redactor.redact(ex.request.url.as_str()).into_owned();
    let mut f = Finding::new(
        meta,
        Location::http_param(ex.request.method.as_str(), url, parameter),
        title,
    )
    .with_exchange(crate::mask::exchange(ex.evidence(redactor, None)))
    .with_curl(ex.curl(redactor))
    .with_confidence(Confidence::Confirmed)
    .with_fact(first.describe(probe))
    .with_fact(fact);
    if let Some(ua) = first.header("user-agent") {
        f = f.with_fact(format!("the callback's User-Agent: {ua}"));
    }
    Some(f)
}

/// Whether the check has budget for `requests` more.
pub fn has_budget(ctx: &CheckCtx, requests: u32) -> bool {
    let ok = ctx.requests_made() + requests <= ctx.meta().budget;
    if !ok {
        tracing::debug!(check = %ctx.meta().id, "budget left for no more candidates");
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fixture;

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "components":{"parameters":{"Feed":{"name":"feed","in":"query","schema":{"type":"string"}}}},
      "paths":{
        "/api/fetch/":{"get":{"parameters":[{"name":"url","in":"query","schema":{"type":"string","format":"uri"}}]}},
        "/api/items/":{"get":{"parameters":[{"name":"page","in":"query","required":true,"example":2},{"name":"q","in":"query","schema":{"format":"uri"}},{"$ref":"#/components/parameters/Feed"}]}},
        "/api/items/{id}/":{"get":{"parameters":[{"name":"url","in":"query"}]}},
        "/api/hooks/":{"post":{"parameters":[{"name":"url","in":"query"}]}}
      }}"##;

    fn fixture() -> Fixture {
        Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .route("/api/search/?next=/home&page=2")
            .route("/api/v1/preview/")
            .route("/api/v1/products/")
    }

    #[test]
    fn finds_spec_observed_and_guessed_parameters() {
        let (_e, ctx) = fixture().ctx(&crate::checks::kit::TEST_META);
        let c = candidates(&ctx, &SSRF_HUNT);
        let got: Vec<(String, String, Source)> = c
            .iter()
            .map(|c| (c.route.path().to_string(), c.param.clone(), c.source))
            .collect();
        assert!(
            got.contains(&("/api/fetch/".into(), "url".into(), Source::Spec)),
            "{got:?}"
        );
        assert!(
            got.contains(&("/api/items/".into(), "q".into(), Source::Spec)),
            "format uri"
        );
        assert!(
            got.contains(&("/api/items/".into(), "feed".into(), Source::Spec)),
            "$ref"
        );
        assert!(got.contains(&("/api/search/".into(), "next".into(), Source::Observed)));
        assert!(got.contains(&("/api/v1/preview/".into(), "url".into(), Source::Guessed)));
        assert!(!got.iter().any(|(p, n, _)| p.contains('{') || n == "page"));
        let items = c.iter().find(|c| c.param == "q").expect("q");
        assert_eq!(
            items.route.query(),
            Some("page=2"),
            "required siblings get examples"
        );
        assert!(!got
            .iter()
            .any(|(p, _, _)| p == "/api/hooks/" || p == "/api/v1/products/"));
    }

    #[test]
    fn provenance_names_the_source_and_the_sender() {
        let prep = Prepared {
            cand: Candidate {
                route: Url::parse("http://h/fetch").expect("url"),
                param: "url".into(),
                source: Source::Guessed,
            },
            auth: Auth::Identity("alice".into()),
            identity: Some("alice".into()),
            control: Arc::new(crate::testkit::exchange(
                tollgate_core::HttpMethod::Get,
                "http://h/fetch?url=x",
                200,
                &[],
                "{}",
            )),
        };
        assert_eq!(
            provenance(&prep),
            [
                "parameter `url`: a common parameter name tried on a fetch-like route".to_string(),
                "probes sent as identity `alice`".to_string()
            ]
        );
    }

    #[test]
    fn reflection_needs_the_marker_in_the_answer() {
        let probe = |body: &str| Probe {
            key: ProbeKey {
                url: "http://h/fetch".into(),
                parameter: "url".into(),
                identity: None,
            },
            token: "tok".into(),
            callback: Url::parse("http://127.0.0.1:1/tok").expect("url"),
            marker: "tollgate-oast-abc".into(),
            exchange: Some(Arc::new(crate::testkit::exchange(
                tollgate_core::HttpMethod::Get,
                "http://h/fetch?url=x",
                200,
                &[],
                body,
            ))),
            created: tokio::time::Instant::now(),
        };
        assert!(reflected(&probe(r#"{"x":"tollgate-oast-abc"}"#)));
        assert!(!reflected(&probe(r#"{"status":"fetched"}"#)));
    }
}
