//! Helm charts in a registry that authenticates with Bearer token challenges, the Docker token
//! flow that Docker Hub, GHCR, ACR and GAR use: the real CNCF distribution registry (Debian's
//! `docker-registry`) answers 401 with `WWW-Authenticate: Bearer realm=...,service=...`, and a
//! small token server in this file hands out RS256 JWTs (signed by `openssl`, the certificate in
//! the JWT's `x5c` header and in the registry's `rootcertbundle`). Real Helm logs in and pushes
//! through that flow; the source then lists and pulls with Basic credentials exchanged for a
//! token, is refused with a wrong password or anonymously, and reads the same credentials from a
//! `.dockerconfigjson` document.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use helm_operator::source::oci::{
    OciAuth, OciChartRef, OciError, OciSettings, RegistryListing, client, docker_config_auth,
    list_registry, list_versions, pull_chart,
};
use sha2::Digest as _;

const TEST: &str = "oci token auth";
/// The `service` of the registry's challenge; tokens must name it as their audience.
const SERVICE: &str = "helm-operator-tests-registry";
/// The `iss` the registry trusts.
const ISSUER: &str = "helm-operator-tests-token-issuer";
const USER: &str = "robot";
const PASSWORD: &str = "t0ken-fl0w-s3cret";
const WRONG_PASSWORD: &str = "n0t-the-s3cret";

/// One request the token server answered, as the test checks it afterwards.
#[derive(Debug, Clone)]
struct Issued {
    method: String,
    /// The user of the request's credentials; `None` for an anonymous request.
    account: Option<String>,
    service: String,
    scopes: Vec<String>,
    status: u16,
    /// `type:name:actions` of every access the token grants.
    granted: Vec<String>,
}

/// What the token server needs to sign: the key and the certificate's DER (base64) for `x5c`.
struct Signer {
    openssl: PathBuf,
    key: PathBuf,
    x5c: String,
    log: Mutex<Vec<Issued>>,
    serial: std::sync::atomic::AtomicU64,
}

/// The token server, running on its own thread and runtime so that a blocking Helm process in
/// the test's runtime cannot starve it; it stops when dropped.
struct TokenServer {
    port: u16,
    signer: Arc<Signer>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TokenServer {
    fn start(openssl: PathBuf, key: PathBuf, certificate_pem: &str) -> Self {
        // the certificate's base64 body is its DER in standard base64, what `x5c` holds
        let x5c: String = certificate_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let signer = Arc::new(Signer {
            openssl,
            key,
            x5c,
            log: Mutex::new(Vec::new()),
            serial: std::sync::atomic::AtomicU64::new(0),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = axum::Router::new()
            .route("/token", axum::routing::get(issue).post(issue))
            .with_state(Arc::clone(&signer));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Self {
            port,
            signer,
            _stop: stop,
        }
    }

    /// Everything answered since the last call.
    fn take(&self) -> Vec<Issued> {
        std::mem::take(&mut *self.signer.log.lock().unwrap())
    }
}

/// The token endpoint: `GET` with optional Basic credentials (the Docker token protocol, what
/// oci-client sends), or `POST` with a `grant_type=password` form (the OAuth2 variant, what
/// Helm's login sends).
async fn issue(
    State(signer): State<Arc<Signer>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = if method == Method::POST {
        form_pairs(&String::from_utf8_lossy(&body))
    } else {
        form_pairs(query.as_deref().unwrap_or(""))
    };
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let scopes: Vec<String> = params
        .iter()
        .filter(|(n, _)| n == "scope")
        .flat_map(|(_, v)| v.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect();
    let service = param("service").unwrap_or_default();
    let credentials = basic_credentials(&headers).or_else(|| {
        (param("grant_type").as_deref() == Some("password"))
            .then(|| Some((param("username")?, param("password")?)))
            .flatten()
    });
    let mut record = Issued {
        method: method.to_string(),
        account: credentials.as_ref().map(|(u, _)| u.clone()),
        service: service.clone(),
        scopes: scopes.clone(),
        status: 200,
        granted: Vec::new(),
    };
    if let Some((user, password)) = &credentials
        && (user != USER || password != PASSWORD)
    {
        record.status = 401;
        signer.log.lock().unwrap().push(record);
        // like real token services: a 401 that names neither the user's password nor the reason
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"details":"incorrect username or password"}"#,
        )
            .into_response();
    }
    // the repositories are private: anonymous callers get a valid token that grants nothing,
    // which is what public registries hand out for a private repository
    let mut access = Vec::new();
    if credentials.is_some() {
        for scope in &scopes {
            let (Some((kind, rest)), Some((_, actions))) =
                (scope.split_once(':'), scope.rsplit_once(':'))
            else {
                continue;
            };
            let Some((name, _)) = rest.rsplit_once(':') else {
                continue;
            };
            let allowed: Vec<&str> = actions
                .split(',')
                .filter(|a| kind == "repository" && ["pull", "push"].contains(a))
                .collect();
            if !allowed.is_empty() {
                record
                    .granted
                    .push(format!("{kind}:{name}:{}", allowed.join(",")));
                access.push(serde_json::json!({"type": kind, "name": name, "actions": allowed}));
            }
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let serial = signer
        .serial
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let head = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [signer.x5c]});
    let claims = serde_json::json!({
        "iss": ISSUER,
        "sub": record.account.clone().unwrap_or_default(),
        // distribution 2.8 reads `aud` as one string
        "aud": service,
        "exp": now + 300,
        "nbf": now - 10,
        "iat": now,
        "jti": format!("test-{serial}"),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(head.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = match sign(&signer.openssl, &signer.key, signing_input.as_bytes()).await {
        Ok(s) => s,
        Err(why) => {
            record.status = 500;
            signer.log.lock().unwrap().push(record);
            return (StatusCode::INTERNAL_SERVER_ERROR, why).into_response();
        }
    };
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
    signer.log.lock().unwrap().push(record);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({"token": token, "access_token": token, "expires_in": 300}).to_string(),
    )
        .into_response()
}

/// RS256 (RSASSA-PKCS1-v1_5 over SHA-256) of `input` with the PEM key at `key`.
async fn sign(openssl: &Path, key: &Path, input: &[u8]) -> Result<Vec<u8>, String> {
    use tokio::io::AsyncWriteExt as _;
    let mut child = tokio::process::Command::new(openssl)
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("openssl: {e}"))?;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).await.map_err(|e| e.to_string())?;
    drop(stdin);
    let out = child.wait_with_output().await.map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `Authorization: Basic` credentials, when the request carries them.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `a=b&c=d` with `%XX` and `+` decoded, in order, repeated keys kept.
fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let hex = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The registry on 127.0.0.1, trusting tokens from `realm` signed under `bundle`.
fn start_registry(binary: &Path, dir: &Path, realm: &str, bundle: &Path) -> (common::Process, u16) {
    let auth = format!(
        "auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
        bundle.display()
    );
    common::registry::start_with(binary, dir, &auth, None)
}

/// What real Helm did for one version: the archive it packaged and the manifest digest the
/// registry resolves the tag to (Helm's push reports no digest).
#[derive(Debug)]
struct Pushed {
    version: String,
    archive: PathBuf,
    manifest_digest: String,
}

/// Logs Helm in through the token flow, packages the fixture chart at each version, pushes it,
/// and resolves each tag back through the registry.
fn helm_push(python: &Path, dir: &Path, port: u16, versions: &[&str]) -> Vec<Pushed> {
    let chart = common::repo_root().join("tests/fixtures/template-charts/app");
    let script = r#"
import json, sys, helm_python as h
chart, dest, host, versions, user, password = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), sys.argv[5], sys.argv[6]
client = h.RegistryClient(plain_http=True, credentials_file=dest + "/creds.json")
client.login(host, user, password, plain_http=True)
for v in versions:
    tgz = h.package(chart, destination=dest, version=v)
    h.push(tgz, "oci://" + host + "/charts", client=client, plain_http=True)
    resolved = client.resolve("oci://" + host + "/charts/app:" + v.replace("+", "_"))
    print(json.dumps({"version": v, "tgz": str(tgz), "resolved": resolved}, default=str))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(&chart)
        .arg(dir)
        .arg(format!("127.0.0.1:{port}"))
        .arg(serde_json::to_string(versions).unwrap())
        .args([USER, PASSWORD])
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm login/package/push: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            Pushed {
                version: v["version"].as_str().unwrap().to_owned(),
                archive: PathBuf::from(v["tgz"].as_str().unwrap()),
                manifest_digest: v["resolved"]["digest"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    let hex: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// Where the registry's filesystem storage keeps the blob `digest`.
fn blob_path(scratch: &Path, digest: &str) -> PathBuf {
    let hex = digest.trim_start_matches("sha256:");
    scratch
        .join("registry/data/docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data")
}

/// A client of its own: oci-client keeps the first credentials it sees per registry and caches
/// tokens per repository, so each identity in this test needs a fresh one.
fn fresh_client() -> oci_client::Client {
    client(&OciSettings {
        plain_http: true,
        timeout: Some(Duration::from_secs(30)),
        ..OciSettings::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_registry_exchanges_basic_credentials_for_a_bearer_token() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(binary) = common::require(
        TEST,
        "docker-registry (Debian)",
        common::which("docker-registry"),
    ) else {
        return;
    };
    let Some(openssl) = common::require(TEST, "openssl", common::which("openssl")) else {
        return;
    };
    let started = std::time::Instant::now();
    let scratch = common::scratch_dir("source-oci-token");
    let keys = scratch.join("issuer");
    std::fs::create_dir_all(&keys).unwrap();
    let made = Command::new(&openssl)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=helm-operator test token issuer"])
        .arg("-keyout")
        .arg(keys.join("issuer.key"))
        .arg("-out")
        .arg(keys.join("issuer.crt"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let tokens = TokenServer::start(
        openssl,
        keys.join("issuer.key"),
        &common::read(&keys.join("issuer.crt")),
    );
    let realm = format!("http://127.0.0.1:{}/token", tokens.port);
    let (registry, port) = start_registry(
        &binary,
        &scratch.join("registry"),
        &realm,
        &keys.join("issuer.crt"),
    );

    // the registry really challenges with Bearer, naming the realm and service
    let (status, head, _) = common::http_request(port, "GET", "/v2/", "application/json", b"");
    assert_eq!(status, 401, "{head}");
    let challenge = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("www-authenticate:"))
        .unwrap_or_else(|| panic!("no challenge in {head}"));
    assert!(
        challenge.contains(&format!("Bearer realm=\"{realm}\""))
            && challenge.contains(&format!("service=\"{SERVICE}\"")),
        "{challenge}"
    );

    // real Helm logs in and pushes through the token flow (versions out of order on purpose)
    std::fs::create_dir_all(scratch.join("charts")).unwrap();
    let pushed = helm_push(
        &python,
        &scratch.join("charts"),
        port,
        &["1.9.2", "1.10.0", "1.0.0"],
    );
    assert_eq!(pushed.len(), 3);
    let helm_requests = tokens.take();
    assert!(
        helm_requests
            .iter()
            .any(|r| r.account.as_deref() == Some(USER)
                && r.status == 200
                && r.granted
                    .iter()
                    .any(|g| g == "repository:charts/app:pull,push")),
        "Helm never obtained a push token: {helm_requests:#?}\n{}",
        registry.log_text()
    );
    let push_done = started.elapsed();

    let chart = OciChartRef::parse(&format!("oci://127.0.0.1:{port}/charts/app")).unwrap();
    let robot = OciAuth::Basic {
        username: USER.into(),
        password: PASSWORD.into(),
    };

    // right credentials: exactly the pushed versions, newest first
    let oci = fresh_client();
    let versions = list_versions(&oci, &chart, &robot).await.unwrap();
    let listed: Vec<(String, String)> = versions
        .iter()
        .map(|v| (v.version.to_string(), v.tag.clone()))
        .collect();
    assert_eq!(
        listed,
        [
            ("1.10.0".to_owned(), "1.10.0".to_owned()),
            ("1.9.2".to_owned(), "1.9.2".to_owned()),
            ("1.0.0".to_owned(), "1.0.0".to_owned()),
        ]
    );
    // each pulled archive is the one Helm packaged, under the digests Helm and the registry name
    for p in &pushed {
        let sent = std::fs::read(&p.archive).unwrap();
        let pulled = pull_chart(&oci, &chart, &p.version, &robot, 10 << 20)
            .await
            .unwrap_or_else(|e| panic!("pull {}: {e}", p.version));
        assert_eq!(pulled.archive, sent, "{}", p.version);
        assert_eq!(pulled.digest, sha256(&sent), "{}", p.version);
        // the manifest the registry resolves the tag to (as Helm reports it) names that layer
        let manifest = std::fs::read(blob_path(&scratch, &p.manifest_digest)).unwrap();
        assert_eq!(sha256(&manifest), p.manifest_digest);
        let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        assert_eq!(
            manifest["layers"][0]["digest"].as_str(),
            Some(pulled.digest.as_str()),
            "{manifest}"
        );
        assert_eq!(pulled.manifest_digest, p.manifest_digest, "{}", p.version);
    }
    // ...and it got there through tokens: Basic-authenticated GETs for a pull token on the chart
    // for the challenge's service (oci-client caches it across the listing and the pulls)
    let ours = tokens.take();
    assert!(!ours.is_empty(), "the client never asked for a token");
    for r in &ours {
        assert_eq!(r.method, "GET", "{r:?}");
        assert_eq!(r.account.as_deref(), Some(USER), "{r:?}");
        assert_eq!(r.service, SERVICE, "{r:?}");
        assert_eq!(r.scopes, ["repository:charts/app:pull"], "{r:?}");
        assert_eq!(
            (r.status, r.granted.as_slice()),
            (200, ["repository:charts/app:pull".to_owned()].as_slice()),
            "{r:?}"
        );
    }

    // a wrong password: the token service refuses, the registry then refuses, and the password
    // shows nowhere
    let wrong = OciAuth::Basic {
        username: USER.into(),
        password: WRONG_PASSWORD.into(),
    };
    let shown_auth = format!("{wrong:?}");
    assert!(!shown_auth.contains(WRONG_PASSWORD), "{shown_auth}");
    let oci = fresh_client();
    let listed = list_versions(&oci, &chart, &wrong).await.unwrap_err();
    let pulled = pull_chart(&oci, &chart, "1.10.0", &wrong, 10 << 20)
        .await
        .unwrap_err();
    for e in [&listed, &pulled] {
        assert!(matches!(e, OciError::Unauthorized { .. }), "{e:?}");
        for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            assert!(
                !shown.contains(WRONG_PASSWORD) && !shown.contains(PASSWORD),
                "{shown}"
            );
        }
    }
    let refused = tokens.take();
    assert!(
        !refused.is_empty()
            && refused
                .iter()
                .all(|r| r.account.as_deref() == Some(USER) && r.status == 401),
        "{refused:#?}"
    );

    // anonymous: a token that grants nothing, so the private chart stays closed
    let oci = fresh_client();
    for e in [
        list_versions(&oci, &chart, &OciAuth::Anonymous)
            .await
            .unwrap_err(),
        pull_chart(&oci, &chart, "1.10.0", &OciAuth::Anonymous, 10 << 20)
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(e, OciError::Unauthorized { .. }), "{e:?}");
    }
    let anonymous = tokens.take();
    assert!(
        !anonymous.is_empty()
            && anonymous
                .iter()
                .all(|r| r.account.is_none() && r.status == 200 && r.granted.is_empty()),
        "{anonymous:#?}"
    );

    // a `.dockerconfigjson` for the registry host gives the same credentials and the same result
    let host = format!("127.0.0.1:{port}");
    let encoded = STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for document in [
        format!(r#"{{"auths":{{"{host}":{{"auth":"{encoded}"}}}}}}"#),
        format!(
            r#"{{"auths":{{"http://{host}/":{{"username":"{USER}","password":"{PASSWORD}"}},"other.example":{{"auth":"eDp5"}}}}}}"#
        ),
    ] {
        let auth = docker_config_auth(document.as_bytes(), &host).unwrap();
        assert_eq!(auth, robot, "{document}");
        let oci = fresh_client();
        let versions = list_versions(&oci, &chart, &auth).await.unwrap();
        let names: Vec<String> = versions.iter().map(|v| v.version.to_string()).collect();
        assert_eq!(names, ["1.10.0", "1.9.2", "1.0.0"], "{document}");
        let pulled = pull_chart(&oci, &chart, "1.9.2", &auth, 10 << 20)
            .await
            .unwrap();
        assert_eq!(pulled.archive, std::fs::read(&pushed[0].archive).unwrap());
    }
    let from_config = tokens.take();
    assert!(
        !from_config.is_empty()
            && from_config
                .iter()
                .all(|r| r.account.as_deref() == Some(USER) && r.status == 200),
        "{from_config:#?}"
    );
    // a registry path as a HelmRepository sees it: the token service grants no catalog rights,
    // so valid credentials give "catalog unavailable" (versions are then read per chart), while
    // wrong ones are still an authentication failure
    let base = OciChartRef::parse(&format!("oci://127.0.0.1:{port}/charts")).unwrap();
    let listing = list_registry(&fresh_client(), &base, &robot, 100, 2)
        .await
        .unwrap();
    assert!(
        matches!(listing, RegistryListing::CatalogUnavailable { .. }),
        "{listing:?}"
    );
    let refused = list_registry(&fresh_client(), &base, &wrong, 100, 2)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, OciError::Unauthorized { .. }),
        "{refused:?}"
    );
    let _ = tokens.take();

    eprintln!(
        "oci token auth: setup, Helm login and push {:.1?}, whole test {:.1?}",
        push_done,
        started.elapsed()
    );
}
