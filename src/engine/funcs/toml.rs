//! stub
use super::Registry;
/// stub
pub fn register(_r: &mut Registry) {}
