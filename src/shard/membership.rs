//! One replica's part in sharding, running: it keeps its member Lease renewed (carrying the
//! epoch it has handed over), watches the other members' Leases, the leader Lease, the published
//! assignment and the namespaces; claims the leadership when it is free; as leader publishes the
//! next epoch and deletes long-dead members' Leases; and applies the newest epoch through
//! [`super::fence`], which decides what this replica acts on. [`Leased`] is the
//! [`ShardOwnership`] the controllers ask.
//!
//! Liveness is judged by observation, as client-go's leader election does: a Lease is live while
//! its last change was *seen* less than `leaseDuration` ago, by this replica's monotonic clock,
//! so clocks that disagree between machines do not matter. A replica stops acting on everything
//! once its own renewals have failed for three quarters of the duration, so it has stopped
//! before anyone else can see its Lease expire.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{DeleteParams, PostParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use tokio::sync::{Notify, watch};

use super::assignment::{self, CONFIG_MAP};
use super::fence::{self, Epoch, Member};
use super::members::{self, LEADER_LEASE, LEASE_PREFIX};
use super::{Holding, Scope, ShardGuard, ShardOwnership};
use crate::server::ReadinessCheck;
use crate::telemetry::{Metrics, catalog};

/// How often the state is looked at even when nothing was delivered (Leases expire silently).
const TICK: Duration = Duration::from_millis(200);
/// A member Lease not renewed for this long is deleted by the leader.
const FORGET_AFTER: Duration = Duration::from_secs(60);

/// Where and as whom this replica takes part.
#[derive(Debug, Clone)]
pub struct MembershipConfig {
    /// The operator's namespace (Leases and the assignment ConfigMap live here).
    pub namespace: String,
    /// This replica's identity.
    pub replica: String,
    /// How long a Lease stays valid without renewal.
    pub lease_duration: Duration,
    /// How often Leases are renewed.
    pub renew_interval: Duration,
    /// The namespaces to assign; empty: every namespace in the cluster.
    pub watched_namespaces: Vec<String>,
}

/// A Lease as this replica saw it, and when it last saw it change.
#[derive(Debug, Clone)]
struct Seen {
    lease: Lease,
    changed: Instant,
}

/// Everything the membership knows, behind one lock.
#[derive(Debug, Default)]
struct State {
    /// Member and leader Leases by name.
    leases: BTreeMap<String, Seen>,
    leases_synced: bool,
    /// The published epoch and the ConfigMap's resourceVersion.
    published: Option<(Epoch, Option<String>)>,
    assignment_synced: bool,
    /// When each epoch was first seen (handover durations are measured from it).
    first_seen: BTreeMap<u64, Instant>,
    namespaces: BTreeSet<String>,
    namespaces_synced: bool,
    /// Bumped whenever the set of namespaces changes.
    namespaces_generation: u64,
    /// What the leader last decided from (the live members, the namespaces' generation, the
    /// published epoch): the ring is computed again only when one of them changed.
    decided_from: Option<(Vec<String>, u64, Option<u64>)>,
    /// The namespaces this replica acts on.
    held: BTreeSet<String>,
    /// The epoch applied last.
    applied: u64,
    /// Namespaces given up whose reconciles are still running.
    draining: BTreeSet<String>,
    /// The epoch this replica's Lease acknowledges (applied, and everything given up drained).
    acknowledged: u64,
    /// Start of the last member Lease renewal that succeeded.
    renewed: Option<Instant>,
    /// Start of the last leader Lease claim that succeeded (while this replica holds it).
    leading: Option<Instant>,
    was_leader: bool,
    /// A ConfigMap write or Lease clean-up is in flight (the leader does one at a time).
    publishing: bool,
    /// Shutting down: hold nothing, claim nothing.
    stopping: bool,
    /// Member renewals and leader claims sent and not answered yet: leaving waits for them, or
    /// one answered after the member Lease was deleted would create it again (a server-side
    /// apply creates) and the others would wait for it to expire.
    lease_writes: usize,
}

/// Reconciles in flight per namespace, so an epoch is acknowledged only once the namespaces it
/// takes away are quiet.
#[derive(Debug, Default)]
pub(super) struct InFlight {
    counts: Mutex<HashMap<String, usize>>,
    pub(super) quiet: Notify,
}

impl InFlight {
    /// Counts a reconcile in `namespace` when `allowed` (checked under the same lock, so an
    /// acknowledgement never misses a reconcile that was let in).
    pub(super) fn enter(
        self: &Arc<Self>,
        namespace: &str,
        allowed: impl FnOnce() -> bool,
    ) -> Option<ShardGuard> {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !allowed() {
            return None;
        }
        *counts.entry(namespace.to_owned()).or_default() += 1;
        Some(ShardGuard {
            inflight: Arc::clone(self),
            namespace: namespace.to_owned(),
        })
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn leave(&self, namespace: &str) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = counts.get_mut(namespace) {
            *n -= 1;
            if *n == 0 {
                counts.remove(namespace);
                self.quiet.notify_one();
            }
        }
    }

    pub(super) fn busy(&self, namespace: &str) -> bool {
        self.lock().contains_key(namespace)
    }
}

/// Lease-based membership and the namespaces it gives this replica.
pub struct Leased {
    config: MembershipConfig,
    client: Client,
    state: Mutex<State>,
    holding: Holding,
    /// Something changed: look again.
    wake: Arc<Notify>,
    /// The acknowledgement changed: renew the member Lease now.
    ack_changed: Notify,
    /// The leader Lease changed hands or was given up: look at the leadership now.
    leader_changed: Notify,
    /// The last Lease write in flight was answered.
    lease_writes_done: Notify,
    metrics: Arc<Metrics>,
    ready: ReadinessCheck,
    recorder: Recorder,
}

impl std::fmt::Debug for Leased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leased")
            .field("replica", &self.config.replica)
            .finish_non_exhaustive()
    }
}

impl Leased {
    /// Starts taking part: the watches, the renewals and the loop that applies epochs run until
    /// `shutdown`. `ready` passes while this replica is a member that applied the current epoch.
    pub fn start(
        client: Client,
        config: MembershipConfig,
        metrics: Arc<Metrics>,
        ready: ReadinessCheck,
        shutdown: watch::Receiver<bool>,
    ) -> Arc<Self> {
        let reporter = Reporter {
            controller: crate::api::FIELD_MANAGER.into(),
            instance: Some(config.replica.clone()),
        };
        let leased = Arc::new(Self {
            recorder: Recorder::new(client.clone(), reporter),
            config,
            client,
            state: Mutex::new(State::default()),
            holding: Holding::new(Scope::Nothing),
            wake: Arc::new(Notify::new()),
            ack_changed: Notify::new(),
            leader_changed: Notify::new(),
            lease_writes_done: Notify::new(),
            metrics,
            ready,
        });
        tokio::spawn(Arc::clone(&leased).watch_leases(shutdown.clone()));
        tokio::spawn(Arc::clone(&leased).watch_assignment(shutdown.clone()));
        if leased.config.watched_namespaces.is_empty() {
            tokio::spawn(Arc::clone(&leased).watch_namespaces(shutdown.clone()));
        } else {
            let mut state = leased.lock();
            state.namespaces = leased.config.watched_namespaces.iter().cloned().collect();
            state.namespaces_synced = true;
        }
        tokio::spawn(Arc::clone(&leased).renew_loop(shutdown.clone()));
        tokio::spawn(Arc::clone(&leased).leader_loop(shutdown.clone()));
        tokio::spawn(Arc::clone(&leased).apply_loop(shutdown));
        leased
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The part of the lease duration after which a replica that could not renew stops itself.
    fn fence_after(&self) -> Duration {
        self.config.lease_duration * 3 / 4
    }

    async fn watch_leases(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        let api: Api<Lease> = Api::namespaced(self.client.clone(), &self.config.namespace);
        let mut listed: BTreeSet<String> = BTreeSet::new();
        let events = follow(
            watcher(api, watcher::Config::default()),
            "watching membership Leases",
            shutdown,
        );
        futures::pin_mut!(events);
        while let Some(event) = events.next().await {
            let mut state = self.lock();
            match event {
                watcher::Event::Init => listed.clear(),
                watcher::Event::InitApply(lease) | watcher::Event::Apply(lease) => {
                    let name = lease.name_any();
                    if name != LEADER_LEASE && !name.starts_with(LEASE_PREFIX) {
                        continue;
                    }
                    listed.insert(name.clone());
                    let leader_changed = name == LEADER_LEASE
                        && state.leases.get(&name).map(|s| holder(&s.lease))
                            != Some(holder(&lease));
                    self.observe_lease(&mut state, name, lease);
                    if leader_changed {
                        self.leader_changed.notify_one();
                    }
                }
                watcher::Event::Delete(lease) => {
                    let name = lease.name_any();
                    state.leases.remove(&name);
                    if name == LEADER_LEASE {
                        self.leader_changed.notify_one();
                    }
                }
                watcher::Event::InitDone => {
                    state.leases.retain(|name, _| listed.contains(name));
                    state.leases_synced = true;
                }
            }
            drop(state);
            self.wake.notify_one();
        }
    }

    /// Records `lease` as seen now when it changed; one seen for the first time counts from
    /// when it says it was renewed, so a long-dead member's Lease is not taken for live.
    fn observe_lease(&self, state: &mut State, name: String, lease: Lease) {
        let now = Instant::now();
        let changed = match state.leases.get(&name) {
            Some(seen) if seen.lease.resource_version() == lease.resource_version() => seen.changed,
            Some(_) => now,
            None if members::fresh(&lease, jiff::Timestamp::now()) => now,
            None => now.checked_sub(self.config.lease_duration).unwrap_or(now),
        };
        state.leases.insert(name, Seen { lease, changed });
    }

    async fn watch_assignment(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.config.namespace);
        let config = watcher::Config::default().fields(&format!("metadata.name={CONFIG_MAP}"));
        let events = follow(
            watcher(api, config),
            "watching the shard assignment",
            shutdown,
        );
        futures::pin_mut!(events);
        while let Some(event) = events.next().await {
            let mut state = self.lock();
            match event {
                watcher::Event::InitApply(cm) | watcher::Event::Apply(cm) => {
                    if cm.name_any() != CONFIG_MAP {
                        continue;
                    }
                    let data = cm.data.clone().unwrap_or_default();
                    match assignment::decode(&data) {
                        Ok(epoch) => {
                            let newer = state
                                .published
                                .as_ref()
                                .is_none_or(|(p, _)| p.number <= epoch.number);
                            if newer {
                                state
                                    .first_seen
                                    .entry(epoch.number)
                                    .or_insert_with(Instant::now);
                                state.published = Some((epoch, cm.resource_version()));
                            }
                        }
                        Err(e) => tracing::warn!(
                            error = %e,
                            config_map = CONFIG_MAP,
                            "the shard assignment cannot be read; keeping the last one"
                        ),
                    }
                }
                watcher::Event::Delete(_) => state.published = None,
                watcher::Event::InitDone => state.assignment_synced = true,
                watcher::Event::Init => {}
            }
            drop(state);
            self.wake.notify_one();
        }
    }

    async fn watch_namespaces(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let mut listed = BTreeSet::new();
        let events = follow(
            watcher(api, watcher::Config::default()),
            "watching namespaces",
            shutdown,
        );
        futures::pin_mut!(events);
        while let Some(event) = events.next().await {
            let mut state = self.lock();
            match event {
                watcher::Event::Init => listed.clear(),
                watcher::Event::InitApply(ns) => {
                    listed.insert(ns.name_any());
                }
                watcher::Event::InitDone => {
                    state.namespaces = std::mem::take(&mut listed);
                    state.namespaces_synced = true;
                    state.namespaces_generation += 1;
                }
                watcher::Event::Apply(ns) => {
                    if state.namespaces.insert(ns.name_any()) {
                        state.namespaces_generation += 1;
                    }
                }
                watcher::Event::Delete(ns) => {
                    if state.namespaces.remove(&ns.name_any()) {
                        state.namespaces_generation += 1;
                    }
                }
            }
            drop(state);
            self.wake.notify_one();
        }
    }

    /// Renews the member Lease every interval, and at once when the acknowledgement changes.
    /// Renewals do not wait for each other (at most three in flight): while the API server is
    /// slow, each one that succeeds still counts from when it was sent, so a slow server does
    /// not make the replica stop itself as long as its renewals get through in time.
    async fn renew_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        loop {
            let acknowledged = self.lock().acknowledged;
            if in_flight.load(std::sync::atomic::Ordering::SeqCst) < 3 {
                if !self.begin_lease_write() {
                    return;
                }
                in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (me, in_flight) = (Arc::clone(&self), Arc::clone(&in_flight));
                tokio::spawn(async move {
                    let started = Instant::now();
                    let renewed = members::renew(
                        &me.client,
                        &me.config.namespace,
                        &me.config.replica,
                        me.config.lease_duration,
                        acknowledged,
                    )
                    .await;
                    me.end_lease_write();
                    in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    match renewed {
                        Ok(()) => {
                            let mut state = me.lock();
                            if state.renewed.is_none_or(|t| t < started) {
                                state.renewed = Some(started);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "renewing this replica's member Lease")
                        }
                    }
                    me.wake.notify_one();
                });
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.renew_interval) => {}
                () = self.ack_changed.notified() => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }

    /// Claims or renews the leadership every interval, at once when the leader Lease changes
    /// hands or is given up, and the moment another leader's Lease expires.
    async fn leader_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if self.lock().stopping {
                return;
            }
            self.claim_leadership().await;
            self.wake.notify_one();
            let pause = self
                .leader_expires_in()
                .map_or(self.config.renew_interval, |left| {
                    left.min(self.config.renew_interval)
                });
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = self.leader_changed.notified() => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }

    /// How long until another replica's leader Lease expires, unless it is renewed.
    fn leader_expires_in(&self) -> Option<Duration> {
        let state = self.lock();
        let seen = state.leases.get(LEADER_LEASE)?;
        holder(&seen.lease).filter(|h| *h != self.config.replica)?;
        let expires = seen.changed + self.config.lease_duration;
        Some(expires.saturating_duration_since(Instant::now()) + Duration::from_millis(5))
    }

    /// Claims the leader Lease when it is free, expired or already ours.
    async fn claim_leadership(&self) {
        let now = Instant::now();
        let seen = {
            let state = self.lock();
            if !state.leases_synced || state.stopping {
                return;
            }
            state.leases.get(LEADER_LEASE).cloned()
        };
        let claim = match &seen {
            None => true,
            Some(seen) => match holder(&seen.lease) {
                None => true,
                Some(h) if h == self.config.replica => true,
                Some(_) => now.duration_since(seen.changed) >= self.config.lease_duration,
            },
        };
        if !claim {
            self.lock().leading = None;
            return;
        }
        if !self.begin_lease_write() {
            return;
        }
        let started = Instant::now();
        let result = members::claim_leader(
            &self.client,
            &self.config.namespace,
            &self.config.replica,
            self.config.lease_duration,
            seen.as_ref().map(|s| &s.lease),
        )
        .await;
        self.end_lease_write();
        let mut state = self.lock();
        match result {
            Ok(written) => {
                state.leading = Some(started);
                self.observe_lease(&mut state, LEADER_LEASE.to_owned(), written);
            }
            // a failed renewal of our own leadership is not the end of it: it lapses by
            // itself when no renewal succeeds in time (see `step`)
            Err(e) => tracing::debug!(error = %e, "the leadership was not claimed"),
        }
    }

    /// Counts a Lease write about to be sent; `false` once stopping (nothing is sent then).
    fn begin_lease_write(&self) -> bool {
        let mut state = self.lock();
        if state.stopping {
            return false;
        }
        state.lease_writes += 1;
        true
    }

    fn end_lease_write(&self) {
        let mut state = self.lock();
        state.lease_writes -= 1;
        if state.lease_writes == 0 {
            self.lease_writes_done.notify_waiters();
        }
    }

    async fn apply_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            self.step();
            tokio::select! {
                () = self.wake.notified() => {}
                () = self.holding.quiet() => {}
                () = tokio::time::sleep(TICK) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }

    /// The members other than this replica, as seen now.
    fn others(&self, state: &State, now: Instant) -> Vec<Member> {
        state
            .leases
            .iter()
            .filter(|(name, _)| name.starts_with(LEASE_PREFIX))
            .filter_map(|(_, seen)| {
                let id = holder(&seen.lease)?;
                (id != self.config.replica).then(|| Member {
                    id,
                    acknowledged: members::acknowledged(&seen.lease),
                    live: now.duration_since(seen.changed) < self.config.lease_duration,
                })
            })
            .collect()
    }

    /// Looks at everything once: leads, applies the newest epoch, acknowledges.
    fn step(self: &Arc<Self>) {
        let now = Instant::now();
        let mut state = self.lock();
        let live = !state.stopping
            && state
                .renewed
                .is_some_and(|t| now.duration_since(t) < self.fence_after());
        let leader = live
            && state
                .leading
                .is_some_and(|t| now.duration_since(t) < self.fence_after())
            && state
                .leases
                .get(LEADER_LEASE)
                .and_then(|s| holder(&s.lease))
                .as_deref()
                == Some(self.config.replica.as_str());
        let others = self.others(&state, now);
        if leader {
            self.lead(&mut state, &others, now);
        }
        if leader != state.was_leader {
            state.was_leader = leader;
            self.announce_leadership(leader);
        }
        let before = state.held.clone();
        let applied = match (&state.published, live) {
            (Some((current, _)), true) if current.number >= state.applied => {
                let next = fence::owned(&self.config.replica, &state.held, current, &others);
                Some((current.number, next))
            }
            (_, false) => Some((state.applied, BTreeSet::new())),
            _ => None,
        };
        if let Some((number, next)) = applied {
            let released: Vec<String> = before.difference(&next).cloned().collect();
            let acquired = next.difference(&before).count();
            if acquired > 0 {
                let since = state.first_seen.get(&number).copied().unwrap_or(now);
                let seconds = now.duration_since(since).as_secs_f64();
                for _ in 0..acquired {
                    self.metrics
                        .observe(catalog::HANDOVER_DURATION, seconds, &[]);
                }
                self.metrics.add(
                    catalog::HANDOVERS,
                    u64::try_from(acquired).unwrap_or(u64::MAX),
                    &[("direction", "acquired")],
                );
                tracing::info!(
                    epoch = number,
                    namespaces = acquired,
                    seconds,
                    "took up namespaces"
                );
            }
            if !released.is_empty() {
                self.metrics.add(
                    catalog::HANDOVERS,
                    u64::try_from(released.len()).unwrap_or(u64::MAX),
                    &[("direction", "released")],
                );
                tracing::info!(
                    epoch = number,
                    namespaces = released.len(),
                    "gave up namespaces"
                );
            }
            state.draining.extend(released);
            state.held = next;
            state.applied = number;
            state.first_seen.retain(|n, _| *n >= number);
        }
        if state.held != before {
            self.holding.set(Scope::Namespaces(state.held.clone()));
        }
        let holding = &self.holding;
        state.draining.retain(|ns| holding.busy(ns));
        if live && state.draining.is_empty() && state.acknowledged != state.applied {
            state.acknowledged = state.applied;
            self.ack_changed.notify_one();
        }
        let current = state.published.as_ref().map(|(e, _)| e.number);
        self.ready
            .set(live && current.is_some_and(|n| state.applied == n && state.acknowledged == n));
        let live_members = others.iter().filter(|m| m.live).count() + usize::from(live);
        self.metrics
            .set_gauge(catalog::SHARDS_OWNED, &[], state.held.len() as f64);
        self.metrics
            .set_gauge(catalog::MEMBERS, &[], live_members as f64);
        self.metrics
            .set_gauge(catalog::LEADER, &[], if leader { 1.0 } else { 0.0 });
    }

    /// The leader's duties: publish the next epoch when the members or namespaces changed, and
    /// delete the Leases of members gone for a long time.
    fn lead(self: &Arc<Self>, state: &mut State, others: &[Member], now: Instant) {
        if state.publishing
            || !state.leases_synced
            || !state.assignment_synced
            || !state.namespaces_synced
        {
            return;
        }
        let mut live: Vec<&str> = others
            .iter()
            .filter(|m| m.live)
            .map(|m| m.id.as_str())
            .collect();
        live.push(&self.config.replica);
        live.sort_unstable();
        let published = state.published.as_ref();
        // the ring over every namespace is not computed again at every look (several a second)
        // when nothing it depends on changed
        let inputs = (
            live.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>(),
            state.namespaces_generation,
            published.map(|(e, _)| e.number),
        );
        let epoch = if state.decided_from.as_ref() == Some(&inputs) {
            None
        } else {
            assignment::next(published.map(|(e, _)| e), &live, &state.namespaces)
        };
        state.decided_from = Some(inputs);
        let forgotten: Vec<String> = state
            .leases
            .iter()
            .filter(|(name, seen)| {
                name.starts_with(LEASE_PREFIX)
                    && holder(&seen.lease).as_deref() != Some(self.config.replica.as_str())
                    && now.duration_since(seen.changed) >= FORGET_AFTER
            })
            .map(|(name, _)| name.clone())
            .collect();
        if epoch.is_none() && forgotten.is_empty() {
            return;
        }
        let version = published.and_then(|(_, v)| v.clone());
        state.publishing = true;
        let me = Arc::clone(self);
        tokio::spawn(async move {
            if let Some(epoch) = epoch {
                match me.publish(&epoch, version).await {
                    Ok(version) => {
                        tracing::info!(
                            epoch = epoch.number,
                            members = live_count(&epoch),
                            namespaces = epoch.owners.len(),
                            "published a shard assignment"
                        );
                        let mut state = me.lock();
                        state
                            .first_seen
                            .entry(epoch.number)
                            .or_insert_with(Instant::now);
                        if state
                            .published
                            .as_ref()
                            .is_none_or(|(p, _)| p.number <= epoch.number)
                        {
                            state.published = Some((epoch, version));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "publishing the shard assignment");
                        // decide again at the next look
                        me.lock().decided_from = None;
                    }
                }
            }
            let api: Api<Lease> = Api::namespaced(me.client.clone(), &me.config.namespace);
            for name in forgotten {
                match api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) => tracing::info!(lease = %name, "deleted a departed member's Lease"),
                    // someone else (another leader, the replica itself on its way out) was first
                    Err(kube::Error::Api(e)) if e.code == 404 => {}
                    Err(e) => {
                        tracing::warn!(lease = %name, error = %e, "deleting a departed member's Lease")
                    }
                }
            }
            me.lock().publishing = false;
            me.wake.notify_one();
        });
    }

    /// Writes `epoch` to the assignment ConfigMap, replacing exactly the version read (or
    /// creating it), so two leaders cannot overwrite each other unseen.
    async fn publish(
        &self,
        epoch: &Epoch,
        version: Option<String>,
    ) -> Result<Option<String>, String> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.config.namespace);
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some(CONFIG_MAP.to_owned());
        cm.metadata.labels = Some(
            [(
                "app.kubernetes.io/managed-by".to_owned(),
                crate::api::FIELD_MANAGER.to_owned(),
            )]
            .into(),
        );
        cm.data = Some(assignment::encode(epoch));
        let write = async {
            match version {
                None => api.create(&PostParams::default(), &cm).await,
                Some(v) => {
                    cm.metadata.resource_version = Some(v);
                    api.replace(CONFIG_MAP, &PostParams::default(), &cm).await
                }
            }
        };
        match tokio::time::timeout(crate::controller::API_CALL_TIMEOUT, write).await {
            Ok(Ok(written)) => Ok(written.resource_version()),
            Ok(Err(e)) => Err(format!(
                "writing ConfigMap {}/{CONFIG_MAP}: {e}",
                self.config.namespace
            )),
            Err(_) => Err(format!(
                "writing ConfigMap {}/{CONFIG_MAP} timed out",
                self.config.namespace
            )),
        }
    }

    /// Logs a leadership change and records it as an event on the leader Lease.
    fn announce_leadership(self: &Arc<Self>, leader: bool) {
        let replica = &self.config.replica;
        let (reason, note) = if leader {
            tracing::info!(replica = %replica, "became the leader");
            ("LeaderElected", format!("{replica} became the leader"))
        } else {
            tracing::info!(replica = %replica, "is no longer the leader");
            (
                "LeadershipLost",
                format!("{replica} is no longer the leader"),
            )
        };
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut lease = Lease::default();
            lease.metadata.name = Some(LEADER_LEASE.to_owned());
            lease.metadata.namespace = Some(me.config.namespace.clone());
            if let Some(seen) = me.lock().leases.get(LEADER_LEASE) {
                lease.metadata.uid = seen.lease.metadata.uid.clone();
            }
            let event = Event {
                type_: EventType::Normal,
                reason: reason.to_owned(),
                note: Some(note),
                action: "Leadership".to_owned(),
                secondary: None,
            };
            let reference = lease.object_ref(&());
            let publish = me.recorder.publish(&event, &reference);
            match tokio::time::timeout(crate::controller::API_CALL_TIMEOUT, publish).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, reason, "publishing the leadership event"),
                Err(_) => tracing::warn!(reason, "publishing the leadership event timed out"),
            }
        });
    }

    /// Stops acting, waits (at most `grace`) for running reconciles and for the Lease writes
    /// already sent, then deletes the member Lease and gives up the leadership, so the others
    /// take over at once.
    pub async fn leave(&self, grace: Duration) {
        self.release_all();
        let deadline = Instant::now() + grace;
        loop {
            if self.holding.running() == 0 || Instant::now() >= deadline {
                break;
            }
            tokio::select! {
                () = self.holding.quiet() => {}
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
        // `stopping` is set, so no new Lease write starts; the last ones must be answered
        // before the member Lease goes and the leadership is given up from the version seen.
        loop {
            let answered = self.lease_writes_done.notified();
            if self.lock().lease_writes == 0 || Instant::now() >= deadline {
                break;
            }
            tokio::select! {
                () = answered => {}
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
        if let Err(e) =
            members::release(&self.client, &self.config.namespace, &self.config.replica).await
        {
            tracing::warn!(error = %e, "deleting this replica's member Lease");
        }
        let leader = self.lock().leases.get(LEADER_LEASE).cloned();
        if let Some(seen) = leader
            && holder(&seen.lease).as_deref() == Some(self.config.replica.as_str())
        {
            match members::give_up_leader(&self.client, &self.config.namespace, &seen.lease).await {
                Ok(()) => tracing::info!("gave up the leadership"),
                Err(e) => tracing::warn!(error = %e, "giving up the leadership"),
            }
        }
    }

    /// What `/debug/shards` shows.
    pub fn report(&self) -> serde_json::Value {
        let now = Instant::now();
        let state = self.lock();
        let leader = state
            .leases
            .get(LEADER_LEASE)
            .filter(|s| now.duration_since(s.changed) < self.config.lease_duration)
            .and_then(|s| holder(&s.lease));
        let mut members: Vec<serde_json::Value> = self
            .others(&state, now)
            .into_iter()
            .map(|m| serde_json::json!({"id": m.id, "live": m.live, "acknowledgedEpoch": m.acknowledged}))
            .collect();
        let live = state
            .renewed
            .is_some_and(|t| now.duration_since(t) < self.fence_after());
        members.push(serde_json::json!({
            "id": self.config.replica,
            "live": live,
            "acknowledgedEpoch": state.acknowledged,
        }));
        members.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        let assigned: Vec<&String> = state
            .published
            .iter()
            .flat_map(|(e, _)| e.owners.iter())
            .filter(|(_, owner)| **owner == self.config.replica)
            .map(|(ns, _)| ns)
            .collect();
        serde_json::json!({
            "replica": self.config.replica,
            "leader": leader,
            "isLeader": state.was_leader,
            "epoch": state.published.as_ref().map(|(e, _)| e.number),
            "appliedEpoch": state.applied,
            "members": members,
            "assigned": assigned,
            "owned": state.held,
            "ownedCount": state.held.len(),
            "draining": state.draining,
        })
    }
}

impl ShardOwnership for Leased {
    fn holding(&self) -> &Holding {
        &self.holding
    }

    fn release_all(&self) {
        let mut state = self.lock();
        state.stopping = true;
        let released = std::mem::take(&mut state.held);
        state.draining.extend(released);
        drop(state);
        self.holding.set(Scope::Nothing);
    }
}

/// The events of a watch until `shutdown`, with its errors logged (`what` names the watch) and
/// retried with backoff.
fn follow<K>(
    stream: impl futures::Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Send,
    what: &'static str,
    mut shutdown: watch::Receiver<bool>,
) -> impl futures::Stream<Item = watcher::Event<K>> + Send
where
    K: Send,
{
    stream
        .default_backoff()
        .take_until(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        })
        .filter_map(move |event| {
            futures::future::ready(match event {
                Ok(event) => Some(event),
                Err(e) => {
                    tracing::warn!(error = %e, "{what}");
                    None
                }
            })
        })
}

/// The holder a Lease names.
fn holder(lease: &Lease) -> Option<String> {
    lease
        .spec
        .as_ref()
        .and_then(|s| s.holder_identity.clone())
        .filter(|h| !h.is_empty())
}

/// How many members an epoch gives namespaces to.
fn live_count(epoch: &Epoch) -> usize {
    epoch.owners.values().collect::<BTreeSet<_>>().len()
}
