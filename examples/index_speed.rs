//! Loading a bitnami-scale repository index (2,000 charts × 20 versions, ~46 MB, made by
//! `../shared/testbed/gen-large-index.py`) with the operator and with real Helm v4.2.3 in one
//! run: both download it from the same local HTTP server and load it; the run prints each
//! side's median time and peak memory (each in its own process) and the ratios.
//!
//! `cargo run --release --example index_speed -- [CHARTS] [VERSIONS] [RUNS]`
//! (defaults 2000, 20, 3; needs `../shared` and the `.venv` with `helm_python`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use helm_operator::source::http::{IndexFetch, IndexRequest, RepoTls, client, fetch_index};
use helm_operator::source::index::parse_index;

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

/// The operator's side, in its own process: download and load `runs` times.
fn ours(url: &str, runs: usize) {
    let (_, baseline) = memory_kib();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = client(&RepoTls::default(), Duration::from_secs(120)).unwrap();
    let mut times = Vec::new();
    let mut versions = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let fetched = runtime
            .block_on(fetch_index(
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
            .expect("download");
        let IndexFetch::Fetched { body, .. } = fetched else {
            panic!("no index")
        };
        let index = parse_index(&body, 200 << 20).expect("the index loads");
        drop(body);
        times.push(start.elapsed().as_secs_f64());
        versions = index.entries.values().map(Vec::len).sum::<usize>();
    }
    times.sort_by(f64::total_cmp);
    let (peak, _) = memory_kib();
    println!(
        "{{\"median_s\": {}, \"versions\": {versions}, \"peak_kib\": {peak}, \"baseline_kib\": {baseline}}}",
        times[times.len() / 2]
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--ours") {
        ours(&args[1], args[2].parse().unwrap());
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
    let ours_out = Command::new(std::env::current_exe().unwrap())
        .args(["--ours", &url, &runs.to_string()])
        .output()
        .expect("run our side");
    let helm = helm_side(&python, &url, runs);
    let _ = Command::new("kill").arg(server.id().to_string()).status();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let ours: serde_json::Value =
        serde_json::from_slice(&ours_out.stdout).expect("our side's report");
    let mib = |kib: &serde_json::Value| kib.as_f64().unwrap_or(0.0) / 1024.0;
    let (our_s, helm_s) = (
        ours["median_s"].as_f64().unwrap(),
        helm["median_s"].as_f64().unwrap(),
    );
    let (our_peak, helm_peak) = (mib(&ours["peak_kib"]), mib(&helm["peak_kib"]));
    let (our_used, helm_used) = (
        our_peak - mib(&ours["baseline_kib"]),
        helm_peak - mib(&helm["baseline_kib"]),
    );
    println!(
        "index: {:.1} MB, {} versions (Helm saw {})",
        size as f64 / 1e6,
        ours["versions"],
        helm["versions"]
    );
    println!(
        "download + load, median of {runs}: helm-operator {our_s:.3} s, Helm v4.2.3 {helm_s:.3} s -> {:.1}x faster",
        helm_s / our_s
    );
    println!(
        "peak memory: helm-operator {our_peak:.1} MiB ({our_used:.1} above its start), Helm {helm_peak:.1} MiB ({helm_used:.1} above its start) -> {:.1}x leaner",
        helm_used / our_used.max(0.1)
    );
    let _ = std::io::stdout().flush();
}

/// Real Helm's side (`helm_python.repo_index`: download, Helm's YAML load, hand-off).
fn helm_side(python: &Path, url: &str, runs: usize) -> serde_json::Value {
    let script = r#"
import json, resource, statistics, sys, time
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import helm_python as h
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    idx = h.repo_index(sys.argv[1])
    times.append(time.perf_counter() - t)
    versions = sum(len(v) for v in idx["entries"].values())
    del idx
print(json.dumps({"median_s": statistics.median(times), "versions": versions,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "baseline_kib": base}))
"#;
    let out = Command::new(python)
        .args(["-c", script, url, &runs.to_string()])
        .output()
        .expect("run Helm");
    assert!(
        out.status.success(),
        "Helm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("Helm's report")
}
