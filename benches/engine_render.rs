//! Parsing and rendering a Helm chart with the template engine, beside real Helm rendering the
//! same chart in the same run.
//!
//! The chart is `benches/fixtures/webapp` (written for this benchmark in the style of the charts
//! users run: helpers, `include`/`tpl`, `toYaml | nindent`, ranges, checksums), rendered through
//! the chart pipeline (`.Chart`, `.Capabilities`, `.Files`, per-render values). Criterion
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
use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::{ParsedChart, ReleaseInfo};
use helm_operator::engine::chart::{Chart, File, Metadata};
use helm_operator::engine::exec::Limits;
use helm_operator::engine::render::Templates;
use helm_operator::engine::yaml::parse::yaml_to_json;

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

/// The fixture as a chart: `Chart.yaml`, the templates, and `values.json` as its values.
fn chart() -> Chart {
    let meta = yaml_to_json(&std::fs::read_to_string(fixture().join("Chart.yaml")).unwrap())
        .expect("Chart.yaml reads");
    let field = |k: &str| meta[k].as_str().unwrap_or_default().to_owned();
    Chart {
        metadata: Metadata {
            api_version: field("apiVersion"),
            name: field("name"),
            description: field("description"),
            chart_type: field("type"),
            version: field("version"),
            app_version: field("appVersion"),
            ..Metadata::default()
        },
        templates: template_files()
            .into_iter()
            .map(|(name, text)| File {
                name: name.trim_start_matches(&format!("{CHART}/")).to_owned(),
                data: text.into_bytes().into(),
            })
            .collect(),
        ..Chart::default()
    }
}

fn release() -> ReleaseInfo {
    ReleaseInfo {
        name: "rel".into(),
        namespace: "ns".into(),
        ..ReleaseInfo::default()
    }
}

fn render(
    chart: &ParsedChart,
    values: &serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, String> {
    chart
        .render(
            values,
            &release(),
            &Capabilities::default(),
            Limits::default(),
            None,
        )
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
    let values = values_json()
        .as_object()
        .cloned()
        .expect("values are an object");
    let parsed = ParsedChart::new(chart()).expect("the fixture parses");

    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function("engine/parse webapp", |b| {
        b.iter(|| Templates::parse(black_box(&files)).unwrap())
    });
    criterion.bench_function("engine/render webapp (parsed once)", |b| {
        b.iter(|| render(black_box(&parsed), black_box(&values)))
    });
    criterion.bench_function("engine/parse and render webapp", |b| {
        b.iter(|| render(&ParsedChart::new(chart()).unwrap(), &values))
    });
    criterion.final_summary();

    // the anchor: real Helm in the same run, and the same bytes
    let iterations = if bench_mode { 500 } else { 3 };
    let ours = median_ms(
        (0..iterations * 4)
            .map(|_| {
                let start = Instant::now();
                black_box(render(&parsed, &values));
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    );
    match helm_anchor(iterations) {
        Some((helm_ms, helm_rendered)) => {
            let ours_rendered = render(&parsed, &values);
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
