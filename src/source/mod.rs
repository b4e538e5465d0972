//! Where charts come from: Helm-compatible version constraints, local chart directories, HTTP
//! repositories (the download side), OCI registries and the shared byte-bounded caches.

pub mod cache;
pub mod constraint;
pub mod http;
pub mod index;
pub mod local;
pub mod oci;
pub mod query;
pub mod sync;
