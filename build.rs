//! Records the git commit for `helm_operator_build_info` and `helm-operator version`.
//! `HELM_OPERATOR_GIT_COMMIT` overrides it (container builds have no `.git`).
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=HELM_OPERATOR_GIT_COMMIT");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let commit = std::env::var("HELM_OPERATOR_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        });
    println!(
        "cargo:rustc-env=HELM_OPERATOR_GIT_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .nth(1)
                .unwrap_or("unknown")
                .to_owned()
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=HELM_OPERATOR_RUSTC_VERSION={rustc_version}");
}
