//! A minimal keep-alive HTTP/1.1 server for `scripts/bench-engine`: answers every
//! request with `200 ok`, reusing connections (and answering pipelined requests) until
//! the client closes. Loopback only.
//!
//! Usage: `bench_server [PORT]` (default 0 = any free port). Prints `listening on
//! 127.0.0.1:PORT` once ready, then serves until killed.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok";
const RESPONSE_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nok";
/// Largest request head buffered; a client sending more is disconnected.
const HEAD_CAP: usize = 64 * 1024;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    loop {
        let (sock, _) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = serve(sock).await {
                if e.kind() != std::io::ErrorKind::ConnectionReset {
                    eprintln!("connection error: {e}");
                }
            }
        });
    }
}

async fn serve(mut sock: TcpStream) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let mut out = Vec::with_capacity(4096);
    loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        // Answer every complete request head in the buffer (pipelining).
        let mut close = false;
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = &buf[..end];
            close = wants_close(head);
            let body = content_length(head);
            let consumed = end + 4 + body;
            if buf.len() < consumed {
                break;
            }
            out.extend_from_slice(if close { RESPONSE_CLOSE } else { RESPONSE });
            buf.drain(..consumed);
            if close {
                break;
            }
        }
        if !out.is_empty() {
            sock.write_all(&out).await?;
            out.clear();
        }
        if close {
            return sock.shutdown().await;
        }
        if buf.len() > HEAD_CAP {
            return Ok(());
        }
    }
}

fn header<'a>(head: &'a [u8], name: &str) -> Option<&'a str> {
    std::str::from_utf8(head)
        .ok()?
        .split("\r\n")
        .skip(1)
        .find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
}

fn wants_close(head: &[u8]) -> bool {
    let http10 = head.windows(8).any(|w| w == b"HTTP/1.0");
    match header(head, "connection") {
        Some(v) if v.eq_ignore_ascii_case("close") => true,
        Some(v) if v.eq_ignore_ascii_case("keep-alive") => false,
        _ => http10,
    }
}

fn content_length(head: &[u8]) -> usize {
    header(head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(HEAD_CAP)
}
