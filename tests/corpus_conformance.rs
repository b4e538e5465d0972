//! Corpus conformance: every chart of `../shared/corpus` rendered by the engine and by real Helm
//! v4.2.3 in the same run must agree (files and bytes; shapes for the files listed as
//! nondeterministic; Helm's error for the charts that must fail). The number of agreeing renders
//! may only go up: the test fails below the count recorded in
//! `tests/fixtures/corpus-conformance-pass-count.txt`. `cargo run --example corpus_conformance`
//! prints the whole table.

mod common;
use common::oracle;
#[path = "common/corpus.rs"]
mod corpus;

use std::io::Write;

#[test]
fn corpus_charts_render_as_helm_renders_them_at_least_as_often_as_recorded() {
    let test = "corpus_charts_render_as_helm_renders_them_at_least_as_often_as_recorded";
    let Some((corpus_dir, python)) = common::corpus_and_oracle(test) else {
        return;
    };
    let outcomes = corpus::run(&corpus_dir, &python);
    let agreeing = corpus::agreeing(&outcomes);
    let recorded: usize = std::fs::read_to_string(
        common::repo_root().join("tests/fixtures/corpus-conformance-pass-count.txt"),
    )
    .expect("the recorded pass count")
    .trim()
    .parse()
    .expect("a number");
    let _ = writeln!(
        std::io::stderr(),
        "corpus conformance: {agreeing} of {} renders agree with Helm (recorded minimum {recorded})",
        outcomes.len()
    );
    for o in outcomes
        .iter()
        .filter(|o| matches!(o.verdict, corpus::Verdict::Differs(_)))
    {
        if let corpus::Verdict::Differs(why) = &o.verdict {
            let _ = writeln!(
                std::io::stderr(),
                "  {} [{}]: {}",
                o.case.chart.file_name().unwrap().to_string_lossy(),
                o.case.variant,
                why.lines().next().unwrap_or_default()
            );
        }
    }
    assert!(
        agreeing >= recorded,
        "{agreeing} renders agree with Helm, fewer than the {recorded} recorded"
    );
}
