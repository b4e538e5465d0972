//! YAML as Helm reads and writes it: go-yaml v2 and v3's emitters (`toYaml`, `toYamlPretty`)
//! and sigs.k8s.io/yaml's reading of YAML through JSON (values files, `fromYaml`).

pub mod emit;
pub mod parse;
