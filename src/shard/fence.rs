//! When a replica may act on a namespace during a handover. Pure. The leader publishes
//! assignments as epochs (the member list of each; [`super::ring::Ring`] turns it into owners);
//! every replica applies the newest epoch it sees — it stops acting on the namespaces it loses
//! at once — and then acknowledges the epoch in its own member Lease. A namespace that moves is
//! taken up by its new owner only once every live member has acknowledged the epoch (so its old
//! owner has stopped), or once the old owner's Lease has expired (a killed replica writes
//! nothing; a partitioned one stops itself when it cannot renew its Lease). A namespace whose
//! owner does not change is never paused. So no namespace is ever acted on by two replicas.

use std::collections::BTreeSet;

use super::ring::Ring;

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
    /// The members it divides the namespaces among.
    pub members: Vec<String>,
}

/// The namespaces `me` may act on now, out of `namespaces`.
///
/// `current` is the newest published epoch, `settled` the newest epoch that every member live
/// at the time acknowledged (the last one the cluster fully agreed on); `members` are the
/// member Leases as read now. `me` must itself have acknowledged `current` (it has stopped what
/// it loses) before it acts on anything of it.
pub fn owned(
    me: &str,
    namespaces: &[String],
    current: &Epoch,
    settled: Option<&Epoch>,
    members: &[Member],
) -> BTreeSet<String> {
    let mine = members.iter().find(|m| m.id == me);
    if !mine.is_some_and(|m| m.live && m.acknowledged >= current.number) {
        return BTreeSet::new();
    }
    let names = || namespaces.iter().map(String::as_str);
    let next = Ring::new(current.members.clone()).assign(names());
    // everyone live has applied `current`: whatever moved was given up by its old owner
    let agreed = members
        .iter()
        .filter(|m| m.live)
        .all(|m| m.acknowledged >= current.number);
    let before = if agreed {
        None
    } else {
        settled.map(|s| Ring::new(s.members.clone()).assign(names()))
    };
    // an old owner has let go once it applied `current`, or once its Lease expired
    let let_go = |id: &str| {
        members
            .iter()
            .find(|m| m.id == id)
            .is_none_or(|m| !m.live || m.acknowledged >= current.number)
    };
    namespaces
        .iter()
        .filter(|ns| next.get(*ns).is_some_and(|owner| owner == me))
        .filter(|ns| match &before {
            // all agree on `current`
            None => agreed,
            // not yet: what stays with me, or what its old owner has let go of
            Some(before) => before.get(*ns).is_none_or(|old| old == me || let_go(old)),
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn namespaces(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("ns-{i}")).collect()
    }

    fn epoch(number: u64, members: &[&str]) -> Epoch {
        Epoch {
            number,
            members: members.iter().map(|m| (*m).to_owned()).collect(),
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
        let e1 = epoch(1, &["a", "b", "c"]);
        let members = [
            member("a", 1, true),
            member("b", 1, true),
            member("c", 1, true),
        ];
        let owned: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|m| owned(m, &names, &e1, Some(&e1), &members))
            .collect();
        assert_exclusive(&owned);
        assert_eq!(owned.iter().map(BTreeSet::len).sum::<usize>(), 300);
    }

    #[test]
    fn a_moving_namespace_waits_until_its_old_owner_has_let_go() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b"]);
        let e2 = epoch(2, &["a", "b", "c"]);
        // c joined; the leader published e2; only c and a applied it so far
        let members = [
            member("a", 2, true),
            member("b", 1, true),
            member("c", 2, true),
        ];
        let a = owned("a", &names, &e2, Some(&e1), &members);
        let c = owned("c", &names, &e2, Some(&e1), &members);
        // b still acts on e1 (it has not seen e2): what it owned there
        let b = owned(
            "b",
            &names,
            &e1,
            Some(&e1),
            &[member("a", 1, true), member("b", 1, true)],
        );
        assert_exclusive(&[a.clone(), b.clone(), c.clone()]);
        // c takes up what moved from a (which applied e2 and let go), not what moves from b
        let before = Ring::new(e1.members.clone()).assign(names.iter().map(String::as_str));
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
            .map(|m| owned(m, &names, &e2, Some(&e1), &members))
            .collect();
        assert_exclusive(&all);
        assert_eq!(all.iter().map(BTreeSet::len).sum::<usize>(), 300);
        assert!(!all[2].is_empty());
    }

    #[test]
    fn namespaces_that_do_not_move_are_never_paused() {
        let names = namespaces(300);
        let e1 = epoch(1, &["a", "b"]);
        let e2 = epoch(2, &["a", "b", "c"]);
        let before = owned(
            "a",
            &names,
            &e1,
            Some(&e1),
            &[member("a", 1, true), member("b", 1, true)],
        );
        let during = owned(
            "a",
            &names,
            &e2,
            Some(&e1),
            &[
                member("a", 2, true),
                member("b", 1, true),
                member("c", 2, true),
            ],
        );
        let after_e2 = Ring::new(e2.members.clone()).assign(names.iter().map(String::as_str));
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
        let e1 = epoch(1, &["a", "b", "c"]);
        let e2 = epoch(2, &["a", "b"]);
        // c was killed: its Lease expired, it never acknowledges e2
        let members = [
            member("a", 2, true),
            member("b", 2, true),
            member("c", 1, false),
        ];
        let a = owned("a", &names, &e2, Some(&e1), &members);
        let b = owned("b", &names, &e2, Some(&e1), &members);
        assert_exclusive(&[a.clone(), b.clone()]);
        assert_eq!(a.len() + b.len(), 300);
        // while c's Lease is still fresh, what it held waits
        let members = [
            member("a", 2, true),
            member("b", 2, true),
            member("c", 1, true),
        ];
        let held_by_c: BTreeSet<String> = Ring::new(e1.members.clone())
            .assign(names.iter().map(String::as_str))
            .into_iter()
            .filter(|(_, o)| o == "c")
            .map(|(n, _)| n)
            .collect();
        let a = owned("a", &names, &e2, Some(&e1), &members);
        assert!(a.is_disjoint(&held_by_c));
    }

    /// Every combination of who applied the new epoch and whose Lease is fresh, on scale-up
    /// and scale-down: a replica that applied the new epoch acts by it, one that did not acts
    /// by the settled one, and no namespace ever has two owners.
    #[test]
    fn no_combination_of_acknowledgements_gives_a_namespace_two_owners() {
        let names = namespaces(60);
        let cases = [
            (epoch(1, &["a", "b", "c"]), epoch(2, &["a", "b", "c", "d"])),
            (epoch(1, &["a", "b", "c", "d"]), epoch(2, &["a", "b", "c"])),
            (epoch(1, &["a", "b"]), epoch(2, &["c", "d"])),
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
                                owned(&m.id, &names, current, Some(settled), &members)
                            } else if settled.members.contains(&m.id) {
                                owned(&m.id, &names, settled, Some(settled), &settled_view)
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
        let e2 = epoch(2, &["a", "b"]);
        let members = [member("a", 1, true), member("b", 2, true)];
        assert!(owned("a", &names, &e2, None, &members).is_empty());
        let members = [member("a", 2, false), member("b", 2, true)];
        assert!(owned("a", &names, &e2, None, &members).is_empty());
        assert!(owned("stranger", &names, &e2, None, &members).is_empty());
    }
}
