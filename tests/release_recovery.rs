//! The HelmRelease controller surviving crashes and sharing releases with real Helm, end to end:
//! the operator binary against the API emulator (whose simulated controllers make workloads and
//! Jobs ready after a delay, or fail them when annotated `emulator.test/fail`), a small chart
//! with a pre-install/pre-upgrade Job hook written at run time, packaged by real Helm and served
//! by real nginx, and real Helm (`helm_python`) installing, upgrading and rolling back on its
//! own and reading what the operator did.
//!
//! Covered: an operator killed with SIGKILL in the middle of an install (a hook running) and of
//! an upgrade (the wait) is replaced by a new one that finishes the operation without a second
//! revision or a second run of the hook; a `pending-upgrade` record left behind by a crashed
//! operator, with no operation in the HelmRelease's status, is left alone while it is younger
//! than the timeout and then marked failed and upgraded over; a release installed by Helm is
//! adopted and upgraded, and a second HelmRelease naming it is refused without touching it; a
//! failed upgrade rolled back by the operator reads, in Helm's history, as the same sequence run
//! by real Helm reads; `upgrade.reuseValues` and `resetValues` record and render what
//! `helm upgrade --reuse-values` / `--reset-values` do.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::operator::{Operator, kubectl, stop_operator};
use common::{Process, eventually, free_port, http_get};
use helm_operator::cluster::storage::{GoTime, LabelStamp, Release, Status, release_secret};
use kube_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::{Value, json};

const TEST: &str = "release recovery";
/// Guards against hangs only; never a performance bound.
const LIMIT: Duration = Duration::from_secs(180);
const CHART: &str = "recover";

/// A chart whose Deployment takes the emulator's readiness delay to be ready (and fails when
/// `fail` is true), a ConfigMap carrying `note`, and a pre-install/pre-upgrade Job hook that
/// takes the same delay to complete.
fn write_chart(dir: &Path) -> PathBuf {
    let chart = dir.join(CHART);
    let files: &[(&str, &str)] = &[
        (
            "Chart.yaml",
            "apiVersion: v2\nname: recover\nversion: 1.0.0\nappVersion: \"1.0\"\n",
        ),
        ("values.yaml", "note: default\nfail: false\nhook: true\n"),
        (
            "templates/deployment.yaml",
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: {app: {{ .Release.Name }}}
spec:
  replicas: 1
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
      annotations:
        emulator.test/fail: {{ .Values.fail | quote }}
        note: {{ .Values.note | quote }}
    spec:
      containers: [{name: web, image: nginx}]
"#,
        ),
        (
            "templates/configmap.yaml",
            r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  note: {{ .Values.note | quote }}
"#,
        ),
        (
            "templates/hook.yaml",
            r#"{{- if .Values.hook }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {note: {{ .Values.note | quote }}}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: busybox, args: [{{ .Values.note | quote }}]}]
{{- end }}
"#,
        ),
    ];
    for (name, text) in files {
        let path = chart.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    chart
}

/// Everything a test runs against: the emulator with the CRDs, nginx serving the chart
/// repository, real Helm, and the means to start operators one after another.
struct Bed {
    dir: PathBuf,
    python: PathBuf,
    kubeconfig: PathBuf,
    /// The packaged chart, for real Helm's own installs.
    archive: PathBuf,
    started: usize,
    // dropped last: the operators of a test are stopped before the servers they talk to
    _nginx: Process,
    _emulator: RunningEmulator,
}

impl Bed {
    /// The parts, or `None` after saying which is missing.
    fn start(name: &str, readiness_delay: Duration) -> Option<Bed> {
        let dir = common::scratch_dir(name);
        common::require(TEST, "kubectl", common::which("kubectl"))?;
        let python = common::helm_oracle(TEST)?;
        let nginx = common::require(TEST, "nginx", common::nginx::binary())?;
        let chart = write_chart(&dir);
        let (web, port, repo) = common::nginx::serve_packaged(&python, &nginx, &dir, &chart);
        let archive = repo.join(format!("{CHART}-1.0.0.tgz"));
        assert!(archive.is_file(), "helm package made no {archive:?}");

        let emulator = RunningEmulator::start(EmulatorConfig {
            readiness_delay,
            ..EmulatorConfig::default()
        })
        .expect("emulator starts");
        let kubeconfig = dir.join("kubeconfig");
        emulator.write_kubeconfig(&kubeconfig).unwrap();
        let bed = Bed {
            dir,
            python,
            kubeconfig,
            archive,
            started: 0,
            _nginx: web,
            _emulator: emulator,
        };
        let crds = common::repo_root().join("crds");
        let (ok, out) = bed.kubectl(&["apply", "--server-side", "-f", crds.to_str().unwrap()]);
        assert!(ok, "{out}");
        bed.apply(
            "repo.yaml",
            &format!(
                "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {{name: charts, namespace: default}}\nspec:\n  url: http://127.0.0.1:{port}/plain/repo\n"
            ),
        );
        Some(bed)
    }

    /// Starts another operator (`operator-<n>`, logging to `operator-<n>.log` with the release
    /// planner's decisions) and waits until it is ready.
    fn operator(&mut self) -> Operator {
        self.started += 1;
        let name = format!("operator-{}", self.started);
        let (health, metrics) = (free_port(), free_port());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_helm-operator"));
        cmd.args(["run", "--kubeconfig"])
            .arg(&self.kubeconfig)
            .args([
                "--health-address",
                &format!("127.0.0.1:{health}"),
                "--metrics-address",
                &format!("127.0.0.1:{metrics}"),
                "--replica-id",
                &name,
                "--operator-namespace",
                "default",
                "--log-format",
                "json",
                "--log-level",
                "info,helm_operator::controller=debug",
            ])
            .env_remove("POD_NAME")
            .env_remove("POD_NAMESPACE");
        let log = self.dir.join(format!("{name}.log"));
        let process = Process::start("helm-operator", cmd, &log);
        eventually(&format!("{name}'s /readyz"), LIMIT, || {
            http_get(health, "/readyz").filter(|(code, _)| *code == 200)
        });
        Operator {
            process,
            health,
            metrics,
        }
    }

    fn kubectl(&self, args: &[&str]) -> (bool, String) {
        kubectl(&self.dir, &self.kubeconfig, args)
    }

    fn apply(&self, file: &str, yaml: &str) {
        common::operator::apply(&self.dir, &self.kubeconfig, file, yaml);
    }

    /// `kind/name` as JSON, `None` when it does not exist.
    fn get(&self, what: &str) -> Option<Value> {
        let (ok, json) = self.kubectl(&["get", what, "-o", "json"]);
        ok.then(|| serde_json::from_str(&json).unwrap())
    }

    fn condition(&self, hr: &str, type_: &str) -> Option<Value> {
        common::operator::condition(&self.dir, &self.kubeconfig, &format!("hr/{hr}"), type_)
    }

    /// Every record of release `name`, oldest first, read with Helm's codec.
    fn records(&self, name: &str) -> Vec<Release> {
        common::operator::release_records(&self.dir, &self.kubeconfig, name)
    }

    /// Runs a Python script with `helm_python`; `sys.argv[1]` is the kubeconfig, then `args`.
    /// The script prints one JSON document.
    fn helm(&self, script: &str, args: &[&str]) -> Value {
        let out = Command::new(&self.python)
            .args(["-c", script])
            .arg(&self.kubeconfig)
            .args(args)
            .env("HOME", &self.dir)
            .output()
            .expect("run helm");
        assert!(
            out.status.success(),
            "helm: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(stdout.lines().last().unwrap_or(""))
            .unwrap_or_else(|e| panic!("helm's answer is not JSON ({e}): {stdout}"))
    }

    /// What real Helm says of release `name`: `list`, `history` as (revision, status,
    /// description) (`history` does not carry descriptions: each revision's is read with
    /// `get_all`), and `get_values`.
    fn helm_view(&self, name: &str) -> Value {
        self.helm(
            r#"
import json, sys
from helm_python import Config
cfg = Config(kubeconfig_path=sys.argv[1], namespace="default")
name = sys.argv[2]
out = {"list": [(r["name"], r["status"]) for r in cfg.list()]}
try:
    out["history"] = [(r["revision"], r["status"], cfg.get_all(name, revision=r["revision"])["info"].get("description", "")) for r in cfg.history(name)]
    out["values"] = cfg.get_values(name)
except Exception as e:
    out["error"] = str(e)
print(json.dumps(out, default=str))
"#,
            &[name],
        )
    }

    fn log_hint(&self) -> String {
        format!("operator logs in {}", self.dir.display())
    }
}

fn release_yaml(name: &str, spec_extra: &str, values: &str) -> String {
    format!(
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  chart: {{name: {CHART}, version: '1.0.0', repository: {{name: charts}}}}\n{spec_extra}  values: |\n{values}"
    )
}

fn statuses(records: &[Release]) -> Vec<(i32, String)> {
    records
        .iter()
        .map(|r| (r.version, r.info.status.as_str().to_owned()))
        .collect()
}

fn owned(pairs: &[(i32, &str)]) -> Vec<(i32, String)> {
    pairs.iter().map(|(r, s)| (*r, (*s).to_owned())).collect()
}

/// Helm's history as (revision, status) pairs.
fn helm_statuses(view: &Value) -> Vec<(i64, String)> {
    view["history"]
        .as_array()
        .unwrap_or_else(|| panic!("no history: {view}"))
        .iter()
        .map(|h| (h[0].as_i64().unwrap(), h[1].as_str().unwrap().to_owned()))
        .collect()
}

fn helm_descriptions(view: &Value) -> Vec<String> {
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[2].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Kills the operator with SIGKILL: no shutdown, no last status write.
/// Writes `from` as revision 2, `pending-upgrade` with other values: what a crash right after
/// recording an upgrade leaves. Returns when it was written.
fn forge_pending_upgrade(bed: &Bed, mut from: Release) -> jiff::Timestamp {
    from.version = 2;
    from.info.status = Status::PendingUpgrade;
    from.info.description = "Preparing upgrade".to_owned();
    from.config = json!({"note": "crashed"}).as_object().unwrap().clone();
    let at = jiff::Timestamp::now();
    from.info.last_deployed = GoTime::utc(at);
    let secret = release_secret(&from, LabelStamp::Created(at.as_second())).unwrap();
    let path = bed.dir.join("forged.json");
    std::fs::write(&path, serde_json::to_vec(&secret).unwrap()).unwrap();
    let (ok, out) = bed.kubectl(&["create", "-f", path.to_str().unwrap()]);
    assert!(ok, "{out}");
    at
}

fn kill9(mut op: Operator) {
    op.process.signal("KILL");
    let status = op
        .process
        .wait_exit(Duration::from_secs(30))
        .expect("the operator dies on SIGKILL");
    assert!(
        !status.success(),
        "SIGKILL ended the operator with {status}"
    );
}

fn ready_with(bed: &Bed, hr: &str, reason: &str, message_part: &str) -> Value {
    eventually(
        &format!(
            "hr/{hr} Ready=True {reason} with {message_part:?} ({})",
            bed.log_hint()
        ),
        LIMIT,
        || {
            bed.condition(hr, "Ready").filter(|c| {
                c["status"] == "True"
                    && c["reason"] == reason
                    && c["message"].as_str().unwrap_or("").contains(message_part)
            })
        },
    )
}

fn uid(object: &Value) -> String {
    object["metadata"]["uid"].as_str().unwrap_or("").to_owned()
}

#[test]
fn an_operator_killed_mid_install_and_mid_upgrade_is_replaced_without_duplicates() {
    // every workload and hook Job takes 3 s: long enough to catch an operation in flight
    let Some(mut bed) = Bed::start("release-recovery-kill", Duration::from_secs(3)) else {
        return;
    };
    let first = bed.operator();
    bed.apply(
        "hr.yaml",
        &release_yaml(
            "crash",
            "  install: {wait: true}\n  upgrade: {wait: true}\n",
            "    note: one\n",
        ),
    );

    // the install is running its pre-install hook: the Job was created and is not done
    let op = eventually(
        &format!("the install's pre-install hook to run ({})", bed.log_hint()),
        LIMIT,
        || {
            let op = bed.get("hr/crash")?["status"]["operation"].clone();
            (op["action"] == "install" && op["phase"] == "hooks" && op["hook"]["started"] == true)
                .then_some(op)
        },
    );
    assert_eq!(op["revision"], 1, "{op}");
    assert_eq!(op["hook"]["event"], "pre-install", "{op}");
    let hook_job = bed
        .get("job/crash-migrate")
        .expect("status says the hook was started: its Job exists");
    kill9(first);
    // killed mid-way (the hook Job takes 3 s and the Deployment 3 s more): the record is still
    // pending
    let records = bed.records("crash");
    assert_eq!(
        statuses(&records),
        owned(&[(1, "pending-install")]),
        "the operator was killed while its hook ran"
    );

    let second = bed.operator();
    ready_with(
        &bed,
        "crash",
        "InstallSucceeded",
        "revision 1 (recover 1.0.0)",
    );
    let helm = bed.helm_view("crash");
    assert_eq!(helm["list"], json!([["crash", "deployed"]]), "{helm}");
    assert_eq!(
        helm["history"],
        json!([[1, "deployed", "Install complete"]]),
        "one revision, deployed, nothing pending: {helm}"
    );
    assert_eq!(helm["values"], json!({"note": "one"}), "{helm}");
    assert_eq!(
        statuses(&bed.records("crash")),
        owned(&[(1, "deployed")]),
        "no second record"
    );
    // the new operator carried the hook on instead of running it again
    let job = bed.get("job/crash-migrate").expect("the hook Job is kept");
    assert_eq!(uid(&job), uid(&hook_job), "the pre-install hook ran twice");
    let hr = bed.get("hr/crash").unwrap();
    assert!(hr["status"]["operation"].is_null(), "{hr}");
    assert_eq!(hr["status"]["helmRelease"]["revision"], 1);
    let cm = bed.get("configmap/crash-config").unwrap();
    assert_eq!(cm["data"]["note"], "one");

    // mid-upgrade: the pre-upgrade hook is done, the new Deployment generation is being waited for
    bed.apply(
        "hr.yaml",
        &release_yaml(
            "crash",
            "  install: {wait: true}\n  upgrade: {wait: true}\n",
            "    note: two\n",
        ),
    );
    let op = eventually(
        &format!("the upgrade's wait ({})", bed.log_hint()),
        LIMIT,
        || {
            let op = bed.get("hr/crash")?["status"]["operation"].clone();
            (op["action"] == "upgrade" && op["phase"] == "waiting").then_some(op)
        },
    );
    assert_eq!(op["revision"], 2, "{op}");
    let upgrade_hook = bed.get("job/crash-migrate").unwrap();
    assert_ne!(
        uid(&upgrade_hook),
        uid(&hook_job),
        "the pre-upgrade hook replaced the pre-install one (before-hook-creation)"
    );
    kill9(second);
    assert_eq!(
        statuses(&bed.records("crash")),
        owned(&[(1, "deployed"), (2, "pending-upgrade")]),
        "the operator was killed while it waited"
    );

    let third = bed.operator();
    ready_with(
        &bed,
        "crash",
        "UpgradeSucceeded",
        "revision 2 (recover 1.0.0)",
    );
    let helm = bed.helm_view("crash");
    assert_eq!(
        helm_statuses(&helm),
        [(1, "superseded".to_owned()), (2, "deployed".to_owned())],
        "revisions strictly increasing, no duplicate, nothing pending: {helm}"
    );
    assert_eq!(
        helm_descriptions(&helm),
        ["Install complete", "Upgrade complete"],
        "{helm}"
    );
    assert_eq!(helm["values"], json!({"note": "two"}), "{helm}");
    assert_eq!(
        statuses(&bed.records("crash")),
        owned(&[(1, "superseded"), (2, "deployed")])
    );
    let job = bed.get("job/crash-migrate").unwrap();
    assert_eq!(
        uid(&job),
        uid(&upgrade_hook),
        "the pre-upgrade hook ran again after the restart"
    );
    let cm = bed.get("configmap/crash-config").unwrap();
    assert_eq!(cm["data"]["note"], "two");
    let deployment = bed.get("deployment/crash-web").unwrap();
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["note"],
        "two"
    );
    let hr = bed.get("hr/crash").unwrap();
    assert!(hr["status"]["operation"].is_null(), "{hr}");
    assert_eq!(hr["status"]["helmRelease"]["revision"], 2);
    stop_operator(third);
}

#[test]
fn a_pending_record_helm_left_is_left_alone_until_the_timeout_then_failed_and_upgraded() {
    let timeout = Duration::from_secs(10);
    let Some(mut bed) = Bed::start("release-recovery-pending", Duration::from_millis(200)) else {
        return;
    };
    let first = bed.operator();
    bed.apply(
        "hr.yaml",
        &release_yaml(
            "stale",
            &format!("  upgrade: {{timeout: {}s}}\n", timeout.as_secs()),
            "    note: one\n",
        ),
    );
    ready_with(&bed, "stale", "InstallSucceeded", "revision 1");
    let hr = bed.get("hr/stale").unwrap();
    assert!(
        hr["status"]["operation"].is_null(),
        "no operation in status: {hr}"
    );

    // a `helm upgrade` was killed right after recording an upgrade: revision 2 is
    // pending-upgrade with the labels Helm copied from revision 1 (the operator's among them)
    // but no annotation (Helm writes none), and nothing in the HelmRelease's status says so
    kill9(first);
    let records = bed.records("stale");
    assert_eq!(statuses(&records), owned(&[(1, "deployed")]));
    let mut forged = records[0].clone();
    assert!(
        forged
            .labels
            .contains_key("helm-operator.ketches.cn/owner-name"),
        "{:?}",
        forged.labels
    );
    forged.annotations.clear();
    let forged_at = forge_pending_upgrade(&bed, forged);
    let old_enough = forged_at
        .checked_add(jiff::SignedDuration::try_from(timeout).unwrap())
        .unwrap();

    // while it is younger than the timeout someone may still be working on it: nothing
    // touches it, though the new operator looks at the release
    let second = bed.operator();
    let mut looked = false;
    let mut shown = false;
    loop {
        let statuses_now = statuses(&bed.records("stale"));
        let log = second.process.log_text();
        let seen = jiff::Timestamp::now();
        if seen >= old_enough {
            break;
        }
        assert_eq!(
            statuses_now,
            owned(&[(1, "deployed"), (2, "pending-upgrade")]),
            "the pending record was touched {} after it was written, before the {timeout:?} timeout",
            seen.duration_since(forged_at)
        );
        looked |= log.lines().any(|l| {
            l.contains("\"planned\"") && l.contains("stale") && l.contains("pending-upgrade")
        });
        // and says so in its status, not in its log only
        shown |= bed.condition("stale", "Ready").is_some_and(|c| {
            c["status"] == "Unknown"
                && c["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("revision 2 is pending-upgrade"))
        });
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        looked,
        "the new operator never planned the release while the record was young (log: {})",
        second.process.log.display()
    );
    assert!(
        shown,
        "Ready never said the release waits for revision 2: {:?}",
        bed.condition("stale", "Ready")
    );

    // then it is marked failed and upgraded over
    ready_with(
        &bed,
        "stale",
        "UpgradeSucceeded",
        "revision 3 (recover 1.0.0)",
    );
    let records = bed.records("stale");
    assert_eq!(
        statuses(&records),
        owned(&[(1, "superseded"), (2, "failed"), (3, "deployed")])
    );
    let marked = records[1].info.last_deployed.timestamp();
    assert!(
        marked >= old_enough,
        "revision 2 was marked failed at {marked}, before it was {timeout:?} old (written {forged_at})"
    );
    assert_eq!(
        records[2].config,
        *json!({"note": "one"}).as_object().unwrap()
    );
    let helm = bed.helm_view("stale");
    assert_eq!(helm["list"], json!([["stale", "deployed"]]), "{helm}");
    assert_eq!(
        helm_statuses(&helm),
        [
            (1, "superseded".to_owned()),
            (2, "failed".to_owned()),
            (3, "deployed".to_owned())
        ],
        "{helm}"
    );
    let descriptions = helm_descriptions(&helm);
    // worded as a failed upgrade is
    assert_eq!(
        descriptions[1], "Upgrade \"stale\" failed: the operation was interrupted",
        "Helm reads why revision 2 failed: {helm}"
    );
    assert_eq!(descriptions[2], "Upgrade complete", "{helm}");
    assert_eq!(helm["values"], json!({"note": "one"}), "{helm}");
    let hr = bed.get("hr/stale").unwrap();
    assert_eq!(hr["status"]["helmRelease"]["revision"], 3);
    assert!(hr["status"]["operation"].is_null(), "{hr}");
    stop_operator(second);
}

#[test]
fn a_release_installed_by_helm_is_adopted_and_a_second_helm_release_is_refused() {
    let Some(mut bed) = Bed::start("release-recovery-adopt", Duration::from_millis(200)) else {
        return;
    };
    let installed = bed.helm(
        r#"
import json, sys
from helm_python import Config
cfg = Config(kubeconfig_path=sys.argv[1], namespace="default")
r = cfg.install(sys.argv[2], "legacy", {"note": "from-helm"}, wait="watcher", timeout=60)
print(json.dumps({"status": r["status"], "revision": r.get("revision", r.get("version"))}, default=str))
"#,
        &[bed.archive.to_str().unwrap()],
    );
    assert_eq!(
        installed,
        json!({"status": "deployed", "revision": 1}),
        "{installed}"
    );
    let helm_cm = bed.get("configmap/legacy-config").unwrap();
    assert_eq!(helm_cm["data"]["note"], "from-helm");
    let op = bed.operator();

    bed.apply(
        "adopter.yaml",
        &release_yaml(
            "adopter",
            "  release: {name: legacy}\n",
            "    note: from-operator\n",
        ),
    );
    ready_with(
        &bed,
        "adopter",
        "UpgradeSucceeded",
        "revision 2 (recover 1.0.0)",
    );
    let helm = bed.helm_view("legacy");
    assert_eq!(helm["list"], json!([["legacy", "deployed"]]), "{helm}");
    assert_eq!(
        helm_statuses(&helm),
        [(1, "superseded".to_owned()), (2, "deployed".to_owned())],
        "{helm}"
    );
    assert_eq!(
        helm_descriptions(&helm),
        ["Install complete", "Upgrade complete"],
        "{helm}"
    );
    assert_eq!(helm["values"], json!({"note": "from-operator"}), "{helm}");
    let cm = bed.get("configmap/legacy-config").unwrap();
    assert_eq!(cm["data"]["note"], "from-operator");
    assert_eq!(
        uid(&cm),
        uid(&helm_cm),
        "the ConfigMap was updated in place"
    );
    let deployment = bed.get("deployment/legacy-web").unwrap();
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["note"],
        "from-operator"
    );
    assert_eq!(
        deployment["metadata"]["annotations"]["meta.helm.sh/release-name"],
        "legacy"
    );
    let hr = bed.get("hr/adopter").unwrap();
    assert_eq!(hr["status"]["helmRelease"]["revision"], 2);
    assert_eq!(hr["status"]["helmRelease"]["name"], "legacy");
    let before = bed.records("legacy");

    // a second HelmRelease naming the same release is refused and changes nothing
    bed.apply(
        "intruder.yaml",
        &release_yaml(
            "intruder",
            "  release: {name: legacy}\n",
            "    note: from-intruder\n",
        ),
    );
    let stalled = eventually(
        &format!("hr/intruder Stalled ({})", bed.log_hint()),
        LIMIT,
        || {
            bed.condition("intruder", "Stalled")
                .filter(|c| c["status"] == "True")
        },
    );
    assert_eq!(stalled["reason"], "ReleaseOwnedElsewhere", "{stalled}");
    assert!(
        stalled["message"]
            .as_str()
            .unwrap_or("")
            .contains("default/adopter"),
        "{stalled}"
    );
    let ready = bed.condition("intruder", "Ready").unwrap();
    assert_eq!(
        (&ready["status"], &ready["reason"]),
        (&json!("False"), &json!("ReleaseOwnedElsewhere")),
        "{ready}"
    );
    // nor does the reconcile its own status write sets off: give it time to happen
    std::thread::sleep(Duration::from_secs(3));
    let after = bed.records("legacy");
    assert_eq!(statuses(&after), statuses(&before));
    assert_eq!(after, before, "the refused HelmRelease rewrote a record");
    assert_eq!(
        bed.get("configmap/legacy-config").unwrap()["data"]["note"],
        "from-operator"
    );
    let hr = bed.get("hr/intruder").unwrap();
    assert!(hr["status"]["helmRelease"].is_null(), "{hr}");
    let adopter = bed.condition("adopter", "Ready").unwrap();
    assert_eq!(adopter["status"], "True", "{adopter}");

    // deleting the refused HelmRelease leaves the release to its manager
    let (ok, out) = bed.kubectl(&["delete", "hr", "intruder", "--wait=false"]);
    assert!(ok, "{out}");
    eventually(
        &format!("hr/intruder to be gone ({})", bed.log_hint()),
        LIMIT,
        || (!bed.kubectl(&["get", "hr", "intruder"]).0).then_some(()),
    );
    assert_eq!(
        bed.records("legacy"),
        before,
        "deleting the intruder touched the release"
    );
    assert!(bed.get("deployment/legacy-web").is_some());
    let helm = bed.helm_view("legacy");
    assert_eq!(helm["list"], json!([["legacy", "deployed"]]), "{helm}");
    stop_operator(op);
}

#[test]
fn helm_reads_an_automatic_rollback_as_it_reads_its_own() {
    let Some(mut bed) = Bed::start("release-recovery-rollback", Duration::from_millis(500)) else {
        return;
    };
    // real Helm's own run of the sequence, on another release in the same cluster
    let helm_run = bed.helm(
        r#"
import json, sys
from helm_python import Config
cfg = Config(kubeconfig_path=sys.argv[1], namespace="default")
chart, name = sys.argv[2], sys.argv[3]
out = {}
cfg.install(chart, name, {"note": "one"}, wait="watcher", timeout=60)
try:
    cfg.upgrade(chart, name, {"note": "two", "fail": True}, wait="watcher", timeout=5)
    out["upgrade"] = "succeeded"
except Exception as e:
    out["upgrade"] = "failed: " + str(e)
cfg.rollback(name, version=1, wait="watcher", timeout=20)
out["history"] = [(r["revision"], r["status"], cfg.get_all(name, revision=r["revision"])["info"].get("description", "")) for r in cfg.history(name)]
out["values"] = cfg.get_values(name)
print(json.dumps(out, default=str))
"#,
        &[bed.archive.to_str().unwrap(), "twin"],
    );
    assert!(
        helm_run["upgrade"]
            .as_str()
            .unwrap_or("")
            .starts_with("failed"),
        "{helm_run}"
    );

    let op = bed.operator();
    let spec = "  upgrade: {wait: true, timeout: 60s}\n  rollback: {enabled: true}\n";
    bed.apply("hr.yaml", &release_yaml("roll", spec, "    note: one\n"));
    ready_with(&bed, "roll", "InstallSucceeded", "revision 1");
    bed.apply(
        "hr.yaml",
        &release_yaml("roll", spec, "    note: two\n    fail: true\n"),
    );
    let rolled = eventually(
        &format!("hr/roll RolledBack ({})", bed.log_hint()),
        LIMIT,
        || {
            bed.condition("roll", "RolledBack")
                .filter(|c| c["status"] == "True")
        },
    );
    assert_eq!(rolled["reason"], "RollbackSucceeded", "{rolled}");
    // the same failed inputs are not tried again: the release settles at three revisions
    let stalled = eventually(
        &format!("hr/roll Stalled ({})", bed.log_hint()),
        LIMIT,
        || {
            bed.condition("roll", "Stalled")
                .filter(|c| c["status"] == "True")
        },
    );
    assert_eq!(stalled["reason"], "RetriesExhausted", "{stalled}");

    let ours = bed.helm_view("roll");
    let theirs = json!({"history": helm_run["history"], "values": helm_run["values"]});
    let context = format!("operator: {ours}\nhelm: {theirs}");
    assert_eq!(helm_statuses(&ours), helm_statuses(&theirs), "{context}");
    assert_eq!(
        helm_statuses(&ours),
        [
            (1, "superseded".to_owned()),
            (2, "failed".to_owned()),
            (3, "deployed".to_owned())
        ],
        "{context}"
    );
    let (ours_d, theirs_d) = (helm_descriptions(&ours), helm_descriptions(&theirs));
    assert_eq!(ours_d[0], theirs_d[0], "{context}");
    assert_eq!(ours_d[0], "Install complete", "{context}");
    assert!(
        ours_d[1].starts_with("Upgrade \"roll\" failed: "),
        "{context}"
    );
    assert!(
        theirs_d[1].starts_with("Upgrade \"twin\" failed: "),
        "{context}"
    );
    assert_eq!(ours_d[2], theirs_d[2], "{context}");
    assert_eq!(ours_d[2], "Rollback to 1", "{context}");
    assert_eq!(ours["values"], theirs["values"], "{context}");
    assert_eq!(ours["values"], json!({"note": "one"}), "{context}");
    eprintln!(
        "failed upgrade described by the operator: {:?}; by Helm: {:?}",
        ours_d[1], theirs_d[1]
    );

    // both clusters' objects are back at revision 1's values
    for name in ["roll", "twin"] {
        let deployment = bed.get(&format!("deployment/{name}-web")).unwrap();
        let annotations = &deployment["spec"]["template"]["metadata"]["annotations"];
        assert_eq!(
            (&annotations["note"], &annotations["emulator.test/fail"]),
            (&json!("one"), &json!("false")),
            "{name}: {deployment}"
        );
        let cm = bed.get(&format!("configmap/{name}-config")).unwrap();
        assert_eq!(cm["data"]["note"], "one", "{name}");
    }
    let records = bed.records("roll");
    assert_eq!(records.len(), 3, "no revision after the rollback");
    stop_operator(op);
}

#[test]
fn a_pending_record_the_operator_left_is_marked_failed_at_once_by_the_next_owner() {
    let timeout = Duration::from_secs(600);
    let Some(mut bed) = Bed::start("release-recovery-own", Duration::from_millis(200)) else {
        return;
    };
    let first = bed.operator();
    bed.apply(
        "hr.yaml",
        &release_yaml(
            "own",
            &format!("  upgrade: {{timeout: {}s}}\n", timeout.as_secs()),
            "    note: one\n",
        ),
    );
    ready_with(&bed, "own", "InstallSucceeded", "revision 1");

    // an operator crashed between recording revision 2 and persisting the operation: the
    // record's Secret carries its annotation, the HelmRelease's status says nothing
    kill9(first);
    let records = bed.records("own");
    let forged = records[0].clone();
    assert_eq!(
        forged
            .annotations
            .get("helm-operator.ketches.cn/written-for"),
        Some(&"default/own".to_owned()),
        "{:?}",
        forged.annotations
    );
    let forged_at = forge_pending_upgrade(&bed, forged);

    // the next operator knows no one else can be working on it: failed at once (not after the
    // ten-minute timeout), and upgraded over
    let second = bed.operator();
    ready_with(&bed, "own", "UpgradeSucceeded", "revision 3");
    let records = bed.records("own");
    assert_eq!(
        statuses(&records),
        owned(&[(1, "superseded"), (2, "failed"), (3, "deployed")])
    );
    let marked = records[1].info.last_deployed.timestamp();
    assert!(
        marked.duration_since(forged_at) < jiff::SignedDuration::try_from(timeout).unwrap(),
        "revision 2 was marked failed at {marked}, written {forged_at}"
    );
    assert_eq!(
        records[2].config,
        *json!({"note": "one"}).as_object().unwrap()
    );
    stop_operator(second);
}

/// The same chart and values through the operator (`upgrade.reuseValues`, then `resetValues` as
/// well) and through real Helm (`--reuse-values`, then `--reset-values --reuse-values`) on one
/// cluster: each revision records the same values (`config`) and chart defaults, and renders
/// the same ConfigMap.
#[test]
fn reused_and_reset_values_are_recorded_as_helm_records_them() {
    let Some(mut bed) = Bed::start("release-recovery-values", Duration::from_millis(200)) else {
        return;
    };
    bed.helm(
        r#"
import json, sys
from helm_python import Config
cfg = Config(kubeconfig_path=sys.argv[1], namespace="default")
chart = sys.argv[2]
cfg.install(chart, "by-helm", {"note": "one", "hook": False, "fail": False, "db": {"host": "h", "user": "u"}}, wait="watcher", timeout=60)
cfg.upgrade(chart, "by-helm", {"note": "two", "fail": None, "db": {"user": None, "name": "db1"}, "fresh": None}, reuse_values=True, wait="watcher", timeout=60)
cfg.upgrade(chart, "by-helm", {"note": "three", "hook": False}, reuse_values=True, reset_values=True, wait="watcher", timeout=60)
print(json.dumps({"ok": True}))
"#,
        &[bed.archive.to_str().unwrap()],
    );
    let op = bed.operator();
    let spec = |upgrade: &str, values: &str| {
        release_yaml(
            "by-operator",
            &format!("  upgrade: {{{upgrade}}}\n"),
            values,
        )
    };
    bed.apply(
        "values-1.yaml",
        &spec(
            "",
            "    note: one\n    hook: false\n    fail: false\n    db: {host: h, user: u}\n",
        ),
    );
    ready_with(&bed, "by-operator", "InstallSucceeded", "revision 1");
    bed.apply(
        "values-2.yaml",
        &spec(
            "reuseValues: true",
            "    note: two\n    fail: null\n    db: {user: null, name: db1}\n    fresh: null\n",
        ),
    );
    ready_with(&bed, "by-operator", "UpgradeSucceeded", "revision 2");
    assert_eq!(
        bed.get("configmap/by-operator-config").unwrap()["data"]["note"],
        "two"
    );
    assert!(
        bed.get("job/by-operator-migrate").is_none(),
        "hook: false was reused, yet the hook ran"
    );
    bed.apply(
        "values-3.yaml",
        &spec(
            "reuseValues: true, resetValues: true",
            "    note: three\n    hook: false\n",
        ),
    );
    ready_with(&bed, "by-operator", "UpgradeSucceeded", "revision 3");

    let ours = bed.records("by-operator");
    let helms = bed.records("by-helm");
    assert_eq!(ours.len(), 3, "{:?}", statuses(&ours));
    assert_eq!(helms.len(), 3, "{:?}", statuses(&helms));
    for (o, h) in ours.iter().zip(&helms) {
        // Helm's reuse writes the nulls it was given into the previous revision's values (a Go
        // map it shares) and saves that record again as superseded; the operator leaves the
        // record of what was deployed as it was
        if o.version > 1 {
            assert_eq!(
                Value::Object(o.config.clone()),
                Value::Object(h.config.clone()),
                "values recorded for revision {}",
                o.version
            );
        }
        assert_eq!(
            o.chart.as_ref().and_then(|c| c.values.clone()),
            h.chart.as_ref().and_then(|c| c.values.clone()),
            "chart defaults recorded for revision {}",
            o.version
        );
    }
    assert_eq!(
        Value::Object(ours[0].config.clone()),
        json!({"note": "one", "hook": false, "fail": false, "db": {"host": "h", "user": "u"}}),
    );
    // what the reuse merged, spelled out (Helm agreed above)
    assert_eq!(
        Value::Object(ours[1].config.clone()),
        json!({"note": "two", "hook": false, "db": {"host": "h", "name": "db1"}, "fresh": null}),
    );
    assert_eq!(
        Value::Object(ours[2].config.clone()),
        json!({"note": "three", "hook": false})
    );
    assert_eq!(
        bed.get("configmap/by-operator-config").unwrap()["data"]["note"],
        bed.get("configmap/by-helm-config").unwrap()["data"]["note"]
    );
    stop_operator(op);
}
