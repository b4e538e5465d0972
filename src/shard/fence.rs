//! When a replica may act on a namespace during a handover. Pure. The leader publishes
//! assignments as epochs: a number and the owner of every namespace (computed with
//! [`super::ring::Ring`] from the members and namespaces the leader sees, so every replica acts
//! on one agreed map, whatever its own watches have seen so far). Every replica applies the
//! newest epoch it sees — it stops acting on the namespaces it loses at once — and then
//! acknowledges the epoch in its own member Lease. A namespace that moves is taken up by its new
//! owner only once its old owner has acknowledged the epoch (it has stopped), or once the old
//! owner's Lease has expired (a killed replica writes nothing; a partitioned one stops itself
//! when it cannot renew its Lease). A namespace whose owner does not change is never paused. So
//! no namespace is ever acted on by two replicas.

use std::collections::{BTreeMap, BTreeSet};

/// One member as its Lease shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The replica's identity.
    pub id: String,
    /// The newest epoch it has applied.
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

/// The namespaces `me` may act on now.
///
/// `current` is the newest published epoch, `settled` the newest epoch that every member live
/// at the time acknowledged (the last one the cluster fully agreed on); `members` are the
/// member Leases as read now. `me` must itself have acknowledged `current` (it has stopped what
/// it loses) and hold a fresh Lease before it acts on anything.
pub fn owned(
    me: &str,
    current: &Epoch,
    settled: Option<&Epoch>,
    members: &[Member],
) -> BTreeSet<String> {
    let mine = members.iter().find(|m| m.id == me);
    if !mine.is_some_and(|m| m.live && m.acknowledged >= current.number) {
        return BTreeSet::new();
    }
    // everyone live has applied `current`: whatever moved was given up by its old owner
    let agreed = members
        .iter()
        .filter(|m| m.live)
        .all(|m| m.acknowledged >= current.number);
    // an old owner has let go once it applied `current`, or once its Lease expired
    let let_go = |id: &str| {
        members
            .iter()
            .find(|m| m.id == id)
            .is_none_or(|m| !m.live || m.acknowledged >= current.number)
    };
    current
        .owners
        .iter()
        .filter(|(_, owner)| *owner == me)
        .filter(|(ns, _)| {
            agreed
                || settled
                    .and_then(|s| s.owners.get(*ns))
                    .is_none_or(|old| old == me || let_go(old))
        })
        .map(|(ns, _)| ns.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::ring::Ring;

    fn namespaces(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("ns-{i}")).collect()
    }

    /// The epoch a leader publishes for `members` and the namespaces `names`.
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

    /// Every namespace is acted on by at most one replica, whatever the acknowledgements.
    fn assert_exclusive(all: &[BTreeSet<String>]) {
        let mut seen = BTreeSet::new();
        for owned in all {
            for ns in owned {
                assert!(seen.insert(ns.clone()), "{ns} has two owners");
            }
        }
    }

    #[test]
    fn a_settled_epoch_gives_every_namespace_exactly_one_owner() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b", "c"], &names);
        let members = [
            member("a", 1, true),
            member("b", 1, true),
            member("c", 1, true),
        ];
        let owned: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|m| owned(m, &e1, Some(&e1), &members))
            .collect();
        assert_exclusive(&owned);
        assert_eq!(owned.iter().map(BTreeSet::len).sum::<usize>(), 300);
    }

    #[test]
    fn a_moving_namespace_waits_until_its_old_owner_has_let_go() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b"], &names);
        let e2 = epoch(2, &["a", "b", "c"], &names);
        // c joined; the leader published e2; only c and a applied it so far
        let members = [
            member("a", 2, true),
            member("b", 1, true),
            member("c", 2, true),
        ];
        let a = owned("a", &e2, Some(&e1), &members);
        let c = owned("c", &e2, Some(&e1), &members);
        // b still acts on e1 (it has not seen e2): what it owned there
        let b = owned(
            "b",
            &e1,
            Some(&e1),
            &[member("a", 1, true), member("b", 1, true)],
        );
        assert_exclusive(&[a.clone(), b.clone(), c.clone()]);
        // c takes up what moved from a (which applied e2 and let go), not what moves from b
        let before = e1.owners.clone();
        assert!(!c.is_empty());
        assert!(c.iter().all(|ns| before[ns] == "a"), "{c:?}");
        // once b acknowledges e2, everything of e2 is taken up
        let members = [
            member("a", 2, true),
            member("b", 2, true),
            member("c", 2, true),
        ];
        let all: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|m| owned(m, &e2, Some(&e1), &members))
            .collect();
        assert_exclusive(&all);
        assert_eq!(all.iter().map(BTreeSet::len).sum::<usize>(), 300);
        assert!(!all[2].is_empty());
    }

    #[test]
    fn namespaces_that_do_not_move_are_never_paused() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b"], &names);
        let e2 = epoch(2, &["a", "b", "c"], &names);
        let before = owned(
            "a",
            &e1,
            Some(&e1),
            &[member("a", 1, true), member("b", 1, true)],
        );
        let during = owned(
            "a",
            &e2,
            Some(&e1),
            &[
                member("a", 2, true),
                member("b", 1, true),
                member("c", 2, true),
            ],
        );
        let after_e2 = e2.owners.clone();
        let staying: BTreeSet<String> = before
            .iter()
            .filter(|ns| after_e2[*ns] == "a")
            .cloned()
            .collect();
        assert_eq!(during, staying);
    }

    #[test]
    fn a_killed_replicas_namespaces_are_taken_over_when_its_lease_expires() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b", "c"], &names);
        let e2 = epoch(2, &["a", "b"], &names);
        // c was killed: its Lease expired, it never acknowledges e2
        let members = [
            member("a", 2, true),
            member("b", 2, true),
            member("c", 1, false),
        ];
        let a = owned("a", &e2, Some(&e1), &members);
        let b = owned("b", &e2, Some(&e1), &members);
        assert_exclusive(&[a.clone(), b.clone()]);
        assert_eq!(a.len() + b.len(), 300);
        // while c's Lease is still fresh, what it held waits
        let members = [
            member("a", 2, true),
            member("b", 2, true),
            member("c", 1, true),
        ];
        let held_by_c: BTreeSet<String> = e1
            .owners
            .clone()
            .into_iter()
            .filter(|(_, o)| o == "c")
            .map(|(n, _)| n)
            .collect();
        let a = owned("a", &e2, Some(&e1), &members);
        assert!(a.is_disjoint(&held_by_c));
    }

    /// Every combination of who applied the new epoch and whose Lease is fresh, on scale-up
    /// and scale-down: a replica that applied the new epoch acts by it, one that did not acts
    /// by the settled one, and no namespace ever has two owners.
    #[test]
    fn no_combination_of_acknowledgements_gives_a_namespace_two_owners() {
        let names = namespaces(60);
        let cases = [
            (
                epoch(1, &["a", "b", "c"], &names),
                epoch(2, &["a", "b", "c", "d"], &names),
            ),
            (
                epoch(1, &["a", "b", "c", "d"], &names),
                epoch(2, &["a", "b", "c"], &names),
            ),
            (epoch(1, &["a", "b"], &names), epoch(2, &["c", "d"], &names)),
        ];
        let ids = ["a", "b", "c", "d"];
        let mut checked = 0;
        for (settled, current) in &cases {
            for acked in 0..16u32 {
                for live in 0..16u32 {
                    let members: Vec<Member> = ids
                        .iter()
                        .enumerate()
                        .map(|(i, id)| {
                            member(
                                id,
                                if acked & (1 << i) != 0 { 2 } else { 1 },
                                live & (1 << i) != 0,
                            )
                        })
                        .collect();
                    let settled_view: Vec<Member> = members
                        .iter()
                        .map(|m| Member {
                            acknowledged: m.acknowledged.min(1),
                            ..m.clone()
                        })
                        .collect();
                    let all: Vec<BTreeSet<String>> = members
                        .iter()
                        .filter(|m| m.live)
                        .map(|m| {
                            if m.acknowledged >= 2 {
                                owned(&m.id, current, Some(settled), &members)
                            } else if settled.owners.values().any(|o| *o == m.id) {
                                owned(&m.id, settled, Some(settled), &settled_view)
                            } else {
                                BTreeSet::new()
                            }
                        })
                        .collect();
                    assert_exclusive(&all);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3 * 256);
    }

    #[test]
    fn a_replica_that_has_not_applied_the_epoch_or_lost_its_lease_acts_on_nothing() {
        let names = namespaces(50);
        let e2 = epoch(2, &["a", "b"], &names);
        let members = [member("a", 1, true), member("b", 2, true)];
        assert!(owned("a", &e2, None, &members).is_empty());
        let members = [member("a", 2, false), member("b", 2, true)];
        assert!(owned("a", &e2, None, &members).is_empty());
        assert!(owned("stranger", &e2, None, &members).is_empty());
    }
}
