//! Structural-schema handling for custom resources, as the API server does it: defaults from
//! `default`, pruning of fields the schema does not know (unless
//! `x-kubernetes-preserve-unknown-fields`), and validation of types, `required`, `enum`,
//! `pattern`, bounds and lengths with the API server's error wording. CEL rules
//! (`x-kubernetes-validations`) are not evaluated.

use serde_json::Value;

/// A validation failure: (field path, message, reason).
pub type Cause = (String, String, &'static str);

fn preserves_unknown(schema: &Value) -> bool {
    schema["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true)
}

/// Applies defaults and prunes unknown fields, in place, returning the paths it pruned. The root
/// keeps `apiVersion`, `kind` and `metadata` whatever the schema says.
pub fn default_and_prune(schema: &Value, obj: &mut Value) -> Vec<String> {
    let mut pruned = Vec::new();
    walk(schema, obj, true, "", &mut pruned);
    pruned
}

fn walk(schema: &Value, value: &mut Value, root: bool, path: &str, pruned: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(props) = schema["properties"].as_object() {
                for (name, prop_schema) in props {
                    if !map.contains_key(name)
                        && let Some(default) = prop_schema.get("default")
                    {
                        map.insert(name.clone(), default.clone());
                    }
                }
                let open = preserves_unknown(schema)
                    || schema["additionalProperties"].is_object()
                    || schema["additionalProperties"] == Value::Bool(true);
                if !open {
                    map.retain(|k, _| {
                        let keep = props.contains_key(k)
                            || (root && matches!(k.as_str(), "apiVersion" | "kind" | "metadata"));
                        if !keep {
                            pruned.push(join(path, k));
                        }
                        keep
                    });
                }
                for (name, child) in map.iter_mut() {
                    if let Some(child_schema) = props.get(name) {
                        walk(child_schema, child, false, &join(path, name), pruned);
                    }
                }
            } else if let Some(additional) =
                schema.get("additionalProperties").filter(|a| a.is_object())
            {
                for (name, child) in map.iter_mut() {
                    walk(additional, child, false, &join(path, name), pruned);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item_schema, item, false, &format!("{path}[{i}]"), pruned);
                }
            }
        }
        _ => {}
    }
}

/// Validates an object; an empty result means valid.
pub fn validate(schema: &Value, obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    check(schema, obj, "", &mut causes, true);
    causes
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Object(_) => "\"object\"".to_owned(),
        Value::Array(_) => "\"array\"".to_owned(),
        other => other.to_string(),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn check(schema: &Value, value: &Value, path: &str, causes: &mut Vec<Cause>, root: bool) {
    if value.is_null() {
        if schema["nullable"] == Value::Bool(true) || schema.get("type").is_none() {
            return;
        }
        causes.push((
            path.to_owned(),
            format!(
                "Invalid value: \"null\": {path} in body must be of type {}: \"null\"",
                schema["type"].as_str().unwrap_or("object")
            ),
            "FieldValueTypeInvalid",
        ));
        return;
    }
    let int_or_string = schema["x-kubernetes-int-or-string"] == Value::Bool(true);
    if let Some(expected) = schema["type"].as_str() {
        let actual = type_name(value);
        let ok = match expected {
            "number" => matches!(actual, "number" | "integer"),
            "integer" => actual == "integer" || value.as_f64().is_some_and(|f| f.fract() == 0.0),
            other => actual == other,
        } || (int_or_string && matches!(actual, "integer" | "string"));
        if !ok {
            causes.push((
                path.to_owned(),
                format!(
                    "Invalid value: {}: {path} in body must be of type {expected}: \"{actual}\"",
                    show(value)
                ),
                "FieldValueTypeInvalid",
            ));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed
            .iter()
            .map(|v| match v {
                Value::String(s) => format!("{s:?}"),
                other => other.to_string(),
            })
            .collect();
        causes.push((
            path.to_owned(),
            format!(
                "Unsupported value: {}: supported values: {}",
                show(value),
                list.join(", ")
            ),
            "FieldValueNotSupported",
        ));
    }
    match value {
        Value::String(s) => {
            if let Some(pattern) = schema["pattern"].as_str() {
                let matched = regex::Regex::new(pattern)
                    .map(|re| re.is_match(s))
                    .unwrap_or(true);
                if !matched {
                    causes.push((
                        path.to_owned(),
                        format!("Invalid value: {s:?}: {path} in body should match '{pattern}'"),
                        "FieldValueInvalid",
                    ));
                }
            }
            let chars = s.chars().count() as u64;
            if let Some(min) = schema["minLength"].as_u64()
                && chars < min
            {
                causes.push((
                    path.to_owned(),
                    format!(
                        "Invalid value: {s:?}: {path} in body should be at least {min} chars long"
                    ),
                    "FieldValueInvalid",
                ));
            }
            if let Some(max) = schema["maxLength"].as_u64()
                && chars > max
            {
                causes.push((
                    path.to_owned(),
                    format!("Too long: may not be more than {max} bytes"),
                    "FieldValueTooLong",
                ));
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = schema["minimum"].as_f64()
                && (x < min || (schema["exclusiveMinimum"] == Value::Bool(true) && x == min))
            {
                causes.push((
                    path.to_owned(),
                    format!(
                        "Invalid value: {n}: {path} in body should be greater than or equal to {}",
                        trim_float(min)
                    ),
                    "FieldValueInvalid",
                ));
            }
            if let Some(max) = schema["maximum"].as_f64()
                && (x > max || (schema["exclusiveMaximum"] == Value::Bool(true) && x == max))
            {
                causes.push((
                    path.to_owned(),
                    format!(
                        "Invalid value: {n}: {path} in body should be less than or equal to {}",
                        trim_float(max)
                    ),
                    "FieldValueInvalid",
                ));
            }
        }
        Value::Array(items) => {
            if let Some(min) = schema["minItems"].as_u64()
                && (items.len() as u64) < min
            {
                causes.push((
                    path.to_owned(),
                    format!(
                        "Invalid value: {}: {path} in body should have at least {min} items",
                        items.len()
                    ),
                    "FieldValueInvalid",
                ));
            }
            if let Some(max) = schema["maxItems"].as_u64()
                && (items.len() as u64) > max
            {
                causes.push((
                    path.to_owned(),
                    format!("Too many: {}: must have at most {max} items", items.len()),
                    "FieldValueTooMany",
                ));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item_schema, item, &format!("{path}[{i}]"), causes, false);
                }
            }
        }
        Value::Object(map) => {
            for required in schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(required) {
                    causes.push((
                        join(path, required),
                        "Required value".to_owned(),
                        "FieldValueRequired",
                    ));
                }
            }
            if let Some(props) = schema["properties"].as_object() {
                for (name, child) in map {
                    if root && matches!(name.as_str(), "apiVersion" | "kind" | "metadata") {
                        continue;
                    }
                    if let Some(child_schema) = props.get(name) {
                        check(child_schema, child, &join(path, name), causes, false);
                    }
                }
            } else if let Some(additional) =
                schema.get("additionalProperties").filter(|a| a.is_object())
            {
                for (name, child) in map {
                    check(additional, child, &join(path, name), causes, false);
                }
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

fn trim_float(f: f64) -> String {
    if f.fract() == 0.0 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["url"], "properties": {
                "url": {"type": "string", "pattern": "^https?://"},
                "interval": {"type": "string", "default": "30m"},
                "replicas": {"type": "integer", "minimum": 0},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}}}
            }},
            "status": {"type": "object", "nullable": true}
        }})
    }

    #[test]
    fn defaults_fill_and_unknown_fields_are_pruned() {
        let mut obj = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"}, "spec": {"url": "https://r", "bogus": 1, "free": {"any": {"thing": 1}}, "items": [{"name": "n", "extra": 2}]}, "junk": true});
        let pruned = default_and_prune(&schema(), &mut obj);
        assert_eq!(pruned, ["junk", "spec.bogus", "spec.items[0].extra"]);
        assert_eq!(obj["spec"]["interval"], "30m");
        assert!(
            obj["spec"].get("bogus").is_none()
                && obj.get("junk").is_none()
                && obj["spec"]["items"][0].get("extra").is_none()
        );
        assert_eq!(obj["spec"]["free"]["any"]["thing"], 1);
        assert_eq!(obj["metadata"]["name"], "a");
    }

    #[test]
    fn validation_reports_each_violation_like_the_api_server() {
        let obj = json!({"spec": {"url": "ftp://x", "replicas": -1, "mode": "c", "items": [{"name": ""}]}});
        let causes = validate(&schema(), &obj);
        let messages: Vec<String> = causes.iter().map(|(f, m, _)| format!("{f}: {m}")).collect();
        assert!(
            messages.contains(
                &"spec.url: Invalid value: \"ftp://x\": spec.url in body should match '^https?://'"
                    .to_owned()
            ),
            "{messages:?}"
        );
        assert!(messages.contains(&"spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0".to_owned()), "{messages:?}");
        assert!(
            messages.contains(
                &"spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"".to_owned()
            ),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("spec.items[0].name: Invalid value: \"\"")),
            "{messages:?}"
        );
        let missing = validate(&schema(), &json!({"spec": {}}));
        assert_eq!(
            missing,
            vec![(
                "spec.url".to_owned(),
                "Required value".to_owned(),
                "FieldValueRequired"
            )]
        );
        let wrong_type = validate(
            &schema(),
            &json!({"spec": {"url": "http://x", "replicas": "3"}}),
        );
        assert_eq!(
            wrong_type[0].1,
            "Invalid value: \"3\": spec.replicas in body must be of type integer: \"string\""
        );
    }
}
