//! The `HelmRelease` kind: which chart to install, from where, with which values and options,
//! and what the operator observed of the release.
//!
//! Booleans that default to `true` are plain `bool`s with a serde default, so a user's explicit
//! `false` survives a round trip (the seed's Go types lost it to `omitempty`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::defaults;

/// A Helm release, declared: the operator installs, upgrades, rolls back and uninstalls it.
// kube-derive takes one `printcolumn(..., type_ = ...)` per column; clippy reads the repeated
// `type_` keys as duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "helm-operator.ketches.cn",
    version = "v1alpha1",
    kind = "HelmRelease",
    derive = "PartialEq",
    plural = "helmreleases",
    singular = "helmrelease",
    namespaced,
    status = "HelmReleaseStatus",
    shortname = "hr",
    category = "helm",
    doc = "HelmRelease declares a Helm release: a chart from a HelmRepository or an OCI registry, installed with the given values and options.",
    printcolumn(name = "Chart", type_ = "string", json_path = ".spec.chart.name"),
    printcolumn(name = "Version", type_ = "string", json_path = ".spec.chart.version"),
    printcolumn(
        name = "Revision",
        type_ = "integer",
        json_path = ".status.helmRelease.revision"
    ),
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
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    printcolumn(
        name = "Target",
        type_ = "string",
        json_path = ".spec.release.namespace",
        priority = "1"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseSpec {
    /// The chart to install and where to get it.
    pub chart: ChartSpec,

    /// Name and namespace of the Helm release. Both default to the HelmRelease's own.
    #[serde(default)]
    pub release: ReleaseTarget,

    /// Values for the chart, as a YAML document (a mapping). Merged over `valuesFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,

    /// Values taken from ConfigMaps and Secrets in the HelmRelease's namespace, merged in order;
    /// `values` is merged last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values_from: Vec<ValuesReference>,

    /// Options for installing.
    #[serde(default)]
    pub install: InstallOptions,

    /// Options for upgrading.
    #[serde(default)]
    pub upgrade: UpgradeOptions,

    /// Options for uninstalling (when the HelmRelease is deleted).
    #[serde(default)]
    pub uninstall: UninstallOptions,

    /// Automatic rollback of failed upgrades.
    #[serde(default)]
    pub rollback: RollbackOptions,

    /// Helm tests run after install and upgrade.
    #[serde(default)]
    pub test: TestOptions,

    /// Detect and correct changes made to the release's objects outside Helm.
    #[serde(default)]
    pub drift_detection: DriftDetection,

    /// How often the release is checked against its chart, values and the cluster, as a duration
    /// such as `10m` or `12h`.
    #[serde(default = "defaults::release_interval")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub interval: String,

    /// Suspend reconciliation; the release stays as it is.
    #[serde(default)]
    pub suspend: bool,

    /// HelmReleases that must be Ready before this one is installed or upgraded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DependencyReference>,

    /// A ServiceAccount in the HelmRelease's namespace that the operator impersonates to apply the
    /// release, so a tenant's release can do no more than the tenant can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub service_account_name: Option<String>,

    /// How many release revisions Helm keeps in storage; 0 means no limit.
    #[serde(default = "defaults::max_history")]
    #[schemars(range(min = 0))]
    pub max_history: i32,
}

/// The chart of a release and where it comes from: a HelmRepository or an OCI reference.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "has(self.repository) != has(self.ociRepository)",
    "message": "set exactly one of chart.repository and chart.ociRepository"
}]))]
pub struct ChartSpec {
    /// Chart name.
    #[schemars(length(min = 1))]
    pub name: String,

    /// A Helm (Masterminds SemVer) version constraint such as `^1.2.0`, `~1.2.0`, `>=1.0.0, <2.0.0`
    /// or an exact `1.2.3`. Empty or `latest` means the newest stable version. A newer version
    /// that matches is rolled out when it appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,

    /// A HelmRepository to take the chart from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<RepositoryReference>,

    /// The chart's OCI reference, such as `oci://ghcr.io/org/charts/app`, without a tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^oci://[^\s]+$"))]
    pub oci_repository: Option<String>,

    /// Talk to the `ociRepository` registry over plain HTTP instead of HTTPS.
    #[serde(default, rename = "plainHTTP")]
    pub plain_http: bool,
}

/// A reference to a HelmRepository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryReference {
    /// Name of the HelmRepository.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Namespace of the HelmRepository; defaults to the HelmRelease's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Name and namespace of the Helm release.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseTarget {
    /// Helm release name; defaults to the HelmRelease's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 53))]
    pub name: Option<String>,
    /// Namespace the chart is installed into; defaults to the HelmRelease's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
    /// Create the target namespace if it does not exist.
    #[serde(default)]
    pub create_namespace: bool,
}

/// A ConfigMap or Secret key holding values.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValuesReference {
    /// `ConfigMap` or `Secret`.
    pub kind: ValuesSourceKind,
    /// Name of the ConfigMap or Secret, in the HelmRelease's namespace.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The key that holds the values.
    #[serde(default = "defaults::values_key")]
    pub values_key: String,
    /// Place the key's content at this dotted path of the values instead of merging it as a
    /// mapping (like `--set path=value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_path: Option<String>,
    /// Carry on without these values when the object or key is missing.
    #[serde(default)]
    pub optional: bool,
}

/// Kinds that `valuesFrom` can read.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ValuesSourceKind {
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
}

/// Options for installing.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallOptions {
    /// How long the install, its hooks and the wait may take.
    #[serde(default = "defaults::install_timeout")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub timeout: String,
    /// Wait until the release's workloads are ready before marking it deployed.
    #[serde(default = "defaults::enabled")]
    pub wait: bool,
    /// Also wait for the release's Jobs to complete.
    #[serde(default = "defaults::enabled")]
    pub wait_for_jobs: bool,
    /// Do not install the CRDs in the chart's `crds/` directory.
    #[serde(default, rename = "skipCRDs")]
    pub skip_crds: bool,
    /// Reuse the name of a release that was uninstalled with its history kept.
    #[serde(default)]
    pub replace: bool,
    /// Do not run the chart's hooks.
    #[serde(default)]
    pub disable_hooks: bool,
    /// What happens after a failed install.
    #[serde(default)]
    pub remediation: InstallRemediation,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self {
            timeout: defaults::install_timeout(),
            wait: true,
            wait_for_jobs: true,
            skip_crds: false,
            replace: false,
            disable_hooks: false,
            remediation: InstallRemediation::default(),
        }
    }
}

/// What happens after a failed install.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallRemediation {
    /// How often the same failed inputs are tried again (with backoff); 0: not until the spec
    /// or the chart changes.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub retries: i32,
    /// `uninstall` (default): remove the failed release before trying again; `keep`: leave it
    /// for inspection and upgrade it in place.
    #[serde(default)]
    pub strategy: InstallRemediationStrategy,
}

/// How a failed install is cleaned up.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InstallRemediationStrategy {
    /// Uninstall the failed release before the next attempt.
    #[default]
    Uninstall,
    /// Keep the failed release; the next attempt upgrades it.
    Keep,
}

/// What happens after a failed upgrade (besides `spec.rollback`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeRemediation {
    /// How often the same failed inputs are tried again (with backoff); 0: not until the spec
    /// or the chart changes.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub retries: i32,
}

/// Options for upgrading.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeOptions {
    /// How long the upgrade, its hooks and the wait may take.
    #[serde(default = "defaults::upgrade_timeout")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub timeout: String,
    /// Wait until the release's workloads are ready; needed to detect failures for rollback.
    #[serde(default = "defaults::enabled")]
    pub wait: bool,
    /// Also wait for the release's Jobs to complete.
    #[serde(default = "defaults::enabled")]
    pub wait_for_jobs: bool,
    /// Not implemented yet (accepted for compatibility): objects are always applied with
    /// server-side apply taking conflicting fields (Helm's `--force-conflicts`); Helm's
    /// replacement of objects (`--force-replace`) is not done.
    #[serde(default)]
    pub force: bool,
    /// Use only the chart's defaults and the values given here. This is what an upgrade does
    /// unless `reuseValues` is set (the spec's values are the whole truth, also when empty);
    /// it takes precedence over `reuseValues`, as in Helm.
    #[serde(default)]
    pub reset_values: bool,
    /// Merge the values given here over the deployed revision's values, and render with that
    /// revision's chart defaults instead of the new chart's, as `helm upgrade --reuse-values`.
    #[serde(default)]
    pub reuse_values: bool,
    /// Not implemented yet (accepted for compatibility; Helm v4 dropped it): Pods are not
    /// restarted after upgrading.
    #[serde(default)]
    pub recreate: bool,
    /// Deprecated: use `spec.maxHistory`. When set, it takes precedence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub max_history: Option<i32>,
    /// Delete the objects a failed upgrade created.
    #[serde(default = "defaults::enabled")]
    pub cleanup_on_fail: bool,
    /// Do not run the chart's hooks.
    #[serde(default)]
    pub disable_hooks: bool,
    /// What happens after a failed upgrade.
    #[serde(default)]
    pub remediation: UpgradeRemediation,
}

impl Default for UpgradeOptions {
    fn default() -> Self {
        Self {
            timeout: defaults::upgrade_timeout(),
            wait: true,
            wait_for_jobs: true,
            force: false,
            reset_values: false,
            reuse_values: false,
            recreate: false,
            max_history: None,
            cleanup_on_fail: true,
            disable_hooks: false,
            remediation: UpgradeRemediation::default(),
        }
    }
}

/// Options for uninstalling.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UninstallOptions {
    /// How long the uninstall and its hooks may take.
    #[serde(default = "defaults::uninstall_timeout")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub timeout: String,
    /// Do not run the chart's delete hooks.
    #[serde(default)]
    pub disable_hooks: bool,
    /// Keep the release's history (its release Secrets) after uninstalling.
    #[serde(default)]
    pub keep_history: bool,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        Self {
            timeout: defaults::uninstall_timeout(),
            disable_hooks: false,
            keep_history: false,
        }
    }
}

/// Automatic rollback of a failed upgrade.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RollbackOptions {
    /// Roll back automatically when an upgrade changed the cluster and then failed.
    #[serde(default)]
    pub enabled: bool,
    /// The revision to roll back to; 0 means the previous revision.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub to_revision: i32,
    /// How long the rollback, its hooks and the wait may take.
    #[serde(default = "defaults::rollback_timeout")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub timeout: String,
    /// Wait until the rolled-back workloads are ready.
    #[serde(default = "defaults::enabled")]
    pub wait: bool,
    /// Delete the objects a failed rollback created.
    #[serde(default = "defaults::enabled")]
    pub cleanup_on_fail: bool,
    /// Not implemented yet (accepted for compatibility): objects are always applied with
    /// server-side apply taking conflicting fields (Helm's `--force-conflicts`); Helm's
    /// replacement of objects (`--force-replace`) is not done.
    #[serde(default)]
    pub force: bool,
    /// Do not run the chart's rollback hooks.
    #[serde(default)]
    pub disable_hooks: bool,
}

impl Default for RollbackOptions {
    fn default() -> Self {
        Self {
            enabled: false,
            to_revision: 0,
            timeout: defaults::rollback_timeout(),
            wait: true,
            cleanup_on_fail: true,
            force: false,
            disable_hooks: false,
        }
    }
}

/// Helm tests (the chart's `helm.sh/hook: test` objects).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestOptions {
    /// Run the chart's tests after each install and upgrade.
    #[serde(default)]
    pub enable: bool,
    /// How long the tests may take; defaults to the install or upgrade timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub timeout: Option<String>,
    /// Keep the release Ready when tests fail (the Tested condition still reports it).
    #[serde(default)]
    pub ignore_failures: bool,
}

/// Drift detection settings.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriftDetection {
    /// `disabled`: do not look; `warn`: report drift in the Drifted condition and an event;
    /// `enabled`: report it and re-apply the release's manifests.
    #[serde(default)]
    pub mode: DriftDetectionMode,
    /// Fields drift detection leaves alone (an autoscaler's `/spec/replicas`, say); correction
    /// keeps the cluster's value for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<DriftIgnoreRule>,
}

/// Fields drift detection leaves alone, on some or all of the release's objects.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriftIgnoreRule {
    /// JSON pointers (RFC 6901), e.g. `/spec/replicas`; `""` ignores the whole object.
    #[schemars(length(min = 1))]
    pub paths: Vec<String>,
    /// Which objects; all of the release's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<DriftIgnoreTarget>,
}

/// Which objects a [`DriftIgnoreRule`] is for: each field given must equal the object's.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriftIgnoreTarget {
    /// API group (`""` for the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// API version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// What to do about drift.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DriftDetectionMode {
    /// Drift is not looked for.
    #[default]
    Disabled,
    /// Drift is reported, not corrected.
    Warn,
    /// Drift is reported and corrected.
    Enabled,
}

/// A HelmRelease that must be Ready first.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyReference {
    /// Name of the HelmRelease.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Namespace of the HelmRelease; defaults to this HelmRelease's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// What the operator observed of a release.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseStatus {
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// kstatus conditions: Ready, Reconciling, Stalled, Released, RolledBack, Drifted, Tested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// The current Helm release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_release: Option<HelmReleaseInfo>,
    /// The newest revisions of the release, newest first (bounded by `maxHistory`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HelmReleaseInfo>,
    /// The chart version last attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_chart_version: Option<String>,
    /// Digest of the chart, values and options last attempted; an unchanged digest means nothing
    /// needs to be done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_config_digest: Option<String>,
    /// The most recent failures, newest first (at most five).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FailureRecord>,
    /// The operation in flight (hooks, the wait), so that any replica can carry it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<OperationStatus>,
    /// What the operator remembers of the last failure, to retry within the budget only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<RemediationStatus>,
}

/// An install, upgrade, rollback, uninstall or test in flight.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationStatus {
    /// `install`, `upgrade`, `rollback`, `uninstall` or `test`.
    pub action: String,
    /// The revision it works on.
    pub revision: i64,
    /// Where it is: `hooks` (running a hook), `waiting` (for the release's objects to be ready).
    pub phase: String,
    /// When it started.
    pub started: Time,
    /// When it fails if not done.
    pub deadline: Time,
    /// The digest of the inputs it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// The hook being run, while `phase` is `hooks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookProgress>,
}

/// Which hook of an operation is running.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HookProgress {
    /// The hook event (`pre-install`, `post-upgrade`, `test`, ...).
    pub event: String,
    /// The hook's place in the event's execution order (0-based).
    pub index: i64,
    /// Whether it was created (else an earlier copy is still being deleted).
    pub started: bool,
}

/// The memory of a failure.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemediationStatus {
    /// The digest of the inputs that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_config_digest: Option<String>,
    /// Failed attempts with those inputs.
    #[serde(default)]
    pub attempts: i64,
    /// The failed revision a rollback was tried for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_revision: Option<i64>,
    /// When the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure_time: Option<Time>,
}

/// One revision of a Helm release.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseInfo {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// Revision number.
    pub revision: i64,
    /// Helm status: pending-install, pending-upgrade, pending-rollback, deployed, superseded,
    /// failed, uninstalling, uninstalled.
    pub status: String,
    /// Chart name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    /// Chart version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_version: Option<String>,
    /// Application version of the chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// When the release was first deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_deployed: Option<Time>,
    /// When this revision was deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<Time>,
    /// Helm's description of the revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Digest of the chart, values and options of this revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
}

/// A failed operation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailureRecord {
    /// When it failed.
    pub time: Time,
    /// PascalCase reason, as in the conditions.
    pub reason: String,
    /// What failed (never contains secret values).
    pub message: String,
}

impl HelmRelease {
    /// The Helm release name: `spec.release.name`, or the HelmRelease's name.
    pub fn release_name(&self) -> String {
        self.spec
            .release
            .name
            .clone()
            .unwrap_or_else(|| self.metadata.name.clone().unwrap_or_default())
    }

    /// The namespace the release is installed into: `spec.release.namespace`, or the
    /// HelmRelease's namespace.
    pub fn release_namespace(&self) -> String {
        self.spec.release.namespace.clone().unwrap_or_else(|| {
            self.metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned())
        })
    }
}

impl HelmReleaseSpec {
    /// How many revisions to keep: the deprecated `upgrade.maxHistory` when set, else `maxHistory`.
    pub fn effective_max_history(&self) -> i32 {
        self.upgrade.max_history.unwrap_or(self.max_history)
    }
}
