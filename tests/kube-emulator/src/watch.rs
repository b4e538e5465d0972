//! Watch streams: newline-delimited JSON events from a resourceVersion, with the initial ADDED
//! events of a watch that starts "now" or asks for `sendInitialEvents` (closed by the
//! `k8s.io/initial-events-end` bookmark), periodic bookmarks, `timeoutSeconds`, and an ERROR
//! event with a 410 Status when the requested resourceVersion is older than the history kept.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::Shared;
use crate::errors::ApiError;
use crate::registry::ResourceType;
use crate::store::{Selection, Store};

/// Where a watch starts.
#[derive(Debug, Clone)]
pub struct WatchRequest {
    /// The type watched.
    pub t: ResourceType,
    /// What is selected.
    pub selection: Selection,
    /// `resourceVersion` as given; `None` or `0` start from the current state.
    pub resource_version: Option<u64>,
    /// `sendInitialEvents=true`.
    pub send_initial_events: bool,
    /// `allowWatchBookmarks=true`.
    pub bookmarks: bool,
    /// `timeoutSeconds`.
    pub timeout: Option<Duration>,
}

fn line(event_type: &str, object: &Value) -> Bytes {
    let mut text = json!({"type": event_type, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}

fn bookmark(t: &ResourceType, rv: u64, initial_end: bool) -> Bytes {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(
        "BOOKMARK",
        &json!({"kind": t.kind, "apiVersion": t.api_version(), "metadata": metadata}),
    )
}

/// Starts a watch; events arrive on the returned channel until the watch ends.
pub fn start(shared: Arc<Shared>, request: WatchRequest) -> mpsc::Receiver<Bytes> {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    tokio::spawn(async move {
        let _ = run(shared, request, tx).await;
    });
    rx
}

async fn run(
    shared: Arc<Shared>,
    request: WatchRequest,
    tx: mpsc::Sender<Bytes>,
) -> Result<(), ()> {
    let key = request.t.storage_key();
    let mut changes = shared.subscribe(&key, request.selection.namespace.as_deref());
    let mut drops = shared.drop_watches.subscribe();
    let deadline = request.timeout.map(|d| tokio::time::Instant::now() + d);
    let bookmark_every = shared.config.bookmark_interval;
    let start: Result<(u64, Vec<Value>), ApiError> = {
        let store = shared.read();
        let now = store.resource_version();
        match request.resource_version {
            Some(rv) if rv > 0 && !request.send_initial_events => {
                if store.events_since(&key, rv).is_none() {
                    Err(ApiError::gone(rv, store.compacted_rv()))
                } else {
                    Ok((rv, Vec::new()))
                }
            }
            _ => {
                let objects: Vec<Value> = store
                    .all_of(&request.t)
                    .into_iter()
                    .filter(|(ns, o)| request.selection.matches(ns, o))
                    .map(|(_, o)| o)
                    .collect();
                Ok((now, objects))
            }
        }
    };
    let (mut cursor, initial) = match start {
        Ok(start) => start,
        Err(gone) => {
            let _ = tx.send(line("ERROR", &gone.status())).await;
            return Ok(());
        }
    };
    for object in &initial {
        tx.send(line("ADDED", object)).await.map_err(drop)?;
    }
    if request.send_initial_events {
        tx.send(bookmark(&request.t, cursor, true))
            .await
            .map_err(drop)?;
    }
    loop {
        // catch up on everything after the cursor
        let (events, latest) = {
            let store = shared.read();
            (
                store.events_since_in(&key, request.selection.namespace.as_deref(), cursor),
                store.resource_version(),
            )
        };
        match events {
            None => {
                let compacted = shared.read().compacted_rv();
                let _ = tx
                    .send(line("ERROR", &ApiError::gone(cursor, compacted).status()))
                    .await;
                return Ok(());
            }
            Some(events) => {
                for e in events {
                    if request.selection.matches(&e.namespace, &e.object) {
                        // most watchers see the object as stored: reuse its serialized line
                        let chunk = if e.object["apiVersion"].as_str()
                            == Some(request.t.api_version().as_str())
                            && !crate::events::is_events_view(&request.t.group, &request.t.resource)
                        {
                            e.line.clone()
                        } else {
                            line(e.kind.as_str(), &Store::present(&request.t, &e.object))
                        };
                        tx.send(chunk).await.map_err(drop)?;
                    }
                }
                cursor = cursor.max(latest);
            }
        }
        let sleep_until = match deadline {
            Some(d) => d,
            None => tokio::time::Instant::now() + Duration::from_secs(3600),
        };
        tokio::select! {
            changed = changes.changed() => { if changed.is_err() { return Ok(()); } }
            _ = drops.changed() => return Ok(()),
            () = tokio::time::sleep(bookmark_every), if request.bookmarks => {
                tx.send(bookmark(&request.t, cursor, false)).await.map_err(drop)?;
            }
            () = tokio::time::sleep_until(sleep_until) => return Ok(()),
            () = tx.closed() => return Ok(()),
        }
    }
}
