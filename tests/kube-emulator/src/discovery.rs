//! Discovery and OpenAPI, as real clients negotiate them: aggregated discovery (`v2`, then
//! `v2beta1`) chosen by the Accept header with the exact Content-Type clients check, legacy
//! `APIVersions`/`APIGroupList`/`APIResourceList` otherwise, and OpenAPI v3 documents per group
//! version (a PATCH operation with `fieldValidation` for every resource, CRD schemas as
//! components so `kubectl explain` works).

use serde_json::{Value, json};

use crate::registry::{Registry, ResourceType};

/// Which discovery format the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryFormat {
    /// `apidiscovery.k8s.io/v2`.
    AggregatedV2,
    /// `apidiscovery.k8s.io/v2beta1`.
    AggregatedV2Beta1,
    /// Plain JSON.
    Legacy,
}

impl DiscoveryFormat {
    /// Negotiates from an Accept header: the first aggregated format the client lists wins.
    pub fn from_accept(accept: &str) -> Self {
        for part in accept.split(',') {
            let p = part.replace(' ', "");
            if p.contains("as=APIGroupDiscoveryList") {
                if p.contains("v=v2beta1") {
                    return Self::AggregatedV2Beta1;
                }
                if p.contains("v=v2") {
                    return Self::AggregatedV2;
                }
            }
        }
        Self::Legacy
    }

    /// The Content-Type of the reply.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::AggregatedV2 => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
            Self::AggregatedV2Beta1 => {
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            }
            Self::Legacy => "application/json",
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Self::AggregatedV2Beta1 => "apidiscovery.k8s.io/v2beta1",
            _ => "apidiscovery.k8s.io/v2",
        }
    }
}

fn scale_or_self(t: &ResourceType, sub: &str) -> Value {
    match sub {
        "scale" => json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}),
        _ => json!({"group": t.group, "version": t.version, "kind": t.kind}),
    }
}

fn aggregated_resource(t: &ResourceType) -> Value {
    let mut r = json!({
        "resource": t.resource,
        "responseKind": {"group": t.group, "version": t.version, "kind": t.kind},
        "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": t.singular,
        "verbs": t.verbs,
    });
    if !t.short_names.is_empty() {
        r["shortNames"] = json!(t.short_names);
    }
    if !t.categories.is_empty() {
        r["categories"] = json!(t.categories);
    }
    if !t.subresources.is_empty() {
        r["subresources"] = t
            .subresources
            .iter()
            .map(|s| json!({"subresource": s, "responseKind": scale_or_self(t, s), "verbs": ["get", "patch", "update"]}))
            .collect();
    }
    r
}

/// `/api` or `/apis` in an aggregated format.
pub fn aggregated(registry: &Registry, core: bool, format: DiscoveryFormat) -> Value {
    let items: Vec<Value> = registry
        .groups()
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = registry
                        .group_version(&group, v)
                        .into_iter()
                        .map(aggregated_resource)
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": format.api_version(), "metadata": {}, "items": items})
}

/// Legacy `/api`.
pub fn api_versions(address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]})
}

fn group_entry(group: &str, versions: &[String]) -> Value {
    let gvs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "versions": gvs.clone(), "preferredVersion": gvs[0]})
}

/// Legacy `/apis`.
pub fn api_group_list(registry: &Registry) -> Value {
    let groups: Vec<Value> = registry
        .groups()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_entry(&g, &vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// Legacy `/apis/<group>`, or `None` when the group is not served.
pub fn api_group(registry: &Registry, group: &str) -> Option<Value> {
    registry
        .groups()
        .into_iter()
        .find(|(g, _)| g == group)
        .map(|(g, vs)| {
            let mut entry = group_entry(&g, &vs);
            entry["kind"] = json!("APIGroup");
            entry["apiVersion"] = json!("v1");
            entry
        })
}

/// Legacy `/api/v1` or `/apis/<group>/<version>`, or `None` when not served.
pub fn api_resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let types = registry.group_version(group, version);
    if types.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for t in types {
        let mut r = json!({"name": t.resource, "singularName": t.singular, "namespaced": t.namespaced, "kind": t.kind, "verbs": t.verbs});
        if !t.short_names.is_empty() {
            r["shortNames"] = json!(t.short_names);
        }
        if !t.categories.is_empty() {
            r["categories"] = json!(t.categories);
        }
        resources.push(r);
        for sub in &t.subresources {
            let kind = if sub == "scale" {
                "Scale"
            } else {
                t.kind.as_str()
            };
            let mut s = json!({"name": format!("{}/{sub}", t.resource), "singularName": "", "namespaced": t.namespaced, "kind": kind, "verbs": ["get", "patch", "update"]});
            if sub == "scale" {
                s["group"] = json!("autoscaling");
                s["version"] = json!("v1");
            }
            resources.push(s);
        }
    }
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

/// The OpenAPI v3 path of a group version: `api/v1` or `apis/<group>/<version>`.
pub fn openapi_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// A stable hash of a document, for `?hash=` in the OpenAPI v3 root.
fn hash_of(doc: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    doc.to_string().hash(&mut h);
    format!("{:016X}{:016X}", h.finish(), h.finish().rotate_left(17))
}

/// `/openapi/v3`: every served group version with its document's hash.
pub fn openapi_v3_root(registry: &Registry) -> Value {
    let mut paths = serde_json::Map::new();
    for (group, versions) in registry.groups() {
        for v in versions {
            let path = openapi_path(&group, &v);
            let doc = openapi_v3_document(registry, &group, &v).unwrap_or(Value::Null);
            paths.insert(
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={}", hash_of(&doc))}),
            );
        }
    }
    json!({"paths": paths})
}

/// The reverse-domain schema name clients look up, e.g. `io.k8s.api.apps.v1.Deployment`.
fn schema_name(t: &ResourceType) -> String {
    let group_part = match t.group.as_str() {
        "" => "core".to_owned(),
        g if g.ends_with(".k8s.io") => g.trim_end_matches(".k8s.io").to_owned(),
        g => g.to_owned(),
    };
    if t.custom.is_some() {
        let reversed: Vec<&str> = t.group.split('.').rev().collect();
        format!("{}.{}.{}", reversed.join("."), t.version, t.kind)
    } else {
        format!("io.k8s.api.{group_part}.{}.{}", t.version, t.kind)
    }
}

/// `/openapi/v3/<path>` for one group version, or `None` when not served.
pub fn openapi_v3_document(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let types = registry.group_version(group, version);
    if types.is_empty() {
        return None;
    }
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    schemas.insert(
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".into(),
        json!({"type": "object", "description": "ObjectMeta is metadata that all persisted resources must have.", "properties": {
            "name": {"type": "string"}, "generateName": {"type": "string"}, "namespace": {"type": "string"},
            "uid": {"type": "string"}, "resourceVersion": {"type": "string"}, "generation": {"type": "integer", "format": "int64"},
            "creationTimestamp": {"type": "string", "format": "date-time"}, "deletionTimestamp": {"type": "string", "format": "date-time"},
            "labels": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
            "finalizers": {"type": "array", "items": {"type": "string", "default": ""}, "x-kubernetes-list-type": "set"},
            "ownerReferences": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}, "x-kubernetes-patch-merge-key": "uid", "x-kubernetes-patch-strategy": "merge"},
            "managedFields": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
        }}),
    );
    for t in types {
        let gvk = json!({"group": t.group, "version": t.version, "kind": t.kind});
        let name = schema_name(t);
        // Built-in kinds get no component schema: kubectl then computes patches from its
        // compiled-in types instead of warning about a schema without fields.
        let reference = if t.custom.is_some() {
            json!({"$ref": format!("#/components/schemas/{name}")})
        } else {
            json!({"type": "object"})
        };
        let params = json!([
            {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
            {"name": "force", "in": "query", "schema": {"type": "boolean"}},
        ]);
        let op = |verb: &str| {
            json!({
                "operationId": format!("{verb}{}", t.kind),
                "x-kubernetes-action": verb,
                "x-kubernetes-group-version-kind": gvk,
                "parameters": params,
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": reference}}}},
            })
        };
        let mut item = json!({"get": op("get"), "put": op("put"), "patch": op("patch"), "delete": op("delete")});
        // No strategic-merge content type: kubectl would then compute strategic patches from
        // these (field-less) schemas; without it, it uses its compiled-in types for built-ins
        // and a merge patch for custom resources, as against a real server's CRDs.
        item["patch"]["requestBody"] = json!({"content": {
            "application/apply-patch+yaml": {"schema": {"type": "object"}},
            "application/json-patch+json": {"schema": {"type": "object"}},
            "application/merge-patch+json": {"schema": {"type": "object"}},
        }});
        let base = if t.group.is_empty() {
            format!("/api/{}", t.version)
        } else {
            format!("/apis/{}/{}", t.group, t.version)
        };
        let item_path = if t.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", t.resource)
        } else {
            format!("{base}/{}/{{name}}", t.resource)
        };
        paths.insert(item_path, item);
        let list_path = if t.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}", t.resource)
        } else {
            format!("{base}/{}", t.resource)
        };
        paths.insert(list_path, json!({"get": op("list"), "post": op("post")}));
        let Some(mut schema) = t.custom.as_ref().and_then(|c| c.schema.clone()) else {
            continue;
        };
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            props.insert("apiVersion".into(), json!({"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."}));
            props.insert("kind".into(), json!({"type": "string", "description": "Kind is a string value representing the REST resource this object represents."}));
            props.insert("metadata".into(), json!({"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}], "description": "Standard object's metadata."}));
        }
        schema["x-kubernetes-group-version-kind"] = json!([gvk]);
        schemas.insert(name, schema);
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_first_aggregated_format_offered() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            DiscoveryFormat::from_accept(kubectl),
            DiscoveryFormat::AggregatedV2
        );
        let old = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            DiscoveryFormat::from_accept(old),
            DiscoveryFormat::AggregatedV2Beta1
        );
        assert_eq!(
            DiscoveryFormat::from_accept("application/json"),
            DiscoveryFormat::Legacy
        );
    }

    #[test]
    fn every_aggregated_resource_has_response_kind_and_scope() {
        let r = Registry::new();
        let doc = aggregated(&r, false, DiscoveryFormat::AggregatedV2);
        for group in doc["items"].as_array().unwrap() {
            for version in group["versions"].as_array().unwrap() {
                for res in version["resources"].as_array().unwrap() {
                    assert!(
                        res["responseKind"]["kind"].is_string() && res["scope"].is_string(),
                        "{res}"
                    );
                }
            }
        }
        let core = aggregated(&r, true, DiscoveryFormat::AggregatedV2);
        assert_eq!(core["items"].as_array().unwrap().len(), 1);
        assert_eq!(core["items"][0]["metadata"]["name"], "");
    }

    #[test]
    fn openapi_documents_carry_patch_with_field_validation() {
        let r = Registry::new();
        let doc = openapi_v3_document(&r, "apps", "v1").unwrap();
        let item = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
        assert_eq!(
            item["patch"]["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            item["patch"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert!(
            openapi_v3_root(&r)["paths"]["apis/apps/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/apis/apps/v1?hash=")
        );
    }
}
