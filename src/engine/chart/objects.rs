//! The objects Helm gives a chart's templates besides `.Values`: `.Capabilities` (a Go struct
//! with `KubeVersion`, `APIVersions` and `HelmVersion`), `.Files` (a map of file contents with
//! `Get`, `GetBytes`, `Glob`, `Lines`, `AsConfig` and `AsSecrets`), and `.Chart` (the chart's
//! metadata as a map with Go's field names), each printing, ranging and encoding as Helm's do.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{File, Metadata};
use crate::engine::value::{IntKind, ListKind, Map, Object, Value};

/// The API versions Helm v4.2.3 assumes without a cluster (`chartutil.DefaultVersionSet`), in
/// Helm's order.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// The Kubernetes version Helm v4.2.3 assumes without a cluster.
pub const DEFAULT_KUBE_VERSION: &str = "v1.36.0";

/// What a render knows of the cluster: `.Capabilities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The server's version, `v1.36.0` style.
    pub kube_version: String,
    /// Served API versions (`apps/v1`, and `apps/v1/Deployment` forms), in order.
    pub api_versions: Vec<String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            kube_version: DEFAULT_KUBE_VERSION.to_owned(),
            api_versions: DEFAULT_API_VERSIONS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }
}

impl Capabilities {
    /// Helm's default capabilities with the Kubernetes version `--kube-version` gives, parsed as
    /// Helm's `ParseKubeVersion` parses it (`1.30`, `v1.30.2`, `1.30.2-gke.100` are accepted).
    ///
    /// # Errors
    /// The version parser's message (`could not parse "x" as version`, ...).
    pub fn for_kube_version(text: &str) -> Result<Self, String> {
        parse_kube_version(text)?;
        let version = if text.starts_with('v') {
            text.to_owned()
        } else {
            format!("v{text}")
        };
        Ok(Self {
            kube_version: version,
            ..Self::default()
        })
    }

    /// The version without vendor suffixes (`v1.30.2` for `v1.30.2-gke.100`), as the chart's
    /// `kubeVersion` constraint is checked against it and `{{ .Capabilities.KubeVersion }}`
    /// prints it.
    pub fn normalized_kube_version(&self) -> String {
        parse_kube_version(&self.kube_version)
            .map_or_else(|_| self.kube_version.clone(), |v| v.normalized)
    }
}

/// A Kubernetes version read by `k8s.io/apimachinery`'s generic version parser.
struct ParsedKubeVersion {
    normalized: String,
    major: String,
    minor: String,
}

/// `version.ParseGeneric`: at least two dot-separated numbers after an optional `v`, the first
/// without a leading zero; anything after the numbers is ignored.
fn parse_kube_version(text: &str) -> Result<ParsedKubeVersion, String> {
    let quoted = crate::engine::gostr::quote(text);
    let rest = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let rest = rest.strip_prefix('v').unwrap_or(rest);
    let end = rest
        .char_indices()
        .scan(false, |after_dot, (i, c)| match c {
            '0'..='9' => {
                *after_dot = false;
                Some(Some(i + 1))
            }
            '.' if !*after_dot && rest[i + 1..].starts_with(|c: char| c.is_ascii_digit()) => {
                *after_dot = true;
                Some(None)
            }
            _ => None,
        })
        .flatten()
        .last()
        .ok_or_else(|| format!("could not parse {quoted} as version"))?;
    // the pattern's trailing `(.*)*$` cannot cross a line break
    if rest[end..].contains('\n') {
        return Err(format!("could not parse {quoted} as version"));
    }
    let components: Vec<&str> = rest[..end].split('.').collect();
    if components.len() < 2 {
        return Err(format!("illegal version string {quoted}"));
    }
    let mut numbers = Vec::with_capacity(components.len());
    for (i, comp) in components.iter().enumerate() {
        let comp_quoted = crate::engine::gostr::quote(comp);
        if i == 0 && comp.starts_with('0') && *comp != "0" {
            return Err(format!(
                "illegal zero-prefixed version component {comp_quoted} in {quoted}"
            ));
        }
        let n: u64 = comp.parse().map_err(|_| {
            format!(
                "illegal non-numeric version component {comp_quoted} in {quoted}: strconv.ParseUint: parsing {comp_quoted}: value out of range"
            )
        })?;
        numbers.push(n.to_string());
    }
    Ok(ParsedKubeVersion {
        normalized: format!("v{}", numbers.join(".")),
        major: numbers[0].clone(),
        minor: numbers[1].clone(),
    })
}

/// `.Capabilities.KubeVersion`.
#[derive(Debug)]
struct KubeVersion {
    version: String,
    normalized: String,
    major: String,
    minor: String,
}

impl Object for KubeVersion {
    fn type_name(&self) -> &'static str {
        "common.KubeVersion"
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::string(match name {
            "Version" | "GitVersion" => self.version.as_str(),
            "String" => self.normalized.as_str(),
            "Major" => self.major.as_str(),
            "Minor" => self.minor.as_str(),
            _ => return None,
        }))
    }
    fn action_text(&self) -> Option<String> {
        Some(self.normalized.clone())
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // the struct also holds the normalized version, which Go prints too
        write!(
            f,
            "{{{} {} {} {}}}",
            self.version, self.normalized, self.major, self.minor
        )
    }
    fn to_data(&self) -> Value {
        let m = Map::default();
        m.insert("Version", Value::string(self.version.as_str()));
        m.insert("Major", Value::string(self.major.as_str()));
        m.insert("Minor", Value::string(self.minor.as_str()));
        Value::Map(m)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Capabilities.APIVersions`: a `[]string` with a `Has` method.
#[derive(Debug)]
struct VersionSet(Vec<String>);

impl VersionSet {
    fn list(&self) -> Value {
        Value::List(
            Arc::new(self.0.iter().map(|s| Value::string(s.as_str())).collect()),
            ListKind::String,
        )
    }
}

impl Object for VersionSet {
    fn type_name(&self) -> &'static str {
        "common.VersionSet"
    }
    fn kind_name(&self) -> &'static str {
        "slice"
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match (name, args) {
            ("Has", [Value::String(v)]) => Ok(Value::Bool(self.0.iter().any(|x| x == &**v))),
            ("Has", [other]) => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )),
            _ => Err(format!(
                "wrong number of args for {name}: want 1 got {}",
                args.len()
            )),
        }
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}]", self.0.join(" "))
    }
    fn to_data(&self) -> Value {
        self.list()
    }
    fn elements(&self) -> Option<Value> {
        Some(self.list())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Capabilities.HelmVersion` (`version.BuildInfo`).
#[derive(Debug)]
struct HelmVersion;

const HELM_VERSION: &str = "v4.2";
const HELM_GO_VERSION: &str = "go1.26.6";
const HELM_KUBE_CLIENT_VERSION: &str = "v1.36";

impl Object for HelmVersion {
    fn type_name(&self) -> &'static str {
        "version.BuildInfo"
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::string(match name {
            "Version" => HELM_VERSION,
            "GitCommit" | "GitTreeState" => "",
            "GoVersion" => HELM_GO_VERSION,
            "KubeClientVersion" => HELM_KUBE_CLIENT_VERSION,
            _ => return None,
        }))
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{{{HELM_VERSION}   {HELM_GO_VERSION} {HELM_KUBE_CLIENT_VERSION}}}"
        )
    }
    fn to_data(&self) -> Value {
        let m = Map::default();
        m.insert("version", Value::string(HELM_VERSION));
        m.insert("go_version", Value::string(HELM_GO_VERSION));
        m.insert(
            "kube_client_version",
            Value::string(HELM_KUBE_CLIENT_VERSION),
        );
        Value::Map(m)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Capabilities` as a template value (`*common.Capabilities`).
#[derive(Debug)]
struct CapabilitiesObject {
    kube: Value,
    apis: Value,
    helm: Value,
}

impl Object for CapabilitiesObject {
    fn type_name(&self) -> &'static str {
        "*common.Capabilities"
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(self.kube.clone()),
            "APIVersions" => Some(self.apis.clone()),
            "HelmVersion" => Some(self.helm.clone()),
            _ => None,
        }
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{} {} {}}}", self.kube, self.apis, self.helm)
    }
    fn to_data(&self) -> Value {
        let data = |v: &Value| match v {
            Value::Object(o) => o.to_data(),
            other => other.clone(),
        };
        // encoding/json writes struct fields in declaration order; the map sorts them, which
        // for these three names is the same order
        let m = Map::default();
        m.insert("KubeVersion", data(&self.kube));
        m.insert("APIVersions", data(&self.apis));
        m.insert("HelmVersion", data(&self.helm));
        Value::Map(m)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Capabilities` for templates.
pub fn capabilities_value(caps: &Capabilities) -> Value {
    let parsed = parse_kube_version(&caps.kube_version).unwrap_or_else(|_| ParsedKubeVersion {
        normalized: caps.kube_version.clone(),
        major: String::new(),
        minor: String::new(),
    });
    Value::object(CapabilitiesObject {
        kube: Value::object(KubeVersion {
            version: caps.kube_version.clone(),
            normalized: parsed.normalized,
            major: parsed.major,
            minor: parsed.minor,
        }),
        apis: Value::object(VersionSet(caps.api_versions.clone())),
        helm: Value::object(HelmVersion),
    })
}

/// `.Files`: a chart's other files by path (`engine.files`, a Go `map[string][]byte`).
#[derive(Debug, Clone, Default)]
pub struct Files(Arc<BTreeMap<String, Arc<[u8]>>>);

impl Files {
    /// The files of a chart.
    pub fn new(files: &[File]) -> Self {
        Files(Arc::new(
            files
                .iter()
                .map(|f| (f.name.clone(), Arc::clone(&f.data)))
                .collect(),
        ))
    }
}

/// A Go `[]byte` as a template value.
fn bytes_value(data: &[u8]) -> Value {
    Value::List(
        Arc::new(
            data.iter()
                .map(|b| Value::Int(i64::from(*b), IntKind::Uint8))
                .collect(),
        ),
        ListKind::Bytes,
    )
}

/// Go's `%v` of a `[]byte` (`[104 105]`), written straight from the bytes: a chart's files can
/// be megabytes, and a template value per byte would cost ~30 times their size.
fn write_go_bytes(f: &mut std::fmt::Formatter<'_>, data: &[u8]) -> std::fmt::Result {
    let mut text = String::with_capacity(data.len() * 4 + 2);
    text.push('[');
    for (i, b) in data.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        if *b >= 100 {
            text.push(char::from(b'0' + b / 100));
        }
        if *b >= 10 {
            text.push(char::from(b'0' + (b / 10) % 10));
        }
        text.push(char::from(b'0' + b % 10));
    }
    text.push(']');
    f.write_str(&text)
}

/// Sprig's `toYaml` of a `map[string]string`, as `AsConfig` and `AsSecrets` use it.
fn yaml_of_strings(entries: BTreeMap<String, String>) -> String {
    let map = Map::default();
    for (k, v) in entries {
        map.insert(k, Value::string(v));
    }
    crate::engine::funcs::helm::to_yaml(&Value::Map(map))
}

fn base_name(path: &str) -> String {
    crate::engine::funcs::paths::base(path)
}

impl Object for Files {
    fn type_name(&self) -> &'static str {
        "engine.files"
    }
    fn kind_name(&self) -> &'static str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" | "AsSecrets" => self.call_method(name, &[]).ok(),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Get" | "GetBytes" | "Glob" | "Lines" | "AsConfig" | "AsSecrets"
        )
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let want = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "wrong number of args for {name}: want {n} got {}",
                    args.len()
                ))
            }
        };
        let text = |v: &Value| match v {
            Value::String(s) => Ok(s.to_string()),
            other => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )),
        };
        match name {
            "Get" => {
                want(1)?;
                let path = text(&args[0])?;
                Ok(Value::string(
                    self.0
                        .get(&path)
                        .map(|d| String::from_utf8_lossy(d).into_owned())
                        .unwrap_or_default(),
                ))
            }
            "GetBytes" => {
                want(1)?;
                let path = text(&args[0])?;
                Ok(bytes_value(self.0.get(&path).map_or(&[][..], |d| &d[..])))
            }
            "Glob" => {
                want(1)?;
                let pattern = text(&args[0])?;
                let glob = Glob::compile(&pattern)
                    .unwrap_or_else(|| Glob::compile("**").unwrap_or_default());
                Ok(Value::object(Files(Arc::new(
                    self.0
                        .iter()
                        .filter(|(k, _)| glob.matches(k))
                        .map(|(k, v)| (k.clone(), Arc::clone(v)))
                        .collect(),
                ))))
            }
            "Lines" => {
                want(1)?;
                let path = text(&args[0])?;
                // Helm drops one trailing newline; a missing or empty file has no lines
                let lines: Vec<Value> = match self.0.get(&path) {
                    Some(d) if !d.is_empty() => {
                        let text = String::from_utf8_lossy(d);
                        let text = text.strip_suffix('\n').unwrap_or(&text);
                        text.split('\n').map(Value::string).collect()
                    }
                    _ => Vec::new(),
                };
                Ok(Value::List(Arc::new(lines), ListKind::String))
            }
            "AsConfig" | "AsSecrets" => {
                // Helm v4 encodes an empty set as `{}` rather than failing
                want(0)?;
                let entries = self
                    .0
                    .iter()
                    .map(|(k, v)| {
                        let content = if name == "AsConfig" {
                            String::from_utf8_lossy(v).into_owned()
                        } else {
                            base64_std(v)
                        };
                        (base_name(k), content)
                    })
                    .collect();
                Ok(Value::string(yaml_of_strings(entries)))
            }
            _ => Err(format!("{name} is not a method")),
        }
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "map[")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{k}:")?;
            write_go_bytes(f, v)?;
        }
        write!(f, "]")
    }
    fn to_data(&self) -> Value {
        // encoding/json writes []byte as base64
        let m = Map::default();
        for (k, v) in self.0.iter() {
            m.insert(k.clone(), Value::string(base64_std(v)));
        }
        Value::Map(m)
    }
    fn is_true(&self) -> bool {
        !self.0.is_empty()
    }
    fn elements(&self) -> Option<Value> {
        let m = Map::default();
        for (k, v) in self.0.iter() {
            m.insert(k.clone(), bytes_value(v));
        }
        Some(Value::Map(m))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn base64_std(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A compiled gobwas/glob pattern with `/` as the separator, as `.Files.Glob` uses it: `*`
/// matches within a path segment, `**` across segments, `?` one character of a segment,
/// `[abc]`, `[!abc]`, `[a-z]`, `{a,b}` alternatives, `\` escapes.
#[derive(Debug, Clone, Default)]
struct Glob(Vec<Token>);

#[derive(Debug, Clone)]
enum Token {
    Literal(char),
    Any,
    Super,
    Single,
    Class(bool, Vec<(char, char)>),
    Alternatives(Vec<Glob>),
}

impl Glob {
    fn compile(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let (glob, used) = Self::parse(&chars, 0, false)?;
        (used == chars.len()).then_some(glob)
    }

    /// Parses from `i` until the end, or (inside braces) until `,` or `}`.
    fn parse(chars: &[char], mut i: usize, in_braces: bool) -> Option<(Glob, usize)> {
        let mut tokens = Vec::new();
        while i < chars.len() {
            match chars[i] {
                ',' | '}' if in_braces => break,
                '*' if chars.get(i + 1) == Some(&'*') => {
                    tokens.push(Token::Super);
                    i += 2;
                }
                '*' => {
                    tokens.push(Token::Any);
                    i += 1;
                }
                '?' => {
                    tokens.push(Token::Single);
                    i += 1;
                }
                '\\' => {
                    tokens.push(Token::Literal(*chars.get(i + 1)?));
                    i += 2;
                }
                '[' => {
                    i += 1;
                    let negated = chars.get(i) == Some(&'!');
                    if negated {
                        i += 1;
                    }
                    let mut ranges = Vec::new();
                    while *chars.get(i)? != ']' {
                        let lo = chars[i];
                        if chars.get(i + 1) == Some(&'-')
                            && chars.get(i + 2).is_some_and(|c| *c != ']')
                        {
                            ranges.push((lo, chars[i + 2]));
                            i += 3;
                        } else {
                            ranges.push((lo, lo));
                            i += 1;
                        }
                    }
                    i += 1;
                    tokens.push(Token::Class(negated, ranges));
                }
                '{' => {
                    i += 1;
                    let mut alternatives = Vec::new();
                    loop {
                        let (alt, next) = Self::parse(chars, i, true)?;
                        alternatives.push(alt);
                        match chars.get(next)? {
                            ',' => i = next + 1,
                            _ => {
                                i = next + 1;
                                break;
                            }
                        }
                    }
                    tokens.push(Token::Alternatives(alternatives));
                }
                c => {
                    tokens.push(Token::Literal(c));
                    i += 1;
                }
            }
        }
        Some((Glob(tokens), i))
    }

    fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_tokens(&self.0, &chars)
    }
}

fn match_tokens(tokens: &[Token], text: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match first {
        Token::Literal(c) => text.first() == Some(c) && match_tokens(rest, &text[1..]),
        Token::Single => text.first().is_some_and(|c| *c != '/') && match_tokens(rest, &text[1..]),
        Token::Class(negated, ranges) => {
            text.first().is_some_and(|c| {
                *c != '/' && ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)) != *negated
            }) && match_tokens(rest, &text[1..])
        }
        Token::Any => (0..=text.len())
            .take_while(|&n| n == 0 || text[n - 1] != '/')
            .any(|n| match_tokens(rest, &text[n..])),
        Token::Super => (0..=text.len()).any(|n| match_tokens(rest, &text[n..])),
        Token::Alternatives(alternatives) => alternatives.iter().any(|alt| {
            let mut combined = alt.0.clone();
            combined.extend_from_slice(rest);
            match_tokens(&combined, text)
        }),
    }
}

/// A Go `map[string]string` (`.Chart.Annotations`), possibly nil: a missing key reads as "",
/// a nil map prints as `map[]` and encodes as JSON `null`.
#[derive(Debug)]
struct StringMap(Option<BTreeMap<String, String>>);

impl Object for StringMap {
    fn type_name(&self) -> &'static str {
        "map[string]string"
    }
    fn kind_name(&self) -> &'static str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::string(
            self.0
                .as_ref()
                .and_then(|m| m.get(name))
                .map_or("", String::as_str),
        ))
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "map[")?;
        for (i, (k, v)) in self.0.iter().flatten().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{k}:{v}")?;
        }
        write!(f, "]")
    }
    fn to_data(&self) -> Value {
        match &self.0 {
            None => Value::Nil,
            Some(_) => self.elements().unwrap_or_default(),
        }
    }
    fn elements(&self) -> Option<Value> {
        let m = Map::default();
        for (k, v) in self.0.iter().flatten() {
            m.insert(k.clone(), Value::string(v.as_str()));
        }
        Some(Value::Map(m))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Chart`: the metadata as Helm v4 hands it to templates, a map with Go's field names.
pub fn chart_value(metadata: &Metadata, is_root: bool) -> Value {
    let strings = |items: &[String]| {
        Value::List(
            Arc::new(items.iter().map(|s| Value::string(s.as_str())).collect()),
            ListKind::Interface,
        )
    };
    let m = Map::default();
    m.insert("APIVersion", Value::string(metadata.api_version.as_str()));
    m.insert(
        "Annotations",
        Value::object(StringMap(
            (!metadata.annotations.is_empty()).then(|| metadata.annotations.clone()),
        )),
    );
    m.insert("AppVersion", Value::string(metadata.app_version.as_str()));
    m.insert("Condition", Value::string(metadata.condition.as_str()));
    m.insert(
        "Dependencies",
        Value::list(
            metadata
                .dependencies
                .iter()
                .map(|d| {
                    let dm = Map::default();
                    dm.insert("name", Value::string(d.name.as_str()));
                    dm.insert("version", Value::string(d.version.as_str()));
                    dm.insert("repository", Value::string(d.repository.as_str()));
                    dm.insert("condition", Value::string(d.condition.as_str()));
                    dm.insert("tags", strings(&d.tags));
                    dm.insert("enabled", Value::Bool(d.enabled));
                    dm.insert("alias", Value::string(d.alias.as_str()));
                    Value::Map(dm)
                })
                .collect(),
        ),
    );
    m.insert("Deprecated", Value::Bool(metadata.deprecated));
    m.insert("Description", Value::string(metadata.description.as_str()));
    m.insert("Home", Value::string(metadata.home.as_str()));
    m.insert("Icon", Value::string(metadata.icon.as_str()));
    m.insert("IsRoot", Value::Bool(is_root));
    m.insert("Keywords", strings(&metadata.keywords));
    m.insert("KubeVersion", Value::string(metadata.kube_version.as_str()));
    m.insert(
        "Maintainers",
        Value::list(
            metadata
                .maintainers
                .iter()
                .map(|mt| {
                    let mm = Map::default();
                    mm.insert("Name", Value::string(mt.name.as_str()));
                    mm.insert("Email", Value::string(mt.email.as_str()));
                    mm.insert("URL", Value::string(mt.url.as_str()));
                    Value::Map(mm)
                })
                .collect(),
        ),
    );
    m.insert("Name", Value::string(metadata.name.as_str()));
    m.insert("Sources", strings(&metadata.sources));
    m.insert("Tags", Value::string(metadata.tags.as_str()));
    m.insert("Type", Value::string(metadata.chart_type.as_str()));
    m.insert("Version", Value::string(metadata.version.as_str()));
    Value::Map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_gobwas_does_with_slash_separators() {
        let g = |p: &str, t: &str| Glob::compile(p).unwrap().matches(t);
        assert!(g("*.yaml", "a.yaml"));
        assert!(!g("*.yaml", "dir/a.yaml"));
        assert!(g("**.yaml", "dir/a.yaml"));
        assert!(g("files/**", "files/a/b.txt"));
        assert!(g("files/*", "files/a"));
        assert!(!g("files/*", "files/a/b"));
        assert!(g("config/{a,b}.conf", "config/b.conf"));
        assert!(g("[ab]?c", "bxc"));
        assert!(!g("[!ab]?c", "bxc"));
        assert!(g("\\*x", "*x"));
        assert!(Glob::compile("[abc").is_none());
    }

    #[test]
    fn capabilities_print_as_helm_prints_them() {
        let caps = capabilities_value(&Capabilities::default());
        let Value::Object(o) = &caps else { panic!() };
        assert_eq!(
            o.field("KubeVersion").unwrap().to_string(),
            "{v1.36.0 v1.36.0 1 36}"
        );
        assert_eq!(
            o.field("HelmVersion").unwrap().to_string(),
            "{v4.2   go1.26.6 v1.36}"
        );
        assert_eq!(caps.type_name(), "*common.Capabilities");
    }
}
