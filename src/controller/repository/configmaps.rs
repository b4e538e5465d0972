//! The API side of `valuesConfigMapPolicy`: which values ConfigMaps a repository should have
//! after a sync (`lazy`: the newest version of each chart; `on-demand`: those releases asked
//! for; `disabled`: none), creating the missing ones from the chart archives, refreshing the
//! last-used time of the wanted ones, and deleting those past `valuesConfigMapRetention`.
//! Names, labels and the retention rule are in [`super::values_configmap`].

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};

use super::values_configmap::{
    ANNOTATION_LAST_USED, configmap_name, default_values_yaml, is_expired, last_used, selector,
    values_configmap,
};
use crate::api::repository::ValuesConfigMapPolicy;
use crate::api::{FIELD_MANAGER, HelmRepository};
use crate::controller::{API_CALL_TIMEOUT, Context};
use crate::source::index::Index;
use crate::source::oci::RegistryListing;
use crate::source::sync::{Contents, RepoEndpoint, Snapshot};

/// One chart version whose values should be published.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wanted {
    /// Chart name.
    pub chart: String,
    /// Version as the listing writes it.
    pub version: String,
    /// Archive digest, when the listing has one.
    pub digest: Option<String>,
}

/// The chart versions `lazy` publishes: the newest stable version of each chart (the newest of
/// all when a chart has only prereleases), at most `max_charts`. Pure.
pub fn lazy_wanted(snapshot: &Snapshot, max_charts: usize) -> Vec<Wanted> {
    match &snapshot.contents {
        Contents::Index(index) => newest_per_chart(index, max_charts),
        Contents::Registry(RegistryListing::Charts(charts)) => charts
            .iter()
            .take(max_charts)
            .filter_map(|(chart, versions)| {
                let newest = versions
                    .iter()
                    .find(|v| v.version.pre.is_empty())
                    .or_else(|| versions.first())?;
                Some(Wanted {
                    chart: chart.clone(),
                    version: newest.version.to_string(),
                    digest: None,
                })
            })
            .collect(),
        Contents::Registry(RegistryListing::CatalogUnavailable { .. }) => Vec::new(),
    }
}

fn newest_per_chart(index: &Index, max_charts: usize) -> Vec<Wanted> {
    index
        .entries
        .iter()
        .take(max_charts)
        .filter_map(|(chart, versions)| {
            let newest = versions
                .iter()
                .find(|v| v.version.pre.is_empty())
                .or_else(|| versions.first())?;
            Some(Wanted {
                chart: chart.clone(),
                version: newest.version_text().to_owned(),
                digest: newest.digest().map(str::to_owned),
            })
        })
        .collect()
}

/// What one pass changed, and what failed (messages for an event; never values).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    /// ConfigMaps created.
    pub created: usize,
    /// ConfigMaps whose last-used time was refreshed.
    pub refreshed: usize,
    /// ConfigMaps deleted.
    pub deleted: usize,
    /// Failures.
    pub failures: Vec<String>,
}

/// Brings the repository's values ConfigMaps in line with its policy after a sync.
pub async fn reconcile_configmaps(
    ctx: &Context,
    repo: &HelmRepository,
    endpoint: &RepoEndpoint,
    snapshot: &Snapshot,
    retention: Duration,
) -> PassReport {
    let mut report = PassReport::default();
    let Some(namespace) = repo.namespace() else {
        return report;
    };
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &namespace);
    let existing = match list(&api, &repo.name_any()).await {
        Ok(existing) => existing,
        Err(e) => {
            report.failures.push(e);
            return report;
        }
    };
    let now = jiff::Timestamp::now();
    let wanted = match repo.spec.values_config_map_policy {
        ValuesConfigMapPolicy::Lazy => lazy_wanted(snapshot, ctx.options.status_bounds.max_charts),
        ValuesConfigMapPolicy::OnDemand | ValuesConfigMapPolicy::Disabled => Vec::new(),
    };
    let wanted_names: BTreeSet<String> = wanted
        .iter()
        .map(|w| configmap_name(&repo.name_any(), &w.chart, &w.version))
        .collect();
    let existing_names: BTreeSet<String> = existing.iter().map(ResourceExt::name_any).collect();

    for cm in &existing {
        let name = cm.name_any();
        let remove = match repo.spec.values_config_map_policy {
            ValuesConfigMapPolicy::Disabled => true,
            _ => {
                !wanted_names.contains(&name)
                    && !retention.is_zero()
                    && is_expired(cm, now, retention)
            }
        };
        if remove {
            match delete(ctx, &api, &namespace, &name).await {
                Ok(()) => report.deleted += 1,
                Err(e) => report.failures.push(e),
            }
        } else if wanted_names.contains(&name) && needs_refresh(cm, now, retention) {
            match touch(ctx, &api, &namespace, &name, now).await {
                Ok(()) => report.refreshed += 1,
                Err(e) => report.failures.push(e),
            }
        }
    }

    let missing: Vec<Wanted> = wanted
        .into_iter()
        .filter(|w| {
            !existing_names.contains(&configmap_name(&repo.name_any(), &w.chart, &w.version))
        })
        .collect();
    let results: Vec<Result<(), String>> = futures::stream::iter(missing)
        .map(|w| async move { ensure(ctx, repo, endpoint, snapshot, &w, now).await })
        .buffer_unordered(4)
        .collect()
        .await;
    for r in results {
        match r {
            Ok(()) => report.created += 1,
            Err(e) => report.failures.push(e),
        }
    }
    report
}

/// Creates (or updates) the values ConfigMap of one chart version, downloading the archive
/// through the shared cache.
///
/// # Errors
/// A message naming the chart version and what failed.
pub async fn ensure(
    ctx: &Context,
    repo: &HelmRepository,
    endpoint: &RepoEndpoint,
    snapshot: &Snapshot,
    wanted: &Wanted,
    now: jiff::Timestamp,
) -> Result<(), String> {
    let what = format!("values of {} {}", wanted.chart, wanted.version);
    let archive = ctx
        .sources
        .fetch_chart(endpoint, snapshot, &wanted.chart, &wanted.version)
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    let limits = ctx.options.chart_limits.clone();
    let values = tokio::task::spawn_blocking(move || default_values_yaml(&archive, &limits))
        .await
        .map_err(|e| format!("{what}: {e}"))?
        .map_err(|e| format!("{what}: {e}"))?;
    let cm = values_configmap(
        repo,
        &wanted.chart,
        &wanted.version,
        wanted.digest.as_deref(),
        &values,
        now,
    );
    let namespace = repo.namespace().unwrap_or_default();
    if !ctx.shards.owns(&namespace) {
        return Ok(());
    }
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &namespace);
    let name = cm.name_any();
    // create, never overwrite: a ConfigMap of that name that is not this repository's (another
    // repository's name can clash, or a user's object) must not be taken over
    let params = PostParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PostParams::default()
    };
    match with_timeout(api.create(&params, &cm)).await {
        Ok(_) => Ok(()),
        Err(TimedOut::Api(kube::Error::Api(e))) if e.code == 409 => Err(format!(
            "{what}: ConfigMap {namespace}/{name} already exists and is not this repository's values ConfigMap; it is left as it is"
        )),
        Err(e) => Err(format!(
            "{what}: creating ConfigMap {namespace}/{name}: {e}"
        )),
    }
}

/// The values ConfigMap of a version a release resolved to (`on-demand`): created when missing,
/// its last use refreshed when it exists (and is this repository's).
///
/// # Errors
/// A message naming the chart version and what failed.
pub async fn ensure_on_demand(
    ctx: &Context,
    repo: &HelmRepository,
    endpoint: &RepoEndpoint,
    snapshot: &Snapshot,
    wanted: &Wanted,
) -> Result<(), String> {
    let namespace = repo.namespace().unwrap_or_default();
    if !ctx.shards.owns(&namespace) {
        // the repository's namespace belongs to another replica: only its owner writes there
        return Ok(());
    }
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &namespace);
    let name = configmap_name(&repo.name_any(), &wanted.chart, &wanted.version);
    let now = jiff::Timestamp::now();
    let existing = with_timeout(api.get_opt(&name))
        .await
        .map_err(|e| format!("reading ConfigMap {namespace}/{name}: {e}"))?;
    match existing {
        None => ensure(ctx, repo, endpoint, snapshot, wanted, now).await,
        Some(cm) => {
            let retention =
                crate::api::duration::parse_duration(&repo.spec.values_config_map_retention)
                    .unwrap_or_default();
            let ours = cm.labels().get(super::values_configmap::LABEL_REPOSITORY)
                == Some(&super::values_configmap::label_value(&repo.name_any()));
            if ours && needs_refresh(&cm, now, retention) {
                touch(ctx, &api, &namespace, &name, now).await?;
            }
            Ok(())
        }
    }
}

/// A wanted ConfigMap's last-used time is refreshed once half the retention has passed, so a
/// sync every few minutes does not write it every time.
fn needs_refresh(cm: &ConfigMap, now: jiff::Timestamp, retention: Duration) -> bool {
    if retention.is_zero() {
        return false;
    }
    let half = jiff::SignedDuration::try_from(retention / 2).unwrap_or(jiff::SignedDuration::MAX);
    last_used(cm).is_none_or(|t| t.checked_add(half).is_ok_and(|due| now >= due))
}

async fn list(api: &Api<ConfigMap>, repository: &str) -> Result<Vec<ConfigMap>, String> {
    let params = ListParams::default().labels(&selector(repository));
    with_timeout(api.list(&params))
        .await
        .map(|l| l.items)
        .map_err(|e| format!("listing values ConfigMaps: {e}"))
}

/// Deletes every values ConfigMap of `repository` in `namespace` (the repository is going).
///
/// # Errors
/// The first failure, as a message.
pub async fn delete_all(ctx: &Context, namespace: &str, repository: &str) -> Result<usize, String> {
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), namespace);
    let mut deleted = 0;
    for cm in list(&api, repository).await? {
        delete(ctx, &api, namespace, &cm.name_any()).await?;
        deleted += 1;
    }
    Ok(deleted)
}

async fn delete(
    ctx: &Context,
    api: &Api<ConfigMap>,
    namespace: &str,
    name: &str,
) -> Result<(), String> {
    if !ctx.shards.owns(namespace) {
        return Ok(());
    }
    match with_timeout(api.delete(name, &DeleteParams::background())).await {
        Ok(_) => Ok(()),
        Err(TimedOut::Api(kube::Error::Api(e))) if e.code == 404 => Ok(()),
        Err(e) => Err(format!("deleting ConfigMap {namespace}/{name}: {e}")),
    }
}

async fn touch(
    ctx: &Context,
    api: &Api<ConfigMap>,
    namespace: &str,
    name: &str,
    now: jiff::Timestamp,
) -> Result<(), String> {
    if !ctx.shards.owns(namespace) {
        return Ok(());
    }
    let patch = serde_json::json!({"metadata": {"annotations": {
        ANNOTATION_LAST_USED: now.round(jiff::Unit::Second).unwrap_or(now).to_string()
    }}});
    with_timeout(api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)))
        .await
        .map(|_| ())
        .map_err(|e| format!("refreshing ConfigMap {namespace}/{name}: {e}"))
}

/// An API error, or no answer within [`API_CALL_TIMEOUT`].
#[derive(Debug, thiserror::Error)]
enum TimedOut {
    #[error(transparent)]
    Api(kube::Error),
    #[error("no answer within {}s", API_CALL_TIMEOUT.as_secs())]
    Elapsed,
}

async fn with_timeout<T>(
    call: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, TimedOut> {
    match tokio::time::timeout(API_CALL_TIMEOUT, call).await {
        Ok(r) => r.map_err(TimedOut::Api),
        Err(_) => Err(TimedOut::Elapsed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::index::parse_index;

    #[test]
    fn lazy_publishes_the_newest_stable_version_of_each_chart() {
        let text = "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 2.0.0-rc.1\n  - name: a\n    version: 1.5.0\n    digest: abc\n  - name: a\n    version: 1.4.0\n  pre:\n  - name: pre\n    version: 0.1.0-alpha\n";
        let snapshot = Snapshot::for_tests(
            Contents::Index(parse_index(text.as_bytes(), 1 << 20).unwrap()),
            "sha256:x",
            None,
        );
        let wanted = lazy_wanted(&snapshot, 10);
        assert_eq!(
            wanted,
            [
                Wanted {
                    chart: "a".into(),
                    version: "1.5.0".into(),
                    digest: Some("abc".into())
                },
                Wanted {
                    chart: "pre".into(),
                    version: "0.1.0-alpha".into(),
                    digest: None
                }
            ]
        );
        assert_eq!(lazy_wanted(&snapshot, 1).len(), 1);
    }

    #[test]
    fn last_used_is_refreshed_after_half_the_retention_only() {
        let at = |s: i64| jiff::Timestamp::from_second(s).unwrap();
        let mut cm = ConfigMap::default();
        cm.metadata.annotations = Some(
            [(ANNOTATION_LAST_USED.to_owned(), at(1000).to_string())]
                .into_iter()
                .collect(),
        );
        let retention = Duration::from_secs(100);
        assert!(!needs_refresh(&cm, at(1049), retention));
        assert!(needs_refresh(&cm, at(1050), retention));
        assert!(!needs_refresh(&cm, at(5000), Duration::ZERO));
    }
}
