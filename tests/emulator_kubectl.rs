//! The emulator's fidelity, proven with the machine's real kubectl: discovery, OpenAPI, Table
//! output with CRD printer columns, client-side and server-side apply, the three patch types,
//! `wait`, `rollout status`, `get -w`, protobuf bodies (`create configmap`), deletion with
//! garbage collection and namespace termination, simulated workload readiness and failure.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use kube_emulator::{EmulatorConfig, RunningEmulator};

struct Cluster {
    _emulator: RunningEmulator,
    dir: PathBuf,
    kubeconfig: PathBuf,
}

fn cluster(name: &str) -> Option<Cluster> {
    common::require(name, "kubectl", common::which("kubectl"))?;
    let dir = common::scratch_dir(name);
    let emulator = RunningEmulator::start(EmulatorConfig {
        readiness_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    Some(Cluster {
        _emulator: emulator,
        dir,
        kubeconfig,
    })
}

impl Cluster {
    fn kubectl(&self, args: &[&str]) -> (bool, String) {
        self.kubectl_stdin(args, None)
    }

    fn kubectl_stdin(&self, args: &[&str], stdin: Option<&str>) -> (bool, String) {
        let mut child = Command::new("kubectl")
            .env("HOME", self.dir.join("home"))
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, out) = self.kubectl(args);
        assert!(ok, "kubectl {args:?} failed:\n{out}");
        out
    }

    fn apply(&self, yaml: &str) -> String {
        let (ok, out) = self.kubectl_stdin(&["apply", "-f", "-"], Some(yaml));
        assert!(ok, "kubectl apply failed:\n{out}\n{yaml}");
        out
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = args.to_vec();
        full.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&full)).unwrap()
    }
}

fn crds() -> PathBuf {
    common::repo_root().join("crds")
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: \"nginx:1.25\", env: [{name: A, value: \"1\"}]}
      - {name: sidecar, image: busybox}
";

#[test]
fn kubectl_server_side_applies_crds_and_prints_their_columns() {
    let Some(c) = cluster("kubectl-crds") else {
        return;
    };
    let out = c.ok(&["apply", "--server-side", "-f", crds().to_str().unwrap()]);
    assert!(
        out.contains("helmreleases.helm-operator.ketches.cn serverside-applied"),
        "{out}"
    );
    let crd = c.json(&["get", "crd", "helmreleases.helm-operator.ketches.cn"]);
    let established = crd["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "Established" && c["status"] == "True");
    assert!(established, "{crd}");
    c.ok(&[
        "apply",
        "-f",
        common::repo_root()
            .join("examples/http-release.yaml")
            .to_str()
            .unwrap(),
    ]);
    let table = c.ok(&["get", "hr"]);
    let header = table.lines().next().unwrap();
    for column in [
        "NAME", "CHART", "VERSION", "REVISION", "READY", "STATUS", "AGE",
    ] {
        assert!(header.contains(column), "missing {column}: {table}");
    }
    assert!(
        !header.contains("TARGET"),
        "priority-1 columns only with -o wide: {table}"
    );
    assert!(
        c.ok(&["get", "hr", "-o", "wide"])
            .lines()
            .next()
            .unwrap()
            .contains("TARGET")
    );
    assert!(
        table.contains("nginx") && table.contains("~15.0.0"),
        "{table}"
    );
    // short names and categories come from discovery
    assert!(
        c.ok(&["get", "helm"])
            .contains("helmrelease.helm-operator.ketches.cn/nginx")
    );
    // defaults from the schema
    let hr = c.json(&["get", "hr", "nginx"]);
    assert_eq!(hr["spec"]["install"]["timeout"], "10m");
    assert_eq!(hr["spec"]["upgrade"]["cleanupOnFail"], true);
    let explain = c.ok(&["explain", "helmrelease.spec.rollback.toRevision"]);
    assert!(
        explain.contains("0 means the previous revision"),
        "{explain}"
    );
    // schema validation with the API server's wording
    let (ok, out) = c.kubectl_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart: {name: c, repository: {name: r}}\n  maxHistory: -1\n"),
    );
    assert!(!ok && out.contains("spec.maxHistory: Invalid value: -1: spec.maxHistory in body should be greater than or equal to 0"), "{out}");
    // kubectl validates strictly by default: an unknown field is refused, not silently pruned
    let typo = "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {name: typo}\nspec:\n  chart: {name: c, repository: {name: r}}\n  valuesFrum: []\n";
    let (ok, out) = c.kubectl_stdin(&["apply", "-f", "-"], Some(typo));
    assert!(
        !ok && out.contains("strict decoding error: unknown field \"spec.valuesFrum\""),
        "{out}"
    );
    let (ok, out) = c.kubectl_stdin(&["apply", "--validate=false", "-f", "-"], Some(typo));
    assert!(ok, "{out}");
    assert!(
        c.json(&["get", "hr", "typo"])["spec"]
            .get("valuesFrum")
            .is_none(),
        "pruned without strict validation"
    );
    // re-applying a changed CR patches it (merge patch, generation bumps)
    let changed = common::read(&common::repo_root().join("examples/http-release.yaml"))
        .replace("~15.0.0", "~16.0.0");
    let out = c.apply(&changed);
    assert!(
        out.contains("configured") && !out.contains("warning"),
        "{out}"
    );
    let hr = c.json(&["get", "hr", "nginx"]);
    assert_eq!(
        (
            hr["spec"]["chart"]["version"].as_str(),
            hr["metadata"]["generation"].as_i64()
        ),
        (Some("~16.0.0"), Some(2))
    );
}

#[test]
fn kubectl_apply_patch_wait_rollout_and_delete_a_deployment() {
    let Some(c) = cluster("kubectl-deployment") else {
        return;
    };
    c.apply(DEPLOYMENT);
    c.ok(&[
        "wait",
        "--for=condition=Available",
        "deployment/web",
        "--timeout=30s",
    ]);
    let rs = c.json(&["get", "replicasets", "-l", "app=web"]);
    let owned = &rs["items"][0];
    assert_eq!(
        owned["metadata"]["ownerReferences"][0]["kind"],
        "Deployment"
    );
    assert!(owned["metadata"]["labels"]["pod-template-hash"].is_string());
    // client-side apply computes a strategic merge patch: the sidecar goes, env merges by name
    let updated = DEPLOYMENT
        .replace("nginx:1.25", "nginx:1.26")
        .replace("      - {name: sidecar, image: busybox}\n", "");
    c.apply(&updated);
    let d = c.json(&["get", "deployment", "web"]);
    let containers = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(
        (containers.len(), containers[0]["image"].as_str()),
        (1, Some("nginx:1.26")),
        "{d}"
    );
    assert_eq!(d["metadata"]["generation"], 2);
    let out = c.ok(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    assert!(out.contains("successfully rolled out"), "{out}");
    // the three patch types
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "-p",
        "{\"spec\":{\"replicas\":3}}",
    ]);
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "--type",
        "merge",
        "-p",
        "{\"metadata\":{\"labels\":{\"tier\":\"front\"}}}",
    ]);
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "--type",
        "json",
        "-p",
        "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"a\":\"b\"}}]",
    ]);
    let d = c.json(&["get", "deployment", "web"]);
    assert_eq!(
        (
            d["spec"]["replicas"].as_i64(),
            d["metadata"]["labels"]["tier"].as_str(),
            d["metadata"]["annotations"]["a"].as_str()
        ),
        (Some(3), Some("front"), Some("b"))
    );
    let (ok, out) = c.kubectl(&[
        "patch",
        "deployment",
        "web",
        "--type",
        "json",
        "-p",
        "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":9}]",
    ]);
    assert!(
        !ok && out.contains("testing value"),
        "a failing JSON patch test must be refused: {out}"
    );
    // server-side apply by a second manager conflicts on a field kubectl-client-side-apply owns
    let (ok, out) = c.kubectl_stdin(
        &[
            "apply",
            "--server-side",
            "--field-manager",
            "other",
            "-f",
            "-",
        ],
        Some(&DEPLOYMENT.replace("replicas: 2", "replicas: 5")),
    );
    assert!(!ok && out.contains("conflict"), "{out}");
    c.ok(&["delete", "deployment", "web", "--timeout=30s"]);
    let (ok, out) = c.kubectl(&["get", "deployment", "web"]);
    assert!(
        !ok && out.contains("NotFound") && out.contains("deployments.apps \"web\" not found"),
        "{out}"
    );
    let rs = c.json(&["get", "replicasets"]);
    assert_eq!(
        rs["items"].as_array().unwrap().len(),
        0,
        "ReplicaSets are garbage collected"
    );
}

#[test]
fn failing_workloads_never_become_ready() {
    let Some(c) = cluster("kubectl-failing") else {
        return;
    };
    let failing = DEPLOYMENT.replace(
        "    metadata: {labels: {app: web}}",
        "    metadata: {labels: {app: web}, annotations: {emulator.test/fail: \"true\"}}",
    );
    c.apply(&failing);
    let (ok, out) = c.kubectl(&[
        "wait",
        "--for=condition=Available",
        "deployment/web",
        "--timeout=2s",
    ]);
    assert!(!ok, "a failing Deployment must not become Available: {out}");
    c.apply("apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    metadata: {annotations: {emulator.test/fail: \"true\"}}\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: busybox}]\n");
    c.ok(&[
        "wait",
        "--for=condition=Failed",
        "job/migrate",
        "--timeout=30s",
    ]);
    c.apply("apiVersion: batch/v1\nkind: Job\nmetadata: {name: ok}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: busybox}]\n");
    c.ok(&[
        "wait",
        "--for=condition=Complete",
        "job/ok",
        "--timeout=30s",
    ]);
    c.apply("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n");
    c.ok(&[
        "wait",
        "--for=jsonpath={.status.phase}=Bound",
        "pvc/data",
        "--timeout=30s",
    ]);
    c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n");
    c.ok(&[
        "wait",
        "--for=jsonpath={.status.loadBalancer.ingress[0].ip}=127.0.0.1",
        "svc/lb",
        "--timeout=30s",
    ]);
    let svc = c.json(&["get", "svc", "lb"]);
    assert!(
        svc["spec"]["clusterIP"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("10.96.")),
        "{svc}"
    );
}

#[test]
fn kubectl_watches_protobuf_creates_and_namespace_deletion() {
    let Some(c) = cluster("kubectl-watch") else {
        return;
    };
    c.ok(&["create", "namespace", "team"]);
    let log = c.dir.join("watch.log");
    let mut watch = Command::new("kubectl")
        .env("HOME", c.dir.join("home"))
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .args(["get", "configmaps", "-n", "team", "-w", "-o", "name"])
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // `kubectl create configmap` sends a protobuf body
    c.ok(&[
        "create",
        "configmap",
        "settings",
        "-n",
        "team",
        "--from-literal=mode=fast",
    ]);
    let seen = common::eventually(
        "kubectl get -w to print the new ConfigMap",
        Duration::from_secs(20),
        || {
            let text = std::fs::read_to_string(&log).ok()?;
            text.contains("configmap/settings").then_some(text)
        },
    );
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(seen.contains("configmap/settings"));
    let cm = c.json(&["get", "configmap", "settings", "-n", "team"]);
    assert_eq!(cm["data"]["mode"], "fast");
    c.ok(&[
        "create",
        "secret",
        "generic",
        "creds",
        "-n",
        "team",
        "--from-literal=password=s3cr3t",
    ]);
    c.ok(&["delete", "namespace", "team", "--timeout=30s"]);
    let (ok, out) = c.kubectl(&["get", "namespace", "team"]);
    assert!(!ok && out.contains("not found"), "{out}");
    let (ok, out) = c.kubectl(&["get", "configmap", "settings", "-n", "team"]);
    assert!(!ok, "contents go with the namespace: {out}");
}

#[test]
fn describe_shows_events_of_an_object() {
    let Some(c) = cluster("kubectl-describe") else {
        return;
    };
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n");
    let cm = c.json(&["get", "cm", "cfg"]);
    let event = format!(
        "apiVersion: v1\nkind: Event\nmetadata: {{name: cfg.1}}\ninvolvedObject: {{kind: ConfigMap, name: cfg, namespace: default, uid: {}}}\nreason: Tested\nmessage: hello from the test\ntype: Normal\n",
        cm["metadata"]["uid"].as_str().unwrap()
    );
    c.apply(&event);
    let out = c.ok(&["describe", "configmap", "cfg"]);
    assert!(
        out.contains("Tested") && out.contains("hello from the test"),
        "{out}"
    );
}
