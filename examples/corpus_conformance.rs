//! Prints the corpus conformance table: every chart of the shared corpus rendered by the engine
//! and by real Helm v4.2.3 in the same run, whether they agree, and both render times with their
//! ratio (median over the charts that both rendered).
//!
//! `cargo run --release --example corpus_conformance -- [CORPUS_DIR] [VENV_DIR]`
//! (defaults: `../shared/corpus`, `.venv`).

#[path = "../tests/common/corpus.rs"]
mod corpus;
#[path = "../tests/common/oracle.rs"]
mod oracle;

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let corpus_dir = PathBuf::from(args.next().unwrap_or_else(|| "../shared/corpus".into()));
    let venv = PathBuf::from(args.next().unwrap_or_else(|| ".venv".into()));
    let python = venv.join("bin/python");
    if !corpus_dir.is_dir() || !python.exists() {
        eprintln!(
            "needs the corpus ({}) and a venv with helm_python ({}); run ./scripts/ensure-venv.sh",
            corpus_dir.display(),
            python.display()
        );
        std::process::exit(2);
    }
    let outcomes = corpus::run(&corpus_dir, &python);
    println!(
        "{:<70} {:<9} {:<10} {:>9} {:>9} {:>7}",
        "chart", "values", "verdict", "engine ms", "helm ms", "ratio"
    );
    let mut ratios = Vec::new();
    for o in &outcomes {
        let name = o
            .case
            .chart
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let verdict = match &o.verdict {
            corpus::Verdict::Identical => "identical",
            corpus::Verdict::SameError => "same-err",
            corpus::Verdict::Differs(_) => "DIFFERS",
        };
        let ratio = if o.helm_ms > 0.0 && o.ours_ms > 0.0 {
            o.helm_ms / o.ours_ms
        } else {
            0.0
        };
        if ratio > 0.0 && matches!(o.verdict, corpus::Verdict::Identical) {
            ratios.push(ratio);
        }
        println!(
            "{name:<70} {:<9} {verdict:<10} {:>9.3} {:>9.3} {:>6.1}x",
            o.case.variant, o.ours_ms, o.helm_ms, ratio
        );
        if let corpus::Verdict::Differs(why) = &o.verdict {
            for line in why
                .lines()
                .take(if std::env::var_os("CORPUS_ONLY").is_some() {
                    60
                } else {
                    4
                })
            {
                println!("    {line}");
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
    println!(
        "\n{} of {} renders agree with Helm; median Helm-time / engine-time over identical renders: {median:.1}x",
        corpus::agreeing(&outcomes),
        outcomes.len()
    );
}
