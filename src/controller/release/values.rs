//! A release's user values: every `valuesFrom` source in order (a ConfigMap or Secret key, merged
//! as a mapping, or placed at `targetPath` as `--set path=value` does), then the inline `values`
//! on top, read as Helm reads values files (numbers are float64). [`merge_values`] is pure; the
//! reading of the sources is [`read_sources`]. Messages name the source and the position of a
//! YAML error, never the content: values may hold secrets.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::{Api, Client};
use serde_json::{Map, Value};

use crate::api::conditions::reason;
use crate::api::release::{ValuesReference, ValuesSourceKind};
use crate::controller::API_CALL_TIMEOUT;
use crate::engine::chart::strvals;
use crate::engine::yaml::parse::{load_values, merge_maps};

/// Why the values could not be put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuesProblem {
    /// `InvalidValues` (only a spec or source change helps: Stalled) or `ReferenceNotFound`
    /// (a source may appear: retried).
    pub reason: &'static str,
    /// What is wrong, naming the source.
    pub message: String,
}

/// The text each `valuesFrom` source holds (`None`: the object or key is missing).
pub type SourceTexts = Vec<Option<String>>;

/// Merges the sources (in order) and then the inline values. Pure.
///
/// # Errors
/// A missing source that is not optional, a source or inline text that is not a YAML mapping,
/// a `targetPath` that does not parse.
pub fn merge_values(
    sources: &[ValuesReference],
    texts: &SourceTexts,
    inline: Option<&str>,
) -> Result<Map<String, Value>, ValuesProblem> {
    let mut merged = Map::new();
    for (source, text) in sources.iter().zip(texts) {
        let what = describe(source);
        let Some(text) = text else {
            if source.optional {
                continue;
            }
            return Err(ValuesProblem {
                reason: reason::REFERENCE_NOT_FOUND,
                message: format!(
                    "{what} not found (spec.valuesFrom; set optional: true to go on without it)"
                ),
            });
        };
        match source.target_path.as_deref().filter(|p| !p.is_empty()) {
            Some(path) => {
                // the whole text is one value: escape what --set syntax would split on
                let escaped = text.replace('\\', "\\\\").replace(',', "\\,");
                strvals::parse_set(&format!("{path}={escaped}"), &mut merged).map_err(|e| {
                    ValuesProblem {
                        reason: reason::INVALID_VALUES,
                        message: format!("{what}: targetPath {path:?}: {e}"),
                    }
                })?;
            }
            None => {
                let values = load(text, &what)?;
                merge_maps(&mut merged, values);
            }
        }
    }
    if let Some(text) = inline.filter(|t| !t.trim().is_empty()) {
        merge_maps(&mut merged, load(text, "spec.values")?);
    }
    Ok(merged)
}

fn load(text: &str, what: &str) -> Result<Map<String, Value>, ValuesProblem> {
    load_values(text).map_err(|e| ValuesProblem {
        reason: reason::INVALID_VALUES,
        message: format!("{what} is not a YAML mapping of values{}", position(&e)),
    })
}

/// The position of a YAML error (`line N, column M`), without the parser's quote of the text.
fn position(error: &str) -> String {
    let lower = error.to_ascii_lowercase();
    let Some(at) = lower.find("line ") else {
        return String::new();
    };
    let tail: String = error[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == ',')
        .collect();
    format!(" at {}", tail.trim_end_matches([',', ' ']))
}

fn describe(source: &ValuesReference) -> String {
    let kind = match source.kind {
        ValuesSourceKind::ConfigMap => "ConfigMap",
        ValuesSourceKind::Secret => "Secret",
    };
    format!("{kind} {} key {:?}", source.name, source.values_key)
}

/// Reads what each `valuesFrom` source holds, from the HelmRelease's namespace.
///
/// # Errors
/// An API failure (not a missing object: that is `None`), as a problem to retry.
pub async fn read_sources(
    client: &Client,
    namespace: &str,
    sources: &[ValuesReference],
) -> Result<SourceTexts, ValuesProblem> {
    let mut texts = Vec::with_capacity(sources.len());
    for source in sources {
        let failed = |why: String| ValuesProblem {
            reason: reason::REFERENCE_NOT_FOUND,
            message: format!("reading {}: {why}", describe(source)),
        };
        let data: Option<BTreeMap<String, Vec<u8>>> = match source.kind {
            ValuesSourceKind::ConfigMap => {
                let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
                get(api.get_opt(&source.name))
                    .await
                    .map_err(failed)?
                    .map(|cm| {
                        let mut data: BTreeMap<String, Vec<u8>> = cm
                            .data
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| (k, v.into_bytes()))
                            .collect();
                        for (k, v) in cm.binary_data.unwrap_or_default() {
                            data.entry(k).or_insert(v.0);
                        }
                        data
                    })
            }
            ValuesSourceKind::Secret => {
                let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
                get(api.get_opt(&source.name))
                    .await
                    .map_err(failed)?
                    .map(|s| {
                        s.data
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| (k, v.0))
                            .collect()
                    })
            }
        };
        let text = match data.and_then(|d| d.get(&source.values_key).cloned()) {
            None => None,
            Some(bytes) => Some(String::from_utf8(bytes).map_err(|_| ValuesProblem {
                reason: reason::INVALID_VALUES,
                message: format!("{} is not UTF-8 text", describe(source)),
            })?),
        };
        texts.push(text);
    }
    Ok(texts)
}

async fn get<T>(
    call: impl std::future::Future<Output = Result<Option<T>, kube::Error>>,
) -> Result<Option<T>, String> {
    match tokio::time::timeout(API_CALL_TIMEOUT, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}s", API_CALL_TIMEOUT.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(
        kind: ValuesSourceKind,
        name: &str,
        target: Option<&str>,
        optional: bool,
    ) -> ValuesReference {
        ValuesReference {
            kind,
            name: name.into(),
            values_key: "values.yaml".into(),
            target_path: target.map(str::to_owned),
            optional,
        }
    }

    #[test]
    fn sources_merge_in_order_and_inline_values_win() {
        let sources = [
            source(ValuesSourceKind::ConfigMap, "base", None, false),
            source(ValuesSourceKind::Secret, "prod", None, false),
        ];
        let texts = vec![
            Some("replicas: 1\nimage: {tag: a, pull: Always}\n".to_owned()),
            Some("image: {tag: b}\nport: 80\n".to_owned()),
        ];
        let merged = merge_values(&sources, &texts, Some("replicas: 3\n")).unwrap();
        assert_eq!(
            serde_json::Value::Object(merged),
            serde_json::json!({"replicas": 3.0, "image": {"tag": "b", "pull": "Always"}, "port": 80.0})
        );
    }

    #[test]
    fn a_target_path_places_the_whole_text_as_one_value() {
        let sources = [source(
            ValuesSourceKind::Secret,
            "db",
            Some("db.password"),
            false,
        )];
        let texts = vec![Some("p,a\\ss".to_owned())];
        let merged = merge_values(&sources, &texts, None).unwrap();
        assert_eq!(merged["db"]["password"], "p,a\\ss");
    }

    #[test]
    fn a_missing_source_is_skipped_only_when_optional() {
        let optional = [source(ValuesSourceKind::ConfigMap, "extra", None, true)];
        assert!(
            merge_values(&optional, &vec![None], None)
                .unwrap()
                .is_empty()
        );
        let required = [source(ValuesSourceKind::ConfigMap, "extra", None, false)];
        let p = merge_values(&required, &vec![None], None).unwrap_err();
        assert_eq!(p.reason, "ReferenceNotFound");
        assert!(
            p.message.contains("ConfigMap extra key \"values.yaml\""),
            "{}",
            p.message
        );
    }

    #[test]
    fn yaml_errors_name_the_source_and_position_but_never_the_content() {
        let sources = [source(ValuesSourceKind::Secret, "creds", None, false)];
        let texts = vec![Some("password: hunter2\n  bad: [\n".to_owned())];
        let p = merge_values(&sources, &texts, None).unwrap_err();
        assert_eq!(p.reason, "InvalidValues");
        assert!(
            p.message
                .starts_with("Secret creds key \"values.yaml\" is not a YAML mapping"),
            "{}",
            p.message
        );
        assert!(!p.message.contains("hunter2"), "{}", p.message);
        let p = merge_values(&[], &vec![], Some("- a list\n")).unwrap_err();
        assert!(p.message.starts_with("spec.values"), "{}", p.message);
    }
}
