//! Condition types and reasons shared by both kinds, and the one function that updates a
//! condition list the kstatus way: a condition keeps its `lastTransitionTime` while its status
//! does not change, and every condition is replaced as a whole when it does.
//!
//! Reasons are PascalCase and double as event reasons and metric labels.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// The object is fully reconciled: `True` when the desired state is in place.
pub const READY: &str = "Ready";
/// The controller is working towards the desired state (kstatus abnormal-true condition).
pub const RECONCILING: &str = "Reconciling";
/// The controller cannot make progress without a change to the spec or its inputs.
pub const STALLED: &str = "Stalled";
/// The last install or upgrade of a release succeeded (`True`) or failed (`False`).
pub const RELEASED: &str = "Released";
/// A failed upgrade was rolled back automatically.
pub const ROLLED_BACK: &str = "RolledBack";
/// The cluster no longer matches the release's manifests.
pub const DRIFTED: &str = "Drifted";
/// The release's Helm tests passed (`True`) or failed (`False`).
pub const TESTED: &str = "Tested";

/// Condition status values.
pub mod status {
    /// The condition holds.
    pub const TRUE: &str = "True";
    /// The condition does not hold.
    pub const FALSE: &str = "False";
    /// Not yet known.
    pub const UNKNOWN: &str = "Unknown";
}

/// Condition reasons. Each one is also used as an event reason and a metric label.
pub mod reason {
    /// The spec failed validation (a field the CRD schema cannot check on its own).
    pub const INVALID_SPEC: &str = "InvalidSpec";
    /// `chart.version` is not a valid Helm (Masterminds) version constraint.
    pub const INVALID_VERSION_CONSTRAINT: &str = "InvalidVersionConstraint";
    /// The chart names neither `repository` nor `ociRepository`, or both.
    pub const INVALID_CHART_SOURCE: &str = "InvalidChartSource";
    /// A duration field does not parse.
    pub const INVALID_DURATION: &str = "InvalidDuration";
    /// `values` (or a `valuesFrom` source) is not a YAML mapping.
    pub const INVALID_VALUES: &str = "InvalidValues";
    /// The repository URL does not fit the repository type.
    pub const INVALID_URL: &str = "InvalidURL";
    /// The spec is valid; nothing more is done by this build of the operator.
    pub const SPEC_VALID: &str = "SpecValid";
    /// Reconciliation is suspended by `spec.suspend`.
    pub const SUSPENDED: &str = "Suspended";
    /// Work is under way.
    pub const PROGRESSING: &str = "Progressing";
    /// The desired state is in place.
    pub const SUCCEEDED: &str = "Succeeded";
    /// A release listed in `dependsOn` is not Ready.
    pub const DEPENDENCY_NOT_READY: &str = "DependencyNotReady";
    /// The releases in `dependsOn` depend on each other in a cycle.
    pub const DEPENDENCY_CYCLE: &str = "DependencyCycle";
    /// The repository rejected the credentials.
    pub const AUTHENTICATION_FAILED: &str = "AuthenticationFailed";
    /// The repository index could not be fetched.
    pub const INDEX_FETCH_FAILED: &str = "IndexFetchFailed";
    /// The repository index does not parse.
    pub const INVALID_INDEX: &str = "InvalidIndex";
    /// The repository index exceeds the configured size limit.
    pub const INDEX_TOO_LARGE: &str = "IndexTooLarge";
    /// A TLS handshake or TLS configuration failed.
    pub const TLS_ERROR: &str = "TLSError";
    /// A referenced Secret or ConfigMap is missing or lacks a key.
    pub const REFERENCE_NOT_FOUND: &str = "ReferenceNotFound";
    /// A Secret reference leaves the object's namespace and the operator does not allow it.
    pub const CROSS_NAMESPACE_REFERENCE: &str = "CrossNamespaceReference";
    /// A repository sync brought new content (event reason).
    pub const SYNCED: &str = "Synced";
    /// An index lists versions Helm would skip as invalid (event reason).
    pub const INVALID_CHART_VERSIONS: &str = "InvalidChartVersions";
    /// A values ConfigMap could not be created, refreshed or deleted (event reason).
    pub const VALUES_CONFIG_MAP_FAILED: &str = "ValuesConfigMapFailed";
    /// The Helm release is managed by another HelmRelease.
    pub const RELEASE_OWNED_ELSEWHERE: &str = "ReleaseOwnedElsewhere";
    /// An uninstalled release with history holds the release name (`install.replace` is off).
    pub const NAME_IN_USE: &str = "NameInUse";
    /// The same failed inputs were tried as often as allowed.
    pub const RETRIES_EXHAUSTED: &str = "RetriesExhausted";
    /// No chart version satisfies the constraint.
    pub const CHART_NOT_FOUND: &str = "ChartNotFound";
    /// The chart archive could not be downloaded or verified.
    pub const CHART_FETCH_FAILED: &str = "ChartFetchFailed";
    /// The chart did not render.
    pub const RENDER_FAILED: &str = "RenderFailed";
    /// The install failed.
    pub const INSTALL_FAILED: &str = "InstallFailed";
    /// The upgrade failed.
    pub const UPGRADE_FAILED: &str = "UpgradeFailed";
    /// The rollback succeeded.
    pub const ROLLBACK_SUCCEEDED: &str = "RollbackSucceeded";
    /// The rollback failed.
    pub const ROLLBACK_FAILED: &str = "RollbackFailed";
    /// The uninstall failed.
    pub const UNINSTALL_FAILED: &str = "UninstallFailed";
    /// The install succeeded.
    pub const INSTALL_SUCCEEDED: &str = "InstallSucceeded";
    /// The upgrade succeeded.
    pub const UPGRADE_SUCCEEDED: &str = "UpgradeSucceeded";
    /// Readiness was not reached before the timeout.
    pub const TIMEOUT: &str = "Timeout";
    /// The cluster differs from the release's manifests.
    pub const DRIFT_DETECTED: &str = "DriftDetected";
    /// The cluster matches the release's manifests.
    pub const NO_DRIFT: &str = "NoDrift";
    /// Drift was found and the release's objects were applied again.
    pub const DRIFT_CORRECTED: &str = "DriftCorrected";
    /// Helm tests passed.
    pub const TEST_SUCCEEDED: &str = "TestSucceeded";
    /// Helm tests failed.
    pub const TEST_FAILED: &str = "TestFailed";
}

/// The wanted state of one condition, without the bookkeeping fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionUpdate<'a> {
    /// Condition type, one of the constants above.
    pub type_: &'a str,
    /// `True`, `False` or `Unknown`.
    pub status: &'a str,
    /// PascalCase reason from [`reason`].
    pub reason: &'a str,
    /// Human-readable message.
    pub message: String,
}

/// Sets a condition in `conditions`, keeping `lastTransitionTime` when the status is unchanged.
///
/// Returns whether the status of the condition changed (a transition worth an event).
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    update: ConditionUpdate<'_>,
    generation: Option<i64>,
    now: &Time,
) -> bool {
    match conditions.iter_mut().find(|c| c.type_ == update.type_) {
        Some(existing) => {
            let transitioned = existing.status != update.status;
            if transitioned {
                existing.last_transition_time = now.clone();
            }
            existing.status = update.status.to_owned();
            existing.reason = update.reason.to_owned();
            existing.message = update.message;
            existing.observed_generation = generation;
            transitioned
        }
        None => {
            conditions.push(Condition {
                type_: update.type_.to_owned(),
                status: update.status.to_owned(),
                reason: update.reason.to_owned(),
                message: update.message,
                observed_generation: generation,
                last_transition_time: now.clone(),
            });
            true
        }
    }
}

/// Removes a condition; returns whether it was present. kstatus wants abnormal-true conditions
/// such as `Stalled` and `Reconciling` absent, not `False`, once they stop holding.
pub fn remove_condition(conditions: &mut Vec<Condition>, type_: &str) -> bool {
    let before = conditions.len();
    conditions.retain(|c| c.type_ != type_);
    before != conditions.len()
}

/// Finds a condition by type.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Time {
        Time(jiff::Timestamp::from_second(seconds).unwrap())
    }

    fn ready(status: &str, reason: &str, message: &str) -> ConditionUpdate<'static> {
        let (status, reason): (&'static str, &'static str) = match (status, reason) {
            ("True", _) => (status::TRUE, reason::SUCCEEDED),
            (_, "InvalidSpec") => (status::FALSE, reason::INVALID_SPEC),
            _ => (status::FALSE, reason::PROGRESSING),
        };
        ConditionUpdate {
            type_: READY,
            status,
            reason,
            message: message.to_owned(),
        }
    }

    #[test]
    fn unchanged_status_keeps_last_transition_time_but_updates_message() {
        let mut conditions = Vec::new();
        assert!(set_condition(
            &mut conditions,
            ready("False", "InvalidSpec", "a"),
            Some(1),
            &at(100)
        ));
        assert!(!set_condition(
            &mut conditions,
            ready("False", "InvalidSpec", "b"),
            Some(2),
            &at(200)
        ));
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].last_transition_time, at(100));
        assert_eq!(conditions[0].message, "b");
        assert_eq!(conditions[0].observed_generation, Some(2));
    }

    #[test]
    fn status_change_moves_last_transition_time() {
        let mut conditions = Vec::new();
        set_condition(
            &mut conditions,
            ready("False", "InvalidSpec", "a"),
            Some(1),
            &at(100),
        );
        assert!(set_condition(
            &mut conditions,
            ready("True", "", "ok"),
            Some(1),
            &at(300)
        ));
        assert_eq!(conditions[0].last_transition_time, at(300));
        assert_eq!(conditions[0].reason, reason::SUCCEEDED);
    }

    #[test]
    fn remove_condition_reports_presence() {
        let mut conditions = Vec::new();
        set_condition(
            &mut conditions,
            ConditionUpdate {
                type_: STALLED,
                status: status::TRUE,
                reason: reason::INVALID_SPEC,
                message: String::new(),
            },
            None,
            &at(1),
        );
        assert!(remove_condition(&mut conditions, STALLED));
        assert!(!remove_condition(&mut conditions, STALLED));
        assert!(find_condition(&conditions, STALLED).is_none());
    }
}
