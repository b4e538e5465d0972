//! `Sources`, one replica's view of the repositories it reads, against real servers: an index
//! made by real Helm served by real nginx, and charts pushed by real Helm to the real registry.
//! A re-sync is a conditional GET that keeps the loaded index; concurrent requests for one chart
//! version cost one download (nginx's access log counts them); an archive whose digest differs
//! from the index's is refused; a registry path lists its charts through the catalog; the caches
//! report hits and misses.

mod common;

use std::sync::Arc;
use std::time::Duration;

use helm_operator::engine::chart::load::LoadLimits;
use helm_operator::source::constraint::Constraint;
use helm_operator::source::http::{BasicAuth, RepoTls};
use helm_operator::source::oci::RegistryListing;
use helm_operator::source::sync::{
    ChartFetchError, Contents, RepoEndpoint, RepoKind, SourceLimits, Sources,
};
use helm_operator::telemetry::Metrics;
use sha2::Digest as _;

const TEST: &str = "sources";

fn sources(metrics: Option<Arc<Metrics>>) -> Sources {
    Sources::new(
        16 << 20,
        16 << 20,
        Duration::from_secs(600),
        4,
        SourceLimits {
            max_index_bytes: 1 << 20,
            max_archive_bytes: 1 << 20,
            max_registry_charts: 100,
        },
        metrics,
    )
}

/// nginx's access log once it has at least `count` lines naming `needle`.
fn access_log_with(scratch: &std::path::Path, needle: &str, count: usize) -> String {
    common::eventually("nginx to log the request", Duration::from_secs(10), || {
        let log = common::read(&scratch.join("nginx/logs/access.log"));
        (log.lines().filter(|l| l.contains(needle)).count() >= count).then_some(log)
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn endpoint(url: String, kind: RepoKind) -> RepoEndpoint {
    RepoEndpoint {
        url,
        kind,
        basic: None,
        registry_auth: None,
        tls: RepoTls::default(),
        plain_http: kind == RepoKind::Oci,
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_repository_syncs_conditionally_and_each_archive_downloads_once() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(nginx) = common::require(TEST, "nginx (Debian nginx-light)", common::nginx::binary())
    else {
        return;
    };
    let scratch = common::scratch_dir("source-sync-http");
    let root = scratch.join("www");
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let index = common::nginx::helm_repository(&python, &repo, &["1.0.0", "1.2.0"]);
    let served = std::fs::read(&index).unwrap();
    // the same archives under an index that names another digest
    let bad = root.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    for entry in std::fs::read_dir(&repo).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, bad.join(path.file_name().unwrap())).unwrap();
    }
    let text = String::from_utf8(served.clone()).unwrap();
    let tampered: String = text
        .lines()
        .map(|l| match l.split_once("digest: ") {
            Some((head, _)) => format!("{head}digest: {}\n", "cd".repeat(32)),
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(bad.join("index.yaml"), tampered).unwrap();
    let (_nginx, port) = common::nginx::start(&nginx, &scratch.join("nginx"), &root, None);

    let metrics = Arc::new(Metrics::new().unwrap());
    let sources = sources(Some(Arc::clone(&metrics)));
    let plain = endpoint(
        format!("http://127.0.0.1:{port}/plain/repo"),
        RepoKind::Http,
    );
    let first = sources.sync(&plain).await.expect("first sync");
    assert!(first.changed);
    let digest = format!("sha256:{}", sha256_hex(&served));
    assert_eq!(first.snapshot.digest, digest);
    assert_eq!(first.snapshot.size_bytes, Some(served.len() as u64));
    let Contents::Index(loaded) = &first.snapshot.contents else {
        panic!("an index");
    };
    assert_eq!(loaded.entries["app"].len(), 2);

    // the second sync asks conditionally, nginx answers 304, the loaded index is the same one
    let second = sources.sync(&plain).await.expect("second sync");
    assert!(!second.changed);
    assert!(Arc::ptr_eq(&first.snapshot, &second.snapshot));
    // nginx logs a request after it has answered it: wait for the line
    let log = access_log_with(&scratch, "/plain/repo/index.yaml", 2);
    let index_gets: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/plain/repo/index.yaml"))
        .collect();
    assert_eq!(index_gets.len(), 2, "{log}");
    assert!(index_gets[1].contains("\" 304 "), "{log}");

    // five concurrent requests for one version: one download, five identical archives
    let resolved = second
        .snapshot
        .resolve("app", &Constraint::parse("^1.1").unwrap())
        .unwrap();
    assert_eq!(resolved.version, "1.2.0");
    let fetches = (0..5).map(|_| sources.fetch_chart(&plain, &second.snapshot, "app", "1.2.0"));
    let archives = futures::future::join_all(fetches).await;
    let expected = std::fs::read(repo.join("app-1.2.0.tgz")).unwrap();
    for archive in &archives {
        assert_eq!(archive.as_ref().expect("archive").as_ref(), &expected[..]);
    }
    let log = access_log_with(&scratch, "app-1.2.0.tgz", 1);
    let downloads = log.lines().filter(|l| l.contains("app-1.2.0.tgz")).count();
    assert_eq!(downloads, 1, "{log}");
    // the chart is loaded once for every caller that asks for the same archive
    let limits = LoadLimits::default();
    let archive = archives[0].clone().unwrap();
    let (a, b) = futures::future::join(
        sources.load_chart(archive.clone(), &limits),
        sources.load_chart(archive, &limits),
    )
    .await;
    let (a, b) = (a.expect("the chart loads"), b.unwrap());
    assert!(Arc::ptr_eq(&a.chart, &b.chart));
    assert_eq!(a.chart.metadata.version, "1.2.0");
    assert_eq!(a.digest, format!("sha256:{}", sha256_hex(&expected)));
    let garbage = sources
        .load_chart(Arc::from(&b"not a tgz"[..]), &limits)
        .await
        .unwrap_err();
    assert!(!garbage.to_string().is_empty());
    let missing = sources
        .fetch_chart(&plain, &second.snapshot, "app", "9.9.9")
        .await
        .unwrap_err();
    assert_eq!(missing.reason(), "ChartNotFound");

    // the index's digest is checked: a different archive is refused
    let bad_endpoint = endpoint(format!("http://127.0.0.1:{port}/plain/bad"), RepoKind::Http);
    let bad_snapshot = sources.sync(&bad_endpoint).await.unwrap().snapshot;
    let refused = sources
        .fetch_chart(&bad_endpoint, &bad_snapshot, "app", "1.0.0")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ChartFetchError::DigestMismatch { .. }),
        "{refused}"
    );

    // another tenant with other credentials does not see this listing
    let mut other = plain.clone();
    other.basic = Some(BasicAuth {
        username: "someone".into(),
        password: "else".into(),
    });
    assert!(sources.cached(&other).await.is_none());
    assert!(sources.cached(&plain).await.is_some());

    let text = metrics.render();
    for needle in [
        "helm_operator_cache_requests_total{cache=\"index\",result=\"hit\"}",
        "helm_operator_cache_requests_total{cache=\"chart\",result=\"miss\"}",
        "helm_operator_cache_requests_total{cache=\"chart\",result=\"hit\"}",
        // five requests for one version and the refused archive: two downloads in all
        "helm_chart_downloads_total{result=\"success\",type=\"helm\"} 1\n",
        "helm_chart_downloads_total{result=\"failure\",type=\"helm\"} 1\n",
        "helm_operator_cache_bytes{cache=\"chart\"}",
        "helm_operator_cache_requests_total{cache=\"parsed\",result=\"miss\"}",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_path_lists_its_charts_and_pulls_them() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(binary) =
        common::require(TEST, "docker-registry (Debian)", common::registry::binary())
    else {
        return;
    };
    let scratch = common::scratch_dir("source-sync-oci");
    let (_registry, port) = common::registry::start(&binary, &scratch.join("registry"), None, None);
    let pushed = common::registry::push(
        &python,
        &scratch,
        port,
        &["0.1.0", "0.2.0+build.1", "0.3.0-rc.1"],
        None,
    );
    let sources = sources(None);
    let registry = endpoint(format!("oci://127.0.0.1:{port}/charts"), RepoKind::Oci);
    let synced = sources.sync(&registry).await.expect("registry sync");
    let Contents::Registry(RegistryListing::Charts(charts)) = &synced.snapshot.contents else {
        panic!("a catalog listing: {:?}", synced.snapshot.contents);
    };
    let versions: Vec<String> = charts["app"]
        .iter()
        .map(|v| v.version.to_string())
        .collect();
    assert_eq!(versions, ["0.3.0-rc.1", "0.2.0+build.1", "0.1.0"]);
    let again = sources.sync(&registry).await.unwrap();
    assert!(!again.changed, "an unchanged tag list keeps its digest");

    let archive = sources
        .fetch_chart(&registry, &synced.snapshot, "app", "0.1.0")
        .await
        .expect("pull");
    assert_eq!(archive.as_ref(), &std::fs::read(&pushed[0]).unwrap()[..]);

    // one chart's versions straight from its tag list, as for a registry without a catalog
    let listed = sources.oci_chart_versions(&registry, "app").await.unwrap();
    let latest = listed
        .resolve("app", &Constraint::parse("").unwrap())
        .unwrap();
    assert_eq!(latest.version, "0.2.0+build.1", "the newest stable");
    let nothing = sources.oci_chart_versions(&registry, "absent").await;
    assert_eq!(nothing.unwrap_err().reason(), "IndexFetchFailed");
}
