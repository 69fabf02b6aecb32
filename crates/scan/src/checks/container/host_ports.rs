//! CONT-001: a container runtime or orchestrator API answers on the target's own host.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::Exchange;
use crate::oast::{HostService, Service, Signature};
use async_trait::async_trait;
use futures::StreamExt;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct HostPorts;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CONT-001"),
    name: "Container or orchestrator API exposed on the target's host",
    category: Category::ContainerHostExposure,
    severity: Severity::Critical,
    cwe: 306,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 12,
    docs: CheckDocs {
        what: "On the target's own host only (never another host), makes one GET each to the Docker Engine API on 2375 (http) and 2376 (https): `/version` and `/containers/json`; the kubelet on 10250 (https) and 10255 (http): `/pods`; etcd on 2379: `/version`; and the Kubernetes API on 6443 (https) and 8080 (http): anonymous `/api`. Each port is confirmed by its content signature: Docker's `ApiVersion`/`MinAPIVersion` document or container list (or its `Server: Docker/…` and `Api-Version` headers), a kubelet `PodList`, etcd's `etcdserver`/`etcdcluster`, a Kubernetes `APIVersions` document or a `Status` refusing `system:anonymous`. These origins are added to the scan scope at start; `--no-host-ports` turns the check off. HTTPS ports with self-signed certificates are only read with `--insecure`.",
        why: "An unauthenticated Docker Engine API is root on the host: `POST /containers/create` with the host's `/` bind-mounted. An anonymous kubelet runs commands in any pod, etcd holds every Kubernetes secret, and an anonymous API server hands out the cluster. Reachable from where the scanner stands, they are reachable for anyone holding a leaked token or an SSRF.",
        evidence: "GET http://api.example:2375/version → 200 `{\"Version\":\"24.0.7\",\"ApiVersion\":\"1.43\",\"MinAPIVersion\":\"1.12\",…}` with `Server: Docker/24.0.7 (linux)`.",
        remediation: "Never expose the Docker daemon on TCP without mutual TLS (`--tlsverify`); prefer the Unix socket, and do not mount it into containers. Bind kubelet, etcd and API server ports to private interfaces, disable the read-only kubelet port (`readOnlyPort: 0`), set `anonymous-auth=false`, require client certificates for etcd, and firewall all of them from untrusted networks.",
        remediation_django: None,
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://docs.docker.com/engine/security/protect-access/",
            "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/",
            "https://cwe.mitre.org/data/definitions/306.html",
        ],
    },
};

/// Probes in flight at once (ports that drop packets cost a connect timeout each).
const CONCURRENCY: usize = 4;

#[async_trait]
impl Check for HostPorts {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let services = ctx.reach().host_services();
        if services.is_empty() {
            return Err(CheckError::Skipped(
                "no host ports to probe (--no-host-ports, or an empty port list)".into(),
            ));
        }
        let probes = plan(&ctx.target().url, services, META.budget as usize);
        let answers: Vec<Option<(HostService, Arc<Exchange>)>> = futures::stream::iter(probes)
            .map(|(svc, url)| async move {
                match ctx.get(url).await {
                    Ok(ex) => Some((svc, ex)),
                    Err(e) => {
                        tracing::debug!(error = %e, "host port probe: no answer");
                        None
                    }
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut findings = Vec::new();
        let mut reported = Vec::new();
        for (svc, ex) in answers.into_iter().flatten() {
            let key = format!("{}:{}", svc.scheme, svc.port);
            if reported.contains(&key) {
                continue; // one finding per port
            }
            if let Some(sig) = recognise(svc.service, &ex) {
                findings.push(finding(ctx, &svc, &ex, &sig, &key));
                reported.push(key);
            }
        }
        Ok(findings)
    }
}

/// `(service, URL)` for every path of every service on the target's host, at most `max`.
fn plan(target: &Url, services: &[HostService], max: usize) -> Vec<(HostService, Url)> {
    services
        .iter()
        .filter_map(|s| s.origin_on(target).map(|o| (s, o)))
        .flat_map(|(s, origin)| {
            s.service
                .host_paths()
                .iter()
                .filter_map(move |p| origin.join(p).ok().map(|u| (s.clone(), u)))
        })
        .take(max)
        .collect()
}

/// The body's signature, or for Docker its response headers.
fn recognise(service: Service, ex: &Exchange) -> Option<Signature> {
    if let Some(sig) = service.recognise(&ex.response.text()) {
        return Some(sig);
    }
    let server = ex.response.header("server").unwrap_or_default();
    let api = ex.response.header("api-version")?;
    (service == Service::DockerEngine && server.starts_with("Docker/")).then(|| Signature {
        matched: String::new(),
        description: format!("Docker Engine headers (`Server: {server}`, `Api-Version: {api}`)"),
        full_access: false,
    })
}

fn finding(
    ctx: &CheckCtx,
    svc: &HostService,
    ex: &Exchange,
    sig: &Signature,
    key: &str,
) -> Finding {
    let host = ctx.target().url.host_str().unwrap_or_default().to_string();
    let (severity, how) = match (sig.full_access, svc.service) {
        (true, _) => (Severity::Critical, "answers without authentication"),
        (false, Service::DockerEngine) => {
            (Severity::High, "answers (its API refused this request)")
        }
        (false, _) => (Severity::Low, "is reachable (anonymous access refused)"),
    };
    let title = format!("{} on {host}:{} {how}", svc.service.name(), svc.port);
    let highlight = (!sig.matched.is_empty()).then_some(sig.matched.as_str());
    ctx.finding(ex, title, highlight)
        .with_key(key)
        .with_severity(severity)
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "{} in the answer to GET {}",
            sig.description,
            ex.request.url.path()
        ))
        .with_fact(format!(
            "port {} of the target's own host ({})",
            svc.port, svc.scheme
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, EngineConfig, Scope};
    use crate::oast::{Reach, ReachOptions};
    use crate::recon::{Soft404, TargetInfo};
    use crate::testkit::{serve, RawResponse};
    use crate::Profile;

    const VERSION: &str = r#"{"Version":"24.0.7","ApiVersion":"1.43","MinAPIVersion":"1.12","GoVersion":"go1.20.10","Os":"linux"}"#;

    /// A context on `target` with `services` on its host, their origins in scope the
    /// way the scanner adds them.
    fn ctx(target: &str, services: Vec<HostService>) -> CheckCtx {
        let target = Url::parse(target).expect("url");
        let opts = ReachOptions {
            host_services: services.clone(),
            ..ReachOptions::default()
        };
        let scope = Scope::new(&target, &opts.host_origins(&target)).expect("scope");
        let engine = Engine::new(EngineConfig::default(), scope, vec![], false).expect("engine");
        let info = TargetInfo {
            url: target.clone(),
            technologies: vec![],
            soft404: Soft404::default(),
            primary_identity: None,
            identities: vec![],
            routes: vec![target],
            spec: None,
        };
        let reach = Reach::new(None, vec![], services);
        CheckCtx::new(engine, &META, Arc::new(info), Profile::Standard).with_reach(Arc::new(reach))
    }

    #[tokio::test]
    async fn fires_on_an_unauthenticated_docker_api() {
        let docker = serve(|req| match req.path.as_str() {
            "/version" => RawResponse::new(200, VERSION).header("server", "Docker/24.0.7 (linux)"),
            _ => RawResponse::new(404, r#"{"message":"page not found"}"#),
        })
        .await;
        let target = serve(|_| RawResponse::new(200, "{}")).await;
        let c = ctx(
            &format!("http://{target}/"),
            vec![HostService::docker(docker.port())],
        );
        let f = HostPorts.run(&c).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].title.contains(&format!(":{}", docker.port())));
        assert_eq!(c.requests_made(), 2, "/version and /containers/json");
    }

    #[tokio::test]
    async fn silent_on_ordinary_services_and_closed_ports() {
        let web = serve(|_| RawResponse::new(200, r#"{"version":"1.0","api":"ok"}"#)).await;
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let closed_port = closed.local_addr().expect("addr").port();
        drop(closed);
        let services = vec![
            HostService::docker(web.port()),
            HostService::new(Service::KubernetesApi, "http", web.port()),
            HostService::docker(closed_port),
        ];
        let c = ctx(&format!("http://{web}/"), services);
        assert!(HostPorts.run(&c).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn skipped_when_host_ports_are_off() {
        let c = ctx("http://127.0.0.1:9/", vec![]);
        assert!(matches!(
            HostPorts.run(&c).await,
            Err(CheckError::Skipped(_))
        ));
    }

    #[test]
    fn only_the_targets_host_is_planned() {
        let t = Url::parse("https://api.example/v1/").expect("url");
        let p = plan(&t, &HostService::defaults(), 100);
        assert_eq!(p.len(), 9);
        assert!(p.iter().all(|(_, u)| u.host_str() == Some("api.example")));
        assert_eq!(plan(&t, &HostService::defaults(), 3).len(), 3);
    }
}
