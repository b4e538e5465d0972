//! Server-side apply and `metadata.managedFields`. Each manager owns a set of field paths in the
//! FieldsV1 format (`f:spec`, `k:{"name":"c"}`, `v:"x"`, `.`). An apply:
//! - conflicts (409) when it sets a field another manager owns to a different value, unless
//!   `force` moves the field to it;
//! - removes the fields it applied before and no longer applies, when no other manager owns them;
//! - merges maps recursively, associative lists by key, and replaces atomic lists.
//!
//! Ordinary writes (PUT, merge, JSON and strategic patches) record an `Update` entry for their
//! manager owning exactly the fields they changed, taking them from other managers.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::patch;
use crate::registry::ResourceType;

/// A field path: FieldsV1 tokens from the root.
pub type Path = Vec<String>;

/// How the items of a list are identified.
#[derive(Debug, Clone, PartialEq)]
enum ListKind {
    Atomic,
    Map(Vec<String>),
    Set,
}

/// Where list semantics come from: the CRD schema for custom resources, the merge keys of
/// built-in kinds otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a>(Option<&'a Value>);

impl<'a> Schema<'a> {
    /// The list semantics of a type.
    pub fn of(t: &'a ResourceType) -> Self {
        Self(t.custom.as_ref().and_then(|c| c.schema.as_ref()))
    }

    fn child(self, field: &str) -> Self {
        Self(self.0.and_then(|s| {
            s["properties"]
                .get(field)
                .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
        }))
    }

    fn items(self) -> Self {
        Self(self.0.and_then(|s| s.get("items")))
    }

    fn list_kind(self, field: &str, items: &[Value]) -> ListKind {
        if let Some(s) = self.0 {
            return match s["x-kubernetes-list-type"].as_str() {
                Some("map") => ListKind::Map(
                    s["x-kubernetes-list-map-keys"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|k| k.as_str().map(String::from))
                        .collect(),
                ),
                Some("set") => ListKind::Set,
                _ => ListKind::Atomic,
            };
        }
        if field == "finalizers" {
            return ListKind::Set;
        }
        match patch::merge_key(field, items.first()) {
            Some(key) if items.iter().all(|i| i.get(key).is_some()) => {
                ListKind::Map(vec![key.to_owned()])
            }
            _ => ListKind::Atomic,
        }
    }
}

fn key_token(item: &Value, keys: &[String]) -> String {
    let mut m = Map::new();
    for k in keys {
        m.insert(k.clone(), item[k].clone());
    }
    format!("k:{}", Value::Object(m))
}

/// The leaf paths an object sets, as its manager would own them.
pub fn fields_of(obj: &Value, schema: Schema<'_>, main_resource: bool) -> BTreeSet<Path> {
    let mut out = BTreeSet::new();
    if let Some(map) = obj.as_object() {
        for (k, v) in map {
            match k.as_str() {
                "apiVersion" | "kind" => {}
                "status" if main_resource => {}
                "metadata" => {
                    for field in ["labels", "annotations", "finalizers", "ownerReferences"] {
                        if let Some(value) = v.get(field) {
                            let schema = Schema(None);
                            walk(
                                value,
                                field,
                                schema,
                                &mut vec!["f:metadata".into(), format!("f:{field}")],
                                &mut out,
                            );
                        }
                    }
                }
                _ => walk(v, k, schema.child(k), &mut vec![format!("f:{k}")], &mut out),
            }
        }
    }
    out
}

fn walk(value: &Value, field: &str, schema: Schema<'_>, path: &mut Path, out: &mut BTreeSet<Path>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(format!("f:{k}"));
                walk(v, k, schema.child(k), path, out);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => match schema.list_kind(field, items) {
            ListKind::Map(keys) => {
                for item in items {
                    path.push(key_token(item, &keys));
                    let mut marker = path.clone();
                    marker.push(".".into());
                    out.insert(marker);
                    if let Some(m) = item.as_object() {
                        for (k, v) in m {
                            path.push(format!("f:{k}"));
                            walk(v, k, schema.items().child(k), path, out);
                            path.pop();
                        }
                    }
                    path.pop();
                }
            }
            ListKind::Set => {
                for item in items {
                    let mut leaf = path.clone();
                    leaf.push(format!("v:{item}"));
                    out.insert(leaf);
                }
            }
            ListKind::Atomic => {
                out.insert(path.clone());
            }
        },
        _ => {
            out.insert(path.clone());
        }
    }
}

/// The value at a path, if present.
fn value_at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut node = obj;
    for token in path {
        if token == "." {
            return Some(node);
        }
        if let Some(f) = token.strip_prefix("f:") {
            node = node.get(f)?;
        } else if let Some(k) = token.strip_prefix("k:") {
            let keys: Value = serde_json::from_str(k).ok()?;
            let keys = keys.as_object()?;
            node = node
                .as_array()?
                .iter()
                .find(|item| keys.iter().all(|(kk, kv)| &item[kk] == kv))?;
        } else if let Some(v) = token.strip_prefix("v:") {
            let want: Value = serde_json::from_str(v).ok()?;
            return node.as_array()?.iter().find(|x| **x == want);
        }
    }
    Some(node)
}

/// Removes the field at a path (an element for `k:`/`.` and `v:` paths).
fn remove_at(obj: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if last == "." {
        let Some((item, list_path)) = parents.split_last() else {
            return;
        };
        if let (Some(k), Some(list)) = (
            item.strip_prefix("k:"),
            value_at_mut(obj, list_path).and_then(Value::as_array_mut),
        ) && let Ok(Value::Object(keys)) = serde_json::from_str::<Value>(k)
        {
            list.retain(|i| !keys.iter().all(|(kk, kv)| &i[kk] == kv));
        }
        return;
    }
    let Some(parent) = value_at_mut(obj, parents) else {
        return;
    };
    if let Some(f) = last.strip_prefix("f:") {
        if let Some(m) = parent.as_object_mut() {
            m.remove(f);
        }
    } else if let Some(v) = last.strip_prefix("v:")
        && let (Ok(want), Some(list)) = (serde_json::from_str::<Value>(v), parent.as_array_mut())
    {
        list.retain(|x| *x != want);
    }
}

fn value_at_mut<'a>(obj: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut node = obj;
    for token in path {
        if let Some(f) = token.strip_prefix("f:") {
            node = node.get_mut(f)?;
        } else if let Some(k) = token.strip_prefix("k:") {
            let keys: Value = serde_json::from_str(k).ok()?;
            let keys = keys.as_object()?.clone();
            node = node
                .as_array_mut()?
                .iter_mut()
                .find(|item| keys.iter().all(|(kk, kv)| &item[kk] == kv))?;
        } else {
            return None;
        }
    }
    Some(node)
}

/// Merges an applied configuration into the live object.
fn merge_applied(live: &mut Value, applied: &Value, field: &str, schema: Schema<'_>) {
    match (live.as_object_mut(), applied) {
        (Some(l), Value::Object(a)) => {
            for (k, v) in a {
                let child = l.entry(k.clone()).or_insert(Value::Null);
                merge_applied(child, v, k, schema.child(k));
            }
        }
        (_, Value::Object(_)) => *live = applied.clone(),
        (_, Value::Array(items)) => match schema.list_kind(field, items) {
            ListKind::Map(keys) => {
                if !live.is_array() {
                    *live = Value::Array(Vec::new());
                }
                let current = live.as_array_mut().expect("array");
                for item in items {
                    match current
                        .iter_mut()
                        .find(|c| keys.iter().all(|k| c[k] == item[k]))
                    {
                        Some(existing) => merge_applied(existing, item, field, schema.items()),
                        None => current.push(item.clone()),
                    }
                }
            }
            ListKind::Set => {
                if !live.is_array() {
                    *live = Value::Array(Vec::new());
                }
                let current = live.as_array_mut().expect("array");
                for item in items {
                    if !current.contains(item) {
                        current.push(item.clone());
                    }
                }
            }
            ListKind::Atomic => *live = applied.clone(),
        },
        _ => *live = applied.clone(),
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The manager's name.
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// The API version the manager used.
    pub api_version: String,
    /// When the entry last changed.
    pub time: String,
    /// `status` for status writes.
    pub subresource: Option<String>,
    /// The owned paths.
    pub fields: BTreeSet<Path>,
}

fn to_fields_v1(fields: &BTreeSet<Path>) -> Value {
    let mut root = Map::new();
    for path in fields {
        let mut node = &mut root;
        for token in path {
            node = node
                .entry(token.clone())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("object");
        }
    }
    Value::Object(root)
}

fn from_fields_v1(tree: &Value, prefix: &mut Path, out: &mut BTreeSet<Path>) {
    let Some(map) = tree.as_object() else { return };
    if map.is_empty() && !prefix.is_empty() {
        out.insert(prefix.clone());
    }
    for (k, v) in map {
        prefix.push(k.clone());
        from_fields_v1(v, prefix, out);
        prefix.pop();
    }
}

/// Reads `metadata.managedFields`.
pub fn read_entries(obj: &Value) -> Vec<Entry> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let mut fields = BTreeSet::new();
            from_fields_v1(&e["fieldsV1"], &mut Vec::new(), &mut fields);
            Entry {
                manager: e["manager"].as_str().unwrap_or("").into(),
                operation: e["operation"].as_str().unwrap_or("Update").into(),
                api_version: e["apiVersion"].as_str().unwrap_or("").into(),
                time: e["time"].as_str().unwrap_or("").into(),
                subresource: e["subresource"].as_str().map(String::from),
                fields,
            }
        })
        .collect()
}

/// Writes `metadata.managedFields`, dropping entries that own nothing.
pub fn write_entries(obj: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut v = json!({"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version, "time": e.time, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&e.fields)});
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    if list.is_empty() {
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
    } else {
        obj["metadata"]["managedFields"] = Value::Array(list);
    }
}

/// Renders a path as the API server names fields in conflicts, e.g. `.spec.replicas`.
pub fn display(path: &Path) -> String {
    let mut out = String::new();
    for t in path {
        if let Some(f) = t.strip_prefix("f:") {
            out.push('.');
            out.push_str(f);
        } else if let Some(k) = t.strip_prefix("k:") {
            out.push('[');
            out.push_str(k);
            out.push(']');
        } else if let Some(v) = t.strip_prefix("v:") {
            out.push_str(&format!("[{v}]"));
        }
    }
    out
}

/// The result of an apply.
#[derive(Debug)]
pub enum ApplyOutcome {
    /// The new object, with managedFields.
    Applied(Value),
    /// Fields owned by others that the apply would change: (manager, field).
    Conflicts(Vec<(String, String)>),
}

/// Applies `config` for `manager` to `live` (an empty object when creating).
#[allow(clippy::too_many_arguments)]
pub fn apply(
    live: &Value,
    config: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    schema: Schema<'_>,
    subresource: Option<&str>,
    now: &str,
) -> ApplyOutcome {
    let main = subresource.is_none();
    let scoped_config = match subresource {
        Some("status") => json!({"status": config.get("status").cloned().unwrap_or(Value::Null)}),
        _ => config.clone(),
    };
    let new_set = fields_of(&scoped_config, schema, main);
    let mut entries = read_entries(live);
    let mine = |e: &Entry| {
        e.manager == manager && e.operation == "Apply" && e.subresource.as_deref() == subresource
    };
    let previous: BTreeSet<Path> = entries
        .iter()
        .find(|e| mine(e))
        .map(|e| e.fields.clone())
        .unwrap_or_default();

    let mut conflicts = Vec::new();
    for path in &new_set {
        for e in entries.iter().filter(|e| !mine(e)) {
            if e.fields.contains(path) && value_at(live, path) != value_at(&scoped_config, path) {
                conflicts.push((e.manager.clone(), display(path)));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        conflicts.sort();
        conflicts.dedup();
        return ApplyOutcome::Conflicts(conflicts);
    }
    if force {
        for e in entries.iter_mut().filter(|e| !mine(e)) {
            e.fields.retain(|p| {
                !(new_set.contains(p) && value_at(live, p) != value_at(&scoped_config, p))
            });
        }
    }
    let mut result = live.clone();
    let owned_by_others = |p: &Path, entries: &[Entry]| {
        entries.iter().filter(|e| !mine(e)).any(|e| {
            e.fields
                .iter()
                .any(|q| q.starts_with(p) || p.starts_with(q))
        })
    };
    let mut dropped: Vec<&Path> = previous.iter().filter(|p| !new_set.contains(*p)).collect();
    // elements first, so a whole item goes when nothing under it is owned anymore
    dropped.sort_by_key(|p| p.len());
    for path in dropped {
        let item_path: Path = if path.last().is_some_and(|t| t == ".") {
            path[..path.len() - 1].to_vec()
        } else {
            path.clone()
        };
        let still_applied = new_set.iter().any(|q| q.starts_with(&item_path));
        if !still_applied && !owned_by_others(&item_path, &entries) {
            remove_at(&mut result, path);
        }
    }
    let mut to_merge = scoped_config.clone();
    if let Some(m) = to_merge.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
        if main {
            // apply through the main resource never touches status
            m.remove("status");
        }
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.retain(|k, _| {
                matches!(
                    k.as_str(),
                    "labels"
                        | "annotations"
                        | "finalizers"
                        | "ownerReferences"
                        | "name"
                        | "namespace"
                        | "generateName"
                )
            });
        }
    }
    merge_applied(&mut result, &to_merge, "", schema);
    prune_empty(&mut result, live);
    match entries.iter_mut().find(|e| mine(e)) {
        Some(e) => {
            e.fields = new_set;
            e.time = now.to_owned();
            e.api_version = api_version.to_owned();
        }
        None => entries.push(Entry {
            manager: manager.into(),
            operation: "Apply".into(),
            api_version: api_version.into(),
            time: now.into(),
            subresource: subresource.map(String::from),
            fields: new_set,
        }),
    }
    write_entries(&mut result, &entries);
    ApplyOutcome::Applied(result)
}

/// Drops maps emptied by removals (except metadata, which always stays): a map that held fields
/// in `live` and holds none now goes, as a real server removes a map whose owned fields are all
/// gone; a map that was empty before stays.
fn prune_empty(obj: &mut Value, live: &Value) {
    fn prune(v: &mut Value, before: Option<&Value>) -> bool {
        match v {
            Value::Object(m) => {
                let keys: Vec<String> = m.keys().cloned().collect();
                for k in keys {
                    let old = before.and_then(|b| b.get(&k));
                    let was_container = old
                        .is_some_and(|x| x.as_object().is_some_and(|o| !o.is_empty()))
                        || m.get(&k)
                            .is_some_and(|x| x.as_object().is_some_and(|o| !o.is_empty()));
                    if let Some(child) = m.get_mut(&k)
                        && prune(child, old)
                        && was_container
                    {
                        m.remove(&k);
                    }
                }
                m.is_empty()
            }
            _ => false,
        }
    }
    if let Some(m) = obj.as_object_mut() {
        for (k, v) in m.iter_mut() {
            if k != "metadata" {
                prune(v, live.get(k));
            }
        }
    }
}

/// Records an ordinary write: `manager` owns the fields that changed from `old` to `new`; other
/// managers lose them; fields that disappeared are owned by nobody.
pub fn record_update(
    old: &Value,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    schema: Schema<'_>,
    subresource: Option<&str>,
    now: &str,
) {
    let main = subresource.is_none();
    let old_fields = fields_of(old, schema, main);
    let new_fields = fields_of(new, schema, main);
    let changed: BTreeSet<Path> = new_fields
        .iter()
        .filter(|p| !old_fields.contains(*p) || value_at(old, p) != value_at(new, p))
        .cloned()
        .collect();
    let in_scope = |p: &Path| {
        let status = p.first().is_some_and(|f| f == "f:status");
        if main { !status } else { status }
    };
    let changed: BTreeSet<Path> = changed.into_iter().filter(|p| in_scope(p)).collect();
    let mut entries = read_entries(old);
    for e in &mut entries {
        // a write through one endpoint leaves ownership of the other's fields alone
        e.fields.retain(|p| {
            !in_scope(p)
                || (new_fields.contains(p) && !(changed.contains(p) && e.manager != manager))
        });
    }
    if !changed.is_empty() {
        match entries.iter_mut().find(|e| {
            e.manager == manager
                && e.operation == "Update"
                && e.subresource.as_deref() == subresource
        }) {
            Some(e) => {
                e.fields.extend(changed);
                e.time = now.to_owned();
            }
            None => entries.push(Entry {
                manager: manager.into(),
                operation: "Update".into(),
                api_version: api_version.into(),
                time: now.into(),
                subresource: subresource.map(String::from),
                fields: changed,
            }),
        }
    }
    write_entries(new, &entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(o: ApplyOutcome) -> Value {
        match o {
            ApplyOutcome::Applied(v) => v,
            ApplyOutcome::Conflicts(c) => panic!("unexpected conflicts {c:?}"),
        }
    }

    const NOW: &str = "2026-01-01T00:00:00Z";

    #[test]
    fn a_manager_that_stops_applying_a_field_removes_it() {
        let schema = Schema(None);
        let first = applied(apply(
            &json!({"metadata": {"name": "x"}}),
            &json!({"metadata": {"name": "x", "labels": {"a": "1", "b": "2"}}, "data": {"k": "v", "old": "o"}}),
            "mgr",
            "v1",
            false,
            schema,
            None,
            NOW,
        ));
        assert_eq!(first["data"]["old"], "o");
        assert_eq!(first["metadata"]["managedFields"][0]["manager"], "mgr");
        let second = applied(apply(
            &first,
            &json!({"metadata": {"name": "x", "labels": {"a": "1"}}, "data": {"k": "v"}}),
            "mgr",
            "v1",
            false,
            schema,
            None,
            NOW,
        ));
        assert!(second["data"].get("old").is_none(), "{second}");
        assert!(second["metadata"]["labels"].get("b").is_none(), "{second}");
    }

    #[test]
    fn a_map_whose_fields_a_manager_stopped_applying_goes_entirely() {
        let schema = Schema(None);
        let first = applied(apply(
            &json!({"metadata": {"name": "x"}}),
            &json!({"status": {"operation": {"action": "install", "revision": 1}, "ready": true}}),
            "mgr",
            "v1",
            false,
            schema,
            Some("status"),
            NOW,
        ));
        assert_eq!(first["status"]["operation"]["action"], "install");
        let second = applied(apply(
            &first,
            &json!({"status": {"ready": true}}),
            "mgr",
            "v1",
            false,
            schema,
            Some("status"),
            NOW,
        ));
        assert!(second["status"].get("operation").is_none(), "{second}");
        // an empty map someone applies stays
        let empty = applied(apply(
            &json!({"metadata": {"name": "x"}}),
            &json!({"spec": {"selector": {}}}),
            "mgr",
            "v1",
            false,
            schema,
            None,
            NOW,
        ));
        assert!(empty["spec"]["selector"].is_object(), "{empty}");
    }

    #[test]
    fn changing_a_field_another_manager_owns_conflicts_unless_forced() {
        let schema = Schema(None);
        let base = applied(apply(
            &json!({"metadata": {"name": "x"}}),
            &json!({"spec": {"replicas": 1}}),
            "a",
            "apps/v1",
            false,
            schema,
            None,
            NOW,
        ));
        match apply(
            &base,
            &json!({"spec": {"replicas": 2}}),
            "b",
            "apps/v1",
            false,
            schema,
            None,
            NOW,
        ) {
            ApplyOutcome::Conflicts(c) => {
                assert_eq!(c, vec![("a".to_owned(), ".spec.replicas".to_owned())])
            }
            ApplyOutcome::Applied(v) => panic!("expected a conflict, got {v}"),
        }
        // same value: shared ownership, no conflict
        applied(apply(
            &base,
            &json!({"spec": {"replicas": 1}}),
            "b",
            "apps/v1",
            false,
            schema,
            None,
            NOW,
        ));
        let forced = applied(apply(
            &base,
            &json!({"spec": {"replicas": 2}}),
            "b",
            "apps/v1",
            true,
            schema,
            None,
            NOW,
        ));
        assert_eq!(forced["spec"]["replicas"], 2);
        let entries = read_entries(&forced);
        assert!(
            entries.iter().all(|e| e.manager != "a"),
            "a lost its only field: {entries:?}"
        );
    }

    #[test]
    fn containers_merge_by_name_and_a_dropped_container_goes() {
        let schema = Schema(None);
        let config = |names: &[&str]| json!({"spec": {"template": {"spec": {"containers": names.iter().map(|n| json!({"name": n, "image": format!("{n}:1")})).collect::<Vec<_>>()}}}});
        let one = applied(apply(
            &json!({"metadata": {}}),
            &config(&["a", "b"]),
            "m",
            "apps/v1",
            false,
            schema,
            None,
            NOW,
        ));
        let two = applied(apply(
            &one,
            &config(&["a"]),
            "m",
            "apps/v1",
            false,
            schema,
            None,
            NOW,
        ));
        let containers = two["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(containers.len(), 1, "{two}");
        let fields = &two["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]
            ["f:containers"];
        assert!(fields.get("k:{\"name\":\"a\"}").is_some(), "{fields}");
    }

    #[test]
    fn a_main_resource_update_keeps_the_status_writers_ownership() {
        let schema = Schema(None);
        let live = json!({"metadata": {"name": "x"}, "spec": {"v": 1}});
        let with_status = applied(apply(
            &live,
            &json!({"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "Stalled", "status": "True"}]}}),
            "op",
            "v1",
            false,
            schema,
            Some("status"),
            NOW,
        ));
        let mut edited = with_status.clone();
        edited["spec"]["v"] = json!(2);
        record_update(
            &with_status,
            &mut edited,
            "kubectl",
            "v1",
            schema,
            None,
            NOW,
        );
        let cleared = applied(apply(
            &edited,
            &json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
            "op",
            "v1",
            false,
            schema,
            Some("status"),
            NOW,
        ));
        let conditions = cleared["status"]["conditions"].as_array().unwrap();
        assert_eq!(conditions.len(), 1, "Stalled must go: {cleared}");
    }

    #[test]
    fn updates_take_ownership_of_what_they_change() {
        let schema = Schema(None);
        let base = applied(apply(
            &json!({"metadata": {}}),
            &json!({"spec": {"replicas": 1, "paused": false}}),
            "applier",
            "apps/v1",
            false,
            schema,
            None,
            NOW,
        ));
        let mut edited = base.clone();
        edited["spec"]["replicas"] = json!(5);
        record_update(
            &base,
            &mut edited,
            "kubectl-edit",
            "apps/v1",
            schema,
            None,
            NOW,
        );
        let entries = read_entries(&edited);
        let editor = entries
            .iter()
            .find(|e| e.manager == "kubectl-edit")
            .unwrap();
        assert!(
            editor
                .fields
                .contains(&vec!["f:spec".to_owned(), "f:replicas".to_owned()])
        );
        let applier = entries.iter().find(|e| e.manager == "applier").unwrap();
        assert!(
            !applier
                .fields
                .contains(&vec!["f:spec".to_owned(), "f:replicas".to_owned()])
        );
        // now the applier re-applying replicas=1 conflicts with the editor
        assert!(matches!(
            apply(
                &edited,
                &json!({"spec": {"replicas": 1, "paused": false}}),
                "applier",
                "apps/v1",
                false,
                schema,
                None,
                NOW
            ),
            ApplyOutcome::Conflicts(_)
        ));
    }
}
