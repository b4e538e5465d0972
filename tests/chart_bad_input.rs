//! Broken charts never crash the engine: thousands of randomly damaged charts (template text,
//! `Chart.yaml`, values, schema, and whole archives: flipped bytes, cuts, duplicated spans) are
//! loaded and rendered; each either renders or fails with a message, and the run must see both.
//! The seed changes every run and is printed, so a failure can be replayed with
//! `BAD_INPUT_SEED=<seed>`.
//!
//! The named bad inputs with Helm's exact messages are tested where each check lives: archive
//! paths and limits in `chart::load`, values and schemas in `chart::values`, and the whole
//! command (`helm-operator template`) against real Helm in `tests/cli_template.rs`.

mod common;

use std::io::{Read, Write};
use std::path::Path;

use helm_operator::engine::chart::File;
use helm_operator::engine::chart::install::{InstallOptions, render_install};
use helm_operator::engine::chart::load::{LoadLimits, load_archive, load_files};
use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::ReleaseInfo;
use helm_operator::engine::exec::Limits;
use helm_operator::source::local::read_chart_dir;

/// xorshift64*: small, seedable, good enough to pick damage.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seed() -> u64 {
    let seed = std::env::var("BAD_INPUT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let _ = writeln!(std::io::stderr(), "bad input seed: {seed}");
    seed
}

/// Bytes that matter to templates, YAML, JSON and tar headers.
const INTERESTING: &[u8] = b"{}|-:\"'\n\t []$.()=,#&*!%@`\\0\xff\x00";

/// One random damage: a changed byte, a cut, a duplicated span or a truncation.
fn damage(rng: &mut Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        data.push(INTERESTING[rng.below(INTERESTING.len())]);
        return;
    }
    let at = rng.below(data.len());
    match rng.below(4) {
        0 => data[at] = INTERESTING[rng.below(INTERESTING.len())],
        1 => {
            let end = (at + 1 + rng.below(16)).min(data.len());
            data.drain(at..end);
        }
        2 => {
            let end = (at + 1 + rng.below(32)).min(data.len());
            let span = data[at..end].to_vec();
            data.splice(at..at, span);
        }
        _ => data.truncate(at),
    }
}

/// Renders a loaded chart with the options `helm template` uses; the outcome only has to exist.
fn render(chart: &helm_operator::engine::chart::Chart) -> bool {
    let release = ReleaseInfo::default();
    let capabilities = Capabilities::default();
    let limits = Limits {
        deadline: Some(std::time::Instant::now() + std::time::Duration::from_secs(10)),
        ..Limits::default()
    };
    render_install(
        chart,
        &serde_json::Map::new(),
        InstallOptions {
            release: &release,
            capabilities: &capabilities,
            limits,
            lookup: None,
            sub_notes: false,
        },
    )
    .is_ok()
}

#[test]
fn damaged_chart_files_load_or_render_or_fail_with_a_message_never_a_panic() {
    let fixture = common::repo_root().join("tests/fixtures/template-charts/app");
    let files = read_chart_dir(&fixture, &LoadLimits::default()).expect("the fixture chart");
    let mut rng = Rng(seed());
    let (mut rendered, mut failed) = (0, 0);
    for _ in 0..1500 {
        let mut damaged: Vec<File> = files.clone();
        for _ in 0..=rng.below(3) {
            let i = rng.below(damaged.len());
            let mut data = damaged[i].data.to_vec();
            damage(&mut rng, &mut data);
            damaged[i].data = data.into();
        }
        match load_files(damaged, &LoadLimits::default()) {
            Ok(chart) if render(&chart) => rendered += 1,
            _ => failed += 1,
        }
    }
    assert!(
        rendered > 0 && failed > 0,
        "{rendered} damaged charts rendered, {failed} failed: the damage should give both"
    );
}

#[test]
fn damaged_archives_load_or_fail_with_a_message_never_a_panic() {
    let test = "damaged_archives_load_or_fail_with_a_message_never_a_panic";
    let Some(shared) = common::shared_dir() else {
        common::skip(
            test,
            "../shared (the chart corpus) is not beside the checkout",
        );
        return;
    };
    let archive = shared.join("corpus/charts/bitnami_charts__nginx-22.1.1.tgz");
    let archive = if archive.is_file() {
        archive
    } else {
        smallest_archive(&shared.join("corpus/charts"))
    };
    let gz = std::fs::read(&archive).expect("a corpus archive");
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut tar)
        .expect("the archive inflates");
    let mut rng = Rng(seed());
    let (mut loaded, mut failed) = (0, 0);
    for i in 0..600 {
        let bytes = if i % 2 == 0 {
            // damage to the compressed stream
            let mut g = gz.clone();
            damage(&mut rng, &mut g);
            g
        } else {
            // damage to the tar stream inside a valid gzip
            let mut t = tar.clone();
            for _ in 0..=rng.below(3) {
                damage(&mut rng, &mut t);
            }
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&t).unwrap();
            enc.finish().unwrap()
        };
        match load_archive(&bytes, &LoadLimits::default()) {
            Ok(chart) => {
                loaded += 1;
                render(&chart);
            }
            Err(e) => {
                assert!(!e.to_string().is_empty(), "an error names what is wrong");
                failed += 1;
            }
        }
    }
    assert!(
        loaded > 0 && failed > 0,
        "{loaded} damaged archives loaded, {failed} failed: the damage should give both"
    );
}

fn smallest_archive(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tgz"))
        .min_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(u64::MAX))
        .expect("a corpus archive")
}
