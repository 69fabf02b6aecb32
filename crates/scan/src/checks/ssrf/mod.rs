//! SSRF and unsafe consumption checks, proven with the callback listener.
//!
//! The probing they share (URL parameters worth probing, control values, callback and
//! internal-target probes, URL fields of request bodies) is in the kit:
//! `checks/kit/ssrf_probe.rs` and `checks/kit/body_urls.rs`.

pub mod blind;
pub mod body_fields;
pub mod forwarded_credentials;
pub mod open_redirect;
pub mod reflected;
pub mod token_fetch;
pub mod webhook_fields;
pub mod webhook_registration;
pub mod xml_accepted;
