//! The HelmRelease controller. At this stage it validates the spec and reports the result:
//! `Stalled` and `Ready=False` with a specific reason for an invalid spec, `Ready=Unknown` with
//! reason `SpecValid` for a valid one (installing arrives with the release engine).

pub mod validate;

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::runtime::controller::Action;

use crate::api::duration::parse_duration;
use crate::api::{HelmRelease, HelmReleaseStatus};
use crate::controller::{
    Context, ReconcileError, SpecProblem, announce_validation, apply_status, now, record_reconcile,
    set_validation_conditions,
};

/// The message of a valid spec while the release engine is not part of the operator.
pub const SPEC_VALID_MESSAGE: &str =
    "spec is valid; this version of the operator does not install releases yet";

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

async fn reconcile_inner(hr: &HelmRelease, ctx: &Context) -> Result<Action, ReconcileError> {
    let namespace = hr
        .namespace()
        .ok_or_else(|| ReconcileError::MissingNamespace(hr.name_any()))?;
    if !ctx.shards.owns(&namespace) || hr.metadata.deletion_timestamp.is_some() || hr.spec.suspend {
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
    let next = desired_status(current, hr.metadata.generation, &problems, &now());
    if current != Some(&next) && apply_status(ctx, hr, &next).await? {
        let previous = current.map(|s| s.conditions.as_slice()).unwrap_or_default();
        announce_validation(ctx, hr, previous, &problems, SPEC_VALID_MESSAGE).await;
    }
    if problems.is_empty() {
        Ok(Action::requeue(
            parse_duration(&hr.spec.interval).unwrap_or(Duration::from_secs(600)),
        ))
    } else {
        // An invalid spec changes only when someone edits it, which wakes the controller.
        Ok(Action::await_change())
    }
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
