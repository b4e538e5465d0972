//! Which namespaces this replica may act on. A reconcile runs inside
//! [`ShardOwnership::enter`] (refused when the namespace is not this replica's), every write
//! asks [`ShardOwnership::owns`] right before it is sent, and the controllers watch anew when
//! the assignment changes ([`ShardOwnership::changes`]).
//!
//! Two implementations: [`membership::Leased`] (Lease-based membership, the leader's published
//! epochs and the fence; what `run` uses) and [`SingleMember`] (one replica owning every watched
//! namespace, for tests and tools that run the controllers alone).

pub mod assignment;
pub mod fence;
pub mod members;
pub mod membership;
pub mod ring;

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::sync::watch;

/// An assignment of namespaces to this replica, versioned so observers notice changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Increases with every change.
    pub epoch: u64,
    /// What this replica owns.
    pub scope: Scope,
}

/// The namespaces owned by this replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Nothing (not yet a member, or shutting down).
    Nothing,
    /// Every namespace.
    Everything,
    /// Exactly these namespaces.
    Namespaces(BTreeSet<String>),
}

impl Scope {
    /// Whether `namespace` is in scope.
    pub fn contains(&self, namespace: &str) -> bool {
        match self {
            Scope::Nothing => false,
            Scope::Everything => true,
            Scope::Namespaces(set) => set.contains(namespace),
        }
    }
}

/// Shard ownership as the controllers see it.
pub trait ShardOwnership: Send + Sync + std::fmt::Debug {
    /// What this replica holds now.
    fn holding(&self) -> &Holding;
    /// Gives up every namespace (on shutdown) so no write happens after the hand-over begins.
    fn release_all(&self);

    /// Whether this replica may act on objects in `namespace` right now.
    fn owns(&self, namespace: &str) -> bool {
        self.holding().owns(namespace)
    }
    /// Lets a reconcile in `namespace` start when this replica owns it; the namespace is not
    /// handed over to another replica while the guard lives.
    fn enter(&self, namespace: &str) -> Option<ShardGuard> {
        self.holding().enter(namespace)
    }
    /// The current assignment; it changes whenever ownership does.
    fn changes(&self) -> watch::Receiver<Assignment> {
        self.holding().changes()
    }
}

/// A reconcile running in a namespace (see [`ShardOwnership::enter`]).
#[derive(Debug)]
pub struct ShardGuard {
    inflight: Arc<membership::InFlight>,
    namespace: String,
}

impl Drop for ShardGuard {
    fn drop(&mut self) {
        self.inflight.leave(&self.namespace);
    }
}

/// The namespaces this replica acts on, published to observers, and the reconciles running in
/// them: what every [`ShardOwnership`] implementation keeps.
#[derive(Debug)]
pub struct Holding {
    sender: watch::Sender<Assignment>,
    inflight: Arc<membership::InFlight>,
}

impl Holding {
    /// Holding `scope` from the start.
    pub fn new(scope: Scope) -> Self {
        Self {
            sender: watch::Sender::new(Assignment { epoch: 1, scope }),
            inflight: Arc::default(),
        }
    }

    /// See [`ShardOwnership::owns`].
    pub fn owns(&self, namespace: &str) -> bool {
        self.sender.borrow().scope.contains(namespace)
    }

    /// See [`ShardOwnership::enter`].
    pub fn enter(&self, namespace: &str) -> Option<ShardGuard> {
        self.inflight.enter(namespace, || self.owns(namespace))
    }

    /// See [`ShardOwnership::changes`].
    pub fn changes(&self) -> watch::Receiver<Assignment> {
        self.sender.subscribe()
    }

    /// Holds `scope` from now on. Under the in-flight lock, so a reconcile let in under the old
    /// scope is counted before anyone asks whether the namespaces it left are quiet.
    pub fn set(&self, scope: Scope) {
        let _counts = self.inflight.lock();
        self.sender.send_modify(|a| {
            a.epoch += 1;
            a.scope = scope;
        });
    }

    /// Whether a reconcile is running in `namespace`.
    pub fn busy(&self, namespace: &str) -> bool {
        self.inflight.busy(namespace)
    }

    /// Reconciles running anywhere.
    pub fn running(&self) -> usize {
        self.inflight.lock().len()
    }

    /// Resolves when a namespace's last running reconcile finishes.
    pub async fn quiet(&self) {
        self.inflight.quiet.notified().await;
    }
}

/// One replica owning every namespace it watches.
#[derive(Debug)]
pub struct SingleMember {
    holding: Holding,
}

impl SingleMember {
    /// Owns `watched` namespaces, or every namespace when `watched` is empty.
    pub fn new(watched: &[String]) -> Arc<Self> {
        let scope = if watched.is_empty() {
            Scope::Everything
        } else {
            Scope::Namespaces(watched.iter().cloned().collect())
        };
        Arc::new(Self {
            holding: Holding::new(scope),
        })
    }
}

impl ShardOwnership for SingleMember {
    fn holding(&self) -> &Holding {
        &self.holding
    }

    fn release_all(&self) {
        self.holding.set(Scope::Nothing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_member_owns_everything_or_exactly_the_watched_namespaces() {
        let all = SingleMember::new(&[]);
        assert!(all.owns("any") && all.owns("kube-system"));
        let some = SingleMember::new(&["team-a".to_owned()]);
        assert!(some.owns("team-a") && !some.owns("team-b"));
        assert!(some.enter("team-a").is_some() && some.enter("team-b").is_none());
    }

    #[test]
    fn release_all_stops_ownership_and_notifies_observers() {
        let member = SingleMember::new(&[]);
        let mut changes = member.changes();
        member.release_all();
        assert!(changes.has_changed().unwrap());
        assert_eq!(changes.borrow_and_update().scope, Scope::Nothing);
        assert!(!member.owns("default"));
    }
}
