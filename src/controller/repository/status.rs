//! The status a HelmRepository should have after a sync, a failed sync, or while its spec is
//! being worked on. Pure: the reconcile function writes what these functions return.
//!
//! The status is bounded: at most `max_charts` charts (by name), each with at most
//! `versions_per_chart` newest versions, plus totals over the whole repository, so a
//! 10,000-chart repository cannot push the object past etcd's size limit.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::conditions::{self, ConditionUpdate, reason, status};
use crate::api::repository::{ChartInfo, ChartVersionInfo, HelmRepositoryStatus, RepositoryStats};
use crate::source::index::Index;
use crate::source::oci::{OciVersion, RegistryListing};
use crate::source::sync::{Contents, Snapshot};

/// How much of a listing the status shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusBounds {
    /// Newest versions listed per chart.
    pub versions_per_chart: usize,
    /// Charts listed at most (the first by name).
    pub max_charts: usize,
}

/// The status after a successful sync of `snapshot`.
pub fn synced_status(
    current: Option<&HelmRepositoryStatus>,
    generation: Option<i64>,
    snapshot: &Snapshot,
    bounds: StatusBounds,
    at: &Time,
) -> HelmRepositoryStatus {
    let mut next = current.cloned().unwrap_or_default();
    next.observed_generation = generation;
    next.last_sync_time = Some(at.clone());
    next.index_digest = Some(snapshot.digest.clone());
    let (charts, stats, message) = match &snapshot.contents {
        Contents::Index(index) => {
            let (charts, stats) = index_summary(index, bounds, snapshot.size_bytes);
            let mut message = format!(
                "synced: {} charts, {} versions",
                stats.total_charts, stats.total_versions
            );
            if !index.skipped.is_empty() {
                message.push_str(&format!(
                    "; {} invalid versions skipped",
                    index.skipped.len()
                ));
            }
            (charts, Some(stats), message)
        }
        Contents::Registry(RegistryListing::Charts(listed)) => {
            let (charts, stats) = registry_summary(listed, bounds);
            let message = format!(
                "synced: {} charts, {} versions",
                stats.total_charts, stats.total_versions
            );
            (charts, Some(stats), message)
        }
        Contents::Registry(RegistryListing::CatalogUnavailable { why }) => (
            Vec::new(),
            None,
            format!(
                "registry reachable and credentials accepted; it does not list its repositories ({why}), so chart versions are read when a release asks for them"
            ),
        ),
    };
    next.charts = charts;
    next.stats = stats;
    conditions::set_condition(
        &mut next.conditions,
        ConditionUpdate {
            type_: conditions::READY,
            status: status::TRUE,
            reason: reason::SUCCEEDED,
            message,
        },
        generation,
        at,
    );
    conditions::remove_condition(&mut next.conditions, conditions::STALLED);
    conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
    next
}

/// The status after a failed sync: `Ready=False` with the failure's reason and message. What
/// the last successful sync found stays (releases keep using it), and so does its time.
pub fn failed_status(
    current: Option<&HelmRepositoryStatus>,
    generation: Option<i64>,
    why: &'static str,
    message: &str,
    at: &Time,
) -> HelmRepositoryStatus {
    let mut next = current.cloned().unwrap_or_default();
    next.observed_generation = generation;
    conditions::set_condition(
        &mut next.conditions,
        ConditionUpdate {
            type_: conditions::READY,
            status: status::FALSE,
            reason: why,
            message: crate::controller::condition_message(message),
        },
        generation,
        at,
    );
    conditions::remove_condition(&mut next.conditions, conditions::STALLED);
    conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
    next
}

/// The status while a new generation of the spec is being synced for the first time:
/// `Reconciling=True` and `Ready=Unknown` (kstatus' "in progress").
pub fn reconciling_status(
    current: Option<&HelmRepositoryStatus>,
    generation: Option<i64>,
    at: &Time,
) -> HelmRepositoryStatus {
    let mut next = current.cloned().unwrap_or_default();
    let message = format!(
        "syncing generation {}",
        generation.map_or_else(|| "?".to_owned(), |g| g.to_string())
    );
    conditions::set_condition(
        &mut next.conditions,
        ConditionUpdate {
            type_: conditions::RECONCILING,
            status: status::TRUE,
            reason: reason::PROGRESSING,
            message: message.clone(),
        },
        generation,
        at,
    );
    conditions::set_condition(
        &mut next.conditions,
        ConditionUpdate {
            type_: conditions::READY,
            status: status::UNKNOWN,
            reason: reason::PROGRESSING,
            message,
        },
        generation,
        at,
    );
    conditions::remove_condition(&mut next.conditions, conditions::STALLED);
    next
}

fn index_summary(
    index: &Index,
    bounds: StatusBounds,
    size: Option<u64>,
) -> (Vec<ChartInfo>, RepositoryStats) {
    let charts = index
        .entries
        .iter()
        .take(bounds.max_charts)
        .map(|(name, versions)| ChartInfo {
            name: name.clone(),
            description: versions
                .first()
                .and_then(|v| v.description())
                .map(str::to_owned),
            versions: versions
                .iter()
                .take(bounds.versions_per_chart)
                .map(|v| ChartVersionInfo {
                    version: v.version_text().to_owned(),
                    app_version: v.app_version().map(str::to_owned),
                    created: v
                        .created()
                        .and_then(|c| c.parse::<jiff::Timestamp>().ok())
                        .map(Time),
                    digest: v.digest().map(str::to_owned),
                })
                .collect(),
            total_versions: count(versions.len()),
        })
        .collect();
    let stats = RepositoryStats {
        total_charts: count(index.entries.len()),
        total_versions: count(index.entries.values().map(Vec::len).sum()),
        index_size_bytes: size.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
    };
    (charts, stats)
}

fn registry_summary(
    listed: &std::collections::BTreeMap<String, Vec<OciVersion>>,
    bounds: StatusBounds,
) -> (Vec<ChartInfo>, RepositoryStats) {
    let charts = listed
        .iter()
        .take(bounds.max_charts)
        .map(|(name, versions)| ChartInfo {
            name: name.clone(),
            description: None,
            versions: versions
                .iter()
                .take(bounds.versions_per_chart)
                .map(|v| ChartVersionInfo {
                    version: v.version.to_string(),
                    ..ChartVersionInfo::default()
                })
                .collect(),
            total_versions: count(versions.len()),
        })
        .collect();
    let stats = RepositoryStats {
        total_charts: count(listed.len()),
        total_versions: count(listed.values().map(Vec::len).sum()),
        index_size_bytes: None,
    };
    (charts, stats)
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::index::parse_index;

    fn at(second: i64) -> Time {
        Time(jiff::Timestamp::from_second(second).unwrap())
    }

    fn index_snapshot(text: &str) -> Snapshot {
        Snapshot::for_tests(
            Contents::Index(parse_index(text.as_bytes(), 1 << 20).unwrap()),
            "sha256:abc",
            Some(text.len() as u64),
        )
    }

    const INDEX: &str = "apiVersion: v1\nentries:\n  alpha:\n  - name: alpha\n    version: 1.0.0\n    description: old\n  - name: alpha\n    version: 1.2.0\n    appVersion: '9'\n    description: newest alpha\n    created: '2024-01-02T03:04:05Z'\n    digest: d12\n  - name: alpha\n    version: 1.1.0\n  beta:\n  - name: beta\n    version: 0.1.0\n  - name: beta\n    version: not-semver\n  gamma:\n  - name: gamma\n    version: 3.0.0\n";

    #[test]
    fn a_sync_lists_each_chart_with_its_newest_versions_and_totals() {
        let snapshot = index_snapshot(INDEX);
        let bounds = StatusBounds {
            versions_per_chart: 2,
            max_charts: 10,
        };
        let s = synced_status(None, Some(3), &snapshot, bounds, &at(100));
        assert_eq!(s.observed_generation, Some(3));
        assert_eq!(s.last_sync_time, Some(at(100)));
        assert_eq!(s.index_digest.as_deref(), Some("sha256:abc"));
        let alpha = &s.charts[0];
        assert_eq!(alpha.name, "alpha");
        assert_eq!(alpha.description.as_deref(), Some("newest alpha"));
        assert_eq!(alpha.total_versions, 3);
        let versions: Vec<&str> = alpha.versions.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(versions, ["1.2.0", "1.1.0"]);
        assert_eq!(alpha.versions[0].app_version.as_deref(), Some("9"));
        assert_eq!(alpha.versions[0].digest.as_deref(), Some("d12"));
        assert_eq!(
            alpha.versions[0].created,
            Some(Time("2024-01-02T03:04:05Z".parse().unwrap()))
        );
        let stats = s.stats.as_ref().unwrap();
        assert_eq!((stats.total_charts, stats.total_versions), (3, 5));
        assert_eq!(stats.index_size_bytes, Some(INDEX.len() as i64));
        let ready = conditions::find_condition(&s.conditions, conditions::READY).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("True", "Succeeded")
        );
        assert_eq!(
            ready.message,
            "synced: 3 charts, 5 versions; 1 invalid versions skipped"
        );
    }

    #[test]
    fn the_status_stays_bounded_however_large_the_repository() {
        let mut text = String::from("apiVersion: v1\nentries:\n");
        for c in 0..300 {
            text.push_str(&format!("  c{c:03}:\n"));
            for v in 0..40 {
                text.push_str(&format!("  - name: c{c:03}\n    version: 1.{v}.0\n"));
            }
        }
        let snapshot = index_snapshot(&text);
        let bounds = StatusBounds {
            versions_per_chart: 5,
            max_charts: 100,
        };
        let s = synced_status(None, Some(1), &snapshot, bounds, &at(1));
        assert_eq!(s.charts.len(), 100);
        assert!(
            s.charts
                .iter()
                .all(|c| c.versions.len() == 5 && c.total_versions == 40)
        );
        assert_eq!(s.charts[0].versions[0].version, "1.39.0");
        let stats = s.stats.unwrap();
        assert_eq!((stats.total_charts, stats.total_versions), (300, 12_000));
    }

    #[test]
    fn a_failure_keeps_what_the_last_sync_found_and_a_recovery_clears_it() {
        let snapshot = index_snapshot(INDEX);
        let bounds = StatusBounds {
            versions_per_chart: 5,
            max_charts: 10,
        };
        let good = synced_status(None, Some(1), &snapshot, bounds, &at(10));
        let bad = failed_status(
            Some(&good),
            Some(1),
            reason::AUTHENTICATION_FAILED,
            "https://x/index.yaml: authentication failed (HTTP 401)",
            &at(20),
        );
        assert_eq!(bad.charts, good.charts);
        assert_eq!(bad.last_sync_time, Some(at(10)));
        let ready = conditions::find_condition(&bad.conditions, conditions::READY).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("False", "AuthenticationFailed")
        );
        assert_eq!(ready.last_transition_time, at(20));
        assert!(conditions::find_condition(&bad.conditions, conditions::STALLED).is_none());
        let again = synced_status(Some(&bad), Some(1), &snapshot, bounds, &at(30));
        let ready = conditions::find_condition(&again.conditions, conditions::READY).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.last_transition_time.clone()),
            ("True", at(30))
        );
    }

    #[test]
    fn failure_messages_keep_their_first_line_only() {
        let s = failed_status(
            None,
            Some(1),
            reason::INVALID_INDEX,
            "invalid index: line 3\n  --> <input>:3:5\n   |",
            &at(1),
        );
        let ready = conditions::find_condition(&s.conditions, conditions::READY).unwrap();
        assert_eq!(ready.message, "invalid index: line 3");
        assert_eq!(
            crate::controller::condition_message(&"x".repeat(5000)).len(),
            1024
        );
    }

    #[test]
    fn a_new_generation_is_reconciling_until_its_first_sync_ends() {
        let s = reconciling_status(None, Some(4), &at(5));
        let r = conditions::find_condition(&s.conditions, conditions::RECONCILING).unwrap();
        assert_eq!(
            (r.status.as_str(), r.reason.as_str()),
            ("True", "Progressing")
        );
        let ready = conditions::find_condition(&s.conditions, conditions::READY).unwrap();
        assert_eq!(ready.status, "Unknown");
        let done = failed_status(Some(&s), Some(4), reason::TLS_ERROR, "x", &at(6));
        assert!(conditions::find_condition(&done.conditions, conditions::RECONCILING).is_none());
    }

    #[test]
    fn registry_listings_show_versions_and_a_registry_without_catalog_says_why() {
        let mut charts = std::collections::BTreeMap::new();
        charts.insert(
            "app".to_owned(),
            vec![
                OciVersion {
                    version: semver::Version::parse("1.0.0+build.1").unwrap(),
                    tag: "1.0.0_build.1".into(),
                },
                OciVersion {
                    version: semver::Version::parse("0.9.0").unwrap(),
                    tag: "0.9.0".into(),
                },
            ],
        );
        let bounds = StatusBounds {
            versions_per_chart: 5,
            max_charts: 10,
        };
        let listed = Snapshot::for_tests(
            Contents::Registry(RegistryListing::Charts(charts)),
            "sha256:1",
            None,
        );
        let s = synced_status(None, Some(1), &listed, bounds, &at(1));
        assert_eq!(s.charts[0].versions[0].version, "1.0.0+build.1");
        assert_eq!(s.stats.unwrap().total_versions, 2);
        let hidden = Snapshot::for_tests(
            Contents::Registry(RegistryListing::CatalogUnavailable {
                why: "HTTP 404".into(),
            }),
            "sha256:2",
            None,
        );
        let s = synced_status(None, Some(1), &hidden, bounds, &at(1));
        assert!(s.charts.is_empty() && s.stats.is_none());
        let ready = conditions::find_condition(&s.conditions, conditions::READY).unwrap();
        assert_eq!(ready.status, "True");
        assert!(ready.message.contains("HTTP 404"), "{}", ready.message);
    }
}
