//! The corpus conformance run, shared by `tests/corpus_conformance.rs` (which fails when fewer
//! renders match than last recorded) and `examples/corpus_conformance.rs` (which prints the
//! table): every chart of `../shared/corpus` rendered by the engine and by real Helm v4.2.3 in
//! the same run, with its default values and with its `.values-alt.yaml`; the charts in
//! `failing/` must fail as Helm fails, and render with their `.values-required.yaml`.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use helm_operator::engine::chart::load::{LoadLimits, load_archive};
use helm_operator::engine::chart::manifests::split_manifests;
use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::{ParsedChart, ReleaseInfo};
use helm_operator::engine::chart::values::{prepare, validate_schemas};
use helm_operator::engine::exec::Limits;
use helm_operator::engine::yaml::parse::{yaml_to_json, yaml_to_json_map};

/// One render of the run.
#[derive(Debug, Clone)]
pub struct Case {
    /// The archive.
    pub chart: PathBuf,
    /// `default`, `alt` or `required`.
    pub variant: &'static str,
    /// The values file, if any.
    pub values_file: Option<PathBuf>,
    /// Files whose bytes differ on every Helm render (compared for shape).
    pub nondeterministic: BTreeSet<String>,
}

/// How one case came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Same files, same bytes (shapes for the nondeterministic ones).
    Identical,
    /// Both failed with the same message.
    SameError,
    /// What differs.
    Differs(String),
}

/// A case's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The case.
    pub case: Case,
    /// The verdict.
    pub verdict: Verdict,
    /// The engine's render time (load excluded), milliseconds.
    pub ours_ms: f64,
    /// Helm's render time (chart loaded), milliseconds.
    pub helm_ms: f64,
}

/// Every case of the corpus at `corpus`.
pub fn cases(corpus: &Path) -> Vec<Case> {
    let mut nondeterministic: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Ok(text) = std::fs::read_to_string(corpus.join("nondeterministic.tsv")) {
        for line in text.lines().skip(1) {
            if let Some((tgz, files)) = line.split_once('\t') {
                nondeterministic
                    .entry(tgz.to_owned())
                    .or_default()
                    .extend(files.split(',').map(str::to_owned));
            }
        }
    }
    let mut out = Vec::new();
    for (dir, variants) in [
        (
            "charts",
            &[("default", None), ("alt", Some(".values-alt.yaml"))][..],
        ),
        (
            "failing",
            &[
                ("default", None),
                ("required", Some(".values-required.yaml")),
            ][..],
        ),
    ] {
        let mut archives: Vec<PathBuf> = std::fs::read_dir(corpus.join(dir))
            .map(|rd| rd.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        archives.retain(|p| p.extension().is_some_and(|e| e == "tgz"));
        archives.sort();
        for archive in archives {
            let name = archive.file_name().unwrap().to_string_lossy().into_owned();
            let stem = name.trim_end_matches(".tgz");
            for (variant, suffix) in variants {
                let values_file = suffix.map(|s| archive.with_file_name(format!("{stem}{s}")));
                if values_file.as_ref().is_some_and(|f| !f.exists()) {
                    continue;
                }
                out.push(Case {
                    chart: archive.clone(),
                    variant,
                    values_file,
                    nondeterministic: nondeterministic.get(&name).cloned().unwrap_or_default(),
                });
            }
        }
    }
    out
}

/// What a render gave: the render map, or the error text.
type Rendered = Result<BTreeMap<String, String>, String>;

/// Renders with the engine: load, values, schema, render, as `helm template` would. The time
/// covers what Helm's timed render covers: values, schema, parsing and rendering (not reading
/// the archive or the values file).
pub fn engine_render(case: &Case) -> (Rendered, f64) {
    let mut start = Instant::now();
    let mut run = || -> Rendered {
        let bytes = std::fs::read(&case.chart).map_err(|e| e.to_string())?;
        let chart = load_archive(&bytes, &LoadLimits::default()).map_err(|e| e.to_string())?;
        let user = match &case.values_file {
            Some(f) => yaml_to_json_map(&std::fs::read_to_string(f).map_err(|e| e.to_string())?)?,
            None => serde_json::Map::new(),
        };
        start = Instant::now();
        let (chart, values) = prepare(&chart, &user).map_err(|e| e.to_string())?;
        validate_schemas(&chart, &values).map_err(|e| e.to_string())?;
        let parsed = ParsedChart::new(chart)?;
        let release = ReleaseInfo {
            name: "rel".into(),
            namespace: "ns".into(),
            ..ReleaseInfo::default()
        };
        parsed.render(
            &values,
            &release,
            &Capabilities::default(),
            Limits::default(),
            None,
        )
    };
    let rendered = run();
    (rendered, start.elapsed().as_secs_f64() * 1000.0)
}

/// Renders every case with real Helm in one Python process.
pub fn helm_render(python: &Path, cases: &[Case]) -> Vec<(Rendered, f64)> {
    let inputs: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| serde_json::json!({"chart": c.chart, "values_file": c.values_file}))
        .collect();
    crate::oracle::run_oracle(python, "render_chart.py", &inputs)
        .into_iter()
        .map(|v| match (v.get("ok"), v.get("error")) {
            (Some(serde_json::Value::Object(m)), _) => (
                Ok(m.iter()
                    .map(|(k, t)| (k.clone(), t.as_str().unwrap_or_default().to_owned()))
                    .collect()),
                v["ms"].as_f64().unwrap_or(0.0),
            ),
            (_, Some(e)) => (Err(e.as_str().unwrap_or_default().to_owned()), 0.0),
            _ => panic!("unexpected oracle line {v}"),
        })
        .collect()
}

/// The YAML structure of a rendered file with every string replaced, so files that differ only
/// in random strings compare equal.
fn shape(text: &str) -> Vec<String> {
    fn strip(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(_) => serde_json::Value::String("*".into()),
            serde_json::Value::Array(items) => items.iter().map(strip).collect(),
            serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), strip(v))).collect(),
            other => other.clone(),
        }
    }
    split_manifests(text)
        .into_iter()
        .map(|doc| match yaml_to_json(doc) {
            Ok(v) => strip(&v).to_string(),
            Err(_) => format!("unparsable ({} bytes)", doc.len()),
        })
        .collect()
}

/// Compares one case's two renders.
pub fn verdict(case: &Case, ours: &Rendered, helm: &Rendered) -> Verdict {
    match (ours, helm) {
        (Err(a), Err(b)) if a == b => Verdict::SameError,
        (Err(a), Err(b)) => Verdict::Differs(format!("errors differ:\n  ours: {a}\n  helm: {b}")),
        (Err(a), Ok(_)) => Verdict::Differs(format!("only the engine failed: {a}")),
        (Ok(_), Err(b)) => Verdict::Differs(format!("only Helm failed: {b}")),
        (Ok(a), Ok(b)) => {
            let keys_a: BTreeSet<&String> = a.keys().collect();
            let keys_b: BTreeSet<&String> = b.keys().collect();
            if keys_a != keys_b {
                let only_ours: Vec<_> = keys_a.difference(&keys_b).collect();
                let only_helm: Vec<_> = keys_b.difference(&keys_a).collect();
                return Verdict::Differs(format!(
                    "file sets differ: only ours {only_ours:?}, only Helm's {only_helm:?}"
                ));
            }
            let differing: Vec<&String> = a
                .iter()
                .filter(|(name, text)| {
                    let theirs = &b[*name];
                    if case.nondeterministic.contains(*name) {
                        shape(text) != shape(theirs)
                    } else {
                        *text != theirs
                    }
                })
                .map(|(name, _)| name)
                .collect();
            match differing.first() {
                None => Verdict::Identical,
                Some(first) => Verdict::Differs(format!(
                    "{} of {} files differ; first {first}:\n{}",
                    differing.len(),
                    a.len(),
                    first_difference(&a[*first], &b[*first])
                )),
            }
        }
    }
}

/// The first differing line of two texts, with its neighbours.
fn first_difference(ours: &str, helm: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), helm.lines().collect());
    let i = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!(
        "  line {}:\n    ours: {:?}\n    helm: {:?}",
        i + 1,
        a.get(i).unwrap_or(&"<end>"),
        b.get(i).unwrap_or(&"<end>")
    )
}

/// Runs every case both ways.
pub fn run(corpus: &Path, python: &Path) -> Vec<Outcome> {
    let mut cases = cases(corpus);
    if let Ok(only) = std::env::var("CORPUS_ONLY") {
        cases.retain(|c| c.chart.to_string_lossy().contains(&only));
    }
    let helm = helm_render(python, &cases);
    // a second Helm render shows which files Helm itself renders differently every time
    // (random passwords, certificates and their checksums), beyond those the corpus lists
    let again = helm_render(python, &cases);
    cases
        .into_iter()
        .zip(helm.into_iter().zip(again))
        .map(|(mut case, ((helm, helm_ms), (again, _)))| {
            if let (Ok(first), Ok(second)) = (&helm, &again) {
                for (name, text) in first {
                    if second.get(name) != Some(text) {
                        case.nondeterministic.insert(name.clone());
                    }
                }
            }
            let (ours, ours_ms) = engine_render(&case);
            let verdict = verdict(&case, &ours, &helm);
            Outcome {
                case,
                verdict,
                ours_ms,
                helm_ms,
            }
        })
        .collect()
}

/// How many outcomes agree with Helm.
pub fn agreeing(outcomes: &[Outcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Identical | Verdict::SameError))
        .count()
}
