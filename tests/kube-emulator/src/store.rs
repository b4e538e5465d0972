//! The object store: every object by resource and (namespace, name), one global resourceVersion
//! counter, and a bounded history of watch events. It applies the API server's rules for
//! metadata (uid, creationTimestamp, generation, resourceVersion), names, namespaces, the status
//! subresource, finalizers, owner-reference garbage collection and namespace termination.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::events;
use crate::registry::{Registry, ResourceType};
use crate::schema;
use crate::selectors::{FieldSelector, LabelSelector};

/// The kind of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Created.
    Added,
    /// Changed.
    Modified,
    /// Removed.
    Deleted,
}

impl EventType {
    /// The watch event `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// The resourceVersion of the change.
    pub rv: u64,
    /// `(group, resource)`.
    pub key: (String, String),
    /// The object's namespace (empty for cluster-scoped).
    pub namespace: String,
    /// What happened.
    pub kind: EventType,
    /// The object after the change (before it, for deletions, with the new resourceVersion).
    pub object: Arc<Value>,
    /// The watch line of the event as stored, serialized once for every watcher that sees the
    /// object in its stored form.
    pub line: bytes::Bytes,
}

type ObjectKey = (String, String);

/// What a list or watch selects.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Namespace, or `None` for all.
    pub namespace: Option<String>,
    /// Label selector.
    pub labels: LabelSelector,
    /// Field selector.
    pub fields: FieldSelector,
}

impl Selection {
    /// Whether an object is selected.
    pub fn matches(&self, namespace: &str, obj: &Value) -> bool {
        self.namespace.as_deref().is_none_or(|ns| ns == namespace)
            && self.labels.matches(obj)
            && self.fields.matches(obj)
    }
}

/// Options of a delete.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `Orphan`, `Background` or `Foreground`.
    pub propagation: Option<String>,
    /// `preconditions.resourceVersion`.
    pub precondition_rv: Option<String>,
    /// `preconditions.uid`.
    pub precondition_uid: Option<String>,
    /// Do not persist.
    pub dry_run: bool,
}

/// The in-memory state of the API server.
#[derive(Debug)]
pub struct Store {
    /// Served types, updated when CRDs change.
    pub registry: Registry,
    rv: u64,
    objects: HashMap<(String, String), BTreeMap<ObjectKey, Value>>,
    history: VecDeque<StoredEvent>,
    history_capacity: usize,
    /// Events with a resourceVersion at or below this are gone from the history.
    compacted_rv: u64,
    uid_seed: u64,
    next_ip: u32,
    /// `fieldValidation=Strict` for the write in progress: unknown fields of custom resources
    /// are refused instead of pruned. Set only through [`Store::with_strict_fields`].
    strict_fields: bool,
    /// Resources and namespaces written by the write in progress.
    dirty: Vec<((String, String), String)>,
}

/// The current time in the API server's format.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// RFC 1123 subdomain, as most object names must be.
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && is_dns_label_chars(l))
}

/// RFC 1123 label, as namespace names must be.
pub fn is_dns_label(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && is_dns_label_chars(name)
}

fn is_dns_label_chars(l: &str) -> bool {
    l.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// The parts of an object that `generation` tracks: everything but metadata and status.
fn spec_of(obj: &Value) -> Value {
    let mut copy = obj.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
        map.remove("apiVersion");
        map.remove("kind");
    }
    copy
}

impl Store {
    /// An empty store with the built-in types and a history of `history_capacity` events.
    pub fn new(history_capacity: usize) -> Self {
        let seed = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(std::process::id().into());
            h.finish()
        };
        let mut store = Self {
            registry: Registry::new(),
            rv: 1,
            objects: HashMap::new(),
            history: VecDeque::new(),
            history_capacity: history_capacity.max(1),
            compacted_rv: 1,
            uid_seed: seed,
            next_ip: 0,
            strict_fields: false,
            dirty: Vec::new(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let t = store
                .registry
                .find("", "v1", "namespaces")
                .cloned()
                .expect("namespaces type");
            let _ = store.create(
                &t,
                "",
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
                false,
            );
        }
        store
    }

    /// Runs one request's writes with `fieldValidation=Strict` semantics when `strict` is set.
    pub fn with_strict_fields<T>(&mut self, strict: bool, f: impl FnOnce(&mut Store) -> T) -> T {
        self.strict_fields = strict;
        let result = f(self);
        self.strict_fields = false;
        result
    }

    /// The latest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// The resourceVersion below which watch history is gone.
    pub fn compacted_rv(&self) -> u64 {
        self.compacted_rv
    }

    /// Drops all watch history (fault injection: expired history).
    pub fn expire_history(&mut self) {
        self.history.clear();
        self.compacted_rv = self.rv;
    }

    fn new_uid(&mut self) -> String {
        self.uid_seed = self
            .uid_seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = self.uid_seed;
        let b = a.rotate_left(29) ^ self.rv.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a & 0xfff) as u16,
            0x8000 | ((b >> 48) as u16 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    fn random_suffix(&mut self) -> String {
        const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let mut x = self.new_uid().bytes().fold(self.rv, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(u64::from(b))
        });
        (0..5)
            .map(|_| {
                let c = CHARS[(x % CHARS.len() as u64) as usize] as char;
                x /= CHARS.len() as u64;
                c
            })
            .collect()
    }

    fn record(&mut self, t: &ResourceType, namespace: &str, kind: EventType, object: Value) {
        let dirty = (t.storage_key(), namespace.to_owned());
        if !self.dirty.contains(&dirty) {
            self.dirty.push(dirty);
        }
        let mut line = serde_json::json!({"type": kind.as_str(), "object": &object}).to_string();
        line.push('\n');
        self.history.push_back(StoredEvent {
            rv: self.rv,
            key: t.storage_key(),
            namespace: namespace.to_owned(),
            kind,
            object: Arc::new(object),
            line: bytes::Bytes::from(line),
        });
        while self.history.len() > self.history_capacity {
            if let Some(old) = self.history.pop_front() {
                self.compacted_rv = old.rv;
            }
        }
    }

    /// Events after `rv` for one resource, or `None` when `rv` is older than the history kept.
    pub fn events_since(&self, key: &(String, String), rv: u64) -> Option<Vec<StoredEvent>> {
        self.events_since_in(key, None, rv)
    }

    /// [`Store::events_since`] limited to one namespace, cloning only what matches.
    pub fn events_since_in(
        &self,
        key: &(String, String),
        namespace: Option<&str>,
        rv: u64,
    ) -> Option<Vec<StoredEvent>> {
        if rv < self.compacted_rv {
            return None;
        }
        // the history is ordered by resourceVersion: find the start instead of scanning it all
        let start = self.history.partition_point(|e| e.rv <= rv);
        Some(
            self.history
                .range(start..)
                .filter(|e| &e.key == key && namespace.is_none_or(|ns| ns == e.namespace))
                .cloned()
                .collect(),
        )
    }

    /// The (resource, namespace) pairs written since the last call, for waking only the
    /// watches that care.
    pub fn take_dirty(&mut self) -> Vec<((String, String), String)> {
        std::mem::take(&mut self.dirty)
    }

    /// The core Event type when `t` is the `events.k8s.io` view of the same storage.
    fn core_events_type(&self, t: &ResourceType) -> Option<ResourceType> {
        if events::is_events_view(&t.group, &t.resource) {
            self.registry.find("", "v1", "events").cloned()
        } else {
            None
        }
    }

    /// Presents a stored object as the requested version of its type.
    pub fn present(t: &ResourceType, obj: &Value) -> Value {
        if events::is_events_view(&t.group, &t.resource) {
            return events::from_core(obj);
        }
        let mut out = obj.clone();
        out["apiVersion"] = Value::String(t.api_version());
        out["kind"] = Value::String(t.kind.clone());
        out
    }

    fn bucket(&self, t: &ResourceType) -> Option<&BTreeMap<ObjectKey, Value>> {
        self.objects.get(&t.storage_key())
    }

    fn bucket_mut(&mut self, t: &ResourceType) -> &mut BTreeMap<ObjectKey, Value> {
        self.objects.entry(t.storage_key()).or_default()
    }

    fn not_found(t: &ResourceType, name: &str) -> ApiError {
        ApiError::not_found(&t.qualified(), name, &t.group, &t.resource)
    }

    /// One object.
    ///
    /// # Errors
    /// NotFound.
    pub fn get(&self, t: &ResourceType, namespace: &str, name: &str) -> Result<Value, ApiError> {
        self.bucket(t)
            .and_then(|b| b.get(&(namespace.to_owned(), name.to_owned())))
            .map(|o| Self::present(t, o))
            .ok_or_else(|| Self::not_found(t, name))
    }

    /// The stored object an update or delete acts on: its effective namespace (empty for
    /// cluster-scoped types), its key and its current state.
    fn existing(
        &self,
        t: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<(String, ObjectKey, Value), ApiError> {
        let namespace = if t.namespaced { namespace } else { "" };
        let key = (namespace.to_owned(), name.to_owned());
        let old = self
            .bucket(t)
            .and_then(|b| b.get(&key))
            .cloned()
            .ok_or_else(|| Self::not_found(t, name))?;
        Ok((namespace.to_owned(), key, old))
    }

    /// Objects in key order, from `start` (exclusive) when continuing a paginated list.
    pub fn list(
        &self,
        t: &ResourceType,
        selection: &Selection,
        start_after: Option<&(String, String)>,
        limit: Option<usize>,
    ) -> (Vec<Value>, Option<(String, String)>, usize) {
        let Some(bucket) = self.bucket(t) else {
            return (Vec::new(), None, 0);
        };
        let matching = bucket
            .iter()
            .filter(|((ns, _), _)| selection.namespace.as_deref().is_none_or(|want| want == ns))
            .filter(|(k, _)| start_after.is_none_or(|s| *k > s))
            .filter(|((ns, _), o)| selection.matches(ns, o));
        let mut items = Vec::new();
        let mut last = None;
        let mut remaining = 0;
        for (k, o) in matching {
            if limit.is_some_and(|l| items.len() >= l) {
                remaining += 1;
                continue;
            }
            items.push(Self::present(t, o));
            last = Some(k.clone());
        }
        let next = if remaining > 0 { last } else { None };
        (items, next, remaining)
    }

    /// The objects of a type that `keep` picks, cloned; the rest are only looked at.
    pub fn some_of(&self, t: &ResourceType, keep: impl Fn(&Value) -> bool) -> Vec<(String, Value)> {
        self.bucket(t)
            .map(|b| {
                b.iter()
                    .filter(|(_, o)| keep(o))
                    .map(|((ns, _), o)| (ns.clone(), Self::present(t, o)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every object of a type (for controllers and watches).
    pub fn all_of(&self, t: &ResourceType) -> Vec<(String, Value)> {
        self.bucket(t)
            .map(|b| {
                b.iter()
                    .map(|((ns, _), o)| (ns.clone(), Self::present(t, o)))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn check_namespace(&self, t: &ResourceType, namespace: &str) -> Result<(), ApiError> {
        if !t.namespaced {
            return Ok(());
        }
        let ns_type = self
            .registry
            .find("", "v1", "namespaces")
            .expect("namespaces type");
        match self
            .bucket(ns_type)
            .and_then(|b| b.get(&(String::new(), namespace.to_owned())))
        {
            None => Err(ApiError::namespace_not_found(namespace)),
            Some(ns) if ns["status"]["phase"] == "Terminating" => Err(ApiError {
                code: 403,
                reason: "Forbidden",
                message: format!(
                    "{} \"{}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated",
                    t.qualified(),
                    ""
                ),
                details: Some(json!({"kind": t.resource, "group": t.group})),
                retry_after: None,
            }),
            Some(_) => Ok(()),
        }
    }

    fn validate_metadata(t: &ResourceType, obj: &Value) -> Result<(), ApiError> {
        let name = obj["metadata"]["name"].as_str().unwrap_or("");
        let label_only = t.resource == "namespaces";
        let ok = if label_only {
            is_dns_label(name)
        } else {
            is_dns_subdomain(name)
        };
        if !ok {
            let rule = if label_only {
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            } else {
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            };
            return Err(ApiError::invalid(
                &t.qualified_kind(),
                name,
                &[(
                    "metadata.name".into(),
                    format!("Invalid value: {name:?}: {rule}"),
                    "FieldValueInvalid",
                )],
            ));
        }
        for field in ["labels", "annotations"] {
            let value = &obj["metadata"][field];
            if !value.is_null()
                && !value
                    .as_object()
                    .is_some_and(|m| m.values().all(Value::is_string))
            {
                return Err(ApiError::bad_request(format!(
                    "metadata.{field} must be a map of strings"
                )));
            }
        }
        Ok(())
    }

    /// Creates an object.
    ///
    /// # Errors
    /// AlreadyExists, Invalid, NotFound (namespace), Forbidden (terminating namespace).
    pub fn create(
        &mut self,
        t: &ResourceType,
        namespace: &str,
        mut obj: Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        if let Some(core) = self.core_events_type(t) {
            return self
                .create(&core, namespace, events::to_core(&obj), dry_run)
                .map(|o| events::from_core(&o));
        }
        if !obj.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request must be a JSON object",
            ));
        }
        if !obj["metadata"].is_object() {
            obj["metadata"] = json!({});
        }
        let name = match (
            obj["metadata"]["name"].as_str(),
            obj["metadata"]["generateName"].as_str(),
        ) {
            (Some(n), _) if !n.is_empty() => n.to_owned(),
            (_, Some(prefix)) if !prefix.is_empty() => format!("{prefix}{}", self.random_suffix()),
            _ => {
                return Err(ApiError::invalid(
                    &t.qualified_kind(),
                    "",
                    &[(
                        "metadata.name".into(),
                        "Required value: name or generateName is required".into(),
                        "FieldValueRequired",
                    )],
                ));
            }
        };
        obj["metadata"]["name"] = Value::String(name.clone());
        let namespace = if t.namespaced { namespace } else { "" };
        if t.namespaced {
            obj["metadata"]["namespace"] = Value::String(namespace.to_owned());
        } else if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("namespace");
        }
        Self::validate_metadata(t, &obj)?;
        self.check_namespace(t, namespace)?;
        if self
            .bucket(t)
            .is_some_and(|b| b.contains_key(&(namespace.to_owned(), name.clone())))
        {
            return Err(ApiError::already_exists(
                &t.qualified(),
                &name,
                &t.group,
                &t.resource,
            ));
        }
        if t.has_status() && t.resource != "namespaces" && t.resource != "customresourcedefinitions"
        {
            // The status subresource owns status: a create starts without one.
            if let Some(m) = obj.as_object_mut() {
                m.remove("status");
            }
        }
        self.admit(t, &mut obj, None)?;
        let meta = obj["metadata"]
            .as_object_mut()
            .expect("metadata is an object");
        meta.remove("resourceVersion");
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        meta.insert("creationTimestamp".into(), Value::String(now_rfc3339()));
        meta.insert("generation".into(), json!(1));
        let uid = self.new_uid();
        obj["metadata"]["uid"] = Value::String(uid);
        if t.resource == "namespaces" {
            obj["spec"]["finalizers"] = json!(["kubernetes"]);
            obj["status"] = json!({"phase": "Active"});
        }
        if t.group.is_empty() && t.resource == "services" {
            self.allocate_cluster_ip(&mut obj);
        }
        if dry_run {
            return Ok(Self::present(t, &obj));
        }
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        let stored = Self::present(t, &obj);
        self.bucket_mut(t)
            .insert((namespace.to_owned(), name), stored.clone());
        self.record(t, namespace, EventType::Added, stored.clone());
        if t.resource == "customresourcedefinitions" {
            self.crds_changed();
            return self.get(
                t,
                namespace,
                obj["metadata"]["name"].as_str().unwrap_or_default(),
            );
        }
        Ok(stored)
    }

    /// Services get a ClusterIP at creation, as the API server allocates one.
    fn allocate_cluster_ip(&mut self, svc: &mut Value) {
        if !svc["spec"].is_object() {
            svc["spec"] = json!({});
        }
        let type_ = svc["spec"]["type"]
            .as_str()
            .unwrap_or("ClusterIP")
            .to_owned();
        if svc["spec"]["type"].is_null() {
            svc["spec"]["type"] = json!("ClusterIP");
        }
        if type_ == "ExternalName"
            || svc["spec"]["clusterIP"]
                .as_str()
                .is_some_and(|ip| !ip.is_empty())
        {
            return;
        }
        self.next_ip += 1;
        let ip = format!(
            "10.96.{}.{}",
            (self.next_ip / 250) % 250,
            self.next_ip % 250 + 1
        );
        svc["spec"]["clusterIP"] = json!(ip);
        svc["spec"]["clusterIPs"] = json!([ip]);
        svc["spec"]["ipFamilies"] = json!(["IPv4"]);
        svc["spec"]["ipFamilyPolicy"] = json!("SingleStack");
        svc["spec"]["sessionAffinity"] = svc["spec"]
            .get("sessionAffinity")
            .cloned()
            .unwrap_or(json!("None"));
    }

    /// Schema defaulting, pruning and validation for custom resources; CRD sanity checks.
    fn admit(
        &self,
        t: &ResourceType,
        obj: &mut Value,
        _old: Option<&Value>,
    ) -> Result<(), ApiError> {
        if let Some(custom) = &t.custom
            && let Some(schema) = &custom.schema
        {
            let name = obj["metadata"]["name"].as_str().unwrap_or("").to_owned();
            let pruned = schema::default_and_prune(schema, obj);
            if self.strict_fields && !pruned.is_empty() {
                let unknown: Vec<String> = pruned
                    .iter()
                    .map(|p| format!("unknown field \"{p}\""))
                    .collect();
                return Err(ApiError::bad_request(format!(
                    "{} in version \"{}\" cannot be handled as a {}: strict decoding error: {}",
                    t.kind,
                    t.version,
                    t.kind,
                    unknown.join(", ")
                )));
            }
            let causes = schema::validate(schema, obj);
            if !causes.is_empty() {
                return Err(ApiError::invalid(&t.qualified_kind(), &name, &causes));
            }
        }
        if t.resource == "customresourcedefinitions" {
            let name = obj["metadata"]["name"].as_str().unwrap_or("").to_owned();
            let spec = &obj["spec"];
            let expected = format!(
                "{}.{}",
                spec["names"]["plural"].as_str().unwrap_or(""),
                spec["group"].as_str().unwrap_or("")
            );
            if name != expected {
                return Err(ApiError::invalid(
                    "CustomResourceDefinition.apiextensions.k8s.io",
                    &name,
                    &[(
                        "metadata.name".into(),
                        format!(
                            "Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group"
                        ),
                        "FieldValueInvalid",
                    )],
                ));
            }
            if spec["versions"].as_array().is_none_or(|v| v.is_empty()) {
                return Err(ApiError::invalid(
                    "CustomResourceDefinition.apiextensions.k8s.io",
                    &name,
                    &[("spec.versions".into(), "Invalid value: null: must have exactly one version marked as storage version".into(), "FieldValueInvalid")],
                ));
            }
        }
        Ok(())
    }

    /// Replaces an object (PUT, and the result of every patch). `subresource` is `Some("status")`
    /// for status writes, which change only status; main writes keep the stored status when the
    /// type has a status subresource.
    ///
    /// # Errors
    /// NotFound, Conflict (stale resourceVersion), Invalid.
    pub fn update(
        &mut self,
        t: &ResourceType,
        namespace: &str,
        name: &str,
        mut obj: Value,
        subresource: Option<&str>,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        if let Some(core) = self.core_events_type(t) {
            return self
                .update(
                    &core,
                    namespace,
                    name,
                    events::to_core(&obj),
                    subresource,
                    dry_run,
                )
                .map(|o| events::from_core(&o));
        }
        let (namespace, key, old) = self.existing(t, namespace, name)?;
        let namespace = namespace.as_str();
        if !obj.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request must be a JSON object",
            ));
        }
        if !obj["metadata"].is_object() {
            obj["metadata"] = json!({});
        }
        if let Some(given) = obj["metadata"]["name"].as_str()
            && given != name
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({given}) does not match the name on the URL ({name})"
            )));
        }
        if let Some(rv) = obj["metadata"]["resourceVersion"].as_str()
            && !rv.is_empty()
            && rv != old["metadata"]["resourceVersion"].as_str().unwrap_or("")
        {
            return Err(ApiError::conflict(
                &t.qualified(),
                name,
                &t.group,
                &t.resource,
            ));
        }
        let mut next = match subresource {
            Some("status") => {
                let mut next = old.clone();
                next["status"] = obj.get("status").cloned().unwrap_or(Value::Null);
                // the status writer's field ownership travels with its write
                match obj["metadata"].get("managedFields") {
                    Some(fields) => next["metadata"]["managedFields"] = fields.clone(),
                    None => {
                        if let Some(m) = next["metadata"].as_object_mut() {
                            m.remove("managedFields");
                        }
                    }
                }
                if next["status"].is_null()
                    && let Some(m) = next.as_object_mut()
                {
                    m.remove("status");
                }
                next
            }
            _ => {
                if t.has_status() && t.resource != "namespaces" {
                    match old.get("status") {
                        Some(status) => obj["status"] = status.clone(),
                        None => {
                            if let Some(m) = obj.as_object_mut() {
                                m.remove("status");
                            }
                        }
                    }
                }
                obj
            }
        };
        // Immutable and server-owned metadata.
        for field in [
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match old["metadata"].get(field) {
                Some(v) => next["metadata"][field] = v.clone(),
                None => {
                    if let Some(m) = next["metadata"].as_object_mut() {
                        m.remove(field);
                    }
                }
            }
        }
        if t.group.is_empty() && t.resource == "services" && next["spec"].is_object() {
            // the allocated ClusterIP is immutable; writers that omit it keep it
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
                if next["spec"]
                    .get(field)
                    .is_none_or(|v| v.is_null() || v == "")
                    && !old["spec"][field].is_null()
                {
                    next["spec"][field] = old["spec"][field].clone();
                }
            }
        }
        next["metadata"]["name"] = Value::String(name.to_owned());
        if t.namespaced {
            next["metadata"]["namespace"] = Value::String(namespace.to_owned());
        }
        Self::validate_metadata(t, &next)?;
        if subresource.is_none() {
            self.admit(t, &mut next, Some(&old))?;
        }
        if spec_of(&next) != spec_of(&old) {
            let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            next["metadata"]["generation"] = json!(generation);
        }
        next["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
        let next = Self::present(t, &next);
        if next == Self::present(t, &old) {
            // An update that changes nothing is not a write: no new resourceVersion, no event.
            return Ok(next);
        }
        if dry_run {
            return Ok(next);
        }
        let deleting = next["metadata"]["deletionTimestamp"].is_string();
        let finalizers_gone = next["metadata"]["finalizers"]
            .as_array()
            .is_none_or(|f| f.is_empty());
        if deleting && finalizers_gone {
            return self.remove(t, namespace, name, &next);
        }
        self.rv += 1;
        let mut next = next;
        next["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        self.bucket_mut(t).insert(key, next.clone());
        self.record(t, namespace, EventType::Modified, next.clone());
        if t.resource == "customresourcedefinitions" {
            self.crds_changed();
            return self.get(t, namespace, name);
        }
        Ok(next)
    }

    /// Removes an object for good, records the deletion and collects its dependents.
    fn remove(
        &mut self,
        t: &ResourceType,
        namespace: &str,
        name: &str,
        last: &Value,
    ) -> Result<Value, ApiError> {
        self.bucket_mut(t)
            .remove(&(namespace.to_owned(), name.to_owned()));
        self.rv += 1;
        let mut gone = last.clone();
        gone["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        self.record(t, namespace, EventType::Deleted, gone.clone());
        if t.resource == "customresourcedefinitions" {
            self.crds_changed();
        }
        if t.resource == "namespaces" {
            // the namespace is gone; anything left in it goes too
            self.purge_namespace(name);
        }
        if let Some(uid) = last["metadata"]["uid"].as_str() {
            self.collect_dependents(uid);
        }
        Ok(gone)
    }

    /// Deletes an object: at once without finalizers, else marks it with a deletionTimestamp.
    ///
    /// # Errors
    /// NotFound, Conflict (precondition).
    pub fn delete(
        &mut self,
        t: &ResourceType,
        namespace: &str,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        if let Some(core) = self.core_events_type(t) {
            return self
                .delete(&core, namespace, name, options)
                .map(|o| events::from_core(&o));
        }
        let (namespace, key, old) = self.existing(t, namespace, name)?;
        let namespace = namespace.as_str();
        if options
            .precondition_rv
            .as_deref()
            .is_some_and(|rv| Some(rv) != old["metadata"]["resourceVersion"].as_str())
            || options
                .precondition_uid
                .as_deref()
                .is_some_and(|uid| Some(uid) != old["metadata"]["uid"].as_str())
        {
            return Err(ApiError::conflict(
                &t.qualified(),
                name,
                &t.group,
                &t.resource,
            ));
        }
        if options.dry_run {
            return Ok(old);
        }
        if options.propagation.as_deref() == Some("Orphan")
            && let Some(uid) = old["metadata"]["uid"].as_str()
        {
            self.orphan_dependents(uid);
        }
        if t.resource == "namespaces" {
            return self.terminate_namespace(t, name, old);
        }
        let has_finalizers = old["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        if has_finalizers {
            if old["metadata"]["deletionTimestamp"].is_string() {
                return Ok(old);
            }
            let mut next = old.clone();
            next["metadata"]["deletionTimestamp"] = Value::String(now_rfc3339());
            next["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            self.rv += 1;
            next["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
            self.bucket_mut(t).insert(key, next.clone());
            self.record(t, namespace, EventType::Modified, next.clone());
            return Ok(next);
        }
        self.remove(t, namespace, name, &old)
    }

    fn terminate_namespace(
        &mut self,
        t: &ResourceType,
        name: &str,
        old: Value,
    ) -> Result<Value, ApiError> {
        let mut next = old;
        if next["status"]["phase"] != "Terminating" {
            next["metadata"]["deletionTimestamp"] = Value::String(now_rfc3339());
            next["status"]["phase"] = json!("Terminating");
            self.rv += 1;
            next["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
            self.bucket_mut(t)
                .insert((String::new(), name.to_owned()), next.clone());
            self.record(t, "", EventType::Modified, next.clone());
        }
        self.delete_namespace_contents(name);
        self.finish_namespace_if_empty(name);
        Ok(next)
    }

    fn delete_namespace_contents(&mut self, namespace: &str) {
        let types: Vec<ResourceType> = self
            .registry
            .all()
            .filter(|t| t.namespaced)
            .cloned()
            .collect();
        let mut seen = std::collections::HashSet::new();
        for t in types {
            if !seen.insert(t.storage_key()) {
                continue;
            }
            let names: Vec<String> = self
                .bucket(&t)
                .map(|b| {
                    b.keys()
                        .filter(|(ns, _)| ns == namespace)
                        .map(|(_, n)| n.clone())
                        .collect()
                })
                .unwrap_or_default();
            for name in names {
                let _ = self.delete(&t, namespace, &name, &DeleteOptions::default());
            }
        }
    }

    /// Removes a Terminating namespace once nothing is left in it.
    pub fn finish_namespace_if_empty(&mut self, namespace: &str) {
        let empty = self.objects.iter().all(|((_, resource), b)| {
            resource == "namespaces" || !b.keys().any(|(ns, _)| ns == namespace)
        });
        let ns_type = self
            .registry
            .find("", "v1", "namespaces")
            .cloned()
            .expect("namespaces type");
        if let Some(ns) = self
            .bucket(&ns_type)
            .and_then(|b| b.get(&(String::new(), namespace.to_owned())))
            .cloned()
            && ns["status"]["phase"] == "Terminating"
            && empty
        {
            let _ = self.remove(&ns_type, "", namespace, &ns);
        }
    }

    /// Namespaces that are Terminating.
    pub fn terminating_namespaces(&self) -> Vec<String> {
        let ns_type = self
            .registry
            .find("", "v1", "namespaces")
            .expect("namespaces type");
        self.bucket(ns_type)
            .map(|b| {
                b.iter()
                    .filter(|(_, o)| o["status"]["phase"] == "Terminating")
                    .map(|((_, n), _)| n.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn purge_namespace(&mut self, namespace: &str) {
        for bucket in self.objects.values_mut() {
            bucket.retain(|(ns, _), _| ns != namespace);
        }
    }

    fn all_types_once(&self) -> Vec<ResourceType> {
        let mut seen = std::collections::HashSet::new();
        self.registry
            .all()
            .filter(|t| seen.insert(t.storage_key()))
            .cloned()
            .collect()
    }

    /// Every object with an ownerReference to `owner_uid`, with its type and current state.
    fn dependents_of(&self, owner_uid: &str) -> Vec<(ResourceType, String, String, Value)> {
        let mut out = Vec::new();
        for t in self.all_types_once() {
            for ((ns, name), obj) in self.bucket(&t).into_iter().flatten() {
                let owned = obj["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == owner_uid));
                if owned {
                    out.push((t.clone(), ns.clone(), name.clone(), obj.clone()));
                }
            }
        }
        out
    }

    /// Background garbage collection: objects whose every owner is gone are deleted.
    fn collect_dependents(&mut self, owner_uid: &str) {
        for (t, ns, name, obj) in self.dependents_of(owner_uid) {
            let refs = obj["metadata"]["ownerReferences"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let live_owner = refs
                .iter()
                .filter(|r| r["uid"] != owner_uid)
                .any(|r| self.uid_exists(r["uid"].as_str().unwrap_or("")));
            if !live_owner {
                let _ = self.delete(&t, &ns, &name, &DeleteOptions::default());
            }
        }
    }

    /// Orphan propagation: dependents lose their reference to the owner and stay.
    fn orphan_dependents(&mut self, owner_uid: &str) {
        for (t, ns, name, mut obj) in self.dependents_of(owner_uid) {
            if let Some(refs) = obj["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"] != owner_uid);
            }
            let _ = self.update(&t, &ns, &name, obj, None, false);
        }
    }

    fn uid_exists(&self, uid: &str) -> bool {
        !uid.is_empty()
            && self
                .objects
                .values()
                .any(|b| b.values().any(|o| o["metadata"]["uid"] == uid))
    }

    /// Re-reads the CRDs into the registry and marks new ones Established.
    fn crds_changed(&mut self) {
        let crd_type = self
            .registry
            .find("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .cloned()
            .expect("crd type");
        let crds: Vec<Value> = self
            .bucket(&crd_type)
            .map(|b| b.values().cloned().collect())
            .unwrap_or_default();
        self.registry.set_crds(&crds);
        for crd in crds {
            let established = crd["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Established" && c["status"] == "True")
            });
            if established && crd["status"]["acceptedNames"] == crd["spec"]["names"] {
                continue;
            }
            let mut next = crd.clone();
            let now = now_rfc3339();
            next["status"] = json!({
                "acceptedNames": crd["spec"]["names"],
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now},
                ],
                "storedVersions": crd["spec"]["versions"].as_array().into_iter().flatten().filter(|v| v["storage"] == true).map(|v| v["name"].clone()).collect::<Vec<_>>(),
            });
            let name = crd["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            self.rv += 1;
            next["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
            self.bucket_mut(&crd_type)
                .insert((String::new(), name), next.clone());
            self.record(&crd_type, "", EventType::Modified, next);
        }
        // objects of a CRD that is gone are deleted with it
        let served: std::collections::HashSet<(String, String)> =
            self.registry.all().map(ResourceType::storage_key).collect();
        self.objects.retain(|k, _| served.contains(k));
    }

    /// Writes a status computed by a simulated controller (no resourceVersion precondition).
    pub fn set_status(&mut self, t: &ResourceType, namespace: &str, name: &str, status: Value) {
        if let Ok(mut obj) = self.get(t, namespace, name) {
            obj["status"] = status;
            if let Some(m) = obj["metadata"].as_object_mut() {
                m.remove("resourceVersion");
            }
            let _ = self.update(t, namespace, name, obj, Some("status"), false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &Store, g: &str, v: &str, r: &str) -> ResourceType {
        s.registry.find(g, v, r).cloned().unwrap()
    }

    #[test]
    fn create_get_update_bump_versions_and_generation() {
        let mut s = Store::new(100);
        let cm = t(&s, "apps", "v1", "deployments");
        let created = s
            .create(
                &cm,
                "default",
                json!({"metadata": {"name": "web"}, "spec": {"replicas": 1}, "status": {"x": 1}}),
                false,
            )
            .unwrap();
        assert_eq!(created["metadata"]["generation"], 1);
        assert!(
            created.get("status").is_none(),
            "create drops status for a status subresource"
        );
        let rv1 = created["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut changed = created.clone();
        changed["spec"]["replicas"] = json!(3);
        let updated = s
            .update(&cm, "default", "web", changed.clone(), None, false)
            .unwrap();
        assert_eq!(updated["metadata"]["generation"], 2);
        assert_ne!(updated["metadata"]["resourceVersion"], rv1.as_str());
        // stale resourceVersion
        let e = s
            .update(&cm, "default", "web", changed, None, false)
            .unwrap_err();
        assert_eq!(e.code, 409);
        // no-op update is not a write
        let again = s
            .update(&cm, "default", "web", updated.clone(), None, false)
            .unwrap();
        assert_eq!(
            again["metadata"]["resourceVersion"],
            updated["metadata"]["resourceVersion"]
        );
        // status write leaves spec and generation alone
        let mut st = updated.clone();
        st["spec"]["replicas"] = json!(9);
        st["status"] = json!({"readyReplicas": 3});
        let after = s
            .update(&cm, "default", "web", st, Some("status"), false)
            .unwrap();
        assert_eq!(
            (
                after["spec"]["replicas"].clone(),
                after["metadata"]["generation"].clone(),
                after["status"]["readyReplicas"].clone()
            ),
            (json!(3), json!(2), json!(3))
        );
    }

    #[test]
    fn names_namespaces_and_duplicates_are_checked() {
        let mut s = Store::new(100);
        let cm = t(&s, "", "v1", "configmaps");
        assert_eq!(
            s.create(
                &cm,
                "default",
                json!({"metadata": {"name": "Bad_Name"}}),
                false
            )
            .unwrap_err()
            .code,
            422
        );
        assert_eq!(
            s.create(&cm, "missing", json!({"metadata": {"name": "a"}}), false)
                .unwrap_err()
                .code,
            404
        );
        s.create(&cm, "default", json!({"metadata": {"name": "a"}}), false)
            .unwrap();
        assert_eq!(
            s.create(&cm, "default", json!({"metadata": {"name": "a"}}), false)
                .unwrap_err()
                .reason,
            "AlreadyExists"
        );
        let g = s
            .create(
                &cm,
                "default",
                json!({"metadata": {"generateName": "gen-"}}),
                false,
            )
            .unwrap();
        assert!(
            g["metadata"]["name"].as_str().unwrap().starts_with("gen-")
                && g["metadata"]["name"].as_str().unwrap().len() == 9
        );
    }

    #[test]
    fn finalizers_hold_deletion_and_owners_take_dependents_with_them() {
        let mut s = Store::new(100);
        let cm = t(&s, "", "v1", "configmaps");
        let owner = s
            .create(
                &cm,
                "default",
                json!({"metadata": {"name": "owner", "finalizers": ["x/y"]}}),
                false,
            )
            .unwrap();
        let uid = owner["metadata"]["uid"].as_str().unwrap().to_owned();
        s.create(&cm, "default", json!({"metadata": {"name": "dep", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]}}), false).unwrap();
        let marked = s
            .delete(&cm, "default", "owner", &DeleteOptions::default())
            .unwrap();
        assert!(marked["metadata"]["deletionTimestamp"].is_string());
        assert!(
            s.get(&cm, "default", "dep").is_ok(),
            "dependent stays while the owner is being finalized"
        );
        let mut done = marked.clone();
        done["metadata"]["finalizers"] = json!([]);
        s.update(&cm, "default", "owner", done, None, false)
            .unwrap();
        assert_eq!(s.get(&cm, "default", "owner").unwrap_err().code, 404);
        assert_eq!(
            s.get(&cm, "default", "dep").unwrap_err().code,
            404,
            "garbage collected"
        );
    }

    #[test]
    fn deleting_a_namespace_removes_its_contents() {
        let mut s = Store::new(100);
        let ns = t(&s, "", "v1", "namespaces");
        let cm = t(&s, "", "v1", "configmaps");
        s.create(&ns, "", json!({"metadata": {"name": "team"}}), false)
            .unwrap();
        s.create(&cm, "team", json!({"metadata": {"name": "a"}}), false)
            .unwrap();
        s.delete(&ns, "", "team", &DeleteOptions::default())
            .unwrap();
        assert_eq!(s.get(&cm, "team", "a").unwrap_err().code, 404);
        assert_eq!(s.get(&ns, "", "team").unwrap_err().code, 404);
    }

    #[test]
    fn history_is_bounded_and_reports_gone() {
        let mut s = Store::new(3);
        let cm = t(&s, "", "v1", "configmaps");
        let start = s.resource_version();
        for i in 0..5 {
            s.create(
                &cm,
                "default",
                json!({"metadata": {"name": format!("c{i}")}}),
                false,
            )
            .unwrap();
        }
        assert!(
            s.events_since(&cm.storage_key(), start).is_none(),
            "too old"
        );
        let recent = s
            .events_since(&cm.storage_key(), s.resource_version() - 2)
            .unwrap();
        assert_eq!(recent.len(), 2);
    }
}
