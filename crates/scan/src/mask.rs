//! The last pass over every finding before it enters the report: credentials and
//! infrastructure values that the *target* leaked are masked (`ghp_…RM6r`), whichever
//! check quoted them. The user's own credentials are already `$TOKEN` (the redactor);
//! this covers the secrets of others that evidence excerpts, facts and titles quote.

use tollgate_core::{Finding, HttpExchangeEvidence};
use tollgate_secrets::Scanner;

fn masked(text: &str) -> String {
    Scanner::builtin().mask_all(text).into_owned()
}

fn mask_pairs(pairs: &mut [(String, String)]) {
    for (_, v) in pairs {
        *v = masked(v);
    }
}

fn mask_exchange(ex: &mut HttpExchangeEvidence) {
    ex.request.url = masked(&ex.request.url);
    mask_pairs(&mut ex.request.headers);
    if let Some(r) = ex.response.as_mut() {
        mask_pairs(&mut r.headers);
        let before = r
            .highlight
            .and_then(|(a, b)| r.body_excerpt.get(a..b))
            .map(masked);
        r.body_excerpt = masked(&r.body_excerpt);
        // Re-locate the match in the masked text; drop it if it no longer stands alone.
        r.highlight = before
            .filter(|h| !h.is_empty())
            .and_then(|h| r.body_excerpt.find(&h).map(|i| (i, i + h.len())));
    }
}

/// Masks leaked credentials everywhere a finding quotes the target.
pub fn finding(mut f: Finding) -> Finding {
    f.title = masked(&f.title);
    f.evidence.facts = f.evidence.facts.iter().map(|x| masked(x)).collect();
    f.evidence.curl = f.evidence.curl.as_deref().map(masked);
    f.evidence.snippet = f.evidence.snippet.as_deref().map(masked);
    f.evidence.exchanges.iter_mut().for_each(mask_exchange);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::finding::{RequestEvidence, ResponseEvidence};
    use tollgate_core::{CheckId, Location};

    #[test]
    fn masks_leaked_tokens_and_keeps_the_highlight() {
        let pat = "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";
        let id = CheckId::new_static("LEAK-006");
        let mut f = Finding {
            check_id: id.clone(),
            category: tollgate_core::Category::DataExposure,
            severity: tollgate_core::Severity::High,
            confidence: tollgate_core::Confidence::Firm,
            title: format!("token {pat} in response"),
            location: Location::http("GET", "http://127.0.0.1/x"),
            evidence: Default::default(),
            fingerprint: tollgate_core::Fingerprint::compute(
                &id,
                &Location::http("GET", "http://127.0.0.1/x"),
                "",
            ),
        };
        let body = format!("{{\"DEPLOY\": \"{pat}\", \"ok\": 1}}");
        let start = body.find("DEPLOY").unwrap_or(0);
        f.evidence.exchanges.push(HttpExchangeEvidence {
            request: RequestEvidence {
                method: "GET".into(),
                url: "http://127.0.0.1/x".into(),
                headers: vec![],
            },
            response: Some(ResponseEvidence {
                status: 200,
                headers: vec![],
                body_excerpt: body,
                highlight: Some((start, start + 6)),
            }),
        });
        let f = finding(f);
        assert!(!f.title.contains(pat));
        let r = f.evidence.exchanges[0].response.as_ref().expect("response");
        assert!(!r.body_excerpt.contains(pat));
        let (a, b) = r.highlight.expect("highlight kept");
        assert_eq!(&r.body_excerpt[a..b], "DEPLOY");
    }
}
