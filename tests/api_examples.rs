//! The API accepts every example of the seed README as written, fills the defaults the text
//! promises, and keeps a user's explicit `false`.

mod common;

use helm_operator::api::release::{DriftDetectionMode, ValuesSourceKind};
use helm_operator::api::repository::{RepositoryType, ValuesConfigMapPolicy};
use helm_operator::api::{HelmRelease, HelmRepository};
use serde_json::Value;

const API_VERSION: &str = "helm-operator.ketches.cn/v1alpha1";

/// Every key path of `sent` must exist in `kept`: a field the types do not know would vanish
/// silently (the API server prunes unknown fields), so an example must not contain one.
fn assert_no_field_dropped(sent: &Value, kept: &Value, path: &str) {
    match (sent, kept) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let child = format!("{path}.{k}");
                let other = b
                    .get(k)
                    .unwrap_or_else(|| panic!("field {child} was dropped by the API types"));
                assert_no_field_dropped(v, other, &child);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "list {path} changed length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_no_field_dropped(x, y, &format!("{path}[{i}]"));
            }
        }
        (a, b) => assert_eq!(a, b, "value at {path} changed"),
    }
}

enum Parsed {
    Repository(Box<HelmRepository>),
    Release(Box<HelmRelease>),
}

fn parse_ours(doc: &Value) -> Option<Parsed> {
    if doc.get("apiVersion").and_then(Value::as_str) != Some(API_VERSION) {
        return None;
    }
    let parsed = match doc["kind"].as_str() {
        Some("HelmRepository") => {
            let obj: HelmRepository =
                serde_json::from_value(doc.clone()).expect("HelmRepository deserializes");
            assert_no_field_dropped(doc, &serde_json::to_value(&obj).unwrap(), "");
            Parsed::Repository(Box::new(obj))
        }
        Some("HelmRelease") => {
            let obj: HelmRelease =
                serde_json::from_value(doc.clone()).expect("HelmRelease deserializes");
            assert_no_field_dropped(doc, &serde_json::to_value(&obj).unwrap(), "");
            Parsed::Release(Box::new(obj))
        }
        other => panic!("unknown kind {other:?} in group {API_VERSION}"),
    };
    Some(parsed)
}

fn example(name: &str) -> Vec<Parsed> {
    let path = common::repo_root().join("examples").join(name);
    common::yaml_documents(&common::read(&path))
        .iter()
        .filter_map(parse_ours)
        .collect()
}

fn repository(name: &str) -> HelmRepository {
    match example(name).into_iter().find_map(|p| match p {
        Parsed::Repository(r) => Some(r),
        Parsed::Release(_) => None,
    }) {
        Some(r) => *r,
        None => panic!("{name} holds no HelmRepository"),
    }
}

fn release(name: &str) -> HelmRelease {
    match example(name).into_iter().find_map(|p| match p {
        Parsed::Release(r) => Some(r),
        Parsed::Repository(_) => None,
    }) {
        Some(r) => *r,
        None => panic!("{name} holds no HelmRelease"),
    }
}

#[test]
fn every_example_file_deserializes_without_dropping_a_field() {
    let mut ours = 0;
    for dir in ["examples", "examples/demo"] {
        for entry in std::fs::read_dir(common::repo_root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let docs = common::yaml_documents(&common::read(&path));
                assert!(!docs.is_empty(), "{} is empty", path.display());
                ours += docs.iter().filter_map(parse_ours).count();
            }
        }
    }
    assert!(
        ours >= 23,
        "expected every seed scenario in examples/, found {ours} objects"
    );
}

#[test]
fn oci_repository_keeps_its_settings_and_gets_retention_default() {
    let r = repository("oci-repository.yaml");
    assert_eq!(r.spec.url, "oci://ghcr.io/myorg/charts");
    assert_eq!(r.spec.effective_type(), RepositoryType::Oci);
    assert_eq!(
        (r.spec.interval.as_str(), r.spec.timeout.as_str()),
        ("1h", "10m")
    );
    assert_eq!(
        r.spec.values_config_map_policy,
        ValuesConfigMapPolicy::Disabled
    );
    assert_eq!(r.spec.values_config_map_retention, "168h");
    assert!(!r.spec.suspend && !r.spec.plain_http && r.spec.auth.is_none());
}

#[test]
fn repository_without_type_or_interval_gets_defaults_and_inferred_type() {
    let r = repository("basic-auth-repository.yaml");
    assert_eq!(r.spec.type_, None);
    assert_eq!(r.spec.effective_type(), RepositoryType::Helm);
    assert_eq!(r.spec.interval, "30m");
    assert_eq!(r.spec.timeout, "10m");
    let basic = r.spec.auth.unwrap().basic.unwrap();
    assert_eq!(basic.secret_ref.unwrap().name, "private-repo-auth");
    assert_eq!((basic.username, basic.password), (None, None));

    let r = repository("http-repository.yaml");
    assert_eq!(r.spec.timeout, "5m");
    assert_eq!(r.spec.effective_type(), RepositoryType::Helm);
}

#[test]
fn private_oci_registries_name_a_docker_config_secret() {
    for (file, secret) in [
        ("oci-private-registry.yaml", "oci-registry-auth"),
        ("acr.yaml", "acr-auth"),
        ("gar.yaml", "gar-auth"),
    ] {
        let r = repository(file);
        assert_eq!(r.spec.effective_type(), RepositoryType::Oci, "{file}");
        assert_eq!(
            r.spec.auth.unwrap().secret_ref.unwrap().name,
            secret,
            "{file}"
        );
    }
}

#[test]
fn oci_release_fills_defaults_for_options_it_does_not_set() {
    let hr = release("oci-release.yaml");
    assert_eq!(
        hr.spec.chart.oci_repository.as_deref(),
        Some("oci://ghcr.io/myorg/charts/myapp")
    );
    assert_eq!(hr.spec.chart.version.as_deref(), Some("^1.0.0"));
    assert_eq!(
        (hr.release_name(), hr.release_namespace()),
        ("my-app".into(), "production".into())
    );
    assert!(hr.spec.release.create_namespace);
    let values: Value = serde_saphyr::from_str(hr.spec.values.as_deref().unwrap()).unwrap();
    assert_eq!(values["replicaCount"], 3);
    assert_eq!(values["image"]["tag"], "v1.0.0");
    assert!(hr.spec.rollback.enabled);
    assert_eq!(hr.spec.rollback.timeout, "5m");
    assert_eq!(hr.spec.rollback.to_revision, 0);
    assert!(hr.spec.rollback.wait && hr.spec.rollback.cleanup_on_fail);
    assert!(hr.spec.install.wait && hr.spec.install.wait_for_jobs);
    assert!(hr.spec.upgrade.cleanup_on_fail && !hr.spec.upgrade.force);
    assert_eq!(hr.spec.uninstall.timeout, "5m");
    assert_eq!(hr.spec.interval, "10m");
    assert_eq!(hr.spec.effective_max_history(), 10);
    assert_eq!(hr.spec.drift_detection.mode, DriftDetectionMode::Disabled);
    assert!(!hr.spec.test.enable && !hr.spec.suspend);
}

#[test]
fn http_release_references_its_repository_and_defaults_timeouts() {
    let hr = release("http-release.yaml");
    let repo = hr.spec.chart.repository.clone().unwrap();
    assert_eq!(
        (repo.name.as_str(), repo.namespace.as_deref()),
        ("bitnami", Some("default"))
    );
    assert_eq!(hr.spec.chart.oci_repository, None);
    assert_eq!(hr.spec.chart.version.as_deref(), Some("~15.0.0"));
    assert_eq!(
        (
            hr.spec.install.timeout.as_str(),
            hr.spec.upgrade.timeout.as_str()
        ),
        ("10m", "10m")
    );
    assert!(!hr.spec.release.create_namespace);
}

#[test]
fn production_release_keeps_every_option() {
    let hr = release("production-release.yaml");
    assert_eq!(hr.spec.install.timeout, "15m");
    assert!(
        hr.spec.install.wait_for_jobs
            && hr.spec.upgrade.wait_for_jobs
            && hr.spec.upgrade.cleanup_on_fail
    );
    assert_eq!(hr.spec.interval, "12h");
    let values: Value = serde_saphyr::from_str(hr.spec.values.as_deref().unwrap()).unwrap();
    assert_eq!(
        values["ingress"]["hosts"][0]["paths"][0]["pathType"],
        "Prefix"
    );
    assert_eq!(values["resources"]["limits"]["memory"], "2Gi");
}

#[test]
fn releases_without_release_block_default_to_their_own_name_and_namespace() {
    let docs = common::yaml_documents(&common::read(
        &common::repo_root().join("examples/gar.yaml"),
    ));
    let mut doc = docs
        .into_iter()
        .find(|d| d["kind"] == "HelmRelease")
        .unwrap();
    doc["metadata"]["namespace"] = "team-a".into();
    let hr: HelmRelease = serde_json::from_value(doc).unwrap();
    assert_eq!(
        (hr.release_name(), hr.release_namespace()),
        ("gar-app".into(), "team-a".into())
    );
    assert_eq!(
        hr.spec.chart.version, None,
        "no version means the newest stable chart"
    );
}

#[test]
fn rollback_scenarios_keep_their_settings() {
    assert_eq!(
        release("rollback-to-revision.yaml")
            .spec
            .rollback
            .to_revision,
        3
    );
    let on_timeout = release("rollback-on-timeout.yaml");
    assert_eq!(on_timeout.spec.upgrade.timeout, "5m");
    assert!(on_timeout.spec.rollback.enabled);
    assert!(
        release("rollback-on-job-failure.yaml")
            .spec
            .upgrade
            .wait_for_jobs
    );
    assert_eq!(
        release("version-constraints.yaml")
            .spec
            .chart
            .version
            .as_deref(),
        Some("^1.2.0")
    );
}

#[test]
fn explicit_false_survives_for_every_boolean_that_defaults_to_true() {
    let yaml = r#"
apiVersion: helm-operator.ketches.cn/v1alpha1
kind: HelmRelease
metadata: {name: x, namespace: y}
spec:
  chart: {name: c, ociRepository: "oci://r/c"}
  install: {wait: false, waitForJobs: false}
  upgrade: {wait: false, waitForJobs: false, cleanupOnFail: false}
  rollback: {wait: false, cleanupOnFail: false}
"#;
    let hr: HelmRelease = serde_saphyr::from_str(yaml).unwrap();
    assert!(!hr.spec.install.wait && !hr.spec.install.wait_for_jobs);
    assert!(
        !hr.spec.upgrade.wait && !hr.spec.upgrade.wait_for_jobs && !hr.spec.upgrade.cleanup_on_fail
    );
    assert!(!hr.spec.rollback.wait && !hr.spec.rollback.cleanup_on_fail);
    // and the false is written back out, so a round trip through the API keeps it
    let again: HelmRelease = serde_json::from_value(serde_json::to_value(&hr).unwrap()).unwrap();
    assert_eq!(again, hr);
    let json = serde_json::to_value(&hr).unwrap();
    assert_eq!(json["spec"]["upgrade"]["cleanupOnFail"], false);
}

#[test]
fn values_from_defaults_to_the_values_yaml_key() {
    let yaml = r#"
apiVersion: helm-operator.ketches.cn/v1alpha1
kind: HelmRelease
metadata: {name: x}
spec:
  chart: {name: c, repository: {name: r}}
  valuesFrom:
    - {kind: ConfigMap, name: common}
    - {kind: Secret, name: creds, valuesKey: db.yaml, targetPath: db.password, optional: true}
  serviceAccountName: tenant
  maxHistory: 3
  driftDetection: {mode: warn}
  test: {enable: true}
"#;
    let hr: HelmRelease = serde_saphyr::from_str(yaml).unwrap();
    let vf = &hr.spec.values_from;
    assert_eq!(
        (vf[0].kind, vf[0].values_key.as_str(), vf[0].optional),
        (ValuesSourceKind::ConfigMap, "values.yaml", false)
    );
    assert_eq!(
        (vf[1].kind, vf[1].target_path.as_deref(), vf[1].optional),
        (ValuesSourceKind::Secret, Some("db.password"), true)
    );
    assert_eq!(hr.spec.service_account_name.as_deref(), Some("tenant"));
    assert_eq!(hr.spec.effective_max_history(), 3);
    assert_eq!(hr.spec.drift_detection.mode, DriftDetectionMode::Warn);
    assert!(hr.spec.test.enable);
}

/// Wraps a seed fragment that starts at `spec:` into a whole HelmRelease.
fn complete_fragment(doc: Value) -> Value {
    let mut spec = doc["spec"].clone();
    if spec.get("chart").is_none() {
        spec["chart"] = serde_json::json!({"name": "myapp", "ociRepository": "oci://ghcr.io/myorg/charts/myapp"});
    }
    serde_json::json!({"apiVersion": API_VERSION, "kind": "HelmRelease", "metadata": {"name": "fragment"}, "spec": spec})
}

#[test]
fn every_yaml_block_of_the_seed_readme_is_accepted() {
    let Some(shared) = common::shared_dir() else {
        common::skip(
            "every_yaml_block_of_the_seed_readme_is_accepted",
            "../shared/seed/README.md is not beside the checkout",
        );
        return;
    };
    let readme = common::read(&shared.join("seed/README.md"));
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") => current = Some(String::new()),
            (Some(block), l) if l.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    let (mut repositories, mut releases) = (0, 0);
    for block in blocks.iter().filter(|b| {
        b.contains("helm-operator.ketches.cn") || b.trim_start().starts_with("# Scenario")
    }) {
        // The ACR block opens with a shell command; keep the YAML documents after it.
        // The rollback block holds three fragments, each opened by a `# Scenario` comment.
        let yaml: String = block
            .split("\n---\n")
            .filter(|d| !d.contains("kubectl create"))
            .collect::<Vec<_>>()
            .join("\n---\n")
            .replace("\n# Scenario", "\n---\n# Scenario");
        for doc in common::yaml_documents(&yaml) {
            let doc = if doc.get("kind").is_none() && doc.get("spec").is_some() {
                complete_fragment(doc)
            } else {
                doc
            };
            match parse_ours(&doc) {
                Some(Parsed::Repository(_)) => repositories += 1,
                Some(Parsed::Release(_)) => releases += 1,
                None => {}
            }
        }
    }
    assert!(
        repositories >= 9 && releases >= 7,
        "seed examples found: {repositories} repositories, {releases} releases"
    );
    // the rollback scenarios block holds three fragments
    assert!(blocks.iter().any(|b| b.contains("toRevision: 3")));
}
