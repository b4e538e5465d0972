//! The corpus-wide speed and memory comparison: every chart of the shared corpus (with its
//! default values and with its `.values-alt.yaml`) rendered by the engine and by real Helm
//! v4.2.3, each side in its own process, and a table of medians, ratios and peak memory.
//!
//! `cargo run --release --example corpus_speed -- [--iterations N] [CORPUS_DIR] [VENV_DIR]`
//! (defaults: 15 iterations, `../shared/corpus` and `.venv` beside the repository root).
//!
//! Two engine numbers per case, each the median of N renders after one warm-up, loading the
//! archive excluded (Helm's timing excludes loading too):
//! - cold: `render_install` with nothing cached (install checks, values, schema, parse, render,
//!   and the split into sorted manifests, which Helm's timed render does not include: Helm does
//!   that later in an install);
//! - cached parse: what the operator pays per render when its parsed-chart cache holds the chart
//!   version (`prepare` + `validate_schemas` + `ParsedChart::render`), with its stages.
//!
//! Helm's number comes from `benches/corpus_speed_helm.py` (one Python process for all cases,
//! each chart loaded once, then the median of N `chart.render` calls: Helm parses every template
//! on each render, so that is its cheapest path). The engine side runs in a child process (this
//! example re-executed with `--engine-only`) so that both peak-memory figures describe a process
//! that did nothing but render the corpus. Outputs are compared once per case, untimed, because
//! the timing of a render that differs from Helm's would mean nothing; files with random content
//! are compared for presence only.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use helm_operator::engine::chart::Chart;
use helm_operator::engine::chart::install::{InstallOptions, render_install};
use helm_operator::engine::chart::load::{LoadLimits, load_archive};
use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::{ParsedChart, ReleaseInfo};
use helm_operator::engine::chart::values::{prepare, validate_schemas};
use helm_operator::engine::exec::Limits;
use helm_operator::engine::yaml::parse::load_values;
use serde_json::{Map, Value, json};

type RenderMap = BTreeMap<String, String>;

/// One render of the run: a chart with its default values or with its alternative values file.
struct Case {
    chart: PathBuf,
    variant: &'static str,
    values_file: Option<PathBuf>,
}

impl Case {
    fn name(&self) -> String {
        let file = self.chart.file_name().unwrap_or_default().to_string_lossy();
        file.trim_end_matches(".tgz").to_owned()
    }
}

/// A process's resident-set figures, KiB: before any chart work, and its high-water mark.
#[derive(Clone, Copy)]
struct Memory {
    baseline_kib: u64,
    peak_kib: u64,
}

/// One case's timings on one side, milliseconds, or why that side could not render it.
type Timed<T> = Result<T, String>;

/// Every case in `corpus/charts`, sorted; `failing/` is deliberately left out (those charts fail
/// with their default values by design, which says nothing about speed).
fn cases(corpus: &Path) -> Vec<Case> {
    let mut archives: Vec<PathBuf> = std::fs::read_dir(corpus.join("charts"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    archives.retain(|p| p.extension().is_some_and(|e| e == "tgz"));
    archives.sort();
    let mut out = Vec::new();
    for chart in archives {
        let name = chart.file_name().unwrap_or_default().to_string_lossy();
        let alt =
            chart.with_file_name(format!("{}.values-alt.yaml", name.trim_end_matches(".tgz")));
        out.push(Case {
            chart: chart.clone(),
            variant: "default",
            values_file: None,
        });
        if alt.exists() {
            out.push(Case {
                chart,
                variant: "alt",
                values_file: Some(alt),
            });
        }
    }
    out
}

/// The rendered files holding random bytes (generated passwords, certificates), by archive name,
/// from `nondeterministic.tsv`; those files cannot be compared byte for byte.
fn nondeterministic(corpus: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let text = std::fs::read_to_string(corpus.join("nondeterministic.tsv")).unwrap_or_default();
    for line in text.lines().skip(1) {
        if let Some((tgz, files)) = line.split_once('\t') {
            out.entry(tgz.to_owned()).or_default().extend(
                files
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    out
}

fn release() -> ReleaseInfo {
    ReleaseInfo {
        name: "rel".into(),
        namespace: "ns".into(),
        ..ReleaseInfo::default()
    }
}

/// The loaded chart and the user values, read as Helm reads `-f` files (untimed).
fn load_case(case: &Case) -> Result<(Chart, Map<String, Value>), String> {
    let bytes = std::fs::read(&case.chart).map_err(|e| e.to_string())?;
    let chart = load_archive(&bytes, &LoadLimits::default()).map_err(|e| e.to_string())?;
    let user = match &case.values_file {
        Some(file) => load_values(&std::fs::read_to_string(file).map_err(|e| e.to_string())?)?,
        None => Map::new(),
    };
    Ok((chart, user))
}

/// The full install render with nothing cached.
fn install(chart: &Chart, user: &Map<String, Value>) -> Result<RenderMap, String> {
    let caps = Capabilities::default();
    let release = release();
    let opts = InstallOptions::offline(&release, &caps);
    render_install(chart, user, opts)
        .map(|installed| installed.render_map)
        .map_err(|e| e.to_string())
}

/// The median, averaging the middle pair as Python's `statistics.median` does.
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => samples[n / 2],
        _ => (samples[n / 2 - 1] + samples[n / 2]) / 2.0,
    }
}

/// Milliseconds per call of `f`: the median of `iterations` calls after one warm-up. Dropping the
/// output is timed, as it is on Helm's side (Python frees the result inside the timed statement).
fn time_ms<T>(iterations: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<f64, String> {
    drop(f()?);
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        drop(std::hint::black_box(f()?));
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(median(samples))
}

/// The engine's medians for one case, milliseconds.
#[derive(Clone, Copy)]
struct EngineTimes {
    /// `render_install` with nothing cached.
    cold: f64,
    /// `prepare` + `validate_schemas` + `ParsedChart::render`, the chart parsed beforehand.
    cached: f64,
    /// The stages of the cached render, each its own median: values, schema, render.
    prepare: f64,
    schema: f64,
    render: f64,
    /// `ParsedChart::new` on the prepared chart, the stage the cache saves.
    parse: f64,
}

/// One render from the parsed-chart cache, timed by stage: (prepare, schema, render) in ms; the
/// output and the prepared chart are dropped inside the render stage, as a caller would.
fn cached_stages(
    parsed: &ParsedChart,
    chart: &Chart,
    user: &Map<String, Value>,
) -> Result<[f64; 3], String> {
    let start = Instant::now();
    let (prepared, values) = prepare(chart, user).map_err(|e| e.to_string())?;
    let prepared_at = Instant::now();
    validate_schemas(&prepared, &values).map_err(|e| e.to_string())?;
    let validated_at = Instant::now();
    let rendered = parsed.render(
        &values,
        &release(),
        &Capabilities::default(),
        Limits::default(),
        None,
    )?;
    drop(std::hint::black_box(rendered));
    drop((prepared, values));
    let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1000.0;
    Ok([
        ms(start, prepared_at),
        ms(prepared_at, validated_at),
        ms(validated_at, Instant::now()),
    ])
}

/// The engine's timings of one case.
fn engine_times(case: &Case, iterations: usize) -> Timed<EngineTimes> {
    let (chart, user) = load_case(case)?;
    let cold = time_ms(iterations, || install(&chart, &user))?;
    // the cache holds the chart as prepared (dependencies resolved, disabled ones dropped)
    let (prepared, _) = prepare(&chart, &user).map_err(|e| e.to_string())?;
    let parse = time_ms(iterations, || ParsedChart::new(prepared.clone()))?;
    let parsed = ParsedChart::new(prepared)?;
    cached_stages(&parsed, &chart, &user)?; // the warm-up
    let mut stages: [Vec<f64>; 3] = Default::default();
    let mut totals = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let times = cached_stages(&parsed, &chart, &user)?;
        totals.push(times.iter().sum());
        for (samples, t) in stages.iter_mut().zip(times) {
            samples.push(t);
        }
    }
    let [prepare_ms, schema_ms, render_ms] = stages.map(median);
    Ok(EngineTimes {
        cold,
        cached: median(totals),
        prepare: prepare_ms,
        schema: schema_ms,
        render: render_ms,
        parse,
    })
}

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`), where the kernel provides it.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// The child process: times every case and prints one JSON line each, then its memory.
fn engine_only(corpus: &Path, iterations: usize) {
    // read before any chart work, as Python's baseline is read right after its imports
    let baseline = proc_status_kib("VmHWM").or_else(|| proc_status_kib("VmRSS"));
    let stdout = std::io::stdout();
    for case in cases(corpus) {
        let line = match engine_times(&case, iterations) {
            Ok(t) => json!({
                "cold_ms": t.cold,
                "cached_ms": t.cached,
                "prepare_ms": t.prepare,
                "schema_ms": t.schema,
                "render_ms": t.render,
                "parse_ms": t.parse,
            }),
            Err(e) => json!({"error": e}),
        };
        let _ = writeln!(stdout.lock(), "{line}");
    }
    let line = json!({"rss_baseline_kib": baseline, "rss_peak_kib": proc_status_kib("VmHWM")});
    let _ = writeln!(stdout.lock(), "{line}");
}

/// Reads `{"rss_baseline_kib", "rss_peak_kib"}`, the last line of either side.
fn memory_line(v: &Value) -> Option<Memory> {
    Some(Memory {
        baseline_kib: v.get("rss_baseline_kib")?.as_u64()?,
        peak_kib: v.get("rss_peak_kib")?.as_u64()?,
    })
}

/// Runs the engine side in a child process; a case the child never answered (it crashed)
/// reads as an error rather than ending the run.
fn run_engine(
    corpus: &Path,
    count: usize,
    iterations: usize,
) -> (Vec<Timed<EngineTimes>>, Option<Memory>) {
    let output = std::env::current_exe().and_then(|exe| {
        Command::new(exe)
            .arg("--engine-only")
            .arg("--iterations")
            .arg(iterations.to_string())
            .arg(corpus)
            .stderr(Stdio::inherit())
            .output()
    });
    let (stdout, status) = match output {
        Ok(o) => (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            o.status.to_string(),
        ),
        Err(e) => {
            let why = format!("could not start the engine process: {e}");
            return ((0..count).map(|_| Err(why.clone())).collect(), None);
        }
    };
    let mut results = Vec::with_capacity(count);
    let mut memory = None;
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(m) = memory_line(&v) {
            memory = Some(m);
        } else if let Some(e) = v.get("error") {
            results.push(Err(e.as_str().unwrap_or_default().to_owned()));
        } else {
            let ms = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
            results.push(Ok(EngineTimes {
                cold: ms("cold_ms"),
                cached: ms("cached_ms"),
                prepare: ms("prepare_ms"),
                schema: ms("schema_ms"),
                render: ms("render_ms"),
                parse: ms("parse_ms"),
            }));
        }
    }
    results.truncate(count);
    while results.len() < count {
        results.push(Err(format!("the engine process ended early ({status})")));
    }
    (results, memory)
}

/// Helm's result for one case.
struct HelmTimes {
    /// The median render, milliseconds.
    ms: f64,
    /// The warm-up render.
    rendered: RenderMap,
    /// The files that changed between Helm's first and last render (random content).
    unstable: BTreeSet<String>,
}

/// Runs the Helm side: every case in one Python process, cases fed on stdin.
fn run_helm(
    python: &Path,
    cases: &[Case],
    iterations: usize,
) -> (Vec<Timed<HelmTimes>>, Option<Memory>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus_speed_helm.py");
    let child = Command::new(python)
        .arg(script)
        .arg(iterations.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Helm logs coalescing warnings on every render of some charts: kept out of the table,
        // shown only when the process fails
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            let why = format!("could not start Helm: {e}");
            return (cases.iter().map(|_| Err(why.clone())).collect(), None);
        }
    };
    let input: String = cases
        .iter()
        .map(|c| json!({"chart": c.chart, "values_file": c.values_file}).to_string() + "\n")
        .collect();
    let mut stdin = child.stdin.take();
    // fed from a thread: Helm's answers fill the stdout pipe while cases are still being written
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(input.as_bytes());
        }
    });
    let stderr = child.stderr.take();
    let logger = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        }
        text
    });
    let mut results = Vec::with_capacity(cases.len());
    let mut memory = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if let Some(m) = memory_line(&v) {
                memory = Some(m);
            } else if let Some(e) = v.get("error") {
                results.push(Err(e.as_str().unwrap_or_default().to_owned()));
            } else {
                let rendered = v["rendered"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, t)| (k.clone(), t.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                let unstable = v["unstable"]
                    .as_array()
                    .map(|files| {
                        files
                            .iter()
                            .filter_map(|f| f.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                results.push(Ok(HelmTimes {
                    ms: v["median_ms"].as_f64().unwrap_or(f64::NAN),
                    rendered,
                    unstable,
                }));
            }
        }
    }
    let _ = writer.join();
    let status = child.wait();
    let log = logger.join().unwrap_or_default();
    let failed = !status.as_ref().is_ok_and(|s| s.success());
    let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
    if results.len() < cases.len() || failed {
        let lines: Vec<&str> = log.lines().collect();
        eprintln!("the Helm process failed ({status}); the end of its stderr:");
        for line in &lines[lines.len().saturating_sub(20)..] {
            eprintln!("  {line}");
        }
    }
    results.truncate(cases.len());
    while results.len() < cases.len() {
        results.push(Err(format!("the Helm process ended early ({status})")));
    }
    (results, memory)
}

/// How the engine's output compares with Helm's for one case.
#[derive(Clone, Copy, PartialEq)]
enum Output {
    /// Same files, same bytes.
    Same,
    /// Same files, same bytes in every file but the random ones (listed in
    /// `nondeterministic.tsv`, or changing between Helm's own renders).
    SameButRandom,
    Differs,
    /// One side failed or Helm did not run.
    Unknown,
}

impl Output {
    fn label(self) -> &'static str {
        match self {
            Output::Same => "same",
            Output::SameButRandom => "same*",
            Output::Differs => "DIFFERS",
            Output::Unknown => "-",
        }
    }
}

/// Compares two render maps, skipping the bytes (not the presence) of the random files.
fn compare(ours: &RenderMap, helm: &RenderMap, random: &BTreeSet<String>) -> Output {
    if !ours.keys().eq(helm.keys()) {
        return Output::Differs;
    }
    let mut skipped = false;
    for (name, text) in ours {
        if random.contains(name) {
            skipped = true;
        } else if helm[name] != *text {
            return Output::Differs;
        }
    }
    if skipped {
        Output::SameButRandom
    } else {
        Output::Same
    }
}

fn ms_cell(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

fn ratio_cell(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |v| format!("{v:.1}x"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn memory_summary(side: &str, m: Option<Memory>) -> String {
    match m {
        Some(m) => format!(
            "{side}: peak {:.1} MiB, peak minus baseline {:.1} MiB (baseline {:.1} MiB)",
            mib(m.peak_kib),
            mib(m.peak_kib.saturating_sub(m.baseline_kib)),
            mib(m.baseline_kib)
        ),
        None => format!("{side}: not measured"),
    }
}

/// One line of the error list: the first line of the message, shortened.
fn short(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    match first.char_indices().nth(150) {
        Some((i, _)) => format!("{}...", &first[..i]),
        None => first.to_owned(),
    }
}

/// Command-line arguments: `--iterations N`, `--engine-only` (hidden), then the directories.
struct Args {
    iterations: usize,
    engine_only: bool,
    corpus: PathBuf,
    venv: PathBuf,
}

fn parse_args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut iterations = 15;
    let mut engine_only = false;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--engine-only" => engine_only = true,
            "--iterations" => {
                let n = args.next().and_then(|n| n.parse().ok());
                iterations = n.filter(|&n| n > 0).unwrap_or_else(|| {
                    eprintln!("--iterations needs a positive number");
                    std::process::exit(2)
                });
            }
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let mut positional = positional.into_iter();
    Args {
        iterations,
        engine_only,
        corpus: positional
            .next()
            .unwrap_or_else(|| root.join("../shared/corpus")),
        venv: positional.next().unwrap_or_else(|| root.join(".venv")),
    }
}

/// One case's row: both sides' results and how the outputs compare.
struct Row<'a> {
    case: &'a Case,
    ours: &'a Timed<EngineTimes>,
    helm: Option<&'a Timed<HelmTimes>>,
    output: Output,
}

impl Row<'_> {
    fn helm_ms(&self) -> Option<f64> {
        self.helm?.as_ref().ok().map(|t| t.ms)
    }

    /// (cold, cached) Helm-time / engine-time ratios, when both sides rendered.
    fn ratios(&self) -> Option<(f64, f64)> {
        let (helm, ours) = (self.helm_ms()?, self.ours.as_ref().ok()?);
        Some((helm / ours.cold, helm / ours.cached))
    }

    /// Whether the row's timings count: both rendered, and not into different outputs (a render
    /// that differs from Helm's did different work).
    fn counts(&self) -> bool {
        self.ratios().is_some() && self.output != Output::Differs
    }
}

/// Compares one case's outputs (once, untimed, in this process: the child only times).
fn compare_case(
    case: &Case,
    ours: &Timed<EngineTimes>,
    helm: Option<&Timed<HelmTimes>>,
    random: &BTreeMap<String, BTreeSet<String>>,
) -> Output {
    let (Ok(_), Some(Ok(helm))) = (ours, helm) else {
        return Output::Unknown;
    };
    // the corpus lists the random files of the default values; other values make other files
    // random too, which Helm's own renders show by changing between runs
    let mut random = random
        .get(&format!("{}.tgz", case.name()))
        .cloned()
        .unwrap_or_default();
    random.extend(helm.unstable.iter().cloned());
    match load_case(case).and_then(|(chart, user)| install(&chart, &user)) {
        Ok(ours_map) => compare(&ours_map, &helm.rendered, &random),
        Err(_) => Output::Differs,
    }
}

fn print_table(rows: &[Row<'_>]) {
    println!(
        "{:<68} {:<7} {:>10} {:>10} {:>10} {:>7} {:>7}  output",
        "chart", "values", "cold ms", "cached ms", "Helm ms", "cold", "cached"
    );
    for row in rows {
        let ours = row.ours.as_ref().ok();
        let ratios = row.ratios();
        println!(
            "{:<68} {:<7} {:>10} {:>10} {:>10} {:>7} {:>7}  {}",
            row.case.name(),
            row.case.variant,
            ms_cell(ours.map(|t| t.cold)),
            ms_cell(ours.map(|t| t.cached)),
            ms_cell(row.helm_ms()),
            ratio_cell(ratios.map(|r| r.0)),
            ratio_cell(ratios.map(|r| r.1)),
            row.output.label()
        );
    }
}

/// The errors of both sides, the same message on many cases (a process that died) printed once.
fn print_errors(rows: &[Row<'_>]) {
    let mut by_message: Vec<(String, Vec<String>)> = Vec::new();
    for row in rows {
        let errors = [
            ("engine", row.ours.as_ref().err()),
            ("Helm", row.helm.and_then(|h| h.as_ref().err())),
        ];
        for (side, error) in errors {
            let Some(e) = error else { continue };
            let message = format!("{side}: {}", short(e));
            let label = format!("{} ({})", row.case.name(), row.case.variant);
            match by_message.iter_mut().find(|(m, _)| *m == message) {
                Some((_, labels)) => labels.push(label),
                None => by_message.push((message, vec![label])),
            }
        }
    }
    if by_message.is_empty() {
        return;
    }
    println!("\nerrors (excluded from the ratios):");
    for (message, labels) in &by_message {
        match labels.as_slice() {
            [one] => println!("  {one}: {message}"),
            [first, rest @ ..] => println!("  {first} and {} more cases: {message}", rest.len()),
            [] => {}
        }
    }
}

/// The cases where Helm is faster, with the engine's stages so the cause shows.
fn print_slower(rows: &[Row<'_>]) {
    let slower: Vec<&Row<'_>> = rows
        .iter()
        .filter(|r| r.counts() && r.ratios().is_some_and(|(c, k)| c < 1.0 || k < 1.0))
        .collect();
    if slower.is_empty() {
        return;
    }
    println!(
        "\ncases where the engine is slower than Helm (ratio below 1), with the engine's stages (medians; checks and manifest split: about cold - cached - parse):"
    );
    for row in slower {
        let (Some((cold, cached)), Ok(t)) = (row.ratios(), row.ours) else {
            continue;
        };
        println!(
            "  {} ({}, output {}): cold {cold:.2}x, cached {cached:.2}x; values {:.3} ms, schema {:.3} ms, render {:.3} ms, parse {:.3} ms, checks and split ~{:.3} ms",
            row.case.name(),
            row.case.variant,
            row.output.label(),
            t.prepare,
            t.schema,
            t.render,
            t.parse,
            t.cold - t.cached - t.parse
        );
    }
}

/// The median with the extremes, as `4.2x (min 1.1x, max 9.0x)`.
fn spread(mut ratios: Vec<f64>) -> String {
    if ratios.is_empty() {
        return "n/a".into();
    }
    ratios.sort_by(f64::total_cmp);
    let (min, max) = (ratios[0], ratios[ratios.len() - 1]);
    format!("{:.1}x (min {min:.2}x, max {max:.1}x)", median(ratios))
}

fn print_summary(
    rows: &[Row<'_>],
    iterations: usize,
    helm_ran: bool,
    memory: (Option<Memory>, Option<Memory>),
) {
    let counted: Vec<&Row<'_>> = rows.iter().filter(|r| r.counts()).collect();
    let count = |o: Output| rows.iter().filter(|r| r.output == o).count();
    let errors = rows
        .iter()
        .filter(|r| r.ours.is_err() || r.helm.is_some_and(|h| h.is_err()))
        .count();
    let charts: BTreeSet<&PathBuf> = rows.iter().map(|r| &r.case.chart).collect();
    println!(
        "\nsummary ({iterations} iterations per median after one warm-up; ratios read Helm time / engine time, higher is faster):"
    );
    println!(
        "  cases: {} ({} charts, default values and .values-alt.yaml); timed on both sides and counted: {}; cases with an error on a side: {errors}",
        rows.len(),
        charts.len(),
        counted.len()
    );
    if helm_ran {
        println!(
            "  output vs Helm: {} identical, {} identical apart from files with random content (same*: listed in nondeterministic.tsv or changing between Helm's renders), {} differ (left out of the ratios)",
            count(Output::Same),
            count(Output::SameButRandom),
            count(Output::Differs)
        );
    }
    let ratios: Vec<(f64, f64)> = counted.iter().filter_map(|r| r.ratios()).collect();
    println!(
        "  median Helm / engine cold (render_install, nothing cached): {}",
        spread(ratios.iter().map(|r| r.0).collect())
    );
    println!(
        "  median Helm / engine cached parse (values + schema + render): {}",
        spread(ratios.iter().map(|r| r.1).collect())
    );
    // key generation (genCA, genPrivateKey) takes seconds in some charts, on both sides and
    // with a large spread: the deterministic charts alone show the template work
    let identical: Vec<&Row<'_>> = counted
        .iter()
        .copied()
        .filter(|r| r.output == Output::Same)
        .collect();
    for (which, set) in [("counted", &counted), ("identical", &identical)] {
        if set.is_empty() {
            continue;
        }
        let total = |f: &dyn Fn(&Row<'_>) -> f64| set.iter().map(|r| f(r)).sum::<f64>();
        let helm = total(&|r| r.helm_ms().unwrap_or(0.0));
        let cold = total(&|r| r.ours.as_ref().map_or(0.0, |t| t.cold));
        let cached = total(&|r| r.ours.as_ref().map_or(0.0, |t| t.cached));
        println!(
            "  the {} {which} cases rendered once each: Helm {helm:.1} ms, engine cold {cold:.1} ms ({:.1}x), engine cached {cached:.1} ms ({:.1}x)",
            set.len(),
            helm / cold,
            helm / cached
        );
    }
    println!("  {}", memory_summary("engine process", memory.0));
    println!("  {}", memory_summary("Helm process  ", memory.1));
}

fn main() {
    let args = parse_args();
    if args.engine_only {
        engine_only(&args.corpus, args.iterations);
        return;
    }
    if !args.corpus.join("charts").is_dir() {
        println!(
            "SKIPPED the corpus speed comparison: no corpus at {} (expected charts/*.tgz there)",
            args.corpus.display()
        );
        return;
    }
    let cases = cases(&args.corpus);
    if cases.is_empty() {
        println!(
            "SKIPPED the corpus speed comparison: no .tgz in {}",
            args.corpus.join("charts").display()
        );
        return;
    }
    let random = nondeterministic(&args.corpus);
    let python = args.venv.join("bin/python");
    let n = args.iterations;

    // the two sides run one after the other, so that neither competes with the other for a core
    eprintln!(
        "engine: {} cases, median of {n} renders each (cold and cached parse)...",
        cases.len()
    );
    let start = Instant::now();
    let (engine, engine_memory) = run_engine(&args.corpus, cases.len(), n);
    eprintln!("engine done in {:.1} s", start.elapsed().as_secs_f64());
    let (helm, helm_memory) = if python.exists() {
        eprintln!("Helm: {} cases, median of {n} renders each...", cases.len());
        let start = Instant::now();
        let (helm, memory) = run_helm(&python, &cases, n);
        eprintln!("Helm done in {:.1} s", start.elapsed().as_secs_f64());
        (Some(helm), memory)
    } else {
        println!(
            "SKIPPED the Helm side: no venv with helm_python at {} (run ./scripts/ensure-venv.sh)",
            python.display()
        );
        (None, None)
    };

    let rows: Vec<Row<'_>> = cases
        .iter()
        .zip(&engine)
        .enumerate()
        .map(|(i, (case, ours))| {
            let helm = helm.as_ref().map(|h| &h[i]);
            Row {
                case,
                ours,
                helm,
                output: compare_case(case, ours, helm, &random),
            }
        })
        .collect();
    print_table(&rows);
    print_errors(&rows);
    print_slower(&rows);
    print_summary(&rows, n, helm.is_some(), (engine_memory, helm_memory));
}
