//! Applying a release's objects on the API emulator with `cluster::apply`: discovery (including a
//! kind served only once its CRD is applied), server-side apply under the operator's field
//! manager and its re-application, Helm's ownership check and adoption, deletion, existence
//! checks and API failures; and, where real Helm v4.2.3 (`helm_python`) is available, the same
//! chart installed by Helm on the same emulator for comparison of the stamped metadata and of
//! the ownership refusal.

mod common;

use std::process::Command;
use std::time::Duration;

use helm_operator::cluster::apply::{
    Adopt, Applier, ApplyError, BUILD_ERROR_PREFIX, INSTALL_CONFLICT_PREFIX, ObjectKey, ReleaseRef,
    parse_manifest,
};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams};
use kube_emulator::faults::FaultRule;
use kube_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

async fn client_for(emulator: &Emulator) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&emulator.kubeconfig()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

async fn create_namespace(client: &kube::Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    api.create(&PostParams::default(), &ns).await.unwrap();
}

/// A ConfigMap created by someone else, with the given metadata.
async fn create_config_map(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    labels: Value,
    annotations: Value,
) {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let cm: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": labels, "annotations": annotations},
        "data": {"a": "b"}
    }))
    .unwrap();
    api.create(&PostParams::default(), &cm).await.unwrap();
}

fn release(name: &str, namespace: &str) -> ReleaseRef {
    ReleaseRef {
        name: name.into(),
        namespace: namespace.into(),
    }
}

const WORKLOADS: &str = r#"---
# Source: c/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    x: yy
    app.kubernetes.io/managed-by: Other
  annotations:
    meta.helm.sh/release-name: wrong
    z: w
data:
  replicas: "2"
---
# Source: c/templates/role.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: apply-test-reader
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
---
# Source: c/templates/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
---
# Source: c/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
"#;

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.apply.example.com
spec:
  group: apply.example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    listKind: WidgetList
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
"#;

const WIDGET: &str =
    "apiVersion: apply.example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3.0\n";

fn labels_and_annotations(obj: &Value) -> (Value, Value) {
    (
        obj["metadata"]["labels"].clone(),
        obj["metadata"]["annotations"].clone(),
    )
}

fn managers(obj: &Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").to_owned(),
                        e["operation"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_release_is_applied_then_reapplied_without_conflict() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = client_for(&emulator).await;
    create_namespace(&client, "apps").await;
    let applier = Applier::new(client.clone());
    let rel = release("web", "apps");

    // the custom kind is not served yet: Helm's mapping error, and the miss is remembered
    let widget = parse_manifest(WIDGET).unwrap().remove(0);
    let err = applier.key_of(&widget, "apps").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "resource mapping not found for name: \"w1\" namespace: \"\" from \"\": no matches for kind \"Widget\" in version \"apply.example.com/v1\"\nensure CRDs are installed first"
    );

    let resources = applier.prepare_manifest(WORKLOADS, &rel).await.unwrap();
    let keys: Vec<String> = resources.iter().map(|r| r.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "ConfigMap \"settings\" in namespace \"apps\"",
            "ClusterRole \"apply-test-reader\" in namespace \"\"",
            "Service \"web\" in namespace \"apps\"",
            "Deployment \"web\" in namespace \"apps\"",
        ]
    );
    for r in &resources {
        assert!(
            !applier.check_ownership(r, &rel).await.unwrap(),
            "{}",
            r.key
        );
        let applied = applier.apply_resource(r).await.unwrap();
        assert_eq!(applied["metadata"]["name"], r.key.name);
    }

    // the CRD, then an object of the kind it serves: discovery asks the server again
    let crd = applier.prepare_manifest(CRD, &rel).await.unwrap();
    applier.apply_resource(&crd[0]).await.unwrap();
    let created = applier.apply(&widget, &rel, Adopt::IfOwned).await.unwrap();
    assert_eq!(created["metadata"]["namespace"], "apps");
    // the number went as an integer: the schema's `integer` accepted it and it reads back so
    assert_eq!(created["spec"]["size"], json!(3));

    // what Helm stamps (see `helm_stamps_the_same_metadata_as_the_applier` for the comparison)
    let settings = applier.get(&resources[0].key).await.unwrap().unwrap();
    assert_eq!(
        labels_and_annotations(&settings),
        (
            json!({"app.kubernetes.io/managed-by": "Helm", "x": "yy"}),
            json!({"meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": "apps", "z": "w"})
        )
    );
    let role = applier.get(&resources[1].key).await.unwrap().unwrap();
    assert_eq!(role["metadata"].get("namespace"), None);
    assert_eq!(
        role["metadata"]["annotations"]["meta.helm.sh/release-namespace"],
        "apps"
    );
    assert_eq!(
        managers(&settings),
        [("helm-operator".to_owned(), "Apply".to_owned())]
    );

    // everything again, as an upgrade with nothing changed does: no conflict, one manager
    for r in resources.iter().chain(&crd) {
        assert!(applier.check_ownership(r, &rel).await.unwrap(), "{}", r.key);
        applier.apply_resource(r).await.unwrap();
    }
    applier.apply(&widget, &rel, Adopt::IfOwned).await.unwrap();
    let deployment = applier.get(&resources[3].key).await.unwrap().unwrap();
    assert_eq!(
        managers(&deployment)
            .into_iter()
            .filter(|(m, _)| m == "helm-operator")
            .count(),
        1
    );
    assert_eq!(deployment["spec"]["replicas"], 2);

    // someone else's write to a field the release owns is taken back (force)
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "apps");
    api.patch(
        "settings",
        &kube::api::PatchParams::apply("intruder").force(),
        &kube::api::Patch::Apply(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"replicas": "9"}}),
        ),
    )
    .await
    .unwrap();
    let back = applier.apply_resource(&resources[0]).await.unwrap();
    assert_eq!(back["data"]["replicas"], "2");
}

#[tokio::test]
async fn objects_of_other_owners_are_refused_and_this_releases_are_adopted() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = client_for(&emulator).await;
    // names as in the real Helm run the expected texts come from
    create_namespace(&client, "e2a").await;
    create_config_map(&client, "e2a", "bare", json!({}), json!({})).await;
    create_config_map(
        &client,
        "e2a",
        "other",
        json!({"app.kubernetes.io/managed-by": "Helm"}),
        json!({"meta.helm.sh/release-name": "other", "meta.helm.sh/release-namespace": "e2a"}),
    )
    .await;
    create_config_map(
        &client,
        "e2a",
        "lower",
        json!({"app.kubernetes.io/managed-by": "helm"}),
        json!({"meta.helm.sh/release-name": "r2"}),
    )
    .await;
    create_config_map(
        &client,
        "e2a",
        "mine",
        json!({"app.kubernetes.io/managed-by": "Helm", "keep": "me"}),
        json!({"meta.helm.sh/release-name": "r2", "meta.helm.sh/release-namespace": "e2a"}),
    )
    .await;
    let applier = Applier::new(client.clone());
    let rel = release("r2", "e2a");
    let cm = |name: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "b"}});

    let refusal = |name: &str| {
        let applier = applier.clone();
        let rel = rel.clone();
        let obj = cm(name);
        async move {
            let err = applier.apply(&obj, &rel, Adopt::IfOwned).await.unwrap_err();
            assert_eq!(err.reason(), "OwnershipConflict");
            format!("{INSTALL_CONFLICT_PREFIX}{err}")
        }
    };
    assert_eq!(
        refusal("bare").await,
        "unable to continue with install: ConfigMap \"bare\" in namespace \"e2a\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"r2\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"e2a\""
    );
    assert_eq!(
        refusal("other").await,
        "unable to continue with install: ConfigMap \"other\" in namespace \"e2a\" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"r2\": current value is \"other\""
    );
    assert_eq!(
        refusal("lower").await,
        "unable to continue with install: ConfigMap \"lower\" in namespace \"e2a\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: key \"app.kubernetes.io/managed-by\" must equal \"Helm\": current value is \"helm\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"e2a\""
    );
    // a refused object is left as it was
    let key = applier.key_of(&cm("other"), "e2a").await.unwrap();
    let other = applier.get(&key).await.unwrap().unwrap();
    assert_eq!(
        other["metadata"]["annotations"]["meta.helm.sh/release-name"],
        "other"
    );

    // this release's object is adopted; labels the release does not apply stay
    let mine = applier
        .apply(&cm("mine"), &rel, Adopt::IfOwned)
        .await
        .unwrap();
    assert_eq!(mine["metadata"]["labels"]["keep"], "me");
    assert_eq!(
        mine["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "Helm"
    );

    // an object of the previous revision is taken without looking
    let bare = applier
        .apply(&cm("bare"), &rel, Adopt::Always)
        .await
        .unwrap();
    assert_eq!(
        bare["metadata"]["annotations"]["meta.helm.sh/release-name"],
        "r2"
    );
    assert_eq!(
        bare["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "Helm"
    );
}

#[tokio::test]
async fn deleting_twice_succeeds_and_existence_is_listed() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = client_for(&emulator).await;
    create_namespace(&client, "gone").await;
    let applier = Applier::new(client.clone());
    let rel = release("r", "gone");
    let resources = applier.prepare_manifest(WORKLOADS, &rel).await.unwrap();
    for r in &resources[..2] {
        applier.apply_resource(r).await.unwrap();
    }
    let keys: Vec<ObjectKey> = resources.iter().map(|r| r.key.clone()).collect();
    let unserved = ObjectKey {
        group: "nothing.example.com".into(),
        version: "v1".into(),
        kind: "Nothing".into(),
        namespace: Some("gone".into()),
        name: "n".into(),
    };
    let mut asked = keys.clone();
    asked.push(unserved.clone());
    assert_eq!(applier.existing(&asked).await.unwrap(), keys[..2].to_vec());

    assert!(applier.delete(&keys[0]).await.unwrap());
    assert_eq!(applier.get(&keys[0]).await.unwrap(), None);
    assert!(!applier.delete(&keys[0]).await.unwrap());
    assert!(applier.delete(&keys[1]).await.unwrap());
    assert!(!applier.delete(&keys[1]).await.unwrap());
    // never created, and a kind nobody serves: nothing to delete either
    assert!(!applier.delete(&keys[2]).await.unwrap());
    assert!(!applier.delete(&unserved).await.unwrap());
    assert!(matches!(
        applier.get(&unserved).await,
        Err(ApplyError::NoMapping { .. })
    ));
    assert_eq!(
        applier.existing(&keys).await.unwrap(),
        Vec::<ObjectKey>::new()
    );
}

#[tokio::test]
async fn unserved_kinds_are_all_reported_with_helms_message() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = client_for(&emulator).await;
    let applier = Applier::new(client);
    let rel = release("u2", "e4a");
    // in the order Helm's manifest sorting put them in the run the text comes from
    let manifest = "apiVersion: example.com/v1\nkind: Bar\nmetadata:\n  name: yy\n---\napiVersion: example.com/v1\nkind: Foo\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n";
    let err = applier.prepare_manifest(manifest, &rel).await.unwrap_err();
    assert_eq!(
        format!("{BUILD_ERROR_PREFIX}{err}"),
        "unable to build kubernetes objects from release manifest: [resource mapping not found for name: \"yy\" namespace: \"\" from \"\": no matches for kind \"Bar\" in version \"example.com/v1\"\nensure CRDs are installed first, resource mapping not found for name: \"x\" namespace: \"\" from \"\": no matches for kind \"Foo\" in version \"example.com/v1\"\nensure CRDs are installed first]"
    );
    assert_eq!(err.reason(), "ResourceMappingNotFound");
    // a version the group does not serve, a kind the core group does not have
    for (doc, want) in [
        (
            "apiVersion: apps/v9\nkind: Deployment\nmetadata:\n  name: x\n",
            "resource mapping not found for name: \"x\" namespace: \"\" from \"\": no matches for kind \"Deployment\" in version \"apps/v9\"\nensure CRDs are installed first",
        ),
        (
            "apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n",
            "resource mapping not found for name: \"x\" namespace: \"\" from \"\": no matches for kind \"Foo\" in version \"v1\"\nensure CRDs are installed first",
        ),
        (
            "apiVersion: example.com/v1\nkind: Foo\nmetadata:\n  name: x\n  namespace: zz\n",
            "resource mapping not found for name: \"x\" namespace: \"zz\" from \"\": no matches for kind \"Foo\" in version \"example.com/v1\"\nensure CRDs are installed first",
        ),
    ] {
        let err = applier.prepare_manifest(doc, &rel).await.unwrap_err();
        assert_eq!(err.to_string(), want);
    }
    // decode errors and mapping errors come together, in manifest order
    let err = applier
        .prepare_manifest(
            "apiVersion: example.com/v1\nkind: Bar\nmetadata:\n  name: y\n---\napiVersion: example.com/v1\nkind: Foo\nmetadata:\n  name: x\n",
            &rel,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "[unable to decode \"\": json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.name of type string, resource mapping not found for name: \"x\" namespace: \"\" from \"\": no matches for kind \"Foo\" in version \"example.com/v1\"\nensure CRDs are installed first]"
    );
}

#[tokio::test]
async fn api_failures_name_the_object_and_are_not_mistaken_for_absence() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = client_for(&emulator).await;
    create_namespace(&client, "f").await;
    let applier = Applier::new(client);
    let rel = release("r", "f");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let resource = applier.prepare(&cm, &rel).await.unwrap();
    emulator.add_fault(FaultRule {
        verb: "get".into(),
        resource: "configmaps".into(),
        code: 500,
        times: 1,
        ..Default::default()
    });
    let err = applier.check_ownership(&resource, &rel).await.unwrap_err();
    assert!(
        err.to_string().starts_with(
            "could not get information about the resource ConfigMap \"c\" in namespace \"f\": "
        ),
        "{err}"
    );
    assert!(matches!(err, ApplyError::Api { code: 500, .. }), "{err:?}");
    emulator.add_fault(FaultRule {
        verb: "delete".into(),
        resource: "configmaps".into(),
        code: 403,
        times: 1,
        ..Default::default()
    });
    applier.apply_resource(&resource).await.unwrap();
    let err = applier.delete(&resource.key).await.unwrap_err();
    assert_eq!(err.reason(), "Forbidden");
    assert!(applier.delete(&resource.key).await.unwrap());
    // an object without a name is never sent (an empty name would address the collection)
    let nameless = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}});
    let err = applier
        .apply(&nameless, &rel, Adopt::IfOwned)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not get information about the resource ConfigMap \"\" in namespace \"f\": resource name may not be empty"
    );
}

/// Real Helm installs a chart on the emulator; the applier applies the same objects for a
/// release of its own in another namespace; the metadata each leaves on the cluster and the
/// refusal each gives for an unowned object must be the same.
const HELM_SCRIPT: &str = r#"
import json, os, subprocess, sys
import helm_python as h
from helm_python import Config
kubeconfig, workdir, chart_text = sys.argv[1], sys.argv[2], sys.argv[3]
chart = os.path.join(workdir, "c")
os.makedirs(chart + "/templates", exist_ok=True)
open(chart + "/Chart.yaml", "w").write("apiVersion: v2\nname: c\nversion: 0.1.0\n")
open(chart + "/templates/all.yaml", "w").write(chart_text)
def kubectl(*args):
    return subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, text=True,
                          env={"HOME": workdir, "PATH": "/usr/bin:/bin:/usr/local/bin"}).stdout
cfg = Config(kubeconfig_path=kubeconfig, namespace="helm-ns")
out = {}
cfg.install(chart, "rel", {}, namespace="helm-ns")
for kind, name, ns in [("configmap", "settings", "helm-ns"), ("deployment", "web", "helm-ns"),
                       ("service", "web", "helm-ns"), ("clusterrole", "apply-test-reader", None)]:
    args = ["get", kind, name, "-o", "json"] + (["-n", ns] if ns else [])
    md = json.loads(kubectl(*args))["metadata"]
    out[kind] = {"labels": md.get("labels"), "annotations": md.get("annotations")}
try:
    cfg.install(chart, "rel2", {}, namespace="taken")
    out["refusal"] = None
except Exception as e:
    out["refusal"] = str(e)
print(json.dumps(out))
"#;

#[tokio::test]
async fn helm_stamps_the_same_metadata_and_refuses_with_the_same_words() {
    let Some(python) = common::require(
        "cluster apply vs helm",
        "the venv with helm_python",
        common::helm_python(),
    ) else {
        return;
    };
    if common::require("cluster apply vs helm", "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let emulator = Emulator::start(EmulatorConfig {
        readiness_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(&emulator).await;
    for ns in ["helm-ns", "ours", "taken"] {
        create_namespace(&client, ns).await;
    }
    // an unowned object in the way of the second installs
    create_config_map(&client, "taken", "settings", json!({}), json!({})).await;
    // Helm's ClusterRole and ours would be one object: ours gets another name
    let ours_manifest = WORKLOADS.replace("apply-test-reader", "apply-test-reader-ours");

    let dir = common::scratch_dir("cluster-apply-helm");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, emulator.kubeconfig()).unwrap();
    let helm = tokio::task::spawn_blocking({
        let (python, dir, kubeconfig) = (python.clone(), dir.clone(), kubeconfig.clone());
        move || {
            Command::new(python)
                .args(["-c", HELM_SCRIPT])
                .arg(&kubeconfig)
                .arg(&dir)
                .arg(WORKLOADS)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&helm.stdout);
    assert!(
        helm.status.success(),
        "helm script failed: {}\n{stdout}",
        String::from_utf8_lossy(&helm.stderr)
    );
    let helm: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();

    let applier = Applier::new(client);
    let rel = release("rel", "ours");
    let resources = applier
        .prepare_manifest(&ours_manifest, &rel)
        .await
        .unwrap();
    for r in &resources {
        applier.apply_resource(r).await.unwrap();
    }
    let same_release = |v: &Value| -> Value {
        // Helm's objects name release `rel` in `helm-ns`; ours name `rel` in `ours`
        serde_json::from_str(&v.to_string().replace("\"helm-ns\"", "\"ours\"")).unwrap()
    };
    for (kind, index) in [
        ("configmap", 0),
        ("clusterrole", 1),
        ("service", 2),
        ("deployment", 3),
    ] {
        let ours = applier.get(&resources[index].key).await.unwrap().unwrap();
        let (labels, annotations) = labels_and_annotations(&ours);
        assert_eq!(
            json!({"labels": labels, "annotations": annotations}),
            same_release(&helm[kind]),
            "{kind}"
        );
    }

    // the refusal: Helm's install of `rel2` into `taken`, ours for the same release
    let theirs = helm["refusal"]
        .as_str()
        .expect("Helm installed over an unowned object");
    let rel2 = release("rel2", "taken");
    let taken = applier.prepare_manifest(WORKLOADS, &rel2).await.unwrap();
    let err = applier.check_ownership(&taken[0], &rel2).await.unwrap_err();
    assert_eq!(format!("{INSTALL_CONFLICT_PREFIX}{err}"), theirs);
}
