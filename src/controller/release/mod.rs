//! The HelmRelease controller: validates the spec (`Stalled` and `Ready=False` with a specific
//! reason when it is invalid), resolves the chart version (`Ready=False` with the reason when it
//! cannot, retried with backoff), and hands a resolved release to [`engine`].

pub mod act;
pub mod chart;
pub mod dependencies;
pub mod engine;
pub mod hooks;
pub mod observe;
pub mod plan;
pub mod record;
pub mod validate;
pub mod values;

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use crate::api::duration::parse_duration;
use crate::api::{HelmRelease, HelmReleaseStatus};
use crate::controller::{
    Context, ReconcileError, SpecProblem, announce_validation, apply_status, now, publish_event,
    record_reconcile, set_validation_conditions,
};

/// The message of a valid spec while the release engine is not part of the operator.
pub const SPEC_VALID_MESSAGE: &str = "spec is valid";

/// The status a HelmRelease should have, given the problems found in its spec. Pure.
pub fn desired_status(
    current: Option<&HelmReleaseStatus>,
    generation: Option<i64>,
    problems: &[SpecProblem],
    at: &Time,
) -> HelmReleaseStatus {
    let mut next = current.cloned().unwrap_or_default();
    next.observed_generation = generation;
    set_validation_conditions(
        &mut next.conditions,
        generation,
        problems,
        SPEC_VALID_MESSAGE,
        at,
    );
    next
}

/// Reconciles one HelmRelease.
///
/// # Errors
/// When the status cannot be written.
pub async fn reconcile(hr: Arc<HelmRelease>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    let started = Instant::now();
    let result = reconcile_inner(&hr, &ctx).await;
    record_reconcile(&ctx.metrics, "HelmRelease", started, &result);
    result
}

/// The status when the chart cannot be resolved: `Ready=False` with the problem's reason, not
/// Stalled (a repository or version may appear). Pure.
pub fn unresolved_status(
    current: Option<&HelmReleaseStatus>,
    generation: Option<i64>,
    problem: &chart::ChartProblem,
    at: &Time,
) -> HelmReleaseStatus {
    use crate::api::conditions::{self, ConditionUpdate, status};
    let mut next = current.cloned().unwrap_or_default();
    next.observed_generation = generation;
    let ready = ConditionUpdate {
        type_: conditions::READY,
        status: status::FALSE,
        reason: problem.reason,
        message: problem.message.clone(),
    };
    conditions::set_condition(&mut next.conditions, ready, generation, at);
    conditions::remove_condition(&mut next.conditions, conditions::STALLED);
    conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
    next
}

/// The status while `dependsOn` blocks: `Ready=False` with the reason, `Stalled` for a cycle.
/// Pure.
pub fn blocked_status(
    current: Option<&HelmReleaseStatus>,
    generation: Option<i64>,
    blocked: &dependencies::Blocked,
    at: &Time,
) -> HelmReleaseStatus {
    use crate::api::conditions::{self, ConditionUpdate, status};
    let mut next = current.cloned().unwrap_or_default();
    next.observed_generation = generation;
    let message = crate::controller::condition_message(&blocked.message);
    let ready = ConditionUpdate {
        type_: conditions::READY,
        status: status::FALSE,
        reason: blocked.reason,
        message: message.clone(),
    };
    conditions::set_condition(&mut next.conditions, ready, generation, at);
    if blocked.stalled {
        let stalled = ConditionUpdate {
            type_: conditions::STALLED,
            status: status::TRUE,
            reason: blocked.reason,
            message,
        };
        conditions::set_condition(&mut next.conditions, stalled, generation, at);
    } else {
        conditions::remove_condition(&mut next.conditions, conditions::STALLED);
    }
    conditions::remove_condition(&mut next.conditions, conditions::RECONCILING);
    next
}

async fn reconcile_inner(hr: &HelmRelease, ctx: &Context) -> Result<Action, ReconcileError> {
    let namespace = hr
        .namespace()
        .ok_or_else(|| ReconcileError::MissingNamespace(hr.name_any()))?;
    if !ctx.shards.owns(&namespace) {
        return Ok(Action::await_change());
    }
    if hr.metadata.deletion_timestamp.is_some() {
        if !hr.finalizers().iter().any(|f| f == engine::FINALIZER) {
            return Ok(Action::await_change());
        }
        return engine::step(ctx, hr, None).await;
    }
    if hr.spec.suspend {
        return Ok(Action::await_change());
    }
    let problems = validate::validate_release(
        &hr.spec,
        &hr.release_name(),
        &hr.release_namespace(),
        &namespace,
        &hr.name_any(),
    );
    let current = hr.status.as_ref();
    if !problems.is_empty() {
        let next = desired_status(current, hr.metadata.generation, &problems, &now());
        if current != Some(&next) && apply_status(ctx, hr, &next).await? {
            let previous = current.map(|s| s.conditions.as_slice()).unwrap_or_default();
            announce_validation(ctx, hr, previous, &problems, SPEC_VALID_MESSAGE).await;
        }
        // An invalid spec changes only when someone edits it, which wakes the controller.
        return Ok(Action::await_change());
    }
    let interval = parse_duration(&hr.spec.interval).unwrap_or(Duration::from_secs(600));
    if let Err(blocked) = dependencies::check(ctx, hr).await {
        let next = blocked_status(current, hr.metadata.generation, &blocked, &now());
        let shown = current
            .and_then(|s| {
                crate::api::conditions::find_condition(&s.conditions, crate::api::conditions::READY)
            })
            .map(|c| (c.reason.clone(), c.message.clone()));
        if current != Some(&next) && apply_status(ctx, hr, &next).await? {
            let message = crate::controller::condition_message(&blocked.message);
            if shown != Some((blocked.reason.to_owned(), message.clone())) {
                let kind = if blocked.stalled {
                    EventType::Warning
                } else {
                    EventType::Normal
                };
                publish_event(ctx, hr, kind, blocked.reason, "Dependencies", &message).await;
            }
        }
        // woken by the dependencies' status changes; the interval is only a safety net
        return Ok(Action::requeue(interval));
    }
    let key = format!("HelmRelease/{namespace}/{}", hr.name_any());
    let problem = match chart::resolve(ctx, hr).await {
        Ok(resolved) => {
            ctx.retries.succeeded(&key);
            let previous = current.map(|s| s.conditions.clone()).unwrap_or_default();
            if conditions_stalled(&previous) {
                announce_validation(ctx, hr, &previous, &[], SPEC_VALID_MESSAGE).await;
            }
            engine::ensure_finalizer(ctx, hr, &namespace).await?;
            return engine::step(ctx, hr, Some(&resolved)).await;
        }
        Err(problem) => problem,
    };
    let next = unresolved_status(current, hr.metadata.generation, &problem, &now());
    let previous = current.map(|s| s.conditions.clone()).unwrap_or_default();
    if current != Some(&next) && apply_status(ctx, hr, &next).await? {
        announce_validation(ctx, hr, &previous, &[], SPEC_VALID_MESSAGE).await;
        let shown =
            crate::api::conditions::find_condition(&previous, crate::api::conditions::READY)
                .map(|c| (c.reason.as_str(), c.message.as_str()));
        if shown != Some((problem.reason, problem.message.as_str())) {
            publish_event(
                ctx,
                hr,
                EventType::Warning,
                problem.reason,
                "Resolve",
                &problem.message,
            )
            .await;
        }
    }
    Ok(Action::requeue(ctx.retries.failed(&key, interval)))
}

fn conditions_stalled(conds: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition]) -> bool {
    crate::api::conditions::find_condition(conds, crate::api::conditions::STALLED).is_some()
        || conds.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::conditions::{self, reason};

    fn at(s: i64) -> Time {
        Time(jiff::Timestamp::from_second(s).unwrap())
    }

    #[test]
    fn invalid_spec_sets_stalled_and_ready_false_with_the_reason() {
        let problems = [SpecProblem::new(
            reason::INVALID_VERSION_CONSTRAINT,
            "spec.chart.version: bad",
        )];
        let s = desired_status(None, Some(3), &problems, &at(10));
        let ready = conditions::find_condition(&s.conditions, conditions::READY).unwrap();
        let stalled = conditions::find_condition(&s.conditions, conditions::STALLED).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("False", "InvalidVersionConstraint")
        );
        assert_eq!(
            (stalled.status.as_str(), stalled.message.as_str()),
            ("True", "spec.chart.version: bad")
        );
        assert_eq!(s.observed_generation, Some(3));
    }

    #[test]
    fn fixing_the_spec_clears_stalled_and_reports_spec_valid() {
        let problems = [SpecProblem::new(reason::INVALID_CHART_SOURCE, "no source")];
        let broken = desired_status(None, Some(1), &problems, &at(10));
        let fixed = desired_status(Some(&broken), Some(2), &[], &at(20));
        assert!(conditions::find_condition(&fixed.conditions, conditions::STALLED).is_none());
        let ready = conditions::find_condition(&fixed.conditions, conditions::READY).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("Unknown", "SpecValid")
        );
        assert_eq!(ready.last_transition_time, at(20));
    }

    #[test]
    fn an_unchanged_object_yields_an_identical_status_so_nothing_is_written() {
        let first = desired_status(None, Some(1), &[], &at(10));
        let again = desired_status(Some(&first), Some(1), &[], &at(99));
        assert_eq!(first, again);
    }

    #[test]
    fn an_unresolved_chart_is_not_ready_with_its_reason_and_not_stalled() {
        let stalled = desired_status(
            None,
            Some(1),
            &[SpecProblem::new(reason::INVALID_VERSION_CONSTRAINT, "bad")],
            &at(5),
        );
        let problem = chart::ChartProblem {
            reason: reason::CHART_NOT_FOUND,
            message: "no".into(),
        };
        let failed = unresolved_status(Some(&stalled), Some(2), &problem, &at(6));
        let ready = conditions::find_condition(&failed.conditions, conditions::READY).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("False", "ChartNotFound")
        );
        assert!(conditions::find_condition(&failed.conditions, conditions::STALLED).is_none());
        assert_eq!(failed.observed_generation, Some(2));
    }

    #[test]
    fn several_problems_are_reported_together_under_the_first_reason() {
        let problems = [
            SpecProblem::new(reason::INVALID_CHART_SOURCE, "a"),
            SpecProblem::new(reason::INVALID_DURATION, "b"),
        ];
        let s = desired_status(None, None, &problems, &at(1));
        let ready = conditions::find_condition(&s.conditions, conditions::READY).unwrap();
        assert_eq!(
            (ready.reason.as_str(), ready.message.as_str()),
            ("InvalidChartSource", "a; b")
        );
    }
}
