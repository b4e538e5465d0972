//! A release's life with hooks, waits, failures and remediation, end to end: the operator binary
//! against the API emulator (whose simulated controllers complete Jobs and fail workloads
//! annotated `emulator.test/fail`), a chart with hooks of every kind packaged by real Helm and
//! served by real nginx, and the release records read back with Helm's codec. Covered: hooks in
//! Helm's order with their delete policies, post-install hooks, Helm tests, a failed upgrade
//! rolled back automatically, a failed pre-upgrade hook rolled back with Helm's wording, a failed
//! test remediated, resources dropped between revisions, `cleanupOnFail` without rollback,
//! uninstall with its pre-delete hook, and a template's `lookup` reading the live cluster.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::operator::{apply, condition, kubectl, start_cluster, stop_operator};
use common::{eventually, http_get};
use helm_operator::cluster::storage::{HookPhase, Release, Status};
use serde_json::Value;

const TEST: &str = "release lifecycle";
const LIMIT: Duration = Duration::from_secs(120);

/// A chart with hooks of every kind, every failure switchable by a value.
fn write_chart(dir: &Path) -> PathBuf {
    let chart = dir.join("hooked");
    let files: &[(&str, &str)] = &[
        (
            "Chart.yaml",
            "apiVersion: v2\nname: hooked\nversion: 0.1.0\nappVersion: \"1.0\"\n",
        ),
        (
            "values.yaml",
            "note: one\nfailDeploy: false\nfailHook: false\nfailTest: false\nextra: false\nlegacy: true\n",
        ),
        (
            "templates/deploy.yaml",
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: 1
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
      annotations:
        emulator.test/fail: "{{ .Values.failDeploy }}"
    spec:
      containers: [{name: web, image: nginx}]
"#,
        ),
        (
            "templates/config.yaml",
            r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  note: {{ .Values.note | quote }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-seen
data:
  previous: {{ dig "data" "note" "none" (lookup "v1" "ConfigMap" .Release.Namespace (printf "%s-config" .Release.Name)) | quote }}
{{- if .Values.legacy }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-legacy
data: {dropped: "when legacy is false"}
{{- end }}
{{- if .Values.extra }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-extra
data: {created: "by an upgrade"}
{{- end }}
"#,
        ),
        (
            "templates/hooks.yaml",
            r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "5"
spec:
  template:
    metadata:
      annotations:
        emulator.test/fail: "{{ .Values.failHook }}"
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: busybox}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-prepare
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
    helm.sh/hook-delete-policy: hook-succeeded
data: {step: prepare}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-announce
  annotations:
    helm.sh/hook: post-install,post-upgrade
data: {note: {{ .Values.note | quote }}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-goodbye
  annotations:
    helm.sh/hook: pre-delete
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: bye, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-smoke
  annotations:
    helm.sh/hook: test
    emulator.test/fail: "{{ .Values.failTest }}"
spec:
  restartPolicy: Never
  containers: [{name: smoke, image: busybox}]
"#,
        ),
    ];
    for (name, text) in files {
        let path = chart.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    chart
}

fn release_yaml(name: &str, spec_extra: &str, values: &str) -> String {
    format!(
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  chart: {{name: hooked, repository: {{name: charts}}}}\n{spec_extra}  values: |\n{values}"
    )
}

/// Every record of release `name`, oldest first.
fn records(dir: &Path, kubeconfig: &Path, name: &str) -> Vec<Release> {
    common::operator::release_records(dir, kubeconfig, name)
}

fn statuses(records: &[Release]) -> Vec<(i32, String)> {
    records
        .iter()
        .map(|r| (r.version, r.info.status.as_str().to_owned()))
        .collect()
}

fn exists(dir: &Path, kubeconfig: &Path, what: &str) -> bool {
    kubectl(dir, kubeconfig, &["get", what]).0
}

fn object(dir: &Path, kubeconfig: &Path, what: &str) -> Value {
    let (ok, json) = kubectl(dir, kubeconfig, &["get", what, "-o", "json"]);
    assert!(ok, "{what}: {json}");
    serde_json::from_str(&json).unwrap()
}

fn ready_reason(dir: &Path, kubeconfig: &Path, hr: &str, reason: &str) -> Value {
    until(dir, kubeconfig, hr, &format!("Ready with {reason}"), || {
        condition(dir, kubeconfig, hr, "Ready").filter(|c| c["reason"] == reason)
    })
}

/// [`eventually`], but a timeout shows the HelmRelease's status and its release records.
fn until<T>(
    dir: &Path,
    kubeconfig: &Path,
    hr: &str,
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if std::time::Instant::now() > deadline {
            let (_, status) = kubectl(dir, kubeconfig, &["get", hr, "-o", "jsonpath={.status}"]);
            let name = hr.trim_start_matches("hr/");
            let history: Vec<(i32, String, String)> = records(dir, kubeconfig, name)
                .iter()
                .map(|r| {
                    (
                        r.version,
                        r.info.status.as_str().to_owned(),
                        r.info.description.clone(),
                    )
                })
                .collect();
            panic!("gave up waiting for {hr}: {what}\nstatus: {status}\nrecords: {history:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A cluster with the operator, and the hooked chart served by nginx as HelmRepository
/// `default/charts`.
struct Bed {
    dir: PathBuf,
    kubeconfig: PathBuf,
    op: common::operator::Operator,
    _emulator: kube_emulator::RunningEmulator,
    _web: common::Process,
}

impl Bed {
    /// `None` (with a printed reason) when a part the test needs is missing.
    fn start(name: &str) -> Option<Bed> {
        let dir = common::scratch_dir(name);
        common::require(TEST, "kubectl", common::which("kubectl"))?;
        let python = common::helm_oracle(TEST)?;
        let nginx = common::require(TEST, "nginx", common::nginx::binary())?;
        let chart = write_chart(&dir);
        let (web, port, _repo) = common::nginx::serve_packaged(&python, &nginx, &dir, &chart);
        let (emulator, kubeconfig, op) = start_cluster(&dir, &[]);
        apply(
            &dir,
            &kubeconfig,
            "repo.yaml",
            &format!(
                "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {{name: charts, namespace: default}}\nspec:\n  url: http://127.0.0.1:{port}/plain/repo\n"
            ),
        );
        Some(Bed {
            dir,
            kubeconfig,
            op,
            _emulator: emulator,
            _web: web,
        })
    }
}

#[test]
fn hooks_tests_rollbacks_and_uninstall_follow_helm() {
    let Some(bed) = Bed::start("release-lifecycle") else {
        return;
    };
    let (dir, kubeconfig) = (bed.dir.clone(), bed.kubeconfig.clone());
    let kc = kubeconfig.as_path();
    let spec = "  install: {wait: true, timeout: 60s}\n  upgrade: {wait: true, timeout: 20s}\n  rollback: {enabled: true, wait: true, timeout: 60s}\n  test: {enable: true}\n";

    // install: pre-install hooks by weight (the ConfigMap at -5, then the Job at 5), the
    // hook-succeeded ConfigMap deleted afterwards, the post-install hook, then the tests
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml("life", spec, "    note: one\n"),
    );
    until(
        &dir,
        kc,
        "hr/life",
        "the tests of revision 1 to pass",
        || condition(&dir, kc, "hr/life", "Tested").filter(|c| c["status"] == "True"),
    );
    let ready = condition(&dir, kc, "hr/life", "Ready").unwrap();
    assert_eq!(ready["status"], "True", "{ready}");
    let first = records(&dir, kc, "life");
    assert_eq!(statuses(&first), [(1, "deployed".to_owned())]);
    let hooks = &first[0].hooks;
    let hook = |name: &str| hooks.iter().find(|h| h.name == name).unwrap();
    for name in [
        "life-prepare",
        "life-migrate",
        "life-announce",
        "life-smoke",
    ] {
        assert_eq!(hook(name).last_run.phase, HookPhase::Succeeded, "{name}");
    }
    assert_eq!(
        hook("life-goodbye").last_run.phase,
        HookPhase::NotRun,
        "the pre-delete hook ran at install"
    );
    let started = |name: &str| hook(name).last_run.started_at.timestamp();
    assert!(started("life-prepare") <= started("life-migrate"));
    assert!(started("life-migrate") <= started("life-announce"));
    assert!(hook("life-migrate").last_run.completed_at.timestamp() <= started("life-announce"));
    assert!(
        !exists(&dir, kc, "configmap/life-prepare"),
        "a hook-succeeded hook stays"
    );
    assert!(exists(&dir, kc, "job/life-migrate"));
    assert_eq!(
        object(&dir, kc, "configmap/life-announce")["data"]["note"],
        "one"
    );
    // hooks are not the release's objects: Helm's ownership metadata is not stamped on them
    assert!(
        object(&dir, kc, "job/life-migrate")["metadata"]["labels"]["app.kubernetes.io/managed-by"]
            .is_null()
    );
    assert!(first[0].manifest.contains("life-legacy"));
    // the render's lookup read the live cluster: nothing there at install
    assert_eq!(
        object(&dir, kc, "configmap/life-seen")["data"]["previous"],
        "none"
    );
    assert!(!first[0].manifest.contains("life-migrate"));

    // an upgrade whose Deployment fails its wait is rolled back to revision 1; the objects it
    // added are gone with the rollback
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml(
            "life",
            spec,
            "    note: two\n    failDeploy: true\n    extra: true\n",
        ),
    );
    until(&dir, kc, "hr/life", "RolledBack=True", || {
        condition(&dir, kc, "hr/life", "RolledBack").filter(|c| c["status"] == "True")
    });
    let rolled = eventually("the rollback to be recorded", LIMIT, || {
        let r = records(&dir, kc, "life");
        (r.len() == 3 && r[2].info.status == Status::Deployed).then_some(r)
    });
    assert_eq!(
        statuses(&rolled),
        [
            (1, "superseded".to_owned()),
            (2, "failed".to_owned()),
            (3, "deployed".to_owned())
        ]
    );
    assert!(
        rolled[1]
            .info
            .description
            .starts_with("Upgrade \"life\" failed: "),
        "{}",
        rolled[1].info.description
    );
    assert_eq!(rolled[2].info.description, "Rollback to 1");
    assert_eq!(rolled[2].manifest, rolled[0].manifest);
    assert!(
        !exists(&dir, kc, "configmap/life-extra"),
        "the rollback left the failed upgrade's object"
    );
    assert_eq!(
        object(&dir, kc, "deployment/life-web")["spec"]["template"]["metadata"]["annotations"]["emulator.test/fail"],
        "false"
    );
    assert_eq!(
        object(&dir, kc, "configmap/life-config")["data"]["note"],
        "one"
    );
    let rolled_back = condition(&dir, kc, "hr/life", "RolledBack").unwrap();
    assert_eq!(rolled_back["status"], "True", "{rolled_back}");
    // the same inputs are not tried again: no upgrade/rollback loop
    let stalled = eventually("hr/life Stalled on the failed inputs", LIMIT, || {
        condition(&dir, kc, "hr/life", "Stalled").filter(|c| c["status"] == "True")
    });
    assert_eq!(stalled["reason"], "RetriesExhausted", "{stalled}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        records(&dir, kc, "life").len(),
        3,
        "the failed inputs ran again"
    );
    let (_, metrics) = http_get(bed.op.metrics, "/metrics").expect("metrics");
    assert!(
        metrics.contains(
            "helm_release_rollbacks_total{namespace=\"default\",release=\"life\",status=\"success\"} 1"
        ),
        "{metrics}"
    );

    // new inputs upgrade again; the object the chart no longer renders is deleted
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml("life", spec, "    note: three\n    legacy: false\n"),
    );
    eventually("revision 4 deployed and tested", LIMIT, || {
        let r = records(&dir, kc, "life");
        let tested = condition(&dir, kc, "hr/life", "Tested").is_some_and(|c| {
            c["status"] == "True" && c["message"].as_str().unwrap_or("").contains("revision 4")
        });
        (r.len() == 4 && r[3].info.status == Status::Deployed && tested).then_some(())
    });
    assert!(!exists(&dir, kc, "configmap/life-legacy"));
    // ... and at this upgrade, the note the rollback restored
    assert_eq!(
        object(&dir, kc, "configmap/life-seen")["data"]["previous"],
        "one"
    );
    assert_eq!(
        object(&dir, kc, "configmap/life-announce")["data"]["note"],
        "three"
    );

    // a failing pre-upgrade hook: the upgrade fails in Helm's words and is rolled back
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml(
            "life",
            spec,
            "    note: four\n    legacy: false\n    failHook: true\n",
        ),
    );
    let after_hook = eventually("the failed hook's rollback", LIMIT, || {
        let r = records(&dir, kc, "life");
        (r.len() == 6 && r[5].info.status == Status::Deployed).then_some(r)
    });
    assert_eq!(after_hook[4].info.status, Status::Failed);
    // the words real Helm v4.2.3 wrote for the same failure (with its release name)
    assert_eq!(
        after_hook[4].info.description,
        "Upgrade \"life\" failed: pre-upgrade hooks failed: resource Job/default/life-migrate not ready. status: Failed, message: Job Failed. failed: 7/1"
    );
    assert_eq!(after_hook[5].info.description, "Rollback to 4");
    assert_eq!(
        object(&dir, kc, "configmap/life-config")["data"]["note"],
        "three",
        "the failed pre-upgrade hook let the upgrade apply"
    );

    // a failing test: the upgrade deploys, its test fails, the release is rolled back
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml(
            "life",
            spec,
            "    note: five\n    legacy: false\n    failTest: true\n",
        ),
    );
    let tested = eventually("the failed test's rollback", LIMIT, || {
        let r = records(&dir, kc, "life");
        (r.len() == 8 && r[7].info.status == Status::Deployed).then_some(r)
    });
    let smoke = tested[6]
        .hooks
        .iter()
        .find(|h| h.name == "life-smoke")
        .unwrap();
    assert_eq!(smoke.last_run.phase, HookPhase::Failed);
    assert_eq!(tested[7].info.description, "Rollback to 6");
    let tested_condition = condition(&dir, kc, "hr/life", "Tested").unwrap();
    assert_eq!(tested_condition["status"], "False", "{tested_condition}");
    assert!(
        tested_condition["message"]
            .as_str()
            .unwrap()
            .contains("pod life-smoke failed"),
        "{tested_condition}"
    );

    // uninstall: the pre-delete hook runs, the objects and the records go
    let (ok, out) = kubectl(&dir, kc, &["delete", "hr", "life", "--wait=false"]);
    assert!(ok, "{out}");
    eventually("hr/life to be gone", LIMIT, || {
        (!exists(&dir, kc, "hr/life")).then_some(())
    });
    assert!(
        exists(&dir, kc, "job/life-goodbye"),
        "the pre-delete hook did not run"
    );
    assert!(!exists(&dir, kc, "deployment/life-web"));
    assert!(!exists(&dir, kc, "configmap/life-config"));
    assert!(records(&dir, kc, "life").is_empty());
    stop_operator(bed.op);
}

#[test]
fn cleanup_on_fail_removes_what_a_failed_upgrade_created() {
    let Some(bed) = Bed::start("release-cleanup-on-fail") else {
        return;
    };
    let (dir, kubeconfig) = (bed.dir.clone(), bed.kubeconfig.clone());
    let kc = kubeconfig.as_path();
    let spec = "  install: {wait: true, disableHooks: true}\n  upgrade: {wait: true, timeout: 20s, cleanupOnFail: true, disableHooks: true}\n  rollback: {enabled: false}\n";
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml("clean", spec, "    note: one\n"),
    );
    ready_reason(&dir, kc, "hr/clean", "InstallSucceeded");
    assert!(
        !exists(&dir, kc, "job/clean-migrate"),
        "disableHooks ran a hook"
    );
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml(
            "clean",
            spec,
            "    note: two\n    failDeploy: true\n    extra: true\n",
        ),
    );
    let failed = until(&dir, kc, "hr/clean", "Released=False UpgradeFailed", || {
        condition(&dir, kc, "hr/clean", "Released").filter(|c| c["reason"] == "UpgradeFailed")
    });
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("Progress deadline exceeded"),
        "{failed}"
    );
    // without rollback the same inputs are not tried again
    let stalled = until(&dir, kc, "hr/clean", "Stalled", || {
        condition(&dir, kc, "hr/clean", "Stalled").filter(|c| c["status"] == "True")
    });
    assert_eq!(stalled["reason"], "RetriesExhausted", "{stalled}");
    let history = records(&dir, kc, "clean");
    assert_eq!(
        statuses(&history),
        [(1, "deployed".to_owned()), (2, "failed".to_owned())]
    );
    // the words real Helm v4.2.3 wrote for the same failed wait
    assert_eq!(
        history[1].info.description,
        "Upgrade \"clean\" failed: resource Deployment/default/clean-web not ready. status: Failed, message: Progress deadline exceeded"
    );
    eventually(
        "the failed upgrade's new ConfigMap to be removed",
        LIMIT,
        || (!exists(&dir, kc, "configmap/clean-extra")).then_some(()),
    );
    // what existed before the upgrade stays, as the failed upgrade left it
    assert_eq!(
        object(&dir, kc, "configmap/clean-config")["data"]["note"],
        "two"
    );
    stop_operator(bed.op);
}

#[test]
fn drift_is_reported_in_warn_mode_and_corrected_in_enabled_mode() {
    let Some(bed) = Bed::start("release-drift") else {
        return;
    };
    let (dir, kubeconfig) = (bed.dir.clone(), bed.kubeconfig.clone());
    let kc = kubeconfig.as_path();
    let spec = |mode: &str| {
        format!(
            "  interval: 2s\n  install: {{disableHooks: true}}\n  upgrade: {{disableHooks: true}}\n  driftDetection:\n    mode: {mode}\n    ignore:\n    - paths: [/data/ignored]\n      target: {{kind: ConfigMap}}\n"
        )
    };
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml("drift", &spec("warn"), "    note: one\n"),
    );
    let clean = until(&dir, kc, "hr/drift", "Drifted=False", || {
        condition(&dir, kc, "hr/drift", "Drifted").filter(|c| c["status"] == "False")
    });
    assert_eq!(clean["reason"], "NoDrift", "{clean}");

    // someone else changes what the release set, and adds a key the rules ignore
    let (ok, out) = kubectl(&dir, kc, &["scale", "deployment/drift-web", "--replicas=4"]);
    assert!(ok, "{out}");
    let (ok, out) = kubectl(
        &dir,
        kc,
        &[
            "patch",
            "configmap/drift-config",
            "--type=merge",
            "-p",
            r#"{"data":{"note":"edited","ignored":"x"}}"#,
        ],
    );
    assert!(ok, "{out}");
    let drifted = until(&dir, kc, "hr/drift", "Drifted=True", || {
        condition(&dir, kc, "hr/drift", "Drifted").filter(|c| c["status"] == "True")
    });
    let message = drifted["message"].as_str().unwrap();
    assert!(
        message.contains("Deployment/default/drift-web: .spec.replicas"),
        "{drifted}"
    );
    assert!(
        message.contains("ConfigMap/default/drift-config: .data.note"),
        "{drifted}"
    );
    assert!(
        !message.contains("edited"),
        "a value in the drift report: {drifted}"
    );
    // warn does not correct, and the release stays Ready
    assert_eq!(
        object(&dir, kc, "deployment/drift-web")["spec"]["replicas"],
        4
    );
    assert_eq!(
        condition(&dir, kc, "hr/drift", "Ready").unwrap()["status"],
        "True"
    );

    // enabled corrects what drifted, leaves what is ignored, and makes no new revision
    apply(
        &dir,
        kc,
        "hr.yaml",
        &release_yaml("drift", &spec("enabled"), "    note: one\n"),
    );
    let corrected = until(&dir, kc, "hr/drift", "DriftCorrected", || {
        condition(&dir, kc, "hr/drift", "Drifted").filter(|c| c["reason"] == "DriftCorrected")
    });
    assert_eq!(corrected["status"], "False", "{corrected}");
    assert_eq!(
        object(&dir, kc, "deployment/drift-web")["spec"]["replicas"],
        1
    );
    let config = object(&dir, kc, "configmap/drift-config");
    assert_eq!(config["data"]["note"], "one");
    assert_eq!(config["data"]["ignored"], "x");
    assert_eq!(records(&dir, kc, "drift").len(), 1);
    let (ok, events) = kubectl(
        &dir,
        kc,
        &[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=drift",
            "-o",
            "json",
        ],
    );
    assert!(ok, "{events}");
    let events: Value = serde_json::from_str(&events).unwrap();
    let reasons: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"DriftDetected"), "{reasons:?}");
    assert!(reasons.contains(&"DriftCorrected"), "{reasons:?}");
    stop_operator(bed.op);
}
