//! What the operator does to a cluster on a release's behalf, apart from the reconcilers: Helm's
//! release records (Secrets in Helm's own format) and the readiness of the objects a release
//! creates. Server-side apply, inventory and pruning arrive with the release engine.

pub mod readiness;
pub mod records;
pub mod storage;
