//! Running a revision's hooks the way Helm v4 runs them, one look per reconcile: which hooks an
//! event runs and in what order (the record's kind order, then weight, then name), starting one
//! (its `before-hook-creation` delete, then a server-side apply without Helm's ownership
//! metadata, as Helm creates hooks), whether it finished (Jobs until complete, Pods until
//! succeeded, anything else at once), and the deletes its policies ask for afterwards.

use serde_json::Value;

use crate::cluster::apply::{Applier, ApplyError, ObjectKey, ReleaseRef, Resource, set_namespace};
use crate::cluster::readiness::{Readiness, WaitOptions, readiness};
use crate::cluster::storage::{HookRecord, Release};
use crate::engine::chart::manifests::HookDeletePolicy;

/// The indices of `record.hooks` that `event` runs, in Helm's execution order: the stored
/// order (Helm stores hooks in kind order) sorted stably by weight, then by name.
pub fn ordered(record: &Release, event: &str) -> Vec<usize> {
    let mut order: Vec<usize> = record
        .hooks
        .iter()
        .enumerate()
        .filter(|(_, h)| h.events.iter().any(|e| e.as_str() == event))
        .map(|(i, _)| i)
        .collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&record.hooks[a], &record.hooks[b]);
        x.weight.cmp(&y.weight).then_with(|| x.name.cmp(&y.name))
    });
    order
}

/// How a started hook is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookState {
    /// Still running (or an earlier copy is still being deleted).
    Running(String),
    /// Done.
    Succeeded,
    /// Failed, in Helm's words.
    Failed(String),
}

/// Whether `hook` names `policy` (a hook naming none gets `before-hook-creation`, as Helm's
/// `hookSetDeletePolicy` gives it).
pub fn has_policy(hook: &HookRecord, policy: &HookDeletePolicy) -> bool {
    if hook.delete_policies.is_empty() {
        return *policy == HookDeletePolicy::BeforeHookCreation;
    }
    hook.delete_policies.contains(policy)
}

/// The hook's objects, ready to apply as Helm creates hooks: namespace defaulted to the
/// release's, no ownership metadata stamped.
async fn resources(
    applier: &Applier,
    hook: &HookRecord,
    release: &ReleaseRef,
) -> Result<Vec<Resource>, ApplyError> {
    let mut prepared = Vec::new();
    for obj in crate::cluster::apply::parse_manifest(&hook.manifest)? {
        let mut resource = applier.prepare(&obj, release).await?;
        let mut object = obj.clone();
        set_namespace(&mut object, resource.key.namespace.as_deref());
        resource.object = object;
        prepared.push(resource);
    }
    Ok(prepared)
}

/// Deletes the hook's objects when `policy` applies to it; `Ok(false)` while a deleted object
/// is still there (finalizers), so the caller looks again later instead of waiting here.
/// CustomResourceDefinitions are never deleted (Helm's rule: their deletion cascades).
///
/// # Errors
/// A refused delete or read.
pub async fn delete_by_policy(
    applier: &Applier,
    hook: &HookRecord,
    release: &ReleaseRef,
    policy: &HookDeletePolicy,
) -> Result<bool, ApplyError> {
    if hook.kind == "CustomResourceDefinition" || !has_policy(hook, policy) {
        return Ok(true);
    }
    let mut gone = true;
    for resource in resources(applier, hook, release).await? {
        applier.delete(&resource.key).await?;
        if applier.get(&resource.key).await?.is_some() {
            gone = false;
        }
    }
    Ok(gone)
}

/// Starts `hook`: its `before-hook-creation` delete, then its objects applied. `Ok(false)`
/// when an earlier copy is still being deleted (nothing was created; start again later).
///
/// # Errors
/// A refused delete or apply, worded as Helm words a hook that could not be created.
pub async fn start(
    applier: &Applier,
    hook: &HookRecord,
    release: &ReleaseRef,
    event: &str,
) -> Result<bool, String> {
    let wrap = |e: ApplyError| format!("warning: Hook {event} {} failed: {e}", hook.path);
    if !delete_by_policy(
        applier,
        hook,
        release,
        &HookDeletePolicy::BeforeHookCreation,
    )
    .await
    .map_err(wrap)?
    {
        return Ok(false);
    }
    for resource in resources(applier, hook, release).await.map_err(wrap)? {
        applier.apply_resource(&resource).await.map_err(wrap)?;
    }
    Ok(true)
}

/// How a started hook is doing: Jobs run until complete and Pods until succeeded, as Helm's
/// `WatchUntilReady` waits for them; other kinds are done once created.
///
/// # Errors
/// A failed read.
pub async fn state(
    applier: &Applier,
    hook: &HookRecord,
    release: &ReleaseRef,
) -> Result<HookState, ApplyError> {
    for resource in resources(applier, hook, release).await? {
        let key = &resource.key;
        let kind = key.kind.as_str();
        if !matches!((key.group.as_str(), kind), ("batch", "Job") | ("", "Pod")) {
            continue;
        }
        let Some(live) = applier.get(key).await? else {
            return Ok(HookState::Failed(format!(
                "{} not found after it was created",
                describe(key)
            )));
        };
        match hook_readiness(&live, kind) {
            Readiness::Ready => {}
            Readiness::InProgress(m) => {
                return Ok(HookState::Running(format!("{}: {m}", describe(key))));
            }
            Readiness::Failed(m) => {
                return Ok(HookState::Failed(format!(
                    "resource {} not ready. status: Failed, message: {m}",
                    describe(key)
                )));
            }
        }
    }
    Ok(HookState::Succeeded)
}

fn hook_readiness(live: &Value, kind: &str) -> Readiness {
    if kind == "Pod" {
        let name = live["metadata"]["name"].as_str().unwrap_or_default();
        return match live["status"]["phase"].as_str() {
            Some("Succeeded") => Readiness::Ready,
            Some("Failed") => Readiness::Failed(format!("pod {name} failed")),
            phase => Readiness::InProgress(format!(
                "pod {name} is {}",
                phase.unwrap_or("pending").to_ascii_lowercase()
            )),
        };
    }
    readiness(
        live,
        &WaitOptions {
            wait_for_jobs: true,
            now: None,
        },
    )
}

/// `Kind/namespace/name`, as Helm's waiter names an object.
fn describe(key: &ObjectKey) -> String {
    match &key.namespace {
        Some(ns) => format!("{}/{ns}/{}", key.kind, key.name),
        None => format!("{}/{}", key.kind, key.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::storage::HookEvent;

    fn hook(name: &str, kind: &str, weight: i64, events: &[HookEvent]) -> HookRecord {
        HookRecord {
            name: name.into(),
            kind: kind.into(),
            events: events.to_vec(),
            weight,
            ..HookRecord::default()
        }
    }

    #[test]
    fn hooks_run_by_weight_then_name_keeping_the_stored_kind_order_for_equals() {
        let record = Release {
            hooks: vec![
                hook("z-cm", "ConfigMap", 0, &[HookEvent::PreInstall]),
                hook("test", "Pod", 0, &[HookEvent::Test]),
                hook(
                    "a-job",
                    "Job",
                    0,
                    &[HookEvent::PreInstall, HookEvent::PreUpgrade],
                ),
                hook("first", "Job", -5, &[HookEvent::PreUpgrade]),
                hook("late", "Secret", 3, &[HookEvent::PreInstall]),
            ],
            ..Release::default()
        };
        let names = |event| {
            ordered(&record, event)
                .into_iter()
                .map(|i| record.hooks[i].name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("pre-install"), ["a-job", "z-cm", "late"]);
        assert_eq!(names("pre-upgrade"), ["first", "a-job"]);
        assert_eq!(names("test"), ["test"]);
        assert!(names("post-delete").is_empty());
    }

    #[test]
    fn a_hook_without_policies_is_deleted_before_creation_only() {
        let plain = hook("h", "Job", 0, &[HookEvent::PreInstall]);
        assert!(has_policy(&plain, &HookDeletePolicy::BeforeHookCreation));
        assert!(!has_policy(&plain, &HookDeletePolicy::HookSucceeded));
        let mut succeeded = plain.clone();
        succeeded.delete_policies = vec![HookDeletePolicy::HookSucceeded];
        assert!(has_policy(&succeeded, &HookDeletePolicy::HookSucceeded));
        assert!(!has_policy(
            &succeeded,
            &HookDeletePolicy::BeforeHookCreation
        ));
    }

    #[test]
    fn a_hook_pod_is_done_when_it_succeeded_not_when_it_runs() {
        let pod = |phase: &str| serde_json::json!({"metadata": {"name": "t"}, "status": {"phase": phase}});
        assert_eq!(hook_readiness(&pod("Succeeded"), "Pod"), Readiness::Ready);
        assert_eq!(
            hook_readiness(&pod("Failed"), "Pod"),
            Readiness::Failed("pod t failed".into())
        );
        assert!(matches!(
            hook_readiness(&pod("Running"), "Pod"),
            Readiness::InProgress(_)
        ));
    }
}
