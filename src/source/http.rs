//! Helm HTTP repositories on the wire: the HTTP client a repository's TLS settings call for
//! (custom CA, client certificate, `insecureSkipVerify`, ring as the only crypto provider), and
//! the `index.yaml` download: conditional (ETag / Last-Modified), gzip-aware, Basic-authenticated,
//! bounded in time and in size both as sent and as inflated, with failures sorted into the
//! reasons a `HelmRepository` reports.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

/// TLS settings of a repository, as the `tls` Secret gives them.
#[derive(Debug, Clone, Default)]
pub struct RepoTls {
    /// `ca.crt`: PEM certificates trusted instead of the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// `tls.crt`: the client certificate chain (PEM).
    pub cert_pem: Option<Vec<u8>>,
    /// `tls.key`: the client key (PEM).
    pub key_pem: Option<Vec<u8>>,
    /// Accept any server certificate (`insecureSkipVerify`).
    pub insecure_skip_verify: bool,
}

/// Basic credentials.
#[derive(Clone, Default)]
pub struct BasicAuth {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    // the password never reaches a log line
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Why a repository could not be read; each variant is a condition reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL is not an `http(s)` URL.
    #[error("invalid repository URL {url:?}: {why}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        why: String,
    },
    /// The TLS settings are unusable (bad PEM, key not matching).
    #[error("TLS settings: {0}")]
    TlsConfig(String),
    /// The TLS handshake failed (unknown CA, name mismatch, ...).
    #[error("TLS handshake with {host} failed: {why}")]
    Tls {
        /// The host.
        host: String,
        /// The TLS library's reason.
        why: String,
    },
    /// No connection (DNS, refused, reset).
    #[error("cannot reach {url}: {why}")]
    Unreachable {
        /// The URL.
        url: String,
        /// The reason.
        why: String,
    },
    /// No answer within the timeout.
    #[error("no answer from {url} within {timeout:?}")]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout.
        timeout: Duration,
    },
    /// 401 or 403.
    #[error("{url}: authentication failed (HTTP {status})")]
    Unauthorized {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// 404.
    #[error("{url}: not found (HTTP 404)")]
    NotFound {
        /// The URL.
        url: String,
    },
    /// Any other non-success status.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body (or its inflated form) is larger than allowed.
    #[error("{url}: the download is larger than the maximum of {max} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        max: u64,
    },
    /// The body could not be read or inflated.
    #[error("{url}: reading the response: {why}")]
    Body {
        /// The URL.
        url: String,
        /// The reason.
        why: String,
    },
}

/// A client for one repository's TLS settings (reuse it: it pools connections).
///
/// # Errors
/// [`FetchError::TlsConfig`] when a PEM does not parse or the key does not fit the certificate.
pub fn client(tls: &RepoTls, timeout: Duration) -> Result<reqwest::Client, FetchError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::TlsConfig(e.to_string()))?;
    let builder = if tls.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
    } else {
        let mut roots = rustls::RootCertStore::empty();
        match &tls.ca_pem {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(pem) {
                    let cert = cert.map_err(|e| FetchError::TlsConfig(format!("ca.crt: {e}")))?;
                    roots
                        .add(cert)
                        .map_err(|e| FetchError::TlsConfig(format!("ca.crt: {e}")))?;
                }
                if roots.is_empty() {
                    return Err(FetchError::TlsConfig(
                        "ca.crt holds no PEM certificate".into(),
                    ));
                }
            }
            None => {
                // unreadable system certificates are skipped, as Go's system pool skips them
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
        }
        builder.with_root_certificates(roots)
    };
    let config = match (&tls.cert_pem, &tls.key_pem) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_slice_iter(cert)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| FetchError::TlsConfig(format!("tls.crt: {e}")))?;
            let key = PrivateKeyDer::from_pem_slice(key)
                .map_err(|e| FetchError::TlsConfig(format!("tls.key: {e}")))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| FetchError::TlsConfig(format!("tls.crt and tls.key: {e}")))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(FetchError::TlsConfig(
                "a client certificate needs both tls.crt and tls.key".into(),
            ));
        }
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(timeout)
        .user_agent(concat!("helm-operator/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError::TlsConfig(e.to_string()))
}

/// `insecureSkipVerify`: any certificate is accepted, signatures are still checked.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The `index.yaml` URL of a repository URL (`https://x/charts` → `https://x/charts/index.yaml`;
/// a query string stays, as Helm keeps it).
///
/// # Errors
/// [`FetchError::InvalidUrl`] for anything but an absolute `http`/`https` URL.
pub fn index_url(repo_url: &str) -> Result<reqwest::Url, FetchError> {
    let invalid = |why: String| FetchError::InvalidUrl {
        url: repo_url.to_owned(),
        why,
    };
    let mut url = reqwest::Url::parse(repo_url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme must be http or https, not {:?}",
            url.scheme()
        )));
    }
    let path = format!("{}/index.yaml", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}

/// What to download and what the last download said.
#[derive(Debug, Clone, Copy)]
pub struct IndexRequest<'a> {
    /// The repository URL (`index.yaml` is appended).
    pub repo_url: &'a str,
    /// Basic credentials, if any.
    pub auth: Option<&'a BasicAuth>,
    /// The ETag of the copy held.
    pub etag: Option<&'a str>,
    /// The Last-Modified of the copy held.
    pub last_modified: Option<&'a str>,
    /// The largest index accepted, compressed or inflated.
    pub max_bytes: u64,
    /// The client's timeout, for the message.
    pub timeout: Duration,
}

/// What a download gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexFetch {
    /// The server says the copy held is current (304).
    NotModified,
    /// A new index.
    Fetched {
        /// The index bytes (inflated).
        body: Vec<u8>,
        /// Its ETag.
        etag: Option<String>,
        /// Its Last-Modified.
        last_modified: Option<String>,
    },
}

/// Downloads a repository's `index.yaml`.
///
/// # Errors
/// A [`FetchError`] naming the reason: unreachable, TLS, timeout, 401/403, 404, other status,
/// too large, unreadable body.
pub async fn fetch_index(
    client: &reqwest::Client,
    req: &IndexRequest<'_>,
) -> Result<IndexFetch, FetchError> {
    let url = index_url(req.repo_url)?;
    get(
        client,
        url,
        &Download {
            auth: req.auth,
            etag: req.etag,
            last_modified: req.last_modified,
            max_bytes: req.max_bytes,
            timeout: req.timeout,
        },
    )
    .await
}

/// Downloads a chart archive from `url` (an absolute URL, as [`crate::source::index::resolve_chart_url`]
/// makes it). `auth` goes only where the caller decided it may go: Helm sends repository
/// credentials to chart URLs on the repository's own host only.
///
/// # Errors
/// A [`FetchError`] naming the reason.
pub async fn fetch_archive(
    client: &reqwest::Client,
    url: &str,
    auth: Option<&BasicAuth>,
    max_bytes: u64,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::InvalidUrl {
        url: url.to_owned(),
        why: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::InvalidUrl {
            url: url.to_owned(),
            why: "a chart URL must be http or https".to_owned(),
        });
    }
    let download = Download {
        auth,
        etag: None,
        last_modified: None,
        max_bytes,
        timeout,
    };
    match get(client, parsed, &download).await? {
        IndexFetch::Fetched { body, .. } => Ok(body),
        // nothing was asked conditionally: a 304 here is the server's mistake
        IndexFetch::NotModified => Err(FetchError::Status {
            url: url.to_owned(),
            status: 304,
        }),
    }
}

/// One GET's options.
struct Download<'a> {
    auth: Option<&'a BasicAuth>,
    etag: Option<&'a str>,
    last_modified: Option<&'a str>,
    max_bytes: u64,
    timeout: Duration,
}

/// A GET with optional validators, gzip inflated, the size capped on the wire and inflated.
async fn get(
    client: &reqwest::Client,
    url: reqwest::Url,
    req: &Download<'_>,
) -> Result<IndexFetch, FetchError> {
    let shown = url.to_string();
    let mut request = client.get(url.clone()).header(ACCEPT_ENCODING, "gzip");
    if let Some(auth) = req.auth {
        request = request.basic_auth(&auth.username, Some(&auth.password));
    }
    if let Some(etag) = req.etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    if let Some(modified) = req.last_modified {
        request = request.header(IF_MODIFIED_SINCE, modified);
    }
    let response = request
        .send()
        .await
        .map_err(|e| classify(&e, &url, req.timeout))?;
    let status = response.status();
    match status {
        StatusCode::NOT_MODIFIED => return Ok(IndexFetch::NotModified),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            return Err(FetchError::Unauthorized {
                url: shown,
                status: status.as_u16(),
            });
        }
        StatusCode::NOT_FOUND => return Err(FetchError::NotFound { url: shown }),
        s if !s.is_success() => {
            return Err(FetchError::Status {
                url: shown,
                status: s.as_u16(),
            });
        }
        _ => {}
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header(ETAG);
    let last_modified = header(LAST_MODIFIED);
    let gzipped = header(CONTENT_ENCODING).is_some_and(|e| e.eq_ignore_ascii_case("gzip"));
    let too_large = || FetchError::TooLarge {
        url: shown.clone(),
        max: req.max_bytes,
    };
    let length = header(CONTENT_LENGTH).and_then(|l| l.parse::<u64>().ok());
    if length.is_some_and(|l| l > req.max_bytes) {
        return Err(too_large());
    }
    // sized up front: growing by doubling would hold two copies of a large index at once
    let mut raw = Vec::with_capacity(usize::try_from(length.unwrap_or(0)).unwrap_or(0));
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| classify(&e, &url, req.timeout))?;
        if raw.len() as u64 + chunk.len() as u64 > req.max_bytes {
            return Err(too_large());
        }
        raw.extend_from_slice(&chunk);
    }
    let body = if gzipped {
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .take(req.max_bytes + 1)
            .read_to_end(&mut inflated)
            .map_err(|e| FetchError::Body {
                url: shown.clone(),
                why: format!("gzip: {e}"),
            })?;
        if inflated.len() as u64 > req.max_bytes {
            return Err(too_large());
        }
        inflated
    } else {
        raw
    };
    Ok(IndexFetch::Fetched {
        body,
        etag,
        last_modified,
    })
}

/// The TLS error behind a transport error: hyper wraps it in `io::Error`s, which hide what they
/// wrap from `source()`, so each one is opened too.
pub(crate) fn find_tls_error<'e>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let wrapped = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .and_then(|inner| find_tls_error(inner));
    wrapped.or_else(|| e.source().and_then(find_tls_error))
}

/// Sorts a transport error into a reason, looking through its causes for TLS.
fn classify(e: &reqwest::Error, url: &reqwest::Url, timeout: Duration) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout {
            url: url.to_string(),
            timeout,
        };
    }
    if let Some(tls) = find_tls_error(e) {
        return FetchError::Tls {
            host: url.host_str().unwrap_or_default().to_owned(),
            why: tls.to_string(),
        };
    }
    let mut why = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        why = format!("{why}: {cause}");
        source = cause.source();
    }
    if e.is_body() || e.is_decode() {
        return FetchError::Body {
            url: url.to_string(),
            why,
        };
    }
    FetchError::Unreachable {
        url: url.to_string(),
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_url_appends_index_yaml_and_keeps_the_query() {
        let cases = [
            (
                "https://charts.example.com",
                "https://charts.example.com/index.yaml",
            ),
            (
                "https://charts.example.com/",
                "https://charts.example.com/index.yaml",
            ),
            ("http://h:8080/a/b//", "http://h:8080/a/b/index.yaml"),
            ("https://h/x?token=1", "https://h/x/index.yaml?token=1"),
        ];
        for (repo, want) in cases {
            assert_eq!(index_url(repo).unwrap().as_str(), want, "{repo}");
        }
        assert!(matches!(
            index_url("oci://registry/x"),
            Err(FetchError::InvalidUrl { .. })
        ));
        assert!(matches!(
            index_url("not a url"),
            Err(FetchError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn tls_settings_that_cannot_work_are_refused_with_the_key_named() {
        let bad_ca = RepoTls {
            ca_pem: Some(b"not pem".to_vec()),
            ..RepoTls::default()
        };
        let e = client(&bad_ca, Duration::from_secs(1)).unwrap_err();
        assert_eq!(
            e,
            FetchError::TlsConfig("ca.crt holds no PEM certificate".into())
        );
        let half = RepoTls {
            cert_pem: Some(b"x".to_vec()),
            ..RepoTls::default()
        };
        let e = client(&half, Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().contains("both tls.crt and tls.key"), "{e}");
    }

    #[test]
    fn credentials_never_print() {
        let auth = BasicAuth {
            username: "u".into(),
            password: "s3cret".into(),
        };
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
