//! Helm charts as the engine sees them: the chart model (metadata, templates, files, values,
//! schema, subcharts), loading from archives and file lists, values coalescing, dependency
//! processing, and the render pipeline that turns a chart and values into Helm's render map.
//! Pure: files arrive as bytes; reading directories is the caller's business.

use std::collections::BTreeMap;
use std::sync::Arc;

pub mod install;
pub mod load;
pub mod manifests;
pub mod objects;
pub mod render;
pub mod strvals;
pub mod values;

/// A file of a chart: its path relative to the chart root (`templates/deployment.yaml`) and
/// its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Path relative to the chart's root, with `/` separators.
    pub name: String,
    /// Contents.
    pub data: Arc<[u8]>,
}

/// A maintainer in `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Maintainer {
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: String,
    /// `url`.
    pub url: String,
}

/// A dependency in `Chart.yaml` (v2) or `requirements.yaml` (v1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependency {
    /// `name`.
    pub name: String,
    /// `version` (a constraint).
    pub version: String,
    /// `repository`.
    pub repository: String,
    /// `condition`: comma-separated value paths.
    pub condition: String,
    /// `tags`.
    pub tags: Vec<String>,
    /// `enabled` (set while processing dependencies).
    pub enabled: bool,
    /// `import-values`: each a string or a `{child, parent}` map, as written.
    pub import_values: Vec<serde_json::Value>,
    /// `alias`.
    pub alias: String,
}

/// `Chart.yaml`, with Helm's field meanings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// `apiVersion` (`v1` or `v2`).
    pub api_version: String,
    /// `name`.
    pub name: String,
    /// `home`.
    pub home: String,
    /// `sources`.
    pub sources: Vec<String>,
    /// `version`.
    pub version: String,
    /// `description`.
    pub description: String,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `maintainers`.
    pub maintainers: Vec<Maintainer>,
    /// `icon`.
    pub icon: String,
    /// `condition` (v1 charts).
    pub condition: String,
    /// `tags` (v1 charts).
    pub tags: String,
    /// `appVersion`.
    pub app_version: String,
    /// `deprecated`.
    pub deprecated: bool,
    /// `annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion` (a constraint).
    pub kube_version: String,
    /// `dependencies` (v2; v1 charts read them from `requirements.yaml`).
    pub dependencies: Vec<Dependency>,
    /// `type` (`application` or `library`; empty means application).
    pub chart_type: String,
}

/// A loaded chart and, recursively, its subcharts.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// `Chart.yaml`.
    pub metadata: Metadata,
    /// Files under `templates/`.
    pub templates: Vec<File>,
    /// Every other file (what `.Files` sees): not `Chart.yaml`, `values.yaml`,
    /// `values.schema.json`, `requirements.yaml`/`.lock`, `Chart.lock`, templates or subcharts.
    pub files: Vec<File>,
    /// `values.yaml`, read as Helm reads it (numbers are float64).
    pub values: serde_json::Map<String, serde_json::Value>,
    /// `values.schema.json`, as bytes.
    pub schema: Option<Arc<[u8]>>,
    /// Subcharts from `charts/` (archives and directories), in Helm's load order.
    pub dependencies: Vec<Chart>,
}

impl Chart {
    /// Whether this is a library chart (`type: library`): it renders nothing itself.
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }
}
