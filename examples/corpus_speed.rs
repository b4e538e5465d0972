//! The corpus-wide speed and memory comparison: every chart of the shared corpus (with its
//! default values and with its `.values-alt.yaml`) rendered by the engine and by real Helm
//! v4.2.3, each side in its own process, and a table of medians, ratios and peak memory.
//!
//! `cargo run --release --example corpus_speed -- [--iterations N] [CORPUS_DIR] [VENV_DIR]`
//! (defaults: 15 iterations, `../shared/corpus` and `.venv` beside the repository root).
//!
//! Two engine numbers per case, each the median of N renders after one warm-up, loading the
//! archive excluded (Helm's timing excludes loading too):
//! - cold: `render_install` with nothing cached (checks, values, schema, parse, render, split);
//! - cached parse: what the operator pays per render when its parsed-chart cache holds the chart
//!   version (`prepare` + `validate_schemas` + `ParsedChart::render`).
//!
//! Helm's number comes from `benches/corpus_speed_helm.py` (one Python process for all cases,
//! each chart loaded once, then the median of N `chart.render` calls: Helm parses every template
//! on each render, so that is its cheapest path). The engine side runs in a child process (this
//! example re-executed with `--engine-only`) so that both peak-memory figures describe a process
//! that did nothing but render the corpus. Outputs are compared once per case, untimed, because
//! the timing of a render that differs from Helm's would mean nothing.

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
    let opts = InstallOptions {
        release: &release(),
        capabilities: &caps,
        limits: Limits::default(),
        lookup: None,
        sub_notes: false,
    };
    render_install(chart, user, opts)
        .map(|installed| installed.render_map)
        .map_err(|e| e.to_string())
}

/// A render from the parsed-chart cache: values and schema are per render, parsing is not.
fn render_cached(
    parsed: &ParsedChart,
    chart: &Chart,
    user: &Map<String, Value>,
) -> Result<RenderMap, String> {
    let (prepared, values) = prepare(chart, user).map_err(|e| e.to_string())?;
    validate_schemas(&prepared, &values).map_err(|e| e.to_string())?;
    parsed.render(
        &values,
        &release(),
        &Capabilities::default(),
        Limits::default(),
        None,
    )
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

/// Both engine timings of one case: (cold, cached parse).
fn engine_times(case: &Case, iterations: usize) -> Timed<(f64, f64)> {
    let (chart, user) = load_case(case)?;
    let cold = time_ms(iterations, || install(&chart, &user))?;
    // the cache holds the chart as prepared (dependencies resolved, disabled ones dropped)
    let (prepared, _) = prepare(&chart, &user).map_err(|e| e.to_string())?;
    let parsed = ParsedChart::new(prepared)?;
    let cached = time_ms(iterations, || render_cached(&parsed, &chart, &user))?;
    Ok((cold, cached))
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
            Ok((cold, cached)) => json!({"cold_ms": cold, "cached_ms": cached}),
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
) -> (Vec<Timed<(f64, f64)>>, Option<Memory>) {
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
        Ok(o) => (String::from_utf8_lossy(&o.stdout).into_owned(), o.status),
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
            results.push(Ok((ms("cold_ms"), ms("cached_ms"))));
        }
    }
    results.truncate(count);
    while results.len() < count {
        results.push(Err(format!("the engine process ended early ({status})")));
    }
    (results, memory)
}

/// Runs the Helm side: every case in one Python process, cases fed on stdin.
fn run_helm(
    python: &Path,
    cases: &[Case],
    iterations: usize,
) -> (Vec<Timed<(f64, RenderMap)>>, Option<Memory>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus_speed_helm.py");
    let child = Command::new(python)
        .arg(script)
        .arg(iterations.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
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
                results.push(Ok((v["median_ms"].as_f64().unwrap_or(f64::NAN), rendered)));
            }
        }
    }
    let _ = writer.join();
    let status = child.wait();
    results.truncate(cases.len());
    while results.len() < cases.len() {
        results.push(Err(format!("the Helm process ended early ({status:?})")));
    }
    (results, memory)
}

/// How the engine's output compares with Helm's for one case.
#[derive(Clone, Copy, PartialEq)]
enum Output {
    /// Same files, same bytes.
    Same,
    /// Same files, same bytes in every file but those `nondeterministic.tsv` lists as random.
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
fn compare(ours: &RenderMap, helm: &RenderMap, random: Option<&BTreeSet<String>>) -> Output {
    if !ours.keys().eq(helm.keys()) {
        return Output::Differs;
    }
    let mut skipped = false;
    for (name, text) in ours {
        if random.is_some_and(|r| r.contains(name)) {
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
        let out = run_helm(&python, &cases, n);
        eprintln!("Helm done in {:.1} s", start.elapsed().as_secs_f64());
        out
    } else {
        println!(
            "SKIPPED the Helm side: no venv with helm_python at {} (run ./scripts/ensure-venv.sh)",
            python.display()
        );
        let why = "Helm not run".to_owned();
        (cases.iter().map(|_| Err(why.clone())).collect(), None)
    };

    println!(
        "{:<68} {:<7} {:>10} {:>10} {:>10} {:>7} {:>7}  {}",
        "chart", "values", "cold ms", "cached ms", "Helm ms", "cold", "cached", "output"
    );
    let (mut cold_ratios, mut cached_ratios) = (Vec::new(), Vec::new());
    let (mut same, mut same_but_random, mut differs) = (0, 0, 0);
    let mut errors = Vec::new();
    let mut slower = Vec::new();
    for ((case, ours), theirs) in cases.iter().zip(&engine).zip(&helm) {
        let output = match (ours, theirs) {
            (Ok(_), Ok((_, helm_map))) => {
                // compared once, untimed, in this process: the child only times
                match load_case(case).and_then(|(chart, user)| install(&chart, &user)) {
                    Ok(ours_map) => compare(
                        &ours_map,
                        helm_map,
                        random.get(&format!("{}.tgz", case.name())),
                    ),
                    Err(_) => Output::Differs,
                }
            }
            _ => Output::Unknown,
        };
        match output {
            Output::Same => same += 1,
            Output::SameButRandom => same_but_random += 1,
            Output::Differs => differs += 1,
            Output::Unknown => {}
        }
        let cold = ours.as_ref().ok().map(|t| t.0);
        let cached = ours.as_ref().ok().map(|t| t.1);
        let helm_ms = theirs.as_ref().ok().map(|t| t.0);
        let ratio = |engine_ms: Option<f64>| Some(helm_ms? / engine_ms?);
        let (cold_ratio, cached_ratio) = (ratio(cold), ratio(cached));
        // a render that differs from Helm's did different work: its ratio is left out
        if output != Output::Differs {
            if let (Some(a), Some(b)) = (cold_ratio, cached_ratio) {
                cold_ratios.push(a);
                cached_ratios.push(b);
                if a < 1.0 || b < 1.0 {
                    slower.push((case.name(), case.variant, a, b));
                }
            }
        }
        println!(
            "{:<68} {:<7} {:>10} {:>10} {:>10} {:>7} {:>7}  {}",
            case.name(),
            case.variant,
            ms_cell(cold),
            ms_cell(cached),
            ms_cell(helm_ms),
            ratio_cell(cold_ratio),
            ratio_cell(cached_ratio),
            output.label()
        );
        for (side, result) in [
            ("engine", ours.as_ref().err()),
            ("Helm", theirs.as_ref().err()),
        ] {
            if let Some(e) = result {
                errors.push(format!(
                    "{} ({}): {side}: {}",
                    case.name(),
                    case.variant,
                    short(e)
                ));
            }
        }
    }

    if !errors.is_empty() {
        println!("\nerrors (excluded from the ratios):");
        for e in &errors {
            println!("  {e}");
        }
    }
    if !slower.is_empty() {
        println!("\ncases where the engine is slower than Helm (ratio below 1):");
        for (name, variant, cold, cached) in &slower {
            println!("  {name} ({variant}): cold {cold:.2}x, cached {cached:.2}x");
        }
    }
    let spread = |mut r: Vec<f64>| -> String {
        if r.is_empty() {
            return "n/a".into();
        }
        r.sort_by(f64::total_cmp);
        format!(
            "{:.1}x (min {:.1}x, max {:.1}x)",
            median(r.clone()),
            r[0],
            r[r.len() - 1]
        )
    };
    println!(
        "\nsummary ({n} iterations per median, one warm-up; ratios read Helm time / engine time, higher is faster):"
    );
    println!(
        "  cases: {} ({} charts); timed on both sides: {}; errors: {}",
        cases.len(),
        cases
            .iter()
            .map(|c| &c.chart)
            .collect::<BTreeSet<_>>()
            .len(),
        cold_ratios.len(),
        errors.len()
    );
    println!(
        "  output vs Helm: {same} identical, {same_but_random} identical apart from the files nondeterministic.tsv lists as random (same*), {differs} differ (left out of the ratios)"
    );
    println!("  median Helm / engine cold:   {}", spread(cold_ratios));
    println!("  median Helm / engine cached: {}", spread(cached_ratios));
    println!("  {}", memory_summary("engine process", engine_memory));
    println!("  {}", memory_summary("Helm process  ", helm_memory));
}
