//! What the scale benchmarks (`release_scale`, `shard_scale`) share: finding tools and ports,
//! children registered to be stopped on Ctrl-C, reading a process's /proc numbers, HTTP chunked
//! bodies, the HelmRelease fields they compare and the verdict words. Included by each with
//! `#[path]`; `tests/common/nginx.rs` finds `repo_root`, `which` and `free_port` through it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use std::time::Instant;

use serde_json::Value;

pub(crate) const GROUP_PATH: &str = "/apis/helm-operator.ketches.cn/v1alpha1";

pub(crate) const CHART: &str = "small";

pub(crate) const CHART_VERSION: &str = "0.1.0";

/// How the emulator runs: its own process (measuring), or inside this one (the smoke pass, or
/// when the binary is not built).
pub(crate) enum EmulatorKind {
    Binary(PathBuf),
    InProcess,
}

/// The emulator, in either form.
pub(crate) enum Emulator {
    Process(Process),
    /// Held only to keep it running until dropped.
    InProcess(#[allow(dead_code)] kube_emulator::RunningEmulator),
}

impl Emulator {
    /// Starts the emulator of `kind` writing `kubeconfig`; returns it and its port.
    pub(crate) fn start(
        kind: &EmulatorKind,
        dir: &Path,
        kubeconfig: &Path,
        delay_ms: u64,
    ) -> (Self, u16) {
        match kind {
            EmulatorKind::Binary(binary) => {
                let port = free_port();
                let mut cmd = Command::new(binary);
                cmd.args(["--port", &port.to_string(), "--kubeconfig-out"])
                    .arg(kubeconfig)
                    .args(["--readiness-delay-ms", &delay_ms.to_string()]);
                let process = Process::start("kube-emulator", cmd, &dir.join("emulator.log"));
                wait_for(
                    "the emulator's /version",
                    Duration::from_secs(30),
                    || kubeconfig.is_file() && http(port, "GET", "/version").is_some(),
                    || process.log_tail(20),
                );
                (Self::Process(process), port)
            }
            EmulatorKind::InProcess => {
                let emulator =
                    kube_emulator::RunningEmulator::start(kube_emulator::EmulatorConfig {
                        readiness_delay: Duration::from_millis(delay_ms),
                        ..kube_emulator::EmulatorConfig::default()
                    })
                    .expect("the in-process emulator starts");
                emulator
                    .write_kubeconfig(kubeconfig)
                    .expect("write the kubeconfig");
                let port = emulator
                    .url()
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("the emulator's port");
                (Self::InProcess(emulator), port)
            }
        }
    }

    /// The emulator's PID when it is a process of its own.
    pub(crate) fn pid(&self) -> Option<u32> {
        match self {
            Self::Process(p) => Some(p.pid()),
            Self::InProcess(_) => None,
        }
    }
}

/// The repository root.
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Finds an executable on PATH.
pub(crate) fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// A port on 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The PIDs of the running children, for [`stop_children_on_signal`].
pub(crate) static CHILDREN: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

pub(crate) fn children() -> std::sync::MutexGuard<'static, Vec<u32>> {
    CHILDREN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a PID is alive (a zombie, dead but not yet reaped, is not).
pub(crate) fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

pub(crate) fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..end]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let rest = &body[end + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        body = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// A `kB` field of `/proc/<pid>/status`, in bytes.
pub(crate) fn proc_status_bytes(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User plus system CPU seconds of a process, from `/proc/<pid>/stat`.
pub(crate) fn cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name in parentheses may hold spaces; the fields after it are fixed
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

pub(crate) fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

pub(crate) fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub(crate) fn release_name(i: usize) -> String {
    format!("app-{i:04}")
}

pub(crate) fn key_of(item: &Value) -> String {
    format!(
        "{}/{}",
        item["metadata"]["namespace"].as_str().unwrap_or(""),
        item["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// (status, reason, message) of an object's Ready condition; empty strings when absent.
pub(crate) fn ready_condition(obj: &Value) -> (String, String, String) {
    let found = obj["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"));
    let text = |c: Option<&Value>, f: &str| c.and_then(|c| c[f].as_str()).unwrap_or("").to_owned();
    (
        text(found, "status"),
        text(found, "reason"),
        text(found, "message"),
    )
}

pub(crate) fn greeting(i: usize) -> String {
    format!("hello from release {i}")
}

/// The sum of `name`'s series whose labels include every pair of `filter`.
pub(crate) fn metric_sum(samples: &[Sample], name: &str, filter: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            filter
                .iter()
                .all(|(k, v)| s.labels.get(*k).is_some_and(|l| l == v))
        })
        .map(|s| s.value)
        .sum()
}

pub(crate) fn verdict(judged: bool, good: bool) -> &'static str {
    match (judged, good) {
        (false, _) => "n/a",
        (true, true) => "PASS",
        (true, false) => "MISS",
    }
}

pub(crate) fn fmt_opt(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
}

/// Ctrl-C or SIGTERM ends the process without unwinding, so no `Drop` would stop the
/// children: a watcher thread stops them by PID and exits.
pub(crate) fn stop_children_on_signal() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
        let pids = children().clone();
        eprintln!(
            "{}: interrupted; stopping {} child processes",
            super::BENCH,
            pids.len()
        );
        for signal in ["-TERM", "-KILL"] {
            for pid in &pids {
                let _ = Command::new("kill")
                    .args([signal, &pid.to_string()])
                    .status();
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && pids.iter().any(|p| running(*p)) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        std::process::exit(130);
    });
}

/// A child process stopped by PID (SIGTERM, then SIGKILL) when dropped, also while a panic
/// unwinds.
pub(crate) struct Process {
    pub(crate) child: std::process::Child,
    pub(crate) name: String,
    pub(crate) log: PathBuf,
}

impl Process {
    pub(crate) fn start(name: &str, mut cmd: Command, log: &Path) -> Self {
        let out =
            std::fs::File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().expect("log handle");
        let child = cmd
            .stdout(out)
            .stderr(err)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        children().push(child.id());
        Self {
            child,
            name: name.to_owned(),
            log: log.to_owned(),
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status();
    }

    /// The exit status once the process has exited, waiting at most `limit`.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().ok().flatten() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn log_tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let pid = self.pid();
        children().retain(|p| *p != pid);
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        self.signal("TERM");
        if self.wait_exit(Duration::from_secs(15)).is_none() {
            eprintln!("shard_scale: {} ignored SIGTERM; killing it", self.name);
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The last `lines` lines of a log file.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Polls `ready` every 50 ms; panics with `what` and `log()` after `limit` (a hang guard).
pub(crate) fn wait_for(
    what: &str,
    limit: Duration,
    mut ready: impl FnMut() -> bool,
    log: impl Fn() -> String,
) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{}: gave up waiting for {what}:\n{}",
            super::BENCH,
            log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `kubectl` against `kubeconfig` with `dir/home` as HOME: success, stdout and stderr.
pub(crate) fn kubectl(
    kubectl: &Path,
    dir: &Path,
    kubeconfig: &Path,
    args: &[&str],
) -> (bool, String) {
    let out = Command::new(kubectl)
        .env("HOME", dir.join("home"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// One HTTP/1.1 request to 127.0.0.1 on a fresh connection: (status, body), or `None` when
/// nothing answers.
pub(crate) fn http(port: u16, method: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\nContent-Length: 0\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_vec()
    };
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

/// A JSON GET; `None` on any failure (pollers simply try again).
pub(crate) fn get_json(port: u16, path: &str) -> Option<Value> {
    let (status, body) = http(port, "GET", path)?;
    (status == 200).then(|| serde_json::from_str(&body).ok())?
}

/// How often [`RssSampler`] reads VmRSS.
const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// Samples a process's resident memory every 100 ms until stopped; keeps the highest VmRSS seen.
pub(crate) struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    pub(crate) fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(rss) = proc_status_bytes(pid, "VmRSS:") {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                    std::thread::sleep(RSS_SAMPLE_EVERY);
                }
            })
        };
        Self {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    /// The highest sampled VmRSS, in bytes.
    pub(crate) fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One series of the operator's `/metrics`.
#[derive(Clone, Debug)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) value: f64,
}

/// Parses the Prometheus text exposition into samples (comments skipped).
pub(crate) fn parse_metrics(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split("\",")
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k.trim().to_owned(), v.trim_matches('"').to_owned()))
            })
            .collect();
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

/// Packages the fixture chart with tar (a chart archive is a gzipped tar of the chart
/// directory) and writes the repository's `index.yaml` naming its digest.
pub(crate) fn package_repository(tar: &Path, repo: &Path) {
    use sha2::Digest;
    std::fs::create_dir_all(repo).expect("repository directory");
    let archive = repo.join(format!("{CHART}-{CHART_VERSION}.tgz"));
    let fixtures = repo_root().join("benches/fixtures/release-scale");
    let out = Command::new(tar)
        .args([
            "--format=ustar",
            "--owner=0",
            "--group=0",
            "--sort=name",
            "-czf",
        ])
        .arg(&archive)
        .arg("-C")
        .arg(&fixtures)
        .arg(CHART)
        .output()
        .expect("tar runs");
    assert!(
        out.status.success(),
        "tar: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&archive).expect("read the chart archive");
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let index = format!(
        "apiVersion: v1\nentries:\n  {CHART}:\n  - apiVersion: v2\n    appVersion: \"1.27\"\n    created: \"2025-01-01T00:00:00Z\"\n    description: A small application chart\n    digest: {digest}\n    name: {CHART}\n    type: application\n    urls:\n    - {CHART}-{CHART_VERSION}.tgz\n    version: {CHART_VERSION}\ngenerated: \"2025-01-01T00:00:00Z\"\n"
    );
    std::fs::write(repo.join("index.yaml"), index).expect("write index.yaml");
}

pub(crate) struct Tools {
    pub(crate) operator: PathBuf,
    pub(crate) emulator: EmulatorKind,
    pub(crate) kubectl: PathBuf,
    pub(crate) nginx: PathBuf,
    pub(crate) tar: PathBuf,
}

impl Tools {
    /// The binaries and tools, or `None` (after saying why) when something is missing.
    pub(crate) fn find(measuring: bool) -> Option<Self> {
        let profile_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| repo_root().join("target").join("release"));
        let release_dir = profile_dir
            .parent()
            .map_or_else(|| repo_root().join("target"), Path::to_path_buf)
            .join("release");
        // Cargo hands benchmarks the path of the package's binary built with this run's profile
        // (target/release under `cargo bench`); a copy run as an example has none.
        let operator = std::env::var_os("HELM_OPERATOR_BIN")
            .map(PathBuf::from)
            .or_else(|| option_env!("CARGO_BIN_EXE_helm-operator").map(PathBuf::from))
            .unwrap_or_else(|| release_dir.join("helm-operator"));
        let emulator_binary = std::env::var_os("KUBE_EMULATOR_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| release_dir.join("kube-emulator"));
        let emulator = if measuring && emulator_binary.is_file() {
            EmulatorKind::Binary(emulator_binary)
        } else {
            if measuring {
                eprintln!(
                    "{}: {} is not built (`cargo build --release --locked -p kube-emulator`); \
                     the emulator runs inside the benchmark process, so its CPU is counted there",
                    super::BENCH,
                    emulator_binary.display()
                );
            }
            EmulatorKind::InProcess
        };
        let missing = |what: &str| {
            let why = format!("{what} is not available");
            if std::env::var_os("HELM_OPERATOR_REQUIRE_TESTBED").is_some_and(|v| v == "1") {
                panic!("{}: {why} (HELM_OPERATOR_REQUIRE_TESTBED=1)", super::BENCH);
            }
            let _ = writeln!(std::io::stderr(), "SKIPPED {}: {why}", super::BENCH);
        };
        if !operator.is_file() {
            missing(&format!(
                "the operator binary {} (`cargo build --release --locked --bins`)",
                operator.display()
            ));
            return None;
        }
        let Some(kubectl) = which("kubectl") else {
            missing("kubectl");
            return None;
        };
        let Some(nginx) = super::nginx::binary() else {
            missing("nginx (Debian's nginx-light)");
            return None;
        };
        let Some(tar) = which("tar") else {
            missing("tar");
            return None;
        };
        Some(Self {
            operator,
            emulator,
            kubectl,
            nginx,
            tar,
        })
    }
}
