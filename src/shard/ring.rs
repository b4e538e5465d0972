//! Which replica owns which namespace: consistent hashing with virtual nodes and bounded loads.
//! Pure. The leader computes the assignment from the members and namespaces it sees and
//! publishes it as an epoch (see [`super::fence`]), so replicas act on one agreed map even while
//! their own watches disagree on which namespaces exist. The hash is SHA-256, stable across
//! builds and platforms, so a leader of another version computes the same map during a rolling
//! upgrade. Each member is placed on the ring at many points; a namespace goes to the first
//! member clockwise from its own point that still has room, where room is the average load
//! times [`LOAD_BOUND_PERCENT`] % (Mirrokni, Thorup and Zadimoghaddam's bounded loads): the load
//! stays even while adding or removing a member moves about 1/N of the namespaces.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Points per member on the ring.
pub const VIRTUAL_NODES: usize = 256;

/// No member owns more than this many percent of the average number of namespaces (rounded
/// up).
pub const LOAD_BOUND_PERCENT: usize = 105;

/// The ring of the current members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring {
    /// Point → member index, sorted by point.
    points: Vec<(u64, usize)>,
    /// Members, sorted and without duplicates.
    members: Vec<String>,
}

fn point(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

impl Ring {
    /// The ring of `members` (order and duplicates do not matter).
    pub fn new<I, S>(members: I) -> Ring
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut members: Vec<String> = members.into_iter().map(Into::into).collect();
        members.sort();
        members.dedup();
        let mut points: Vec<(u64, usize)> = members
            .iter()
            .enumerate()
            .flat_map(|(i, m)| (0..VIRTUAL_NODES).map(move |v| (point(&format!("{m}#{v}")), i)))
            .collect();
        points.sort_unstable();
        Ring { points, members }
    }

    /// The members.
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// The members in the order a namespace's point meets them going clockwise (each once).
    fn preference(&self, namespace: &str) -> Vec<usize> {
        let at = point(namespace);
        let start = self.points.partition_point(|(p, _)| *p < at);
        let mut order = Vec::with_capacity(self.members.len());
        for k in 0..self.points.len() {
            let member = self.points[(start + k) % self.points.len()].1;
            if !order.contains(&member) {
                order.push(member);
                if order.len() == self.members.len() {
                    break;
                }
            }
        }
        order
    }

    /// Assigns every namespace of `namespaces` to a member: the first one clockwise with room.
    /// Namespaces are placed in the order of their own points, so the result depends only on
    /// the set of namespaces and the set of members.
    pub fn assign<'a>(
        &self,
        namespaces: impl IntoIterator<Item = &'a str>,
    ) -> BTreeMap<String, String> {
        let mut names: Vec<(u64, &str)> = namespaces.into_iter().map(|n| (point(n), n)).collect();
        names.sort_unstable();
        names.dedup();
        let mut owners = BTreeMap::new();
        if self.members.is_empty() {
            return owners;
        }
        let (total, members) = (names.len(), self.members.len());
        // at least one more than the average, so that a small ring can always place everything
        let room = (total * LOAD_BOUND_PERCENT)
            .div_ceil(members * 100)
            .max(total / members + 1);
        let mut load = vec![0usize; self.members.len()];
        for (_, namespace) in names {
            let member = self
                .preference(namespace)
                .into_iter()
                .find(|m| load[*m] < room)
                .unwrap_or(0);
            load[member] += 1;
            owners.insert(namespace.to_owned(), self.members[member].clone());
        }
        owners
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn namespaces(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("team-{i}")).collect()
    }

    fn replicas(n: usize) -> Vec<String> {
        // names as a Deployment gives its pods
        (0..n)
            .map(|i| {
                format!(
                    "helm-operator-7d9f8c6b5-{}",
                    [
                        "x2kqp", "m9zrt", "b4wvn", "q7hcl", "t5fgd", "k8sjm", "p3nxa"
                    ][i]
                )
            })
            .collect()
    }

    fn counts(owners: &BTreeMap<String, String>) -> BTreeMap<String, usize> {
        let mut c = BTreeMap::new();
        for m in owners.values() {
            *c.entry(m.clone()).or_default() += 1;
        }
        c
    }

    #[test]
    fn a_thousand_namespaces_spread_evenly_over_three_replicas() {
        let names = namespaces(1000);
        let ring = Ring::new(replicas(3));
        let owners = ring.assign(names.iter().map(String::as_str));
        assert_eq!(owners.len(), 1000, "every namespace has exactly one owner");
        let c = counts(&owners);
        assert_eq!(c.len(), 3);
        let (max, min) = (*c.values().max().unwrap(), *c.values().min().unwrap());
        assert!(max as f64 / min as f64 <= 1.25, "{c:?}");
        eprintln!("1,000 namespaces over 3 replicas: {c:?}");
    }

    #[test]
    fn the_assignment_does_not_depend_on_order_or_duplicates() {
        let names = namespaces(200);
        let mut reversed = names.clone();
        reversed.reverse();
        reversed.push(names[0].clone());
        let mut members = replicas(3);
        let a = Ring::new(members.clone()).assign(names.iter().map(String::as_str));
        members.reverse();
        let b = Ring::new(members).assign(reversed.iter().map(String::as_str));
        assert_eq!(a, b);
    }

    #[test]
    fn adding_a_replica_moves_about_one_in_n_namespaces() {
        let names = namespaces(1000);
        for n in 1..=5 {
            let before = Ring::new(replicas(n)).assign(names.iter().map(String::as_str));
            let after = Ring::new(replicas(n + 1)).assign(names.iter().map(String::as_str));
            let moved = names.iter().filter(|ns| before[*ns] != after[*ns]).count();
            let ideal = 1000.0 / (n + 1) as f64;
            eprintln!(
                "{n} -> {} replicas: {moved} of 1,000 namespaces moved (1/N: {ideal:.0})",
                n + 1
            );
            // DESIGN §6: at most 1/N + 5% of the namespaces move
            assert!(
                (moved as f64) <= ideal + 50.0,
                "{n} -> {}: {moved} moved, ideal {ideal:.0}",
                n + 1
            );
            // and every namespace that moved went to the new replica or off an overloaded one
            let balance = counts(&after);
            let (max, min) = (
                *balance.values().max().unwrap(),
                *balance.values().min().unwrap(),
            );
            assert!(max as f64 / min as f64 <= 1.25, "{balance:?}");
        }
    }

    #[test]
    fn removing_a_replica_moves_only_its_namespaces_and_a_few_more() {
        let names = namespaces(1000);
        let before = Ring::new(replicas(4)).assign(names.iter().map(String::as_str));
        let gone = replicas(4)[1].clone();
        let mut left = replicas(4);
        left.remove(1);
        let after = Ring::new(left).assign(names.iter().map(String::as_str));
        let moved = names.iter().filter(|ns| before[*ns] != after[*ns]).count();
        let orphaned = before.values().filter(|m| **m == gone).count();
        assert!(moved >= orphaned);
        assert!(
            moved as f64 <= orphaned as f64 + 50.0,
            "{moved} moved, {orphaned} orphaned"
        );
        assert!(after.values().all(|m| *m != gone));
    }

    #[test]
    fn no_members_own_nothing_and_one_member_owns_everything() {
        let names = namespaces(10);
        assert!(
            Ring::new(Vec::<String>::new())
                .assign(names.iter().map(String::as_str))
                .is_empty()
        );
        let one = Ring::new(["only"]).assign(names.iter().map(String::as_str));
        assert!(one.values().all(|m| m == "only") && one.len() == 10);
    }
}
