//! Loading a bitnami-scale repository index (2,000 charts × 20 versions, ~46 MB, made by
//! `../shared/testbed/gen-large-index.py`) with the operator and with real Helm v4.2.3 in one
//! run: both download it from the same local HTTP server and load it; the run prints each
//! side's median time and peak memory and the ratios. Our side is `load_index`, what a
//! repository sync runs: download, inflate, hash and parse at once, never holding the whole
//! document.
//!
//! Every load runs in a fresh process (both sides), and the memory reported is the worst
//! load's peak above its process's start. Several loads in one process would measure the
//! allocator's reuse of the previous load's freed memory instead: mimalloc v3 keeps freed
//! pages for a second and reserves address-space chunks per size class, so a second load in
//! the same process may or may not land on the first one's pages.
//!
//! `cargo run --release --example index_speed -- [CHARTS] [VERSIONS] [RUNS]`
//! (defaults 2000, 20, 3; needs `../shared` and the `.venv` with `helm_python`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use helm_operator::source::http::{IndexLoad, IndexRequest, RepoTls, client, load_index};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `VmHWM` and `VmRSS` of this process, KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The operator's side, in its own process: download and load once.
fn ours(url: &str) {
    let (_, baseline) = memory_kib();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = client(&RepoTls::default(), Duration::from_secs(120)).unwrap();
    let start = Instant::now();
    let loaded = runtime
        .block_on(load_index(
            &http,
            &IndexRequest {
                repo_url: url,
                auth: None,
                etag: None,
                last_modified: None,
                max_bytes: 200 << 20,
                timeout: Duration::from_secs(120),
            },
        ))
        .expect("the index loads");
    let seconds = start.elapsed().as_secs_f64();
    let IndexLoad::Loaded { index, .. } = loaded else {
        panic!("no index")
    };
    let versions = index.entries.values().map(Vec::len).sum::<usize>();
    let (peak, _) = memory_kib();
    println!(
        "{{\"seconds\": {seconds}, \"versions\": {versions}, \"peak_kib\": {peak}, \"baseline_kib\": {baseline}}}"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--ours") {
        ours(&args[1]);
        return;
    }
    let charts = args.first().cloned().unwrap_or_else(|| "2000".into());
    let versions = args.get(1).cloned().unwrap_or_else(|| "20".into());
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let generator = repo_root().join("../shared/testbed/gen-large-index.py");
    let python = repo_root().join(".venv/bin/python");
    if !generator.exists() || !python.exists() {
        println!(
            "SKIPPED index_speed: needs {} and a venv with helm_python ({})",
            generator.display(),
            python.display()
        );
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("helm-operator-index-speed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("index.yaml");
    let made = Command::new("python3")
        .arg(&generator)
        .arg(&file)
        .args([&charts, &versions])
        .status()
        .expect("run the generator");
    assert!(made.success(), "gen-large-index.py failed");
    let size = std::fs::metadata(&file).unwrap().len();

    // one local server for both sides
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .arg("--directory")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the HTTP server");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("http://127.0.0.1:{port}");
    let mut our_runs = Vec::new();
    let mut helm_runs = Vec::new();
    for _ in 0..runs {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--ours", &url])
            .output()
            .expect("run our side");
        assert!(
            out.status.success(),
            "our side: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        our_runs.push(serde_json::from_slice(&out.stdout).expect("our side's report"));
        helm_runs.push(helm_side(&python, &url));
    }
    let _ = Command::new("kill").arg(server.id().to_string()).status();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let (our_s, our_used, our_peaks) = summary(&our_runs);
    let (helm_s, helm_used, helm_peaks) = summary(&helm_runs);
    println!(
        "index: {:.1} MB, {} versions (Helm saw {})",
        size as f64 / 1e6,
        our_runs[0]["versions"],
        helm_runs[0]["versions"]
    );
    println!(
        "download + load, median of {runs}: helm-operator {our_s:.3} s, Helm v4.2.3 {helm_s:.3} s -> {:.1}x faster",
        helm_s / our_s
    );
    println!(
        "peak memory above process start, worst of {runs} (each load in its own process): helm-operator {our_used:.1} MiB {our_peaks:?}, Helm {helm_used:.1} MiB {helm_peaks:?} -> {:.1}x leaner",
        helm_used / our_used.max(0.1)
    );
    let _ = std::io::stdout().flush();
}

/// Median seconds, worst peak above start (MiB) and every run's peak above start.
fn summary(runs: &[serde_json::Value]) -> (f64, f64, Vec<f64>) {
    let mib = |kib: &serde_json::Value| kib.as_f64().unwrap_or(0.0) / 1024.0;
    let mut times: Vec<f64> = runs
        .iter()
        .map(|r| r["seconds"].as_f64().unwrap())
        .collect();
    times.sort_by(f64::total_cmp);
    let peaks: Vec<f64> = runs
        .iter()
        .map(|r| ((mib(&r["peak_kib"]) - mib(&r["baseline_kib"])) * 10.0).round() / 10.0)
        .collect();
    let worst = peaks.iter().copied().fold(0.0, f64::max);
    (times[times.len() / 2], worst, peaks)
}

/// Real Helm's side in its own process (`helm_python.repo_index`: download, Helm's YAML load,
/// hand-off), once.
fn helm_side(python: &Path, url: &str) -> serde_json::Value {
    let script = r#"
import json, resource, sys, time
import helm_python as h
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
idx = h.repo_index(sys.argv[1])
seconds = time.perf_counter() - t
versions = sum(len(v) for v in idx["entries"].values())
print(json.dumps({"seconds": seconds, "versions": versions,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "baseline_kib": base}))
"#;
    let out = Command::new(python)
        .args(["-c", script, url])
        .output()
        .expect("run Helm");
    assert!(
        out.status.success(),
        "Helm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("Helm's report")
}
