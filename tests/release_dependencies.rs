//! `dependsOn` and the wakes behind it, end to end: the operator binary against the API
//! emulator and a chart repository served by real nginx. A release waits (Ready=False,
//! DependencyNotReady) until the releases it depends on are Ready, and is installed after them
//! without polling (its interval is an hour); a cycle is Stalled; a new chart version published
//! in the repository reaches a release whose constraint matches it as soon as the repository
//! has synced, not at the release's interval.

mod common;

use std::path::Path;
use std::time::Duration;

use common::eventually;
use common::operator::{apply, condition, kubectl, start_cluster, stop_operator};
use serde_json::Value;

const TEST: &str = "release dependencies";
const LIMIT: Duration = Duration::from_secs(90);

fn release(name: &str, depends_on: &str, extra: &str) -> String {
    format!(
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  interval: 1h\n  chart: {{name: app, version: '>=1.0.0', repository: {{name: charts}}}}\n  install: {{wait: true}}\n  dependsOn: {depends_on}\n{extra}"
    )
}

fn ready(dir: &Path, kc: &Path, hr: &str) -> Value {
    eventually(&format!("{hr} Ready"), LIMIT, || {
        condition(dir, kc, hr, "Ready").filter(|c| c["status"] == "True")
    })
}

fn first_deployed(dir: &Path, kc: &Path, hr: &str) -> String {
    let (ok, out) = kubectl(
        dir,
        kc,
        &[
            "get",
            hr,
            "-o",
            "jsonpath={.status.helmRelease.firstDeployed}",
        ],
    );
    assert!(ok, "{out}");
    out.trim().to_owned()
}

#[test]
fn dependents_wait_for_their_dependencies_and_cycles_stall() {
    let dir = common::scratch_dir("release-dependencies");
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
    std::fs::create_dir_all(root.join("repo")).unwrap();
    common::nginx::helm_repository(&python, &root.join("repo"), &["1.0.0"]);
    let (_web, port) = common::nginx::start(&nginx, &dir.join("nginx"), &root, None);
    let (_emulator, kubeconfig, op) = start_cluster(&dir, &[]);
    let kc = kubeconfig.as_path();

    // the dependents first, their dependency last: nothing can install before the repository
    // exists either
    apply(
        &dir,
        kc,
        "app.yaml",
        &release("frontend", "[{name: backend}]", ""),
    );
    apply(
        &dir,
        kc,
        "backend.yaml",
        &release("backend", "[{name: database}]", ""),
    );
    let waiting = eventually("frontend to wait for backend", LIMIT, || {
        condition(&dir, kc, "hr/frontend", "Ready").filter(|c| c["reason"] == "DependencyNotReady")
    });
    assert!(
        waiting["message"]
            .as_str()
            .unwrap()
            .contains("dependency default/backend is not ready"),
        "{waiting}"
    );
    let missing = eventually("backend to wait for database", LIMIT, || {
        condition(&dir, kc, "hr/backend", "Ready").filter(|c| c["reason"] == "DependencyNotReady")
    });
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("dependency default/database does not exist"),
        "{missing}"
    );
    apply(
        &dir,
        kc,
        "repo.yaml",
        &format!(
            "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {{name: charts, namespace: default}}\nspec:\n  url: http://127.0.0.1:{port}/plain/repo\n  interval: 2s\n"
        ),
    );
    apply(&dir, kc, "database.yaml", &release("database", "[]", ""));

    // each is installed once the one it depends on is Ready, woken by that status change (the
    // interval is an hour, so nothing else would wake them)
    ready(&dir, kc, "hr/database");
    ready(&dir, kc, "hr/backend");
    ready(&dir, kc, "hr/frontend");
    let (database, backend, frontend) = (
        first_deployed(&dir, kc, "hr/database"),
        first_deployed(&dir, kc, "hr/backend"),
        first_deployed(&dir, kc, "hr/frontend"),
    );
    assert!(
        database <= backend && backend <= frontend,
        "installed out of order: database {database}, backend {backend}, frontend {frontend}"
    );
    // a dependency's Ready comes with its own install waited for (install.wait): the dependent
    // started after the dependency's objects were ready
    let (ok, json) = kubectl(&dir, kc, &["get", "hr", "backend", "-o", "json"]);
    assert!(ok, "{json}");

    // a cycle: a -> b -> a
    apply(
        &dir,
        kc,
        "a.yaml",
        &release("cycle-a", "[{name: cycle-b}]", ""),
    );
    apply(
        &dir,
        kc,
        "b.yaml",
        &release("cycle-b", "[{name: cycle-a}]", ""),
    );
    let stalled = eventually("cycle-a Stalled", LIMIT, || {
        condition(&dir, kc, "hr/cycle-a", "Stalled").filter(|c| c["status"] == "True")
    });
    assert_eq!(stalled["reason"], "DependencyCycle", "{stalled}");
    assert!(
        stalled["message"]
            .as_str()
            .unwrap()
            .contains("default/cycle-a -> default/cycle-b -> default/cycle-a"),
        "{stalled}"
    );
    let (exists, _) = kubectl(&dir, kc, &["get", "deployment", "cycle-a-app"]);
    assert!(!exists, "a release in a dependency cycle was installed");

    // a new matching version in the repository reaches the releases at the repository's next
    // sync (2 s), although their own interval is an hour
    common::nginx::helm_repository(&python, &root.join("repo"), &["1.0.0", "1.1.0"]);
    eventually("database to be upgraded to 1.1.0", LIMIT, || {
        let (_, version) = kubectl(
            &dir,
            kc,
            &[
                "get",
                "hr",
                "database",
                "-o",
                "jsonpath={.status.helmRelease.chartVersion}",
            ],
        );
        (version.trim() == "1.1.0").then_some(())
    });
    stop_operator(op);
}
