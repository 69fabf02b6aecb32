//! `render` works for every format, and format names parse helpfully.

mod common;

use tollgate_core::CheckMeta;
use tollgate_report::{render, Format, RenderOptions};

#[test]
fn every_format_renders() {
    let rules = common::rules();
    let refs: Vec<&CheckMeta> = rules.iter().collect();
    let report = common::report();
    for format in Format::ALL {
        let out = render(format, &report, &refs, &RenderOptions::default())
            .unwrap_or_else(|e| panic!("{format} failed: {e}"));
        assert!(out.ends_with('\n'), "{format} output ends with a newline");
        assert!(
            out.contains("LEAK-002"),
            "{format} output names the finding"
        );
    }
}

#[test]
fn format_names_parse() {
    assert_eq!("terminal".parse(), Ok(Format::Terminal));
    assert_eq!("text".parse(), Ok(Format::Terminal));
    assert_eq!("json".parse(), Ok(Format::Json));
    assert_eq!("sarif".parse(), Ok(Format::Sarif));
    assert_eq!(Format::Sarif.to_string(), "sarif");
}

#[test]
fn unknown_format_lists_the_valid_ones() {
    let err = "yaml".parse::<Format>().expect_err("yaml is unknown");
    let msg = err.to_string();
    assert!(
        msg.contains("`yaml`")
            && msg.contains("terminal")
            && msg.contains("json")
            && msg.contains("sarif"),
        "{msg}"
    );
}
