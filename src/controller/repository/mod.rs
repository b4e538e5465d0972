//! The HelmRepository controller. At this stage it validates the spec and reports the result:
//! `Stalled` and `Ready=False` with a specific reason for an invalid spec, `Ready=Unknown` with
//! reason `SpecValid` for a valid one (syncing arrives with the sources).

pub mod validate;

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::runtime::controller::Action;

use crate::api::duration::parse_duration;
use crate::api::{HelmRepository, HelmRepositoryStatus};
use crate::controller::{
    Context, ReconcileError, SpecProblem, announce_validation, apply_status, now, record_reconcile,
    set_validation_conditions,
};

/// The message of a valid spec while repository syncing is not part of the operator.
pub const SPEC_VALID_MESSAGE: &str =
    "spec is valid; this version of the operator does not sync repositories yet";

/// The status a HelmRepository should have, given the problems found in its spec. Pure.
pub fn desired_status(
    current: Option<&HelmRepositoryStatus>,
    generation: Option<i64>,
    problems: &[SpecProblem],
    at: &Time,
) -> HelmRepositoryStatus {
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

/// Reconciles one HelmRepository.
///
/// # Errors
/// When the status cannot be written.
pub async fn reconcile(
    repo: Arc<HelmRepository>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let started = Instant::now();
    let result = reconcile_inner(&repo, &ctx).await;
    record_reconcile(&ctx.metrics, "HelmRepository", started, &result);
    result
}

async fn reconcile_inner(repo: &HelmRepository, ctx: &Context) -> Result<Action, ReconcileError> {
    let namespace = repo
        .namespace()
        .ok_or_else(|| ReconcileError::MissingNamespace(repo.name_any()))?;
    if !ctx.shards.owns(&namespace)
        || repo.metadata.deletion_timestamp.is_some()
        || repo.spec.suspend
    {
        return Ok(Action::await_change());
    }
    let problems = validate::validate_repository(&repo.spec);
    let current = repo.status.as_ref();
    let next = desired_status(current, repo.metadata.generation, &problems, &now());
    if current != Some(&next) && apply_status(ctx, repo, &next).await? {
        let previous = current.map(|s| s.conditions.as_slice()).unwrap_or_default();
        announce_validation(ctx, repo, previous, &problems, SPEC_VALID_MESSAGE).await;
    }
    if problems.is_empty() {
        Ok(Action::requeue(
            parse_duration(&repo.spec.interval).unwrap_or(Duration::from_secs(1800)),
        ))
    } else {
        Ok(Action::await_change())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::conditions::{self, reason};

    #[test]
    fn repository_status_reports_validation_like_releases() {
        let at = Time(jiff::Timestamp::from_second(5).unwrap());
        let problems = [SpecProblem::new(reason::INVALID_URL, "spec.url bad")];
        let broken = desired_status(None, Some(1), &problems, &at);
        let stalled = conditions::find_condition(&broken.conditions, conditions::STALLED).unwrap();
        assert_eq!(
            (stalled.reason.as_str(), stalled.message.as_str()),
            ("InvalidURL", "spec.url bad")
        );
        let fixed = desired_status(Some(&broken), Some(2), &[], &at);
        assert!(conditions::find_condition(&fixed.conditions, conditions::STALLED).is_none());
        assert_eq!(fixed.observed_generation, Some(2));
    }
}
