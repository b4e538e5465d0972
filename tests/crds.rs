//! `crds/` (and the chart's copy) hold exactly what `helm-operator crds` generates, and the
//! generated schemas are structural, as the API server requires.

mod common;

use helm_operator::api;
use serde_json::Value;

#[test]
fn committed_crds_match_the_generated_ones() {
    let chart_crds = common::repo_root().join("charts/helm-operator/crds");
    for crd in api::crds() {
        let expected = api::crd_yaml(&crd).unwrap();
        for dir in [common::repo_root().join("crds"), chart_crds.clone()] {
            let path = dir.join(api::crd_file_name(&crd));
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == expected,
                "{} is stale or missing: run `make crds`",
                path.display()
            );
        }
    }
}

/// Walks a schema and reports every node that breaks the structural-schema rules the API
/// server enforces for `apiextensions.k8s.io/v1`.
fn structural_violations(node: &Value, path: &str, out: &mut Vec<String>) {
    let Some(obj) = node.as_object() else {
        out.push(format!("{path}: schema is not an object"));
        return;
    };
    for banned in [
        "$ref",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "definitions",
        "$schema",
        "additionalItems",
    ] {
        if obj.contains_key(banned) {
            out.push(format!("{path}: uses {banned}"));
        }
    }
    let preserves = obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    let int_or_string = obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    if !obj.contains_key("type") && !preserves && !int_or_string {
        out.push(format!("{path}: no type"));
    }
    if obj.contains_key("properties") && obj.contains_key("additionalProperties") {
        out.push(format!("{path}: both properties and additionalProperties"));
    }
    if let Some(Value::Object(props)) = obj.get("properties") {
        for (k, v) in props {
            structural_violations(v, &format!("{path}.{k}"), out);
        }
    }
    if let Some(items) = obj.get("items") {
        structural_violations(items, &format!("{path}[]"), out);
    }
    if let Some(additional @ Value::Object(_)) = obj.get("additionalProperties") {
        structural_violations(additional, &format!("{path}{{}}"), out);
    }
}

#[test]
fn generated_schemas_are_structural_with_descriptions_for_kubectl_explain() {
    for crd in api::crds() {
        let json = serde_json::to_value(&crd).unwrap();
        let version = &json["spec"]["versions"][0];
        let schema = &version["schema"]["openAPIV3Schema"];
        let mut violations = Vec::new();
        structural_violations(schema, "", &mut violations);
        assert!(
            violations.is_empty(),
            "{}: {violations:#?}",
            crd.spec.names.kind
        );
        // every spec field carries a description for `kubectl explain`
        let mut undocumented = Vec::new();
        fn walk(node: &Value, path: &str, out: &mut Vec<String>) {
            if let Some(props) = node["properties"].as_object() {
                for (k, v) in props {
                    let p = format!("{path}.{k}");
                    if v["description"].as_str().is_none_or(str::is_empty) {
                        out.push(p.clone());
                    }
                    walk(v, &p, out);
                    walk(&v["items"], &format!("{p}[]"), out);
                }
            }
        }
        walk(&schema["properties"]["spec"], "spec", &mut undocumented);
        assert!(
            undocumented.is_empty(),
            "fields without description: {undocumented:?}"
        );
        assert_eq!(version["subresources"]["status"], serde_json::json!({}));
        assert_eq!(
            json["spec"]["names"]["categories"],
            serde_json::json!(["helm"])
        );
    }
}

#[test]
fn crds_carry_short_names_printer_columns_and_defaults() {
    let [repository, release] = api::crds().try_into().unwrap();
    assert_eq!(
        repository.spec.names.short_names,
        Some(vec!["hrepo".to_owned()])
    );
    assert_eq!(release.spec.names.short_names, Some(vec!["hr".to_owned()]));
    let columns = |crd: &k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition| {
        crd.spec.versions[0].additional_printer_columns.clone().unwrap().into_iter().map(|c| c.name).collect::<Vec<_>>()
    };
    assert_eq!(
        columns(&release),
        [
            "Chart", "Version", "Revision", "Ready", "Status", "Age", "Target"
        ]
    );
    assert_eq!(
        columns(&repository),
        ["URL", "Type", "Ready", "Status", "Charts", "Age"]
    );
    let schema = serde_json::to_value(&release.spec.versions[0].schema).unwrap();
    let spec = &schema["openAPIV3Schema"]["properties"]["spec"]["properties"];
    assert_eq!(spec["install"]["properties"]["wait"]["default"], true);
    assert_eq!(
        spec["upgrade"]["properties"]["cleanupOnFail"]["default"],
        true
    );
    assert_eq!(spec["rollback"]["properties"]["enabled"]["default"], false);
    assert_eq!(spec["interval"]["pattern"], api::duration::DURATION_PATTERN);
    assert_eq!(
        spec["driftDetection"]["properties"]["mode"]["enum"],
        serde_json::json!(["disabled", "warn", "enabled"])
    );
    let rules = spec["chart"]["x-kubernetes-validations"].to_string();
    assert!(
        rules.contains("has(self.repository) != has(self.ociRepository)"),
        "{rules}"
    );
}

#[test]
fn api_reference_is_generated_from_the_current_schemas() {
    let committed = common::read(&common::repo_root().join("docs/api-reference.md"));
    assert!(
        committed == api::reference::markdown(),
        "docs/api-reference.md is stale: run `make docs`"
    );
    for field in [
        "`spec.upgrade.cleanupOnFail`",
        "`spec.chart.ociRepository`",
        "`spec.auth.secretRef.name` *(required)*",
        "`status.conditions`",
    ] {
        assert!(committed.contains(field), "reference lacks {field}");
    }
}
