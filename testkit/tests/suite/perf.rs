//! Timings (ignored by default; run in release for meaningful numbers):
//! `cargo test --release -p testkit --test suite perf -- --ignored --nocapture`

use std::io::{Read, Write};
use std::time::Instant;

use testkit::{GenOptions, KubeSim};

fn get_len(port: u16, path: &str) -> usize {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    out.len()
}

#[test]
#[ignore = "timing figures, not assertions: run in release with --ignored --nocapture"]
fn timings() {
    let t = Instant::now();
    let empty = KubeSim::start();
    println!("start (empty): {:?}", t.elapsed());
    drop(empty);

    let n = std::env::var("PODS")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(10_000);
    let t = Instant::now();
    let c = testkit::generate_cluster(&GenOptions {
        pods: n,
        ..Default::default()
    });
    println!("generate {n} pods: {:?} ({} objects)", t.elapsed(), c.len());
    let t = Instant::now();
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: n,
            ..Default::default()
        })
        .start()
        .unwrap();
    println!("start with {n} generated pods: {:?}", t.elapsed());
    let t = Instant::now();
    let bytes = get_len(sim.port(), "/api/v1/pods");
    let e = t.elapsed();
    println!(
        "full pod list: {} MB in {e:?} ({:.0} MB/s, {:.0} pods/s)",
        bytes / 1_000_000,
        bytes as f64 / 1e6 / e.as_secs_f64(),
        n as f64 / e.as_secs_f64()
    );
    let t = Instant::now();
    let mut cont = String::new();
    let mut pages = 0;
    loop {
        let path = if cont.is_empty() {
            "/api/v1/pods?limit=500".to_string()
        } else {
            format!("/api/v1/pods?limit=500&continue={cont}")
        };
        let mut s = std::net::TcpStream::connect(("127.0.0.1", sim.port())).unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        pages += 1;
        let body = out.split_once("\r\n\r\n").unwrap().1;
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        match v["metadata"]["continue"].as_str() {
            Some(c) => cont = c.to_string(),
            None => break,
        }
    }
    println!(
        "paged list (500/page, client parses JSON): {pages} pages in {:?}",
        t.elapsed()
    );
}

#[test]
#[ignore = "timing figures, not assertions: run in release with --ignored --nocapture"]
fn micro() {
    let c = testkit::generate_cluster(&GenOptions {
        pods: 50,
        ..Default::default()
    });
    let objs = c.objects();
    let pod = objs
        .iter()
        .rev()
        .find(|o| {
            o["kind"] == "Pod"
                && o["metadata"]["annotations"]["sidecar.istio.io/status"].is_string()
        })
        .unwrap()
        .clone();
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(pod.clone());
    }
    println!("clone pod value: {:?}", t.elapsed() / 1000);
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(serde_json::to_vec(&pod).unwrap());
    }
    println!(
        "serialize pod: {:?} ({} bytes)",
        t.elapsed() / 1000,
        serde_json::to_vec(&pod).unwrap().len()
    );
    let bytes = serde_json::to_vec(&pod).unwrap();
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
    }
    println!("parse pod: {:?}", t.elapsed() / 1000);
    let t = Instant::now();
    for i in 0..100 {
        std::hint::black_box(testkit::generate_cluster(&GenOptions {
            pods: 10,
            seed: i,
            ..Default::default()
        }));
    }
    println!("generate 10-pod cluster: {:?}", t.elapsed() / 100);
}
