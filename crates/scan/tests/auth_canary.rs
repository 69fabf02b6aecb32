//! Canary test for the authentication checks: a whole scan of a local JWT API that has
//! every weakness they look for (weak HMAC secret, alg none, no signature, exp, aud or
//! role checks, token in the query string, a header echo, a legacy route that takes any
//! bearer) with a canary JWT as the identity. Every AUTH check must fire, forged-token
//! evidence must show the forged header and claims, and the canary token, its
//! signature segment and its payload segment must appear nowhere in the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use tollgate_core::{Report, Secret};
use tollgate_scan::engine::Identity;
use tollgate_scan::testkit::internals::now;
use tollgate_scan::testkit::internals::test_support::{api, jwt_identity, Flaws, JWT_SECRET};
use tollgate_scan::testkit::serve;
use tollgate_scan::{registry, run_scan, Check, ScanOptions};

/// A canary JWT: signed with the test API's (weak) secret, unique per run, valid for
/// 40 days (a lifetime AUTH-015 reports).
fn canary_token() -> String {
    let now = now();
    jwt_identity(
        JWT_SECRET,
        json!({
            "iss": "shop-auth", "aud": "shop-api", "sub": "2", "username": "alice",
            "role": "user", "scope": "orders:read orders:write profile:read",
            "iat": now, "exp": now + 40 * 86400,
            "jti": format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
        }),
    )
}

async fn scan(token: &str) -> Report {
    let flaws = Flaws {
        skip_signature: true,
        ..Flaws::all()
    };
    let addr = serve(api(flaws)).await;
    let auth_checks: Vec<&'static dyn Check> = registry::all()
        .iter()
        .copied()
        .filter(|c| c.meta().id.as_str().starts_with("AUTH-"))
        .collect();
    let mut opts = ScanOptions::new(url::Url::parse(&format!("http://{addr}/")).unwrap());
    opts.identities = vec![Identity::bearer("alice", Secret::new(token))];
    run_scan(opts, &auth_checks, Arc::new(|_| {}))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_auth_check_fires_and_the_canary_never_appears() {
    let token = canary_token();
    let report = scan(&token).await;
    let fired: BTreeSet<&str> = report
        .findings
        .iter()
        .map(|f| f.check_id.as_str())
        .collect();
    for id in [
        "AUTH-001", "AUTH-002", "AUTH-003", "AUTH-004", "AUTH-005", "AUTH-010", "AUTH-011",
        "AUTH-012", "AUTH-013", "AUTH-014", "AUTH-015", "AUTH-016",
    ] {
        assert!(
            fired.contains(id),
            "{id} did not fire: {fired:?}\nerrors: {:?}\nskipped: {:?}",
            report.errors,
            report.coverage.checks_skipped
        );
    }

    let serialized = serde_json::to_string(&report).unwrap();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let payload = signing_input.split('.').nth(1).unwrap();
    assert!(!serialized.contains(&token), "the canary token leaked");
    assert!(
        !serialized.contains(signature),
        "the canary's signature leaked"
    );
    assert!(
        !serialized.contains(payload),
        "the canary's payload segment leaked"
    );

    // Forged-token evidence is meaningful: the forged header and claims are shown.
    let alg_none = report
        .findings
        .iter()
        .find(|f| f.check_id.as_str() == "AUTH-010")
        .unwrap();
    let facts = alg_none.evidence.facts.join("\n");
    assert!(
        facts.contains("forged header: {\"alg\":\"none\""),
        "{facts}"
    );
    assert!(facts.contains("forged claims: {"), "{facts}");
    // The cracked weak secret is the AUTH-011 finding itself, so it is shown.
    let weak = report
        .findings
        .iter()
        .find(|f| f.check_id.as_str() == "AUTH-011")
        .unwrap();
    assert!(weak
        .evidence
        .facts
        .iter()
        .any(|x| x.contains("secret `secret`")));
    // The token in the query string is shown as $TOKEN.
    let query = report
        .findings
        .iter()
        .find(|f| f.check_id.as_str() == "AUTH-003")
        .unwrap();
    let url = &query.evidence.exchanges[0].request.url;
    assert!(url.contains("access_token=$TOKEN"), "{url}");
    assert!(
        query.location.to_string().ends_with("[access_token]"),
        "{}",
        query.location
    );
}
