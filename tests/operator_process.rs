//! The `helm-operator` binary as a process, reached only over HTTP: health, readiness, metrics,
//! configuration errors, SIGTERM, and the reconcilers' status conditions against an API server
//! driven by real kubectl. Real Prometheus scrapes `/metrics`.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{Process, eventually, free_port, http_get};
use helm_operator::telemetry::catalog;
use kube_emulator::{EmulatorConfig, RunningEmulator};

fn promtool() -> Option<PathBuf> {
    common::require(
        "promtool",
        "promtool (Debian package prometheus)",
        common::which("promtool"),
    )
}

#[test]
fn without_a_reachable_api_the_operator_is_alive_not_ready_and_stops_on_sigterm() {
    let dir = common::scratch_dir("no-api");
    let kubeconfig = common::write_kubeconfig(&dir, free_port());
    let op = common::operator::start_operator(&dir, &kubeconfig, &[]);

    let (code, body) = http_get(op.health, "/readyz").unwrap();
    assert_eq!(code, 503, "{body}");
    assert!(
        body.contains("[-]kube-api not ready") && body.contains("[-]cache:HelmRelease:* not ready"),
        "{body}"
    );
    assert_eq!(
        http_get(op.health, "/metrics").map(|r| r.0),
        Some(404),
        "metrics live on their own address"
    );

    // transparent huge pages are off for the process (they about double mimalloc's resident size)
    let status = std::fs::read_to_string(format!("/proc/{}/status", op.process.pid())).unwrap();
    let thp = status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(str::trim);
    if thp.is_some() {
        assert_eq!(
            thp,
            Some("0"),
            "THP_enabled of the operator process:\n{status}"
        );
    } else {
        eprintln!(
            "operator process: this kernel shows no THP_enabled in /proc/PID/status; not checked"
        );
    }

    let (code, metrics) = http_get(op.metrics, "/metrics").unwrap();
    assert_eq!(code, 200);
    for name in catalog::SEED_METRICS.iter().chain([&catalog::BUILD_INFO]) {
        assert!(
            metrics.contains(&format!("# TYPE {name} ")),
            "{name} missing from /metrics:\n{metrics}"
        );
    }
    assert!(
        metrics.contains("helm_operator_build_info{git_commit="),
        "{metrics}"
    );
    if let Some(promtool) = promtool() {
        let mut child = Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(metrics.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // promtool exits non-zero for lint findings too; only parse errors matter here.
        assert!(
            !report.contains("error while linting")
                && !report.contains("text format parsing error"),
            "{report}"
        );
    }
    common::operator::stop_operator(op);
}

#[test]
fn bad_configuration_exits_2_with_one_line_naming_the_setting() {
    let dir = common::scratch_dir("bad-config");
    let config = dir.join("config.yaml");
    std::fs::write(&config, "workers:\n  release: 8\n  fetsh: 2\n").unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_helm-operator"));
        cmd.arg("run").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--config", config.to_str().unwrap()], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("unknown key \"workers.fetsh\"")
            && err.contains("did you mean \"workers.fetch\""),
        "{err}"
    );

    let (code, err) = run(&[], &[("HELM_OPERATOR_CACHE_TTL", "forever")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("HELM_OPERATOR_CACHE_TTL") && err.contains("forever"),
        "{err}"
    );

    let (code, err) = run(&["--metrics-address", "localhost"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--metrics-address"), "{err}");
}

#[test]
fn version_and_crds_commands_print_without_a_cluster() {
    let out = Command::new(env!("CARGO_BIN_EXE_helm-operator"))
        .arg("version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "helm-operator {} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_helm-operator"))
        .arg("crds")
        .output()
        .unwrap();
    assert!(out.status.success());
    let docs = common::yaml_documents(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(|d| d["kind"] == "CustomResourceDefinition"));
}

#[test]
fn reconcilers_report_spec_problems_in_status_conditions_and_clear_them_when_fixed() {
    let dir = common::scratch_dir("emulator-e2e");
    if common::require("operator e2e", "kubectl", common::which("kubectl")).is_none() {
        return;
    }
    let emulator = RunningEmulator::start(EmulatorConfig::default()).expect("emulator starts");
    let kubeconfig = dir.join("kubeconfig");
    emulator.write_kubeconfig(&kubeconfig).unwrap();
    let crds = common::repo_root().join("crds");
    let (ok, out) = common::operator::kubectl(
        &dir,
        &kubeconfig,
        &["apply", "--server-side", "-f", crds.to_str().unwrap()],
    );
    assert!(ok, "{out}");

    let op = common::operator::start_operator(&dir, &kubeconfig, &[]);
    eventually("/readyz to pass", Duration::from_secs(60), || {
        http_get(op.health, "/readyz").filter(|(c, _)| *c == 200)
    });

    common::operator::apply(
        &dir,
        &kubeconfig,
        "bad-release.yaml",
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {name: bad, namespace: default}\nspec:\n  chart: {name: app, version: '>>1.0', repository: {name: r}}\n",
    );
    common::operator::apply(
        &dir,
        &kubeconfig,
        "no-source.yaml",
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {name: no-source, namespace: default}\nspec:\n  chart: {name: app}\n  values: |\n    password: hunter2\n",
    );
    common::operator::apply(
        &dir,
        &kubeconfig,
        "bad-repo.yaml",
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {name: bad-repo, namespace: default}\nspec:\n  url: https://charts.example.com\n  plainHTTP: true\n",
    );
    let http_release = common::repo_root().join("examples/http-release.yaml");
    let (ok, out) = common::operator::kubectl(
        &dir,
        &kubeconfig,
        &["apply", "-f", http_release.to_str().unwrap()],
    );
    assert!(ok, "{out}");

    let limit = Duration::from_secs(60);
    let stalled = eventually("bad to be Stalled", limit, || {
        common::operator::condition(&dir, &kubeconfig, "hr/bad", "Stalled")
    });
    assert_eq!(stalled["status"], "True");
    assert_eq!(stalled["reason"], "InvalidVersionConstraint");
    assert!(
        stalled["message"].as_str().unwrap().contains(">>1.0"),
        "{stalled}"
    );
    let ready = common::operator::condition(&dir, &kubeconfig, "hr/bad", "Ready").unwrap();
    assert_eq!(
        (ready["status"].as_str(), ready["reason"].as_str()),
        (Some("False"), Some("InvalidVersionConstraint"))
    );

    let no_source = eventually("no-source to be Stalled", limit, || {
        common::operator::condition(&dir, &kubeconfig, "hr/no-source", "Stalled")
    });
    assert_eq!(no_source["reason"], "InvalidChartSource");
    let (_, json) = common::operator::kubectl(
        &dir,
        &kubeconfig,
        &["get", "hr/no-source", "-o", "jsonpath={.status}"],
    );
    assert!(
        !json.contains("hunter2"),
        "a value leaked into status: {json}"
    );

    let repo = eventually("bad-repo to be Stalled", limit, || {
        common::operator::condition(&dir, &kubeconfig, "hrepo/bad-repo", "Stalled")
    });
    assert_eq!(repo["reason"], "InvalidSpec");
    assert!(
        repo["message"].as_str().unwrap().contains("spec.plainHTTP"),
        "{repo}"
    );
    // what the CRD schema can check, the API server refuses at admission
    let path = dir.join("bad-interval.yaml");
    std::fs::write(&path, "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {name: bad-interval, namespace: default}\nspec:\n  url: https://charts.example.com\n  interval: 1d\n").unwrap();
    let (ok, out) =
        common::operator::kubectl(&dir, &kubeconfig, &["apply", "-f", path.to_str().unwrap()]);
    assert!(
        !ok && out.contains("spec.interval") && out.contains("should match"),
        "{out}"
    );

    let valid = eventually("nginx to be reconciled", limit, || {
        common::operator::condition(&dir, &kubeconfig, "hr/nginx", "Ready")
    });
    // a valid spec whose HelmRepository does not exist: not Ready, not Stalled (it may appear)
    assert_eq!(
        (
            valid["status"].as_str(),
            valid["reason"].as_str(),
            valid["message"].as_str()
        ),
        (
            Some("False"),
            Some("ReferenceNotFound"),
            Some("HelmRepository default/bitnami (spec.chart.repository) not found")
        )
    );
    assert!(common::operator::condition(&dir, &kubeconfig, "hr/nginx", "Stalled").is_none());

    // fixing the constraint clears Stalled; Ready then says what is missing
    common::operator::apply(
        &dir,
        &kubeconfig,
        "bad-release.yaml",
        "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {name: bad, namespace: default}\nspec:\n  chart: {name: app, version: '>=1.0', repository: {name: r}}\n",
    );
    eventually("bad to recover", limit, || {
        let ready = common::operator::condition(&dir, &kubeconfig, "hr/bad", "Ready")?;
        (ready["reason"] == "ReferenceNotFound"
            && common::operator::condition(&dir, &kubeconfig, "hr/bad", "Stalled").is_none())
        .then_some(())
    });

    let (_, metrics) = http_get(op.metrics, "/metrics").unwrap();
    assert!(
        metrics.contains(
            "helm_operator_reconcile_total{controller=\"HelmRelease\",result=\"success\"}"
        ),
        "{metrics}"
    );
    assert!(
        !metrics.contains(
            "helm_operator_reconcile_total{controller=\"HelmRelease\",result=\"success\"} 0"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("helm_operator_reconcile_duration_seconds_count{controller=\"HelmRepository\",result=\"success\"}"), "{metrics}");
    for verb in ["get", "watch", "patch"] {
        let series =
            format!("helm_operator_kube_requests_total{{result=\"success\",verb=\"{verb}\"}}");
        assert!(metrics.contains(&series), "{series} missing:\n{metrics}");
    }
    common::operator::stop_operator(op);

    // the events the operator published, read back through the events API
    let (ok, json) = common::operator::kubectl(
        &dir,
        &kubeconfig,
        &["get", "events.events.k8s.io", "-o", "json"],
    );
    assert!(ok, "{json}");
    let events: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(&json).unwrap()
        ["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let warning = events
        .iter()
        .find(|e| e["reason"] == "InvalidVersionConstraint")
        .expect("a Warning event for the bad constraint");
    assert_eq!(
        (
            warning["type"].as_str(),
            warning["regarding"]["name"].as_str()
        ),
        (Some("Warning"), Some("bad"))
    );
    assert!(
        warning["note"].as_str().unwrap().contains(">>1.0"),
        "{warning}"
    );
    assert_eq!(warning["reportingController"], "helm-operator");
    // both Event APIs see it: `kubectl describe` reads core events
    let (ok, described) = common::operator::kubectl(&dir, &kubeconfig, &["describe", "hr", "bad"]);
    assert!(
        ok && described.contains("InvalidVersionConstraint") && described.contains("helm-operator"),
        "{described}"
    );
    assert!(events.iter().any(|e| e["reason"] == "SpecValid"
        && e["type"] == "Normal"
        && e["regarding"]["name"] == "nginx"));
    assert!(
        events.iter().all(|e| !e.to_string().contains("hunter2")),
        "a value leaked into an event"
    );
}

#[test]
fn real_prometheus_scrapes_every_seed_metric_name() {
    let Some(prometheus) = common::require(
        "prometheus scrape",
        "prometheus (Debian package)",
        common::which("prometheus"),
    ) else {
        return;
    };
    let dir = common::scratch_dir("prometheus");
    let kubeconfig = common::write_kubeconfig(&dir, free_port());
    let op = common::operator::start_operator(&dir, &kubeconfig, &[]);
    let prom_port = free_port();
    std::fs::write(
        dir.join("prometheus.yml"),
        format!("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: helm-operator\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n", op.metrics),
    )
    .unwrap();
    let mut cmd = Command::new(prometheus);
    cmd.arg(format!(
        "--config.file={}",
        dir.join("prometheus.yml").display()
    ))
    .arg(format!(
        "--storage.tsdb.path={}",
        dir.join("data").display()
    ))
    .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"));
    let _prom = Process::start("prometheus", cmd, &dir.join("prometheus.log"));
    // Prometheus needs a few seconds before its first scrape lands: poll, do not sleep.
    let body = eventually(
        "Prometheus to scrape build_info",
        Duration::from_secs(90),
        || {
            http_get(prom_port, "/api/v1/query?query=helm_operator_build_info")
                .filter(|(c, b)| *c == 200 && b.contains("\"git_commit\""))
        },
    )
    .1;
    assert!(
        body.contains(&format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION"))),
        "{body}"
    );
    let metadata = eventually("Prometheus metadata", Duration::from_secs(30), || {
        http_get(prom_port, "/api/v1/metadata")
            .filter(|(c, b)| *c == 200 && b.contains("helm_release_info"))
    })
    .1;
    for name in catalog::SEED_METRICS.iter().chain([&catalog::BUILD_INFO]) {
        assert!(
            metadata.contains(&format!("\"{name}\"")),
            "Prometheus does not know {name}: {metadata}"
        );
    }
    common::operator::stop_operator(op);
}
