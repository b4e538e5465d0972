//! The actions that change a cluster for a HelmRelease, one per planner step. Install, upgrade,
//! rollback, uninstall and test are operations that run in [`Stage`]s as Helm runs them: the
//! pre-event hooks, the apply (or, for uninstall, the delete), the wait, the post-event hooks.
//! An operation goes as far as it can without waiting and then returns where it stands, so a
//! hook Job or the wait never holds a worker: the caller keeps the stage in the HelmRelease's
//! status and [`advance`]s it again on a later reconcile. Each operation ends by writing the
//! record's final status as Helm does; what the HelmRelease's status says is decided by the
//! caller from the [`Outcome`].

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::hooks::{self, HookState};
use super::plan::OperationKind;
use super::record::{
    Provenance, failure_description, new_revision, rollback_revision, with_status,
};
use crate::cluster::apply::{Applier, ApplyError, ObjectKey, ReleaseRef};
use crate::cluster::readiness::{ObjectRef, Readiness, WaitOptions, readiness, summarize};
use crate::cluster::records::{ReleaseStore, StoreError};
use crate::cluster::storage::{
    DESCRIPTION_INSTALLED, DESCRIPTION_UNINSTALLED, DESCRIPTION_UPGRADED, GoTime, HookPhase,
    Release, Status, revisions_to_prune,
};
use crate::engine::chart::Chart;
use crate::engine::chart::install::{InstallError, InstallOptions, Installed, render_install};
use crate::engine::chart::manifests::HookDeletePolicy;
use crate::engine::chart::objects::Capabilities;
use crate::engine::chart::render::ReleaseInfo;
use crate::engine::chart::values::reuse_previous_values;

/// The annotation that keeps an object when the release drops it or is uninstalled.
pub const RESOURCE_POLICY: &str = "helm.sh/resource-policy";

/// Why an action failed.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// The chart did not render (no cluster change; never rolled back).
    #[error(transparent)]
    Render(#[from] InstallError),
    /// A record could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Applying or deleting objects failed (the cluster may have changed).
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// A worker thread stopped (a panic in the renderer).
    #[error("the renderer stopped: {0}")]
    Stopped(String),
    /// The revision a rollback returns to is not in the history.
    #[error("revision {0} to roll back to is not in the release's history")]
    MissingRevision(i32),
}

impl ActError {
    /// PascalCase reason.
    pub fn reason(&self) -> &'static str {
        match self {
            ActError::Render(_) => crate::api::conditions::reason::RENDER_FAILED,
            ActError::Store(e) => e.reason(),
            ActError::Apply(e) => e.reason(),
            ActError::Stopped(_) => crate::api::conditions::reason::RENDER_FAILED,
            ActError::MissingRevision(_) => crate::api::conditions::reason::ROLLBACK_FAILED,
        }
    }
}

/// Where an operation stands between reconciles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Running the `index`th hook (in execution order) of `event`; `started` once it was
    /// created.
    Hooks {
        /// Helm's name of the event.
        event: &'static str,
        /// The hook's place in the event's order.
        index: usize,
        /// Whether it was created.
        started: bool,
    },
    /// Applying the revision's objects (for uninstall: deleting them).
    Apply,
    /// Waiting for the objects to be ready.
    Wait,
}

impl Stage {
    /// The first stage of an operation: its pre-event hooks.
    pub fn first(kind: OperationKind) -> Stage {
        Stage::Hooks {
            event: events(kind).0,
            index: 0,
            started: false,
        }
    }
}

/// The pre- and post-event hooks of an operation (a test has only its test hooks).
fn events(kind: OperationKind) -> (&'static str, Option<&'static str>) {
    match kind {
        OperationKind::Install => ("pre-install", Some("post-install")),
        OperationKind::Upgrade => ("pre-upgrade", Some("post-upgrade")),
        OperationKind::Rollback => ("pre-rollback", Some("post-rollback")),
        OperationKind::Uninstall => ("pre-delete", Some("post-delete")),
        OperationKind::Test => ("test", None),
    }
}

/// The static name of a hook event, for a stage read back from status.
pub fn event_name(text: &str) -> Option<&'static str> {
    [
        "pre-install",
        "post-install",
        "pre-upgrade",
        "post-upgrade",
        "pre-rollback",
        "post-rollback",
        "pre-delete",
        "post-delete",
        "test",
    ]
    .into_iter()
    .find(|e| *e == text)
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The revision is deployed (install, upgrade, rollback).
    Deployed {
        /// The revision.
        revision: i32,
    },
    /// The operation waits (a hook runs, objects are not ready yet); look again later.
    Waiting {
        /// The revision.
        revision: i32,
        /// Where it stands.
        stage: Stage,
        /// What it waits for.
        message: String,
    },
    /// The operation failed after the cluster was changed (a remediation may apply).
    Failed {
        /// The revision.
        revision: i32,
        /// PascalCase reason.
        reason: &'static str,
        /// Why.
        message: String,
    },
    /// The release is uninstalled.
    Uninstalled,
    /// An interrupted revision was marked failed.
    MarkedFailed {
        /// The revision.
        revision: i32,
    },
    /// The chart's tests passed.
    Tested {
        /// The revision tested.
        revision: i32,
    },
    /// A test failed.
    TestFailed {
        /// The revision tested.
        revision: i32,
        /// Which test and why.
        message: String,
    },
}

/// What an operation needs to go on, besides its stage.
pub struct Operation<'a> {
    /// What it does.
    pub kind: OperationKind,
    /// The release.
    pub release: &'a ReleaseRef,
    /// The records, oldest first (the operation's own revision included).
    pub history: &'a [Release],
    /// The revision it works on.
    pub revision: i32,
    /// Wait for readiness after the apply.
    pub wait: bool,
    /// Readiness options.
    pub wait_options: WaitOptions,
    /// Skip the hooks (tests always run theirs).
    pub disable_hooks: bool,
    /// Delete what a failed upgrade or rollback created.
    pub cleanup_on_fail: bool,
    /// Keep the records after an uninstall.
    pub keep_history: bool,
    /// The current stage's deadline passed.
    pub deadline_passed: bool,
}

/// What an install or upgrade applies.
pub struct Deploy<'a> {
    /// The release.
    pub release: &'a ReleaseRef,
    /// The chart as loaded.
    pub chart: &'a Arc<Chart>,
    /// User values.
    pub values: &'a Map<String, Value>,
    /// `upgrade.reuseValues` (and not `resetValues`): an upgrade merges the values over the
    /// deployed revision's and renders with that revision's chart defaults, as Helm does.
    pub reuse_values: bool,
    /// The cluster's capabilities.
    pub capabilities: &'a Capabilities,
    /// The records so far, oldest first.
    pub history: &'a [Release],
    /// Owner and digest labels.
    pub provenance: Provenance<'a>,
    /// Install CRDs from `crds/` (install only, as Helm does).
    pub install_crds: bool,
    /// Revisions kept (`spec.maxHistory`; 0 keeps all).
    pub max_history: usize,
    /// The client templates' `lookup` reads the cluster with (read-only).
    pub lookup_client: kube::Client,
    /// Bounds the renders running at once.
    pub renders: &'a tokio::sync::Semaphore,
}

/// Renders and records a new revision (an install when no revision is deployed, else an
/// upgrade), as Helm does before its hooks: CRDs first on install, every ownership checked
/// before anything is recorded, history trimmed, the pending record created. Returns the new
/// record; the caller then [`advance`]s the operation from [`Stage::first`].
///
/// # Errors
/// [`ActError::Render`] or an ownership refusal before anything changed (nothing recorded); a
/// store failure.
pub async fn begin_deploy<S: ReleaseStore>(
    store: &S,
    applier: &Applier,
    d: Deploy<'_>,
) -> Result<Begun, ActError> {
    let now = jiff::Timestamp::now();
    let previous = last_deployed(d.history, None);
    let revision = d.history.last().map_or(1, |r| r.version + 1);
    let is_install = previous.is_none();
    let info = ReleaseInfo {
        name: d.release.name.clone(),
        namespace: d.release.namespace.clone(),
        revision: i64::from(revision),
        is_install,
    };
    let (chart, values) = match previous.filter(|_| d.reuse_values) {
        Some(p) => {
            let no_defaults = Map::new();
            let previous_defaults = p
                .chart
                .as_ref()
                .and_then(|c| c.values.as_ref())
                .unwrap_or(&no_defaults);
            let reused = reuse_previous_values(previous_defaults, &p.config, d.values)
                .map_err(|e| ActError::Render(InstallError::from(e)))?;
            let mut chart = (**d.chart).clone();
            chart.values = reused.defaults;
            (Arc::new(chart), Arc::new(reused.values))
        }
        None => (Arc::clone(d.chart), Arc::new(d.values.clone())),
    };
    let rendered_values = Arc::clone(&values);
    let capabilities = d.capabilities.clone();
    let runtime = tokio::runtime::Handle::current();
    let client = d.lookup_client.clone();
    // a render holds a blocking thread (and its allocator heap): only so many at once
    let permit = d
        .renders
        .acquire()
        .await
        .map_err(|e| ActError::Stopped(e.to_string()))?;
    let rendering = std::time::Instant::now();
    // rendering is CPU-bound (and a lookup blocks its thread): off the async workers
    let installed = tokio::task::spawn_blocking(move || {
        let lookup = crate::cluster::lookup::ClusterLookup::new(client, runtime);
        let mut options = InstallOptions::offline(&info, &capabilities);
        options.lookup = Some(&lookup);
        render_install(&chart, &rendered_values, options)
    })
    .await
    .map_err(|e| ActError::Stopped(e.to_string()))??;
    drop(permit);
    let render_seconds = rendering.elapsed().as_secs_f64();
    if is_install && d.install_crds {
        install_crds(applier, &installed, d.release).await?;
    }
    // every ownership is checked before anything is recorded or applied, as Helm does
    let manifest = installed.rendered.release_manifest(false);
    let resources = applier.prepare_manifest(&manifest, d.release).await?;
    let old_keys = match previous {
        Some(p) => keys_of(applier, &p.manifest, &d.release.namespace).await,
        None => Vec::new(),
    };
    for resource in &resources {
        if !old_keys.iter().any(|k| k.same_object(&resource.key)) {
            applier.check_ownership(resource, d.release).await?;
        }
    }
    let first_deployed = d.history.first().map(|r| r.info.first_deployed);
    let record = new_revision(
        &d.release.name,
        &d.release.namespace,
        revision,
        &installed,
        &values,
        &d.provenance,
        now,
        first_deployed,
    );
    if !is_install {
        // Helm trims the history before it records a new revision
        for old in revisions_to_prune(d.history, d.max_history) {
            store
                .delete(&d.release.namespace, &d.release.name, old)
                .await?;
        }
    }
    store.create(&record).await?;
    Ok(Begun {
        record,
        render_seconds,
    })
}

/// A recorded new revision, and how long its render took.
pub struct Begun {
    /// The pending record.
    pub record: Release,
    /// Seconds the render took (lookups included).
    pub render_seconds: f64,
}

async fn install_crds(
    applier: &Applier,
    installed: &Installed,
    release: &ReleaseRef,
) -> Result<(), ApplyError> {
    let mut created = false;
    for crd in &installed.rendered.crds {
        let text = String::from_utf8_lossy(&crd.data);
        for resource in applier.prepare_manifest(&text, release).await? {
            // Helm creates CRDs that are missing and leaves existing ones alone
            if applier.get(&resource.key).await?.is_none() {
                applier.apply_resource(&resource).await?;
                created = true;
            }
        }
    }
    if created {
        // the new kinds are served now: what was discovered before does not know them
        applier.forget_discovery();
    }
    Ok(())
}

/// Records a rollback to revision `to` as Helm does (a new revision copying the target's chart,
/// values, manifest and hooks, `pending-rollback`, "Rollback to N"). Returns the new record.
///
/// # Errors
/// The target is missing; a store failure.
pub async fn begin_rollback<S: ReleaseStore>(
    store: &S,
    history: &[Release],
    to: i32,
    max_history: usize,
) -> Result<Release, ActError> {
    let Some(target) = history.iter().find(|r| r.version == to) else {
        return Err(ActError::MissingRevision(to));
    };
    let revision = history.last().map_or(1, |r| r.version + 1);
    let record = rollback_revision(target, revision, jiff::Timestamp::now());
    for old in revisions_to_prune(history, max_history) {
        if old != to {
            store.delete(&record.namespace, &record.name, old).await?;
        }
    }
    store.create(&record).await?;
    Ok(record)
}

/// Marks the newest revision `uninstalling` as Helm does before its pre-delete hooks.
///
/// # Errors
/// A store failure.
pub async fn begin_uninstall<S: ReleaseStore>(
    store: &S,
    history: &[Release],
) -> Result<Option<i32>, ActError> {
    let Some(newest) = history.last() else {
        return Ok(None);
    };
    if newest.info.status != Status::Uninstalling {
        let marked = with_status(
            newest,
            Status::Uninstalling,
            "Deletion in progress (or silently failed)",
            newest.info.last_deployed.timestamp(),
        );
        store.update(&marked).await?;
    }
    Ok(Some(newest.version))
}

/// Carries an operation on from `stage` as far as it goes without waiting.
///
/// # Errors
/// A store failure (the operation stays where it was and is tried again).
pub async fn advance<S: ReleaseStore>(
    store: &S,
    applier: &Applier,
    op: &Operation<'_>,
    stage: Stage,
) -> Result<Outcome, ActError> {
    let Some(found) = op.history.iter().find(|r| r.version == op.revision) else {
        return Ok(Outcome::Failed {
            revision: op.revision,
            reason: failed_reason(op.kind),
            message: format!("revision {} disappeared during the operation", op.revision),
        });
    };
    let mut record = found.clone();
    let mut stage = stage;
    let mut deadline_passed = op.deadline_passed;
    let (pre, post) = events(op.kind);
    loop {
        match stage {
            Stage::Hooks {
                event,
                index,
                started,
            } => {
                let order = if op.disable_hooks && op.kind != OperationKind::Test {
                    Vec::new()
                } else {
                    hooks::ordered(&record, event)
                };
                let Some(&at) = order.get(index) else {
                    // every hook of the event succeeded: their hook-succeeded deletes, last first
                    for &i in order.iter().rev() {
                        hooks::delete_by_policy(
                            applier,
                            &record.hooks[i],
                            op.release,
                            &HookDeletePolicy::HookSucceeded,
                        )
                        .await?;
                    }
                    deadline_passed = false;
                    stage = if event == pre && op.kind != OperationKind::Test {
                        Stage::Apply
                    } else {
                        return finish(store, op, &record).await;
                    };
                    continue;
                };
                if !started {
                    match hooks::start(applier, &record.hooks[at], op.release, event).await {
                        Ok(false) => {
                            return Ok(Outcome::Waiting {
                                revision: op.revision,
                                stage: Stage::Hooks {
                                    event,
                                    index,
                                    started: false,
                                },
                                message: format!(
                                    "{event} hook {}: waiting for its previous copy to be deleted",
                                    record.hooks[at].name
                                ),
                            });
                        }
                        Ok(true) => {
                            record.hooks[at].last_run = crate::cluster::storage::HookExecution {
                                started_at: GoTime::utc(jiff::Timestamp::now()),
                                phase: HookPhase::Running,
                                ..Default::default()
                            };
                            store.update(&record).await?;
                        }
                        Err(message) => {
                            set_hook_result(&mut record, at, HookPhase::Failed);
                            return fail(store, applier, op, &record, message, false).await;
                        }
                    }
                }
                let state = hooks::state(applier, &record.hooks[at], op.release).await?;
                match state {
                    HookState::Running(message) if deadline_passed => {
                        set_hook_result(&mut record, at, HookPhase::Failed);
                        cleanup_hooks(applier, op, &record, &order, index).await;
                        let message = hook_failure(
                            op.kind,
                            event,
                            &format!("{message}: context deadline exceeded"),
                        );
                        return fail(store, applier, op, &record, message, true).await;
                    }
                    HookState::Running(message) => {
                        return Ok(Outcome::Waiting {
                            revision: op.revision,
                            stage: Stage::Hooks {
                                event,
                                index,
                                started: true,
                            },
                            message: format!("{event} hook {}: {message}", record.hooks[at].name),
                        });
                    }
                    HookState::Succeeded => {
                        set_hook_result(&mut record, at, HookPhase::Succeeded);
                        store.update(&record).await?;
                        deadline_passed = false;
                        stage = Stage::Hooks {
                            event,
                            index: index + 1,
                            started: false,
                        };
                    }
                    HookState::Failed(message) => {
                        set_hook_result(&mut record, at, HookPhase::Failed);
                        cleanup_hooks(applier, op, &record, &order, index).await;
                        let message = hook_failure(op.kind, event, &message);
                        return fail(store, applier, op, &record, message, false).await;
                    }
                }
            }
            Stage::Apply => {
                let applied = if op.kind == OperationKind::Uninstall {
                    delete_objects(applier, &record).await
                } else {
                    let before = previous_for_apply(op);
                    apply_revision(applier, op.release, &record, before).await
                };
                if let Err(e) = applied {
                    return fail(store, applier, op, &record, e.to_string(), false).await;
                }
                deadline_passed = false;
                stage = if op.wait && op.kind != OperationKind::Uninstall {
                    Stage::Wait
                } else {
                    post_hooks(post)
                };
            }
            Stage::Wait => {
                let summary = wait_summary(applier, &record, &op.wait_options).await;
                if summary.is_ready() {
                    deadline_passed = false;
                    stage = post_hooks(post);
                    continue;
                }
                if !summary.failed.is_empty() || deadline_passed {
                    let message = wait_failure(&summary);
                    return fail(store, applier, op, &record, message, deadline_passed).await;
                }
                return Ok(Outcome::Waiting {
                    revision: op.revision,
                    stage: Stage::Wait,
                    message: summary.message(),
                });
            }
        }
    }
}

fn post_hooks(post: Option<&'static str>) -> Stage {
    Stage::Hooks {
        event: post.unwrap_or("test"),
        index: 0,
        started: false,
    }
}

fn set_hook_result(record: &mut Release, at: usize, phase: HookPhase) {
    let run = &mut record.hooks[at].last_run;
    if run.started_at.is_zero() {
        run.started_at = GoTime::utc(jiff::Timestamp::now());
    }
    run.completed_at = GoTime::utc(jiff::Timestamp::now());
    run.phase = phase;
}

/// After hook `failed_at` failed: its own hook-failed delete, and the hook-succeeded deletes of
/// the hooks that ran before it (Helm v4's order). Best effort, as Helm only logs these.
async fn cleanup_hooks(
    applier: &Applier,
    op: &Operation<'_>,
    record: &Release,
    order: &[usize],
    failed_at: usize,
) {
    let failed = &record.hooks[order[failed_at]];
    if let Err(e) =
        hooks::delete_by_policy(applier, failed, op.release, &HookDeletePolicy::HookFailed).await
    {
        tracing::warn!(hook = %failed.name, error = %e, "deleting a failed hook");
    }
    for &i in &order[..failed_at] {
        let hook = &record.hooks[i];
        if let Err(e) =
            hooks::delete_by_policy(applier, hook, op.release, &HookDeletePolicy::HookSucceeded)
                .await
        {
            tracing::warn!(hook = %hook.name, error = %e, "deleting a succeeded hook");
        }
    }
}

/// Helm's wording of a failed hook event.
fn hook_failure(kind: OperationKind, event: &str, message: &str) -> String {
    match kind {
        OperationKind::Install => format!("failed {event}: {message}"),
        OperationKind::Test => message.to_owned(),
        _ => format!("{event} hooks failed: {message}"),
    }
}

fn failed_reason(kind: OperationKind) -> &'static str {
    use crate::api::conditions::reason;
    match kind {
        OperationKind::Install => reason::INSTALL_FAILED,
        OperationKind::Upgrade => reason::UPGRADE_FAILED,
        OperationKind::Rollback => reason::ROLLBACK_FAILED,
        OperationKind::Uninstall => reason::UNINSTALL_FAILED,
        OperationKind::Test => reason::TEST_FAILED,
    }
}

/// The newest deployed revision other than `except`.
fn last_deployed(history: &[Release], except: Option<i32>) -> Option<&Release> {
    history
        .iter()
        .rev()
        .find(|r| Some(r.version) != except && r.info.status == Status::Deployed)
}

/// The revision whose objects the operation's apply replaces: for an upgrade the deployed one,
/// for a rollback the one it rolls back from (Helm updates from the newest revision).
fn previous_for_apply<'h>(op: &Operation<'h>) -> Option<&'h Release> {
    match op.kind {
        OperationKind::Rollback => op.history.iter().rev().find(|r| r.version < op.revision),
        _ => last_deployed(op.history, Some(op.revision)),
    }
}

async fn apply_revision(
    applier: &Applier,
    release: &ReleaseRef,
    record: &Release,
    previous: Option<&Release>,
) -> Result<(), ApplyError> {
    // ownership was checked before the revision was recorded (`begin_deploy`), as Helm checks
    // it once; a rollback returns to objects the release had, and Helm does not check them
    let resources = applier.prepare_manifest(&record.manifest, release).await?;
    let old_keys: Vec<ObjectKey> = match previous {
        Some(p) => keys_of(applier, &p.manifest, &release.namespace).await,
        None => Vec::new(),
    };
    for resource in &resources {
        applier.apply_resource(resource).await?;
    }
    // objects the new revision no longer has are deleted, unless they ask to be kept
    if let Some(p) = previous {
        let kept = kept_objects(applier, &p.manifest, &release.namespace).await;
        for key in old_keys {
            let still = resources.iter().any(|r| r.key.same_object(&key));
            if !still && !kept.contains(&key) {
                applier.delete(&key).await?;
            }
        }
    }
    Ok(())
}

/// Deletes a revision's objects in reverse install order, keeping those annotated
/// `helm.sh/resource-policy: keep` (read trimmed and case-insensitively, as Helm's uninstall
/// reads it; its upgrade does not).
async fn delete_objects(applier: &Applier, record: &Release) -> Result<(), ApplyError> {
    let objects = crate::cluster::apply::parse_manifest(&record.manifest).unwrap_or_default();
    let mut keys = Vec::new();
    for obj in &objects {
        let policy = obj["metadata"]["annotations"][RESOURCE_POLICY]
            .as_str()
            .map(|p| p.trim().to_ascii_lowercase());
        if policy.as_deref() == Some("keep") {
            continue;
        }
        if let Ok(key) = applier.key_of(obj, &record.namespace).await {
            keys.push(key);
        }
    }
    for key in keys.iter().rev() {
        applier.delete(key).await?;
    }
    Ok(())
}

/// The keys of a recorded manifest's objects (objects whose kind is no longer served are left
/// out: they exist nowhere).
async fn keys_of(applier: &Applier, manifest: &str, namespace: &str) -> Vec<ObjectKey> {
    let Ok(objects) = crate::cluster::apply::parse_manifest(manifest) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for obj in &objects {
        if let Ok(key) = applier.key_of(obj, namespace).await {
            keys.push(key);
        }
    }
    keys
}

async fn kept_objects(applier: &Applier, manifest: &str, namespace: &str) -> BTreeSet<ObjectKey> {
    let Ok(objects) = crate::cluster::apply::parse_manifest(manifest) else {
        return BTreeSet::new();
    };
    let mut kept = BTreeSet::new();
    for obj in &objects {
        if obj["metadata"]["annotations"][RESOURCE_POLICY] == "keep"
            && let Ok(key) = applier.key_of(obj, namespace).await
        {
            kept.insert(key);
        }
    }
    kept
}

async fn wait_summary(
    applier: &Applier,
    record: &Release,
    options: &WaitOptions,
) -> crate::cluster::readiness::Summary {
    let mut results = Vec::new();
    let objects = crate::cluster::apply::parse_manifest(&record.manifest).unwrap_or_default();
    for obj in &objects {
        let Ok(key) = applier.key_of(obj, &record.namespace).await else {
            continue;
        };
        let reference = ObjectRef {
            group: key.group.clone(),
            kind: key.kind.clone(),
            namespace: key.namespace.clone().unwrap_or_default(),
            name: key.name.clone(),
        };
        let state = match applier.get(&key).await {
            Ok(Some(live)) => readiness(&live, options),
            Ok(None) => Readiness::InProgress("not found".to_owned()),
            Err(e) => Readiness::InProgress(e.to_string()),
        };
        results.push((reference, state));
    }
    summarize(results)
}

/// Helm v4's words for a failed wait: each failed object (or, at the deadline, each one still
/// in progress) as `resource Kind/namespace/name not ready. status: S, message: M`, one per
/// line, and `context deadline exceeded` when the time ran out.
fn wait_failure(summary: &crate::cluster::readiness::Summary) -> String {
    let line = |(r, m): &(ObjectRef, String), status: &str| {
        let at = if r.namespace.is_empty() {
            format!("{}/{}", r.kind, r.name)
        } else {
            format!("{}/{}/{}", r.kind, r.namespace, r.name)
        };
        format!("resource {at} not ready. status: {status}, message: {m}")
    };
    if summary.failed.is_empty() {
        let mut lines: Vec<String> = summary
            .in_progress
            .iter()
            .map(|o| line(o, "InProgress"))
            .collect();
        lines.push("context deadline exceeded".to_owned());
        lines.join("\n")
    } else {
        summary
            .failed
            .iter()
            .map(|o| line(o, "Failed"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The operation is done: the record's final status, as Helm writes it.
async fn finish<S: ReleaseStore>(
    store: &S,
    op: &Operation<'_>,
    record: &Release,
) -> Result<Outcome, ActError> {
    let now = jiff::Timestamp::now();
    match op.kind {
        OperationKind::Test => {
            store.update(record).await?;
            Ok(Outcome::Tested {
                revision: record.version,
            })
        }
        OperationKind::Uninstall => {
            if op.keep_history {
                let mut done =
                    with_status(record, Status::Uninstalled, DESCRIPTION_UNINSTALLED, now);
                done.info.deleted = done.info.last_deployed;
                store.update(&done).await?;
            } else {
                for r in op.history {
                    store.delete(&r.namespace, &r.name, r.version).await?;
                }
            }
            Ok(Outcome::Uninstalled)
        }
        OperationKind::Install | OperationKind::Upgrade | OperationKind::Rollback => {
            // every other deployed revision is superseded (a rollback may follow a failed
            // upgrade, leaving an older revision deployed)
            for other in op
                .history
                .iter()
                .filter(|r| r.version != record.version && r.info.status == Status::Deployed)
            {
                store
                    .update(&with_status(
                        other,
                        Status::Superseded,
                        &other.info.description,
                        other.info.last_deployed.timestamp(),
                    ))
                    .await?;
            }
            let description = match op.kind {
                OperationKind::Rollback => record.info.description.clone(),
                _ if last_deployed(op.history, Some(record.version)).is_none()
                    && op.kind == OperationKind::Install =>
                {
                    DESCRIPTION_INSTALLED.to_owned()
                }
                _ => DESCRIPTION_UPGRADED.to_owned(),
            };
            store
                .update(&with_status(record, Status::Deployed, &description, now))
                .await?;
            Ok(Outcome::Deployed {
                revision: record.version,
            })
        }
    }
}

/// The operation failed: the record's failed status as Helm words it, and what a failed
/// upgrade or rollback created removed when `cleanupOnFail` asks for it.
async fn fail<S: ReleaseStore>(
    store: &S,
    applier: &Applier,
    op: &Operation<'_>,
    record: &Release,
    message: String,
    timed_out: bool,
) -> Result<Outcome, ActError> {
    let reason = if timed_out {
        crate::api::conditions::reason::TIMEOUT
    } else {
        failed_reason(op.kind)
    };
    match op.kind {
        OperationKind::Test => {
            store.update(record).await?;
            return Ok(Outcome::TestFailed {
                revision: record.version,
                message,
            });
        }
        OperationKind::Uninstall => {
            // Helm leaves the record `uninstalling`; the uninstall is tried again
            store.update(record).await?;
            return Ok(Outcome::Failed {
                revision: record.version,
                reason,
                message,
            });
        }
        _ => {}
    }
    let failed = with_status(
        record,
        Status::Failed,
        &failure_description(op.kind, &record.name, &message),
        jiff::Timestamp::now(),
    );
    store.update(&failed).await?;
    if op.cleanup_on_fail
        && matches!(op.kind, OperationKind::Upgrade | OperationKind::Rollback)
        && let Err(e) = delete_created(applier, op, record).await
    {
        tracing::warn!(release = %record.name, error = %e, "cleanupOnFail");
    }
    Ok(Outcome::Failed {
        revision: record.version,
        reason,
        message,
    })
}

/// Deletes the objects of `record` that the revision it replaced did not have: what the failed
/// operation created (Helm's `cleanupOnFail`).
async fn delete_created(
    applier: &Applier,
    op: &Operation<'_>,
    record: &Release,
) -> Result<(), ApplyError> {
    let before = match previous_for_apply(op) {
        Some(p) => keys_of(applier, &p.manifest, &record.namespace).await,
        None => Vec::new(),
    };
    let now = keys_of(applier, &record.manifest, &record.namespace).await;
    for key in now.iter().rev() {
        if !before.iter().any(|k| k.same_object(key)) {
            applier.delete(key).await?;
        }
    }
    Ok(())
}

/// Marks an interrupted pending revision failed, as `helm` does when it finds one.
///
/// # Errors
/// A store failure.
pub async fn mark_failed<S: ReleaseStore>(
    store: &S,
    history: &[Release],
    revision: i32,
) -> Result<Outcome, ActError> {
    if let Some(record) = history.iter().find(|r| r.version == revision) {
        // worded as the interrupted operation's own failure would have been
        let kind = match record.info.status {
            Status::PendingUpgrade => OperationKind::Upgrade,
            Status::PendingRollback => OperationKind::Rollback,
            _ => OperationKind::Install,
        };
        let failed = with_status(
            record,
            Status::Failed,
            &failure_description(kind, &record.name, "the operation was interrupted"),
            jiff::Timestamp::now(),
        );
        store.update(&failed).await?;
    }
    Ok(Outcome::MarkedFailed { revision })
}
