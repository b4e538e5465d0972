//! `helm-operator repo resolve` picks the version real Helm picks (`helm pull --version C` from
//! the same repository), for an HTTP repository served by real nginx with an index made by real
//! Helm, and for the same `index.yaml` read from disk; `repo search` lists what the index holds.

mod common;

use std::path::Path;
use std::process::Command;

const TEST: &str = "repo command";

const VERSIONS: [&str; 6] = [
    "0.9.0",
    "1.0.0",
    "1.2.3",
    "1.3.0-rc.1",
    "2.0.0",
    "2.1.0-beta.2",
];

const CONSTRAINTS: [&str; 12] = [
    "",
    "1.2.3",
    "^1.0.0",
    "~1.2",
    "1.2",
    ">=1.0.0 <2.0.0",
    ">1.2.3-0",
    "^2.0.0-0",
    "<1.0.0",
    "1.0.0 || 2.0.0",
    "*",
    "2.x",
];

fn ours(args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_helm-operator"))
        .args(args)
        .output()
        .expect("run helm-operator");
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8(out.stderr).unwrap())
    }
}

/// The version Helm's `pull` downloads for each constraint (`None` where Helm finds none).
fn helm_picks(python: &Path, url: &str, dest: &Path) -> Vec<Option<String>> {
    let script = r#"
import json, os, sys, tempfile, helm_python as h
url, dest, constraints = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for c in constraints:
    d = tempfile.mkdtemp(dir=dest)
    try:
        h.pull("app", repo_url=url, version=c or None, destination=d)
        (name,) = os.listdir(d)
        print(json.dumps(name[len("app-"):-len(".tgz")]))
    except Exception as e:
        print(json.dumps(None))
"#;
    let out = Command::new(python)
        .args(["-c", script, url])
        .arg(dest)
        .arg(serde_json::to_string(&CONSTRAINTS).unwrap())
        .output()
        .expect("run helm pull");
    assert!(
        out.status.success(),
        "helm pull: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn repo_resolve_picks_what_helm_pull_picks() {
    let Some(python) = common::helm_oracle(TEST) else {
        return;
    };
    let Some(nginx) = common::require(TEST, "nginx (Debian nginx-light)", common::nginx::binary())
    else {
        return;
    };
    let scratch = common::scratch_dir("cli-repo");
    let root = scratch.join("repo");
    std::fs::create_dir_all(&root).unwrap();
    let index = common::nginx::helm_repository(&python, &root, &VERSIONS);
    let (_server, port) = common::nginx::start(&nginx, &scratch.join("nginx"), &root, None);
    let url = format!("http://127.0.0.1:{port}/plain");
    let pulls = scratch.join("pulls");
    std::fs::create_dir_all(&pulls).unwrap();
    let helm = helm_picks(&python, &url, &pulls);
    let index_path = index.display().to_string();
    for (constraint, helm) in CONSTRAINTS.iter().zip(&helm) {
        for location in [url.as_str(), index_path.as_str()] {
            let got = ours(&["repo", "resolve", location, "app", constraint]);
            match helm {
                Some(version) => assert_eq!(
                    got,
                    Ok(format!("{version}\n")),
                    "constraint {constraint:?} from {location}"
                ),
                None => assert!(
                    got.as_ref().is_err_and(|e| e.contains("matches")),
                    "constraint {constraint:?} from {location}: Helm finds none, we said {got:?}"
                ),
            }
        }
    }
    assert!(
        helm.iter().filter(|p| p.is_some()).count() >= 10,
        "{helm:?}"
    );

    let listed = ours(&["repo", "search", &url, "--versions"]).unwrap();
    let versions: Vec<&str> = listed
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap().trim())
        .collect();
    assert_eq!(
        versions,
        [
            "2.1.0-beta.2",
            "2.0.0",
            "1.3.0-rc.1",
            "1.2.3",
            "1.0.0",
            "0.9.0"
        ],
        "{listed}"
    );
    let newest = ours(&["repo", "search", &url]).unwrap();
    assert!(
        newest.lines().nth(1).unwrap().contains("\t2.0.0 "),
        "{newest}"
    );
    let refused = ours(&["repo", "search", &format!("http://127.0.0.1:{port}/auth")]).unwrap_err();
    assert!(
        refused.contains("authentication failed (HTTP 401)"),
        "{refused}"
    );
    let allowed = ours(&[
        "repo",
        "search",
        &format!("http://127.0.0.1:{port}/auth"),
        "--username",
        "user",
        "--password",
        "pass",
    ]);
    assert!(allowed.is_ok(), "{allowed:?}");
}
