//! From what was read to what the planner sees. Pure: the digest of what a HelmRelease wants
//! (chart, values, release identity), the labels that tie a Helm release record to its
//! HelmRelease and inputs, and [`observation`], which turns the records and the status into a
//! [`plan::Observation`].
//!
//! The digest is what makes an unchanged release cheap: it is computed before any chart is
//! downloaded or rendered and compared with the label on the newest record.

use std::time::Duration;

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::plan::{
    FailureMemory, InFlight, Observation, OperationKind, RecordStatus, RecordSummary,
};
use crate::api::release::{OperationStatus, RemediationStatus};
use crate::cluster::storage::{Release, Status};

/// Record label: the digest of the inputs a revision was made from (32 hex digits: label values
/// hold at most 63 characters).
pub const LABEL_DIGEST: &str = "helm-operator.ketches.cn/digest";
/// Record label: the namespace of the HelmRelease that manages the release.
pub const LABEL_OWNER_NAMESPACE: &str = "helm-operator.ketches.cn/owner-namespace";
/// Record label: the name of the HelmRelease that manages the release.
pub const LABEL_OWNER_NAME: &str = "helm-operator.ketches.cn/owner-name";
/// Record Secret annotation: the HelmRelease (`namespace/name`) whose operator wrote the
/// revision. Unlike the labels, which `helm upgrade` copies from the previous revision, no Helm
/// command writes it.
pub const ANNOTATION_WRITER: &str = "helm-operator.ketches.cn/written-for";

/// What a release is made from, for its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs<'a> {
    /// Where the chart comes from (repository URL or OCI reference).
    pub source: &'a str,
    /// Chart name.
    pub chart: &'a str,
    /// Chart version.
    pub version: &'a str,
    /// The archive digest, when the source names it.
    pub chart_digest: Option<&'a str>,
    /// The user values.
    pub values: &'a Map<String, Value>,
    /// Release name.
    pub release_name: &'a str,
    /// Release namespace.
    pub release_namespace: &'a str,
}

/// The digest of `inputs`: 32 hex digits of a sha256 over each part, the values in a canonical
/// form (keys sorted at every level), so equal values always give the same digest.
pub fn desired_digest(inputs: &Inputs<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        inputs.source,
        inputs.chart,
        inputs.version,
        inputs.chart_digest.unwrap_or(""),
        inputs.release_name,
        inputs.release_namespace,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let mut canonical = String::new();
    write_canonical(&Value::Object(inputs.values.clone()), &mut canonical);
    h.update(canonical.as_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The planner's view of a record.
pub fn summarize(record: &Release, now: jiff::Timestamp) -> RecordSummary {
    let label = |k: &str| record.labels.get(k).cloned();
    let owner = match (label(LABEL_OWNER_NAMESPACE), label(LABEL_OWNER_NAME)) {
        (Some(ns), Some(name)) => Some(format!("{ns}/{name}")),
        _ => None,
    };
    let written = record.info.last_deployed.timestamp();
    let age = if record.info.last_deployed.is_zero() {
        Duration::MAX
    } else {
        Duration::try_from(now.duration_since(written)).unwrap_or(Duration::ZERO)
    };
    RecordSummary {
        revision: record.version,
        status: record_status(&record.info.status),
        digest: label(LABEL_DIGEST),
        owner,
        writer: record.annotations.get(ANNOTATION_WRITER).cloned(),
        age,
    }
}

/// Helm's status as the planner names it.
pub fn record_status(status: &Status) -> RecordStatus {
    match status {
        Status::Deployed => RecordStatus::Deployed,
        Status::Superseded => RecordStatus::Superseded,
        Status::Failed => RecordStatus::Failed,
        Status::PendingInstall => RecordStatus::PendingInstall,
        Status::PendingUpgrade => RecordStatus::PendingUpgrade,
        Status::PendingRollback => RecordStatus::PendingRollback,
        Status::Uninstalling => RecordStatus::Uninstalling,
        Status::Uninstalled => RecordStatus::Uninstalled,
        _ => RecordStatus::Unknown,
    }
}

/// The operation kind a status names.
pub fn operation_kind(text: &str) -> Option<OperationKind> {
    Some(match text {
        "install" => OperationKind::Install,
        "upgrade" => OperationKind::Upgrade,
        "rollback" => OperationKind::Rollback,
        "uninstall" => OperationKind::Uninstall,
        "test" => OperationKind::Test,
        _ => return None,
    })
}

/// The text a status uses for an operation kind.
pub fn operation_text(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Install => "install",
        OperationKind::Upgrade => "upgrade",
        OperationKind::Rollback => "rollback",
        OperationKind::Uninstall => "uninstall",
        OperationKind::Test => "test",
    }
}

/// What the planner sees, from the records (oldest first, as the store lists them), the
/// status, the desired digest and the time.
#[allow(clippy::too_many_arguments)]
pub fn observation(
    records: &[Release],
    operation: Option<&OperationStatus>,
    remediation: Option<&RemediationStatus>,
    desired: &str,
    deleting: bool,
    retry_after: Duration,
    tests: TestResults,
    now: jiff::Timestamp,
) -> Observation {
    let mut summaries: Vec<RecordSummary> = records.iter().map(|r| summarize(r, now)).collect();
    summaries.reverse();
    let in_flight = operation.and_then(|op| {
        Some(InFlight {
            kind: operation_kind(&op.action)?,
            revision: i32::try_from(op.revision).ok()?,
        })
    });
    let failure = remediation.map_or_else(FailureMemory::default, |r| FailureMemory {
        digest: r.failed_config_digest.clone(),
        attempts: u32::try_from(r.attempts).unwrap_or(0),
        rolled_back_revision: r.rolled_back_revision.and_then(|v| i32::try_from(v).ok()),
        backoff_elapsed: r.last_failure_time.as_ref().is_none_or(|t| {
            Duration::try_from(now.duration_since(t.0)).unwrap_or(Duration::ZERO) >= retry_after
        }),
    });
    Observation {
        deleting,
        records: summaries,
        in_flight,
        desired: desired.to_owned(),
        failure,
        test_due: tests.due,
        drift_to_correct: false,
        test_failed: tests.failed,
    }
}

/// What the records say of the chart's tests (`spec.test`) on the newest revision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestResults {
    /// Tests are enabled and a test hook of the deployed revision has not run.
    pub due: bool,
    /// A test hook failed and failures are not ignored.
    pub failed: bool,
    /// Every test hook of this deployed revision passed.
    pub passed_for: Option<i32>,
}

/// Reads the test results Helm keeps in the newest record's hooks (`last_run`). Pure.
pub fn test_results(records: &[Release], test: &crate::api::release::TestOptions) -> TestResults {
    use crate::cluster::storage::{HookEvent, HookPhase, Status};
    let Some(newest) = records.last().filter(|r| r.info.status == Status::Deployed) else {
        return TestResults::default();
    };
    if !test.enable {
        return TestResults::default();
    }
    let tests: Vec<_> = newest
        .hooks
        .iter()
        .filter(|h| h.events.contains(&HookEvent::Test))
        .collect();
    if tests.is_empty() {
        return TestResults::default();
    }
    let phase = |p: HookPhase| tests.iter().any(|h| h.last_run.phase == p);
    TestResults {
        due: phase(HookPhase::NotRun),
        failed: !test.ignore_failures && phase(HookPhase::Failed),
        passed_for: tests
            .iter()
            .all(|h| h.last_run.phase == HookPhase::Succeeded)
            .then_some(newest.version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::storage::GoTime;

    fn values(json: serde_json::Value) -> Map<String, Value> {
        json.as_object().unwrap().clone()
    }

    fn inputs(v: &Map<String, Value>) -> Inputs<'_> {
        Inputs {
            source: "https://charts.example.com",
            chart: "app",
            version: "1.2.0",
            chart_digest: Some("abc"),
            values: v,
            release_name: "web",
            release_namespace: "team",
        }
    }

    #[test]
    fn the_digest_ignores_key_order_and_changes_with_any_input() {
        let a = values(serde_json::json!({"a": 1, "b": {"x": [1, 2], "y": "z"}}));
        let b = values(serde_json::json!({"b": {"y": "z", "x": [1, 2]}, "a": 1}));
        let d = desired_digest(&inputs(&a));
        assert_eq!(d, desired_digest(&inputs(&b)));
        assert_eq!(d.len(), 32);
        let c = values(serde_json::json!({"a": 1, "b": {"x": [2, 1], "y": "z"}}));
        assert_ne!(d, desired_digest(&inputs(&c)));
        let mut other = inputs(&a);
        other.version = "1.2.1";
        assert_ne!(d, desired_digest(&other));
        let mut other = inputs(&a);
        other.release_namespace = "prod";
        assert_ne!(d, desired_digest(&other));
    }

    #[test]
    fn records_become_the_planners_view_newest_first_with_their_labels() {
        let now: jiff::Timestamp = "2026-01-01T00:10:00Z".parse().unwrap();
        let mut one = Release {
            name: "web".into(),
            namespace: "team".into(),
            version: 1,
            ..Release::default()
        };
        one.info.status = Status::Superseded;
        one.info.last_deployed = GoTime::utc("2026-01-01T00:00:00Z".parse().unwrap());
        let mut two = one.clone();
        two.version = 2;
        two.info.status = Status::PendingUpgrade;
        two.labels.insert(LABEL_DIGEST.into(), "d2".into());
        two.labels
            .insert(LABEL_OWNER_NAMESPACE.into(), "team".into());
        two.labels.insert(LABEL_OWNER_NAME.into(), "web".into());
        let obs = observation(
            &[one, two],
            None,
            None,
            "d2",
            false,
            Duration::ZERO,
            TestResults::default(),
            now,
        );
        assert_eq!(obs.records[0].revision, 2);
        assert_eq!(obs.records[0].status, RecordStatus::PendingUpgrade);
        assert_eq!(obs.records[0].digest.as_deref(), Some("d2"));
        assert_eq!(obs.records[0].owner.as_deref(), Some("team/web"));
        assert_eq!(obs.records[0].age, Duration::from_secs(600));
        assert_eq!(obs.records[1].owner, None);
    }

    #[test]
    fn the_failure_memory_says_when_the_backoff_has_passed() {
        let now: jiff::Timestamp = "2026-01-01T00:10:00Z".parse().unwrap();
        let memory = RemediationStatus {
            failed_config_digest: Some("d".into()),
            attempts: 2,
            rolled_back_revision: Some(4),
            last_failure_time: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2026-01-01T00:09:00Z".parse().unwrap(),
            )),
        };
        let obs = |after| {
            observation(
                &[],
                None,
                Some(&memory),
                "d",
                false,
                after,
                TestResults::default(),
                now,
            )
            .failure
        };
        assert!(obs(Duration::from_secs(30)).backoff_elapsed);
        assert!(!obs(Duration::from_secs(120)).backoff_elapsed);
        assert_eq!(obs(Duration::ZERO).attempts, 2);
        assert_eq!(obs(Duration::ZERO).rolled_back_revision, Some(4));
    }
}
