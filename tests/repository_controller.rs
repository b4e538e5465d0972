//! The HelmRepository controller end to end: the operator binary against the API emulator,
//! driven by real kubectl, reading repositories served by real nginx (an index made by real
//! Helm; plain, Basic auth, TLS) and the real distribution registry (charts pushed by real Helm,
//! htpasswd). Every bad input ends in a specific condition reason and event, and no password
//! reaches status, events or the operator's log.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::operator::{Operator, apply, condition, kubectl, start_cluster, stop_operator};
use common::{eventually, http_get};
use kube_emulator::RunningEmulator;
use serde_json::Value;
use sha2::Digest as _;

const TEST: &str = "repository controller";
const LIMIT: Duration = Duration::from_secs(90);

/// An API server with the CRDs, and the operator running against it.
struct Cluster {
    dir: PathBuf,
    kubeconfig: PathBuf,
    operator: Option<Operator>,
    _emulator: RunningEmulator,
}

impl Cluster {
    fn start(dir: &Path, operator_flags: &[&str]) -> Self {
        let (emulator, kubeconfig, operator) = start_cluster(dir, operator_flags);
        Self {
            dir: dir.to_owned(),
            kubeconfig,
            operator: Some(operator),
            _emulator: emulator,
        }
    }

    fn kubectl(&self, args: &[&str]) -> String {
        let (ok, out) = kubectl(&self.dir, &self.kubeconfig, args);
        assert!(ok, "kubectl {args:?}: {out}");
        out
    }

    fn apply(&self, name: &str, yaml: &str) {
        apply(&self.dir, &self.kubeconfig, name, yaml);
    }

    fn repository(&self, name: &str, spec: &str) {
        self.apply(
            &format!("{name}.yaml"),
            &format!(
                "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {{name: {name}, namespace: default}}\nspec:\n{spec}"
            ),
        );
    }

    fn get(&self, resource: &str) -> Option<Value> {
        let (ok, out) = kubectl(
            &self.dir,
            &self.kubeconfig,
            &["get", resource, "-o", "json"],
        );
        ok.then(|| serde_json::from_str(&out).expect("kubectl prints JSON"))
    }

    /// The Ready condition once it has `reason`.
    fn ready_with(&self, name: &str, reason: &str) -> Value {
        let resource = format!("hrepo/{name}");
        eventually(
            &format!("{resource} Ready with reason {reason}"),
            LIMIT,
            || {
                condition(&self.dir, &self.kubeconfig, &resource, "Ready")
                    .filter(|c| c["reason"] == reason)
            },
        )
    }

    /// Events about `name` as (type, reason, note).
    fn events(&self, name: &str) -> Vec<(String, String, String)> {
        let out = self.kubectl(&["get", "events.events.k8s.io", "-n", "default", "-o", "json"]);
        let list: Value = serde_json::from_str(&out).unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["regarding"]["name"] == name)
            .map(|e| {
                let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                (text("type"), text("reason"), text("note"))
            })
            .collect()
    }

    fn event_with(&self, name: &str, reason: &str) -> (String, String, String) {
        eventually(&format!("an event {reason} on {name}"), LIMIT, || {
            self.events(name).into_iter().find(|e| e.1 == reason)
        })
    }

    fn metrics(&self) -> String {
        let op = self.operator.as_ref().unwrap();
        http_get(op.metrics, "/metrics").expect("metrics answer").1
    }

    fn log(&self) -> String {
        self.operator.as_ref().unwrap().process.log_text()
    }

    /// Checks that none of `secrets` appears in any repository, event or the operator's log.
    fn assert_nowhere(&self, secrets: &[&str]) {
        let everything = format!(
            "{}{}{}",
            self.kubectl(&["get", "hrepo", "-A", "-o", "json"]),
            self.kubectl(&["get", "events.events.k8s.io", "-A", "-o", "json"]),
            self.log()
        );
        for secret in secrets {
            assert!(!everything.contains(secret), "{secret} leaked");
        }
    }

    fn stop(mut self) {
        stop_operator(self.operator.take().unwrap());
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// nginx roots: `repo` (made by real Helm), `broken` (not an index), `odd` (two versions Helm
/// skips), `big` (larger than the operator's limit).
fn serve_repositories(python: &Path, root: &Path) {
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    common::nginx::helm_repository(python, &repo, &["1.0.0", "1.1.0", "2.0.0", "2.1.0-rc.1"]);
    // the same archives, but the index names another digest for every version
    let tampered = root.join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    for entry in std::fs::read_dir(&repo).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, tampered.join(path.file_name().unwrap())).unwrap();
    }
    let index = common::read(&repo.join("index.yaml"));
    let rewritten: Vec<String> = index
        .lines()
        .map(|l| match l.split_once("digest: ") {
            Some((head, _)) => format!("{head}digest: {}", "ab".repeat(32)),
            None => l.to_owned(),
        })
        .collect();
    std::fs::write(tampered.join("index.yaml"), rewritten.join("\n") + "\n").unwrap();
    std::fs::create_dir_all(root.join("broken")).unwrap();
    std::fs::write(
        root.join("broken/index.yaml"),
        "apiVersion: v1\nentries: [\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("odd")).unwrap();
    std::fs::write(
        root.join("odd/index.yaml"),
        "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n    urls: [app-1.0.0.tgz]\n  - name: app\n    version: not-a-version\n    urls: [x.tgz]\n  - name: app\n    version: ''\n    urls: [y.tgz]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("big")).unwrap();
    let mut big = String::from("apiVersion: v1\nentries:\n");
    for i in 0..3000 {
        big.push_str(&format!(
            "  chart{i}:\n  - name: chart{i}\n    version: 1.0.0\n    urls: [chart{i}-1.0.0.tgz]\n"
        ));
    }
    std::fs::write(root.join("big/index.yaml"), big).unwrap();
}

#[test]
fn http_repositories_sync_and_every_failure_has_its_reason() {
    let dir = common::scratch_dir("repository-controller-http");
    if common::require(TEST, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(nginx) = common::require(TEST, "nginx", common::nginx::binary()) else {
        return;
    };
    let root = dir.join("www");
    serve_repositories(&python, &root);
    let (_web, port) = common::nginx::start(&nginx, &dir.join("nginx"), &root, None);
    let certs = dir.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    common::certificates(&certs);
    let (_tls_web, tls_port) =
        common::nginx::start(&nginx, &dir.join("nginx-tls"), &root, Some(&certs));
    let closed_port = common::free_port();

    let cluster = Cluster::start(
        &dir,
        &[
            "--max-index-size",
            "64Ki",
            "--status-versions-per-chart",
            "3",
        ],
    );
    let base = format!("http://127.0.0.1:{port}");
    cluster.kubectl(&["create", "namespace", "other"]);
    cluster.kubectl(&[
        "create",
        "secret",
        "generic",
        "repo-creds",
        "--from-literal=username=user",
        "--from-literal=password=pass",
    ]);
    cluster.kubectl(&[
        "create",
        "secret",
        "generic",
        "wrong-creds",
        "--from-literal=username=user",
        "--from-literal=password=hunter2-wrong",
    ]);
    cluster.kubectl(&[
        "create",
        "secret",
        "generic",
        "repo-ca",
        &format!("--from-file=ca.crt={}", certs.join("ca.crt").display()),
    ]);
    cluster.kubectl(&[
        "create",
        "secret",
        "generic",
        "creds",
        "-n",
        "other",
        "--from-literal=username=user",
        "--from-literal=password=pass",
    ]);

    cluster.repository(
        "plain",
        &format!("  url: {base}/plain/repo\n  interval: 1s\n"),
    );
    cluster.repository(
        "basic",
        &format!(
            "  url: {base}/auth/repo\n  auth:\n    basic:\n      secretRef: {{name: repo-creds}}\n"
        ),
    );
    cluster.repository(
        "wrong-password",
        &format!(
            "  url: {base}/auth/repo\n  auth:\n    basic:\n      secretRef: {{name: wrong-creds}}\n"
        ),
    );
    cluster.repository("anonymous", &format!("  url: {base}/auth/repo\n"));
    cluster.repository(
        "late-secret",
        &format!("  url: {base}/auth/repo\n  auth:\n    basic:\n      secretRef: {{name: late}}\n"),
    );
    cluster.repository(
        "tls",
        &format!(
            "  url: https://127.0.0.1:{tls_port}/plain/repo\n  auth:\n    tls:\n      secretRef: {{name: repo-ca}}\n"
        ),
    );
    cluster.repository(
        "unknown-ca",
        &format!("  url: https://127.0.0.1:{tls_port}/plain/repo\n"),
    );
    cluster.repository(
        "insecure",
        &format!("  url: https://127.0.0.1:{tls_port}/plain/repo\n  auth:\n    tls: {{insecureSkipVerify: true}}\n"),
    );
    cluster.repository("missing", &format!("  url: {base}/plain/nothing-here\n"));
    cluster.repository("broken", &format!("  url: {base}/plain/broken\n"));
    cluster.repository("odd", &format!("  url: {base}/plain/odd\n"));
    cluster.repository("big", &format!("  url: {base}/plain/big\n"));
    cluster.repository(
        "closed",
        &format!("  url: http://127.0.0.1:{closed_port}/charts\n"),
    );
    cluster.repository(
        "borrowing",
        &format!(
            "  url: {base}/auth/repo\n  auth:\n    basic:\n      secretRef: {{name: creds, namespace: other}}\n"
        ),
    );

    // a healthy repository: charts, newest versions first and bounded, totals, the index digest
    let ready = cluster.ready_with("plain", "Succeeded");
    assert_eq!(ready["status"], "True");
    assert_eq!(ready["message"], "synced: 1 charts, 4 versions");
    let repo = cluster.get("hrepo/plain").unwrap();
    let status = &repo["status"];
    assert_eq!(status["observedGeneration"], repo["metadata"]["generation"]);
    let served = std::fs::read(root.join("repo/index.yaml")).unwrap();
    assert_eq!(
        status["indexDigest"],
        format!("sha256:{}", sha256_hex(&served))
    );
    assert_eq!(status["stats"]["totalCharts"], 1);
    assert_eq!(status["stats"]["totalVersions"], 4);
    assert_eq!(status["stats"]["indexSizeBytes"], served.len());
    let app = &status["charts"][0];
    assert_eq!(app["name"], "app");
    assert_eq!(app["totalVersions"], 4);
    let versions: Vec<&str> = app["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["2.1.0-rc.1", "2.0.0", "1.1.0"],
        "newest first, at most 3"
    );
    assert!(app["versions"][0]["digest"].as_str().unwrap().len() == 64);
    assert!(
        repo["metadata"]["finalizers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "helm-operator.ketches.cn/finalizer")
    );
    let synced = cluster.event_with("plain", "Synced");
    assert_eq!(
        (synced.0.as_str(), synced.2.as_str()),
        ("Normal", "synced: 1 charts, 4 versions")
    );

    // the 1s interval syncs again with a conditional GET that nginx answers 304, and the
    // status keeps its digest while lastSyncTime moves
    let first_sync = status["lastSyncTime"].as_str().unwrap().to_owned();
    eventually("a later sync of plain", LIMIT, || {
        let s = cluster.get("hrepo/plain")?;
        (s["status"]["lastSyncTime"].as_str()? != first_sync).then_some(())
    });
    // nginx logs a request after answering it, so the line may lag the status a moment
    eventually("nginx to log a conditional GET answered 304", LIMIT, || {
        common::read(&dir.join("nginx/logs/access.log"))
            .lines()
            .any(|l| l.contains("GET /plain/repo/index.yaml") && l.contains("\" 304 "))
            .then_some(())
    });
    assert_eq!(
        cluster.get("hrepo/plain").unwrap()["status"]["indexDigest"],
        status["indexDigest"]
    );

    // credentials from a Secret; a wrong or missing password is AuthenticationFailed
    assert_eq!(cluster.ready_with("basic", "Succeeded")["status"], "True");
    let wrong = cluster.ready_with("wrong-password", "AuthenticationFailed");
    assert_eq!(wrong["status"], "False");
    assert!(
        wrong["message"].as_str().unwrap().contains("HTTP 401"),
        "{wrong}"
    );
    let event = cluster.event_with("wrong-password", "AuthenticationFailed");
    assert_eq!(event.0, "Warning");
    assert_eq!(
        cluster.ready_with("anonymous", "AuthenticationFailed")["status"],
        "False"
    );

    // a Secret that does not exist yet: ReferenceNotFound, then Ready once it appears (the
    // backoff retries without any change to the repository)
    let late = cluster.ready_with("late-secret", "ReferenceNotFound");
    assert_eq!(
        late["message"],
        "Secret default/late (spec.auth.basic.secretRef) not found"
    );
    cluster.kubectl(&[
        "create",
        "secret",
        "generic",
        "late",
        "--from-literal=username=user",
        "--from-literal=password=pass",
    ]);
    assert_eq!(
        cluster.ready_with("late-secret", "Succeeded")["status"],
        "True"
    );

    // TLS: trusted through the Secret's CA, refused without it, accepted when told to skip
    assert_eq!(cluster.ready_with("tls", "Succeeded")["status"], "True");
    let unknown = cluster.ready_with("unknown-ca", "TLSError");
    assert!(
        unknown["message"].as_str().unwrap().contains("TLS"),
        "{unknown}"
    );
    cluster.event_with("unknown-ca", "TLSError");
    assert_eq!(
        cluster.ready_with("insecure", "Succeeded")["status"],
        "True"
    );

    // the other failures
    let missing = cluster.ready_with("missing", "IndexFetchFailed");
    assert!(
        missing["message"].as_str().unwrap().contains("404"),
        "{missing}"
    );
    let broken = cluster.ready_with("broken", "InvalidIndex");
    assert!(
        broken["message"]
            .as_str()
            .unwrap()
            .contains("invalid index"),
        "{broken}"
    );
    cluster.event_with("broken", "InvalidIndex");
    let big = cluster.ready_with("big", "IndexTooLarge");
    assert!(big["message"].as_str().unwrap().contains("65536"), "{big}");
    cluster.ready_with("closed", "IndexFetchFailed");
    let odd = cluster.ready_with("odd", "Succeeded");
    assert_eq!(
        odd["message"],
        "synced: 1 charts, 1 versions; 2 invalid versions skipped"
    );
    let skipped = cluster.event_with("odd", "InvalidChartVersions");
    assert_eq!(skipped.0, "Warning");
    assert!(skipped.2.contains("not-a-version"), "{skipped:?}");

    // another namespace's Secret is refused: Stalled until the spec changes
    let stalled = eventually("borrowing to be Stalled", LIMIT, || {
        condition(
            &cluster.dir,
            &cluster.kubeconfig,
            "hrepo/borrowing",
            "Stalled",
        )
    });
    assert_eq!(stalled["reason"], "CrossNamespaceReference");
    assert!(
        stalled["message"].as_str().unwrap().contains("other/creds"),
        "{stalled}"
    );

    // metrics: syncs by repository and status, failures by reason, charts per repository
    let metrics = cluster.metrics();
    for needle in [
        "helm_repository_sync_total{namespace=\"default\",repository=\"plain\",status=\"success\"}",
        "helm_repository_sync_errors_total{namespace=\"default\",reason=\"AuthenticationFailed\",repository=\"wrong-password\"}",
        "helm_repository_charts{namespace=\"default\",repository=\"plain\"} 1",
        "helm_repository_sync_duration_seconds_bucket{status=\"failure\",type=\"helm\"",
    ] {
        assert!(
            metrics.contains(needle),
            "metrics lack {needle}:\n{metrics}"
        );
    }

    // no password anywhere it could leak
    cluster.assert_nowhere(&["hunter2-wrong", "\"pass\""]);
    cluster.stop();
}

#[test]
fn oci_repositories_list_their_charts_with_registry_credentials() {
    let dir = common::scratch_dir("repository-controller-oci");
    if common::require(TEST, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(binary) =
        common::require(TEST, "docker-registry (Debian)", common::registry::binary())
    else {
        return;
    };
    let users = dir.join("htpasswd");
    let out = std::process::Command::new("htpasswd")
        .args(["-Bbc"])
        .arg(&users)
        .args(["ci", "s3cret-registry"])
        .output()
        .expect("htpasswd runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_registry, port) =
        common::registry::start(&binary, &dir.join("registry"), Some(&users), None);
    common::registry::push(
        &python,
        &dir,
        port,
        &["0.1.0", "0.2.0", "1.0.0+build.7"],
        Some(("ci", "s3cret-registry")),
    );

    let cluster = Cluster::start(&dir, &[]);
    let server = format!("127.0.0.1:{port}");
    cluster.kubectl(&[
        "create",
        "secret",
        "docker-registry",
        "registry-auth",
        &format!("--docker-server={server}"),
        "--docker-username=ci",
        "--docker-password=s3cret-registry",
    ]);
    cluster.kubectl(&[
        "create",
        "secret",
        "docker-registry",
        "registry-wrong",
        &format!("--docker-server={server}"),
        "--docker-username=ci",
        "--docker-password=not-the-password",
    ]);
    let url = format!("oci://{server}/charts");
    cluster.repository(
        "registry",
        &format!(
            "  url: {url}\n  plainHTTP: true\n  auth:\n    secretRef: {{name: registry-auth}}\n"
        ),
    );
    cluster.repository(
        "registry-wrong",
        &format!(
            "  url: {url}\n  plainHTTP: true\n  auth:\n    secretRef: {{name: registry-wrong}}\n"
        ),
    );
    cluster.repository(
        "registry-anonymous",
        &format!("  url: {url}\n  plainHTTP: true\n"),
    );
    cluster.repository(
        "registry-no-secret",
        &format!("  url: {url}\n  plainHTTP: true\n  auth:\n    secretRef: {{name: nowhere}}\n"),
    );

    let ready = cluster.ready_with("registry", "Succeeded");
    assert_eq!(ready["message"], "synced: 1 charts, 3 versions");
    let status = cluster.get("hrepo/registry").unwrap()["status"].clone();
    assert_eq!(status["charts"][0]["name"], "app");
    let versions: Vec<&str> = status["charts"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0+build.7", "0.2.0", "0.1.0"]);
    assert!(
        status["indexDigest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    assert_eq!(
        cluster.ready_with("registry-wrong", "AuthenticationFailed")["status"],
        "False"
    );
    assert_eq!(
        cluster.ready_with("registry-anonymous", "AuthenticationFailed")["status"],
        "False"
    );
    let missing = cluster.ready_with("registry-no-secret", "ReferenceNotFound");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("default/nowhere"),
        "{missing}"
    );

    let metrics = cluster.metrics();
    assert!(
        metrics.contains(
            "helm_repository_sync_duration_seconds_bucket{status=\"success\",type=\"oci\""
        ),
        "{metrics}"
    );
    cluster.assert_nowhere(&["s3cret-registry", "not-the-password"]);
    cluster.stop();
}

#[test]
fn values_configmaps_follow_the_policy_and_go_with_the_repository() {
    let dir = common::scratch_dir("repository-controller-values");
    if common::require(TEST, "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(nginx) = common::require(TEST, "nginx", common::nginx::binary()) else {
        return;
    };
    let root = dir.join("www");
    serve_repositories(&python, &root);
    let (_web, port) = common::nginx::start(&nginx, &dir.join("nginx"), &root, None);
    let cluster = Cluster::start(&dir, &[]);
    let url = format!("http://127.0.0.1:{port}/plain/repo");
    let values_cms = || -> Vec<Value> {
        let out = cluster.kubectl(&[
            "get",
            "configmaps",
            "-l",
            "helm-operator.ketches.cn/component=chart-values",
            "-o",
            "json",
        ]);
        serde_json::from_str::<Value>(&out).unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    };

    // on-demand creates nothing by itself, only the values of a version a release resolves to
    cluster.repository(
        "charts",
        &format!("  url: {url}\n  valuesConfigMapPolicy: on-demand\n"),
    );
    cluster.ready_with("charts", "Succeeded");
    assert!(values_cms().is_empty());
    let release = |name: &str, version: &str| {
        cluster.apply(
            &format!("release-{name}.yaml"),
            &format!(
                "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  chart: {{name: app, version: '{version}', repository: {{name: charts}}}}\n"
            ),
        );
    };
    release("patch-track", "~1.1.0");
    // the release resolves ~1.1.0 to 1.1.0 and installs it
    let installed = eventually("patch-track to be installed", LIMIT, || {
        condition(&cluster.dir, &cluster.kubeconfig, "hr/patch-track", "Ready")
            .filter(|c| c["status"] == "True")
    });
    assert_eq!(installed["reason"], "InstallSucceeded", "{installed}");
    assert!(
        installed["message"]
            .as_str()
            .unwrap()
            .contains("revision 1 (app 1.1.0) is deployed"),
        "{installed}"
    );
    let cms = eventually("the on-demand values ConfigMap", LIMIT, || {
        Some(values_cms()).filter(|v| !v.is_empty())
    });
    let names: Vec<&str> = cms
        .iter()
        .map(|c| c["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["charts-app-1.1.0-values"]);
    release("too-new", "^3.0.0");
    let missing = eventually("too-new to fail", LIMIT, || {
        condition(&cluster.dir, &cluster.kubeconfig, "hr/too-new", "Ready")
            .filter(|c| c["reason"] == "ChartNotFound")
    });
    assert_eq!(
        missing["message"],
        "chart \"app\" in HelmRepository default/charts has no version matching \"^3.0.0\" (newest: 2.1.0-rc.1)"
    );
    assert!(condition(&cluster.dir, &cluster.kubeconfig, "hr/too-new", "Stalled").is_none());
    cluster.event_with("too-new", "ChartNotFound");
    cluster.kubectl(&["delete", "hr", "patch-track", "too-new"]);

    // lazy publishes the newest stable version's values.yaml, as packaged
    cluster.repository(
        "charts",
        &format!("  url: {url}\n  valuesConfigMapPolicy: lazy\n"),
    );
    let cms = eventually("the lazy values ConfigMap", LIMIT, || {
        Some(values_cms()).filter(|v| v.len() == 2)
    });
    let cm = cms
        .iter()
        .find(|c| c["metadata"]["name"] == "charts-app-2.0.0-values")
        .expect("the newest stable version's values");
    assert_eq!(cm["metadata"]["name"], "charts-app-2.0.0-values");
    let chart_values =
        common::read(&common::repo_root().join("tests/fixtures/template-charts/app/values.yaml"));
    assert_eq!(cm["data"]["values.yaml"], chart_values);
    let annotations = &cm["metadata"]["annotations"];
    assert_eq!(
        annotations["helm-operator.ketches.cn/chart-version"],
        "2.0.0"
    );
    assert_eq!(
        annotations["helm-operator.ketches.cn/chart-digest"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    let owner = &cm["metadata"]["ownerReferences"][0];
    assert_eq!(
        (owner["kind"].as_str(), owner["name"].as_str()),
        (Some("HelmRepository"), Some("charts"))
    );
    assert_eq!(
        cm["metadata"]["labels"]["helm-operator.ketches.cn/repository"],
        "charts"
    );

    // an archive that is not the one the index names is refused, and the event says so
    cluster.repository(
        "tampered",
        &format!("  url: http://127.0.0.1:{port}/plain/tampered\n  valuesConfigMapPolicy: lazy\n"),
    );
    let refused = cluster.event_with("tampered", "ValuesConfigMapFailed");
    assert_eq!(refused.0, "Warning");
    assert!(refused.2.contains("digest mismatch"), "{refused:?}");
    assert!(
        values_cms()
            .iter()
            .all(|c| c["metadata"]["labels"]["helm-operator.ketches.cn/repository"] != "tampered")
    );

    // disabled removes what lazy made
    cluster.repository(
        "charts",
        &format!("  url: {url}\n  valuesConfigMapPolicy: disabled\n"),
    );
    eventually("the values ConfigMap to go", LIMIT, || {
        values_cms().is_empty().then_some(())
    });

    // deleting the repository: the finalizer removes its ConfigMaps, then the object goes
    cluster.repository(
        "charts",
        &format!("  url: {url}\n  valuesConfigMapPolicy: lazy\n"),
    );
    eventually("the values ConfigMap again", LIMIT, || {
        (!values_cms().is_empty()).then_some(())
    });
    cluster.kubectl(&["delete", "hrepo", "charts", "--wait=false"]);
    eventually("the repository to be gone", LIMIT, || {
        cluster.get("hrepo/charts").is_none().then_some(())
    });
    assert!(values_cms().is_empty());
    let metrics = cluster.metrics();
    assert!(
        !metrics.contains("helm_repository_charts{namespace=\"default\",repository=\"charts\"}"),
        "the deleted repository's series stays:\n{metrics}"
    );
    cluster.stop();
}
