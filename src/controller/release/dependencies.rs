//! `spec.dependsOn`: a release is installed or upgraded only while every HelmRelease it depends
//! on is Ready for its current generation; a cycle among them is reported as Stalled (nothing
//! would ever break it). The waiting release is woken by its dependencies' status changes (see
//! [`crate::controller::wakes`]), not by polling.

use std::collections::{BTreeMap, BTreeSet};

use kube::ResourceExt;

use crate::api::HelmRelease;
use crate::api::conditions::{self, reason};
use crate::controller::Context;

/// How many HelmReleases a cycle search reads at most.
const MAX_GRAPH: usize = 64;

/// `(namespace, name)`.
pub type Key = (String, String);

/// Why a release may not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// PascalCase reason.
    pub reason: &'static str,
    /// Which dependency and why.
    pub message: String,
    /// Whether only a spec change helps (a cycle).
    pub stalled: bool,
}

/// The dependencies a HelmRelease names, with its own namespace where they name none.
pub fn dependencies_of(hr: &HelmRelease) -> Vec<Key> {
    let namespace = hr.namespace().unwrap_or_default();
    hr.spec
        .depends_on
        .iter()
        .map(|d| {
            (
                d.namespace.clone().unwrap_or_else(|| namespace.clone()),
                d.name.clone(),
            )
        })
        .collect()
}

/// A cycle through `start` in the graph `edges` knows, as the path `start → … → start`. Pure.
pub fn find_cycle(start: &Key, edges: &BTreeMap<Key, Vec<Key>>) -> Option<Vec<Key>> {
    fn walk(
        at: &Key,
        start: &Key,
        edges: &BTreeMap<Key, Vec<Key>>,
        path: &mut Vec<Key>,
        seen: &mut BTreeSet<Key>,
    ) -> bool {
        for next in edges.get(at).map(Vec::as_slice).unwrap_or_default() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(next, start, edges, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.clone()];
    let mut seen = BTreeSet::new();
    walk(start, start, edges, &mut path, &mut seen).then_some(path)
}

fn show(key: &Key) -> String {
    format!("{}/{}", key.0, key.1)
}

/// Whether `hr` may go on: every dependency exists and is Ready for its current generation,
/// and none of them leads back to `hr`.
///
/// # Errors
/// The first dependency that blocks, or the cycle.
pub async fn check(ctx: &Context, hr: &HelmRelease) -> Result<(), Blocked> {
    let direct = dependencies_of(hr);
    if direct.is_empty() {
        return Ok(());
    }
    let me: Key = (hr.namespace().unwrap_or_default(), hr.name_any());
    // read the graph reachable from here (bounded), then look for a way back
    let mut edges: BTreeMap<Key, Vec<Key>> = BTreeMap::new();
    let mut found: BTreeMap<Key, Option<HelmRelease>> = BTreeMap::new();
    edges.insert(me.clone(), direct.clone());
    let mut queue: Vec<Key> = direct.clone();
    while let Some(key) = queue.pop() {
        if found.contains_key(&key) || key == me || found.len() >= MAX_GRAPH {
            continue;
        }
        let read = get(ctx, &key).await.map_err(|message| Blocked {
            reason: reason::DEPENDENCY_NOT_READY,
            message,
            stalled: false,
        })?;
        if let Some(dep) = &read {
            let next = dependencies_of(dep);
            queue.extend(next.iter().cloned());
            edges.insert(key.clone(), next);
        }
        found.insert(key, read);
    }
    if let Some(cycle) = find_cycle(&me, &edges) {
        return Err(Blocked {
            reason: reason::DEPENDENCY_CYCLE,
            message: format!(
                "dependency cycle: {}",
                cycle.iter().map(show).collect::<Vec<_>>().join(" -> ")
            ),
            stalled: true,
        });
    }
    for key in &direct {
        let Some(Some(dep)) = found.get(key) else {
            return Err(Blocked {
                reason: reason::DEPENDENCY_NOT_READY,
                message: format!("dependency {} does not exist", show(key)),
                stalled: false,
            });
        };
        if !is_ready(dep) {
            return Err(Blocked {
                reason: reason::DEPENDENCY_NOT_READY,
                message: format!("dependency {} is not ready", show(key)),
                stalled: false,
            });
        }
    }
    Ok(())
}

/// Ready=True for the generation the object has now.
pub fn is_ready(hr: &HelmRelease) -> bool {
    let Some(status) = &hr.status else {
        return false;
    };
    status.observed_generation == hr.metadata.generation
        && conditions::find_condition(&status.conditions, conditions::READY)
            .is_some_and(|c| c.status == conditions::status::TRUE)
}

async fn get(ctx: &Context, key: &Key) -> Result<Option<HelmRelease>, String> {
    let api: kube::Api<HelmRelease> = kube::Api::namespaced(ctx.client.clone(), &key.0);
    match tokio::time::timeout(crate::controller::API_CALL_TIMEOUT, api.get_opt(&key.1)).await {
        Ok(Ok(found)) => Ok(found),
        Ok(Err(e)) => Err(format!("reading dependency {}: {e}", show(key))),
        Err(_) => Err(format!("reading dependency {} timed out", show(key))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Key {
        ("ns".to_owned(), name.to_owned())
    }

    fn graph(pairs: &[(&str, &[&str])]) -> BTreeMap<Key, Vec<Key>> {
        pairs
            .iter()
            .map(|(from, to)| (key(from), to.iter().map(|t| key(t)).collect()))
            .collect()
    }

    #[test]
    fn a_cycle_through_the_release_is_found_with_its_path() {
        let g = graph(&[("a", &["b"]), ("b", &["c", "d"]), ("c", &["a"]), ("d", &[])]);
        let cycle = find_cycle(&key("a"), &g).unwrap();
        assert_eq!(cycle, [key("a"), key("b"), key("c"), key("a")]);
    }

    #[test]
    fn a_diamond_or_a_cycle_elsewhere_is_not_this_releases_cycle() {
        let diamond = graph(&[("a", &["b", "c"]), ("b", &["d"]), ("c", &["d"]), ("d", &[])]);
        assert_eq!(find_cycle(&key("a"), &diamond), None);
        let elsewhere = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["b"])]);
        assert_eq!(find_cycle(&key("a"), &elsewhere), None);
        assert!(find_cycle(&key("b"), &elsewhere).is_some());
    }
}
