//! Helm's `lookup` against a live cluster: charts whose templates look objects up (one object,
//! lists, missing ones, unknown kinds and versions, cluster-scoped kinds, odd names, failing and
//! throttled reads, numbers of every JSON form) rendered by real Helm v4.2.3 (`helm_python`'s
//! cluster-aware render) and by the engine with [`ClusterLookup`], on the same API emulator, and
//! compared byte for byte, errors included. Then what Helm does not have: the bounds, and the
//! API calls a lookup costs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use helm_operator::cluster::lookup::{ClusterLookup, LookupLimits, LookupStats, lookup_client};
use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::{ParsedChart, ReleaseInfo};
use helm_operator::engine::chart::{Chart, File, Metadata};
use helm_operator::engine::exec::{Limits, Lookup};
use kube_emulator::faults::FaultRule;
use kube_emulator::{EmulatorConfig, RunningEmulator};

const TEST: &str = "cluster_lookup";

const OBJECTS: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: lk, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: empty}
---
apiVersion: v1
kind: Namespace
metadata: {name: bulk}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: lk, labels: {app: x}}
data: {a: "1", b: two, big: "12345678901"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec, namespace: lk}
type: Opaque
data: {password: cGFzcw==}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: lk}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: nginx, ports: [{containerPort: 8080}]}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"#;

/// Custom resources posted as raw JSON, so numbers keep the form written here.
const WIDGETS: &[&str] = &[
    r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},
        "spec":{"count":7,"ratio":0.5,"whole":2.0,"big":9007199254740993,"huge":1e30,"neg":-4,
        "exp":1e3,"tiny":0.000001,"max":9223372036854775807,"over":18446744073709551615,
        "list":[1,2.5,"s",true,null],"nested":{"deep":{"x":1}},"text":"a\u00e9\ud83d\ude00"}}"#,
    r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"itemsy"},
        "items":[{"a":1}],"spec":{}}"#,
];

/// Bulk ConfigMaps in namespace `bulk`, for a larger list.
const BULK: usize = 60;

struct Case {
    name: &'static str,
    template: &'static str,
    fault: Option<FaultRule>,
}

fn case(name: &'static str, template: &'static str) -> Case {
    Case {
        name,
        template,
        fault: None,
    }
}

fn faulty(name: &'static str, template: &'static str, fault: FaultRule) -> Case {
    Case {
        name,
        template,
        fault: Some(fault),
    }
}

fn fault(verb: &str, resource: &str, code: u16) -> FaultRule {
    FaultRule {
        verb: verb.into(),
        resource: resource.into(),
        code,
        ..FaultRule::default()
    }
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "get_data",
            r#"{{ (lookup "v1" "ConfigMap" "lk" "cfg").data }}"#,
        ),
        case(
            "get_whole",
            r#"{{ toYaml (lookup "v1" "ConfigMap" "lk" "cfg") }}
{{ toJson (lookup "v1" "ConfigMap" "lk" "cfg") }}
{{ lookup "v1" "ConfigMap" "lk" "cfg" }}"#,
        ),
        case(
            "release_namespace",
            r#"{{ (lookup "v1" "ConfigMap" .Release.Namespace "cfg").metadata.name }}"#,
        ),
        case(
            "deployment_numbers",
            r#"{{ $d := lookup "apps/v1" "Deployment" "lk" "web" }}{{ typeOf $d.spec.replicas }} {{ $d.spec.replicas }} {{ kindOf $d.spec.replicas }} {{ typeOf $d.metadata.generation }}
{{ printf "%d %v %T" $d.spec.replicas $d.spec.replicas $d.spec.replicas }} {{ add1 $d.spec.replicas }} {{ eq $d.spec.replicas 3 }} {{ gt $d.spec.replicas 2 }}
{{ typeOf (index $d.spec.template.spec.containers 0).ports }} {{ (index (index $d.spec.template.spec.containers 0).ports 0).containerPort }}
{{ toYaml $d }}"#,
        ),
        case(
            "custom_resource_numbers",
            r#"{{ $w := lookup "example.com/v1" "Widget" "lk" "w1" }}{{ range $k, $v := $w.spec }}{{ $k }}={{ typeOf $v }}:{{ $v }}
{{ end }}{{ toJson $w.spec }}
{{ toYaml $w.spec }}
{{ toPrettyJson $w.spec.nested }} {{ mul $w.spec.count 2 }} {{ $w.spec.ratio | float64 }} {{ int $w.spec.whole }} {{ quote $w.spec.big }}"#,
        ),
        case(
            "missing",
            r#"{{ lookup "v1" "ConfigMap" "lk" "nope" }} {{ typeOf (lookup "v1" "ConfigMap" "lk" "nope") }} {{ if not (lookup "v1" "ConfigMap" "lk" "nope") }}absent{{ end }} {{ len (lookup "v1" "ConfigMap" "nons" "nope") }}"#,
        ),
        case(
            "with_else",
            r#"{{ with lookup "v1" "ConfigMap" "lk" "cfg" }}{{ .metadata.name }}{{ end }} {{ with lookup "v1" "ConfigMap" "lk" "nope" }}x{{ else }}none{{ end }}"#,
        ),
        case("list", r#"{{ toYaml (lookup "v1" "ConfigMap" "lk" "") }}"#),
        case(
            "list_types",
            r#"{{ $l := lookup "v1" "ConfigMap" "lk" "" }}{{ typeOf $l }} {{ typeOf $l.items }} {{ typeOf (index $l.items 0) }} {{ keys $l | sortAlpha }}"#,
        ),
        case(
            "list_all_namespaces",
            r#"{{ range (lookup "v1" "ConfigMap" "" "").items }}{{ .metadata.namespace }}/{{ .metadata.name }} {{ end }}
{{ (lookup "v1" "Secret" "" "").kind }} {{ len (lookup "v1" "Secret" "" "").items }}"#,
        ),
        case(
            "empty_list",
            r#"{{ lookup "v1" "ConfigMap" "empty" "" }}|{{ typeOf (lookup "v1" "ConfigMap" "empty" "").items }}|{{ len (lookup "v1" "ConfigMap" "empty" "").items }}|{{ lookup "v1" "ConfigMap" "nons" "" }}"#,
        ),
        case(
            "bulk_list",
            r#"{{ $l := lookup "v1" "ConfigMap" "bulk" "" }}{{ len $l.items }} {{ range $l.items }}{{ .metadata.name }}={{ .data.num }} {{ end }}"#,
        ),
        case(
            "custom_resource_list",
            r#"{{ toYaml (lookup "example.com/v1" "Widget" "lk" "") }}"#,
        ),
        case(
            "cluster_scoped_with_namespace",
            r#"{{ (lookup "v1" "Namespace" "whatever" "lk").metadata.labels }} {{ (lookup "v1" "Namespace" "a/b" "lk").metadata.name }} {{ (lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "lk" "widgets.example.com").spec.names }}"#,
        ),
        case(
            "cluster_scoped_list",
            r#"{{ $l := lookup "v1" "Namespace" "ignored" "" }}{{ $l.kind }} {{ $l.apiVersion }} {{ range $l.items }}{{ .metadata.name }}:{{ .kind }} {{ end }}"#,
        ),
        case(
            "namespaced_kind_without_namespace",
            r#"{{ lookup "v1" "ConfigMap" "" "cfg" }}"#,
        ),
        case(
            "secret",
            r#"{{ (lookup "v1" "Secret" "lk" "sec").data.password | b64dec }} {{ (lookup "v1" "Secret" "lk" "sec").type }}"#,
        ),
        case(
            "unknown_kind",
            r#"{{ lookup "v1" "Foo" "lk" "x" }} {{ lookup "v1" "configmap" "lk" "cfg" }} {{ lookup "example.com/v1" "Gadget" "" "g" }}"#,
        ),
        case(
            "unknown_kind_list",
            r#"{{ lookup "apps/v1" "Nope" "lk" "" }}"#,
        ),
        case(
            "unknown_kind_named_like_a_version",
            r#"{{ $r := lookup "apps/v1" "Nope" "lk" "v1" }}{{ $r.kind }} {{ $r.groupVersion }} {{ gt (len $r.resources) 3 }}"#,
        ),
        case(
            "escaped_name",
            r#"{{ lookup "v1" "ConfigMap" "lk" "a b?c#d" }} {{ lookup "v1" "ConfigMap" "lk" "a..b" }}"#,
        ),
        case(
            "results_are_fresh_maps",
            r#"{{ $a := lookup "v1" "ConfigMap" "lk" "cfg" }}{{ $_ := set $a "x" 1 }}{{ (lookup "v1" "ConfigMap" "lk" "cfg").x }}|{{ $a.x }}"#,
        ),
        case(
            "items_field_of_an_object",
            r#"{{ $w := lookup "example.com/v1" "Widget" "lk" "itemsy" }}{{ $w.items }} {{ $w.kind }}"#,
        ),
        case(
            "repeated",
            r#"{{ range until 5 }}{{ (lookup "v1" "ConfigMap" "lk" "cfg").data.a }}{{ end }}"#,
        ),
        case(
            "unknown_group_version",
            r#"{{ lookup "nope.io/v1" "Foo" "lk" "x" }}"#,
        ),
        case(
            "unknown_core_version",
            r#"{{ lookup "v2" "ConfigMap" "lk" "x" }}"#,
        ),
        case(
            "empty_api_version",
            r#"{{ lookup "" "ConfigMap" "lk" "x" }}"#,
        ),
        case(
            "malformed_api_version",
            r#"{{ lookup "a/b/c" "ConfigMap" "lk" "x" }}"#,
        ),
        case("bad_name", r#"{{ lookup "v1" "ConfigMap" "lk" "a/b%" }}"#),
        case("dot_name", r#"{{ lookup "v1" "ConfigMap" "lk" ".." }}"#),
        case(
            "bad_namespace",
            r#"{{ lookup "v1" "ConfigMap" "a/b" "x" }}"#,
        ),
        case(
            "bad_namespace_list",
            r#"{{ lookup "v1" "ConfigMap" "%" "" }}"#,
        ),
        case(
            "error_inside_include",
            r#"{{ define "x" }}{{ lookup "nope.io/v1" "Foo" "" "" }}{{ end }}a: {{ include "x" . }}"#,
        ),
        faulty(
            "forbidden_get",
            r#"{{ lookup "v1" "ConfigMap" "lk" "cfg" }}"#,
            fault("get", "configmaps", 403),
        ),
        faulty(
            "forbidden_list",
            r#"{{ lookup "v1" "ConfigMap" "lk" "" }}"#,
            fault("list", "configmaps", 403),
        ),
        faulty(
            "unauthorized_cluster_scoped",
            r#"{{ lookup "v1" "Namespace" "" "lk" }}"#,
            fault("get", "namespaces", 401),
        ),
        faulty(
            "server_error",
            r#"{{ lookup "v1" "ConfigMap" "lk" "nope" }}"#,
            fault("get", "configmaps", 500),
        ),
        faulty(
            "gone_list",
            r#"{{ lookup "v1" "ConfigMap" "lk" "" }}"#,
            fault("list", "configmaps", 410),
        ),
        faulty(
            "not_found_answer_get",
            r#"{{ lookup "v1" "ConfigMap" "lk" "cfg" }}"#,
            fault("get", "configmaps", 404),
        ),
        faulty(
            "not_found_answer_list",
            r#"{{ lookup "v1" "ConfigMap" "lk" "" }}"#,
            fault("list", "configmaps", 404),
        ),
        faulty(
            "throttled_then_served",
            r#"{{ (lookup "v1" "ConfigMap" "lk" "cfg").data.a }}"#,
            FaultRule {
                retry_after_seconds: Some(1),
                times: 2,
                ..fault("get", "configmaps", 429)
            },
        ),
        faulty(
            "unavailable_after_retries",
            r#"{{ (lookup "v1" "ConfigMap" "lk" "cfg").data.a }}"#,
            FaultRule {
                retry_after_seconds: Some(0),
                ..fault("get", "configmaps", 503)
            },
        ),
    ]
}

/// Renders each case's chart with real Helm against the cluster, injecting its fault first.
const ORACLE: &str = r#"
import json, sys, urllib.request
import helm_python as h
from helm_python import Config
job = json.load(open(sys.argv[1]))
admin = job["emulator"] + "/__emulator/faults"
cfg = Config(kubeconfig_path=job["kubeconfig"], namespace="lk")
out = {}
for c in job["cases"]:
    urllib.request.urlopen(urllib.request.Request(admin, method="DELETE"))
    if c["fault"]:
        urllib.request.urlopen(urllib.request.Request(admin, data=json.dumps(c["fault"]).encode(),
                               method="POST", headers={"Content-Type": "application/json"}))
    try:
        with h.Chart.load(c["dir"]) as chart:
            out[c["name"]] = {"ok": cfg.render(chart, {}, name="rel", namespace="lk")}
    except Exception as e:
        out[c["name"]] = {"err": str(e)}
urllib.request.urlopen(urllib.request.Request(admin, method="DELETE"))
print(json.dumps(out))
"#;

const CHART_YAML: &str = "apiVersion: v2\nname: lk\nversion: 0.1.0\n";

fn chart(template: &str) -> Chart {
    Chart {
        metadata: Metadata {
            api_version: "v2".into(),
            name: "lk".into(),
            version: "0.1.0".into(),
            ..Metadata::default()
        },
        templates: vec![File {
            name: "templates/t.yaml".into(),
            data: template.as_bytes().into(),
        }],
        ..Chart::default()
    }
}

fn release() -> ReleaseInfo {
    ReleaseInfo {
        name: "rel".into(),
        namespace: "lk".into(),
        ..ReleaseInfo::default()
    }
}

/// Renders with the engine and a fresh lookup (one per render, as the operator uses it).
fn render_ours(lookup: &dyn Lookup, template: &str) -> Result<BTreeMap<String, String>, String> {
    ParsedChart::new(chart(template))?.render(
        &serde_json::Map::new(),
        &release(),
        &Capabilities::default(),
        Limits::default(),
        Some(lookup),
    )
}

fn kubectl(dir: &Path, kubeconfig: &Path, args: &[&str]) -> String {
    let (ok, out) = common::operator::kubectl(dir, kubeconfig, args);
    assert!(ok, "kubectl {args:?}: {out}");
    out
}

/// Creates every object the cases read, and waits until the cluster stops changing (the
/// emulator's Deployment controller writes status), so both renders see the same state.
fn populate(dir: &Path, kubeconfig: &Path) {
    let objects = dir.join("objects.yaml");
    std::fs::write(&objects, OBJECTS).unwrap();
    kubectl(dir, kubeconfig, &["apply", "-f", objects.to_str().unwrap()]);
    for (i, widget) in WIDGETS.iter().enumerate() {
        let file = dir.join(format!("widget-{i}.json"));
        std::fs::write(&file, widget).unwrap();
        kubectl(
            dir,
            kubeconfig,
            &[
                "create",
                "--raw",
                "/apis/example.com/v1/namespaces/lk/widgets",
                "-f",
                file.to_str().unwrap(),
            ],
        );
    }
    let bulk: String = (0..BULK)
        .map(|i| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i:03}, namespace: bulk}}\ndata: {{num: \"{i}\"}}\n---\n"
            )
        })
        .collect();
    let bulk_file = dir.join("bulk.yaml");
    std::fs::write(&bulk_file, bulk).unwrap();
    kubectl(
        dir,
        kubeconfig,
        &["apply", "-f", bulk_file.to_str().unwrap()],
    );
    common::eventually(
        "the Deployment to be ready",
        Duration::from_secs(60),
        || {
            let ready = kubectl(
                dir,
                kubeconfig,
                &[
                    "get",
                    "deployment",
                    "web",
                    "-n",
                    "lk",
                    "-o",
                    "jsonpath={.status.readyReplicas}",
                ],
            );
            (ready.trim() == "3").then_some(())
        },
    );
    // the list's resourceVersion is the store's: unchanged over a pause means no writer is busy
    let version = || {
        kubectl(
            dir,
            kubeconfig,
            &[
                "get",
                "configmaps",
                "-A",
                "-o",
                "jsonpath={.metadata.resourceVersion}",
            ],
        )
    };
    common::eventually("the cluster to settle", Duration::from_secs(60), || {
        let before = version();
        std::thread::sleep(Duration::from_millis(500));
        (version() == before).then_some(())
    });
}

fn run_helm(python: &Path, dir: &Path, kubeconfig: &Path, url: &str) -> serde_json::Value {
    let mut job_cases = Vec::new();
    for c in cases() {
        let chart_dir = dir.join("charts").join(c.name);
        std::fs::create_dir_all(chart_dir.join("templates")).unwrap();
        std::fs::write(chart_dir.join("Chart.yaml"), CHART_YAML).unwrap();
        std::fs::write(chart_dir.join("templates/t.yaml"), c.template).unwrap();
        job_cases.push(serde_json::json!({
            "name": c.name,
            "dir": chart_dir,
            "fault": c.fault.as_ref().map(|f| serde_json::to_value(f).unwrap()),
        }));
    }
    let job = dir.join("job.json");
    std::fs::write(
        &job,
        serde_json::json!({"emulator": url, "kubeconfig": kubeconfig, "cases": job_cases})
            .to_string(),
    )
    .unwrap();
    let out = Command::new(python)
        .args(["-c", ORACLE])
        .arg(&job)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the Helm oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn client(runtime: &tokio::runtime::Runtime, kubeconfig_yaml: &str) -> kube::Client {
    runtime.block_on(async {
        let kubeconfig = kube::config::Kubeconfig::from_yaml(kubeconfig_yaml).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .unwrap();
        lookup_client(config).unwrap()
    })
}

#[test]
fn lookup_renders_as_helm_renders_it_against_the_same_cluster() {
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    if common::require(TEST, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let dir = common::scratch_dir("cluster-lookup");
    let emulator = RunningEmulator::start(EmulatorConfig {
        readiness_delay: Duration::from_millis(50),
        ..EmulatorConfig::default()
    })
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    populate(&dir, &kubeconfig);

    let helm = run_helm(&python, &dir, &kubeconfig, &emulator.url());
    std::fs::write(dir.join("helm.json"), helm.to_string()).unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = client(&runtime, &emulator.kubeconfig());
    let mut stats: BTreeMap<&str, LookupStats> = BTreeMap::new();
    let mut compared = 0;
    for c in cases() {
        emulator.clear_faults();
        if let Some(f) = &c.fault {
            emulator.add_fault(f.clone());
        }
        // read-only: any write would be refused, and the render would differ from Helm's
        for verb in ["create", "update", "patch", "delete"] {
            emulator.add_fault(fault(verb, "", 418));
        }
        // the engine runs here, off the runtime's workers, as a render in spawn_blocking does
        let lookup = ClusterLookup::new(client.clone(), runtime.handle().clone());
        let ours = render_ours(&lookup, c.template);
        stats.insert(c.name, lookup.stats());
        let expected = &helm[c.name];
        match (&ours, expected.get("ok"), expected.get("err")) {
            (Ok(map), Some(want), None) => {
                let want: BTreeMap<String, String> = serde_json::from_value(want.clone()).unwrap();
                assert_eq!(map, &want, "{}: the render differs from Helm's", c.name);
            }
            (Err(e), None, Some(want)) => {
                assert_eq!(
                    Some(e.as_str()),
                    want.as_str(),
                    "{}: the error differs",
                    c.name
                );
            }
            _ => panic!("{}: ours {ours:?}, Helm's {expected}", c.name),
        }
        compared += 1;
    }
    emulator.clear_faults();
    assert_eq!(compared, cases().len());
    assert!(
        helm["list"]["ok"]["lk/templates/t.yaml"]
            .as_str()
            .unwrap()
            .contains("kind: ConfigMapList")
    );
    assert!(
        helm["forbidden_get"]["err"]
            .as_str()
            .unwrap()
            .ends_with("error calling lookup: injected fault: Unknown")
    );

    // what a lookup costs: one GET, plus discovery once per group version per render
    let cost = |name: &str| stats[name];
    assert_eq!(
        cost("repeated"),
        LookupStats {
            lookups: 5,
            api_calls: 6,
            discovery_calls: 1
        }
    );
    assert_eq!(cost("cluster_scoped_with_namespace").discovery_calls, 2);
    assert_eq!(cost("cluster_scoped_with_namespace").api_calls, 5);
    // two throttled answers retried after the server's wait, then the object
    assert_eq!(cost("throttled_then_served").api_calls, 1 + 3);
    // client-go's ten retries, then the error
    assert_eq!(cost("unavailable_after_retries").api_calls, 1 + 11);
}

#[test]
fn lookups_are_bounded_per_render() {
    let dir = common::scratch_dir("cluster-lookup-bounds");
    let emulator = RunningEmulator::start(EmulatorConfig::default()).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = client(&runtime, &emulator.kubeconfig());
    runtime.block_on(async {
        use k8s_openapi::api::core::v1::ConfigMap;
        let api: kube::Api<ConfigMap> = kube::Api::namespaced(client.clone(), "default");
        for i in 0..20 {
            let cm: ConfigMap = serde_json::from_value(serde_json::json!({
                "metadata": {"name": format!("cm-{i}")},
                "data": {"payload": "x".repeat(2000)},
            }))
            .unwrap();
            api.create(&Default::default(), &cm).await.unwrap();
        }
    });

    // the 4th lookup of a render bounded at 3 fails the render, before any request
    let lookup = ClusterLookup::with_limits(
        client.clone(),
        runtime.handle().clone(),
        LookupLimits {
            max_lookups: 3,
            ..LookupLimits::default()
        },
    );
    let err = render_ours(
        &lookup,
        r#"{{ range until 5 }}{{ (lookup "v1" "ConfigMap" "default" "cm-1").data.payload | len }} {{ end }}"#,
    )
    .unwrap_err();
    assert!(
        err.ends_with(
            "error calling lookup: this render made more than 3 lookups, the operator's limit for one render"
        ),
        "{err}"
    );
    assert_eq!(
        lookup.stats(),
        LookupStats {
            lookups: 4,
            api_calls: 4,
            discovery_calls: 1
        }
    );

    // an answer past the size bound fails the render instead of being held in memory
    let lookup = ClusterLookup::with_limits(
        client.clone(),
        runtime.handle().clone(),
        LookupLimits {
            max_response_bytes: 20_000,
            ..LookupLimits::default()
        },
    );
    let err = render_ours(
        &lookup,
        r#"{{ len (lookup "v1" "ConfigMap" "default" "").items }}"#,
    )
    .unwrap_err();
    assert!(
        err.ends_with(
            "error calling lookup: the answer to GET /api/v1/namespaces/default/configmaps is larger than 20000 bytes, the operator's limit for one lookup"
        ),
        "{err}"
    );
    // the same list within the default bounds
    let lookup = ClusterLookup::new(client, runtime.handle().clone());
    let out = render_ours(
        &lookup,
        r#"{{ len (lookup "v1" "ConfigMap" "default" "").items }}"#,
    )
    .unwrap();
    assert_eq!(out["lk/templates/t.yaml"], "20");
}
