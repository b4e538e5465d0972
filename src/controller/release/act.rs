//! The actions that change a cluster for a HelmRelease, one per planner step: install and
//! upgrade (render, record the pending revision, CRDs, ownership checks, server-side apply,
//! removal of objects the new revision dropped), the wait (readiness of the revision's objects,
//! checked once per reconcile, never holding a worker), marking an interrupted revision failed,
//! and uninstall. Each action ends by writing the record's new status; what the HelmRelease's
//! status says is decided by the caller from the [`Outcome`].

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::record::{Provenance, failed_description, new_revision, with_status};
use crate::cluster::apply::{Applier, ApplyError, ObjectKey, ReleaseRef};
use crate::cluster::readiness::{ObjectRef, Readiness, WaitOptions, readiness, summarize};
use crate::cluster::records::{ReleaseStore, StoreError};
use crate::cluster::storage::{
    DESCRIPTION_INSTALLED, DESCRIPTION_UNINSTALLED, DESCRIPTION_UPGRADED, Release, Status,
    revisions_to_prune,
};
use crate::engine::chart::Chart;
use crate::engine::chart::install::{InstallError, InstallOptions, render_install};
use crate::engine::chart::objects::Capabilities;
use crate::engine::chart::render::ReleaseInfo;

/// The annotation that keeps an object when the release drops it or is uninstalled.
pub const RESOURCE_POLICY: &str = "helm.sh/resource-policy";

/// Why an action failed.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// The chart did not render (no cluster change; never rolled back).
    #[error(transparent)]
    Render(#[from] InstallError),
    /// A record could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Applying or deleting objects failed (the cluster may have changed).
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// A worker thread stopped (a panic in the renderer).
    #[error("the renderer stopped: {0}")]
    Stopped(String),
}

impl ActError {
    /// PascalCase reason.
    pub fn reason(&self) -> &'static str {
        match self {
            ActError::Render(_) => crate::api::conditions::reason::RENDER_FAILED,
            ActError::Store(e) => e.reason(),
            ActError::Apply(e) => e.reason(),
            ActError::Stopped(_) => crate::api::conditions::reason::RENDER_FAILED,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The revision is deployed.
    Deployed {
        /// The revision.
        revision: i32,
    },
    /// The revision's objects are applied; the wait goes on in later reconciles.
    Waiting {
        /// The revision.
        revision: i32,
        /// What is not ready yet.
        message: String,
    },
    /// The revision failed after the cluster was changed (a remediation may apply).
    Failed {
        /// The revision.
        revision: i32,
        /// PascalCase reason.
        reason: &'static str,
        /// Why.
        message: String,
    },
    /// The release is uninstalled.
    Uninstalled,
    /// An interrupted revision was marked failed.
    MarkedFailed {
        /// The revision.
        revision: i32,
    },
}

/// What an install or upgrade applies.
pub struct Deploy<'a> {
    /// The release.
    pub release: &'a ReleaseRef,
    /// The chart as loaded.
    pub chart: &'a Arc<Chart>,
    /// User values.
    pub values: &'a Map<String, Value>,
    /// The cluster's capabilities.
    pub capabilities: &'a Capabilities,
    /// The records so far, oldest first.
    pub history: &'a [Release],
    /// Owner and digest labels.
    pub provenance: Provenance<'a>,
    /// Install CRDs from `crds/` (install only, as Helm does).
    pub install_crds: bool,
    /// Wait for readiness.
    pub wait: bool,
    /// Readiness options.
    pub wait_options: WaitOptions,
    /// Revisions kept (`spec.maxHistory`; 0 keeps all).
    pub max_history: usize,
}

/// Installs (no live revision) or upgrades (a live one), as Helm does up to the wait.
///
/// # Errors
/// [`ActError::Render`] before anything changed (nothing recorded); a store failure.
pub async fn deploy<S: ReleaseStore>(
    store: &S,
    applier: &Applier,
    d: Deploy<'_>,
) -> Result<Outcome, ActError> {
    let now = jiff::Timestamp::now();
    let previous = d
        .history
        .iter()
        .rev()
        .find(|r| matches!(r.info.status, Status::Deployed));
    let revision = d.history.last().map_or(1, |r| r.version + 1);
    let is_install = previous.is_none();
    let info = ReleaseInfo {
        name: d.release.name.clone(),
        namespace: d.release.namespace.clone(),
        revision: i64::from(revision),
        is_install,
    };
    let chart = Arc::clone(d.chart);
    let values = d.values.clone();
    let capabilities = d.capabilities.clone();
    let info_owned = info.clone();
    // rendering is CPU-bound: off the async workers
    let installed = tokio::task::spawn_blocking(move || {
        let options = InstallOptions::offline(&info_owned, &capabilities);
        render_install(&chart, &values, options)
    })
    .await
    .map_err(|e| ActError::Stopped(e.to_string()))??;
    let first_deployed = d.history.first().map(|r| r.info.first_deployed);
    let record = new_revision(
        &d.release.name,
        &d.release.namespace,
        revision,
        &installed,
        d.values,
        &d.provenance,
        now,
        first_deployed,
    );
    if !is_install {
        // Helm trims the history before it records a new revision
        for old in revisions_to_prune(d.history, d.max_history) {
            store
                .delete(&d.release.namespace, &d.release.name, old)
                .await?;
        }
    }
    store.create(&record).await?;

    let applied = apply_revision(applier, &d, &installed, previous, is_install).await;
    match applied {
        Err(e) => {
            let message = e.to_string();
            let failed = with_status(
                &record,
                Status::Failed,
                &failed_description(&d.release.name, &message),
                jiff::Timestamp::now(),
            );
            store.update(&failed).await?;
            Ok(Outcome::Failed {
                revision,
                reason: if is_install {
                    crate::api::conditions::reason::INSTALL_FAILED
                } else {
                    crate::api::conditions::reason::UPGRADE_FAILED
                },
                message,
            })
        }
        Ok(()) if d.wait => Ok(Outcome::Waiting {
            revision,
            message: "waiting for the release's objects to be ready".to_owned(),
        }),
        Ok(()) => finish(store, &record, previous, jiff::Timestamp::now()).await,
    }
}

async fn apply_revision(
    applier: &Applier,
    d: &Deploy<'_>,
    installed: &crate::engine::chart::install::Installed,
    previous: Option<&Release>,
    is_install: bool,
) -> Result<(), ApplyError> {
    if is_install && d.install_crds {
        for crd in &installed.rendered.crds {
            let text = String::from_utf8_lossy(&crd.data);
            for resource in applier.prepare_manifest(&text, d.release).await? {
                // Helm creates CRDs that are missing and leaves existing ones alone
                if applier.get(&resource.key).await?.is_none() {
                    applier.apply_resource(&resource).await?;
                }
            }
        }
        applier.forget_discovery();
    }
    let manifest = installed.rendered.release_manifest(false);
    let resources = applier.prepare_manifest(&manifest, d.release).await?;
    let old_keys: Vec<ObjectKey> = match previous {
        Some(p) => keys_of(applier, &p.manifest, &d.release.namespace).await,
        None => Vec::new(),
    };
    // every ownership is checked before anything is applied, as Helm does
    for resource in &resources {
        let known = old_keys.iter().any(|k| k.same_object(&resource.key));
        if !known {
            applier.check_ownership(resource, d.release).await?;
        }
    }
    for resource in &resources {
        applier.apply_resource(resource).await?;
    }
    // objects the new revision no longer has are deleted, unless they ask to be kept
    if let Some(p) = previous {
        let kept = kept_objects(applier, &p.manifest, &d.release.namespace).await;
        for key in old_keys {
            let still = resources.iter().any(|r| r.key.same_object(&key));
            if !still && !kept.contains(&key) {
                applier.delete(&key).await?;
            }
        }
    }
    Ok(())
}

/// The keys of a recorded manifest's objects (objects whose kind is no longer served are left
/// out: they exist nowhere).
async fn keys_of(applier: &Applier, manifest: &str, namespace: &str) -> Vec<ObjectKey> {
    let Ok(objects) = crate::cluster::apply::parse_manifest(manifest) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for obj in &objects {
        if let Ok(key) = applier.key_of(obj, namespace).await {
            keys.push(key);
        }
    }
    keys
}

async fn kept_objects(applier: &Applier, manifest: &str, namespace: &str) -> BTreeSet<ObjectKey> {
    let Ok(objects) = crate::cluster::apply::parse_manifest(manifest) else {
        return BTreeSet::new();
    };
    let mut kept = BTreeSet::new();
    for obj in &objects {
        if obj["metadata"]["annotations"][RESOURCE_POLICY] == "keep"
            && let Ok(key) = applier.key_of(obj, namespace).await
        {
            kept.insert(key);
        }
    }
    kept
}

/// Marks `record` deployed and the previous deployed revision superseded.
async fn finish<S: ReleaseStore>(
    store: &S,
    record: &Release,
    previous: Option<&Release>,
    now: jiff::Timestamp,
) -> Result<Outcome, ActError> {
    if let Some(p) = previous {
        store
            .update(&with_status(
                p,
                Status::Superseded,
                &p.info.description,
                p.info.last_deployed.timestamp(),
            ))
            .await?;
    }
    let description = if record.version == 1 || previous.is_none() {
        DESCRIPTION_INSTALLED
    } else {
        DESCRIPTION_UPGRADED
    };
    store
        .update(&with_status(record, Status::Deployed, description, now))
        .await?;
    Ok(Outcome::Deployed {
        revision: record.version,
    })
}

/// One look at the objects of the revision being waited for: deployed when all are ready,
/// failed when one failed or the deadline passed, still waiting otherwise.
///
/// # Errors
/// A store failure.
pub async fn check_wait<S: ReleaseStore>(
    store: &S,
    applier: &Applier,
    history: &[Release],
    revision: i32,
    options: &WaitOptions,
    deadline_passed: bool,
) -> Result<Outcome, ActError> {
    let Some(record) = history.iter().find(|r| r.version == revision) else {
        return Ok(Outcome::Failed {
            revision,
            reason: crate::api::conditions::reason::UPGRADE_FAILED,
            message: format!("revision {revision} disappeared while it was being waited for"),
        });
    };
    let previous = history
        .iter()
        .rev()
        .find(|r| r.version != revision && matches!(r.info.status, Status::Deployed));
    let mut results = Vec::new();
    let objects = crate::cluster::apply::parse_manifest(&record.manifest).unwrap_or_default();
    for obj in &objects {
        let Ok(key) = applier.key_of(obj, &record.namespace).await else {
            continue;
        };
        let reference = ObjectRef {
            group: key.group.clone(),
            kind: key.kind.clone(),
            namespace: key.namespace.clone().unwrap_or_default(),
            name: key.name.clone(),
        };
        let state = match applier.get(&key).await {
            Ok(Some(live)) => readiness(&live, options),
            Ok(None) => Readiness::InProgress("not found".to_owned()),
            Err(e) => Readiness::InProgress(e.to_string()),
        };
        results.push((reference, state));
    }
    let summary = summarize(results);
    let kind_failed = if record.version == 1 || previous.is_none() {
        crate::api::conditions::reason::INSTALL_FAILED
    } else {
        crate::api::conditions::reason::UPGRADE_FAILED
    };
    if summary.is_ready() {
        return finish(store, record, previous, jiff::Timestamp::now()).await;
    }
    if !summary.failed.is_empty() || deadline_passed {
        let message = if deadline_passed && summary.failed.is_empty() {
            format!("context deadline exceeded: {}", summary.message())
        } else {
            summary.message()
        };
        let failed = with_status(
            record,
            Status::Failed,
            &failed_description(&record.name, &message),
            jiff::Timestamp::now(),
        );
        store.update(&failed).await?;
        let reason = if deadline_passed {
            crate::api::conditions::reason::TIMEOUT
        } else {
            kind_failed
        };
        return Ok(Outcome::Failed {
            revision,
            reason,
            message,
        });
    }
    Ok(Outcome::Waiting {
        revision,
        message: summary.message(),
    })
}

/// Marks an interrupted pending revision failed, as `helm` does when it finds one.
///
/// # Errors
/// A store failure.
pub async fn mark_failed<S: ReleaseStore>(
    store: &S,
    history: &[Release],
    revision: i32,
) -> Result<Outcome, ActError> {
    if let Some(record) = history.iter().find(|r| r.version == revision) {
        let failed = with_status(
            record,
            Status::Failed,
            &failed_description(&record.name, "the operation was interrupted"),
            jiff::Timestamp::now(),
        );
        store.update(&failed).await?;
    }
    Ok(Outcome::MarkedFailed { revision })
}

/// Uninstalls: deletes the newest revision's objects (in reverse install order, keeping those
/// annotated `helm.sh/resource-policy: keep`), then the records, or marks the newest one
/// uninstalled when history is kept.
///
/// # Errors
/// A failed delete or store call (the caller keeps its finalizer and retries).
pub async fn uninstall<S: ReleaseStore>(
    store: &S,
    applier: &Applier,
    history: &[Release],
    keep_history: bool,
) -> Result<Outcome, ActError> {
    let Some(newest) = history.last() else {
        return Ok(Outcome::Uninstalled);
    };
    let objects = crate::cluster::apply::parse_manifest(&newest.manifest).unwrap_or_default();
    let mut keys = Vec::new();
    for obj in &objects {
        // Helm's uninstall reads the policy trimmed and case-insensitively (its upgrade does not)
        let policy = obj["metadata"]["annotations"][RESOURCE_POLICY]
            .as_str()
            .map(|p| p.trim().to_ascii_lowercase());
        if policy.as_deref() == Some("keep") {
            continue;
        }
        if let Ok(key) = applier.key_of(obj, &newest.namespace).await {
            keys.push(key);
        }
    }
    for key in keys.iter().rev() {
        applier.delete(key).await?;
    }
    if keep_history {
        let mut done = with_status(
            newest,
            Status::Uninstalled,
            DESCRIPTION_UNINSTALLED,
            jiff::Timestamp::now(),
        );
        done.info.deleted = done.info.last_deployed;
        store.update(&done).await?;
    } else {
        for r in history {
            store.delete(&r.namespace, &r.name, r.version).await?;
        }
    }
    Ok(Outcome::Uninstalled)
}

/// How long until `deadline`, or zero once it passed.
pub fn until(deadline: jiff::Timestamp, now: jiff::Timestamp) -> Duration {
    Duration::try_from(deadline.duration_since(now)).unwrap_or(Duration::ZERO)
}
