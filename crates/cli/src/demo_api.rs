//! The demo API behind `tollgate demo`: a tiny shop API with weaknesses planted on
//! purpose, bound to 127.0.0.1 on a free port.
//!
//! Planted: no nosniff / frame protection on HTML, a reflected CORS origin with
//! credentials, a session cookie without flags, a version-leaking `Server` header,
//! DELETE advertised to anonymous callers, and plain http.

use axum::extract::Request;
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
