//! Sharding benchmark (being written).
fn main() {}
