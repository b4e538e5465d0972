//! The three classic patch formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and
//! strategic merge patch for built-in kinds (lists merged by their merge key, with the
//! `$patch`, `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList` directives).
//! Server-side apply lives in `managed`.

use serde_json::{Map, Value};

/// Applies a JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn pointer_parts(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("invalid JSON pointer {path:?}"))?;
    Ok(rest
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn parent_and_key<'a>(doc: &'a mut Value, path: &str) -> Result<(&'a mut Value, String), String> {
    let mut parts = pointer_parts(path)?;
    let last = parts
        .pop()
        .ok_or("the root cannot be the target of this operation")?;
    let mut node = doc;
    for p in parts {
        node = match node {
            Value::Object(m) => m
                .get_mut(&p)
                .ok_or_else(|| format!("missing path {path:?}"))?,
            Value::Array(a) => a
                .get_mut(
                    p.parse::<usize>()
                        .map_err(|_| format!("invalid index in {path:?}"))?,
                )
                .ok_or_else(|| format!("missing path {path:?}"))?,
            _ => return Err(format!("missing path {path:?}")),
        };
    }
    Ok((node, last))
}

fn get_pointer(doc: &Value, path: &str) -> Result<Value, String> {
    doc.pointer(path)
        .cloned()
        .ok_or_else(|| format!("missing path {path:?}"))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, key) = parent_and_key(doc, path)?;
    match parent {
        Value::Object(m) => {
            m.insert(key, value);
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(value);
            } else {
                let i: usize = key
                    .parse()
                    .map_err(|_| format!("invalid index in {path:?}"))?;
                if i > a.len() {
                    return Err(format!("index out of range in {path:?}"));
                }
                a.insert(i, value);
            }
        }
        _ => return Err(format!("cannot add at {path:?}")),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, key) = parent_and_key(doc, path)?;
    match parent {
        Value::Object(m) => m
            .remove(&key)
            .ok_or_else(|| format!("missing path {path:?}")),
        Value::Array(a) => {
            let i: usize = key
                .parse()
                .map_err(|_| format!("invalid index in {path:?}"))?;
            if i >= a.len() {
                return Err(format!("index out of range in {path:?}"));
            }
            Ok(a.remove(i))
        }
        _ => Err(format!("missing path {path:?}")),
    }
}

/// Applies a JSON patch (a list of operations).
///
/// # Errors
/// A message naming the failed operation.
pub fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops
        .as_array()
        .ok_or("a JSON patch must be a list of operations")?;
    for op in ops {
        let path = op["path"]
            .as_str()
            .ok_or("every JSON patch operation needs a path")?;
        match op["op"].as_str() {
            Some("add") => add(doc, path, op["value"].clone())?,
            Some("remove") => {
                remove(doc, path)?;
            }
            Some("replace") => {
                remove(doc, path)?;
                add(doc, path, op["value"].clone())?;
            }
            Some("move") => {
                let from = op["from"].as_str().ok_or("move needs from")?;
                let v = remove(doc, from)?;
                add(doc, path, v)?;
            }
            Some("copy") => {
                let from = op["from"].as_str().ok_or("copy needs from")?;
                let v = get_pointer(doc, from)?;
                add(doc, path, v)?;
            }
            Some("test") => {
                if get_pointer(doc, path)? != op["value"] {
                    return Err(format!("testing value {path:?} failed"));
                }
            }
            other => return Err(format!("unknown JSON patch operation {other:?}")),
        }
    }
    Ok(())
}

/// The merge key of a list field in built-in kinds (`patchMergeKey`), chosen by field name and,
/// for `ports`, by what the elements carry.
pub fn merge_key(field: &str, sample: Option<&Value>) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "subjects_never" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "ports" => match sample {
            Some(s) if s.get("containerPort").is_some() => Some("containerPort"),
            _ => Some("port"),
        },
        _ => None,
    }
}

/// Lists of scalars that merge as sets.
fn primitive_merge(field: &str) -> bool {
    field == "finalizers"
}

/// Applies a strategic merge patch for a built-in kind.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) {
    smp_object(target, patch);
}

fn smp_object(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = patch.clone();
        if let Some(m) = replaced.as_object_mut() {
            m.remove("$patch");
        }
        *target = replaced;
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Some(keys) = p.get("$retainKeys").and_then(Value::as_array) {
        let keep: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        if let Some(t) = target.as_object_mut() {
            t.retain(|k, _| keep.contains(&k.as_str()));
        }
    }
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if let Some(list) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(arr), Some(remove)) = (target[list].as_array_mut(), v.as_array()) {
                arr.retain(|x| !remove.contains(x));
            }
            continue;
        }
        let t = target.as_object_mut().expect("object");
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match v {
            Value::Object(inner)
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") =>
            {
                t.remove(k);
            }
            Value::Object(_) => smp_object(t.entry(k.clone()).or_insert(Value::Null), v),
            Value::Array(items) => {
                let order = p
                    .get(&format!("$setElementOrder/{k}"))
                    .and_then(Value::as_array)
                    .cloned();
                let existing = t.entry(k.clone()).or_insert(Value::Array(Vec::new()));
                smp_list(k, existing, items, order.as_deref());
            }
            other => {
                t.insert(k.clone(), other.clone());
            }
        }
    }
    // `$setElementOrder` for lists the patch did not otherwise touch
    for (k, order) in p {
        if let Some(list) = k.strip_prefix("$setElementOrder/")
            && !p.contains_key(list)
            && let (Some(existing), Some(order)) = (target.get_mut(list), order.as_array())
        {
            smp_list(list, existing, &[], Some(order));
        }
    }
}

fn smp_list(field: &str, existing: &mut Value, items: &[Value], order: Option<&[Value]>) {
    if !existing.is_array() {
        *existing = Value::Array(Vec::new());
    }
    let current = existing.as_array_mut().expect("array");
    if primitive_merge(field) {
        for item in items {
            if !current.contains(item) {
                current.push(item.clone());
            }
        }
        return;
    }
    let sample = items.first().or(current.first());
    let Some(key) = merge_key(field, sample).filter(|_| sample.is_some_and(Value::is_object))
    else {
        // no merge key: the list is replaced
        if !items.is_empty() || order.is_none() {
            *current = items.to_vec();
        }
        return;
    };
    for item in items {
        let id = &item[key];
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match current.iter().position(|c| &c[key] == id) {
            Some(i) if delete => {
                current.remove(i);
            }
            Some(i) => smp_object(&mut current[i], item),
            None if delete => {}
            None => {
                let mut fresh = Value::Object(Map::new());
                smp_object(&mut fresh, item);
                current.push(fresh);
            }
        }
    }
    if let Some(order) = order {
        let mut ordered = Vec::with_capacity(current.len());
        for o in order {
            if let Some(i) = current.iter().position(|c| c[key] == o[key]) {
                ordered.push(current.remove(i));
            }
        }
        ordered.append(current);
        *current = ordered;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
    }

    #[test]
    fn json_patch_follows_rfc_6902() {
        let mut doc = json!({"metadata": {"labels": {"a": "1"}}, "list": [1, 2]});
        json_patch(
            &mut doc,
            &json!([
                {"op": "add", "path": "/metadata/labels/b~1c", "value": "2"},
                {"op": "replace", "path": "/list/0", "value": 9},
                {"op": "add", "path": "/list/-", "value": 3},
                {"op": "remove", "path": "/metadata/labels/a"},
                {"op": "test", "path": "/list/1", "value": 2}
            ]),
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"metadata": {"labels": {"b/c": "2"}}, "list": [9, 2, 3]})
        );
        assert!(
            json_patch(
                &mut doc,
                &json!([{"op": "test", "path": "/list/0", "value": 1}])
            )
            .is_err()
        );
        assert!(json_patch(&mut doc, &json!([{"op": "remove", "path": "/nope"}])).is_err());
    }

    #[test]
    fn strategic_merge_merges_containers_by_name_and_honours_directives() {
        let mut live = json!({"spec": {"template": {"spec": {
            "containers": [{"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]}, {"name": "b", "image": "b:1"}],
            "tolerations": [{"key": "t"}]
        }}}});
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
            "containers": [{"name": "a", "image": "a:2", "env": [{"name": "Y", "value": "2"}]}],
            "tolerations": [{"key": "u"}]
        }}}});
        strategic_merge_patch(&mut live, &patch);
        let spec = &live["spec"]["template"]["spec"];
        assert_eq!(spec["containers"][0]["name"], "b");
        assert_eq!(spec["containers"][1]["image"], "a:2");
        assert_eq!(
            spec["containers"][1]["env"].as_array().unwrap().len(),
            2,
            "env merged by name"
        );
        assert_eq!(
            spec["tolerations"],
            json!([{"key": "u"}]),
            "lists without a merge key are replaced"
        );
        strategic_merge_patch(
            &mut live,
            &json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}}}),
        );
        assert_eq!(
            live["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}
