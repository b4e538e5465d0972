//! Resolving a version constraint against a repository at index scale (2,000 charts × 20
//! versions, the size of the large-index benchmark): parse each constraint once, then pick the
//! newest matching version of every chart. The anchor, measured in the same run, is the `semver`
//! crate's `VersionReq` doing the same picks for the constraints both accept; the printed ratio is
//! the cost of Helm's semantics over plain Cargo semantics.
//!
//! `cargo bench --bench constraint_resolution` measures; under `cargo test` it runs one quick
//! pass as a smoke test.

use std::hint::black_box;
use std::time::{Duration, Instant};

use helm_operator::source::constraint::Constraint;
use semver::{Version, VersionReq};

const CHARTS: usize = 2_000;
const VERSIONS: usize = 20;

fn repository() -> Vec<Vec<Version>> {
    (0..CHARTS)
        .map(|c| {
            (0..VERSIONS)
                .map(|v| {
                    let pre = if v % 7 == 6 { "-rc.1" } else { "" };
                    Version::parse(&format!("{}.{}.{}{pre}", c % 5, v / 4, (v * 3 + c) % 11))
                        .unwrap()
                })
                .collect()
        })
        .collect()
}

fn newest(versions: &[Version], matches: impl Fn(&Version) -> bool) -> Option<&Version> {
    versions.iter().filter(|v| matches(v)).max()
}

fn time(iterations: u32, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let start = Instant::now();
    let mut found = 0;
    for _ in 0..iterations {
        found = black_box(f());
    }
    (start.elapsed() / iterations, found)
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let iterations = if measuring { 30 } else { 1 };
    let repo = repository();
    // constraints both implementations accept and agree on
    let shared = ["^1.2.0", "~2.1.0", ">=1.0.0, <3.0.0", "*", "^0.2.3"];
    let ours: Vec<Constraint> = shared
        .iter()
        .map(|c| Constraint::parse(c).unwrap())
        .collect();
    let cargo: Vec<VersionReq> = shared
        .iter()
        .map(|c| VersionReq::parse(c).unwrap())
        .collect();

    let (ours_time, ours_found) = time(iterations, || {
        repo.iter()
            .map(|vs| {
                ours.iter()
                    .filter(|c| newest(vs, |v| c.matches(v)).is_some())
                    .count()
            })
            .sum()
    });
    let (anchor_time, anchor_found) = time(iterations, || {
        repo.iter()
            .map(|vs| {
                cargo
                    .iter()
                    .filter(|c| newest(vs, |v| c.matches(v)).is_some())
                    .count()
            })
            .sum()
    });
    assert_eq!(
        ours_found, anchor_found,
        "both must resolve the same charts"
    );

    // Helm-only syntax, no anchor: space AND, `||`, hyphen ranges, exact bare versions
    let helm_only: Vec<Constraint> = [
        "1.2.3",
        ">=1.0.0 <2.0.0",
        "^1.2 || ^2.0",
        "1.0 - 2.5.1",
        "!=1.1.0, >=1.0.0",
    ]
    .iter()
    .map(|c| Constraint::parse(c).unwrap())
    .collect();
    let (helm_time, _) = time(iterations, || {
        repo.iter()
            .map(|vs| {
                helm_only
                    .iter()
                    .filter(|c| newest(vs, |v| c.matches(v)).is_some())
                    .count()
            })
            .sum()
    });

    let parse_start = Instant::now();
    for _ in 0..10_000 {
        black_box(Constraint::parse(black_box(">=1.0.0, <2.0.0 || ^3.1")).unwrap());
    }
    let parse_each = parse_start.elapsed() / 10_000;

    let picks = (CHARTS * shared.len()) as f64;
    println!(
        "constraint resolution over {CHARTS} charts x {VERSIONS} versions ({iterations} iterations)"
    );
    println!(
        "  helm-operator Constraint : {:>10.3} ms  ({:.0} ns per pick)",
        ours_time.as_secs_f64() * 1e3,
        ours_time.as_secs_f64() * 1e9 / picks
    );
    println!(
        "  anchor semver::VersionReq: {:>10.3} ms  ({:.0} ns per pick)",
        anchor_time.as_secs_f64() * 1e3,
        anchor_time.as_secs_f64() * 1e9 / picks
    );
    println!(
        "  ratio (ours / anchor)    : {:>10.2}x",
        ours_time.as_secs_f64() / anchor_time.as_secs_f64()
    );
    println!(
        "  Helm-only syntax         : {:>10.3} ms",
        helm_time.as_secs_f64() * 1e3
    );
    println!(
        "  parse one constraint     : {:>10.0} ns",
        parse_each.as_secs_f64() * 1e9
    );
}
