//! Parsing and rendering a Helm chart with the template engine, beside real Helm rendering the
//! same chart in the same run.
//!
//! The chart is `benches/fixtures/webapp` (written for this benchmark in the style of the charts
//! users run: helpers, `include`/`tpl`, `toYaml | nindent`, ranges, checksums). Criterion
//! measures parsing, rendering and both; then the anchor: `helm_render_timing.py` renders the
//! chart with Helm v4.2.3 (`helm_python`, chart loaded once), and the benchmark prints both
//! medians and their ratio, after checking that both rendered the same bytes.
//!
//! `cargo bench --bench engine_render` measures; under `cargo test` it runs one quick pass and the
//! output comparison with Helm (skipped with a message when the venv is missing).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::Criterion;
use helm_operator::engine::exec::Limits;
use helm_operator::engine::render::Templates;
use helm_operator::engine::value::{Map, MapType, Value};

const CHART: &str = "webapp";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/fixtures")
        .join(CHART)
}

/// The chart's template files, named as Helm names them (`webapp/templates/<file>`).
fn template_files() -> Vec<(String, String)> {
    let dir = fixture().join("templates");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixture templates")
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (
                format!("{CHART}/templates/{name}"),
                std::fs::read_to_string(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn values_json() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture().join("values.json")).unwrap()).unwrap()
}

fn map(entries: serde_json::Value) -> Map {
    match Value::from_json(&entries) {
        Value::Map(m) => m,
        _ => unreachable!("an object"),
    }
}

/// The root object Helm gives the chart's templates (release `rel` in `ns`, Kubernetes v1.36.0),
/// built once from the fixture's values, as the operator keeps a chart's parsed values.
fn root(values: &serde_json::Value) -> Map {
    let release = map(
        serde_json::json!({"Name": "rel", "Namespace": "ns", "IsUpgrade": false,
        "IsInstall": true, "Service": "Helm"}),
    );
    release.insert("Revision", Value::int(1));
    let chart = map(
        serde_json::json!({"Name": CHART, "Version": "1.4.2", "AppVersion": "2.7.0",
        "APIVersion": "v2", "Type": "application",
        "Description": "A web application chart written for the engine benchmarks"}),
    );
    let capabilities = map(serde_json::json!({
        "KubeVersion": {"Version": "v1.36.0", "Major": "1", "Minor": "36", "GitVersion": "v1.36.0"},
    }));
    let Value::Map(values) = Value::from_json(values) else {
        unreachable!("values are an object")
    };
    let root = Map::typed(BTreeMap::new(), MapType::Values);
    root.insert("Values", Value::Map(values.as_type(MapType::Values)));
    root.insert("Release", Value::Map(release));
    root.insert("Chart", Value::Map(chart));
    root.insert("Capabilities", Value::Map(capabilities));
    root.insert("Files", Value::map(BTreeMap::new()));
    root.insert("Subcharts", Value::map(BTreeMap::new()));
    root
}

fn base_path(_: &str) -> String {
    format!("{CHART}/templates")
}

/// One render: a fresh copy of the root object (templates may change what they are given, so
/// every render starts from its own copy, as Helm's starts from freshly coalesced values), then
/// every file.
fn render(templates: &Templates, root: &Map) -> BTreeMap<String, String> {
    templates
        .render_files(&root.deep_copy(), &base_path, Limits::default(), None)
        .expect("the fixture renders")
}

/// Real Helm's median render time and output for the fixture, when the venv is present.
fn helm_anchor(iterations: usize) -> Option<(f64, BTreeMap<String, String>)> {
    let venv = std::env::var_os("HELM_OPERATOR_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    let python = venv.join("bin/python");
    if !python.exists() {
        return None;
    }
    let output = std::process::Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/helm_render_timing.py"))
        .arg(fixture())
        .arg(fixture().join("values.json"))
        .arg(iterations.to_string())
        .output()
        .ok()?;
    assert!(
        output.status.success(),
        "helm timing failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rendered = report["rendered"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    Some((report["median_ms"].as_f64().unwrap(), rendered))
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let files = template_files();
    let values = values_json();
    let templates = Templates::parse(&files).expect("the fixture parses");
    let root = root(&values);

    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function("engine/parse webapp", |b| {
        b.iter(|| Templates::parse(black_box(&files)).unwrap())
    });
    criterion.bench_function("engine/render webapp (parsed once)", |b| {
        b.iter(|| render(black_box(&templates), black_box(&root)))
    });
    criterion.bench_function("engine/parse and render webapp", |b| {
        b.iter(|| render(&Templates::parse(black_box(&files)).unwrap(), &root))
    });
    criterion.final_summary();

    // the anchor: real Helm in the same run, and the same bytes
    let iterations = if bench_mode { 500 } else { 3 };
    let ours = median_ms(
        (0..iterations * 4)
            .map(|_| {
                let start = Instant::now();
                black_box(render(&templates, &root));
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    );
    match helm_anchor(iterations) {
        Some((helm_ms, helm_rendered)) => {
            let ours_rendered = render(&templates, &root);
            assert_eq!(
                ours_rendered, helm_rendered,
                "the engine and Helm rendered the fixture differently"
            );
            println!(
                "render {CHART} ({} files, identical to Helm): engine median {:.3} ms, Helm v4.2.3 median {:.3} ms (same run) -> {:.1}x faster",
                ours_rendered.len(),
                ours,
                helm_ms,
                helm_ms / ours
            );
        }
        None => println!(
            "render {CHART}: engine median {ours:.3} ms; SKIPPED the Helm anchor: no venv with helm_python (run ./scripts/ensure-venv.sh)"
        ),
    }
}
