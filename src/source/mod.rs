//! Where charts come from: Helm-compatible version constraints, local chart directories, HTTP
//! repositories (the download side) and the shared byte-bounded caches. The OCI registry client
//! follows.

pub mod cache;
pub mod constraint;
pub mod http;
pub mod local;
