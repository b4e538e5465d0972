//! `events.k8s.io/v1` and core `v1` Events are two views of one storage, as on a real cluster:
//! an event written through either API is read through both (`kubectl describe` reads core
//! events; controllers built on kube-rs write `events.k8s.io` ones). Objects are stored in the
//! core form and converted at the API boundary.

use serde_json::{Map, Value};

/// Whether a type is the `events.k8s.io` view.
pub fn is_events_view(group: &str, resource: &str) -> bool {
    group == "events.k8s.io" && resource == "events"
}

const PAIRS: &[(&str, &str)] = &[
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
];

fn rename(obj: &Value, from_index: usize) -> Value {
    let Some(map) = obj.as_object() else {
        return obj.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        let renamed = PAIRS
            .iter()
            .find(|p| (if from_index == 0 { p.0 } else { p.1 }) == k)
            .map(|p| if from_index == 0 { p.1 } else { p.0 });
        out.insert(renamed.unwrap_or(k).to_owned(), v.clone());
    }
    Value::Object(out)
}

/// An `events.k8s.io/v1` Event in the core form.
pub fn to_core(event: &Value) -> Value {
    if !event.is_object() {
        return event.clone();
    }
    let mut core = rename(event, 0);
    if core.get("source").is_none()
        && let Some(component) = event.get("reportingController")
    {
        core["source"] = serde_json::json!({"component": component});
    }
    core["apiVersion"] = "v1".into();
    core["kind"] = "Event".into();
    core
}

/// A core Event in the `events.k8s.io/v1` form.
pub fn from_core(core: &Value) -> Value {
    if !core.is_object() {
        return core.clone();
    }
    let mut event = rename(core, 1);
    if event.get("reportingController").is_none()
        && let Some(component) = core["source"].get("component")
    {
        event["reportingController"] = component.clone();
    }
    event["apiVersion"] = "events.k8s.io/v1".into();
    event["kind"] = "Event".into();
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_views_round_trip() {
        let event = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
            "regarding": {"kind": "HelmRelease", "name": "web"}, "note": "bad", "reason": "Invalid", "type": "Warning",
            "reportingController": "helm-operator", "reportingInstance": "pod-0", "action": "Validate"});
        let core = to_core(&event);
        assert_eq!(
            (
                core["involvedObject"]["name"].as_str(),
                core["message"].as_str(),
                core["source"]["component"].as_str()
            ),
            (Some("web"), Some("bad"), Some("helm-operator"))
        );
        let back = from_core(&core);
        assert_eq!(back["regarding"], event["regarding"]);
        assert_eq!(back["note"], "bad");
        assert_eq!(back["reportingController"], "helm-operator");
    }
}
