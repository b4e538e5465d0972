//! The API reference (`docs/api-reference.md`), generated from the CRD schemas so it says exactly
//! what `kubectl explain` says: every field with its type, default, constraints and description.

use serde_json::Value;

use super::crds;

/// The API reference of both kinds as Markdown.
pub fn markdown() -> String {
    let mut out = String::from(
        "# API reference\n\nGenerated from the CRD schemas by `helm-operator crds --format markdown` (`make docs`); \
         do not edit by hand. Group `helm-operator.ketches.cn`, version `v1alpha1`.\n",
    );
    for crd in crds() {
        let json = serde_json::to_value(&crd).unwrap_or_default();
        let names = &json["spec"]["names"];
        let version = &json["spec"]["versions"][0];
        let schema = &version["schema"]["openAPIV3Schema"];
        out.push_str(&format!(
            "\n## {}\n\n{}\n\n",
            names["kind"].as_str().unwrap_or(""),
            one_line(&schema["description"])
        ));
        out.push_str(&format!(
            "Plural `{}`, short name{} {}, category {}, namespaced, with a status subresource.\n\n",
            names["plural"].as_str().unwrap_or(""),
            if names["shortNames"].as_array().is_some_and(|a| a.len() > 1) {
                "s"
            } else {
                ""
            },
            list(&names["shortNames"]),
            list(&names["categories"]),
        ));
        out.push_str("Printer columns: ");
        let columns: Vec<String> = version["additionalPrinterColumns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{} (`{}`)",
                    c["name"].as_str().unwrap_or(""),
                    c["jsonPath"].as_str().unwrap_or("")
                )
            })
            .collect();
        out.push_str(&columns.join(", "));
        out.push_str(".\n\n| Field | Type | Default | Description |\n|---|---|---|---|\n");
        for part in ["spec", "status"] {
            rows(&schema["properties"][part], part, &mut out);
        }
    }
    out
}

fn list(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(v: &Value) -> String {
    v.as_str()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn type_of(node: &Value) -> String {
    let base = match node["type"].as_str() {
        Some("array") => format!("[]{}", type_of(&node["items"])),
        Some(t) => t.to_owned(),
        None => "any".to_owned(),
    };
    match node["enum"].as_array() {
        Some(values) => format!(
            "{base} ({})",
            values
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" \\| ")
        ),
        None => base,
    }
}

fn rows(node: &Value, path: &str, out: &mut String) {
    let mut constraints = Vec::new();
    if let Some(p) = node["pattern"].as_str() {
        constraints.push(format!("pattern `{}`", p.replace('|', "\\|")));
    }
    for (key, label) in [
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "minimum"),
    ] {
        if let Some(n) = node[key].as_f64() {
            constraints.push(format!("{label} {n}"));
        }
    }
    for rule in node["x-kubernetes-validations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        constraints.push(format!("rule: {}", one_line(&rule["message"])));
    }
    let default = match &node["default"] {
        Value::Null => String::new(),
        Value::Object(_) => "(see fields)".to_owned(),
        other => format!("`{}`", other.to_string().trim_matches('"')),
    };
    let mut description = one_line(&node["description"]);
    if !constraints.is_empty() {
        description.push_str(&format!(" ({})", constraints.join("; ")));
    }
    out.push_str(&format!(
        "| `{path}` | {} | {default} | {description} |\n",
        type_of(node)
    ));
    let child = if node["type"] == "array" {
        &node["items"]
    } else {
        node
    };
    let prefix = if node["type"] == "array" {
        format!("{path}[]")
    } else {
        path.to_owned()
    };
    if let Some(props) = child["properties"].as_object() {
        let required: Vec<&str> = child["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, prop) in props {
            let marker = if required.contains(&name.as_str()) {
                " *(required)*"
            } else {
                ""
            };
            let before = out.len();
            rows(prop, &format!("{prefix}.{name}"), out);
            if !marker.is_empty()
                && let Some(end) = out[before..].find(" |").map(|i| before + i)
            {
                out.insert_str(end, marker);
            }
        }
    }
}
