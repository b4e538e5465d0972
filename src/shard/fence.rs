//! When a replica may act on a namespace during a handover. Pure.
//!
//! The leader publishes assignments as epochs: a number and the owner of every namespace
//! (computed with [`super::ring::Ring`] from the live members and the namespaces it sees, so
//! every replica acts on one agreed map whatever its own watches have seen so far). A replica
//! applies the newest epoch it sees: it stops acting on the namespaces the epoch gives to others
//! at once, and once its reconciles in those namespaces have finished it acknowledges the epoch
//! in its own member Lease.
//!
//! A replica keeps acting on a namespace it holds as long as every epoch it applies gives it that
//! namespace. It takes up a namespace it does not hold only once every other member that could
//! act on it has acknowledged exactly the epoch it applies: every live member, and every owner
//! the epoch names (an owner whose Lease it cannot see at all may not have stopped yet). A
//! member whose Lease expired acts on nothing, because a replica stops itself before its Lease
//! can expire in anyone's eyes.
//!
//! Why "exactly": suppose two replicas held one namespace at once, and take the later of their
//! last take-ups, by `s` at epoch `g` while `r` held it since its own take-up at epoch `h`.
//! `s` saw `r` acknowledge `g`, so `r` applied `g`, and had it done so while holding the
//! namespace it would have dropped it; so `r` applied `g` before `h`, and `h > g`. But then `r`'s
//! take-up at `h` saw `s` acknowledge `h` before `s` applied `g < h`: epochs are applied in
//! increasing order, a contradiction. An acknowledgement of a newer epoch would not do: the newer
//! epoch may give the namespace straight back to its holder, which keeps it.

use std::collections::{BTreeMap, BTreeSet};

/// Another member as this replica sees its Lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The replica's identity.
    pub id: String,
    /// The newest epoch it has applied and finished handing over.
    pub acknowledged: u64,
    /// Its Lease is fresh.
    pub live: bool,
}

/// An assignment the leader published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epoch {
    /// Increases with every assignment.
    pub number: u64,
    /// Namespace → the member that owns it.
    pub owners: BTreeMap<String, String>,
}

/// The namespaces `me` may act on under `current`, given the namespaces it `held` until now and
/// the other members as their Leases show them (`others` may include `me`; it is skipped).
/// The caller acts only while its own Lease is fresh, and holds nothing otherwise.
pub fn owned(
    me: &str,
    held: &BTreeSet<String>,
    current: &Epoch,
    others: &[Member],
) -> BTreeSet<String> {
    let mine = current
        .owners
        .iter()
        .filter(|(_, owner)| *owner == me)
        .map(|(ns, _)| ns);
    if handed_over(me, current, others) {
        mine.cloned().collect()
    } else {
        mine.filter(|ns| held.contains(*ns)).cloned().collect()
    }
}

/// Whether every other member that could act on a namespace has applied exactly `current`.
pub fn handed_over(me: &str, current: &Epoch, others: &[Member]) -> bool {
    let others: Vec<&Member> = others.iter().filter(|m| m.id != me).collect();
    let live_applied = others
        .iter()
        .filter(|m| m.live)
        .all(|m| m.acknowledged == current.number);
    let owners_known = current
        .owners
        .values()
        .filter(|owner| *owner != me)
        .all(|owner| others.iter().any(|m| m.id == *owner));
    live_applied && owners_known
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::ring::Ring;

    fn namespaces(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("ns-{i}")).collect()
    }

    fn epoch(number: u64, members: &[&str], names: &[String]) -> Epoch {
        Epoch {
            number,
            owners: Ring::new(members.iter().copied()).assign(names.iter().map(String::as_str)),
        }
    }

    fn member(id: &str, acknowledged: u64, live: bool) -> Member {
        Member {
            id: id.to_owned(),
            acknowledged,
            live,
        }
    }

    #[test]
    fn once_everyone_applied_an_epoch_every_namespace_has_exactly_one_owner() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b", "c"], &names);
        let members = [
            member("a", 1, true),
            member("b", 1, true),
            member("c", 1, true),
        ];
        let none = BTreeSet::new();
        let all: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|m| owned(m, &none, &e1, &members))
            .collect();
        let mut seen = BTreeSet::new();
        for ns in all.iter().flatten() {
            assert!(seen.insert(ns), "{ns} has two owners");
        }
        assert_eq!(seen.len(), 300);
    }

    #[test]
    fn held_namespaces_that_stay_are_never_paused_and_new_ones_wait_for_everyone() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b"], &names);
        let e2 = epoch(2, &["a", "b", "c"], &names);
        let none = BTreeSet::new();
        let a_held = owned("a", &none, &e1, &[member("b", 1, true)]);
        // c joined and e2 is out; b has not applied it yet
        let members = [
            member("a", 2, true),
            member("b", 1, true),
            member("c", 2, true),
        ];
        let a = owned("a", &a_held, &e2, &members);
        let kept: BTreeSet<_> = e2
            .owners
            .iter()
            .filter(|(ns, o)| *o == "a" && a_held.contains(*ns))
            .map(|(ns, _)| ns.clone())
            .collect();
        assert_eq!(a, kept, "a keeps what stays with it, without waiting for b");
        assert!(owned("c", &none, &e2, &members).is_empty(), "c waits for b");
        let members = [
            member("a", 2, true),
            member("b", 2, true),
            member("c", 2, true),
        ];
        let c = owned("c", &none, &e2, &members);
        assert_eq!(c.len(), e2.owners.values().filter(|o| *o == "c").count());
    }

    #[test]
    fn an_expired_member_is_not_waited_for_and_an_unseen_owner_is() {
        let names = namespaces(100);
        let e2 = epoch(2, &["a", "b"], &names);
        let none = BTreeSet::new();
        // c was killed at epoch 1: its Lease expired
        let dead_c = [member("b", 2, true), member("c", 1, false)];
        assert!(!owned("a", &none, &e2, &dead_c).is_empty());
        // b is named an owner but a cannot see b's Lease yet
        assert!(owned("a", &none, &e2, &[member("c", 1, false)]).is_empty());
        // an acknowledgement of a newer epoch is not an acknowledgement of this one
        assert!(owned("a", &none, &e2, &[member("b", 3, true)]).is_empty());
    }

    /// A tiny deterministic generator for the simulation.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            usize::try_from(self.0 % n as u64).unwrap()
        }
    }

    #[derive(Clone, Default)]
    struct Replica {
        alive: bool,
        held: BTreeSet<String>,
        /// The newest epoch it has seen published (an index into the epochs).
        seen: usize,
        applied: u64,
        acknowledged: u64,
        /// What it last read of each other replica's acknowledgement (watches lag).
        view: BTreeMap<String, u64>,
    }

    /// Replicas join, leave, die and come back; the leader publishes epochs for the members it
    /// sees; every replica sees epochs late, skips some, reads the others' acknowledgements
    /// late, and applies and acknowledges in any order. No namespace is ever held by two
    /// replicas.
    #[test]
    fn no_interleaving_of_epochs_acknowledgements_and_deaths_gives_a_namespace_two_holders() {
        let ids = ["a", "b", "c", "d", "e"];
        let names = namespaces(24);
        let mut handovers = 0usize;
        // the ring's answer for each set of members, computed once
        let mut assignments: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for seed in 1..=1_500u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut replicas: BTreeMap<&str, Replica> = ids
                .iter()
                .map(|id| {
                    let alive = rng.below(2) == 0 || *id == "a";
                    (
                        *id,
                        Replica {
                            alive,
                            ..Replica::default()
                        },
                    )
                })
                .collect();
            let mut epochs: Vec<Epoch> = Vec::new();
            for _ in 0..160 {
                match rng.below(7) {
                    // the leader publishes for the replicas alive now
                    0 => {
                        let live: Vec<&str> = replicas
                            .iter()
                            .filter(|(_, r)| r.alive)
                            .map(|(id, _)| *id)
                            .collect();
                        if !live.is_empty() {
                            let owners = assignments
                                .entry(live.join(","))
                                .or_insert_with(|| epoch(0, &live, &names).owners)
                                .clone();
                            let number = epochs.len() as u64 + 1;
                            epochs.push(Epoch { number, owners });
                        }
                    }
                    // a replica dies (or stops itself) and perhaps comes back empty-handed
                    1 => {
                        let id = ids[rng.below(ids.len())];
                        let r = replicas.get_mut(id).unwrap();
                        if r.alive {
                            *r = Replica {
                                alive: false,
                                acknowledged: r.acknowledged,
                                ..Replica::default()
                            };
                        } else {
                            r.alive = true;
                            r.seen = epochs.len().saturating_sub(1);
                        }
                    }
                    // a replica reads some of the others' Leases
                    2 => {
                        let id = ids[rng.below(ids.len())];
                        let other = ids[rng.below(ids.len())];
                        let acknowledged = replicas[other].acknowledged;
                        replicas
                            .get_mut(id)
                            .unwrap()
                            .view
                            .insert(other.into(), acknowledged);
                    }
                    // a replica sees a newer epoch (perhaps skipping some)
                    3 => {
                        let id = ids[rng.below(ids.len())];
                        let r = replicas.get_mut(id).unwrap();
                        if r.seen + 1 < epochs.len() {
                            r.seen += 1 + rng.below(epochs.len() - r.seen - 1);
                        }
                    }
                    // a replica acknowledges what it applied (its reconciles have finished)
                    4 => {
                        let id = ids[rng.below(ids.len())];
                        let r = replicas.get_mut(id).unwrap();
                        if r.alive {
                            r.acknowledged = r.applied;
                        }
                    }
                    // a replica applies the newest epoch it has seen
                    _ => {
                        let id = ids[rng.below(ids.len())];
                        let r = &replicas[id];
                        if !r.alive || epochs.is_empty() {
                            continue;
                        }
                        let current = &epochs[r.seen.min(epochs.len() - 1)];
                        if current.number < r.applied {
                            continue;
                        }
                        let others: Vec<Member> = ids
                            .iter()
                            .filter(|o| **o != id)
                            .filter_map(|o| {
                                r.view.get(*o).map(|acknowledged| Member {
                                    id: (*o).to_owned(),
                                    acknowledged: *acknowledged,
                                    live: replicas[o].alive,
                                })
                            })
                            .collect();
                        let next = owned(id, &r.held, current, &others);
                        handovers += next.difference(&r.held).count();
                        let r = replicas.get_mut(id).unwrap();
                        r.held = next;
                        r.applied = current.number;
                    }
                }
                let mut holder: BTreeMap<&String, &str> = BTreeMap::new();
                for (id, r) in &replicas {
                    for ns in &r.held {
                        if let Some(other) = holder.insert(ns, id) {
                            panic!("seed {seed}: {ns} held by {other} and {id}");
                        }
                    }
                }
            }
        }
        assert!(handovers > 10_000, "the simulation hands over: {handovers}");
    }
}
