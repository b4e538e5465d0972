//! Helm charts in a real OCI registry (Debian's `docker-registry`, the CNCF distribution
//! registry) pushed by real Helm (`helm_python.push`): the versions listed from the tags across
//! pages, newest first with `_` read back as `+`; the chart pulled byte for byte with Helm's
//! layer digest; Basic credentials against an htpasswd registry; and the failures sorted into
//! reasons: unknown tag, missing credentials, a blob whose digest does not match.

mod common;

use std::process::Command;

use helm_operator::source::oci::{
    OciAuth, OciChartRef, OciError, OciSettings, client, list_versions, list_versions_paged,
    pull_chart,
};
use sha2::Digest as _;

const TEST: &str = "oci registries";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_list_and_pull_from_a_real_registry() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(binary) =
        common::require(TEST, "docker-registry (Debian)", common::registry::binary())
    else {
        return;
    };
    let scratch = common::scratch_dir("source-oci");
    let (_registry, port) = common::registry::start(&binary, &scratch.join("registry"), None, None);
    let pushed = std::fs::create_dir_all(scratch.join("charts"))
        .map(|()| {
            common::registry::push(
                &python,
                &scratch.join("charts"),
                port,
                &["1.0.0", "1.2.3", "2.0.0-rc.1", "1.2.4+build.7", "0.9.0"],
                None,
            )
        })
        .unwrap();
    let settings = OciSettings {
        plain_http: true,
        ..OciSettings::default()
    };
    let oci = client(&settings);
    let chart = OciChartRef::parse(&format!("oci://127.0.0.1:{port}/charts/app")).unwrap();

    // every page, newest first, `_` back to `+`
    for page in [2, 500] {
        let versions = list_versions_paged(&oci, &chart, &OciAuth::Anonymous, page)
            .await
            .unwrap();
        let listed: Vec<String> = versions.iter().map(|v| v.version.to_string()).collect();
        assert_eq!(
            listed,
            ["2.0.0-rc.1", "1.2.4+build.7", "1.2.3", "1.0.0", "0.9.0"],
            "page size {page}"
        );
        let build = versions
            .iter()
            .find(|v| v.version.build.as_str() == "build.7")
            .unwrap();
        assert_eq!(build.tag, "1.2.4_build.7", "Helm tags + as _");
    }

    // the pulled archive is the one Helm pushed; its digest is the archive's sha256
    let sent = std::fs::read(&pushed[1]).unwrap();
    let pulled = pull_chart(&oci, &chart, "1.2.3", &OciAuth::Anonymous, 10 << 20)
        .await
        .unwrap();
    assert_eq!(pulled.archive, sent);
    assert_eq!(
        pulled.digest,
        format!(
            "sha256:{}",
            sha2::Sha256::digest(&sent)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    );
    assert!(pulled.manifest_digest.starts_with("sha256:"));

    // an unknown tag, an unknown chart, a size cap
    assert!(matches!(
        pull_chart(&oci, &chart, "9.9.9", &OciAuth::Anonymous, 10 << 20).await,
        Err(OciError::NotFound { .. })
    ));
    let nothing = OciChartRef::parse(&format!("oci://127.0.0.1:{port}/charts/nothing")).unwrap();
    assert!(matches!(
        list_versions(&oci, &nothing, &OciAuth::Anonymous).await,
        Err(OciError::NotFound { .. })
    ));
    assert!(matches!(
        pull_chart(&oci, &chart, "1.2.3", &OciAuth::Anonymous, 100).await,
        Err(OciError::TooLarge { .. })
    ));

    // a blob damaged in the registry's storage no longer matches its digest
    let hex = pulled.digest.trim_start_matches("sha256:");
    let blob = scratch
        .join("registry/data/docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let mut bytes = std::fs::read(&blob).expect("the layer blob in the registry's storage");
    bytes[10] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let damaged = pull_chart(&oci, &chart, "1.2.3", &OciAuth::Anonymous, 10 << 20).await;
    assert!(
        matches!(damaged, Err(OciError::DigestMismatch { .. })),
        "{damaged:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_with_htpasswd_takes_basic_credentials_and_refuses_without() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(binary) =
        common::require(TEST, "docker-registry (Debian)", common::registry::binary())
    else {
        return;
    };
    let Some(htpasswd) =
        common::require(TEST, "htpasswd (apache2-utils)", common::which("htpasswd"))
    else {
        return;
    };
    let scratch = common::scratch_dir("source-oci-auth");
    std::fs::create_dir_all(scratch.join("registry")).unwrap();
    let users = scratch.join("registry/htpasswd");
    let status = Command::new(htpasswd)
        .args(["-Bbc"])
        .arg(&users)
        .args(["robot", "s3cret-pass"])
        .output()
        .unwrap();
    assert!(status.status.success());
    let (_registry, port) =
        common::registry::start(&binary, &scratch.join("registry"), Some(&users), None);
    std::fs::create_dir_all(scratch.join("charts")).unwrap();
    common::registry::push(
        &python,
        &scratch.join("charts"),
        port,
        &["3.1.0"],
        Some(("robot", "s3cret-pass")),
    );
    let oci = client(&OciSettings {
        plain_http: true,
        ..OciSettings::default()
    });
    let chart = OciChartRef::parse(&format!("oci://127.0.0.1:{port}/charts/app")).unwrap();
    let robot = OciAuth::Basic {
        username: "robot".into(),
        password: "s3cret-pass".into(),
    };
    let versions = list_versions(&oci, &chart, &robot).await.unwrap();
    assert_eq!(versions[0].version.to_string(), "3.1.0");
    assert!(
        pull_chart(&oci, &chart, "3.1.0", &robot, 10 << 20)
            .await
            .is_ok()
    );

    let anonymous = client(&OciSettings {
        plain_http: true,
        ..OciSettings::default()
    });
    let refused = list_versions(&anonymous, &chart, &OciAuth::Anonymous)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, OciError::Unauthorized { .. }),
        "{refused:?}"
    );
    let wrong = OciAuth::Basic {
        username: "robot".into(),
        password: "wrong-pass".into(),
    };
    let refused = list_versions(
        &client(&OciSettings {
            plain_http: true,
            ..OciSettings::default()
        }),
        &chart,
        &wrong,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, OciError::Unauthorized { .. }),
        "{refused:?}"
    );
    assert!(!refused.to_string().contains("wrong-pass"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_over_tls_is_trusted_through_its_ca_only() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(binary) =
        common::require(TEST, "docker-registry (Debian)", common::registry::binary())
    else {
        return;
    };
    let Some(_) = common::require(TEST, "openssl", common::which("openssl")) else {
        return;
    };
    let scratch = common::scratch_dir("source-oci-tls");
    let certs = scratch.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    common::certificates(&certs);
    let (_registry, port) =
        common::registry::start(&binary, &scratch.join("registry"), None, Some(&certs));
    std::fs::create_dir_all(scratch.join("charts")).unwrap();
    common::registry::push_to(
        &python,
        &scratch.join("charts"),
        port,
        &["4.0.0"],
        None,
        Some(&certs.join("ca.crt")),
    );
    let chart = OciChartRef::parse(&format!("oci://127.0.0.1:{port}/charts/app")).unwrap();

    let trusted = client(&OciSettings {
        ca_pem: Some(std::fs::read(certs.join("ca.crt")).unwrap()),
        ..OciSettings::default()
    });
    let versions = list_versions(&trusted, &chart, &OciAuth::Anonymous)
        .await
        .unwrap();
    assert_eq!(versions[0].version.to_string(), "4.0.0");
    assert!(
        pull_chart(&trusted, &chart, "4.0.0", &OciAuth::Anonymous, 10 << 20)
            .await
            .is_ok()
    );

    let untrusting = client(&OciSettings::default());
    let refused = list_versions(&untrusting, &chart, &OciAuth::Anonymous)
        .await
        .unwrap_err();
    assert!(matches!(refused, OciError::Tls { .. }), "{refused:?}");

    let insecure = client(&OciSettings {
        insecure_skip_verify: true,
        ..OciSettings::default()
    });
    assert!(
        list_versions(&insecure, &chart, &OciAuth::Anonymous)
            .await
            .is_ok()
    );
}
