//! CONT-002: an SSRF reaches the Docker Engine API (or the kubelet, etcd, the
//! Kubernetes API): the container-escape finding.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::ssrf_probe::{
    callback_probe, candidates, first_reached, has_budget, prepare, reached_finding,
    worth_internal_probes, Prepared, Reached, MAX_FORMS, SSRF_HUNT,
};
use crate::oast::Service;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, HttpMethod, Owasp, SafetyClass, Severity,
};

pub struct SsrfReachesRuntime;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CONT-002"),
    name: "SSRF reaches the container runtime or orchestrator API",
    category: Category::ContainerHostExposure,
    severity: Severity::Critical,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 150,
    docs: CheckDocs {
        what: "For every URL-taking query parameter (found as in SSRF-001), sends GET probes whose value is an internal container service, and reports the first one per service whose content signature comes back through the API and is absent from the answer to a harmless value: the Docker Engine API `/version` (`ApiVersion`, `MinAPIVersion`) on 127.0.0.1, `localhost`, `[::1]`, decimal loopback, the docker0 gateway 172.17.0.1 and `host.docker.internal`, port 2375; the kubelet `/pods` (`PodList`) on 10255 and 10250; etcd `/version` on 2379; the Kubernetes API `/version` at `kubernetes.default.svc` and 127.0.0.1:6443. The addresses only travel as parameter values to the target; tollgate never connects to them.",
        why: "An SSRF that reaches the Docker Engine API is a container escape: the same kind of request that read `/version` can, with a POST-capable fetcher or a second bug, create a privileged container with the host's filesystem mounted. Reaching the kubelet or etcd hands out every pod and every cluster secret. Together with a leaked token for the vulnerable endpoint, this is the full path from one credential to the host.",
        evidence: "GET /api/v2/fetch/?url=http://127.0.0.1:2375/version → 200 `{\"Platform\":{\"Name\":\"Docker Engine - Community\"},…,\"ApiVersion\":\"1.43\",\"MinAPIVersion\":\"1.12\"…}`.",
        remediation: "Fix the SSRF (allow-list destinations, refuse loopback, private and link-local addresses after resolution and after redirects), and independently: do not expose the Docker daemon on TCP (use the Unix socket, never mounted into application containers), bind the kubelet and etcd to private interfaces with authentication on, and give the application's network no route to them.",
        remediation_django: Some("Validate fetch URLs in the serializer against an allow-list and refuse `ipaddress.ip_address(...).is_loopback/is_private/is_link_local` after resolving them; remove `DOCKER_HOST=tcp://…` from the application's environment and the docker.sock mount from its compose service."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
            "https://docs.docker.com/engine/security/protect-access/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/918.html",
        ],
    },
};

/// The services probed, in order.
const SERVICES: &[Service] = &[
    Service::DockerEngine,
    Service::Kubelet,
    Service::Etcd,
    Service::KubernetesApi,
];

#[async_trait]
impl Check for SsrfReachesRuntime {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let per_candidate = 3 + probes_per_candidate(ctx);
        let mut findings = Vec::new();
        for cand in candidates(ctx, &SSRF_HUNT) {
            if !has_budget(ctx, per_candidate) {
                break;
            }
            let Some(prep) = prepare(ctx, cand).await else {
                continue;
            };
            let probe = callback_probe(ctx, &prep, None, None).await;
            if !worth_internal_probes(ctx, &prep, probe.as_ref()) {
                continue;
            }
            for service in SERVICES {
                if let Some(r) = first_reached(ctx, &prep, *service).await {
                    findings.push(finding(ctx, &prep, &r));
                }
            }
        }
        Ok(findings)
    }
}

/// Internal-target probes one candidate costs at most.
fn probes_per_candidate(ctx: &CheckCtx) -> u32 {
    let n: usize = SERVICES
        .iter()
        .map(|s| {
            let forms = ctx
                .reach()
                .internal_targets()
                .iter()
                .filter(|t| t.service == *s);
            forms.count().min(MAX_FORMS)
        })
        .sum();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn finding(ctx: &CheckCtx, prep: &Prepared, r: &Reached) -> Finding {
    let service = r.target.service;
    let escape = if service == Service::DockerEngine {
        " (container escape)"
    } else {
        ""
    };
    let title = format!(
        "SSRF through `{}` reaches the {}{escape}",
        prep.cand.param,
        service.name()
    );
    reached_finding(&META, prep, r, title, ctx.redactor()).with_key(service.key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oast::fake_target::{self, Fake, Mode};
    use crate::oast::InternalTarget;
    use crate::testkit::{serve, RawResponse};

    const VERSION: &str = r#"{"Version":"24.0.7","ApiVersion":"1.43","MinAPIVersion":"1.12","GoVersion":"go1.20.10"}"#;

    async fn docker_stand_in() -> Vec<InternalTarget> {
        let docker = serve(|req| match req.path.as_str() {
            "/version" => RawResponse::new(200, VERSION),
            _ => RawResponse::new(404, r#"{"message":"page not found"}"#),
        })
        .await;
        let url = url::Url::parse(&format!("http://{docker}/version")).expect("url");
        InternalTarget::with_stand_ins(&[(Service::DockerEngine, url)])
    }

    #[tokio::test]
    async fn fires_when_the_fetcher_reaches_docker() {
        let (addr, _) = fake_target::serve(Fake::new(Mode::Reflect)).await;
        let internal = docker_stand_in().await;
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://e.example/"], internal, &META).await;
        let f = SsrfReachesRuntime.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].title.contains("Docker Engine API (container escape)"));
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_the_fetcher_refuses_or_is_blind() {
        for mode in [Mode::Refuse, Mode::Blind] {
            let (addr, _) = fake_target::serve(Fake::new(mode)).await;
            let internal = docker_stand_in().await;
            let (_e, ctx) =
                fake_target::ctx(addr, &["/fetch?url=https://e.example/"], internal, &META).await;
            assert!(
                SsrfReachesRuntime.run(&ctx).await.expect("run").is_empty(),
                "{mode:?}"
            );
        }
    }
}
