//! Several `helm-operator` replicas as separate processes against one API server: starting and
//! stopping them (SIGTERM, asserting a clean exit, or SIGKILL), reading what each says of its
//! shards (`/debug/shards`), waiting until they agree on one assignment, and reading the audit
//! lines of every replica's log into per-object intervals so a test can prove that no two
//! replicas acted on one object at the same time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::operator::kubectl;
use super::{Process, free_port, http_get};

/// Where the replicas keep their Leases and the published assignment.
pub const OPERATOR_NAMESPACE: &str = "helm-operator-system";

/// The log filter every replica runs with: the audit lines are at debug level.
/// `SHARD_HA_LOG` adds directives (e.g. `helm_operator::controller=debug`) when diagnosing.
pub const LOG_LEVEL: &str = "info,helm_operator::audit=debug";

fn log_level() -> String {
    match std::env::var("SHARD_HA_LOG") {
        Ok(more) if !more.is_empty() => format!("{LOG_LEVEL},{more}"),
        _ => LOG_LEVEL.to_owned(),
    }
}

/// The tracing target of the audit lines.
pub const AUDIT_TARGET: &str = "helm_operator::audit";

/// Microseconds since the Unix epoch, the clock the audit lines use.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_micros() as u64
}

/// Writes a line to the test's stderr handle directly: measurements stay visible in the output
/// of a passing test (the harness captures `eprintln!`).
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// One running replica: one `helm-operator run` process.
pub struct Replica {
    /// `--replica-id`.
    pub id: String,
    /// The process; its log is `replica-<id>.log` (`replica-<id>.<n>.log` for the n-th start of
    /// the same id in one directory).
    pub process: Process,
    /// Port of /healthz, /readyz and /debug/shards.
    pub health: u16,
    /// Port of /metrics.
    pub metrics: u16,
    /// When the process was started (unix µs).
    pub started_us: u64,
}

/// How a replica's process ended, for reading its audit lines: a reconcile it started and never
/// finished ended no later than `at_us`.
#[derive(Debug, Clone)]
pub struct Ended {
    /// The replica id.
    pub id: String,
    /// Its log file.
    pub log: PathBuf,
    /// When the test saw the process gone (unix µs): an upper bound of its death.
    pub at_us: u64,
    /// Whether it was SIGKILLed (otherwise stopped with SIGTERM).
    pub killed: bool,
}

/// Creates the operator namespace (the replicas need it before they can hold Leases).
pub fn create_operator_namespace(dir: &Path, kubeconfig: &Path) {
    let (ok, out) = kubectl(
        dir,
        kubeconfig,
        &["create", "namespace", OPERATOR_NAMESPACE],
    );
    assert!(
        ok || out.contains("AlreadyExists"),
        "create namespace: {out}"
    );
}

fn log_path(dir: &Path, id: &str) -> PathBuf {
    let first = dir.join(format!("replica-{id}.log"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("replica-{id}.{n}.log")))
        .find(|p| !p.exists())
        .unwrap()
}

/// Starts replica `id` of `helm-operator run` against `kubeconfig` with its own health and
/// metrics ports, JSON logs with the audit target on, the operator namespace, and `extra` flags;
/// waits until its /healthz answers (not /readyz: a replica is ready only once it is a member
/// that applied the current epoch, which a test waits for on its own terms).
pub fn start_replica(dir: &Path, kubeconfig: &Path, id: &str, extra: &[&str]) -> Replica {
    let (health, metrics) = (free_port(), free_port());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_helm-operator"));
    cmd.args(["run", "--kubeconfig"])
        .arg(kubeconfig)
        .args([
            "--health-address",
            &format!("127.0.0.1:{health}"),
            "--metrics-address",
            &format!("127.0.0.1:{metrics}"),
            "--replica-id",
            id,
            "--operator-namespace",
            OPERATOR_NAMESPACE,
            "--log-format",
            "json",
            "--log-level",
            &log_level(),
        ])
        .args(extra)
        .env_remove("POD_NAME")
        .env_remove("POD_NAMESPACE");
    let log = log_path(dir, id);
    let started_us = now_us();
    let mut process = Process::start(&format!("replica {id}"), cmd, &log);
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_get(health, "/healthz").is_none_or(|(code, _)| code != 200) {
        if let Some(status) = process.child.try_wait().unwrap() {
            panic!(
                "replica {id} exited with {status} before /healthz answered:\n{}",
                process.log_text()
            );
        }
        assert!(
            Instant::now() < deadline,
            "replica {id}'s /healthz never answered:\n{}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Replica {
        id: id.to_owned(),
        process,
        health,
        metrics,
        started_us,
    }
}

impl Replica {
    /// Stops the replica with SIGTERM and checks that it stopped cleanly (exit 0, "helm-operator
    /// stopped" logged).
    pub fn stop(self) -> Ended {
        self.process.signal("TERM");
        self.wait_stopped()
    }

    /// Waits for a replica already sent SIGTERM to exit, and checks that it stopped cleanly.
    /// (A second SIGTERM is never sent: a process may take it as "stop now".)
    pub fn wait_stopped(mut self) -> Ended {
        let status = self
            .process
            .wait_exit(Duration::from_secs(60))
            .unwrap_or_else(|| {
                panic!(
                    "replica {} ignored SIGTERM for 60 s; log {}",
                    self.id,
                    self.process.log.display()
                )
            });
        let at_us = now_us();
        let log = self.process.log_text();
        assert!(
            status.success(),
            "replica {} exited with {status} after SIGTERM; log {}:\n{}",
            self.id,
            self.process.log.display(),
            tail(&log, 40)
        );
        assert!(
            log.contains("helm-operator stopped"),
            "replica {} did not log \"helm-operator stopped\"; log {}:\n{}",
            self.id,
            self.process.log.display(),
            tail(&log, 40)
        );
        Ended {
            id: self.id.clone(),
            log: self.process.log.clone(),
            at_us,
            killed: false,
        }
    }

    /// Kills the replica with SIGKILL: no shutdown, no Lease released.
    pub fn kill(mut self) -> Ended {
        self.process.signal("KILL");
        let status = self
            .process
            .wait_exit(Duration::from_secs(30))
            .unwrap_or_else(|| panic!("replica {} survived SIGKILL", self.id));
        let at_us = now_us();
        assert!(
            !status.success(),
            "SIGKILL ended replica {} with {status}",
            self.id
        );
        Ended {
            id: self.id.clone(),
            log: self.process.log.clone(),
            at_us,
            killed: true,
        }
    }

    /// What the replica says of its shards, `None` while it does not answer.
    pub fn shards(&self) -> Option<Shards> {
        shards(self.health)
    }

    /// Its log file.
    pub fn log(&self) -> &Path {
        &self.process.log
    }
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A member as `/debug/shards` lists it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The replica id.
    pub id: String,
    /// Whether its Lease is current.
    pub live: bool,
    /// The last epoch it acknowledged.
    pub acknowledged_epoch: u64,
}

/// `GET /debug/shards` of one replica.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shards {
    /// Its id.
    pub replica: String,
    /// The leader it sees.
    pub leader: Option<String>,
    /// Whether it leads.
    pub is_leader: bool,
    /// The published epoch it has seen (`null` before one is published).
    pub epoch: Option<u64>,
    /// The epoch it acts on.
    pub applied_epoch: u64,
    /// The members it sees.
    pub members: Vec<Member>,
    /// What the published epoch gives it.
    pub assigned: BTreeSet<String>,
    /// What it acts on right now.
    pub owned: BTreeSet<String>,
    /// `owned.len()`.
    pub owned_count: usize,
    /// Namespaces it gave up and is still finishing reconciles in.
    #[serde(default)]
    pub draining: BTreeSet<String>,
}

/// `GET /debug/shards` on `port`, `None` while nothing answers or it is not 200. A 200 whose
/// body is not the documented JSON fails the test: that is an interface mismatch.
pub fn shards(port: u16) -> Option<Shards> {
    let (code, body) = http_get(port, "/debug/shards")?;
    if code != 200 {
        return None;
    }
    Some(serde_json::from_str(&body).unwrap_or_else(|e| {
        panic!("/debug/shards on {port} is not the documented JSON ({e}): {body}")
    }))
}

/// Every namespace the API server has.
pub fn namespaces(dir: &Path, kubeconfig: &Path) -> BTreeSet<String> {
    let (ok, out) = kubectl(
        dir,
        kubeconfig,
        &[
            "get",
            "namespaces",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    );
    assert!(ok, "kubectl get namespaces: {out}");
    out.split_whitespace().map(str::to_owned).collect()
}

/// One agreed assignment of every namespace to the running replicas.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The leader every replica names.
    pub leader: String,
    /// The epoch every replica has applied.
    pub epoch: u64,
    /// Namespace → the replica that owns it.
    pub owner: BTreeMap<String, String>,
    /// Replica → how many namespaces it owns.
    pub counts: BTreeMap<String, usize>,
    /// Each replica's view.
    pub views: Vec<Shards>,
    /// When this was seen (unix µs).
    pub at_us: u64,
}

impl Settled {
    /// The namespaces `replica` owns.
    pub fn owned_by(&self, replica: &str) -> BTreeSet<String> {
        self.owner
            .iter()
            .filter(|(_, r)| r.as_str() == replica)
            .map(|(ns, _)| ns.clone())
            .collect()
    }

    /// The largest count over the smallest.
    pub fn imbalance(&self) -> f64 {
        let max = self.counts.values().max().copied().unwrap_or(0);
        let min = self.counts.values().min().copied().unwrap_or(0);
        max as f64 / min.max(1) as f64
    }
}

/// Whether `replicas` agree on one assignment of exactly the namespaces in `all`: every replica
/// answers, names the same leader and epoch and has applied it, sees exactly the running
/// replicas as live members, owns what it is assigned, no namespace is owned twice and none is
/// left out. `Err` says what is not so yet.
pub fn settled(replicas: &[&Replica], all: &BTreeSet<String>) -> Result<Settled, String> {
    let ids: BTreeSet<&str> = replicas.iter().map(|r| r.id.as_str()).collect();
    let mut views = Vec::new();
    for r in replicas {
        let view = r
            .shards()
            .ok_or_else(|| format!("{} does not answer /debug/shards", r.id))?;
        if view.replica != r.id {
            return Err(format!(
                "replica {} calls itself {:?} in /debug/shards",
                r.id, view.replica
            ));
        }
        views.push(view);
    }
    let first = &views[0];
    let epoch = first
        .epoch
        .ok_or_else(|| format!("{} has seen no published epoch", first.replica))?;
    let leader = first
        .leader
        .clone()
        .ok_or_else(|| format!("{} sees no leader", first.replica))?;
    if !ids.contains(leader.as_str()) {
        return Err(format!(
            "{} names {leader} leader, not a running replica",
            first.replica
        ));
    }
    for v in &views {
        if v.leader.as_deref() != Some(leader.as_str()) || v.epoch != first.epoch {
            return Err(format!(
                "no agreement: {} sees leader {:?} epoch {:?}, {} sees leader {:?} epoch {:?}",
                first.replica, first.leader, first.epoch, v.replica, v.leader, v.epoch
            ));
        }
        if v.applied_epoch != epoch {
            return Err(format!(
                "{} applied epoch {} of {epoch}",
                v.replica, v.applied_epoch
            ));
        }
        if !v.draining.is_empty() {
            return Err(format!("{} is still draining {:?}", v.replica, v.draining));
        }
        if let Some(m) = v
            .members
            .iter()
            .find(|m| m.live && m.acknowledged_epoch != epoch)
        {
            return Err(format!(
                "{} sees {} acknowledging epoch {} of {epoch}",
                v.replica, m.id, m.acknowledged_epoch
            ));
        }
        if v.is_leader != (v.replica == leader) {
            return Err(format!(
                "{} says isLeader={} while the leader is {leader}",
                v.replica, v.is_leader
            ));
        }
        let live: BTreeSet<&str> = v
            .members
            .iter()
            .filter(|m| m.live)
            .map(|m| m.id.as_str())
            .collect();
        if live != ids {
            return Err(format!(
                "{} sees live members {live:?}, the running replicas are {ids:?}",
                v.replica
            ));
        }
        if v.owned != v.assigned {
            let waiting: Vec<_> = v.assigned.difference(&v.owned).take(5).collect();
            let extra: Vec<_> = v.owned.difference(&v.assigned).take(5).collect();
            return Err(format!(
                "{} owns {} of {} assigned namespaces (not yet owned: {waiting:?}..., owned but not assigned: {extra:?}...)",
                v.replica,
                v.owned.len(),
                v.assigned.len()
            ));
        }
        if v.owned_count != v.owned.len() {
            return Err(format!(
                "{} says ownedCount {} but lists {} owned namespaces",
                v.replica,
                v.owned_count,
                v.owned.len()
            ));
        }
    }
    let mut owner = BTreeMap::new();
    for v in &views {
        for ns in &v.owned {
            if let Some(other) = owner.insert(ns.clone(), v.replica.clone()) {
                return Err(format!(
                    "namespace {ns} is owned by both {other} and {}",
                    v.replica
                ));
            }
        }
    }
    let owned: BTreeSet<String> = owner.keys().cloned().collect();
    if &owned != all {
        let missing: Vec<_> = all.difference(&owned).take(10).collect();
        let unknown: Vec<_> = owned.difference(all).take(10).collect();
        return Err(format!(
            "{} namespaces owned of {}: nobody owns {missing:?}..., owned but not in the cluster: {unknown:?}...",
            owned.len(),
            all.len()
        ));
    }
    let counts = views
        .iter()
        .map(|v| (v.replica.clone(), v.owned.len()))
        .collect();
    Ok(Settled {
        leader,
        epoch,
        owner,
        counts,
        views,
        at_us: now_us(),
    })
}

/// Waits until [`settled`] holds for `replicas` and the namespaces the cluster has; panics after
/// `limit` (a guard against hangs, not a performance bound) with the last reason. Prints how
/// long it took under `label`.
pub fn wait_settled(
    dir: &Path,
    kubeconfig: &Path,
    replicas: &[&Replica],
    label: &str,
    limit: Duration,
) -> Settled {
    let start = Instant::now();
    loop {
        let all = namespaces(dir, kubeconfig);
        let last = match settled(replicas, &all) {
            Ok(s) => {
                report(&format!(
                    "[{label}] settled after {:.1} s: leader {}, epoch {}, owned {:?}",
                    start.elapsed().as_secs_f64(),
                    s.leader,
                    s.epoch,
                    s.counts
                ));
                return s;
            }
            Err(why) => why,
        };
        if start.elapsed() > limit {
            let views: Vec<String> = replicas
                .iter()
                .map(|r| match r.shards() {
                    Some(s) => format!(
                        "{}: leader {:?} epoch {:?} applied {} members {:?} assigned {} owned {} draining {:?}",
                        s.replica,
                        s.leader,
                        s.epoch,
                        s.applied_epoch,
                        s.members,
                        s.assigned.len(),
                        s.owned.len(),
                        s.draining
                    ),
                    None => format!("{}: no answer", r.id),
                })
                .collect();
            panic!(
                "[{label}] the replicas did not settle in {limit:?}; last: {last}\n{}\nlogs in {}",
                views.join("\n"),
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The object an audit line is about: (kind, namespace, name).
pub type ObjectKey = (String, String, String);

/// One reconcile that acted, as its replica's audit lines tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    /// The replica id.
    pub replica: String,
    /// The log file (one process; a replica id restarted has one per start).
    pub log: PathBuf,
    /// "reconcile started" (unix µs).
    pub start_us: u64,
    /// "reconcile finished", or for a reconcile that never finished the moment its process was
    /// seen gone; `None` while that process still runs.
    pub end_us: Option<u64>,
    /// Whether no finished line came (the end is the process's end, or open).
    pub unfinished: bool,
}

impl Interval {
    fn end(&self) -> u64 {
        self.end_us.unwrap_or(u64::MAX)
    }

    fn describe(&self) -> String {
        let end = match (self.end_us, self.unfinished) {
            (Some(e), false) => format!("{e}"),
            (Some(e), true) => format!("{e} (never finished; process gone by then)"),
            (None, _) => "open (still running)".to_owned(),
        };
        format!(
            "{} [{}] {} → {end}",
            self.replica,
            self.log.file_name().unwrap_or_default().to_string_lossy(),
            self.start_us
        )
    }
}

/// Two replicas acting on one object at once.
#[derive(Debug, Clone)]
pub struct Overlap {
    /// The object.
    pub object: ObjectKey,
    /// The earlier-starting interval.
    pub first: Interval,
    /// The one that started before `first` ended.
    pub second: Interval,
}

impl std::fmt::Display for Overlap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, ns, name) = &self.object;
        write!(
            f,
            "{kind} {ns}/{name}: {} overlaps {} by {} µs",
            self.first.describe(),
            self.second.describe(),
            self.first.end().min(self.second.end()) - self.second.start_us
        )
    }
}

/// The audit lines of every replica log in a directory.
#[derive(Debug, Default)]
pub struct Audit {
    /// Per object, every interval, ordered by start.
    pub intervals: BTreeMap<ObjectKey, Vec<Interval>>,
    /// Audit lines that make no sense (a finished line without a started one, a line missing a
    /// field, a replica field that is not the log's replica).
    pub problems: Vec<String>,
    /// Audit lines read.
    pub lines: usize,
}

fn field<'a>(line: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    line.get(name)
        .or_else(|| line.get("fields").and_then(|f| f.get(name)))
}

fn text_field(line: &serde_json::Value, name: &str) -> Option<String> {
    field(line, name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn number_field(line: &serde_json::Value, name: &str) -> Option<u64> {
    let v = field(line, name)?;
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// The replica id a log file name says: `replica-<id>.log` or `replica-<id>.<n>.log`.
fn replica_of(log: &Path) -> Option<String> {
    let name = log.file_name()?.to_str()?;
    let rest = name.strip_prefix("replica-")?.strip_suffix(".log")?;
    let id = match rest.rsplit_once('.') {
        Some((id, n)) if n.chars().all(|c| c.is_ascii_digit()) => id,
        _ => rest,
    };
    Some(id.to_owned())
}

impl Audit {
    /// Reads every `replica-*.log` in `dir`. `ended` says how the processes that are gone ended:
    /// a reconcile such a process started and never finished ends when it was seen gone; one of
    /// a process still running stays open.
    pub fn read(dir: &Path, ended: &[Ended]) -> Audit {
        let mut audit = Audit::default();
        let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| replica_of(p).is_some())
            .collect();
        logs.sort();
        for log in logs {
            let end = ended.iter().find(|e| e.log == log).map(|e| e.at_us);
            audit.read_log(&log, end);
        }
        for list in audit.intervals.values_mut() {
            list.sort_by_key(|i| i.start_us);
        }
        audit
    }

    fn read_log(&mut self, log: &Path, process_end: Option<u64>) {
        let id = replica_of(log).unwrap();
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let mut open: BTreeMap<ObjectKey, Vec<u64>> = BTreeMap::new();
        let file = log.file_name().unwrap_or_default().to_string_lossy();
        // a line cut off by SIGKILL is the last one and does not parse: skipped like any
        // non-JSON line
        for line in text.lines() {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if value.get("target").and_then(|t| t.as_str()) != Some(AUDIT_TARGET) {
                continue;
            }
            let message = text_field(&value, "message").unwrap_or_default();
            let started = match message.as_str() {
                "reconcile started" => true,
                "reconcile finished" => false,
                _ => continue,
            };
            self.lines += 1;
            let (Some(kind), Some(ns), Some(name), Some(at)) = (
                text_field(&value, "kind"),
                text_field(&value, "namespace"),
                text_field(&value, "name"),
                number_field(&value, "at_us"),
            ) else {
                self.problems
                    .push(format!("{file}: an audit line lacks a field: {line}"));
                continue;
            };
            if let Some(replica) = text_field(&value, "replica").filter(|r| *r != id) {
                self.problems.push(format!(
                    "{file}: an audit line of replica {id} names replica {replica}: {line}"
                ));
            }
            let key = (kind, ns, name);
            if started {
                open.entry(key).or_default().push(at);
                continue;
            }
            let starts = open.entry(key.clone()).or_default();
            if starts.is_empty() {
                self.problems
                    .push(format!("{file}: finished without a start: {line}"));
                continue;
            }
            let start_us = starts.remove(0);
            if at < start_us {
                self.problems.push(format!(
                    "{file}: {key:?} finished at {at} before it started at {start_us}"
                ));
            }
            self.intervals.entry(key).or_default().push(Interval {
                replica: id.clone(),
                log: log.to_owned(),
                start_us,
                end_us: Some(at),
                unfinished: false,
            });
        }
        for (key, starts) in open {
            for start_us in starts {
                self.intervals
                    .entry(key.clone())
                    .or_default()
                    .push(Interval {
                        replica: id.clone(),
                        log: log.to_owned(),
                        start_us,
                        end_us: process_end,
                        unfinished: true,
                    });
            }
        }
    }

    /// Every pair of intervals of different processes on one object that overlap in time.
    pub fn overlaps(&self) -> Vec<Overlap> {
        let mut found = Vec::new();
        for (key, list) in &self.intervals {
            // sorted by start: an interval can only overlap later-starting ones that begin
            // before it ends
            for (i, a) in list.iter().enumerate() {
                for b in &list[i + 1..] {
                    if b.start_us >= a.end() {
                        break;
                    }
                    if a.log != b.log {
                        found.push(Overlap {
                            object: key.clone(),
                            first: a.clone(),
                            second: b.clone(),
                        });
                    }
                }
            }
        }
        found
    }

    /// Fails with every overlapping pair (and the audit's problems), naming replicas and times.
    pub fn assert_no_overlap(&self, label: &str) {
        let overlaps = self.overlaps();
        let mut objects_by_replica: BTreeMap<&str, usize> = BTreeMap::new();
        for list in self.intervals.values() {
            let replicas: BTreeSet<&str> = list.iter().map(|i| i.replica.as_str()).collect();
            for r in replicas {
                *objects_by_replica.entry(r).or_default() += 1;
            }
        }
        let unfinished = self
            .intervals
            .values()
            .flatten()
            .filter(|i| i.unfinished)
            .count();
        report(&format!(
            "[{label}] audit: {} lines, {} objects, {} reconciles ({unfinished} never finished), objects acted on per replica {objects_by_replica:?}, {} overlaps",
            self.lines,
            self.intervals.len(),
            self.intervals.values().map(Vec::len).sum::<usize>(),
            overlaps.len()
        ));
        assert!(
            self.problems.is_empty(),
            "[{label}] the audit lines do not add up:\n{}",
            self.problems.join("\n")
        );
        assert!(
            overlaps.is_empty(),
            "[{label}] {} times two replicas acted on one object at once:\n{}",
            overlaps.len(),
            overlaps
                .iter()
                .take(50)
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// Whether `replica` finished a reconcile of the object after `since_us`.
    pub fn finished_since(&self, object: &ObjectKey, replica: &str, since_us: u64) -> bool {
        self.intervals.get(object).is_some_and(|list| {
            list.iter()
                .any(|i| i.replica == replica && !i.unfinished && i.start_us >= since_us)
        })
    }
}
