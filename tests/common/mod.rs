//! Helpers shared by the integration tests: paths, the shared testbed, YAML streams.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the checkout, when present (CI has it; a user's machine may not).
pub fn shared_dir() -> Option<PathBuf> {
    let dir = repo_root().join("..").join("shared");
    dir.is_dir().then_some(dir)
}

/// Prints why a test is skipped; the message names what is missing so a skip is never silent.
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
}

/// Parses a multi-document YAML stream into JSON values, dropping empty documents.
pub fn yaml_documents(text: &str) -> Vec<serde_json::Value> {
    serde_saphyr::from_str_multiple::<serde_json::Value, Vec<serde_json::Value>>(text)
        .unwrap_or_else(|e| panic!("YAML stream does not parse: {e}\n{text}"))
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

/// The Python interpreter of the test venv with `helm_python`, when it exists.
///
/// `HELM_OPERATOR_TEST_VENV` names the venv; the default is `.venv` in the repository, where the
/// README's test command creates it.
pub fn helm_python() -> Option<PathBuf> {
    let venv = std::env::var_os("HELM_OPERATOR_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv"));
    let python = venv.join("bin").join("python");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import helm_python"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(python)
}

/// Whether the test run must have every real part (set by the README's test command). When it is
/// set, a missing part fails the test instead of skipping it.
pub fn parts_required() -> bool {
    std::env::var_os("HELM_OPERATOR_REQUIRE_TESTBED").is_some_and(|v| v == "1")
}

/// Returns the tool or skips/fails depending on [`parts_required`].
pub fn require<T>(test: &str, what: &str, found: Option<T>) -> Option<T> {
    match found {
        Some(v) => Some(v),
        None if parts_required() => {
            panic!("{test}: {what} is required (HELM_OPERATOR_REQUIRE_TESTBED=1) but missing")
        }
        None => {
            skip(test, &format!("{what} is not available"));
            None
        }
    }
}

/// Finds an executable on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Reads a file to a string, panicking with its path.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}
