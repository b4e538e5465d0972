//! The HelmRepository controller. At this stage it validates the spec and reports the result:
//! `Stalled` and `Ready=False` with a specific reason for an invalid spec, `Ready=Unknown` with
//! reason `SpecValid` for a valid one (syncing arrives with the sources).

pub mod validate;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kube::ResourceExt;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use crate::api::conditions::{self, ConditionUpdate, reason, status};
use crate::api::duration::parse_duration;
use crate::api::{HelmRepository, HelmRepositoryStatus};
use crate::controller::{
    Context, ReconcileError, SpecProblem, apply_status, now, publish_event, record_reconcile,
    summarize,
};

/// The message of a valid spec while repository syncing is not part of the operator.
pub const SPEC_VALID_MESSAGE: &str =
    "spec is valid; this version of the operator does not sync repositories yet";

/// The status a HelmRepository should have, given the problems found in its spec. Pure.
pub fn desired_status(
    current: Option<&HelmRepositoryStatus>,
    generation: Option<i64>,
    problems: &[SpecProblem],
    at: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) -> HelmRepositoryStatus {
    let mut next = current.cloned().unwrap_or_default();
    next.observed_generation = generation;
    let conds = &mut next.conditions;
    match summarize(problems) {
        Some((why, message)) => {
            conditions::set_condition(
                conds,
                ConditionUpdate {
                    type_: conditions::READY,
                    status: status::FALSE,
                    reason: why,
                    message: message.clone(),
                },
                generation,
                at,
            );
            conditions::set_condition(
                conds,
                ConditionUpdate {
                    type_: conditions::STALLED,
                    status: status::TRUE,
                    reason: why,
                    message,
                },
                generation,
                at,
            );
        }
        None => {
            conditions::set_condition(
                conds,
                ConditionUpdate {
                    type_: conditions::READY,
                    status: status::UNKNOWN,
                    reason: reason::SPEC_VALID,
                    message: SPEC_VALID_MESSAGE.to_owned(),
                },
                generation,
                at,
            );
            conditions::remove_condition(conds, conditions::STALLED);
        }
    }
    conditions::remove_condition(conds, conditions::RECONCILING);
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
        let previous = current
            .and_then(|s| conditions::find_condition(&s.conditions, conditions::STALLED))
            .map(|c| c.message.clone());
        match summarize(&problems) {
            Some((why, message)) if previous.as_deref() != Some(message.as_str()) => {
                tracing::warn!(namespace, name = %repo.name_any(), reason = why, %message, "invalid HelmRepository spec");
                publish_event(ctx, repo, EventType::Warning, why, "Validate", &message).await;
            }
            None if previous.is_some() || current.is_none_or(|s| s.conditions.is_empty()) => {
                publish_event(
                    ctx,
                    repo,
                    EventType::Normal,
                    reason::SPEC_VALID,
                    "Validate",
                    SPEC_VALID_MESSAGE,
                )
                .await;
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(Action::requeue(
            parse_duration(&repo.spec.interval).unwrap_or(Duration::from_secs(1800)),
        ))
    } else {
        Ok(Action::await_change())
    }
}
