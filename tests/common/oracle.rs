//! Real Helm as an oracle: a Python script under `tests/oracle/` that answers JSON lines, shared by
//! the tests and the corpus examples.

use std::path::Path;

/// Runs a JSON-lines oracle script (`tests/oracle/<script>`) in one Python process: each input
/// is one line in, each answer one line out, in order.
pub fn run_oracle(
    python: &Path,
    script: &str,
    inputs: &[serde_json::Value],
) -> Vec<serde_json::Value> {
    use std::io::{BufRead, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(python)
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/oracle")
                .join(script),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Helm oracle");
    let mut stdin = child.stdin.take().unwrap();
    let text: String = inputs.iter().map(|i| format!("{i}\n")).collect();
    // written from a thread: the oracle answers while it reads, and both pipes have limits
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let answers: Vec<serde_json::Value> = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|line| serde_json::from_str(&line.expect("oracle output")).expect("a JSON line"))
        .collect();
    writer.join().unwrap().expect("feed the oracle");
    assert!(
        child.wait().unwrap().success(),
        "the Helm oracle {script} failed"
    );
    assert_eq!(
        answers.len(),
        inputs.len(),
        "the oracle answered every input"
    );
    answers
}
