//! Simulated controllers, so readiness logic can be tested: after `readiness_delay`, Deployments
//! (with an owned ReplicaSet carrying the `pod-template-hash`), ReplicaSets, StatefulSets and
//! DaemonSets report every replica ready, Jobs complete, PVCs bind, LoadBalancer Services get an
//! ingress IP, and Pods run (or succeed, for `restartPolicy: Never`/`OnFailure`). An object whose
//! pod template (or own metadata) carries the annotation `emulator.test/fail: "true"` fails
//! instead: never ready, Job failed, PVC pending, Pod failed. Terminating namespaces are removed
//! once empty.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Shared;
use crate::registry::ResourceType;
use crate::store::{Store, now_rfc3339};

/// The annotation that makes a simulated workload fail.
pub const FAIL_ANNOTATION: &str = "emulator.test/fail";

fn fails(obj: &Value) -> bool {
    obj["spec"]["template"]["metadata"]["annotations"][FAIL_ANNOTATION] == "true"
        || obj["metadata"]["annotations"][FAIL_ANNOTATION] == "true"
}

fn replicas(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1)
}

fn hash_of(v: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.to_string().hash(&mut h);
    const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut x = h.finish();
    (0..10)
        .map(|_| {
            let c = CHARS[(x % CHARS.len() as u64) as usize] as char;
            x /= CHARS.len() as u64;
            c
        })
        .collect()
}

/// The object at `path`, replacing whatever is not an object on the way (user input may put
/// anything there).
fn object_at<'a>(value: &'a mut Value, path: &[&str]) -> &'a mut serde_json::Map<String, Value> {
    let mut node = value;
    for key in path {
        if !node.is_object() {
            *node = json!({});
        }
        node = node
            .as_object_mut()
            .expect("object")
            .entry((*key).to_owned())
            .or_insert(Value::Null);
    }
    if !node.is_object() {
        *node = json!({});
    }
    node.as_object_mut().expect("object")
}

/// Runs the simulated controllers until the task is aborted.
pub async fn run(shared: Arc<Shared>) {
    let mut first_seen: HashMap<(String, i64), Instant> = HashMap::new();
    // A steady tick, not a wake-up per write: under a write storm the controllers would
    // otherwise take the store lock thousands of times a second.
    let mut tick = tokio::time::interval(Duration::from_millis(25));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let delay = shared.config.readiness_delay;
        let _ = shared.write(|store| {
            step(store, &mut first_seen, delay);
            Ok(())
        });
    }
}

/// Whether an object (by uid and generation) has waited long enough.
fn due(first_seen: &mut HashMap<(String, i64), Instant>, obj: &Value, delay: Duration) -> bool {
    let key = (
        obj["metadata"]["uid"].as_str().unwrap_or("").to_owned(),
        obj["metadata"]["generation"].as_i64().unwrap_or(0),
    );
    first_seen.entry(key).or_insert_with(Instant::now).elapsed() >= delay
}

/// The v1 type of a built-in workload resource.
fn find(store: &Store, g: &str, r: &str) -> Option<ResourceType> {
    store.registry.find(g, "v1", r).cloned()
}

fn set_status_if_changed(
    store: &mut Store,
    t: &ResourceType,
    ns: &str,
    obj: &Value,
    status: Value,
) {
    if obj["status"] != status {
        store.set_status(
            t,
            ns,
            obj["metadata"]["name"].as_str().unwrap_or(""),
            status,
        );
    }
}

fn condition(type_: &str, status: bool, reason: &str, message: &str) -> Value {
    let now = now_rfc3339();
    json!({"type": type_, "status": if status { "True" } else { "False" }, "reason": reason, "message": message, "lastUpdateTime": now, "lastTransitionTime": now})
}

/// One pass of every simulated controller.
pub fn step(store: &mut Store, first_seen: &mut HashMap<(String, i64), Instant>, delay: Duration) {
    deployments(store, first_seen, delay);
    for (resource, status_of) in [
        (
            "replicasets",
            replica_set_status as fn(&Value, bool) -> Value,
        ),
        ("statefulsets", stateful_set_status),
        ("daemonsets", daemon_set_status),
    ] {
        let Some(t) = find(store, "apps", resource) else {
            continue;
        };
        for (ns, obj) in store.some_of(&t, |o| o["status"] != status_of(o, fails(o))) {
            if obj["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| o.iter().any(|r| r["kind"] == "Deployment"))
                && resource == "replicasets"
            {
                continue;
            }
            if due(first_seen, &obj, delay) {
                let status = status_of(&obj, fails(&obj));
                set_status_if_changed(store, &t, &ns, &obj, status);
            }
        }
    }
    jobs(store, first_seen, delay);
    simple(store, first_seen, delay);
    for ns in store.terminating_namespaces() {
        store.finish_namespace_if_empty(&ns);
    }
}

fn replica_set_status(obj: &Value, failing: bool) -> Value {
    let n = replicas(obj);
    let ready = if failing { 0 } else { n };
    json!({"observedGeneration": obj["metadata"]["generation"], "replicas": n, "fullyLabeledReplicas": n, "readyReplicas": ready, "availableReplicas": ready})
}

fn stateful_set_status(obj: &Value, failing: bool) -> Value {
    let n = replicas(obj);
    let ready = if failing { 0 } else { n };
    let revision = format!(
        "{}-{}",
        obj["metadata"]["name"].as_str().unwrap_or(""),
        hash_of(&obj["spec"]["template"])
    );
    json!({
        "observedGeneration": obj["metadata"]["generation"], "replicas": n, "readyReplicas": ready, "currentReplicas": n,
        "updatedReplicas": n, "availableReplicas": ready, "currentRevision": revision, "updateRevision": revision, "collisionCount": 0,
    })
}

fn daemon_set_status(obj: &Value, failing: bool) -> Value {
    let ready = i64::from(!failing);
    json!({
        "observedGeneration": obj["metadata"]["generation"], "desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberMisscheduled": 0,
        "numberReady": ready, "updatedNumberScheduled": 1, "numberAvailable": ready, "numberUnavailable": 1 - ready,
    })
}

fn deployments(
    store: &mut Store,
    first_seen: &mut HashMap<(String, i64), Instant>,
    delay: Duration,
) {
    let (Some(deploy_t), Some(rs_t)) = (
        find(store, "apps", "deployments"),
        find(store, "apps", "replicasets"),
    ) else {
        return;
    };
    let converged = |d: &Value| {
        let n = replicas(d);
        d["status"]["observedGeneration"] == d["metadata"]["generation"]
            && d["status"]["replicas"].as_i64() == Some(n)
            && d["status"]["readyReplicas"].as_i64() == Some(if fails(d) { 0 } else { n })
            && !d["metadata"]["deletionTimestamp"].is_string()
    };
    for (ns, d) in store.some_of(&deploy_t, |d| !converged(d)) {
        if d["metadata"]["deletionTimestamp"].is_string() || !due(first_seen, &d, delay) {
            continue;
        }
        if !d["spec"]["template"].is_object()
            || !d["spec"]["selector"].is_object()
            || !d["spec"]["template"]["metadata"].is_object()
                && !d["spec"]["template"]["metadata"].is_null()
        {
            continue;
        }
        let name = d["metadata"]["name"].as_str().unwrap_or("").to_owned();
        let n = replicas(&d);
        let failing = fails(&d);
        let hash = hash_of(&d["spec"]["template"]);
        let rs_name = format!("{name}-{hash}");
        let mut template = d["spec"]["template"].clone();
        object_at(&mut template, &["metadata", "labels"])
            .insert("pod-template-hash".into(), json!(hash));
        let mut selector = d["spec"]["selector"].clone();
        object_at(&mut selector, &["matchLabels"]).insert("pod-template-hash".into(), json!(hash));
        let ready = if failing { 0 } else { n };
        let owner = json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": d["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]);
        // the current ReplicaSet
        match store.get(&rs_t, &ns, &rs_name) {
            Ok(rs) => {
                if rs["spec"]["replicas"] != json!(n) {
                    let mut next = rs.clone();
                    next["spec"]["replicas"] = json!(n);
                    if let Some(m) = next["metadata"].as_object_mut() {
                        m.remove("resourceVersion");
                    }
                    let _ = store.update(&rs_t, &ns, &rs_name, next, None, false);
                }
            }
            Err(_) => {
                let rs = json!({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": rs_name, "namespace": ns, "labels": template["metadata"]["labels"], "ownerReferences": owner,
                                 "annotations": {"deployment.kubernetes.io/revision": "1"}},
                    "spec": {"replicas": n, "selector": selector, "template": template},
                });
                let _ = store.create(&rs_t, &ns, rs, false);
            }
        }
        if let Ok(rs) = store.get(&rs_t, &ns, &rs_name) {
            let status = json!({"observedGeneration": rs["metadata"]["generation"], "replicas": n, "fullyLabeledReplicas": n, "readyReplicas": ready, "availableReplicas": ready});
            set_status_if_changed(store, &rs_t, &ns, &rs, status);
        }
        // older ReplicaSets of this Deployment scale to zero
        let uid = d["metadata"]["uid"].clone();
        for (rs_ns, rs) in store.some_of(&rs_t, |rs| {
            rs["spec"]["replicas"] != json!(0)
                && rs["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|r| r["uid"] == uid))
        }) {
            let owned = rs["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| o.iter().any(|r| r["uid"] == d["metadata"]["uid"]));
            if rs_ns == ns
                && owned
                && rs["metadata"]["name"] != rs_name.as_str()
                && rs["spec"]["replicas"] != json!(0)
            {
                let mut next = rs.clone();
                next["spec"]["replicas"] = json!(0);
                if let Some(m) = next["metadata"].as_object_mut() {
                    m.remove("resourceVersion");
                }
                let _ = store.update(
                    &rs_t,
                    &ns,
                    rs["metadata"]["name"].as_str().unwrap_or(""),
                    next,
                    None,
                    false,
                );
            }
        }
        let conditions = if failing {
            vec![
                condition(
                    "Available",
                    false,
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                ),
                condition(
                    "Progressing",
                    false,
                    "ProgressDeadlineExceeded",
                    &format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                ),
            ]
        } else {
            vec![
                condition(
                    "Available",
                    true,
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                ),
                condition(
                    "Progressing",
                    true,
                    "NewReplicaSetAvailable",
                    &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                ),
            ]
        };
        let mut status = json!({
            "observedGeneration": d["metadata"]["generation"], "replicas": n, "updatedReplicas": n,
            "readyReplicas": ready, "availableReplicas": ready, "conditions": conditions,
        });
        if failing {
            status["unavailableReplicas"] = json!(n);
        }
        // keep condition timestamps when nothing changed
        let same = d["status"]["observedGeneration"] == status["observedGeneration"]
            && d["status"]["readyReplicas"] == status["readyReplicas"]
            && d["status"]["replicas"] == status["replicas"]
            && d["status"]["conditions"].as_array().map(|c| {
                c.iter()
                    .map(|c| (c["type"].clone(), c["status"].clone()))
                    .collect::<Vec<_>>()
            }) == status["conditions"].as_array().map(|c| {
                c.iter()
                    .map(|c| (c["type"].clone(), c["status"].clone()))
                    .collect::<Vec<_>>()
            });
        if !same {
            set_status_if_changed(store, &deploy_t, &ns, &d, status);
        }
    }
}

fn jobs(store: &mut Store, first_seen: &mut HashMap<(String, i64), Instant>, delay: Duration) {
    let Some(t) = find(store, "batch", "jobs") else {
        return;
    };
    for (ns, job) in store.some_of(&t, |j| {
        j["status"]["conditions"]
            .as_array()
            .is_none_or(Vec::is_empty)
    }) {
        if job["status"]["conditions"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
            || !due(first_seen, &job, delay)
        {
            continue;
        }
        let now = now_rfc3339();
        let status = if fails(&job) {
            json!({"startTime": now, "failed": job["spec"]["backoffLimit"].as_i64().unwrap_or(6) + 1, "active": 0, "ready": 0,
                   "conditions": [condition("FailureTarget", true, "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                                  condition("Failed", true, "BackoffLimitExceeded", "Job has reached the specified backoff limit")]})
        } else {
            json!({"startTime": now, "completionTime": now, "succeeded": job["spec"]["completions"].as_i64().unwrap_or(1), "active": 0, "ready": 0,
                   "conditions": [condition("SuccessCriteriaMet", true, "CompletionsReached", "Reached expected number of succeeded pods"),
                                  condition("Complete", true, "CompletionsReached", "Reached expected number of succeeded pods")]})
        };
        set_status_if_changed(store, &t, &ns, &job, status);
    }
}

fn simple(store: &mut Store, first_seen: &mut HashMap<(String, i64), Instant>, delay: Duration) {
    if let Some(t) = find(store, "", "persistentvolumeclaims") {
        for (ns, pvc) in store.all_of(&t) {
            if !due(first_seen, &pvc, delay) {
                continue;
            }
            let status = if fails(&pvc) {
                json!({"phase": "Pending"})
            } else {
                json!({"phase": "Bound", "accessModes": pvc["spec"]["accessModes"], "capacity": {"storage": pvc["spec"]["resources"]["requests"]["storage"].as_str().unwrap_or("1Gi")}})
            };
            set_status_if_changed(store, &t, &ns, &pvc, status);
        }
    }
    if let Some(t) = find(store, "", "services") {
        for (ns, svc) in store.some_of(&t, |s| s["spec"]["type"] == "LoadBalancer") {
            if svc["spec"]["type"] != "LoadBalancer" || fails(&svc) || !due(first_seen, &svc, delay)
            {
                continue;
            }
            let status =
                json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ipMode": "VIP"}]}});
            set_status_if_changed(store, &t, &ns, &svc, status);
        }
    }
    if let Some(t) = find(store, "", "pods") {
        for (ns, pod) in store.all_of(&t) {
            if pod["metadata"]["deletionTimestamp"].is_string() || !due(first_seen, &pod, delay) {
                continue;
            }
            let runs_to_completion = matches!(
                pod["spec"]["restartPolicy"].as_str(),
                Some("Never" | "OnFailure")
            );
            let now = now_rfc3339();
            let containers: Vec<Value> = pod["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["name"].clone())
                .collect();
            let status = match (fails(&pod), runs_to_completion) {
                (true, _) => {
                    json!({"phase": "Failed", "startTime": now, "conditions": [{"type": "Ready", "status": "False", "reason": "PodFailed"}],
                                    "containerStatuses": containers.iter().map(|n| json!({"name": n, "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 1, "reason": "Error"}}})).collect::<Vec<_>>()})
                }
                (false, true) => {
                    json!({"phase": "Succeeded", "startTime": now, "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
                                        "containerStatuses": containers.iter().map(|n| json!({"name": n, "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}})).collect::<Vec<_>>()})
                }
                (false, false) => {
                    json!({"phase": "Running", "startTime": now, "podIP": "10.244.0.10",
                                         "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
                                         "containerStatuses": containers.iter().map(|n| json!({"name": n, "ready": true, "started": true, "restartCount": 0, "state": {"running": {"startedAt": now}}})).collect::<Vec<_>>()})
                }
            };
            if pod["status"]["phase"] != status["phase"] {
                set_status_if_changed(store, &t, &ns, &pod, status);
            }
        }
    }
}
