//! The emulator's fidelity, proven with real Helm v4.2.3 (helm_python): the `helm create` chart
//! installs (waiting with kstatus watchers), lists, upgrades (waiting the legacy way), rolls
//! back, runs its test hook and uninstalls; Helm's own release Secrets appear with the right
//! labels and decode to the release; `create_namespace` and a failing upgrade behave as on a
//! cluster.

mod common;

use std::process::Command;
use std::time::Duration;

use kube_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;

const SCRIPT: &str = r#"
import base64, gzip, json, subprocess, sys
import helm_python as h
from helm_python import Config
kubeconfig, workdir = sys.argv[1], sys.argv[2]
with h.Chart.create("demo", workdir) as c:
    pass
chart = workdir + "/demo"
cfg = Config(kubeconfig_path=kubeconfig, namespace="default")
out = {}
def step(name, fn):
    try:
        out[name] = {"ok": True, "value": fn()}
    except Exception as e:
        out[name] = {"ok": False, "error": type(e).__name__ + ": " + str(e)}
def secrets():
    raw = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", "secrets", "-A", "-l", "owner=helm", "-o", "json"],
                         capture_output=True, text=True, check=True, env={"HOME": workdir, "PATH": "/usr/bin:/bin:/usr/local/bin"}).stdout
    result = []
    for item in json.loads(raw)["items"]:
        release = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(item["data"]["release"]))))
        result.append({"name": item["metadata"]["name"], "labels": item["metadata"]["labels"], "type": item["type"],
                       "release": {"name": release["name"], "version": release["version"], "status": release["info"]["status"]}})
    return sorted(result, key=lambda s: s["name"])
step("install", lambda: cfg.install(chart, "web", {"replicaCount": 2}, wait="watcher", timeout=60)["status"])
step("list", lambda: [(r["name"], r["status"]) for r in cfg.list()])
step("upgrade", lambda: cfg.upgrade(chart, "web", {"replicaCount": 3, "service": {"port": 8080}}, wait="legacy", timeout=60)["revision"])
step("history", lambda: [(r["revision"], r["status"]) for r in cfg.history("web")])
step("secrets", secrets)
step("rollback", lambda: cfg.rollback("web", version=1, wait="watcher", timeout=60))
step("values", lambda: cfg.get_values("web"))
step("test", lambda: cfg.test("web", timeout=60)["release"]["status"])
step("failing_upgrade", lambda: cfg.upgrade(chart, "web", {"podAnnotations": {"emulator.test/fail": "true"}}, wait="watcher", timeout=3)["status"])
step("history_after_failure", lambda: [(r["revision"], r["status"]) for r in cfg.history("web")])
step("other_namespace", lambda: cfg.install(chart, "api", {}, namespace="created-by-helm", create_namespace=True, wait="watcher", timeout=60)["status"])
step("uninstall", lambda: cfg.uninstall("web", wait="legacy", timeout=60)["release"]["status"])
step("secrets_after", secrets)
print(json.dumps(out, default=str))
"#;

#[test]
fn real_helm_manages_a_release_lifecycle_against_the_emulator() {
    let Some(python) = common::require(
        "helm fidelity",
        "the venv with helm_python",
        common::helm_python(),
    ) else {
        return;
    };
    if common::require("helm fidelity", "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let dir = common::scratch_dir("emulator-helm");
    let emulator = RunningEmulator::start(EmulatorConfig {
        readiness_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    })
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    let output = Command::new(python)
        .args(["-c", SCRIPT])
        .arg(&kubeconfig)
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "script failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let r: Value = serde_json::from_str(stdout.lines().last().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let ok = |step: &str| -> &Value {
        assert_eq!(r[step]["ok"], true, "{step}: {}", r[step]);
        &r[step]["value"]
    };
    assert_eq!(ok("install"), "deployed");
    assert_eq!(ok("list"), &serde_json::json!([["web", "deployed"]]));
    assert_eq!(ok("upgrade"), 2);
    assert_eq!(
        ok("history"),
        &serde_json::json!([[1, "superseded"], [2, "deployed"]])
    );
    let secrets = ok("secrets").as_array().unwrap();
    assert_eq!(secrets.len(), 2);
    assert_eq!(secrets[0]["name"], "sh.helm.release.v1.web.v1");
    assert_eq!(secrets[0]["type"], "helm.sh/release.v1");
    assert_eq!(secrets[0]["labels"]["status"], "superseded");
    assert_eq!(secrets[1]["labels"]["owner"], "helm");
    assert_eq!(
        secrets[1]["release"],
        serde_json::json!({"name": "web", "version": 2, "status": "deployed"})
    );
    ok("rollback");
    assert_eq!(ok("values"), &serde_json::json!({"replicaCount": 2}));
    assert_eq!(ok("test"), "deployed");
    // a workload that never becomes ready fails the upgrade after its timeout
    assert_eq!(
        r["failing_upgrade"]["ok"], false,
        "{}",
        r["failing_upgrade"]
    );
    let history = ok("history_after_failure").as_array().unwrap();
    assert_eq!(history.last().unwrap()[1], "failed", "{history:?}");
    assert_eq!(ok("other_namespace"), "deployed");
    assert_eq!(ok("uninstall"), "uninstalled");
    let after: Vec<&str> = ok("secrets_after")
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["release"]["name"].as_str())
        .collect();
    assert_eq!(after, ["api"], "uninstall removes web's release Secrets");
}
