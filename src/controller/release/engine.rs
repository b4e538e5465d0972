//! One reconcile of a HelmRelease whose chart is resolved (or which is being deleted): observe
//! (values, the desired digest, the release records), plan one step, act, and write the status
//! the outcome calls for. Waiting never holds a worker: the operation in flight is kept in
//! status and looked at again on the next reconcile, a few seconds later.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use super::act::{self, Deploy, Outcome};
use super::chart::ResolvedChart;
use super::observe::{self, Inputs};
use super::plan::{self, InstallRemediation, OperationKind, Policy, Step};
use super::record::Provenance;
use super::values;
use crate::api::conditions::{self, ConditionUpdate, reason, status};
use crate::api::duration::parse_duration;
use crate::api::release::DriftDetectionMode;
use crate::api::release::{
    HelmReleaseInfo, HookProgress, InstallRemediationStrategy, OperationStatus, RemediationStatus,
};
use crate::api::{HelmRelease, HelmReleaseStatus};
use crate::cluster::apply::ReleaseRef;
use crate::cluster::drift;
use crate::cluster::readiness::WaitOptions;
use crate::cluster::records::{ReleaseStore, SecretStore};
use crate::cluster::storage::Release;
use crate::controller::{Context, ReconcileError, apply_status, now, publish_event};
use crate::engine::chart::objects::Capabilities;

/// The HelmRelease finalizer: the release is uninstalled before the object goes.
pub const FINALIZER: &str = "helm-operator.ketches.cn/finalizer";

/// How often a release being waited for is looked at.
const WAIT_POLL: Duration = Duration::from_secs(2);

/// Runs one step for `hr`. `resolved` is `None` only while the object is being deleted.
///
/// # Errors
/// When the status or the finalizer cannot be written.
pub async fn step(
    ctx: &Context,
    hr: &HelmRelease,
    resolved: Option<&ResolvedChart>,
) -> Result<Action, ReconcileError> {
    let release = ReleaseRef {
        name: hr.release_name(),
        namespace: hr.release_namespace(),
    };
    let store = SecretStore::new(ctx.client.clone());
    let history = match store.history(&release.namespace, &release.name).await {
        Ok(h) => h,
        Err(e) => {
            let current = hr.status.clone().unwrap_or_default();
            return not_ready(ctx, hr, &current, e.reason(), &e.to_string(), false).await;
        }
    };
    // the copy a reconcile gets may predate the status the previous reconcile wrote (the watch
    // event of that write has not arrived yet); the operation in flight and the failure memory
    // live in that status, so while either may matter the object is read fresh. A deployed
    // release with neither (the steady state) needs no extra read.
    let settled = history
        .last()
        .is_some_and(|r| r.info.status == crate::cluster::storage::Status::Deployed)
        && hr
            .status
            .as_ref()
            .is_none_or(|s| s.operation.is_none() && s.remediation.is_none());
    let fresh = if settled {
        None
    } else {
        fresh_copy(ctx, hr).await
    };
    let hr = fresh.as_ref().unwrap_or(hr);
    let namespace = hr.namespace().unwrap_or_default();
    let deleting = hr.metadata.deletion_timestamp.is_some();
    let current = hr.status.clone().unwrap_or_default();
    let generation = hr.metadata.generation;

    // values and the digest (only when not deleting)
    let (user_values, digest) = match resolved {
        Some(resolved) => {
            let texts = match values::read_sources(&ctx.client, &namespace, &hr.spec.values_from)
                .await
            {
                Ok(t) => t,
                Err(p) => return not_ready(ctx, hr, &current, p.reason, &p.message, false).await,
            };
            match values::merge_values(&hr.spec.values_from, &texts, hr.spec.values.as_deref()) {
                Ok(v) => {
                    let digest = observe::desired_digest(&Inputs {
                        source: &resolved.source,
                        chart: &resolved.chart,
                        version: &resolved.version.version,
                        chart_digest: resolved.version.digest.as_deref(),
                        values: &v,
                        release_name: &release.name,
                        release_namespace: &release.namespace,
                    });
                    (v, digest)
                }
                Err(p) => {
                    let stalled = p.reason == reason::INVALID_VALUES;
                    return not_ready(ctx, hr, &current, p.reason, &p.message, stalled).await;
                }
            }
        }
        None => (serde_json::Map::new(), String::new()),
    };
    let retry_after = Duration::from_secs(30);
    let tests = observe::test_results(&history, &hr.spec.test);
    let mut observation = observe::observation(
        &history,
        current.operation.as_ref(),
        current.remediation.as_ref(),
        &digest,
        deleting,
        retry_after,
        tests,
        jiff::Timestamp::now(),
    );
    let policy = policy_of(hr, &namespace);
    let mut next_step = plan::plan(&observation, &policy);
    // drift is looked for only when nothing else is to be done (it costs two reads per object)
    let mode = hr.spec.drift_detection.mode;
    let mut drift = None;
    if next_step == Step::Idle
        && mode != DriftDetectionMode::Disabled
        && let Some(deployed) = history.last()
        && drift_check_due(ctx, hr, deployed.version)
    {
        let ignore = ignore_rules(&hr.spec.drift_detection.ignore);
        match drift::detect(&ctx.applier, &release, &deployed.manifest, &ignore).await {
            Ok(report) => {
                if report.has_drift() && mode == DriftDetectionMode::Enabled {
                    observation.drift_to_correct = true;
                    next_step = plan::plan(&observation, &policy);
                }
                drift = Some(report);
            }
            Err(e) => {
                tracing::warn!(release = %hr.name_any(), error = %e, "drift detection failed");
            }
        }
    }
    tracing::debug!(release = %hr.name_any(), step = ?next_step, "planned");

    let outcome = match &next_step {
        Step::Install { .. } | Step::Upgrade => {
            let Some(resolved) = resolved else {
                return Ok(Action::await_change());
            };
            let is_install = !history
                .iter()
                .any(|r| r.info.status == crate::cluster::storage::Status::Deployed);
            let chart = match fetch_and_load(ctx, resolved).await {
                Ok(c) => c,
                Err((why, message)) => {
                    return not_ready(ctx, hr, &current, why, &message, false).await;
                }
            };
            let capabilities = match capabilities(ctx).await {
                Ok(c) => c,
                Err(message) => {
                    return not_ready(ctx, hr, &current, "ClusterUnreachable", &message, false)
                        .await;
                }
            };
            if is_install
                && hr.spec.release.create_namespace
                && let Err(message) = ensure_namespace(ctx, &release.namespace).await
            {
                return not_ready(ctx, hr, &current, reason::INSTALL_FAILED, &message, false).await;
            }
            let deploy = Deploy {
                release: &release,
                chart: &chart,
                values: &user_values,
                reuse_values: hr.spec.upgrade.reuse_values && !hr.spec.upgrade.reset_values,
                capabilities: &capabilities,
                history: &history,
                provenance: Provenance {
                    owner_namespace: &namespace,
                    owner_name: &hr.name_any(),
                    digest: &digest,
                },
                install_crds: !hr.spec.install.skip_crds,
                max_history: usize::try_from(hr.spec.effective_max_history()).unwrap_or(0),
                lookup_client: ctx.client.clone(),
                renders: &ctx.renders,
            };
            let kind = if is_install {
                OperationKind::Install
            } else {
                OperationKind::Upgrade
            };
            let record = match act::begin_deploy(&store, &ctx.applier, deploy).await {
                Ok(begun) => {
                    ctx.metrics.observe(
                        crate::telemetry::catalog::CHART_RENDER_DURATION,
                        begun.render_seconds,
                        &[("result", "success")],
                    );
                    persist_start(ctx, hr, &current, kind, begun.record.version, &digest).await;
                    begun.record
                }
                Err(act::ActError::Render(e)) => {
                    // nothing changed in the cluster: no record, no remediation
                    let message = e.to_string();
                    return not_ready(ctx, hr, &current, reason::RENDER_FAILED, &message, true)
                        .await;
                }
                Err(e) => {
                    return not_ready(ctx, hr, &current, e.reason(), &e.to_string(), false).await;
                }
            };
            run(ctx, hr, &store, &release, kind, record.version, None).await
        }
        Step::Rollback { to } => {
            let max_history = usize::try_from(hr.spec.effective_max_history()).unwrap_or(0);
            match act::begin_rollback(&store, &history, *to, max_history).await {
                Ok(record) => {
                    persist_start(
                        ctx,
                        hr,
                        &current,
                        OperationKind::Rollback,
                        record.version,
                        &digest,
                    )
                    .await;
                    run(
                        ctx,
                        hr,
                        &store,
                        &release,
                        OperationKind::Rollback,
                        record.version,
                        None,
                    )
                    .await
                }
                Err(e) => Err(e),
            }
        }
        Step::Uninstall { .. } => match act::begin_uninstall(&store, &history).await {
            Ok(Some(revision)) => {
                run(
                    ctx,
                    hr,
                    &store,
                    &release,
                    OperationKind::Uninstall,
                    revision,
                    None,
                )
                .await
            }
            Ok(None) => Ok((OperationKind::Uninstall, Outcome::Uninstalled)),
            Err(e) => Err(e),
        },
        Step::Test { revision } => {
            run(
                ctx,
                hr,
                &store,
                &release,
                OperationKind::Test,
                *revision,
                Some(&history),
            )
            .await
        }
        Step::Continue(op) => {
            let stage = stage_of(current.operation.as_ref());
            let deadline_passed = current
                .operation
                .as_ref()
                .is_some_and(|o| jiff::Timestamp::now() >= o.deadline.0);
            let operation = operation_of(
                hr,
                op.kind,
                op.revision,
                &history,
                &release,
                deadline_passed,
            );
            act::advance(&store, &ctx.applier, &operation, stage)
                .await
                .map(|o| (op.kind, o))
        }
        Step::MarkFailed { revision } => act::mark_failed(&store, &history, *revision)
            .await
            .map(|o| (OperationKind::Upgrade, o)),
        Step::Finalize => return finalize(ctx, hr, &namespace).await,
        Step::Idle => {
            let mut next = deployed_status(&current, generation, &history, &hr.spec, None);
            if let Some(passed) = tests.passed_for {
                set_tested(
                    &mut next,
                    generation,
                    true,
                    &format!("the tests of revision {passed} passed"),
                );
            }
            // a restarted replica publishes the series of releases that need no action
            if let Some(r) = &next.helm_release {
                ctx.metrics.set_gauge(
                    crate::telemetry::catalog::RELEASE_INFO,
                    &[
                        ("namespace", &r.namespace),
                        ("release", &r.name),
                        ("chart", r.chart.as_deref().unwrap_or("")),
                        ("version", r.chart_version.as_deref().unwrap_or("")),
                        ("status", &r.status),
                    ],
                    1.0,
                );
            }
            match (&drift, mode) {
                (_, DriftDetectionMode::Disabled) => {
                    conditions::remove_condition(&mut next.conditions, conditions::DRIFTED);
                }
                (Some(report), _) if report.has_drift() => {
                    let text = format!("drift found: {}", report.summary(900));
                    announce_drift(
                        ctx,
                        hr,
                        &current,
                        &mut next,
                        true,
                        reason::DRIFT_DETECTED,
                        &text,
                    )
                    .await;
                }
                (Some(_), _)
                    if conditions::find_condition(&current.conditions, conditions::DRIFTED)
                        .is_some_and(|c| c.reason == reason::DRIFT_CORRECTED) =>
                {
                    // what the correction did stays shown until new drift is found
                }
                (Some(report), _) => {
                    let text = format!("no drift in {} objects", report.compared);
                    announce_drift(ctx, hr, &current, &mut next, false, reason::NO_DRIFT, &text)
                        .await;
                }
                (None, _) => {}
            }
            if Some(&next) != hr.status.as_ref() {
                apply_status(ctx, hr, &next).await?;
            }
            return Ok(Action::requeue(interval(hr)));
        }
        Step::Wait { why, shown } => {
            // someone else's operation, or a backoff, decides what happens; the former is shown
            // (it may last as long as its timeout), the latter leaves the failure in view
            tracing::debug!(release = %hr.name_any(), why = %why, "waiting");
            if *shown {
                let next = progressing_status(&current, generation, why);
                if Some(&next) != hr.status.as_ref() {
                    apply_status(ctx, hr, &next).await?;
                }
            }
            return Ok(Action::requeue(WAIT_POLL));
        }
        Step::Stall {
            reason: why,
            message,
        } => {
            return not_ready(ctx, hr, &current, why, message, true).await;
        }
        Step::CorrectDrift { revision } => {
            let (Some(report), Some(deployed)) =
                (&drift, history.iter().find(|r| r.version == *revision))
            else {
                return Ok(Action::requeue(interval(hr)));
            };
            let ignore = ignore_rules(&hr.spec.drift_detection.ignore);
            let mut next = deployed_status(&current, generation, &history, &hr.spec, None);
            let summary = report.summary(900);
            match drift::correct(&ctx.applier, &release, &deployed.manifest, report, &ignore).await
            {
                Ok(applied) => {
                    let text =
                        format!("corrected {applied} object(s) of revision {revision}: {summary}");
                    announce_drift(
                        ctx,
                        hr,
                        &current,
                        &mut next,
                        false,
                        reason::DRIFT_CORRECTED,
                        &text,
                    )
                    .await;
                }
                Err(e) => {
                    let text = format!("correcting the drift failed: {e}; drift: {summary}");
                    announce_drift(
                        ctx,
                        hr,
                        &current,
                        &mut next,
                        true,
                        reason::DRIFT_DETECTED,
                        &text,
                    )
                    .await;
                }
            }
            if Some(&next) != hr.status.as_ref() {
                apply_status(ctx, hr, &next).await?;
            }
            return Ok(Action::requeue(interval(hr)));
        }
    };
    match outcome {
        Ok(outcome) => record_outcome(ctx, hr, &current, &store, &release, &digest, outcome).await,
        Err(e) => {
            let why = match &next_step {
                Step::Uninstall { .. } => reason::UNINSTALL_FAILED,
                _ => e.reason(),
            };
            not_ready(ctx, hr, &current, why, &e.to_string(), false).await
        }
    }
}

/// The status of an operation under way at `stage`: `status` with the operation (its start and
/// the current stage's deadline kept from `current` while it is the same operation and stage)
/// and `Ready=Unknown` saying `message`.
#[allow(clippy::too_many_arguments)]
fn in_progress(
    status: &HelmReleaseStatus,
    current: &HelmReleaseStatus,
    hr: &HelmRelease,
    kind: OperationKind,
    revision: i32,
    stage: &act::Stage,
    digest: &str,
    at: &Time,
    message: &str,
) -> HelmReleaseStatus {
    let mut next = status.clone();
    let generation = hr.metadata.generation;
    let timeout = timeout_of(hr, kind);
    let (phase, hook) = match stage {
        act::Stage::Hooks {
            event,
            index,
            started,
        } => (
            "hooks",
            Some(HookProgress {
                event: (*event).to_owned(),
                index: i64::try_from(*index).unwrap_or(i64::MAX),
                started: *started,
            }),
        ),
        _ => ("waiting", None),
    };
    let same_operation = current
        .operation
        .as_ref()
        .filter(|o| o.revision == i64::from(revision) && o.action == observe::operation_text(kind));
    let started = same_operation.map_or_else(|| at.clone(), |o| o.started.clone());
    // each hook and the wait get the whole timeout, as Helm gives each its own
    let same_stage = same_operation.filter(|o| {
        o.phase == phase
            && o.hook.as_ref().map(|h| (&h.event, h.index))
                == hook.as_ref().map(|h| (&h.event, h.index))
    });
    let deadline = same_stage.map_or_else(
        || {
            Time(
                at.0.checked_add(jiff::SignedDuration::try_from(timeout).unwrap_or_default())
                    .unwrap_or(at.0),
            )
        },
        |o| o.deadline.clone(),
    );
    next.operation = Some(OperationStatus {
        action: observe::operation_text(kind).to_owned(),
        revision: i64::from(revision),
        phase: phase.to_owned(),
        started,
        deadline,
        config_digest: Some(digest.to_owned()),
        hook,
    });
    if kind == OperationKind::Rollback {
        let remediation = next.remediation.get_or_insert_with(Default::default);
        remediation.rolled_back_revision = Some(i64::from(revision) - 1);
    }
    next = progressing_status(&next, generation, message);
    if kind != OperationKind::Rollback && kind != OperationKind::Test {
        next.last_attempted_config_digest = Some(digest.to_owned());
    }
    next
}

/// Persists the operation on a revision just recorded, before any of it runs: from here on a
/// crash leaves an operation the next owner carries on, not a pending record it must fail and
/// repeat. A failed write is logged and the operation goes on (as it did before).
#[allow(clippy::too_many_arguments)]
async fn persist_start(
    ctx: &Context,
    hr: &HelmRelease,
    current: &HelmReleaseStatus,
    kind: OperationKind,
    revision: i32,
    digest: &str,
) {
    let at = now();
    let message = format!(
        "{} of revision {revision} started",
        observe::operation_text(kind)
    );
    let stage = act::Stage::first(kind);
    let next = in_progress(
        current, current, hr, kind, revision, &stage, digest, &at, &message,
    );
    if let Err(e) = apply_status(ctx, hr, &next).await {
        tracing::warn!(release = %hr.name_any(), error = %e, "persisting the operation's start");
    }
}

/// Starts an operation on a freshly recorded revision (or, for a test, on the deployed one)
/// and carries it as far as it goes.
#[allow(clippy::too_many_arguments)]
async fn run(
    ctx: &Context,
    hr: &HelmRelease,
    store: &SecretStore,
    release: &ReleaseRef,
    kind: OperationKind,
    revision: i32,
    history: Option<&[Release]>,
) -> Result<(OperationKind, Outcome), act::ActError> {
    // the history as stored now (a new revision was recorded, old ones may have been trimmed)
    let reread;
    let history = match history {
        Some(h) => h,
        None => {
            reread = store.history(&release.namespace, &release.name).await?;
            &reread
        }
    };
    let op = operation_of(hr, kind, revision, history, release, false);
    act::advance(store, &ctx.applier, &op, act::Stage::first(kind))
        .await
        .map(|o| (kind, o))
}

/// The operation's options from the spec.
fn operation_of<'a>(
    hr: &HelmRelease,
    kind: OperationKind,
    revision: i32,
    history: &'a [Release],
    release: &'a ReleaseRef,
    deadline_passed: bool,
) -> act::Operation<'a> {
    let spec = &hr.spec;
    let (wait, wait_for_jobs, disable_hooks, cleanup_on_fail) = match kind {
        OperationKind::Install => (
            spec.install.wait,
            spec.install.wait_for_jobs,
            spec.install.disable_hooks,
            false,
        ),
        OperationKind::Upgrade => (
            spec.upgrade.wait,
            spec.upgrade.wait_for_jobs,
            spec.upgrade.disable_hooks,
            spec.upgrade.cleanup_on_fail,
        ),
        OperationKind::Rollback => (
            spec.rollback.wait,
            spec.upgrade.wait_for_jobs,
            spec.rollback.disable_hooks,
            spec.rollback.cleanup_on_fail,
        ),
        OperationKind::Uninstall => (false, false, spec.uninstall.disable_hooks, false),
        OperationKind::Test => (false, false, false, false),
    };
    act::Operation {
        kind,
        release,
        history,
        revision,
        wait,
        wait_options: WaitOptions {
            wait_for_jobs,
            now: Some(jiff::Timestamp::now()),
        },
        disable_hooks,
        cleanup_on_fail,
        // only the uninstall of a deleted HelmRelease keeps history (a remediation does not)
        keep_history: hr.metadata.deletion_timestamp.is_some() && spec.uninstall.keep_history,
        deadline_passed,
    }
}

/// The stage an operation recorded in status stands at.
fn stage_of(operation: Option<&OperationStatus>) -> act::Stage {
    let hook = operation.and_then(|o| {
        let h = o.hook.as_ref()?;
        Some(act::Stage::Hooks {
            event: act::event_name(&h.event)?,
            index: usize::try_from(h.index).ok()?,
            started: h.started,
        })
    });
    hook.unwrap_or(act::Stage::Wait)
}

/// The HelmRelease as the API server holds it now; `None` when it cannot be read (the copy
/// at hand is used then).
async fn fresh_copy(ctx: &Context, hr: &HelmRelease) -> Option<HelmRelease> {
    let api: kube::Api<HelmRelease> =
        kube::Api::namespaced(ctx.client.clone(), &hr.namespace().unwrap_or_default());
    match tokio::time::timeout(
        crate::controller::API_CALL_TIMEOUT,
        api.get_opt(&hr.name_any()),
    )
    .await
    {
        Ok(Ok(Some(fresh))) => Some(fresh),
        _ => None,
    }
}

/// The `Drifted` condition, and an event when it says something new (a correction always
/// says something new).
async fn announce_drift(
    ctx: &Context,
    hr: &HelmRelease,
    current: &HelmReleaseStatus,
    next: &mut HelmReleaseStatus,
    drifted: bool,
    why: &str,
    text: &str,
) {
    let shown = crate::controller::condition_message(text);
    let before = conditions::find_condition(&current.conditions, conditions::DRIFTED)
        .map(|c| (c.reason.clone(), c.message.clone()));
    set(
        next,
        conditions::DRIFTED,
        if drifted { status::TRUE } else { status::FALSE },
        why,
        text,
        next.observed_generation,
        &now(),
    );
    let quiet = why == reason::NO_DRIFT
        && before
            .as_ref()
            .is_none_or(|(r, _)| r != reason::DRIFT_DETECTED);
    if before != Some((why.to_owned(), shown.clone())) && !quiet {
        let kind = if drifted {
            EventType::Warning
        } else {
            EventType::Normal
        };
        publish_event(ctx, hr, kind, why, "Drift", &shown).await;
    }
}

/// Whether drift is to be looked for now: once per interval for a revision and generation
/// (the watch events of the operator's own writes do not repeat the look).
fn drift_check_due(ctx: &Context, hr: &HelmRelease, revision: i32) -> bool {
    let key = format!("{}/{}", hr.namespace().unwrap_or_default(), hr.name_any());
    let generation = hr.metadata.generation.unwrap_or_default();
    let Ok(mut checks) = ctx.drift_checks.lock() else {
        return true;
    };
    let due = checks.get(&key).is_none_or(|(g, r, at)| {
        *g != generation || *r != revision || at.elapsed() >= interval(hr)
    });
    if due {
        checks.insert(key, (generation, revision, std::time::Instant::now()));
    }
    due
}

/// The spec's ignore rules as drift detection takes them.
fn ignore_rules(rules: &[crate::api::release::DriftIgnoreRule]) -> Vec<drift::IgnoreRule> {
    rules
        .iter()
        .map(|r| drift::IgnoreRule {
            paths: r.paths.clone(),
            target: r.target.as_ref().map(|t| drift::IgnoreTarget {
                group: t.group.clone(),
                version: t.version.clone(),
                kind: t.kind.clone(),
                name: t.name.clone(),
                namespace: t.namespace.clone(),
            }),
        })
        .collect()
}

/// Counts a failure of `digest` in the failure memory (attempts grow while the inputs stay).
fn remember_failure(
    next: &mut HelmReleaseStatus,
    current: &HelmReleaseStatus,
    digest: &str,
    at: &Time,
) {
    let same = current
        .remediation
        .as_ref()
        .and_then(|r| r.failed_config_digest.as_deref())
        == Some(digest);
    let attempts = if same {
        current.remediation.as_ref().map_or(0, |r| r.attempts) + 1
    } else {
        1
    };
    next.remediation = Some(RemediationStatus {
        failed_config_digest: Some(digest.to_owned()),
        attempts,
        rolled_back_revision: current
            .remediation
            .as_ref()
            .filter(|_| same)
            .and_then(|r| r.rolled_back_revision),
        last_failure_time: Some(at.clone()),
    });
}

/// `conditions` with the `Tested` condition taken from `tested`.
fn merge_tested(
    mut conditions: Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition>,
    tested: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition],
) -> Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition> {
    conditions.retain(|c| c.type_ != conditions::TESTED);
    conditions.extend(
        tested
            .iter()
            .filter(|c| c.type_ == conditions::TESTED)
            .cloned(),
    );
    conditions
}

fn set_tested(next: &mut HelmReleaseStatus, generation: Option<i64>, passed: bool, message: &str) {
    let at = now();
    set(
        next,
        conditions::TESTED,
        if passed { status::TRUE } else { status::FALSE },
        if passed {
            reason::TEST_SUCCEEDED
        } else {
            reason::TEST_FAILED
        },
        message,
        generation,
        &at,
    );
}

async fn record_outcome(
    ctx: &Context,
    hr: &HelmRelease,
    current: &HelmReleaseStatus,
    store: &SecretStore,
    release: &ReleaseRef,
    digest: &str,
    (kind, outcome): (OperationKind, Outcome),
) -> Result<Action, ReconcileError> {
    let generation = hr.metadata.generation;
    let history = store
        .history(&release.namespace, &release.name)
        .await
        .unwrap_or_default();
    let at = now();
    let mut next = current.clone();
    next.observed_generation = generation;
    let action = match &outcome {
        Outcome::Deployed { revision } if kind == OperationKind::Rollback => {
            // the release is healthy again, but not as the spec asks: the failure memory stays,
            // so the same inputs are not tried again beyond the retry budget
            let memory = current.remediation.clone();
            next = deployed_status(&next, generation, &history, &hr.spec, Some(kind));
            next.remediation = memory;
            let text = format!(
                "rolled back to revision {} as revision {revision} after the upgrade failed",
                history
                    .iter()
                    .find(|r| r.version == *revision)
                    .and_then(|r| r.info.description.strip_prefix("Rollback to "))
                    .unwrap_or("?")
            );
            set(
                &mut next,
                conditions::ROLLED_BACK,
                status::TRUE,
                reason::ROLLBACK_SUCCEEDED,
                &text,
                generation,
                &at,
            );
            set(
                &mut next,
                conditions::READY,
                status::FALSE,
                reason::ROLLBACK_SUCCEEDED,
                &text,
                generation,
                &at,
            );
            publish_event(
                ctx,
                hr,
                EventType::Normal,
                reason::ROLLBACK_SUCCEEDED,
                "Rollback",
                &text,
            )
            .await;
            Action::requeue(Duration::from_secs(1))
        }
        Outcome::Deployed { revision } => {
            next = deployed_status(&next, generation, &history, &hr.spec, Some(kind));
            next.last_attempted_config_digest = Some(digest.to_owned());
            conditions::remove_condition(&mut next.conditions, conditions::ROLLED_BACK);
            let message = format!(
                "{} of revision {revision} succeeded",
                observe::operation_text(kind)
            );
            publish_event(
                ctx,
                hr,
                EventType::Normal,
                success_reason(kind),
                "Release",
                &message,
            )
            .await;
            Action::requeue(interval(hr))
        }
        Outcome::Waiting {
            revision,
            stage,
            message,
        } => {
            next = in_progress(
                &next, current, hr, kind, *revision, stage, digest, &at, message,
            );
            next.history = history_infos(&history, &hr.spec);
            Action::requeue(WAIT_POLL)
        }
        Outcome::Tested { revision } => {
            next = deployed_status(&next, generation, &history, &hr.spec, None);
            let text = format!("the tests of revision {revision} passed");
            set_tested(&mut next, generation, true, &text);
            publish_event(
                ctx,
                hr,
                EventType::Normal,
                reason::TEST_SUCCEEDED,
                "Test",
                &text,
            )
            .await;
            Action::requeue(interval(hr))
        }
        Outcome::TestFailed { revision, message } => {
            let text = format!("a test of revision {revision} failed: {message}");
            next.operation = None;
            set_tested(&mut next, generation, false, &text);
            publish_event(
                ctx,
                hr,
                EventType::Warning,
                reason::TEST_FAILED,
                "Test",
                &text,
            )
            .await;
            if hr.spec.test.ignore_failures {
                let tested = next.conditions.clone();
                next = deployed_status(&next, generation, &history, &hr.spec, None);
                next.conditions = merge_tested(next.conditions, &tested);
            } else {
                remember_failure(&mut next, current, digest, &at);
                set(
                    &mut next,
                    conditions::READY,
                    status::FALSE,
                    reason::TEST_FAILED,
                    &text,
                    generation,
                    &at,
                );
                conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
            }
            next.history = history_infos(&history, &hr.spec);
            Action::requeue(Duration::from_secs(1))
        }
        Outcome::Failed {
            revision,
            reason: why,
            message,
        } => {
            next.operation = None;
            if kind == OperationKind::Rollback {
                // a failed rollback is not retried: the failure memory keeps the failed inputs
                set(
                    &mut next,
                    conditions::ROLLED_BACK,
                    status::FALSE,
                    why,
                    message,
                    generation,
                    &at,
                );
            } else {
                remember_failure(&mut next, current, digest, &at);
            }
            let text = format!("revision {revision}: {message}");
            set(
                &mut next,
                conditions::READY,
                status::FALSE,
                why,
                &text,
                generation,
                &at,
            );
            set(
                &mut next,
                conditions::RELEASED,
                status::FALSE,
                why,
                &text,
                generation,
                &at,
            );
            conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
            next.history = history_infos(&history, &hr.spec);
            publish_event(ctx, hr, EventType::Warning, why, "Release", &text).await;
            if kind == OperationKind::Uninstall {
                // the finalizer stays; the uninstall is tried again with backoff
                let key = format!(
                    "HelmRelease/{}/{}",
                    hr.namespace().unwrap_or_default(),
                    hr.name_any()
                );
                Action::requeue(ctx.retries.failed(&key, interval(hr)))
            } else {
                Action::requeue(Duration::from_secs(5))
            }
        }
        Outcome::MarkedFailed { revision } => {
            next.operation = None;
            let text = format!("revision {revision} was left pending and is marked failed");
            publish_event(
                ctx,
                hr,
                EventType::Warning,
                reason::UPGRADE_FAILED,
                "Recover",
                &text,
            )
            .await;
            next.history = history_infos(&history, &hr.spec);
            Action::requeue(Duration::from_secs(1))
        }
        Outcome::Uninstalled => {
            next.operation = None;
            next.helm_release = None;
            next.history = history_infos(&history, &hr.spec);
            Action::requeue(Duration::from_secs(1))
        }
    };
    record_metrics(ctx, current, &next, kind, &outcome, &at);
    if Some(&next) != hr.status.as_ref() {
        apply_status(ctx, hr, &next).await?;
    }
    Ok(action)
}

/// The seed's release metrics for an outcome: operations by result with their duration (from
/// the operation's start, which may be several reconciles earlier), failures by reason, and the
/// `helm_release_info` series of the deployed revision (its previous series removed).
fn record_metrics(
    ctx: &Context,
    before: &HelmReleaseStatus,
    after: &HelmReleaseStatus,
    kind: OperationKind,
    outcome: &Outcome,
    at: &Time,
) {
    use crate::telemetry::catalog;
    let m = &ctx.metrics;
    let operation = observe::operation_text(kind);
    let seconds = |started: Option<&Time>| {
        started.map_or(0.0, |s| at.0.duration_since(s.0).as_secs_f64().max(0.0))
    };
    let started = before.operation.as_ref().map(|o| &o.started);
    let info_labels = |s: &HelmReleaseStatus| {
        s.helm_release.as_ref().map(|r| {
            (
                r.namespace.clone(),
                r.name.clone(),
                r.chart.clone().unwrap_or_default(),
                r.chart_version.clone().unwrap_or_default(),
                r.status.clone(),
            )
        })
    };
    let remove_info = |labels: &(String, String, String, String, String)| {
        m.remove_gauge(
            catalog::RELEASE_INFO,
            &[
                ("namespace", &labels.0),
                ("release", &labels.1),
                ("chart", &labels.2),
                ("version", &labels.3),
                ("status", &labels.4),
            ],
        );
    };
    match outcome {
        Outcome::Deployed { .. } => {
            m.add(
                catalog::RELEASE_OPERATION_TOTAL,
                1,
                &[("operation", operation), ("status", "success")],
            );
            m.observe(
                catalog::RELEASE_OPERATION_DURATION,
                seconds(started),
                &[("operation", operation), ("status", "success")],
            );
        }
        Outcome::Failed { reason: why, .. } => {
            m.add(
                catalog::RELEASE_OPERATION_TOTAL,
                1,
                &[("operation", operation), ("status", "failure")],
            );
            m.observe(
                catalog::RELEASE_OPERATION_DURATION,
                seconds(started),
                &[("operation", operation), ("status", "failure")],
            );
            if let Some(r) = after.history.first() {
                m.add(
                    catalog::RELEASE_OPERATION_ERRORS,
                    1,
                    &[
                        ("namespace", &r.namespace),
                        ("release", &r.name),
                        ("operation", operation),
                        ("reason", why),
                    ],
                );
            }
        }
        _ => {}
    }
    if kind == OperationKind::Rollback
        && let Some(r) = after.history.first()
    {
        let result = match outcome {
            Outcome::Deployed { .. } => Some("success"),
            Outcome::Failed { .. } => Some("failure"),
            _ => None,
        };
        if let Some(result) = result {
            m.add(
                catalog::RELEASE_ROLLBACKS,
                1,
                &[
                    ("namespace", &r.namespace),
                    ("release", &r.name),
                    ("status", result),
                ],
            );
        }
    }
    let old = info_labels(before);
    let new = info_labels(after);
    if old != new {
        if let Some(old) = &old {
            remove_info(old);
        }
        if let Some(new) = &new {
            m.set_gauge(
                catalog::RELEASE_INFO,
                &[
                    ("namespace", &new.0),
                    ("release", &new.1),
                    ("chart", &new.2),
                    ("version", &new.3),
                    ("status", &new.4),
                ],
                1.0,
            );
        }
    }
}

fn success_reason(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Install => reason::INSTALL_SUCCEEDED,
        OperationKind::Rollback => reason::ROLLBACK_SUCCEEDED,
        _ => reason::UPGRADE_SUCCEEDED,
    }
}

/// `Ready=True`, `Released=True`, the deployed revision and the history. Pure.
fn deployed_status(
    current: &HelmReleaseStatus,
    generation: Option<i64>,
    history: &[Release],
    spec: &crate::api::HelmReleaseSpec,
    just_done: Option<OperationKind>,
) -> HelmReleaseStatus {
    let mut next = current.clone();
    next.observed_generation = generation;
    next.operation = None;
    next.remediation = None;
    let at = now();
    let deployed = history
        .iter()
        .rev()
        .find(|r| r.info.status == crate::cluster::storage::Status::Deployed);
    let message = deployed.map_or_else(
        || "deployed".to_owned(),
        |r| {
            format!(
                "release {}/{} revision {} ({} {}) is deployed",
                r.namespace,
                r.name,
                r.version,
                r.chart.as_ref().map_or("", |c| c.name()),
                r.chart.as_ref().map_or("", |c| c.version())
            )
        },
    );
    let why = match just_done {
        Some(kind) => success_reason(kind),
        None => conditions::find_condition(&current.conditions, conditions::READY)
            .filter(|c| c.status == status::TRUE)
            .map_or(reason::SUCCEEDED, |c| match c.reason.as_str() {
                "InstallSucceeded" => reason::INSTALL_SUCCEEDED,
                "UpgradeSucceeded" => reason::UPGRADE_SUCCEEDED,
                "RollbackSucceeded" => reason::ROLLBACK_SUCCEEDED,
                _ => reason::SUCCEEDED,
            }),
    };
    set(
        &mut next,
        conditions::READY,
        status::TRUE,
        why,
        &message,
        generation,
        &at,
    );
    set(
        &mut next,
        conditions::RELEASED,
        status::TRUE,
        why,
        &message,
        generation,
        &at,
    );
    conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
    conditions::remove_condition(&mut next.conditions, conditions::STALLED);
    next.helm_release = deployed.map(info_of);
    next.history = history_infos(history, spec);
    next
}

fn progressing_status(
    current: &HelmReleaseStatus,
    generation: Option<i64>,
    message: &str,
) -> HelmReleaseStatus {
    let mut next = current.clone();
    next.observed_generation = generation;
    let at = now();
    set(
        &mut next,
        conditions::RECONCILING,
        status::TRUE,
        reason::PROGRESSING,
        message,
        generation,
        &at,
    );
    set(
        &mut next,
        conditions::READY,
        status::UNKNOWN,
        reason::PROGRESSING,
        message,
        generation,
        &at,
    );
    conditions::remove_condition(&mut next.conditions, conditions::STALLED);
    next
}

fn set(
    status_: &mut HelmReleaseStatus,
    type_: &str,
    value: &str,
    why: &str,
    message: &str,
    generation: Option<i64>,
    at: &Time,
) {
    conditions::set_condition(
        &mut status_.conditions,
        ConditionUpdate {
            type_,
            status: value,
            reason: why,
            message: crate::controller::condition_message(message),
        },
        generation,
        at,
    );
}

async fn not_ready(
    ctx: &Context,
    hr: &HelmRelease,
    current: &HelmReleaseStatus,
    why: &str,
    message: &str,
    stalled: bool,
) -> Result<Action, ReconcileError> {
    let generation = hr.metadata.generation;
    let mut next = current.clone();
    next.observed_generation = generation;
    let at = now();
    let previous = conditions::find_condition(&current.conditions, conditions::READY)
        .map(|c| (c.reason.clone(), c.message.clone()));
    set(
        &mut next,
        conditions::READY,
        status::FALSE,
        why,
        message,
        generation,
        &at,
    );
    if stalled {
        set(
            &mut next,
            conditions::STALLED,
            status::TRUE,
            why,
            message,
            generation,
            &at,
        );
    }
    conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
    if Some(&next) != hr.status.as_ref() {
        apply_status(ctx, hr, &next).await?;
    }
    let shown = crate::controller::condition_message(message);
    if previous != Some((why.to_owned(), shown.clone())) {
        publish_event(ctx, hr, EventType::Warning, why, "Release", &shown).await;
    }
    let key = format!(
        "HelmRelease/{}/{}",
        hr.namespace().unwrap_or_default(),
        hr.name_any()
    );
    Ok(if stalled {
        Action::requeue(interval(hr))
    } else {
        Action::requeue(ctx.retries.failed(&key, interval(hr)))
    })
}

async fn finalize(
    ctx: &Context,
    hr: &HelmRelease,
    namespace: &str,
) -> Result<Action, ReconcileError> {
    let remaining: Vec<String> = hr
        .finalizers()
        .iter()
        .filter(|f| *f != FINALIZER)
        .cloned()
        .collect();
    if remaining.len() != hr.finalizers().len() {
        crate::controller::patch_finalizers(ctx, hr, namespace, remaining).await?;
    }
    Ok(Action::await_change())
}

fn policy_of(hr: &HelmRelease, namespace: &str) -> Policy {
    let spec = &hr.spec;
    Policy {
        me: format!("{namespace}/{}", hr.name_any()),
        rollback: spec.rollback.enabled,
        rollback_to: spec.rollback.to_revision,
        install_remediation: match spec.install.remediation.strategy {
            InstallRemediationStrategy::Uninstall => InstallRemediation::Uninstall,
            InstallRemediationStrategy::Keep => InstallRemediation::Keep,
        },
        retries: u32::try_from(
            spec.upgrade
                .remediation
                .retries
                .max(spec.install.remediation.retries),
        )
        .unwrap_or(0),
        replace: spec.install.replace,
        // an interrupted record is left alone for as long as its operation may take
        timeout: timeout_of(hr, OperationKind::Upgrade),
        install_timeout: timeout_of(hr, OperationKind::Install),
        rollback_timeout: timeout_of(hr, OperationKind::Rollback),
    }
}

fn timeout_of(hr: &HelmRelease, kind: OperationKind) -> Duration {
    let text = match kind {
        OperationKind::Install => &hr.spec.install.timeout,
        OperationKind::Rollback => &hr.spec.rollback.timeout,
        OperationKind::Uninstall => &hr.spec.uninstall.timeout,
        OperationKind::Test => hr
            .spec
            .test
            .timeout
            .as_ref()
            .unwrap_or(&hr.spec.upgrade.timeout),
        OperationKind::Upgrade => &hr.spec.upgrade.timeout,
    };
    parse_duration(text).unwrap_or(Duration::from_secs(600))
}

fn interval(hr: &HelmRelease) -> Duration {
    parse_duration(&hr.spec.interval).unwrap_or(Duration::from_secs(600))
}

fn info_of(r: &Release) -> HelmReleaseInfo {
    let time = |t: &crate::cluster::storage::GoTime| (!t.is_zero()).then(|| Time(t.timestamp()));
    HelmReleaseInfo {
        name: r.name.clone(),
        namespace: r.namespace.clone(),
        revision: i64::from(r.version),
        status: r.info.status.as_str().to_owned(),
        chart: r.chart.as_ref().map(|c| c.name().to_owned()),
        chart_version: r.chart.as_ref().map(|c| c.version().to_owned()),
        app_version: r
            .chart
            .as_ref()
            .map(|c| c.app_version().to_owned())
            .filter(|v| !v.is_empty()),
        first_deployed: time(&r.info.first_deployed),
        last_deployed: time(&r.info.last_deployed),
        description: Some(r.info.description.clone()).filter(|d| !d.is_empty()),
        config_digest: r.labels.get(observe::LABEL_DIGEST).cloned(),
    }
}

fn history_infos(history: &[Release], spec: &crate::api::HelmReleaseSpec) -> Vec<HelmReleaseInfo> {
    let bound = usize::try_from(spec.effective_max_history())
        .unwrap_or(10)
        .clamp(1, 50);
    history.iter().rev().take(bound).map(info_of).collect()
}

/// The chart archive from the source (cached) and the chart loaded from it (cached).
async fn fetch_and_load(
    ctx: &Context,
    resolved: &ResolvedChart,
) -> Result<Arc<crate::engine::chart::Chart>, (&'static str, String)> {
    let archive = ctx
        .sources
        .fetch_chart(
            &resolved.endpoint,
            &resolved.snapshot,
            &resolved.chart,
            &resolved.version.version,
        )
        .await
        .map_err(|e| (e.reason(), e.to_string()))?;
    let loaded = ctx
        .sources
        .load_chart(archive, &ctx.options.chart_limits)
        .await
        .map_err(|e| {
            (
                reason::CHART_FETCH_FAILED,
                format!("loading the chart: {e}"),
            )
        })?;
    Ok(loaded.chart)
}

/// How long capabilities read from discovery are used before they are read again.
const CAPABILITIES_TTL: Duration = Duration::from_secs(10);

/// The cluster's capabilities, from the shared cache while it is fresh: read at most every
/// 10 s, and again as soon as the operator created a CRD (a full discovery costs a request per
/// API group, which a busy install path must not pay for each release). A CRD someone else
/// created shows in renders within 10 s.
async fn capabilities(ctx: &Context) -> Result<Capabilities, String> {
    let mut cached = ctx.capabilities.lock().await;
    let generation = ctx.applier.discovery_generation();
    if let Some(c) = cached.as_ref()
        && c.generation == generation
        && c.read.elapsed() < CAPABILITIES_TTL
    {
        return Ok(c.capabilities.clone());
    }
    let read = discover_capabilities(ctx).await?;
    *cached = Some(crate::controller::CachedCapabilities {
        capabilities: read.clone(),
        read: std::time::Instant::now(),
        generation,
    });
    Ok(read)
}

/// The cluster's capabilities as Helm reads them: the server's version, and every served
/// `group/version` with each of its kinds as `group/version/Kind` (Helm's `GetVersionSet`).
async fn discover_capabilities(ctx: &Context) -> Result<Capabilities, String> {
    let timeout = crate::controller::API_CALL_TIMEOUT;
    let version = tokio::time::timeout(timeout, ctx.client.apiserver_version())
        .await
        .map_err(|_| "reading the cluster's version timed out".to_owned())?
        .map_err(|e| format!("reading the cluster's version: {e}"))?;
    let mut capabilities = Capabilities::for_kube_version(&version.git_version)?;
    let discovery = tokio::time::timeout(
        timeout,
        kube::discovery::Discovery::new(ctx.client.clone()).run(),
    )
    .await
    .map_err(|_| "discovering the cluster's API versions timed out".to_owned())?
    .map_err(|e| format!("discovering the cluster's API versions: {e}"))?;
    let mut versions = Vec::new();
    for group in discovery.groups() {
        for version in group.versions() {
            let group_version = if group.name().is_empty() {
                version.to_owned()
            } else {
                format!("{}/{version}", group.name())
            };
            versions.push(group_version.clone());
            for (resource, _) in group.versioned_resources(version) {
                versions.push(format!("{group_version}/{}", resource.kind));
            }
        }
    }
    if !versions.is_empty() {
        capabilities.api_versions = versions;
    }
    Ok(capabilities)
}

/// Creates the release namespace when it is missing, as `helm install --create-namespace` does
/// (with Helm's `name` label).
async fn ensure_namespace(ctx: &Context, namespace: &str) -> Result<(), String> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: kube::Api<Namespace> = kube::Api::all(ctx.client.clone());
    let timeout = crate::controller::API_CALL_TIMEOUT;
    let existing = tokio::time::timeout(timeout, api.get_opt(namespace))
        .await
        .map_err(|_| format!("reading namespace {namespace} timed out"))?
        .map_err(|e| format!("reading namespace {namespace}: {e}"))?;
    if existing.is_some() {
        return Ok(());
    }
    let mut created = Namespace::default();
    created.metadata.name = Some(namespace.to_owned());
    created.metadata.labels = Some(
        [("name".to_owned(), namespace.to_owned())]
            .into_iter()
            .collect(),
    );
    match tokio::time::timeout(
        timeout,
        api.create(&kube::api::PostParams::default(), &created),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(kube::Error::Api(e))) if e.code == 409 => Ok(()),
        Ok(Err(e)) => Err(format!("creating namespace {namespace}: {e}")),
        Err(_) => Err(format!("creating namespace {namespace} timed out")),
    }
}

/// Adds the finalizer when it is missing.
///
/// # Errors
/// When the patch fails.
pub async fn ensure_finalizer(
    ctx: &Context,
    hr: &HelmRelease,
    namespace: &str,
) -> Result<(), ReconcileError> {
    if hr.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(());
    }
    let mut finalizers = hr.finalizers().to_vec();
    finalizers.push(FINALIZER.to_owned());
    crate::controller::patch_finalizers(ctx, hr, namespace, finalizers).await
}
