//! Helm HTTP repositories on the wire: the HTTP client a repository's TLS settings call for
//! (custom CA, client certificate, `insecureSkipVerify`, ring as the only crypto provider), and
//! the `index.yaml` download: conditional (ETag / Last-Modified), gzip-aware, Basic-authenticated,
//! bounded in time and in size both as sent and as inflated, with failures sorted into the
//! reasons a `HelmRepository` reports; and [`load_index`], which inflates, hashes and parses the
//! index while it downloads instead of holding it whole.

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
use sha2::{Digest as _, Sha256};

use crate::source::index::{Index, IndexError, IndexStream, parse_index};

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

/// What loading a repository's index gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLoad {
    /// The server says the copy held is current (304).
    NotModified,
    /// A new index.
    Loaded {
        /// The loaded index.
        index: Index,
        /// `sha256:<hex>` of the document (inflated).
        digest: String,
        /// The document's size in bytes (inflated).
        size: u64,
        /// Its ETag.
        etag: Option<String>,
        /// Its Last-Modified.
        last_modified: Option<String>,
    },
}

/// Why a repository's index could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The download failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The document does not load.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// While a document streams, its first bytes as sent are kept up to this size, so that a
/// document the streaming scanner refuses (JSON and CRLF files are refused at their first
/// bytes) can be loaded whole without downloading it again. Past it they are dropped: a large
/// document found outside the scanner's layout late is downloaded a second time instead of
/// being held. (A larger copy costs more than its size: it grows by doubling, and the
/// allocator backs it with transparent huge pages.)
const HOLD_BYTES: usize = 2 << 20;

/// The most inflated bytes parsed between two yields to the runtime.
const SLICE_BYTES: usize = 64 << 10;

/// Downloads and loads a repository's `index.yaml` at once, holding only the part being
/// parsed instead of the whole document: the bytes are inflated, hashed and parsed as they
/// arrive, in slices between which the task yields. A document outside the layout the
/// streaming scanner takes is loaded whole with [`parse_index`] on a blocking thread, from
/// the bytes kept (small documents) or from a second, unconditional download (large ones).
/// Either way the result is what [`fetch_index`] then [`parse_index`] (with `max_bytes`)
/// give, errors included; `digest` and `size` are those of the inflated document.
///
/// # Errors
/// [`LoadError::Fetch`] where [`fetch_index`] fails, [`LoadError::Index`] where
/// [`parse_index`] fails.
pub async fn load_index(
    client: &reqwest::Client,
    req: &IndexRequest<'_>,
) -> Result<IndexLoad, LoadError> {
    load(client, req, HOLD_BYTES).await
}

/// [`load_index`], keeping at most `hold` bytes as sent while the document streams.
async fn load(
    client: &reqwest::Client,
    req: &IndexRequest<'_>,
    hold: usize,
) -> Result<IndexLoad, LoadError> {
    let url = index_url(req.repo_url)?;
    let download = Download {
        auth: req.auth,
        etag: req.etag,
        last_modified: req.last_modified,
        max_bytes: req.max_bytes,
        timeout: req.timeout,
    };
    let Some(opened) = open(client, &url, &download).await? else {
        return Ok(IndexLoad::NotModified);
    };
    let shown = url.to_string();
    let mut loader = Loader::new(opened.gzipped, req.max_bytes, hold, &shown);
    let mut body = opened.response.bytes_stream();
    let mut wire = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| classify(&e, &url, req.timeout))?;
        wire += chunk.len() as u64;
        if wire > req.max_bytes {
            return Err(FetchError::TooLarge {
                url: shown,
                max: req.max_bytes,
            }
            .into());
        }
        loader.arrive(&chunk);
        drop(chunk);
        while loader.pump() {
            tokio::task::yield_now().await;
        }
        if loader.needs_refetch() {
            break;
        }
    }
    drop(body);
    loader.end();
    while loader.pump() {
        tokio::task::yield_now().await;
    }
    let (index, digest, size, etag, last_modified) = match loader.finish() {
        Outcome::Loaded {
            index,
            digest,
            size,
        } => (index, digest, size, opened.etag, opened.last_modified),
        Outcome::Failed(e) => return Err(e),
        Outcome::Whole(raw) => {
            let (gzipped, max) = (opened.gzipped, req.max_bytes);
            let (index, digest, size) =
                tokio::task::spawn_blocking(move || load_held(raw, gzipped, max, &shown))
                    .await
                    .map_err(stopped)??;
            (index, digest, size, opened.etag, opened.last_modified)
        }
        Outcome::Refetch => {
            let again = Download {
                etag: None,
                last_modified: None,
                ..download
            };
            let IndexFetch::Fetched {
                body,
                etag,
                last_modified,
            } = get(client, url, &again).await?
            else {
                // nothing was asked conditionally: a 304 here is the server's mistake
                return Err(FetchError::Status {
                    url: shown,
                    status: 304,
                }
                .into());
            };
            let max = req.max_bytes;
            let (index, digest, size) = tokio::task::spawn_blocking(move || load_whole(body, max))
                .await
                .map_err(stopped)??;
            (index, digest, size, etag, last_modified)
        }
    };
    Ok(IndexLoad::Loaded {
        index,
        digest,
        size,
        etag,
        last_modified,
    })
}

fn stopped(e: tokio::task::JoinError) -> LoadError {
    IndexError::Yaml(format!("the index loader stopped: {e}")).into()
}

/// The bytes received and not inflated yet, read as the gzip decoder reads: `WouldBlock`
/// when they are used up before the body ends. Each chunk is copied in and dropped at once,
/// so that the HTTP stack reuses its read buffer instead of allocating one per read.
struct Queue {
    data: Vec<u8>,
    pos: usize,
    ended: bool,
}

impl Queue {
    fn push(&mut self, bytes: &[u8]) {
        self.data.drain(..self.pos);
        self.pos = 0;
        self.data.extend_from_slice(bytes);
    }
}

impl Read for Queue {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let left = &self.data[self.pos..];
        if left.is_empty() {
            return if self.ended {
                Ok(0)
            } else {
                Err(std::io::ErrorKind::WouldBlock.into())
            };
        }
        let n = left.len().min(out.len());
        out[..n].copy_from_slice(&left[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// The document as inflated from the queue.
enum Inflated {
    Plain(Queue),
    Gzip(Box<flate2::read::GzDecoder<Queue>>),
}

impl Inflated {
    fn queue(&mut self) -> &mut Queue {
        match self {
            Inflated::Plain(q) => q,
            Inflated::Gzip(g) => g.get_mut(),
        }
    }
}

impl Read for Inflated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Inflated::Plain(q) => q.read(out),
            Inflated::Gzip(g) => g.read(out),
        }
    }
}

/// How a streamed load ended.
enum Outcome {
    Loaded {
        index: Index,
        digest: String,
        size: u64,
    },
    Failed(LoadError),
    /// The document is outside the streaming layout: load these bytes (as sent) whole.
    Whole(Vec<u8>),
    /// The document is outside the streaming layout and was not kept.
    Refetch,
}

/// A document loading as its chunks arrive: inflated, hashed and parsed, with the bytes as
/// sent kept while they are few (see [`HOLD_BYTES`]) or, once the document is refused,
/// all of them. Errors of the document (bad gzip, too large once inflated) wait for the end
/// of the download, as [`fetch_index`] meets them only after downloading.
struct Loader {
    source: Option<Inflated>,
    /// `None` once refused.
    stream: Option<IndexStream>,
    hasher: Sha256,
    size: u64,
    max: u64,
    held: Option<Vec<u8>>,
    hold: usize,
    failure: Option<FetchError>,
    buf: Vec<u8>,
    shown: String,
}

impl Loader {
    fn new(gzipped: bool, max: u64, hold: usize, shown: &str) -> Self {
        let queue = Queue {
            data: Vec::new(),
            pos: 0,
            ended: false,
        };
        let source = if gzipped {
            Inflated::Gzip(Box::new(flate2::read::GzDecoder::new(queue)))
        } else {
            Inflated::Plain(queue)
        };
        Loader {
            source: Some(source),
            stream: Some(IndexStream::new()),
            hasher: Sha256::new(),
            size: 0,
            max,
            held: Some(Vec::new()),
            hold,
            failure: None,
            buf: Vec::new(),
            shown: shown.to_owned(),
        }
    }

    fn arrive(&mut self, bytes: &[u8]) {
        if let Some(held) = &mut self.held {
            if self.stream.is_none() || held.len() + bytes.len() <= self.hold {
                held.extend_from_slice(bytes);
            } else {
                self.held = None;
            }
        }
        if let Some(source) = &mut self.source {
            source.queue().push(bytes);
        }
    }

    fn end(&mut self) {
        if let Some(source) = &mut self.source {
            source.queue().ended = true;
        }
    }

    fn needs_refetch(&self) -> bool {
        self.stream.is_none() && self.held.is_none() && self.failure.is_none()
    }

    /// Inflates and parses one slice; `true` when there may be more to do now.
    fn pump(&mut self) -> bool {
        let Some(source) = &mut self.source else {
            return false;
        };
        if self.buf.is_empty() {
            self.buf = vec![0; SLICE_BYTES];
        }
        match source.read(&mut self.buf) {
            Ok(0) => {
                // the document is complete; bytes after a gzip member are ignored, as
                // `inflate` ignores them
                self.source = None;
                self.buf = Vec::new();
                false
            }
            Ok(n) => {
                self.size += n as u64;
                if self.size > self.max {
                    self.fail(FetchError::TooLarge {
                        url: self.shown.clone(),
                        max: self.max,
                    });
                    return false;
                }
                self.hasher.update(&self.buf[..n]);
                if let Some(stream) = &mut self.stream
                    && !stream.feed(&self.buf[..n])
                {
                    // from now on only the bytes as sent matter
                    self.stream = None;
                    self.source = None;
                    self.buf = Vec::new();
                    return false;
                }
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
            Err(e) => {
                let why = format!("gzip: {e}");
                self.fail(FetchError::Body {
                    url: self.shown.clone(),
                    why,
                });
                false
            }
        }
    }

    fn fail(&mut self, e: FetchError) {
        self.failure = Some(e);
        self.source = None;
        self.stream = None;
        self.held = None;
        self.buf = Vec::new();
    }

    fn finish(self) -> Outcome {
        if let Some(e) = self.failure {
            return Outcome::Failed(e.into());
        }
        match self.stream.map(IndexStream::finish) {
            Some(Some(Ok(index))) => Outcome::Loaded {
                index,
                digest: format!("sha256:{}", hex(&self.hasher.finalize())),
                size: self.size,
            },
            Some(Some(Err(e))) => Outcome::Failed(e.into()),
            _ => match self.held {
                Some(raw) => Outcome::Whole(raw),
                None => Outcome::Refetch,
            },
        }
    }
}

/// Loads a document whole from its bytes as sent, as [`fetch_index`] and [`parse_index`] do.
fn load_held(
    raw: Vec<u8>,
    gzipped: bool,
    max: u64,
    shown: &str,
) -> Result<(Index, String, u64), LoadError> {
    let body = if gzipped {
        inflate(&raw, max, shown)?
    } else {
        raw
    };
    load_whole(body, max)
}

/// The digest, size and index of a whole document.
fn load_whole(body: Vec<u8>, max: u64) -> Result<(Index, String, u64), LoadError> {
    let digest = format!("sha256:{}", hex(&Sha256::digest(&body)));
    let size = body.len() as u64;
    let index = parse_index(&body, usize::try_from(max).unwrap_or(usize::MAX))?;
    Ok((index, digest, size))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
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

/// A response whose body is still to be read.
struct Opened {
    response: reqwest::Response,
    etag: Option<String>,
    last_modified: Option<String>,
    gzipped: bool,
    length: Option<u64>,
}

/// Sends a GET with optional validators and sorts the status: `None` for 304. A declared
/// length above the maximum is refused before any of the body is read.
async fn open(
    client: &reqwest::Client,
    url: &reqwest::Url,
    req: &Download<'_>,
) -> Result<Option<Opened>, FetchError> {
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
        .map_err(|e| classify(&e, url, req.timeout))?;
    let status = response.status();
    match status {
        StatusCode::NOT_MODIFIED => return Ok(None),
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
    let length = header(CONTENT_LENGTH).and_then(|l| l.parse::<u64>().ok());
    if length.is_some_and(|l| l > req.max_bytes) {
        return Err(FetchError::TooLarge {
            url: shown,
            max: req.max_bytes,
        });
    }
    Ok(Some(Opened {
        response,
        etag,
        last_modified,
        gzipped,
        length,
    }))
}

/// A GET with optional validators, gzip inflated, the size capped on the wire and inflated.
async fn get(
    client: &reqwest::Client,
    url: reqwest::Url,
    req: &Download<'_>,
) -> Result<IndexFetch, FetchError> {
    let Some(opened) = open(client, &url, req).await? else {
        return Ok(IndexFetch::NotModified);
    };
    let shown = url.to_string();
    // sized up front: growing by doubling would hold two copies of a large index at once
    let mut raw = Vec::with_capacity(usize::try_from(opened.length.unwrap_or(0)).unwrap_or(0));
    let mut stream = opened.response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| classify(&e, &url, req.timeout))?;
        if raw.len() as u64 + chunk.len() as u64 > req.max_bytes {
            return Err(FetchError::TooLarge {
                url: shown,
                max: req.max_bytes,
            });
        }
        raw.extend_from_slice(&chunk);
    }
    let body = if opened.gzipped {
        inflate(&raw, req.max_bytes, &shown)?
    } else {
        raw
    };
    Ok(IndexFetch::Fetched {
        body,
        etag: opened.etag,
        last_modified: opened.last_modified,
    })
}

/// Inflates a whole gzip body, refusing more than `max` bytes.
fn inflate(raw: &[u8], max: u64, shown: &str) -> Result<Vec<u8>, FetchError> {
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .take(max + 1)
        .read_to_end(&mut inflated)
        .map_err(|e| FetchError::Body {
            url: shown.to_owned(),
            why: format!("gzip: {e}"),
        })?;
    if inflated.len() as u64 > max {
        return Err(FetchError::TooLarge {
            url: shown.to_owned(),
            max,
        });
    }
    Ok(inflated)
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

    use std::io::Write as _;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// One answer of the test server.
    #[derive(Clone)]
    struct Reply {
        status: u16,
        gzip: bool,
        body: Vec<u8>,
    }

    /// An HTTP/1.1 server answering every request with `reply`, writing the body in small
    /// pieces with pauses so that it arrives in many reads; it counts the requests. An
    /// `If-None-Match: "v1"` request gets a 304.
    async fn serve(reply: Reply, piece: usize) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&count);
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let reply = reply.clone();
                let counted = Arc::clone(&counted);
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                    let fresh = head.contains("if-none-match: \"v1\"");
                    let (status, body) = if fresh {
                        (304, &[][..])
                    } else {
                        (reply.status, &reply.body[..])
                    };
                    let mut out = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\nETag: \"v1\"\r\nLast-Modified: Sun, 01 Dec 2024 00:00:00 GMT\r\n",
                        body.len()
                    );
                    if reply.gzip {
                        out.push_str("Content-Encoding: gzip\r\n");
                    }
                    out.push_str("\r\n");
                    if sock.write_all(out.as_bytes()).await.is_err() {
                        return;
                    }
                    for (i, p) in body.chunks(piece).enumerate() {
                        if sock.write_all(p).await.is_err() {
                            return;
                        }
                        let _ = sock.flush().await;
                        if i % 4 == 0 {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                    let _ = sock.shutdown().await;
                });
            }
        });
        (format!("http://127.0.0.1:{port}/repo"), count)
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    /// What the sync did before `load_index`: download, hash, parse.
    async fn fetch_then_parse(
        http: &reqwest::Client,
        req: &IndexRequest<'_>,
    ) -> Result<IndexLoad, LoadError> {
        Ok(match fetch_index(http, req).await? {
            IndexFetch::NotModified => IndexLoad::NotModified,
            IndexFetch::Fetched {
                body,
                etag,
                last_modified,
            } => IndexLoad::Loaded {
                digest: format!("sha256:{}", hex(&Sha256::digest(&body))),
                size: body.len() as u64,
                index: parse_index(&body, req.max_bytes as usize)?,
                etag,
                last_modified,
            },
        })
    }

    fn request(url: &str, max_bytes: u64) -> IndexRequest<'_> {
        IndexRequest {
            repo_url: url,
            auth: None,
            etag: None,
            last_modified: None,
            max_bytes,
            timeout: Duration::from_secs(10),
        }
    }

    /// Serves `reply`, loads it streaming (keeping `hold` bytes) and the old way, asserts both
    /// agree, and returns the result and how many requests the streaming load made.
    async fn both_ways(
        reply: Reply,
        piece: usize,
        max: u64,
        hold: usize,
    ) -> (Result<IndexLoad, LoadError>, usize) {
        let (url, count) = serve(reply, piece).await;
        let http = client(&RepoTls::default(), Duration::from_secs(10)).unwrap();
        let streamed = load(&http, &request(&url, max), hold).await;
        let requests = count.load(Ordering::SeqCst);
        let old = fetch_then_parse(&http, &request(&url, max)).await;
        assert_eq!(streamed, old);
        (streamed, requests)
    }

    fn ok(status: u16, body: &[u8], gzipped: bool) -> Reply {
        Reply {
            status,
            gzip: gzipped,
            body: if gzipped { gzip(body) } else { body.to_vec() },
        }
    }

    const HELM_LIKE: &str = "apiVersion: v1
entries:
  a:
  - apiVersion: v2
    appVersion: 1.0.0
    created: \"2024-01-01T10:00:00.686579303Z\"
    description: |
      first
    digest: a91fea9c705a7fd6bf6299a0a6db35ab87778a8111252def77551fe5c8f5170e
    maintainers:
    - name: M
    name: a
    urls:
    - https://charts.example.com/a-1.0.0.tgz
    version: 1.0.0
  - name: a
    version: 2.0.0-rc.1
  b:
  - name: b
    version: 0.1.0
generated: \"2024-12-01T00:00:00Z\"
";

    #[tokio::test]
    async fn load_index_gives_what_fetch_then_parse_gives_for_every_layout() {
        let long_flow = format!("{HELM_LIKE}# {}\nannotations: {{x: y}}\n", "x".repeat(3000));
        let docs: Vec<(&str, String, bool)> = vec![
            ("helm layout", HELM_LIKE.to_owned(), true),
            (
                "json",
                r#"{"apiVersion":"v1","entries":{"j":[{"name":"j","version":"0.1.0"}]}}"#
                    .to_owned(),
                false,
            ),
            ("crlf", HELM_LIKE.replace('\n', "\r\n"), false),
            ("flow late", long_flow, false),
            ("bad yaml", format!("{HELM_LIKE}  c: [unclosed\n"), false),
            (
                "bad time",
                HELM_LIKE.replace("2024-12-01T00:00:00Z", "yesterday"),
                true,
            ),
            (
                "no api version",
                HELM_LIKE.replace("apiVersion: v1\n", ""),
                true,
            ),
            ("empty", String::new(), true),
        ];
        for (name, doc, streamable) in &docs {
            for gzipped in [false, true] {
                for hold in [HOLD_BYTES, 16] {
                    let (got, requests) =
                        both_ways(ok(200, doc.as_bytes(), gzipped), 61, 1 << 20, hold).await;
                    let want_requests = if *streamable || hold == HOLD_BYTES {
                        1
                    } else {
                        2
                    };
                    assert_eq!(requests, want_requests, "{name} gzip {gzipped} hold {hold}");
                    if *name == "helm layout" {
                        let Ok(IndexLoad::Loaded { index, .. }) = &got else {
                            panic!("{got:?}")
                        };
                        assert_eq!(index.entries["a"][0].version_text(), "2.0.0-rc.1");
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn load_index_fails_as_fetch_then_parse_fails() {
        let doc = HELM_LIKE.as_bytes();
        let packed = gzip(doc);
        let mut corrupt = packed.clone();
        let mid = corrupt.len() / 2;
        corrupt[mid] ^= 0x55;
        let mut bad_header = packed.clone();
        bad_header[0] = b'x';
        let mut trailing = packed.clone();
        trailing.extend_from_slice(b"garbage after the member");
        let raw = |status, body: Vec<u8>, gzip| Reply { status, gzip, body };
        let cases = [
            ("404", raw(404, Vec::new(), false), 1 << 20),
            ("too large as sent", raw(200, doc.to_vec(), false), 100),
            (
                "too large inflated",
                raw(200, packed.clone(), true),
                packed.len() as u64 + 10,
            ),
            ("corrupt gzip", raw(200, corrupt, true), 1 << 20),
            ("bad gzip header", raw(200, bad_header, true), 1 << 20),
            (
                "bytes after the gzip member",
                raw(200, trailing, true),
                1 << 20,
            ),
        ];
        for (name, reply, max) in cases {
            let (got, _) = both_ways(reply, 29, max, HOLD_BYTES).await;
            if name == "bytes after the gzip member" {
                assert!(got.is_ok(), "{name}: {got:?}");
            } else {
                assert!(got.is_err(), "{name}: {got:?}");
            }
        }
        for cut in (1..packed.len()).step_by(7) {
            let reply = raw(200, packed[..cut].to_vec(), true);
            let (got, _) = both_ways(reply, 13, 1 << 20, HOLD_BYTES).await;
            assert!(got.is_err(), "cut at {cut}: {got:?}");
        }
    }

    #[tokio::test]
    async fn load_index_reports_not_modified_and_the_validators() {
        let (url, _) = serve(ok(200, HELM_LIKE.as_bytes(), false), 100).await;
        let http = client(&RepoTls::default(), Duration::from_secs(10)).unwrap();
        let Ok(IndexLoad::Loaded {
            digest,
            size,
            etag,
            last_modified,
            ..
        }) = load_index(&http, &request(&url, 1 << 20)).await
        else {
            panic!("a first load loads")
        };
        assert_eq!(
            digest,
            format!("sha256:{}", hex(&Sha256::digest(HELM_LIKE.as_bytes())))
        );
        assert_eq!(size, HELM_LIKE.len() as u64);
        assert_eq!(etag.as_deref(), Some("\"v1\""));
        assert_eq!(
            last_modified.as_deref(),
            Some("Sun, 01 Dec 2024 00:00:00 GMT")
        );
        let again = IndexRequest {
            etag: etag.as_deref(),
            ..request(&url, 1 << 20)
        };
        assert_eq!(load_index(&http, &again).await, Ok(IndexLoad::NotModified));
    }
}
