//! Downloading a Helm repository's `index.yaml` from real nginx (Debian's `nginx-light`) serving
//! an index made by real Helm (`helm repo index` through `helm_python`): plain, gzip-encoded,
//! conditional (ETag and Last-Modified), Basic-authenticated and over TLS with the test's own CA;
//! and every failure sorted into its reason: 401, 404, unknown CA, closed port, too large.

mod common;

use std::time::Duration;

use helm_operator::source::http::{
    BasicAuth, FetchError, IndexFetch, IndexRequest, RepoTls, client, fetch_index,
};

const TEST: &str = "http repositories";

fn request<'a>(repo_url: &'a str, max_bytes: u64) -> IndexRequest<'a> {
    IndexRequest {
        repo_url,
        auth: None,
        etag: None,
        last_modified: None,
        max_bytes,
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_downloads_from_real_nginx_with_every_reason_for_failure() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(nginx) = common::require(TEST, "nginx (Debian nginx-light)", common::nginx::binary())
    else {
        return;
    };
    let Some(_) = common::require(TEST, "openssl", common::which("openssl")) else {
        return;
    };
    let scratch = common::scratch_dir("source-http");
    let root = scratch.join("repo");
    std::fs::create_dir_all(&root).unwrap();
    let index = std::fs::read(common::nginx::helm_repository(&python, &root, &[]))
        .expect("Helm wrote index.yaml");

    let (_plain_server, port) = common::nginx::start(&nginx, &scratch.join("nginx"), &root, None);
    let http = client(&RepoTls::default(), Duration::from_secs(10)).unwrap();
    let max = 1 << 20;

    // plain, then conditional on the ETag and on Last-Modified
    let plain = format!("http://127.0.0.1:{port}/plain");
    let IndexFetch::Fetched {
        body,
        etag,
        last_modified,
    } = fetch_index(&http, &request(&plain, max)).await.unwrap()
    else {
        panic!("a first download fetches");
    };
    assert_eq!(body, index, "the bytes Helm wrote");
    let etag = etag.expect("nginx sends an ETag");
    let last_modified = last_modified.expect("nginx sends Last-Modified");
    let again = IndexRequest {
        etag: Some(&etag),
        ..request(&plain, max)
    };
    assert_eq!(
        fetch_index(&http, &again).await,
        Ok(IndexFetch::NotModified)
    );
    let since = IndexRequest {
        last_modified: Some(&last_modified),
        ..request(&plain, max)
    };
    assert_eq!(
        fetch_index(&http, &since).await,
        Ok(IndexFetch::NotModified)
    );

    // gzip on the wire, inflated here
    let gzip = format!("http://127.0.0.1:{port}/gzip/");
    match fetch_index(&http, &request(&gzip, max)).await.unwrap() {
        IndexFetch::Fetched { body, .. } => assert_eq!(body, index),
        other => panic!("gzip: {other:?}"),
    }

    // Basic auth: right, missing, wrong
    let auth_url = format!("http://127.0.0.1:{port}/auth");
    let good = BasicAuth {
        username: "user".into(),
        password: "pass".into(),
    };
    let with = |auth| IndexRequest {
        auth,
        ..request(&auth_url, max)
    };
    assert!(matches!(
        fetch_index(&http, &with(Some(&good))).await,
        Ok(IndexFetch::Fetched { .. })
    ));
    assert!(matches!(
        fetch_index(&http, &with(None)).await,
        Err(FetchError::Unauthorized { status: 401, .. })
    ));
    let bad = BasicAuth {
        username: "user".into(),
        password: "nope".into(),
    };
    let refused = fetch_index(&http, &with(Some(&bad))).await.unwrap_err();
    assert!(matches!(
        refused,
        FetchError::Unauthorized { status: 401, .. }
    ));
    assert!(
        !refused.to_string().contains("nope"),
        "no secret in {refused}"
    );

    // 404, too large (as sent and as inflated), closed port
    let missing = format!("http://127.0.0.1:{port}/plain/nothing-here");
    assert!(matches!(
        fetch_index(&http, &request(&missing, max)).await,
        Err(FetchError::NotFound { .. })
    ));
    let small = index.len() as u64 / 2;
    assert!(matches!(
        fetch_index(&http, &request(&plain, small)).await,
        Err(FetchError::TooLarge { .. })
    ));
    assert!(matches!(
        fetch_index(&http, &request(&gzip, small)).await,
        Err(FetchError::TooLarge { .. })
    ));
    let closed = format!("http://127.0.0.1:{}/", common::free_port());
    assert!(matches!(
        fetch_index(&http, &request(&closed, max)).await,
        Err(FetchError::Unreachable { .. })
    ));

    // TLS: our CA, the system's roots (which do not know it), and insecureSkipVerify
    let certs = scratch.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    common::certificates(&certs);
    let (_tls_server, tls_port) =
        common::nginx::start(&nginx, &scratch.join("nginx-tls"), &root, Some(&certs));
    let https = format!("https://127.0.0.1:{tls_port}/plain");
    let trusted = client(
        &RepoTls {
            ca_pem: Some(std::fs::read(certs.join("ca.crt")).unwrap()),
            ..RepoTls::default()
        },
        Duration::from_secs(10),
    )
    .unwrap();
    match fetch_index(&trusted, &request(&https, max)).await.unwrap() {
        IndexFetch::Fetched { body, .. } => assert_eq!(body, index),
        other => panic!("TLS: {other:?}"),
    }
    let unknown_ca = fetch_index(&http, &request(&https, max)).await.unwrap_err();
    assert!(
        matches!(&unknown_ca, FetchError::Tls { host, .. } if host == "127.0.0.1"),
        "{unknown_ca:?}"
    );
    let insecure = client(
        &RepoTls {
            insecure_skip_verify: true,
            ..RepoTls::default()
        },
        Duration::from_secs(10),
    )
    .unwrap();
    assert!(matches!(
        fetch_index(&insecure, &request(&https, max)).await,
        Ok(IndexFetch::Fetched { .. })
    ));
}
