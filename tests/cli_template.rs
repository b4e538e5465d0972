//! `helm-operator template` against real Helm v4.2.3 (`helm_python`, `tests/oracle/template.py`):
//! the same chart, values files, `--set` family, release name and namespace give the same render
//! map (`--output json`), the same manifests as a client-only install (the default output, which
//! is what `helm template` prints), and Helm's error message on stderr with a non-zero exit.
//!
//! Charts are `tests/fixtures/template-charts`, as directories and as archives packaged by real
//! Helm. The corpus charts (when `../shared` is present) are rendered through the CLI with their
//! alternative values files.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

const TEST: &str = "template_command_agrees_with_helm";
const DEBUG_HINT: &str = "\n\nUse --debug flag to render out invalid YAML";

fn fixtures() -> PathBuf {
    common::repo_root().join("tests/fixtures/template-charts")
}

/// One invocation: flags for our command and the same inputs for the oracle.
#[derive(Clone, Default)]
struct Case {
    chart: PathBuf,
    name: Option<&'static str>,
    namespace: Option<&'static str>,
    files: Vec<PathBuf>,
    set: Vec<&'static str>,
    set_string: Vec<&'static str>,
    set_json: Vec<&'static str>,
    set_file: Vec<String>,
    set_literal: Vec<&'static str>,
}

impl Case {
    fn chart(chart: PathBuf) -> Self {
        Case {
            chart,
            ..Case::default()
        }
    }

    fn args(&self) -> Vec<String> {
        let mut a = vec!["template".to_owned(), self.chart.display().to_string()];
        let mut flag = |f: &str, v: String| {
            a.push(f.to_owned());
            a.push(v);
        };
        // The flags are given out of Helm's order on purpose: the order of application is
        // Helm's whatever the order on the command line.
        for s in &self.set_literal {
            flag("--set-literal", (*s).to_owned());
        }
        for s in &self.set {
            flag("--set", (*s).to_owned());
        }
        for f in &self.files {
            flag("-f", f.display().to_string());
        }
        for s in &self.set_file {
            flag("--set-file", s.clone());
        }
        for s in &self.set_string {
            flag("--set-string", (*s).to_owned());
        }
        for s in &self.set_json {
            flag("--set-json", (*s).to_owned());
        }
        if let Some(n) = self.name {
            flag("--name", n.to_owned());
        }
        if let Some(n) = self.namespace {
            flag("-n", n.to_owned());
        }
        a
    }

    fn oracle_input(&self, mode: &str) -> Value {
        json!({
            "mode": mode,
            "chart": self.chart,
            "name": self.name.unwrap_or("release-name"),
            "namespace": self.namespace.unwrap_or("default"),
            "files": self.files,
            "set": self.set,
            "set_string": self.set_string,
            "set_json": self.set_json,
            "set_file": self.set_file,
            "set_literal": self.set_literal,
        })
    }
}

/// Our command's stdout (exit 0) or stderr (otherwise).
fn ours(args: &[String]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_helm-operator"))
        .args(args)
        .output()
        .expect("run helm-operator");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 stderr");
    if out.status.success() {
        assert!(
            stderr.is_empty(),
            "a success writes nothing on stderr: {stderr}"
        );
        Ok(stdout)
    } else {
        assert_eq!(out.status.code(), Some(1), "exit code of {args:?}");
        assert!(
            stdout.is_empty(),
            "a failure prints nothing on stdout: {stdout}"
        );
        Err(stderr)
    }
}

/// Real Helm's answers, one per input, from one Python process.
fn oracle(python: &Path, inputs: &[Value]) -> Vec<Result<Value, String>> {
    common::oracle::run_oracle(python, "template.py", inputs)
        .into_iter()
        .map(|v| match v.get("error") {
            Some(e) => Err(e.as_str().unwrap().to_owned()),
            None => Ok(v["ok"].clone()),
        })
        .collect()
}

/// Packages a fixture chart with real Helm into `dir`, returning the archive.
fn package(python: &Path, chart: &Path, dir: &Path) -> PathBuf {
    let out = Command::new(python)
        .args([
            "-c",
            "import sys, helm_python as h; print(h.package(sys.argv[1], destination=sys.argv[2]))",
        ])
        .arg(chart)
        .arg(dir)
        .output()
        .expect("run helm package");
    assert!(
        out.status.success(),
        "helm package {}: {}",
        chart.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let path = PathBuf::from(printed.trim());
    assert!(path.is_file(), "helm package wrote {}", path.display());
    path
}

fn success_cases(python: &Path, scratch: &Path) -> Vec<Case> {
    let app = fixtures().join("app");
    let archive = package(python, &app, scratch);
    let full = Case {
        chart: app.clone(),
        name: Some("web"),
        namespace: Some("prod"),
        files: vec![
            fixtures().join("values-a.yaml"),
            fixtures().join("values-b.yaml"),
        ],
        set: vec!["replicas=4", "image.repository=registry.local/nginx"],
        set_string: vec!["image.tag=1.27", "note=true"],
        set_json: vec![r#"config.extra={"a":[1,2,{"b":null}]}"#],
        set_file: vec![format!("script={}", fixtures().join("script.sh").display())],
        set_literal: vec!["global.env=a,b={c}"],
    };
    vec![
        Case::chart(app.clone()),
        Case::chart(archive.clone()),
        full.clone(),
        Case {
            chart: archive,
            ..full
        },
        Case {
            set: vec!["sub.enabled=false", "config=null"],
            ..Case::chart(app.clone())
        },
        Case {
            set_json: vec![r#"{"image":{"tag":"json-object"},"replicas":7}"#],
            ..Case::chart(app)
        },
    ]
}

/// Helm's message for a failing case, and whether `helm template` adds its `--debug` hint (it
/// does for failures inside its render step: the kubeVersion check, templates, manifest heads).
fn failure_cases() -> Vec<(Case, bool)> {
    let f = fixtures();
    vec![
        (Case::chart(f.join("kube")), true),
        (Case::chart(f.join("failing")), true),
        (Case::chart(f.join("syntax")), true),
        (Case::chart(f.join("badhead")), true),
        (
            Case {
                set: vec!["replicas=0"],
                ..Case::chart(f.join("app"))
            },
            false,
        ),
        (
            Case {
                set_json: vec![r#"image={"tag":"x"}"#],
                set: vec!["image.repository=null"],
                ..Case::chart(f.join("app"))
            },
            false,
        ),
        (
            Case {
                name: Some("Not_A_Name"),
                ..Case::chart(f.join("app"))
            },
            false,
        ),
    ]
}

#[test]
fn template_command_agrees_with_helm() {
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let scratch = common::scratch_dir("cli-template");
    let cases = success_cases(&python, &scratch);
    let mut inputs = Vec::new();
    for c in &cases {
        inputs.push(c.oracle_input("render"));
        inputs.push(c.oracle_input("install"));
    }
    let failures = failure_cases();
    for (c, _) in &failures {
        inputs.push(c.oracle_input("install"));
    }
    let answers = oracle(&python, &inputs);
    let (success_answers, failure_answers) = answers.split_at(cases.len() * 2);

    for (case, helm) in cases.iter().zip(success_answers.chunks(2)) {
        let what = case.args().join(" ");
        let helm_map = helm[0]
            .as_ref()
            .unwrap_or_else(|e| panic!("Helm failed {what}: {e}"));
        let mut args = case.args();
        args.extend(["--output".to_owned(), "json".to_owned()]);
        let json_out = ours(&args).unwrap_or_else(|e| panic!("{what}: {e}"));
        let ours_map: Value = serde_json::from_str(&json_out).expect("--output json is JSON");
        assert_eq!(&ours_map, helm_map, "render map of {what}");

        // The default output: the release manifest as Helm stored it, trimmed, then the hooks.
        let install = helm[1]
            .as_ref()
            .unwrap_or_else(|e| panic!("Helm failed {what}: {e}"));
        let manifest = format!("{}\n", install["manifest"].as_str().unwrap().trim());
        let yaml = ours(&case.args()).unwrap();
        assert!(
            yaml.starts_with(&manifest),
            "{what}: the output starts with Helm's manifest\n--- ours\n{yaml}\n--- Helm\n{manifest}"
        );
        let hooks = &yaml[manifest.len()..];
        let hook_sources: Vec<&str> = hooks
            .lines()
            .filter_map(|l| l.strip_prefix("# Source: "))
            .collect();
        assert_eq!(
            hook_sources,
            // sorted by kind in Helm's install order: Pod before Job
            [
                "app/templates/tests/test-connection.yaml",
                "app/templates/hook.yaml"
            ],
            "{what}: hooks after the manifests"
        );
        assert!(hooks.starts_with("---\n# Source: app/templates/tests/test-connection.yaml\n"));

        let mut no_hooks = case.args();
        no_hooks.push("--no-hooks".into());
        assert_eq!(ours(&no_hooks).unwrap(), manifest, "{what} --no-hooks");
        let mut skip_tests = case.args();
        skip_tests.push("--skip-tests".into());
        let skipped = ours(&skip_tests).unwrap();
        assert!(!skipped.contains("test-connection.yaml") && skipped.contains("hook.yaml"));
        let mut crds = case.args();
        crds.push("--include-crds".into());
        let crd = std::fs::read_to_string(fixtures().join("app/crds/widget.yaml")).unwrap();
        assert_eq!(
            ours(&crds).unwrap(),
            format!("---\n# Source: app/crds/widget.yaml\n{crd}\n{yaml}"),
            "{what} --include-crds puts the CRD files first"
        );
    }

    for ((case, hint), helm) in failures.iter().zip(failure_answers) {
        let what = case.args().join(" ");
        let message = helm
            .as_ref()
            .err()
            .unwrap_or_else(|| panic!("Helm rendered {what}"));
        // helm_python's install wraps nothing but the name check, which Helm's action wraps.
        let want = format!("Error: {message}{}\n", if *hint { DEBUG_HINT } else { "" });
        assert_eq!(ours(&case.args()), Err(want), "{what}");
    }
}

/// Checks Helm's CLI makes before the SDK's install, which `helm_python` words its own way:
/// the message here is Helm v4.2.3's `helm template` text (pkg/cmd/install.go), whose inner part
/// is checked against the SDK's.
#[test]
fn template_command_refuses_what_helm_template_refuses() {
    let f = fixtures();
    let missing = ours(&[
        "template".into(),
        f.join("missing-dep").display().to_string(),
    ]);
    assert_eq!(
        missing,
        Err("Error: an error occurred while checking for chart dependencies. You may need to run \
             `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing \
             in charts/ directory: postgres\n"
            .into())
    );
    let library = ours(&["template".into(), f.join("library").display().to_string()]);
    assert_eq!(
        library,
        Err("Error: library charts are not installable\n".into())
    );

    let app = f.join("app").display().to_string();
    let bad_values = common::scratch_dir("cli-template-bad").join("bad.yaml");
    std::fs::write(&bad_values, "a: [\n").unwrap();
    let bad = bad_values.display().to_string();
    assert_eq!(
        ours(&["template".into(), app.clone(), "-f".into(), bad.clone()]),
        Err(format!(
            "Error: failed to parse {bad}: cannot unmarshal yaml document: error converting YAML \
             to JSON: yaml: line 1: did not find expected node content\n"
        ))
    );
    assert_eq!(
        ours(&[
            "template".into(),
            app.clone(),
            "-f".into(),
            "/nonexistent/v.yaml".into()
        ]),
        Err("Error: open /nonexistent/v.yaml: no such file or directory\n".into())
    );
    assert_eq!(
        ours(&[
            "template".into(),
            app.clone(),
            "--set".into(),
            "a.b.=1".into()
        ]),
        Err("Error: failed parsing --set data: key map \"b\" has no value\n".into())
    );
    assert_eq!(
        ours(&[
            "template".into(),
            app.clone(),
            "--set-json".into(),
            "a={".into()
        ]),
        Err("Error: failed parsing --set-json data a={\n".into())
    );
    assert_eq!(
        ours(&[
            "template".into(),
            app.clone(),
            "--kube-version".into(),
            "one".into()
        ]),
        Err("Error: invalid kube version 'one': could not parse \"one\" as version\n".into())
    );
    assert_eq!(
        ours(&["template".into(), "/nonexistent/chart".into()]),
        Err("Error: path \"/nonexistent/chart\" not found\n".into())
    );
}

/// `--kube-version` and `--api-versions` reach `.Capabilities`, and the chart's `kubeVersion`
/// is checked against the normalized version, as Helm does.
#[test]
fn template_command_takes_capabilities_from_flags() {
    let app = fixtures().join("app").display().to_string();
    let out = ours(&[
        "template".into(),
        app,
        "--kube-version".into(),
        "1.31.4-gke.1200".into(),
        "--api-versions".into(),
        "example.com/v1,other.io/v2".into(),
        "-o".into(),
        "json".into(),
    ])
    .unwrap();
    let map: Value = serde_json::from_str(&out).unwrap();
    let cm = map["app/templates/configmap.yaml"].as_str().unwrap();
    assert!(cm.contains("kube: \"v1.31.4-gke.1200\""), "{cm}");
    assert!(cm.contains("hasWidgets: \"true\""), "{cm}");
    let kube = fixtures().join("kube").display().to_string();
    assert!(
        ours(&[
            "template".into(),
            kube.clone(),
            "--kube-version".into(),
            "v1.29.3-eks-1".into()
        ])
        .is_ok()
    );
    assert_eq!(
        ours(&[
            "template".into(),
            kube,
            "--kube-version".into(),
            "1.30".into()
        ]),
        Err(format!(
            "Error: chart requires kubeVersion: >=1.20.0 <1.30.0 which is incompatible with \
             Kubernetes v1.30{DEBUG_HINT}\n"
        ))
    );
}

/// Corpus charts (every fifth archive with an alternative values file) through the command:
/// `-f` reading, archive loading and the render map agree with Helm's render of the same inputs.
#[test]
fn template_command_renders_corpus_charts_as_helm_does() {
    let test = "template_command_renders_corpus_charts_as_helm_does";
    let Some((corpus, python)) = common::corpus_and_oracle(test) else {
        return;
    };
    let charts = corpus.join("charts");
    let mut archives: Vec<PathBuf> = std::fs::read_dir(&charts)
        .expect("corpus charts")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tgz"))
        .filter(|p| alt_values(p).is_file())
        .collect();
    archives.sort();
    let cases: Vec<Case> = archives
        .into_iter()
        .step_by(5)
        .map(|chart| Case {
            files: vec![alt_values(&chart)],
            name: Some("rel"),
            namespace: Some("ns"),
            ..Case::chart(chart)
        })
        .collect();
    assert!(
        cases.len() >= 10,
        "the corpus has charts with alternative values"
    );
    // rendered twice by Helm: files whose bytes differ between the two (random content) are
    // compared for shape by the corpus conformance test, not here
    let inputs: Vec<Value> = cases
        .iter()
        .flat_map(|c| [c.oracle_input("render"), c.oracle_input("render")])
        .collect();
    let answers = oracle(&python, &inputs);
    let mut compared = 0;
    for (case, helm_twice) in cases.iter().zip(answers.chunks(2)) {
        let (helm, again) = (helm_twice[0].clone(), &helm_twice[1]);
        let name = case
            .chart
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut args = case.args();
        args.extend(["-o".to_owned(), "json".to_owned()]);
        let ours = ours(&args).map(|out| serde_json::from_str::<Value>(&out).unwrap());
        match (ours, helm) {
            (Ok(Value::Object(ours)), Ok(Value::Object(helm))) => {
                assert_eq!(
                    ours.keys().collect::<Vec<_>>(),
                    helm.keys().collect::<Vec<_>>(),
                    "{name}: the same files"
                );
                for (file, text) in &helm {
                    if again.as_ref().ok().and_then(|m| m.get(file)) != Some(text) {
                        continue;
                    }
                    assert_eq!(&ours[file], text, "{name}: {file}");
                    compared += 1;
                }
            }
            (Err(ours), Err(helm)) => {
                assert!(ours.contains(&helm), "{name}: ours {ours:?}, Helm {helm:?}")
            }
            (ours, helm) => panic!("{name}: ours {ours:?}, Helm {helm:?}"),
        }
    }
    assert!(compared > 100, "compared {compared} files");
}

fn alt_values(chart: &Path) -> PathBuf {
    let stem = chart
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace(".tgz", "");
    chart.with_file_name(format!("{stem}.values-alt.yaml"))
}
