//! Real nginx (Debian's `nginx-light`) serving a directory as a Helm repository on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The nginx binary, if installed.
pub fn binary() -> Option<PathBuf> {
    super::which("nginx").or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/nginx");
        sbin.exists().then_some(sbin)
    })
}

/// nginx serving `root` on 127.0.0.1: `/plain/` as is, `/gzip/` gzip-encoded, `/auth/` behind
/// Basic auth (`user`/`pass`); over TLS when `tls` is given.
pub fn start(nginx: &Path, dir: &Path, root: &Path, tls: Option<&Path>) -> (super::Process, u16) {
    std::fs::create_dir_all(dir).unwrap();
    // the workers may run as another user: everything they serve must be readable
    for path in [root, dir].into_iter().chain(tls) {
        let _ = Command::new("chmod")
            .args(["-R", "a+rX"])
            .arg(path)
            .status();
    }
    let port = super::free_port();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(dir.join("users"), "user:{PLAIN}pass\n").unwrap();
    let (listen, ssl) = match tls {
        Some(certs) => (
            format!("listen 127.0.0.1:{port} ssl;"),
            format!(
                "ssl_certificate {0}/server.crt; ssl_certificate_key {0}/server.key;",
                certs.display()
            ),
        ),
        None => (format!("listen 127.0.0.1:{port};"), String::new()),
    };
    let user = if std::env::var("USER").is_ok_and(|u| u == "root") || is_root() {
        "user root;"
    } else {
        ""
    };
    let d = dir.display();
    let conf = format!(
        "{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
  default_type application/octet-stream;
  access_log {d}/logs/access.log;
  client_body_temp_path {d}/tmp-body; proxy_temp_path {d}/tmp-proxy;
  fastcgi_temp_path {d}/tmp-fastcgi; uwsgi_temp_path {d}/tmp-uwsgi; scgi_temp_path {d}/tmp-scgi;
  server {{
    {listen}
    {ssl}
    root {root};
    location /plain/ {{ alias {root}/; }}
    location /gzip/ {{ alias {root}/; gzip on; gzip_types *; gzip_min_length 1; }}
    location /auth/ {{ alias {root}/; auth_basic \"charts\"; auth_basic_user_file {d}/users; }}
  }}
}}
",
        root = root.display()
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut cmd = Command::new(nginx);
    cmd.args(["-e"])
        .arg(dir.join("logs/error.log"))
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"));
    let process = super::Process::start("nginx", cmd, &dir.join("nginx.log"));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "nginx did not listen: {}",
            std::fs::read_to_string(dir.join("logs/error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (process, port)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A Helm repository in `dir` made by real Helm: the fixture chart `tests/fixtures/template-charts/app`
/// packaged at each of `versions` (its own version when empty) and `helm repo index`. Returns
/// the `index.yaml` path.
pub fn helm_repository(python: &Path, dir: &Path, versions: &[&str]) -> PathBuf {
    let chart = super::repo_root().join("tests/fixtures/template-charts/app");
    let script = "import json, sys, helm_python as h\nfor v in json.loads(sys.argv[3]) or [None]:\n    h.package(sys.argv[1], destination=sys.argv[2], version=v)\nh.repo_index_generate(sys.argv[2])";
    let out = Command::new(python)
        .args(["-c", script])
        .arg(&chart)
        .arg(dir)
        .arg(serde_json::to_string(versions).unwrap())
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm package/repo index: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("index.yaml")
}

/// Packages the chart directory `chart` with real Helm into `dir/www/repo`, indexes it, and
/// serves `dir/www` with nginx: (the server, its port, the repository directory). The
/// repository's URL is `http://127.0.0.1:<port>/plain/repo`.
pub fn serve_packaged(
    python: &Path,
    nginx: &Path,
    dir: &Path,
    chart: &Path,
) -> (super::Process, u16, PathBuf) {
    let root = dir.join("www");
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let script = "import sys, helm_python as h\nprint(h.package(sys.argv[1], destination=sys.argv[2]))\nh.repo_index_generate(sys.argv[2])";
    let out = Command::new(python)
        .args(["-c", script])
        .arg(chart)
        .arg(&repo)
        .env("HOME", dir)
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm package: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (web, port) = start(nginx, &dir.join("nginx"), &root, None);
    (web, port, repo)
}
