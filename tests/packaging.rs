//! The operator's own packaging: the chart renders with real Helm (helm_python) into exactly the
//! plain manifests, with the security and availability settings an SRE expects; the config file
//! and the README document every setting and metric; the alert rules pass promtool.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use helm_operator::config::{Environment, RawSettings, SETTINGS, Settings};
use helm_operator::telemetry::catalog::{METRICS, MetricKind};
use serde_json::{Value, json};

fn python() -> Option<std::path::PathBuf> {
    common::require(
        "packaging",
        "the Python venv with helm_python (scripts/ensure-venv.sh)",
        common::helm_python(),
    )
}

/// Renders the chart with real Helm and returns its objects keyed by template path.
fn render_chart(python: &Path, values: &Value) -> Vec<Value> {
    let script = r#"
import json, sys, helm_python as h, yaml
values = json.loads(sys.argv[2])
with h.Chart.load(sys.argv[1]) as c:
    out = c.render(values, name="helm-operator", namespace="ketches")
docs = []
for path in sorted(out):
    if path.endswith("NOTES.txt"):
        continue
    docs += [d for d in yaml.safe_load_all(out[path]) if d]
print(json.dumps(docs))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(common::repo_root().join("charts/helm-operator"))
        .arg(values.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "helm render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn find<'a>(objects: &'a [Value], kind: &str) -> Option<&'a Value> {
    objects.iter().find(|o| o["kind"] == kind)
}

#[test]
fn plain_manifests_are_exactly_the_chart_rendered_by_real_helm() {
    let Some(python) = python() else { return };
    let dir = common::scratch_dir("manifests");
    let out = dir.join("manifests.yaml");
    let status = Command::new(&python)
        .arg(common::repo_root().join("scripts/render-manifests.py"))
        .arg("--output")
        .arg(&out)
        .arg("--chart")
        .arg(common::repo_root().join("charts/helm-operator"))
        .status()
        .unwrap();
    assert!(status.success());
    let committed = common::read(&common::repo_root().join("deploy/manifests.yaml"));
    assert!(
        common::read(&out) == committed,
        "deploy/manifests.yaml is stale: run `make manifests`"
    );
    let manifests = common::yaml_documents(&committed);
    let chart = render_chart(&python, &json!({}));
    // same objects, apart from the Namespace that `helm install --create-namespace` makes
    let without_namespace: Vec<&Value> = manifests
        .iter()
        .filter(|o| o["kind"] != "Namespace")
        .collect();
    assert_eq!(without_namespace.len(), chart.len());
    for object in &chart {
        assert!(
            without_namespace.contains(&object),
            "chart object missing from manifests: {}",
            object["kind"]
        );
    }
    assert_eq!(manifests[0]["kind"], "Namespace");
    assert_eq!(manifests[0]["metadata"]["name"], "ketches");
}

#[test]
fn chart_passes_helm_lint_strict() {
    let Some(python) = python() else { return };
    let out = Command::new(&python)
        .args(["-c", "import json,sys,helm_python as h; print(json.dumps(h.lint(sys.argv[1], strict=True, namespace='ketches')))"])
        .arg(common::repo_root().join("charts/helm-operator"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], json!([]), "{report}");
    let serious: Vec<&Value> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["severity"].as_i64() >= Some(2))
        .collect();
    assert!(serious.is_empty(), "lint warnings: {serious:?}");
}

#[test]
fn default_deployment_is_highly_available_locked_down_and_observable() {
    let manifests = common::yaml_documents(&common::read(
        &common::repo_root().join("deploy/manifests.yaml"),
    ));
    let deployment = find(&manifests, "Deployment").expect("a Deployment");
    assert_eq!(deployment["metadata"]["namespace"], "ketches");
    assert_eq!(deployment["spec"]["replicas"], 3);
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    let security = &container["securityContext"];
    assert_eq!(
        (
            security["readOnlyRootFilesystem"].clone(),
            security["allowPrivilegeEscalation"].clone()
        ),
        (json!(true), json!(false))
    );
    assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert!(
        container["resources"]["requests"]["memory"].is_string()
            && container["resources"]["limits"]["memory"].is_string()
    );
    let env: Vec<&str> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(
        env.contains(&"POD_NAME") && env.contains(&"POD_NAMESPACE"),
        "{env:?}"
    );
    assert!(
        pod["affinity"]["podAntiAffinity"].is_object(),
        "replicas spread over nodes"
    );
    let pdb = find(&manifests, "PodDisruptionBudget").expect("a PodDisruptionBudget");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
    // the seed's ServiceMonitor selects `app: helm-operator` and scrapes port `metrics`
    let service = find(&manifests, "Service").expect("a metrics Service");
    assert_eq!(service["metadata"]["name"], "helm-operator-metrics");
    assert_eq!(service["metadata"]["labels"]["app"], "helm-operator");
    assert_eq!(service["spec"]["ports"][0]["name"], "metrics");
    assert_eq!(service["spec"]["ports"][0]["port"], 8080);
    let role = find(&manifests, "ClusterRole").expect("a ClusterRole");
    for rule in role["rules"].as_array().unwrap() {
        assert!(
            !rule["verbs"].to_string().contains('*')
                && !rule["resources"].to_string().contains('*'),
            "wildcard in {rule}"
        );
    }
    // what releases install is granted apart, by a binding the chart documents and can change
    let bindings: Vec<&Value> = manifests
        .iter()
        .filter(|m| m["kind"] == "ClusterRoleBinding")
        .collect();
    assert_eq!(bindings.len(), 2, "{bindings:?}");
    let releases = bindings
        .iter()
        .find(|b| b["metadata"]["name"] == "helm-operator-releases")
        .expect("the releases' binding");
    assert_eq!(releases["roleRef"]["name"], "cluster-admin");
    assert_eq!(releases["subjects"][0]["name"], role_subject(&bindings));
}

/// The ServiceAccount the operator's own ClusterRoleBinding names.
fn role_subject(bindings: &[&Value]) -> Value {
    bindings
        .iter()
        .find(|b| b["metadata"]["name"] == "helm-operator")
        .expect("the operator's binding")["subjects"][0]["name"]
        .clone()
}

struct NoEnvironment;
impl Environment for NoEnvironment {
    fn service_account_namespace(&self) -> Option<String> {
        Some("ketches".into())
    }
    fn host_name(&self) -> Option<String> {
        Some("pod-0".into())
    }
    fn cpus(&self) -> usize {
        2
    }
}

fn settings_from_file(path: &Path) -> Settings {
    let raw = RawSettings::resolve(BTreeMap::new(), Some(path)).unwrap_or_else(|e| panic!("{e}"));
    Settings::from_raw(&raw, &NoEnvironment).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn chart_values_flow_into_the_objects_and_the_operator_accepts_their_config() {
    let Some(python) = python() else { return };
    let values = json!({
        "replicaCount": 5,
        "serviceMonitor": {"enabled": true, "labels": {"release": "prom"}},
        "podAntiAffinity": "hard",
        "config": {"workers": {"release": 32}, "log": {"format": "text", "level": "debug"}, "limits": {"maxIndexBytes": "256Mi"}},
    });
    let objects = render_chart(&python, &values);
    assert_eq!(find(&objects, "Deployment").unwrap()["spec"]["replicas"], 5);
    let monitor = find(&objects, "ServiceMonitor").expect("ServiceMonitor when enabled");
    assert_eq!(monitor["metadata"]["labels"]["release"], "prom");
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "metrics");
    let affinity = &find(&objects, "Deployment").unwrap()["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"];
    assert!(
        affinity["requiredDuringSchedulingIgnoredDuringExecution"].is_array(),
        "{affinity}"
    );
    let config = find(&objects, "ConfigMap").unwrap()["data"]["config.yaml"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = common::scratch_dir("chart-config");
    std::fs::write(dir.join("config.yaml"), &config).unwrap();
    let settings = settings_from_file(&dir.join("config.yaml"));
    assert_eq!(settings.workers.release, 32);
    assert_eq!(settings.limits.max_index_bytes, 256 << 20);
    assert_eq!(settings.log_level, "debug");

    let single = render_chart(&python, &json!({"replicaCount": 1}));
    assert!(
        find(&single, "PodDisruptionBudget").is_none(),
        "no PDB for a single replica"
    );
}

#[test]
fn config_file_documents_every_setting_with_its_default() {
    let path = common::repo_root().join("config/helm-operator.yaml");
    let text = common::read(&path);
    let from_file = settings_from_file(&path);
    let defaults = Settings::from_raw(
        &RawSettings::resolve(BTreeMap::new(), None).unwrap(),
        &NoEnvironment,
    )
    .unwrap();
    assert_eq!(
        from_file, defaults,
        "config/helm-operator.yaml must hold the defaults"
    );
    for s in SETTINGS {
        let leaf = s.key.rsplit('.').next().unwrap();
        assert!(
            text.contains(&format!("{leaf}:")),
            "config file lacks {}",
            s.key
        );
        assert!(
            text.contains(&format!("--{}", s.flag)) && text.contains(s.env),
            "config file does not name --{} / {}",
            s.flag,
            s.env
        );
    }
}

#[test]
fn readme_documents_every_setting_and_metric() {
    let readme = common::read(&common::repo_root().join("README.md"));
    for s in SETTINGS {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` ", s.key)))
            .unwrap_or_else(|| panic!("README has no row for {}", s.key));
        assert!(
            row.contains(&format!("`--{}`", s.flag)) && row.contains(&format!("`{}`", s.env)),
            "README row for {} is wrong: {row}",
            s.key
        );
        if !s.default.is_empty() {
            assert!(
                row.contains(&format!("`{}`", s.default)),
                "README row for {} lacks its default: {row}",
                s.key
            );
        }
    }
    for m in METRICS {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` ", m.name)))
            .unwrap_or_else(|| panic!("README has no row for {}", m.name));
        assert!(
            row.contains(m.kind.prometheus_type()),
            "README row for {} lacks its type: {row}",
            m.name
        );
        for label in m.labels {
            assert!(
                row.contains(&format!("`{label}`")),
                "README row for {} lacks label {label}: {row}",
                m.name
            );
        }
    }
    assert!(readme.contains("docs/architecture.md"));
    assert!(
        readme.contains("./scripts/test.sh"),
        "README gives the test command"
    );
}

/// Every `helm_*` metric a PromQL text names must be exported (histograms with their series suffixes).
fn assert_only_exported_metrics(text: &str, what: &str) {
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("helm_") && word.contains('_') && word != "helm_operator" {
            let base = word
                .trim_end_matches("_bucket")
                .trim_end_matches("_count")
                .trim_end_matches("_sum");
            let known = METRICS
                .iter()
                .any(|m| m.name == word || (m.kind == MetricKind::Histogram && m.name == base));
            assert!(known, "{what} uses unknown metric {word}");
        }
    }
}

/// `promtool check rules` must accept the file.
fn assert_promtool_accepts_rules(path: &Path) {
    let Some(promtool) = common::require("rules", "promtool", common::which("promtool")) else {
        return;
    };
    let out = Command::new(promtool)
        .args(["check", "rules"])
        .arg(path)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{report}");
}

#[test]
fn alert_rules_pass_promtool_and_use_only_exported_metrics() {
    let path = common::repo_root().join("deploy/prometheus-rules.yaml");
    assert_only_exported_metrics(&common::read(&path), "the alert rules");
    assert_promtool_accepts_rules(&path);
}

#[test]
fn grafana_dashboard_queries_parse_and_use_only_exported_metrics() {
    let path = common::repo_root().join("deploy/grafana-dashboard.json");
    let dashboard: Value = serde_json::from_str(&common::read(&path)).unwrap();
    let exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["expr"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(exprs.len() >= 20, "dashboard has {} queries", exprs.len());
    for expr in &exprs {
        assert_only_exported_metrics(expr, "the dashboard");
    }
    // every query must be valid PromQL: promtool parses them as recording rules
    let dir = common::scratch_dir("dashboard-rules");
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, expr) in exprs.iter().enumerate() {
        let quoted = serde_json::to_string(expr).unwrap();
        rules.push_str(&format!(
            "      - record: dashboard:query{i}\n        expr: {quoted}\n"
        ));
    }
    std::fs::write(dir.join("rules.yaml"), rules).unwrap();
    assert_promtool_accepts_rules(&dir.join("rules.yaml"));
}
