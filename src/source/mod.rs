//! Where charts come from: Helm-compatible version constraints, local chart directories and
//! HTTP repositories (the download side). The OCI registry client and the shared caches follow.

pub mod constraint;
pub mod http;
pub mod local;
