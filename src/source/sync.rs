//! What the operator knows of each repository it reads: one [`Sources`] per replica holds the
//! HTTP and OCI clients (one per repository URL and credentials, so connections and registry
//! tokens are reused and never shared between tenants with different credentials), the cache of
//! loaded indexes and registry listings, the chart archives and the charts loaded from them,
//! and the fetch worker pool. [`Sources::sync`] brings one
//! repository's listing up to date: a conditional GET for an HTTP repository (a 304 or an
//! unchanged body keeps the loaded index), the catalog and tag lists for an OCI registry.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use tokio::sync::Semaphore;

use crate::api::conditions::reason;
use crate::engine::chart::Chart;
use crate::engine::chart::load::{LoadError, LoadLimits, load_archive};
use crate::source::cache::{SharedCache, Weighted};
use crate::source::constraint::Constraint;
use crate::source::http::{self, BasicAuth, FetchError, IndexLoad, IndexRequest, RepoTls};
use crate::source::index::{Index, IndexError};
use crate::source::oci::{self, OciAuth, OciChartRef, OciError, OciSettings, RegistryListing};
use crate::telemetry::Metrics;

/// Which protocol a repository speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepoKind {
    /// An HTTP repository serving `index.yaml`.
    Http,
    /// An OCI registry path.
    Oci,
}

/// Everything needed to read one repository: where, and with which credentials.
#[derive(Clone)]
pub struct RepoEndpoint {
    /// `https://...` or `oci://host/path`.
    pub url: String,
    /// The protocol.
    pub kind: RepoKind,
    /// HTTP Basic credentials (HTTP repositories; registries without a docker config).
    pub basic: Option<BasicAuth>,
    /// Registry credentials from a dockerconfigjson Secret; they win over `basic` for OCI.
    pub registry_auth: Option<OciAuth>,
    /// TLS settings.
    pub tls: RepoTls,
    /// Plain HTTP to a registry.
    pub plain_http: bool,
    /// Timeout of each request.
    pub timeout: Duration,
}

impl std::fmt::Debug for RepoEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoEndpoint")
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("basic", &self.basic.as_ref().map(|_| "<set>"))
            .field(
                "registry_auth",
                &self.registry_auth.as_ref().map(|_| "<set>"),
            )
            .field("plain_http", &self.plain_http)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RepoEndpoint {
    /// A digest of the URL and every credential and TLS setting: the key of everything cached
    /// for this endpoint. Two tenants reading one URL with different credentials never share
    /// a cached listing or a client (a private index must not reach a tenant without access).
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(self.url.as_bytes());
        field(&[
            u8::from(self.kind == RepoKind::Oci),
            u8::from(self.plain_http),
        ]);
        if let Some(b) = &self.basic {
            field(b.username.as_bytes());
            field(b.password.as_bytes());
        }
        match &self.registry_auth {
            Some(OciAuth::Basic { username, password }) => {
                field(b"docker-config");
                field(username.as_bytes());
                field(password.as_bytes());
            }
            Some(OciAuth::Anonymous) => field(b"docker-config-anonymous"),
            None => {}
        }
        for pem in [&self.tls.ca_pem, &self.tls.cert_pem, &self.tls.key_pem] {
            field(pem.as_deref().unwrap_or_default());
        }
        field(&[u8::from(self.tls.insecure_skip_verify)]);
        field(&self.timeout.as_millis().to_le_bytes());
        hex(&h.finalize())
    }

    fn oci_auth(&self) -> OciAuth {
        match (&self.registry_auth, &self.basic) {
            (Some(auth), _) => auth.clone(),
            (None, Some(b)) => OciAuth::Basic {
                username: b.username.clone(),
                password: b.password.clone(),
            },
            (None, None) => OciAuth::Anonymous,
        }
    }
}

/// What a repository offers.
#[derive(Debug, Clone)]
pub enum Contents {
    /// An HTTP repository's index, loaded as Helm loads it.
    Index(Index),
    /// A registry path's charts.
    Registry(RegistryListing),
}

/// One repository's listing as last read.
#[derive(Debug)]
pub struct Snapshot {
    /// What it offers.
    pub contents: Contents,
    /// `sha256:<hex>` of the index bytes (HTTP) or of the sorted chart and tag list (OCI).
    pub digest: String,
    /// Size of the index document (HTTP).
    pub size_bytes: Option<u64>,
    etag: Option<String>,
    last_modified: Option<String>,
}

impl Snapshot {
    /// A snapshot built from parts, for tests of code that reads snapshots.
    #[doc(hidden)]
    pub fn for_tests(contents: Contents, digest: &str, size_bytes: Option<u64>) -> Self {
        Self {
            contents,
            digest: digest.to_owned(),
            size_bytes,
            etag: None,
            last_modified: None,
        }
    }
}

/// The version a constraint picks from a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedVersion {
    /// The version as the listing writes it (a registry's `_` read back as `+`).
    pub version: String,
    /// The archive digest, when the listing names it.
    pub digest: Option<String>,
}

impl Snapshot {
    /// The version of `chart` that `constraint` picks, as Helm picks it: a version written
    /// exactly as the constraint first, else the newest that satisfies it (empty or `latest`:
    /// the newest stable). `None` when the chart is not listed or nothing matches; a registry
    /// that hides its catalog lists nothing here (ask [`Sources::oci_chart_versions`]).
    pub fn resolve(&self, chart: &str, constraint: &Constraint) -> Option<ResolvedVersion> {
        match &self.contents {
            Contents::Index(index) => index.resolve(chart, constraint).map(|v| ResolvedVersion {
                version: v.version_text().to_owned(),
                digest: v.digest().map(str::to_owned),
            }),
            Contents::Registry(RegistryListing::Charts(charts)) => {
                let versions = charts.get(chart)?;
                let text = constraint.as_str();
                let exact = versions
                    .iter()
                    .find(|v| !text.is_empty() && (v.tag == text || v.version.to_string() == text));
                exact
                    .or_else(|| versions.iter().find(|v| constraint.matches(&v.version)))
                    .map(|v| ResolvedVersion {
                        version: v.version.to_string(),
                        digest: None,
                    })
            }
            Contents::Registry(RegistryListing::CatalogUnavailable { .. }) => None,
        }
    }

    /// Whether the listing names its charts (a registry without a catalog does not).
    pub fn lists_charts(&self) -> bool {
        !matches!(
            self.contents,
            Contents::Registry(RegistryListing::CatalogUnavailable { .. })
        )
    }
}

impl Weighted for Arc<Snapshot> {
    fn weight_bytes(&self) -> usize {
        // a loaded index takes about as much memory as its document; a registry listing is
        // small: count its tags
        match &self.contents {
            Contents::Index(_) => {
                usize::try_from(self.size_bytes.unwrap_or(0)).unwrap_or(usize::MAX) + 256
            }
            Contents::Registry(RegistryListing::Charts(charts)) => {
                256 + charts
                    .iter()
                    .map(|(name, versions)| name.len() + 64 * versions.len())
                    .sum::<usize>()
            }
            Contents::Registry(RegistryListing::CatalogUnavailable { .. }) => 256,
        }
    }
}

/// Why a sync failed; [`SyncError::reason`] is the condition reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The index download failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The index does not load.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The registry failed.
    #[error(transparent)]
    Oci(#[from] OciError),
}

impl SyncError {
    /// The PascalCase condition reason for this failure.
    pub fn reason(&self) -> &'static str {
        let access = match self {
            SyncError::Fetch(e) => access_reason(Some(e), None),
            SyncError::Oci(e) => access_reason(None, Some(e)),
            SyncError::Index(_) => None,
        };
        if let Some(why) = access {
            return why;
        }
        match self {
            SyncError::Fetch(FetchError::TooLarge { .. })
            | SyncError::Index(IndexError::TooLarge { .. }) => reason::INDEX_TOO_LARGE,
            SyncError::Index(_) => reason::INVALID_INDEX,
            SyncError::Fetch(FetchError::InvalidUrl { .. })
            | SyncError::Oci(OciError::InvalidReference { .. }) => reason::INVALID_URL,
            SyncError::Fetch(_) | SyncError::Oci(_) => reason::INDEX_FETCH_FAILED,
        }
    }
}

/// A chart loaded from an archive, with the archive's digest and an estimate of the memory it
/// holds.
#[derive(Debug, Clone)]
pub struct LoadedChart {
    /// The chart.
    pub chart: Arc<Chart>,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    weight: usize,
}

impl LoadedChart {
    fn new(chart: Chart, digest: String) -> Self {
        fn bytes(chart: &Chart) -> usize {
            let files: usize = chart
                .templates
                .iter()
                .chain(&chart.files)
                .map(|f| f.name.len() + f.data.len() + 64)
                .sum();
            // values are a JSON tree: a few times their text
            let values = serde_json::to_vec(&chart.values).map_or(0, |v| 4 * v.len());
            1024 + files + values + chart.dependencies.iter().map(bytes).sum::<usize>()
        }
        Self {
            weight: bytes(&chart),
            digest,
            chart: Arc::new(chart),
        }
    }
}

impl Weighted for LoadedChart {
    fn weight_bytes(&self) -> usize {
        self.weight
    }
}

/// Why a chart archive could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartFetchError {
    /// The listing has no such chart version.
    #[error("chart {chart} version {version} is not in the repository")]
    NotListed {
        /// The chart.
        chart: String,
        /// The version.
        version: String,
    },
    /// The index lists the version without a download URL.
    #[error("chart {chart} version {version} has no download URL in the index")]
    NoUrl {
        /// The chart.
        chart: String,
        /// The version.
        version: String,
    },
    /// The chart URL does not resolve.
    #[error(transparent)]
    Url(#[from] IndexError),
    /// The download failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The registry failed.
    #[error(transparent)]
    Oci(#[from] OciError),
    /// The archive is not the one the index names.
    #[error("{url}: digest mismatch: the index says {expected}, the download is {actual}")]
    DigestMismatch {
        /// The URL.
        url: String,
        /// The index's digest.
        expected: String,
        /// The download's digest.
        actual: String,
    },
}

impl ChartFetchError {
    /// The PascalCase condition reason for this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            ChartFetchError::NotListed { .. } => reason::CHART_NOT_FOUND,
            ChartFetchError::Fetch(e) => {
                access_reason(Some(e), None).unwrap_or(reason::CHART_FETCH_FAILED)
            }
            ChartFetchError::Oci(e) => {
                access_reason(None, Some(e)).unwrap_or(reason::CHART_FETCH_FAILED)
            }
            _ => reason::CHART_FETCH_FAILED,
        }
    }
}

/// The reasons a download and a registry call share: refused credentials and TLS failures.
fn access_reason(fetch: Option<&FetchError>, oci: Option<&OciError>) -> Option<&'static str> {
    match (fetch, oci) {
        (Some(FetchError::Unauthorized { .. }), _)
        | (_, Some(OciError::Unauthorized { .. } | OciError::Credentials(_))) => {
            Some(reason::AUTHENTICATION_FAILED)
        }
        (Some(FetchError::Tls { .. } | FetchError::TlsConfig(_)), _)
        | (_, Some(OciError::Tls { .. })) => Some(reason::TLS_ERROR),
        _ => None,
    }
}

/// The result of a successful sync.
#[derive(Debug, Clone)]
pub struct Synced {
    /// The listing now held.
    pub snapshot: Arc<Snapshot>,
    /// Whether it differs from the one held before (false for a 304 or an identical body).
    pub changed: bool,
}

/// Limits a [`Sources`] applies.
#[derive(Debug, Clone)]
pub struct SourceLimits {
    /// The largest index accepted.
    pub max_index_bytes: u64,
    /// The largest chart archive downloaded.
    pub max_archive_bytes: u64,
    /// The most charts read from a registry's catalog.
    pub max_registry_charts: usize,
}

/// One replica's view of the repositories it reads.
pub struct Sources {
    listings: SharedCache<Arc<Snapshot>>,
    archives: SharedCache<Arc<[u8]>>,
    charts: SharedCache<LoadedChart>,
    metrics: Option<Arc<Metrics>>,
    http_clients: moka::future::Cache<String, reqwest::Client>,
    oci_clients: moka::future::Cache<String, oci_client::Client>,
    fetch_slots: Arc<Semaphore>,
    fetch_concurrency: usize,
    limits: SourceLimits,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("listings", &self.listings)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// How long an idle client (its connection pool and registry tokens) is kept.
const CLIENT_IDLE: Duration = Duration::from_secs(3600);
/// Clients kept at most (one per endpoint and credentials).
const MAX_CLIENTS: u64 = 4096;

impl Sources {
    /// Sources whose listing cache holds `index_bytes` and archive cache `chart_bytes`, each
    /// entry for at most `ttl`, downloading at most `fetch_concurrency` things at once.
    pub fn new(
        index_bytes: u64,
        chart_bytes: u64,
        ttl: Duration,
        fetch_concurrency: usize,
        limits: SourceLimits,
        metrics: Option<Arc<Metrics>>,
    ) -> Self {
        Self {
            listings: SharedCache::new("index", index_bytes, ttl, metrics.clone()),
            archives: SharedCache::new("chart", chart_bytes, ttl, metrics.clone()),
            charts: SharedCache::new("parsed", chart_bytes, ttl, metrics.clone()),
            metrics,
            http_clients: client_cache(),
            oci_clients: client_cache(),
            fetch_slots: Arc::new(Semaphore::new(fetch_concurrency.max(1))),
            fetch_concurrency: fetch_concurrency.max(1),
            limits,
        }
    }

    /// The listing held for `endpoint`, if any (no network).
    pub async fn cached(&self, endpoint: &RepoEndpoint) -> Option<Arc<Snapshot>> {
        self.listings.get(&endpoint.fingerprint()).await
    }

    /// Forgets what is held for `endpoint`.
    pub async fn forget(&self, endpoint: &RepoEndpoint) {
        let key = endpoint.fingerprint();
        self.listings.remove(&key).await;
        self.http_clients.invalidate(&key).await;
        self.oci_clients.invalidate(&key).await;
    }

    /// Reads `endpoint` again and keeps the result.
    ///
    /// # Errors
    /// A [`SyncError`] naming the reason; what was held before stays held.
    pub async fn sync(&self, endpoint: &RepoEndpoint) -> Result<Synced, SyncError> {
        let key = endpoint.fingerprint();
        let previous = self.listings.get(&key).await;
        let _slot = self
            .fetch_slots
            .acquire()
            .await
            .expect("the fetch semaphore is never closed");
        let snapshot = match endpoint.kind {
            RepoKind::Http => self.sync_http(&key, endpoint, previous.as_deref()).await?,
            RepoKind::Oci => self.sync_oci(&key, endpoint).await?,
        };
        let snapshot = match (snapshot, previous) {
            (None, Some(previous)) => {
                return Ok(Synced {
                    snapshot: previous,
                    changed: false,
                });
            }
            (None, None) => unreachable!("a 304 is only possible for a held index"),
            (Some(new), previous) => {
                let changed = previous.is_none_or(|p| p.digest != new.digest);
                (Arc::new(new), changed)
            }
        };
        self.listings.insert(&key, Arc::clone(&snapshot.0)).await;
        Ok(Synced {
            snapshot: snapshot.0,
            changed: snapshot.1,
        })
    }

    /// The chart loaded from `archive`, as Helm's loader loads it, shared by every caller that
    /// asks for the same archive (keyed by its sha256) while the cache holds it. Loading runs on
    /// a blocking thread.
    ///
    /// # Errors
    /// The loader's error, as Helm words it.
    pub async fn load_chart(
        &self,
        archive: Arc<[u8]>,
        limits: &LoadLimits,
    ) -> Result<LoadedChart, LoadError> {
        let key = format!("sha256:{}", hex(&Sha256::digest(&archive)));
        let limits = limits.clone();
        let digest = key.clone();
        self.charts
            .get_or_load(&key, async move {
                tokio::task::spawn_blocking(move || {
                    load_archive(&archive, &limits).map(|chart| LoadedChart::new(chart, digest))
                })
                .await
                .map_err(|e| LoadError::Format(format!("the chart loader stopped: {e}")))?
            })
            .await
            .map_err(|e| (*e).clone())
    }

    /// The versions of one chart in a registry: `endpoint.url` is the registry path and `chart`
    /// the chart under it (`oci://host/path` + `app` lists `host/path/app`). Served from the
    /// cache while it holds them (for its TTL), else read from the tag list.
    ///
    /// # Errors
    /// A [`SyncError`] naming the reason.
    pub async fn oci_chart_versions(
        &self,
        endpoint: &RepoEndpoint,
        chart: &str,
    ) -> Result<Arc<Snapshot>, SyncError> {
        let fingerprint = endpoint.fingerprint();
        let key = format!("{fingerprint}\nchart:{chart}");
        self.listings
            .get_or_load(&key, async {
                let base = OciChartRef::parse(&endpoint.url)?;
                let chart_ref = OciChartRef {
                    registry: base.registry,
                    repository: format!("{}/{chart}", base.repository),
                };
                let client = self.oci_client(&fingerprint, endpoint).await;
                let _slot = self.fetch_slots.acquire().await.expect("never closed");
                let versions =
                    oci::list_versions(&client, &chart_ref, &endpoint.oci_auth()).await?;
                let mut charts = std::collections::BTreeMap::new();
                charts.insert(chart.to_owned(), versions);
                let listing = RegistryListing::Charts(charts);
                Ok::<_, SyncError>(Arc::new(Snapshot {
                    digest: registry_digest(&listing),
                    contents: Contents::Registry(listing),
                    size_bytes: None,
                    etag: None,
                    last_modified: None,
                }))
            })
            .await
            .map_err(|e| (*e).clone())
    }

    /// The archive of `chart` at exactly `version` (as the listing writes it), from the cache
    /// or downloaded once however many callers ask at the same time. An HTTP archive is checked
    /// against the index's digest and cached by it; a registry's by chart and tag (the registry
    /// verifies digests as it serves).
    ///
    /// # Errors
    /// A [`ChartFetchError`] naming the reason.
    pub async fn fetch_chart(
        &self,
        endpoint: &RepoEndpoint,
        snapshot: &Snapshot,
        chart: &str,
        version: &str,
    ) -> Result<Arc<[u8]>, ChartFetchError> {
        match endpoint.kind {
            RepoKind::Http => {
                self.fetch_http_chart(endpoint, snapshot, chart, version)
                    .await
            }
            RepoKind::Oci => self.fetch_oci_chart(endpoint, chart, version).await,
        }
    }

    /// Counts a download that went to the network (a cached archive is not one).
    fn count_download<T, E>(&self, kind: &str, result: &Result<T, E>) {
        if let Some(m) = &self.metrics {
            let outcome = if result.is_ok() { "success" } else { "failure" };
            m.add(
                crate::telemetry::catalog::CHART_DOWNLOADS,
                1,
                &[("type", kind), ("result", outcome)],
            );
        }
    }

    async fn fetch_http_chart(
        &self,
        endpoint: &RepoEndpoint,
        snapshot: &Snapshot,
        chart: &str,
        version: &str,
    ) -> Result<Arc<[u8]>, ChartFetchError> {
        let not_listed = || ChartFetchError::NotListed {
            chart: chart.to_owned(),
            version: version.to_owned(),
        };
        let Contents::Index(index) = &snapshot.contents else {
            return Err(not_listed());
        };
        let entry = index
            .entries
            .get(chart)
            .and_then(|versions| versions.iter().find(|v| v.version_text() == version))
            .ok_or_else(not_listed)?;
        let listed_url = entry.first_url().ok_or_else(|| ChartFetchError::NoUrl {
            chart: chart.to_owned(),
            version: version.to_owned(),
        })?;
        let url = crate::source::index::resolve_chart_url(&endpoint.url, listed_url)?;
        let expected = entry
            .digest()
            .map(|d| d.trim_start_matches("sha256:").to_ascii_lowercase());
        let key = match &expected {
            Some(hex) => format!("sha256:{hex}"),
            None => format!("{}\n{url}", endpoint.fingerprint()),
        };
        // Helm sends the repository's credentials only to its own host
        let same_host = reqwest::Url::parse(&url)
            .ok()
            .map(|u| u.host_str().map(str::to_owned))
            == reqwest::Url::parse(&endpoint.url)
                .ok()
                .map(|u| u.host_str().map(str::to_owned));
        let auth = endpoint.basic.as_ref().filter(|_| same_host);
        let client = self
            .http_clients
            .try_get_with_by_ref(&endpoint.fingerprint(), async {
                http::client(&endpoint.tls, endpoint.timeout)
            })
            .await
            .map_err(|e| ChartFetchError::Fetch((*e).clone()))?;
        self.archives
            .get_or_load(&key, async {
                let _slot = self.fetch_slots.acquire().await.expect("never closed");
                let fetched: Result<Vec<u8>, ChartFetchError> = async {
                    let body = http::fetch_archive(
                        &client,
                        &url,
                        auth,
                        self.limits.max_archive_bytes,
                        endpoint.timeout,
                    )
                    .await?;
                    if let Some(want) = &expected {
                        let got = hex(&Sha256::digest(&body));
                        if &got != want {
                            return Err(ChartFetchError::DigestMismatch {
                                url: url.clone(),
                                expected: format!("sha256:{want}"),
                                actual: format!("sha256:{got}"),
                            });
                        }
                    }
                    Ok(body)
                }
                .await;
                self.count_download("helm", &fetched);
                Ok::<_, ChartFetchError>(Arc::from(fetched?))
            })
            .await
            .map_err(|e| (*e).clone())
    }

    async fn fetch_oci_chart(
        &self,
        endpoint: &RepoEndpoint,
        chart: &str,
        version: &str,
    ) -> Result<Arc<[u8]>, ChartFetchError> {
        let base = OciChartRef::parse(&endpoint.url)?;
        let chart_ref = OciChartRef {
            registry: base.registry,
            repository: format!("{}/{chart}", base.repository),
        };
        let tag = version.replace('+', "_");
        let client = self.oci_client(&endpoint.fingerprint(), endpoint).await;
        let key = format!("{}\n{chart_ref}:{tag}", endpoint.fingerprint());
        self.archives
            .get_or_load(&key, async {
                let _slot = self.fetch_slots.acquire().await.expect("never closed");
                let pulled = oci::pull_chart(
                    &client,
                    &chart_ref,
                    &tag,
                    &endpoint.oci_auth(),
                    self.limits.max_archive_bytes,
                )
                .await;
                self.count_download("oci", &pulled);
                let pulled = pulled?;
                Ok::<_, ChartFetchError>(Arc::from(pulled.archive))
            })
            .await
            .map_err(|e| (*e).clone())
    }

    async fn oci_client(&self, key: &str, endpoint: &RepoEndpoint) -> oci_client::Client {
        self.oci_clients
            .get_with_by_ref(key, async {
                oci::client(&OciSettings {
                    plain_http: endpoint.plain_http,
                    ca_pem: endpoint.tls.ca_pem.clone(),
                    insecure_skip_verify: endpoint.tls.insecure_skip_verify,
                    timeout: Some(endpoint.timeout),
                })
            })
            .await
    }

    /// `None` when the server says the held index is current.
    async fn sync_http(
        &self,
        key: &str,
        endpoint: &RepoEndpoint,
        previous: Option<&Snapshot>,
    ) -> Result<Option<Snapshot>, SyncError> {
        let client = self
            .http_clients
            .try_get_with_by_ref(key, async { http::client(&endpoint.tls, endpoint.timeout) })
            .await
            .map_err(|e| SyncError::Fetch((*e).clone()))?;
        let loaded = http::load_index(
            &client,
            &IndexRequest {
                repo_url: &endpoint.url,
                auth: endpoint.basic.as_ref(),
                etag: previous.and_then(|p| p.etag.as_deref()),
                last_modified: previous.and_then(|p| p.last_modified.as_deref()),
                max_bytes: self.limits.max_index_bytes,
                timeout: endpoint.timeout,
            },
        )
        .await
        .map_err(|e| match e {
            http::LoadError::Fetch(e) => SyncError::Fetch(e),
            http::LoadError::Index(e) => SyncError::Index(e),
        })?;
        match loaded {
            IndexLoad::NotModified if previous.is_some() => Ok(None),
            IndexLoad::NotModified => Err(FetchError::Status {
                url: endpoint.url.clone(),
                status: 304,
            }
            .into()),
            // the same bytes again (a server without validators): keep what is held
            IndexLoad::Loaded { digest, .. } if previous.is_some_and(|p| p.digest == digest) => {
                Ok(None)
            }
            IndexLoad::Loaded {
                index,
                digest,
                size,
                etag,
                last_modified,
            } => Ok(Some(Snapshot {
                contents: Contents::Index(index),
                digest,
                size_bytes: Some(size),
                etag,
                last_modified,
            })),
        }
    }

    async fn sync_oci(
        &self,
        key: &str,
        endpoint: &RepoEndpoint,
    ) -> Result<Option<Snapshot>, SyncError> {
        let base = OciChartRef::parse(&endpoint.url)?;
        let client = self.oci_client(key, endpoint).await;
        let listing = oci::list_registry(
            &client,
            &base,
            &endpoint.oci_auth(),
            self.limits.max_registry_charts,
            self.fetch_concurrency,
        )
        .await?;
        Ok(Some(Snapshot {
            digest: registry_digest(&listing),
            contents: Contents::Registry(listing),
            size_bytes: None,
            etag: None,
            last_modified: None,
        }))
    }
}

/// `sha256:<hex>` over the sorted chart names and their tags.
fn registry_digest(listing: &RegistryListing) -> String {
    let mut h = Sha256::new();
    match listing {
        RegistryListing::Charts(charts) => {
            for (name, versions) in charts {
                h.update(name.as_bytes());
                h.update(b"\n");
                for v in versions {
                    h.update(v.tag.as_bytes());
                    h.update(b"\n");
                }
                h.update(b"\n");
            }
        }
        RegistryListing::CatalogUnavailable { .. } => h.update(b"catalog unavailable"),
    }
    format!("sha256:{}", hex(&h.finalize()))
}

fn client_cache<C: Clone + Send + Sync + 'static>() -> moka::future::Cache<String, C> {
    moka::future::Cache::builder()
        .max_capacity(MAX_CLIENTS)
        .time_to_idle(CLIENT_IDLE)
        .build()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> RepoEndpoint {
        RepoEndpoint {
            url: "https://charts.example.com".into(),
            kind: RepoKind::Http,
            basic: None,
            registry_auth: None,
            tls: RepoTls::default(),
            plain_http: false,
            timeout: Duration::from_secs(60),
        }
    }

    #[test]
    fn endpoints_with_different_credentials_never_share_a_cache_key() {
        let anonymous = endpoint();
        let mut alice = endpoint();
        alice.basic = Some(BasicAuth {
            username: "alice".into(),
            password: "a".into(),
        });
        let mut bob = alice.clone();
        bob.basic = Some(BasicAuth {
            username: "alice".into(),
            password: "b".into(),
        });
        let mut with_ca = endpoint();
        with_ca.tls.ca_pem = Some(b"pem".to_vec());
        let keys: std::collections::BTreeSet<String> = [&anonymous, &alice, &bob, &with_ca]
            .iter()
            .map(|e| e.fingerprint())
            .collect();
        assert_eq!(keys.len(), 4);
        assert_eq!(alice.fingerprint(), alice.clone().fingerprint());
    }

    #[test]
    fn debug_output_hides_credentials() {
        let mut e = endpoint();
        e.basic = Some(BasicAuth {
            username: "u".into(),
            password: "hunter2".into(),
        });
        assert!(!format!("{e:?}").contains("hunter2"));
    }

    #[test]
    fn failures_map_to_the_condition_reasons_users_filter_on() {
        let url = "https://x".to_owned();
        let cases: Vec<(SyncError, &str)> = vec![
            (
                FetchError::Unauthorized {
                    url: url.clone(),
                    status: 403,
                }
                .into(),
                "AuthenticationFailed",
            ),
            (
                FetchError::Tls {
                    host: "x".into(),
                    why: "unknown issuer".into(),
                }
                .into(),
                "TLSError",
            ),
            (
                FetchError::TooLarge {
                    url: url.clone(),
                    max: 1,
                }
                .into(),
                "IndexTooLarge",
            ),
            (IndexError::Empty.into(), "InvalidIndex"),
            (
                FetchError::NotFound { url: url.clone() }.into(),
                "IndexFetchFailed",
            ),
            (
                OciError::DigestMismatch {
                    reference: "r".into(),
                    why: "w".into(),
                }
                .into(),
                "IndexFetchFailed",
            ),
            (
                OciError::Credentials("bad".into()).into(),
                "AuthenticationFailed",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.reason(), want, "{error}");
        }
    }
}
