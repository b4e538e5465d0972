//! The operator's API: the `HelmRepository` and `HelmRelease` custom resources of group
//! `helm-operator.ketches.cn/v1alpha1`, their condition types and reasons, and the CRD
//! documents generated from these types (what `helm-operator crds` prints and `crds/` holds).

pub mod conditions;
pub mod duration;
pub mod reference;
pub mod release;
pub mod repository;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use release::{HelmRelease, HelmReleaseSpec, HelmReleaseStatus};
pub use repository::{HelmRepository, HelmRepositorySpec, HelmRepositoryStatus};

/// The API group of both kinds.
pub const GROUP: &str = "helm-operator.ketches.cn";
/// The API version of both kinds.
pub const VERSION: &str = "v1alpha1";
/// The field manager for every write the operator makes.
pub const FIELD_MANAGER: &str = "helm-operator";

/// A reference to an object in the same namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct LocalObjectReference {
    /// Name of the object.
    #[schemars(length(min = 1))]
    pub name: String,
}

/// A reference to a Secret: in the referring object's namespace unless `namespace` is given, which
/// the operator honours only when started with `--allow-cross-namespace-secrets` (a tenant must
/// not read another tenant's Secrets by naming them).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct SecretReference {
    /// Name of the Secret.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Namespace of the Secret. Empty: the referring object's namespace. Another namespace is
    /// refused unless the operator runs with `--allow-cross-namespace-secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl SecretReference {
    /// The namespace the Secret is read from, given the referring object's namespace.
    pub fn namespace_or<'a>(&'a self, own: &'a str) -> &'a str {
        self.namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(own)
    }
}

/// Default values of the API's fields, shared by serde and the generated schema.
pub mod defaults {
    /// `HelmRepository.spec.interval`.
    pub fn repository_interval() -> String {
        "30m".into()
    }
    /// `HelmRepository.spec.timeout`.
    pub fn repository_timeout() -> String {
        "5m".into()
    }
    /// `HelmRepository.spec.valuesConfigMapRetention` (seven days).
    pub fn values_config_map_retention() -> String {
        "168h".into()
    }
    /// `HelmRelease.spec.interval`.
    pub fn release_interval() -> String {
        "10m".into()
    }
    /// `HelmRelease.spec.install.timeout`.
    pub fn install_timeout() -> String {
        "10m".into()
    }
    /// `HelmRelease.spec.upgrade.timeout`.
    pub fn upgrade_timeout() -> String {
        "10m".into()
    }
    /// `HelmRelease.spec.uninstall.timeout`.
    pub fn uninstall_timeout() -> String {
        "5m".into()
    }
    /// `HelmRelease.spec.rollback.timeout`.
    pub fn rollback_timeout() -> String {
        "5m".into()
    }
    /// `HelmRelease.spec.maxHistory`.
    pub fn max_history() -> i32 {
        10
    }
    /// `HelmRelease.spec.valuesFrom[].valuesKey`.
    pub fn values_key() -> String {
        "values.yaml".into()
    }
    /// Booleans whose default is `true`.
    pub fn enabled() -> bool {
        true
    }
}

/// The CRDs of both kinds, in the order they are printed and written to `crds/`.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![HelmRepository::crd(), HelmRelease::crd()]
}

/// The file name under `crds/` for a CRD, as `<group>_<plural>.yaml`.
pub fn crd_file_name(crd: &CustomResourceDefinition) -> String {
    format!("{}_{}.yaml", crd.spec.group, crd.spec.names.plural)
}

/// One CRD as a YAML document.
///
/// # Errors
/// Fails only if serialization fails, which would be a bug in the types.
pub fn crd_yaml(crd: &CustomResourceDefinition) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(crd)
}

/// Every CRD as one multi-document YAML stream, as `helm-operator crds` prints it.
///
/// # Errors
/// Fails only if serialization fails, which would be a bug in the types.
pub fn crds_yaml() -> Result<String, serde_saphyr::SerializeError> {
    let mut out = String::new();
    for crd in crds() {
        out.push_str("---\n");
        out.push_str(&crd_yaml(&crd)?);
    }
    Ok(out)
}
