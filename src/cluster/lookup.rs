//! Helm's `lookup` against the live cluster, read-only: [`ClusterLookup`] implements the template
//! engine's [`Lookup`] with the same requests Helm v4.2.3 makes and the same answers.
//!
//! # What matches Helm, and how it was established
//!
//! Compared byte for byte with real Helm v4.2.3 (`helm_python`'s cluster-aware render) on the API
//! emulator, in `tests/cluster_lookup.rs`:
//! - the kind becomes a resource through the group version's discovery document
//!   (`/api/v1`, `/apis/<group>/<version>`): the first resource of that kind that is not a
//!   subresource. A group version the server does not serve fails the render (`unable to get
//!   apiresource from unstructured: nope.io/v1, Kind=Foo: the server could not find the requested
//!   resource`); an empty or malformed apiVersion fails with `groupVersion shouldn't be empty`;
//! - a kind the group version does not have is *not* an error: Helm then reads with an empty
//!   group, version and resource, that is `GET /api/<name>` (a 404 on any real server, so an
//!   empty map) or, for a list, `GET /api` (the `APIVersions` document, given an empty `items`).
//!   The same requests are made here, so the same odd answers come back;
//! - the namespace is used only for a namespaced kind; a cluster-scoped kind ignores it (even
//!   an invalid one), and a namespaced kind without one reads across namespaces (a list) or the
//!   cluster-wide path (a get, which servers answer with 404: an empty map);
//! - names and namespaces are checked as client-go checks path segments (`invalid resource name
//!   "a/b": [may not contain '/']`, `may not be '..'`), after discovery;
//! - a missing object or list (any answer client-go takes for NotFound: reason `NotFound`, or an
//!   unknown reason with code 404) is an empty map; every other failure fails the render with
//!   the server's `Status` message (a 403 is an error, not an empty map), or client-go's generic
//!   wording when the answer is not a `Status`;
//! - 429 and 5xx answers carrying `Retry-After` are retried up to 10 times after the wait the
//!   server asks for, as client-go's REST client does, and nothing else is retried (given a
//!   client from [`lookup_client`], which turns off kube-rs's own retries);
//! - objects are decoded as client-go decodes unstructured JSON: integers are `int64`, other
//!   numbers `float64` (`-0` is the integer 0, `2.0` a float), objects `map[string]interface {}`,
//!   arrays `[]interface {}`; a get needs a `kind`;
//! - a list is its top-level fields with `items` always present (`[]` when the server sent none
//!   or `null`), each item given the list's `apiVersion` and its kind without `List` when it has
//!   neither;
//! - every lookup returns a fresh map, so a template that changes one result (`set`) does not
//!   change the next.
//!
//! # Chosen here, unlike Helm
//!
//! - Discovery is read once per group version per [`ClusterLookup`] (one per render), where
//!   Helm reads it again for every lookup: a lookup costs one GET, plus one discovery GET the
//!   first time its apiVersion is used.
//! - The work is bounded ([`LookupLimits`]): at most 1,000 lookups per render and 64 MiB per
//!   answer by default (Helm has no bound: a lookup of a huge list reads all of it, without
//!   paging), and each read has a timeout, its retries included (a `Retry-After` that would
//!   overrun it ends the retries early, with the server's error). Going past a bound fails the
//!   render with a message that names the bound.
//! - Transport failures (refused connection, timeout) are worded by kube-rs, not Go's `net/http`.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::HttpBody;

use crate::engine::exec::Lookup;
use crate::engine::value::{Map, Value};

/// Helm reads a discovery document this way (client-go's discovery client).
const DISCOVERY_ACCEPT: &str = "application/json, */*";
/// And objects this way (client-go's dynamic client).
const OBJECT_ACCEPT: &str = "application/json";
/// client-go's REST client retries a throttled or failing request at most this many times.
const MAX_RETRIES: usize = 10;
/// client-go keeps at most this much of a non-`Status` error body for its message.
const MAX_ERROR_TEXT: usize = 2048;

/// Bounds on the lookups of one render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupLimits {
    /// Lookups one [`ClusterLookup`] answers; the next one fails the render.
    pub max_lookups: usize,
    /// Largest answer body read for one request, in bytes.
    pub max_response_bytes: usize,
    /// How long one read (or one discovery read) may take, its retries and their waits
    /// included; a `Retry-After` that would go past it ends the retries with the server's error.
    pub call_timeout: Duration,
}

impl Default for LookupLimits {
    fn default() -> Self {
        Self {
            max_lookups: 1000,
            max_response_bytes: 64 << 20,
            call_timeout: crate::controller::API_CALL_TIMEOUT,
        }
    }
}

/// What a [`ClusterLookup`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// `lookup` calls, including refused ones.
    pub lookups: usize,
    /// HTTP requests sent (discovery, reads and retries).
    pub api_calls: usize,
    /// Discovery documents read.
    pub discovery_calls: usize,
}

/// Helm's `lookup` for one render: reads objects from the cluster with GET only, through the
/// runtime given at construction.
///
/// The engine calls [`Lookup::lookup`] synchronously; each call runs its requests on the tokio
/// runtime and blocks the calling thread until they finish, so renders must run off the async
/// workers (`tokio::task::spawn_blocking`). Called from a current-thread runtime's own thread it
/// would wait forever.
pub struct ClusterLookup {
    inner: Arc<Inner>,
    runtime: tokio::runtime::Handle,
}

struct Inner {
    client: kube::Client,
    limits: LookupLimits,
    /// Resources of each group version read so far, by group version string.
    discovery: Mutex<HashMap<String, Arc<Vec<ApiResource>>>>,
    lookups: AtomicUsize,
    api_calls: AtomicUsize,
    discovery_calls: AtomicUsize,
}

/// One resource of a discovery document: what Helm takes from it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ApiResource {
    name: String,
    kind: String,
    namespaced: bool,
}

impl std::fmt::Debug for ClusterLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterLookup")
            .field("limits", &self.inner.limits)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// A client for [`ClusterLookup`]: `config` without kube-rs's own retrying of 429, 503 and 504
/// answers, so only Helm's rule applies (retry after `Retry-After`, at most 10 times). Build one
/// and share it between renders; it must be built inside a tokio runtime.
///
/// # Errors
/// The client could not be built from `config` (TLS or proxy settings).
pub fn lookup_client(mut config: kube::Config) -> Result<kube::Client, kube::Error> {
    config.default_retry = false;
    kube::Client::try_from(config)
}

impl ClusterLookup {
    /// A lookup over `client` with the default [`LookupLimits`]; requests run on `runtime`.
    ///
    /// `client` should be a [`lookup_client`]: one that retries on its own (kube-rs's default)
    /// retries 429, 503 and 504 answers on its own schedule before Helm's rule sees them, so a
    /// server that keeps answering them makes a lookup wait for [`LookupLimits::call_timeout`]
    /// and fail with a timeout instead of the server's message.
    pub fn new(client: kube::Client, runtime: tokio::runtime::Handle) -> Self {
        Self::with_limits(client, runtime, LookupLimits::default())
    }

    /// A lookup with explicit bounds.
    pub fn with_limits(
        client: kube::Client,
        runtime: tokio::runtime::Handle,
        limits: LookupLimits,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                limits,
                discovery: Mutex::new(HashMap::new()),
                lookups: AtomicUsize::new(0),
                api_calls: AtomicUsize::new(0),
                discovery_calls: AtomicUsize::new(0),
            }),
            runtime,
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> LookupStats {
        LookupStats {
            lookups: self.inner.lookups.load(Ordering::Relaxed),
            api_calls: self.inner.api_calls.load(Ordering::Relaxed),
            discovery_calls: self.inner.discovery_calls.load(Ordering::Relaxed),
        }
    }
}

impl Lookup for ClusterLookup {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String> {
        let count = self.inner.lookups.fetch_add(1, Ordering::Relaxed) + 1;
        let max = self.inner.limits.max_lookups;
        if count > max {
            return Err(format!(
                "this render made more than {max} lookups, the operator's limit for one render"
            ));
        }
        let inner = Arc::clone(&self.inner);
        let request = LookupRequest {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        };
        // the reads run on the runtime's workers, where the client's connections live; this
        // thread (a blocking one) only waits
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = send.send(inner.lookup(request).await);
        });
        receive
            .recv()
            .unwrap_or_else(|_| Err("the lookup was cancelled (the runtime stopped)".to_owned()))
    }
}

struct LookupRequest {
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
}

/// Where a lookup reads: Helm's dynamic client for a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    group: String,
    version: String,
    resource: String,
    namespaced: bool,
}

impl Inner {
    async fn lookup(&self, r: LookupRequest) -> Result<Value, String> {
        let (group, version) = parse_group_version(&r.api_version);
        let target = self.target(&group, &version, &r.kind).await.map_err(|e| {
            format!(
                "unable to get apiresource from unstructured: {group}/{version}, Kind={}: {e}",
                r.kind
            )
        })?;
        let namespace = if target.namespaced {
            r.namespace.as_str()
        } else {
            ""
        };
        check_path_segment("namespace", namespace)?;
        if !r.name.is_empty() {
            check_path_segment("resource name", &r.name)?;
        }
        let path = object_path(&target, namespace, &r.name);
        let body = match self.get(&path, OBJECT_ACCEPT).await {
            Ok(body) => body,
            Err(Failure::Api(e)) if e.is_not_found() => return Ok(Value::map(BTreeMap::new())),
            Err(e) => return Err(e.to_string()),
        };
        if r.name.is_empty() {
            decode_list(&body)
        } else {
            decode_object(&body)
        }
    }

    /// The resource for `kind` in `group/version`, as Helm finds it: an unknown kind gives an
    /// empty target, which Helm reads anyway.
    async fn target(&self, group: &str, version: &str, kind: &str) -> Result<Target, String> {
        let group_version = if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        };
        let resources = self.resources(&group_version).await?;
        Ok(resources
            .iter()
            .find(|r| r.kind == kind && !r.name.contains('/'))
            .map_or(
                Target {
                    group: String::new(),
                    version: String::new(),
                    resource: String::new(),
                    namespaced: false,
                },
                |r| Target {
                    group: group.to_owned(),
                    version: version.to_owned(),
                    resource: r.name.clone(),
                    namespaced: r.namespaced,
                },
            ))
    }

    /// A group version's resources, read once per lookup instance.
    async fn resources(&self, group_version: &str) -> Result<Arc<Vec<ApiResource>>, String> {
        if group_version.is_empty() {
            return Err("groupVersion shouldn't be empty".to_owned());
        }
        if let Some(known) = self.cached(group_version) {
            return Ok(known);
        }
        let raw = if group_version == "v1" {
            "/api/v1".to_owned()
        } else {
            format!("/apis/{group_version}")
        };
        // client-go escapes the discovery path once to build it and again to send it
        let path = escape_path(&crate::engine::funcs::paths::clean(&escape_path(&raw)));
        self.discovery_calls.fetch_add(1, Ordering::Relaxed);
        let resources = match self.get(&path, DISCOVERY_ACCEPT).await {
            Ok(body) => parse_resources(&body)?,
            // client-go tolerates a core group that is not there
            Err(Failure::Api(e)) if group_version == "v1" && e.is_not_found() => Vec::new(),
            Err(e) => return Err(e.to_string()),
        };
        let resources = Arc::new(resources);
        self.discovery
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(group_version.to_owned(), Arc::clone(&resources));
        Ok(resources)
    }

    fn cached(&self, group_version: &str) -> Option<Arc<Vec<ApiResource>>> {
        self.discovery
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(group_version)
            .cloned()
    }

    /// One GET, retried as client-go retries it, within [`LookupLimits::call_timeout`] all
    /// told; the body of a success.
    async fn get(&self, path: &str, accept: &str) -> Result<Vec<u8>, Failure> {
        let timeout = self.limits.call_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut retries = 0;
        loop {
            self.api_calls.fetch_add(1, Ordering::Relaxed);
            let answer = tokio::time::timeout_at(deadline, self.send(path, accept))
                .await
                .map_err(|_| {
                    Failure::Transport(format!(
                        "GET {path}: no answer within {}s",
                        timeout.as_secs()
                    ))
                })??;
            if (200..=206).contains(&answer.code) {
                return Ok(answer.body);
            }
            let failure = ApiFailure::from_answer(&answer);
            let wait = retry_after(&answer).map(Duration::from_secs);
            match wait {
                // a wait that would overrun the timeout gives up now, with the server's error
                Some(wait)
                    if retries < MAX_RETRIES && tokio::time::Instant::now() + wait < deadline =>
                {
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(Failure::Api(failure)),
            }
        }
    }

    async fn send(&self, path: &str, accept: &str) -> Result<Answer, Failure> {
        let transport = |e: String| Failure::Transport(format!("GET {path}: {e}"));
        let request = http::Request::get(path)
            .header(http::header::ACCEPT, accept)
            .body(kube::client::Body::empty())
            .map_err(|e| transport(e.to_string()))?;
        let response = self
            .client
            .send(request)
            .await
            .map_err(|e| transport(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let header = |name: http::header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(http::header::CONTENT_TYPE);
        let retry_after = header(http::header::RETRY_AFTER);
        let code = parts.status.as_u16();
        drop(parts);
        let body = read_body(body, self.limits.max_response_bytes)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => Failure::TooLarge(format!(
                    "the answer to GET {path} is larger than {} bytes, the operator's limit for \
                     one lookup",
                    self.limits.max_response_bytes
                )),
                BodyError::Read(e) => transport(e),
            })?;
        Ok(Answer {
            code,
            content_type,
            retry_after,
            body,
        })
    }
}

/// Reads a body, stopping once it passes `limit` bytes.
async fn read_body(mut body: kube::client::Body, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(out),
            Some(Err(e)) => return Err(BodyError::Read(e.to_string())),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if out.len() + data.len() > limit {
                        return Err(BodyError::TooLarge);
                    }
                    out.extend_from_slice(&data);
                }
            }
        }
    }
}

enum BodyError {
    TooLarge,
    Read(String),
}

/// An HTTP answer, read.
struct Answer {
    code: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: Vec<u8>,
}

/// client-go waits and retries a 429 or 5xx that says when to come back (whole seconds).
fn retry_after(answer: &Answer) -> Option<u64> {
    if answer.code != 429 && answer.code < 500 {
        return None;
    }
    let seconds: i64 = answer.retry_after.as_deref()?.parse().ok()?;
    Some(u64::try_from(seconds).unwrap_or(0))
}

/// Why a request failed.
#[derive(Debug)]
enum Failure {
    /// The server answered with an error.
    Api(ApiFailure),
    /// No usable answer.
    Transport(String),
    /// The answer passed the size bound.
    TooLarge(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Api(e) => f.write_str(&e.message),
            Failure::Transport(m) | Failure::TooLarge(m) => f.write_str(m),
        }
    }
}

/// A server error as client-go's `StatusError` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ApiFailure {
    /// `Status.code` (the HTTP code for an answer that was not a `Status`).
    code: i64,
    /// `Status.reason`.
    reason: String,
    /// `Status.message`: what the error says.
    message: String,
}

/// The reasons apimachinery knows; a 404 with any other reason still means NotFound.
const KNOWN_REASONS: &[&str] = &[
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Gone",
    "Invalid",
    "ServerTimeout",
    "StoreReadError",
    "Timeout",
    "TooManyRequests",
    "BadRequest",
    "MethodNotAllowed",
    "NotAcceptable",
    "RequestEntityTooLarge",
    "UnsupportedMediaType",
    "InternalError",
    "Expired",
    "ServiceUnavailable",
];

impl ApiFailure {
    /// apimachinery's `IsNotFound`.
    fn is_not_found(&self) -> bool {
        self.reason == "NotFound"
            || (self.code == 404 && !KNOWN_REASONS.contains(&self.reason.as_str()))
    }

    /// The error client-go makes of an error answer: the `Status` the server sent, else its
    /// generic wording for the code.
    fn from_answer(answer: &Answer) -> Self {
        let media = answer.content_type.as_deref().map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        let decodable = media
            .as_deref()
            .is_none_or(|m| m == "application/json" || m.ends_with("+json"));
        if decodable
            && let Ok(serde_json::Value::Object(status)) =
                serde_json::from_slice::<serde_json::Value>(&answer.body)
            && status.get("kind").and_then(|k| k.as_str()) == Some("Status")
            && status.get("status").and_then(|s| s.as_str()) == Some("Failure")
        {
            let text = |key: &str| {
                status
                    .get(key)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            return Self {
                code: status.get("code").and_then(|c| c.as_i64()).unwrap_or(0),
                reason: text("reason"),
                message: text("message"),
            };
        }
        let server_message = if media.as_deref().is_some_and(|m| m.starts_with("text/")) {
            let end = answer.body.len().min(MAX_ERROR_TEXT);
            String::from_utf8_lossy(&answer.body[..end])
                .trim()
                .to_owned()
        } else {
            "unknown".to_owned()
        };
        generic_failure(answer.code, server_message)
    }
}

/// apimachinery's `NewGenericServerResponse` for a GET without a named resource.
fn generic_failure(code: u16, server_message: String) -> ApiFailure {
    let (reason, message) = match code {
        409 => ("Conflict", "the server reported a conflict".to_owned()),
        404 => (
            "NotFound",
            "the server could not find the requested resource".to_owned(),
        ),
        400 => (
            "BadRequest",
            "the server rejected our request for an unknown reason".to_owned(),
        ),
        401 => (
            "Unauthorized",
            "the server has asked for the client to provide credentials".to_owned(),
        ),
        403 => ("Forbidden", server_message),
        406 => (
            "NotAcceptable",
            if server_message.is_empty() || server_message == "unknown" {
                "the server was unable to respond with a content type that the client supports"
                    .to_owned()
            } else {
                server_message
            },
        ),
        415 => ("UnsupportedMediaType", server_message),
        405 => (
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".to_owned(),
        ),
        422 => (
            "Invalid",
            "the server rejected our request due to an error in our request".to_owned(),
        ),
        503 => (
            "ServiceUnavailable",
            "the server is currently unable to handle the request".to_owned(),
        ),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted, but may still be \
             processing the request"
                .to_owned(),
        ),
        429 => (
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later"
                .to_owned(),
        ),
        code if code >= 500 => (
            "InternalError",
            format!(
                "an error on the server ({}) has prevented the request from succeeding",
                crate::engine::gostr::quote(&server_message)
            ),
        ),
        code => (
            "",
            format!(
                "the server responded with the status code {code} but did not return more \
                 information"
            ),
        ),
    };
    ApiFailure {
        code: i64::from(code),
        reason: reason.to_owned(),
        message,
    }
}

/// apimachinery's `ParseGroupVersion`, with its error giving the empty group version (as
/// `schema.FromAPIVersionAndKind` does).
fn parse_group_version(api_version: &str) -> (String, String) {
    if api_version.is_empty() || api_version == "/" {
        return (String::new(), String::new());
    }
    match api_version.split_once('/') {
        None => (String::new(), api_version.to_owned()),
        Some((group, version)) if !version.contains('/') => (group.to_owned(), version.to_owned()),
        Some(_) => (String::new(), String::new()),
    }
}

/// client-go's check of a namespace or name before it goes into a URL path.
fn check_path_segment(what: &str, segment: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    if segment == "." || segment == ".." {
        problems.push(format!("may not be '{segment}'"));
    } else {
        for bad in ['/', '%'] {
            if segment.contains(bad) {
                problems.push(format!("may not contain '{bad}'"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "invalid {what} {}: [{}]",
            crate::engine::gostr::quote(segment),
            problems.join(" ")
        ))
    }
}

/// The path client-go's dynamic client reads: `/api` or `/apis/<group>`, the version, the
/// namespace, the resource and the name, empty parts left out.
fn object_path(target: &Target, namespace: &str, name: &str) -> String {
    let mut segments: Vec<&str> = if target.group.is_empty() {
        vec!["api"]
    } else {
        vec!["apis", &target.group]
    };
    segments.push(&target.version);
    if !namespace.is_empty() {
        segments.extend(["namespaces", namespace]);
    }
    segments.push(&target.resource);
    segments.push(name);
    let joined: Vec<&str> = segments.into_iter().filter(|s| !s.is_empty()).collect();
    let clean = crate::engine::funcs::paths::clean(&joined.join("/"));
    let rooted = if clean.starts_with('/') {
        clean
    } else {
        format!("/{clean}")
    };
    escape_path(&rooted)
}

/// Go's URL path escaping (`url.URL.EscapedPath` of a path without a raw form).
fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_'
                    | b'.'
                    | b'~'
                    | b'$'
                    | b'&'
                    | b'+'
                    | b','
                    | b'/'
                    | b':'
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The resources of a discovery document (`APIResourceList`).
fn parse_resources(body: &[u8]) -> Result<Vec<ApiResource>, String> {
    let doc: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("decoding the discovery document: {e}"))?;
    let Some(list) = doc.get("resources").and_then(|r| r.as_array()) else {
        return Ok(Vec::new());
    };
    Ok(list
        .iter()
        .map(|r| ApiResource {
            name: r["name"].as_str().unwrap_or("").to_owned(),
            kind: r["kind"].as_str().unwrap_or("").to_owned(),
            namespaced: r["namespaced"].as_bool().unwrap_or(false),
        })
        .collect())
}

/// A string field, or "" (apimachinery's `NestedString` as `GetKind` uses it).
fn string_field(map: &Map, key: &str) -> String {
    match map.get(key) {
        Some(Value::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn missing_kind(body: &[u8]) -> String {
    format!(
        "Object 'Kind' is missing in '{}'",
        String::from_utf8_lossy(body)
    )
}

/// A got object as client-go decodes it: a JSON object with a kind.
fn decode_object(body: &[u8]) -> Result<Value, String> {
    let map = decode_map(body)?;
    if string_field(&map, "kind").is_empty() {
        return Err(missing_kind(body));
    }
    Ok(Value::Map(map))
}

/// A list as client-go's dynamic client returns it (`UnstructuredList.UnstructuredContent`).
fn decode_list(body: &[u8]) -> Result<Value, String> {
    let map = decode_map(body)?;
    let list_kind = string_field(&map, "kind");
    let list_api_version = string_field(&map, "apiVersion");
    let items = match map.get("items") {
        None | Some(Value::Nil) => Vec::new(),
        Some(Value::List(items, _)) => {
            let item_kind = list_kind.strip_suffix("List").unwrap_or(&list_kind);
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                let Value::Map(item) = item else {
                    return Err(crate::engine::json::type_error(
                        item,
                        "map[string]interface {}",
                    ));
                };
                // the server leaves out each item's type in typed lists
                if string_field(item, "kind").is_empty()
                    && string_field(item, "apiVersion").is_empty()
                {
                    item.insert("kind", Value::string(item_kind));
                    item.insert("apiVersion", Value::string(list_api_version.as_str()));
                }
                out.push(Value::Map(item.clone()));
            }
            out
        }
        Some(other) => {
            return Err(crate::engine::json::type_error(&other, "[]json.RawMessage"));
        }
    };
    if list_kind.is_empty() {
        return Err(missing_kind(body));
    }
    map.insert("items", Value::list(items));
    Ok(Value::Map(map))
}

/// Decodes a JSON object as client-go's unstructured decoder does.
fn decode_map(body: &[u8]) -> Result<Map, String> {
    match decode_json(body)? {
        Value::Map(map) => Ok(map),
        other => Err(crate::engine::json::type_error(
            &other,
            "map[string]interface {}",
        )),
    }
}

/// JSON into template values with Kubernetes' unstructured number rules: a number written as
/// an integer that fits `int64` is `int64`, every other number `float64`.
fn decode_json(body: &[u8]) -> Result<Value, String> {
    crate::engine::json::unmarshal_unstructured(&go_lossy(body))
}

/// `body` as text the way Go's JSON decoder reads invalid UTF-8: each byte that is not part of
/// a valid sequence becomes U+FFFD (Rust's lossy conversion replaces a truncated sequence once).
fn go_lossy(mut body: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(body) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(body.len() + 8);
    loop {
        match std::str::from_utf8(body) {
            Ok(rest) => {
                out.push_str(rest);
                return std::borrow::Cow::Owned(out);
            }
            Err(e) => {
                let (valid, rest) = body.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len());
                out.extend(std::iter::repeat_n('\u{fffd}', bad));
                body = &rest[bad..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::value::IntKind;

    #[test]
    fn numbers_follow_unstructured_decoding() {
        let v = decode_json(
            br#"{"i": 7, "neg": -4, "zero": -0, "f": 2.0, "e": 1e3, "big": 9223372036854775808,
                "min": -9223372036854775808, "r": 0.5}"#,
        )
        .unwrap();
        let Value::Map(m) = v else { panic!() };
        let kind = |k: &str| m.get(k).unwrap().type_name();
        assert_eq!(kind("i"), "int64");
        assert_eq!(kind("neg"), "int64");
        assert_eq!(m.get("zero"), Some(Value::Int(0, IntKind::Int64)));
        assert_eq!(kind("f"), "float64");
        assert_eq!(kind("e"), "float64");
        assert_eq!(m.get("big"), Some(Value::Float(9223372036854775808.0)));
        assert_eq!(kind("min"), "int64");
        assert_eq!(
            decode_json(b"[1e400]").unwrap_err(),
            "json: cannot unmarshal number 1e400 into Go value of type float64"
        );
    }

    #[test]
    fn strings_decode_as_go_decodes_them() {
        let v = decode_json(b"[\"a\\u00e9\\ud83d\\ude00\\ud800x\", \"\xff\xe2\x82\"]").unwrap();
        assert_eq!(
            v.to_string(),
            "[a\u{e9}\u{1f600}\u{fffd}x \u{fffd}\u{fffd}\u{fffd}]"
        );
        assert_eq!(
            decode_json(b"{\"a\" 1}").unwrap_err(),
            "invalid character '1' after object key"
        );
        assert_eq!(
            decode_json(b"{\"a\":1,\"a\":2}").unwrap().to_string(),
            "map[a:2]"
        );
    }

    #[test]
    fn lists_always_carry_items_and_typed_items_get_a_type() {
        let list = decode_list(
            br#"{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"3"},
                "items":[{"metadata":{"name":"a"}},{"kind":"Other","metadata":{"name":"b"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            list.to_string(),
            "map[apiVersion:v1 items:[map[apiVersion:v1 kind:ConfigMap metadata:map[name:a]] \
             map[kind:Other metadata:map[name:b]]] kind:ConfigMapList metadata:map[resourceVersion:3]]"
        );
        let null_items = decode_list(br#"{"kind":"XList","items":null}"#).unwrap();
        assert_eq!(null_items.to_string(), "map[items:[] kind:XList]");
        let no_items = decode_list(br#"{"kind":"APIVersions","versions":["v1"]}"#).unwrap();
        assert_eq!(
            no_items.to_string(),
            "map[items:[] kind:APIVersions versions:[v1]]"
        );
        assert!(
            decode_list(br#"{"items":[]}"#)
                .unwrap_err()
                .starts_with("Object 'Kind' is missing in '")
        );
        assert!(decode_object(br#"{"apiVersion":"v1"}"#).is_err());
        // a got object keeps a top-level `items` as it is
        assert_eq!(
            decode_object(br#"{"kind":"W","items":null}"#)
                .unwrap()
                .to_string(),
            "map[items:<nil> kind:W]"
        );
    }

    #[test]
    fn group_versions_parse_as_apimachinery_parses_them() {
        let gv = |s: &str| parse_group_version(s);
        assert_eq!(gv("v1"), (String::new(), "v1".to_owned()));
        assert_eq!(gv("apps/v1"), ("apps".to_owned(), "v1".to_owned()));
        assert_eq!(gv(""), (String::new(), String::new()));
        assert_eq!(gv("/"), (String::new(), String::new()));
        assert_eq!(gv("a/b/c"), (String::new(), String::new()));
        assert_eq!(gv("/v1"), (String::new(), "v1".to_owned()));
    }

    #[test]
    fn paths_are_built_cleaned_and_escaped_as_client_go_does() {
        let target = |group: &str, version: &str, resource: &str, namespaced| Target {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
            namespaced,
        };
        assert_eq!(
            object_path(&target("", "v1", "configmaps", true), "ns", "a b?c#d"),
            "/api/v1/namespaces/ns/configmaps/a%20b%3Fc%23d"
        );
        assert_eq!(
            object_path(&target("apps", "v1", "deployments", true), "", ""),
            "/apis/apps/v1/deployments"
        );
        assert_eq!(object_path(&target("", "", "", false), "", ""), "/api");
        assert_eq!(
            object_path(&target("", "", "", false), "", "x+y"),
            "/api/x+y"
        );
        assert_eq!(crate::engine::funcs::paths::clean("/apis/../v1"), "/v1");
        assert_eq!(
            crate::engine::funcs::paths::clean("/apis/a//b/./c/"),
            "/apis/a/b/c"
        );
        assert_eq!(crate::engine::funcs::paths::clean("a/../../b"), "../b");
        assert_eq!(crate::engine::funcs::paths::clean("/.."), "/");
    }

    #[test]
    fn names_are_checked_as_path_segments() {
        assert_eq!(
            check_path_segment("resource name", "a/b%").unwrap_err(),
            "invalid resource name \"a/b%\": [may not contain '/' may not contain '%']"
        );
        assert_eq!(
            check_path_segment("namespace", "..").unwrap_err(),
            "invalid namespace \"..\": [may not be '..']"
        );
        assert!(check_path_segment("namespace", "").is_ok());
        assert!(check_path_segment("resource name", "a..b").is_ok());
    }

    fn answer(code: u16, content_type: Option<&str>, body: &str) -> Answer {
        Answer {
            code,
            content_type: content_type.map(str::to_owned),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn errors_are_worded_and_classified_as_client_go_does() {
        let status = r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"configmaps \"x\" is forbidden","reason":"Forbidden","code":403}"#;
        let f = ApiFailure::from_answer(&answer(403, Some("application/json"), status));
        assert_eq!(f.message, "configmaps \"x\" is forbidden");
        assert!(!f.is_not_found());
        // an unknown reason with code 404 is NotFound; a known one is not
        let unknown =
            r#"{"kind":"Status","status":"Failure","message":"m","reason":"Unknown","code":404}"#;
        assert!(ApiFailure::from_answer(&answer(404, None, unknown)).is_not_found());
        let gone =
            r#"{"kind":"Status","status":"Failure","message":"m","reason":"Gone","code":404}"#;
        assert!(!ApiFailure::from_answer(&answer(404, None, gone)).is_not_found());
        let plain = ApiFailure::from_answer(&answer(404, Some("text/plain"), "404 page not found"));
        assert!(plain.is_not_found());
        assert_eq!(
            plain.message,
            "the server could not find the requested resource"
        );
        let text = ApiFailure::from_answer(&answer(500, Some("text/plain"), " boom \n"));
        assert_eq!(
            text.message,
            "an error on the server (\"boom\") has prevented the request from succeeding"
        );
        let html = ApiFailure::from_answer(&answer(403, Some("text/html"), "<b>no</b>"));
        assert_eq!(html.message, "<b>no</b>");
        let opaque = ApiFailure::from_answer(&answer(418, Some("application/json"), "{}"));
        assert_eq!(
            opaque.message,
            "the server responded with the status code 418 but did not return more information"
        );
    }

    #[test]
    fn only_throttling_and_server_errors_with_retry_after_are_retried() {
        let with = |code, after: Option<&str>| Answer {
            retry_after: after.map(str::to_owned),
            ..answer(code, None, "")
        };
        assert_eq!(retry_after(&with(429, Some("2"))), Some(2));
        assert_eq!(retry_after(&with(503, Some("0"))), Some(0));
        assert_eq!(retry_after(&with(500, None)), None);
        assert_eq!(retry_after(&with(404, Some("1"))), None);
        assert_eq!(retry_after(&with(429, Some("soon"))), None);
    }
}
