//! High availability end to end: several `helm-operator` replicas as separate processes against
//! one API emulator, sharing namespaces through Leases and a published assignment, with a chart
//! repository made by real Helm and served by real nginx.
//!
//! Proven here: three replicas split 300 namespaces between them, each namespace owned by
//! exactly one, the split even and agreed (one leader, one epoch); scaling 1 → 3 → 5 → 2 hands
//! namespaces over so that every release keeps exactly one deployed revision and is taken up by
//! its new owner; a replica killed with SIGKILL in the middle of upgrades has its namespaces taken
//! over and its pending upgrades finished without a duplicate revision; and a chaos run (a random
//! replica killed and restarted every few seconds while releases roll out) converges. In every
//! case the audit lines of all replicas show that no two replicas ever acted on one object at the
//! same time (a reconcile of a killed replica that never finished counts as running until the
//! kill).
//!
//! Times are measured and printed, never asserted: limits only guard against hangs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Process;
use common::operator::kubectl;
use common::replicas::{
    Audit, Ended, OPERATOR_NAMESPACE, Replica, Settled, create_operator_namespace, now_us, report,
    start_replica, wait_settled,
};
use helm_operator::cluster::storage::Release;
use kube_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;

const TEST: &str = "shard high availability";
/// Guards against hangs only; never a performance bound.
const SETTLE_LIMIT: Duration = Duration::from_secs(300);
/// Guards against hangs only; never a performance bound.
const CONVERGE_LIMIT: Duration = Duration::from_secs(300);
const CHART: &str = "ha";

/// A release: (namespace, name).
type Key = (String, String);

/// Held by each multi-replica test for its whole run. On two cores, three emulators and a dozen
/// replicas at once starve the replicas' Lease renewals (4 s Leases renewed every second), so
/// they fence themselves over and over: that is a test of overload, not of hand-overs. The
/// tests still run in any order; they only do not overlap.
static ONE_CLUSTER_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_cluster_at_a_time(label: &str) -> std::sync::MutexGuard<'static, ()> {
    let start = Instant::now();
    // a test that failed while holding it leaves it poisoned; the next one may still run
    let guard = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if start.elapsed() > Duration::from_secs(1) {
        report(&format!(
            "[{label}] waited {:.0} s for the other cluster tests",
            start.elapsed().as_secs_f64()
        ));
    }
    guard
}

/// A chart with a ConfigMap and a Deployment carrying `note` (the Deployment takes the emulator's
/// readiness delay to be ready), and, when `hook` is true, a pre-install/pre-upgrade Job hook
/// that takes the same delay to complete: an upgrade with the hook takes two delays.
fn write_chart(dir: &Path) -> PathBuf {
    let chart = dir.join(CHART);
    let files: &[(&str, &str)] = &[
        (
            "Chart.yaml",
            "apiVersion: v2\nname: ha\nversion: 1.0.0\nappVersion: \"1.0\"\n",
        ),
        ("values.yaml", "note: default\nhook: false\n"),
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
    helm.sh/hook-delete-policy: before-hook-creation
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

/// Everything a test runs against: the emulator with the CRDs and the operator namespace, nginx
/// serving the chart repository, and the replicas started so far.
struct Bed {
    // dropped first: the replicas stop before the servers they talk to
    replicas: BTreeMap<String, Replica>,
    ended: Vec<Ended>,
    dir: PathBuf,
    kubeconfig: PathBuf,
    repo_url: String,
    _nginx: Process,
    emulator: RunningEmulator,
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
        assert!(
            repo.join(format!("{CHART}-1.0.0.tgz")).is_file(),
            "helm package made no archive"
        );
        let emulator = RunningEmulator::start(EmulatorConfig {
            readiness_delay,
            ..EmulatorConfig::default()
        })
        .expect("emulator starts");
        let kubeconfig = dir.join("kubeconfig");
        emulator.write_kubeconfig(&kubeconfig).unwrap();
        let crds = common::repo_root().join("crds");
        let (ok, out) = kubectl(
            &dir,
            &kubeconfig,
            &["apply", "--server-side", "-f", crds.to_str().unwrap()],
        );
        assert!(ok, "{out}");
        create_operator_namespace(&dir, &kubeconfig);
        Some(Bed {
            replicas: BTreeMap::new(),
            ended: Vec::new(),
            dir,
            kubeconfig,
            repo_url: format!("http://127.0.0.1:{port}/plain/repo"),
            _nginx: web,
            emulator,
        })
    }

    fn kubectl(&self, args: &[&str]) -> (bool, String) {
        kubectl(&self.dir, &self.kubeconfig, args)
    }

    /// Creates `names` in one kubectl call.
    fn create_namespaces(&self, names: &[String]) {
        let yaml: String = names
            .iter()
            .map(|n| format!("---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}\n"))
            .collect();
        let path = self.dir.join("namespaces.yaml");
        std::fs::write(&path, yaml).unwrap();
        let (ok, out) = self.kubectl(&["create", "-f", path.to_str().unwrap()]);
        assert!(ok, "create namespaces: {out}");
    }

    fn start_replica(&mut self, id: &str) {
        assert!(!self.replicas.contains_key(id), "{id} runs already");
        let replica = start_replica(&self.dir, &self.kubeconfig, id, &[]);
        self.replicas.insert(id.to_owned(), replica);
    }

    /// SIGTERM to every one of `ids` at once, then waits for each to exit cleanly.
    fn stop(&mut self, ids: &[&str]) {
        let stopping: Vec<Replica> = ids
            .iter()
            .map(|id| {
                self.replicas
                    .remove(*id)
                    .unwrap_or_else(|| panic!("{id} is not running"))
            })
            .collect();
        for r in &stopping {
            r.process.signal("TERM");
        }
        for r in stopping {
            self.ended.push(r.wait_stopped());
        }
    }

    fn stop_all(&mut self) {
        let ids: Vec<String> = self.replicas.keys().cloned().collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.stop(&ids);
    }

    fn kill(&mut self, id: &str) -> u64 {
        let r = self
            .replicas
            .remove(id)
            .unwrap_or_else(|| panic!("{id} is not running"));
        let ended = r.kill();
        let at = ended.at_us;
        self.ended.push(ended);
        at
    }

    fn running(&self) -> Vec<&Replica> {
        self.replicas.values().collect()
    }

    fn settle(&self, label: &str) -> Settled {
        let settled = wait_settled(
            &self.dir,
            &self.kubeconfig,
            &self.running(),
            label,
            SETTLE_LIMIT,
        );
        // /readyz also waits for the caches: it passes soon after the epoch is applied
        for r in self.replicas.values() {
            common::eventually(
                &format!("[{label}] {}'s /readyz once it applied the epoch", r.id),
                SETTLE_LIMIT,
                || common::http_get(r.health, "/readyz").filter(|(c, _)| *c == 200),
            );
        }
        settled
    }

    fn audit(&self) -> Audit {
        Audit::read(&self.dir, &self.ended)
    }

    /// Applies a HelmRepository `charts` in each namespace of `releases` (when `own_repository`)
    /// or once in `charts` otherwise, and the HelmReleases with `note` and `hook` as values.
    fn apply_releases(&self, releases: &[Key], note: &str, hook: bool, own_repository: bool) {
        let mut yaml = String::new();
        let namespaces: BTreeSet<&str> = releases.iter().map(|(ns, _)| ns.as_str()).collect();
        let repository = |ns: &str| {
            format!(
                "---\napiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {{name: charts, namespace: {ns}}}\nspec:\n  url: {}\n  interval: 30s\n",
                self.repo_url
            )
        };
        let repo_namespace = if own_repository {
            for ns in &namespaces {
                yaml.push_str(&repository(ns));
            }
            String::new()
        } else {
            yaml.push_str(&repository("charts"));
            ", namespace: charts".to_owned()
        };
        for (ns, name) in releases {
            yaml.push_str(&format!(
                "---\napiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  interval: 10s\n  chart: {{name: {CHART}, version: '1.0.0', repository: {{name: charts{repo_namespace}}}}}\n  values: |\n    note: {note}\n    hook: {hook}\n"
            ));
        }
        let path = self.dir.join(format!("releases-{note}.yaml"));
        std::fs::write(&path, yaml).unwrap();
        let start = Instant::now();
        let (ok, out) = self.kubectl(&["apply", "--server-side", "-f", path.to_str().unwrap()]);
        assert!(ok, "kubectl apply releases: {out}");
        report(&format!(
            "applied {} HelmReleases (note {note}) in {:.1} s",
            releases.len(),
            start.elapsed().as_secs_f64()
        ));
    }

    /// Every HelmRelease, by (namespace, name).
    fn helm_releases(&self) -> BTreeMap<Key, Value> {
        let (ok, json) = self.kubectl(&["get", "hr", "--all-namespaces", "-o", "json"]);
        assert!(ok, "{json}");
        let list: Value = serde_json::from_str(&json).unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hr| {
                let m = &hr["metadata"];
                (
                    (
                        m["namespace"].as_str().unwrap().to_owned(),
                        m["name"].as_str().unwrap().to_owned(),
                    ),
                    hr.clone(),
                )
            })
            .collect()
    }

    /// Every Helm record in every namespace, by (namespace, release), oldest first, read with
    /// Helm's codec.
    fn records(&self) -> BTreeMap<Key, Vec<Release>> {
        let (ok, json) = self.kubectl(&[
            "get",
            "secrets",
            "--all-namespaces",
            "-l",
            "owner=helm",
            "-o",
            "json",
        ]);
        assert!(ok, "{json}");
        let list: Value = serde_json::from_str(&json).unwrap();
        let mut records: BTreeMap<Key, Vec<Release>> = BTreeMap::new();
        for s in list["items"].as_array().unwrap() {
            let secret: k8s_openapi::api::core::v1::Secret =
                serde_json::from_value(s.clone()).unwrap();
            let namespace = secret.metadata.namespace.clone().unwrap_or_default();
            let release = helm_operator::cluster::storage::release_from_secret(&secret)
                .expect("a record Helm's codec reads");
            records
                .entry((namespace, release.name.clone()))
                .or_default()
                .push(release);
        }
        for list in records.values_mut() {
            list.sort_by_key(|r| r.version);
        }
        records
    }

    /// Whether every release of `expected` is Ready at its current generation with nothing in
    /// flight, and its newest record is deployed with the expected note; `Err` names one that
    /// is not (and how many are not).
    fn converged(&self, expected: &BTreeMap<Key, String>) -> Result<(), String> {
        let releases = self.helm_releases();
        let records = self.records();
        let mut waiting = Vec::new();
        for (key, note) in expected {
            let why = match (releases.get(key), records.get(key)) {
                (None, _) => Some("no HelmRelease".to_owned()),
                (_, None) => Some("no Helm record".to_owned()),
                (Some(hr), Some(list)) => {
                    let ready = hr["status"]["conditions"]
                        .as_array()
                        .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    let last = list.last().unwrap();
                    if ready["status"] != "True" {
                        Some(format!("Ready is {ready}"))
                    } else if hr["status"]["observedGeneration"] != hr["metadata"]["generation"] {
                        Some("the current generation is not observed yet".to_owned())
                    } else if !hr["status"]["operation"].is_null() {
                        Some(format!("operation {}", hr["status"]["operation"]))
                    } else if last.info.status.as_str() != "deployed" {
                        Some(format!(
                            "newest record v{} is {}",
                            last.version,
                            last.info.status.as_str()
                        ))
                    } else if last.config.get("note").and_then(Value::as_str) != Some(note) {
                        Some(format!(
                            "newest record v{} has values {:?}",
                            last.version, last.config
                        ))
                    } else {
                        None
                    }
                }
            };
            if let Some(why) = why {
                waiting.push(format!("{}/{}: {why}", key.0, key.1));
            }
        }
        if waiting.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} of {} not converged, e.g. {}",
                waiting.len(),
                expected.len(),
                waiting[..waiting.len().min(3)].join("; ")
            ))
        }
    }

    /// Waits until [`Bed::converged`]; prints the time under `label`.
    fn wait_converged(&self, expected: &BTreeMap<Key, String>, label: &str) {
        let start = Instant::now();
        loop {
            let last = match self.converged(expected) {
                Ok(()) => {
                    report(&format!(
                        "[{label}] {} releases converged after {:.1} s",
                        expected.len(),
                        start.elapsed().as_secs_f64()
                    ));
                    return;
                }
                Err(why) => why,
            };
            assert!(
                start.elapsed() < CONVERGE_LIMIT,
                "[{label}] releases did not converge in {CONVERGE_LIMIT:?}: {last}; logs in {}",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The final word on every release's history: revisions 1..=n with n in `revisions`, the
    /// newest deployed with `expected`'s note and every older one superseded (nothing pending or
    /// failed), no two revisions of the same chart and values (a duplicate upgrade), the
    /// HelmRelease's status naming the newest revision, and the release's ConfigMap carrying the
    /// note.
    fn assert_histories(
        &self,
        expected: &BTreeMap<Key, String>,
        revisions: std::ops::RangeInclusive<usize>,
        label: &str,
    ) {
        let releases = self.helm_releases();
        let records = self.records();
        let (ok, json) = self.kubectl(&["get", "configmaps", "--all-namespaces", "-o", "json"]);
        assert!(ok, "{json}");
        let configmaps: Value = serde_json::from_str(&json).unwrap();
        let notes: BTreeMap<Key, String> = configmaps["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|cm| {
                (
                    (
                        cm["metadata"]["namespace"].as_str().unwrap().to_owned(),
                        cm["metadata"]["name"].as_str().unwrap().to_owned(),
                    ),
                    cm["data"]["note"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut problems = Vec::new();
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for (key, note) in expected {
            if let Some(list) = records.get(key) {
                *counts.entry(list.len()).or_default() += 1;
            }
            let cm_note = notes.get(&(key.0.clone(), format!("{}-config", key.1)));
            let found = history_problems(
                key,
                note,
                &revisions,
                records.get(key),
                releases.get(key),
                cm_note,
            );
            let failed = !found.is_empty();
            problems.extend(found);
            if failed && let Some(hr) = releases.get(key) {
                problems.push(format!(
                    "  {}/{}: status.history {} failures {} conditions {}",
                    key.0,
                    key.1,
                    hr["status"]["history"],
                    hr["status"]["failures"],
                    hr["status"]["conditions"]
                ));
            }
        }
        report(&format!(
            "[{label}] histories: releases by number of revisions {counts:?}"
        ));
        assert!(
            problems.is_empty(),
            "[{label}] {} problems in the release histories:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    /// Waits until every object of `objects` has been reconciled (a finished audit interval
    /// started at or after `since_us`) by the replica `settled` gives its namespace: the new
    /// owner took it up. Prints the time under `label`.
    fn wait_taken_up(&self, objects: &[(String, String, String)], settled: &Settled, label: &str) {
        let start = Instant::now();
        loop {
            let audit = self.audit();
            let missing: Vec<String> = objects
                .iter()
                .filter(|key| {
                    let owner = &settled.owner[&key.1];
                    !audit.finished_since(key, owner, settled.at_us)
                })
                .map(|(kind, ns, name)| format!("{kind} {ns}/{name} by {}", settled.owner[ns]))
                .collect();
            if missing.is_empty() {
                report(&format!(
                    "[{label}] every object reconciled by its owner {:.1} s after the settle",
                    start.elapsed().as_secs_f64()
                ));
                return;
            }
            let last = format!(
                "{} of {} not reconciled by their owner since the settle, e.g. {:?}",
                missing.len(),
                objects.len(),
                &missing[..missing.len().min(3)]
            );
            assert!(
                start.elapsed() < CONVERGE_LIMIT,
                "[{label}] {last}; logs in {}",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// What is wrong with one release's history (see [`Bed::assert_histories`]).
fn history_problems(
    key: &Key,
    note: &str,
    revisions: &std::ops::RangeInclusive<usize>,
    list: Option<&Vec<Release>>,
    hr: Option<&Value>,
    cm_note: Option<&String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let id = format!("{}/{}", key.0, key.1);
    let Some(list) = list else {
        problems.push(format!("{id}: no Helm record"));
        return problems;
    };
    let history: Vec<(i32, String)> = list
        .iter()
        .map(|r| (r.version, r.info.status.as_str().to_owned()))
        .collect();
    let versions: Vec<i32> = list.iter().map(|r| r.version).collect();
    let contiguous: Vec<i32> = (1..=list.len() as i32).collect();
    if versions != contiguous {
        problems.push(format!(
            "{id}: revisions {versions:?} are not 1..={}",
            list.len()
        ));
    }
    if !revisions.contains(&list.len()) {
        problems.push(format!(
            "{id}: {} revisions ({history:?}), expected {revisions:?}",
            list.len()
        ));
    }
    let last = list.last().unwrap();
    let wanted: Vec<&str> = (0..list.len())
        .map(|i| {
            if i + 1 == list.len() {
                "deployed"
            } else {
                "superseded"
            }
        })
        .collect();
    let statuses: Vec<&str> = list.iter().map(|r| r.info.status.as_str()).collect();
    if statuses != wanted {
        problems.push(format!("{id}: history {history:?}"));
    }
    if last.config.get("note").and_then(Value::as_str) != Some(note) {
        problems.push(format!(
            "{id}: the deployed revision has values {:?}, expected note {note}",
            last.config
        ));
    }
    let mut seen = BTreeSet::new();
    for r in list {
        let chart = r
            .chart
            .as_ref()
            .and_then(|c| c.metadata.as_ref())
            .map(|m| m.version.clone())
            .unwrap_or_default();
        let what = (chart, serde_json::to_string(&r.config).unwrap());
        if !seen.insert(what.clone()) {
            problems.push(format!(
                "{id}: revision {} repeats an earlier revision's chart {} and values {} ({history:?})",
                r.version, what.0, what.1
            ));
        }
    }
    match hr {
        None => problems.push(format!("{id}: no HelmRelease")),
        Some(hr) => {
            if hr["status"]["helmRelease"]["revision"] != i64::from(last.version) {
                problems.push(format!(
                    "{id}: status.helmRelease {} but the newest record is v{}",
                    hr["status"]["helmRelease"], last.version
                ));
            }
            if !hr["status"]["operation"].is_null() {
                problems.push(format!(
                    "{id}: an operation stays in the status: {}",
                    hr["status"]["operation"]
                ));
            }
        }
    }
    if cm_note.map(String::as_str) != Some(note) {
        problems.push(format!(
            "{id}: ConfigMap {}-config has note {cm_note:?}, expected {note}",
            key.1
        ));
    }
    problems
}

/// The value of the metric line that starts with `name` (and a space or a label set).
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Checks that each running replica's metrics say what its /debug/shards says.
fn assert_metrics_agree(bed: &Bed, settled: &Settled, label: &str) {
    for r in bed.replicas.values() {
        let (_, text) = common::http_get(r.metrics, "/metrics").expect("/metrics answers");
        let owned = metric(&text, "helm_operator_shards_owned");
        let leader = metric(&text, "helm_operator_leader");
        assert_eq!(
            owned,
            Some(settled.counts[&r.id] as f64),
            "[{label}] {}'s helm_operator_shards_owned disagrees with /debug/shards",
            r.id
        );
        assert_eq!(
            leader,
            Some(if settled.leader == r.id { 1.0 } else { 0.0 }),
            "[{label}] {}'s helm_operator_leader (leader is {})",
            r.id,
            settled.leader
        );
    }
}

fn keys(releases: &[Key], note: &str) -> BTreeMap<Key, String> {
    releases
        .iter()
        .map(|k| (k.clone(), note.to_owned()))
        .collect()
}

/// The HelmRelease and HelmRepository objects of `releases` (with a repository per namespace),
/// as audit keys.
fn audit_objects(releases: &[Key]) -> Vec<(String, String, String)> {
    let mut objects: Vec<(String, String, String)> = releases
        .iter()
        .map(|(ns, name)| ("HelmRelease".to_owned(), ns.clone(), name.clone()))
        .collect();
    let namespaces: BTreeSet<&String> = releases.iter().map(|(ns, _)| ns).collect();
    objects.extend(
        namespaces
            .into_iter()
            .map(|ns| ("HelmRepository".to_owned(), ns.clone(), "charts".to_owned())),
    );
    objects
}

#[test]
fn replicas_split_namespaces_evenly_and_hand_them_over_while_scaling() {
    let _one = one_cluster_at_a_time("scaling");
    let Some(mut bed) = Bed::start("shard-ha-scale", Duration::from_millis(200)) else {
        return;
    };
    let namespaces: Vec<String> = (0..300).map(|i| format!("ns-{i:03}")).collect();
    bed.create_namespaces(&namespaces);

    // three replicas split every namespace between them
    for id in ["r1", "r2", "r3"] {
        bed.start_replica(id);
    }
    let settled = bed.settle("3 replicas, 300 namespaces");
    let all = common::replicas::namespaces(&bed.dir, &bed.kubeconfig);
    for ns in &namespaces {
        assert!(settled.owner.contains_key(ns), "nobody owns {ns}");
    }
    assert_eq!(settled.owner.len(), all.len());
    assert!(
        settled.owner.contains_key(OPERATOR_NAMESPACE) && settled.owner.contains_key("default"),
        "the namespaces the cluster had before are assigned too: {:?}",
        settled.counts
    );
    report(&format!(
        "[3 replicas, {} namespaces] owned per replica {:?}, max/min {:.3}",
        all.len(),
        settled.counts,
        settled.imbalance()
    ));
    // the ring bounds every load at 105 % of the average (rounded up): with three members the
    // smallest share is then at least 1 - 2 × 1.05 / 3 of the total, so max/min ≤ 1.19 always
    assert!(
        settled.imbalance() <= 1.25,
        "uneven split: {:?}",
        settled.counts
    );
    assert_metrics_agree(&bed, &settled, "3 replicas");

    // down to one: it owns everything
    let leader = settled.leader.clone();
    let stop: Vec<String> = ["r1", "r2", "r3"]
        .iter()
        .filter(|id| **id != leader)
        .map(|id| (*id).to_owned())
        .collect();
    bed.stop(&[stop[0].as_str(), stop[1].as_str()]);
    let settled = bed.settle("scaled 3 → 1");
    assert_eq!(settled.counts[&leader], all.len());

    // releases in 60 of the namespaces, installed by the one replica
    let releases: Vec<Key> = namespaces
        .iter()
        .step_by(5)
        .map(|ns| (ns.clone(), format!("app-{}", &ns[3..])))
        .collect();
    bed.apply_releases(&releases, "v1", false, true);
    bed.wait_converged(&keys(&releases, "v1"), "1 replica, installs");
    let objects = audit_objects(&releases);

    // 1 → 3
    bed.start_replica("r4");
    bed.start_replica("r5");
    let settled = bed.settle("scaled 1 → 3");
    bed.wait_converged(&keys(&releases, "v1"), "3 replicas");
    bed.wait_taken_up(&objects, &settled, "3 replicas");
    assert_metrics_agree(&bed, &settled, "3 replicas after scaling");

    // 3 → 5, with every release upgraded while the namespaces move
    bed.start_replica("r6");
    bed.start_replica("r7");
    bed.apply_releases(&releases, "v2", false, true);
    let settled = bed.settle("scaled 3 → 5");
    report(&format!("[5 replicas] max/min {:.3}", settled.imbalance()));
    bed.wait_converged(&keys(&releases, "v2"), "5 replicas, upgrades");
    bed.wait_taken_up(&objects, &settled, "5 replicas");

    // 5 → 2, the leader among those stopped
    let leader = settled.leader.clone();
    let mut stop: Vec<String> = vec![leader.clone()];
    stop.extend(
        bed.replicas
            .keys()
            .filter(|id| **id != leader)
            .take(2)
            .cloned(),
    );
    let stop: Vec<&str> = stop.iter().map(String::as_str).collect();
    bed.stop(&stop);
    let settled = bed.settle("scaled 5 → 2");
    assert_ne!(settled.leader, leader, "a stopped replica still leads");
    bed.wait_converged(&keys(&releases, "v2"), "2 replicas");
    bed.wait_taken_up(&objects, &settled, "2 replicas");
    assert_metrics_agree(&bed, &settled, "2 replicas");

    bed.stop_all();
    bed.assert_histories(&keys(&releases, "v2"), 2..=2, "scaling");
    bed.audit().assert_no_overlap("scaling");
}

#[test]
fn a_replica_killed_mid_upgrade_is_taken_over_without_duplicates() {
    let _one = one_cluster_at_a_time("kill");
    // every Deployment and hook Job takes 3 s: an upgrade (hook, then the wait) takes two
    let Some(mut bed) = Bed::start("shard-ha-kill", Duration::from_secs(3)) else {
        return;
    };
    let namespaces: Vec<String> = (0..30).map(|i| format!("up-{i:02}")).collect();
    bed.create_namespaces(&namespaces);
    for id in ["k1", "k2", "k3"] {
        bed.start_replica(id);
    }
    bed.settle("3 replicas");
    let releases: Vec<Key> = namespaces
        .iter()
        .map(|ns| (ns.clone(), "web".to_owned()))
        .collect();
    bed.apply_releases(&releases, "v1", true, true);
    bed.wait_converged(&keys(&releases, "v1"), "installs");
    let settled = bed.settle("installed");

    // the victim: the replica owning the most release namespaces
    let victim = settled
        .counts
        .keys()
        .max_by_key(|id| {
            releases
                .iter()
                .filter(|(ns, _)| settled.owner[ns] == **id)
                .count()
        })
        .unwrap()
        .clone();
    let victim_namespaces = settled.owned_by(&victim);
    let victim_releases: Vec<&Key> = releases
        .iter()
        .filter(|(ns, _)| victim_namespaces.contains(ns))
        .collect();
    assert!(!victim_releases.is_empty());

    // upgrade everything; kill the victim while some of its upgrades are pending
    bed.apply_releases(&releases, "v2", true, true);
    let pending = common::eventually(
        "an upgrade of the victim's to be pending",
        CONVERGE_LIMIT,
        || {
            let records = bed.records();
            let pending: Vec<String> = victim_releases
                .iter()
                .filter(|k| {
                    records.get(*k).is_some_and(|l| {
                        l.last()
                            .is_some_and(|r| r.info.status.as_str() == "pending-upgrade")
                    })
                })
                .map(|(ns, name)| format!("{ns}/{name}"))
                .collect();
            (!pending.is_empty()).then_some(pending)
        },
    );
    let killed_at = bed.kill(&victim);
    let kill_instant = Instant::now();
    report(&format!(
        "[kill] killed {victim} (leader: {}) owning {} namespaces, {} releases, {} upgrades pending: {pending:?}",
        settled.leader == victim,
        victim_namespaces.len(),
        victim_releases.len(),
        pending.len()
    ));

    // its namespaces are taken over by the survivors
    let survivors: Vec<String> = bed.replicas.keys().cloned().collect();
    let mut first_taken: Option<Duration> = None;
    common::eventually(
        "the survivors to own the killed replica's namespaces",
        SETTLE_LIMIT,
        || {
            let owned: BTreeSet<String> = bed
                .running()
                .iter()
                .filter_map(|r| r.shards())
                .flat_map(|s| s.owned)
                .collect();
            let taken = victim_namespaces.intersection(&owned).count();
            if taken > 0 && first_taken.is_none() {
                first_taken = Some(kill_instant.elapsed());
            }
            (taken == victim_namespaces.len()).then_some(())
        },
    );
    let takeover = kill_instant.elapsed();
    report(&format!(
        "[kill] takeover: first of the killed replica's namespaces owned by a survivor after {:.2} s, all {} after {:.2} s (survivors {survivors:?})",
        first_taken.unwrap_or(takeover).as_secs_f64(),
        victim_namespaces.len(),
        takeover.as_secs_f64()
    ));
    let settled = bed.settle("survivors");
    assert!(settled.leader != victim);

    bed.wait_converged(&keys(&releases, "v2"), "upgrades after the kill");
    bed.stop_all();
    bed.assert_histories(&keys(&releases, "v2"), 2..=2, "kill");
    let audit = bed.audit();
    let cut: Vec<String> = audit
        .intervals
        .iter()
        .flat_map(|(key, list)| {
            list.iter()
                .filter(|i| i.unfinished && i.replica == victim)
                .map(move |i| format!("{} {}/{} from {}", key.0, key.1, key.2, i.start_us))
        })
        .collect();
    report(&format!(
        "[kill] {} reconciles of {victim} cut off by the kill at {killed_at}: {cut:?}",
        cut.len()
    ));
    audit.assert_no_overlap("kill");
}

/// A replica stopped while its Lease writes are slow to be answered (each member renewal held
/// 1.5 s by the API server, so some are always in flight) must still leave no Lease behind: a
/// renewal answered after the member Lease was deleted would create it again (renewals are
/// server-side applies), and the survivor would wait for it to expire before taking over.
#[test]
fn a_replica_stopped_while_its_renewals_are_in_flight_leaves_no_lease_behind() {
    let _one = one_cluster_at_a_time("slow renewals");
    let Some(mut bed) = Bed::start("shard-ha-slow-renewals", Duration::from_millis(200)) else {
        return;
    };
    let namespaces: Vec<String> = (0..12).map(|i| format!("slow-{i:02}")).collect();
    bed.create_namespaces(&namespaces);
    for id in ["s1", "s2"] {
        bed.start_replica(id);
    }
    let settled = bed.settle("2 replicas");
    let leader = settled.leader.clone();
    let survivor = if leader == "s1" { "s2" } else { "s1" };

    bed.emulator
        .emulator()
        .add_fault(kube_emulator::faults::FaultRule {
            verb: "patch".into(),
            resource: "leases".into(),
            latency_ms: 1500,
            ..Default::default()
        });
    // renewals go out every second: after 2.5 s at least one of the leader's is in flight
    std::thread::sleep(Duration::from_millis(2500));
    let stopped_at = Instant::now();
    bed.stop(&[leader.as_str()]);
    let stopped_in = stopped_at.elapsed();
    // whatever the leader sent before it left has been answered by now
    std::thread::sleep(Duration::from_millis(2000));

    let (ok, out) = bed.kubectl(&["get", "lease", "-n", OPERATOR_NAMESPACE, "-o", "json"]);
    assert!(ok, "{out}");
    let leases: Value = serde_json::from_str(&out).unwrap();
    let holders: BTreeMap<String, String> = leases["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["metadata"]["name"].as_str().unwrap().to_owned(),
                l["spec"]["holderIdentity"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    assert!(
        !holders.contains_key(&format!("helm-operator-member-{leader}")),
        "{leader} exited (in {:.2} s) but its member Lease is there again: {holders:?}",
        stopped_in.as_secs_f64()
    );
    assert_ne!(
        holders.get("helm-operator-leader").map(String::as_str),
        Some(leader.as_str()),
        "{leader} exited but still holds the leadership: {holders:?}"
    );

    let settled = bed.settle("the survivor alone");
    assert_eq!(settled.leader, survivor);
    assert_eq!(settled.counts.len(), 1, "{:?}", settled.counts);
    report(&format!(
        "[slow renewals] {leader} stopped in {:.2} s with renewals in flight; {survivor} leads and owns {} namespaces",
        stopped_in.as_secs_f64(),
        settled.counts[survivor]
    ));
    bed.emulator.emulator().clear_faults();
    bed.stop_all();
}

/// A small deterministic generator (xorshift64*), seeded from `SHARD_CHAOS_SEED` or the clock;
/// the seed is printed so a failing run can be replayed.
struct Chaos(u64);

impl Chaos {
    fn new() -> Chaos {
        let seed = std::env::var("SHARD_CHAOS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| now_us() | 1);
        report(&format!(
            "[chaos] seed {seed} (SHARD_CHAOS_SEED replays it)"
        ));
        Chaos(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[low, high)` milliseconds.
    fn millis(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_millis(low + self.next() % (high - low))
    }
}

#[test]
fn releases_converge_while_random_replicas_are_killed_and_restarted() {
    let _one = one_cluster_at_a_time("chaos");
    let count: usize = std::env::var("SHARD_CHAOS_RELEASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    // workloads take a second: kills land in the middle of operations
    let Some(mut bed) = Bed::start("shard-ha-chaos", Duration::from_secs(1)) else {
        return;
    };
    let mut chaos = Chaos::new();
    let namespaces: Vec<String> = (0..count.div_ceil(3))
        .map(|i| format!("chaos-{i:03}"))
        .collect();
    bed.create_namespaces(&namespaces);
    bed.create_namespaces(&["charts".to_owned()]);
    let ids = ["c1", "c2", "c3"];
    for id in ids {
        bed.start_replica(id);
    }
    bed.settle("chaos start");
    let releases: Vec<Key> = (0..count)
        .map(|i| (namespaces[i % namespaces.len()].clone(), format!("rel-{i}")))
        .collect();
    bed.apply_releases(&releases, "v1", false, false);

    let kills = 8;
    let start = Instant::now();
    for round in 0..kills {
        std::thread::sleep(chaos.millis(3000, 6000));
        let running: Vec<String> = bed.replicas.keys().cloned().collect();
        let victim = running[(chaos.next() % running.len() as u64) as usize].clone();
        let leader = bed.replicas[&victim].shards().is_some_and(|s| s.is_leader);
        bed.kill(&victim);
        // sometimes back before its Lease expires (4 s), sometimes after its namespaces moved
        let pause = chaos.millis(0, 8000);
        report(&format!(
            "[chaos] {:.1} s: killed {victim}{}, restarting it in {:.1} s",
            start.elapsed().as_secs_f64(),
            if leader { " (the leader)" } else { "" },
            pause.as_secs_f64()
        ));
        std::thread::sleep(pause);
        bed.start_replica(&victim);
        if round == kills / 2 {
            // upgrades roll out under the same chaos
            bed.apply_releases(&releases, "v2", false, false);
            report(&format!(
                "[chaos] {:.1} s: every release's values changed",
                start.elapsed().as_secs_f64()
            ));
        }
    }
    bed.settle("after the chaos");
    bed.wait_converged(&keys(&releases, "v2"), "chaos");
    report(&format!(
        "[chaos] {count} releases, {kills} kills, converged {:.1} s after the first release was applied",
        start.elapsed().as_secs_f64()
    ));
    bed.stop_all();
    // a release may have been installed straight with the changed values
    bed.assert_histories(&keys(&releases, "v2"), 1..=2, "chaos");
    bed.audit().assert_no_overlap("chaos");
}

/// The audit reader on hand-written logs: intervals are paired per object and per process, an
/// unfinished reconcile of a killed process ends at its death, overlaps across processes are
/// reported with both replicas, and a restarted replica id's second log is its own process.
#[test]
fn the_audit_reader_pairs_lines_and_finds_overlaps() {
    let dir = common::scratch_dir("shard-ha-audit-reader");
    let line = |replica: &str, started: bool, name: &str, at: u64| {
        format!(
            "{{\"timestamp\":\"t\",\"level\":\"DEBUG\",\"message\":\"reconcile {}\",\"kind\":\"HelmRelease\",\"namespace\":\"ns\",\"name\":\"{name}\",\"replica\":\"{replica}\",\"at_us\":{at},\"target\":\"helm_operator::audit\"}}\n",
            if started { "started" } else { "finished" }
        )
    };
    // a: web 100-200, db 100-(killed at 500); b: web 250-300 (no overlap), db 400-450 (overlaps
    // a's cut-off db); a restarted (second log): web 600-700; b: web 650-660 (overlaps)
    let a = [
        line("a", true, "web", 100),
        line("a", true, "db", 100),
        line("a", false, "web", 200),
        "not json\n".to_owned(),
        "{\"target\":\"helm_operator::controller\",\"message\":\"reconcile started\"}\n".to_owned(),
        line("a", true, "api", 150)[..40].to_owned(), // cut off by the kill
    ]
    .concat();
    let b = [
        line("b", true, "web", 250),
        line("b", false, "web", 300),
        line("b", true, "db", 400),
        line("b", false, "db", 450),
        line("b", true, "web", 650),
        line("b", false, "web", 660),
    ]
    .concat();
    let a2 = [line("a", true, "web", 600), line("a", false, "web", 700)].concat();
    std::fs::write(dir.join("replica-a.log"), a).unwrap();
    std::fs::write(dir.join("replica-b.log"), b).unwrap();
    std::fs::write(dir.join("replica-a.2.log"), a2).unwrap();
    std::fs::write(dir.join("other.log"), line("x", true, "web", 1)).unwrap();
    let ended = [Ended {
        id: "a".into(),
        log: dir.join("replica-a.log"),
        at_us: 500,
        killed: true,
    }];
    let audit = Audit::read(&dir, &ended);
    assert!(audit.problems.is_empty(), "{:?}", audit.problems);
    assert_eq!(audit.lines, 11);
    let db = &audit.intervals[&("HelmRelease".into(), "ns".into(), "db".into())];
    assert_eq!(
        db.iter()
            .map(|i| (i.replica.as_str(), i.start_us, i.end_us, i.unfinished))
            .collect::<Vec<_>>(),
        [("a", 100, Some(500), true), ("b", 400, Some(450), false)]
    );
    let overlaps = audit.overlaps();
    let pairs: Vec<(String, &str, &str)> = overlaps
        .iter()
        .map(|o| {
            (
                o.object.2.clone(),
                o.first.replica.as_str(),
                o.second.replica.as_str(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [("db".to_owned(), "a", "b"), ("web".to_owned(), "a", "b")]
    );
    assert!(
        overlaps[0].to_string().contains("never finished"),
        "{}",
        overlaps[0]
    );
    assert!(audit.finished_since(&("HelmRelease".into(), "ns".into(), "web".into()), "a", 600));
    assert!(!audit.finished_since(&("HelmRelease".into(), "ns".into(), "db".into()), "a", 0));
    // the same logs with a still running: its cut-off db stays open and overlaps b's
    let audit = Audit::read(&dir, &[]);
    let db = &audit.intervals[&("HelmRelease".into(), "ns".into(), "db".into())];
    assert_eq!(db[0].end_us, None);
    assert_eq!(audit.overlaps().len(), 2);
}
