//! `scripts/demo.sh` (`make demo`) end to end: it builds the binaries, starts the API emulator, a
//! chart repository serving examples/charts and the operator, applies examples/demo, reports
//! every HelmRelease Ready, prints a kubeconfig that kubectl (and real Helm) can use, and on
//! Ctrl-C, or on its own with `DEMO_EXIT_WHEN_READY=1`, stops every process it started and
//! removes its temporary directory.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use helm_operator::api::{HelmRelease, HelmRepository};
use serde_json::Value;

const TEST: &str = "demo";
/// Covers a cold `cargo build` of both binaries on a busy machine; only a hang guard.
const START_LIMIT: Duration = Duration::from_secs(40 * 60);
const STOP_LIMIT: Duration = Duration::from_secs(120);
const API_VERSION: &str = "helm-operator.ketches.cn/v1alpha1";

/// The script as a child process, its stdout and stderr collected line by line. Dropping it
/// sends SIGTERM, which the script answers by stopping what it started.
struct Demo {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Demo {
    fn start(tmp: &Path, env: &[(&str, &str)]) -> Self {
        // `env --default-signal=INT` execs bash with SIGINT at its default: a test run started
        // in the background (`./scripts/test.sh &`, nohup) hands its children SIGINT ignored,
        // and bash cannot trap a signal ignored when it starts, so Ctrl-C would not reach it
        let mut cmd = Command::new("env");
        cmd.args(["--default-signal=INT", "bash"]);
        // the caller's own demo settings must not change what is tested
        for var in [
            "CARGO_PROFILE",
            "DEMO_SKIP_BUILD",
            "DEMO_KEEP",
            "DEMO_READY_TIMEOUT",
            "DEMO_READINESS_DELAY_MS",
            "DEMO_EXIT_WHEN_READY",
        ] {
            cmd.env_remove(var);
        }
        cmd.arg(common::repo_root().join("scripts/demo.sh"))
            .current_dir(common::repo_root())
            .env("TMPDIR", tmp)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start scripts/demo.sh");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        collect(out, Arc::clone(&lines));
        collect(err, Arc::clone(&lines));
        Self { child, lines }
    }

    fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits until a line contains `needle`; panics with the output if the script exits first.
    fn wait_for_line(&mut self, needle: &str) {
        let found = eventually_or_exit(self, needle);
        assert!(
            found,
            "the demo exited before printing {needle:?}:\n{}",
            self.output()
        );
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = std::time::Instant::now() + STOP_LIMIT;
        let status = loop {
            if let Some(status) = self.exited() {
                break status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the demo did not exit within {STOP_LIMIT:?}; its output so far:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        // the reader threads may still hold the last lines
        std::thread::sleep(Duration::from_millis(200));
        status
    }

    fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{signal} {}", self.child.id());
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if self.exited().is_none() {
            self.signal("TERM");
            let deadline = std::time::Instant::now() + STOP_LIMIT;
            while self.exited().is_none() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn collect(stream: impl Read + Send + 'static, lines: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            lines.lock().unwrap().push(line);
        }
    });
}

/// `true` once a line holds `needle`, `false` if the script exited without printing it.
fn eventually_or_exit(demo: &mut Demo, needle: &str) -> bool {
    common::eventually(
        &format!("the demo to print {needle:?}"),
        START_LIMIT,
        || {
            if demo
                .lines
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains(needle))
            {
                return Some(true);
            }
            if demo.exited().is_some() {
                std::thread::sleep(Duration::from_millis(200));
                let printed = demo
                    .lines
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|l| l.contains(needle));
                return Some(printed);
            }
            None
        },
    )
}

/// The tools the script needs; `None` after saying which is missing.
fn prerequisites() -> Option<()> {
    for tool in ["bash", "kubectl", "python3", "cargo"] {
        common::require(TEST, tool, common::which(tool))?;
    }
    Some(())
}

/// The names of the HelmReleases in examples/demo.
fn demo_releases() -> Vec<String> {
    demo_documents()
        .into_iter()
        .filter(|(_, d)| d["kind"] == "HelmRelease")
        .map(|(_, d)| d["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

fn demo_documents() -> Vec<(PathBuf, Value)> {
    let dir = common::repo_root().join("examples/demo");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .flat_map(|path| {
            common::yaml_documents(&common::read(&path))
                .into_iter()
                .map(move |doc| (path.clone(), doc))
        })
        .collect()
}

/// `pid` no longer runs: gone from /proc, or a zombie waiting for a parent's wait.
fn stopped(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Every `started NAME (pid N)` line: (name, pid).
fn started_processes(output: &str) -> Vec<(String, u32)> {
    output
        .lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("started ")?;
            let (name, rest) = rest.split_once(" (pid ")?;
            let pid = rest.split_once(')')?.0.parse().ok()?;
            Some((name.to_owned(), pid))
        })
        .collect()
}

/// The value printed after `label` in the guide (`  kubeconfig   /tmp/...`).
fn guide_value(output: &str, label: &str) -> String {
    output
        .lines()
        .find_map(|l| {
            l.trim_start()
                .strip_prefix(label)
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("the guide prints no {label}:\n{output}"))
}

/// The demo's temporary directories left in `tmp`.
fn leftovers(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("helm-operator-demo."))
        })
        .collect()
}

/// The script reported every HelmRelease of examples/demo Ready.
fn assert_every_release_reported_ready(output: &str) {
    let releases = demo_releases();
    assert!(releases.len() >= 3, "examples/demo holds {releases:?}");
    for name in &releases {
        let line = format!("helmrelease.helm-operator.ketches.cn/{name} condition met");
        assert!(output.contains(&line), "no {line:?} in:\n{output}");
    }
}

/// What the script started is gone, in the order it said, and its temporary directory too.
fn assert_cleaned_up(output: &str, started: &[(String, u32)], tmp: &Path) {
    for (name, pid) in started {
        common::eventually(&format!("{name} (pid {pid}) to stop"), STOP_LIMIT, || {
            stopped(*pid).then_some(())
        });
        assert!(
            output.contains(&format!("stopped {name} (pid {pid})")),
            "the demo did not report stopping {name}:\n{output}"
        );
    }
    assert!(
        leftovers(tmp).is_empty(),
        "the demo left {:?}:\n{output}",
        leftovers(tmp)
    );
}

fn kubectl_json(tmp: &Path, kubeconfig: &str, args: &[&str]) -> Value {
    let out = Command::new("kubectl")
        .args(["--kubeconfig", kubeconfig, "--cache-dir"])
        .arg(tmp.join("kube-cache"))
        .args(args)
        .args(["-o", "json"])
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("kubectl prints JSON")
}

/// Held by each test that runs the whole demo. The script picks its ports by binding port 0 and
/// letting go; two demos at once can pick the same port, and one demo's readiness check then
/// reaches the other's operator (seen: an operator that could not listen, a demo that waited
/// for Ready on a cluster nobody reconciled).
static ONE_DEMO_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_demo_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_DEMO_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn the_demo_runs_until_ctrl_c_and_then_stops_everything_it_started() {
    if prerequisites().is_none() {
        return;
    }
    let _one = one_demo_at_a_time();
    let dir = common::scratch_dir("demo-interactive");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut demo = Demo::start(&tmp, &[]);
    demo.wait_for_line("Press Ctrl-C to stop.");
    let output = demo.output();
    assert_every_release_reported_ready(&output);

    let started = started_processes(&output);
    let names: Vec<&str> = started.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["kube-emulator", "chart-server", "helm-operator"],
        "{output}"
    );
    for (name, pid) in &started {
        assert!(
            !stopped(*pid),
            "{name} (pid {pid}) is not running:\n{output}"
        );
    }

    // the printed kubeconfig reaches the demo's cluster, where the examples are installed
    let kubeconfig = guide_value(&output, "kubeconfig");
    let releases = kubectl_json(&tmp, &kubeconfig, &["get", "helmreleases", "-A"]);
    let items = releases["items"].as_array().unwrap();
    assert_eq!(items.len(), demo_releases().len(), "{releases}");
    for hr in items {
        let ready = hr["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
            .unwrap_or_else(|| panic!("no Ready condition: {hr}"));
        assert_eq!(ready["status"], "True", "{hr}");
    }
    // inline values
    let web = kubectl_json(
        &tmp,
        &kubeconfig,
        &["get", "deploy", "hello-web", "-n", "default"],
    );
    assert_eq!(web["spec"]["replicas"], 2, "{web}");
    assert_eq!(web["status"]["readyReplicas"], 2, "{web}");
    // a version constraint, into a namespace the install created
    let settings = kubectl_json(
        &tmp,
        &kubeconfig,
        &["get", "cm", "hello-config", "-n", "demo"],
    );
    assert_eq!(
        settings["metadata"]["labels"]["helm.sh/chart"], "hello-config-0.1.0",
        "~0.1.0 must not pick 0.2.0: {settings}"
    );
    assert_eq!(settings["data"]["GREETING"], "Hi", "{settings}");
    // valuesFrom a ConfigMap, with the inline values merged over it
    let team = kubectl_json(
        &tmp,
        &kubeconfig,
        &["get", "deploy", "team-web-hello-web", "-n", "demo"],
    );
    assert_eq!(
        team["spec"]["template"]["metadata"]["annotations"]["team"], "platform",
        "{team}"
    );
    let page = kubectl_json(
        &tmp,
        &kubeconfig,
        &["get", "cm", "team-web-hello-web", "-n", "demo"],
    );
    assert!(
        page["data"]["index.html"]
            .as_str()
            .unwrap()
            .contains("<h1>Team page</h1>"),
        "{page}"
    );

    // the metrics URL of the guide
    let metrics = guide_value(&output, "metrics");
    let port: u16 = metrics
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/metrics")
        .parse()
        .unwrap_or_else(|_| panic!("metrics URL {metrics}"));
    let (code, body) = common::http_get(port, "/metrics").expect("metrics answer");
    assert_eq!(code, 200);
    assert!(
        body.contains(
            "helm_release_info{chart=\"hello-web\",namespace=\"default\",release=\"hello-web\",status=\"deployed\",version=\"0.1.0\"} 1"
        ),
        "{body}"
    );

    // the real-Helm one-liner of the guide, when the venv is there
    if common::helm_python().is_some() {
        let line = output
            .lines()
            .find(|l| l.contains("import helm_python as h"))
            .unwrap_or_else(|| panic!("the guide has no Helm one-liner:\n{output}"));
        let out = Command::new("bash")
            .args(["-c", line.trim()])
            .env("HOME", dir.join("home"))
            .output()
            .expect("run the Helm one-liner");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{line}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for needle in [
            "default hello-web hello-web-0.1.0 revision 1 deployed",
            "demo hello-config hello-config-0.1.0 revision 1 deployed",
            "demo team-web hello-web-0.1.0 revision 1 deployed",
            "hello-web revision 1 deployed",
        ] {
            assert!(text.contains(needle), "Helm says:\n{text}");
        }
    } else {
        assert!(output.contains("./scripts/ensure-venv.sh"), "{output}");
    }

    // Ctrl-C
    demo.signal("INT");
    let status = demo.wait_exit();
    let output = demo.output();
    assert_eq!(status.code(), Some(130), "{output}");
    assert_cleaned_up(&output, &started, &tmp);
    let api = guide_value(&output, "API");
    let api_port: u16 = api.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        common::http_get(api_port, "/version").is_none(),
        "the API still answers on {api}"
    );
}

#[test]
fn exit_when_ready_reports_every_release_ready_and_leaves_nothing_behind() {
    if prerequisites().is_none() {
        return;
    }
    let _one = one_demo_at_a_time();
    let dir = common::scratch_dir("demo-exit-when-ready");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut demo = Demo::start(&tmp, &[("DEMO_EXIT_WHEN_READY", "1")]);
    let status = common::eventually("the demo to exit on its own", START_LIMIT, || demo.exited());
    std::thread::sleep(Duration::from_millis(200));
    let output = demo.output();
    assert!(status.success(), "the demo failed ({status}):\n{output}");
    assert_every_release_reported_ready(&output);
    let started = started_processes(&output);
    assert_eq!(started.len(), 3, "{output}");
    assert_cleaned_up(&output, &started, &tmp);
}

#[test]
fn without_kubectl_the_demo_says_how_to_install_it() {
    let dir = common::scratch_dir("demo-no-kubectl");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // a PATH with what the script needs before its first check (dirname), and no kubectl
    let Some(dirname) = common::require(TEST, "dirname", common::which("dirname")) else {
        return;
    };
    std::os::unix::fs::symlink(dirname, bin.join("dirname")).unwrap();
    let Some(bash) = common::require(TEST, "bash", common::which("bash")) else {
        return;
    };
    let out = Command::new(bash)
        .arg(common::repo_root().join("scripts/demo.sh"))
        .env("PATH", &bin)
        .env("TMPDIR", &dir)
        .stdin(Stdio::null())
        .output()
        .expect("run the demo");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("kubectl is required"), "{err}");
    assert!(
        err.contains("https://kubernetes.io/docs/tasks/tools/"),
        "{err}"
    );
    assert!(
        leftovers(&dir).is_empty(),
        "nothing is started without kubectl"
    );
}

#[test]
fn demo_examples_use_the_api_as_written_and_the_demo_repository() {
    let (mut repositories, mut releases) = (Vec::new(), Vec::new());
    for (path, doc) in demo_documents() {
        let at = path.display();
        if doc["apiVersion"] != API_VERSION {
            assert_eq!(doc["kind"], "ConfigMap", "{at}: unexpected {doc}");
            continue;
        }
        match doc["kind"].as_str() {
            Some("HelmRepository") => {
                // every field is kept by the API types: tests/api_examples.rs checks examples/demo
                let r: HelmRepository = serde_json::from_value(doc.clone()).expect("deserializes");
                repositories.push(r);
            }
            Some("HelmRelease") => {
                let hr: HelmRelease = serde_json::from_value(doc.clone()).expect("deserializes");
                releases.push(hr);
            }
            other => panic!("{at}: unknown kind {other:?}"),
        }
    }
    // the script swaps this placeholder for the port it serves the charts on
    assert_eq!(repositories.len(), 1);
    assert_eq!(repositories[0].spec.url, "http://127.0.0.1:8879/");
    let repo_name = repositories[0].metadata.name.clone().unwrap();
    assert!(releases.len() >= 3);
    for hr in &releases {
        let chart = &hr.spec.chart;
        assert_eq!(
            chart.repository.as_ref().map(|r| r.name.as_str()),
            Some(repo_name.as_str()),
            "{:?}",
            hr.metadata.name
        );
        let dir = common::repo_root()
            .join("examples/charts")
            .join(&chart.name);
        assert!(dir.is_dir(), "no example chart {}", dir.display());
    }
    assert!(releases.iter().any(|hr| !hr.spec.values_from.is_empty()));
    assert!(releases.iter().any(|hr| hr.spec.chart.version.is_some()));
}
