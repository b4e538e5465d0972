//! Drift detection (`cluster::drift`) on the API emulator: a release's objects applied as the
//! operator applies them, then changed by someone else with the machine's real kubectl
//! (`scale`, `edit`, `patch`, `label`, `annotate`, `delete`); the detection must name exactly
//! the fields the release sets and nothing another manager added, never a value, and the
//! correction must put back exactly the drifted fields. Also: server-set and defaulted fields,
//! a kind no longer served, a failed read, ignore rules, the API calls a detection costs, and
//! its time for a 50-object manifest.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use helm_operator::cluster::apply::{Applier, ObjectKey, ReleaseRef};
use helm_operator::cluster::drift::{
    self, DriftChange, DriftReport, IgnoreRule, IgnoreTarget, ObjectDrift,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube_emulator::faults::FaultRule;
use kube_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::json;

/// Every request the client sends, as `METHOD path?query`.
type Calls = Arc<Mutex<Vec<String>>>;

struct Cluster<'a> {
    emulator: &'a RunningEmulator,
    dir: PathBuf,
    kubeconfig: PathBuf,
    client: kube::Client,
    applier: Applier,
    calls: Calls,
}

/// An emulator on a runtime of its own: it cannot start inside the test's runtime, and kubectl
/// blocks the test's thread while it runs.
fn emulator() -> RunningEmulator {
    RunningEmulator::start(EmulatorConfig {
        readiness_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    })
    .expect("emulator")
}

fn block_on(body: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(body);
}

impl<'a> Cluster<'a> {
    async fn start(emulator: &'a RunningEmulator, name: &str, namespace: &str) -> Cluster<'a> {
        let dir = common::scratch_dir(name);
        let kubeconfig = dir.join("kubeconfig");
        emulator.write_kubeconfig(&kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(
            kube::config::Kubeconfig::from_yaml(&emulator.kubeconfig()).unwrap(),
            &Default::default(),
        )
        .await
        .unwrap();
        let calls: Calls = Arc::default();
        let recorder = calls.clone();
        let client = kube::client::ClientBuilder::try_from(config)
            .unwrap()
            .with_layer(&tower::util::MapRequestLayer::new(
                move |req: http::Request<kube::client::Body>| {
                    let uri = req.uri();
                    let line = format!(
                        "{} {}{}",
                        req.method(),
                        uri.path(),
                        uri.query().map(|q| format!("?{q}")).unwrap_or_default()
                    );
                    recorder.lock().unwrap().push(line);
                    req
                },
            ))
            .build();
        let ns: Namespace =
            serde_json::from_value(json!({"metadata": {"name": namespace}})).unwrap();
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap();
        let applier = Applier::new(client.clone());
        Cluster {
            emulator,
            dir,
            kubeconfig,
            client,
            applier,
            calls,
        }
    }

    /// Runs the machine's kubectl against the emulator (as another field manager would).
    fn kubectl(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new("kubectl")
            .env("HOME", self.dir.join("home"))
            .envs(env.iter().copied())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("kubectl runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "kubectl {args:?} failed:\n{text}");
        text
    }

    /// Applies every object of `manifest` as the release engine does.
    async fn install(&self, manifest: &str, release: &ReleaseRef) {
        for r in self
            .applier
            .prepare_manifest(manifest, release)
            .await
            .unwrap()
        {
            self.applier.apply_resource(&r).await.unwrap();
        }
    }

    fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

fn release(name: &str, namespace: &str) -> ReleaseRef {
    ReleaseRef {
        name: name.into(),
        namespace: namespace.into(),
    }
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn key(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.into(),
        version: "v1".into(),
        kind: kind.into(),
        namespace: namespace.map(Into::into),
        name: name.into(),
    }
}

fn modified(k: ObjectKey, fields: &[&str]) -> ObjectDrift {
    ObjectDrift {
        key: k,
        change: DriftChange::Modified {
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            omitted: 0,
        },
    }
}

/// The release's manifest as Helm stores it: chart metadata, some objects in the release
/// namespace by default, a Secret with `data`, a cluster-scoped object, an object Helm keeps.
fn web_manifest() -> String {
    format!(
        r#"---
# Source: web/templates/role.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: drift-web-reader
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list"]
---
# Source: web/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
type: Opaque
data:
  username: {user}
  password: {password}
---
# Source: web/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  labels:
    app: web
data:
  mode: normal
  size: "3"
---
# Source: web/templates/kept.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-kept
  annotations:
    helm.sh/resource-policy: keep
data:
  a: b
---
# Source: web/templates/extra.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-extra
data:
  x: "y"
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
"#,
        user = b64("admin"),
        password = b64("hunter2"),
    )
}

/// The report, its summary and its notes as text, to look for values that must not be there.
fn all_text(report: &DriftReport) -> String {
    let mut text = format!("{report:?}\n{}\n", report.summary(10_000));
    for o in &report.objects {
        text.push_str(&o.to_string());
    }
    for s in &report.skipped {
        text.push_str(&s.to_string());
    }
    for f in &report.failed {
        text.push_str(&f.to_string());
    }
    text
}

#[test]
fn changes_by_others_are_found_field_by_field_and_corrected() {
    let test = "changes_by_others_are_found_field_by_field_and_corrected";
    if common::require(test, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let emulator = emulator();
    block_on(async {
        let cluster = Cluster::start(&emulator, test, "drift").await;
        let rel = release("web", "drift");
        let manifest = web_manifest();
        cluster.install(&manifest, &rel).await;

        // the emulator's workload controller writes the Deployment's status; the server set uid,
        // creationTimestamp and the Service's ClusterIP fields: none of it is drift
        common::eventually(
            "the Deployment to become ready",
            Duration::from_secs(60),
            || {
                let ready = cluster.kubectl(
                    &[
                        "-n",
                        "drift",
                        "get",
                        "deployment",
                        "web",
                        "-o",
                        "jsonpath={.status.readyReplicas}",
                    ],
                    &[],
                );
                (ready.trim() == "2").then_some(())
            },
        );
        let deployment = cluster
            .applier
            .get(&key("apps", "Deployment", Some("drift"), "web"))
            .await
            .unwrap()
            .unwrap();
        for field in [
            "uid",
            "creationTimestamp",
            "resourceVersion",
            "managedFields",
        ] {
            assert!(!deployment["metadata"][field].is_null(), "{field}");
        }
        assert!(deployment["status"].is_object());
        let service = cluster
            .applier
            .get(&key("", "Service", Some("drift"), "web"))
            .await
            .unwrap()
            .unwrap();
        for field in ["clusterIP", "clusterIPs", "type", "sessionAffinity"] {
            assert!(!service["spec"][field].is_null(), "{field}");
        }

        cluster.take_calls();
        let report = drift::detect(&cluster.applier, &rel, &manifest, &[])
            .await
            .unwrap();
        assert_eq!(
            report,
            DriftReport {
                compared: 7,
                ..DriftReport::default()
            }
        );
        assert!(report.is_clean());
        // two calls per object, discovery cached: a GET and a dry-run apply
        let calls = cluster.take_calls();
        assert_eq!(calls.len(), 14, "{calls:#?}");
        assert_eq!(calls.iter().filter(|c| c.starts_with("GET ")).count(), 7);
        assert_eq!(
            calls
                .iter()
                .filter(|c| c.starts_with("PATCH ")
                    && c.contains("dryRun=All")
                    && c.contains("force=true")
                    && c.contains("fieldManager=helm-operator"))
                .count(),
            7,
            "{calls:#?}"
        );

        // someone else's changes: to fields the release sets ...
        cluster.kubectl(
            &["-n", "drift", "scale", "deployment", "web", "--replicas=5"],
            &[],
        );
        cluster.kubectl(
            &["-n", "drift", "edit", "deployment", "web"],
            &[("KUBE_EDITOR", "sed -i s#nginx:1.27#nginx:1.99#")],
        );
        cluster.kubectl(
            &[
                "-n",
                "drift",
                "label",
                "deployment",
                "web",
                "app.kubernetes.io/managed-by=Other",
                "--overwrite",
            ],
            &[],
        );
        cluster.kubectl(
            &[
                "-n",
                "drift",
                "patch",
                "configmap",
                "web-config",
                "--type",
                "merge",
                "-p",
                r#"{"data":{"mode":"debug"}}"#,
            ],
            &[],
        );
        cluster.kubectl(
            &[
                "-n",
                "drift",
                "patch",
                "configmap",
                "web-kept",
                "--type",
                "json",
                "-p",
                r#"[{"op":"remove","path":"/data/a"}]"#,
            ],
            &[],
        );
        let stolen = b64("hunter3");
        cluster.kubectl(
            &[
                "-n",
                "drift",
                "patch",
                "secret",
                "web-secret",
                "-p",
                &format!(r#"{{"data":{{"password":"{stolen}"}}}}"#),
            ],
            &[],
        );
        cluster.kubectl(&["-n", "drift", "delete", "configmap", "web-extra"], &[]);
        // ... and to fields it does not set: not drift
        cluster.kubectl(
            &[
                "-n",
                "drift",
                "label",
                "configmap",
                "web-config",
                "team=blue",
            ],
            &[],
        );
        cluster.kubectl(
            &["-n", "drift", "annotate", "service", "web", "note=hello"],
            &[],
        );
        cluster.kubectl(
            &[
                "-n",
                "drift",
                "patch",
                "deployment",
                "web",
                "-p",
                r#"{"spec":{"minReadySeconds":5}}"#,
            ],
            &[],
        );
        cluster.kubectl(
            &[
                "-n",
                "drift",
                "patch",
                "secret",
                "web-secret",
                "-p",
                &format!(r#"{{"data":{{"token":"{}"}}}}"#, b64("t0ken")),
            ],
            &[],
        );

        let before = cluster
            .applier
            .get(&key("", "ConfigMap", Some("drift"), "web-config"))
            .await
            .unwrap()
            .unwrap();
        let report = drift::detect(&cluster.applier, &rel, &manifest, &[])
            .await
            .unwrap();
        let expected = vec![
            modified(
                key("", "Secret", Some("drift"), "web-secret"),
                &[".data.password"],
            ),
            modified(
                key("", "ConfigMap", Some("drift"), "web-config"),
                &[".data.mode"],
            ),
            modified(
                key("", "ConfigMap", Some("drift"), "web-kept"),
                &[".data.a"],
            ),
            ObjectDrift {
                key: key("", "ConfigMap", Some("drift"), "web-extra"),
                change: DriftChange::Missing,
            },
            modified(
                key("apps", "Deployment", Some("drift"), "web"),
                &[
                    ".metadata.labels[\"app.kubernetes.io/managed-by\"]",
                    ".spec.replicas",
                    ".spec.template.spec.containers[0].image",
                ],
            ),
        ];
        assert_eq!(report.objects, expected, "{report:#?}");
        assert_eq!(report.compared, 7);
        assert!(report.skipped.is_empty() && report.failed.is_empty());
        assert_eq!(
            report.summary(1024),
            "Secret/drift/web-secret: .data.password; ConfigMap/drift/web-config: .data.mode; \
         ConfigMap/drift/web-kept: .data.a; ConfigMap/drift/web-extra deleted; \
         Deployment/drift/web: .metadata.labels[\"app.kubernetes.io/managed-by\"], .spec.replicas, \
         .spec.template.spec.containers[0].image"
        );
        assert_eq!(
            report.summary(120),
            "Secret/drift/web-secret: .data.password; ConfigMap/drift/web-config: .data.mode; and 3 more"
        );
        // no value, Secret or other, in any form
        let text = all_text(&report);
        for value in [
            "hunter2",
            "hunter3",
            "t0ken",
            "debug",
            "nginx:1.99",
            "Other",
            "5",
        ] {
            assert!(!text.contains(value), "{value} in {text}");
        }
        for value in [b64("hunter2"), stolen.clone(), b64("t0ken")] {
            assert!(!text.contains(&value), "{value} in {text}");
        }
        // the dry run wrote nothing
        let after = cluster
            .applier
            .get(&key("", "ConfigMap", Some("drift"), "web-config"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after, before);

        let applied = drift::correct(&cluster.applier, &rel, &manifest, &report, &[])
            .await
            .unwrap();
        assert_eq!(applied, 5);
        let get = |args: &[&str]| {
            let mut full = vec!["-n", "drift", "get"];
            full.extend_from_slice(args);
            cluster.kubectl(&full, &[])
        };
        assert_eq!(
            get(&["deployment", "web", "-o", "jsonpath={.spec.replicas}"]),
            "2"
        );
        assert_eq!(
            get(&[
                "deployment",
                "web",
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}"
            ]),
            "nginx:1.27"
        );
        assert_eq!(
            get(&[
                "deployment",
                "web",
                "-o",
                r"jsonpath={.metadata.labels.app\.kubernetes\.io/managed-by}"
            ]),
            "Helm"
        );
        assert_eq!(
            get(&["configmap", "web-config", "-o", "jsonpath={.data.mode}"]),
            "normal"
        );
        assert_eq!(
            get(&["configmap", "web-kept", "-o", "jsonpath={.data.a}"]),
            "b"
        );
        assert_eq!(
            get(&["configmap", "web-extra", "-o", "jsonpath={.data.x}"]),
            "y"
        );
        assert_eq!(
            get(&["secret", "web-secret", "-o", "jsonpath={.data.password}"]),
            b64("hunter2")
        );
        // what others added to fields the release does not set is still there
        assert_eq!(
            get(&[
                "configmap",
                "web-config",
                "-o",
                "jsonpath={.metadata.labels.team}"
            ]),
            "blue"
        );
        assert_eq!(
            get(&[
                "service",
                "web",
                "-o",
                "jsonpath={.metadata.annotations.note}"
            ]),
            "hello"
        );
        assert_eq!(
            get(&[
                "deployment",
                "web",
                "-o",
                "jsonpath={.spec.minReadySeconds}"
            ]),
            "5"
        );
        assert_eq!(
            get(&["secret", "web-secret", "-o", "jsonpath={.data.token}"]),
            b64("t0ken")
        );

        let again = drift::detect(&cluster.applier, &rel, &manifest, &[])
            .await
            .unwrap();
        assert_eq!(
            again,
            DriftReport {
                compared: 7,
                ..DriftReport::default()
            }
        );
        // nothing to correct: nothing is sent
        cluster.take_calls();
        assert_eq!(
            drift::correct(&cluster.applier, &rel, &manifest, &again, &[])
                .await
                .unwrap(),
            0
        );
        assert!(cluster.take_calls().is_empty());
    });
}

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.drift.example.com
spec:
  group: drift.example.com
  scope: Namespaced
  names:
    plural: gadgets
    singular: gadget
    kind: Gadget
    listKind: GadgetList
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size:
                type: integer
              color:
                type: string
                default: blue
"#;

const WITH_GADGET: &str = r#"---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
data:
  a: b
---
apiVersion: drift.example.com/v1
kind: Gadget
metadata:
  name: g1
spec:
  size: 3
"#;

#[test]
fn defaulted_fields_are_not_drift_and_a_kind_no_longer_served_is_skipped() {
    let emulator = emulator();
    block_on(async {
        let cluster = Cluster::start(
            &emulator,
            "defaulted_fields_are_not_drift_and_a_kind_no_longer_served_is_skipped",
            "gadgets",
        )
        .await;
        let rel = release("g", "gadgets");
        // the CRD comes from the chart's crds/ directory: not part of the manifest
        cluster.install(CRD, &rel).await;
        cluster.install(WITH_GADGET, &rel).await;
        let gadget_key = key("drift.example.com", "Gadget", Some("gadgets"), "g1");
        let gadget = cluster.applier.get(&gadget_key).await.unwrap().unwrap();
        // the schema's default is on the object, though the manifest does not set it
        assert_eq!(gadget["spec"]["color"], "blue");
        let report = drift::detect(&cluster.applier, &rel, WITH_GADGET, &[])
            .await
            .unwrap();
        assert_eq!(
            report,
            DriftReport {
                compared: 2,
                ..DriftReport::default()
            }
        );

        // someone changes the defaulted field: the release does not set it, so it is not drift
        Api::<kube::api::DynamicObject>::namespaced_with(
            cluster.client.clone(),
            "gadgets",
            &kube::api::ApiResource {
                group: "drift.example.com".into(),
                version: "v1".into(),
                api_version: "drift.example.com/v1".into(),
                kind: "Gadget".into(),
                plural: "gadgets".into(),
            },
        )
        .patch(
            "g1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"color": "red", "size": 4}})),
        )
        .await
        .unwrap();
        let report = drift::detect(&cluster.applier, &rel, WITH_GADGET, &[])
            .await
            .unwrap();
        assert_eq!(
            report.objects,
            [modified(gadget_key.clone(), &[".spec.size"])],
            "{report:#?}"
        );

        // the CRD goes (and its objects with it): the Gadget is skipped with a note, not missing
        assert!(
            cluster
                .applier
                .delete(&key(
                    "apiextensions.k8s.io",
                    "CustomResourceDefinition",
                    None,
                    "gadgets.drift.example.com"
                ))
                .await
                .unwrap()
        );
        // the emulator removes a CRD without finalizers at once; the applier's discovery cache
        // still holds the kind
        assert!(
            cluster
                .client
                .list_api_group_resources("drift.example.com/v1")
                .await
                .is_err()
        );
        let report = drift::detect(&cluster.applier, &rel, WITH_GADGET, &[])
            .await
            .unwrap();
        assert!(report.objects.is_empty(), "{report:#?}");
        assert_eq!(report.compared, 1);
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(
            report.skipped[0].to_string(),
            "Gadget/gadgets/g1 not compared: kind Gadget is no longer served in drift.example.com/v1"
        );
        // the next detection knows it from discovery already
        let report = drift::detect(&cluster.applier, &rel, WITH_GADGET, &[])
            .await
            .unwrap();
        assert_eq!(report.skipped.len(), 1);
        assert!(report.is_clean());
        // correcting skips it too
        let with_missing = DriftReport {
            objects: vec![ObjectDrift {
                key: gadget_key,
                change: DriftChange::Missing,
            }],
            ..DriftReport::default()
        };
        assert_eq!(
            drift::correct(&cluster.applier, &rel, WITH_GADGET, &with_missing, &[])
                .await
                .unwrap(),
            0
        );

        // a read that fails is reported for its object; the others are still compared
        cluster.emulator.add_fault(FaultRule {
            verb: "get".into(),
            resource: "configmaps".into(),
            code: 500,
            times: 1,
            ..FaultRule::default()
        });
        let report = drift::detect(&cluster.applier, &rel, WITH_GADGET, &[])
            .await
            .unwrap();
        assert_eq!(report.failed.len(), 1, "{report:#?}");
        assert_eq!(report.failed[0].key.name, "plain");
        assert_eq!(report.failed[0].error.reason(), "ApiError");
        assert!(!report.is_clean() && !report.has_drift());
    });
}

#[test]
fn ignore_rules_leave_fields_to_other_managers() {
    let emulator = emulator();
    block_on(async {
        let cluster = Cluster::start(
            &emulator,
            "ignore_rules_leave_fields_to_other_managers",
            "hpa",
        )
        .await;
        let rel = release("web", "hpa");
        let manifest = web_manifest();
        cluster.install(&manifest, &rel).await;
        // an autoscaler takes replicas; someone changes the image
        let deployments: Api<Deployment> = Api::namespaced(cluster.client.clone(), "hpa");
        deployments
            .patch(
                "web",
                &PatchParams::apply("autoscaler").force(),
                &Patch::Apply(
                    json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 7}}),
                ),
            )
            .await
            .unwrap();
        deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Json::<()>(
                serde_json::from_value(json!([{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.99"}]))
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
        let configs: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), "hpa");
        configs
            .patch(
                "web-config",
                &PatchParams::default(),
                &Patch::Merge(json!({"data": {"size": "9"}})),
            )
            .await
            .unwrap();

        let rules = [
            IgnoreRule {
                paths: vec!["/spec/replicas".into()],
                target: Some(IgnoreTarget {
                    kind: Some("Deployment".into()),
                    ..IgnoreTarget::default()
                }),
            },
            // the whole Secret is left alone
            IgnoreRule {
                paths: vec![String::new()],
                target: Some(IgnoreTarget {
                    kind: Some("Secret".into()),
                    name: Some("web-secret".into()),
                    ..IgnoreTarget::default()
                }),
            },
        ];
        let report = drift::detect(&cluster.applier, &rel, &manifest, &rules)
            .await
            .unwrap();
        assert_eq!(
            report.objects,
            [
                modified(
                    key("", "ConfigMap", Some("hpa"), "web-config"),
                    &[".data.size"]
                ),
                modified(
                    key("apps", "Deployment", Some("hpa"), "web"),
                    &[".spec.template.spec.containers[0].image"]
                ),
            ],
            "{report:#?}"
        );
        // the excluded Secret is not counted as compared
        assert_eq!(report.compared, 6);
        // without the rules the replicas are drift too
        let plain = drift::detect(&cluster.applier, &rel, &manifest, &[])
            .await
            .unwrap();
        assert_eq!(
            plain.objects[1],
            modified(
                key("apps", "Deployment", Some("hpa"), "web"),
                &[".spec.replicas", ".spec.template.spec.containers[0].image"]
            )
        );

        assert_eq!(
            drift::correct(&cluster.applier, &rel, &manifest, &report, &rules)
                .await
                .unwrap(),
            2
        );
        let web = deployments.get("web").await.unwrap();
        let spec = web.spec.unwrap();
        assert_eq!(spec.replicas, Some(7), "the autoscaler's replicas stay");
        assert_eq!(
            spec.template.spec.unwrap().containers[0].image.as_deref(),
            Some("nginx:1.27")
        );
        assert_eq!(
            configs.get("web-config").await.unwrap().data.unwrap()["size"],
            "3"
        );
        let report = drift::detect(&cluster.applier, &rel, &manifest, &rules)
            .await
            .unwrap();
        assert!(report.is_clean(), "{report:#?}");
    });
}

/// 50 objects: 20 ConfigMaps, 10 Secrets, 10 Services, 10 Deployments.
fn fifty_objects() -> String {
    let mut m = String::new();
    for i in 0..20 {
        m.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v{i}\n  other: \"{i}\"\n"
        ));
    }
    for i in 0..10 {
        m.push_str(&format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s-{i}\ndata:\n  token: {}\n",
            b64(&format!("secret-{i}"))
        ));
    }
    for i in 0..10 {
        m.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector:\n    app: d-{i}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
        ));
    }
    for i in 0..10 {
        m.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d-{i}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: d-{i}\n  template:\n    metadata:\n      labels:\n        app: d-{i}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n"
        ));
    }
    m
}

#[test]
fn a_fifty_object_release_costs_two_calls_per_object() {
    let emulator = emulator();
    block_on(async {
        let cluster = Cluster::start(
            &emulator,
            "a_fifty_object_release_costs_two_calls_per_object",
            "big",
        )
        .await;
        let rel = release("big", "big");
        let manifest = fifty_objects();
        cluster.install(&manifest, &rel).await;
        // the workload controller's status writes would make the detection read some objects
        // twice (their resourceVersion moves between the GET and the dry run): let them settle
        let deployments: Api<Deployment> = Api::namespaced(cluster.client.clone(), "big");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let list = deployments.list(&Default::default()).await.unwrap();
            let ready = list
                .items
                .iter()
                .all(|d| d.status.as_ref().and_then(|s| s.ready_replicas) == Some(1));
            if list.items.len() == 10 && ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "gave up waiting for the Deployments"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let mut clean = Vec::new();
        for _ in 0..5 {
            cluster.take_calls();
            let started = Instant::now();
            let report = drift::detect(&cluster.applier, &rel, &manifest, &[])
                .await
                .unwrap();
            clean.push(started.elapsed());
            assert_eq!(
                report,
                DriftReport {
                    compared: 50,
                    ..DriftReport::default()
                }
            );
            let calls = cluster.take_calls();
            assert_eq!(calls.len(), 100, "{calls:#?}");
        }
        clean.sort();

        // five objects drift: three changed, two deleted
        let configs: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), "big");
        for i in 0..3 {
            configs
                .patch(
                    &format!("cm-{i}"),
                    &PatchParams::default(),
                    &Patch::Merge(json!({"data": {"k": "changed"}})),
                )
                .await
                .unwrap();
        }
        for i in 3..5 {
            configs
                .delete(&format!("cm-{i}"), &Default::default())
                .await
                .unwrap();
        }
        cluster.take_calls();
        let started = Instant::now();
        let report = drift::detect(&cluster.applier, &rel, &manifest, &[])
            .await
            .unwrap();
        let drifted = started.elapsed();
        assert_eq!(report.objects.len(), 5);
        // a missing object costs its GET, and its group version is asked again once
        let calls = cluster.take_calls();
        assert_eq!(calls.len(), 2 * 48 + 2 + 1, "{calls:#?}");
        assert_eq!(
            calls.iter().filter(|c| c.as_str() == "GET /api/v1").count(),
            1
        );

        let started = Instant::now();
        let applied = drift::correct(&cluster.applier, &rel, &manifest, &report, &[])
            .await
            .unwrap();
        let corrected = started.elapsed();
        assert_eq!(applied, 5);
        let report = drift::detect(&cluster.applier, &rel, &manifest, &[])
            .await
            .unwrap();
        assert!(report.is_clean(), "{report:#?}");

        let _ = writeln!(
            std::io::stderr(),
            "drift timing, 50 objects on the emulator (debug build): clean detection {:?} (median of 5, fastest {:?}), \
         detection with 5 drifted {drifted:?}, correction of 5 {corrected:?}",
            clean[2],
            clean[0]
        );
    });
}
