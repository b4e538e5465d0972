//! The assignment the leader publishes: the current epoch (its number and the owner of every
//! namespace), kept in one ConfigMap in the operator's namespace. Pure: the leader's decision
//! ([`next`]) and the ConfigMap's data format ([`encode`], [`decode`]).
//!
//! The owners are stored as a list of members and, per namespace, the index of its owner, so
//! that 10,000 namespaces fit well within a ConfigMap's 1 MiB.

use std::collections::{BTreeMap, BTreeSet};

use super::fence::Epoch;
use super::ring::Ring;

/// The ConfigMap that holds the assignment.
pub const CONFIG_MAP: &str = "helm-operator-assignment";

/// What the leader publishes next, given what is published, the live members and the
/// namespaces it knows of; `None` when nothing changes. A new epoch is published whenever the
/// live members or the namespaces give other owners, so a namespace that appears gets an owner
/// and a dead member's namespaces go to the others.
pub fn next(
    published: Option<&Epoch>,
    live: &[&str],
    namespaces: &BTreeSet<String>,
) -> Option<Epoch> {
    let wanted = Ring::new(live.iter().copied()).assign(namespaces.iter().map(String::as_str));
    match published {
        Some(current) if current.owners == wanted => None,
        Some(current) => Some(Epoch {
            number: current.number + 1,
            owners: wanted,
        }),
        None => Some(Epoch {
            number: 1,
            owners: wanted,
        }),
    }
}

/// The ConfigMap data of `epoch`.
pub fn encode(epoch: &Epoch) -> BTreeMap<String, String> {
    let members: Vec<&String> = epoch
        .owners
        .values()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: BTreeMap<&String, usize> =
        members.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let owners: BTreeMap<&String, usize> = epoch
        .owners
        .iter()
        .map(|(ns, owner)| (ns, index[owner]))
        .collect();
    let mut data = BTreeMap::new();
    data.insert("epoch".to_owned(), epoch.number.to_string());
    data.insert(
        "members".to_owned(),
        serde_json::to_string(&members).unwrap_or_default(),
    );
    data.insert(
        "owners".to_owned(),
        serde_json::to_string(&owners).unwrap_or_default(),
    );
    data
}

/// The assignment in ConfigMap data.
///
/// # Errors
/// A missing or malformed key, named.
pub fn decode(data: &BTreeMap<String, String>) -> Result<Epoch, String> {
    let text = |key: &str| {
        data.get(key)
            .ok_or_else(|| format!("the assignment has no {key:?}"))
    };
    let number = text("epoch")?
        .parse()
        .map_err(|e| format!("the assignment's \"epoch\": {e}"))?;
    let members: Vec<String> = serde_json::from_str(text("members")?)
        .map_err(|e| format!("the assignment's \"members\": {e}"))?;
    let owners: BTreeMap<String, usize> = serde_json::from_str(text("owners")?)
        .map_err(|e| format!("the assignment's \"owners\": {e}"))?;
    let owners = owners
        .into_iter()
        .map(|(ns, i)| {
            members
                .get(i)
                .map(|m| (ns.clone(), m.clone()))
                .ok_or_else(|| {
                    format!(
                        "the assignment's \"owners\": {ns} names member {i} of {}",
                        members.len()
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(Epoch { number, owners })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> BTreeSet<String> {
        (0..n).map(|i| format!("ns-{i}")).collect()
    }

    #[test]
    fn a_new_epoch_comes_only_when_the_owners_change() {
        let ns = names(300);
        let e1 = next(None, &["a", "b"], &ns).unwrap();
        assert_eq!(e1.number, 1);
        assert_eq!(next(Some(&e1), &["b", "a"], &ns), None);
        let e2 = next(Some(&e1), &["a", "b", "c"], &ns).unwrap();
        assert_eq!(e2.number, 2);
        assert!(e2.owners.values().any(|o| o == "c"));
        // a member dies: its namespaces go to the others
        let e3 = next(Some(&e2), &["a", "c"], &ns).unwrap();
        assert!(e3.owners.values().all(|o| o != "b"));
        // a namespace appears
        let mut more = ns.clone();
        more.insert("brand-new".into());
        let e4 = next(Some(&e3), &["a", "c"], &more).unwrap();
        assert_eq!(e4.number, 4);
        assert!(e4.owners.contains_key("brand-new"));
        // no members: every namespace is unowned
        assert!(next(Some(&e4), &[], &more).unwrap().owners.is_empty());
    }

    #[test]
    fn the_assignment_survives_its_config_map_and_bad_data_is_named() {
        let e = next(None, &["a", "b"], &names(20)).unwrap();
        assert_eq!(decode(&encode(&e)).unwrap(), e);
        let mut broken = encode(&e);
        broken.insert("epoch".into(), "x".into());
        assert!(decode(&broken).unwrap_err().contains("\"epoch\""));
        let mut missing = encode(&e);
        missing.remove("owners");
        assert!(decode(&missing).unwrap_err().contains("\"owners\""));
        let mut out_of_range = encode(&e);
        out_of_range.insert("owners".into(), r#"{"ns-0": 7}"#.into());
        assert!(
            decode(&out_of_range)
                .unwrap_err()
                .contains("ns-0 names member 7 of 2")
        );
    }

    #[test]
    fn ten_thousand_namespaces_fit_in_a_config_map() {
        let ns: BTreeSet<String> = (0..10_000)
            .map(|i| format!("team-{i:05}-production"))
            .collect();
        let members: Vec<String> = (0..5)
            .map(|i| format!("helm-operator-7d9f8b6c5-{i:05}"))
            .collect();
        let live: Vec<&str> = members.iter().map(String::as_str).collect();
        let e = next(None, &live, &ns).unwrap();
        let size: usize = encode(&e).iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(size < 512 * 1024, "{size} bytes");
    }
}
