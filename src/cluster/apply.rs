//! Putting a release's objects on the cluster as Helm v4.2.3 does with server-side apply: the
//! rendered manifest read into objects (`kube.Client.Build`), each object's API resource found
//! through discovery, the release namespace given to namespaced objects that name none, Helm's
//! ownership metadata stamped on every object, the ownership check before an existing object is
//! taken over, the apply itself under the operator's field manager (and its dry run, which drift
//! detection compares with the cluster), and the reads and deletes the release engine needs
//! afterwards (readiness, pruning, uninstall).
//!
//! # What matches Helm, and how it was established
//!
//! Checked against real Helm v4.2.3 (`helm_python`) installing and upgrading charts on the API
//! emulator (`tests/cluster_apply.rs` repeats the comparisons that can run there):
//! - the metadata Helm stamps: label `app.kubernetes.io/managed-by: Helm` and annotations
//!   `meta.helm.sh/release-name`/`meta.helm.sh/release-namespace`, merged over the chart's own
//!   (Helm overwrites a conflicting value; a `null` label or annotation value becomes `""`);
//! - the ownership refusal, word for word (`ConfigMap "x" in namespace "ns" exists and cannot be
//!   imported into the current release: invalid ownership metadata; ...`), each missing or wrong
//!   key listed in Helm's order; Helm prefixes it with [`INSTALL_CONFLICT_PREFIX`] or
//!   [`UPGRADE_CONFLICT_PREFIX`];
//! - the error for a kind the server does not serve (`resource mapping not found for name: "x"
//!   namespace: "" from "": no matches for kind "Foo" in version "example.com/v1"` and Helm's
//!   `ensure CRDs are installed first` line), several of them as one `[a, b]` list in manifest
//!   order, prefixed by Helm with [`BUILD_ERROR_PREFIX`]; the namespace shown is the one the
//!   manifest wrote, not the release's;
//! - the object errors Helm's decoder reports (`unable to decode "": json: cannot unmarshal
//!   number into Go struct field ObjectMeta.metadata.labels of type string`, `Object 'Kind' is
//!   missing in '...'`);
//! - documents read with YAML 1.1 rules, as Helm's decoder reads them (`y`, `on` and `no` are
//!   booleans, `0644` is octal), through the engine's go-yaml port;
//! - lists flattened: an object with `items` (`kind: List`, `ConfigMapList`) stands for its
//!   items, and an item with neither `apiVersion` nor `kind` takes the list's version and the
//!   list's kind without its `List` suffix;
//! - cluster-scoped objects lose a `metadata.namespace` the chart gave them (the server drops
//!   it; Helm's stored object keeps it, which changes nothing on the cluster).
//!
//! Taken from Helm's source: the apply sends the whole object with `fieldValidation=Strict`
//! (Helm 4's default for install and upgrade); deletes use background propagation and treat a
//! 404 as done; objects of two revisions are matched by group, kind, namespace and name
//! ([`ObjectKey::same_object`], the newest form of Helm's `isMatchingInfo`).
//!
//! Chosen here, unlike Helm: the field manager is the operator's (Helm's is its binary's name)
//! and conflicts are forced (Helm forces only with `--force-conflicts`), so a field another
//! manager took is taken back on the next apply.
//!
//! # Known differences from Helm
//!
//! - Integers beyond 2^53 lose precision: the engine's YAML reader holds numbers as `f64`
//!   (Helm keeps `int64`). Integral numbers are sent as integers, as Helm sends them.
//! - An object without `apiVersion` is an error here; Helm maps its kind in the core group.
//! - A kind served in no version at all and a version not served both give Helm's "no matches"
//!   text; Helm's OpenAPI validation, which runs first on a real cluster, is not repeated (the
//!   server validates with `fieldValidation=Strict` on the apply instead).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use futures::{StreamExt, TryStreamExt};
use kube::api::{DeleteParams, GetParams, Patch, PatchParams, ValidationDirective};
use kube::core::Request;
use serde_json::{Map, Value};

use crate::api::FIELD_MANAGER;
use crate::controller::API_CALL_TIMEOUT;
use crate::engine::gostr::quote;
use crate::engine::json::{MarshalOptions, go_kind, marshal};
use crate::engine::value::Value as EngineValue;
use crate::engine::yaml::parse::yaml_to_json;

/// The label Helm sets on every object of a release.
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`LABEL_MANAGED_BY`].
pub const MANAGED_BY_HELM: &str = "Helm";
/// The annotation naming the release that owns an object.
pub const ANNOTATION_RELEASE_NAME: &str = "meta.helm.sh/release-name";
/// The annotation naming the namespace of the release that owns an object.
pub const ANNOTATION_RELEASE_NAMESPACE: &str = "meta.helm.sh/release-namespace";
/// What Helm puts before a manifest error ([`ApplyError::Manifest`], [`ApplyError::NoMapping`],
/// [`ApplyError::Several`]) when it reads a release's manifest.
pub const BUILD_ERROR_PREFIX: &str = "unable to build kubernetes objects from release manifest: ";
/// What Helm puts before an [`ApplyError::Ownership`] (or a failed existence check) on install.
pub const INSTALL_CONFLICT_PREFIX: &str = "unable to continue with install: ";
/// What Helm puts before an [`ApplyError::Ownership`] (or a failed existence check) on upgrade.
pub const UPGRADE_CONFLICT_PREFIX: &str = "unable to continue with update: ";

// ---------------------------------------------------------------------------------------------
// Errors

/// Why an object could not be read, mapped, checked, applied, read back or deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// A document is not an object Helm's decoder accepts; the text is Helm's.
    #[error("{0}")]
    Manifest(String),
    /// The server serves no such kind in that version (a CRD not installed yet).
    #[error(
        "resource mapping not found for name: {} namespace: {} from \"\": no matches for kind {} in version {}\nensure CRDs are installed first",
        quote(name),
        quote(namespace),
        quote(kind),
        quote(api_version)
    )]
    NoMapping {
        /// `metadata.name` as the manifest wrote it.
        name: String,
        /// `metadata.namespace` as the manifest wrote it (empty when it wrote none).
        namespace: String,
        /// The kind.
        kind: String,
        /// The `apiVersion`.
        api_version: String,
    },
    /// Several errors from one manifest, as Helm aggregates them (`[a, b]`, repeats dropped).
    #[error("{}", aggregate_text(.0))]
    Several(Vec<ApplyError>),
    /// The object exists and is not this release's to take over.
    #[error("{key} exists and cannot be imported into the current release: {problem}")]
    Ownership {
        /// The existing object.
        key: Box<ObjectKey>,
        /// [`ownership_problem`]'s text.
        problem: String,
    },
    /// The API server refused a call; `message` is its `Status` message.
    #[error("{context}{message}")]
    Api {
        /// Helm's words for the call that failed (`could not get information about the
        /// resource ConfigMap "x" in namespace "ns": `), or empty where Helm shows the server's
        /// message alone (the apply).
        context: String,
        /// The HTTP status code (0 when the call never got an answer).
        code: u16,
        /// The server's message, or the transport error.
        message: String,
    },
    /// No answer within [`API_CALL_TIMEOUT`].
    #[error("{context}no answer within {}s", API_CALL_TIMEOUT.as_secs())]
    Timeout {
        /// What was being done, as in [`ApplyError::Api`].
        context: String,
    },
}

impl ApplyError {
    /// PascalCase reason, for conditions and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            ApplyError::Manifest(_) => "ManifestInvalid",
            ApplyError::NoMapping { .. } => "ResourceMappingNotFound",
            ApplyError::Several(errors) => errors.first().map_or("ManifestInvalid", |e| e.reason()),
            ApplyError::Ownership { .. } => "OwnershipConflict",
            ApplyError::Api { code: 409, .. } => "Conflict",
            ApplyError::Api { code: 403, .. } => "Forbidden",
            ApplyError::Api { code: 422, .. } | ApplyError::Api { code: 400, .. } => "Invalid",
            ApplyError::Api { .. } => "ApiError",
            ApplyError::Timeout { .. } => "Timeout",
        }
    }

    /// One error for a list of them, as Helm's aggregate (`None` when the list is empty).
    pub fn aggregate(mut errors: Vec<ApplyError>) -> Option<ApplyError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(ApplyError::Several(errors)),
        }
    }
}

/// `k8s.io/apimachinery`'s aggregate error text: one message alone, several in brackets joined
/// by `, `, each distinct message once.
fn aggregate_text(errors: &[ApplyError]) -> String {
    let mut seen = std::collections::HashSet::new();
    let messages: Vec<String> = errors
        .iter()
        .map(ToString::to_string)
        .filter(|m| seen.insert(m.clone()))
        .collect();
    if messages.len() == 1 {
        messages.into_iter().next().unwrap_or_default()
    } else {
        format!("[{}]", messages.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// Keys

/// Which object: what Helm's `resource.Info` identifies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// API group (empty for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// `apiVersion` as objects write it (`v1`, `apps/v1`).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether both keys name one object, as Helm matches the objects of two revisions: the
    /// same group, kind, namespace and name; the version may differ (one object is served in
    /// every version of its kind).
    pub fn same_object(&self, other: &ObjectKey) -> bool {
        self.group == other.group
            && self.kind == other.kind
            && self.namespace == other.namespace
            && self.name == other.name
    }
}

impl fmt::Display for ObjectKey {
    /// Helm's `resourceString`: `ConfigMap "x" in namespace "ns"` (`""` when cluster-scoped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} in namespace {}",
            self.kind,
            quote(&self.name),
            quote(self.namespace.as_deref().unwrap_or(""))
        )
    }
}

/// The release objects are stamped for and checked against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseRef {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
}

/// How an object that already exists may be taken over by [`Applier::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adopt {
    /// Only if its ownership metadata names this release (Helm's check for every object on
    /// install, and on upgrade for objects the previous revision did not have).
    IfOwned,
    /// Without looking: the previous revision's manifest has it, so it is the release's
    /// already (Helm skips the check for those), or ownership is taken on purpose.
    Always,
}

/// An API resource as discovery describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group (empty for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// The resource name in URLs (`deployments`).
    pub plural: String,
    /// Whether objects of the kind live in namespaces.
    pub namespaced: bool,
}

impl ResourceType {
    /// The URL of the collection, in `namespace` when the kind is namespaced.
    fn collection_url(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.plural),
            _ => format!("{base}/{}", self.plural),
        }
    }
}

/// One object ready to apply: its key, its resource and the object as it will be sent
/// (namespace set, Helm's metadata stamped).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Which object.
    pub key: ObjectKey,
    /// Its API resource.
    pub resource_type: ResourceType,
    /// The object to apply.
    pub object: Value,
}

// ---------------------------------------------------------------------------------------------
// Reading a manifest

/// Reads a rendered manifest (YAML documents separated by `---` lines) into objects as Helm's
/// decoder does: empty and `null` documents skipped, lists flattened into their items,
/// integral numbers as integers, each object's type metadata checked.
///
/// # Errors
/// Every document's error, as Helm aggregates them ([`ApplyError::Manifest`] or
/// [`ApplyError::Several`]).
pub fn parse_manifest(text: &str) -> Result<Vec<Value>, ApplyError> {
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for doc in split_documents(text)? {
        match parse_document(&doc) {
            Ok(found) => objects.extend(found),
            Err(e) => errors.push(e),
        }
    }
    match ApplyError::aggregate(errors) {
        None => Ok(objects),
        Some(e) => Err(e),
    }
}

/// Reads one YAML document into the objects it stands for (none when it is empty or `null`,
/// several when it is a list).
///
/// # Errors
/// Helm's decoding error for the document.
pub fn parse_document(doc: &str) -> Result<Vec<Value>, ApplyError> {
    let mut value = yaml_to_json(doc).map_err(ApplyError::Manifest)?;
    integral_numbers_as_integers(&mut value);
    let mut out = Vec::new();
    match value {
        Value::Null => {}
        Value::Object(_) => flatten(value, &mut out)?,
        other => {
            return Err(ApplyError::Manifest(format!(
                "unable to decode \"\": json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                go_kind(&other)
            )));
        }
    }
    for object in &mut out {
        check_type_metadata(object)?;
    }
    Ok(out)
}

/// Splits a YAML stream as `k8s.io/apimachinery`'s `YAMLReader` does: a line starting with
/// `---` ends a document unless it is the first line of one; what follows the dashes may only
/// be spaces or a comment.
fn split_documents(text: &str) -> Result<Vec<String>, ApplyError> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for raw in text.split_inclusive('\n') {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(ApplyError::Manifest(format!(
                    "error reading yaml document: invalid Yaml document separator: {rest}"
                )));
            }
            if !current.is_empty() {
                docs.push(std::mem::take(&mut current));
                continue;
            }
        }
        current.push_str(line);
        current.push('\n');
    }
    if !current.is_empty() {
        docs.push(current);
    }
    Ok(docs)
}

/// Numbers as Helm's decoder leaves them: YAML becomes JSON through Go's `json.Marshal`, which
/// writes an integral `float64` below 1e21 without a fraction, and the unstructured decoder
/// reads every number that fits an `int64` as one.
fn integral_numbers_as_integers(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Number(n) => {
                if let Some(f) = n.as_f64()
                    && n.is_f64()
                    && f.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f)
                {
                    // the range check makes the cast exact
                    *v = Value::from(f as i64);
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => stack.extend(map.values_mut()),
            _ => {}
        }
    }
}

/// An object with `items` stands for its items (nested lists too); an item with neither
/// `apiVersion` nor `kind` is of the list's version and of the list's kind without `List`.
fn flatten(object: Value, out: &mut Vec<Value>) -> Result<(), ApplyError> {
    let mut pending = vec![object];
    while let Some(obj) = pending.pop() {
        let Value::Object(mut map) = obj else {
            return Err(ApplyError::Manifest(
                "unable to decode \"\": json: cannot unmarshal list item into Go value of type map[string]interface {}".into(),
            ));
        };
        let items = match map.remove("items") {
            None => {
                out.push(Value::Object(map));
                continue;
            }
            Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(ApplyError::Manifest(format!(
                    "unable to decode \"\": json: cannot unmarshal {} into Go value of type []interface {{}}",
                    go_kind(&other)
                )));
            }
        };
        let list_version = map.get("apiVersion").cloned().unwrap_or(Value::Null);
        let item_kind = map
            .get("kind")
            .and_then(Value::as_str)
            .map(|k| k.strip_suffix("List").unwrap_or(k).to_owned())
            .unwrap_or_default();
        let mut flattened = Vec::with_capacity(items.len());
        for mut item in items {
            if let Value::Object(m) = &mut item {
                let unset = |m: &Map<String, Value>, k: &str| {
                    m.get(k).and_then(Value::as_str).is_none_or(str::is_empty)
                };
                if unset(m, "apiVersion") && unset(m, "kind") {
                    m.insert("apiVersion".into(), list_version.clone());
                    m.insert("kind".into(), Value::String(item_kind.clone()));
                }
            }
            flattened.push(item);
        }
        // popped from the end: push reversed to keep the items' order
        pending.extend(flattened.into_iter().rev());
    }
    Ok(())
}

/// The checks of Helm's decoder on `apiVersion`, `kind` and `metadata` (it decodes them into
/// Go structs, in the JSON's sorted key order); `null` label and annotation values become `""`
/// as the Go map keeps them.
fn check_type_metadata(object: &mut Value) -> Result<(), ApplyError> {
    let decode_error = |v: &Value, field: &str, ty: &str| {
        ApplyError::Manifest(format!(
            "unable to decode \"\": json: cannot unmarshal {} into Go struct field {field} of type {ty}",
            go_kind(v)
        ))
    };
    let Value::Object(map) = object else {
        return Err(ApplyError::Manifest(
            "unable to decode \"\": not an object".into(),
        ));
    };
    for field in ["apiVersion", "kind"] {
        if let Some(v) = map.get(field)
            && !v.is_string()
            && !v.is_null()
        {
            return Err(decode_error(
                v,
                &format!("metadataOnlyObject.TypeMeta.{field}"),
                "string",
            ));
        }
    }
    match map.get_mut("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(meta)) => {
            for field in ["annotations", "labels"] {
                match meta.get_mut(field) {
                    None | Some(Value::Null) => {}
                    Some(Value::Object(entries)) => {
                        for v in entries.values_mut() {
                            match v {
                                Value::String(_) => {}
                                Value::Null => *v = Value::String(String::new()),
                                other => {
                                    return Err(decode_error(
                                        other,
                                        &format!("ObjectMeta.metadata.{field}"),
                                        "string",
                                    ));
                                }
                            }
                        }
                    }
                    Some(other) => {
                        return Err(decode_error(
                            other,
                            &format!("ObjectMeta.metadata.{field}"),
                            "map[string]string",
                        ));
                    }
                }
            }
            for field in ["name", "namespace"] {
                if let Some(v) = meta.get(field)
                    && !v.is_string()
                    && !v.is_null()
                {
                    return Err(decode_error(
                        v,
                        &format!("ObjectMeta.metadata.{field}"),
                        "string",
                    ));
                }
            }
        }
        Some(other) => {
            return Err(decode_error(
                other,
                "metadataOnlyObject.metadata",
                "v1.ObjectMeta",
            ));
        }
    }
    let missing = |field: &str| {
        map.get(field)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    };
    for (field, label) in [("kind", "Kind"), ("apiVersion", "apiVersion")] {
        if missing(field) {
            let json = marshal(
                &EngineValue::from_json(object),
                MarshalOptions {
                    escape_html: true,
                    indent: 0,
                },
            )
            .unwrap_or_default();
            return Err(ApplyError::Manifest(format!(
                "unable to decode \"\": Object '{label}' is missing in '{json}'"
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pure object logic

/// What identifies an object before its scope is known.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    api_version: String,
    kind: String,
    name: String,
    /// As written; empty when none.
    namespace: String,
}

fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    let mut v = obj;
    for p in path {
        match v.get(p) {
            Some(next) => v = next,
            None => return "",
        }
    }
    v.as_str().unwrap_or("")
}

fn head_of(obj: &Value) -> Head {
    Head {
        api_version: str_at(obj, &["apiVersion"]).to_owned(),
        kind: str_at(obj, &["kind"]).to_owned(),
        name: str_at(obj, &["metadata", "name"]).to_owned(),
        namespace: str_at(obj, &["metadata", "namespace"]).to_owned(),
    }
}

/// `apiVersion` split into group and version as Go's `schema.ParseGroupVersion` does.
fn split_api_version(api_version: &str) -> Result<(String, String), ApplyError> {
    match api_version.split_once('/') {
        None => Ok((String::new(), api_version.to_owned())),
        Some((group, version)) if !version.contains('/') => {
            Ok((group.to_owned(), version.to_owned()))
        }
        Some(_) => Err(ApplyError::Manifest(format!(
            "unexpected GroupVersion string: {api_version}"
        ))),
    }
}

/// The key of an object whose scope is known: a namespaced object that names no namespace is
/// in the release namespace, a cluster-scoped one is in none (whatever it wrote).
pub fn object_key(
    obj: &Value,
    namespaced: bool,
    release_namespace: &str,
) -> Result<ObjectKey, ApplyError> {
    let head = head_of(obj);
    let (group, version) = split_api_version(&head.api_version)?;
    let namespace = if !namespaced {
        None
    } else if head.namespace.is_empty() {
        Some(release_namespace.to_owned())
    } else {
        Some(head.namespace)
    };
    Ok(ObjectKey {
        group,
        version,
        kind: head.kind,
        namespace,
        name: head.name,
    })
}

/// Makes `metadata.namespace` agree with `namespace`: set for a namespaced object, removed from
/// a cluster-scoped one.
pub fn set_namespace(obj: &mut Value, namespace: Option<&str>) {
    let Some(meta) = metadata_mut(obj) else {
        return;
    };
    match namespace {
        Some(ns) => {
            meta.insert("namespace".into(), Value::String(ns.to_owned()));
        }
        None => {
            meta.remove("namespace");
        }
    }
}

fn metadata_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = obj.as_object_mut()?;
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if meta.is_null() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
}

/// Adds Helm's ownership metadata to an object, over whatever the chart set for those keys.
pub fn stamp_ownership(obj: &mut Value, release: &ReleaseRef) {
    let Some(meta) = metadata_mut(obj) else {
        return;
    };
    if let Some(labels) = string_map_mut(meta, "labels") {
        labels.insert(LABEL_MANAGED_BY.into(), MANAGED_BY_HELM.into());
    }
    if let Some(annotations) = string_map_mut(meta, "annotations") {
        annotations.insert(ANNOTATION_RELEASE_NAME.into(), release.name.clone().into());
        annotations.insert(
            ANNOTATION_RELEASE_NAMESPACE.into(),
            release.namespace.clone().into(),
        );
    }
}

/// `metadata.labels` or `metadata.annotations`, created when absent or not a map.
fn string_map_mut<'a>(
    meta: &'a mut Map<String, Value>,
    field: &str,
) -> Option<&'a mut Map<String, Value>> {
    let slot = meta
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Why an existing object may not be taken over by `release`, in Helm's words (`invalid
/// ownership metadata; label validation error: missing key ...`); `None` when its metadata
/// names the release.
pub fn ownership_problem(existing: &Value, release: &ReleaseRef) -> Option<String> {
    let meta = existing.get("metadata");
    let entries = |field: &str| meta.and_then(|m| m.get(field)).and_then(Value::as_object);
    let labels = entries("labels");
    let annotations = entries("annotations");
    let mut problems = Vec::new();
    let checks = [
        ("label", labels, LABEL_MANAGED_BY, MANAGED_BY_HELM),
        (
            "annotation",
            annotations,
            ANNOTATION_RELEASE_NAME,
            release.name.as_str(),
        ),
        (
            "annotation",
            annotations,
            ANNOTATION_RELEASE_NAMESPACE,
            release.namespace.as_str(),
        ),
    ];
    for (what, map, key, wanted) in checks {
        match map.and_then(|m| m.get(key)) {
            None => problems.push(format!(
                "{what} validation error: missing key {}: must be set to {}",
                quote(key),
                quote(wanted)
            )),
            Some(actual) => {
                let actual = actual.as_str().unwrap_or("");
                if actual != wanted {
                    problems.push(format!(
                        "{what} validation error: key {} must equal {}: current value is {}",
                        quote(key),
                        quote(wanted),
                        quote(actual)
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "invalid ownership metadata; {}",
            problems.join("; ")
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// The cluster

/// Discovered resources: `apiVersion` → kind → resource.
type DiscoveryCache = HashMap<String, HashMap<String, ResourceType>>;

/// Applies, reads and deletes a release's objects; cheap to clone (clones share the client and
/// the discovery cache).
#[derive(Clone)]
pub struct Applier {
    client: kube::Client,
    discovery: Arc<RwLock<DiscoveryCache>>,
    /// Bumped whenever everything discovered is forgotten (a CRD was created), so caches built
    /// on discovery elsewhere know to rebuild.
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl fmt::Debug for Applier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Applier").finish_non_exhaustive()
    }
}

async fn timed<T>(
    context: &str,
    call: impl Future<Output = Result<T, kube::Error>>,
) -> Result<Result<T, kube::Error>, ApplyError> {
    tokio::time::timeout(API_CALL_TIMEOUT, call)
        .await
        .map_err(|_| ApplyError::Timeout {
            context: context.to_owned(),
        })
}

fn status_code(e: &kube::Error) -> u16 {
    match e {
        kube::Error::Api(s) => s.code,
        _ => 0,
    }
}

fn api_error(context: String, e: kube::Error) -> ApplyError {
    let (code, message) = match e {
        kube::Error::Api(s) if !s.message.is_empty() => (s.code, s.message),
        kube::Error::Api(s) => (s.code, format!("the server answered {}", s.code)),
        other => (0, other.to_string()),
    };
    ApplyError::Api {
        context,
        code,
        message,
    }
}

fn request_error(e: kube::core::request::Error) -> ApplyError {
    ApplyError::Api {
        context: String::new(),
        code: 0,
        message: e.to_string(),
    }
}

impl Applier {
    /// An applier over `client`, with an empty discovery cache.
    pub fn new(client: kube::Client) -> Self {
        Self {
            client,
            discovery: Arc::new(RwLock::new(HashMap::new())),
            generation: Arc::default(),
        }
    }

    /// How many times everything discovered was forgotten.
    pub fn discovery_generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Forgets everything discovered (the next lookups ask the server again).
    pub fn forget_discovery(&self) {
        if let Ok(mut cache) = self.discovery.write() {
            cache.clear();
        }
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Forgets what was discovered of one group version (`apps/v1`), so the next lookup of its
    /// kinds asks the server: a 404 for an object may mean its kind is no longer served.
    pub fn forget_api_version(&self, api_version: &str) {
        if let Ok(mut cache) = self.discovery.write() {
            cache.remove(api_version);
        }
    }

    fn cached(&self, api_version: &str, kind: &str) -> Option<ResourceType> {
        let cache = self.discovery.read().ok()?;
        cache.get(api_version)?.get(kind).cloned()
    }

    /// Reads the resources of one group version from the server into the cache (an unserved
    /// group version caches as empty).
    async fn refresh(&self, api_version: &str) -> Result<(), ApplyError> {
        let (group, version) = split_api_version(api_version)?;
        let context = format!("unable to retrieve the server's resources for {api_version}: ");
        let answer = if group.is_empty() {
            timed(&context, self.client.list_core_api_resources(&version)).await?
        } else {
            timed(&context, self.client.list_api_group_resources(api_version)).await?
        };
        let kinds = match answer {
            Ok(list) => {
                let mut kinds = HashMap::new();
                for r in list.resources {
                    // `deployments/status` and the like are subresources, not kinds of their own
                    if r.name.contains('/') {
                        continue;
                    }
                    kinds.entry(r.kind.clone()).or_insert(ResourceType {
                        group: group.clone(),
                        version: version.clone(),
                        kind: r.kind,
                        plural: r.name,
                        namespaced: r.namespaced,
                    });
                }
                kinds
            }
            Err(e) if status_code(&e) == 404 => HashMap::new(),
            Err(e) => return Err(api_error(context, e)),
        };
        if let Ok(mut cache) = self.discovery.write() {
            cache.insert(api_version.to_owned(), kinds);
        }
        Ok(())
    }

    /// The resource serving `kind` in `api_version`: from the cache, or from the server when
    /// the cache does not know it (a CRD installed a moment ago); `None` when the server does
    /// not serve it.
    ///
    /// # Errors
    /// A discovery call that failed or timed out.
    pub async fn resource_type(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<Option<ResourceType>, ApplyError> {
        if let Some(found) = self.cached(api_version, kind) {
            return Ok(Some(found));
        }
        self.refresh(api_version).await?;
        Ok(self.cached(api_version, kind))
    }

    async fn resource_type_of(&self, obj: &Value) -> Result<ResourceType, ApplyError> {
        let head = head_of(obj);
        split_api_version(&head.api_version)?;
        self.resource_type(&head.api_version, &head.kind)
            .await?
            .ok_or(ApplyError::NoMapping {
                name: head.name,
                namespace: head.namespace,
                kind: head.kind,
                api_version: head.api_version,
            })
    }

    async fn resource_type_of_key(&self, key: &ObjectKey) -> Result<ResourceType, ApplyError> {
        self.resource_type(&key.api_version(), &key.kind)
            .await?
            .ok_or_else(|| ApplyError::NoMapping {
                name: key.name.clone(),
                namespace: key.namespace.clone().unwrap_or_default(),
                kind: key.kind.clone(),
                api_version: key.api_version(),
            })
    }

    /// The key of an object read from a manifest, its scope found through discovery: a
    /// namespaced object that names no namespace is in `release_namespace`.
    ///
    /// # Errors
    /// [`ApplyError::NoMapping`] for a kind the server does not serve; discovery failures.
    pub async fn key_of(
        &self,
        obj: &Value,
        release_namespace: &str,
    ) -> Result<ObjectKey, ApplyError> {
        let rt = self.resource_type_of(obj).await?;
        object_key(obj, rt.namespaced, release_namespace)
    }

    /// An object made ready to apply for `release`: its resource found, its namespace set (or
    /// removed when cluster-scoped), Helm's ownership metadata stamped.
    ///
    /// # Errors
    /// As [`Applier::key_of`].
    pub async fn prepare(&self, obj: &Value, release: &ReleaseRef) -> Result<Resource, ApplyError> {
        let resource_type = self.resource_type_of(obj).await?;
        let key = object_key(obj, resource_type.namespaced, &release.namespace)?;
        let mut object = obj.clone();
        set_namespace(&mut object, key.namespace.as_deref());
        stamp_ownership(&mut object, release);
        Ok(Resource {
            key,
            resource_type,
            object,
        })
    }

    /// A whole rendered manifest made ready to apply, as Helm's `Build` reads it: every
    /// document's error reported together, in manifest order.
    ///
    /// # Errors
    /// [`ApplyError::Manifest`], [`ApplyError::NoMapping`], or [`ApplyError::Several`] of them;
    /// discovery failures.
    pub async fn prepare_manifest(
        &self,
        text: &str,
        release: &ReleaseRef,
    ) -> Result<Vec<Resource>, ApplyError> {
        let mut prepared = Vec::new();
        let mut errors = Vec::new();
        for doc in split_documents(text)? {
            match parse_document(&doc) {
                Ok(objects) => {
                    for obj in objects {
                        match self.prepare(&obj, release).await {
                            Ok(r) => prepared.push(r),
                            Err(e @ (ApplyError::Api { .. } | ApplyError::Timeout { .. })) => {
                                return Err(e);
                            }
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        match ApplyError::aggregate(errors) {
            None => Ok(prepared),
            Some(e) => Err(e),
        }
    }

    fn object_url(rt: &ResourceType, key: &ObjectKey) -> Result<Request, ApplyError> {
        if key.name.is_empty() {
            // an empty name would address the collection
            return Err(ApplyError::Api {
                context: format!("could not get information about the resource {key}: "),
                code: 0,
                message: "resource name may not be empty".into(),
            });
        }
        Ok(Request::new(rt.collection_url(key.namespace.as_deref())))
    }

    async fn get_with(
        &self,
        rt: &ResourceType,
        key: &ObjectKey,
    ) -> Result<Option<Value>, ApplyError> {
        let context = format!("could not get information about the resource {key}: ");
        let req = Self::object_url(rt, key)?
            .get(&key.name, &GetParams::default())
            .map_err(request_error)?;
        match timed(&context, self.client.request::<Value>(req)).await? {
            Ok(v) => Ok(Some(v)),
            Err(e) if status_code(&e) == 404 => Ok(None),
            Err(e) => Err(api_error(context, e)),
        }
    }

    /// Helm's check before taking over an object: `Ok(false)` when it does not exist,
    /// `Ok(true)` when it exists and its metadata names `release`.
    ///
    /// # Errors
    /// [`ApplyError::Ownership`] when it exists and is not the release's; a failed read
    /// (`could not get information about the resource ...`).
    pub async fn check_ownership(
        &self,
        resource: &Resource,
        release: &ReleaseRef,
    ) -> Result<bool, ApplyError> {
        match self
            .get_with(&resource.resource_type, &resource.key)
            .await?
        {
            None => Ok(false),
            Some(existing) => match ownership_problem(&existing, release) {
                None => Ok(true),
                Some(problem) => Err(ApplyError::Ownership {
                    key: Box::new(resource.key.clone()),
                    problem,
                }),
            },
        }
    }

    /// Server-side apply of a prepared object under the operator's field manager, forcing
    /// conflicts, with strict field validation; returns the object the server holds after it.
    ///
    /// # Errors
    /// The server's refusal (its message alone, as Helm shows it) or a timeout.
    pub async fn apply_resource(&self, resource: &Resource) -> Result<Value, ApplyError> {
        self.server_side_apply(resource, false).await
    }

    /// [`Applier::apply_resource`] with `dryRun=All`: the object as the server would hold it
    /// after the apply (admission, defaulting and field ownership included), nothing written.
    /// The answer carries no `metadata.resourceVersion` when the object does not exist (the
    /// apply would create it).
    ///
    /// # Errors
    /// As [`Applier::apply_resource`].
    pub async fn dry_run_resource(&self, resource: &Resource) -> Result<Value, ApplyError> {
        self.server_side_apply(resource, true).await
    }

    async fn server_side_apply(
        &self,
        resource: &Resource,
        dry_run: bool,
    ) -> Result<Value, ApplyError> {
        let key = &resource.key;
        let mut params = PatchParams::apply(FIELD_MANAGER)
            .force()
            .validation(ValidationDirective::Strict);
        if dry_run {
            params = params.dry_run();
        }
        let req = Self::object_url(&resource.resource_type, key)?
            .patch(&key.name, &params, &Patch::Apply(&resource.object))
            .map_err(request_error)?;
        let context = format!("applying {key}: ");
        match timed(&context, self.client.request::<Value>(req)).await? {
            Ok(v) => Ok(v),
            Err(e) => {
                if status_code(&e) == 404 {
                    // the kind may have gone (a CRD deleted): ask discovery again next time
                    if let Ok(mut cache) = self.discovery.write() {
                        cache.remove(&key.api_version());
                    }
                }
                Err(api_error(String::new(), e))
            }
        }
    }

    /// One object applied for `release` in one call: prepared, checked when `adopt` asks for
    /// it, applied. An engine applying a whole release should rather prepare every object and
    /// check every ownership before applying any, as Helm does.
    ///
    /// # Errors
    /// As [`Applier::prepare`], [`Applier::check_ownership`] and [`Applier::apply_resource`].
    pub async fn apply(
        &self,
        obj: &Value,
        release: &ReleaseRef,
        adopt: Adopt,
    ) -> Result<Value, ApplyError> {
        let resource = self.prepare(obj, release).await?;
        if adopt == Adopt::IfOwned {
            self.check_ownership(&resource, release).await?;
        }
        self.apply_resource(&resource).await
    }

    /// The object as the server holds it; `None` when it does not exist.
    ///
    /// # Errors
    /// [`ApplyError::NoMapping`] when the kind is not served; a failed read.
    pub async fn get(&self, key: &ObjectKey) -> Result<Option<Value>, ApplyError> {
        let rt = self.resource_type_of_key(key).await?;
        self.get_with(&rt, key).await
    }

    /// Deletes an object with background propagation; `Ok(false)` when it did not exist (or
    /// its kind is no longer served), which Helm counts as deleted.
    ///
    /// # Errors
    /// A refused or timed-out delete.
    pub async fn delete(&self, key: &ObjectKey) -> Result<bool, ApplyError> {
        let Some(rt) = self.resource_type(&key.api_version(), &key.kind).await? else {
            return Ok(false);
        };
        let req = Self::object_url(&rt, key)?
            .delete(&key.name, &DeleteParams::background())
            .map_err(request_error)?;
        let context = format!("failed to delete {key}: ");
        match timed(&context, self.client.request::<Value>(req)).await? {
            Ok(_) => Ok(true),
            Err(e) if status_code(&e) == 404 => Ok(false),
            Err(e) => Err(api_error(context, e)),
        }
    }

    /// Which of `keys` exist, in their order (kinds no longer served exist nowhere).
    ///
    /// # Errors
    /// The first failed read.
    pub async fn existing(&self, keys: &[ObjectKey]) -> Result<Vec<ObjectKey>, ApplyError> {
        let found: Vec<Option<ObjectKey>> = futures::stream::iter(keys)
            .map(|key| async move {
                let Some(rt) = self.resource_type(&key.api_version(), &key.kind).await? else {
                    return Ok(None);
                };
                Ok(self.get_with(&rt, key).await?.map(|_| key.clone()))
            })
            .buffered(4)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts and objects are what real Helm v4.2.3 printed or put on the API emulator
    //! for the same input (release and namespace names kept from those runs).

    use super::*;
    use serde_json::json;

    fn release(name: &str, namespace: &str) -> ReleaseRef {
        ReleaseRef {
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    fn config_map(name: &str, labels: Value, annotations: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "labels": labels, "annotations": annotations}})
    }

    fn key(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.into(),
            version: "v1".into(),
            kind: kind.into(),
            namespace: namespace.map(Into::into),
            name: name.into(),
        }
    }

    #[test]
    fn an_object_without_helm_metadata_lists_all_three_missing_keys() {
        let existing = json!({"metadata": {"name": "bare", "namespace": "e2a"}});
        let problem = ownership_problem(&existing, &release("r2", "e2a")).unwrap();
        let err = ApplyError::Ownership {
            key: Box::new(key("", "ConfigMap", Some("e2a"), "bare")),
            problem,
        };
        assert_eq!(
            format!("{INSTALL_CONFLICT_PREFIX}{err}"),
            "unable to continue with install: ConfigMap \"bare\" in namespace \"e2a\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"r2\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"e2a\""
        );
        assert_eq!(err.reason(), "OwnershipConflict");
    }

    #[test]
    fn an_object_of_another_release_names_the_wrong_release() {
        let existing = config_map(
            "other",
            json!({"app.kubernetes.io/managed-by": "Helm"}),
            json!({"meta.helm.sh/release-name": "other", "meta.helm.sh/release-namespace": "e2a"}),
        );
        assert_eq!(
            ownership_problem(&existing, &release("r2", "e2a")).unwrap(),
            "invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"r2\": current value is \"other\""
        );
    }

    #[test]
    fn a_wrong_value_and_a_missing_key_are_both_listed_in_helms_order() {
        let existing = config_map(
            "lower",
            json!({"app.kubernetes.io/managed-by": "helm"}),
            json!({"meta.helm.sh/release-name": "r2"}),
        );
        assert_eq!(
            ownership_problem(&existing, &release("r2", "e2a")).unwrap(),
            "invalid ownership metadata; label validation error: key \"app.kubernetes.io/managed-by\" must equal \"Helm\": current value is \"helm\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"e2a\""
        );
    }

    #[test]
    fn an_object_naming_this_release_may_be_adopted() {
        let existing = config_map(
            "mine",
            json!({"app.kubernetes.io/managed-by": "Helm", "keep": "me"}),
            json!({"meta.helm.sh/release-name": "r2", "meta.helm.sh/release-namespace": "e2a"}),
        );
        assert_eq!(ownership_problem(&existing, &release("r2", "e2a")), None);
        // the same object is another namespace's release's
        assert!(ownership_problem(&existing, &release("r2", "other")).is_some());
    }

    #[test]
    fn a_cluster_scoped_object_shows_an_empty_namespace() {
        let problem = ownership_problem(&json!({"metadata": {}}), &release("r2", "e2a")).unwrap();
        let err = ApplyError::Ownership {
            key: Box::new(ObjectKey {
                group: "rbac.authorization.k8s.io".into(),
                version: "v1".into(),
                kind: "ClusterRole".into(),
                namespace: None,
                name: "e2a-bare".into(),
            }),
            problem,
        };
        assert!(
            err.to_string().starts_with("ClusterRole \"e2a-bare\" in namespace \"\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key"),
            "{err}"
        );
    }

    #[test]
    fn helm_metadata_is_merged_over_the_charts_own() {
        let mut obj = config_map(
            "labelled",
            json!({"x": "yy", "app.kubernetes.io/managed-by": "Other"}),
            json!({"meta.helm.sh/release-name": "wrong", "z": "w"}),
        );
        stamp_ownership(&mut obj, &release("r1", "ns1"));
        assert_eq!(
            obj["metadata"]["labels"],
            json!({"app.kubernetes.io/managed-by": "Helm", "x": "yy"})
        );
        assert_eq!(
            obj["metadata"]["annotations"],
            json!({"meta.helm.sh/release-name": "r1", "meta.helm.sh/release-namespace": "ns1", "z": "w"})
        );
        let mut plain =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "plain"}});
        stamp_ownership(&mut plain, &release("r1", "ns1"));
        assert_eq!(
            plain["metadata"],
            json!({"name": "plain",
                   "labels": {"app.kubernetes.io/managed-by": "Helm"},
                   "annotations": {"meta.helm.sh/release-name": "r1", "meta.helm.sh/release-namespace": "ns1"}})
        );
    }

    #[test]
    fn namespaced_objects_default_to_the_release_namespace_and_cluster_scoped_ones_have_none() {
        let plain = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "plain"}});
        assert_eq!(
            object_key(&plain, true, "ns1").unwrap(),
            key("", "ConfigMap", Some("ns1"), "plain")
        );
        let elsewhere = json!({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": "elsewhere", "namespace": "default"}});
        assert_eq!(
            object_key(&elsewhere, true, "ns1")
                .unwrap()
                .namespace
                .as_deref(),
            Some("default")
        );
        let mut role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                              "metadata": {"name": "e4a-cr", "namespace": "zz"}});
        let k = object_key(&role, false, "e4a").unwrap();
        assert_eq!(k.namespace, None);
        assert_eq!(k.group, "rbac.authorization.k8s.io");
        set_namespace(&mut role, None);
        assert_eq!(role["metadata"], json!({"name": "e4a-cr"}));
        let mut plain = plain;
        set_namespace(&mut plain, Some("ns1"));
        assert_eq!(plain["metadata"]["namespace"], "ns1");
    }

    #[test]
    fn an_unserved_kind_is_worded_as_helm_words_it() {
        let err = ApplyError::NoMapping {
            name: "x".into(),
            namespace: "zz".into(),
            kind: "Foo".into(),
            api_version: "example.com/v1".into(),
        };
        assert_eq!(
            format!("{BUILD_ERROR_PREFIX}{err}"),
            "unable to build kubernetes objects from release manifest: resource mapping not found for name: \"x\" namespace: \"zz\" from \"\": no matches for kind \"Foo\" in version \"example.com/v1\"\nensure CRDs are installed first"
        );
        assert_eq!(err.reason(), "ResourceMappingNotFound");
        let core = ApplyError::NoMapping {
            name: "x".into(),
            namespace: String::new(),
            kind: "Foo".into(),
            api_version: "v1".into(),
        };
        assert_eq!(
            core.to_string(),
            "resource mapping not found for name: \"x\" namespace: \"\" from \"\": no matches for kind \"Foo\" in version \"v1\"\nensure CRDs are installed first"
        );
    }

    #[test]
    fn several_errors_are_one_bracketed_list_without_repeats() {
        let no = |name: &str, kind: &str| ApplyError::NoMapping {
            name: name.into(),
            namespace: String::new(),
            kind: kind.into(),
            api_version: "example.com/v1".into(),
        };
        let err =
            ApplyError::aggregate(vec![no("yy", "Bar"), no("x", "Foo"), no("x", "Foo")]).unwrap();
        assert_eq!(
            format!("{BUILD_ERROR_PREFIX}{err}"),
            "unable to build kubernetes objects from release manifest: [resource mapping not found for name: \"yy\" namespace: \"\" from \"\": no matches for kind \"Bar\" in version \"example.com/v1\"\nensure CRDs are installed first, resource mapping not found for name: \"x\" namespace: \"\" from \"\": no matches for kind \"Foo\" in version \"example.com/v1\"\nensure CRDs are installed first]"
        );
        let one = ApplyError::aggregate(vec![no("x", "Foo"), no("x", "Foo")]).unwrap();
        assert!(one.to_string().starts_with("resource mapping"), "{one}");
        assert_eq!(ApplyError::aggregate(Vec::new()), None);
    }

    #[test]
    fn documents_are_read_with_yaml_1_1_rules_and_integral_numbers_as_integers() {
        let objects = parse_manifest("apiVersion: exp5.example.com/v1\nkind: Blob\nmetadata:\n  name: b\nspec:\n  a: 3.0\n  b: 0644\n  c: on\n  d: 1e3\n  e: 0.5\n  f: 12345678901234567890\n  g: y\n  h: -0.0\n  i: 0x1F\n  j: 1e21\n  k: 2.5e20\n").unwrap();
        let spec = &objects[0]["spec"];
        // what Helm sent, read back raw from the emulator
        for (field, want) in [("a", 3), ("b", 420), ("d", 1000), ("h", 0), ("i", 31)] {
            assert!(spec[field].is_i64(), "{field}: {}", spec[field]);
            assert_eq!(spec[field], want, "{field}");
        }
        assert_eq!(spec["c"], true);
        assert_eq!(spec["g"], true);
        assert_eq!(spec["e"], 0.5);
        // beyond int64: floats, as Helm sends them
        for (field, want) in [("f", 12345678901234567000.0), ("j", 1e21), ("k", 2.5e20)] {
            assert!(spec[field].is_f64(), "{field}");
            assert_eq!(spec[field].as_f64(), Some(want), "{field}");
        }
        assert_eq!(serde_json::to_string(&spec["a"]).unwrap(), "3");
    }

    #[test]
    fn a_yaml_1_1_boolean_where_a_string_belongs_is_helms_decode_error() {
        let err = parse_manifest("apiVersion: example.com/v1\nkind: Bar\nmetadata:\n  name: y\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to decode \"\": json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.name of type string"
        );
        assert_eq!(err.reason(), "ManifestInvalid");
        let err = parse_manifest(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: labelled\n  labels:\n    x: y\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to decode \"\": json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string"
        );
    }

    #[test]
    fn type_metadata_errors_are_helms() {
        let cases = [
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d1\n  labels:\n    x: 1\n",
                "unable to decode \"\": json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 5\n",
                "unable to decode \"\": json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d6\n  namespace: 7\n",
                "unable to decode \"\": json: cannot unmarshal number into Go struct field ObjectMeta.metadata.namespace of type string",
            ),
            (
                "apiVersion: 1\nkind: ConfigMap\nmetadata:\n  name: d9\n",
                "unable to decode \"\": json: cannot unmarshal number into Go struct field metadataOnlyObject.TypeMeta.apiVersion of type string",
            ),
            (
                "apiVersion: v1\nmetadata:\n  name: x\n",
                "unable to decode \"\": Object 'Kind' is missing in '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}'",
            ),
        ];
        for (doc, want) in cases {
            assert_eq!(parse_manifest(doc).unwrap_err().to_string(), want, "{doc}");
        }
    }

    #[test]
    fn null_annotation_values_become_empty_strings() {
        let objects = parse_manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d7\n  annotations:\n    a: null\n    b: \"x\"\n").unwrap();
        assert_eq!(
            objects[0]["metadata"]["annotations"],
            json!({"a": "", "b": "x"})
        );
        let objects = parse_manifest(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d8\n  labels: null\n",
        )
        .unwrap();
        assert_eq!(objects.len(), 1);
    }

    #[test]
    fn lists_stand_for_their_items_and_typed_list_items_take_the_lists_kind() {
        let objects = parse_manifest("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: item1\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: item2\n---\napiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata:\n    name: item3\n").unwrap();
        let names: Vec<&str> = objects
            .iter()
            .map(|o| str_at(o, &["metadata", "name"]))
            .collect();
        assert_eq!(names, ["item1", "item2", "item3"]);
        assert_eq!(objects[2]["kind"], "ConfigMap");
        assert_eq!(objects[2]["apiVersion"], "v1");
    }

    #[test]
    fn empty_and_null_documents_are_skipped_and_separators_may_carry_comments() {
        let objects = parse_manifest("---\n# Source: c/templates/a.yaml\n\n--- # comment\nnull\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n").unwrap();
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0]["metadata"]["name"], "a");
        assert!(parse_manifest("").unwrap().is_empty());
        let err = parse_manifest("a: 1\n--- x\nb: 2\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "error reading yaml document: invalid Yaml document separator: x"
        );
    }

    #[test]
    fn keys_print_as_helm_names_resources_and_match_across_versions() {
        let a = key("", "ConfigMap", Some("e2a"), "bare");
        assert_eq!(a.to_string(), "ConfigMap \"bare\" in namespace \"e2a\"");
        assert_eq!(a.api_version(), "v1");
        let mut b = a.clone();
        b.version = "v2".into();
        assert!(a.same_object(&b));
        b.namespace = None;
        assert!(!a.same_object(&b));
        let apps = ObjectKey {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            namespace: Some("ns".into()),
            name: "web".into(),
        };
        assert_eq!(apps.api_version(), "apps/v1");
    }

    #[test]
    fn urls_address_the_namespace_only_for_namespaced_kinds() {
        let rt = |group: &str, plural: &str, namespaced: bool| ResourceType {
            group: group.into(),
            version: "v1".into(),
            kind: String::new(),
            plural: plural.into(),
            namespaced,
        };
        assert_eq!(
            rt("", "configmaps", true).collection_url(Some("ns")),
            "/api/v1/namespaces/ns/configmaps"
        );
        assert_eq!(
            rt("rbac.authorization.k8s.io", "clusterroles", false).collection_url(Some("ns")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"
        );
        assert_eq!(
            rt("apps", "deployments", true).collection_url(None),
            "/apis/apps/v1/deployments"
        );
    }

    #[test]
    fn an_api_version_with_two_slashes_is_refused() {
        let obj = json!({"apiVersion": "a/b/c", "kind": "X", "metadata": {"name": "x"}});
        assert_eq!(
            object_key(&obj, true, "ns").unwrap_err().to_string(),
            "unexpected GroupVersion string: a/b/c"
        );
    }
}
