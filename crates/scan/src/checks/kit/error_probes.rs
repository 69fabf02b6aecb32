//! Error-provoking probes: safe GETs that make frameworks fail (a word where a numeric
//! id goes, malformed and oversized query values, an odd `Accept`, a trailing dot, a
//! malformed value for a typed path parameter of the OpenAPI document), planned in
//! priority order within a budget. LEAK-002 sends them and reads the answers.

use crate::check::{CheckCtx, Profile};
use url::Url;

/// One error-triggering request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    pub(crate) url: Url,
    /// The route the probe mutates: its normal answer is the baseline.
    pub(crate) origin: Url,
    pub(crate) accept: Option<&'static str>,
    pub(crate) why: &'static str,
}

/// Probes in the quick, standard and deep profiles.
pub(crate) fn probe_limit(profile: Profile) -> usize {
    match profile {
        Profile::Quick => 8,
        Profile::Standard => 24,
        Profile::Deep => 48,
    }
}

/// Routes worth mutating: in scope, not files (`openapi.json`, `.env`, `access.log`).
pub(crate) fn mutable_routes(ctx: &CheckCtx) -> Vec<Url> {
    ctx.target()
        .routes
        .iter()
        .filter(|u| ctx.in_scope(u))
        .filter(|u| {
            let last = u
                .path_segments()
                .and_then(|mut s| s.next_back())
                .unwrap_or("");
            !last.contains('.')
        })
        .cloned()
        .collect()
}

fn with_path(url: &Url, path: &str) -> Url {
    let mut u = url.clone();
    u.set_path(path);
    u
}

fn with_query(url: &Url, query: &str) -> Url {
    let mut u = url.clone();
    u.set_query(Some(query));
    u
}

/// `/orders/2/` → `/orders/abc/`: the last all-digit segment replaced by a word.
fn numeric_segment(url: &Url) -> Option<Probe> {
    let segs: Vec<&str> = url.path_segments()?.collect();
    let i = segs
        .iter()
        .rposition(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))?;
    let mut segs: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
    segs[i] = "abc".into();
    Some(Probe {
        url: with_path(url, &format!("/{}", segs.join("/"))),
        origin: url.clone(),
        accept: None,
        why: "a word where the path has a numeric id",
    })
}

/// `/products/` → `/products/abc/`: a non-numeric id under a collection.
fn collection_child(url: &Url) -> Option<Probe> {
    let path = url.path();
    if path == "/" || url.query().is_some() {
        return None;
    }
    let child = if path.ends_with('/') {
        format!("{path}abc/")
    } else {
        format!("{path}/abc")
    };
    Some(Probe {
        url: with_path(url, &child),
        origin: url.clone(),
        accept: None,
        why: "a non-numeric id under a collection route",
    })
}

/// Each query value rewritten by `f`, when the route has a query.
fn rewrite_query(url: &Url, f: impl Fn(&str, &str) -> Option<String>) -> Option<Url> {
    url.query()?;
    let mut changed = false;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| match f(&k, &v) {
            Some(new) => {
                changed = true;
                (k.into_owned(), new)
            }
            None => (k.into_owned(), v.into_owned()),
        })
        .collect();
    if !changed {
        return None;
    }
    let mut u = url.clone();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    Some(u)
}

fn is_number(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())
}

/// Query mutations, most telling first.
fn query_probes(url: &Url) -> Vec<Probe> {
    let mut out = Vec::new();
    if let Some(u) = rewrite_query(url, |_, v| is_number(v).then(|| "abc".to_string())) {
        out.push(Probe {
            url: u,
            origin: url.clone(),
            accept: None,
            why: "a word in a numeric query parameter",
        });
    }
    if let Some(u) = rewrite_query(url, |_, v| is_number(v).then(|| "9".repeat(64))) {
        out.push(Probe {
            url: u,
            origin: url.clone(),
            accept: None,
            why: "an oversized number in a numeric query parameter",
        });
    }
    if let Some(u) = rewrite_query(url, |_, _| Some("{\"tollgate\":[".to_string())) {
        out.push(Probe {
            url: u,
            origin: url.clone(),
            accept: None,
            why: "a malformed JSON-looking query value",
        });
    }
    out
}

/// Malformed values for the common pagination parameters, on a route without a query.
fn pagination_junk(url: &Url) -> Option<Probe> {
    if url.query().is_some() {
        return None;
    }
    Some(Probe {
        url: with_query(url, "page=abc&page_size=abc&limit=abc&offset=abc"),
        origin: url.clone(),
        accept: None,
        why: "malformed values for common pagination parameters",
    })
}

/// Probes independent of particular routes: a trailing dot, odd `Accept` headers.
fn global_probes(routes: &[Url]) -> Vec<Probe> {
    let Some(first) = routes.iter().find(|u| u.path() != "/").or(routes.first()) else {
        return Vec::new();
    };
    let trimmed = first.path().trim_end_matches('/');
    let mut out = vec![Probe {
        url: with_path(first, &format!("{trimmed}.")),
        origin: first.clone(),
        accept: None,
        why: "a trailing dot on the path",
    }];
    for accept in ["application/x-tollgate-unknown", "text/html;q=abc, */*;q=x"] {
        out.push(Probe {
            url: first.clone(),
            origin: first.clone(),
            accept: Some(accept),
            why: "an unexpected Accept header",
        });
    }
    out
}

/// A malformed value for a documented path parameter whose schema says what it must
/// be (a number, a boolean, a UUID, a date): frameworks convert such values before
/// the handler runs or in it, and an unhandled conversion error is a classic way to
/// reach the default error page. `None` for free-form strings.
fn malformed_for(schema: &tollgate_spec::Schema) -> Option<&'static str> {
    use tollgate_spec::SchemaType;
    let typed = schema.types.iter().any(|t| {
        matches!(
            t,
            SchemaType::Integer | SchemaType::Number | SchemaType::Boolean
        )
    });
    let formatted = matches!(
        schema.format.as_deref(),
        Some("uuid" | "date" | "date-time" | "int32" | "int64")
    );
    (typed || formatted).then_some("abc")
}

/// One probe per documented GET operation with a typed path parameter: the operation's
/// URL (real or example values) with that parameter replaced by a malformed value.
/// At most `max`.
pub(crate) fn spec_probes(ctx: &CheckCtx, max: usize) -> Vec<Probe> {
    use crate::recon::spec::operation_url;
    use std::collections::HashMap;
    use tollgate_spec::{Method, ParamLocation};
    let Some(spec) = ctx.target().spec.as_deref() else {
        return Vec::new();
    };
    let model = &spec.model;
    let target = &ctx.target().url;
    let mut out = Vec::new();
    for op in model.operations.iter().filter(|o| o.method == Method::Get) {
        if out.len() >= max {
            break;
        }
        let Some((param, bad)) = op.params_in(ParamLocation::Path).find_map(|p| {
            let bad = malformed_for(model.schema(p.schema?))?;
            Some((p.name.clone(), bad))
        }) else {
            continue;
        };
        let Some(origin) = operation_url(target, spec, op, &HashMap::new()) else {
            continue;
        };
        let values = HashMap::from([(param, bad.to_string())]);
        let Some(url) = operation_url(target, spec, op, &values) else {
            continue;
        };
        if ctx.in_scope(&url) && url != origin {
            out.push(Probe {
                url,
                origin,
                accept: None,
                why: "a malformed value in a path parameter the OpenAPI document types",
            });
        }
    }
    out
}

/// The probes to send, in priority order, distinct, at most the profile's limit:
/// `documented` (from the OpenAPI document) first, then mutations of the routes.
pub(crate) fn plan(routes: &[Url], documented: Vec<Probe>, limit: usize) -> Vec<Probe> {
    let mut tiers: [Vec<Probe>; 3] = Default::default();
    for r in routes {
        let numeric = numeric_segment(r);
        let has_numeric = numeric.is_some();
        tiers[0].extend(numeric);
        let mut q = query_probes(r).into_iter();
        tiers[0].extend(q.next());
        tiers[2].extend(q);
        if !has_numeric {
            tiers[1].extend(collection_child(r));
        }
        tiers[1].extend(pagination_junk(r));
    }
    tiers[2].extend(global_probes(routes));
    let mut out: Vec<Probe> = Vec::new();
    for p in documented.into_iter().chain(tiers.into_iter().flatten()) {
        if !out.contains(&p) && !routes.contains(&p.url) {
            out.push(p);
        }
        if out.len() >= limit {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_bounded_probes_in_priority_order() {
        let base = Url::parse("http://127.0.0.1:9/").expect("url");
        let routes: Vec<Url> = [
            "/",
            "/api/orders/2/",
            "/api/products/?page=2",
            "/api/users/",
        ]
        .iter()
        .map(|p| base.join(p).expect("url"))
        .collect();
        let p = plan(&routes, Vec::new(), 24);
        let urls: Vec<String> = p.iter().map(|p| p.url.to_string()).collect();
        assert_eq!(urls[0], "http://127.0.0.1:9/api/orders/abc/");
        assert_eq!(urls[1], "http://127.0.0.1:9/api/products/?page=abc");
        assert!(urls.contains(&"http://127.0.0.1:9/api/users/abc/".to_string()));
        assert!(urls.iter().any(|u| u.ends_with("/api/orders/2.")));
        assert_eq!(plan(&routes, Vec::new(), 3).len(), 3);
    }
}
