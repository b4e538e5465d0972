//! Turns a HelmRepository's `auth` into what the sources need: Basic credentials (inline or from
//! a Secret with `username`/`password`), TLS material from a Secret (`ca.crt`, `tls.crt`,
//! `tls.key`), and registry credentials from a `kubernetes.io/dockerconfigjson` Secret.
//!
//! Secrets are read from the repository's own namespace; a `secretRef.namespace` naming another
//! one is refused unless the operator runs with `--allow-cross-namespace-secrets`. Messages name
//! the Secret and the key, never a value.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};

use crate::api::SecretReference;
use crate::api::conditions::reason;
use crate::api::repository::{HelmRepositorySpec, RepositoryType};
use crate::controller::API_CALL_TIMEOUT;
use crate::source::http::{BasicAuth, RepoTls};
use crate::source::oci::{OciChartRef, docker_config_auth};
use crate::source::sync::{RepoEndpoint, RepoKind};

/// Why credentials could not be assembled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CredentialError {
    /// PascalCase condition reason.
    pub reason: &'static str,
    /// What is wrong, naming the field, the Secret and the key.
    pub message: String,
    /// Whether only a spec change can fix it (`Stalled`), rather than a Secret appearing.
    pub stalled: bool,
}

impl CredentialError {
    fn missing(message: String) -> Self {
        Self {
            reason: reason::REFERENCE_NOT_FOUND,
            message,
            stalled: false,
        }
    }
}

/// Every Secret reference of a spec, with the field that holds it. Pure.
pub fn secret_refs(spec: &HelmRepositorySpec) -> Vec<(&'static str, &SecretReference)> {
    let Some(auth) = &spec.auth else {
        return Vec::new();
    };
    let mut refs = Vec::new();
    if let Some(r) = auth.basic.as_ref().and_then(|b| b.secret_ref.as_ref()) {
        refs.push(("spec.auth.basic.secretRef", r));
    }
    if let Some(r) = auth.tls.as_ref().and_then(|t| t.secret_ref.as_ref()) {
        refs.push(("spec.auth.tls.secretRef", r));
    }
    if let Some(r) = &auth.secret_ref {
        refs.push(("spec.auth.secretRef", r));
    }
    refs
}

/// The first Secret reference that leaves `namespace` when that is not allowed. Pure.
pub fn cross_namespace_problem(
    spec: &HelmRepositorySpec,
    namespace: &str,
    allowed: bool,
) -> Option<CredentialError> {
    if allowed {
        return None;
    }
    secret_refs(spec).into_iter().find_map(|(field, r)| {
        let target = r.namespace_or(namespace);
        (target != namespace).then(|| CredentialError {
            reason: reason::CROSS_NAMESPACE_REFERENCE,
            message: format!(
                "{field} names Secret {target}/{}, outside the repository's namespace {namespace}; the operator reads Secrets from other namespaces only with --allow-cross-namespace-secrets",
                r.name
            ),
            stalled: true,
        })
    })
}

/// Reads the Secrets the spec names and builds the endpoint to read the repository with.
///
/// # Errors
/// A [`CredentialError`]: a Secret or key is missing, a Secret is refused, or its content is
/// unusable.
pub async fn endpoint(
    client: &Client,
    spec: &HelmRepositorySpec,
    namespace: &str,
    allow_cross_namespace: bool,
    timeout: Duration,
) -> Result<RepoEndpoint, CredentialError> {
    if let Some(problem) = cross_namespace_problem(spec, namespace, allow_cross_namespace) {
        return Err(problem);
    }
    let kind = match spec.effective_type() {
        RepositoryType::Helm => RepoKind::Http,
        RepositoryType::Oci => RepoKind::Oci,
    };
    let mut endpoint = RepoEndpoint {
        url: spec.url.clone(),
        kind,
        basic: None,
        registry_auth: None,
        tls: RepoTls::default(),
        plain_http: spec.plain_http,
        timeout,
    };
    let Some(auth) = &spec.auth else {
        return Ok(endpoint);
    };
    if let Some(basic) = &auth.basic {
        endpoint.basic = Some(match &basic.secret_ref {
            Some(r) => {
                let data = read_secret(client, r, namespace, "spec.auth.basic.secretRef").await?;
                BasicAuth {
                    username: text_key(&data, r, namespace, "username")?,
                    password: text_key(&data, r, namespace, "password")?,
                }
            }
            None => BasicAuth {
                username: basic.username.clone().unwrap_or_default(),
                password: basic.password.clone().unwrap_or_default(),
            },
        });
    }
    if let Some(tls) = &auth.tls {
        endpoint.tls.insecure_skip_verify = tls.insecure_skip_verify;
        if let Some(r) = &tls.secret_ref {
            let data = read_secret(client, r, namespace, "spec.auth.tls.secretRef").await?;
            let get = |key: &str| data.get(key).map(|b| b.0.clone()).filter(|b| !b.is_empty());
            endpoint.tls.ca_pem = get("ca.crt");
            endpoint.tls.cert_pem = get("tls.crt");
            endpoint.tls.key_pem = get("tls.key");
            if endpoint.tls.ca_pem.is_none() && endpoint.tls.cert_pem.is_none() {
                return Err(CredentialError::missing(format!(
                    "Secret {}/{} (spec.auth.tls.secretRef) has neither ca.crt nor tls.crt",
                    r.namespace_or(namespace),
                    r.name
                )));
            }
        }
    }
    if let Some(r) = &auth.secret_ref {
        let data = read_secret(client, r, namespace, "spec.auth.secretRef").await?;
        let json = data.get(".dockerconfigjson").ok_or_else(|| {
            CredentialError::missing(format!(
                "Secret {}/{} (spec.auth.secretRef) has no key \".dockerconfigjson\"; create it with kubectl create secret docker-registry",
                r.namespace_or(namespace),
                r.name
            ))
        })?;
        let registry = OciChartRef::parse(&spec.url)
            .map(|c| c.registry)
            .unwrap_or_default();
        let auth = docker_config_auth(&json.0, &registry).map_err(|e| CredentialError {
            reason: reason::AUTHENTICATION_FAILED,
            message: format!(
                "Secret {}/{} (spec.auth.secretRef): {e}",
                r.namespace_or(namespace),
                r.name
            ),
            stalled: false,
        })?;
        endpoint.registry_auth = Some(auth);
    }
    Ok(endpoint)
}

/// [`endpoint`] for a repository with the operator's settings: its own `timeout`, and Secrets
/// from other namespaces only when the operator allows them.
///
/// # Errors
/// As [`endpoint`].
pub async fn repository_endpoint(
    ctx: &crate::controller::Context,
    spec: &HelmRepositorySpec,
    namespace: &str,
) -> Result<RepoEndpoint, CredentialError> {
    let timeout =
        crate::api::duration::parse_duration(&spec.timeout).unwrap_or(Duration::from_secs(60));
    endpoint(
        &ctx.client,
        spec,
        namespace,
        ctx.options.allow_cross_namespace_secrets,
        timeout,
    )
    .await
}

async fn read_secret(
    client: &Client,
    r: &SecretReference,
    namespace: &str,
    field: &str,
) -> Result<BTreeMap<String, ByteString>, CredentialError> {
    let target = r.namespace_or(namespace);
    let api: Api<Secret> = Api::namespaced(client.clone(), target);
    let secret = match tokio::time::timeout(API_CALL_TIMEOUT, api.get_opt(&r.name)).await {
        Ok(Ok(Some(secret))) => secret,
        Ok(Ok(None)) => {
            return Err(CredentialError::missing(format!(
                "Secret {target}/{} ({field}) not found",
                r.name
            )));
        }
        Ok(Err(e)) => {
            return Err(CredentialError {
                reason: reason::REFERENCE_NOT_FOUND,
                message: format!("reading Secret {target}/{} ({field}): {e}", r.name),
                stalled: false,
            });
        }
        Err(_) => {
            return Err(CredentialError {
                reason: reason::REFERENCE_NOT_FOUND,
                message: format!(
                    "reading Secret {target}/{} ({field}) timed out after {}s",
                    r.name,
                    API_CALL_TIMEOUT.as_secs()
                ),
                stalled: false,
            });
        }
    };
    let mut data = secret.data.unwrap_or_default();
    // stringData is write-only on a real server; an emulator or a test may still return it
    for (k, v) in secret.string_data.unwrap_or_default() {
        data.entry(k).or_insert_with(|| ByteString(v.into_bytes()));
    }
    Ok(data)
}

fn text_key(
    data: &BTreeMap<String, ByteString>,
    r: &SecretReference,
    namespace: &str,
    key: &str,
) -> Result<String, CredentialError> {
    let where_ = || format!("Secret {}/{}", r.namespace_or(namespace), r.name);
    let bytes = data
        .get(key)
        .ok_or_else(|| CredentialError::missing(format!("{} has no key {key:?}", where_())))?;
    let text = String::from_utf8(bytes.0.clone()).map_err(|_| CredentialError {
        reason: reason::AUTHENTICATION_FAILED,
        message: format!("{} key {key:?} is not UTF-8 text", where_()),
        stalled: false,
    })?;
    // `echo pass | base64` leaves a newline that would become part of the password
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::repository::{BasicAuth as SpecBasic, RepositoryAuth, TlsConfig};

    fn spec(auth: RepositoryAuth) -> HelmRepositorySpec {
        let mut spec: HelmRepositorySpec =
            serde_json::from_value(serde_json::json!({"url": "https://charts.example.com"}))
                .unwrap();
        spec.auth = Some(auth);
        spec
    }

    fn reference(name: &str, namespace: Option<&str>) -> SecretReference {
        SecretReference {
            name: name.into(),
            namespace: namespace.map(str::to_owned),
        }
    }

    #[test]
    fn secrets_of_other_namespaces_are_refused_unless_the_operator_allows_them() {
        let s = spec(RepositoryAuth {
            basic: Some(SpecBasic {
                secret_ref: Some(reference("creds", None)),
                ..SpecBasic::default()
            }),
            tls: Some(TlsConfig {
                secret_ref: Some(reference("ca", Some("platform"))),
                insecure_skip_verify: false,
            }),
            secret_ref: None,
        });
        let refused = cross_namespace_problem(&s, "team-a", false).unwrap();
        assert_eq!(refused.reason, "CrossNamespaceReference");
        assert!(refused.stalled);
        assert!(
            refused.message.contains("spec.auth.tls.secretRef")
                && refused.message.contains("platform/ca")
                && refused.message.contains("--allow-cross-namespace-secrets"),
            "{}",
            refused.message
        );
        assert!(cross_namespace_problem(&s, "team-a", true).is_none());
        assert!(cross_namespace_problem(&s, "platform", false).is_none());
    }

    #[test]
    fn an_explicit_own_namespace_or_an_empty_one_is_local() {
        let s = spec(RepositoryAuth {
            secret_ref: Some(reference("d", Some("team-a"))),
            basic: Some(SpecBasic {
                secret_ref: Some(reference("b", Some(""))),
                ..SpecBasic::default()
            }),
            tls: None,
        });
        assert!(cross_namespace_problem(&s, "team-a", false).is_none());
        assert_eq!(secret_refs(&s).len(), 2);
    }

    #[test]
    fn secret_text_loses_a_trailing_newline_and_names_missing_keys() {
        let mut data = BTreeMap::new();
        data.insert("password".to_owned(), ByteString(b"s3cret\n".to_vec()));
        let r = reference("creds", None);
        assert_eq!(text_key(&data, &r, "ns", "password").unwrap(), "s3cret");
        let missing = text_key(&data, &r, "ns", "username").unwrap_err();
        assert_eq!(missing.reason, "ReferenceNotFound");
        assert_eq!(missing.message, "Secret ns/creds has no key \"username\"");
        data.insert("bin".to_owned(), ByteString(vec![0xff, 0xfe]));
        let binary = text_key(&data, &r, "ns", "bin").unwrap_err();
        assert!(!binary.message.contains('\u{fffd}'));
    }
}
