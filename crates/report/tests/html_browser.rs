//! The HTML report in real headless Chromium: it renders, and attacker-controlled
//! evidence executes nothing. Assertions read the DOM after scripts ran
//! (`--dump-dom`), not the file. A screenshot is kept under target/.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use tollgate_core::finding::{RequestEvidence, ResponseEvidence};
use tollgate_core::{CheckMeta, HttpExchangeEvidence, Report};
use tollgate_report::{render, Format, RenderOptions};

const SCRIPT: &str = "<script>document.body.setAttribute('data-pwned','script')</script>";
const IMG: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','onerror')\">";

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            if out.status.success() {
                return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            }
        }
    }
    panic!(
        "Chromium is needed for this test: `apt-get install chromium` (./scripts/test installs it)"
    );
}

fn hostile_report() -> Report {
    let mut report = common::report();
    let f = &mut report.findings[0];
    f.title = format!("title {SCRIPT}");
    f.evidence.facts.push(format!("fact {IMG}"));
    f.evidence.curl = Some(format!("curl '{IMG}'"));
    f.evidence.exchanges = vec![HttpExchangeEvidence {
        request: RequestEvidence {
            method: "GET".into(),
            url: format!("http://127.0.0.1/?q={SCRIPT}"),
            headers: vec![("x".into(), IMG.into())],
        },
        response: Some(ResponseEvidence {
            status: 500,
            headers: vec![("server".into(), SCRIPT.into())],
            body_excerpt: format!("{SCRIPT}{IMG}</pre></details>{SCRIPT}"),
            highlight: None,
        }),
    }];
    report.target.url = format!("http://127.0.0.1/\"><svg onload=alert(1)>{SCRIPT}");
    report
}

fn browser_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=2000",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

#[test]
fn html_report_renders_and_executes_no_evidence() {
    let rules = common::rules();
    let refs: Vec<&CheckMeta> = rules.iter().collect();
    let html = render(
        Format::Html,
        &hostile_report(),
        &refs,
        &RenderOptions::default(),
    )
    .unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = tempfile_dir(&dir);
    let url = format!("file://{}", page.display());
    let dom = Command::new(chromium())
        .args(browser_args(&profile))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    // It rendered: the grade, the score and the category chart are in the DOM.
    assert!(dom.contains("id=\"grade\""), "no grade in the DOM");
    assert!(dom.contains("<svg id=\"categories\""), "no category chart");
    assert!(
        dom.contains("class=\"card finding\""),
        "no findings rendered"
    );
    // Nothing from the evidence ran or became an element.
    assert!(
        !dom.contains("data-pwned=\""),
        "injected script or handler executed"
    );
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the report's own script may be an element"
    );
    assert!(!dom.contains("<img"), "evidence became an <img> element");
    assert!(
        !dom.contains("<svg onload"),
        "evidence became an <svg> element"
    );
    assert!(
        dom.contains("&lt;script&gt;document.body.setAttribute"),
        "payload is shown as text"
    );
    // A screenshot, kept as an artifact.
    let shot = dir.join("report.png");
    let out = Command::new(chromium())
        .args(browser_args(&profile))
        .arg("--window-size=1280,1600")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success() && shot.is_file(),
        "screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tempfile_dir(base: &Path) -> PathBuf {
    let p = base.join("chromium-profile");
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}
