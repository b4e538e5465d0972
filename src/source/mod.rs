//! Where charts come from. So far: Helm-compatible version constraints. The HTTP repository
//! index, the OCI registry client and the shared caches arrive with the sources issue.

pub mod constraint;
pub mod local;
