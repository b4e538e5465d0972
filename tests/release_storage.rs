//! Helm's release records (`helm_operator::cluster::storage`), proven with real Helm v4.2.3
//! (helm_python) against the API emulator: every record Helm writes decodes to what Helm
//! reports for it and encodes back to Helm's exact JSON, the history cap prunes what our
//! prediction says, and a record we write from scratch is one Helm lists, shows, upgrades,
//! rolls back and tests, after which Helm's rewrite of our record is byte for byte our own
//! encoding.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use helm_operator::cluster::storage::{
    self, APPLY_METHOD_SERVER_SIDE, ChartRecord, DESCRIPTION_INSTALLED, GoTime, HookRecord, Info,
    LabelStamp, Release, Status,
};
use helm_operator::engine::chart::install::{InstallOptions, render_install};
use helm_operator::engine::chart::load::LoadLimits;
use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::ReleaseInfo;
use helm_operator::engine::chart::values::prepare;
use k8s_openapi::api::core::v1::Secret;
use kube_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::{Map, Value, json};

/// The emulator, a kubeconfig for it and the tools, or `None` after saying what is missing.
struct Bed {
    _emulator: RunningEmulator,
    python: PathBuf,
    dir: PathBuf,
    kubeconfig: PathBuf,
}

impl Bed {
    fn start(test: &str) -> Option<Bed> {
        let python = common::require(test, "the venv with helm_python", common::helm_python())?;
        common::require(test, "kubectl", common::which("kubectl"))?;
        let dir = common::scratch_dir(test);
        let emulator = RunningEmulator::start(EmulatorConfig {
            readiness_delay: Duration::from_millis(100),
            ..EmulatorConfig::default()
        })
        .unwrap();
        let kubeconfig = dir.join("kubeconfig");
        emulator.write_kubeconfig(&kubeconfig).unwrap();
        Some(Bed {
            _emulator: emulator,
            python,
            dir,
            kubeconfig,
        })
    }

    /// Runs a helm_python script (`argv[1]` = kubeconfig, `argv[2]` = scratch dir, then
    /// `args`); its last output line is JSON.
    fn helm(&self, script: &str, args: &[&str]) -> Value {
        let output = Command::new(&self.python)
            .args(["-c", script])
            .arg(&self.kubeconfig)
            .arg(&self.dir)
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "script failed: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_str(stdout.lines().last().unwrap_or(""))
            .unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }

    fn kubectl(&self, args: &[&str], stdin: Option<&[u8]>) -> String {
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env("HOME", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.unwrap_or_default())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// The release's record Secrets, by revision.
    fn secrets(&self, release: &str) -> BTreeMap<i32, Secret> {
        let list: Value = serde_json::from_str(&self.kubectl(
            &[
                "get",
                "secrets",
                "-n",
                "default",
                "-l",
                &storage::label_selector(release),
                "-o",
                "json",
            ],
            None,
        ))
        .unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let secret: Secret = serde_json::from_value(item.clone()).unwrap();
                let revision = secret.metadata.labels.as_ref().unwrap()["version"]
                    .parse()
                    .unwrap();
                (revision, secret)
            })
            .collect()
    }
}

/// The JSON Helm wrote into a record Secret (its `data.release`, un-base64ed and gunzipped).
fn helm_json(secret: &Secret) -> Vec<u8> {
    let data = &secret.data.as_ref().unwrap()["release"].0;
    let gz = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut json)
        .unwrap();
    json
}

/// Decodes a Secret and checks the record encodes back to Helm's bytes and round-trips.
fn decode_exactly(secret: &Secret) -> Release {
    let release = storage::release_from_secret(secret).unwrap();
    let name = secret.metadata.name.as_deref().unwrap();
    assert_eq!(name, release.secret_name());
    assert_eq!(secret.type_.as_deref(), Some(storage::SECRET_TYPE));
    let ours = storage::release_json(&release).unwrap();
    let helm = helm_json(secret);
    assert!(
        ours == helm,
        "{name}: our encoding differs from Helm's\nours: {}\nhelm: {}",
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&helm)
    );
    let mut again =
        storage::decode_release(storage::encode_release(&release).unwrap().as_bytes()).unwrap();
    again.labels = release.labels.clone();
    assert_eq!(again, release, "{name}: encode then decode");
    release
}

fn system_free(labels: &Value) -> BTreeMap<String, String> {
    labels
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !storage::is_system_label(k))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn fixture() -> PathBuf {
    common::repo_root().join("tests/fixtures/template-charts/app")
}

fn load_fixture() -> helm_operator::engine::chart::Chart {
    helm_operator::source::local::load_dir(&fixture(), &LoadLimits::default()).unwrap()
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// The chart of a record with the modification times Helm took from the files cleared (the
/// engine's chart has none).
fn without_times(chart: &ChartRecord) -> ChartRecord {
    let mut chart = chart.clone();
    chart.modtime = GoTime::zero();
    chart.schemamodtime = GoTime::zero();
    for f in chart
        .templates
        .iter_mut()
        .flatten()
        .chain(chart.files.iter_mut().flatten())
    {
        f.modtime = GoTime::zero();
    }
    chart
}

fn chart_json(chart: &ChartRecord) -> String {
    let release = Release {
        chart: Some(chart.clone()),
        ..Release::default()
    };
    String::from_utf8(storage::release_json(&release).unwrap()).unwrap()
}

const LIFECYCLE: &str = r#"
import json, sys
import helm_python as h
from helm_python import Config
kubeconfig, workdir, chart = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = Config(kubeconfig_path=kubeconfig, namespace="default")
cfg.install(chart, "web", {"replicas": 3, "config": {"level": "debug"}, "note": "a<b>&c \u2028 1e21", "big": 1e21},
            wait="watcher", timeout=60, labels={"team": "x"})
cfg.upgrade(chart, "web", {"replicas": 4}, wait="watcher", timeout=60, description="second <try>")
cfg.rollback("web", version=1, wait="watcher", timeout=60)
out = {"history": cfg.history("web"), "revisions": {}}
for r in (1, 2, 3):
    full = cfg.get_all("web", revision=r)
    out["revisions"][str(r)] = {
        "values": cfg.get_values("web", revision=r),
        "manifest": cfg.status("web", revision=r)["manifest"],
        "hooks": full["hooks"], "info": full["info"], "config": full["config"],
        "metadata": cfg.get_metadata("web", revision=r),
    }
print(json.dumps(out))
"#;

const PRUNE_SETUP: &str = r#"
import json, sys
import helm_python as h
from helm_python import Config
kubeconfig, workdir = sys.argv[1], sys.argv[2]
with h.Chart.create("demo", workdir) as c:
    pass
chart = workdir + "/demo"
cfg = Config(kubeconfig_path=kubeconfig, namespace="default")
bad = {"podAnnotations": {"emulator.test/fail": "true"}}
def attempt(fn):
    try:
        fn()
    except Exception:
        pass
cfg.install(chart, "capped", {}, wait="watcher", timeout=60)
attempt(lambda: cfg.upgrade(chart, "capped", bad, wait="watcher", timeout=2))
cfg.upgrade(chart, "capped", {}, wait="watcher", timeout=60)
attempt(lambda: cfg.upgrade(chart, "capped", bad, wait="watcher", timeout=2))
print(json.dumps([(r["revision"], r["status"]) for r in cfg.history("capped")]))
"#;

const PRUNE_UPGRADE: &str = r#"
import json, sys
from helm_python import Config
kubeconfig, workdir = sys.argv[1], sys.argv[2]
cfg = Config(kubeconfig_path=kubeconfig, namespace="default")
cfg.upgrade(workdir + "/demo", "capped", {}, wait="watcher", timeout=60, max_history=2)
print(json.dumps([(r["revision"], r["status"]) for r in cfg.history("capped")]))
"#;

#[test]
fn records_helm_writes_decode_to_what_helm_reports_and_encode_back_exactly() {
    let Some(bed) = Bed::start("release-storage-helm-records") else {
        return;
    };
    let chart_dir = fixture();
    let r = bed.helm(LIFECYCLE, &[chart_dir.to_str().unwrap()]);
    let secrets = bed.secrets("web");
    assert_eq!(secrets.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    let releases: BTreeMap<i32, Release> = secrets
        .iter()
        .map(|(rev, s)| (*rev, decode_exactly(s)))
        .collect();

    let history = r["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    for entry in history {
        let rev = i32::try_from(entry["revision"].as_i64().unwrap()).unwrap();
        let ours = &releases[&rev];
        let reported = &r["revisions"][rev.to_string()];
        assert_eq!(ours.name, "web");
        assert_eq!(ours.namespace, "default");
        assert_eq!(ours.version, rev);
        assert_eq!(ours.info.status.as_str(), entry["status"], "revision {rev}");
        assert_eq!(ours.info.notes, entry["notes"].as_str().unwrap());
        let chart = ours.chart.as_ref().unwrap();
        assert_eq!(chart.name(), entry["chart_name"]);
        assert_eq!(chart.version(), entry["chart_version"]);
        assert_eq!(chart.app_version(), entry["app_version"]);
        let deployed_at = GoTime::parse(entry["deployed_at"].as_str().unwrap()).unwrap();
        assert_eq!(
            ours.info.last_deployed.timestamp().as_second(),
            deployed_at.timestamp().as_second()
        );
        assert_eq!(ours.labels, system_free(&entry["labels"]));
        assert_eq!(Value::Object(ours.config.clone()), reported["values"]);
        assert_eq!(Value::Object(ours.config.clone()), reported["config"]);
        assert_eq!(ours.manifest, reported["manifest"].as_str().unwrap());
        assert_eq!(
            serde_json::to_value(&ours.hooks).unwrap(),
            reported["hooks"]
        );
        assert_eq!(serde_json::to_value(&ours.info).unwrap(), reported["info"]);
        assert_eq!(ours.apply_method, reported["metadata"]["applyMethod"]);
        let deps = serde_json::to_value(&chart.metadata.as_ref().unwrap().dependencies).unwrap();
        assert_eq!(deps, reported["metadata"]["dependencies"]);
    }
    assert_eq!(releases[&1].info.status, Status::Superseded);
    assert_eq!(releases[&2].info.description, "second <try>");
    assert_eq!(
        releases[&3].info.description,
        storage::rollback_description(1)
    );
    assert_eq!(
        storage::latest(&releases.values().cloned().collect::<Vec<_>>())
            .unwrap()
            .version,
        3
    );
    assert_eq!(
        storage::deployed(&releases.values().cloned().collect::<Vec<_>>())
            .unwrap()
            .version,
        3
    );
    // Helm writes float64 values as Go does
    assert!(
        String::from_utf8(helm_json(&secrets[&1]))
            .unwrap()
            .contains(r#""big":1e+21,"config":{"level":"debug"},"note":"a\u003cb\u003e\u0026c \u2028 1e21""#)
    );

    // The chart Helm stored is the engine's processed chart, apart from file times.
    let loaded = load_fixture();
    for (rev, release) in &releases {
        let user = if *rev == 2 {
            object(json!({"replicas": 4}))
        } else {
            release.config.clone()
        };
        let (processed, _) = prepare(&loaded, &user).unwrap();
        let ours = ChartRecord::from_chart(&processed);
        assert_eq!(ours.templates.as_ref().map(Vec::len), Some(6));
        assert_eq!(
            chart_json(&ours),
            chart_json(&without_times(release.chart.as_ref().unwrap())),
            "revision {rev}"
        );
    }
}

#[test]
fn the_history_cap_prunes_the_revisions_we_predict() {
    let Some(bed) = Bed::start("release-storage-prune") else {
        return;
    };
    let before = bed.helm(PRUNE_SETUP, &[]);
    assert_eq!(
        before,
        json!([
            [1, "superseded"],
            [2, "failed"],
            [3, "deployed"],
            [4, "failed"]
        ])
    );
    let history: Vec<Release> = bed.secrets("capped").values().map(decode_exactly).collect();
    let prune = storage::revisions_to_prune(&history, 2);
    assert_eq!(prune, [1, 2, 4], "the last deployed revision is kept");
    let after = bed.helm(PRUNE_UPGRADE, &[]);
    let left: BTreeSet<i32> = bed.secrets("capped").keys().copied().collect();
    let expected: BTreeSet<i32> = history
        .iter()
        .map(|r| r.version)
        .filter(|v| !prune.contains(v))
        .chain([5])
        .collect();
    assert_eq!(left, expected, "Helm's history after: {after}");
}

const TAKE_OVER: &str = r#"
import json, sys
from helm_python import Config
kubeconfig, workdir, chart = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = Config(kubeconfig_path=kubeconfig, namespace="default")
out = {}
def step(name, fn):
    try:
        out[name] = {"ok": True, "value": fn()}
    except Exception as e:
        out[name] = {"ok": False, "error": type(e).__name__ + ": " + str(e)}
step("list", lambda: [(r["name"], r["status"], r["chart_name"], r["chart_version"], r["app_version"], r["revision"]) for r in cfg.list()])
step("history", lambda: [(r["revision"], r["status"]) for r in cfg.history("ours")])
step("values", lambda: cfg.get_values("ours"))
step("all_values", lambda: cfg.get_values("ours", all_values=True))
step("status", lambda: cfg.status("ours"))
step("get_all", lambda: cfg.get_all("ours"))
step("upgrade", lambda: cfg.upgrade(chart, "ours", {"replicas": 6}, wait="watcher", timeout=60)["revision"])
step("rollback", lambda: cfg.rollback("ours", version=1, wait="watcher", timeout=60))
step("history_after", lambda: [(r["revision"], r["status"]) for r in cfg.history("ours")])
step("values_after", lambda: cfg.get_values("ours"))
step("test", lambda: cfg.test("ours", timeout=60)["release"]["status"])
print(json.dumps(out))
"#;

#[test]
fn helm_takes_over_a_record_we_wrote() {
    let Some(bed) = Bed::start("release-storage-ours") else {
        return;
    };
    let loaded = load_fixture();
    let user = object(json!({"replicas": 5, "note": "ours <&>", "ratio": 0.25}));
    let release_info = ReleaseInfo {
        name: "ours".into(),
        namespace: "default".into(),
        revision: 1,
        is_install: true,
    };
    let caps = Capabilities::for_kube_version("v1.32.0").unwrap();
    let installed = render_install(
        &loaded,
        &user,
        InstallOptions::offline(&release_info, &caps),
    )
    .unwrap();
    let (processed, _) = prepare(&loaded, &user).unwrap();
    let now = jiff::Timestamp::now();
    let release = Release {
        name: "ours".into(),
        namespace: "default".into(),
        version: 1,
        info: Info {
            first_deployed: GoTime::utc(now),
            last_deployed: GoTime::utc(now),
            status: Status::Deployed,
            description: DESCRIPTION_INSTALLED.into(),
            notes: installed.rendered.notes.clone(),
            ..Info::default()
        },
        chart: Some(ChartRecord::from_chart(&processed)),
        config: user.clone(),
        manifest: installed.rendered.release_manifest(false),
        hooks: installed
            .rendered
            .hooks
            .iter()
            .map(HookRecord::from_hook)
            .collect(),
        apply_method: APPLY_METHOD_SERVER_SIDE.into(),
        labels: BTreeMap::from([("team".to_owned(), "ours".to_owned())]),
        ..Release::default()
    };
    let secret = storage::release_secret(&release, LabelStamp::Created(now.as_second())).unwrap();
    bed.kubectl(
        &["create", "-f", "-"],
        Some(serde_json::to_string(&secret).unwrap().as_bytes()),
    );

    let r = bed.helm(TAKE_OVER, &[fixture().to_str().unwrap()]);
    let ok = |step: &str| -> &Value {
        assert_eq!(r[step]["ok"], true, "{step}: {}", r[step]);
        &r[step]["value"]
    };
    assert_eq!(
        ok("list"),
        &json!([["ours", "deployed", "app", "1.2.3", "4.5", 1]])
    );
    assert_eq!(ok("history"), &json!([[1, "deployed"]]));
    assert_eq!(ok("values"), &Value::Object(user.clone()));
    assert_eq!(
        ok("all_values")["sub"],
        json!({"enabled": true, "global": {"env": "dev"}, "port": 80})
    );
    assert_eq!(ok("status")["manifest"], release.manifest.as_str());
    assert_eq!(ok("status")["notes"], release.info.notes.as_str());
    assert_eq!(
        ok("status")["labels"]["team"],
        "ours",
        "{}",
        ok("status")["labels"]
    );
    assert_eq!(
        ok("get_all")["hooks"],
        serde_json::to_value(&release.hooks).unwrap()
    );
    assert_eq!(ok("upgrade"), 2);
    ok("rollback");
    assert_eq!(
        ok("history_after"),
        &json!([[1, "superseded"], [2, "superseded"], [3, "deployed"]])
    );
    assert_eq!(ok("values_after"), &Value::Object(user.clone()));
    assert_eq!(ok("test"), "deployed");

    // Helm's rewrite of our record (marked superseded by the upgrade) is our own encoding.
    let secrets = bed.secrets("ours");
    let rewritten = decode_exactly(&secrets[&1]);
    let mut expected = release.clone();
    expected.info.status = Status::Superseded;
    assert_eq!(
        String::from_utf8(storage::release_json(&expected).unwrap()).unwrap(),
        String::from_utf8(helm_json(&secrets[&1])).unwrap()
    );
    assert_eq!(rewritten.labels, release.labels);
    // Helm's own revisions decode and keep our chart, values and labels.
    let upgraded = decode_exactly(&secrets[&2]);
    assert_eq!(upgraded.config, object(json!({"replicas": 6})));
    assert_eq!(upgraded.info.description, storage::DESCRIPTION_UPGRADED);
    let rolled_back = decode_exactly(&secrets[&3]);
    assert_eq!(rolled_back.info.status, Status::Deployed);
    assert_eq!(
        rolled_back.info.description,
        storage::rollback_description(1)
    );
    assert_eq!(rolled_back.config, user);
    assert_eq!(rolled_back.manifest, release.manifest);
    assert_eq!(rolled_back.labels, release.labels);
    assert_eq!(
        chart_json(rolled_back.chart.as_ref().unwrap()),
        chart_json(release.chart.as_ref().unwrap())
    );
    let labels = secrets[&3].metadata.labels.as_ref().unwrap();
    assert_eq!(labels["status"], "deployed");
    assert_eq!(labels["team"], "ours");
}
