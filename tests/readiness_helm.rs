//! `cluster::readiness` proven against real Helm v4.2.3 (helm_python) waiting with its kstatus
//! watcher on the project's API emulator.
//!
//! Objects in every state: with the emulator's simulated controllers idle, each object is
//! created with the status it is to have, then real Helm installs a chart holding them (taking
//! ownership of the existing objects) and waits; Helm names every object that is not ready with
//! its kstatus status and message. The objects are read back with kubectl and the predicate must
//! give Helm's verdict for each, with Helm's message.
//!
//! Rollouts: with the simulated controllers running, the predicate must say "not ready" while
//! Helm still waits, "ready" for everything when Helm returns, and agree with Helm on the
//! objects of a release that fails.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use helm_operator::cluster::readiness::{
    ObjectRef, Readiness, WaitOptions, readiness_with_pods, summarize,
};
use k8s_openapi::jiff::Timestamp;
use kube_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::{Value, json};

/// Creates each release's objects with their statuses over the emulator's HTTP API, installs
/// the releases in parallel with Helm waiting (`take_ownership` adopts the objects as they are),
/// then reads the objects back with kubectl.
///
/// `take_ownership` and `wait_for_jobs` are Helm install options the helm-c-sdk accepts but
/// helm_python's `Config.install` does not pass on, hence the direct native call.
const STATES_SCRIPT: &str = r#"
import datetime, json, os, subprocess, sys, tempfile, threading, urllib.request
import helm_python as h
from helm_python import Config, _native
kubeconfig, server, workdir, spec_path = sys.argv[1:5]
spec = json.load(open(spec_path))
env = {"HOME": workdir, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

def call(method, path, body=None, content_type="application/json"):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(server + path, data=data, method=method, headers={"Content-Type": content_type})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")

def collection(o, ns):
    group, _, version = o["apiVersion"].rpartition("/")
    base = "/apis/" + o["apiVersion"] if group else "/api/" + version
    kind = o["kind"].lower()
    plural = kind + ("es" if kind.endswith("s") else "s")
    cluster_scoped = o["kind"] in ("CustomResourceDefinition", "Namespace")
    return base + ("" if cluster_scoped else "/namespaces/" + ns) + "/" + plural

def create(o, ns, status=None, terminating=False):
    call("POST", collection(o, ns), o)
    item = collection(o, ns) + "/" + o["metadata"]["name"]
    if status is not None:
        call("PATCH", item + "/status", {"status": status}, "application/merge-patch+json")
    if terminating:
        call("DELETE", item)

def resource(o):
    group = o["apiVersion"].rpartition("/")[0]
    kind = o["kind"].lower()
    return kind + ("es" if kind.endswith("s") else "s") + ("." + group if group else "")

for o in spec["setup"]:
    create(o, "default")
out = {}
def release(rel):
    ns = rel["namespace"]
    create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}, "")
    for p in rel.get("pods", []):
        create(p["manifest"], ns, p["status"])
    chart = tempfile.mkdtemp(dir=workdir)
    os.makedirs(chart + "/templates")
    open(chart + "/Chart.yaml", "w").write("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    for i, case in enumerate(rel["objects"]):
        create(case["manifest"], ns, case.get("status"), case.get("terminating", False))
        open(chart + "/templates/o%d.yaml" % i, "w").write(json.dumps(case["manifest"]))
    opts = {"namespace": ns, "timeout_seconds": rel["timeout"], "wait": "watcher", "take_ownership": True,
            "wait_for_jobs": rel["wait_for_jobs"]}
    cfg = Config(kubeconfig_path=kubeconfig, namespace=ns)
    try:
        _native.call_string("helm_install", cfg._raw(), _native.HANDLE(0), _native.HANDLE(0), chart, ns, None, json.dumps(opts))
        error = None
    except Exception as e:
        error = str(e)
    returned_at = datetime.datetime.now(datetime.timezone.utc).isoformat()
    kinds = sorted({resource(c["manifest"]) for c in rel["objects"]} | {"pods"})
    def get(*args):
        r = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", *args, "-o", "json"], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return json.loads(r.stdout)["items"]
    items = get(",".join(kinds), "-n", ns)
    out[ns] = {"error": error, "returned_at": returned_at, "items": items}
threads = [threading.Thread(target=lambda r=r: release(r)) for r in spec["releases"]]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(out))
"#;

fn condition(type_: &str, status: &str) -> Value {
    json!({"type": type_, "status": status, "reason": "R", "message": format!("m-{type_}{status}")})
}

/// `base` with the keys of `overrides` replaced (a null override removes the key).
fn with(base: Value, overrides: Value) -> Value {
    let mut out = base;
    for (k, v) in overrides.as_object().expect("object") {
        if v.is_null() {
            out.as_object_mut().expect("object").remove(k);
        } else {
            out[k] = v.clone();
        }
    }
    out
}

fn template(name: &str) -> Value {
    json!({"metadata": {"labels": {"a": name}}, "spec": {"containers": [{"name": "c", "image": "x"}]}})
}

fn manifest(api_version: &str, kind: &str, name: &str, spec: Value) -> Value {
    let mut m = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
    if !spec.is_null() {
        m["spec"] = spec;
    }
    m
}

fn case(manifest: Value, status: Value) -> Value {
    json!({"manifest": manifest, "status": status})
}

fn workload(kind: &str, name: &str, spec: Value) -> Value {
    let base = json!({"replicas": 3, "selector": {"matchLabels": {"a": name}}, "template": template(name)});
    let base = if kind == "DaemonSet" {
        with(base, json!({"replicas": null}))
    } else if kind == "StatefulSet" {
        with(base, json!({"serviceName": "s"}))
    } else {
        base
    };
    manifest("apps/v1", kind, name, with(base, spec))
}

fn workload_cases() -> Vec<Value> {
    let available = condition("Available", "True");
    let progressing =
        json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"});
    let deadline = json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "pde"});
    let dep = |n: i64, o: Value| {
        with(
            json!({"observedGeneration": 1, "replicas": n, "updatedReplicas": n, "readyReplicas": n,
                   "availableReplicas": n, "conditions": [available, progressing]}),
            o,
        )
    };
    let sts = |o: Value| {
        with(
            json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3,
                   "availableReplicas": 3, "currentRevision": "r1", "updateRevision": "r1"}),
            o,
        )
    };
    let ds = |o: Value| {
        with(
            json!({"observedGeneration": 1, "desiredNumberScheduled": 2, "currentNumberScheduled": 2,
                   "updatedNumberScheduled": 2, "numberAvailable": 2, "numberReady": 2}),
            o,
        )
    };
    let rs = |o: Value| {
        with(
            json!({"observedGeneration": 1, "replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}),
            o,
        )
    };
    let partition = |p: i64| json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": p}}});
    vec![
        case(
            workload("Deployment", "d-good", json!({})),
            dep(3, json!({})),
        ),
        case(workload("Deployment", "d-nostatus", json!({})), Value::Null),
        case(
            workload("Deployment", "d-replicas", json!({})),
            dep(3, json!({"replicas": 2})),
        ),
        case(
            workload("Deployment", "d-updated", json!({})),
            dep(3, json!({"updatedReplicas": 1})),
        ),
        case(
            workload("Deployment", "d-extra", json!({})),
            dep(3, json!({"replicas": 4})),
        ),
        case(
            workload("Deployment", "d-available", json!({})),
            dep(3, json!({"availableReplicas": 2})),
        ),
        case(
            workload("Deployment", "d-ready", json!({})),
            dep(3, json!({"readyReplicas": 2})),
        ),
        case(
            workload("Deployment", "d-no-progressing", json!({})),
            dep(3, json!({"conditions": [available]})),
        ),
        case(
            workload(
                "Deployment",
                "d-deadline-spec",
                json!({"progressDeadlineSeconds": 600}),
            ),
            dep(3, json!({"conditions": [available]})),
        ),
        case(
            workload("Deployment", "d-not-available", json!({})),
            dep(3, json!({"conditions": [progressing]})),
        ),
        case(
            workload("Deployment", "d-deadline", json!({})),
            dep(
                3,
                json!({"readyReplicas": 1, "conditions": [available, deadline]}),
            ),
        ),
        case(
            workload("Deployment", "d-generation", json!({})),
            dep(3, json!({"observedGeneration": 0})),
        ),
        case(
            workload("Deployment", "d-paused", json!({"paused": true})),
            dep(3, json!({"readyReplicas": 0})),
        ),
        case(
            workload("Deployment", "d-zero", json!({"replicas": 0})),
            json!({"observedGeneration": 1}),
        ),
        case(
            workload("Deployment", "d-ready-false", json!({})),
            dep(
                3,
                json!({"conditions": [available, progressing, condition("Ready", "False")]}),
            ),
        ),
        case(
            workload("Deployment", "d-stalled", json!({})),
            dep(
                3,
                json!({"conditions": [available, progressing, condition("Stalled", "True")]}),
            ),
        ),
        case(workload("StatefulSet", "t-good", json!({})), sts(json!({}))),
        case(
            workload("StatefulSet", "t-nostatus", json!({})),
            Value::Null,
        ),
        case(
            workload("StatefulSet", "t-ready", json!({})),
            sts(json!({"readyReplicas": 2})),
        ),
        case(
            workload("StatefulSet", "t-current", json!({})),
            sts(json!({"currentReplicas": 2})),
        ),
        case(
            workload("StatefulSet", "t-revision", json!({})),
            sts(json!({"updateRevision": "r2"})),
        ),
        case(
            workload(
                "StatefulSet",
                "t-ondelete",
                json!({"updateStrategy": {"type": "OnDelete"}}),
            ),
            Value::Null,
        ),
        case(
            workload("StatefulSet", "t-partition", partition(1)),
            sts(json!({"updatedReplicas": 1, "currentReplicas": 1, "updateRevision": "r2"})),
        ),
        case(
            workload("StatefulSet", "t-partition-done", partition(1)),
            sts(json!({"updatedReplicas": 2, "currentReplicas": 1, "updateRevision": "r2"})),
        ),
        case(
            workload("StatefulSet", "t-partition-zero", partition(0)),
            sts(json!({"updatedReplicas": 2})),
        ),
        case(
            workload("StatefulSet", "t-crashing", json!({"replicas": 1})),
            Value::Null,
        ),
        case(workload("DaemonSet", "ds-good", json!({})), ds(json!({}))),
        case(workload("DaemonSet", "ds-nostatus", json!({})), Value::Null),
        case(
            workload("DaemonSet", "ds-no-desired", json!({})),
            json!({"observedGeneration": 1}),
        ),
        case(
            workload("DaemonSet", "ds-current", json!({})),
            ds(json!({"currentNumberScheduled": 1})),
        ),
        case(
            workload(
                "DaemonSet",
                "ds-updated",
                json!({"updateStrategy": {"type": "OnDelete"}}),
            ),
            ds(json!({"updatedNumberScheduled": 1})),
        ),
        case(
            workload("DaemonSet", "ds-available", json!({})),
            ds(json!({"numberAvailable": 1})),
        ),
        case(
            workload("DaemonSet", "ds-ready", json!({})),
            ds(json!({"numberReady": 1})),
        ),
        case(
            workload("DaemonSet", "ds-unavailable", json!({})),
            ds(json!({"numberUnavailable": 1})),
        ),
        case(workload("ReplicaSet", "r-good", json!({})), rs(json!({}))),
        case(workload("ReplicaSet", "r-nostatus", json!({})), Value::Null),
        case(
            workload("ReplicaSet", "r-labelled", json!({})),
            rs(json!({"fullyLabeledReplicas": 2})),
        ),
        case(
            workload("ReplicaSet", "r-available", json!({})),
            rs(json!({"availableReplicas": 2})),
        ),
        case(
            workload("ReplicaSet", "r-extra", json!({})),
            rs(json!({"replicas": 4})),
        ),
        case(
            workload("ReplicaSet", "r-failure", json!({})),
            rs(json!({"conditions": [condition("ReplicaFailure", "True")]})),
        ),
        case(
            workload("ReplicaSet", "r-crashing", json!({"replicas": 2})),
            json!({"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 1, "availableReplicas": 1}),
        ),
        case(
            workload("ReplicaSet", "r-completed-pod", json!({"replicas": 1})),
            Value::Null,
        ),
    ]
}

/// Pods that are not part of the release but are selected by `t-crashing`, `r-crashing` and
/// `r-completed-pod`.
fn selected_pods() -> Vec<Value> {
    let crash = json!({"phase": "Running", "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]});
    let pod = |name: &str, of: &str| {
        with(
            manifest(
                "v1",
                "Pod",
                name,
                json!({"containers": [{"name": "c", "image": "x"}]}),
            ),
            json!({"metadata": {"name": name, "labels": {"a": of}}}),
        )
    };
    vec![
        case(pod("crash-1", "r-crashing"), crash.clone()),
        case(pod("crash-2", "r-crashing"), crash.clone()),
        case(pod("crash-3", "t-crashing"), crash),
        case(
            pod("completed", "r-completed-pod"),
            json!({"phase": "Failed"}),
        ),
    ]
}

fn other_cases() -> Vec<Value> {
    let widget = |name: &str| manifest("example.com/v1", "Widget", name, json!({"x": 1}));
    let conds = |c: Vec<Value>| json!({"conditions": c});
    let pod = |name: &str| {
        manifest(
            "v1",
            "Pod",
            name,
            json!({"containers": [{"name": "c", "image": "x"}]}),
        )
    };
    let service = |name: &str, spec: Value| {
        manifest(
            "v1",
            "Service",
            name,
            with(json!({"ports": [{"port": 80}]}), spec),
        )
    };
    let claim = |name: &str| {
        manifest(
            "v1",
            "PersistentVolumeClaim",
            name,
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}),
        )
    };
    let crd = |plural: &str, kind: &str| {
        manifest(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            &format!("{plural}.readiness.example.com"),
            json!({"group": "readiness.example.com", "scope": "Namespaced",
                   "names": {"plural": plural, "singular": &plural[..plural.len() - 1], "kind": kind},
                   "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object"}}}]}),
        )
    };
    let conflict = json!({"type": "NamesAccepted", "status": "False", "reason": "ConflictReason", "message": "names conflict"});
    let established = condition("Established", "True");
    let mut terminating = case(
        with(
            widget("w-terminating"),
            json!({"metadata": {"name": "w-terminating", "finalizers": ["example.com/hold"]}}),
        ),
        conds(vec![condition("Ready", "True")]),
    );
    terminating["terminating"] = json!(true);
    vec![
        case(widget("w-nostatus"), Value::Null),
        case(widget("w-ready"), conds(vec![condition("Ready", "True")])),
        case(
            widget("w-ready-false"),
            conds(vec![condition("Ready", "False")]),
        ),
        case(
            widget("w-ready-unknown"),
            conds(vec![condition("Ready", "Unknown")]),
        ),
        case(
            widget("w-ready-false-silent"),
            conds(vec![json!({"type": "Ready", "status": "False"})]),
        ),
        case(
            widget("w-ready-bogus"),
            conds(vec![json!({"type": "Ready", "status": "Bogus"})]),
        ),
        case(
            widget("w-ready-true-false"),
            conds(vec![
                condition("Ready", "True"),
                condition("Ready", "False"),
            ]),
        ),
        case(
            widget("w-ready-bogus-false"),
            conds(vec![
                json!({"type": "Ready", "status": "Bogus"}),
                condition("Ready", "False"),
            ]),
        ),
        case(
            widget("w-reconciling"),
            conds(vec![condition("Reconciling", "True")]),
        ),
        case(
            widget("w-reconciling-false"),
            conds(vec![condition("Reconciling", "False")]),
        ),
        case(
            widget("w-stalled"),
            conds(vec![condition("Stalled", "True")]),
        ),
        case(
            widget("w-reconciling-stalled"),
            conds(vec![
                condition("Reconciling", "True"),
                condition("Stalled", "True"),
            ]),
        ),
        case(
            widget("w-ready-reconciling"),
            conds(vec![
                condition("Ready", "True"),
                condition("Reconciling", "True"),
            ]),
        ),
        case(
            widget("w-generation"),
            json!({"observedGeneration": 0, "conditions": [condition("Ready", "True")]}),
        ),
        case(
            widget("w-generation-ok"),
            json!({"observedGeneration": 1, "conditions": [condition("Ready", "False")]}),
        ),
        case(
            widget("w-other-condition"),
            conds(vec![condition("Available", "False")]),
        ),
        terminating,
        case(pod("p-nostatus"), Value::Null),
        case(pod("p-pending"), json!({"phase": "Pending"})),
        case(
            pod("p-unschedulable"),
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}),
        ),
        case(
            pod("p-ready"),
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}),
        ),
        case(
            pod("p-running"),
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}),
        ),
        case(
            pod("p-crash"),
            json!({"phase": "Running", "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}),
        ),
        case(pod("p-succeeded"), json!({"phase": "Succeeded"})),
        case(pod("p-failed"), json!({"phase": "Failed"})),
        case(pod("p-weird"), json!({"phase": "Weird"})),
        case(service("s-cluster-ip", json!({})), Value::Null),
        case(
            service("s-load-balancer", json!({"type": "LoadBalancer"})),
            Value::Null,
        ),
        case(
            service("s-ready-false", json!({})),
            conds(vec![condition("Ready", "False")]),
        ),
        case(
            service("s-stalled", json!({})),
            conds(vec![condition("Stalled", "True")]),
        ),
        case(claim("c-bound"), json!({"phase": "Bound"})),
        case(claim("c-pending"), json!({"phase": "Pending"})),
        case(claim("c-nostatus"), Value::Null),
        // The emulator re-establishes a CRD whose Established is not True, so only these hold.
        case(
            crd("conflicts", "Conflict"),
            json!({"conditions": [conflict, established]}),
        ),
        case(
            crd("latecomers", "Latecomer"),
            json!({"conditions": [established, conflict]}),
        ),
        case(
            manifest(
                "policy/v1",
                "PodDisruptionBudget",
                "pdb",
                json!({"minAvailable": 1, "selector": {"matchLabels": {"a": "b"}}}),
            ),
            conds(vec![condition("Ready", "False")]),
        ),
        case(
            manifest(
                "networking.k8s.io/v1",
                "Ingress",
                "ingress",
                json!({"defaultBackend": {"service": {"name": "x", "port": {"number": 80}}}}),
            ),
            conds(vec![condition("Ready", "False")]),
        ),
        case(manifest("v1", "ConfigMap", "cm", Value::Null), Value::Null),
    ]
}

fn job_cases() -> Vec<Value> {
    let job = |name: &str, spec: Value| {
        manifest(
            "batch/v1",
            "Job",
            name,
            with(
                json!({"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}),
                spec,
            ),
        )
    };
    let started = "2024-01-01T00:00:00Z";
    vec![
        case(job("j-nostatus", json!({})), Value::Null),
        case(
            job("j-started", json!({})),
            json!({"startTime": started, "active": 1}),
        ),
        case(
            job("j-complete", json!({})),
            json!({"startTime": started, "succeeded": 1, "conditions": [condition("Complete", "True")]}),
        ),
        case(
            job("j-complete-false", json!({})),
            json!({"startTime": started, "conditions": [condition("Complete", "False")]}),
        ),
        case(
            job("j-failed", json!({"completions": 3, "parallelism": 2})),
            json!({"startTime": started, "failed": 7, "conditions": [condition("Failed", "True")]}),
        ),
        case(
            job("j-failed-parallel", json!({"parallelism": 2})),
            json!({"startTime": started, "failed": 7, "conditions": [condition("Failed", "True")]}),
        ),
        case(
            job("j-suspended", json!({})),
            json!({"conditions": [condition("Suspended", "True")]}),
        ),
        case(
            job("j-reconciling", json!({})),
            json!({"startTime": started, "conditions": [condition("Reconciling", "True")]}),
        ),
        case(
            job("j-stalled-complete", json!({})),
            json!({"startTime": started, "conditions": [condition("Stalled", "True"), condition("Complete", "True")]}),
        ),
    ]
}

/// Helm's verdicts from its wait error: `name → (kstatus status, message)` for every object
/// that was not ready.
fn helm_verdicts(error: &str) -> BTreeMap<(String, String), (String, String)> {
    let mut out = BTreeMap::new();
    for line in error.lines() {
        let Some(rest) = line.strip_prefix("resource ") else {
            continue;
        };
        let (id, rest) = rest.split_once(" not ready. status: ").expect(line);
        let (status, message) = rest.split_once(", message: ").expect(line);
        let mut parts = id.splitn(3, '/');
        let (kind, _ns, name) = (parts.next(), parts.next(), parts.next());
        out.insert(
            (kind.expect(line).to_owned(), name.expect(line).to_owned()),
            (status.to_owned(), message.to_owned()),
        );
    }
    out
}

fn run_python(python: &Path, script: &str, args: &[&std::ffi::OsStr]) -> Value {
    let output = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "script failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Compares the predicate with Helm's verdict on every object of one release; returns how many
/// objects Helm found ready and not ready.
fn compare(release: &str, cases: &[Value], result: &Value, wait_for_jobs: bool) -> (usize, usize) {
    let error = result["error"].as_str().unwrap_or_default();
    let verdicts = helm_verdicts(error);
    let now: Timestamp = result["returned_at"].as_str().unwrap().parse().unwrap();
    let options = WaitOptions {
        wait_for_jobs,
        now: Some(now),
    };
    let items = result["items"].as_array().unwrap();
    let pods: Vec<Value> = items
        .iter()
        .filter(|i| i["kind"] == "Pod")
        .cloned()
        .collect();
    let mut counts = (0, 0);
    let mut seen = BTreeSet::new();
    for case in cases {
        let kind = case["manifest"]["kind"].as_str().unwrap();
        let name = case["manifest"]["metadata"]["name"].as_str().unwrap();
        let live = items
            .iter()
            .find(|i| i["kind"] == kind && i["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{release}: {kind} {name} not read back"));
        let ours = readiness_with_pods(live, &pods, &options);
        let key = (kind.to_owned(), name.to_owned());
        seen.insert(key.clone());
        match verdicts.get(&key) {
            None => {
                counts.0 += 1;
                assert_eq!(
                    ours,
                    Readiness::Ready,
                    "{release}: Helm found {kind} {name} ready\n{live:#}"
                );
            }
            Some((status, message)) => {
                counts.1 += 1;
                let expected = match status.as_str() {
                    "Failed" => Readiness::Failed(message.clone()),
                    "InProgress" | "Terminating" => Readiness::InProgress(message.clone()),
                    // An error computing the status: Helm prints no message, but waits.
                    "Unknown" => {
                        assert!(
                            matches!(ours, Readiness::InProgress(_)),
                            "{release}: Helm could not compute {kind} {name}'s status: {ours:?}"
                        );
                        continue;
                    }
                    other => panic!("{release}: unexpected status {other} for {kind} {name}"),
                };
                assert_eq!(ours, expected, "{release}: {kind} {name}\n{live:#}");
            }
        }
    }
    for key in verdicts.keys() {
        assert!(
            seen.contains(key),
            "{release}: Helm named {key:?}, not a case"
        );
    }
    // the whole release's summary agrees with the wait's outcome
    let summary = summarize(cases.iter().map(|c| {
        let live = items
            .iter()
            .find(|i| {
                i["kind"] == c["manifest"]["kind"]
                    && i["metadata"]["name"] == c["manifest"]["metadata"]["name"]
            })
            .unwrap();
        (
            ObjectRef::of(live),
            readiness_with_pods(live, &pods, &options),
        )
    }));
    assert_eq!(summary.is_ready(), error.is_empty(), "{release}: {error}");
    counts
}

#[test]
fn readiness_gives_helms_verdict_on_objects_in_every_state() {
    let test = "readiness against helm";
    let Some(python) = common::require(test, "the venv with helm_python", common::helm_python())
    else {
        return;
    };
    if common::require(test, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let dir = common::scratch_dir("readiness-helm-states");
    // The simulated controllers stay idle: every status is the one a case sets.
    let emulator = RunningEmulator::start(EmulatorConfig {
        readiness_delay: Duration::from_secs(3600),
        ..EmulatorConfig::default()
    })
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    let widgets = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                 "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let releases = [
        ("workloads", workload_cases(), selected_pods(), false),
        ("others", other_cases(), vec![], false),
        ("jobs", job_cases(), vec![], false),
        ("jobs-waited", job_cases(), vec![], true),
    ];
    let spec = json!({
        "setup": [widgets],
        "releases": releases.iter().map(|(ns, objects, pods, wait_for_jobs)| json!({
            "namespace": ns, "objects": objects, "pods": pods, "wait_for_jobs": wait_for_jobs, "timeout": 2,
        })).collect::<Vec<_>>(),
    });
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let url = emulator.url();
    let results = run_python(
        &python,
        STATES_SCRIPT,
        &[
            kubeconfig.as_os_str(),
            url.as_ref(),
            dir.as_os_str(),
            spec_path.as_os_str(),
        ],
    );
    let mut total = (0, 0);
    for (ns, cases, _, wait_for_jobs) in &releases {
        let (ready, not_ready) = compare(ns, cases, &results[*ns], *wait_for_jobs);
        total = (total.0 + ready, total.1 + not_ready);
    }
    // Both verdicts are exercised in quantity, so a predicate that always answers the same
    // cannot pass.
    assert!(total.0 >= 30 && total.1 >= 50, "ready/not ready: {total:?}");
}

/// Installs a chart whose workloads the emulator rolls out: snapshots the objects while Helm
/// waits, and after it returns; then a release whose workloads fail.
const ROLLOUT_SCRIPT: &str = r#"
import datetime, json, os, subprocess, sys, tempfile, threading, time
import helm_python as h
from helm_python import Config, _native
kubeconfig, workdir, manifests_path = sys.argv[1:4]
releases = json.load(open(manifests_path))
env = {"HOME": workdir, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
def get(ns):
    r = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get",
                        "deployments,statefulsets,daemonsets,replicasets,jobs,persistentvolumeclaims,services,pods,configmaps",
                        "-n", ns, "-o", "json"], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return json.loads(r.stdout)["items"]
def chart(objects):
    d = tempfile.mkdtemp(dir=workdir)
    os.makedirs(d + "/templates")
    open(d + "/Chart.yaml", "w").write("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    for i, o in enumerate(objects):
        open(d + "/templates/o%d.yaml" % i, "w").write(json.dumps(o))
    return d
out = {}
for name, rel in releases.items():
    path = chart(rel["objects"])
    cfg = Config(kubeconfig_path=kubeconfig, namespace=name)
    opts = {"namespace": name, "create_namespace": True, "timeout_seconds": rel["timeout"], "wait": "watcher", "wait_for_jobs": True}
    result = {}
    def install():
        try:
            _native.call_string("helm_install", cfg._raw(), _native.HANDLE(0), _native.HANDLE(0), path, name, None, json.dumps(opts))
            result["error"] = None
        except Exception as e:
            result["error"] = str(e)
    t = threading.Thread(target=install)
    t.start()
    snapshot = None
    if rel["snapshot"]:
        deadline = time.time() + 20
        while time.time() < deadline and t.is_alive():
            try:
                items = get(name)
            except RuntimeError:
                items = []
            if len([i for i in items if i["metadata"].get("labels", {}).get("app.kubernetes.io/managed-by") == "Helm"]) == len(rel["objects"]):
                snapshot = {"items": items, "helm_still_waiting": t.is_alive(),
                            "at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
                break
            time.sleep(0.05)
    t.join()
    out[name] = {"error": result["error"], "snapshot": snapshot, "items": get(name),
                 "returned_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
print(json.dumps(out))
"#;

fn rollout_objects(fail: bool) -> Vec<Value> {
    let annotations = if fail {
        json!({"emulator.test/fail": "true"})
    } else {
        json!({})
    };
    let tmpl = |name: &str| {
        with(
            template(name),
            json!({"metadata": {"labels": {"a": name}, "annotations": annotations}}),
        )
    };
    let spec = |name: &str, replicas: Option<i64>| {
        let s = json!({"selector": {"matchLabels": {"a": name}}, "template": tmpl(name)});
        match replicas {
            Some(n) => with(s, json!({"replicas": n})),
            None => s,
        }
    };
    let mut objects = vec![
        manifest("apps/v1", "Deployment", "web", spec("web", Some(2))),
        manifest(
            "batch/v1",
            "Job",
            "migrate",
            json!({"backoffLimit": 1, "template": with(tmpl("migrate"), json!({"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}))}),
        ),
    ];
    if !fail {
        objects.extend([
            manifest(
                "apps/v1",
                "StatefulSet",
                "db",
                with(spec("db", Some(2)), json!({"serviceName": "db"})),
            ),
            manifest("apps/v1", "DaemonSet", "agent", spec("agent", None)),
            manifest("apps/v1", "ReplicaSet", "plain", spec("plain", Some(1))),
            manifest(
                "v1",
                "PersistentVolumeClaim",
                "data",
                json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}),
            ),
            manifest(
                "v1",
                "Service",
                "lb",
                json!({"type": "LoadBalancer", "ports": [{"port": 80}], "selector": {"a": "web"}}),
            ),
            manifest(
                "v1",
                "Pod",
                "single",
                json!({"containers": [{"name": "c", "image": "x"}]}),
            ),
            manifest("v1", "ConfigMap", "settings", Value::Null),
        ]);
    }
    objects
}

#[test]
fn readiness_follows_helm_through_rollouts_and_failures() {
    let test = "readiness through rollouts";
    let Some(python) = common::require(test, "the venv with helm_python", common::helm_python())
    else {
        return;
    };
    if common::require(test, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let dir = common::scratch_dir("readiness-helm-rollouts");
    // Long enough for a snapshot while Helm waits, short enough for a quick test.
    let emulator = RunningEmulator::start(EmulatorConfig {
        readiness_delay: Duration::from_millis(1500),
        ..EmulatorConfig::default()
    })
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    let releases = json!({
        "rollout": {"objects": rollout_objects(false), "timeout": 30, "snapshot": true},
        "failing": {"objects": rollout_objects(true), "timeout": 4, "snapshot": false},
    });
    let path = dir.join("releases.json");
    std::fs::write(&path, releases.to_string()).unwrap();
    let results = run_python(
        &python,
        ROLLOUT_SCRIPT,
        &[kubeconfig.as_os_str(), dir.as_os_str(), path.as_os_str()],
    );
    let options = |at: &Value| WaitOptions {
        wait_for_jobs: true,
        now: Some(at.as_str().unwrap().parse().unwrap()),
    };
    let evaluate = |objects: &[Value], items: &Value, options: &WaitOptions| {
        let items = items.as_array().unwrap();
        let pods: Vec<Value> = items
            .iter()
            .filter(|i| i["kind"] == "Pod")
            .cloned()
            .collect();
        summarize(objects.iter().map(|o| {
            let live = items
                .iter()
                .find(|i| i["kind"] == o["kind"] && i["metadata"]["name"] == o["metadata"]["name"])
                .unwrap_or_else(|| panic!("{} {} not read back", o["kind"], o["metadata"]["name"]));
            (
                ObjectRef::of(live),
                readiness_with_pods(live, &pods, options),
            )
        }))
    };

    let rollout = &results["rollout"];
    assert!(rollout["error"].is_null(), "{}", rollout["error"]);
    let objects = rollout_objects(false);
    let snapshot = &rollout["snapshot"];
    assert!(!snapshot.is_null(), "no snapshot while Helm waited");
    assert_eq!(snapshot["helm_still_waiting"], true);
    let waiting = evaluate(&objects, &snapshot["items"], &options(&snapshot["at"]));
    assert!(
        !waiting.is_ready() && waiting.failed.is_empty(),
        "while Helm waited: {}",
        waiting.message()
    );
    // The ConfigMap is ready at once; the workloads are not.
    assert!(
        waiting
            .in_progress
            .iter()
            .any(|(r, _)| r.kind == "Deployment"),
        "{}",
        waiting.message()
    );
    let done = evaluate(
        &objects,
        &rollout["items"],
        &options(&rollout["returned_at"]),
    );
    assert!(done.is_ready(), "when Helm returned: {}", done.message());

    // The failing workloads fail Helm's wait early; the predicate names the same objects with
    // the same messages.
    let failing = &results["failing"];
    let error = failing["error"]
        .as_str()
        .expect("the failing release fails");
    let verdicts = helm_verdicts(error);
    let summary = evaluate(
        &rollout_objects(true),
        &failing["items"],
        &options(&failing["returned_at"]),
    );
    let ours: BTreeMap<(String, String), (String, String)> = summary
        .failed
        .iter()
        .map(|(r, m)| {
            (
                (r.kind.clone(), r.name.clone()),
                ("Failed".to_owned(), m.clone()),
            )
        })
        .chain(summary.in_progress.iter().map(|(r, m)| {
            (
                (r.kind.clone(), r.name.clone()),
                ("InProgress".to_owned(), m.clone()),
            )
        }))
        .collect();
    assert_eq!(ours, verdicts, "{error}");
    assert!(summary.is_settled() && !summary.failed.is_empty());
}
