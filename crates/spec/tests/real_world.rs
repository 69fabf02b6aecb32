//! Real-world documents of every version, a multi-file document, and a generated one
//! with deep reference chains.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{fixture, fixture_dir, generated};
use tollgate_spec::{
    dir_loader, no_files, parse, ApiModel, Method, ParamLocation, SchemaType, SecuritySchemeKind,
    SecuritySource, SpecError, SpecVersion,
};

fn op<'a>(api: &'a ApiModel, method: Method, path: &str) -> &'a tollgate_spec::Operation {
    api.operations
        .iter()
        .find(|o| o.method == method && o.path == path)
        .unwrap_or_else(|| panic!("{method} {path} not in the model"))
}

fn prop_names(api: &ApiModel, id: tollgate_spec::SchemaId) -> Vec<String> {
    api.properties(id).into_iter().map(|(n, _)| n).collect()
}

#[test]
fn swagger2_kubernetes() {
    let api = parse(&fixture("swagger2/kubernetes-1.13.json.gz"), no_files).expect("k8s");
    assert_eq!(api.version, SpecVersion::Swagger2);
    assert_eq!(api.api_version, "v1.13.4");
    assert!(api.operations.len() > 900, "{}", api.operations.len());
    let pods = op(&api, Method::Get, "/api/v1/namespaces/{namespace}/pods");
    let ns = pods
        .parameters
        .iter()
        .find(|p| p.name == "namespace")
        .expect("path-level parameter merged in");
    assert_eq!(ns.location, ParamLocation::Path);
    assert!(ns.required);
    assert!(pods
        .params_in(ParamLocation::Query)
        .any(|p| p.name == "limit"));
    let list = pods.success_schemas()[0];
    assert_eq!(
        api.schema(list).name.as_deref(),
        Some("io.k8s.api.core.v1.PodList")
    );
    let items = api
        .properties(list)
        .into_iter()
        .find(|(n, _)| n == "items")
        .expect("items")
        .1;
    let pod = api.array_items(items).expect("array of pods");
    assert_eq!(
        api.schema(pod).name.as_deref(),
        Some("io.k8s.api.core.v1.Pod")
    );
    assert!(prop_names(&api, pod).contains(&"spec".to_string()));
    let create = op(&api, Method::Post, "/api/v1/namespaces/{namespace}/pods");
    let body = create.request_body.as_ref().expect("body parameter");
    assert_eq!(
        api.schema(body.content[0].schema.unwrap()).name.as_deref(),
        Some("io.k8s.api.core.v1.Pod")
    );
    assert!(matches!(
        api.security_schemes.iter().find(|s| s.name == "BearerToken").map(|s| &s.kind),
        Some(SecuritySchemeKind::ApiKey { location, .. }) if location == "header"
    ));
    assert_eq!(pods.security_source, SecuritySource::Global);
    assert_eq!(api.servers[0].url, "/");
    assert!(
        api.operations.iter().any(|o| o.deprecated) || api.operations.iter().all(|o| !o.deprecated)
    );
}

#[test]
fn swagger2_yaml_examples_and_cycles() {
    let api = parse(&fixture("swagger2/api-with-examples.yaml"), no_files).expect("yaml 2.0");
    assert_eq!(api.version, SpecVersion::Swagger2);
    assert!(!api.operations.is_empty());
    let api = parse(&fixture("swagger2/schema-circular.yaml"), no_files).expect("circular 2.0");
    assert!(api.warnings.is_empty(), "{:?}", api.warnings);
    // Some schema reaches itself through its properties.
    let cyclic = (0..api.schemas.len())
        .map(tollgate_spec::SchemaId)
        .any(|id| {
            api.properties(id).iter().any(|(_, p)| {
                *p == id
                    || api.array_items(*p) == Some(id)
                    || api.properties(*p).iter().any(|(_, q)| *q == id)
            })
        });
    assert!(
        cyclic,
        "the circular definitions resolve to ids pointing back"
    );
}

#[test]
fn openapi30_github_large_with_deep_refs() {
    let api = parse(&fixture("oas30/github-api.json.gz"), no_files).expect("github");
    assert_eq!(api.version, SpecVersion::OpenApi30);
    assert!(api.operations.len() > 1000, "{}", api.operations.len());
    assert!(
        api.warnings.is_empty(),
        "{:?}",
        &api.warnings[..api.warnings.len().min(5)]
    );
    let repo = op(&api, Method::Get, "/repos/{owner}/{repo}");
    assert_eq!(
        repo.params_in(ParamLocation::Path)
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["owner", "repo"]
    );
    let full = repo.success_schemas()[0];
    assert_eq!(api.schema(full).name.as_deref(), Some("full-repository"));
    let props = api.properties(full);
    let owner = props.iter().find(|(n, _)| n == "owner").expect("owner").1;
    assert_eq!(api.schema(owner).name.as_deref(), Some("simple-user"));
    assert!(
        api.operations.iter().any(|o| o.deprecated),
        "GitHub marks some operations deprecated"
    );
    assert_eq!(api.servers[0].url, "https://api.github.com");
}

#[test]
fn openapi30_yaml_documents() {
    let api = parse(&fixture("oas30/star-trek.yaml.gz"), no_files).expect("stapi");
    assert_eq!(api.base_path(), "/api/v1/rest");
    assert_eq!(api.servers[0].scheme().as_deref(), Some("http"));
    let animal = op(&api, Method::Get, "/animal");
    let uid = animal
        .parameters
        .iter()
        .find(|p| p.name == "uid")
        .expect("uid");
    assert!(uid.required);
    let api = parse(&fixture("oas30/uspto.yaml"), no_files).expect("uspto");
    assert!(api.operations.len() >= 3);
    let search = api
        .operations
        .iter()
        .find(|o| o.method == Method::Post)
        .expect("search");
    let body = search.request_body.as_ref().expect("form body");
    assert!(body.content[0].media_type.contains("form"));
}

#[test]
fn openapi31_readme() {
    let api = parse(&fixture("oas31/readme.json.gz"), no_files).expect("readme");
    assert_eq!(api.version, SpecVersion::OpenApi31);
    assert!(api.operations.len() > 30, "{}", api.operations.len());
    assert!(!api.security_schemes.is_empty());
    assert!(api.operations.iter().any(|o| !o.security.is_empty()));
    assert!(
        api.operations.iter().any(|o| o.deprecated)
            || api.operations.iter().any(|o| o.request_body.is_some())
    );
}

#[test]
fn openapi31_webhooks_only_is_an_error_that_says_why() {
    let err = parse(&fixture("oas31/webhooks.yaml"), no_files).expect_err("no operations");
    assert!(matches!(err, SpecError::NoOperations { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("webhook"), "{text}");
}

#[test]
fn relative_file_references() {
    let dir = fixture_dir().join("multifile");
    let bytes = std::fs::read(dir.join("openapi.yaml")).expect("root");
    let api = parse(&bytes, dir_loader(&dir)).expect("multi-file");
    assert!(api.warnings.is_empty(), "{:?}", api.warnings);
    let list = op(&api, Method::Get, "/orders");
    assert_eq!(list.parameters[0].name, "page_size");
    let order = api
        .array_items(list.success_schemas()[0])
        .expect("array of orders");
    let detail = op(&api, Method::Get, "/orders/{id}");
    assert_eq!(
        detail.success_schemas()[0],
        order,
        "the same file resolves to the same schema"
    );
    assert_eq!(detail.parameters[0].location, ParamLocation::Path);
    let props = api.properties(order);
    let customer = props
        .iter()
        .find(|(n, _)| n == "customer")
        .expect("customer")
        .1;
    let address = api
        .properties(customer)
        .into_iter()
        .find(|(n, _)| n == "address")
        .expect("address")
        .1;
    assert_eq!(prop_names(&api, address), ["street"]);
    let lines = props.iter().find(|(n, _)| n == "lines").expect("lines").1;
    let line = api.array_items(lines).expect("line");
    let back = api
        .properties(line)
        .into_iter()
        .find(|(n, _)| n == "order")
        .expect("order")
        .1;
    assert_eq!(back, order, "the cycle through two files closes");
    let not_found = detail
        .responses
        .iter()
        .find(|r| r.status == "404")
        .expect("404");
    assert_eq!(
        prop_names(&api, not_found.content[0].schema.unwrap()),
        ["detail"]
    );
    // Without a loader the same document still parses, with warnings.
    let api = parse(&bytes, no_files).expect("degrades");
    assert!(!api.warnings.is_empty());
    assert_eq!(
        api.operations.len(),
        1,
        "the path item in another file is skipped"
    );
}

#[test]
fn generated_deep_reference_chains() {
    let doc = generated(400, 2_000, 200);
    let api = parse(doc.as_bytes(), no_files).expect("generated");
    assert!(
        api.warnings.is_empty(),
        "{:?}",
        &api.warnings[..api.warnings.len().min(3)]
    );
    assert_eq!(api.operations.len(), 800);
    // Walk the `next` chain: 2,000 distinct schemas, then back to the start.
    let first = api
        .array_items(op(&api, Method::Get, "/r0/").success_schemas()[0])
        .expect("items");
    let mut id = first;
    for _ in 0..2_000 {
        id = api
            .properties(id)
            .into_iter()
            .find(|(n, _)| n == "next")
            .expect("next")
            .1;
    }
    assert_eq!(id, first);
    // The 200-hop alias chain ends at S0 too.
    let tags = api
        .properties(first)
        .into_iter()
        .find(|(n, _)| n == "tags")
        .expect("tags")
        .1;
    assert_eq!(api.array_items(tags), Some(first));
    assert!(api.schema(first).has_type(SchemaType::Object));
}

#[test]
fn testbed_document() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testbeds/django/openapi.json");
    let api = parse(&std::fs::read(path).expect("testbed spec"), no_files).expect("testbed");
    assert_eq!(api.version, SpecVersion::OpenApi30);
    let products = op(&api, Method::Get, "/api/v2/products/");
    assert!(products.allows_anonymous());
    assert_eq!(products.security_source, SecuritySource::Operation);
    let orders = op(&api, Method::Get, "/api/v2/orders/{id}/");
    assert!(!orders.allows_anonymous());
    assert!(orders.matches_path("/api/v2/orders/2/"));
    assert_eq!(
        api.find_operation(Method::Get, "/api/v2/orders/2/")
            .map(|o| o.path.as_str()),
        Some("/api/v2/orders/{id}/")
    );
    let admin_users = op(&api, Method::Get, "/api/v2/admin/users/");
    let page = admin_users.success_schemas()[0];
    let results = api
        .properties(page)
        .into_iter()
        .find(|(n, _)| n == "results")
        .expect("results")
        .1;
    let user = api.array_items(results).expect("users");
    let names = prop_names(&api, user);
    assert!(
        names.contains(&"is_staff".to_string()) && names.contains(&"email".to_string()),
        "allOf merged: {names:?}"
    );
    assert!(api.unused_security_schemes().is_empty());
}
