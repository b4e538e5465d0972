//! The scale benchmark of DESIGN §6: 1,000 small HelmReleases from `kubectl apply` to all
//! `Ready=True`, against the API emulator, with the operator's time, throughput, peak RSS and CPU
//! printed beside the anchor (Flux helm-controller's own benchmark: 1,000 small releases in
//! 4 m 39 s at 361 MiB) and the goal (≤60 s, ≤64 MiB per replica). The anchor cannot run here, so
//! the run states its published numbers and the ratios to them.
//!
//! Everything is a real process started and stopped (by PID) here: the `kube-emulator` binary,
//! nginx serving a one-chart repository (the chart is `benches/fixtures/release-scale/small`: a
//! ConfigMap, a one-replica Deployment and a Service), and the `helm-operator` binary with the
//! defaults a user gets. The releases are one multi-document `kubectl apply --server-side`; the
//! HelmReleases are then listed every 250 ms until all are Ready. Afterwards the result is checked
//! in the cluster: one release Secret per release, and for a sample their objects and values.
//!
//! `cargo bench --bench release_scale` measures 1,000 releases (`--releases N` after `--`, or
//! `RELEASES=N`, runs another count). Under `cargo test --benches` it runs a small smoke pass
//! with the debug operator and an in-process emulator, and judges nothing.

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

// nginx is started exactly as the integration tests start it; the module needs `Process`,
// `which`, `free_port` and `repo_root` from its parent, defined below.
#[allow(dead_code)]
#[path = "../tests/common/nginx.rs"]
mod nginx;

// what both scale benchmarks use
#[path = "common/scale.rs"]
mod scale;
#[allow(clippy::wildcard_imports)]
use scale::*;

/// The name messages start with.
const BENCH: &str = "release_scale";
/// Flux helm-controller's published benchmark: 1,000 small releases in 4 m 39 s.
const ANCHOR_SECONDS: f64 = 4.0 * 60.0 + 39.0;
/// ... at 361 MiB of memory.
const ANCHOR_RSS_MIB: f64 = 361.0;
/// DESIGN §6: ≤60 s on the emulator.
const GOAL_SECONDS: f64 = 60.0;
/// DESIGN §6: ≤64 MiB RSS per replica.
const GOAL_RSS_MIB: f64 = 64.0;
/// The release count the anchor and the goals are stated for.
const ANCHOR_RELEASES: usize = 1_000;
/// Releases are spread over this many namespaces.
const NAMESPACES: usize = 10;
/// Only a guard against a hang; not a performance assertion.
const READY_LIMIT: Duration = Duration::from_secs(600);
const POLL_EVERY: Duration = Duration::from_millis(250);
/// Releases whose objects are checked one by one after the run.
const VERIFY_SAMPLE: usize = 20;
const REPO_NAMESPACE: &str = "scale-charts";

fn main() {
    stop_children_on_signal();
    let options = Options::parse();
    let Some(tools) = Tools::find(options.measuring) else {
        return;
    };
    let run = Run::start(&options, &tools);
    let result = run.measure();
    let verification = run.verify(&result);
    print_summary(&options, &tools, &result, &verification);
    if let Some(failed) = result.failure() {
        panic!("release_scale: {failed}");
    }
    if let Some(problem) = verification.problem() {
        panic!("release_scale: the result is not real: {problem}");
    }
    // the operator, the emulator and nginx are stopped by PID; a good run's files go with them
    let dir = run.dir.clone();
    drop(run);
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// options and tools

struct Options {
    releases: usize,
    /// A measuring run (`cargo bench`, or a count asked for) rather than a `cargo test` smoke pass.
    measuring: bool,
    readiness_delay_ms: u64,
    /// Put a counting relay between the operator and the emulator (`--trace-api`): requests per
    /// verb and resource, at the cost of some latency, so not for the timed numbers.
    trace_api: bool,
}

impl Options {
    fn parse() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let flag = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .map(|v| {
                    v.parse::<u64>()
                        .unwrap_or_else(|_| panic!("{name} takes a number, not {v:?}"))
                })
        };
        let asked = flag("--releases").or_else(|| {
            std::env::var("RELEASES")
                .ok()
                .map(|v| v.parse().expect("RELEASES must be a number"))
        });
        let measuring = asked.is_some() || args.iter().any(|a| a == "--bench");
        let releases = asked.map_or(if measuring { ANCHOR_RELEASES } else { 10 }, |n| {
            usize::try_from(n).expect("a release count that fits")
        });
        assert!(releases > 0, "--releases must be at least 1");
        Self {
            releases,
            measuring,
            readiness_delay_ms: flag("--readiness-delay-ms").unwrap_or(200),
            trace_api: args.iter().any(|a| a == "--trace-api")
                || std::env::var_os("TRACE_API").is_some_and(|v| v == "1"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// processes (the names `nginx.rs` expects from its parent module)

// ---------------------------------------------------------------------------------------------
// HTTP and /proc

// ---------------------------------------------------------------------------------------------
// the API trace (`--trace-api`)

/// A TCP relay in front of the emulator that counts the HTTP/1.1 requests passing through by
/// verb and resource. The emulator counts nothing itself and the operator's own metric has only
/// the verb; this tells which calls a release costs.
struct ApiTrace {
    port: u16,
    counts: Arc<std::sync::Mutex<HashMap<String, u64>>>,
    stop: Arc<AtomicBool>,
}

impl ApiTrace {
    fn start(upstream: u16) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let port = listener.local_addr().expect("relay address").port();
        let counts = Arc::new(std::sync::Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (counts, stop) = (Arc::clone(&counts), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => relay(client, upstream, Arc::clone(&counts)),
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            });
        }
        Self { port, counts, stop }
    }

    fn snapshot(&self) -> HashMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for ApiTrace {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Pipes one connection both ways, reading the request lines of the client's side.
fn relay(
    client: std::net::TcpStream,
    upstream: u16,
    counts: Arc<std::sync::Mutex<HashMap<String, u64>>>,
) {
    let _ = client.set_nonblocking(false);
    let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let (Ok(mut client_read), Ok(mut server_write)) = (client.try_clone(), server.try_clone())
    else {
        return;
    };
    let (mut server_read, mut client_write) = (server, client);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_read, &mut client_write);
        let _ = client_write.shutdown(std::net::Shutdown::Both);
    });
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let mut line = Vec::new();
        loop {
            let n = match client_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for &b in &buf[..n] {
                if b == b'\n' {
                    if let Some(key) = request_key(&line) {
                        *counts
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .entry(key)
                            .or_default() += 1;
                    }
                    line.clear();
                } else {
                    // a body ends without a newline, so the next request line follows it on
                    // the same line; only the line's end matters
                    if line.len() >= 8192 {
                        line.drain(..4096);
                    }
                    line.push(b);
                }
            }
            if server_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = server_write.shutdown(std::net::Shutdown::Both);
    });
}

/// `verb resource` for an HTTP/1.1 request line (`GET /api/v1/namespaces/a/secrets?x HTTP/1.1`),
/// `None` for any other line.
fn request_key(line: &[u8]) -> Option<String> {
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end_matches('\r');
    let start = ["GET /", "POST /", "PUT /", "PATCH /", "DELETE /"]
        .iter()
        .filter_map(|m| line.rfind(m))
        .max()?;
    let line = &line[start..];
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (api, rest) = match segments.first() {
        Some(&"api") if segments.len() >= 2 => ("v1".to_owned(), &segments[2..]),
        Some(&"apis") if segments.len() >= 3 => {
            (format!("{}/{}", segments[1], segments[2]), &segments[3..])
        }
        _ => return Some(format!("{method} {path} (discovery)")),
    };
    let (resource, name, sub) = match rest {
        [] => return Some(format!("{method} {path} (discovery)")),
        ["namespaces", _, resource, tail @ ..] => (*resource, tail.first(), tail.get(1)),
        [resource, tail @ ..] => (*resource, tail.first(), tail.get(1)),
    };
    let watching = query
        .split('&')
        .any(|kv| kv == "watch=true" || kv == "watch=1");
    let verb = match method {
        "GET" if watching => "watch",
        "GET" if name.is_some() => "get",
        "GET" => "list",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        other => other,
    };
    let sub = sub.map_or_else(String::new, |s| format!("/{s}"));
    Some(format!("{verb} {resource}{sub} ({api})"))
}

// ---------------------------------------------------------------------------------------------
// the run

/// Everything started for one run; dropping it stops the processes (operator first).
struct Run {
    dir: PathBuf,
    kubeconfig: PathBuf,
    kubectl: PathBuf,
    releases: usize,
    operator: Process,
    metrics_port: u16,
    trace: Option<ApiTrace>,
    emulator: Emulator,
    api_port: u16,
    _nginx: Process,
}

/// Counters read just before the releases are applied and just after the last is Ready.
#[derive(Default, Clone)]
struct Counters {
    operator_cpu: f64,
    emulator_cpu: Option<f64>,
    bench_cpu: f64,
    /// The emulator's resourceVersion: one per write, by any client or simulated controller.
    resource_version: u64,
    metrics: Vec<Sample>,
    /// Requests through the `--trace-api` relay, per verb and resource.
    api_calls: HashMap<String, u64>,
    /// `/proc/loadavg`'s 1-minute figure: how busy the machine was.
    load: f64,
    /// The operator's VmRSS.
    operator_rss: u64,
    /// Requests nginx served: (chart archives, index.yaml).
    repository_downloads: (usize, usize),
}

struct Measurement {
    releases: usize,
    apply: Duration,
    /// From the start of `kubectl apply` to the poll that saw every release Ready.
    ready: Option<Duration>,
    /// When each release was first seen Ready, from the start of the apply, sorted.
    ready_at: Vec<Duration>,
    /// Releases not Ready when the limit ran out: (namespace/name, Ready condition text).
    stragglers: Vec<(String, String)>,
    /// Releases whose status names a revision other than 1 (an unexpected extra operation).
    revisions_not_one: usize,
    polls: usize,
    peak_rss_sampled: u64,
    peak_rss_hwm: u64,
    final_rss: u64,
    /// The end's VmRSS split: heap and other anonymous memory, and mapped files (the binary).
    final_rss_anon: u64,
    final_rss_file: u64,
    emulator_hwm: Option<u64>,
    before: Counters,
    after: Counters,
}

impl Measurement {
    fn failure(&self) -> Option<String> {
        if self.ready.is_some() {
            return None;
        }
        Some(format!(
            "{} of {} releases were not Ready after {} s",
            self.stragglers.len(),
            self.releases,
            READY_LIMIT.as_secs()
        ))
    }
}

struct Verification {
    release_secrets: usize,
    expected: usize,
    sampled: usize,
    problems: Vec<String>,
}

impl Verification {
    fn problem(&self) -> Option<String> {
        if self.release_secrets != self.expected {
            return Some(format!(
                "{} release Secrets for {} releases",
                self.release_secrets, self.expected
            ));
        }
        self.problems.first().cloned()
    }
}

fn release_namespace(i: usize) -> String {
    format!("scale-{}", i % NAMESPACES)
}

/// What the chart names the objects of release `name` (`small.fullname`).
fn object_name(name: &str) -> String {
    format!("{name}-{CHART}")
}

impl Run {
    fn start(options: &Options, tools: &Tools) -> Self {
        let dir = option_env!("CARGO_TARGET_TMPDIR")
            .map_or_else(std::env::temp_dir, PathBuf::from)
            .join(format!("release-scale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("scratch directory");

        let repo = dir.join("repo");
        package_repository(&tools.tar, &repo);
        let (nginx, nginx_port) = nginx::start(&tools.nginx, &dir.join("nginx"), &repo, None);

        let kubeconfig = dir.join("kubeconfig");
        let (emulator, api_port) = Emulator::start(
            &tools.emulator,
            &dir,
            &kubeconfig,
            options.readiness_delay_ms,
        );
        let trace = options.trace_api.then(|| ApiTrace::start(api_port));
        let operator_kubeconfig = match &trace {
            Some(trace) => {
                let path = dir.join("kubeconfig-traced");
                std::fs::write(
                    &path,
                    kube_emulator::kubeconfig_for(&format!("http://127.0.0.1:{}", trace.port)),
                )
                .expect("write the traced kubeconfig");
                path
            }
            None => kubeconfig.clone(),
        };
        let crds = repo_root().join("crds");
        kubectl_ok(
            &tools.kubectl,
            &dir,
            &kubeconfig,
            &[
                "apply",
                "--server-side",
                "-f",
                crds.to_str().expect("UTF-8 path"),
            ],
        );

        let (health, metrics_port) = (free_port(), free_port());
        let mut cmd = Command::new(&tools.operator);
        cmd.args(["run", "--kubeconfig"])
            .arg(&operator_kubeconfig)
            .args(["--health-address", &format!("127.0.0.1:{health}")])
            .args(["--metrics-address", &format!("127.0.0.1:{metrics_port}")])
            .args(["--replica-id", "bench", "--operator-namespace", "default"])
            .args(["--log-format", "json", "--log-level", "warn"])
            .env_remove("POD_NAME")
            .env_remove("POD_NAMESPACE")
            .env_remove("RUST_LOG");
        let operator = Process::start("helm-operator", cmd, &dir.join("operator.log"));
        wait_for(
            "the operator's /readyz",
            Duration::from_secs(90),
            || http(health, "GET", "/readyz").is_some_and(|(c, _)| c == 200),
            || operator.log_tail(20),
        );

        // the repository is set up before the clock starts: the benchmark is about releases
        let mut setup = String::new();
        for ns in std::iter::once(REPO_NAMESPACE.to_owned())
            .chain((0..NAMESPACES).map(|n| format!("scale-{n}")))
        {
            setup.push_str(&format!(
                "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
            ));
        }
        setup.push_str(&format!(
            "---\napiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: {REPO_NAMESPACE}\nspec:\n  url: http://127.0.0.1:{nginx_port}/plain/\n"
        ));
        let setup_file = dir.join("setup.yaml");
        std::fs::write(&setup_file, setup).expect("write setup.yaml");
        kubectl_ok(
            &tools.kubectl,
            &dir,
            &kubeconfig,
            &[
                "apply",
                "--server-side",
                "-f",
                setup_file.to_str().expect("UTF-8 path"),
            ],
        );
        let repo_path = format!("{GROUP_PATH}/namespaces/{REPO_NAMESPACE}/helmrepositories/charts");
        wait_for(
            "the HelmRepository to be Ready",
            Duration::from_secs(120),
            || get_json(api_port, &repo_path).is_some_and(|r| ready_condition(&r).0 == "True"),
            || {
                format!(
                    "{}\n{}",
                    get_json(api_port, &repo_path)
                        .map_or_else(String::new, |r| r["status"].to_string()),
                    operator.log_tail(20)
                )
            },
        );
        Self {
            dir,
            kubeconfig,
            kubectl: tools.kubectl.clone(),
            releases: options.releases,
            operator,
            metrics_port,
            trace,
            emulator,
            api_port,
            _nginx: nginx,
        }
    }

    /// What nginx's access log says it served: (chart archives, index.yaml).
    fn repository_downloads(&self) -> (usize, usize) {
        let log =
            std::fs::read_to_string(self.dir.join("nginx/logs/access.log")).unwrap_or_default();
        let count = |what: &str| log.lines().filter(|l| l.contains(what)).count();
        (count(".tgz "), count("index.yaml "))
    }

    fn counters(&self) -> Counters {
        let metrics = http(self.metrics_port, "GET", "/metrics")
            .filter(|(c, _)| *c == 200)
            .map(|(_, text)| parse_metrics(&text))
            .unwrap_or_default();
        let resource_version = get_json(self.api_port, "/api/v1/namespaces")
            .and_then(|l| l["metadata"]["resourceVersion"].as_str()?.parse().ok())
            .unwrap_or(0);
        Counters {
            operator_cpu: cpu_seconds(self.operator.pid()).unwrap_or(0.0),
            emulator_cpu: self.emulator.pid().and_then(cpu_seconds),
            bench_cpu: cpu_seconds(std::process::id()).unwrap_or(0.0),
            resource_version,
            metrics,
            api_calls: self
                .trace
                .as_ref()
                .map(ApiTrace::snapshot)
                .unwrap_or_default(),
            operator_rss: proc_status_bytes(self.operator.pid(), "VmRSS:").unwrap_or(0),
            repository_downloads: self.repository_downloads(),
            load: std::fs::read_to_string("/proc/loadavg")
                .ok()
                .and_then(|l| l.split_whitespace().next()?.parse().ok())
                .unwrap_or(0.0),
        }
    }

    /// Applies the releases and polls until every one is Ready (or the limit runs out).
    fn measure(&self) -> Measurement {
        let mut docs = String::with_capacity(self.releases * 400);
        for i in 0..self.releases {
            docs.push_str(&release_yaml(i));
        }
        let file = self.dir.join("releases.yaml");
        std::fs::write(&file, docs).expect("write releases.yaml");

        let sampler = RssSampler::start(self.operator.pid());
        let before = self.counters();
        let started = Instant::now();
        kubectl_ok(
            &self.kubectl,
            &self.dir,
            &self.kubeconfig,
            &[
                "apply",
                "--server-side",
                "-f",
                file.to_str().expect("UTF-8 path"),
            ],
        );
        let apply = started.elapsed();

        let list_path = format!("{GROUP_PATH}/helmreleases");
        let mut first_ready: HashMap<String, Duration> = HashMap::new();
        let mut last_list = Value::Null;
        let mut polls = 0;
        let mut last_report = Instant::now();
        let ready = loop {
            let list = get_json(self.api_port, &list_path);
            // a release counts as Ready when the list that shows it has arrived (a busy API
            // server answers slowly: the time includes that)
            let now = started.elapsed();
            if let Some(list) = list {
                polls += 1;
                for item in list["items"].as_array().into_iter().flatten() {
                    if ready_condition(item).0 == "True" {
                        first_ready.entry(key_of(item)).or_insert(now);
                    }
                }
                last_list = list;
            }
            if first_ready.len() >= self.releases {
                break Some(started.elapsed());
            }
            if now >= READY_LIMIT {
                break None;
            }
            if last_report.elapsed() >= Duration::from_secs(5) {
                last_report = Instant::now();
                eprintln!(
                    "release_scale: {:>6.1} s  {} of {} Ready; operator VmRSS {:.1} MiB",
                    now.as_secs_f64(),
                    first_ready.len(),
                    self.releases,
                    mib(proc_status_bytes(self.operator.pid(), "VmRSS:").unwrap_or(0)),
                );
            }
            std::thread::sleep(POLL_EVERY);
        };
        // read the end state before anything else runs
        let peak_rss_hwm = proc_status_bytes(self.operator.pid(), "VmHWM:").unwrap_or(0);
        let final_rss = proc_status_bytes(self.operator.pid(), "VmRSS:").unwrap_or(0);
        let final_rss_anon = proc_status_bytes(self.operator.pid(), "RssAnon:").unwrap_or(0);
        let final_rss_file = proc_status_bytes(self.operator.pid(), "RssFile:").unwrap_or(0);
        let after = self.counters();
        let peak_rss_sampled = sampler.finish();
        let emulator_hwm = self
            .emulator
            .pid()
            .and_then(|pid| proc_status_bytes(pid, "VmHWM:"));

        let items = last_list["items"].as_array().cloned().unwrap_or_default();
        let stragglers = items
            .iter()
            .filter(|i| !first_ready.contains_key(&key_of(i)))
            .map(|i| {
                let (status, reason, message) = ready_condition(i);
                (key_of(i), format!("Ready={status} {reason}: {message}"))
            })
            .collect::<Vec<_>>();
        let revisions_not_one = items
            .iter()
            .filter(|i| i["status"]["helmRelease"]["revision"].as_i64() != Some(1))
            .count();
        let mut ready_at: Vec<Duration> = first_ready.into_values().collect();
        ready_at.sort();
        Measurement {
            releases: self.releases,
            apply,
            ready,
            ready_at,
            stragglers,
            revisions_not_one,
            polls,
            peak_rss_sampled,
            peak_rss_hwm,
            final_rss,
            final_rss_anon,
            final_rss_file,
            emulator_hwm,
            before,
            after,
        }
    }

    /// Checks in the cluster that the releases are real: one release Secret each, and for a
    /// sample the Secret, the chart's three objects (the Deployment ready) and the distinct values.
    fn verify(&self, result: &Measurement) -> Verification {
        let mut problems = Vec::new();
        if result.ready.is_none() {
            return Verification {
                release_secrets: 0,
                expected: self.releases,
                sampled: 0,
                problems: vec!["not every release became Ready".to_owned()],
            };
        }
        let (_, names) = kubectl(
            &self.kubectl,
            &self.dir,
            &self.kubeconfig,
            &["get", "secrets", "-A", "-l", "owner=helm", "-o", "name"],
        );
        let release_secrets = names
            .lines()
            .filter(|l| l.starts_with("secret/sh.helm.release.v1."))
            .count();
        let step = (self.releases / VERIFY_SAMPLE).max(1);
        let sample: Vec<usize> = (0..self.releases)
            .step_by(step)
            .take(VERIFY_SAMPLE)
            .collect();
        for &i in &sample {
            let (name, ns) = (release_name(i), release_namespace(i));
            let object = object_name(&name);
            let (ok, out) = kubectl(
                &self.kubectl,
                &self.dir,
                &self.kubeconfig,
                &[
                    "get",
                    "-n",
                    &ns,
                    &format!("secret/sh.helm.release.v1.{name}.v1"),
                    &format!("configmap/{object}"),
                    &format!("deployment/{object}"),
                    &format!("service/{object}"),
                    "-o",
                    "json",
                ],
            );
            if !ok {
                problems.push(format!("{ns}/{name}: {}", out.trim()));
                continue;
            }
            let list: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
            let items = list["items"].as_array().cloned().unwrap_or_default();
            let of = |kind: &str| items.iter().find(|o| o["kind"] == kind);
            let secret_ok = of("Secret").is_some_and(|s| {
                s["metadata"]["labels"]["status"] == "deployed" && s["type"] == "helm.sh/release.v1"
            });
            let greeting_ok =
                of("ConfigMap").is_some_and(|c| c["data"]["greeting"] == greeting(i).as_str());
            let deployment_ok =
                of("Deployment").is_some_and(|d| d["status"]["readyReplicas"].as_i64() == Some(1));
            let service_ok = of("Service")
                .is_some_and(|s| s["spec"]["ports"][0]["port"].as_i64() == Some(port(i)));
            for (good, what) in [
                (secret_ok, "a deployed release Secret"),
                (greeting_ok, "its ConfigMap with its own greeting"),
                (deployment_ok, "a ready Deployment"),
                (service_ok, "its Service on its own port"),
            ] {
                if !good {
                    problems.push(format!("{ns}/{name} lacks {what}"));
                }
            }
        }
        Verification {
            release_secrets,
            expected: self.releases,
            sampled: sample.len(),
            problems,
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // the processes drop in field order after this (operator, emulator, nginx); the
        // operator's log stays in the scratch directory for a failed run
        if std::thread::panicking() {
            eprintln!(
                "release_scale: logs are in {} (operator.log, emulator.log, nginx/)",
                self.dir.display()
            );
        }
    }
}

fn port(i: usize) -> i64 {
    8000 + i64::try_from(i % 1000).unwrap_or(0)
}

/// A small release as a user writes it: a chart, a version range, a few values; every option
/// left at its default (so `install.wait` is true: Ready means the Deployment is ready).
fn release_yaml(i: usize) -> String {
    format!(
        "---\napiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  chart:\n    name: {CHART}\n    version: \"^0.1.0\"\n    repository:\n      name: charts\n      namespace: {REPO_NAMESPACE}\n  values: |\n    greeting: {greeting}\n    service:\n      port: {port}\n",
        name = release_name(i),
        ns = release_namespace(i),
        greeting = greeting(i),
        port = port(i),
    )
}

fn kubectl_ok(kubectl_bin: &Path, dir: &Path, kubeconfig: &Path, args: &[&str]) {
    let (ok, out) = kubectl(kubectl_bin, dir, kubeconfig, args);
    assert!(ok, "kubectl {}: {out}", args.join(" "));
}

// ---------------------------------------------------------------------------------------------
// metrics

/// `name`'s sums per value of `label`, after minus before.
fn metric_by(before: &[Sample], after: &[Sample], name: &str, label: &str) -> Vec<(String, f64)> {
    let mut values: BTreeMap<String, f64> = BTreeMap::new();
    for (samples, sign) in [(after, 1.0), (before, -1.0)] {
        for s in samples.iter().filter(|s| s.name == name) {
            let key = s.labels.get(label).cloned().unwrap_or_default();
            *values.entry(key).or_default() += sign * s.value;
        }
    }
    values.into_iter().filter(|(_, v)| *v != 0.0).collect()
}

// ---------------------------------------------------------------------------------------------
// the summary

fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn print_summary(options: &Options, tools: &Tools, m: &Measurement, v: &Verification) {
    let (before, after) = (&m.before.metrics, &m.after.metrics);
    let delta = |name: &str, filter: &[(&str, &str)]| {
        metric_sum(after, name, filter) - metric_sum(before, name, filter)
    };
    // goals and the anchor are stated for 1,000 releases; other counts are reported, not judged
    let judged = options.measuring && m.releases == ANCHOR_RELEASES;
    let peak = m.peak_rss_hwm.max(m.peak_rss_sampled);
    let peak_mib = mib(peak);
    // the anchor's numbers are for 1,000 releases: another count gets no ratio
    let ratio = |r: f64| {
        if m.releases == ANCHOR_RELEASES {
            format!("{r:.1}×")
        } else {
            format!("n/a ({} releases)", m.releases)
        }
    };
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(String::new());
    line(format!(
        "release_scale: {} small HelmReleases, `kubectl apply` to all Ready=True{}",
        m.releases,
        if options.measuring {
            ""
        } else {
            " (smoke pass: debug build, nothing judged)"
        }
    ));
    line(format!(
        "  setup: chart {CHART}-{CHART_VERSION} (ConfigMap + Deployment 1 replica + Service) from nginx; \
         {NAMESPACES} namespaces; every option at its default (install.wait=true); emulator readiness delay {} ms",
        options.readiness_delay_ms
    ));
    let settings: Vec<String> = std::env::vars()
        .filter(|(k, _)| {
            k.starts_with("HELM_OPERATOR_")
                && !k.starts_with("HELM_OPERATOR_TEST")
                && k != "HELM_OPERATOR_REQUIRE_TESTBED"
                && k != "HELM_OPERATOR_BIN"
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    line(format!(
        "  operator: {} ({}), emulator: {}",
        tools.operator.display(),
        if settings.is_empty() {
            "default settings".to_owned()
        } else {
            settings.join(" ")
        },
        match &tools.emulator {
            EmulatorKind::Binary(p) => p.display().to_string(),
            EmulatorKind::InProcess => "in the benchmark process".to_owned(),
        }
    ));
    line(String::new());
    line(
        "| what | helm-operator | anchor: Flux helm-controller | anchor / ours | goal | verdict |"
            .to_owned(),
    );
    line("|---|---|---|---|---|---|".to_owned());
    match m.ready {
        Some(ready) => {
            let secs = ready.as_secs_f64();
            line(format!(
                "| apply → all Ready | {secs:.1} s | {ANCHOR_SECONDS:.0} s (4 m 39 s) | {} | ≤{GOAL_SECONDS:.0} s | {} |",
                ratio(ANCHOR_SECONDS / secs),
                verdict(judged, secs <= GOAL_SECONDS)
            ));
            line(format!(
                "| throughput | {:.1} releases/s | {:.2} releases/s | {} | ≥{:.1} releases/s | {} |",
                m.releases as f64 / secs,
                ANCHOR_RELEASES as f64 / ANCHOR_SECONDS,
                ratio(ANCHOR_SECONDS / secs),
                ANCHOR_RELEASES as f64 / GOAL_SECONDS,
                verdict(judged, secs <= GOAL_SECONDS)
            ));
        }
        None => line(format!(
            "| apply → all Ready | not reached in {} s | {ANCHOR_SECONDS:.0} s | - | ≤{GOAL_SECONDS:.0} s | {} |",
            READY_LIMIT.as_secs(),
            verdict(judged, false)
        )),
    }
    line(format!(
        "| operator peak RSS | {peak_mib:.1} MiB | {ANCHOR_RSS_MIB:.0} MiB | {} | ≤{GOAL_RSS_MIB:.0} MiB | {} |",
        ratio(ANCHOR_RSS_MIB / peak_mib),
        verdict(judged, peak_mib <= GOAL_RSS_MIB)
    ));
    line(String::new());
    line(format!(
        "  kubectl apply of {} releases: {:.2} s; Ready after (from apply start): p50 {} p90 {} p99 {} max {}",
        m.releases,
        m.apply.as_secs_f64(),
        fmt_opt(percentile(&m.ready_at, 50.0)),
        fmt_opt(percentile(&m.ready_at, 90.0)),
        fmt_opt(percentile(&m.ready_at, 99.0)),
        fmt_opt(m.ready_at.last().copied()),
    ));
    line(format!(
        "  operator memory: VmHWM {:.1} MiB, highest 100 ms VmRSS sample {:.1} MiB; VmRSS idle before the releases {:.1} MiB, \
         at the end {:.1} MiB ({:.1} MiB anonymous, {:.1} MiB mapped files)",
        mib(m.peak_rss_hwm),
        mib(m.peak_rss_sampled),
        mib(m.before.operator_rss),
        mib(m.final_rss),
        mib(m.final_rss_anon),
        mib(m.final_rss_file)
    ));
    let wall = m.ready.unwrap_or(READY_LIMIT).as_secs_f64();
    let operator_cpu = m.after.operator_cpu - m.before.operator_cpu;
    let bench_cpu = m.after.bench_cpu - m.before.bench_cpu;
    let emulator_cpu = match (m.before.emulator_cpu, m.after.emulator_cpu) {
        (Some(b), Some(a)) => format!("{:.1} s ({:.0}% of a core)", a - b, 100.0 * (a - b) / wall),
        _ => "in the benchmark process".to_owned(),
    };
    line(format!(
        "  CPU during the run ({wall:.1} s on {} cores): operator {operator_cpu:.1} s ({:.0}% of a core), \
         emulator {emulator_cpu}, benchmark poller {bench_cpu:.1} s",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        100.0 * operator_cpu / wall
    ));
    if let (Some(b), Some(a)) = (m.before.emulator_cpu, m.after.emulator_cpu)
        && (a - b) / wall > 0.6
        && a - b > 2.0 * operator_cpu
    {
        line(format!(
            "  NOTE: the emulator was busy {:.0}% of a core against the operator's {:.0}%: the API server, \
             not the operator, set this run's pace",
            100.0 * (a - b) / wall,
            100.0 * operator_cpu / wall
        ));
    }
    if let Some(hwm) = m.emulator_hwm {
        line(format!("  emulator VmHWM {:.1} MiB", mib(hwm)));
    }
    line(format!(
        "  operator CPU per release: {:.1} ms",
        1000.0 * operator_cpu / m.releases as f64
    ));
    let reconciles = delta(
        "helm_operator_reconcile_total",
        &[("controller", "HelmRelease")],
    );
    let reconcile_seconds = delta(
        "helm_operator_reconcile_duration_seconds_sum",
        &[("controller", "HelmRelease")],
    );
    line(format!(
        "  HelmRelease reconciles: {reconciles:.0} ({:.2} per release), {reconcile_seconds:.1} s inside reconcile in all \
         (mean {:.0} ms), errors {:.0}",
        reconciles / m.releases as f64,
        if reconciles > 0.0 {
            1000.0 * reconcile_seconds / reconciles
        } else {
            0.0
        },
        delta(
            "helm_operator_reconcile_total",
            &[("controller", "HelmRelease"), ("result", "error")]
        ),
    ));
    let requests = metric_by(before, after, "helm_operator_kube_requests_total", "verb");
    let total_requests: f64 = requests.iter().map(|(_, v)| v).sum();
    line(format!(
        "  operator API requests: {total_requests:.0} ({:.1} per release): {}",
        total_requests / m.releases as f64,
        requests
            .iter()
            .map(|(verb, n)| format!("{verb} {n:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    line(format!(
        "  emulator writes (resourceVersion, every client and its simulated controllers): {} ({:.1} per release); \
         the emulator counts no requests itself",
        m.after
            .resource_version
            .saturating_sub(m.before.resource_version),
        m.after
            .resource_version
            .saturating_sub(m.before.resource_version) as f64
            / m.releases as f64
    ));
    let operations = metric_by(before, after, "helm_release_operation_total", "operation");
    line(format!(
        "  nginx served {} chart archive and {} index downloads during the run ({} and {} in all)",
        m.after.repository_downloads.0 - m.before.repository_downloads.0,
        m.after.repository_downloads.1 - m.before.repository_downloads.1,
        m.after.repository_downloads.0,
        m.after.repository_downloads.1,
    ));
    line(format!(
        "  release operations: {}; helm_chart_downloads_total {:.0}; renders {:.0} ({:.1} s); releases not at revision 1: {}",
        operations
            .iter()
            .map(|(op, n)| format!("{op} {n:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        delta("helm_chart_downloads_total", &[]),
        delta("helm_chart_render_duration_seconds_count", &[]),
        delta("helm_chart_render_duration_seconds_sum", &[]),
        m.revisions_not_one,
    ));
    line(format!(
        "  verified: {} release Secrets (sh.helm.release.v1.*) for {} releases; {} sampled releases checked \
         (deployed Secret, ConfigMap with its own values, ready Deployment, Service): {}",
        v.release_secrets,
        v.expected,
        v.sampled,
        if v.problems.is_empty() {
            "all good".to_owned()
        } else {
            v.problems.join("; ")
        }
    ));
    line(format!(
        "  ({} polls of the HelmRelease list; machine load average {:.1} before, {:.1} after)",
        m.polls, m.before.load, m.after.load
    ));
    if !m.after.api_calls.is_empty() {
        let mut calls: Vec<(String, u64)> = m
            .after
            .api_calls
            .iter()
            .map(|(k, n)| {
                (
                    k.clone(),
                    n - m.before.api_calls.get(k).copied().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        calls.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let total: u64 = calls.iter().map(|(_, n)| n).sum();
        line(format!(
            "  operator API requests through the trace relay: {total} ({:.1} per release); by verb and resource:",
            total as f64 / m.releases as f64
        ));
        for (key, n) in calls.iter().take(40) {
            line(format!(
                "    {n:>8}  {:>6.2}/release  {key}",
                *n as f64 / m.releases as f64
            ));
        }
    }
    if !m.stragglers.is_empty() {
        line(format!("  NOT Ready ({}):", m.stragglers.len()));
        for (name, why) in m.stragglers.iter().take(25) {
            line(format!("    {name}: {why}"));
        }
    }
    print!("{out}");
}
