//! What a repository offers, for people and scripts (`helm-operator repo search` and `repo
//! resolve`): the versions of an HTTP repository (its `index.yaml` downloaded and loaded as Helm
//! loads it), of an OCI chart (its tags), or of a local `index.yaml` file; the rows `helm search
//! repo` would list; and the version the operator would pick for a constraint.

use std::time::Duration;

use crate::source::constraint::Constraint;
use crate::source::http::{self, BasicAuth, FetchError, IndexLoad, IndexRequest, RepoTls};
use crate::source::index::{Index, IndexError, parse_index};
use crate::source::oci::{self, OciAuth, OciChartRef, OciError, OciSettings, OciVersion};

/// How to reach a repository.
#[derive(Debug, Clone)]
pub struct RepoAccess {
    /// Basic credentials.
    pub auth: Option<BasicAuth>,
    /// TLS settings.
    pub tls: RepoTls,
    /// Plain HTTP for OCI registries.
    pub plain_http: bool,
    /// Timeout of each request.
    pub timeout: Duration,
    /// The largest index accepted.
    pub max_index_bytes: u64,
}

impl Default for RepoAccess {
    fn default() -> Self {
        Self {
            auth: None,
            tls: RepoTls::default(),
            plain_http: false,
            timeout: Duration::from_secs(60),
            max_index_bytes: 100 << 20,
        }
    }
}

/// Why a repository could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Downloading the index failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The index does not load.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The registry failed.
    #[error(transparent)]
    Oci(#[from] OciError),
    /// A local index file cannot be read.
    #[error("reading {path}: {why}")]
    Read {
        /// The path.
        path: String,
        /// The reason.
        why: String,
    },
}

/// What a repository lists.
#[derive(Debug, Clone)]
pub enum Listing {
    /// An HTTP repository or a local index.
    Index(Index),
    /// One chart in an OCI registry.
    Oci {
        /// The chart.
        chart: OciChartRef,
        /// Its versions, newest first.
        versions: Vec<OciVersion>,
    },
}

/// Lists `location`: an `oci://` chart reference, an `http(s)://` repository URL, or a path to
/// an `index.yaml`.
///
/// # Errors
/// A [`QueryError`] naming the reason.
pub async fn list(location: &str, access: &RepoAccess) -> Result<Listing, QueryError> {
    if location.starts_with("oci://") {
        let chart = OciChartRef::parse(location)?;
        let client = oci::client(&OciSettings {
            plain_http: access.plain_http,
            ca_pem: access.tls.ca_pem.clone(),
            insecure_skip_verify: access.tls.insecure_skip_verify,
            timeout: Some(access.timeout),
        });
        let auth = match &access.auth {
            Some(a) => OciAuth::Basic {
                username: a.username.clone(),
                password: a.password.clone(),
            },
            None => OciAuth::Anonymous,
        };
        let versions = oci::list_versions(&client, &chart, &auth).await?;
        return Ok(Listing::Oci { chart, versions });
    }
    let max = usize::try_from(access.max_index_bytes).unwrap_or(usize::MAX);
    if location.starts_with("http://") || location.starts_with("https://") {
        let client = http::client(&access.tls, access.timeout)?;
        let loaded = http::load_index(
            &client,
            &IndexRequest {
                repo_url: location,
                auth: access.auth.as_ref(),
                etag: None,
                last_modified: None,
                max_bytes: access.max_index_bytes,
                timeout: access.timeout,
            },
        )
        .await
        .map_err(|e| match e {
            http::LoadError::Fetch(e) => QueryError::Fetch(e),
            http::LoadError::Index(e) => QueryError::Index(e),
        })?;
        let IndexLoad::Loaded { index, .. } = loaded else {
            // nothing was asked conditionally: a 304 here is the server's mistake
            return Err(FetchError::Status {
                url: location.to_owned(),
                status: 304,
            }
            .into());
        };
        return Ok(Listing::Index(index));
    }
    let read_error = |e: std::io::Error| QueryError::Read {
        path: location.to_owned(),
        why: e.to_string(),
    };
    let size = std::fs::metadata(location).map_err(read_error)?.len();
    if size > access.max_index_bytes {
        return Err(IndexError::TooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            max,
        }
        .into());
    }
    let bytes = std::fs::read(location).map_err(read_error)?;
    Ok(Listing::Index(parse_index(&bytes, max)?))
}

/// A row of `helm search repo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Chart name (the reference for OCI).
    pub name: String,
    /// Chart version.
    pub version: String,
    /// App version.
    pub app_version: String,
    /// Description.
    pub description: String,
}

/// The rows `helm search repo` lists: each chart's newest stable version, or with
/// `all_versions` every version; only `chart` when given.
pub fn rows(listing: &Listing, chart: Option<&str>, all_versions: bool) -> Vec<Row> {
    let mut out = Vec::new();
    match listing {
        Listing::Index(index) => {
            for (name, versions) in &index.entries {
                if chart.is_some_and(|c| c != name) {
                    continue;
                }
                for v in shown(versions, all_versions, |v| v.version.pre.is_empty()) {
                    out.push(Row {
                        name: name.clone(),
                        version: v.version_text().to_owned(),
                        app_version: v.app_version().unwrap_or_default().to_owned(),
                        description: v.description().unwrap_or_default().to_owned(),
                    });
                }
            }
        }
        Listing::Oci { chart: r, versions } => {
            for v in shown(versions, all_versions, |v| v.version.pre.is_empty()) {
                out.push(Row {
                    name: r.to_string(),
                    version: v.version.to_string(),
                    app_version: String::new(),
                    description: String::new(),
                });
            }
        }
    }
    out
}

/// Every version (newest first), or only the newest stable one, as `helm search` shows them.
fn shown<T>(versions: &[T], all: bool, stable: impl Fn(&T) -> bool) -> Vec<&T> {
    if all {
        versions.iter().collect()
    } else {
        versions.iter().find(|v| stable(v)).into_iter().collect()
    }
}

/// The version the operator picks for `constraint`: a version written exactly as the
/// constraint first, else the newest that satisfies it (empty or `latest`: the newest stable).
/// `chart` names the chart of an index; an OCI listing holds one chart.
pub fn resolve(listing: &Listing, chart: &str, constraint: &Constraint) -> Option<String> {
    match listing {
        Listing::Index(index) => index
            .resolve(chart, constraint)
            .map(|v| v.version_text().to_owned()),
        Listing::Oci { versions, .. } => {
            let text = constraint.as_str();
            if let Some(exact) = versions
                .iter()
                .find(|v| !text.is_empty() && (v.tag == text || v.version.to_string() == text))
            {
                return Some(exact.version.to_string());
            }
            versions
                .iter()
                .find(|v| constraint.matches(&v.version))
                .map(|v| v.version.to_string())
        }
    }
}
