//! Logs and metrics. Logs go through `tracing` as JSON or text. Metrics are OpenTelemetry
//! instruments exported by `opentelemetry-prometheus` into the Prometheus registry that
//! `/metrics` serves. [`catalog::METRICS`] names every metric the operator exports; each part of
//! the operator records into its own entries.
//!
//! A leaf module: anyone may import it, it imports nothing of the operator but the settings.

pub mod catalog;
pub mod kube_requests;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use prometheus::{Encoder, TextEncoder};

use crate::config::LogFormat;
use catalog::{MetricDef, MetricKind};

/// The operator's version, from Cargo.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit the binary was built from (`unknown` outside a git checkout).
pub const GIT_COMMIT: &str = env!("HELM_OPERATOR_GIT_COMMIT");
/// The rustc version the binary was built with.
pub const RUSTC_VERSION: &str = env!("HELM_OPERATOR_RUSTC_VERSION");

/// Errors setting up telemetry.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The log filter does not parse.
    #[error("invalid log filter: {0}")]
    LogFilter(String),
    /// A global tracing subscriber was already installed.
    #[error("logging already initialised: {0}")]
    LoggingInstalled(String),
    /// The Prometheus exporter could not be built.
    #[error("metrics exporter: {0}")]
    Exporter(String),
}

/// Installs the global tracing subscriber.
///
/// # Errors
/// When the filter does not parse or a subscriber is already installed.
pub fn init_logging(format: LogFormat, filter: &str) -> Result<(), TelemetryError> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| TelemetryError::LogFilter(e.to_string()))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    installed.map_err(|e| TelemetryError::LoggingInstalled(e.to_string()))
}

type LabelSet = Vec<(String, String)>;

/// Gauges whose series come and go (one per release, one per repository): the current values
/// are kept here and reported by an observable gauge, so a removed series disappears from
/// `/metrics` instead of keeping its last value forever.
#[derive(Default)]
struct GaugeSeries {
    series: Mutex<HashMap<&'static str, BTreeMap<LabelSet, f64>>>,
}

/// The metrics of one operator process.
pub struct Metrics {
    registry: prometheus::Registry,
    provider: SdkMeterProvider,
    counters: HashMap<&'static str, Counter<u64>>,
    histograms: HashMap<&'static str, Histogram<f64>>,
    gauges: Arc<GaugeSeries>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("metrics", &catalog::METRICS.len())
            .finish_non_exhaustive()
    }
}

fn key_values(labels: &[(&'static str, &str)]) -> Vec<KeyValue> {
    labels
        .iter()
        .map(|(k, v)| KeyValue::new(*k, v.to_string()))
        .collect()
}

impl Metrics {
    /// Creates every instrument of the catalog, records `helm_operator_build_info`, and sets the
    /// counters whose label values are known up front to zero.
    ///
    /// # Errors
    /// When the Prometheus exporter cannot be built.
    pub fn new() -> Result<Self, TelemetryError> {
        let registry = prometheus::Registry::new();
        let exporter = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .without_units()
            .without_counter_suffixes()
            .without_target_info()
            .scope_info_enabled(false)
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        let provider = SdkMeterProvider::builder().with_reader(exporter).build();
        let meter: Meter = provider.meter("helm-operator");
        let gauges = Arc::new(GaugeSeries::default());
        let mut counters = HashMap::new();
        let mut histograms = HashMap::new();
        for def in catalog::METRICS {
            match def.kind {
                MetricKind::Counter => {
                    counters.insert(
                        def.name,
                        meter
                            .u64_counter(def.name)
                            .with_description(def.help)
                            .build(),
                    );
                }
                MetricKind::Histogram => {
                    let histogram = meter
                        .f64_histogram(def.name)
                        .with_description(def.help)
                        .with_boundaries(def.buckets.to_vec())
                        .build();
                    histograms.insert(def.name, histogram);
                }
                MetricKind::Gauge => {
                    let source = Arc::clone(&gauges);
                    let name = def.name;
                    // Observable gauges live as long as the provider; the handle is not needed.
                    let _gauge = meter
                        .f64_observable_gauge(def.name)
                        .with_description(def.help)
                        .with_callback(move |observer| {
                            let series = source
                                .series
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                            for (labels, value) in series.get(name).into_iter().flatten() {
                                let attrs: Vec<KeyValue> = labels
                                    .iter()
                                    .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                                    .collect();
                                observer.observe(*value, &attrs);
                            }
                        })
                        .build();
                }
            }
        }
        let metrics = Self {
            registry,
            provider,
            counters,
            histograms,
            gauges,
        };
        metrics.set_gauge(
            catalog::BUILD_INFO,
            &[
                ("version", VERSION),
                ("git_commit", GIT_COMMIT),
                ("rustc_version", RUSTC_VERSION),
            ],
            1.0,
        );
        for def in catalog::METRICS {
            for labels in def.initial {
                metrics.add(def.name, 0, labels);
            }
        }
        Ok(metrics)
    }

    fn def(name: &str) -> &'static MetricDef {
        catalog::METRICS
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("metric {name} is not in the catalog"))
    }

    fn check_labels(name: &str, labels: &[(&'static str, &str)]) {
        let def = Self::def(name);
        debug_assert!(
            labels.len() == def.labels.len() && labels.iter().all(|(k, _)| def.labels.contains(k)),
            "metric {name} takes labels {:?}, got {labels:?}",
            def.labels
        );
    }

    /// Adds to a counter.
    pub fn add(&self, name: &str, value: u64, labels: &[(&'static str, &str)]) {
        Self::check_labels(name, labels);
        match self.counters.get(name) {
            Some(counter) => counter.add(value, &key_values(labels)),
            None => panic!("metric {name} is not a counter"),
        }
    }

    /// Records one observation in a histogram (seconds for durations).
    pub fn observe(&self, name: &str, value: f64, labels: &[(&'static str, &str)]) {
        Self::check_labels(name, labels);
        match self.histograms.get(name) {
            Some(histogram) => histogram.record(value, &key_values(labels)),
            None => panic!("metric {name} is not a histogram"),
        }
    }

    /// Sets the value of one gauge series.
    pub fn set_gauge(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        Self::check_labels(name, labels);
        assert!(
            matches!(Self::def(name).kind, MetricKind::Gauge),
            "metric {name} is not a gauge"
        );
        let key: LabelSet = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut series = self
            .gauges
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        series.entry(name).or_default().insert(key, value);
    }

    /// Removes one gauge series (a deleted release, a repository gone).
    pub fn remove_gauge(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        let key: LabelSet = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut series = self
            .gauges
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(values) = series.get_mut(name) {
            values.remove(&key);
        }
    }

    /// The Prometheus text exposition served at `/metrics`.
    ///
    /// Every metric of the catalog is announced with `# HELP` and `# TYPE`, also before its first
    /// sample, so dashboards and alert rules can discover every name from the first scrape.
    pub fn render(&self) -> String {
        let families = self.registry.gather();
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&families, &mut out) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        let mut text = String::from_utf8_lossy(&out).into_owned();
        for def in catalog::METRICS {
            if !families.iter().any(|f| f.name() == def.name) {
                text.push_str(&format!(
                    "# HELP {} {}\n# TYPE {} {}\n",
                    def.name,
                    def.help,
                    def.name,
                    def.kind.prometheus_type()
                ));
            }
        }
        text
    }

    /// Flushes and stops the meter provider.
    pub fn shutdown(&self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::debug!(error = %e, "meter provider shutdown");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_metric_is_announced_before_its_first_sample() {
        let metrics = Metrics::new().unwrap();
        let text = metrics.render();
        for def in catalog::METRICS {
            assert!(
                text.contains(&format!(
                    "# TYPE {} {}\n",
                    def.name,
                    def.kind.prometheus_type()
                )),
                "{} missing:\n{text}",
                def.name
            );
            assert_eq!(
                text.matches(&format!("# TYPE {} ", def.name)).count(),
                1,
                "{} announced twice",
                def.name
            );
        }
        assert!(text.contains(&format!("helm_operator_build_info{{git_commit=\"{GIT_COMMIT}\",rustc_version=\"{RUSTC_VERSION}\",version=\"{VERSION}\"}} 1")), "{text}");
        assert!(
            text.contains(
                "helm_operator_reconcile_total{controller=\"HelmRelease\",result=\"error\"} 0"
            ),
            "{text}"
        );
    }

    #[test]
    fn counters_and_histograms_keep_their_exact_names() {
        let metrics = Metrics::new().unwrap();
        metrics.add(
            catalog::REPOSITORY_SYNC_TOTAL,
            2,
            &[
                ("namespace", "a"),
                ("repository", "r"),
                ("status", "success"),
            ],
        );
        metrics.observe(
            catalog::RECONCILE_DURATION,
            0.2,
            &[("controller", "HelmRelease"), ("result", "success")],
        );
        let text = metrics.render();
        assert!(
            text.contains(
                "helm_repository_sync_total{namespace=\"a\",repository=\"r\",status=\"success\"} 2"
            ),
            "{text}"
        );
        assert!(!text.contains("_total_total"), "{text}");
        assert!(text.contains("helm_operator_reconcile_duration_seconds_bucket{controller=\"HelmRelease\",result=\"success\",le=\"0.25\"} 1"), "{text}");
        assert!(text.contains("helm_operator_reconcile_duration_seconds_count{controller=\"HelmRelease\",result=\"success\"} 1"), "{text}");
    }

    #[test]
    fn removed_gauge_series_disappear_from_the_exposition() {
        let metrics = Metrics::new().unwrap();
        let labels = [
            ("namespace", "ns"),
            ("release", "web"),
            ("chart", "nginx"),
            ("version", "1.0.0"),
            ("status", "deployed"),
        ];
        metrics.set_gauge(catalog::RELEASE_INFO, &labels, 1.0);
        assert!(metrics.render().contains("helm_release_info{chart=\"nginx\",namespace=\"ns\",release=\"web\",status=\"deployed\",version=\"1.0.0\"} 1"));
        metrics.remove_gauge(catalog::RELEASE_INFO, &labels);
        let text = metrics.render();
        assert!(!text.contains("release=\"web\""), "{text}");
        assert!(
            text.contains("# TYPE helm_release_info gauge"),
            "still announced:\n{text}"
        );
    }

    #[test]
    fn seed_metric_names_are_in_the_catalog() {
        // the names exactly as the seed README writes them
        let seed = [
            "helm_repository_sync_duration_seconds",
            "helm_repository_sync_total",
            "helm_release_operation_duration_seconds",
            "helm_release_rollbacks_total",
            "helm_operator_reconcile_duration_seconds",
            "helm_repository_sync_errors_total",
            "helm_release_operation_errors_total",
            "helm_release_info",
        ];
        assert_eq!(catalog::SEED_METRICS, seed);
        for name in seed {
            assert!(catalog::METRICS.iter().any(|d| d.name == name), "{name}");
        }
        assert!(
            catalog::METRICS.len() >= 15,
            "the seed promises 15+ metrics"
        );
    }
}
