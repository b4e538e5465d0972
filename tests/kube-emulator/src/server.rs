//! The HTTP front of the emulator: routing of every Kubernetes API path, content negotiation,
//! body decoding (JSON, YAML, protobuf, the patch types), the verbs, fault injection, and the
//! `/__emulator/*` admin endpoints.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::discovery::{self, DiscoveryFormat};
use crate::errors::ApiError;
use crate::faults::FaultRule;
use crate::managed::{self, ApplyOutcome, Schema};
use crate::patch;
use crate::registry::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{DeleteOptions, Selection, Store, now_rfc3339};
use crate::table;
use crate::watch::{self, WatchRequest};
use crate::{Shared, protobuf};

fn json_response(code: u16, value: &Value) -> Response {
    let mut r = (
        StatusCode::from_u16(code).unwrap_or(StatusCode::OK),
        value.to_string(),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("header"),
    );
    r
}

fn typed_response(content_type: &str, value: &Value) -> Response {
    let mut r = (StatusCode::OK, value.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, content_type.parse().expect("header"));
    r
}

fn error_response(e: &ApiError) -> Response {
    let mut r = json_response(e.code, &e.status());
    if let Some(seconds) = e.retry_after {
        r.headers_mut().insert(
            header::RETRY_AFTER,
            seconds.to_string().parse().expect("header"),
        );
    }
    r
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// A request for a resource, parsed from its path.
#[derive(Debug, Clone)]
struct Target {
    group: String,
    version: String,
    namespace: Option<String>,
    resource: String,
    name: Option<String>,
    subresource: Option<String>,
}

fn parse_target(segments: &[&str]) -> Option<Target> {
    let (group, version, rest) = match segments {
        ["api", v, rest @ ..] => (String::new(), (*v).to_owned(), rest),
        ["apis", g, v, rest @ ..] => ((*g).to_owned(), (*v).to_owned(), rest),
        _ => return None,
    };
    let t =
        |namespace: Option<&str>, resource: &str, name: Option<&str>, sub: Option<&str>| Target {
            group: group.clone(),
            version: version.clone(),
            namespace: namespace.map(String::from),
            resource: resource.to_owned(),
            name: name.map(String::from),
            subresource: sub.map(String::from),
        };
    match rest {
        ["namespaces", ns, resource] if !matches!(*resource, "status" | "finalize") => {
            Some(t(Some(ns), resource, None, None))
        }
        ["namespaces", ns, resource, name] => Some(t(Some(ns), resource, Some(name), None)),
        ["namespaces", ns, resource, name, sub] => {
            Some(t(Some(ns), resource, Some(name), Some(sub)))
        }
        [resource] => Some(t(None, resource, None, None)),
        [resource, name] => Some(t(None, resource, Some(name), None)),
        [resource, name, sub] => Some(t(None, resource, Some(name), Some(sub))),
        _ => None,
    }
}

/// The default field manager: the user agent's program name, as the API server derives it.
fn default_manager(headers: &HeaderMap) -> String {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown");
    ua.split('/').next().unwrap_or(ua).to_owned()
}

fn decode_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let base = content_type.split(';').next().unwrap_or("").trim();
    match base {
        "application/vnd.kubernetes.protobuf" => protobuf::decode(body)
            .map_err(|e| ApiError::unsupported_media_type(&format!("{content_type}: {e}"))),
        "application/yaml" | "application/apply-patch+yaml" | "text/yaml" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
            serde_saphyr::from_str::<Value>(text).map_err(|e| {
                ApiError::bad_request(format!(
                    "error decoding YAML: {}",
                    e.to_string().lines().next().unwrap_or("")
                ))
            })
        }
        "application/json"
        | "application/merge-patch+json"
        | "application/json-patch+json"
        | "application/strategic-merge-patch+json"
        | ""
        | "*/*" => {
            serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("json: {e}")))
        }
        other => Err(ApiError::unsupported_media_type(other)),
    }
}

fn verb_of(method: &Method, target: &Target, query: &HashMap<String, String>) -> &'static str {
    let watching = query.get("watch").is_some_and(|w| w == "true" || w == "1");
    match (method, target.name.is_some()) {
        (&Method::GET, _) if watching => "watch",
        (&Method::GET, true) => "get",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "other",
    }
}

/// The one handler behind every path. A panic in serving a request answers 500 with a
/// `Status`, as the API server's panic recovery does, instead of dropping the connection.
///
/// A request is served in its own task, so one whose client stops waiting (a timeout, a process
/// that exits) is still carried out, as a write the API server has received is: a client must
/// never take a write it abandoned for one that did not happen. Injected latency shows it.
pub async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match tokio::spawn(serve(shared, method, uri, headers, body)).await {
        Ok(response) => response,
        Err(_) => error_response(&ApiError {
            code: 500,
            reason: "InternalError",
            message: "an error on the server has prevented the request from succeeding".into(),
            details: None,
            retry_after: None,
        }),
    }
}

async fn serve(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let query = query_map(&uri);
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    match segments.as_slice() {
        ["version"] => return json_response(200, &version(&shared)),
        ["healthz" | "livez" | "readyz"] => return (StatusCode::OK, "ok").into_response(),
        ["__emulator", rest @ ..] => return admin(&shared, &method, rest, &body),
        ["api"] | ["apis"] => {
            let format = DiscoveryFormat::from_accept(&accept);
            let store = shared.read();
            let doc = match (format, segments[0]) {
                (DiscoveryFormat::Legacy, "api") => discovery::api_versions(&shared.address),
                (DiscoveryFormat::Legacy, _) => discovery::api_group_list(&store.registry),
                (f, root) => discovery::aggregated(&store.registry, root == "api", f),
            };
            return typed_response(format.content_type(), &doc);
        }
        ["apis", group] => {
            let store = shared.read();
            return match discovery::api_group(&store.registry, group) {
                Some(doc) => json_response(200, &doc),
                None => error_response(&ApiError::not_served()),
            };
        }
        ["api", version] | ["apis", _, version] => {
            let group = if segments[0] == "api" {
                ""
            } else {
                segments[1]
            };
            let store = shared.read();
            return match discovery::api_resource_list(&store.registry, group, version) {
                Some(doc) => json_response(200, &doc),
                None => error_response(&ApiError::not_served()),
            };
        }
        ["openapi", "v2"] => return error_response(&ApiError::not_served()),
        ["openapi", "v3"] => {
            return json_response(200, &discovery::openapi_v3_root(&shared.read().registry));
        }
        ["openapi", "v3", rest @ ..] => {
            let (group, version) = match rest {
                ["api", v] => ("", *v),
                ["apis", g, v] => (*g, *v),
                _ => return error_response(&ApiError::not_served()),
            };
            return match discovery::openapi_v3_document(&shared.read().registry, group, version) {
                Some(doc) => json_response(200, &doc),
                None => error_response(&ApiError::not_served()),
            };
        }
        _ => {}
    }
    let Some(target) = parse_target(&segments) else {
        return error_response(&ApiError::not_served());
    };
    let verb = verb_of(&method, &target, &query);
    let injection = shared
        .faults
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .check(verb, &target.resource);
    if injection.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(injection.latency_ms)).await;
    }
    if let Some((code, retry_after)) = injection.error {
        return error_response(&ApiError::injected(code, retry_after));
    }
    let result = resource_request(
        &shared, &method, verb, &target, &query, &headers, &accept, &body,
    );
    match result {
        Ok(response) => response,
        Err(e) => error_response(&e),
    }
}

fn version(shared: &Shared) -> Value {
    let minor = &shared.config.kube_minor;
    json!({
        "major": "1", "minor": minor, "gitVersion": format!("v1.{minor}.0"), "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc", "platform": "linux/amd64",
    })
}

fn admin(shared: &Arc<Shared>, method: &Method, rest: &[&str], body: &[u8]) -> Response {
    match (method, rest) {
        (&Method::POST, ["faults"]) => match serde_json::from_slice::<FaultRule>(body) {
            Ok(rule) => {
                shared
                    .faults
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .add(rule);
                json_response(200, &json!({"ok": true}))
            }
            Err(e) => error_response(&ApiError::bad_request(format!("fault rule: {e}"))),
        },
        (&Method::DELETE, ["faults"]) => {
            shared
                .faults
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
            json_response(200, &json!({"ok": true}))
        }
        (&Method::POST, ["drop-watches"]) => {
            shared.drop_watches.send_modify(|n| *n += 1);
            json_response(200, &json!({"ok": true}))
        }
        (&Method::POST, ["expire-history"]) => {
            shared.lock().expire_history();
            json_response(200, &json!({"ok": true}))
        }
        _ => error_response(&ApiError::not_served()),
    }
}

#[allow(clippy::too_many_arguments)]
fn resource_request(
    shared: &Arc<Shared>,
    method: &Method,
    verb: &str,
    target: &Target,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    accept: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let t = {
        let store = shared.read();
        store
            .registry
            .find(&target.group, &target.version, &target.resource)
            .cloned()
            .ok_or_else(ApiError::not_served)?
    };
    if target.namespace.is_some() && !t.namespaced {
        return Err(ApiError::not_served());
    }
    if let Some(sub) = &target.subresource
        && !t.subresources.iter().any(|s| s == sub)
    {
        return Err(ApiError::not_served());
    }
    let namespace = target.namespace.clone().unwrap_or_default();
    if t.namespaced && target.name.is_some() && target.namespace.is_none() {
        return Err(ApiError::not_served());
    }
    let dry_run = query.get("dryRun").is_some_and(|d| d == "All");
    let strict = query.get("fieldValidation").is_some_and(|v| v == "Strict");
    let manager = query
        .get("fieldManager")
        .cloned()
        .unwrap_or_else(|| default_manager(headers));
    let sub = target.subresource.as_deref();
    match verb {
        "watch" => Ok(watch_response(shared, &t, target, query)?),
        "list" => list(shared, &t, target, query, accept),
        "get" => {
            let name = target.name.as_deref().unwrap_or("");
            let obj = shared.read().get(&t, &namespace, name)?;
            if sub == Some("scale") {
                return Ok(json_response(200, &scale_of(&obj)));
            }
            if table::wants_table(accept) {
                let rv = obj["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                return Ok(typed_response(
                    table::TABLE_CONTENT_TYPE,
                    &table::table(&t, &[obj], &rv, None),
                ));
            }
            Ok(json_response(200, &obj))
        }
        "create" => {
            if target.name.is_some() {
                return Err(ApiError::method_not_allowed("POST"));
            }
            let mut obj = decode_body(headers, body)?;
            check_type_meta(&t, &obj)?;
            check_namespace_match(&t, &namespace, &obj)?;
            require_object(&obj)?;
            obj["apiVersion"] = json!(t.api_version());
            obj["kind"] = json!(t.kind);
            managed::record_update(
                &json!({"metadata": {}}),
                &mut obj,
                &manager,
                &t.api_version(),
                Schema::of(&t),
                None,
                &now_rfc3339(),
            );
            let created =
                shared.write_strict(strict, |s| s.create(&t, &namespace, obj, dry_run))?;
            Ok(json_response(201, &created))
        }
        "update" => {
            let name = target.name.as_deref().unwrap_or("");
            let mut obj = decode_body(headers, body)?;
            check_type_meta(&t, &obj)?;
            check_namespace_match(&t, &namespace, &obj)?;
            require_object(&obj)?;
            obj["apiVersion"] = json!(t.api_version());
            obj["kind"] = json!(t.kind);
            let result = shared.write_strict(strict, |s| {
                let old = s.get(&t, &namespace, name)?;
                if sub == Some("scale") {
                    let mut next = old.clone();
                    next["spec"]["replicas"] = obj["spec"]["replicas"].clone();
                    return s
                        .update(&t, &namespace, name, next, None, dry_run)
                        .map(|o| scale_of(&o));
                }
                managed::record_update(
                    &old,
                    &mut obj,
                    &manager,
                    &t.api_version(),
                    Schema::of(&t),
                    sub,
                    &now_rfc3339(),
                );
                s.update(&t, &namespace, name, obj, sub, dry_run)
            })?;
            Ok(json_response(200, &result))
        }
        "patch" => patch_request(
            shared, &t, target, &namespace, query, headers, body, &manager, dry_run,
        ),
        "delete" => {
            let name = target.name.as_deref().unwrap_or("");
            let options = delete_options(headers, body, query)?;
            let deleted =
                shared.write_strict(strict, |s| s.delete(&t, &namespace, name, &options))?;
            Ok(json_response(200, &deleted))
        }
        "deletecollection" => {
            let selection = selection_of(&t, target, query)?;
            let options = delete_options(headers, body, query)?;
            let deleted = shared.write_strict(strict, |s| {
                let (items, _, _) = s.list(&t, &selection, None, None);
                let mut deleted = Vec::new();
                for item in items {
                    let ns = item["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned();
                    let name = item["metadata"]["name"].as_str().unwrap_or("").to_owned();
                    if let Ok(d) = s.delete(&t, &ns, &name, &options) {
                        deleted.push(d);
                    }
                }
                Ok(deleted)
            })?;
            Ok(json_response(
                200,
                &json!({"kind": format!("{}List", t.kind), "apiVersion": t.api_version(), "metadata": {}, "items": deleted}),
            ))
        }
        _ => Err(ApiError::method_not_allowed(method.as_str())),
    }
}

fn scale_of(obj: &Value) -> Value {
    let selector = obj["spec"]["selector"]["matchLabels"].as_object().map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(",")
    });
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"], "resourceVersion": obj["metadata"]["resourceVersion"], "uid": obj["metadata"]["uid"]},
        "spec": {"replicas": obj["spec"]["replicas"]},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector.unwrap_or_default()},
    })
}

/// Bodies that stand for an object must be JSON objects.
fn require_object(obj: &Value) -> Result<(), ApiError> {
    if obj.is_object()
        && (obj
            .get("metadata")
            .is_none_or(|m| m.is_object() || m.is_null()))
    {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "the object must be a JSON object with a metadata object",
        ))
    }
}

fn check_type_meta(t: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if let Some(api_version) = obj["apiVersion"].as_str()
        && !api_version.is_empty()
        && api_version != t.api_version()
        && !(t.group.is_empty() && api_version == "v1")
    {
        // a different served version of the same group is accepted; anything else is not
        let same_group = api_version
            .split_once('/')
            .map_or(t.group.is_empty(), |(g, _)| g == t.group);
        if !same_group {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({api_version}) does not match the expected API version ({})",
                t.api_version()
            )));
        }
    }
    if let Some(kind) = obj["kind"].as_str()
        && !kind.is_empty()
        && kind != t.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            t.kind
        )));
    }
    Ok(())
}

fn check_namespace_match(t: &ResourceType, namespace: &str, obj: &Value) -> Result<(), ApiError> {
    if t.namespaced
        && let Some(ns) = obj["metadata"]["namespace"].as_str()
        && !ns.is_empty()
        && ns != namespace
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

fn delete_options(
    headers: &HeaderMap,
    body: &[u8],
    query: &HashMap<String, String>,
) -> Result<DeleteOptions, ApiError> {
    let from_body = if body.is_empty() {
        json!({})
    } else {
        decode_body(headers, body)?
    };
    let propagation = query
        .get("propagationPolicy")
        .cloned()
        .or_else(|| from_body["propagationPolicy"].as_str().map(String::from))
        .or_else(|| {
            (from_body["orphanDependents"] == Value::Bool(true)).then(|| "Orphan".to_owned())
        });
    Ok(DeleteOptions {
        propagation,
        precondition_rv: from_body["preconditions"]["resourceVersion"]
            .as_str()
            .map(String::from),
        precondition_uid: from_body["preconditions"]["uid"].as_str().map(String::from),
        dry_run: query.get("dryRun").is_some_and(|d| d == "All")
            || from_body["dryRun"]
                .as_array()
                .is_some_and(|d| d.iter().any(|x| x == "All")),
    })
}

fn selection_of(
    t: &ResourceType,
    target: &Target,
    query: &HashMap<String, String>,
) -> Result<Selection, ApiError> {
    let labels = LabelSelector::parse(query.get("labelSelector").map_or("", String::as_str))
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(query.get("fieldSelector").map_or("", String::as_str))
        .map_err(ApiError::bad_request)?;
    Ok(Selection {
        namespace: if t.namespaced {
            target.namespace.clone()
        } else {
            None
        },
        labels,
        fields,
    })
}

fn list(
    shared: &Arc<Shared>,
    t: &ResourceType,
    target: &Target,
    query: &HashMap<String, String>,
    accept: &str,
) -> Result<Response, ApiError> {
    let selection = selection_of(t, target, query)?;
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let start = match query.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => Some(
            decode_continue(token)
                .ok_or_else(|| ApiError::bad_request("continue key is not valid"))?,
        ),
        None => None,
    };
    let store = shared.read();
    let (items, next, remaining) = store.list(t, &selection, start.as_ref(), limit);
    let rv = store.resource_version().to_string();
    drop(store);
    let token = next.map(|k| encode_continue(&k));
    if table::wants_table(accept) {
        return Ok(typed_response(
            table::TABLE_CONTENT_TYPE,
            &table::table(t, &items, &rv, token.as_deref()),
        ));
    }
    let mut metadata = json!({"resourceVersion": rv});
    if let Some(token) = token {
        metadata["continue"] = json!(token);
        metadata["remainingItemCount"] = json!(remaining);
    }
    Ok(json_response(
        200,
        &json!({"kind": format!("{}List", t.kind), "apiVersion": t.api_version(), "metadata": metadata, "items": items}),
    ))
}

fn encode_continue(key: &(String, String)) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"ns": key.0, "name": key.1}).to_string())
}

fn decode_continue(token: &str) -> Option<(String, String)> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    Some((v["ns"].as_str()?.to_owned(), v["name"].as_str()?.to_owned()))
}

fn watch_response(
    shared: &Arc<Shared>,
    t: &ResourceType,
    target: &Target,
    query: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let mut selection = selection_of(t, target, query)?;
    if let Some(name) = &target.name {
        // a watch on /.../items/<name> (deprecated form) selects that name
        selection.fields = FieldSelector::parse(&format!("metadata.name={name}"))
            .map_err(ApiError::bad_request)?;
    }
    let resource_version = query
        .get("resourceVersion")
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<u64>())
        .transpose()
        .map_err(|_| ApiError::bad_request("resourceVersion must be a number"))?;
    let request = WatchRequest {
        t: t.clone(),
        selection,
        resource_version,
        send_initial_events: query.get("sendInitialEvents").is_some_and(|v| v == "true"),
        bookmarks: query
            .get("allowWatchBookmarks")
            .is_some_and(|v| v == "true"),
        timeout: query
            .get("timeoutSeconds")
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs),
    };
    let rx = watch::start(Arc::clone(shared), request);
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), rx))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("header"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-cache, private".parse().expect("header"),
    );
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
fn patch_request(
    shared: &Arc<Shared>,
    t: &ResourceType,
    target: &Target,
    namespace: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
    manager: &str,
    dry_run: bool,
) -> Result<Response, ApiError> {
    let name = target
        .name
        .clone()
        .ok_or_else(|| ApiError::method_not_allowed("PATCH"))?;
    let strict = query.get("fieldValidation").is_some_and(|v| v == "Strict");
    let sub = target.subresource.as_deref();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let patch_body = decode_body(headers, body)?;
    let now = now_rfc3339();
    match content_type.as_str() {
        "application/apply-patch+yaml" => {
            let Some(manager) = query.get("fieldManager").filter(|m| !m.is_empty()) else {
                return Err(ApiError::bad_request(
                    "PATCH request with apply content type requires fieldManager",
                ));
            };
            if !patch_body.is_object() {
                return Err(ApiError::bad_request(
                    "the apply configuration must be a YAML or JSON object",
                ));
            }
            check_type_meta(t, &patch_body)?;
            let force = query.get("force").is_some_and(|f| f == "true");
            let (code, result) = shared.write_strict(strict, |s| {
                let existing = s.get(t, namespace, &name).ok();
                let live = existing.clone().unwrap_or_else(|| json!({"apiVersion": t.api_version(), "kind": t.kind, "metadata": {"name": name}}));
                match managed::apply(&live, &patch_body, manager, &t.api_version(), force, Schema::of(t), sub, &now) {
                    ApplyOutcome::Conflicts(conflicts) => Err(ApiError::apply_conflict(&conflicts, &t.qualified_kind(), &name)),
                    ApplyOutcome::Applied(mut next) => {
                        next["apiVersion"] = json!(t.api_version());
                        next["kind"] = json!(t.kind);
                        next["metadata"]["name"] = json!(name);
                        match existing {
                            None if sub.is_some() => Err(Store::not_found_public(t, &name)),
                            None => s.create(t, namespace, next, dry_run).map(|o| (201, o)),
                            Some(_) => {
                                if let Some(m) = next["metadata"].as_object_mut() {
                                    m.remove("resourceVersion");
                                }
                                s.update(t, namespace, &name, next, sub, dry_run).map(|o| (200, o))
                            }
                        }
                    }
                }
            })?;
            Ok(json_response(code, &result))
        }
        "application/merge-patch+json"
        | "application/json-patch+json"
        | "application/strategic-merge-patch+json" => {
            if content_type == "application/strategic-merge-patch+json" && t.custom.is_some() {
                return Err(ApiError::unsupported_media_type(
                    "application/strategic-merge-patch+json (strategic merge patch is not supported for custom resources; use application/merge-patch+json or application/json-patch+json)",
                ));
            }
            let result = shared.write_strict(strict, |s| {
                let old = s.get(t, namespace, &name)?;
                let mut next = old.clone();
                match content_type.as_str() {
                    "application/merge-patch+json" => patch::merge_patch(&mut next, &patch_body),
                    "application/json-patch+json" => {
                        patch::json_patch(&mut next, &patch_body).map_err(|e| ApiError { code: 422, reason: "Invalid", message: format!("the server rejected our request due to an error in our request: {e}"), details: None, retry_after: None })?
                    }
                    _ => patch::strategic_merge_patch(&mut next, &patch_body),
                }
                if sub == Some("scale") {
                    let mut obj = old.clone();
                    obj["spec"]["replicas"] = next["spec"]["replicas"].clone();
                    return s.update(t, namespace, &name, obj, None, dry_run).map(|o| scale_of(&o));
                }
                require_object(&next)?;
                managed::record_update(&old, &mut next, manager, &t.api_version(), Schema::of(t), sub, &now);
                s.update(t, namespace, &name, next, sub, dry_run)
            })?;
            Ok(json_response(200, &result))
        }
        other => Err(ApiError::unsupported_media_type(other)),
    }
}

impl Store {
    /// NotFound for a type and name (for callers outside the store).
    pub fn not_found_public(t: &ResourceType, name: &str) -> ApiError {
        ApiError::not_found(&t.qualified(), name, &t.group, &t.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_into_targets() {
        let p = |s: &str| {
            parse_target(&s.split('/').filter(|x| !x.is_empty()).collect::<Vec<_>>()).unwrap()
        };
        let t = p("/api/v1/namespaces/default/configmaps/x");
        assert_eq!(
            (
                t.namespace.as_deref(),
                t.resource.as_str(),
                t.name.as_deref()
            ),
            (Some("default"), "configmaps", Some("x"))
        );
        let t = p("/api/v1/namespaces/default");
        assert_eq!(
            (t.resource.as_str(), t.name.as_deref()),
            ("namespaces", Some("default"))
        );
        let t = p("/api/v1/namespaces/default/status");
        assert_eq!(
            (
                t.resource.as_str(),
                t.name.as_deref(),
                t.subresource.as_deref()
            ),
            ("namespaces", Some("default"), Some("status"))
        );
        let t = p("/apis/apps/v1/deployments");
        assert_eq!(
            (t.group.as_str(), t.namespace, t.name),
            ("apps", None, None)
        );
        let t = p("/apis/apps/v1/namespaces/ns/deployments/web/status");
        assert_eq!(t.subresource.as_deref(), Some("status"));
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let uri: Uri = "/x?labelSelector=name%3Dr1%2Cowner%3Dhelm&watch=true"
            .parse()
            .unwrap();
        let q = query_map(&uri);
        assert_eq!(q["labelSelector"], "name=r1,owner=helm");
    }
}
