//! The resource types the emulator serves: the built-in kinds that charts create, and one entry
//! per served version of every CustomResourceDefinition. Discovery, OpenAPI, routing, validation
//! and Table output all read this registry.

use serde_json::Value;

/// Verbs of an ordinary resource.
pub const STANDARD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One served resource (a group, version and plural name).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    /// Version, e.g. `v1`.
    pub version: String,
    /// Plural resource name, e.g. `deployments`.
    pub resource: String,
    /// Singular name.
    pub singular: String,
    /// Kind.
    pub kind: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Short names for kubectl.
    pub short_names: Vec<String>,
    /// Categories (`all`, ...).
    pub categories: Vec<String>,
    /// Verbs.
    pub verbs: Vec<String>,
    /// Subresources served (`status`, `scale`).
    pub subresources: Vec<String>,
    /// For custom resources: the CRD's name, schema and printer columns.
    pub custom: Option<CustomInfo>,
}

/// What a CRD adds to a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomInfo {
    /// `<plural>.<group>`.
    pub crd_name: String,
    /// The version's `openAPIV3Schema`.
    pub schema: Option<Value>,
    /// The version's `additionalPrinterColumns`.
    pub printer_columns: Vec<Value>,
    /// Whether this version is the storage version.
    pub storage: bool,
}

impl ResourceType {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `pods` for the core group, as error messages name resources.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// `Deployment.apps` as validation errors name kinds.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// The URL prefix of the group version: `/api/v1` or `/apis/<group>/<version>`.
    pub fn base_path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    /// Whether the resource has a status subresource.
    pub fn has_status(&self) -> bool {
        self.subresources.iter().any(|s| s == "status")
    }

    /// The storage key shared by all versions of the same resource.
    pub fn storage_key(&self) -> (String, String) {
        if crate::events::is_events_view(&self.group, &self.resource) {
            // one storage for both Event APIs, as on a real cluster
            return (String::new(), "events".to_owned());
        }
        (self.group.clone(), self.resource.clone())
    }
}

struct Builtin {
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [&'static str],
    verbs: &'static [&'static str],
}

#[allow(clippy::too_many_arguments)]
const fn b(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [&'static str],
) -> Builtin {
    Builtin {
        group,
        version,
        resource,
        kind,
        namespaced,
        short,
        categories,
        subresources,
        verbs: STANDARD_VERBS,
    }
}

const ALL: &[&str] = &["all"];
const NONE: &[&str] = &[];
const STATUS: &[&str] = &["status"];
const STATUS_SCALE: &[&str] = &["status", "scale"];

/// The built-in kinds, preferred version first within a group.
const BUILTINS: &[Builtin] = &[
    Builtin {
        verbs: &[
            "create", "delete", "get", "list", "patch", "update", "watch",
        ],
        ..b(
            "",
            "v1",
            "namespaces",
            "Namespace",
            false,
            &["ns"],
            NONE,
            &["status", "finalize"],
        )
    },
    b(
        "",
        "v1",
        "configmaps",
        "ConfigMap",
        true,
        &["cm"],
        NONE,
        NONE,
    ),
    b("", "v1", "secrets", "Secret", true, NONE, NONE, NONE),
    b("", "v1", "services", "Service", true, &["svc"], ALL, STATUS),
    b(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        &["sa"],
        NONE,
        NONE,
    ),
    b("", "v1", "pods", "Pod", true, &["po"], ALL, STATUS),
    b(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
        NONE,
        STATUS,
    ),
    b(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        &["pv"],
        NONE,
        STATUS,
    ),
    b("", "v1", "events", "Event", true, &["ev"], NONE, NONE),
    b(
        "",
        "v1",
        "endpoints",
        "Endpoints",
        true,
        &["ep"],
        NONE,
        NONE,
    ),
    b("", "v1", "nodes", "Node", false, &["no"], NONE, STATUS),
    b(
        "",
        "v1",
        "limitranges",
        "LimitRange",
        true,
        &["limits"],
        NONE,
        NONE,
    ),
    b(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
        &["quota"],
        NONE,
        STATUS,
    ),
    b(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
        &["rc"],
        ALL,
        STATUS_SCALE,
    ),
    b(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
        &["deploy"],
        ALL,
        STATUS_SCALE,
    ),
    b(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
        &["rs"],
        ALL,
        STATUS_SCALE,
    ),
    b(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
        &["sts"],
        ALL,
        STATUS_SCALE,
    ),
    b(
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        true,
        &["ds"],
        ALL,
        STATUS,
    ),
    b(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        NONE,
        NONE,
        NONE,
    ),
    b("batch", "v1", "jobs", "Job", true, NONE, ALL, STATUS),
    b(
        "batch",
        "v1",
        "cronjobs",
        "CronJob",
        true,
        &["cj"],
        ALL,
        STATUS,
    ),
    b(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        &["ing"],
        NONE,
        STATUS,
    ),
    b(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        &["netpol"],
        NONE,
        NONE,
    ),
    b(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        NONE,
        STATUS,
    ),
    b(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        ALL,
        STATUS,
    ),
    b(
        "autoscaling",
        "v1",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        ALL,
        STATUS,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "coordination.k8s.io",
        "v1",
        "leases",
        "Lease",
        true,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "events.k8s.io",
        "v1",
        "events",
        "Event",
        true,
        &["ev"],
        NONE,
        NONE,
    ),
    b(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
        NONE,
        STATUS,
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        false,
        NONE,
        NONE,
        STATUS,
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        &["sc"],
        NONE,
        NONE,
    ),
    b(
        "storage.k8s.io",
        "v1",
        "csidrivers",
        "CSIDriver",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        &["pc"],
        NONE,
        NONE,
    ),
    b(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        true,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        false,
        NONE,
        NONE,
        STATUS,
    ),
    b(
        "node.k8s.io",
        "v1",
        "runtimeclasses",
        "RuntimeClass",
        false,
        NONE,
        NONE,
        NONE,
    ),
    b(
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
        &["csr"],
        NONE,
        STATUS,
    ),
];

/// All served resource types.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    builtins: Vec<ResourceType>,
    custom: Vec<ResourceType>,
}

impl Registry {
    /// The built-in kinds only.
    pub fn new() -> Self {
        let builtins = BUILTINS
            .iter()
            .map(|b| ResourceType {
                group: b.group.into(),
                version: b.version.into(),
                resource: b.resource.into(),
                singular: b.kind.to_ascii_lowercase(),
                kind: b.kind.into(),
                namespaced: b.namespaced,
                short_names: b.short.iter().map(|s| (*s).into()).collect(),
                categories: b.categories.iter().map(|s| (*s).into()).collect(),
                verbs: b.verbs.iter().map(|s| (*s).into()).collect(),
                subresources: b.subresources.iter().map(|s| (*s).into()).collect(),
                custom: None,
            })
            .collect();
        Self {
            builtins,
            custom: Vec::new(),
        }
    }

    /// Every type, built-ins first.
    pub fn all(&self) -> impl Iterator<Item = &ResourceType> {
        self.builtins.iter().chain(self.custom.iter())
    }

    /// Finds the type served at `group/version/resource`.
    pub fn find(&self, group: &str, version: &str, resource: &str) -> Option<&ResourceType> {
        self.all()
            .find(|t| t.group == group && t.version == version && t.resource == resource)
    }

    /// Finds a type by group, version and kind.
    pub fn find_kind(&self, group: &str, version: &str, kind: &str) -> Option<&ResourceType> {
        self.all()
            .find(|t| t.group == group && t.version == version && t.kind == kind)
    }

    /// Groups in discovery order (core first, then built-in groups, then CRD groups), each with
    /// its versions, preferred first.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in self.all() {
            match groups.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, versions)) => {
                    if !versions.contains(&t.version) {
                        versions.push(t.version.clone());
                    }
                }
                None => groups.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        groups
    }

    /// Types of one group version.
    pub fn group_version(&self, group: &str, version: &str) -> Vec<&ResourceType> {
        self.all()
            .filter(|t| t.group == group && t.version == version)
            .collect()
    }

    /// Replaces the custom types with those of the given CRDs that are Established.
    pub fn set_crds(&mut self, crds: &[Value]) {
        self.custom.clear();
        for crd in crds {
            let spec = &crd["spec"];
            let Some(group) = spec["group"].as_str() else {
                continue;
            };
            let names = &spec["names"];
            let Some(plural) = names["plural"].as_str() else {
                continue;
            };
            let Some(kind) = names["kind"].as_str() else {
                continue;
            };
            let strings = |v: &Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            };
            for version in spec["versions"].as_array().into_iter().flatten() {
                if version["served"] == Value::Bool(false) {
                    continue;
                }
                let Some(name) = version["name"].as_str() else {
                    continue;
                };
                let mut subresources = Vec::new();
                if version["subresources"]["status"].is_object() {
                    subresources.push("status".to_owned());
                }
                if version["subresources"]["scale"].is_object() {
                    subresources.push("scale".to_owned());
                }
                self.custom.push(ResourceType {
                    group: group.into(),
                    version: name.into(),
                    resource: plural.into(),
                    singular: names["singular"]
                        .as_str()
                        .map_or_else(|| kind.to_ascii_lowercase(), String::from),
                    kind: kind.into(),
                    namespaced: spec["scope"] != "Cluster",
                    short_names: strings(&names["shortNames"]),
                    categories: strings(&names["categories"]),
                    verbs: STANDARD_VERBS.iter().map(|s| (*s).into()).collect(),
                    subresources,
                    custom: Some(CustomInfo {
                        crd_name: crd["metadata"]["name"].as_str().unwrap_or_default().into(),
                        schema: version["schema"].get("openAPIV3Schema").cloned(),
                        printer_columns: version["additionalPrinterColumns"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default(),
                        storage: version["storage"] == Value::Bool(true),
                    }),
                });
            }
        }
        // preferred (storage) version first within each group
        self.custom.sort_by_key(|t| {
            (
                t.group.clone(),
                !t.custom.as_ref().is_some_and(|c| c.storage),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_cover_what_charts_create() {
        let r = Registry::new();
        for (g, v, res) in [
            ("", "v1", "namespaces"),
            ("", "v1", "secrets"),
            ("apps", "v1", "deployments"),
            ("batch", "v1", "jobs"),
            ("networking.k8s.io", "v1", "ingresses"),
            ("policy", "v1", "poddisruptionbudgets"),
            ("autoscaling", "v2", "horizontalpodautoscalers"),
            ("rbac.authorization.k8s.io", "v1", "clusterroles"),
            ("coordination.k8s.io", "v1", "leases"),
            ("events.k8s.io", "v1", "events"),
            ("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
            (
                "admissionregistration.k8s.io",
                "v1",
                "validatingwebhookconfigurations",
            ),
        ] {
            assert!(r.find(g, v, res).is_some(), "{g}/{v}/{res}");
        }
        assert_eq!(r.groups()[0].0, "");
        assert_eq!(
            r.find("apps", "v1", "deployments").unwrap().qualified(),
            "deployments.apps"
        );
    }

    #[test]
    fn crds_become_resource_types_per_served_version() {
        let mut r = Registry::new();
        let crd = serde_json::json!({
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
                "versions": [
                    {"name": "v1beta1", "served": true, "storage": false},
                    {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                     "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]},
                    {"name": "v0", "served": false, "storage": false}
                ]}
        });
        r.set_crds(&[crd]);
        let v1 = r.find("example.com", "v1", "widgets").unwrap();
        assert!(v1.namespaced && v1.has_status());
        assert_eq!(v1.short_names, ["wd"]);
        assert!(r.find("example.com", "v0", "widgets").is_none());
        assert_eq!(
            r.groups().last().unwrap(),
            &(
                "example.com".to_owned(),
                vec!["v1".to_owned(), "v1beta1".to_owned()]
            )
        );
    }
}
