//! Parsing and rendering three charts of the shared corpus with the template engine, beside real
//! Helm rendering the same charts in the same run.
//!
//! The charts span the corpus: a small one (`kedacore/external-scaler-azure-cosmos-db`, two
//! templates), one near the corpus median (`bitnami/mongodb`, the Bitnami common library) and a
//! kube-scale one (`bitnami/kube-prometheus`, subcharts, ~140 rendered files). Criterion measures
//! for each: `parse` (every template of the prepared chart), `render_cached` (values, schema and
//! render with the parsed chart cached, as the operator renders a chart version it has seen) and
//! `install_render` (the whole install render with nothing cached, including the split into
//! sorted manifests, which Helm's timed render stops short of). Then the anchor:
//! `corpus_speed_helm.py` renders the charts with Helm v4.2.3 (`helm_python`, each chart loaded
//! once) and the benchmark prints both medians and their ratios, after checking that both
//! rendered the same files.
//!
//! `cargo bench --bench corpus_render` measures; under `cargo test --benches` it runs one quick
//! pass and the output comparison with Helm. Without the corpus (`../shared/corpus`) or the venv
//! it prints what it skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use criterion::{BatchSize, Criterion};
use helm_operator::engine::chart::Chart;
use helm_operator::engine::chart::install::{InstallOptions, render_install};
use helm_operator::engine::chart::load::{LoadLimits, load_archive};
use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::{ParsedChart, ReleaseInfo};
use helm_operator::engine::chart::values::{prepare, validate_schemas};
use helm_operator::engine::exec::Limits;
use serde_json::{Map, Value};

type RenderMap = BTreeMap<String, String>;

/// (label, archive in `corpus/charts`, criterion samples): the big charts take fewer samples
/// so that a full `cargo bench` stays within minutes.
const CHARTS: [(&str, &str, usize); 3] = [
    (
        "small",
        "kedacore_charts__external-scaler-azure-cosmos-db-0.1.0.tgz",
        100,
    ),
    ("median", "bitnami_charts__mongodb-17.0.2.tgz", 30),
    (
        "kube-scale",
        "bitnami_charts__kube-prometheus-11.3.11.tgz",
        10,
    ),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    root().join("../shared/corpus")
}

/// One benchmarked chart, loaded once, with default values.
struct Subject {
    label: &'static str,
    archive: PathBuf,
    samples: usize,
    chart: Chart,
    /// The chart as `prepare` leaves it (dependencies resolved): what the parse cache holds.
    prepared: Chart,
    parsed: ParsedChart,
    user: Map<String, Value>,
}

impl Subject {
    fn load(label: &'static str, archive: PathBuf, samples: usize) -> Self {
        let bytes = std::fs::read(&archive).expect("read the archive");
        let chart = load_archive(&bytes, &LoadLimits::default()).expect("the archive loads");
        let user = Map::new();
        let (prepared, _) = prepare(&chart, &user).expect("the default values coalesce");
        let parsed = ParsedChart::new(prepared.clone()).expect("the chart parses");
        Subject {
            label,
            archive,
            samples,
            chart,
            prepared,
            parsed,
            user,
        }
    }

    fn name(&self) -> String {
        let file = self
            .archive
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        file.trim_end_matches(".tgz").to_owned()
    }

    /// A render from the parsed-chart cache: values and schema are per render, parsing is not.
    fn render_cached(&self) -> RenderMap {
        let (prepared, values) = prepare(&self.chart, &self.user).unwrap();
        validate_schemas(&prepared, &values).unwrap();
        self.parsed
            .render(
                &values,
                &release(),
                &Capabilities::default(),
                Limits::default(),
                None,
            )
            .expect("the chart renders")
    }

    /// The whole install render with nothing cached.
    fn install_render(&self) -> RenderMap {
        let caps = Capabilities::default();
        let release = release();
        let opts = InstallOptions::offline(&release, &caps);
        render_install(&self.chart, &self.user, opts)
            .expect("the chart installs")
            .render_map
    }
}

fn release() -> ReleaseInfo {
    ReleaseInfo {
        name: "rel".into(),
        namespace: "ns".into(),
        ..ReleaseInfo::default()
    }
}

/// The rendered files `corpus/nondeterministic.tsv` lists as random for `archive`.
fn random_files(archive: &Path) -> BTreeSet<String> {
    let name = archive.file_name().unwrap_or_default().to_string_lossy();
    let text = std::fs::read_to_string(corpus().join("nondeterministic.tsv")).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(tgz, _)| *tgz == name)
        .flat_map(|(_, files)| files.split(',').map(str::to_owned))
        .collect()
}

/// Real Helm's answer for one chart.
struct HelmRun {
    /// The median render, milliseconds.
    median_ms: f64,
    rendered: RenderMap,
    /// The files that changed between Helm's first and last render (random content).
    unstable: BTreeSet<String>,
}

/// Real Helm's median render time and output for each subject (default values), when the venv
/// is present.
fn helm_anchor(subjects: &[Subject], iterations: usize) -> Option<Vec<HelmRun>> {
    let venv = std::env::var_os("HELM_OPERATOR_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"));
    let python = venv.join("bin/python");
    if !python.exists() {
        return None;
    }
    let mut child = Command::new(python)
        .arg(root().join("benches/corpus_speed_helm.py"))
        .arg(iterations.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Helm logs coalescing warnings on every render of kube-prometheus
        .stderr(Stdio::piped())
        .spawn()
        .expect("start Helm");
    let input: String = subjects
        .iter()
        .map(|s| serde_json::json!({"chart": s.archive, "values_file": null}).to_string() + "\n")
        .collect();
    // three cases fit in the pipe buffer: written whole before reading the answers
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "Helm timing failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        subjects.len() + 1,
        "Helm answered every chart and its memory"
    );
    let answers = subjects
        .iter()
        .zip(&lines)
        .map(|(s, v)| {
            assert!(
                v.get("error").is_none(),
                "Helm failed to render {}: {}",
                s.name(),
                v["error"]
            );
            HelmRun {
                median_ms: v["median_ms"].as_f64().unwrap(),
                rendered: v["rendered"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, t)| (k.clone(), t.as_str().unwrap().to_owned()))
                    .collect(),
                unstable: v["unstable"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap().to_owned())
                    .collect(),
            }
        })
        .collect();
    Some(answers)
}

/// Asserts that the engine rendered what Helm rendered. The small and kube-scale charts are
/// deterministic (Helm renders them identically every time); mongodb's `secrets.yaml` holds a
/// generated password (listed in `nondeterministic.tsv`, and Helm's renders of it differ), so
/// for such random files only their presence is compared, and every other file byte for byte.
///
/// Returns how many files were compared for presence only.
fn assert_same(subject: &Subject, ours: &RenderMap, helm: &HelmRun) -> usize {
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        helm.rendered.keys().collect::<Vec<_>>(),
        "the engine and Helm rendered different files for {}",
        subject.name()
    );
    let mut random = random_files(&subject.archive);
    random.extend(helm.unstable.iter().cloned());
    let mut skipped = 0;
    for (name, text) in ours {
        if random.contains(name) {
            skipped += 1;
        } else {
            assert_eq!(
                text,
                &helm.rendered[name],
                "the engine and Helm rendered {name} of {} differently",
                subject.name()
            );
        }
    }
    skipped
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn time_ms(iterations: usize, mut f: impl FnMut() -> RenderMap) -> f64 {
    median_ms(
        (0..iterations)
            .map(|_| {
                let start = Instant::now();
                black_box(f());
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let charts = corpus().join("charts");
    if !charts.is_dir() {
        println!(
            "SKIPPED corpus_render: no corpus at {} (the shared chart corpus)",
            charts.display()
        );
        return;
    }
    let subjects: Vec<Subject> = CHARTS
        .iter()
        .filter_map(|&(label, file, samples)| {
            let archive = charts.join(file);
            if archive.exists() {
                Some(Subject::load(label, archive, samples))
            } else {
                println!("SKIPPED corpus_render {label}: {file} is not in the corpus");
                None
            }
        })
        .collect();

    let mut criterion = Criterion::default().configure_from_args();
    for s in &subjects {
        let mut group = criterion.benchmark_group(format!("corpus/{} {}", s.label, s.name()));
        group.sample_size(s.samples);
        group.bench_function("parse", |b| {
            b.iter_batched(
                || s.prepared.clone(),
                |chart| ParsedChart::new(chart).unwrap(),
                BatchSize::LargeInput,
            )
        });
        group.bench_function("render_cached", |b| b.iter(|| s.render_cached()));
        group.bench_function("install_render", |b| b.iter(|| s.install_render()));
        group.finish();
    }
    criterion.final_summary();

    // the anchor: real Helm in the same run, and the same files
    let iterations = if bench_mode { 50 } else { 3 };
    let Some(helm) = helm_anchor(&subjects, iterations) else {
        for s in &subjects {
            println!(
                "render {} ({}): engine cached median {:.3} ms; SKIPPED the Helm anchor: no venv with helm_python (run ./scripts/ensure-venv.sh)",
                s.label,
                s.name(),
                time_ms(iterations, || s.render_cached())
            );
        }
        return;
    };
    for (s, run) in subjects.iter().zip(helm) {
        let random = match assert_same(s, &s.install_render(), &run) {
            0 => String::new(),
            n => format!(" apart from {n} with random content"),
        };
        let helm_ms = run.median_ms;
        let cached = time_ms(iterations, || s.render_cached());
        let cold = time_ms(iterations, || s.install_render());
        // `cargo test --benches` builds without optimizations: its times say nothing about speed
        let build = if cfg!(debug_assertions) {
            " [unoptimized test build: not a measurement; run cargo bench]"
        } else {
            ""
        };
        println!(
            "render {} {} ({} files, same as Helm{random}): Helm v4.2.3 median {helm_ms:.3} ms, engine cached parse {cached:.3} ms, cold install {cold:.3} ms (same run) -> Helm time / engine time: cached {:.1}x, cold {:.1}x{build}",
            s.label,
            s.name(),
            run.rendered.len(),
            helm_ms / cached,
            helm_ms / cold
        );
    }
}
