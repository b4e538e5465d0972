//! Which chart version a HelmRelease asks for: its HelmRepository (read with that repository's
//! own credentials, from the listing the repository controller keeps, or synced here when this
//! replica holds none) or its `chart.ociRepository`, and the version its constraint picks, as
//! Helm picks it. For a repository with `valuesConfigMapPolicy: on-demand`, the resolved
//! version's values ConfigMap is created (or its last use refreshed).

use std::sync::Arc;
use std::time::Duration;

use kube::{Api, ResourceExt};

use crate::api::conditions::reason;
use crate::api::repository::ValuesConfigMapPolicy;
use crate::api::{HelmRelease, HelmRepository};
use crate::controller::repository::configmaps::{self, Wanted};
use crate::controller::repository::credentials;
use crate::controller::{API_CALL_TIMEOUT, Context};
use crate::source::constraint::Constraint;
use crate::source::http::RepoTls;
use crate::source::sync::{RepoEndpoint, RepoKind, ResolvedVersion, Snapshot};

/// A chart version a release resolved to.
#[derive(Debug, Clone)]
pub struct ResolvedChart {
    /// Where it comes from.
    pub endpoint: RepoEndpoint,
    /// The listing it was picked from.
    pub snapshot: Arc<Snapshot>,
    /// The chart name as the source knows it.
    pub chart: String,
    /// The version picked.
    pub version: ResolvedVersion,
    /// What the source is called in messages (`HelmRepository ns/name` or the OCI reference).
    pub source: String,
}

/// Why no chart version could be picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartProblem {
    /// PascalCase condition reason.
    pub reason: &'static str,
    /// What is wrong; never a secret.
    pub message: String,
}

/// Resolves the chart version `hr` asks for.
///
/// # Errors
/// A [`ChartProblem`]: the repository or a Secret is missing, the source cannot be read, or no
/// version matches.
pub async fn resolve(ctx: &Context, hr: &HelmRelease) -> Result<ResolvedChart, ChartProblem> {
    let spec = &hr.spec.chart;
    let constraint_text = spec.version.as_deref().unwrap_or("");
    let constraint = Constraint::parse(constraint_text).map_err(|e| ChartProblem {
        reason: reason::INVALID_VERSION_CONSTRAINT,
        message: format!("spec.chart.version: {e}"),
    })?;
    let own_namespace = hr.namespace().unwrap_or_default();
    let (endpoint, snapshot, chart, source, repo) = if let Some(reference) = &spec.repository {
        let namespace = reference.namespace.clone().unwrap_or(own_namespace);
        let repo = get_repository(ctx, &namespace, &reference.name).await?;
        let source = format!("HelmRepository {namespace}/{}", reference.name);
        let endpoint = credentials::repository_endpoint(ctx, &repo.spec, &namespace)
            .await
            .map_err(|e| ChartProblem {
                reason: e.reason,
                message: format!("{source}: {}", e.message),
            })?;
        let read_failed = |e: &dyn std::fmt::Display, why: &'static str| ChartProblem {
            reason: why,
            message: format!("{source}: {e}"),
        };
        let mut snapshot = match ctx.sources.cached(&endpoint).await {
            Some(snapshot) => snapshot,
            None => {
                ctx.sources
                    .sync(&endpoint)
                    .await
                    .map_err(|e| read_failed(&e, e.reason()))?
                    .snapshot
            }
        };
        if !snapshot.lists_charts() {
            snapshot = ctx
                .sources
                .oci_chart_versions(&endpoint, &spec.name)
                .await
                .map_err(|e| read_failed(&e, e.reason()))?;
        }
        (endpoint, snapshot, spec.name.clone(), source, Some(repo))
    } else if let Some(reference) = &spec.oci_repository {
        let (base, chart) = reference
            .trim_end_matches('/')
            .rsplit_once('/')
            .ok_or_else(|| ChartProblem {
                reason: reason::INVALID_CHART_SOURCE,
                message: format!("spec.chart.ociRepository {reference:?} names no chart"),
            })?;
        let endpoint = RepoEndpoint {
            url: base.to_owned(),
            kind: RepoKind::Oci,
            basic: None,
            registry_auth: None,
            tls: RepoTls::default(),
            plain_http: spec.plain_http,
            timeout: Duration::from_secs(60),
        };
        let snapshot = ctx
            .sources
            .oci_chart_versions(&endpoint, chart)
            .await
            .map_err(|e| ChartProblem {
                reason: e.reason(),
                message: format!("{reference}: {e}"),
            })?;
        (
            endpoint,
            snapshot,
            chart.to_owned(),
            reference.clone(),
            None,
        )
    } else {
        return Err(ChartProblem {
            reason: reason::INVALID_CHART_SOURCE,
            message: "spec.chart names neither repository nor ociRepository".to_owned(),
        });
    };
    let version = snapshot
        .resolve(&chart, &constraint)
        .ok_or_else(|| ChartProblem {
            reason: reason::CHART_NOT_FOUND,
            message: not_found_message(&snapshot, &chart, constraint_text, &source),
        })?;
    let resolved = ResolvedChart {
        endpoint,
        snapshot,
        chart,
        version,
        source,
    };
    if let Some(repo) = repo
        && repo.spec.values_config_map_policy == ValuesConfigMapPolicy::OnDemand
    {
        let wanted = Wanted {
            chart: resolved.chart.clone(),
            version: resolved.version.version.clone(),
            digest: resolved.version.digest.clone(),
        };
        if let Err(message) = configmaps::ensure_on_demand(
            ctx,
            &repo,
            &resolved.endpoint,
            &resolved.snapshot,
            &wanted,
        )
        .await
        {
            tracing::warn!(release = %hr.name_any(), %message, "on-demand values ConfigMap");
        }
    }
    Ok(resolved)
}

async fn get_repository(
    ctx: &Context,
    namespace: &str,
    name: &str,
) -> Result<HelmRepository, ChartProblem> {
    // the watch's copy (no request); a repository this replica has not seen is read directly
    if let Some(seen) = ctx.wakes.repository(namespace, name) {
        return Ok((*seen).clone());
    }
    let api: Api<HelmRepository> = Api::namespaced(ctx.client.clone(), namespace);
    let problem = |message: String| ChartProblem {
        reason: reason::REFERENCE_NOT_FOUND,
        message,
    };
    match tokio::time::timeout(API_CALL_TIMEOUT, api.get_opt(name)).await {
        Ok(Ok(Some(repo))) => Ok(repo),
        Ok(Ok(None)) => Err(problem(format!(
            "HelmRepository {namespace}/{name} (spec.chart.repository) not found"
        ))),
        Ok(Err(e)) => Err(problem(format!(
            "reading HelmRepository {namespace}/{name}: {e}"
        ))),
        Err(_) => Err(problem(format!(
            "reading HelmRepository {namespace}/{name} timed out after {}s",
            API_CALL_TIMEOUT.as_secs()
        ))),
    }
}

/// Says whether the chart is missing or only the constraint fails, naming the newest version.
fn not_found_message(snapshot: &Snapshot, chart: &str, constraint: &str, source: &str) -> String {
    let any = Constraint::parse(">=0.0.0-0").ok();
    let newest = any
        .as_ref()
        .and_then(|c| snapshot.resolve(chart, c))
        .map(|v| v.version);
    match newest {
        None => format!("chart {chart:?} is not in {source}"),
        Some(newest) => {
            let wanted = if constraint.is_empty() {
                "stable version".to_owned()
            } else {
                format!("version matching {constraint:?}")
            };
            format!("chart {chart:?} in {source} has no {wanted} (newest: {newest})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::index::parse_index;
    use crate::source::sync::Contents;

    fn snapshot() -> Snapshot {
        let text = "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.2.0\n  - name: app\n    version: 2.0.0-rc.1\n";
        Snapshot::for_tests(
            Contents::Index(parse_index(text.as_bytes(), 1 << 20).unwrap()),
            "sha256:x",
            None,
        )
    }

    #[test]
    fn a_missing_chart_and_an_unmatched_constraint_are_told_apart() {
        let s = snapshot();
        assert_eq!(
            not_found_message(&s, "db", "^1", "HelmRepository ns/r"),
            "chart \"db\" is not in HelmRepository ns/r"
        );
        assert_eq!(
            not_found_message(&s, "app", "^3.0.0", "HelmRepository ns/r"),
            "chart \"app\" in HelmRepository ns/r has no version matching \"^3.0.0\" (newest: 2.0.0-rc.1)"
        );
    }
}
