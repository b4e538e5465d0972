//! The template engine: Go `text/template` semantics, Sprig's and Helm's functions, chart
//! loading and rendering, byte-identical to Helm v4.2.3. Pure by design: no kube, tokio or
//! network code, so it can be tested and benchmarked alone and shared by concurrent renders.

pub mod chart;
pub mod exec;
pub mod fasthash;
pub mod funcs;
pub mod gofmt;
pub mod gostr;
pub mod json;
pub mod lex;
pub mod parse;
pub mod render;
pub mod value;
pub mod yaml;
