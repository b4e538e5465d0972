//! The assignment the leader publishes: the current epoch (its number and the owner of every
//! namespace) and the settled one (the newest that every live member acknowledged), kept in one
//! ConfigMap in the operator's namespace. Pure: the leader's decision ([`next`]) and the
//! ConfigMap's data format ([`encode`], [`decode`]).

use std::collections::{BTreeMap, BTreeSet};

use super::fence::{Epoch, Member};
use super::ring::Ring;

/// The ConfigMap that holds the assignment.
pub const CONFIG_MAP: &str = "helm-operator-assignment";

/// What the leader has published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The newest epoch.
    pub current: Epoch,
    /// The newest epoch every live member acknowledged.
    pub settled: Option<Epoch>,
}

/// What the leader publishes next, given what is published, the members' Leases and the
/// namespaces it knows of; `None` when nothing changes. A new epoch is published when the live
/// members or the namespaces give other owners; the settled epoch moves up once every live
/// member has acknowledged the current one.
pub fn next(
    published: Option<&Published>,
    members: &[Member],
    namespaces: &BTreeSet<String>,
) -> Option<Published> {
    let live: Vec<&str> = members
        .iter()
        .filter(|m| m.live)
        .map(|m| m.id.as_str())
        .collect();
    let wanted = Ring::new(live.iter().copied()).assign(namespaces.iter().map(String::as_str));
    let Some(published) = published else {
        return Some(Published {
            current: Epoch {
                number: 1,
                owners: wanted,
            },
            settled: None,
        });
    };
    let current = &published.current;
    let acknowledged = members
        .iter()
        .filter(|m| m.live)
        .all(|m| m.acknowledged >= current.number);
    let settled = if acknowledged {
        Some(current.clone())
    } else {
        published.settled.clone()
    };
    if wanted != current.owners {
        return Some(Published {
            current: Epoch {
                number: current.number + 1,
                owners: wanted,
            },
            settled,
        });
    }
    (settled != published.settled).then(|| Published {
        current: current.clone(),
        settled,
    })
}

/// The ConfigMap data of `published`.
pub fn encode(published: &Published) -> BTreeMap<String, String> {
    let mut data = BTreeMap::new();
    data.insert("epoch".to_owned(), published.current.number.to_string());
    data.insert(
        "owners".to_owned(),
        serde_json::to_string(&published.current.owners).unwrap_or_default(),
    );
    if let Some(settled) = &published.settled {
        data.insert("settledEpoch".to_owned(), settled.number.to_string());
        data.insert(
            "settledOwners".to_owned(),
            serde_json::to_string(&settled.owners).unwrap_or_default(),
        );
    }
    data
}

/// The assignment in ConfigMap data.
///
/// # Errors
/// A missing or malformed key, named.
pub fn decode(data: &BTreeMap<String, String>) -> Result<Published, String> {
    let epoch = |number: &str, owners: &str| -> Result<Epoch, String> {
        let text = |key: &str| {
            data.get(key)
                .ok_or_else(|| format!("the assignment has no {key:?}"))
        };
        Ok(Epoch {
            number: text(number)?
                .parse()
                .map_err(|e| format!("the assignment's {number:?}: {e}"))?,
            owners: serde_json::from_str(text(owners)?)
                .map_err(|e| format!("the assignment's {owners:?}: {e}"))?,
        })
    };
    Ok(Published {
        current: epoch("epoch", "owners")?,
        settled: if data.contains_key("settledEpoch") {
            Some(epoch("settledEpoch", "settledOwners")?)
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::fence::owned;

    fn names(n: usize) -> BTreeSet<String> {
        (0..n).map(|i| format!("ns-{i}")).collect()
    }

    fn member(id: &str, acknowledged: u64, live: bool) -> Member {
        Member {
            id: id.to_owned(),
            acknowledged,
            live,
        }
    }

    #[test]
    fn a_scale_up_goes_through_a_new_epoch_that_settles_once_everyone_applied_it() {
        let ns = names(300);
        let mut members = vec![member("a", 0, true), member("b", 0, true)];
        let p1 = next(None, &members, &ns).unwrap();
        assert_eq!(p1.current.number, 1);
        assert_eq!(p1.settled, None);
        // nothing changes until both applied epoch 1
        assert_eq!(next(Some(&p1), &members, &ns), None);
        members = vec![member("a", 1, true), member("b", 1, true)];
        let p1s = next(Some(&p1), &members, &ns).unwrap();
        assert_eq!(p1s.settled.as_ref().unwrap().number, 1);
        assert_eq!(next(Some(&p1s), &members, &ns), None);
        // c joins: epoch 2, settled stays 1 until all three applied 2
        members.push(member("c", 0, true));
        let p2 = next(Some(&p1s), &members, &ns).unwrap();
        assert_eq!(p2.current.number, 2);
        assert_eq!(p2.settled.as_ref().unwrap().number, 1);
        assert!(p2.current.owners.values().any(|o| o == "c"));
        // during the handover no namespace has two owners; afterwards all 300 have one
        let during = [
            member("a", 2, true),
            member("b", 1, true),
            member("c", 2, true),
        ];
        let mut seen = BTreeSet::new();
        for m in ["a", "c"] {
            for n in owned(m, &p2.current, p2.settled.as_ref(), &during) {
                assert!(seen.insert(n));
            }
        }
        for n in owned(
            "b",
            p2.settled.as_ref().unwrap(),
            p2.settled.as_ref(),
            &[member("a", 1, true), member("b", 1, true)],
        ) {
            assert!(seen.insert(n.clone()), "{n} has two owners");
        }
        let done = [
            member("a", 2, true),
            member("b", 2, true),
            member("c", 2, true),
        ];
        let p2s = next(Some(&p2), &done, &ns).unwrap();
        assert_eq!(p2s.settled.as_ref().unwrap().number, 2);
        let total: usize = ["a", "b", "c"]
            .iter()
            .map(|m| owned(m, &p2s.current, p2s.settled.as_ref(), &done).len())
            .sum();
        assert_eq!(total, 300);
    }

    #[test]
    fn a_dead_member_and_a_new_namespace_make_a_new_epoch() {
        let ns = names(50);
        let members = [member("a", 1, true), member("b", 1, true)];
        let p = next(None, &members, &ns).unwrap();
        let p = next(Some(&p), &members, &ns).unwrap();
        let dead = [member("a", 1, true), member("b", 1, false)];
        let p2 = next(Some(&p), &dead, &ns).unwrap();
        assert_eq!(p2.current.number, 2);
        assert!(p2.current.owners.values().all(|o| o == "a"));
        let mut more = ns.clone();
        more.insert("brand-new".into());
        let p3 = next(Some(&p), &members, &more).unwrap();
        assert_eq!(p3.current.number, 2);
        assert!(p3.current.owners.contains_key("brand-new"));
    }

    #[test]
    fn the_assignment_survives_its_config_map_and_bad_data_is_named() {
        let ns = names(20);
        let members = [member("a", 1, true), member("b", 1, true)];
        let p = next(None, &members, &ns).unwrap();
        let p = next(Some(&p), &members, &ns).unwrap();
        assert_eq!(decode(&encode(&p)).unwrap(), p);
        let mut broken = encode(&p);
        broken.insert("epoch".into(), "x".into());
        assert!(decode(&broken).unwrap_err().contains("\"epoch\""));
        let mut missing = encode(&p);
        missing.remove("owners");
        assert!(decode(&missing).unwrap_err().contains("\"owners\""));
    }
}
