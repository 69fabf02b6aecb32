//! The demo API behind `tollgate demo`: a tiny shop API with weaknesses planted on
//! purpose, bound to 127.0.0.1 on a free port.
//!
//! Planted: a Python traceback that prints environment variables (a GitHub token and
//! DOCKER_HOST) when a product id is not a number, a served `.env`, a public access log
//! with bearer tokens, no nosniff / frame protection on HTML, a reflected CORS origin
//! with credentials, a session cookie without flags, a version-leaking `Server`
//! header, DELETE advertised to anonymous callers, and plain http.
//!
//! Every secret here is fake, made for the demo in the formats real ones use.

use axum::extract::{Path, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;

/// Starts the demo API and returns its address.
pub async fn start() -> std::io::Result<SocketAddr> {
    let app = Router::new()
        .route("/", get(home).options(options))
        .route("/api/products", get(products))
        .route("/api/products/{id}", get(product))
        .route("/.env", get(dotenv))
        .route("/logs/access.log", get(access_log))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(weak_headers));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "demo API stopped");
        }
    });
    Ok(addr)
}

async fn home() -> Response {
    let html = "<!doctype html><html><head><title>Demo shop API</title></head><body><h1>Demo shop API</h1><p>Try <a href=\"/api/products\">/api/products</a>.</p></body></html>";
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("shop_session=demo-5f2c9a; Path=/"),
    );
    r
}

async fn products() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"[{"id":1,"name":"mug","price":9.5},{"id":2,"name":"hat","price":19}]"#,
    )
        .into_response()
}

const FAKE_PAT: &str = "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";
const FAKE_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiIsImV4cCI6MTk5OTk5OTk5OX0.dGhpcy1pcy1hLWZha2UtZGVtby1zaWduYXR1cmUtMTIz";

async fn product(Path(id): Path<String>) -> Response {
    if id.parse::<u32>().is_ok() {
        return (
            [(header::CONTENT_TYPE, "application/json")],
            format!(r#"{{"id":{id},"name":"mug"}}"#),
        )
            .into_response();
    }
    let page = format!(
        "<html><body><h1>Internal Server Error</h1><pre>Traceback (most recent call last):\n  File \"/app/shop/views.py\", line 42, in product\n    pk = int(request.path.split('/')[-1])\nValueError: invalid literal for int() with base 10: '{}'\n\nEnvironment:\n  DEPLOY_GITHUB_PAT={FAKE_PAT}\n  DOCKER_HOST=tcp://10.0.0.1:2375\n</pre></body></html>",
        id.replace('<', "&lt;")
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

async fn dotenv() -> Response {
    let body = format!("DJANGO_SECRET_KEY=django-insecure-3kz9x7w2q8v5t1r6y4u0p9o8i7u6y5t4r3e2w1q0a9s8d7f6\nDATABASE_URL=postgres://shop:S3cr3t-demo-pass@db.internal:5432/shop\nDEPLOY_GITHUB_PAT={FAKE_PAT}\n");
    ([(header::CONTENT_TYPE, "text/plain")], body).into_response()
}

async fn access_log() -> Response {
    let body = format!(
        "127.0.0.1 - - [29/Nov/2026:10:00:00 +0000] \"GET /api/products HTTP/1.1\" 200 81 \"Authorization: Bearer {FAKE_JWT}\"\n\
         127.0.0.1 - - [29/Nov/2026:10:00:02 +0000] \"GET /api/products/1 HTTP/1.1\" 200 27 \"Authorization: Bearer {FAKE_JWT}\"\n"
    );
    ([(header::CONTENT_TYPE, "text/plain")], body).into_response()
}

async fn options() -> Response {
    (
        StatusCode::OK,
        [(header::ALLOW, "GET, HEAD, OPTIONS, PUT, DELETE")],
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"error":"not found"}"#,
    )
        .into_response()
}

/// Adds the weak headers every response carries.
async fn weak_headers(req: Request, next: axum::middleware::Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let is_options = req.method() == Method::OPTIONS;
    let mut resp = next.run(req).await;
    let h: &mut HeaderMap = resp.headers_mut();
    h.insert(
        header::SERVER,
        HeaderValue::from_static("DemoServer/1.4.2 Python/3.9.1"),
    );
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    if is_options {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, PUT, DELETE"),
        );
    }
    resp
}
