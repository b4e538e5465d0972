//! Helm charts in OCI registries, through `oci-client`: `oci://` references, the chart's
//! versions from the registry's tags (every page, strict semver only, `_` read back as `+`,
//! newest first, as Helm's registry client does), and the chart archive pulled from its Helm
//! manifest with the digests checked. Credentials come inline or from a
//! `kubernetes.io/dockerconfigjson` Secret; TLS trusts an extra CA or nothing at all when asked;
//! plain HTTP only when asked.

use std::time::Duration;

use base64::Engine as _;
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

/// The config media type of a Helm chart manifest.
pub const HELM_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// The media type of the chart archive layer.
pub const HELM_CHART_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/// How to talk to a registry.
#[derive(Debug, Clone, Default)]
pub struct OciSettings {
    /// Plain HTTP (`spec.plainHTTP`).
    pub plain_http: bool,
    /// Extra CA certificates (PEM) trusted beside the system's.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any certificate.
    pub insecure_skip_verify: bool,
    /// Connect and read timeout.
    pub timeout: Option<Duration>,
}

/// Credentials for a registry.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum OciAuth {
    /// No credentials.
    #[default]
    Anonymous,
    /// Basic credentials (also exchanged for a Bearer token when the registry asks).
    Basic {
        /// User name.
        username: String,
        /// Password or token.
        password: String,
    },
}

impl std::fmt::Debug for OciAuth {
    // the password never reaches a log line
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OciAuth::Anonymous => write!(f, "Anonymous"),
            OciAuth::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
        }
    }
}

impl OciAuth {
    fn registry_auth(&self) -> RegistryAuth {
        match self {
            OciAuth::Anonymous => RegistryAuth::Anonymous,
            OciAuth::Basic { username, password } => {
                RegistryAuth::Basic(username.clone(), password.clone())
            }
        }
    }
}

/// Why a registry could not be read; each variant is a condition reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OciError {
    /// Not an `oci://host/path` reference.
    #[error("invalid OCI reference {reference:?}: {why}")]
    InvalidReference {
        /// The reference.
        reference: String,
        /// What is wrong.
        why: String,
    },
    /// The dockerconfigjson Secret cannot be read or has nothing for the registry.
    #[error("registry credentials: {0}")]
    Credentials(String),
    /// 401/403, or the token exchange failed.
    #[error("{registry}: authentication failed")]
    Unauthorized {
        /// The registry.
        registry: String,
    },
    /// The repository or tag does not exist.
    #[error("{reference}: not found")]
    NotFound {
        /// The reference.
        reference: String,
    },
    /// The manifest is not a Helm chart's.
    #[error("{reference} is not a Helm chart: {why}")]
    NotAHelmChart {
        /// The reference.
        reference: String,
        /// Which media type is wrong.
        why: String,
    },
    /// A pulled blob's digest is not the one the manifest names.
    #[error("{reference}: digest mismatch: {why}")]
    DigestMismatch {
        /// The reference.
        reference: String,
        /// Expected and actual digests.
        why: String,
    },
    /// The chart layer is larger than allowed.
    #[error("{reference}: the chart is larger than the maximum of {max} bytes")]
    TooLarge {
        /// The reference.
        reference: String,
        /// The limit.
        max: u64,
    },
    /// The TLS handshake failed (unknown CA, name mismatch, ...).
    #[error("{registry}: TLS handshake failed: {why}")]
    Tls {
        /// The registry.
        registry: String,
        /// The TLS library's reason.
        why: String,
    },
    /// A connection or any other transport failure.
    #[error("{registry}: {why}")]
    Transport {
        /// The registry.
        registry: String,
        /// The reason.
        why: String,
    },
}

/// A chart's place in a registry: `oci://registry[:port]/path/chart`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciChartRef {
    /// `host[:port]`.
    pub registry: String,
    /// The repository path, the chart name last.
    pub repository: String,
}

impl OciChartRef {
    /// Parses `oci://host[:port]/path/chart` (a tag or digest is refused: versions come from
    /// the constraint).
    ///
    /// # Errors
    /// [`OciError::InvalidReference`] naming what is wrong.
    pub fn parse(reference: &str) -> Result<Self, OciError> {
        let invalid = |why: &str| OciError::InvalidReference {
            reference: reference.to_owned(),
            why: why.to_owned(),
        };
        let rest = reference
            .strip_prefix("oci://")
            .ok_or_else(|| invalid("it must start with oci://"))?;
        let (registry, repository) = rest
            .split_once('/')
            .ok_or_else(|| invalid("it names no repository after the registry"))?;
        let repository = repository.trim_end_matches('/');
        if registry.is_empty() || repository.is_empty() {
            return Err(invalid("the registry and the repository must not be empty"));
        }
        if repository.contains([':', '@']) {
            return Err(invalid(
                "a tag or digest does not belong in the reference; the version comes from the constraint",
            ));
        }
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c);
        if !repository.chars().all(valid) {
            return Err(invalid(
                "a repository path holds lowercase letters, digits, '.', '_', '-' and '/'",
            ));
        }
        Ok(Self {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
        })
    }

    fn reference(&self, tag: Option<&str>) -> Reference {
        match tag {
            Some(tag) => Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                tag.to_owned(),
            ),
            None => Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                "latest".to_owned(),
            ),
        }
    }
}

impl std::fmt::Display for OciChartRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)
    }
}

/// The credentials a `kubernetes.io/dockerconfigjson` Secret's `.dockerconfigjson` holds for
/// `registry` (`auths.<registry>` with `auth` = base64 of `user:password`, or `username` and
/// `password`); anonymous when it has no entry for the registry.
///
/// # Errors
/// [`OciError::Credentials`] when the JSON or the `auth` field does not decode.
pub fn docker_config_auth(json: &[u8], registry: &str) -> Result<OciAuth, OciError> {
    let bad = |why: String| OciError::Credentials(format!(".dockerconfigjson: {why}"));
    let doc: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| bad(format!("not JSON: {e}")))?;
    let auths = doc
        .get("auths")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| bad("no \"auths\" object".into()))?;
    let entry = auths.iter().find(|(host, _)| {
        let host = host
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        host == registry || host.split('/').next() == Some(registry)
    });
    let Some((_, entry)) = entry else {
        return Ok(OciAuth::Anonymous);
    };
    let field = |k: &str| entry.get(k).and_then(serde_json::Value::as_str);
    if let Some(auth) = field("auth").filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth)
            .map_err(|_| bad(format!("the \"auth\" of {registry} is not base64")))?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| bad(format!("the \"auth\" of {registry} is not UTF-8")))?;
        let (username, password) = decoded
            .split_once(':')
            .ok_or_else(|| bad(format!("the \"auth\" of {registry} is not user:password")))?;
        return Ok(OciAuth::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
        });
    }
    match (field("username"), field("password")) {
        (Some(u), Some(p)) => Ok(OciAuth::Basic {
            username: u.to_owned(),
            password: p.to_owned(),
        }),
        _ => Err(bad(format!(
            "the entry for {registry} has neither \"auth\" nor \"username\" and \"password\""
        ))),
    }
}

/// A client for a registry's settings (reuse it: it pools connections and keeps tokens).
pub fn client(settings: &OciSettings) -> Client {
    let protocol = if settings.plain_http {
        oci_client::client::ClientProtocol::Http
    } else {
        oci_client::client::ClientProtocol::Https
    };
    let extra_root_certificates = settings
        .ca_pem
        .iter()
        .map(|pem| oci_client::client::Certificate {
            encoding: oci_client::client::CertificateEncoding::Pem,
            data: pem.clone(),
        })
        .collect();
    Client::new(oci_client::client::ClientConfig {
        protocol,
        extra_root_certificates,
        accept_invalid_certificates: settings.insecure_skip_verify,
        read_timeout: settings.timeout,
        connect_timeout: settings.timeout,
        ..Default::default()
    })
}

/// A chart version the registry holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciVersion {
    /// The version (`_` in the tag read back as `+`).
    pub version: semver::Version,
    /// The tag as the registry has it.
    pub tag: String,
}

/// The chart's versions, newest first: every page of the tag list, strict semver tags only.
///
/// # Errors
/// An [`OciError`] naming the reason.
pub async fn list_versions(
    client: &Client,
    chart: &OciChartRef,
    auth: &OciAuth,
) -> Result<Vec<OciVersion>, OciError> {
    list_versions_paged(client, chart, auth, 500).await
}

/// [`list_versions`], asking the registry for `page` tags at a time.
///
/// # Errors
/// An [`OciError`] naming the reason.
pub async fn list_versions_paged(
    client: &Client,
    chart: &OciChartRef,
    auth: &OciAuth,
    page: usize,
) -> Result<Vec<OciVersion>, OciError> {
    let page_size = page.max(1);
    let reference = chart.reference(None);
    let mut tags: Vec<String> = Vec::new();
    let mut last: Option<String> = None;
    loop {
        let page = client
            .list_tags(
                &reference,
                &auth.registry_auth(),
                Some(page_size),
                last.as_deref(),
            )
            .await
            .map_err(|e| classify(e, chart, None))?;
        let n = page.tags.len();
        // a registry that ignores `last` would repeat its first page forever
        if n == 0 || page.tags.last() == last.as_ref() {
            break;
        }
        last = page.tags.last().cloned();
        tags.extend(page.tags);
        if n < page_size {
            break;
        }
    }
    let mut versions: Vec<OciVersion> = tags
        .into_iter()
        .filter_map(|tag| {
            let version = semver::Version::parse(&tag.replace('_', "+")).ok()?;
            Some(OciVersion { version, tag })
        })
        .collect();
    versions.sort_by(|a, b| b.version.cmp(&a.version));
    versions.dedup_by(|a, b| a.tag == b.tag);
    Ok(versions)
}

/// What a registry path (`oci://host/path`, a HelmRepository's URL) offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryListing {
    /// The registry's catalog was listed: every repository directly below the path that has at
    /// least one semver tag, by chart name, versions newest first.
    Charts(std::collections::BTreeMap<String, Vec<OciVersion>>),
    /// The registry accepted the credentials but does not list its repositories to them (many
    /// hosted registries refuse `/v2/_catalog`); versions are looked up per chart when asked.
    CatalogUnavailable {
        /// Why, e.g. `HTTP 404`.
        why: String,
    },
}

/// Lists the charts under `base` (`oci://host/path`): the catalog's repositories directly below
/// the path, then each one's tags (`concurrency` at a time). At most `max_charts` repositories
/// are read; the rest are left out.
///
/// Credentials are checked before the catalog is asked, so that a catalog refused to valid
/// credentials (a token registry without catalog rights) is told apart from wrong credentials.
///
/// # Errors
/// An [`OciError`] naming the reason.
pub async fn list_registry(
    client: &Client,
    base: &OciChartRef,
    auth: &OciAuth,
    max_charts: usize,
    concurrency: usize,
) -> Result<RegistryListing, OciError> {
    use futures::StreamExt as _;
    let probe = base.reference(None);
    let token_flow = client
        .auth(
            &probe,
            &auth.registry_auth(),
            oci_client::RegistryOperation::Pull,
        )
        .await
        .map_err(|e| classify(e, base, None))?
        .is_some();
    let prefix = format!("{}/", base.repository);
    let mut children = Vec::new();
    let mut last: Option<String> = None;
    const PAGE: usize = 1000;
    loop {
        let page = match client
            .catalog(&probe, &auth.registry_auth(), Some(PAGE), last.as_deref())
            .await
        {
            Ok(page) => page,
            Err(e) => {
                let refused = catalog_refusal(&e);
                return match (refused, token_flow) {
                    // 401/403 to credentials the token service just accepted: no catalog rights
                    (Some(why), true) => Ok(RegistryListing::CatalogUnavailable { why }),
                    (Some(why), false)
                        if !why.starts_with("HTTP 401") && !why.starts_with("HTTP 403") =>
                    {
                        Ok(RegistryListing::CatalogUnavailable { why })
                    }
                    _ => Err(classify(e, base, None)),
                };
            }
        };
        let n = page.repositories.len();
        if n == 0 || page.repositories.last() == last.as_ref() {
            break;
        }
        last = page.repositories.last().cloned();
        children.extend(
            page.repositories
                .into_iter()
                .filter_map(|r| r.strip_prefix(&prefix).map(str::to_owned))
                .filter(|name| !name.is_empty() && !name.contains('/')),
        );
        if n < PAGE || children.len() >= max_charts {
            break;
        }
    }
    children.truncate(max_charts);
    type Listed = Result<Option<(String, Vec<OciVersion>)>, OciError>;
    let listed: Vec<Listed> = futures::stream::iter(children)
        .map(|name| {
            let repository = format!("{prefix}{name}");
            async move {
                let chart = OciChartRef {
                    registry: base.registry.clone(),
                    repository,
                };
                match list_versions(client, &chart, auth).await {
                    Ok(versions) if versions.is_empty() => Ok(None),
                    Ok(versions) => Ok(Some((name, versions))),
                    // deleted between the catalog and its tag list
                    Err(OciError::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut charts = std::collections::BTreeMap::new();
    for item in listed {
        if let Some((name, versions)) = item? {
            charts.insert(name, versions);
        }
    }
    Ok(RegistryListing::Charts(charts))
}

/// The distribution error codes of a registry's error reply, by name (`Unauthorized`, ...).
fn error_codes(envelope: &oci_client::errors::OciEnvelope) -> Vec<String> {
    envelope
        .errors
        .iter()
        .map(|e| format!("{:?}", e.code))
        .collect()
}

/// Whether a catalog request was refused as a service rather than failed: the status that says
/// so (`HTTP 401`/`403`/`404`/`405`, or the registry's `UNSUPPORTED`/`DENIED` codes).
fn catalog_refusal(e: &OciDistributionError) -> Option<String> {
    match e {
        OciDistributionError::ServerError { code, .. } if matches!(code, 401 | 403 | 404 | 405) => {
            Some(format!("HTTP {code}"))
        }
        OciDistributionError::UnauthorizedError { .. } => Some("HTTP 401".to_owned()),
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes = error_codes(envelope);
            codes
                .iter()
                .any(|c| c == "Unsupported" || c == "Denied" || c == "Unauthorized")
                .then(|| {
                    let status = if codes.iter().any(|c| c == "Unauthorized") {
                        "HTTP 401"
                    } else {
                        "refused"
                    };
                    format!("{status} ({})", codes.join(", "))
                })
        }
        _ => None,
    }
}

/// A chart archive pulled from a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledChart {
    /// The `.tgz` bytes.
    pub archive: Vec<u8>,
    /// The layer's digest (`sha256:...`), the same as an HTTP index's `digest`.
    pub digest: String,
    /// The manifest's digest.
    pub manifest_digest: String,
}

/// Pulls the chart archive of `tag`: the manifest must be a Helm chart's, the layer no larger
/// than `max_bytes`, and every digest must match.
///
/// # Errors
/// An [`OciError`] naming the reason.
pub async fn pull_chart(
    client: &Client,
    chart: &OciChartRef,
    tag: &str,
    auth: &OciAuth,
    max_bytes: u64,
) -> Result<PulledChart, OciError> {
    let reference = chart.reference(Some(tag));
    let shown = format!("{chart}:{tag}");
    let (manifest, manifest_digest) = client
        .pull_image_manifest(&reference, &auth.registry_auth())
        .await
        .map_err(|e| classify(e, chart, Some(&shown)))?;
    if manifest.config.media_type != HELM_CONFIG_MEDIA_TYPE {
        return Err(OciError::NotAHelmChart {
            reference: shown,
            why: format!("config media type {:?}", manifest.config.media_type),
        });
    }
    let layer = manifest
        .layers
        .iter()
        .find(|l| l.media_type == HELM_CHART_MEDIA_TYPE)
        .ok_or_else(|| OciError::NotAHelmChart {
            reference: shown.clone(),
            why: format!("no {HELM_CHART_MEDIA_TYPE} layer"),
        })?;
    if u64::try_from(layer.size).unwrap_or(u64::MAX) > max_bytes {
        return Err(OciError::TooLarge {
            reference: shown,
            max: max_bytes,
        });
    }
    let mut archive = Vec::new();
    client
        .pull_blob(&reference, layer, &mut archive)
        .await
        .map_err(|e| classify(e, chart, Some(&shown)))?;
    if archive.len() as u64 > max_bytes {
        return Err(OciError::TooLarge {
            reference: shown,
            max: max_bytes,
        });
    }
    Ok(PulledChart {
        archive,
        digest: layer.digest.clone(),
        manifest_digest,
    })
}

fn classify(e: OciDistributionError, chart: &OciChartRef, shown: Option<&str>) -> OciError {
    let registry = chart.registry.clone();
    let reference = shown.map_or_else(|| chart.to_string(), str::to_owned);
    match e {
        OciDistributionError::AuthenticationFailure(_)
        | OciDistributionError::UnauthorizedError { .. } => OciError::Unauthorized { registry },
        OciDistributionError::ImageManifestNotFoundError(_) => OciError::NotFound { reference },
        OciDistributionError::DigestError(d) => OciError::DigestMismatch {
            reference,
            why: d.to_string(),
        },
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes = error_codes(&envelope);
            if codes.iter().any(|c| c == "Unauthorized" || c == "Denied") {
                OciError::Unauthorized { registry }
            } else if codes
                .iter()
                .any(|c| c.contains("Unknown") || c == "NotFound")
            {
                OciError::NotFound { reference }
            } else {
                OciError::Transport {
                    registry,
                    why: format!("registry error {}", codes.join(", ")),
                }
            }
        }
        OciDistributionError::ServerError {
            code: 401 | 403, ..
        } => OciError::Unauthorized { registry },
        OciDistributionError::ServerError { code: 404, .. } => OciError::NotFound { reference },
        other => {
            if let Some(tls) = crate::source::http::find_tls_error(&other) {
                return OciError::Tls {
                    registry,
                    why: tls.to_string(),
                };
            }
            let mut why = other.to_string();
            let mut source = std::error::Error::source(&other);
            while let Some(cause) = source {
                why = format!("{why}: {cause}");
                source = cause.source();
            }
            OciError::Transport { registry, why }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_oci_urls_without_tags() {
        let r = OciChartRef::parse("oci://127.0.0.1:5000/charts/nginx").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "charts/nginx");
        assert_eq!(r.to_string(), "oci://127.0.0.1:5000/charts/nginx");
        for bad in [
            "https://x/y",
            "oci://registry",
            "oci:///x",
            "oci://r/x:1.0.0",
            "oci://r/x@sha256:00",
            "oci://r/Upper",
        ] {
            assert!(
                matches!(
                    OciChartRef::parse(bad),
                    Err(OciError::InvalidReference { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn docker_config_secrets_give_basic_credentials_for_their_registry() {
        let auth = base64::engine::general_purpose::STANDARD.encode("u:p:w");
        let json = format!(
            r#"{{"auths":{{"https://myacr.azurecr.io/":{{"auth":"{auth}"}},"gar.example":{{"username":"_json_key","password":"{{}}"}}}}}}"#
        );
        assert_eq!(
            docker_config_auth(json.as_bytes(), "myacr.azurecr.io").unwrap(),
            OciAuth::Basic {
                username: "u".into(),
                password: "p:w".into()
            }
        );
        assert_eq!(
            docker_config_auth(json.as_bytes(), "gar.example").unwrap(),
            OciAuth::Basic {
                username: "_json_key".into(),
                password: "{}".into()
            }
        );
        assert_eq!(
            docker_config_auth(json.as_bytes(), "elsewhere").unwrap(),
            OciAuth::Anonymous
        );
        let e = docker_config_auth(b"{\"auths\":{\"r\":{\"auth\":\"!!\"}}}", "r").unwrap_err();
        assert!(e.to_string().contains("not base64"), "{e}");
        assert!(docker_config_auth(b"[]", "r").is_err());
        let shown = format!(
            "{:?}",
            OciAuth::Basic {
                username: "u".into(),
                password: "s3cret".into()
            }
        );
        assert!(!shown.contains("s3cret"));
    }
}
