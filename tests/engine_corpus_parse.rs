//! Every template of every chart in the shared corpus (163 real public charts and their vendored
//! subcharts) parses with the engine, with Helm's function set: the parser knows all the syntax
//! and every function name real charts use. Rendering the corpus against Helm belongs to the
//! chart conformance run; this checks the template language on its own, chart by chart, with
//! each chart's files (subcharts included) parsed together as Helm parses them.
//!
//! Skips with a message when `../shared` is not beside the checkout.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use helm_operator::engine::render::Templates;

/// The template files of an unpacked chart and its subcharts, named as Helm names them
/// (`<chart>/templates/x.yaml`, `<chart>/charts/<sub>/templates/y.tpl`).
fn template_files(root: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(root.parent().unwrap()).unwrap();
            let name = rel.to_string_lossy().into_owned();
            // templates/ directly under a chart directory (the chart root or charts/<sub>/)
            let parts: Vec<&str> = name.split('/').collect();
            let in_templates = parts.iter().enumerate().any(|(i, p)| {
                *p == "templates" && (i == 1 || (i >= 2 && parts[i - 2] == "charts"))
            });
            if in_templates && let Ok(text) = std::fs::read_to_string(&path) {
                files.push((name, text));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_corpus_template_parses_with_helms_function_set() {
    let test = "every_corpus_template_parses_with_helms_function_set";
    let Some(shared) = common::shared_dir() else {
        common::skip(
            test,
            "../shared (the chart corpus) is not beside the checkout",
        );
        return;
    };
    let archives: Vec<_> = ["charts", "failing"]
        .iter()
        .flat_map(|d| std::fs::read_dir(shared.join("corpus").join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tgz"))
        .collect();
    assert!(archives.len() >= 160, "the corpus holds its charts");
    let scratch = common::scratch_dir("engine-corpus-parse");
    let mut failures = BTreeMap::new();
    let mut templates = 0;
    for (i, archive) in archives.iter().enumerate() {
        let dir = scratch.join(i.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(archive)
            .arg("-C")
            .arg(&dir)
            .status()
            .expect("tar runs");
        assert!(status.success(), "unpack {}", archive.display());
        let chart_root = std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let files = template_files(&chart_root);
        templates += files.len();
        if let Err(e) = Templates::parse(&files) {
            failures.insert(
                archive.file_name().unwrap().to_string_lossy().into_owned(),
                e,
            );
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "engine corpus parse: {} of {} charts ({templates} template files) parse",
        archives.len() - failures.len(),
        archives.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
