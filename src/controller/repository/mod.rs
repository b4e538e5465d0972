//! The HelmRepository controller: syncs each repository on its `interval` (a conditional GET of
//! an HTTP repository's index, the catalog and tags of an OCI registry path), retries failures
//! with jittered exponential backoff, reports a bounded status with kstatus conditions and
//! specific reasons, publishes events on transitions, keeps the seed's repository metrics, and
//! cleans up what the repository created (values ConfigMaps, metric series) behind a finalizer.
//!
//! Each reconcile decides first whether a sync is due (the spec changed, the interval elapsed
//! since `status.lastSyncTime`, or a failure's backoff ran out), so the watch event caused by
//! its own status write costs nothing.

pub mod configmaps;
pub mod credentials;
pub mod status;
pub mod validate;
pub mod values_configmap;

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use crate::api::conditions::{self, reason};
use crate::api::duration::parse_duration;
use crate::api::repository::RepositoryType;
use crate::api::{HelmRepository, HelmRepositoryStatus};
use crate::controller::backoff::{periodic_delay, random_unit};
use crate::controller::{
    Context, ReconcileError, SpecProblem, announce_validation, apply_status, now, publish_event,
    record_reconcile, set_validation_conditions,
};
use crate::source::index::Index;
use crate::source::sync::{Contents, Synced};
use crate::telemetry::catalog;

/// The finalizer that lets the operator clean up before a repository is gone.
pub const FINALIZER: &str = "helm-operator.ketches.cn/finalizer";

/// The message of a valid spec before its first sync.
pub const SPEC_VALID_MESSAGE: &str = "spec is valid";

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

/// When the next sync of a repository is due, from its status alone: `None` when it is due now
/// (never synced, a new generation, or not Ready), else how long until the interval has passed
/// since the last sync. Pure.
pub fn sync_due_in(
    status: Option<&HelmRepositoryStatus>,
    generation: Option<i64>,
    interval: Duration,
    now: jiff::Timestamp,
) -> Option<Duration> {
    let status = status?;
    if status.observed_generation != generation {
        return None;
    }
    let ready = conditions::find_condition(&status.conditions, conditions::READY)?;
    if ready.status != conditions::status::TRUE || ready.observed_generation != generation {
        return None;
    }
    let last = status.last_sync_time.as_ref()?.0;
    let elapsed = now.duration_since(last);
    let elapsed = Duration::try_from(elapsed).unwrap_or(Duration::ZERO);
    (elapsed < interval).then(|| interval - elapsed)
}

/// Reconciles one HelmRepository.
///
/// # Errors
/// When the status or the finalizer cannot be written.
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
    if !ctx.shards.owns(&namespace) {
        return Ok(Action::await_change());
    }
    let key = format!("HelmRepository/{namespace}/{}", repo.name_any());
    if repo.metadata.deletion_timestamp.is_some() {
        return finalize(repo, ctx, &namespace, &key).await;
    }
    if !repo.finalizers().iter().any(|f| f == FINALIZER) {
        add_finalizer(repo, ctx, &namespace).await?;
    }
    if repo.spec.suspend {
        return Ok(Action::await_change());
    }
    let mut problems = validate::validate_repository(&repo.spec);
    if let Some(p) = credentials::cross_namespace_problem(
        &repo.spec,
        &namespace,
        ctx.options.allow_cross_namespace_secrets,
    ) {
        problems.push(SpecProblem::new(p.reason, p.message));
    }
    let current = repo.status.as_ref();
    let generation = repo.metadata.generation;
    if !problems.is_empty() {
        return stall(repo, ctx, &problems).await;
    }
    let interval = parse_duration(&repo.spec.interval).unwrap_or(Duration::from_secs(1800));
    if let Some(retry) = ctx.retries.get(&key) {
        let now = Instant::now();
        let same_generation = current.and_then(|s| s.observed_generation) == generation;
        if same_generation && retry.not_before > now {
            return Ok(Action::requeue(retry.not_before - now));
        }
    } else if let Some(wait) = sync_due_in(current, generation, interval, jiff::Timestamp::now()) {
        return Ok(Action::requeue(periodic_delay(
            wait,
            Duration::ZERO,
            random_unit(),
        )));
    }
    let mut current = current.cloned();
    if current.as_ref().and_then(|s| s.observed_generation) != generation {
        let next = status::reconciling_status(current.as_ref(), generation, &now());
        apply_status(ctx, repo, &next).await?;
        current = Some(next);
    }

    let started = Instant::now();
    let kind = match repo.spec.effective_type() {
        RepositoryType::Helm => "helm",
        RepositoryType::Oci => "oci",
    };
    let endpoint = credentials::repository_endpoint(ctx, &repo.spec, &namespace).await;
    let outcome = match endpoint {
        Ok(endpoint) => match ctx.sources.sync(&endpoint).await {
            Ok(synced) => Ok((endpoint, synced)),
            Err(e) => Err((e.reason(), e.to_string())),
        },
        Err(e) => Err((e.reason, e.message)),
    };
    let labels = |status: &'static str| {
        [
            ("namespace", namespace.clone()),
            ("repository", repo.name_any()),
            ("status", status.to_owned()),
        ]
    };
    let elapsed = started.elapsed().as_secs_f64();
    match outcome {
        Ok((endpoint, synced)) => {
            record_sync(ctx, kind, "success", elapsed, &labels("success"), None);
            ctx.retries.succeeded(&key);
            let next = status::synced_status(
                current.as_ref(),
                generation,
                &synced.snapshot,
                ctx.options.status_bounds,
                &now(),
            );
            let total = next.stats.as_ref().map_or(0, |s| s.total_charts);
            ctx.metrics.set_gauge(
                catalog::REPOSITORY_CHARTS,
                &[("namespace", &namespace), ("repository", &repo.name_any())],
                total as f64,
            );
            let was_ready = current
                .as_ref()
                .and_then(|s| conditions::find_condition(&s.conditions, conditions::READY))
                .is_some_and(|c| c.status == conditions::status::TRUE);
            apply_status(ctx, repo, &next).await?;
            announce_sync(ctx, repo, &synced, was_ready, &next).await;
            let retention =
                parse_duration(&repo.spec.values_config_map_retention).unwrap_or_default();
            let report =
                configmaps::reconcile_configmaps(ctx, repo, &endpoint, &synced.snapshot, retention)
                    .await;
            if !report.failures.is_empty() {
                tracing::warn!(namespace = %namespace, repository = %repo.name_any(), failures = ?report.failures, "values ConfigMaps");
                publish_event(
                    ctx,
                    repo,
                    EventType::Warning,
                    reason::VALUES_CONFIG_MAP_FAILED,
                    "Sync",
                    &report.failures.join("; "),
                )
                .await;
            }
            Ok(Action::requeue(periodic_delay(
                interval,
                Duration::ZERO,
                random_unit(),
            )))
        }
        Err((why, message)) => {
            record_sync(ctx, kind, "failure", elapsed, &labels("failure"), Some(why));
            let wait = ctx.retries.failed(&key, interval);
            let previous = current
                .as_ref()
                .and_then(|s| conditions::find_condition(&s.conditions, conditions::READY))
                .map(|c| (c.reason.clone(), c.message.clone()));
            let next = status::failed_status(current.as_ref(), generation, why, &message, &now());
            if current.as_ref() != Some(&next) {
                apply_status(ctx, repo, &next).await?;
            }
            tracing::warn!(namespace = %namespace, repository = %repo.name_any(), reason = why, error = %message, retry_in = ?wait, "repository sync failed");
            let shown = crate::controller::condition_message(&message);
            if previous.as_ref() != Some(&(why.to_owned(), shown.clone())) {
                publish_event(ctx, repo, EventType::Warning, why, "Sync", &shown).await;
            }
            Ok(Action::requeue(wait))
        }
    }
}

fn record_sync(
    ctx: &Context,
    kind: &'static str,
    outcome: &'static str,
    seconds: f64,
    labels: &[(&'static str, String); 3],
    failure: Option<&'static str>,
) {
    let m = &ctx.metrics;
    m.observe(
        catalog::REPOSITORY_SYNC_DURATION,
        seconds,
        &[("type", kind), ("status", outcome)],
    );
    let borrowed: Vec<(&'static str, &str)> =
        labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    m.add(catalog::REPOSITORY_SYNC_TOTAL, 1, &borrowed);
    if let Some(why) = failure {
        m.add(
            catalog::REPOSITORY_SYNC_ERRORS,
            1,
            &[
                ("namespace", borrowed[0].1),
                ("repository", borrowed[1].1),
                ("reason", why),
            ],
        );
    }
}

/// Events of a successful sync: `Synced` when the repository becomes Ready or its content
/// changes, and a warning naming versions the index lists but Helm would skip.
async fn announce_sync(
    ctx: &Context,
    repo: &HelmRepository,
    synced: &Synced,
    was_ready: bool,
    next: &HelmRepositoryStatus,
) {
    if was_ready && !synced.changed {
        return;
    }
    let message = conditions::find_condition(&next.conditions, conditions::READY)
        .map(|c| c.message.clone())
        .unwrap_or_default();
    publish_event(
        ctx,
        repo,
        EventType::Normal,
        reason::SYNCED,
        "Sync",
        &message,
    )
    .await;
    if let Contents::Index(index) = &synced.snapshot.contents
        && !index.skipped.is_empty()
    {
        publish_event(
            ctx,
            repo,
            EventType::Warning,
            reason::INVALID_CHART_VERSIONS,
            "Sync",
            &skipped_summary(index),
        )
        .await;
    }
}

/// The versions an index lists that Helm skips, with Helm's reasons (the first ten). Pure.
pub fn skipped_summary(index: &Index) -> String {
    let shown: Vec<String> = index
        .skipped
        .iter()
        .take(10)
        .map(|s| format!("{} {:?}: {}", s.chart, s.version, s.reason))
        .collect();
    let more = index.skipped.len().saturating_sub(shown.len());
    let mut text = format!(
        "{} chart versions skipped as Helm skips them: {}",
        index.skipped.len(),
        shown.join("; ")
    );
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    text
}

async fn stall(
    repo: &HelmRepository,
    ctx: &Context,
    problems: &[SpecProblem],
) -> Result<Action, ReconcileError> {
    let current = repo.status.as_ref();
    let next = desired_status(current, repo.metadata.generation, problems, &now());
    if current != Some(&next) && apply_status(ctx, repo, &next).await? {
        let previous = current.map(|s| s.conditions.as_slice()).unwrap_or_default();
        announce_validation(ctx, repo, previous, problems, SPEC_VALID_MESSAGE).await;
    }
    Ok(Action::await_change())
}

async fn add_finalizer(
    repo: &HelmRepository,
    ctx: &Context,
    namespace: &str,
) -> Result<(), ReconcileError> {
    let mut finalizers = repo.finalizers().to_vec();
    finalizers.push(FINALIZER.to_owned());
    crate::controller::patch_finalizers(ctx, repo, namespace, finalizers).await
}

async fn finalize(
    repo: &HelmRepository,
    ctx: &Context,
    namespace: &str,
    key: &str,
) -> Result<Action, ReconcileError> {
    if !repo.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(Action::await_change());
    }
    let name = repo.name_any();
    match configmaps::delete_all(ctx, namespace, &name).await {
        Ok(_) => {}
        Err(message) => {
            // keep the finalizer: deleting the repository must not orphan what it created
            publish_event(
                ctx,
                repo,
                EventType::Warning,
                reason::VALUES_CONFIG_MAP_FAILED,
                "Delete",
                &message,
            )
            .await;
            let wait = ctx.retries.failed(key, Duration::from_secs(300));
            return Ok(Action::requeue(wait));
        }
    }
    ctx.retries.succeeded(key);
    ctx.metrics.remove_gauge(
        catalog::REPOSITORY_CHARTS,
        &[("namespace", namespace), ("repository", &name)],
    );
    let remaining: Vec<String> = repo
        .finalizers()
        .iter()
        .filter(|f| *f != FINALIZER)
        .cloned()
        .collect();
    crate::controller::patch_finalizers(ctx, repo, namespace, remaining).await?;
    Ok(Action::await_change())
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
