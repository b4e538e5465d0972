//! From Helm's render map to what a release installs, as Helm v4.2.3 does it: NOTES.txt is
//! pulled out, each rendered file is split into YAML documents (`releaseutil.SplitManifests`),
//! every document's head (`apiVersion`, `kind`, `metadata.name`, `metadata.annotations`) is read
//! the way `sigs.k8s.io/yaml` reads it into Helm's `SimpleHead`, documents carrying a known
//! `helm.sh/hook` become hooks, and hooks and manifests are sorted by kind in install order
//! (`releaseutil.SortManifests`). It also assembles the release manifest text (`# Source:`
//! headers, optional CRDs) and `helm template`'s default output.
//!
//! Pure: the render map and the CRD files arrive as values.

use crate::engine::yaml::parse::number_for_string_field;
use crate::engine::yaml::parse::yaml_to_json;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Kinds in the order Helm installs them (`releaseutil.InstallOrder`); kinds not listed come
/// after all of these, sorted by name.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Kinds in the order Helm deletes them (`releaseutil.UninstallOrder`); unknown kinds last, by
/// name. Validating webhooks go before mutating ones so that neither blocks the removal.
pub const UNINSTALL_ORDER: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Ingress",
    "IngressClass",
    "Service",
    "CronJob",
    "Job",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "DaemonSet",
    "RoleBindingList",
    "RoleBinding",
    "RoleList",
    "Role",
    "ClusterRoleBindingList",
    "ClusterRoleBinding",
    "ClusterRoleList",
    "ClusterRole",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "SecretList",
    "Secret",
    "ServiceAccount",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "LimitRange",
    "ResourceQuota",
    "NetworkPolicy",
    "Namespace",
    "PriorityClass",
];

/// The annotation that makes a document a hook.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
/// The hook's weight (a decimal integer; anything else counts as 0).
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
/// The hook's delete policies (comma-separated).
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
/// The hook's output-log policies (comma-separated; Pods and Jobs only).
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

const NOTES_SUFFIX: &str = "NOTES.txt";

/// `metadata` of a [`Head`]; `None` fields mirror Go's nil pointer and nil map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadMetadata {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.annotations` (`None` when absent or null).
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The head of a manifest as Helm's `SimpleHead` reads it: scalars (numbers, booleans) in these
/// string fields become their text, null leaves a field empty, keys match case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind` (empty when absent: Helm does not reject such documents here).
    pub kind: String,
    /// `metadata` (`None` when absent or null).
    pub metadata: Option<HeadMetadata>,
}

impl Head {
    /// `metadata.name`, empty when there is no metadata.
    pub fn name(&self) -> &str {
        self.metadata.as_ref().map_or("", |m| m.name.as_str())
    }

    /// An annotation's value, if present.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata
            .as_ref()?
            .annotations
            .as_ref()?
            .get(key)
            .map(String::as_str)
    }

    fn has_any_annotation(&self) -> bool {
        self.metadata
            .as_ref()
            .and_then(|m| m.annotations.as_ref())
            .is_some_and(|a| !a.is_empty())
    }
}

/// One resource document of the release (not a hook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The render-map path it came from (`<chart>/templates/<file>`), as `# Source:` shows it.
    pub name: String,
    /// The document text as split (leading whitespace removed; the last document of a file
    /// keeps its trailing whitespace).
    pub content: String,
    /// Its head.
    pub head: Head,
}

/// The events a hook can fire on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HookEvent {
    /// `pre-install`.
    PreInstall,
    /// `post-install`.
    PostInstall,
    /// `pre-delete`.
    PreDelete,
    /// `post-delete`.
    PostDelete,
    /// `pre-upgrade`.
    PreUpgrade,
    /// `post-upgrade`.
    PostUpgrade,
    /// `pre-rollback`.
    PreRollback,
    /// `post-rollback`.
    PostRollback,
    /// `test` (also written `test-success`, Helm 2's name).
    Test,
}

impl HookEvent {
    /// Helm's name of the event.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }

    /// The event an already trimmed and lower-cased `helm.sh/hook` entry names. Helm 2's
    /// `crd-install` and any other name is unknown (Helm then drops the whole document).
    pub fn from_annotation(s: &str) -> Option<HookEvent> {
        Some(match s {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }
}

impl fmt::Display for HookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `helm.sh/hook-delete-policy` entry. Helm keeps entries it does not know (they never match).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HookDeletePolicy {
    /// `before-hook-creation` (the default when a hook names none).
    BeforeHookCreation,
    /// `hook-succeeded`.
    HookSucceeded,
    /// `hook-failed`.
    HookFailed,
    /// Anything else, trimmed and lower-cased as Helm stores it.
    Other(String),
}

impl HookDeletePolicy {
    fn from_entry(s: String) -> HookDeletePolicy {
        match s.as_str() {
            "before-hook-creation" => HookDeletePolicy::BeforeHookCreation,
            "hook-succeeded" => HookDeletePolicy::HookSucceeded,
            "hook-failed" => HookDeletePolicy::HookFailed,
            _ => HookDeletePolicy::Other(s),
        }
    }

    /// The policy's text.
    pub fn as_str(&self) -> &str {
        match self {
            HookDeletePolicy::BeforeHookCreation => "before-hook-creation",
            HookDeletePolicy::HookSucceeded => "hook-succeeded",
            HookDeletePolicy::HookFailed => "hook-failed",
            HookDeletePolicy::Other(s) => s,
        }
    }
}

/// A hook document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// `metadata.name`.
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// The render-map path it came from.
    pub path: String,
    /// The document text.
    pub manifest: String,
    /// Its events, in annotation order (repeats kept, as Helm keeps them).
    pub events: Vec<HookEvent>,
    /// `helm.sh/hook-weight` as Go's `strconv.Atoi` reads it; 0 when absent or invalid.
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries as written (empty: see
    /// [`Hook::effective_delete_policies`]).
    pub delete_policies: Vec<HookDeletePolicy>,
    /// `helm.sh/hook-output-log-policy` entries, trimmed and lower-cased.
    pub output_log_policies: Vec<String>,
}

impl Hook {
    /// The delete policies Helm applies when it runs the hook: `before-hook-creation` when the
    /// hook names none.
    pub fn effective_delete_policies(&self) -> Vec<HookDeletePolicy> {
        if self.delete_policies.is_empty() {
            vec![HookDeletePolicy::BeforeHookCreation]
        } else {
            self.delete_policies.clone()
        }
    }

    /// Whether this is a test hook (`helm template --skip-tests` leaves these out).
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }
}

/// A file from a chart's `crds/` directory (never rendered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crd {
    /// Its path inside its own chart (`crds/foo.yaml`).
    pub name: String,
    /// Its path from the top chart as Helm prints it (`top/charts/sub/crds/foo.yaml`).
    pub filename: String,
    /// Its bytes.
    pub data: Arc<[u8]>,
}

/// What a render installs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Hooks, sorted by kind in install order (the order a release stores them).
    pub hooks: Vec<Hook>,
    /// Resources in install order.
    pub manifests: Vec<Manifest>,
    /// The release notes: the top chart's `templates/NOTES.txt` (with `sub_notes`, every
    /// chart's, joined by newlines).
    pub notes: String,
    /// The charts' CRD files, in the order given.
    pub crds: Vec<Crd>,
}

/// Why the render map cannot become a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestError {
    /// A document of `path` is not YAML Helm can read a head from.
    Yaml {
        /// The render-map path.
        path: String,
        /// The reader's message (`error converting YAML to JSON: ...` or
        /// `error unmarshaling JSON: ...`).
        message: String,
    },
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::Yaml { path, message } => {
                write!(f, "YAML parse error on {path}: {message}")
            }
        }
    }
}

impl std::error::Error for ManifestError {}

/// Options of [`split_and_sort`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SplitOptions<'a> {
    /// The top chart's name: the first segment of every render-map path.
    pub chart_name: &'a str,
    /// Helm's `--render-subchart-notes`: keep every chart's NOTES.txt. Helm joins them in Go
    /// map order (random); here they are joined in path order.
    pub sub_notes: bool,
}

/// Splits and sorts Helm's render map (`<chart>/templates/<file>` → text, NOTES.txt files and
/// subcharts' files included) into hooks, manifests and notes, as Helm's `renderResources` does.
/// `crds` are the chart's CRD files with paths relative to the top chart (`crds/foo.yaml`,
/// `charts/sub/crds/bar.yaml`) in Helm's order (each chart's own files in load order, then its
/// subcharts'); files that are not `.yaml`, `.yml` or `.json` under a `crds/` directory are
/// left out as Helm leaves them out.
///
/// The error is the first document (in path order, then document order) whose head Helm
/// cannot read, with Helm's message.
pub fn split_and_sort(
    render_map: &BTreeMap<String, String>,
    crds: Vec<(String, Arc<[u8]>)>,
    opts: SplitOptions<'_>,
) -> Result<Rendered, ManifestError> {
    let top_notes = format!("{}/templates/{NOTES_SUFFIX}", opts.chart_name);
    let mut notes = String::new();
    let mut hooks = Vec::new();
    let mut manifests = Vec::new();
    // BTreeMap order is Go's sort.Strings order (bytewise).
    for (path, content) in render_map {
        if path.ends_with(NOTES_SUFFIX) {
            if opts.sub_notes || *path == top_notes {
                if !notes.is_empty() {
                    notes.push('\n');
                }
                notes.push_str(content);
            }
            continue;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = parse_head(doc).map_err(|message| ManifestError::Yaml {
                path: path.clone(),
                message,
            })?;
            sort_document(path, doc, head, &mut hooks, &mut manifests);
        }
    }
    let order = kind_order(INSTALL_ORDER);
    hooks.sort_by(|a: &Hook, b: &Hook| cmp_kind(&a.kind, &b.kind, &order));
    manifests.sort_by(|a: &Manifest, b: &Manifest| cmp_kind(&a.head.kind, &b.head.kind, &order));
    let crds = crds
        .into_iter()
        .filter_map(|(path, data)| {
            let name = name_in_chart(&path);
            is_crd_file(name).then(|| Crd {
                name: name.to_string(),
                filename: clean_path(&format!("{}/{}", opts.chart_name, path)),
                data,
            })
        })
        .collect();
    Ok(Rendered {
        hooks,
        manifests,
        notes,
        crds,
    })
}

/// Whether a file of a chart (path relative to that chart) is one Helm installs as a CRD: under
/// `crds/` with a `.yaml`, `.yml` or `.json` extension (any case).
pub fn is_crd_file(name_in_chart: &str) -> bool {
    if !name_in_chart.starts_with("crds/") {
        return false;
    }
    let base = name_in_chart.rsplit('/').next().unwrap_or("");
    let ext = base.rfind('.').map_or("", |i| &base[i..]);
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

/// Strips the `charts/<sub>/` prefixes of a path relative to the top chart.
fn name_in_chart(mut path: &str) -> &str {
    while let Some(rest) = path.strip_prefix("charts/") {
        match rest.find('/') {
            Some(i) => path = &rest[i + 1..],
            None => break,
        }
    }
    path
}

/// Go's `path.Clean` for the relative paths `filepath.Join` builds here.
fn clean_path(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|s| *s != "..") {
                    out.pop();
                } else if !p.starts_with('/') {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    match (p.starts_with('/'), joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn sort_document(
    path: &str,
    doc: &str,
    head: Head,
    hooks: &mut Vec<Hook>,
    manifests: &mut Vec<Manifest>,
) {
    let hook_types = if head.has_any_annotation() {
        head.annotation(HOOK_ANNOTATION).map(str::to_string)
    } else {
        None
    };
    let Some(hook_types) = hook_types else {
        manifests.push(Manifest {
            name: path.to_string(),
            content: doc.to_string(),
            head,
        });
        return;
    };
    let mut events = Vec::new();
    for entry in hook_types.split(',') {
        match HookEvent::from_annotation(&go_to_lower(entry.trim())) {
            Some(e) => events.push(e),
            // Helm logs "skipping unknown hooks" and drops the document altogether.
            None => return,
        }
    }
    let weight = head
        .annotation(HOOK_WEIGHT_ANNOTATION)
        .unwrap_or("")
        .parse::<i64>()
        .unwrap_or(0);
    let list = |key: &str| -> Vec<String> {
        head.annotation(key).map_or_else(Vec::new, |v| {
            v.split(',').map(|p| go_to_lower(p.trim())).collect()
        })
    };
    let delete_policies = list(HOOK_DELETE_ANNOTATION)
        .into_iter()
        .map(HookDeletePolicy::from_entry)
        .collect();
    let output_log_policies = list(HOOK_OUTPUT_LOG_ANNOTATION);
    hooks.push(Hook {
        name: head.name().to_string(),
        kind: head.kind.clone(),
        path: path.to_string(),
        manifest: doc.to_string(),
        events,
        weight,
        delete_policies,
        output_log_policies,
    });
}

/// Go's `strings.ToLower`: simple case mapping, one rune for one rune.
fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\u{130}' {
                // The only rune whose full lowercase mapping is longer than its simple one.
                'i'
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .collect()
}

fn kind_order(order: &[&'static str]) -> BTreeMap<&'static str, usize> {
    order.iter().enumerate().map(|(i, k)| (*k, i)).collect()
}

/// Helm's `lessByKind` as an ordering: known kinds by their rank, unknown kinds after them by
/// name. Used with a stable sort, like Go's `sort.SliceStable`.
fn cmp_kind(a: &str, b: &str, order: &BTreeMap<&'static str, usize>) -> std::cmp::Ordering {
    match (order.get(a), order.get(b)) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// Sorts manifests for deletion (`releaseutil.UninstallOrder`), keeping the relative order of
/// manifests of the same rank. Helm deletes one kind after another but the resources of one
/// kind concurrently, so only the order of kinds is Helm's.
pub fn sort_for_uninstall(manifests: &mut [Manifest]) {
    let order = kind_order(UNINSTALL_ORDER);
    manifests.sort_by(|a, b| cmp_kind(&a.head.kind, &b.head.kind, &order));
}

/// Go's regexp `\s`: ASCII space, tab, newline, form feed, carriage return (not `\v`).
fn is_re_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Helm's `SplitManifests`: the text (leading whitespace removed) is split on the regexp
/// `(?:^|\s*\n)---\s*` with Go's leftmost-first, non-overlapping matching; empty pieces are
/// dropped and each piece loses its leading whitespace. So `---` glued to text still splits,
/// text after `---` starts the next document, a separator whose newline a previous separator
/// consumed stays in the document, and trailing whitespace stays on the last document.
pub fn split_manifests(big: &str) -> Vec<&str> {
    let s = big.trim_start();
    let bytes = s.as_bytes();
    let skip_space = |mut i: usize| {
        while i < bytes.len() && is_re_space(bytes[i]) {
            i += 1;
        }
        i
    };
    let mut matches: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    if s.starts_with("---") {
        let end = skip_space(3);
        matches.push((0, end));
        pos = end;
    }
    while pos < bytes.len() {
        let Some(k) = s[pos..].find("\n---").map(|k| k + pos) else {
            break;
        };
        // The match starts where the run of whitespace ending in that newline starts, but
        // never before the end of the previous match.
        let mut start = k;
        while start > pos && is_re_space(bytes[start - 1]) {
            start -= 1;
        }
        let end = skip_space(k + 4);
        matches.push((start, end));
        pos = end;
    }
    // Go's Regexp.Split(s, -1).
    let mut pieces = Vec::new();
    if s.is_empty() {
        pieces.push("");
    } else {
        let (mut beg, mut end) = (0, 0);
        for &(m0, m1) in &matches {
            end = m0;
            if m1 != 0 {
                pieces.push(&s[beg..end]);
            }
            beg = m1;
        }
        if end != s.len() {
            pieces.push(&s[beg..]);
        }
    }
    pieces
        .into_iter()
        .filter(|d| !d.is_empty())
        .map(str::trim_start)
        .collect()
}

/// Reads a document's head as `sigs.k8s.io/yaml.Unmarshal(doc, &SimpleHead{})` does.
///
/// Two known gaps, both from reading through [`yaml_to_json`] (an `interface{}` target): a YAML
/// float with an integral value of 1e6 or more in a string field (`kind: 1e7`) reads as an
/// integer (`10000000`, Helm `1e+07`), and `.inf`/`.nan` in a string field is an error here while
/// Helm reads `+Inf`/`NaN`.
pub fn parse_head(doc: &str) -> Result<Head, String> {
    let json = yaml_to_json(doc)?;
    decode_head(&json)
        .map_err(|e| format!("error unmarshaling JSON: while decoding JSON: json: {e}"))
}

const METADATA_GO_TYPE: &str = "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }";

fn type_error(v: &Value, field: &str, go_type: &str) -> String {
    format!(
        "cannot unmarshal {} into Go struct field {field} of type {go_type}",
        crate::engine::json::go_kind(v)
    )
}

/// `encoding/json`'s case-insensitive key matching (`foldName`), for ASCII field names: ASCII
/// letters fold to upper case, and the Kelvin sign and long s fold to K and S.
fn fold_eq(key: &str, field: &str) -> bool {
    let folded = key.chars().map(|c| match c {
        '\u{212a}' => 'K',
        '\u{17f}' => 'S',
        c => c.to_ascii_uppercase(),
    });
    folded.eq(field.chars().map(|c| c.to_ascii_uppercase()))
}

/// Object keys in the order `encoding/json` meets them: `sigs.k8s.io/yaml` marshals maps with
/// sorted keys.
fn sorted_entries(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = m.iter().collect();
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    entries
}

/// The value `encoding/json` stores in a Go string field. `sigs.k8s.io/yaml` first turns YAML
/// numbers and booleans aimed at string fields into text; null leaves the field unchanged.
fn decode_string(v: &Value, field: &str, slot: &mut String) -> Result<(), String> {
    match v {
        Value::Null => {}
        Value::String(s) => *slot = s.clone(),
        Value::Bool(b) => *slot = b.to_string(),
        Value::Number(n) => *slot = number_for_string_field(n),
        _ => return Err(type_error(v, field, "string")),
    }
    Ok(())
}

fn decode_head(v: &Value) -> Result<Head, String> {
    let mut head = Head::default();
    let m = match v {
        Value::Null => return Ok(head),
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "cannot unmarshal {} into Go value of type util.SimpleHead",
                crate::engine::json::go_kind(other)
            ));
        }
    };
    for (key, val) in sorted_entries(m) {
        if fold_eq(key, "apiVersion") {
            decode_string(val, "SimpleHead.apiVersion", &mut head.api_version)?;
        } else if fold_eq(key, "kind") {
            decode_string(val, "SimpleHead.kind", &mut head.kind)?;
        } else if fold_eq(key, "metadata") {
            match val {
                Value::Null => head.metadata = None,
                Value::Object(meta) => {
                    // A second `metadata` key (differently cased) decodes into the same struct.
                    decode_metadata(meta, head.metadata.get_or_insert_with(Default::default))?;
                }
                other => {
                    return Err(type_error(other, "SimpleHead.metadata", METADATA_GO_TYPE));
                }
            }
        }
    }
    Ok(head)
}

fn decode_metadata(
    m: &serde_json::Map<String, Value>,
    meta: &mut HeadMetadata,
) -> Result<(), String> {
    for (key, val) in sorted_entries(m) {
        if fold_eq(key, "name") {
            decode_string(val, ".metadata.name", &mut meta.name)?;
        } else if fold_eq(key, "annotations") {
            match val {
                Value::Null => meta.annotations = None,
                Value::Object(ann) => {
                    let map = meta.annotations.get_or_insert_with(BTreeMap::new);
                    for (k, v) in sorted_entries(ann) {
                        let mut s = String::new();
                        decode_string(v, ".metadata.annotations", &mut s)?;
                        map.insert(k.clone(), s);
                    }
                }
                other => {
                    return Err(type_error(
                        other,
                        ".metadata.annotations",
                        "map[string]string",
                    ));
                }
            }
        }
    }
    Ok(())
}

impl Rendered {
    /// The release manifest (`Release.Manifest`): with `include_crds`, each CRD file, then each
    /// manifest, as `---\n# Source: <path>\n<text>\n`. Invalid UTF-8 in a CRD file is replaced.
    pub fn release_manifest(&self, include_crds: bool) -> String {
        let mut b = String::new();
        if include_crds {
            for crd in &self.crds {
                b.push_str("---\n# Source: ");
                b.push_str(&crd.filename);
                b.push('\n');
                b.push_str(&String::from_utf8_lossy(&crd.data));
                b.push('\n');
            }
        }
        for m in &self.manifests {
            b.push_str("---\n# Source: ");
            b.push_str(&m.name);
            b.push('\n');
            b.push_str(&m.content);
            b.push('\n');
        }
        b
    }

    /// The hooks Helm runs for `event`, in the order it runs them: by weight, then by name,
    /// otherwise in stored (kind) order. A hook that names the event twice runs twice.
    pub fn hooks_for_event(&self, event: HookEvent) -> Vec<&Hook> {
        let mut hooks: Vec<&Hook> = self
            .hooks
            .iter()
            .flat_map(|h| {
                h.events
                    .iter()
                    .filter(move |e| **e == event)
                    .map(move |_| h)
            })
            .collect();
        hooks.sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.name.cmp(&b.name)));
        hooks
    }
}

/// Options of [`helm_template_output`] (the `helm template` flags that shape its output).
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateOptions {
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--no-hooks`.
    pub disable_hooks: bool,
}

/// What `helm template` prints for a render (no `--show-only`, `--output-dir` or post-renderer):
/// the release manifest with surrounding whitespace trimmed and one newline, then each hook as
/// `---\n# Source: <path>\n<text>\n`. Notes are not printed.
pub fn helm_template_output(rendered: &Rendered, opts: TemplateOptions) -> String {
    let mut out = rendered
        .release_manifest(opts.include_crds)
        .trim()
        .to_string();
    out.push('\n');
    if !opts.disable_hooks {
        for h in &rendered.hooks {
            if opts.skip_tests && h.is_test() {
                continue;
            }
            out.push_str("---\n# Source: ");
            out.push_str(&h.path);
            out.push('\n');
            out.push_str(&h.manifest);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Every expected value below was produced by Helm v4.2.3 (helm-python-sdk 0.2.2): release
    //! manifests and notes by a client-side dry-run install, errors by the same install, hooks
    //! by a real install against a stub API server (stored hooks from `helm get all`, run order
    //! from the order the hook resources were created), CRDs by the SDK's chart CRD listing and
    //! the uninstall order by a real uninstall. Inputs are Helm's own render maps.

    use super::*;

    fn run(files: &[(&str, &str)]) -> Result<Rendered, ManifestError> {
        let map = files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        split_and_sort(
            &map,
            Vec::new(),
            SplitOptions {
                chart_name: "c",
                sub_notes: false,
            },
        )
    }

    fn assert_release(files: &[(&str, &str)], manifest: &str, notes: &str) {
        let r = run(files).expect("Helm accepted this render");
        assert_eq!(r.release_manifest(false), manifest);
        assert_eq!(r.notes, notes);
    }

    fn assert_error(files: &[(&str, &str)], message: &str) {
        let e = run(files).expect_err("Helm rejected this render");
        assert_eq!(e.to_string(), message);
    }

    /// A hook as `helm get all` shows it after the install. Hooks that ran (`ran`) show the
    /// default delete policy Helm fills in when it runs them.
    struct HookRow {
        name: &'static str,
        kind: &'static str,
        path: &'static str,
        events: &'static [&'static str],
        weight: i64,
        delete: &'static [&'static str],
        ran: bool,
        output_log: &'static [&'static str],
        manifest: &'static str,
    }

    fn assert_hooks(files: &[(&str, &str)], rows: &[HookRow], created: &[&str], manifest: &str) {
        let r = run(files).expect("Helm accepted this render");
        assert_eq!(r.release_manifest(false), manifest);
        assert_eq!(r.hooks.len(), rows.len(), "hook count");
        for (h, row) in r.hooks.iter().zip(rows) {
            assert_eq!(h.name, row.name);
            assert_eq!(h.kind, row.kind, "kind of {}", row.name);
            assert_eq!(h.path, row.path, "path of {}", row.name);
            assert_eq!(h.manifest, row.manifest, "manifest of {}", row.name);
            let events: Vec<&str> = h.events.iter().map(|e| e.as_str()).collect();
            assert_eq!(events, row.events, "events of {}", row.name);
            assert_eq!(h.weight, row.weight, "weight of {}", row.name);
            let policies = if row.ran {
                h.effective_delete_policies()
            } else {
                h.delete_policies.clone()
            };
            let policies: Vec<&str> = policies.iter().map(|p| p.as_str()).collect();
            assert_eq!(policies, row.delete, "delete policies of {}", row.name);
            assert_eq!(
                h.output_log_policies, row.output_log,
                "log policies of {}",
                row.name
            );
        }
        let order: Vec<&str> = [HookEvent::PreInstall, HookEvent::PostInstall]
            .into_iter()
            .flat_map(|e| r.hooks_for_event(e))
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(order, created, "run order");
    }

    /// Helm's `Chart.CRDObjects` for a chart with `crds/{a.YML,b.yaml,c.json,d.txt,sub/n.yaml}`
    /// and a subchart `sub` with `crds/s.yaml`.
    #[test]
    fn crd_files_are_filtered_by_extension_and_named_from_the_top_chart() {
        let crds = [
            ("crds/a.YML", "x\n"),
            ("crds/b.yaml", "kind: CustomResourceDefinition\n"),
            ("crds/c.json", "{}\n"),
            ("crds/d.txt", "t\n"),
            ("crds/sub/n.yaml", "n\n"),
            ("charts/sub/crds/s.yaml", "s\n"),
        ]
        .iter()
        .map(|(p, d)| (p.to_string(), Arc::from(d.as_bytes())))
        .collect();
        let opts = SplitOptions {
            chart_name: "crdc",
            sub_notes: false,
        };
        let r = split_and_sort(&BTreeMap::new(), crds, opts).unwrap();
        let got: Vec<(&str, &str, &[u8])> = r
            .crds
            .iter()
            .map(|c| (c.name.as_str(), c.filename.as_str(), &c.data[..]))
            .collect();
        let want: Vec<(&str, &str, &[u8])> = vec![
            ("crds/a.YML", "crdc/crds/a.YML", b"x\n"),
            (
                "crds/b.yaml",
                "crdc/crds/b.yaml",
                b"kind: CustomResourceDefinition\n",
            ),
            ("crds/c.json", "crdc/crds/c.json", b"{}\n"),
            ("crds/sub/n.yaml", "crdc/crds/sub/n.yaml", b"n\n"),
            ("crds/s.yaml", "crdc/charts/sub/crds/s.yaml", b"s\n"),
        ];
        assert_eq!(got, want);
    }

    /// A real uninstall deleted Service, CronJob, Job, Deployment, Pod, RoleBinding, Role,
    /// ClusterRole, the two ConfigMaps (concurrently, so their order is not Helm's to keep),
    /// Secret, ServiceAccount, then the unknown kinds Alpha and Zeta.
    #[test]
    fn uninstall_order_deletes_kinds_as_helm_does() {
        let kinds = [
            "ServiceAccount",
            "Secret",
            "ConfigMap",
            "ConfigMap",
            "ClusterRole",
            "Role",
            "RoleBinding",
            "Service",
            "Pod",
            "Deployment",
            "Job",
            "CronJob",
            "Zeta",
            "Alpha",
        ];
        let mut manifests: Vec<Manifest> = kinds
            .iter()
            .map(|k| Manifest {
                name: "un/templates/a.yaml".into(),
                content: String::new(),
                head: Head {
                    kind: k.to_string(),
                    ..Head::default()
                },
            })
            .collect();
        sort_for_uninstall(&mut manifests);
        let got: Vec<&str> = manifests.iter().map(|m| m.head.kind.as_str()).collect();
        assert_eq!(
            got,
            [
                "Service",
                "CronJob",
                "Job",
                "Deployment",
                "Pod",
                "RoleBinding",
                "Role",
                "ClusterRole",
                "ConfigMap",
                "ConfigMap",
                "Secret",
                "ServiceAccount",
                "Alpha",
                "Zeta"
            ]
        );
    }

    /// `helm template` assembly (pkg/cmd/template.go) applied to Helm's own release manifest and
    /// stored hooks for case `events`: the pieces are Helm's, the joining follows Helm's source.
    #[test]
    fn template_output_is_the_trimmed_manifest_then_every_hook() {
        let r = run(&[("c/templates/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e1\n  annotations:\n    helm.sh/hook: \"pre-install, post-install\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2\n  annotations:\n    helm.sh/hook: \" Pre-Install \"\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e3\n  annotations:\n    helm.sh/hook: test-success\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e4\n  annotations:\n    helm.sh/hook: test\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e5\n  annotations:\n    helm.sh/hook: pre-upgrade,post-upgrade,pre-rollback,post-rollback,pre-delete,post-delete\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e6\n  annotations:\n    helm.sh/hook: post-install,post-install\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e7\n  annotations:\n    helm.sh/hook: \"TEST,Post-Install\"\n"), ("c/templates/z.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n")]).unwrap();
        assert_eq!(
            helm_template_output(&r, TemplateOptions::default()),
            "---\n# Source: c/templates/z.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e1\n  annotations:\n    helm.sh/hook: \"pre-install, post-install\"\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2\n  annotations:\n    helm.sh/hook: \" Pre-Install \"\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e5\n  annotations:\n    helm.sh/hook: pre-upgrade,post-upgrade,pre-rollback,post-rollback,pre-delete,post-delete\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e6\n  annotations:\n    helm.sh/hook: post-install,post-install\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e7\n  annotations:\n    helm.sh/hook: \"TEST,Post-Install\"\n\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e3\n  annotations:\n    helm.sh/hook: test-success\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e4\n  annotations:\n    helm.sh/hook: test\n"
        );
        let skip = TemplateOptions {
            skip_tests: true,
            ..Default::default()
        };
        assert_eq!(
            helm_template_output(&r, skip),
            "---\n# Source: c/templates/z.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e1\n  annotations:\n    helm.sh/hook: \"pre-install, post-install\"\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2\n  annotations:\n    helm.sh/hook: \" Pre-Install \"\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e5\n  annotations:\n    helm.sh/hook: pre-upgrade,post-upgrade,pre-rollback,post-rollback,pre-delete,post-delete\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e6\n  annotations:\n    helm.sh/hook: post-install,post-install\n"
        );
        let no_hooks = TemplateOptions {
            disable_hooks: true,
            ..Default::default()
        };
        assert_eq!(
            helm_template_output(&r, no_hooks),
            "---\n# Source: c/templates/z.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"
        );
    }

    /// Helm v4.2.3 case `all-kinds-reversed`.
    #[test]
    fn kinds_install_in_helms_order_with_unknown_kinds_last_by_name() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMapList\nmetadata:\n  name: n0\n---\napiVersion: v1\nkind: PodSecurityPolicyList\nmetadata:\n  name: n1\n---\napiVersion: v1\nkind: CSIDriver\nmetadata:\n  name: n2\n---\napiVersion: v1\nkind: VolumeAttachment\nmetadata:\n  name: n3\n---\napiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: n4\n---\napiVersion: v1\nkind: List\nmetadata:\n  name: n5\n---\napiVersion: v1\nkind: ServiceMonitor\nmetadata:\n  name: n6\n---\napiVersion: v1\nkind: Certificate\nmetadata:\n  name: n7\n---\napiVersion: v1\nkind: \nmetadata:\n  name: n8\n---\napiVersion: v1\nkind: Alpha\nmetadata:\n  name: n9\n---\napiVersion: v1\nkind: alpha\nmetadata:\n  name: n10\n---\napiVersion: v1\nkind: Zeta\nmetadata:\n  name: n11\n---\napiVersion: v1\nkind: Lease\nmetadata:\n  name: n12\n---\napiVersion: v1\nkind: EndpointSlice\nmetadata:\n  name: n13\n---\napiVersion: v1\nkind: Endpoints\nmetadata:\n  name: n14\n---\napiVersion: v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: n15\n---\napiVersion: v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: n16\n---\napiVersion: v1\nkind: APIService\nmetadata:\n  name: n17\n---\napiVersion: v1\nkind: Ingress\nmetadata:\n  name: n18\n---\napiVersion: v1\nkind: IngressClass\nmetadata:\n  name: n19\n---\napiVersion: v1\nkind: CronJob\nmetadata:\n  name: n20\n---\napiVersion: v1\nkind: Job\nmetadata:\n  name: n21\n---\napiVersion: v1\nkind: StatefulSet\nmetadata:\n  name: n22\n---\napiVersion: v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: n23\n---\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: n24\n---\napiVersion: v1\nkind: ReplicaSet\nmetadata:\n  name: n25\n---\napiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: n26\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: n27\n---\napiVersion: v1\nkind: DaemonSet\nmetadata:\n  name: n28\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: n29\n---\napiVersion: v1\nkind: RoleBindingList\nmetadata:\n  name: n30\n---\napiVersion: v1\nkind: RoleBinding\nmetadata:\n  name: n31\n---\napiVersion: v1\nkind: RoleList\nmetadata:\n  name: n32\n---\napiVersion: v1\nkind: Role\nmetadata:\n  name: n33\n---\napiVersion: v1\nkind: ClusterRoleBindingList\nmetadata:\n  name: n34\n---\napiVersion: v1\nkind: ClusterRoleBinding\nmetadata:\n  name: n35\n---\napiVersion: v1\nkind: ClusterRoleList\nmetadata:\n  name: n36\n---\napiVersion: v1\nkind: ClusterRole\nmetadata:\n  name: n37\n---\napiVersion: v1\nkind: CustomResourceDefinition\nmetadata:\n  name: n38\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: n39\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: n40\n---\napiVersion: v1\nkind: StorageClass\nmetadata:\n  name: n41\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n42\n---\napiVersion: v1\nkind: SecretList\nmetadata:\n  name: n43\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: n44\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: n45\n---\napiVersion: v1\nkind: PodDisruptionBudget\nmetadata:\n  name: n46\n---\napiVersion: v1\nkind: PodSecurityPolicy\nmetadata:\n  name: n47\n---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: n48\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: n49\n---\napiVersion: v1\nkind: NetworkPolicy\nmetadata:\n  name: n50\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n51\n---\napiVersion: v1\nkind: PriorityClass\nmetadata:\n  name: n52\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: PriorityClass\nmetadata:\n  name: n52\n\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n51\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: NetworkPolicy\nmetadata:\n  name: n50\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: n49\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: n48\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: PodSecurityPolicy\nmetadata:\n  name: n47\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: PodDisruptionBudget\nmetadata:\n  name: n46\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: n45\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: n44\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: SecretList\nmetadata:\n  name: n43\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n42\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: StorageClass\nmetadata:\n  name: n41\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: n40\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: n39\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: CustomResourceDefinition\nmetadata:\n  name: n38\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ClusterRole\nmetadata:\n  name: n37\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ClusterRoleList\nmetadata:\n  name: n36\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ClusterRoleBinding\nmetadata:\n  name: n35\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ClusterRoleBindingList\nmetadata:\n  name: n34\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Role\nmetadata:\n  name: n33\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: RoleList\nmetadata:\n  name: n32\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: RoleBinding\nmetadata:\n  name: n31\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: RoleBindingList\nmetadata:\n  name: n30\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: n29\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: DaemonSet\nmetadata:\n  name: n28\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: n27\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: n26\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ReplicaSet\nmetadata:\n  name: n25\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: n24\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: n23\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: StatefulSet\nmetadata:\n  name: n22\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Job\nmetadata:\n  name: n21\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: CronJob\nmetadata:\n  name: n20\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: IngressClass\nmetadata:\n  name: n19\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Ingress\nmetadata:\n  name: n18\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: APIService\nmetadata:\n  name: n17\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: n16\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: n15\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: \nmetadata:\n  name: n8\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Alpha\nmetadata:\n  name: n9\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: CSIDriver\nmetadata:\n  name: n2\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Certificate\nmetadata:\n  name: n7\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMapList\nmetadata:\n  name: n0\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: EndpointSlice\nmetadata:\n  name: n13\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Endpoints\nmetadata:\n  name: n14\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Lease\nmetadata:\n  name: n12\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: List\nmetadata:\n  name: n5\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: PodSecurityPolicyList\nmetadata:\n  name: n1\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: n4\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ServiceMonitor\nmetadata:\n  name: n6\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: VolumeAttachment\nmetadata:\n  name: n3\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Zeta\nmetadata:\n  name: n11\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: alpha\nmetadata:\n  name: n10\n",
            "",
        );
    }

    /// Helm v4.2.3 case `kinds-across-files`.
    #[test]
    fn a_kind_keeps_path_then_document_order_across_files_and_subcharts() {
        assert_release(
            &[
                ("c/charts/sub/templates/NOTES.txt", "sub notes\n"),
                (
                    "c/charts/sub/templates/s.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s1\n---\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: s2\n",
                ),
                (
                    "c/templates/C.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: C\n",
                ),
                ("c/templates/NOTES.txt", "top notes rel\n"),
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: a1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a2\n---\napiVersion: v1\nkind: Zeta\nmetadata:\n  name: a3\n",
                ),
                (
                    "c/templates/b.yaml",
                    "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: b1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b2\n---\napiVersion: v1\nkind: Zeta\nmetadata:\n  name: b3\n",
                ),
                (
                    "c/templates/c/z.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cz\n",
                ),
            ],
            "---\n# Source: c/charts/sub/templates/s.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s1\n---\n# Source: c/templates/C.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: C\n\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a2\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b2\n---\n# Source: c/templates/c/z.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cz\n\n---\n# Source: c/charts/sub/templates/s.yaml\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: s2\n\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: a1\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: b1\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Zeta\nmetadata:\n  name: a3\n\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Zeta\nmetadata:\n  name: b3\n\n",
            "top notes rel\n",
        );
    }

    /// Helm v4.2.3 case `same-kind-names`.
    #[test]
    fn documents_of_one_kind_are_not_sorted_by_name() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zz\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aa\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mm\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zz\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aa\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mm\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `split-leading`.
    #[test]
    fn a_leading_separator_makes_no_empty_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `split-trailing-text`.
    #[test]
    fn text_after_a_separator_starts_the_next_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n--- # comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---   \napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\n# comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `split-glued`.
    #[test]
    fn four_dashes_leave_a_dash_that_is_a_yaml_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n----\nkind: Pod\n",
            )],
            "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content",
        );
    }

    /// Helm v4.2.3 case `split-empty-docs`.
    #[test]
    fn a_separator_right_after_another_stays_in_the_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "\n\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\n---\n",
            )],
            "---\n# Source: c/templates/a.yaml\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\n# Source: c/templates/a.yaml\n---\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `split-double-sep`.
    #[test]
    fn a_blank_line_between_separators_keeps_the_second_one() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `split-ws-docs`.
    #[test]
    fn trailing_whitespace_stays_on_the_last_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n   \n  \t\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n\n   \n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n\n   \n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `comments-only`.
    #[test]
    fn comment_only_documents_become_kindless_manifests() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "# just a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# another\n# comment\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\n# just a comment\n---\n# Source: c/templates/a.yaml\n# another\n# comment\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `comment-doc-middle`.
    #[test]
    fn a_comment_only_document_sorts_as_an_empty_kind() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# only comments here\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n---\n# Source: c/templates/a.yaml\n# only comments here\n",
            "",
        );
    }

    /// Helm v4.2.3 case `crlf`.
    #[test]
    fn crlf_text_splits_on_the_newline_before_dashes() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: b\r\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\n---\n# Source: c/templates/a.yaml\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: b\r\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `empty-files`.
    #[test]
    fn files_rendering_to_whitespace_are_skipped() {
        assert_release(
            &[
                ("c/templates/a.yaml", ""),
                ("c/templates/b.yaml", "   \n\n\t\n"),
                (
                    "c/templates/c.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
                ),
                ("c/templates/d.yaml", "\n"),
            ],
            "---\n# Source: c/templates/c.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `no-kind`.
    #[test]
    fn a_document_without_kind_is_installed_last() {
        assert_release(
            &[
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nmetadata:\n  name: a\n",
                ),
                (
                    "c/templates/b.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
                ),
            ],
            "---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nmetadata:\n  name: a\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `no-metadata`.
    #[test]
    fn a_document_without_metadata_is_a_manifest() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\ndata: {}\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\ndata: {}\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `scalar-doc`.
    #[test]
    fn a_scalar_document_is_helms_type_error() {
        assert_error(
            &[("c/templates/a.yaml", "hello world\n")],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type util.SimpleHead",
        );
    }

    /// Helm v4.2.3 case `list-doc`.
    #[test]
    fn a_list_document_is_helms_type_error() {
        assert_error(
            &[("c/templates/a.yaml", "- a\n- b\n")],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type util.SimpleHead",
        );
    }

    /// Helm v4.2.3 case `invalid-yaml`.
    #[test]
    fn invalid_yaml_is_helms_conversion_error() {
        assert_error(
            &[("c/templates/a.yaml", "kind: [\n")],
            "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content",
        );
    }

    /// Helm v4.2.3 case `invalid-yaml-second-doc`.
    #[test]
    fn a_bad_second_document_reports_its_own_line() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nkind: ConfigMap\n  bad: indent\n x: 1\n",
            )],
            "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context",
        );
    }

    /// Helm v4.2.3 case `kind-number`.
    #[test]
    fn a_numeric_kind_is_read_as_text() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: 5\nmetadata:\n  name: a\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: 5\nmetadata:\n  name: a\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `name-number`.
    #[test]
    fn a_numeric_name_is_read_as_text() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 5\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 5\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `ann-number`.
    #[test]
    fn a_numeric_annotation_is_read_as_text() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: 5\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: 5\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `ann-bool`.
    #[test]
    fn a_boolean_annotation_is_read_as_text() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: true\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: true\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `ann-null`.
    #[test]
    fn a_null_annotation_is_read_as_empty() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: null\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: null\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `annotations-null`.
    #[test]
    fn null_annotations_are_no_annotations() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `metadata-string`.
    #[test]
    fn string_metadata_is_helms_struct_type_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: hello\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field SimpleHead.metadata of type struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }",
        );
    }

    /// Helm v4.2.3 case `apiversion-number`.
    #[test]
    fn a_numeric_api_version_is_read_as_text() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: 1\nkind: ConfigMap\nmetadata:\n  name: a\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: 1\nkind: ConfigMap\nmetadata:\n  name: a\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `json-doc`.
    #[test]
    fn a_json_document_is_a_manifest() {
        assert_release(
            &[(
                "c/templates/a.json",
                "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"j\"}}",
            )],
            "---\n# Source: c/templates/a.json\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"j\"}}\n",
            "",
        );
    }

    /// Helm v4.2.3 case `hooks-excluded`.
    #[test]
    fn hook_documents_leave_the_manifest() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n---\napiVersion: v1\nkind: Job\nmetadata:\n  name: h1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-ann\n  annotations:\n    foo: bar\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-ann\n  annotations:\n    foo: bar\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `hook-unknown`.
    #[test]
    fn a_document_with_an_unknown_hook_event_is_dropped() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: Job\nmetadata:\n  name: h1\n  annotations:\n    helm.sh/hook: crd-install\n---\napiVersion: v1\nkind: Job\nmetadata:\n  name: h2\n  annotations:\n    helm.sh/hook: pre-install,bogus\n---\napiVersion: v1\nkind: Job\nmetadata:\n  name: h3\n  annotations:\n    helm.sh/hook: \"\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `hook-case`.
    #[test]
    fn hook_events_are_trimmed_and_lower_cased() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: Job\nmetadata:\n  name: h1\n  annotations:\n    helm.sh/hook: \" Pre-Install , POST-UPGRADE \"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `hook-number-annotation`.
    #[test]
    fn an_unquoted_hook_weight_still_makes_a_hook() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: Job\nmetadata:\n  name: h1\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: 5\n",
            )],
            "",
            "",
        );
    }

    /// Helm v4.2.3 case `hook-weight-string`.
    #[test]
    fn a_non_numeric_weight_still_makes_a_hook() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: Job\nmetadata:\n  name: h1\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"x\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `anchors`.
    #[test]
    fn anchors_and_aliases_in_the_head_are_read() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: &k ConfigMap\nmetadata: &m\n  name: anchored\nextra: *k\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: &k ConfigMap\nmetadata: &m\n  name: anchored\nextra: *k\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `dup-keys`.
    #[test]
    fn duplicate_keys_in_the_head_are_accepted() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: d\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: d\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `notes-variants`.
    #[test]
    fn only_the_top_charts_notes_are_kept_and_every_notes_file_is_removed() {
        assert_release(
            &[
                ("c/charts/sub/templates/NOTES.txt", "sub notes\n"),
                ("c/templates/MYNOTES.txt", "not a manifest"),
                ("c/templates/NOTES.txt", "top\n"),
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
                ),
                ("c/templates/sub/NOTES.txt", "nested"),
            ],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n\n",
            "top\n",
        );
    }

    /// Helm v4.2.3 case `notes-empty`.
    #[test]
    fn empty_notes_stay_empty() {
        assert_release(
            &[
                ("c/templates/NOTES.txt", ""),
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
                ),
            ],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `no-trailing-newline`.
    #[test]
    fn a_file_without_final_newline_gets_one_newline() {
        assert_release(
            &[
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a",
                ),
                (
                    "c/templates/b.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n\n\n",
                ),
            ],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n\n\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `tab-after-sep`.
    #[test]
    fn tabs_after_a_separator_are_eaten() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\t\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n---\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            "",
        );
    }

    /// Helm v4.2.3 case `sep-indented`.
    #[test]
    fn indented_dashes_do_not_split() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  ---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\nx: ---\n",
            )],
            "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: yaml: line 6: could not find expected ':'",
        );
    }

    /// Helm v4.2.3 case `sep-in-block-scalar`.
    #[test]
    fn dashes_after_a_block_scalar_split() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: |\n    line\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: |\n    line\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `nbsp-leading`.
    #[test]
    fn leading_unicode_space_is_trimmed() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "\u{a0}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `vtab`.
    #[test]
    fn a_vertical_tab_is_not_a_separator_space() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n\u{b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            )],
            "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: yaml: control characters are not allowed",
        );
    }

    /// Helm v4.2.3 case `yaml-doc-markers`.
    #[test]
    fn document_end_markers_stay_in_the_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n...\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n...\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `hook-test`.
    #[test]
    fn test_and_test_success_hooks_leave_the_manifest() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: t2\n  annotations:\n    helm.sh/hook: test-success\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `library-like-names`.
    #[test]
    fn files_are_taken_in_bytewise_path_order() {
        assert_release(
            &[
                (
                    "c/templates/0.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zero\n",
                ),
                (
                    "c/templates/A.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Z\n",
                ),
                (
                    "c/templates/a-b.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ab\n",
                ),
                (
                    "c/templates/a.b.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: adotb\n",
                ),
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n",
                ),
                (
                    "c/templates/a/b.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aslashb\n",
                ),
            ],
            "---\n# Source: c/templates/0.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zero\n\n---\n# Source: c/templates/A.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Z\n\n---\n# Source: c/templates/a-b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ab\n\n---\n# Source: c/templates/a.b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: adotb\n\n---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n\n---\n# Source: c/templates/a/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aslashb\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `kind-not-string-list`.
    #[test]
    fn a_list_kind_is_helms_field_type_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: [a]\nmetadata:\n  name: a\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field SimpleHead.kind of type string",
        );
    }

    /// Helm v4.2.3 case `metadata-null`.
    #[test]
    fn null_metadata_is_no_metadata() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `empty-kind-string`.
    #[test]
    fn an_empty_kind_sorts_first_among_unknown_kinds() {
        assert_release(
            &[
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: \"\"\nmetadata:\n  name: a\n",
                ),
                (
                    "c/templates/b.yaml",
                    "apiVersion: v1\nkind: Zzz\nmetadata:\n  name: b\n",
                ),
                (
                    "c/templates/c.yaml",
                    "apiVersion: v1\nkind: Aaa\nmetadata:\n  name: c\n",
                ),
            ],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: \"\"\nmetadata:\n  name: a\n\n---\n# Source: c/templates/c.yaml\napiVersion: v1\nkind: Aaa\nmetadata:\n  name: c\n\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Zzz\nmetadata:\n  name: b\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `document-start-inside`.
    #[test]
    fn a_separator_with_trailing_space_then_text() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "--- \napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            )],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `meta-name-list`.
    #[test]
    fn a_list_name_is_helms_nested_field_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: [a]\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field .metadata.name of type string",
        );
    }

    /// Helm v4.2.3 case `meta-name-map`.
    #[test]
    fn a_map_name_is_helms_nested_field_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: {a: 1}\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field .metadata.name of type string",
        );
    }

    /// Helm v4.2.3 case `annotations-list`.
    #[test]
    fn list_annotations_are_helms_map_type_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: a\n  annotations: [a]\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field .metadata.annotations of type map[string]string",
        );
    }

    /// Helm v4.2.3 case `annotations-string`.
    #[test]
    fn string_annotations_are_helms_map_type_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: a\n  annotations: hello\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field .metadata.annotations of type map[string]string",
        );
    }

    /// Helm v4.2.3 case `ann-value-map`.
    #[test]
    fn a_map_annotation_value_is_helms_string_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: {a: 1}\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field .metadata.annotations of type string",
        );
    }

    /// Helm v4.2.3 case `ann-value-list`.
    #[test]
    fn a_list_annotation_value_is_helms_string_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    foo: [1]\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field .metadata.annotations of type string",
        );
    }

    /// Helm v4.2.3 case `top-number`.
    #[test]
    fn a_number_document_is_helms_type_error() {
        assert_error(
            &[("c/templates/a.yaml", "5\n")],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go value of type util.SimpleHead",
        );
    }

    /// Helm v4.2.3 case `top-bool`.
    #[test]
    fn a_boolean_document_is_helms_type_error() {
        assert_error(
            &[("c/templates/a.yaml", "true\n")],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal bool into Go value of type util.SimpleHead",
        );
    }

    /// Helm v4.2.3 case `top-null`.
    #[test]
    fn null_documents_become_kindless_manifests() {
        assert_release(
            &[
                ("c/templates/a.yaml", "null\n"),
                ("c/templates/b.yaml", "~\n"),
                ("c/templates/c.yaml", "kind: Namespace\n"),
            ],
            "---\n# Source: c/templates/c.yaml\nkind: Namespace\n\n---\n# Source: c/templates/a.yaml\nnull\n\n---\n# Source: c/templates/b.yaml\n~\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `kind-case-fold`.
    #[test]
    fn head_keys_match_case_insensitively_last_sorted_key_wins() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "Kind: Namespace\nmetadata: {name: a}\n---\nKIND: Namespace\nkind: ConfigMap\nmetadata: {name: b}\n---\nkInD: Service\nmetadata: {name: c}\n---\nkind: Secret\nmetadata: {name: d}\n",
            )],
            "---\n# Source: c/templates/a.yaml\nKind: Namespace\nmetadata: {name: a}\n---\n# Source: c/templates/a.yaml\nkind: Secret\nmetadata: {name: d}\n\n---\n# Source: c/templates/a.yaml\nKIND: Namespace\nkind: ConfigMap\nmetadata: {name: b}\n---\n# Source: c/templates/a.yaml\nkInD: Service\nmetadata: {name: c}\n",
            "",
        );
    }

    /// Helm v4.2.3 case `metadata-case-fold-hook`.
    #[test]
    fn capitalised_metadata_and_annotations_still_make_a_hook() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: Job\nMetadata:\n  name: h\n  Annotations:\n    helm.sh/hook: pre-install\n---\nkind: ConfigMap\nMETADATA: {NAME: keep}\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\nMETADATA: {NAME: keep}\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `metadata-merge`.
    #[test]
    fn differently_cased_metadata_keys_merge_and_null_clears() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: Job\nMetadata:\n  annotations:\n    helm.sh/hook: pre-install\nmetadata:\n  name: h\n---\nkind: ConfigMap\nMetadata:\n  annotations:\n    helm.sh/hook: pre-install\nmetadata: null\n---\nkind: ConfigMap\nmetadata: {name: keep}\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\nMetadata:\n  annotations:\n    helm.sh/hook: pre-install\nmetadata: null\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\nmetadata: {name: keep}\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `first-error-order`.
    #[test]
    fn the_first_type_error_in_sorted_key_order_is_reported() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "metadata: x\nkind: [a]\napiVersion: {a: 1}\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field SimpleHead.apiVersion of type string",
        );
    }

    /// Helm v4.2.3 case `first-error-order2`.
    #[test]
    fn a_kind_error_comes_before_a_metadata_error() {
        assert_error(
            &[("c/templates/a.yaml", "metadata: {name: [a]}\nkind: [b]\n")],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field SimpleHead.kind of type string",
        );
    }

    /// Helm v4.2.3 case `first-error-order3`.
    #[test]
    fn annotations_error_comes_before_name_error() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "metadata: {name: [a], annotations: [b]}\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field .metadata.annotations of type map[string]string",
        );
    }

    /// Helm v4.2.3 case `first-error-across-docs`.
    #[test]
    fn the_first_bad_document_of_a_file_is_reported() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\n---\nkind: [a]\n---\nkind: [\n",
            )],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field SimpleHead.kind of type string",
        );
    }

    /// Helm v4.2.3 case `first-error-across-files`.
    #[test]
    fn the_first_bad_file_in_path_order_is_reported() {
        assert_error(
            &[
                ("c/templates/a.yaml", "kind: {x: 1}\n"),
                ("c/templates/b.yaml", "kind: [a]\n"),
            ],
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field SimpleHead.kind of type string",
        );
    }

    /// Helm v4.2.3 case `hook-number`.
    #[test]
    fn a_numeric_hook_event_is_unknown() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: Job\nmetadata:\n  name: h\n  annotations:\n    helm.sh/hook: 5\n---\nkind: ConfigMap\nmetadata: {name: keep}\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\nmetadata: {name: keep}\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `hook-null`.
    #[test]
    fn a_null_hook_event_is_unknown() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: Job\nmetadata:\n  name: h\n  annotations:\n    helm.sh/hook:\n---\nkind: ConfigMap\nmetadata: {name: keep}\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\nmetadata: {name: keep}\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `hook-key-case`.
    #[test]
    fn the_hook_annotation_key_is_case_sensitive() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: Job\nmetadata:\n  name: h\n  annotations:\n    Helm.sh/Hook: pre-install\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: Job\nmetadata:\n  name: h\n  annotations:\n    Helm.sh/Hook: pre-install\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `data-inf`.
    #[test]
    fn infinity_outside_the_head_is_a_json_error() {
        assert_error(
            &[("c/templates/a.yaml", "kind: ConfigMap\ndata: {a: .inf}\n")],
            "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: json: unsupported value: +Inf",
        );
    }

    /// Helm v4.2.3 case `ann-empty-map`.
    #[test]
    fn empty_annotations_are_not_a_hook() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: a\n  annotations: {}\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: {}\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `extra-docs-in-yaml`.
    #[test]
    fn a_comment_after_a_separator_joins_the_next_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata: {name: a}\n...\n--- # x\nkind: Namespace\n",
            )],
            "---\n# Source: c/templates/a.yaml\n# x\nkind: Namespace\n\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\nmetadata: {name: a}\n...\n",
            "",
        );
    }

    /// Helm v4.2.3 case `sep-with-text-glued-comment`.
    #[test]
    fn a_comment_glued_to_a_separator_joins_the_next_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\n---# x\nkind: Namespace\n",
            )],
            "---\n# Source: c/templates/a.yaml\n# x\nkind: Namespace\n\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n",
            "",
        );
    }

    /// Helm v4.2.3 case `nbsp-after-sep`.
    #[test]
    fn a_no_break_space_after_a_separator_is_trimmed() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\n---\u{a0}\nkind: Namespace\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: Namespace\n\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n",
            "",
        );
    }

    /// Helm v4.2.3 case `non-breaking-trailing`.
    #[test]
    fn a_no_break_space_line_before_a_separator_stays() {
        assert_error(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\n\u{a0}\n---\nkind: Namespace\n",
            )],
            "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: yaml: line 3: could not find expected ':'",
        );
    }

    /// Helm v4.2.3 case `ff-before-sep`.
    #[test]
    fn a_form_feed_line_before_a_separator_is_eaten() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\n\u{c}\n---\nkind: Namespace\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: Namespace\n\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n",
            "",
        );
    }

    /// Helm v4.2.3 case `cr-before-sep`.
    #[test]
    fn carriage_returns_around_a_separator_are_eaten() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap\r\n\r\n---\r\n\r\nkind: Namespace\r\n",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: Namespace\r\n\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n",
            "",
        );
    }

    /// Helm v4.2.3 case `tabs-trailing-doc`.
    #[test]
    fn trailing_tabs_stay_on_the_last_document() {
        assert_release(
            &[(
                "c/templates/a.yaml",
                "kind: ConfigMap \t \n---\nkind: Namespace \t\n \t",
            )],
            "---\n# Source: c/templates/a.yaml\nkind: Namespace \t\n \t\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n",
            "",
        );
    }

    /// Helm v4.2.3 case `only-sep`.
    #[test]
    fn files_of_only_separators() {
        assert_release(
            &[
                ("c/templates/a.yaml", "---\n"),
                ("c/templates/b.yaml", "---\n---\n"),
                ("c/templates/c.yaml", "---"),
                ("c/templates/d.yaml", "\n---\n\n---\n"),
            ],
            "---\n# Source: c/templates/b.yaml\n---\n\n---\n# Source: c/templates/d.yaml\n---\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `subchart-notes-only`.
    #[test]
    fn subchart_notes_are_not_release_notes() {
        assert_release(
            &[
                ("c/charts/sub/templates/NOTES.txt", "sub\n"),
                ("c/templates/a.yaml", "kind: ConfigMap\n"),
            ],
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n\n",
            "",
        );
    }

    /// Helm v4.2.3 case `notes-no-newline`.
    #[test]
    fn notes_are_kept_byte_for_byte() {
        assert_release(
            &[
                ("c/templates/NOTES.txt", "hello"),
                ("c/templates/a.yaml", "kind: ConfigMap\n"),
            ],
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n\n",
            "hello",
        );
    }

    /// Helm v4.2.3 case `partials`.
    #[test]
    fn partials_are_never_emitted() {
        assert_release(
            &[
                (
                    "c/templates/_lit.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lit\n",
                ),
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
                ),
                ("c/templates/sub/_p.yaml", "kind: Pod\n"),
            ],
            "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n\n",
            "",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `kind-order`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn hooks_are_stored_in_kind_order_and_run_by_name() {
        assert_hooks(
            &[
                (
                    "c/templates/a.yaml",
                    "apiVersion: example.com/v1\nkind: Zeta\nmetadata:\n  name: z1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: example.com/v1\nkind: Alpha\nmetadata:\n  name: a1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s0\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r1\n  annotations:\n    helm.sh/hook: pre-install\n",
                ),
                (
                    "c/templates/b.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c0\n  annotations:\n    helm.sh/hook: pre-install\n",
                ),
            ],
            &[
                HookRow {
                    name: "sa1",
                    kind: "ServiceAccount",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa1\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "s1",
                    kind: "Secret",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s1\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "s0",
                    kind: "Secret",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s0\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "c1",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "c0",
                    kind: "ConfigMap",
                    path: "c/templates/b.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c0\n  annotations:\n    helm.sh/hook: pre-install\n",
                },
                HookRow {
                    name: "r1",
                    kind: "Role",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r1\n  annotations:\n    helm.sh/hook: pre-install\n",
                },
                HookRow {
                    name: "p1",
                    kind: "Pod",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "j1",
                    kind: "Job",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j1\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "a1",
                    kind: "Alpha",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: example.com/v1\nkind: Alpha\nmetadata:\n  name: a1\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "w1",
                    kind: "Widget",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "z1",
                    kind: "Zeta",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: example.com/v1\nkind: Zeta\nmetadata:\n  name: z1\n  annotations:\n    helm.sh/hook: pre-install",
                },
            ],
            &[
                "a1", "c0", "c1", "j1", "p1", "r1", "s0", "s1", "sa1", "w1", "z1",
            ],
            "",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `same-weight-names`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn hooks_of_equal_weight_run_by_name_keeping_kind_order_for_ties() {
        assert_hooks(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: c\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: example.com/v1\nkind: Zeta\nmetadata:\n  name: a\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-1\"\n",
            )],
            &[
                HookRow {
                    name: "c",
                    kind: "ServiceAccount",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: c\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "b",
                    kind: "Secret",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "a",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    helm.sh/hook: pre-install",
                },
                HookRow {
                    name: "m",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: -1,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-1\"\n",
                },
                HookRow {
                    name: "a",
                    kind: "Zeta",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: example.com/v1\nkind: Zeta\nmetadata:\n  name: a\n  annotations:\n    helm.sh/hook: pre-install",
                },
            ],
            &["m", "a", "a", "b", "c"],
            "",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `events`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn hook_events_parse_like_helm_and_repeats_run_twice() {
        assert_hooks(
            &[
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e1\n  annotations:\n    helm.sh/hook: \"pre-install, post-install\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2\n  annotations:\n    helm.sh/hook: \" Pre-Install \"\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e3\n  annotations:\n    helm.sh/hook: test-success\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e4\n  annotations:\n    helm.sh/hook: test\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e5\n  annotations:\n    helm.sh/hook: pre-upgrade,post-upgrade,pre-rollback,post-rollback,pre-delete,post-delete\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e6\n  annotations:\n    helm.sh/hook: post-install,post-install\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e7\n  annotations:\n    helm.sh/hook: \"TEST,Post-Install\"\n",
                ),
                (
                    "c/templates/z.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
                ),
            ],
            &[
                HookRow {
                    name: "e1",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install", "post-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e1\n  annotations:\n    helm.sh/hook: \"pre-install, post-install\"",
                },
                HookRow {
                    name: "e2",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2\n  annotations:\n    helm.sh/hook: \" Pre-Install \"",
                },
                HookRow {
                    name: "e5",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &[
                        "pre-upgrade",
                        "post-upgrade",
                        "pre-rollback",
                        "post-rollback",
                        "pre-delete",
                        "post-delete",
                    ],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e5\n  annotations:\n    helm.sh/hook: pre-upgrade,post-upgrade,pre-rollback,post-rollback,pre-delete,post-delete",
                },
                HookRow {
                    name: "e6",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["post-install", "post-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e6\n  annotations:\n    helm.sh/hook: post-install,post-install",
                },
                HookRow {
                    name: "e7",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["test", "post-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e7\n  annotations:\n    helm.sh/hook: \"TEST,Post-Install\"\n",
                },
                HookRow {
                    name: "e3",
                    kind: "Pod",
                    path: "c/templates/a.yaml",
                    events: &["test"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: e3\n  annotations:\n    helm.sh/hook: test-success",
                },
                HookRow {
                    name: "e4",
                    kind: "Pod",
                    path: "c/templates/a.yaml",
                    events: &["test"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: e4\n  annotations:\n    helm.sh/hook: test",
                },
            ],
            &["e1", "e2", "e1", "e6", "e6", "e7"],
            "---\n# Source: c/templates/z.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n\n",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `delete-policies`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn delete_and_output_log_policies_are_kept_as_written_or_defaulted_when_run() {
        assert_hooks(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d1\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: \"hook-succeeded, Hook-Failed\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d2\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: bogus\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d3\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: \"\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d4\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: \"before-hook-creation,,hook-succeeded\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d5\n  annotations:\n    helm.sh/hook: pre-upgrade\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d6\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-output-log-policy: \" Hook-Succeeded ,hook-failed\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d7\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-delete-policy: \" \"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d8\n  annotations:\n    helm.sh/hook: pre-install\n",
            )],
            &[
                HookRow {
                    name: "d1",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &["hook-succeeded", "hook-failed"],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d1\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: \"hook-succeeded, Hook-Failed\"",
                },
                HookRow {
                    name: "d2",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &["bogus"],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d2\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: bogus",
                },
                HookRow {
                    name: "d3",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[""],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d3\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: \"\"",
                },
                HookRow {
                    name: "d4",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &["before-hook-creation", "", "hook-succeeded"],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d4\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: \"before-hook-creation,,hook-succeeded\"",
                },
                HookRow {
                    name: "d5",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d5\n  annotations:\n    helm.sh/hook: pre-upgrade",
                },
                HookRow {
                    name: "d6",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &["hook-succeeded", "hook-failed"],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d6\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-output-log-policy: \" Hook-Succeeded ,hook-failed\"",
                },
                HookRow {
                    name: "d7",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &[""],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d7\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-delete-policy: \" \"",
                },
                HookRow {
                    name: "d8",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d8\n  annotations:\n    helm.sh/hook: pre-install\n",
                },
            ],
            &["d7", "d8"],
            "",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `hook-odd-values`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn numeric_names_and_weights_and_capitalised_keys_in_hooks() {
        assert_hooks(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 7\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 123\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1.0\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    helm.sh/hook: pre-upgrade\n---\napiVersion: v1\nkind: ConfigMap\nMetadata:\n  Name: caps\n  ANNOTATIONS:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-3\"\n",
            )],
            &[
                HookRow {
                    name: "5",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 7,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 7",
                },
                HookRow {
                    name: "123",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 1,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 123\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1.0",
                },
                HookRow {
                    name: "",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    helm.sh/hook: pre-upgrade",
                },
                HookRow {
                    name: "caps",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: -3,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nMetadata:\n  Name: caps\n  ANNOTATIONS:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-3\"\n",
                },
            ],
            &[],
            "",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `hooks-across-files`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn hooks_keep_path_order_within_a_kind() {
        assert_hooks(
            &[
                ("c/templates/NOTES.txt", "n"),
                (
                    "c/templates/a.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ha\n  annotations:\n    helm.sh/hook: pre-upgrade\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: hs\n  annotations:\n    helm.sh/hook: pre-upgrade\n",
                ),
                (
                    "c/templates/b.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hb\n  annotations:\n    helm.sh/hook: pre-upgrade\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain-b\n",
                ),
            ],
            &[
                HookRow {
                    name: "hs",
                    kind: "Secret",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hs\n  annotations:\n    helm.sh/hook: pre-upgrade\n",
                },
                HookRow {
                    name: "ha",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ha\n  annotations:\n    helm.sh/hook: pre-upgrade",
                },
                HookRow {
                    name: "hb",
                    kind: "ConfigMap",
                    path: "c/templates/b.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hb\n  annotations:\n    helm.sh/hook: pre-upgrade",
                },
            ],
            &[],
            "---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain-b\n\n",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `weights`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn hook_weights_parse_like_go_atoi() {
        assert_hooks(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w00\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w01\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"+3\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w02\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \" 4\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w03\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"1_0\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w04\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 5\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w05\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 5.0\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w06\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: -2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w07\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"0x10\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w08\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"9223372036854775808\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w09\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1e3\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w10\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"abc\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w11\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w12\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: true\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w13\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-9223372036854775808\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w14\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"007\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w15\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 12\n",
            )],
            &[
                HookRow {
                    name: "w00",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: -5,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w00\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-5\"",
                },
                HookRow {
                    name: "w01",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 3,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w01\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"+3\"",
                },
                HookRow {
                    name: "w02",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w02\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \" 4\"",
                },
                HookRow {
                    name: "w03",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w03\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"1_0\"",
                },
                HookRow {
                    name: "w04",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 5,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w04\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 5",
                },
                HookRow {
                    name: "w05",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 5,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w05\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 5.0",
                },
                HookRow {
                    name: "w06",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: -2,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w06\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: -2",
                },
                HookRow {
                    name: "w07",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w07\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"0x10\"",
                },
                HookRow {
                    name: "w08",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w08\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"9223372036854775808\"",
                },
                HookRow {
                    name: "w09",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 1000,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w09\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1e3",
                },
                HookRow {
                    name: "w10",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w10\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"abc\"",
                },
                HookRow {
                    name: "w11",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w11\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"\"",
                },
                HookRow {
                    name: "w12",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w12\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: true",
                },
                HookRow {
                    name: "w13",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: -9223372036854775808,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w13\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"-9223372036854775808\"",
                },
                HookRow {
                    name: "w14",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 7,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w14\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: \"007\"",
                },
                HookRow {
                    name: "w15",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 12,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w15\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 12\n",
                },
            ],
            &[],
            "",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `weights-exec`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn hooks_run_in_weight_order() {
        assert_hooks(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x0\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"3\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x1\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-2\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x2\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"abc\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x3\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"10\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x4\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-10\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x5\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"2\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x6\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"0\"\n",
            )],
            &[
                HookRow {
                    name: "x0",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 3,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x0\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"3\"",
                },
                HookRow {
                    name: "x1",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: -2,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x1\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-2\"",
                },
                HookRow {
                    name: "x2",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x2\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"abc\"",
                },
                HookRow {
                    name: "x3",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 10,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x3\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"10\"",
                },
                HookRow {
                    name: "x4",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: -10,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x4\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-10\"",
                },
                HookRow {
                    name: "x5",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 2,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x5\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"2\"",
                },
                HookRow {
                    name: "x6",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-install"],
                    weight: 0,
                    delete: &["before-hook-creation"],
                    ran: true,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x6\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"0\"\n",
                },
            ],
            &["x4", "x1", "x2", "x6", "x5", "x0", "x3"],
            "",
        );
    }

    /// Helm v4.2.3 install against a stub API server, case `numeric-names`: stored hooks and the order
    /// their resources were created in.
    #[test]
    fn numbers_in_names_and_weights_read_as_go_formats_them() {
        assert_hooks(
            &[(
                "c/templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 1.5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1.5\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0.00001\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0.00001\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 123456.5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 123456.5\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 1234567.5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1234567.5\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 12345678901\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 12345678901\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0x1F\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0x1F\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: true\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: true\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: -2.5e-7\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: -2.5e-7\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0.1\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 100000.0\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 100000.0\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 3.0\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 3.0\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 1_000\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1_000\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0o17\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0o17\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: .5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: .5\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: +12\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: +12\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: -0.0\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: -0.0\n",
            )],
            &[
                HookRow {
                    name: "1.5",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 1.5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1.5",
                },
                HookRow {
                    name: "1e-05",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0.00001\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0.00001",
                },
                HookRow {
                    name: "123456.5",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 123456.5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 123456.5",
                },
                HookRow {
                    name: "1.2345675e+06",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 1234567.5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1234567.5",
                },
                HookRow {
                    name: "12345678901",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 12345678901,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 12345678901\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 12345678901",
                },
                HookRow {
                    name: "31",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 31,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0x1F\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0x1F",
                },
                HookRow {
                    name: "true",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: true\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: true",
                },
                HookRow {
                    name: "-2.5e-07",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: -2.5e-7\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: -2.5e-7",
                },
                HookRow {
                    name: "0.1",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0.1\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0.1",
                },
                HookRow {
                    name: "100000",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 100000,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 100000.0\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 100000.0",
                },
                HookRow {
                    name: "3",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 3,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 3.0\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 3.0",
                },
                HookRow {
                    name: "1000",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 1000,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 1_000\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 1_000",
                },
                HookRow {
                    name: "15",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 15,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0o17\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: 0o17",
                },
                HookRow {
                    name: "0.5",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: .5\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: .5",
                },
                HookRow {
                    name: "12",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 12,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: +12\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: +12",
                },
                HookRow {
                    name: "-0",
                    kind: "ConfigMap",
                    path: "c/templates/a.yaml",
                    events: &["pre-upgrade"],
                    weight: 0,
                    delete: &[],
                    ran: false,
                    output_log: &[],
                    manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: -0.0\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: -0.0\n",
                },
            ],
            &[],
            "",
        );
    }
}
