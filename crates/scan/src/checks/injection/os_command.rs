//! INJ-003: a request-body field reaches a shell command line, proven by a marker
//! that only a shell assembles (`echo A''B` prints `AB`), confirmed by shell
//! arithmetic (`$((a+b))`).

use super::{fields_to_probe, Field, FieldOrder};
use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::send_quiet as send;
use async_trait::async_trait;
use serde_json::Value;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};

pub struct OsCommand;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-003"),
    name: "OS command injection through a request-body field",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Critical,
    cwe: 78,
    owasp: Owasp::Api8,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post, HttpMethod::Put, HttpMethod::Patch],
    budget: 90,
    docs: CheckDocs {
        what: "Takes the string fields of the OpenAPI document's JSON POST, PUT and PATCH bodies (free-form: no enum, no format, no pattern; at most 8; never login, token, password or reset operations), fields of tool-like operations (tools, exec, ping, convert, checksum, …) first, then names that suggest hosts, files or text, and sends the documented example with one field set to shell separators followed by `echo X''Y` (`;`, `\";`, `';`, `|`, `&&`, newline, and the same inside `$(…)` and backticks), where X and Y are random. A shell removes the empty quotes and prints `XY`; a field that is only stored or echoed back shows `X''Y`. When `XY` appears in the answer (and not in the baseline answer to the example) the same shape is sent again with `echo X$((a+b))Y`, whose sum only a shell computes; both must show. Intrusive: the probes are writes, so it runs only with `--allow intrusive`.",
        why: "A value pasted into a shell command line runs the caller's commands as the API's user: reading its secrets and configuration, reaching the internal network, and usually taking over the host.",
        evidence: "POST /api/tools/checksum `{\"text\": \"\\\";echo tg8f3a''c01d;\\\"\"}` → 200 `{\"checksum\": \"tg8f3ac01d\\n4294967295 0\"}`; then `echo tg…$((5121+3302))…` → the answer shows `8423`.",
        remediation: "Do not build shell command lines from input. Call the program directly with an argument vector (`execFile`/`spawn` without a shell, `subprocess.run([...])` without `shell=True`), pass data on standard input, and validate values against a strict allow-list.",
        remediation_django: Some("Use `subprocess.run([\"tool\", value], shell=False, check=True)` (never `os.system` or `shell=True`), or a library instead of a tool; validate the field in the serializer with a strict `RegexValidator`."),
        references: &[
            "https://owasp.org/www-community/attacks/Command_Injection",
            "https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/78.html",
        ],
    },
};

/// Fields probed per scan.
const MAX_FIELDS: usize = 8;

/// Command separators around `CMD`, for values in no quotes, double and single quotes.
const SHAPES: &[&str] = &[
    ";CMD;",
    "\";CMD;\"",
    "';CMD;'",
    "|CMD",
    "&&CMD",
    "\nCMD\n",
    "$(CMD)",
    "`CMD`",
];

fn hex() -> String {
    format!("{:08x}", fastrand::u32(..))
}

#[async_trait]
impl Check for OsCommand {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        for field in fields_to_probe(ctx, FieldOrder::Command, MAX_FIELDS)? {
            if ctx.requests_made() + 2 + SHAPES.len() as u32 > META.budget {
                break;
            }
            if let Some(f) = probe_field(ctx, &field).await {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

async fn probe_field(ctx: &CheckCtx, field: &Field) -> Option<Finding> {
    let example = field.body.get(&field.name).and_then(Value::as_str);
    let baseline = send(ctx, field.request(example.unwrap_or("hello"))).await?;
    let (x, y) = (format!("tg{}", hex()), hex());
    let joined = format!("{x}{y}");
    if baseline.response.text().contains(&joined) {
        return None;
    }
    for shape in SHAPES {
        let value = shape.replace("CMD", &format!("echo {x}''{y}"));
        if field.max_length.is_some_and(|m| value.len() as u64 > m) {
            continue;
        }
        let Some(ex) = send(ctx, field.request(&value)).await else {
            continue;
        };
        if !ex.response.text().contains(&joined) {
            continue;
        }
        // Confirm with arithmetic only a shell performs.
        let (a, b) = (1000 + fastrand::u32(..8000), 1000 + fastrand::u32(..8000));
        let sum = format!("{x}{}{y}", a + b);
        let value2 = shape.replace("CMD", &format!("echo {x}$(({a}+{b})){y}"));
        let confirm = send(ctx, field.request(&value2)).await?;
        if !confirm.response.text().contains(&sum) {
            return None;
        }
        let url = ctx.redactor().redact(field.url.as_str()).into_owned();
        let title = format!(
            "Body field `{}` of {} {} is run by a shell (OS command injection)",
            field.name,
            field.method.as_str(),
            field.path
        );
        return Some(
            Finding::new(&META, Location::http_param(field.method.as_str(), url, &field.name), title)
                .with_key(&format!("{} {} {}", field.method.as_str(), field.path, field.name))
                .with_confidence(Confidence::Confirmed)
                .with_exchange(crate::mask::exchange(confirm.evidence(ctx.redactor(), Some(&sum))))
                .with_curl(confirm.curl(ctx.redactor()))
                .with_fact(format!("probe: `{value}` → the answer shows `{joined}` (the shell removed the empty quotes)"))
                .with_fact(format!("confirmation: `{value2}` → the answer shows `{sum}` ({a}+{b} computed by the shell)"))
                .with_fact(format!(
                    "baseline: the example value answered {} without the marker",
                    baseline.response.status
                )),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "paths":{"/checksum":{"post":{"requestBody":{"content":{"application/json":{
        "schema":{"type":"object","properties":{"text":{"type":"string"},"kind":{"type":"string","enum":["a"]}}},
        "example":{"text":"hello","kind":"a"}}}}}}}}"##;

    /// A tiny stand-in for `printf '%s' "<text>" | cksum` under /bin/sh: a `";echo …;"`
    /// breakout prints what echo prints (empty quotes removed, `$((a+b))` summed);
    /// `shell: false` echoes the text back as stored.
    fn fake_shell(text: &str, shell: bool) -> String {
        if !shell {
            return text.to_string();
        }
        let Some(cmd) = text
            .strip_prefix("\";echo ")
            .and_then(|t| t.strip_suffix(";\""))
        else {
            return "4294967295 0".into();
        };
        let mut out = cmd.replace("''", "");
        if let (Some(i), Some(j)) = (out.find("$(("), out.find("))")) {
            let sum: u32 = out[i + 3..j]
                .split('+')
                .filter_map(|n| n.parse::<u32>().ok())
                .sum();
            out = format!("{}{sum}{}", &out[..i], &out[j + 2..]);
        }
        format!("{out}\n4294967295 0")
    }

    async fn run(shell: bool) -> (Vec<Finding>, u32) {
        let addr = serve(move |req| {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let text = body["text"].as_str().unwrap_or("");
            RawResponse::new(
                200,
                serde_json::json!({ "checksum": fake_shell(text, shell) }).to_string(),
            )
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .intrusive()
            .ctx(&META);
        let f = OsCommand.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test]
    async fn fires_when_a_shell_assembles_the_marker_and_sums() {
        let (f, sent) = run(true).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0]
            .title
            .starts_with("Body field `text` of POST /checksum"));
        assert!(f[0].evidence.facts[1].contains("computed by the shell"));
        assert_eq!(sent, 4, "baseline, `;` shape, `\";` shape, confirmation");
    }

    #[tokio::test]
    async fn silent_when_the_value_is_only_echoed_back() {
        let (f, sent) = run(false).await;
        assert!(f.is_empty(), "{f:#?}");
        assert_eq!(sent, 1 + SHAPES.len() as u32, "enum field left alone");
    }
}
