//! Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), as `kubectl get` asks
//! for it: a Name column, the CRD's printer columns (dates shown as ages) or a few columns for
//! common built-ins, and each row's object as PartialObjectMetadata.

use serde_json::{Value, json};

use crate::registry::ResourceType;

/// The Content-Type of a Table reply.
pub const TABLE_CONTENT_TYPE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";

/// Whether an Accept header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.replace(' ', "").contains("as=Table"))
}

/// Kubernetes' human-readable duration (`HumanDuration`), as `kubectl get` prints ages.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 192 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if d < 730 {
        format!("{d}d")
    } else if d < 2920 {
        if d % 365 == 0 {
            format!("{}y", d / 365)
        } else {
            format!("{}y{}d", d / 365, d % 365)
        }
    } else {
        format!("{}y", d / 365)
    }
}

fn age(timestamp: &Value) -> Value {
    let Some(text) = timestamp.as_str() else {
        return json!("<unknown>");
    };
    match text.parse::<jiff::Timestamp>() {
        Ok(t) => json!(human_duration(
            jiff::Timestamp::now().as_second() - t.as_second()
        )),
        Err(_) => json!("<invalid>"),
    }
}

/// Evaluates the JSONPath subset CRD printer columns use: `.a.b`, `.a[0]`, `.a[*].b` and
/// `.a[?(@.type=="Ready")].status`. Returns every match.
pub fn json_path<'a>(obj: &'a Value, path: &str) -> Vec<&'a Value> {
    let path = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('$');
    let mut current = vec![obj];
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let field = &r[..end];
            current = current.into_iter().filter_map(|v| v.get(field)).collect();
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(close) = find_close(r) else {
                return Vec::new();
            };
            let inner = &r[..close];
            rest = &r[close + 1..];
            if inner == "*" {
                current = current
                    .into_iter()
                    .flat_map(|v| v.as_array().into_iter().flatten())
                    .collect();
            } else if let Ok(i) = inner.parse::<usize>() {
                current = current.into_iter().filter_map(|v| v.get(i)).collect();
            } else if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')'))
            {
                let Some((lhs, rhs)) = filter.split_once("==") else {
                    return Vec::new();
                };
                let field = lhs.trim().trim_start_matches("@.");
                let want = rhs.trim().trim_matches('"').trim_matches('\'');
                current = current
                    .into_iter()
                    .flat_map(|v| v.as_array().into_iter().flatten())
                    .filter(|item| match &item[field] {
                        Value::String(s) => s == want,
                        Value::Number(n) => n.to_string() == want,
                        Value::Bool(b) => b.to_string() == want,
                        _ => false,
                    })
                    .collect();
            } else {
                return Vec::new();
            }
        } else {
            return Vec::new();
        }
    }
    current
}

fn find_close(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ')' => depth -= 1,
            ']' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

fn cell(values: &[&Value], type_: &str) -> Value {
    match values.first() {
        None => Value::Null,
        Some(v) if type_ == "date" => age(v),
        Some(_) if values.len() > 1 => json!(
            values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Some(v) => (*v).clone(),
    }
}

struct Column {
    name: &'static str,
    type_: &'static str,
    extract: fn(&Value) -> Value,
}

fn builtin_columns(t: &ResourceType) -> Vec<Column> {
    fn ready_replicas(o: &Value) -> Value {
        json!(format!(
            "{}/{}",
            o["status"]["readyReplicas"].as_i64().unwrap_or(0),
            o["spec"]["replicas"].as_i64().unwrap_or(1)
        ))
    }
    match (t.group.as_str(), t.resource.as_str()) {
        ("apps", "deployments") => vec![
            Column {
                name: "Ready",
                type_: "string",
                extract: ready_replicas,
            },
            Column {
                name: "Up-to-date",
                type_: "integer",
                extract: |o| json!(o["status"]["updatedReplicas"].as_i64().unwrap_or(0)),
            },
            Column {
                name: "Available",
                type_: "integer",
                extract: |o| json!(o["status"]["availableReplicas"].as_i64().unwrap_or(0)),
            },
        ],
        ("apps", "statefulsets") => vec![Column {
            name: "Ready",
            type_: "string",
            extract: ready_replicas,
        }],
        ("", "pods") => vec![Column {
            name: "Status",
            type_: "string",
            extract: |o| json!(o["status"]["phase"].as_str().unwrap_or("Pending")),
        }],
        ("", "namespaces") => vec![Column {
            name: "Status",
            type_: "string",
            extract: |o| json!(o["status"]["phase"].as_str().unwrap_or("Active")),
        }],
        ("", "services") => vec![
            Column {
                name: "Type",
                type_: "string",
                extract: |o| json!(o["spec"]["type"].as_str().unwrap_or("ClusterIP")),
            },
            Column {
                name: "Cluster-IP",
                type_: "string",
                extract: |o| json!(o["spec"]["clusterIP"].as_str().unwrap_or("<none>")),
            },
        ],
        ("", "secrets") => vec![Column {
            name: "Type",
            type_: "string",
            extract: |o| json!(o["type"].as_str().unwrap_or("Opaque")),
        }],
        ("batch", "jobs") => vec![Column {
            name: "Status",
            type_: "string",
            extract: |o| {
                json!(if o["status"]["succeeded"].as_i64().unwrap_or(0) > 0 {
                    "Complete"
                } else if o["status"]["failed"].as_i64().unwrap_or(0) > 0 {
                    "Failed"
                } else {
                    "Running"
                })
            },
        }],
        _ => Vec::new(),
    }
}

/// Builds a Table of `objects`.
pub fn table(
    t: &ResourceType,
    objects: &[Value],
    resource_version: &str,
    continue_token: Option<&str>,
) -> Value {
    let mut columns = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    let rows: Vec<Value>;
    if let Some(custom) = &t.custom {
        let printer = &custom.printer_columns;
        if printer.is_empty() {
            columns.push(json!({"name": "Age", "type": "date", "format": "", "description": "CreationTimestamp", "priority": 0}));
        }
        for c in printer {
            columns.push(json!({
                "name": c["name"], "type": c["type"], "format": c.get("format").cloned().unwrap_or(json!("")),
                "description": c.get("description").cloned().unwrap_or(json!("")), "priority": c.get("priority").cloned().unwrap_or(json!(0)),
            }));
        }
        rows = objects
            .iter()
            .map(|o| {
                let mut cells = vec![o["metadata"]["name"].clone()];
                if printer.is_empty() {
                    cells.push(age(&o["metadata"]["creationTimestamp"]));
                }
                for c in printer {
                    cells.push(cell(
                        &json_path(o, c["jsonPath"].as_str().unwrap_or("")),
                        c["type"].as_str().unwrap_or("string"),
                    ));
                }
                row(t, o, cells)
            })
            .collect();
    } else {
        let extra = builtin_columns(t);
        for c in &extra {
            columns.push(json!({"name": c.name, "type": c.type_, "format": "", "description": "", "priority": 0}));
        }
        columns.push(json!({"name": "Age", "type": "string", "format": "", "description": "CreationTimestamp", "priority": 0}));
        rows = objects
            .iter()
            .map(|o| {
                let mut cells = vec![o["metadata"]["name"].clone()];
                cells.extend(extra.iter().map(|c| (c.extract)(o)));
                cells.push(age(&o["metadata"]["creationTimestamp"]));
                row(t, o, cells)
            })
            .collect();
    }
    let mut metadata = json!({"resourceVersion": resource_version});
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "columnDefinitions": columns, "rows": rows})
}

fn row(_t: &ResourceType, o: &Value, cells: Vec<Value>) -> Value {
    let mut metadata = o["metadata"].clone();
    if let Some(m) = metadata.as_object_mut() {
        m.remove("managedFields");
    }
    json!({"cells": cells, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_kubectl() {
        for (s, expected) in [
            (5, "5s"),
            (119, "119s"),
            (125, "2m5s"),
            (600, "10m"),
            (7200, "120m"),
            (3 * 3600 + 60, "3h1m"),
            (30 * 3600, "30h"),
            (3 * 86400 + 3600, "3d1h"),
            (40 * 86400, "40d"),
        ] {
            assert_eq!(human_duration(s), expected, "{s}");
        }
    }

    #[test]
    fn json_path_handles_filters_and_wildcards() {
        let o = json!({"status": {"conditions": [{"type": "Stalled", "status": "True"}, {"type": "Ready", "status": "False", "message": "m"}]}, "spec": {"items": [{"n": "a"}, {"n": "b"}]}});
        assert_eq!(
            json_path(&o, ".status.conditions[?(@.type==\"Ready\")].message"),
            vec![&json!("m")]
        );
        assert_eq!(json_path(&o, ".spec.items[*].n").len(), 2);
        assert_eq!(json_path(&o, ".spec.items[1].n"), vec![&json!("b")]);
        assert!(json_path(&o, ".missing.path").is_empty());
        let numbers = json!({"items": [{"n": 5, "v": "five"}, {"n": 6, "v": "six"}]});
        assert_eq!(
            json_path(&numbers, ".items[?(@.n==6)].v"),
            vec![&json!("six")]
        );
    }
}
