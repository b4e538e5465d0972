//! What an install renders, offline, as Helm v4.2.3's `helm template` and `helm install` do it
//! before touching a cluster: the user values merged from `-f` files and the `--set` family
//! (Helm's `values.Options.MergeValues`), the install checks (library charts, missing
//! subcharts, release name, the chart's `kubeVersion`), dependency processing and values,
//! schema validation, the render, and the split into hooks, manifests, notes and CRDs.
//!
//! Each failure keeps Helm's words, and says whether Helm reports it from inside the render
//! (where `helm template` adds a hint about `--debug`) or before it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map as JsonMap, Value as Json};

use super::Chart;
use super::manifests::{ManifestError, Rendered, SplitOptions, split_and_sort};
use super::objects::Capabilities;
use super::render::{ParsedChart, ReleaseInfo};
use super::strvals;
use super::values::{ValuesError, prepare, validate_schemas};
use crate::engine::exec::{Limits, Lookup};
use crate::engine::funcs::semver::semver_compare;
use crate::engine::yaml::parse::{load_values, merge_maps};

/// The values a user gives on Helm's command line, applied in Helm's order whatever the order
/// of the flags: every `-f` file, then `--set-json`, `--set`, `--set-string`, `--set-file` and
/// `--set-literal`, each in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueSources {
    /// `-f`/`--values`: paths (or `-` for standard input), read by the caller.
    pub files: Vec<String>,
    /// `--set-json`: `a.b={"json":1}` expressions, or whole JSON objects.
    pub set_json: Vec<String>,
    /// `--set`.
    pub set: Vec<String>,
    /// `--set-string`.
    pub set_string: Vec<String>,
    /// `--set-file`: `key=path` expressions.
    pub set_file: Vec<String>,
    /// `--set-literal`.
    pub set_literal: Vec<String>,
}

/// Helm's `MergeValues`: the user values `sources` give. `read` returns a file's text (for `-f`
/// and `--set-file`) or Go's error message for it.
///
/// # Errors
/// Helm's message: `failed to parse <file>: <why>`, `failed parsing --set data: <why>`,
/// `failed parsing --set-json data <expr>`, ..., or `read`'s error.
pub fn merge_user_values(
    sources: &ValueSources,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<JsonMap<String, Json>, String> {
    let mut base = JsonMap::new();
    for path in &sources.files {
        let text = read(path)?;
        let current = load_values(&text).map_err(|e| format!("failed to parse {path}: {e}"))?;
        merge_maps(&mut base, current);
    }
    for expr in &sources.set_json {
        let trimmed = expr.trim();
        if trimmed.starts_with('{') {
            let object = strvals::unmarshal_object(trimmed)
                .map_err(|_| format!("failed parsing --set-json data JSON: {expr}"))?;
            merge_maps(&mut base, object);
        } else {
            strvals::parse_set_json(expr, &mut base)
                .map_err(|_| format!("failed parsing --set-json data {expr}"))?;
        }
    }
    for expr in &sources.set {
        strvals::parse_set(expr, &mut base)
            .map_err(|e| format!("failed parsing --set data: {e}"))?;
    }
    for expr in &sources.set_string {
        strvals::parse_set_string(expr, &mut base)
            .map_err(|e| format!("failed parsing --set-string data: {e}"))?;
    }
    for expr in &sources.set_file {
        strvals::parse_set_file(expr, &mut base, read)
            .map_err(|e| format!("failed parsing --set-file data: {e}"))?;
    }
    for expr in &sources.set_literal {
        strvals::parse_set_literal(expr, &mut base)
            .map_err(|e| format!("failed parsing --set-literal data: {e}"))?;
    }
    Ok(base)
}

/// Why a chart did not render for an install.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    /// `library charts are not installable`.
    #[error("library charts are not installable")]
    NotInstallable,
    /// A dependency of `Chart.yaml` has no chart under `charts/`.
    #[error(
        "an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        .0.join(", ")
    )]
    MissingDependencies(Vec<String>),
    /// The release name is not a DNS-1123 subdomain of at most 53 characters.
    #[error(
        "release name check failed: release name {0:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
    )]
    InvalidReleaseName(String),
    /// Coalescing or schema validation refused the values.
    #[error("{0}")]
    Values(#[from] ValuesError),
    /// The chart's `kubeVersion` does not admit the cluster's version.
    #[error(
        "chart requires kubeVersion: {required} which is incompatible with Kubernetes {actual}"
    )]
    KubeVersion {
        /// The chart's constraint.
        required: String,
        /// The cluster's version (normalized).
        actual: String,
    },
    /// A template did not parse or execute.
    #[error("{0}")]
    Template(String),
    /// A rendered document has no readable head.
    #[error("{0}")]
    Manifest(#[from] ManifestError),
}

impl InstallError {
    /// Whether Helm reports this from its render step (`helm template` then adds
    /// `Use --debug flag to render out invalid YAML`).
    pub fn during_render(&self) -> bool {
        matches!(
            self,
            InstallError::KubeVersion { .. }
                | InstallError::Template(_)
                | InstallError::Manifest(_)
        )
    }
}

/// How to render.
#[derive(Clone, Copy)]
pub struct InstallOptions<'a> {
    /// `.Release`.
    pub release: &'a ReleaseInfo,
    /// `.Capabilities`.
    pub capabilities: &'a Capabilities,
    /// Bounds on each render.
    pub limits: Limits,
    /// `lookup`'s view of the cluster (offline: none).
    pub lookup: Option<&'a dyn Lookup>,
    /// Keep every chart's NOTES.txt (`--render-subchart-notes`).
    pub sub_notes: bool,
}

impl<'a> InstallOptions<'a> {
    /// What `helm template` uses: no `lookup`, the default limits, the top chart's notes only.
    pub fn offline(release: &'a ReleaseInfo, capabilities: &'a Capabilities) -> Self {
        Self {
            release,
            capabilities,
            limits: Limits::default(),
            lookup: None,
            sub_notes: false,
        }
    }
}

/// A chart rendered for an install.
#[derive(Debug, Clone)]
pub struct Installed {
    /// Helm's render map: `<chart>/templates/<file>` → text, NOTES.txt included, partials not.
    pub render_map: BTreeMap<String, String>,
    /// Hooks, manifests in install order, notes and CRDs.
    pub rendered: Rendered,
    /// The values the templates saw (`.Values`).
    pub values: JsonMap<String, Json>,
    /// The chart after dependency processing (what Helm stores in the release record).
    pub chart: Chart,
}

/// Renders `chart` with the user values as an install does (Helm's `runInstall` checks, then
/// `Install.Run` up to the render). The chart is the one loaded, before dependency processing.
///
/// # Errors
/// The first check that fails, with Helm's message.
pub fn render_install(
    chart: &Chart,
    user_values: &JsonMap<String, Json>,
    opts: InstallOptions<'_>,
) -> Result<Installed, InstallError> {
    check_installable(chart)?;
    if !valid_release_name(&opts.release.name) {
        return Err(InstallError::InvalidReleaseName(opts.release.name.clone()));
    }
    let (chart, values) = prepare(chart, user_values)?;
    validate_schemas(&chart, &values)?;
    check_kube_version(&chart, opts.capabilities)?;
    let crds = crd_files(&chart);
    let name = chart.metadata.name.clone();
    let processed = chart.clone();
    let parsed = ParsedChart::new(chart).map_err(InstallError::Template)?;
    let render_map = parsed
        .render(
            &values,
            opts.release,
            opts.capabilities,
            opts.limits,
            opts.lookup,
        )
        .map_err(InstallError::Template)?;
    let rendered = split_and_sort(
        &render_map,
        crds,
        SplitOptions {
            chart_name: &name,
            sub_notes: opts.sub_notes,
        },
    )?;
    Ok(Installed {
        render_map,
        rendered,
        values,
        chart: processed,
    })
}

/// The checks `helm install` and `helm template` make on a loaded chart before any values:
/// a library chart is refused, and so is a chart whose `Chart.yaml` names a dependency that
/// `charts/` does not hold.
///
/// # Errors
/// [`InstallError::NotInstallable`] or [`InstallError::MissingDependencies`].
pub fn check_installable(chart: &Chart) -> Result<(), InstallError> {
    if chart.is_library() {
        return Err(InstallError::NotInstallable);
    }
    let missing: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|d| {
            !chart
                .dependencies
                .iter()
                .any(|sub| sub.metadata.name == d.name)
        })
        .map(|d| d.name.clone())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(InstallError::MissingDependencies(missing))
    }
}

/// Helm's `ValidateReleaseName`: a DNS-1123 subdomain of 1 to 53 characters.
pub fn valid_release_name(name: &str) -> bool {
    if name.is_empty() || name.len() > 53 {
        return false;
    }
    name.split('.').all(|label| {
        let b = label.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && alnum(&b[0])
            && alnum(&b[b.len() - 1])
            && b.iter().all(|c| alnum(c) || *c == b'-')
    })
}

/// Helm's `kubeVersion` check (`chartutil.IsCompatibleRange` against the normalized version):
/// a constraint Helm cannot parse admits no version.
fn check_kube_version(chart: &Chart, caps: &Capabilities) -> Result<(), InstallError> {
    let required = &chart.metadata.kube_version;
    if required.is_empty() {
        return Ok(());
    }
    let actual = caps.normalized_kube_version();
    if semver_compare(required, &actual).unwrap_or(false) {
        Ok(())
    } else {
        Err(InstallError::KubeVersion {
            required: required.clone(),
            actual,
        })
    }
}

/// The CRD files of a processed chart and its subcharts, paths relative to the top chart, in
/// Helm's order (`Chart.CRDObjects`): each chart's own files, then its subcharts'.
/// The bytes are shared with the chart, not copied.
pub fn crd_files(chart: &Chart) -> Vec<(String, Arc<[u8]>)> {
    fn walk(chart: &Chart, prefix: &str, out: &mut Vec<(String, Arc<[u8]>)>) {
        for f in &chart.files {
            if f.name.starts_with("crds/") {
                out.push((format!("{prefix}{}", f.name), Arc::clone(&f.data)));
            }
        }
        for sub in &chart.dependencies {
            walk(sub, &format!("{prefix}charts/{}/", sub.metadata.name), out);
        }
    }
    let mut out = Vec::new();
    walk(chart, "", &mut out);
    out
}
