//! The difference table in `docs/version-constraints.md`, proven on every run: for each row,
//! Rust's `semver::VersionReq` gives the "Rust `semver`" column, real Helm v4.2.3 (Sprig's
//! `semverCompare`, Masterminds semver v3 as Helm's repository lookup uses it) gives the "Helm"
//! column, and the operator's `Constraint` agrees with Helm. The test reads the table itself, so
//! the document cannot drift from what is measured.

mod common;

use helm_operator::source::constraint::Constraint;
use serde_json::json;

/// One row: constraint, version, what Rust's `semver` says, what Helm says.
struct Row {
    constraint: String,
    version: String,
    rust: Verdict,
    helm: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Matches,
    DoesNotMatch,
    Refused,
}

fn verdict(cell: &str) -> Verdict {
    match cell.trim() {
        "✓" => Verdict::Matches,
        "✗" => Verdict::DoesNotMatch,
        "error" => Verdict::Refused,
        other => panic!("unknown verdict {other:?} in the table"),
    }
}

/// The rows of the table in `docs/version-constraints.md`.
fn rows() -> Vec<Row> {
    let doc = std::fs::read_to_string(common::repo_root().join("docs/version-constraints.md"))
        .expect("docs/version-constraints.md");
    doc.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|line| {
            // `\|` inside a cell is a literal bar (Markdown's escape)
            let line = line.replace("\\|", "\u{1}");
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().replace('\u{1}', "|"))
                .collect();
            assert_eq!(cells.len(), 4, "a row has four cells: {line}");
            Row {
                constraint: cells[0].trim_matches('`').to_owned(),
                version: cells[1].clone(),
                rust: verdict(&cells[2]),
                helm: verdict(&cells[3]),
            }
        })
        .collect()
}

fn ours(row: &Row) -> Verdict {
    let version = semver::Version::parse(&row.version).expect("the table's versions are semver");
    match Constraint::parse(&row.constraint) {
        Err(_) => Verdict::Refused,
        Ok(c) if c.matches(&version) => Verdict::Matches,
        Ok(_) => Verdict::DoesNotMatch,
    }
}

fn rust_semver(row: &Row) -> Verdict {
    let version = semver::Version::parse(&row.version).unwrap();
    match semver::VersionReq::parse(&row.constraint) {
        Err(_) => Verdict::Refused,
        Ok(req) if req.matches(&version) => Verdict::Matches,
        Ok(_) => Verdict::DoesNotMatch,
    }
}

#[test]
fn the_table_rows_hold_for_rust_semver_and_for_the_operator() {
    let rows = rows();
    assert!(rows.len() >= 40, "the table has its rows ({})", rows.len());
    for row in &rows {
        let what = format!("`{}` against {}", row.constraint, row.version);
        assert_eq!(rust_semver(row), row.rust, "Rust semver: {what}");
        assert_eq!(ours(row), row.helm, "the operator: {what}");
    }
}

#[test]
fn the_table_rows_hold_for_real_helm() {
    let Some(python) = common::helm_oracle("the_table_rows_hold_for_real_helm") else {
        return;
    };
    let rows = rows();
    let inputs: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!({
                "template": "{{ semverCompare .Values.c .Values.v }}",
                "values": {"c": r.constraint, "v": r.version},
            })
        })
        .collect();
    let answers = common::oracle::run_oracle(&python, "render.py", &inputs);
    for (row, answer) in rows.iter().zip(answers) {
        let helm = match (answer.get("ok"), answer.get("error")) {
            (Some(out), _) if out == "true" => Verdict::Matches,
            (Some(out), _) if out == "false" => Verdict::DoesNotMatch,
            (_, Some(_)) => Verdict::Refused,
            _ => panic!("unexpected oracle answer {answer}"),
        };
        assert_eq!(
            helm, row.helm,
            "Helm: `{}` against {} ({answer})",
            row.constraint, row.version
        );
    }
}
