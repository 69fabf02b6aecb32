//! The kit: code the checks share, each part named for what it does.
//!
//! - `admin_operations`: which operations are administrative (BFLA-001, BFLA-002);
//! - `common`: the target's recorded answers in a stable order, header helpers, setting
//!   a query parameter, sending a probe whose failure is not an error;
//! - `api_support`: who the identities are, JSON answers, the API document's operations;
//! - `api_surface`: whether a route is an API operation (not a static asset or page);
//! - `api_versions`: version segments in paths and the versions a document covers;
//! - `body_urls`: URL-holding fields of documented request bodies, and the request
//!   that sets one of them (SSRF-005, SSRF-006);
//! - `credential_fields`: whether a field's name and value make it a credential;
//! - `leaked_secrets`: secrets a response leaks, judged and masked (LEAK- checks);
//! - `spec_hint`: what the served OpenAPI document says about an operation's security;
//! - `token_probes`: bearer and forged-JWT probing, protected routes, sibling API
//!   versions (AUTH- checks);
//! - `error_probes`: safe requests planned to make a framework fail (LEAK-002);
//! - `tables`: loading the detection tables (TOML with examples) and checking them;
//! - `request_bodies`: the documented example body of a write operation, its method
//!   and credential (body probes of the SSRF and injection checks);
//! - `ssrf_probe`: URL parameters worth probing, control values, callback and
//!   internal-target probes, findings at the parameter (SSRF-00x, CONT-002);
//! - `write_support`: creating, reading back and cleaning up objects (intrusive checks).

pub mod admin_operations;
pub mod api_support;
pub mod api_surface;
pub mod api_versions;
pub mod body_urls;
pub mod common;
pub mod credential_fields;
pub mod error_probes;
pub mod leaked_secrets;
pub mod request_bodies;
pub mod spec_hint;
pub mod ssrf_probe;
pub mod tables;
pub mod token_probes;
pub mod write_support;

/// A check's metadata for the kit's own tests (every method, a large budget).
#[cfg(test)]
pub static TEST_META: tollgate_core::CheckMeta = tollgate_core::CheckMeta {
    id: tollgate_core::CheckId::new_static("KIT-TEST"),
    name: "kit test",
    category: tollgate_core::Category::Ssrf,
    severity: tollgate_core::Severity::Info,
    cwe: 0,
    owasp: tollgate_core::Owasp::Api7,
    safety: tollgate_core::SafetyClass::Intrusive,
    methods: &[
        tollgate_core::HttpMethod::Get,
        tollgate_core::HttpMethod::Post,
        tollgate_core::HttpMethod::Put,
        tollgate_core::HttpMethod::Patch,
    ],
    budget: 100,
    docs: tollgate_core::CheckDocs {
        what: "",
        why: "",
        evidence: "",
        remediation: "",
        remediation_django: None,
        references: &[],
    },
};
