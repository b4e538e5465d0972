//! The emulator's fidelity for kube-rs (the operator's own client): watchers and reflectors
//! survive dropped streams and a 410 Gone by re-listing, streaming lists end with the
//! initial-events bookmark, server-side apply removes fields a manager stops applying and
//! reports conflicts; plus bad input and fault injection answered with the API server's status
//! codes and `Status` bodies.

mod common;

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube_emulator::faults::FaultRule;
use kube_emulator::{Emulator, EmulatorConfig, RunningEmulator};
use serde_json::json;

async fn client_for(emulator: &Emulator) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&emulator.kubeconfig()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap()
}

async fn eventually_len(store: &reflector::Store<ConfigMap>, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while store.state().len() != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "reflector holds {} objects, wanted {n}",
            store.state().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn reflector_survives(streaming: bool) {
    let emulator = Emulator::start(EmulatorConfig {
        bookmark_interval: Duration::from_millis(200),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(&emulator).await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    for i in 0..3 {
        api.create(&PostParams::default(), &config_map(&format!("before-{i}")))
            .await
            .unwrap();
    }
    let (store, writer) = reflector::store::<ConfigMap>();
    let config = if streaming {
        watcher::Config::default().streaming_lists()
    } else {
        watcher::Config::default()
    };
    let stream = reflector(writer, watcher(api.clone(), config))
        .default_backoff()
        .applied_objects();
    let task = tokio::spawn(stream.for_each(|_| futures::future::ready(())));
    eventually_len(&store, 3).await;
    // a dropped connection: the watcher resumes from its resourceVersion
    emulator.drop_watches();
    api.create(&PostParams::default(), &config_map("after-drop"))
        .await
        .unwrap();
    eventually_len(&store, 4).await;
    // history gone and the stream dropped: the resume gets 410 Gone and the watcher re-lists
    emulator.expire_history();
    api.delete("before-0", &Default::default()).await.unwrap();
    api.create(&PostParams::default(), &config_map("after-gone"))
        .await
        .unwrap();
    emulator.expire_history();
    emulator.drop_watches();
    eventually_len(&store, 4).await;
    let names: Vec<String> = store
        .state()
        .iter()
        .map(|c| c.metadata.name.clone().unwrap())
        .collect();
    assert!(
        names.contains(&"after-gone".to_owned()) && !names.contains(&"before-0".to_owned()),
        "{names:?}"
    );
    task.abort();
}

#[tokio::test]
async fn a_reflector_survives_dropped_streams_and_410_gone() {
    reflector_survives(false).await;
}

#[tokio::test]
async fn a_streaming_list_reflector_survives_dropped_streams_and_410_gone() {
    reflector_survives(true).await;
}

#[tokio::test]
async fn server_side_apply_removes_dropped_fields_and_reports_conflicts() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client_for(&emulator).await, "default");
    let apply = |manager: &str, force: bool| {
        let mut p = PatchParams::apply(manager);
        p.force = force;
        p
    };
    let first = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "labels": {"a": "1", "b": "2"}}, "data": {"keep": "x", "drop": "y"}});
    let created = api
        .patch("cfg", &apply("helm-operator", false), &Patch::Apply(&first))
        .await
        .unwrap();
    assert_eq!(created.data.as_ref().unwrap()["drop"], "y");
    let managed = created.metadata.managed_fields.as_ref().unwrap();
    assert_eq!(
        (
            managed[0].manager.as_deref(),
            managed[0].operation.as_deref()
        ),
        (Some("helm-operator"), Some("Apply"))
    );
    let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "labels": {"a": "1"}}, "data": {"keep": "x"}});
    let applied = api
        .patch(
            "cfg",
            &apply("helm-operator", false),
            &Patch::Apply(&second),
        )
        .await
        .unwrap();
    assert!(
        !applied.data.as_ref().unwrap().contains_key("drop"),
        "a field the manager stopped applying is removed"
    );
    assert!(!applied.metadata.labels.as_ref().unwrap().contains_key("b"));
    // another manager changing an owned field conflicts...
    let rival = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"keep": "changed"}});
    match api
        .patch("cfg", &apply("rival", false), &Patch::Apply(&rival))
        .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
            assert!(
                status.message.contains("conflict with \"helm-operator\"")
                    || status.message.contains("helm-operator"),
                "{}",
                status.message
            );
            assert!(status.message.contains(".data.keep"), "{}", status.message);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // ...unless it forces, which moves the field to it
    let forced = api
        .patch("cfg", &apply("rival", true), &Patch::Apply(&rival))
        .await
        .unwrap();
    assert_eq!(forced.data.as_ref().unwrap()["keep"], "changed");
    // and the first manager no longer removes it when it stops applying it
    let third = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "labels": {"a": "1"}}});
    let after = api
        .patch("cfg", &apply("helm-operator", false), &Patch::Apply(&third))
        .await
        .unwrap();
    assert_eq!(
        after.data.as_ref().unwrap()["keep"],
        "changed",
        "rival owns it now"
    );
    // apply creates on absence and dry-run writes nothing
    let dry = PatchParams {
        dry_run: true,
        ..apply("helm-operator", false)
    };
    api.patch(
        "ghost",
        &dry,
        &Patch::Apply(
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ghost"}}),
        ),
    )
    .await
    .unwrap();
    assert!(api.get_opt("ghost").await.unwrap().is_none());
}

fn status_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not a Status ({e}): {body}"))
}

#[test]
fn bad_input_gets_the_api_servers_status_codes_and_bodies() {
    let emulator = RunningEmulator::start(EmulatorConfig::default()).unwrap();
    let port = emulator.address().port();
    let cms = "/api/v1/namespaces/default/configmaps";
    let (code, _, body) = common::http_request(port, "POST", cms, "application/json", b"{not json");
    assert_eq!(code, 400, "{body}");
    assert_eq!(status_of(&body)["reason"], "BadRequest");
    let (code, _, body) = common::http_request(
        port,
        "GET",
        "/apis/example.com/v1/widgets",
        "application/json",
        b"",
    );
    assert_eq!(
        (code, status_of(&body)["reason"].as_str()),
        (404, Some("NotFound")),
        "{body}"
    );
    let (code, _, body) = common::http_request(
        port,
        "POST",
        cms,
        "application/json",
        br#"{"metadata":{"name":"Bad_Name"}}"#,
    );
    let status = status_of(&body);
    assert_eq!(
        (code, status["reason"].as_str()),
        (422, Some("Invalid")),
        "{body}"
    );
    assert_eq!(status["details"]["causes"][0]["field"], "metadata.name");
    assert!(
        status["message"].as_str().unwrap().starts_with(
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
        ),
        "{body}"
    );
    let (code, _, body) = common::http_request(
        port,
        "POST",
        "/api/v1/namespaces/nowhere/configmaps",
        "application/json",
        br#"{"metadata":{"name":"a"}}"#,
    );
    assert_eq!(
        (code, status_of(&body)["message"].as_str()),
        (404, Some("namespaces \"nowhere\" not found")),
        "{body}"
    );
    let (code, _, _) = common::http_request(
        port,
        "POST",
        cms,
        "application/yaml",
        b"metadata:\n  name: a\ndata:\n  k: v\n",
    );
    assert_eq!(code, 201);
    let (code, _, body) = common::http_request(
        port,
        "POST",
        cms,
        "application/json",
        br#"{"metadata":{"name":"a"}}"#,
    );
    assert_eq!(
        (code, status_of(&body)["reason"].as_str()),
        (409, Some("AlreadyExists")),
        "{body}"
    );
    let (code, _, body) = common::http_request(
        port,
        "PUT",
        &format!("{cms}/a"),
        "application/json",
        br#"{"metadata":{"name":"a","resourceVersion":"1"},"data":{"k":"w"}}"#,
    );
    assert_eq!(
        (code, status_of(&body)["reason"].as_str()),
        (409, Some("Conflict")),
        "{body}"
    );
    let (code, _, body) = common::http_request(port, "POST", cms, "text/html", b"<p>");
    assert_eq!(code, 415, "{body}");
    let (code, _, body) = common::http_request(
        port,
        "GET",
        &format!("{cms}?labelSelector=a%20in%20x"),
        "application/json",
        b"",
    );
    assert_eq!(code, 400, "{body}");
    let (code, _, body) = common::http_request(
        port,
        "PATCH",
        &format!("{cms}/a"),
        "application/apply-patch+yaml",
        b"metadata: {name: a}\n",
    );
    assert_eq!(code, 400, "apply needs a field manager: {body}");
    // a custom resource that violates its schema
    let crd =
        common::read(&common::repo_root().join("crds/helm-operator.ketches.cn_helmreleases.yaml"));
    let (code, _, body) = common::http_request(
        port,
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "application/yaml",
        crd.as_bytes(),
    );
    assert_eq!(code, 201, "{body}");
    let (code, _, body) = common::http_request(
        port,
        "POST",
        "/apis/helm-operator.ketches.cn/v1alpha1/namespaces/default/helmreleases",
        "application/json",
        br#"{"apiVersion":"helm-operator.ketches.cn/v1alpha1","kind":"HelmRelease","metadata":{"name":"x"},"spec":{"chart":{"name":""},"interval":"1d"}}"#,
    );
    let status = status_of(&body);
    assert_eq!(code, 422, "{body}");
    let fields: Vec<&str> = status["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"spec.chart.name") && fields.contains(&"spec.interval"),
        "{fields:?}"
    );
}

#[test]
fn injected_faults_answer_with_status_and_retry_after() {
    let emulator = RunningEmulator::start(EmulatorConfig::default()).unwrap();
    let port = emulator.address().port();
    let cms = "/api/v1/namespaces/default/configmaps";
    emulator.add_fault(FaultRule {
        verb: "create".into(),
        resource: "configmaps".into(),
        code: 429,
        retry_after_seconds: Some(2),
        times: 1,
        ..Default::default()
    });
    let (code, head, body) = common::http_request(
        port,
        "POST",
        cms,
        "application/json",
        br#"{"metadata":{"name":"a"}}"#,
    );
    assert_eq!(code, 429, "{body}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 2"),
        "{head}"
    );
    assert_eq!(status_of(&body)["reason"], "TooManyRequests");
    let (code, _, _) = common::http_request(
        port,
        "POST",
        cms,
        "application/json",
        br#"{"metadata":{"name":"a"}}"#,
    );
    assert_eq!(code, 201, "the rule applied once");
    // the admin endpoint adds the same rules from outside the process
    let rule = br#"{"verb":"get","resource":"configmaps","code":500}"#;
    assert_eq!(
        common::http_request(port, "POST", "/__emulator/faults", "application/json", rule).0,
        200
    );
    assert_eq!(
        common::http_request(port, "GET", &format!("{cms}/a"), "application/json", b"").0,
        500
    );
    assert_eq!(
        common::http_request(
            port,
            "DELETE",
            "/__emulator/faults",
            "application/json",
            b""
        )
        .0,
        200
    );
    assert_eq!(
        common::http_request(port, "GET", &format!("{cms}/a"), "application/json", b"").0,
        200
    );
}

#[test]
fn watches_honour_timeout_seconds_and_start_with_the_initial_events_bookmark() {
    let emulator = RunningEmulator::start(EmulatorConfig::default()).unwrap();
    let port = emulator.address().port();
    let cms = "/api/v1/namespaces/default/configmaps";
    assert_eq!(
        common::http_request(
            port,
            "POST",
            cms,
            "application/json",
            br#"{"metadata":{"name":"a"}}"#
        )
        .0,
        201
    );
    // the stream ends by itself after timeoutSeconds; reading it to the end proves that
    let (code, _, body) = common::http_request(
        port,
        "GET",
        &format!(
            "{cms}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1"
        ),
        "application/json",
        b"",
    );
    assert_eq!(code, 200);
    let events: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["metadata"]["name"], "a");
    assert_eq!(events[1]["type"], "BOOKMARK");
    assert_eq!(
        events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    // a resume from a resourceVersion older than the history kept gets an ERROR event with 410
    emulator.expire_history();
    let (_, _, body) = common::http_request(
        port,
        "GET",
        &format!("{cms}?watch=true&resourceVersion=1&timeoutSeconds=1"),
        "application/json",
        b"",
    );
    let first: serde_json::Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
    assert_eq!(
        (
            first["type"].as_str(),
            first["object"]["code"].as_i64(),
            first["object"]["reason"].as_str()
        ),
        (Some("ERROR"), Some(410), Some("Expired"))
    );
}

#[test]
fn injected_latency_delays_matching_requests_only() {
    let emulator = RunningEmulator::start(EmulatorConfig::default()).unwrap();
    let port = emulator.address().port();
    emulator.add_fault(FaultRule {
        verb: "list".into(),
        resource: "secrets".into(),
        latency_ms: 300,
        ..Default::default()
    });
    let started = std::time::Instant::now();
    assert_eq!(
        common::http_request(
            port,
            "GET",
            "/api/v1/namespaces/default/secrets",
            "application/json",
            b""
        )
        .0,
        200
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "the injected latency applies"
    );
    emulator.clear_faults();
}

#[test]
fn malformed_requests_are_all_answered_with_a_status_and_nothing_breaks() {
    let emulator = RunningEmulator::start(EmulatorConfig::default()).unwrap();
    let port = emulator.address().port();
    let item = "/api/v1/namespaces/default/configmaps/x";
    assert_eq!(
        common::http_request(
            port,
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            br#"{"metadata":{"name":"x"}}"#
        )
        .0,
        201
    );
    let bodies: &[(&str, &[u8])] = &[
        ("application/json", b"[]"),
        ("application/json", b"\"text\""),
        ("application/json", b"null"),
        ("application/json", b"{\"metadata\": 5}"),
        (
            "application/json",
            b"{\"metadata\": {\"name\": 5, \"labels\": [1]}}",
        ),
        ("application/yaml", b"::: not yaml :::\n\t- ["),
        (
            "application/vnd.kubernetes.protobuf",
            b"k8s\x00\xff\xff\xff",
        ),
        ("application/vnd.kubernetes.protobuf", b"not protobuf"),
        (
            "application/json-patch+json",
            b"[{\"op\": \"explode\", \"path\": \"/x\"}]",
        ),
        ("application/json-patch+json", b"{\"op\": \"add\"}"),
        ("application/merge-patch+json", b"[1, 2]"),
        (
            "application/strategic-merge-patch+json",
            b"{\"metadata\": {\"labels\": {\"$patch\": \"delete\"}}}",
        ),
        ("application/apply-patch+yaml", b"- a\n- b\n"),
        ("application/octet-stream", b"\x00\x01"),
    ];
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    for (method, path) in [
        ("POST", "/api/v1/namespaces/default/configmaps"),
        ("PUT", item),
        ("PATCH", item),
        ("PATCH", "/apis/apps/v1/namespaces/default/deployments/none"),
    ] {
        for (content_type, body) in bodies
            .iter()
            .copied()
            .chain([("application/json", nested.as_bytes())])
        {
            let path = if content_type == "application/apply-patch+yaml" {
                format!("{path}?fieldManager=t")
            } else {
                path.to_owned()
            };
            let (code, _, reply) = common::http_request(port, method, &path, content_type, body);
            assert!(
                (200..500).contains(&code),
                "{method} {path} {content_type}: {code} {reply}"
            );
            if code >= 400 {
                let status: serde_json::Value = serde_json::from_str(&reply).unwrap_or_else(|e| {
                    panic!("{method} {content_type}: not a Status ({e}): {reply}")
                });
                assert_eq!(
                    (status["kind"].as_str(), status["code"].as_u64()),
                    (Some("Status"), Some(u64::from(code))),
                    "{reply}"
                );
            }
        }
    }
    for path in [
        "/apis",
        "/apis/nope",
        "/apis/nope/v1",
        "/api/v2",
        "/apis/apps/v1/namespaces/default/deployments/x/bogus",
        "/openapi/v3/apis/nope/v1",
        "/%ff%fe",
        "/api/v1/namespaces/default/configmaps?limit=abc&continue=%%%",
    ] {
        let (code, _, reply) = common::http_request(port, "GET", path, "application/json", b"");
        assert!(code < 500, "GET {path}: {code} {reply}");
    }
    // still serving, and the object is intact
    let (code, _, reply) = common::http_request(port, "GET", item, "application/json", b"");
    assert_eq!(code, 200, "{reply}");
}
