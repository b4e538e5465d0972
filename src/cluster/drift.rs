//! Drift detection for a release (`spec.driftDetection`): whether the objects of its deployed
//! revision are still on the cluster as that revision applied them, which fields differ, and
//! putting the drifted objects back.
//!
//! # How drift is decided
//!
//! As Flux's helm-controller decides it: every object of the deployed revision's manifest is
//! prepared as the apply prepared it (namespace defaulted, Helm's ownership metadata stamped),
//! read from the cluster, and applied again with server-side apply in `dryRun=All` mode, forced,
//! under the operator's field manager. The dry run's answer is what the object would become if
//! the release were applied now; where it differs from the object as it is, someone changed a
//! field the release sets. Letting the API server compute the desired state (rather than
//! comparing the manifest with the live object) means defaulting, normalisation (`1000m` vs
//! `1`), admission and field ownership count exactly as they do for a real apply, so none of
//! them show up as drift:
//! - a field someone else added that the release does not set (a label, `spec.minReadySeconds`)
//!   is kept by the apply, so it is no drift;
//! - a field the release sets and someone changed (`kubectl scale`, `edit`, `patch`) or removed
//!   is set back by the apply, so it is drift;
//! - `metadata` is compared only in its labels and annotations, and only where the dry run has
//!   a key the object lacks or holds another value (controllers add their own; the server sets
//!   `uid`, `resourceVersion`, `generation`, `managedFields`, `creationTimestamp` on writes);
//! - `status` is never compared (it is the server's and the controllers').
//!
//! An object that does not exist is drift (`Missing`); one whose kind the server no longer
//! serves (its CRD deleted) is skipped with a note. Objects annotated
//! `helm.sh/resource-policy: keep` are compared like any other.
//!
//! # Cost
//!
//! Per object: one GET and one dry-run PATCH (a missing object: the GET only), four objects at a
//! time. Discovery is the [`Applier`]'s cache; a missing object makes its group version be asked
//! again once per detection, to tell a deleted object from a kind no longer served. When the
//! object changed between the two calls (the resourceVersions differ) the pair is repeated once.
//!
//! # Secrets
//!
//! The report holds paths only (`.data.password`), never values, so it may go into a condition
//! message, an event or a log. The server's `Invalid` errors about a Secret are cut to their
//! last clause, as Flux cuts them, because validation messages may quote a value.
//!
//! # Ignore rules
//!
//! [`IgnoreRule`] takes JSON pointers (RFC 6901, `/spec/replicas`) removed from both sides
//! before comparison, optionally only for some objects; the empty pointer ignores the whole
//! object. Correction keeps the cluster's value at an ignored path (see [`correct`]).

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use futures::StreamExt;
use serde_json::Value;

use crate::cluster::apply::{Applier, ApplyError, ObjectKey, ReleaseRef, Resource, parse_manifest};

/// How many changed fields are listed for one object; the rest are counted.
pub const MAX_FIELDS_PER_OBJECT: usize = 20;

/// Objects compared at a time (each costs up to two calls).
const CONCURRENCY: usize = 4;

// ---------------------------------------------------------------------------------------------
// The report

/// What a detection found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriftReport {
    /// The objects that drifted, in manifest order.
    pub objects: Vec<ObjectDrift>,
    /// Objects not compared because their kind is no longer served.
    pub skipped: Vec<SkippedObject>,
    /// Objects that could not be compared (an API call failed).
    pub failed: Vec<FailedObject>,
    /// How many objects were compared (found clean or drifted).
    pub compared: usize,
}

/// One drifted object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDrift {
    /// Which object.
    pub key: ObjectKey,
    /// What changed.
    pub change: DriftChange,
}

/// How an object drifted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftChange {
    /// It does not exist (deleted by someone).
    Missing,
    /// Fields the release sets differ on the cluster.
    Modified {
        /// The first [`MAX_FIELDS_PER_OBJECT`] changed fields as paths (`.spec.replicas`,
        /// `.spec.template.spec.containers[0].image`, `.metadata.labels["app.kubernetes.io/name"]`),
        /// in a stable order: labels, annotations, then the other fields sorted.
        fields: Vec<String>,
        /// How many more changed fields there are.
        omitted: usize,
    },
}

/// An object of the manifest whose kind the server does not serve any more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedObject {
    /// `apiVersion` as the manifest wrote it.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace: the object's when its scope was known (served at an earlier detection),
    /// else as the manifest wrote it (empty when it wrote none).
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// An object that could not be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedObject {
    /// Which object.
    pub key: ObjectKey,
    /// Why (a Secret's `Invalid` message cut to its last clause).
    pub error: ApplyError,
}

/// `Kind/namespace/name`, or `Kind/name` when cluster-scoped.
fn subject(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

impl ObjectDrift {
    /// `Kind/namespace/name` (`Kind/name` when cluster-scoped).
    pub fn subject(&self) -> String {
        subject(
            &self.key.kind,
            self.key.namespace.as_deref(),
            &self.key.name,
        )
    }
}

impl fmt::Display for ObjectDrift {
    /// `Deployment/default/web: .spec.replicas, .spec.paused` or
    /// `ConfigMap/default/web-config deleted`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            DriftChange::Missing => write!(f, "{} deleted", self.subject()),
            DriftChange::Modified { fields, omitted } => {
                write!(f, "{}: {}", self.subject(), fields.join(", "))?;
                if *omitted > 0 {
                    write!(f, " and {omitted} more")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for SkippedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} not compared: kind {} is no longer served in {}",
            subject(&self.kind, Some(&self.namespace), &self.name),
            self.kind,
            self.api_version
        )
    }
}

impl fmt::Display for FailedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            subject(
                &self.key.kind,
                self.key.namespace.as_deref(),
                &self.key.name
            ),
            self.error
        )
    }
}

impl DriftReport {
    /// Whether any object drifted.
    pub fn has_drift(&self) -> bool {
        !self.objects.is_empty()
    }

    /// Whether every object was compared and none drifted.
    pub fn is_clean(&self) -> bool {
        self.objects.is_empty() && self.failed.is_empty()
    }

    /// The drift in one line of at most `max_chars` characters, for a condition message:
    /// `Deployment/default/web: .spec.replicas; ConfigMap/default/web-config deleted`. Objects
    /// that do not fit are counted (`; and 3 more`); empty when nothing drifted.
    pub fn summary(&self, max_chars: usize) -> String {
        let items: Vec<String> = self.objects.iter().map(ToString::to_string).collect();
        summarize(&items, max_chars)
    }
}

/// Joins `items` with `; ` within `max_chars` characters. Each item is added only if the text
/// still has room for the count of the items after it, so the count always fits; an item too
/// long even alone is cut.
fn summarize(items: &[String], max_chars: usize) -> String {
    let tail = |rest: usize, first: bool| {
        if first {
            format!("{rest} objects drifted")
        } else {
            format!("; and {rest} more")
        }
    };
    let len = |s: &str| s.chars().count();
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let first = i == 0;
        let sep = if first { "" } else { "; " };
        let after = items.len() - i - 1;
        let reserve = if after == 0 {
            0
        } else {
            len(&tail(after, false))
        };
        if len(&out) + len(sep) + len(item) + reserve <= max_chars {
            out.push_str(sep);
            out.push_str(item);
            continue;
        }
        let rest = items.len() - i;
        if first {
            // nothing fits whole: as much of the first item as leaves room for the count
            let count = if rest > 1 {
                tail(rest - 1, false)
            } else {
                String::new()
            };
            let room = max_chars.saturating_sub(len(&count) + 1);
            if room > 0 {
                out.extend(item.chars().take(room));
                out.push('…');
                out.push_str(&count);
            } else {
                out = tail(rest, true);
            }
        } else {
            out.push_str(&tail(rest, false));
        }
        break;
    }
    if len(&out) > max_chars {
        out = out.chars().take(max_chars).collect();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Ignore rules

/// Paths to leave out of the comparison, for every object or for the objects a target selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreRule {
    /// JSON pointers (RFC 6901: `/spec/replicas`, `/metadata/annotations/a~1b` for the key
    /// `a/b`); the empty pointer ignores the whole object.
    pub paths: Vec<String>,
    /// Which objects; every object when `None`.
    pub target: Option<IgnoreTarget>,
}

/// Which objects an [`IgnoreRule`] is for: each given field must equal the object's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreTarget {
    /// API group (empty for the core group).
    pub group: Option<String>,
    /// API version.
    pub version: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Namespace.
    pub namespace: Option<String>,
}

impl IgnoreTarget {
    fn matches(&self, key: &ObjectKey) -> bool {
        let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        same(&self.group, &key.group)
            && same(&self.version, &key.version)
            && same(&self.kind, &key.kind)
            && same(&self.name, &key.name)
            && same(&self.namespace, key.namespace.as_deref().unwrap_or(""))
    }
}

/// The pointers the rules ignore for one object.
fn ignored_paths<'a>(rules: &'a [IgnoreRule], key: &ObjectKey) -> Vec<&'a str> {
    rules
        .iter()
        .filter(|r| r.target.as_ref().is_none_or(|t| t.matches(key)))
        .flat_map(|r| r.paths.iter().map(String::as_str))
        .collect()
}

/// A JSON pointer's reference tokens, unescaped; `None` for the whole document or a pointer
/// that does not start with `/`.
fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn child_mut<'a>(value: &'a mut Value, token: &str) -> Option<&'a mut Value> {
    match value {
        Value::Object(map) => map.get_mut(token),
        Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    }
}

fn child<'a>(value: &'a Value, token: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(token),
        Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

/// The value at a pointer.
fn value_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    let tokens = pointer_tokens(pointer)?;
    tokens.iter().try_fold(value, |v, t| child(v, t))
}

/// Removes what a pointer names; nothing when it names nothing.
fn remove_at(value: &mut Value, pointer: &str) -> Option<Value> {
    let mut tokens = pointer_tokens(pointer)?;
    let last = tokens.pop()?;
    let parent = tokens.iter().try_fold(value, |v, t| child_mut(v, t))?;
    match parent {
        Value::Object(map) => map.remove(&last),
        Value::Array(items) => {
            let i = last.parse::<usize>().ok().filter(|i| *i < items.len())?;
            Some(items.remove(i))
        }
        _ => None,
    }
}

/// Makes an object about to be re-applied hold the cluster's value at each ignored path it
/// sets (or not set it when the cluster has none), so correcting other fields does not undo
/// what the rules leave to others. Paths it does not set stay unset: setting them would take
/// them over.
fn keep_live_values(desired: &mut Value, live: &Value, ignored: &[&str]) {
    for pointer in ignored {
        let Some(tokens) = pointer_tokens(pointer) else {
            continue;
        };
        let Some(slot) = tokens
            .iter()
            .try_fold(&mut *desired, |v, t| child_mut(v, t))
        else {
            continue;
        };
        match value_at(live, pointer) {
            Some(v) => *slot = v.clone(),
            None => {
                remove_at(desired, pointer);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The comparison (pure)

/// Changed paths, at most `limit` listed.
struct Changes {
    fields: Vec<String>,
    omitted: usize,
    limit: usize,
}

impl Changes {
    fn push(&mut self, path: &str) {
        if self.fields.len() < self.limit {
            self.fields.push(path.to_owned());
        } else {
            self.omitted += 1;
        }
    }
}

/// `path` with a map key appended: `.key`, or `["key"]` when the key holds anything but
/// letters, digits, `_` and `-`.
fn with_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{path}.{key}")
    } else {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        format!("{path}[{quoted}]")
    }
}

/// Every path under which `live` and `desired` differ: a field on one side only, a value that
/// differs, list items compared by position.
fn walk(live: Option<&Value>, desired: Option<&Value>, path: &str, out: &mut Changes) {
    match (live, desired) {
        (Some(Value::Object(l)), Some(Value::Object(d))) => {
            let keys: BTreeSet<&String> = l.keys().chain(d.keys()).collect();
            for k in keys {
                walk(l.get(k), d.get(k), &with_key(path, k), out);
            }
        }
        (Some(Value::Array(l)), Some(Value::Array(d))) => {
            for i in 0..l.len().max(d.len()) {
                walk(l.get(i), d.get(i), &format!("{path}[{i}]"), out);
            }
        }
        (l, d) if l == d => {}
        _ => out.push(path),
    }
}

/// The fields in which the object on the cluster (`live`) differs from what applying the
/// release would make of it (`desired`, the dry run's answer), `ignored` pointers left out;
/// at most `limit` paths, and how many more there are.
///
/// Labels and annotations count only where `desired` has a key that `live` lacks or holds
/// another value; the rest of `metadata` and `status` never count.
pub fn changed_fields(
    live: &Value,
    desired: &Value,
    ignored: &[&str],
    limit: usize,
) -> (Vec<String>, usize) {
    let mut live = live.clone();
    let mut desired = desired.clone();
    for pointer in ignored {
        remove_at(&mut live, pointer);
        remove_at(&mut desired, pointer);
    }
    let mut out = Changes {
        fields: Vec::new(),
        omitted: 0,
        limit,
    };
    for field in ["labels", "annotations"] {
        let Some(wanted) = desired["metadata"][field].as_object() else {
            continue;
        };
        let have = live["metadata"][field].as_object();
        for (k, v) in wanted {
            if have.and_then(|h| h.get(k)) != Some(v) {
                out.push(&with_key(&format!(".metadata.{field}"), k));
            }
        }
    }
    let strip = |v: &mut Value| {
        if let Some(map) = v.as_object_mut() {
            map.remove("metadata");
            map.remove("status");
        }
    };
    strip(&mut live);
    strip(&mut desired);
    walk(Some(&live), Some(&desired), "", &mut out);
    (out.fields, out.omitted)
}

// ---------------------------------------------------------------------------------------------
// The cluster

/// What comparing one object found.
enum Outcome {
    Clean,
    Missing,
    Modified(Vec<String>, usize),
    /// An ignore rule covers the whole object.
    Excluded,
}

fn resource_version(obj: &Value) -> &str {
    obj["metadata"]["resourceVersion"].as_str().unwrap_or("")
}

/// A Secret's `Invalid` message cut to its last clause: validation messages may quote values.
fn masked(key: &ObjectKey, error: ApplyError) -> ApplyError {
    match error {
        ApplyError::Api {
            context,
            code: 422,
            message,
        } if key.group.is_empty() && key.kind == "Secret" => {
            let reason = message
                .rsplit_once(':')
                .map_or(message.as_str(), |(_, r)| r)
                .trim()
                .to_owned();
            ApplyError::Api {
                context,
                code: 422,
                message: reason,
            }
        }
        other => other,
    }
}

/// Reads one object and dry-runs its apply; the pair again once if the object changed between
/// the two calls.
async fn compare(
    applier: &Applier,
    resource: &Resource,
    ignored: &[&str],
) -> Result<Outcome, ApplyError> {
    if ignored.iter().any(|p| p.is_empty()) {
        return Ok(Outcome::Excluded);
    }
    let mut retried = false;
    loop {
        let Some(live) = applier.get(&resource.key).await? else {
            return Ok(Outcome::Missing);
        };
        let desired = applier.dry_run_resource(resource).await?;
        let rv = resource_version(&desired);
        if rv.is_empty() {
            // the dry run would create it: deleted since the read
            return Ok(Outcome::Missing);
        }
        if rv != resource_version(&live) && !retried {
            retried = true;
            continue;
        }
        let (fields, omitted) = changed_fields(&live, &desired, ignored, MAX_FIELDS_PER_OBJECT);
        return Ok(if fields.is_empty() && omitted == 0 {
            Outcome::Clean
        } else {
            Outcome::Modified(fields, omitted)
        });
    }
}

/// The manifest's objects prepared as the apply prepares them; kinds not served are noted in
/// `skipped`.
async fn prepare_all(
    applier: &Applier,
    release: &ReleaseRef,
    manifest: &str,
    skipped: &mut Vec<SkippedObject>,
) -> Result<Vec<Resource>, ApplyError> {
    let mut resources = Vec::new();
    for obj in parse_manifest(manifest)? {
        match applier.prepare(&obj, release).await {
            Ok(r) => resources.push(r),
            Err(ApplyError::NoMapping {
                name,
                namespace,
                kind,
                api_version,
            }) => skipped.push(SkippedObject {
                api_version,
                kind,
                namespace,
                name,
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(resources)
}

/// Compares the objects of a release's deployed revision (`manifest`, the release record's)
/// with the cluster. See the module documentation for what counts as drift.
///
/// # Errors
/// A manifest that does not read (it was applied once, so only a corrupt record does that);
/// a failed discovery call. A failed read or dry run of one object is reported in
/// [`DriftReport::failed`] and the others are still compared.
pub async fn detect(
    applier: &Applier,
    release: &ReleaseRef,
    manifest: &str,
    ignore: &[IgnoreRule],
) -> Result<DriftReport, ApplyError> {
    let mut report = DriftReport::default();
    let resources = prepare_all(applier, release, manifest, &mut report.skipped).await?;
    let outcomes: Vec<(ObjectKey, Result<Outcome, ApplyError>)> = futures::stream::iter(resources)
        .map(|resource| async move {
            let ignored = ignored_paths(ignore, &resource.key);
            let outcome = compare(applier, &resource, &ignored).await;
            (resource.key, outcome)
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;

    // A 404 may mean the kind went (its CRD deleted) rather than the object: ask discovery
    // again, once per group version that had a missing object.
    let mut rechecked = HashSet::new();
    for (key, outcome) in &outcomes {
        if matches!(outcome, Ok(Outcome::Missing)) && rechecked.insert(key.api_version()) {
            applier.forget_api_version(&key.api_version());
        }
    }
    for (key, outcome) in outcomes {
        match outcome {
            Ok(Outcome::Excluded) => {}
            Ok(Outcome::Clean) => report.compared += 1,
            Ok(Outcome::Modified(fields, omitted)) => {
                report.compared += 1;
                report.objects.push(ObjectDrift {
                    key,
                    change: DriftChange::Modified { fields, omitted },
                });
            }
            Ok(Outcome::Missing) => {
                if applier
                    .resource_type(&key.api_version(), &key.kind)
                    .await?
                    .is_none()
                {
                    report.skipped.push(SkippedObject {
                        api_version: key.api_version(),
                        kind: key.kind,
                        namespace: key.namespace.unwrap_or_default(),
                        name: key.name,
                    });
                    continue;
                }
                report.compared += 1;
                report.objects.push(ObjectDrift {
                    key,
                    change: DriftChange::Missing,
                });
            }
            Err(error) => {
                let error = masked(&key, error);
                report.failed.push(FailedObject { key, error });
            }
        }
    }
    Ok(report)
}

/// Puts the drifted objects of `report` back: each is applied again as the release applies it
/// (server-side apply, forced, under the operator's field manager), a missing one re-created.
/// Objects that did not drift are not touched. At a path an `ignore` rule covers, the object
/// keeps the cluster's value (one more GET for such an object). Objects go in manifest order,
/// which is Helm's install order.
///
/// Returns how many objects were applied.
///
/// # Errors
/// A manifest that does not read; a failed discovery call; otherwise every object that could
/// not be applied, aggregated (the others were applied).
pub async fn correct(
    applier: &Applier,
    release: &ReleaseRef,
    manifest: &str,
    report: &DriftReport,
    ignore: &[IgnoreRule],
) -> Result<usize, ApplyError> {
    if report.objects.is_empty() {
        return Ok(0);
    }
    let mut skipped = Vec::new();
    let resources = prepare_all(applier, release, manifest, &mut skipped).await?;
    let mut applied = 0;
    let mut errors = Vec::new();
    for mut resource in resources {
        let Some(drift) = report
            .objects
            .iter()
            .find(|d| d.key.same_object(&resource.key))
        else {
            continue;
        };
        let ignored = ignored_paths(ignore, &resource.key);
        if matches!(drift.change, DriftChange::Modified { .. }) && !ignored.is_empty() {
            match applier.get(&resource.key).await {
                Ok(Some(live)) => keep_live_values(&mut resource.object, &live, &ignored),
                Ok(None) => {}
                Err(e) => {
                    errors.push(masked(&resource.key, e));
                    continue;
                }
            }
        }
        match applier.apply_resource(&resource).await {
            Ok(_) => applied += 1,
            Err(e) => errors.push(masked(&resource.key, e)),
        }
    }
    match ApplyError::aggregate(errors) {
        None => Ok(applied),
        Some(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
        ObjectKey {
            group: String::new(),
            version: "v1".into(),
            kind: kind.into(),
            namespace: namespace.map(Into::into),
            name: name.into(),
        }
    }

    fn fields(live: &Value, desired: &Value, ignored: &[&str]) -> Vec<String> {
        changed_fields(live, desired, ignored, MAX_FIELDS_PER_OBJECT).0
    }

    #[test]
    fn server_owned_metadata_and_status_are_not_compared() {
        let live = json!({"metadata": {"uid": "a", "resourceVersion": "7", "generation": 3,
                                       "creationTimestamp": "t1", "managedFields": [1]},
                          "spec": {"replicas": 2}, "status": {"ready": 1}});
        let desired = json!({"metadata": {"uid": "a", "resourceVersion": "7", "generation": 4,
                                          "managedFields": [2]},
                             "spec": {"replicas": 2}, "status": {"ready": 2}});
        assert!(fields(&live, &desired, &[]).is_empty());
    }

    #[test]
    fn paths_name_nested_fields_list_items_and_odd_keys() {
        let live = json!({"spec": {"replicas": 5, "template": {"spec": {"containers": [
                            {"name": "web", "image": "nginx:evil"}]}}},
                          "data": {"config.yaml": "a", "plain_key-1": "x"}});
        let desired = json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [
                               {"name": "web", "image": "nginx:1.27"}, {"name": "side"}]}}},
                             "data": {"config.yaml": "b", "plain_key-1": "y"}});
        assert_eq!(
            fields(&live, &desired, &[]),
            [
                ".data[\"config.yaml\"]",
                ".data.plain_key-1",
                ".spec.replicas",
                ".spec.template.spec.containers[0].image",
                ".spec.template.spec.containers[1]",
            ]
        );
    }

    #[test]
    fn labels_count_only_when_the_release_sets_them_differently() {
        let live = json!({"metadata": {"labels": {"mine": "changed", "theirs": "x"},
                                       "annotations": {"a/b": "1"}}});
        let desired = json!({"metadata": {"labels": {"mine": "orig", "gone": "v"},
                                          "annotations": {"a/b": "1"}}});
        assert_eq!(
            fields(&live, &desired, &[]),
            [".metadata.labels.gone", ".metadata.labels.mine"]
        );
        // a label only the cluster has is someone else's
        assert!(fields(&live, &live, &[]).is_empty());
    }

    #[test]
    fn a_field_on_one_side_only_is_drift_either_way() {
        let live = json!({"spec": {"a": 1, "extra": {"x": 1}}});
        let desired = json!({"spec": {"a": 1, "wanted": [1]}});
        assert_eq!(
            fields(&live, &desired, &[]),
            [".spec.extra", ".spec.wanted"]
        );
    }

    #[test]
    fn values_never_appear_in_paths() {
        let live = json!({"kind": "Secret", "data": {"password": "aHVudGVyMw=="}});
        let desired = json!({"kind": "Secret", "data": {"password": "aHVudGVyMg=="}});
        let found = fields(&live, &desired, &[]);
        assert_eq!(found, [".data.password"]);
        let report = DriftReport {
            objects: vec![ObjectDrift {
                key: key("Secret", Some("ns"), "s"),
                change: DriftChange::Modified {
                    fields: found,
                    omitted: 0,
                },
            }],
            ..DriftReport::default()
        };
        let text = format!("{report:?} {}", report.summary(1000));
        assert!(!text.contains("aHVudGVy"), "{text}");
        assert_eq!(report.summary(1000), "Secret/ns/s: .data.password");
    }

    #[test]
    fn ignored_pointers_are_left_out_and_the_empty_one_is_the_whole_object() {
        let live = json!({"metadata": {"annotations": {"a/b": "x"}},
                          "spec": {"replicas": 5, "items": [1, 2]}});
        let desired = json!({"metadata": {"annotations": {"a/b": "y"}},
                             "spec": {"replicas": 2, "items": [1, 3]}});
        assert_eq!(
            fields(
                &live,
                &desired,
                &["/spec/replicas", "/metadata/annotations/a~1b"]
            ),
            [".spec.items[1]"]
        );
        assert!(
            fields(
                &live,
                &desired,
                &[
                    "/spec/replicas",
                    "/metadata/annotations/a~1b",
                    "/spec/items/1"
                ]
            )
            .is_empty()
        );
        assert!(fields(&live, &desired, &["/no/such", "not-a-pointer"]).len() == 3);
        let rules = [
            IgnoreRule {
                paths: vec!["/spec/replicas".into()],
                target: Some(IgnoreTarget {
                    kind: Some("Deployment".into()),
                    ..IgnoreTarget::default()
                }),
            },
            IgnoreRule {
                paths: vec!["/data/x".into()],
                target: None,
            },
        ];
        let mut deployment = key("Deployment", Some("ns"), "web");
        deployment.group = "apps".into();
        assert_eq!(
            ignored_paths(&rules, &deployment),
            ["/spec/replicas", "/data/x"]
        );
        assert_eq!(
            ignored_paths(&rules, &key("ConfigMap", Some("ns"), "c")),
            ["/data/x"]
        );
    }

    #[test]
    fn the_field_list_is_bounded() {
        let live = json!({"data": (0..30).map(|i| (format!("k{i:02}"), json!("a"))).collect::<serde_json::Map<_, _>>()});
        let desired = json!({"data": (0..30).map(|i| (format!("k{i:02}"), json!("b"))).collect::<serde_json::Map<_, _>>()});
        let (listed, omitted) = changed_fields(&live, &desired, &[], MAX_FIELDS_PER_OBJECT);
        assert_eq!(listed.len(), MAX_FIELDS_PER_OBJECT);
        assert_eq!(omitted, 30 - MAX_FIELDS_PER_OBJECT);
        let drift = ObjectDrift {
            key: key("ConfigMap", Some("ns"), "c"),
            change: DriftChange::Modified {
                fields: vec![".data.k00".into()],
                omitted: 9,
            },
        };
        assert_eq!(drift.to_string(), "ConfigMap/ns/c: .data.k00 and 9 more");
    }

    #[test]
    fn summaries_fit_and_count_what_they_leave_out() {
        let report = DriftReport {
            objects: vec![
                ObjectDrift {
                    key: key("Deployment", Some("default"), "web"),
                    change: DriftChange::Modified {
                        fields: vec![".spec.replicas".into()],
                        omitted: 0,
                    },
                },
                ObjectDrift {
                    key: key("ConfigMap", Some("default"), "web-config"),
                    change: DriftChange::Missing,
                },
                ObjectDrift {
                    key: key("ClusterRole", None, "reader"),
                    change: DriftChange::Missing,
                },
            ],
            ..DriftReport::default()
        };
        let full = "Deployment/default/web: .spec.replicas; ConfigMap/default/web-config deleted; ClusterRole/reader deleted";
        assert_eq!(report.summary(1000), full);
        assert_eq!(report.summary(full.len()), full);
        assert_eq!(
            report.summary(full.len() - 1),
            "Deployment/default/web: .spec.replicas; ConfigMap/default/web-config deleted; and 1 more"
        );
        assert_eq!(
            report.summary(60),
            "Deployment/default/web: .spec.replicas; and 2 more"
        );
        let tiny = report.summary(30);
        assert_eq!(tiny, "Deployment/defaul…; and 2 more");
        assert!(tiny.chars().count() <= 30);
        for max in 0..120 {
            assert!(report.summary(max).chars().count() <= max, "{max}");
        }
        assert_eq!(report.summary(5), "3 obj");
        assert_eq!(DriftReport::default().summary(100), "");
    }

    #[test]
    fn ignored_paths_keep_the_clusters_value_when_correcting() {
        let live = json!({"spec": {"replicas": 7, "paused": false}});
        let mut desired = json!({"spec": {"replicas": 2, "strategy": {"type": "Recreate"}},
                                 "metadata": {"annotations": {"x": "1"}}});
        keep_live_values(
            &mut desired,
            &live,
            &[
                "/spec/replicas",
                "/spec/strategy",
                "/spec/paused",
                "/metadata/labels/a",
            ],
        );
        assert_eq!(
            desired,
            json!({"spec": {"replicas": 7}, "metadata": {"annotations": {"x": "1"}}})
        );
    }

    #[test]
    fn secret_validation_messages_are_cut_to_their_reason() {
        let err = ApplyError::Api {
            context: String::new(),
            code: 422,
            message: "Secret \"s\" is invalid: data[x]: Invalid value: \"c2VjcmV0\": must be valid"
                .into(),
        };
        assert_eq!(
            masked(&key("Secret", Some("ns"), "s"), err.clone()).to_string(),
            "must be valid"
        );
        assert_eq!(masked(&key("ConfigMap", Some("ns"), "s"), err.clone()), err);
    }
}
