//! INJ-004: a template expression in a parameter comes back evaluated (server-side
//! template injection).

use super::{for_each_slot, slot_finding, slots, Prepared};
use crate::check::{Check, CheckCtx, CheckError};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct TemplateInjection;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-004"),
    name: "Server-side template injection",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 1336,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 72,
    docs: CheckDocs {
        what: "For query and path parameters of GET routes (OpenAPI document, or seen in use) sends the benign value followed by a multiplication written in the syntax of the common template engines, between two fixed markers: `{{7*191}}` (Jinja2, Twig, Nunjucks, Tornado), `${7*191}` (FreeMarker, Velocity, Spring EL, JavaScript template literals), `<%= 7*191 %>` (ERB, EJS), `#{7*191}` (Ruby, Pug, Thymeleaf), `{% widthratio 7 1 191 %}` (Django templates) and `@(7*191)` (Razor). A parameter is reported when the answer carries the product `1337` between the markers, the baseline lacks it, and a second multiplication in the same syntax (`7*193`) comes back as `1351`: the expression was evaluated, not echoed.",
        why: "A request value that becomes part of a template's source runs in the template engine. Arithmetic is the harmless proof; the same hole reads configuration and secrets from the template context and, in most engines (Jinja2, FreeMarker, ERB, Nunjucks), reaches the language runtime: remote code execution on the API host.",
        evidence: "GET /api/greeting?name=Alice → 200 `{\"message\":\"Hello Alice!\"}`; name=Alicetg7q{{7*191}}q7gt → 200 `{\"message\":\"Hello Alicetg7q1337q7gt!\"}`; `{{7*193}}` gives 1351. Probe and baseline exchanges are attached.",
        remediation: "Never build a template's source from request values: keep templates fixed and pass values in the rendering context (`render('Hello {{ name }}', {name})`), which the engine treats as data. If users must write templates, use a logic-less engine or a sandboxed environment with no access to objects and attributes.",
        remediation_django: Some("Do not call `Template(user_text)` or `engines['django'].from_string(...)` / Jinja2 `Environment.from_string(...)` with request data; write the template once and pass the value in the `Context` (`Template('Hello {{ name }}').render(Context({'name': name}))`)."),
        references: &[
            "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/18-Testing_for_Server-side_Template_Injection",
            "https://cwe.mitre.org/data/definitions/1336.html",
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
        ],
    },
};

/// Template syntaxes: the expression of `a × b`, and the engines that use it.
const SYNTAXES: &[(&str, &str)] = &[
    ("{{A*B}}", "Jinja2/Twig/Nunjucks"),
    ("${A*B}", "FreeMarker/EL/JavaScript"),
    ("<%= A*B %>", "ERB/EJS"),
    ("#{A*B}", "Ruby/Pug/Thymeleaf"),
    ("{% widthratio A 1 B %}", "Django"),
    ("@(A*B)", "Razor"),
];

/// Markers around the expression: the product must come back between them.
const OPEN: &str = "tg7q";
const CLOSE: &str = "q7gt";

/// Baseline, every syntax, one confirmation.
const PER_SLOT: u32 = 1 + SYNTAXES.len() as u32 + 1;

fn expression(syntax: &str, a: u32, b: u32) -> String {
    let expr = syntax
        .replace('A', &a.to_string())
        .replace('B', &b.to_string());
    format!("{OPEN}{expr}{CLOSE}")
}

fn evaluated(a: u32, b: u32) -> String {
    format!("{OPEN}{}{CLOSE}", a * b)
}

#[async_trait]
impl Check for TemplateInjection {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        Ok(for_each_slot(ctx, slots(ctx), PER_SLOT, |c, p| Box::pin(probe_slot(c, p))).await)
    }
}

async fn probe_slot(ctx: &CheckCtx, prep: &Prepared) -> Option<Finding> {
    let v = &prep.slot.value;
    let base = prep.baseline.response.text();
    let (first, second) = (evaluated(7, 191), evaluated(7, 193));
    if base.contains(&first) || base.contains(&second) {
        return None;
    }
    for (syntax, engines) in SYNTAXES {
        let value = format!("{v}{}", expression(syntax, 7, 191));
        let Some(probe) = prep.probe(ctx, &value).await else {
            continue;
        };
        if !probe.response.text().contains(&first) {
            continue;
        }
        let confirm_value = format!("{v}{}", expression(syntax, 7, 193));
        let confirm = prep.probe(ctx, &confirm_value).await?;
        if !confirm.response.text().contains(&second) {
            return None;
        }
        let shown = syntax.replace('A', "7").replace('B', "191");
        let title = format!(
            "Template expression `{shown}` in `{}` is evaluated by the server",
            prep.slot.param
        );
        let f = slot_finding(&META, prep, &probe, title, Some(&first), ctx.redactor())
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!(
                "probe `{value}`: the answer carries `{first}` (7×191 evaluated)"
            ))
            .with_fact(format!(
                "confirmation `{confirm_value}`: the answer carries `{second}` (7×193)"
            ))
            .with_fact(format!(
                "baseline `{v}`: {} without either product",
                prep.baseline.response.status
            ))
            .with_fact(format!("syntax used by {engines}"));
        return Some(f);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const SPEC: &str = r##"{"openapi":"3.0.3","paths":{"/greeting":{"get":{"parameters":[{"name":"name","in":"query","example":"Alice"}]}}}}"##;

    fn name(path: &str) -> String {
        let q = path.split_once('?').map(|(_, q)| q).unwrap_or("");
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    /// Renders `{{a*b}}` the way a template engine fed the value as source would.
    fn render(s: &str) -> String {
        let mut out = s.to_string();
        while let (Some(i), Some(j)) = (out.find("{{"), out.find("}}")) {
            if j < i {
                break;
            }
            let inner = &out[i + 2..j];
            let product = inner
                .split_once('*')
                .and_then(|(a, b)| {
                    Some(a.trim().parse::<u32>().ok()? * b.trim().parse::<u32>().ok()?)
                })
                .map(|n| n.to_string())
                .unwrap_or_default();
            out = format!("{}{product}{}", &out[..i], &out[j + 2..]);
        }
        out
    }

    #[tokio::test]
    async fn fires_when_the_expression_is_evaluated() {
        let addr = serve(|r| {
            let body = serde_json::json!({"message": format!("Hello {}!", render(&name(&r.path)))});
            RawResponse::new(200, body.to_string())
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        let f = TemplateInjection.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "Template expression `{{7*191}}` in `name` is evaluated by the server"
        );
        assert_eq!(ctx.requests_made(), 3, "baseline, probe, confirmation");
    }

    #[tokio::test]
    async fn silent_on_an_echo_and_on_a_fixed_number() {
        // The value comes back as written (data, not template source).
        let addr = serve(|r| {
            let body = serde_json::json!({"message": format!("Hello {}!", name(&r.path))});
            RawResponse::new(200, body.to_string())
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(TemplateInjection.run(&ctx).await.expect("run").is_empty());
        assert_eq!(ctx.requests_made(), PER_SLOT - 1, "every syntax tried");
        // A page that happens to contain 1337 everywhere proves nothing.
        let addr = serve(|_| RawResponse::new(200, "tg7q1337q7gt tg7q1351q7gt")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(TemplateInjection.run(&ctx).await.expect("run").is_empty());
    }
}
