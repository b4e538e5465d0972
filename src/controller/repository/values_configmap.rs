//! The values ConfigMaps of a HelmRepository (`spec.valuesConfigMapPolicy`): the ConfigMap that
//! publishes one chart version's default values, its name, labels and annotations, the selector
//! that lists a repository's values ConfigMaps, the retention rule (`spec.valuesConfigMapRetention`)
//! and the extraction of a chart archive's `values.yaml`.
//!
//! Pure: the controller reads and writes the objects; nothing here talks to the API server.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};
use sha2::{Digest as _, Sha256};

use crate::api::HelmRepository;
use crate::engine::chart::load::{LoadError, LoadLimits, archive_files};

/// Label naming the HelmRepository (through [`label_value`]).
pub const LABEL_REPOSITORY: &str = "helm-operator.ketches.cn/repository";
/// Label naming the chart (through [`label_value`]).
pub const LABEL_CHART: &str = "helm-operator.ketches.cn/chart";
/// Label naming the chart version (through [`label_value`]).
pub const LABEL_CHART_VERSION: &str = "helm-operator.ketches.cn/chart-version";
/// The standard label saying which tool manages the object.
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`LABEL_MANAGED_BY`].
pub const MANAGED_BY: &str = "helm-operator";
/// Label telling values ConfigMaps apart from anything else the operator may create.
pub const LABEL_COMPONENT: &str = "helm-operator.ketches.cn/component";
/// The value of [`LABEL_COMPONENT`] on values ConfigMaps.
pub const COMPONENT: &str = "chart-values";
/// Annotation with the exact chart name (the label may be shortened or hashed).
pub const ANNOTATION_CHART: &str = "helm-operator.ketches.cn/chart";
/// Annotation with the exact chart version text (the label may be shortened or hashed).
pub const ANNOTATION_CHART_VERSION: &str = "helm-operator.ketches.cn/chart-version";
/// Annotation with the chart archive's digest, as the repository reports it.
pub const ANNOTATION_CHART_DIGEST: &str = "helm-operator.ketches.cn/chart-digest";
/// Annotation with the time the values were last needed (RFC 3339, UTC, whole seconds).
pub const ANNOTATION_LAST_USED: &str = "helm-operator.ketches.cn/last-used";
/// The ConfigMap data key holding the chart's `values.yaml`.
pub const DATA_KEY: &str = "values.yaml";
/// The most a ConfigMap's data values may hold together (the API server's `MaxSecretSize`,
/// which it applies to ConfigMaps too; keys are not counted).
pub const MAX_VALUES_BYTES: usize = 1024 * 1024;

/// Longest DNS-1123 subdomain, hence longest ConfigMap name.
const MAX_NAME: usize = 253;
/// Longest label value.
const MAX_LABEL_VALUE: usize = 63;
/// Hex digits of SHA-256 appended to a name or label value that had to be changed.
const HASH_LEN: usize = 10;

/// The name of the values ConfigMap of `chart` at `version` from `repository`:
/// `<repository>-<chart>-<version>-values` when that is a valid DNS-1123 subdomain of at most 253
/// characters, used as it is.
///
/// Otherwise each part is lower-cased, every character outside `[a-z0-9.-]` becomes `-`, dashes
/// at the edges of dot-separated labels and empty labels are dropped, the longest parts are
/// shortened until everything fits, and `-<10 hex digits of SHA-256 of
/// "repository/chart/version">` is appended. A changed name therefore never ends in `-values`
/// while an unchanged one always does, so the two kinds cannot collide, and changed names differ
/// whenever their inputs do (up to the 40-bit hash).
///
/// Unchanged names can collide when dashes shift between parts (`a` + `b-c` and `a-b` + `c`);
/// the owner reference keeps such a clash visible instead of letting one repository take over
/// the other's ConfigMap.
pub fn configmap_name(repository: &str, chart: &str, version: &str) -> String {
    let plain = format!("{repository}-{chart}-{version}-values");
    if is_dns1123_subdomain(&plain) {
        return plain;
    }
    let hash = hash_hex(&format!("{repository}/{chart}/{version}"));
    let mut parts: Vec<String> = [repository, chart, version]
        .iter()
        .map(|p| subdomain_part(p))
        .filter(|p| !p.is_empty())
        .collect();
    // Room for the parts themselves: the name minus the hash, "values" and the dashes that join
    // everything (one after each part and one before the hash).
    let separators = parts.len() + 1;
    let room = MAX_NAME - HASH_LEN - "values".len() - separators;
    shorten_longest(&mut parts, room);
    parts.retain(|p| !p.is_empty());
    parts.push("values".to_owned());
    parts.push(hash);
    parts.join("-")
}

/// `text` as a label value: itself when it is a valid one (at most 63 characters of
/// `[A-Za-z0-9._-]`, alphanumeric at both ends, or empty); otherwise every other character
/// becomes `-`, the edges are trimmed to alphanumerics, the rest is shortened to fit and
/// `-<10 hex digits of SHA-256 of text>` is appended (only the hash when nothing readable is
/// left).
pub fn label_value(text: &str) -> String {
    if is_label_value(text) {
        return text.to_owned();
    }
    let hash = hash_hex(text);
    let mapped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    // `mapped` is ASCII, so any byte index is a character boundary.
    let readable = trim_to_alphanumeric(&mapped);
    let readable =
        trim_to_alphanumeric(&readable[..readable.len().min(MAX_LABEL_VALUE - HASH_LEN - 1)]);
    if readable.is_empty() {
        hash
    } else {
        format!("{readable}-{hash}")
    }
}

/// The label selector that lists the values ConfigMaps of the repository named `repository`.
pub fn selector(repository: &str) -> String {
    format!(
        "{LABEL_MANAGED_BY}={MANAGED_BY},{LABEL_COMPONENT}={COMPONENT},{LABEL_REPOSITORY}={}",
        label_value(repository)
    )
}

/// The values ConfigMap of `chart` at `version` from `repo`: named by [`configmap_name`], in the
/// repository's namespace, with the labels and annotations of this module (`digest` only when
/// given; `used_at` in whole seconds), `values_yaml` under [`DATA_KEY`], and the repository as
/// its controlling owner so that deleting the repository deletes its ConfigMaps (no owner
/// reference when the repository has no uid yet).
pub fn values_configmap(
    repo: &HelmRepository,
    chart: &str,
    version: &str,
    digest: Option<&str>,
    values_yaml: &str,
    used_at: Timestamp,
) -> ConfigMap {
    let repository = repo.name_any();
    let labels = BTreeMap::from([
        (LABEL_MANAGED_BY.to_owned(), MANAGED_BY.to_owned()),
        (LABEL_COMPONENT.to_owned(), COMPONENT.to_owned()),
        (LABEL_REPOSITORY.to_owned(), label_value(&repository)),
        (LABEL_CHART.to_owned(), label_value(chart)),
        (LABEL_CHART_VERSION.to_owned(), label_value(version)),
    ]);
    let mut annotations = BTreeMap::from([
        (ANNOTATION_CHART.to_owned(), chart.to_owned()),
        (ANNOTATION_CHART_VERSION.to_owned(), version.to_owned()),
        (ANNOTATION_LAST_USED.to_owned(), format_time(used_at)),
    ]);
    if let Some(digest) = digest {
        annotations.insert(ANNOTATION_CHART_DIGEST.to_owned(), digest.to_owned());
    }
    let owner_references = repo.uid().map(|uid| {
        vec![OwnerReference {
            api_version: HelmRepository::api_version(&()).into_owned(),
            kind: HelmRepository::kind(&()).into_owned(),
            name: repository.clone(),
            uid,
            controller: Some(true),
            block_owner_deletion: Some(true),
        }]
    });
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(configmap_name(&repository, chart, version)),
            namespace: repo.namespace(),
            labels: Some(labels),
            annotations: Some(annotations),
            owner_references,
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(
            DATA_KEY.to_owned(),
            values_yaml.to_owned(),
        )])),
        ..ConfigMap::default()
    }
}

/// When the values of `cm` were last needed: its [`ANNOTATION_LAST_USED`], or its
/// creationTimestamp when the annotation is missing or not an RFC 3339 time, or `None` when it
/// has neither.
pub fn last_used(cm: &ConfigMap) -> Option<Timestamp> {
    cm.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION_LAST_USED))
        .and_then(|t| t.parse::<Timestamp>().ok())
        .or_else(|| cm.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// Whether `cm` was last needed more than `retention` before `now` (exactly `retention` ago is
/// still kept). A ConfigMap with no usable time, or a retention too long to add to its time,
/// never expires.
pub fn is_expired(cm: &ConfigMap, now: Timestamp, retention: Duration) -> bool {
    let Some(last) = last_used(cm) else {
        return false;
    };
    let Ok(retention) = SignedDuration::try_from(retention) else {
        return false;
    };
    last.checked_add(retention)
        .is_ok_and(|deadline| now > deadline)
}

/// Why a chart's default values could not be taken from its archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValuesFileError {
    /// The archive cannot be read (gzip or tar error, unsafe path, size limit).
    #[error("cannot read the chart archive: {0}")]
    Archive(#[from] LoadError),
    /// `values.yaml` is not UTF-8 (Helm cannot load such a chart either).
    #[error("the chart's values.yaml is not valid UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// `values.yaml` does not fit in a ConfigMap.
    #[error(
        "the chart's values.yaml is {size} bytes, more than the {max} bytes a ConfigMap can hold"
    )]
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// [`MAX_VALUES_BYTES`].
        max: usize,
    },
}

/// The top chart's `values.yaml` from a chart archive, as packaged (a leading UTF-8 BOM removed,
/// as Helm removes it), or an empty string when the chart has none; subcharts' values are not
/// included.
///
/// `helm show values` prints this text followed by one newline (Go's `Println`), and nothing
/// when there is no `values.yaml`. An archive with several `values.yaml` entries (which `helm
/// package` never makes) gives them all, joined by a newline, again as `helm show values` prints
/// them. The rest of the chart is not validated: an archive Helm refuses to load for another
/// reason (say, a broken `Chart.yaml`) still gives its values.
///
/// # Errors
/// [`ValuesFileError`]: an unreadable archive, a `values.yaml` that is not UTF-8 or is larger
/// than [`MAX_VALUES_BYTES`].
pub fn default_values_yaml(archive: &[u8], limits: &LoadLimits) -> Result<String, ValuesFileError> {
    let files = archive_files(archive, limits)?;
    let mut bytes = Vec::new();
    for (i, file) in files.iter().filter(|f| f.name == DATA_KEY).enumerate() {
        if i > 0 {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&file.data);
    }
    if bytes.len() > MAX_VALUES_BYTES {
        return Err(ValuesFileError::TooLarge {
            size: bytes.len(),
            max: MAX_VALUES_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| ValuesFileError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Kubernetes' `IsDNS1123Subdomain`: 1 to 253 characters, dot-separated labels of `[a-z0-9-]`
/// that start and end alphanumeric.
fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NAME
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// Kubernetes' `IsValidLabelValue`: empty, or at most 63 characters of `[A-Za-z0-9._-]` that
/// start and end alphanumeric.
fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= MAX_LABEL_VALUE
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric())
}

/// One part of a name made into a DNS-1123 subdomain (possibly empty): lower case, other
/// characters as `-`, no empty labels, no dash at a label's edge.
fn subdomain_part(part: &str) -> String {
    let mapped: String = part
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    mapped
        .split('.')
        .map(|label| label.trim_matches('-'))
        .filter(|label| !label.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}

/// Shortens the longest of `parts` (ASCII) to one common length, as long as possible, so that
/// together they take at most `room` bytes; each shortened part loses a trailing `-` or `.` so
/// that it still ends alphanumeric (and may become empty).
fn shorten_longest(parts: &mut [String], room: usize) {
    if parts.iter().map(String::len).sum::<usize>() <= room {
        return;
    }
    let mut cap = room;
    while cap > 0 && parts.iter().map(|p| p.len().min(cap)).sum::<usize>() > room {
        cap -= 1;
    }
    for part in parts.iter_mut() {
        if part.len() > cap {
            part.truncate(cap);
            let kept = part.trim_end_matches(['-', '.']).len();
            part.truncate(kept);
        }
    }
}

/// `s` without leading and trailing characters that are not ASCII alphanumerics.
fn trim_to_alphanumeric(s: &str) -> &str {
    s.trim_matches(|c: char| !c.is_ascii_alphanumeric())
}

/// The first [`HASH_LEN`] hex digits of SHA-256 of `text`.
fn hash_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(HASH_LEN);
    for byte in digest.iter().take(HASH_LEN / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// RFC 3339 in UTC with whole seconds, as Kubernetes writes its own times.
fn format_time(t: Timestamp) -> String {
    Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use std::io::Write as _;

    /// Kubernetes' DNS-1123 subdomain rule, written out independently of the module's checker.
    fn valid_subdomain(s: &str) -> bool {
        if s.is_empty() || s.len() > 253 {
            return false;
        }
        let mut prev = '.';
        for (i, c) in s.chars().enumerate() {
            let ok = match c {
                'a'..='z' | '0'..='9' => true,
                '-' => prev != '.',
                '.' => prev != '.' && prev != '-' && i > 0,
                _ => false,
            };
            if !ok {
                return false;
            }
            prev = c;
        }
        prev != '-' && prev != '.'
    }

    fn valid_label_value(s: &str) -> bool {
        s.is_empty()
            || (s.len() <= 63
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                && s.starts_with(|c: char| c.is_ascii_alphanumeric())
                && s.ends_with(|c: char| c.is_ascii_alphanumeric()))
    }

    #[test]
    fn a_valid_name_is_used_as_it_is() {
        assert_eq!(
            configmap_name("bitnami", "redis", "17.3.2"),
            "bitnami-redis-17.3.2-values"
        );
        // Leading digits are fine in a DNS-1123 subdomain.
        assert_eq!(
            configmap_name("1repo", "9chart", "0.1.0-rc.1"),
            "1repo-9chart-0.1.0-rc.1-values"
        );
    }

    #[test]
    fn a_changed_name_ends_with_the_hash_of_its_inputs() {
        // Hashes computed with Python's hashlib.sha256 over "repository/chart/version".
        assert_eq!(
            configmap_name("bitnami", "Redis", "1.0.0"),
            "bitnami-redis-1.0.0-values-af53e2ad2c"
        );
        assert_eq!(
            configmap_name("repo", "chart", "1.0.0+build"),
            "repo-chart-1.0.0-build-values-2db356e680"
        );
        assert_eq!(
            configmap_name("repo", "chart", "1.0.0-build"),
            "repo-chart-1.0.0-build-values"
        );
    }

    #[test]
    fn tricky_names_are_valid_distinct_and_deterministic() {
        let long_chart = "c".repeat(300);
        let long_dashed = format!("{}-{}", "x".repeat(150), "y".repeat(149));
        let long_repo = "r".repeat(253);
        let long_version = format!("1.0.0-{}", "a".repeat(300));
        let inputs: Vec<(&str, &str, &str)> = vec![
            ("repo", "Chart", "1.0.0"),
            ("repo", "chart", "1.0.0"),
            ("repo", "CHART", "1.0.0"),
            ("repo", "chart", "1.0.0+build"),
            ("repo", "chart", "1.0.0-build"),
            ("repo", "chart", "1.0.0_build"),
            ("repo", &long_chart, "1.0.0"),
            ("repo", &long_chart, "1.0.1"),
            ("repo", &long_dashed, "1.0.0"),
            (&long_repo, "chart", "1.0.0"),
            (&long_repo, &long_chart, &long_version),
            ("repo", "chart", &long_version),
            ("repo", "a..b", "1.0.0"),
            ("repo", ".hidden", "1.0.0"),
            ("repo", "trailing.", "1.0.0"),
            ("repo", "a.-b", "1.0.0"),
            ("repo", "-lead", "1.0.0"),
            ("repo", "--", "1.0.0"),
            ("repo", "", "1.0.0"),
            ("repo", "", ""),
            ("repo", "9lives", "1.0.0"),
            ("repo", "ünïcödé", "1.0.0"),
            ("repo", "日本語", "1.0.0"),
            ("repo", "\u{1F600}", "1.0.0"),
            ("repo", "a b", "1.0.0"),
            ("repo", "a/b", "1.0.0"),
            ("re.po", "chart", "v1"),
        ];
        let mut seen = std::collections::BTreeMap::new();
        for (r, c, v) in &inputs {
            let name = configmap_name(r, c, v);
            assert!(valid_subdomain(&name), "{name:?} from {r:?} {c:?} {v:?}");
            assert!(!name.starts_with('-') && !name.ends_with('-'), "{name:?}");
            assert_eq!(name, configmap_name(r, c, v), "deterministic");
            if let Some(other) = seen.insert(name.clone(), (r, c, v)) {
                panic!("{name:?} for both {other:?} and {:?}", (r, c, v));
            }
        }
        // The readable part keeps the short parts whole and shortens the long ones.
        let name = configmap_name("repo", &long_chart, "1.0.0");
        assert_eq!(name.len(), 253);
        assert!(name.starts_with("repo-ccc"), "{name}");
        assert!(name.contains("c-1.0.0-values-"), "{name}");
        // Empty parts keep a valid name as it is; parts with nothing readable are left out.
        assert_eq!(configmap_name("repo", "", ""), "repo---values");
        assert_eq!(
            configmap_name("repo", "+", "_"),
            format!("repo-values-{}", hash_hex("repo/+/_"))
        );
    }

    #[test]
    fn a_name_at_the_length_limit_is_kept_and_one_past_it_is_hashed() {
        // "r-" + chart + "-1-values" = 253 characters.
        let chart = "c".repeat(253 - "r--1-values".len());
        let name = configmap_name("r", &chart, "1");
        assert_eq!(name, format!("r-{chart}-1-values"));
        assert_eq!(name.len(), 253);
        let longer = format!("{chart}c");
        let name = configmap_name("r", &longer, "1");
        assert_eq!(name.len(), 253);
        assert!(name.ends_with(&format!("-1-values-{}", hash_hex(&format!("r/{longer}/1")))));
        assert!(valid_subdomain(&name));
    }

    #[test]
    fn label_values_are_valid_and_changed_ones_carry_a_hash() {
        // A hash computed with Python's hashlib.sha256 over the text.
        assert_eq!(label_value("1.0.0+build"), "1.0.0-build-ee58f611d6");
        for ok in ["", "1.0.0", "redis", "A_b.c-D", &"x".repeat(63)] {
            assert_eq!(label_value(ok), ok);
        }
        let mut inputs: Vec<String> = [
            "1.0.0+build",
            "1.0.0+Build",
            "-x-",
            "+++",
            "",
            "_a",
            "a_",
            "ünïcödé",
            "日本",
            "a b",
        ]
        .map(String::from)
        .to_vec();
        inputs.push("x".repeat(64));
        inputs.push("x".repeat(300));
        inputs.push(format!("{}+", "y".repeat(62)));
        let mut seen = std::collections::BTreeSet::new();
        for text in &inputs {
            let v = label_value(text);
            assert!(valid_label_value(&v), "{v:?} from {text:?}");
            assert!(seen.insert(v.clone()), "{v:?} twice");
        }
        assert_eq!(label_value("+++"), hash_hex("+++"));
        assert_eq!(label_value("-x-"), format!("x-{}", hash_hex("-x-")));
        assert_eq!(label_value(&"x".repeat(300)).len(), 63);
    }

    #[test]
    fn the_selector_lists_one_repositorys_values_configmaps() {
        assert_eq!(
            selector("bitnami"),
            "app.kubernetes.io/managed-by=helm-operator,\
             helm-operator.ketches.cn/component=chart-values,\
             helm-operator.ketches.cn/repository=bitnami"
        );
        let long = "r".repeat(100);
        assert!(selector(&long).ends_with(&format!(
            "helm-operator.ketches.cn/repository={}",
            label_value(&long)
        )));
    }

    fn repo(uid: Option<&str>) -> HelmRepository {
        let mut meta = serde_json::json!({"name": "bitnami", "namespace": "charts"});
        if let Some(uid) = uid {
            meta["uid"] = uid.into();
        }
        serde_json::from_value(serde_json::json!({
            "apiVersion": "helm-operator.ketches.cn/v1alpha1",
            "kind": "HelmRepository",
            "metadata": meta,
            "spec": {"url": "https://charts.example.com"}
        }))
        .unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_configmap_carries_name_labels_annotations_owner_and_data() {
        let cm = values_configmap(
            &repo(Some("u-1")),
            "redis",
            "1.0.0+build",
            Some("sha256:abc"),
            "a: 1\n",
            at("2024-05-06T07:08:09.750Z"),
        );
        let m = &cm.metadata;
        assert_eq!(
            m.name.as_deref(),
            Some("bitnami-redis-1.0.0-build-values-33114a5c74")
        );
        assert_eq!(
            m.name.as_deref(),
            Some(configmap_name("bitnami", "redis", "1.0.0+build").as_str())
        );
        assert_eq!(m.namespace.as_deref(), Some("charts"));
        let labels: Vec<(&str, &str)> = m
            .labels
            .as_ref()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("app.kubernetes.io/managed-by", "helm-operator"),
                ("helm-operator.ketches.cn/chart", "redis"),
                (
                    "helm-operator.ketches.cn/chart-version",
                    label_value("1.0.0+build").as_str()
                ),
                ("helm-operator.ketches.cn/component", "chart-values"),
                ("helm-operator.ketches.cn/repository", "bitnami"),
            ]
        );
        let annotations: Vec<(&str, &str)> = m
            .annotations
            .as_ref()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            annotations,
            [
                ("helm-operator.ketches.cn/chart", "redis"),
                ("helm-operator.ketches.cn/chart-digest", "sha256:abc"),
                ("helm-operator.ketches.cn/chart-version", "1.0.0+build"),
                ("helm-operator.ketches.cn/last-used", "2024-05-06T07:08:09Z"),
            ]
        );
        assert_eq!(
            m.owner_references,
            Some(vec![OwnerReference {
                api_version: "helm-operator.ketches.cn/v1alpha1".into(),
                kind: "HelmRepository".into(),
                name: "bitnami".into(),
                uid: "u-1".into(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }])
        );
        assert_eq!(
            cm.data,
            Some(BTreeMap::from([("values.yaml".into(), "a: 1\n".into())]))
        );
        assert_eq!(last_used(&cm), Some(at("2024-05-06T07:08:09Z")));

        let bare = values_configmap(
            &repo(None),
            "redis",
            "1.0.0",
            None,
            "",
            at("2024-05-06T07:08:09Z"),
        );
        assert_eq!(bare.metadata.owner_references, None);
        assert!(
            !bare
                .metadata
                .annotations
                .unwrap()
                .contains_key(ANNOTATION_CHART_DIGEST)
        );
    }

    fn cm_with(last_used: Option<&str>, created: Option<&str>) -> ConfigMap {
        let mut cm = ConfigMap::default();
        if let Some(t) = last_used {
            cm.metadata.annotations = Some(BTreeMap::from([(
                ANNOTATION_LAST_USED.to_owned(),
                t.to_owned(),
            )]));
        }
        cm.metadata.creation_timestamp = created.map(|t| Time(at(t)));
        cm
    }

    #[test]
    fn expiry_counts_from_last_use_and_keeps_the_boundary() {
        let week = Duration::from_secs(7 * 24 * 3600);
        let cm = cm_with(Some("2024-01-01T00:00:00Z"), Some("2023-01-01T00:00:00Z"));
        assert!(!is_expired(&cm, at("2024-01-08T00:00:00Z"), week));
        assert!(is_expired(&cm, at("2024-01-08T00:00:00.001Z"), week));
        assert!(!is_expired(&cm, at("2024-01-07T23:59:59Z"), week));
        // Offsets other than Z are read as the instant they name.
        let cm = cm_with(Some("2024-01-01T02:00:00+02:00"), None);
        assert!(!is_expired(&cm, at("2024-01-08T00:00:00Z"), week));
        assert!(is_expired(&cm, at("2024-01-08T00:00:01Z"), week));
    }

    #[test]
    fn a_missing_or_garbled_last_use_falls_back_to_creation() {
        let week = Duration::from_secs(7 * 24 * 3600);
        let now = at("2024-01-08T00:00:01Z");
        for annotation in [None, Some("yesterday"), Some(""), Some("2024-01-01")] {
            let old = cm_with(annotation, Some("2024-01-01T00:00:00Z"));
            assert_eq!(last_used(&old), Some(at("2024-01-01T00:00:00Z")));
            assert!(is_expired(&old, now, week), "{annotation:?}");
            let young = cm_with(annotation, Some("2024-01-05T00:00:00Z"));
            assert!(!is_expired(&young, now, week), "{annotation:?}");
            let neither = cm_with(annotation, None);
            assert_eq!(last_used(&neither), None);
            assert!(!is_expired(&neither, now, week), "{annotation:?}");
        }
        // A last use in the future (clock skew) and an enormous retention never expire.
        let future = cm_with(Some("2030-01-01T00:00:00Z"), None);
        assert!(!is_expired(&future, now, Duration::ZERO));
        let old = cm_with(Some("2000-01-01T00:00:00Z"), None);
        assert!(!is_expired(&old, now, Duration::MAX));
        assert!(is_expired(&old, now, Duration::ZERO));
    }

    // -- values.yaml from archives ----------------------------------------------------------

    /// A ustar archive of regular files, gzipped.
    fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut tar = Vec::new();
        for (name, data) in entries {
            let mut h = [0u8; 512];
            h[..name.len()].copy_from_slice(name.as_bytes());
            h[100..108].copy_from_slice(b"0000644\0");
            h[108..116].copy_from_slice(b"0000000\0");
            h[116..124].copy_from_slice(b"0000000\0");
            h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
            h[136..148].copy_from_slice(b"00000000000\0");
            h[148..156].copy_from_slice(b"        ");
            h[156] = b'0';
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
            let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
            h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            tar.extend_from_slice(&h);
            tar.extend_from_slice(data);
            tar.resize(tar.len().div_ceil(512) * 512, 0);
        }
        tar.resize(tar.len() + 1024, 0);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        gz.finish().unwrap()
    }

    const CY: &[u8] = b"apiVersion: v2\nname: c\nversion: 0.1.0\n";

    fn values(entries: &[(&str, &[u8])]) -> Result<String, ValuesFileError> {
        default_values_yaml(&tgz(entries), &LoadLimits::default())
    }

    /// What `helm show values` printed for the same archive, recorded from Helm v4.2.3.
    fn helm_shows(text: &str, has_values: bool) -> String {
        if has_values {
            format!("{text}\n")
        } else {
            text.to_owned()
        }
    }

    /// Archive entries, whether they include the top chart's `values.yaml`, and what `helm show
    /// values` printed.
    type ShowCase<'a> = (Vec<(&'a str, &'a [u8])>, bool, &'a str);

    #[test]
    fn values_come_from_the_top_chart_as_helm_shows_them() {
        // (entries, has values.yaml, `helm show values` output recorded from Helm v4.2.3)
        let sub_cy = b"apiVersion: v2\nname: s\nversion: 0.1.0\n";
        let cases: Vec<ShowCase> = vec![
            (
                vec![
                    ("c/Chart.yaml", CY),
                    ("c/values.yaml", b"a: 1\n# comment\nb:\n  - x\n"),
                ],
                true,
                "a: 1\n# comment\nb:\n  - x\n\n",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/values.yaml", b"a: 1")],
                true,
                "a: 1\n",
            ),
            (
                vec![
                    ("c/Chart.yaml", CY),
                    ("c/values.yaml", b"\xEF\xBB\xBFa: 1\n"),
                ],
                true,
                "a: 1\n\n",
            ),
            (vec![("c/Chart.yaml", CY)], false, ""),
            (
                vec![("c/Chart.yaml", CY), ("c/values.yaml", b"")],
                true,
                "\n",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/values.yaml", b"a: 1\r\nb: 2\r\n")],
                true,
                "a: 1\r\nb: 2\r\n\n",
            ),
            (
                vec![
                    ("c/Chart.yaml", CY),
                    ("c/values.yaml", b"top: 1\n"),
                    ("c/charts/s/Chart.yaml", sub_cy),
                    ("c/charts/s/values.yaml", b"sub: 2\n"),
                ],
                true,
                "top: 1\n\n",
            ),
            (
                vec![
                    ("c/Chart.yaml", CY),
                    ("c/charts/s/Chart.yaml", sub_cy),
                    ("c/charts/s/values.yaml", b"s: 1\n"),
                ],
                false,
                "",
            ),
            (
                vec![
                    ("c/Chart.yaml", CY),
                    (
                        "c/values.yaml",
                        "k: \"h\u{e9}llo \u{2603}\"\n\n\n".as_bytes(),
                    ),
                ],
                true,
                "k: \"h\u{e9}llo \u{2603}\"\n\n\n\n",
            ),
            (
                vec![
                    ("c/Chart.yaml", CY),
                    ("c/values.yaml", b"a: 1\n"),
                    ("c/values.yaml", b"b: 2\n"),
                ],
                true,
                "a: 1\n\nb: 2\n\n",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/./values.yaml", b"a: 1\n")],
                true,
                "a: 1\n\n",
            ),
            (
                vec![("x/Chart.yaml", CY), ("x/values.yaml", b"a: 1\n")],
                true,
                "a: 1\n\n",
            ),
            (
                vec![("c\\Chart.yaml", CY), ("c\\values.yaml", b"a: 1\n")],
                true,
                "a: 1\n\n",
            ),
        ];
        for (entries, has_values, shown) in cases {
            let got = values(&entries).unwrap();
            assert_eq!(helm_shows(&got, has_values), shown, "{entries:?}");
        }
    }

    /// A chart packaged by `helm package` (Helm v4.2.3) from `tiny/` with `Chart.yaml`
    /// (version `1.0.0+build.1`), a `values.yaml` with a CRLF line, non-ASCII text and no final
    /// newline, and a subchart with values of its own.
    const TINY_TGZ: &str = "H4sIFAAAAAAA/ykAK2FIUjBjSE02THk5NWIzVjBkUzVpWlM5Nk9WVjZNV2xqYW5keVRRbz1IZWxtAOyWT2rrMBCHvRa8OwzJ8hVlRrFT8LY9Q/dyojgCWQ76k5J1L9Er9By9SU9S4lIKopBFa4e2+jYDxuAZmM+/CdoeFzc76QI/ys4UY4CIuCrLoSJiWhFXVFC1xCUJsTy9R4LKVQE4SjcJ0QfpCvzyt9Lhfghyr++U87q3NRwEs7JTNZyWgh3eHxNHjv+bqM2GE7t0w5lvZfD/IE1UfrQfwDn/qbpO/S9JZP+nYA63aiujCfC2BLDt3eA/Z7qTraoZQJBtDTPiOAOAOey1tWrzj7VOqaBtW8Pu+cmYHl4eHxibQ3BSG21bWPddp2y4AtuDVfdGW3XpcTMJg//rU/77hY/NKKfA2fyvMPG/FIKy/1Pwaf772HzEP3LimGP/l5L6P8YpcNZ/Eqn/ZVVl/6fAx6aG4KLKhmcymcyf4jUAAP//2o29lQAUAAA=";

    #[test]
    fn a_chart_packaged_by_helm_gives_what_helm_show_values_prints() {
        use base64::Engine as _;
        let archive = base64::engine::general_purpose::STANDARD
            .decode(TINY_TGZ)
            .unwrap();
        let got = default_values_yaml(&archive, &LoadLimits::default()).unwrap();
        let shown = "# Default values for tiny.\nimage:\n  tag: \"1.0\"   # pinned\r\ngreeting: h\u{e9}llo \u{2603}\n\n# trailing comment, no newline\n";
        assert_eq!(helm_shows(&got, true), shown);
    }

    #[test]
    fn unusable_values_files_and_archives_are_refused_clearly() {
        let bad = values(&[("c/Chart.yaml", CY), ("c/values.yaml", b"a: \"\xff\"\n")]);
        assert_eq!(bad, Err(ValuesFileError::NotUtf8 { offset: 4 }));
        assert_eq!(
            bad.unwrap_err().to_string(),
            "the chart's values.yaml is not valid UTF-8 (invalid byte at offset 4)"
        );

        let fits = vec![b'a'; MAX_VALUES_BYTES];
        assert_eq!(
            values(&[("c/Chart.yaml", CY), ("c/values.yaml", &fits)]).map(|s| s.len()),
            Ok(MAX_VALUES_BYTES)
        );
        let big = vec![b'a'; MAX_VALUES_BYTES + 1];
        let err = values(&[("c/Chart.yaml", CY), ("c/values.yaml", &big)]).unwrap_err();
        assert_eq!(
            err,
            ValuesFileError::TooLarge {
                size: MAX_VALUES_BYTES + 1,
                max: MAX_VALUES_BYTES
            }
        );
        assert_eq!(
            err.to_string(),
            "the chart's values.yaml is 1048577 bytes, more than the 1048576 bytes a ConfigMap can hold"
        );

        let err = default_values_yaml(b"not a gzip stream", &LoadLimits::default()).unwrap_err();
        assert!(matches!(err, ValuesFileError::Archive(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("cannot read the chart archive: "),
            "{err}"
        );
        let err = values(&[("c/Chart.yaml", CY), ("c/../values.yaml", b"a: 1\n")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read the chart archive: chart illegally references parent directory"
        );
    }
}
