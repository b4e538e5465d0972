//! The real CNCF distribution registry (Debian's `docker-registry`) on 127.0.0.1, and charts
//! pushed to it by real Helm (`helm_python`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A registry on 127.0.0.1 storing under `dir`, with htpasswd auth when `htpasswd` is given.
pub fn start(
    binary: &Path,
    dir: &Path,
    htpasswd: Option<&Path>,
    tls: Option<&Path>,
) -> (super::Process, u16) {
    let auth = htpasswd.map(|file| {
        format!(
            "auth:\n  htpasswd:\n    realm: tests\n    path: {}\n",
            file.display()
        )
    });
    start_with(binary, dir, auth.as_deref().unwrap_or(""), tls)
}

/// A registry on 127.0.0.1 storing under `dir`, with `auth` (a YAML `auth:` section, or empty)
/// appended to its configuration; over TLS with `tls`'s `server.crt`/`server.key` when given.
pub fn start_with(
    binary: &Path,
    dir: &Path,
    auth: &str,
    tls: Option<&Path>,
) -> (super::Process, u16) {
    let port = super::free_port();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let mut config = format!(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: tests-not-secret\n",
        dir.join("data").display()
    );
    if let Some(certs) = tls {
        config.push_str(&format!(
            "  tls:\n    certificate: {0}/server.crt\n    key: {0}/server.key\n",
            certs.display()
        ));
    }
    config.push_str(auth);
    std::fs::write(dir.join("config.yml"), config).unwrap();
    let mut cmd = Command::new(binary);
    cmd.arg("serve").arg(dir.join("config.yml"));
    let process = super::Process::start("docker-registry", cmd, &dir.join("registry.log"));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the registry did not answer: {}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (process, port)
}

/// Packages the fixture chart at each version and pushes it with real Helm.
pub fn push(
    python: &Path,
    dir: &Path,
    port: u16,
    versions: &[&str],
    login: Option<(&str, &str)>,
) -> Vec<PathBuf> {
    push_to(python, dir, port, versions, login, None)
}

/// [`push`], over TLS when `ca` (the CA Helm must trust) is given.
pub fn push_to(
    python: &Path,
    dir: &Path,
    port: u16,
    versions: &[&str],
    login: Option<(&str, &str)>,
    ca: Option<&Path>,
) -> Vec<PathBuf> {
    let chart = super::repo_root().join("tests/fixtures/template-charts/app");
    let script = r#"
import json, sys, helm_python as h
chart, dest, remote, versions, login, tls = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5]), sys.argv[6] == "tls"
client = h.RegistryClient(plain_http=not tls, credentials_file=dest + "/creds.json")
if login:
    client.login(remote.split("/")[2], login[0], login[1], plain_http=not tls, insecure=tls)
for v in versions:
    tgz = h.package(chart, destination=dest, version=v)
    h.push(tgz, remote, client=client, plain_http=not tls, insecure_skip_tls_verify=tls)
    print(tgz)
"#;
    let mut cmd = Command::new(python);
    if let Some(ca) = ca {
        // Go reads the extra CA from here, once, when the process starts
        cmd.env("SSL_CERT_FILE", ca);
    }
    let out = cmd
        .args(["-c", script])
        .arg(&chart)
        .arg(dir)
        .arg(format!("oci://127.0.0.1:{port}/charts"))
        .arg(serde_json::to_string(versions).unwrap())
        .arg(serde_json::to_string(&login).unwrap())
        .arg(if ca.is_some() { "tls" } else { "plain" })
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm package/push: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect()
}

pub fn binary() -> Option<PathBuf> {
    super::which("docker-registry")
}
