//! The HelmRelease controller end to end: the operator binary against the API emulator, a chart
//! repository made by real Helm served by real nginx, and real Helm (`helm_python`) reading what
//! the operator did: a release is installed, upgraded on a values change and on a new matching
//! chart version, listed by Helm with its history and values, and uninstalled when the
//! HelmRelease is deleted.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::operator::{apply, condition, kubectl, start_cluster, stop_operator};
use common::{eventually, http_get};
use serde_json::Value;

const TEST: &str = "release controller";
const LIMIT: Duration = Duration::from_secs(90);

/// What real Helm says of release `name`: `list`, `history` and `get_values`.
fn helm_view(python: &Path, kubeconfig: &Path, dir: &Path, name: &str) -> Value {
    let script = r#"
import json, sys
from helm_python import Config
cfg = Config(kubeconfig_path=sys.argv[1], namespace="default")
name = sys.argv[2]
listed = cfg.list()
out = {"list": [(r["name"], r["status"]) for r in listed], "listed": listed}
try:
    out["history"] = [(r.get("revision", r.get("version")), r["status"], r.get("description", "")) for r in cfg.history(name)]
    out["values"] = cfg.get_values(name)
except Exception as e:
    out["error"] = str(e)
print(json.dumps(out, default=str))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(kubeconfig)
        .arg(name)
        .env("HOME", dir)
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("helm's view is JSON")
}

fn release_yaml(version: &str, values: &str) -> String {
    format!(
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: web, namespace: default}}\nspec:\n  maxHistory: 2\n  chart: {{name: app, version: '{version}', repository: {{name: charts}}}}\n  values: |\n{values}"
    )
}

fn ready_with(dir: &Path, kubeconfig: &Path, reason: &str, message_part: &str) -> Value {
    eventually(&format!("hr/web Ready with {reason}"), LIMIT, || {
        condition(dir, kubeconfig, "hr/web", "Ready").filter(|c| {
            c["reason"] == reason && c["message"].as_str().unwrap_or("").contains(message_part)
        })
    })
}

#[test]
fn a_release_installs_upgrades_and_uninstalls_and_helm_reads_it() {
    let dir = common::scratch_dir("release-controller");
    if common::require(TEST, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(nginx) = common::require(TEST, "nginx", common::nginx::binary()) else {
        return;
    };
    let root = dir.join("www");
    std::fs::create_dir_all(root.join("repo")).unwrap();
    common::nginx::helm_repository(&python, &root.join("repo"), &["1.0.0", "1.1.0"]);
    let (_web, port) = common::nginx::start(&nginx, &dir.join("nginx"), &root, None);

    let (_emulator, kubeconfig, op) = start_cluster(&dir, &[]);

    apply(
        &dir,
        &kubeconfig,
        "repo.yaml",
        &format!(
            "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {{name: charts, namespace: default}}\nspec:\n  url: http://127.0.0.1:{port}/plain/repo\n"
        ),
    );

    // a kind the chart looks for in .Capabilities.APIVersions
    apply(
        &dir,
        &kubeconfig,
        "widgets.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {plural: widgets, singular: widget, kind: Widget}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n",
    );
    let (_, server) = kubectl(&dir, &kubeconfig, &["version", "-o", "json"]);
    let server: Value = serde_json::from_str(&server[server.find('{').unwrap()..]).unwrap();
    let server_version = server["serverVersion"]["gitVersion"]
        .as_str()
        .unwrap()
        .to_owned();

    // install
    apply(
        &dir,
        &kubeconfig,
        "hr.yaml",
        &release_yaml("~1.0.0", "    replicas: 3\n    note: first\n"),
    );
    let ready = ready_with(
        &dir,
        &kubeconfig,
        "InstallSucceeded",
        "revision 1 (app 1.0.0)",
    );
    assert_eq!(ready["status"], "True");
    let (ok, json) = kubectl(
        &dir,
        &kubeconfig,
        &["get", "deployment", "web-app", "-o", "json"],
    );
    assert!(ok, "{json}");
    let deployment: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(
        deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "Helm"
    );
    assert_eq!(
        deployment["metadata"]["annotations"]["meta.helm.sh/release-name"],
        "web"
    );
    let (ok, json) = kubectl(
        &dir,
        &kubeconfig,
        &["get", "configmap", "web-app", "-o", "json"],
    );
    assert!(ok, "{json}");
    let cm: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cm["data"]["note"], "first");
    // the render saw the live cluster: its version and its served kinds
    assert_eq!(cm["data"]["kube"], server_version.as_str());
    assert_eq!(cm["data"]["hasWidgets"], "true");

    let helm = helm_view(&python, &kubeconfig, &dir, "web");
    assert_eq!(
        helm["list"],
        serde_json::json!([["web", "deployed"]]),
        "{helm}"
    );
    assert_eq!(
        helm["values"],
        serde_json::json!({"replicas": 3, "note": "first"}),
        "{helm}"
    );
    let listed = &helm["listed"][0];
    assert_eq!(
        (
            &listed["chart_name"],
            &listed["chart_version"],
            &listed["revision"]
        ),
        (&Value::from("app"), &Value::from("1.0.0"), &Value::from(1)),
        "{helm}"
    );

    // a values change upgrades
    apply(
        &dir,
        &kubeconfig,
        "hr.yaml",
        &release_yaml("~1.0.0", "    replicas: 1\n    note: second\n"),
    );
    ready_with(
        &dir,
        &kubeconfig,
        "UpgradeSucceeded",
        "revision 2 (app 1.0.0)",
    );
    let (_, json) = kubectl(
        &dir,
        &kubeconfig,
        &["get", "configmap", "web-app", "-o", "json"],
    );
    let cm: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cm["data"]["note"], "second");

    // a new matching chart version upgrades
    apply(
        &dir,
        &kubeconfig,
        "hr.yaml",
        &release_yaml("~1.1.0", "    replicas: 1\n    note: second\n"),
    );
    ready_with(
        &dir,
        &kubeconfig,
        "UpgradeSucceeded",
        "revision 3 (app 1.1.0)",
    );
    let helm = helm_view(&python, &kubeconfig, &dir, "web");
    let statuses: Vec<&str> = helm["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[1].as_str().unwrap())
        .collect();
    // maxHistory: 2 trimmed revision 1 before revision 3 was recorded, as Helm does
    assert_eq!(statuses, ["superseded", "deployed"], "{helm}");
    let (_, json) = kubectl(&dir, &kubeconfig, &["get", "hr", "web", "-o", "json"]);
    let hr: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(hr["status"]["helmRelease"]["revision"], 3);
    assert_eq!(hr["status"]["helmRelease"]["chartVersion"], "1.1.0");
    assert_eq!(hr["status"]["history"].as_array().unwrap().len(), 2);

    // the seed's release metrics
    let (_, metrics) = http_get(op.metrics, "/metrics").expect("metrics");
    for needle in [
        "helm_release_info{chart=\"app\",namespace=\"default\",release=\"web\",status=\"deployed\",version=\"1.1.0\"} 1",
        "helm_release_operation_total{operation=\"install\",status=\"success\"} 1",
        "helm_release_operation_total{operation=\"upgrade\",status=\"success\"} 2",
        "helm_release_operation_duration_seconds_count{operation=\"upgrade\",status=\"success\"} 2",
    ] {
        assert!(metrics.contains(needle), "{needle} missing:\n{metrics}");
    }
    assert!(
        !metrics.contains("version=\"1.0.0\"} 1"),
        "the superseded revision's info series stays:\n{metrics}"
    );

    // an unchanged release costs no new revision
    std::thread::sleep(Duration::from_secs(2));
    let helm_again = helm_view(&python, &kubeconfig, &dir, "web");
    assert_eq!(helm_again["history"].as_array().unwrap().len(), 2);

    // a release into a namespace that does not exist yet, with createNamespace
    apply(
        &dir,
        &kubeconfig,
        "elsewhere.yaml",
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {name: elsewhere, namespace: default}\nspec:\n  chart: {name: app, repository: {name: charts}}\n  release: {name: api, namespace: created-by-operator, createNamespace: true}\n",
    );
    let ready = eventually("hr/elsewhere to be installed", LIMIT, || {
        condition(&dir, &kubeconfig, "hr/elsewhere", "Ready").filter(|c| c["status"] == "True")
    });
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains("release created-by-operator/api revision 1 (app 1.1.0)"),
        "{ready}"
    );
    let (ok, json) = kubectl(
        &dir,
        &kubeconfig,
        &["get", "namespace", "created-by-operator", "-o", "json"],
    );
    assert!(ok, "{json}");
    let ns: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(ns["metadata"]["labels"]["name"], "created-by-operator");
    let (ok, out) = kubectl(
        &dir,
        &kubeconfig,
        &["get", "deployment", "api-app", "-n", "created-by-operator"],
    );
    assert!(ok, "{out}");

    // deleting the HelmRelease uninstalls the release
    let (ok, out) = kubectl(&dir, &kubeconfig, &["delete", "hr", "web", "--wait=false"]);
    assert!(ok, "{out}");
    eventually("the HelmRelease to be gone", LIMIT, || {
        (!kubectl(&dir, &kubeconfig, &["get", "hr", "web"]).0).then_some(())
    });
    let (exists, _) = kubectl(&dir, &kubeconfig, &["get", "deployment", "web-app"]);
    assert!(!exists, "the release's Deployment stays after uninstall");
    let helm = helm_view(&python, &kubeconfig, &dir, "web");
    assert_eq!(helm["list"], serde_json::json!([]), "{helm}");
    stop_operator(op);
}
