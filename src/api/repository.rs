//! The `HelmRepository` kind: where charts come from (an HTTP repository with an `index.yaml`,
//! or an OCI registry), how to authenticate to it, and what the last sync found.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{SecretReference, defaults};

/// A Helm chart repository: an HTTP repository serving `index.yaml`, or an OCI registry.
// kube-derive takes one `printcolumn(..., type_ = ...)` per column; clippy reads the repeated
// `type_` keys as duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "helm-operator.ketches.cn",
    version = "v1alpha1",
    kind = "HelmRepository",
    derive = "PartialEq",
    plural = "helmrepositories",
    singular = "helmrepository",
    namespaced,
    status = "HelmRepositoryStatus",
    shortname = "hrepo",
    category = "helm",
    doc = "HelmRepository is a source of Helm charts: an HTTP repository with an index.yaml, or an OCI registry.",
    printcolumn(name = "URL", type_ = "string", json_path = ".spec.url"),
    printcolumn(name = "Type", type_ = "string", json_path = ".spec.type"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(
        name = "Status",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].message"
    ),
    printcolumn(
        name = "Charts",
        type_ = "integer",
        json_path = ".status.stats.totalCharts",
        priority = "1"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "!has(self.type) || ((self.type == 'oci') == self.url.startsWith('oci://'))",
    "message": "type must be oci exactly when url starts with oci://"
}]))]
pub struct HelmRepositorySpec {
    /// Repository URL: `https://` or `http://` for an HTTP repository, `oci://host/path` for an OCI registry.
    #[schemars(regex(pattern = r"^(https?|oci)://[^\s]+$"))]
    pub url: String,

    /// Repository type: `helm` for an HTTP repository, `oci` for an OCI registry. When omitted it is
    /// inferred from the URL scheme (`oci://` means `oci`).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub type_: Option<RepositoryType>,

    /// How often the repository is synced, as a duration such as `30m` or `1h`.
    #[serde(default = "defaults::repository_interval")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub interval: String,

    /// Timeout for each request to the repository, as a duration such as `60s` or `5m`.
    #[serde(default = "defaults::repository_timeout")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub timeout: String,

    /// Suspend syncing; the last synced state stays as it is.
    #[serde(default)]
    pub suspend: bool,

    /// Credentials and TLS settings for the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<RepositoryAuth>,

    /// Whether the operator publishes each chart's default values in a ConfigMap: `disabled`
    /// (never; recommended), `on-demand` (when a release asks), `lazy` (for the newest versions only).
    #[serde(default)]
    pub values_config_map_policy: ValuesConfigMapPolicy,

    /// How long a values ConfigMap is kept after it was last needed, as a duration such as `168h`;
    /// `0s` keeps them until the policy or the repository goes.
    #[serde(default = "defaults::values_config_map_retention")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub values_config_map_retention: String,

    /// Talk to an OCI registry over plain HTTP instead of HTTPS. Only for `oci` repositories.
    #[serde(default, rename = "plainHTTP")]
    pub plain_http: bool,
}

/// Repository type: `helm` for an HTTP repository serving `index.yaml`, `oci` for an OCI
/// registry. When omitted it is inferred from the URL (`oci://` means `oci`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RepositoryType {
    /// An HTTP(S) repository serving `index.yaml` and chart archives.
    Helm,
    /// An OCI registry holding charts as OCI artifacts.
    Oci,
}

impl HelmRepositorySpec {
    /// The repository type, inferred from the URL scheme when `type` is omitted.
    pub fn effective_type(&self) -> RepositoryType {
        self.type_.unwrap_or(if self.url.starts_with("oci://") {
            RepositoryType::Oci
        } else {
            RepositoryType::Helm
        })
    }
}

/// Whether and when chart default values are published as ConfigMaps.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ValuesConfigMapPolicy {
    /// Never create values ConfigMaps.
    #[default]
    Disabled,
    /// Create a values ConfigMap when a release asks for one.
    OnDemand,
    /// Create values ConfigMaps for the newest chart versions only.
    Lazy,
}

/// Credentials for a repository. `basic` and `tls` apply to HTTP repositories and registries;
/// `secretRef` names a `kubernetes.io/dockerconfigjson` Secret for OCI registries.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryAuth {
    /// HTTP Basic authentication, inline or from a Secret with `username` and `password` keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicAuth>,
    /// TLS settings: a Secret with `ca.crt` (and optionally `tls.crt`/`tls.key` for client
    /// certificates), and whether to skip server certificate verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsConfig>,
    /// A Secret of type `kubernetes.io/dockerconfigjson` (same namespace by default), holding registry
    /// credentials (as made by `kubectl create secret docker-registry`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretReference>,
}

/// HTTP Basic credentials. Prefer `secretRef`: inline values are visible to anyone who can read
/// the HelmRepository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BasicAuth {
    /// User name (inline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Password (inline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A Secret (same namespace by default) with `username` and `password` keys; it takes precedence
    /// over the inline values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretReference>,
}

/// TLS settings for a repository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    /// A Secret (same namespace by default) with `ca.crt`, and optionally `tls.crt` and `tls.key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretReference>,
    /// Skip verification of the server's certificate. Insecure; for testing only.
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

/// What the last sync of a repository found.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmRepositoryStatus {
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions: Ready, Reconciling, Stalled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// When the repository was last synced successfully.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_time: Option<Time>,
    /// Digest of the index (HTTP) or tag list (OCI) of the last successful sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_digest: Option<String>,
    /// Charts in the repository, each with its newest versions only (bounded by operator settings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charts: Vec<ChartInfo>,
    /// Totals over the whole repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<RepositoryStats>,
}

/// A chart offered by a repository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChartInfo {
    /// Chart name.
    pub name: String,
    /// Chart description from the newest version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The newest versions, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<ChartVersionInfo>,
    /// How many versions the repository offers in all.
    #[serde(default)]
    pub total_versions: i64,
}

/// One version of a chart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChartVersionInfo {
    /// Chart version (SemVer).
    pub version: String,
    /// Version of the packaged application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// When the version was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Time>,
    /// Digest of the chart archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Totals for a repository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryStats {
    /// Number of charts.
    pub total_charts: i64,
    /// Number of chart versions.
    pub total_versions: i64,
    /// Size of the last index in bytes (HTTP repositories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_size_bytes: Option<i64>,
}
