//! helm-operator: a Kubernetes operator that manages Helm repositories and Helm releases through
//! the `HelmRepository` and `HelmRelease` custom resources.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod config;
pub mod controller;
pub mod engine;
pub mod server;
pub mod shard;
pub mod source;
pub mod telemetry;
