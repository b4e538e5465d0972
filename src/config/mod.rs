//! The settings of `helm-operator run`: one table ([`SETTINGS`]) names every setting with its
//! flag, environment variable, config-file key, default and help text. A value is taken from the
//! flag, else the environment variable, else the config file, else the default; an invalid value
//! produces one error line that names where it came from.
//!
//! The same table drives the CLI's `--help`, the keys accepted in `config/helm-operator.yaml`, and
//! the configuration table of the README (a test keeps both documents in step with it).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::api::duration::parse_duration;

/// One setting of `helm-operator run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    /// Dotted key in the config file, e.g. `workers.release`.
    pub key: &'static str,
    /// Long flag without dashes, e.g. `release-workers`.
    pub flag: &'static str,
    /// Environment variable.
    pub env: &'static str,
    /// Default value as text; empty means "derived", as `help` explains.
    pub default: &'static str,
    /// What the setting does.
    pub help: &'static str,
}

/// Every setting of `helm-operator run`, in the order the documentation lists them.
pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "kubeconfig",
        flag: "kubeconfig",
        env: "HELM_OPERATOR_KUBECONFIG",
        default: "",
        help: "Path to a kubeconfig file. Empty: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account",
    },
    SettingSpec {
        key: "kubeContext",
        flag: "kube-context",
        env: "HELM_OPERATOR_KUBE_CONTEXT",
        default: "",
        help: "Context of the kubeconfig to use. Empty: its current context",
    },
    SettingSpec {
        key: "watchNamespaces",
        flag: "watch-namespaces",
        env: "HELM_OPERATOR_WATCH_NAMESPACES",
        default: "",
        help: "Comma-separated namespaces whose HelmRepositories and HelmReleases are reconciled. Empty: all namespaces",
    },
    SettingSpec {
        key: "operatorNamespace",
        flag: "operator-namespace",
        env: "POD_NAMESPACE",
        default: "",
        help: "Namespace of the operator's own Leases and events. Empty: the service account's namespace, else `ketches`",
    },
    SettingSpec {
        key: "replicaId",
        flag: "replica-id",
        env: "POD_NAME",
        default: "",
        help: "This replica's identity in leader election and sharding; must be unique per replica. Empty: the host name",
    },
    SettingSpec {
        key: "leaseDuration",
        flag: "lease-duration",
        env: "HELM_OPERATOR_LEASE_DURATION",
        default: "4s",
        help: "How long a replica's Lease stays valid without renewal; bounds failover time after a crash",
    },
    SettingSpec {
        key: "leaseRenewInterval",
        flag: "lease-renew-interval",
        env: "HELM_OPERATOR_LEASE_RENEW_INTERVAL",
        default: "1s",
        help: "How often a replica renews its Leases; must be shorter than leaseDuration",
    },
    SettingSpec {
        key: "workers.repository",
        flag: "repository-workers",
        env: "HELM_OPERATOR_REPOSITORY_WORKERS",
        default: "4",
        help: "HelmRepositories reconciled at once",
    },
    SettingSpec {
        key: "workers.release",
        flag: "release-workers",
        env: "HELM_OPERATOR_RELEASE_WORKERS",
        default: "16",
        help: "HelmReleases reconciled at once (release actions in flight)",
    },
    SettingSpec {
        key: "workers.fetch",
        flag: "fetch-workers",
        env: "HELM_OPERATOR_FETCH_WORKERS",
        default: "8",
        help: "Concurrent downloads of indexes and charts",
    },
    SettingSpec {
        key: "workers.render",
        flag: "render-workers",
        env: "HELM_OPERATOR_RENDER_WORKERS",
        default: "0",
        help: "Concurrent chart renders (CPU-bound). 0: the number of CPUs",
    },
    SettingSpec {
        key: "caches.indexBytes",
        flag: "index-cache-size",
        env: "HELM_OPERATOR_INDEX_CACHE_SIZE",
        default: "64Mi",
        help: "Memory for cached repository indexes (bytes; Ki, Mi, Gi suffixes)",
    },
    SettingSpec {
        key: "caches.chartBytes",
        flag: "chart-cache-size",
        env: "HELM_OPERATOR_CHART_CACHE_SIZE",
        default: "128Mi",
        help: "Memory for cached chart archives and parsed charts",
    },
    SettingSpec {
        key: "caches.ttl",
        flag: "cache-ttl",
        env: "HELM_OPERATOR_CACHE_TTL",
        default: "15m",
        help: "How long a cached index or chart is kept without use",
    },
    SettingSpec {
        key: "limits.maxIndexBytes",
        flag: "max-index-size",
        env: "HELM_OPERATOR_MAX_INDEX_SIZE",
        default: "128Mi",
        help: "Largest repository index accepted (HTTP repositories)",
    },
    SettingSpec {
        key: "limits.maxChartArchiveBytes",
        flag: "max-chart-archive-size",
        env: "HELM_OPERATOR_MAX_CHART_ARCHIVE_SIZE",
        default: "20Mi",
        help: "Largest chart archive (.tgz) downloaded",
    },
    SettingSpec {
        key: "limits.maxChartUnpackedBytes",
        flag: "max-chart-unpacked-size",
        env: "HELM_OPERATOR_MAX_CHART_UNPACKED_SIZE",
        default: "100Mi",
        help: "Largest total unpacked size of a chart (Helm's limit)",
    },
    SettingSpec {
        key: "limits.maxChartFileBytes",
        flag: "max-chart-file-size",
        env: "HELM_OPERATOR_MAX_CHART_FILE_SIZE",
        default: "5Mi",
        help: "Largest single file inside a chart (Helm's limit)",
    },
    SettingSpec {
        key: "limits.maxChartFiles",
        flag: "max-chart-files",
        env: "HELM_OPERATOR_MAX_CHART_FILES",
        default: "10000",
        help: "Most files inside one chart archive",
    },
    SettingSpec {
        key: "limits.statusVersionsPerChart",
        flag: "status-versions-per-chart",
        env: "HELM_OPERATOR_STATUS_VERSIONS_PER_CHART",
        default: "5",
        help: "Newest versions listed per chart in a HelmRepository's status",
    },
    SettingSpec {
        key: "limits.statusMaxCharts",
        flag: "status-max-charts",
        env: "HELM_OPERATOR_STATUS_MAX_CHARTS",
        default: "500",
        help: "Charts listed at most in a HelmRepository's status (the first by name; the totals count all), so a huge repository cannot outgrow etcd's object limit",
    },
    SettingSpec {
        key: "limits.maxRegistryCharts",
        flag: "max-registry-charts",
        env: "HELM_OPERATOR_MAX_REGISTRY_CHARTS",
        default: "1000",
        help: "Chart repositories read at most from an OCI registry's catalog when a HelmRepository syncs",
    },
    SettingSpec {
        key: "security.allowCrossNamespaceSecrets",
        flag: "allow-cross-namespace-secrets",
        env: "HELM_OPERATOR_ALLOW_CROSS_NAMESPACE_SECRETS",
        default: "false",
        help: "Let a HelmRepository read credentials and TLS Secrets from other namespaces (`secretRef.namespace`). Off: only from its own namespace, so a tenant cannot borrow another tenant's Secrets",
    },
    SettingSpec {
        key: "listen.metrics",
        flag: "metrics-address",
        env: "HELM_OPERATOR_METRICS_ADDRESS",
        default: "0.0.0.0:8080",
        help: "Address of the /metrics endpoint",
    },
    SettingSpec {
        key: "listen.health",
        flag: "health-address",
        env: "HELM_OPERATOR_HEALTH_ADDRESS",
        default: "0.0.0.0:8081",
        help: "Address of /healthz and /readyz; may equal the metrics address",
    },
    SettingSpec {
        key: "log.format",
        flag: "log-format",
        env: "HELM_OPERATOR_LOG_FORMAT",
        default: "json",
        help: "Log format: json or text",
    },
    SettingSpec {
        key: "log.level",
        flag: "log-level",
        env: "HELM_OPERATOR_LOG_LEVEL",
        default: "info",
        help: "Log filter in tracing's EnvFilter syntax, e.g. `info` or `info,helm_operator=debug`",
    },
];

/// Where a setting's value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// A key of the config file.
    File(PathBuf, &'static str),
    /// The built-in default.
    Default(&'static str),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag --{flag}"),
            Source::Env(env) => write!(f, "environment variable {env}"),
            Source::File(path, key) => write!(f, "key {key:?} of config file {}", path.display()),
            Source::Default(key) => write!(f, "the default of {key}"),
        }
    }
}

/// A configuration error: always one line that names the setting and where its value came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A value does not parse.
    #[error("invalid value {value:?} for {origin}: {reason}")]
    InvalidValue {
        /// Where the value came from.
        origin: Source,
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The config file cannot be read.
    #[error("cannot read config file {path}: {reason}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The config file is not YAML, or not a mapping.
    #[error("config file {path} is not a YAML mapping of settings: {reason}")]
    FileSyntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, on one line.
        reason: String,
    },
    /// The config file has a key that is not a setting.
    #[error("config file {path}: unknown key {key:?}{hint}")]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// A suggestion, if a known key is close.
        hint: String,
    },
    /// Two settings contradict each other.
    #[error("{0}")]
    Inconsistent(String),
}

/// Raw values as given, before parsing: for each setting key, the text and where it came from.
#[derive(Debug, Clone, Default)]
pub struct RawSettings {
    values: BTreeMap<&'static str, (String, Source)>,
}

impl RawSettings {
    /// Resolves every setting from, in order of precedence, `explicit` (flags and environment
    /// variables as the CLI parser found them), the config file, and the defaults.
    ///
    /// # Errors
    /// Fails when the config file cannot be read or holds a key that is not a setting.
    pub fn resolve(
        explicit: BTreeMap<&'static str, (String, Source)>,
        config_file: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let file_values = match config_file {
            Some(path) => read_config_file(path)?,
            None => BTreeMap::new(),
        };
        let mut values = BTreeMap::new();
        for spec in SETTINGS {
            let chosen = explicit
                .get(spec.key)
                .cloned()
                .or_else(|| {
                    file_values.get(spec.key).map(|v| {
                        (
                            v.clone(),
                            Source::File(
                                config_file.unwrap_or(Path::new("")).to_path_buf(),
                                spec.key,
                            ),
                        )
                    })
                })
                .unwrap_or_else(|| (spec.default.to_owned(), Source::Default(spec.key)));
            values.insert(spec.key, chosen);
        }
        Ok(Self { values })
    }

    fn get(&self, key: &'static str) -> (&str, &Source) {
        let (v, s) = self
            .values
            .get(key)
            .unwrap_or_else(|| panic!("setting {key} is not in SETTINGS"));
        (v.as_str(), s)
    }

    fn parse<T>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let (value, source) = self.get(key);
        parse(value.trim()).map_err(|reason| ConfigError::InvalidValue {
            origin: source.clone(),
            value: value.to_owned(),
            reason,
        })
    }
}

/// Reads the config file into dotted keys with text values.
fn read_config_file(path: &Path) -> Result<BTreeMap<&'static str, String>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::ReadFile {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let one_line = |e: &dyn std::fmt::Display| {
        e.to_string()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let doc: serde_json::Value = if text.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_saphyr::from_str(&text).map_err(|e| ConfigError::FileSyntax {
            path: path.to_owned(),
            reason: one_line(&e),
        })?
    };
    let mut flat = BTreeMap::new();
    match doc {
        serde_json::Value::Null => {}
        serde_json::Value::Object(map) => flatten(path, "", &map, &mut flat)?,
        other => {
            return Err(ConfigError::FileSyntax {
                path: path.to_owned(),
                reason: format!("the document is a {}", json_kind(&other)),
            });
        }
    }
    Ok(flat)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Object(_) => "mapping",
    }
}

fn flatten(
    path: &Path,
    prefix: &str,
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut BTreeMap<&'static str, String>,
) -> Result<(), ConfigError> {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let is_section = SETTINGS
            .iter()
            .any(|s| s.key.starts_with(&format!("{key}.")));
        match (v, is_section) {
            (serde_json::Value::Object(inner), true) => flatten(path, &key, inner, out)?,
            (_, true) => {
                return Err(ConfigError::InvalidValue {
                    origin: Source::File(
                        path.to_owned(),
                        SETTINGS
                            .iter()
                            .find(|s| s.key.starts_with(&format!("{key}.")))
                            .map_or("", |s| s.key),
                    ),
                    value: v.to_string(),
                    reason: format!("{key:?} is a section and must be a mapping"),
                });
            }
            (_, false) => {
                let Some(spec) = SETTINGS.iter().find(|s| s.key == key) else {
                    let hint = closest_key(&key)
                        .map(|k| format!(" (did you mean {k:?}?)"))
                        .unwrap_or_default();
                    return Err(ConfigError::UnknownKey {
                        path: path.to_owned(),
                        key,
                        hint,
                    });
                };
                let text = match v {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    other => other.to_string(),
                };
                out.insert(spec.key, text);
            }
        }
    }
    Ok(())
}

/// The known key with the smallest edit distance, if it is close enough to be a typo.
fn closest_key(key: &str) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    SETTINGS
        .iter()
        .map(|s| (distance(key, s.key), s.key))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| k)
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable text.
    Text,
}

/// Sizes of the worker pools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workers {
    /// HelmRepositories reconciled at once.
    pub repository: usize,
    /// HelmReleases reconciled at once.
    pub release: usize,
    /// Concurrent downloads.
    pub fetch: usize,
    /// Concurrent renders.
    pub render: usize,
}

/// Cache budgets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caches {
    /// Bytes of cached indexes.
    pub index_bytes: u64,
    /// Bytes of cached charts.
    pub chart_bytes: u64,
    /// Time to idle.
    pub ttl: Duration,
}

/// Size limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest index accepted.
    pub max_index_bytes: u64,
    /// Largest chart archive downloaded.
    pub max_chart_archive_bytes: u64,
    /// Largest unpacked chart.
    pub max_chart_unpacked_bytes: u64,
    /// Largest file in a chart.
    pub max_chart_file_bytes: u64,
    /// Most files in a chart.
    pub max_chart_files: usize,
    /// Versions per chart in a HelmRepository's status.
    pub status_versions_per_chart: usize,
    /// Charts in a HelmRepository's status.
    pub status_max_charts: usize,
    /// Repositories read from a registry's catalog.
    pub max_registry_charts: usize,
}

/// The validated settings of `helm-operator run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Explicit kubeconfig path.
    pub kubeconfig: Option<PathBuf>,
    /// Explicit kubeconfig context.
    pub kube_context: Option<String>,
    /// Namespaces to watch; empty means all.
    pub watch_namespaces: Vec<String>,
    /// The operator's own namespace.
    pub operator_namespace: String,
    /// This replica's identity.
    pub replica_id: String,
    /// Lease validity.
    pub lease_duration: Duration,
    /// Lease renewal period.
    pub lease_renew_interval: Duration,
    /// Worker pool sizes.
    pub workers: Workers,
    /// Cache budgets.
    pub caches: Caches,
    /// Size limits.
    pub limits: Limits,
    /// Whether Secrets may be read from namespaces other than the referring object's.
    pub allow_cross_namespace_secrets: bool,
    /// Address of `/metrics`.
    pub metrics_address: SocketAddr,
    /// Address of `/healthz` and `/readyz`.
    pub health_address: SocketAddr,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter directives.
    pub log_level: String,
}

/// Where the environment-derived defaults come from; a trait so tests can pin them.
pub trait Environment {
    /// The namespace of the pod's service account, if running in a pod.
    fn service_account_namespace(&self) -> Option<String>;
    /// The host name.
    fn host_name(&self) -> Option<String>;
    /// The number of CPUs available.
    fn cpus(&self) -> usize;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn service_account_namespace(&self) -> Option<String> {
        std::fs::read_to_string("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }
    fn host_name(&self) -> Option<String> {
        std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }
    fn cpus(&self) -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

impl Settings {
    /// Parses and checks every setting.
    ///
    /// # Errors
    /// The first invalid setting, as one line naming its flag, variable or file key.
    pub fn from_raw(raw: &RawSettings, env: &dyn Environment) -> Result<Self, ConfigError> {
        let optional_text = |v: &str| Ok::<_, String>(Some(v.to_owned()).filter(|v| !v.is_empty()));
        let lease_duration = raw.parse("leaseDuration", positive_duration)?;
        let lease_renew_interval = raw.parse("leaseRenewInterval", positive_duration)?;
        if lease_renew_interval >= lease_duration {
            return Err(ConfigError::Inconsistent(format!(
                "leaseRenewInterval ({}) must be shorter than leaseDuration ({}), set by {} and {}",
                raw.get("leaseRenewInterval").0,
                raw.get("leaseDuration").0,
                raw.get("leaseRenewInterval").1,
                raw.get("leaseDuration").1
            )));
        }
        let render = raw.parse("workers.render", |v| count(v, true))?;
        let settings = Self {
            kubeconfig: raw.parse("kubeconfig", optional_text)?.map(PathBuf::from),
            kube_context: raw.parse("kubeContext", optional_text)?,
            watch_namespaces: raw.parse("watchNamespaces", namespace_list)?,
            operator_namespace: match raw.parse("operatorNamespace", |v| {
                optional_text(v).and_then(|v| v.map(dns_label).transpose())
            })? {
                Some(ns) => ns,
                None => env
                    .service_account_namespace()
                    .unwrap_or_else(|| "ketches".to_owned()),
            },
            replica_id: match raw.parse("replicaId", optional_text)? {
                Some(id) => id,
                None => env
                    .host_name()
                    .unwrap_or_else(|| "helm-operator".to_owned()),
            },
            lease_duration,
            lease_renew_interval,
            workers: Workers {
                repository: raw.parse("workers.repository", |v| count(v, false))?,
                release: raw.parse("workers.release", |v| count(v, false))?,
                fetch: raw.parse("workers.fetch", |v| count(v, false))?,
                render: if render == 0 { env.cpus() } else { render },
            },
            caches: Caches {
                index_bytes: raw.parse("caches.indexBytes", parse_bytes)?,
                chart_bytes: raw.parse("caches.chartBytes", parse_bytes)?,
                ttl: raw.parse("caches.ttl", positive_duration)?,
            },
            limits: Limits {
                max_index_bytes: raw.parse("limits.maxIndexBytes", nonzero_bytes)?,
                max_chart_archive_bytes: raw.parse("limits.maxChartArchiveBytes", nonzero_bytes)?,
                max_chart_unpacked_bytes: raw
                    .parse("limits.maxChartUnpackedBytes", nonzero_bytes)?,
                max_chart_file_bytes: raw.parse("limits.maxChartFileBytes", nonzero_bytes)?,
                max_chart_files: raw.parse("limits.maxChartFiles", |v| count(v, false))?,
                status_versions_per_chart: raw
                    .parse("limits.statusVersionsPerChart", |v| count(v, false))?,
                status_max_charts: raw.parse("limits.statusMaxCharts", |v| count(v, false))?,
                max_registry_charts: raw.parse("limits.maxRegistryCharts", |v| count(v, false))?,
            },
            allow_cross_namespace_secrets: raw
                .parse("security.allowCrossNamespaceSecrets", boolean)?,
            metrics_address: raw.parse("listen.metrics", socket_address)?,
            health_address: raw.parse("listen.health", socket_address)?,
            log_format: raw.parse("log.format", |v| match v {
                "json" => Ok(LogFormat::Json),
                "text" => Ok(LogFormat::Text),
                _ => Err("expected json or text".to_owned()),
            })?,
            log_level: raw.parse("log.level", |v| {
                tracing_subscriber::EnvFilter::try_new(v)
                    .map(|_| v.to_owned())
                    .map_err(|e| format!("not a log filter: {e}"))
            })?,
        };
        Ok(settings)
    }
}

fn positive_duration(v: &str) -> Result<Duration, String> {
    match parse_duration(v) {
        Ok(d) if d.is_zero() => Err("must be greater than zero".to_owned()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}

fn boolean(v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("expected true or false".to_owned()),
    }
}

fn count(v: &str, zero_allowed: bool) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(0) if !zero_allowed => Err("must be at least 1".to_owned()),
        Ok(n) if n > 100_000 => Err("must be at most 100000".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err("expected a whole number".to_owned()),
    }
}

/// Parses a byte size: a whole number with an optional `Ki`, `Mi`, `Gi` (binary) or `k`, `M`,
/// `G` (decimal) suffix, as Kubernetes quantities are written.
///
/// # Errors
/// A message saying what is wrong.
pub fn parse_bytes(v: &str) -> Result<u64, String> {
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, suffix) = v.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| "expected a size such as 64Mi, 512Ki or 1048576".to_owned())?;
    let factor: u64 = match suffix {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        _ => {
            return Err(format!(
                "unknown size suffix {suffix:?}: use Ki, Mi, Gi, k, M or G"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| "size is too large".to_owned())
}

fn nonzero_bytes(v: &str) -> Result<u64, String> {
    match parse_bytes(v)? {
        0 => Err("must be greater than zero".to_owned()),
        n => Ok(n),
    }
}

fn socket_address(v: &str) -> Result<SocketAddr, String> {
    v.parse().map_err(|_| {
        "expected host:port with an IP address, such as 0.0.0.0:8080 or 127.0.0.1:0".to_owned()
    })
}

/// Checks a Kubernetes namespace name (an RFC 1123 label).
fn dns_label(v: String) -> Result<String, String> {
    let ok = !v.is_empty()
        && v.len() <= 63
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !v.starts_with('-')
        && !v.ends_with('-');
    if ok {
        Ok(v)
    } else {
        Err(format!(
            "{v:?} is not a valid namespace name (lowercase letters, digits and '-', at most 63)"
        ))
    }
}

fn namespace_list(v: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let ns = dns_label(item.to_owned())?;
        if !out.contains(&ns) {
            out.push(ns);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FixedEnv;
    impl Environment for FixedEnv {
        fn service_account_namespace(&self) -> Option<String> {
            None
        }
        fn host_name(&self) -> Option<String> {
            Some("node-a".into())
        }
        fn cpus(&self) -> usize {
            2
        }
    }

    fn settings(
        explicit: &[(&'static str, &str, Source)],
        file: Option<&str>,
    ) -> Result<Settings, ConfigError> {
        let dir = std::env::temp_dir().join(format!(
            "helm-operator-config-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.yaml");
        if let Some(text) = file {
            std::fs::write(&path, text).unwrap();
        }
        let explicit = explicit
            .iter()
            .map(|(k, v, s)| (*k, (v.to_string(), s.clone())))
            .collect();
        let raw = RawSettings::resolve(explicit, file.map(|_| path.as_path()))?;
        Settings::from_raw(&raw, &FixedEnv)
    }

    #[test]
    fn defaults_are_valid_and_derive_identity_from_the_environment() {
        let s = settings(&[], None).unwrap();
        assert_eq!(s.operator_namespace, "ketches");
        assert_eq!(s.replica_id, "node-a");
        assert_eq!(s.workers.render, 2);
        assert_eq!(s.lease_duration, Duration::from_secs(4));
        assert_eq!(s.caches.index_bytes, 64 << 20);
        assert_eq!(s.metrics_address, "0.0.0.0:8080".parse().unwrap());
        assert!(s.watch_namespaces.is_empty());
        assert_eq!(s.log_format, LogFormat::Json);
    }

    #[test]
    fn flag_beats_environment_beats_file_beats_default() {
        let file = "workers:\n  release: 7\n  fetch: 3\nlog:\n  format: text\n";
        let s = settings(
            &[
                ("workers.release", "9", Source::Flag("release-workers")),
                (
                    "workers.fetch",
                    "5",
                    Source::Env("HELM_OPERATOR_FETCH_WORKERS"),
                ),
            ],
            Some(file),
        )
        .unwrap();
        assert_eq!(s.workers.release, 9, "flag wins over file");
        assert_eq!(s.workers.fetch, 5, "environment wins over file");
        assert_eq!(s.log_format, LogFormat::Text, "file wins over default");
        assert_eq!(s.workers.repository, 4, "default when nothing else");
    }

    #[test]
    fn errors_name_the_flag_the_variable_or_the_file_key() {
        let e = settings(
            &[("leaseDuration", "5x", Source::Flag("lease-duration"))],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("--lease-duration") && e.contains("\"5x\""),
            "{e}"
        );
        let e = settings(
            &[(
                "workers.fetch",
                "many",
                Source::Env("HELM_OPERATOR_FETCH_WORKERS"),
            )],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("HELM_OPERATOR_FETCH_WORKERS") && e.contains("whole number"),
            "{e}"
        );
        let e = settings(&[], Some("caches:\n  indexBytes: 64MB\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"caches.indexBytes\"")
                && e.contains("config.yaml")
                && e.contains("suffix"),
            "{e}"
        );
        assert!(!e.contains('\n'), "one line: {e}");
    }

    #[test]
    fn unknown_and_misplaced_keys_are_refused_with_a_hint() {
        let e = settings(&[], Some("workers:\n  relase: 3\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown key \"workers.relase\"")
                && e.contains("did you mean \"workers.release\""),
            "{e}"
        );
        let e = settings(&[], Some("workers: 3\n")).unwrap_err().to_string();
        assert!(e.contains("section"), "{e}");
        let e = settings(&[], Some("- a\n- b\n")).unwrap_err().to_string();
        assert!(e.contains("not a YAML mapping"), "{e}");
    }

    #[test]
    fn renew_interval_must_be_shorter_than_lease_duration() {
        let e = settings(
            &[(
                "leaseRenewInterval",
                "5s",
                Source::Flag("lease-renew-interval"),
            )],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("leaseRenewInterval") && e.contains("shorter"),
            "{e}"
        );
    }

    #[test]
    fn namespaces_come_as_a_list_or_comma_separated_and_are_checked() {
        let s = settings(&[], Some("watchNamespaces: [team-a, team-b, team-a]\n")).unwrap();
        assert_eq!(s.watch_namespaces, ["team-a", "team-b"]);
        let s = settings(
            &[(
                "watchNamespaces",
                "x, y",
                Source::Env("HELM_OPERATOR_WATCH_NAMESPACES"),
            )],
            None,
        )
        .unwrap();
        assert_eq!(s.watch_namespaces, ["x", "y"]);
        assert!(
            settings(
                &[(
                    "watchNamespaces",
                    "Team_A",
                    Source::Flag("watch-namespaces")
                )],
                None
            )
            .is_err()
        );
    }

    #[test]
    fn byte_sizes_accept_kubernetes_suffixes() {
        assert_eq!(parse_bytes("512Ki"), Ok(512 << 10));
        assert_eq!(parse_bytes("1G"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert!(parse_bytes("1.5Gi").is_err());
        assert!(parse_bytes("99999999999Gi").is_err());
    }

    #[test]
    fn every_setting_has_a_unique_key_flag_and_variable() {
        for (i, a) in SETTINGS.iter().enumerate() {
            for b in &SETTINGS[i + 1..] {
                assert!(
                    a.key != b.key && a.flag != b.flag && a.env != b.env,
                    "{a:?} and {b:?} collide"
                );
            }
        }
        // every default (other than the derived ones) must itself be valid
        settings(&[], None).unwrap();
    }
}
