//! The controllers: one kube-runtime `Controller` per kind (per watched namespace when the
//! operator is limited to some namespaces), each gated by shard ownership, and the pieces they
//! share: the context, status writes, events, and reconcile metrics.
//!
//! The HelmRepository controller syncs repositories; the HelmRelease controller validates its
//! spec and reports the result (installing arrives with the release engine).

pub mod backoff;
pub mod release;
pub mod repository;
pub mod wakes;

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{FutureExt, Stream, StreamExt};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{Action, Config as ControllerConfig};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{Controller, WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::api::FIELD_MANAGER;
use crate::server::Readiness;
use crate::shard::ShardOwnership;
use crate::source::sync::Sources;
use crate::telemetry::{Metrics, catalog};

/// What every reconcile can use.
pub struct Context {
    /// The Kubernetes client.
    pub client: Client,
    /// Publishes events on the reconciled objects.
    pub recorder: Recorder,
    /// This replica's identity.
    pub replica: String,
    /// Which namespaces this replica may act on.
    pub shards: Arc<dyn ShardOwnership>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Repository listings, chart archives and the clients that fetch them.
    pub sources: Arc<Sources>,
    /// Consecutive failures per object, for backoff.
    pub retries: backoff::Retries,
    /// Settings the reconcilers apply.
    pub options: ControllerOptions,
    /// Applies release objects (with a discovery cache).
    pub applier: crate::cluster::apply::Applier,
    /// Who wakes whom (dependencies, repositories).
    pub wakes: wakes::Wakes,
    /// The cluster's capabilities as renders see them, read at most every 10 s (and again
    /// once a CRD was created).
    pub capabilities: tokio::sync::Mutex<Option<CachedCapabilities>>,
    /// Bounds the renders running at once to `options.render_workers`.
    pub renders: tokio::sync::Semaphore,
    /// When each release's drift was last looked for (`namespace/name` → generation, revision,
    /// time): once per interval is enough, not at every watch event.
    pub drift_checks: std::sync::Mutex<std::collections::HashMap<String, (i64, i32, Instant)>>,
}

/// Capabilities read from discovery, with when and under which discovery generation.
#[derive(Debug, Clone)]
pub struct CachedCapabilities {
    /// What was read.
    pub capabilities: crate::engine::chart::objects::Capabilities,
    /// When.
    pub read: Instant,
    /// [`crate::cluster::apply::Applier::discovery_generation`] then.
    pub generation: u64,
}

/// The operator settings the reconcilers apply.
#[derive(Debug, Clone)]
pub struct ControllerOptions {
    /// How much of a repository's listing its status shows.
    pub status_bounds: repository::status::StatusBounds,
    /// Whether Secrets may be read from other namespaces.
    pub allow_cross_namespace_secrets: bool,
    /// Limits for reading chart archives.
    pub chart_limits: crate::engine::chart::load::LoadLimits,
    /// Renders run at once (each on a blocking thread with its own allocator heap).
    pub render_workers: usize,
}

impl Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("shards", &self.shards)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Builds a context; events are reported as `helm-operator` from this replica.
    pub fn new(
        client: Client,
        replica_id: &str,
        shards: Arc<dyn ShardOwnership>,
        metrics: Arc<Metrics>,
        sources: Arc<Sources>,
        options: ControllerOptions,
    ) -> Self {
        let reporter = Reporter {
            controller: FIELD_MANAGER.into(),
            instance: Some(replica_id.to_owned()),
        };
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            applier: crate::cluster::apply::Applier::new(client.clone()),
            client,
            replica: replica_id.to_owned(),
            shards,
            metrics,
            sources,
            retries: backoff::Retries::default(),
            wakes: wakes::Wakes::default(),
            capabilities: tokio::sync::Mutex::new(None),
            drift_checks: std::sync::Mutex::default(),
            renders: tokio::sync::Semaphore::new(options.render_workers.max(1)),
            options,
        }
    }
}

/// A reconcile that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// Writing the status failed.
    #[error("patching status of {kind} {namespace}/{name}: {source}")]
    PatchStatus {
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The API error.
        source: kube::Error,
    },
    /// Writing metadata (finalizers) failed.
    #[error("patching metadata of {kind} {namespace}/{name}: {source}")]
    PatchMetadata {
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The API error.
        source: kube::Error,
    },
    /// An API call did not answer in time.
    #[error("{call} for {namespace}/{name} timed out after {seconds}s")]
    Timeout {
        /// What was called.
        call: &'static str,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The limit.
        seconds: u64,
    },
    /// The object has no namespace, which a namespaced kind must have.
    #[error("{0} has no namespace")]
    MissingNamespace(String),
}

impl ReconcileError {
    /// PascalCase reason, used as metric label.
    pub fn reason(&self) -> &'static str {
        match self {
            ReconcileError::PatchStatus { .. } => "PatchStatusFailed",
            ReconcileError::PatchMetadata { .. } => "PatchMetadataFailed",
            ReconcileError::Timeout { .. } => "Timeout",
            ReconcileError::MissingNamespace(_) => "MissingNamespace",
        }
    }
}

/// The longest any single API call of a reconcile may take (watches are not calls).
pub const API_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The current time as a Kubernetes `Time`.
pub fn now() -> Time {
    Time(jiff::Timestamp::now())
}

/// A problem found in a spec: the condition reason and a message that names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    /// PascalCase reason from [`crate::api::conditions::reason`].
    pub reason: &'static str,
    /// What is wrong, naming the field; never contains secret values.
    pub message: String,
}

impl SpecProblem {
    /// Builds a problem.
    pub fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
        }
    }
}

/// Joins problems into one condition: the first one's reason, every message.
pub fn summarize(problems: &[SpecProblem]) -> Option<(&'static str, String)> {
    let first = problems.first()?;
    Some((
        first.reason,
        problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    ))
}

/// Sets the conditions that report a validation result, keeping transition times: `Ready=False`
/// and `Stalled=True` with the first problem's reason and every message, or `Ready=Unknown` with
/// reason `SpecValid` and `valid_message` and no `Stalled`. `Reconciling` is removed. Pure.
pub fn set_validation_conditions(
    conds: &mut Vec<Condition>,
    generation: Option<i64>,
    problems: &[SpecProblem],
    valid_message: &str,
    at: &Time,
) {
    use crate::api::conditions::{self, ConditionUpdate, reason, status};
    match summarize(problems) {
        Some((why, message)) => {
            let ready = ConditionUpdate {
                type_: conditions::READY,
                status: status::FALSE,
                reason: why,
                message: message.clone(),
            };
            conditions::set_condition(conds, ready, generation, at);
            let stalled = ConditionUpdate {
                type_: conditions::STALLED,
                status: status::TRUE,
                reason: why,
                message,
            };
            conditions::set_condition(conds, stalled, generation, at);
        }
        None => {
            let ready = ConditionUpdate {
                type_: conditions::READY,
                status: status::UNKNOWN,
                reason: reason::SPEC_VALID,
                message: valid_message.to_owned(),
            };
            conditions::set_condition(conds, ready, generation, at);
            conditions::remove_condition(conds, conditions::STALLED);
        }
    }
    conditions::remove_condition(conds, conditions::RECONCILING);
}

/// Publishes the event of a validation transition: a Warning with the reason when the problems
/// change, a Normal `SpecValid` when an object becomes valid (or is seen for the first time).
pub async fn announce_validation<K>(
    ctx: &Context,
    obj: &K,
    previous: &[Condition],
    problems: &[SpecProblem],
    valid_message: &str,
) where
    K: Resource<DynamicType = ()>,
{
    use crate::api::conditions::{self, reason};
    let previous_stalled =
        conditions::find_condition(previous, conditions::STALLED).map(|c| c.message.as_str());
    match summarize(problems) {
        Some((why, message)) if previous_stalled != Some(message.as_str()) => {
            tracing::warn!(kind = %K::kind(&()), namespace = ?obj.namespace(), name = %obj.name_any(), reason = why, %message, "invalid spec");
            publish_event(ctx, obj, EventType::Warning, why, "Validate", &message).await;
        }
        None if previous_stalled.is_some() || previous.is_empty() => {
            publish_event(
                ctx,
                obj,
                EventType::Normal,
                reason::SPEC_VALID,
                "Validate",
                valid_message,
            )
            .await;
        }
        _ => {}
    }
}

/// A failure's message as a condition shows it, on one line of at most 1,024 bytes: its first
/// line (a YAML error goes on with a quote of the document, which belongs in the log), except
/// that Helm v4's template errors (a location line, then what failed) keep both, and Helm's
/// wait failures (one line per object) keep every object.
pub fn condition_message(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let is_location = !first.contains(' ')
        && first
            .rsplit(':')
            .next()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if is_location && let Some(what) = lines.next() {
        return truncate_note(&format!("{first}: {what}"));
    }
    if first.starts_with("resource ") {
        let rest: Vec<&str> = lines
            .filter(|l| l.starts_with("resource ") || *l == "context deadline exceeded")
            .collect();
        if !rest.is_empty() {
            return truncate_note(&format!("{first}; {}", rest.join("; ")));
        }
    }
    truncate_note(first)
}

/// Truncates an event note to Kubernetes' 1 kB limit on a char boundary.
pub fn truncate_note(note: &str) -> String {
    const MAX: usize = 1024;
    if note.len() <= MAX {
        return note.to_owned();
    }
    let mut end = MAX - 3;
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &note[..end])
}

/// Writes `status` with server-side apply under the operator's field manager, after checking
/// shard ownership once more.
///
/// # Errors
/// [`ReconcileError::PatchStatus`] when the API refuses the patch.
pub async fn apply_status<K>(
    ctx: &Context,
    obj: &K,
    status: &impl Serialize,
) -> Result<bool, ReconcileError>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Debug,
{
    let namespace = obj
        .namespace()
        .ok_or_else(|| ReconcileError::MissingNamespace(obj.name_any()))?;
    if !ctx.shards.owns(&namespace) {
        return Ok(false);
    }
    let api: Api<K> = Api::namespaced(ctx.client.clone(), &namespace);
    let patch = serde_json::json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "status": status,
    });
    let (name, params, patch) = (
        obj.name_any(),
        PatchParams::apply(FIELD_MANAGER).force(),
        Patch::Apply(&patch),
    );
    let write = api.patch_status(&name, &params, &patch);
    match tokio::time::timeout(API_CALL_TIMEOUT, write).await {
        Ok(Ok(_)) => {}
        Ok(Err(source)) => {
            return Err(ReconcileError::PatchStatus {
                kind: K::kind(&()).to_string(),
                namespace,
                name: obj.name_any(),
                source,
            });
        }
        Err(_) => {
            return Err(ReconcileError::Timeout {
                call: "status patch",
                namespace,
                name: obj.name_any(),
                seconds: API_CALL_TIMEOUT.as_secs(),
            });
        }
    }
    Ok(true)
}

/// Replaces the finalizer list of `obj`, guarded by the resourceVersion read (a concurrent
/// change makes the API refuse, and the next reconcile sees the new list); skipped when this
/// replica no longer owns the namespace.
///
/// # Errors
/// [`ReconcileError::PatchMetadata`] or a timeout.
pub async fn patch_finalizers<K>(
    ctx: &Context,
    obj: &K,
    namespace: &str,
    finalizers: Vec<String>,
) -> Result<(), ReconcileError>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Debug,
{
    if !ctx.shards.owns(namespace) {
        return Ok(());
    }
    let api: Api<K> = Api::namespaced(ctx.client.clone(), namespace);
    let patch = serde_json::json!({
        "metadata": {
            "finalizers": finalizers,
            "resourceVersion": obj.resource_version(),
        }
    });
    let (name, params, patch) = (obj.name_any(), PatchParams::default(), Patch::Merge(&patch));
    match tokio::time::timeout(API_CALL_TIMEOUT, api.patch(&name, &params, &patch)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(source)) => Err(ReconcileError::PatchMetadata {
            kind: K::kind(&()).to_string(),
            namespace: namespace.to_owned(),
            name,
            source,
        }),
        Err(_) => Err(ReconcileError::Timeout {
            call: "finalizer patch",
            namespace: namespace.to_owned(),
            name,
            seconds: API_CALL_TIMEOUT.as_secs(),
        }),
    }
}

/// Publishes an event on `obj`; failures are logged, never fatal.
pub async fn publish_event<K>(
    ctx: &Context,
    obj: &K,
    type_: EventType,
    reason: &str,
    action: &str,
    note: &str,
) where
    K: Resource<DynamicType = ()>,
{
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(truncate_note(note)),
        action: action.to_owned(),
        secondary: None,
    };
    let reference = obj.object_ref(&());
    let publish = ctx.recorder.publish(&event, &reference);
    match tokio::time::timeout(API_CALL_TIMEOUT, publish).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, object = %obj.name_any(), reason, "publishing event failed");
        }
        Err(_) => tracing::warn!(object = %obj.name_any(), reason, "publishing event timed out"),
    }
}

/// Records the duration and result of one reconcile.
pub fn record_reconcile(
    metrics: &Metrics,
    controller: &'static str,
    started: Instant,
    result: &Result<Action, ReconcileError>,
) {
    let outcome = if result.is_ok() { "success" } else { "error" };
    metrics.observe(
        catalog::RECONCILE_DURATION,
        started.elapsed().as_secs_f64(),
        &[("controller", controller), ("result", outcome)],
    );
    metrics.add(
        catalog::RECONCILE_TOTAL,
        1,
        &[("controller", controller), ("result", outcome)],
    );
    if let Err(e) = result {
        metrics.add(
            catalog::RECONCILE_ERRORS,
            1,
            &[("controller", controller), ("reason", e.reason())],
        );
    }
}

/// How long the watch waits after an assignment change before listing again, so the changes of
/// one handover (namespaces given up, then taken up) cost one list.
const RELIST_AFTER: Duration = Duration::from_millis(300);

/// The watch of one kind, with only the objects of namespaces this replica owns passed on (the
/// cache keeps nothing else), listed anew after every change of the assignment. Every
/// event is first shown to `observe`, owned or not (the wake index spans namespaces). An update
/// of an object this replica no longer owns is passed on as its deletion, so it leaves the
/// cache.
fn owned_objects<K>(
    api: Api<K>,
    ctx: Arc<Context>,
    observe: fn(&Context, &K, bool),
) -> impl Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Send + 'static
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let watch = move || {
        kube::runtime::watcher(api.clone(), watcher::Config::default().any_semantic())
            .default_backoff()
            // managed fields are never read here, and are most of a small object's size
            .modify(|obj| obj.meta_mut().managed_fields = None)
            .boxed()
    };
    let mut changes = ctx.shards.changes();
    changes.mark_unchanged();
    let state = Relisting {
        stream: watch(),
        changes,
        closed: false,
        due: None,
        watch,
    };
    let events = futures::stream::unfold(state, |mut state| async move {
        loop {
            let relist_due = async {
                match state.due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => futures::future::pending().await,
                }
            };
            tokio::select! {
                changed = state.changes.changed(), if !state.closed => match changed {
                    Ok(()) => {
                        state.due.get_or_insert_with(|| tokio::time::Instant::now() + RELIST_AFTER);
                    }
                    Err(_) => state.closed = true,
                },
                () = relist_due => {
                    state.due = None;
                    // even when the assignment is back where it was, objects may have been
                    // dropped, or their requeues refused, while it was elsewhere
                    if state.changes.borrow_and_update().scope != crate::shard::Scope::Nothing {
                        state.stream = (state.watch)();
                    }
                }
                event = state.stream.next() => return event.map(|e| (e, state)),
            }
        }
    });
    events.filter_map(move |event| {
        let passed = match event {
            Ok(watcher::Event::Apply(obj)) => {
                observe(&ctx, &obj, false);
                Some(Ok(if owned(&ctx, &obj) {
                    watcher::Event::Apply(obj)
                } else {
                    watcher::Event::Delete(obj)
                }))
            }
            // the cache is rebuilt from what the list passes on
            Ok(watcher::Event::InitApply(obj)) => {
                observe(&ctx, &obj, false);
                owned(&ctx, &obj).then_some(Ok(watcher::Event::InitApply(obj)))
            }
            Ok(watcher::Event::Delete(obj)) => {
                observe(&ctx, &obj, true);
                Some(Ok(watcher::Event::Delete(obj)))
            }
            other => Some(other),
        };
        futures::future::ready(passed)
    })
}

/// The state of [`owned_objects`]' watch: a list is due after an assignment change.
struct Relisting<S, W> {
    stream: S,
    changes: watch::Receiver<crate::shard::Assignment>,
    closed: bool,
    due: Option<tokio::time::Instant>,
    watch: W,
}

fn owned<K: Resource>(ctx: &Context, obj: &K) -> bool {
    obj.meta()
        .namespace
        .as_deref()
        .is_some_and(|ns| ctx.shards.owns(ns))
}

/// Runs `reconcile` only while this replica owns the object's namespace, holding it for the
/// whole reconcile (so the namespace is not handed over mid-way), with an audit record of its
/// start and end at debug level (`helm_operator::audit`: which replica acted on which object
/// when, to show that no two replicas ever overlap).
fn guarded<K, R, Fut>(
    reconcile: R,
) -> impl FnMut(
    Arc<K>,
    Arc<Context>,
) -> futures::future::BoxFuture<'static, Result<Action, ReconcileError>>
+ Send
+ Clone
+ 'static
where
    K: Resource<DynamicType = ()> + Send + Sync + 'static,
    R: FnMut(Arc<K>, Arc<Context>) -> Fut + Send + 'static + Clone,
    Fut: Future<Output = Result<Action, ReconcileError>> + Send + 'static,
{
    move |obj: Arc<K>, ctx: Arc<Context>| {
        let mut reconcile = reconcile.clone();
        async move {
            let namespace = obj.meta().namespace.clone().unwrap_or_default();
            let Some(_held) = ctx.shards.enter(&namespace) else {
                return Ok(Action::await_change());
            };
            let (kind, name) = (K::kind(&()).to_string(), obj.name_any());
            audit(&ctx, &kind, &namespace, &name, "reconcile started");
            let result = reconcile(obj, Arc::clone(&ctx)).await;
            audit(&ctx, &kind, &namespace, &name, "reconcile finished");
            result
        }
        .boxed()
    }
}

/// One audit record (see [`guarded`]).
fn audit(ctx: &Context, kind: &str, namespace: &str, name: &str, what: &'static str) {
    let at_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    tracing::debug!(target: "helm_operator::audit", kind, namespace, name, replica = %ctx.replica, at_us, "{what}");
}

/// Resolves when the shutdown flag turns true.
pub async fn shutdown_signal(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// How long in-flight reconciles may take to finish after a termination signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(15);

/// Everything needed to run the controllers of one kind.
pub struct ControllerSpec {
    /// Namespaces to watch; empty means all.
    pub namespaces: Vec<String>,
    /// Objects reconciled at once.
    pub concurrency: u16,
}

/// What besides its own watch drives one kind's controllers.
pub struct Triggers<K: Resource> {
    /// Sees every object the watch delivers, after the cache has it (`true`: it was deleted).
    pub observe: fn(&Context, &K, bool),
    /// Extra reconcile requests (one stream per controller).
    pub wakes: Option<WakeStream<K>>,
}

/// Makes a stream of extra reconcile requests for one controller.
pub type WakeStream<K> = fn(&Context) -> futures::stream::BoxStream<'static, ObjectRef<K>>;

/// Builds one kind's controllers and returns the future that runs them until shutdown. The
/// readiness checks (one per watched scope, passing once its cache has synced) are registered
/// before this returns, so `/readyz` can never pass before they exist.
pub fn run_kind<K, R, Fut>(
    ctx: Arc<Context>,
    spec: ControllerSpec,
    readiness: Arc<Readiness>,
    shutdown: watch::Receiver<bool>,
    reconcile: R,
    retry_after: Duration,
    triggers: Triggers<K>,
) -> impl Future<Output = ()> + Send + 'static
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + 'static,
    R: FnMut(Arc<K>, Arc<Context>) -> Fut + Send + 'static + Clone,
    Fut: Future<Output = Result<Action, ReconcileError>> + Send + 'static,
{
    let kind = K::kind(&()).to_string();
    let apis: Vec<(String, Api<K>)> = if spec.namespaces.is_empty() {
        vec![("*".to_owned(), Api::all(ctx.client.clone()))]
    } else {
        spec.namespaces
            .iter()
            .map(|ns| (ns.clone(), Api::namespaced(ctx.client.clone(), ns)))
            .collect()
    };
    let mut runs = Vec::new();
    for (scope, api) in apis {
        let check = readiness.register(format!("cache:{kind}:{scope}"));
        let (store, writer) = kube::runtime::reflector::store();
        let objects = owned_objects(api, Arc::clone(&ctx), triggers.observe)
            .reflect(writer)
            .applied_objects();
        let mut controller = Controller::for_stream(objects, store.clone())
            .with_config(ControllerConfig::default().concurrency(spec.concurrency))
            .graceful_shutdown_on(shutdown_signal(shutdown.clone()));
        if let Some(wakes) = triggers.wakes {
            controller = controller.reconcile_on(wakes(&ctx));
        }
        let synced = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let synced_flag = Arc::clone(&synced);
        tokio::spawn(async move {
            // The store's readiness is a oneshot that wakes only its latest poller, and the
            // controller's own runner polls it too; poll again every second instead of waiting
            // once (the value is memoised as soon as any poller sees it).
            loop {
                match tokio::time::timeout(Duration::from_secs(1), store.wait_until_ready()).await {
                    Ok(Ok(())) => {
                        synced_flag.store(true, std::sync::atomic::Ordering::SeqCst);
                        check.set(true);
                        return;
                    }
                    Ok(Err(_)) => return,
                    Err(_) => {}
                }
            }
        });
        let error_policy = move |obj: Arc<K>, error: &ReconcileError, _ctx: Arc<Context>| {
            tracing::warn!(object = %obj.name_any(), namespace = ?obj.namespace(), error = %error, "reconcile failed; retrying");
            Action::requeue(retry_after)
        };
        let kind = kind.clone();
        let run = controller
            .run(guarded(reconcile.clone()), error_policy, Arc::clone(&ctx))
            .for_each(move |result| {
                if let Err(e) = result {
                    match e {
                        kube::runtime::controller::Error::ObjectNotFound(_) => {}
                        other => tracing::debug!(kind = %kind, error = %other, "controller event"),
                    }
                }
                futures::future::ready(())
            });
        // kube-runtime holds its runner until the cache is ready, so a controller whose cache
        // never synced (API unreachable) would never finish a graceful shutdown: stop it at once.
        // A synced one gets a bounded grace period for in-flight reconciles.
        let mut stop_signal = shutdown.clone();
        let stop = async move {
            let _ = stop_signal.wait_for(|stop| *stop).await;
            if synced.load(std::sync::atomic::Ordering::SeqCst) {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            }
        };
        runs.push(async move {
            tokio::select! {
                () = run => {}
                () = stop => {}
            }
        });
    }
    futures::future::join_all(runs).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::condition_message;

    #[test]
    fn a_condition_keeps_helms_template_error_and_every_object_of_a_failed_wait() {
        let template = "c/templates/t.yaml:13:94\n  executing \"c/templates/t.yaml\" at <.data.note>: nil pointer evaluating interface {}.note";
        assert_eq!(
            condition_message(template),
            "c/templates/t.yaml:13:94: executing \"c/templates/t.yaml\" at <.data.note>: nil pointer evaluating interface {}.note"
        );
        let wait = "resource Deployment/a/b not ready. status: Failed, message: x\nresource Job/a/c not ready. status: Failed, message: y";
        assert_eq!(
            condition_message(wait),
            "resource Deployment/a/b not ready. status: Failed, message: x; resource Job/a/c not ready. status: Failed, message: y"
        );
        // a YAML error's quote of the document stays out
        assert_eq!(
            condition_message("error converting YAML to JSON: line 3\n  password: hunter2"),
            "error converting YAML to JSON: line 3"
        );
    }
}
