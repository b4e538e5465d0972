//! The emulator must never be the bottleneck of a scale test: writes per second through real
//! kube-rs clients while 200 watches stream the changes, measured in-process on this machine.
//! The goal (the anchor) is 5,000 writes/s with 200 concurrent watches; the run prints its ratio.
//!
//! `cargo bench --bench emulator_throughput` measures; under `cargo test` it runs a small pass.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams, WatchEvent, WatchParams};
use kube_emulator::{Emulator, EmulatorConfig};
use serde_json::json;

const GOAL_WRITES_PER_SECOND: f64 = 5_000.0;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (writes, watches, writers) = if measuring {
        (20_000, 200, 64)
    } else {
        (400, 20, 8)
    };
    let emulator = Emulator::start(EmulatorConfig {
        history_capacity: writes * 2,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&emulator.kubeconfig()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let namespaces = 20;
    let ns_api: Api<Namespace> = Api::all(client.clone());
    for i in 0..namespaces {
        ns_api
            .create(
                &PostParams::default(),
                &serde_json::from_value(json!({"metadata": {"name": format!("bench-{i}")}}))
                    .unwrap(),
            )
            .await
            .unwrap();
    }
    // watches spread over the namespaces, each counting the ADDED events it receives
    let seen = Arc::new(AtomicUsize::new(0));
    let mut watch_tasks = Vec::new();
    for w in 0..watches {
        let api: Api<ConfigMap> =
            Api::namespaced(client.clone(), &format!("bench-{}", w % namespaces));
        let seen = Arc::clone(&seen);
        let stream = api
            .watch(&WatchParams::default().timeout(290), "0")
            .await
            .unwrap();
        watch_tasks.push(tokio::spawn(async move {
            let mut stream = stream.boxed();
            while let Some(Ok(event)) = stream.next().await {
                if matches!(event, WatchEvent::Added(_)) {
                    seen.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let start = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let client = client.clone();
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= writes {
                    return;
                }
                let api: Api<ConfigMap> = Api::namespaced(client.clone(), &format!("bench-{}", i % namespaces));
                let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": format!("cm-{i}"), "labels": {"bench": "yes"}}, "data": {"i": i.to_string()}})).unwrap();
                api.create(&PostParams::default(), &cm).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = start.elapsed();
    // every watch sees every write in its namespace
    let expected = watches * writes / namespaces;
    let deadline = Instant::now() + Duration::from_secs(120);
    while seen.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = seen.load(Ordering::Relaxed);
    let delivery = start.elapsed();
    for t in watch_tasks {
        t.abort();
    }
    let rate = writes as f64 / elapsed.as_secs_f64();
    println!(
        "kube-emulator throughput ({writes} creates by {writers} kube-rs writers, {watches} concurrent watches)"
    );
    println!("  writes/s                 : {rate:>10.0}");
    println!(
        "  ratio to the 5,000/s goal: {:>10.2}x",
        rate / GOAL_WRITES_PER_SECOND
    );
    println!(
        "  watch events delivered   : {delivered} of {expected} in {:.2} s",
        delivery.as_secs_f64()
    );
    assert_eq!(
        delivered, expected,
        "every watch must see every write of its namespace"
    );
}
