//! What a HelmRelease needs next, decided from what was observed. Pure: [`plan`] maps an
//! [`Observation`] (the release's Helm records, the operation in flight, the desired digest,
//! the failure memory) to one [`Step`]; the actions do the I/O. One reconcile runs at most one
//! step, so no action runs twice in a reconcile.
//!
//! The rules, in the order they apply:
//! 1. A HelmRelease being deleted uninstalls its release (unless it is gone already), then lets
//!    its finalizer go.
//! 2. An operation in flight (persisted in status, matching the newest record) continues: hooks,
//!    the wait, its deadline.
//! 3. A newest record left pending without an operation was interrupted. One this HelmRelease
//!    wrote is marked failed at once: its operator crashed between recording the revision and
//!    persisting the operation, and no one else can be working on it (one reconcile per object,
//!    and one replica per namespace). One written by someone else (a `helm` run) is marked
//!    failed once it is older than the timeout; while younger, the release waits.
//! 4. A release managed by another HelmRelease is refused; one installed by Helm is adopted.
//! 5. No release (or only an uninstalled one with history kept): install.
//! 6. A deployed release: in sync with the desired digest means nothing to do but tests and drift;
//!    out of sync means upgrade.
//! 7. A failed release: a failed upgrade that changed the cluster is rolled back when rollback is
//!    enabled and has not been tried for it; a failed install is remediated by its strategy.
//! 8. The same failed inputs are not tried again until the digest changes, except within the
//!    retry budget and after the backoff.

use std::time::Duration;

/// Helm's status of one release revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    /// `deployed`.
    Deployed,
    /// `superseded`.
    Superseded,
    /// `failed`.
    Failed,
    /// `pending-install`.
    PendingInstall,
    /// `pending-upgrade`.
    PendingUpgrade,
    /// `pending-rollback`.
    PendingRollback,
    /// `uninstalling`.
    Uninstalling,
    /// `uninstalled` (kept with `keepHistory`).
    Uninstalled,
    /// `unknown` or anything else.
    Unknown,
}

impl RecordStatus {
    /// Whether an operation holds this revision.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            RecordStatus::PendingInstall
                | RecordStatus::PendingUpgrade
                | RecordStatus::PendingRollback
                | RecordStatus::Uninstalling
        )
    }
}

/// What the planner needs of one release record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    /// The revision.
    pub revision: i32,
    /// Its status.
    pub status: RecordStatus,
    /// The desired digest it was made from (our label; absent on records Helm made).
    pub digest: Option<String>,
    /// The HelmRelease that manages it (`namespace/name`, our label; absent on Helm's records).
    pub owner: Option<String>,
    /// The HelmRelease whose operator wrote this revision (our Secret annotation; absent when
    /// a Helm command wrote it).
    pub writer: Option<String>,
    /// How long ago it was last written.
    pub age: Duration,
}

/// Kinds of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// `helm install`.
    Install,
    /// `helm upgrade`.
    Upgrade,
    /// `helm rollback`.
    Rollback,
    /// `helm uninstall`.
    Uninstall,
    /// `helm test`.
    Test,
}

/// An operation in flight, as persisted in the HelmRelease's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// What it does.
    pub kind: OperationKind,
    /// The revision it works on.
    pub revision: i32,
}

/// How a failed install is remediated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallRemediation {
    /// Uninstall the failed release before trying again (Helm's `--atomic` behaviour).
    Uninstall,
    /// Leave it for inspection; a retry upgrades it in place.
    Keep,
}

/// What the release remembers of its last failure (persisted in status).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureMemory {
    /// The desired digest that failed.
    pub digest: Option<String>,
    /// Failed attempts with that digest.
    pub attempts: u32,
    /// The failed revision a rollback was already tried for.
    pub rolled_back_revision: Option<i32>,
    /// Whether the waiting time since the last failure has passed.
    pub backoff_elapsed: bool,
}

/// The spec's choices that steer the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `namespace/name` of this HelmRelease.
    pub me: String,
    /// `rollback.enabled`.
    pub rollback: bool,
    /// `rollback.toRevision` (0: the previous deployed revision).
    pub rollback_to: i32,
    /// How failed installs are remediated.
    pub install_remediation: InstallRemediation,
    /// Retries of the same failed inputs (0: none until they change).
    pub retries: u32,
    /// `install.replace`: reuse the name of an uninstalled release with history.
    pub replace: bool,
    /// The upgrade timeout (how long an interrupted `pending-upgrade` or `uninstalling` record
    /// is left alone).
    pub timeout: Duration,
    /// The install timeout (for an interrupted `pending-install` record).
    pub install_timeout: Duration,
    /// The rollback timeout (for an interrupted `pending-rollback` record).
    pub rollback_timeout: Duration,
}

/// Everything the planner looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The HelmRelease is being deleted.
    pub deleting: bool,
    /// The release's records, newest first.
    pub records: Vec<RecordSummary>,
    /// The operation in flight, if any.
    pub in_flight: Option<InFlight>,
    /// The digest of the chart, values and options wanted now.
    pub desired: String,
    /// The last failure.
    pub failure: FailureMemory,
    /// Tests are enabled and have not run for the newest deployed revision.
    pub test_due: bool,
    /// Drift was found and the mode says to correct it.
    pub drift_to_correct: bool,
    /// A test of the newest deployed revision failed and failures are not ignored.
    pub test_failed: bool,
}

/// The one thing to do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Install (`replace`: over an uninstalled release with history).
    Install {
        /// Whether an uninstalled release's name is reused.
        replace: bool,
    },
    /// Upgrade the release.
    Upgrade,
    /// Roll back to a revision.
    Rollback {
        /// The revision to return to.
        to: i32,
    },
    /// Uninstall.
    Uninstall {
        /// Why.
        why: UninstallReason,
    },
    /// Mark an interrupted pending revision failed.
    MarkFailed {
        /// The revision.
        revision: i32,
    },
    /// Carry on with the operation in flight.
    Continue(InFlight),
    /// Run the chart's tests on the deployed revision.
    Test {
        /// The revision.
        revision: i32,
    },
    /// Re-apply the deployed revision's manifests.
    CorrectDrift {
        /// The revision.
        revision: i32,
    },
    /// Let the finalizer go: nothing is left to uninstall.
    Finalize,
    /// Nothing to do; the release is as wanted.
    Idle,
    /// Nothing to do yet: wait (backoff, or someone else's operation).
    Wait {
        /// Why, for the status.
        why: String,
        /// Whether the status should say so: someone else's operation (which may take as long
        /// as its timeout) is shown; a backoff keeps the failure it follows in view.
        shown: bool,
    },
    /// Nothing will help until the spec, the chart or another object changes.
    Stall {
        /// PascalCase reason.
        reason: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Why a release is uninstalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UninstallReason {
    /// The HelmRelease is being deleted.
    Deletion,
    /// A failed install is removed before it is tried again.
    Remediation,
}

/// Decides the next step. Pure.
pub fn plan(obs: &Observation, policy: &Policy) -> Step {
    let newest = obs.records.first();
    let live = newest.filter(|r| r.status != RecordStatus::Uninstalled);

    // 2 (checked first so a deletion waits for an operation in flight to settle)
    if let (Some(op), Some(record)) = (&obs.in_flight, newest)
        && op.revision == record.revision
        && (record.status.is_pending() || op.kind == OperationKind::Test)
    {
        return Step::Continue(op.clone());
    }
    // 4
    if let Some(owner) = live.and_then(|r| r.owner.as_ref())
        && *owner != policy.me
    {
        if obs.deleting {
            // not ours to uninstall
            return Step::Finalize;
        }
        return Step::Stall {
            reason: crate::api::conditions::reason::RELEASE_OWNED_ELSEWHERE,
            message: format!("the release is managed by HelmRelease {owner}"),
        };
    }
    // 3 (an uninstall this HelmRelease started and did not finish is simply carried on: one for
    // its deletion, or an install remediation its operator wrote and was stopped in)
    if let Some(record) = live.filter(|r| r.status == RecordStatus::Uninstalling) {
        if obs.deleting {
            return Step::Uninstall {
                why: UninstallReason::Deletion,
            };
        }
        if record.writer.as_deref() == Some(policy.me.as_str()) {
            return Step::Uninstall {
                why: UninstallReason::Remediation,
            };
        }
    }
    if let Some(record) = live.filter(|r| r.status.is_pending()) {
        let limit = match record.status {
            RecordStatus::PendingInstall => policy.install_timeout,
            RecordStatus::PendingRollback => policy.rollback_timeout,
            _ => policy.timeout,
        };
        let interrupted_here = record.writer.as_deref() == Some(policy.me.as_str())
            && record.status != RecordStatus::Uninstalling;
        return if interrupted_here || record.age >= limit {
            Step::MarkFailed {
                revision: record.revision,
            }
        } else {
            Step::Wait {
                why: format!(
                    "revision {} is {}; another operation may be in progress",
                    record.revision,
                    status_text(record.status)
                ),
                shown: true,
            }
        };
    }
    // 1
    if obs.deleting {
        return match live {
            Some(_) => Step::Uninstall {
                why: UninstallReason::Deletion,
            },
            None => Step::Finalize,
        };
    }
    let same_inputs_failed = obs.failure.digest.as_deref() == Some(obs.desired.as_str());
    let budget_left = obs.failure.attempts <= policy.retries;
    // 8
    let retry_gate = |step: Step| {
        if !same_inputs_failed {
            step
        } else if !budget_left {
            Step::Stall {
                reason: crate::api::conditions::reason::RETRIES_EXHAUSTED,
                message: format!(
                    "these inputs failed {} time(s); change the spec or the chart to try again",
                    obs.failure.attempts
                ),
            }
        } else if !obs.failure.backoff_elapsed {
            Step::Wait {
                why: format!(
                    "retrying after failure {} of {}",
                    obs.failure.attempts,
                    policy.retries + 1
                ),
                shown: false,
            }
        } else {
            step
        }
    };
    match live {
        // 5
        None if newest.is_some() && !policy.replace => Step::Stall {
            reason: crate::api::conditions::reason::NAME_IN_USE,
            message: "an uninstalled release with its history kept holds the name; set spec.install.replace to install over it".to_owned(),
        },
        None => retry_gate(Step::Install {
            replace: newest.is_some(),
        }),
        Some(record) => match record.status {
            // 6
            RecordStatus::Deployed => {
                if record.digest.as_deref() == Some(obs.desired.as_str()) {
                    if obs.test_failed {
                        // a failed test is remediated like a failed upgrade or install
                        plan_failed(obs, policy, record, retry_gate)
                    } else if obs.drift_to_correct {
                        Step::CorrectDrift {
                            revision: record.revision,
                        }
                    } else if obs.test_due {
                        Step::Test {
                            revision: record.revision,
                        }
                    } else {
                        Step::Idle
                    }
                } else {
                    retry_gate(Step::Upgrade)
                }
            }
            // 7
            RecordStatus::Failed => plan_failed(obs, policy, record, retry_gate),
            // a newest record that is superseded or unknown: Helm upgrades over it
            _ => retry_gate(Step::Upgrade),
        },
    }
}

fn plan_failed(
    obs: &Observation,
    policy: &Policy,
    failed: &RecordSummary,
    retry_gate: impl Fn(Step) -> Step,
) -> Step {
    let previous_deployed = obs
        .records
        .iter()
        .skip(1)
        .find(|r| matches!(r.status, RecordStatus::Deployed | RecordStatus::Superseded));
    match previous_deployed {
        // a failed upgrade: roll back once, when enabled
        Some(previous) => {
            let target = if policy.rollback_to > 0 {
                policy.rollback_to
            } else {
                previous.revision
            };
            let tried = obs.failure.rolled_back_revision == Some(failed.revision);
            if policy.rollback && !tried && obs.records.iter().any(|r| r.revision == target) {
                Step::Rollback { to: target }
            } else {
                retry_gate(Step::Upgrade)
            }
        }
        // a failed install
        None => match policy.install_remediation {
            InstallRemediation::Uninstall => {
                let gated = retry_gate(Step::Uninstall {
                    why: UninstallReason::Remediation,
                });
                // a failed install with new inputs is also removed first
                match gated {
                    Step::Upgrade => Step::Uninstall {
                        why: UninstallReason::Remediation,
                    },
                    other => other,
                }
            }
            InstallRemediation::Keep => retry_gate(Step::Upgrade),
        },
    }
}

fn status_text(status: RecordStatus) -> &'static str {
    match status {
        RecordStatus::Deployed => "deployed",
        RecordStatus::Superseded => "superseded",
        RecordStatus::Failed => "failed",
        RecordStatus::PendingInstall => "pending-install",
        RecordStatus::PendingUpgrade => "pending-upgrade",
        RecordStatus::PendingRollback => "pending-rollback",
        RecordStatus::Uninstalling => "uninstalling",
        RecordStatus::Uninstalled => "uninstalled",
        RecordStatus::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecordStatus as S;

    const ME: &str = "team/web";
    const MINUTE: Duration = Duration::from_secs(60);

    fn record(revision: i32, status: RecordStatus, digest: &str) -> RecordSummary {
        RecordSummary {
            revision,
            status,
            digest: Some(digest.to_owned()),
            owner: Some(ME.to_owned()),
            writer: Some(ME.to_owned()),
            age: MINUTE,
        }
    }

    fn policy() -> Policy {
        Policy {
            me: ME.to_owned(),
            rollback: true,
            rollback_to: 0,
            install_remediation: InstallRemediation::Uninstall,
            retries: 0,
            replace: false,
            timeout: 5 * MINUTE,
            install_timeout: 5 * MINUTE,
            rollback_timeout: 5 * MINUTE,
        }
    }

    fn observe(records: Vec<RecordSummary>) -> Observation {
        Observation {
            deleting: false,
            records,
            in_flight: None,
            desired: "want".to_owned(),
            failure: FailureMemory::default(),
            test_due: false,
            drift_to_correct: false,
            test_failed: false,
        }
    }

    fn failed_with(digest: &str, attempts: u32, backoff_elapsed: bool) -> FailureMemory {
        FailureMemory {
            digest: Some(digest.to_owned()),
            attempts,
            rolled_back_revision: None,
            backoff_elapsed,
        }
    }

    #[test]
    fn a_release_that_does_not_exist_is_installed() {
        assert_eq!(
            plan(&observe(vec![]), &policy()),
            Step::Install { replace: false }
        );
    }

    #[test]
    fn an_uninstalled_release_with_history_is_installed_again_over_its_name_only_with_replace() {
        let obs = observe(vec![record(3, S::Uninstalled, "old")]);
        match plan(&obs, &policy()) {
            Step::Stall { reason, .. } => assert_eq!(reason, "NameInUse"),
            other => panic!("{other:?}"),
        }
        let mut p = policy();
        p.replace = true;
        assert_eq!(plan(&obs, &p), Step::Install { replace: true });
    }

    #[test]
    fn a_deployed_release_in_sync_costs_nothing() {
        let obs = observe(vec![
            record(2, S::Deployed, "want"),
            record(1, S::Superseded, "x"),
        ]);
        assert_eq!(plan(&obs, &policy()), Step::Idle);
    }

    #[test]
    fn a_deployed_release_out_of_sync_is_upgraded() {
        let obs = observe(vec![record(2, S::Deployed, "older")]);
        assert_eq!(plan(&obs, &policy()), Step::Upgrade);
    }

    #[test]
    fn a_release_helm_installed_is_adopted_and_upgraded() {
        let mut helm_made = record(1, S::Deployed, "");
        helm_made.digest = None;
        helm_made.owner = None;
        assert_eq!(plan(&observe(vec![helm_made]), &policy()), Step::Upgrade);
    }

    #[test]
    fn a_release_another_helm_release_manages_is_refused() {
        let mut theirs = record(1, S::Deployed, "want");
        theirs.owner = Some("other/web".to_owned());
        match plan(&observe(vec![theirs]), &policy()) {
            Step::Stall { reason, message } => {
                assert_eq!(reason, "ReleaseOwnedElsewhere");
                assert!(message.contains("other/web"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_failed_test_is_remediated_like_a_failed_upgrade() {
        let mut obs = observe(vec![
            record(3, S::Deployed, "want"),
            record(2, S::Superseded, "prev"),
        ]);
        obs.test_failed = true;
        obs.test_due = true;
        assert_eq!(plan(&obs, &policy()), Step::Rollback { to: 2 });
        // tried once for this revision: not again
        obs.failure = FailureMemory {
            digest: Some("want".into()),
            attempts: 1,
            rolled_back_revision: Some(3),
            backoff_elapsed: true,
        };
        assert!(matches!(plan(&obs, &policy()), Step::Stall { .. }));
        // a deleted HelmRelease still uninstalls
        obs.deleting = true;
        assert!(matches!(plan(&obs, &policy()), Step::Uninstall { .. }));
    }

    #[test]
    fn an_unfinished_uninstall_is_carried_on_when_the_object_is_deleted() {
        let mut obs = observe(vec![record(2, S::Uninstalling, "want")]);
        obs.deleting = true;
        assert_eq!(
            plan(&obs, &policy()),
            Step::Uninstall {
                why: UninstallReason::Deletion
            }
        );
        // an install remediation its operator was stopped in is carried on too
        obs.deleting = false;
        assert_eq!(
            plan(&obs, &policy()),
            Step::Uninstall {
                why: UninstallReason::Remediation
            }
        );
        // one `helm uninstall` is running is waited for
        obs.records[0].writer = None;
        assert!(matches!(plan(&obs, &policy()), Step::Wait { .. }));
    }

    #[test]
    fn drift_is_corrected_before_tests_run_and_only_when_in_sync() {
        let mut obs = observe(vec![record(4, S::Deployed, "want")]);
        obs.drift_to_correct = true;
        obs.test_due = true;
        assert_eq!(plan(&obs, &policy()), Step::CorrectDrift { revision: 4 });
        obs.drift_to_correct = false;
        assert_eq!(plan(&obs, &policy()), Step::Test { revision: 4 });
        obs.records[0].digest = Some("older".into());
        assert_eq!(plan(&obs, &policy()), Step::Upgrade);
    }

    #[test]
    fn an_operation_in_flight_continues_even_while_the_object_is_deleted() {
        let mut obs = observe(vec![record(5, S::PendingUpgrade, "want")]);
        let op = InFlight {
            kind: OperationKind::Upgrade,
            revision: 5,
        };
        obs.in_flight = Some(op.clone());
        obs.deleting = true;
        assert_eq!(plan(&obs, &policy()), Step::Continue(op));
    }

    #[test]
    fn an_operation_whose_revision_moved_on_is_not_continued() {
        let mut obs = observe(vec![record(6, S::Deployed, "want")]);
        obs.in_flight = Some(InFlight {
            kind: OperationKind::Upgrade,
            revision: 5,
        });
        assert_eq!(plan(&obs, &policy()), Step::Idle);
    }

    #[test]
    fn a_pending_revision_this_release_wrote_is_interrupted_and_marked_failed_at_once() {
        let mut pending = record(3, S::PendingUpgrade, "want");
        pending.age = Duration::from_secs(1);
        let obs = observe(vec![pending]);
        assert_eq!(plan(&obs, &policy()), Step::MarkFailed { revision: 3 });
    }

    #[test]
    fn a_pending_revision_someone_else_wrote_is_marked_failed_after_the_timeout_only() {
        let mut pending = record(3, S::PendingUpgrade, "want");
        // `helm upgrade` copies the operator's labels, never its annotation
        pending.writer = None;
        pending.age = Duration::from_secs(10);
        let obs = observe(vec![pending.clone()]);
        assert!(matches!(plan(&obs, &policy()), Step::Wait { .. }));
        pending.age = 6 * MINUTE;
        let obs = observe(vec![pending.clone()]);
        assert_eq!(plan(&obs, &policy()), Step::MarkFailed { revision: 3 });
        // each pending status waits for its own operation's timeout
        let mut p = policy();
        p.install_timeout = 20 * MINUTE;
        assert_eq!(plan(&obs, &p), Step::MarkFailed { revision: 3 });
        pending.status = S::PendingInstall;
        let obs = observe(vec![pending]);
        assert!(matches!(plan(&obs, &p), Step::Wait { .. }));
    }

    #[test]
    fn a_failed_upgrade_is_rolled_back_once_to_the_previous_deployed_revision() {
        let mut obs = observe(vec![
            record(4, S::Failed, "want"),
            record(3, S::Superseded, "b"),
            record(2, S::Superseded, "a"),
        ]);
        obs.failure = failed_with("want", 1, true);
        assert_eq!(plan(&obs, &policy()), Step::Rollback { to: 3 });
        obs.failure.rolled_back_revision = Some(4);
        match plan(&obs, &policy()) {
            Step::Stall { reason, .. } => assert_eq!(reason, "RetriesExhausted"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rollback_goes_to_the_configured_revision_when_it_exists() {
        let mut p = policy();
        p.rollback_to = 2;
        let obs = observe(vec![
            record(4, S::Failed, "want"),
            record(3, S::Superseded, "b"),
            record(2, S::Superseded, "a"),
        ]);
        assert_eq!(plan(&obs, &p), Step::Rollback { to: 2 });
        p.rollback_to = 9;
        assert_eq!(
            plan(&obs, &p),
            Step::Upgrade,
            "no such revision: no rollback"
        );
    }

    #[test]
    fn without_rollback_a_failed_upgrade_waits_for_new_inputs() {
        let mut p = policy();
        p.rollback = false;
        let mut obs = observe(vec![
            record(4, S::Failed, "want"),
            record(3, S::Superseded, "b"),
        ]);
        obs.failure = failed_with("want", 1, true);
        assert!(matches!(plan(&obs, &p), Step::Stall { .. }));
        obs.desired = "fixed".into();
        assert_eq!(plan(&obs, &p), Step::Upgrade);
    }

    #[test]
    fn after_a_rollback_the_same_failed_inputs_do_not_loop() {
        // revision 5 is the rollback of failed revision 4 to revision 3's inputs
        let mut obs = observe(vec![
            record(5, S::Deployed, "b"),
            record(4, S::Failed, "want"),
            record(3, S::Superseded, "b"),
        ]);
        obs.failure = FailureMemory {
            digest: Some("want".into()),
            attempts: 1,
            rolled_back_revision: Some(4),
            backoff_elapsed: true,
        };
        assert!(matches!(plan(&obs, &policy()), Step::Stall { .. }));
        // a retry budget lets it try again, after the backoff
        let mut p = policy();
        p.retries = 2;
        obs.failure.backoff_elapsed = false;
        assert!(matches!(plan(&obs, &p), Step::Wait { .. }));
        obs.failure.backoff_elapsed = true;
        assert_eq!(plan(&obs, &p), Step::Upgrade);
        obs.failure.attempts = 3;
        assert!(matches!(plan(&obs, &p), Step::Stall { .. }));
        // new inputs always go
        obs.desired = "new".into();
        assert_eq!(plan(&obs, &p), Step::Upgrade);
    }

    #[test]
    fn a_failed_install_is_uninstalled_first_then_installed_again_within_the_budget() {
        let mut p = policy();
        p.retries = 1;
        let mut obs = observe(vec![record(1, S::Failed, "want")]);
        obs.failure = failed_with("want", 1, true);
        assert_eq!(
            plan(&obs, &p),
            Step::Uninstall {
                why: UninstallReason::Remediation
            }
        );
        // after the remediation there is no release: install again
        let mut after = observe(vec![]);
        after.failure = failed_with("want", 1, true);
        assert_eq!(plan(&after, &p), Step::Install { replace: false });
        after.failure.attempts = 2;
        assert!(matches!(plan(&after, &p), Step::Stall { .. }));
    }

    #[test]
    fn a_failed_install_kept_for_inspection_is_upgraded_in_place_with_new_inputs() {
        let mut p = policy();
        p.install_remediation = InstallRemediation::Keep;
        let mut obs = observe(vec![record(1, S::Failed, "want")]);
        obs.failure = failed_with("want", 1, true);
        assert!(matches!(plan(&obs, &p), Step::Stall { .. }));
        obs.desired = "fixed".into();
        assert_eq!(plan(&obs, &p), Step::Upgrade);
    }

    #[test]
    fn a_failed_install_with_new_inputs_is_removed_before_the_new_install() {
        let mut obs = observe(vec![record(1, S::Failed, "want")]);
        obs.failure = failed_with("want", 1, true);
        obs.desired = "fixed".into();
        assert_eq!(
            plan(&obs, &policy()),
            Step::Uninstall {
                why: UninstallReason::Remediation
            }
        );
    }

    #[test]
    fn deleting_uninstalls_a_live_release_and_then_lets_go() {
        let mut obs = observe(vec![record(2, S::Deployed, "want")]);
        obs.deleting = true;
        assert_eq!(
            plan(&obs, &policy()),
            Step::Uninstall {
                why: UninstallReason::Deletion
            }
        );
        obs.records = vec![record(2, S::Uninstalled, "want")];
        assert_eq!(plan(&obs, &policy()), Step::Finalize);
        obs.records.clear();
        assert_eq!(plan(&obs, &policy()), Step::Finalize);
    }

    #[test]
    fn deleting_does_not_uninstall_a_release_someone_else_manages() {
        let mut theirs = record(2, S::Deployed, "want");
        theirs.owner = Some("other/web".to_owned());
        let mut obs = observe(vec![theirs]);
        obs.deleting = true;
        assert_eq!(plan(&obs, &policy()), Step::Finalize);
    }

    /// Every combination of the inputs that matter, checked for the invariants the rules promise.
    #[test]
    fn every_combination_keeps_the_invariants() {
        let statuses = [
            S::Deployed,
            S::Superseded,
            S::Failed,
            S::PendingInstall,
            S::PendingUpgrade,
            S::PendingRollback,
            S::Uninstalling,
            S::Uninstalled,
            S::Unknown,
        ];
        let mut cases = 0;
        for newest in statuses {
            for previous in [None, Some(S::Superseded), Some(S::Failed)] {
                for digest in ["want", "other"] {
                    for failed_digest in [None, Some("want")] {
                        for attempts in [0u32, 1, 3] {
                            for deleting in [false, true] {
                                for rollback in [false, true] {
                                    for in_flight in [false, true] {
                                        for old in [false, true] {
                                            for test_failed in [false, true] {
                                                cases += 1;
                                                let mut records = vec![record(2, newest, digest)];
                                                if old {
                                                    records[0].age = 10 * MINUTE;
                                                }
                                                if let Some(p) = previous {
                                                    records.push(record(1, p, "prev"));
                                                }
                                                let mut obs = observe(records);
                                                obs.deleting = deleting;
                                                obs.test_failed = test_failed;
                                                obs.failure = FailureMemory {
                                                    digest: failed_digest.map(str::to_owned),
                                                    attempts,
                                                    rolled_back_revision: None,
                                                    backoff_elapsed: true,
                                                };
                                                if in_flight {
                                                    obs.in_flight = Some(InFlight {
                                                        kind: OperationKind::Upgrade,
                                                        revision: 2,
                                                    });
                                                }
                                                let mut p = policy();
                                                p.rollback = rollback;
                                                let step = plan(&obs, &p);
                                                check_invariants(&obs, &p, &step);
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(cases, 9 * 3 * 2 * 2 * 3 * 2 * 2 * 2 * 2 * 2);
    }

    fn check_invariants(obs: &Observation, p: &Policy, step: &Step) {
        let newest = &obs.records[0];
        let context = format!("{obs:?} -> {step:?}");
        // a failed test is never left as it is, nor tested again in place
        if obs.test_failed && newest.status == S::Deployed && !obs.deleting {
            assert!(!matches!(step, Step::Idle | Step::Test { .. }), "{context}");
        }
        // never two operations on one revision: a pending newest record is only continued,
        // waited for or marked failed
        if newest.status.is_pending() {
            let resumed_uninstall = (obs.deleting || newest.writer.as_deref() == Some(ME))
                && newest.status == S::Uninstalling
                && matches!(step, Step::Uninstall { .. });
            assert!(
                resumed_uninstall
                    || matches!(
                        step,
                        Step::Continue(_) | Step::Wait { .. } | Step::MarkFailed { .. }
                    ),
                "{context}"
            );
        }
        // a deletion never installs, upgrades or rolls back
        if obs.deleting {
            assert!(
                !matches!(
                    step,
                    Step::Install { .. }
                        | Step::Upgrade
                        | Step::Rollback { .. }
                        | Step::Test { .. }
                ),
                "{context}"
            );
        }
        // a rollback needs rollback enabled and a target that exists
        if let Step::Rollback { to } = step {
            assert!(p.rollback, "{context}");
            assert!(obs.records.iter().any(|r| r.revision == *to), "{context}");
        }
        // the same failed inputs beyond the budget never run again
        if obs.failure.digest.as_deref() == Some(obs.desired.as_str())
            && obs.failure.attempts > p.retries
        {
            assert!(
                !matches!(step, Step::Install { .. } | Step::Upgrade),
                "{context}"
            );
        }
        // in sync and deployed: nothing runs but drift correction and tests
        if newest.status == S::Deployed
            && newest.digest.as_deref() == Some(obs.desired.as_str())
            && !obs.deleting
            && obs.in_flight.is_none()
            && !obs.test_failed
        {
            assert!(
                matches!(
                    step,
                    Step::Idle | Step::Test { .. } | Step::CorrectDrift { .. }
                ),
                "{context}"
            );
        }
    }
}
