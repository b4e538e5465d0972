//! The functions templates can call besides Go's builtins, registered in families (Sprig's,
//! Helm's); each family module offers `register(&mut Registry)`.

pub mod collections;
pub mod crypto;
pub mod dates;
pub mod helm;
pub mod paths;
pub mod registry;
pub mod semver;
pub mod strings;
pub mod time;
pub mod toml;

pub use registry::{Body, Func, Registry, Ty};
