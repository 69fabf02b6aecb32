#![allow(clippy::print_stdout)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).expect("url");
    let mode = std::env::args().nth(2).unwrap_or_default();
    let n: u64 = 20000;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(16)
        .no_proxy()
        .build()
        .expect("client");
    let next = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let ws: Vec<_> = (0..16).map(|_| {
        let (c, next, url, mode) = (client.clone(), next.clone(), url.clone(), mode.clone());
        tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n { break; }
                let u = format!("{url}?i={i}");
                let r = c.get(&u).send().await.expect("send");
                if mode == "stream" {
                    use futures::StreamExt;
                    let mut s = r.bytes_stream();
                    while let Some(x) = s.next().await { x.expect("chunk"); }
                } else {
                    r.bytes().await.expect("body");
                }
            }
        })
    }).collect();
    for w in ws { w.await.expect("join"); }
    println!("rps={:.0}", n as f64 / t.elapsed().as_secs_f64());
}
