//! The `helm-operator` binary as a process against an API server, and kubectl to drive it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{Process, eventually, free_port, http_get};

/// A running operator.
pub struct Operator {
    /// The process.
    pub process: Process,
    /// Port of /healthz and /readyz.
    pub health: u16,
    /// Port of /metrics.
    pub metrics: u16,
}

/// Starts `helm-operator run` against `kubeconfig`, with `extra` flags, and waits for /healthz.
pub fn start_operator(dir: &Path, kubeconfig: &Path, extra: &[&str]) -> Operator {
    let (health, metrics) = (free_port(), free_port());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_helm-operator"));
    cmd.args(["run", "--kubeconfig"])
        .arg(kubeconfig)
        .args([
            "--health-address",
            &format!("127.0.0.1:{health}"),
            "--metrics-address",
            &format!("127.0.0.1:{metrics}"),
        ])
        .args([
            "--replica-id",
            "test-replica",
            // the emulator's `default` namespace exists from the start; the member Lease lives there
            "--operator-namespace",
            "default",
            "--log-format",
            "json",
            "--log-level",
            "info",
        ])
        .args(extra)
        .env_remove("POD_NAME")
        .env_remove("POD_NAMESPACE");
    let process = Process::start("helm-operator", cmd, &dir.join("operator.log"));
    eventually("the operator's /healthz", Duration::from_secs(60), || {
        http_get(health, "/healthz").filter(|(code, _)| *code == 200)
    });
    Operator {
        process,
        health,
        metrics,
    }
}

/// Stops the operator with SIGTERM and checks that it stopped cleanly.
pub fn stop_operator(mut op: Operator) {
    op.process.signal("TERM");
    let status = op
        .process
        .wait_exit(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("operator ignored SIGTERM:\n{}", op.process.log_text()));
    assert!(
        status.success(),
        "operator exited with {status} after SIGTERM:\n{}",
        op.process.log_text()
    );
    let log = op.process.log_text();
    assert!(log.contains("helm-operator stopped"), "{log}");
}

/// Runs kubectl; success and stdout+stderr.
pub fn kubectl(dir: &Path, kubeconfig: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("kubectl")
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

/// The condition `type_` of `resource` (`kind/name`), once it exists.
pub fn condition(
    dir: &Path,
    kubeconfig: &Path,
    resource: &str,
    type_: &str,
) -> Option<serde_json::Value> {
    let (ok, json) = kubectl(dir, kubeconfig, &["get", resource, "-o", "json"]);
    if !ok {
        return None;
    }
    let obj: serde_json::Value = serde_json::from_str(&json).ok()?;
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .cloned()
}

/// Writes `yaml` to `dir/name` and applies it with kubectl.
pub fn apply(dir: &Path, kubeconfig: &Path, name: &str, yaml: &str) {
    let path = dir.join(name);
    std::fs::write(&path, yaml).unwrap();
    let (ok, out) = kubectl(dir, kubeconfig, &["apply", "-f", path.to_str().unwrap()]);
    assert!(ok, "kubectl apply {name}: {out}");
}

/// An API emulator with the project's CRDs applied and the operator running against it (with
/// `extra` flags), ready: what every controller test starts from.
pub fn start_cluster(
    dir: &Path,
    extra: &[&str],
) -> (kube_emulator::RunningEmulator, std::path::PathBuf, Operator) {
    let emulator = kube_emulator::RunningEmulator::start(kube_emulator::EmulatorConfig::default())
        .expect("emulator starts");
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    let crds = super::repo_root().join("crds");
    let (ok, out) = kubectl(
        dir,
        &kubeconfig,
        &["apply", "--server-side", "-f", crds.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    let operator = start_operator(dir, &kubeconfig, extra);
    eventually("/readyz to pass", Duration::from_secs(90), || {
        http_get(operator.health, "/readyz").filter(|(c, _)| *c == 200)
    });
    (emulator, kubeconfig, operator)
}

/// Every Helm record of release `name` (in any namespace kubectl's context reaches: the
/// kubeconfig's default), oldest first, read with Helm's codec.
pub fn release_records(
    dir: &Path,
    kubeconfig: &Path,
    name: &str,
) -> Vec<helm_operator::cluster::storage::Release> {
    let selector = format!("owner=helm,name={name}");
    let (ok, json) = kubectl(
        dir,
        kubeconfig,
        &["get", "secrets", "-l", &selector, "-o", "json"],
    );
    assert!(ok, "{json}");
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut records: Vec<helm_operator::cluster::storage::Release> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let secret: k8s_openapi::api::core::v1::Secret =
                serde_json::from_value(s.clone()).unwrap();
            helm_operator::cluster::storage::release_from_secret(&secret)
                .expect("a record Helm's codec reads")
        })
        .collect();
    records.sort_by_key(|r| r.version);
    records
}
