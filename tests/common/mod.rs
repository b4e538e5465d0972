//! Helpers shared by the integration tests: paths, the shared testbed, YAML streams.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod nginx;
pub mod operator;
pub mod oracle;
pub mod registry;
pub mod replicas;

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
    use std::io::Write;
    // Written to the stderr handle, not through eprintln!, which the test harness captures for
    // passing tests: a skip must be visible in the run's output.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
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

/// A child process that is stopped by PID (SIGTERM, then SIGKILL) when dropped.
pub struct Process {
    pub child: std::process::Child,
    pub name: String,
    pub log: PathBuf,
}

impl Process {
    /// Starts `cmd` with stdout and stderr going to `log`.
    pub fn start(name: &str, mut cmd: std::process::Command, log: &Path) -> Self {
        let out =
            std::fs::File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().unwrap();
        let child = cmd
            .stdout(out)
            .stderr(err)
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Self {
            child,
            name: name.to_owned(),
            log: log.to_owned(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by PID.
    pub fn signal(&self, signal: &str) {
        let _ = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status();
    }

    /// Waits for the process to exit, at most `limit`; `None` if it is still running.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.signal("TERM");
            if self.wait_exit(std::time::Duration::from_secs(10)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal blocking HTTP/1.1 GET against 127.0.0.1: (status, body), or `None` when nothing
/// answers.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    try_http(port, "GET", path, "application/json", b"").map(|(status, _, body)| (status, body))
}

/// One HTTP/1.1 request on a fresh connection: (status, head, body), or `None` when nothing
/// answers.
fn try_http(
    port: u16,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Option<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nUser-Agent: helm-operator-tests/1.0\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Some((status, head.to_owned(), body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// Polls `probe` every 100 ms until it returns `Some`, or panics after `limit` with `what`.
/// The limit only guards against a hang; it is not a performance assertion.
pub fn eventually<T>(
    what: &str,
    limit: std::time::Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A fresh scratch directory under the target directory, removed first if it exists.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a kubeconfig for a plain-HTTP API server on 127.0.0.1:`port`.
pub fn write_kubeconfig(dir: &Path, port: u16) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\nusers:\n- name: test\n  user: {{token: test-token}}\ncontexts:\n- name: test\n  context: {{cluster: test, user: test, namespace: default}}\ncurrent-context: test\n"
        ),
    )
    .unwrap();
    path
}

/// An HTTP/1.1 request with a body: (status, head, body); panics when nothing answers.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String, String) {
    try_http(port, method, path, content_type, body)
        .unwrap_or_else(|| panic!("no answer to {method} {path} on port {port}"))
}

/// The Helm oracle's Python (`helm_python`), or `None` after [`require`] said why.
pub fn helm_oracle(test: &str) -> Option<PathBuf> {
    require(test, "the Helm oracle venv (helm_python)", helm_python())
}

/// The chart corpus (`../shared/corpus`) and the Helm oracle's Python, or `None` after saying
/// which is missing.
pub fn corpus_and_oracle(test: &str) -> Option<(PathBuf, PathBuf)> {
    let Some(shared) = shared_dir() else {
        skip(
            test,
            "../shared (the chart corpus) is not beside the checkout",
        );
        return None;
    };
    Some((shared.join("corpus"), helm_oracle(test)?))
}

/// A CA and a server certificate for 127.0.0.1, made with openssl.
pub fn certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=helm-operator test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}
