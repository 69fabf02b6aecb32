//! The JSON report round-trips.

mod common;

use tollgate_core::Report;
use tollgate_report::{render, Format, RenderOptions};

#[test]
fn json_round_trips() {
    let report = common::report();
    let text = render(Format::Json, &report, &[], &RenderOptions::default()).expect("JSON renders");
    assert!(text.ends_with("}\n"));
    let back: Report = serde_json::from_str(&text).expect("JSON parses back");
    assert_eq!(back, report);
}

#[test]
fn json_is_pretty_and_colourless() {
    let report = common::report();
    let text = render(
        Format::Json,
        &report,
        &[],
        &RenderOptions {
            color: true,
            ..Default::default()
        },
    )
    .expect("JSON renders");
    assert!(text.starts_with("{\n  \"schema_version\""));
    assert!(!text.contains('\x1b'));
}
