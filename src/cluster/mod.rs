//! What the operator does to a cluster on a release's behalf, apart from the reconcilers: Helm's
//! release records (Secrets in Helm's own format) and the readiness of the objects a release
//! creates, and server-side apply of a release's objects with Helm's ownership rules.

pub mod apply;
pub mod drift;
pub mod lookup;
pub mod readiness;
pub mod records;
pub mod storage;
