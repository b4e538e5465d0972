//! Every metric the operator exports: name, type, help text and labels. The README's metrics
//! table is checked against this list, and `/metrics` announces every entry from the first scrape.
//!
//! Labels are chosen for bounded cardinality: per-release labels only on counters and gauges
//! that have one series per release, never on histograms.

/// The Prometheus type of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A monotonic counter; names end in `_total`.
    Counter,
    /// A histogram of observations; durations in seconds.
    Histogram,
    /// A value that goes up and down; one series per label set, removable.
    Gauge,
}

impl MetricKind {
    /// The type name used in `# TYPE` lines.
    pub fn prometheus_type(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Histogram => "histogram",
            MetricKind::Gauge => "gauge",
        }
    }
}

/// One metric.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    /// Full Prometheus name.
    pub name: &'static str,
    /// Type.
    pub kind: MetricKind,
    /// Help text.
    pub help: &'static str,
    /// Label names, in the order documented.
    pub labels: &'static [&'static str],
    /// Bucket boundaries, for histograms.
    pub buckets: &'static [f64],
    /// Label sets of a counter that are set to zero at start-up, so rates work from the start.
    pub initial: &'static [&'static [(&'static str, &'static str)]],
}

const SECONDS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    1800.0,
];

const fn counter(
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
) -> MetricDef {
    MetricDef {
        name,
        kind: MetricKind::Counter,
        help,
        labels,
        buckets: &[],
        initial: &[],
    }
}
const fn histogram(
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
) -> MetricDef {
    MetricDef {
        name,
        kind: MetricKind::Histogram,
        help,
        labels,
        buckets: SECONDS,
        initial: &[],
    }
}
const fn gauge(
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
) -> MetricDef {
    MetricDef {
        name,
        kind: MetricKind::Gauge,
        help,
        labels,
        buckets: &[],
        initial: &[],
    }
}

/// `helm_operator_build_info`.
pub const BUILD_INFO: &str = "helm_operator_build_info";
/// `helm_operator_reconcile_duration_seconds`.
pub const RECONCILE_DURATION: &str = "helm_operator_reconcile_duration_seconds";
/// `helm_operator_reconcile_total`.
pub const RECONCILE_TOTAL: &str = "helm_operator_reconcile_total";
/// `helm_operator_reconcile_errors_total`.
pub const RECONCILE_ERRORS: &str = "helm_operator_reconcile_errors_total";
/// `helm_repository_sync_duration_seconds`.
pub const REPOSITORY_SYNC_DURATION: &str = "helm_repository_sync_duration_seconds";
/// `helm_repository_sync_total`.
pub const REPOSITORY_SYNC_TOTAL: &str = "helm_repository_sync_total";
/// `helm_repository_sync_errors_total`.
pub const REPOSITORY_SYNC_ERRORS: &str = "helm_repository_sync_errors_total";
/// `helm_repository_charts`.
pub const REPOSITORY_CHARTS: &str = "helm_repository_charts";
/// `helm_release_operation_duration_seconds`.
pub const RELEASE_OPERATION_DURATION: &str = "helm_release_operation_duration_seconds";
/// `helm_release_operation_total`.
pub const RELEASE_OPERATION_TOTAL: &str = "helm_release_operation_total";
/// `helm_release_operation_errors_total`.
pub const RELEASE_OPERATION_ERRORS: &str = "helm_release_operation_errors_total";
/// `helm_release_rollbacks_total`.
pub const RELEASE_ROLLBACKS: &str = "helm_release_rollbacks_total";
/// `helm_release_info`.
pub const RELEASE_INFO: &str = "helm_release_info";
/// `helm_chart_render_duration_seconds`.
pub const CHART_RENDER_DURATION: &str = "helm_chart_render_duration_seconds";
/// `helm_chart_downloads_total`.
pub const CHART_DOWNLOADS: &str = "helm_chart_downloads_total";
/// `helm_operator_cache_requests_total`.
pub const CACHE_REQUESTS: &str = "helm_operator_cache_requests_total";
/// `helm_operator_cache_evictions_total`.
pub const CACHE_EVICTIONS: &str = "helm_operator_cache_evictions_total";
/// `helm_operator_cache_bytes`.
pub const CACHE_BYTES: &str = "helm_operator_cache_bytes";
/// `helm_operator_workers_busy`.
pub const WORKERS_BUSY: &str = "helm_operator_workers_busy";
/// `helm_operator_shards_owned`.
pub const SHARDS_OWNED: &str = "helm_operator_shards_owned";
/// `helm_operator_members`.
pub const MEMBERS: &str = "helm_operator_members";
/// `helm_operator_leader`.
pub const LEADER: &str = "helm_operator_leader";
/// `helm_operator_handovers_total`.
pub const HANDOVERS: &str = "helm_operator_handovers_total";
/// `helm_operator_handover_duration_seconds`.
pub const HANDOVER_DURATION: &str = "helm_operator_handover_duration_seconds";
/// `helm_operator_kube_requests_total`.
pub const KUBE_REQUESTS: &str = "helm_operator_kube_requests_total";

/// The metric names the product description (seed README) promises in its text, queries and
/// alert rules.
pub const SEED_METRICS: &[&str] = &[
    REPOSITORY_SYNC_DURATION,
    REPOSITORY_SYNC_TOTAL,
    RELEASE_OPERATION_DURATION,
    RELEASE_ROLLBACKS,
    RECONCILE_DURATION,
    REPOSITORY_SYNC_ERRORS,
    RELEASE_OPERATION_ERRORS,
    RELEASE_INFO,
];

/// Every metric, in the order the README lists them.
pub const METRICS: &[MetricDef] = &[
    gauge(
        BUILD_INFO,
        "Always 1; labels carry the operator's version, git commit and rustc version.",
        &["version", "git_commit", "rustc_version"],
    ),
    histogram(
        RECONCILE_DURATION,
        "Time taken by one reconcile, by controller and result.",
        &["controller", "result"],
    ),
    MetricDef {
        initial: &[
            &[("controller", "HelmRepository"), ("result", "success")],
            &[("controller", "HelmRepository"), ("result", "error")],
            &[("controller", "HelmRelease"), ("result", "success")],
            &[("controller", "HelmRelease"), ("result", "error")],
        ],
        ..counter(
            RECONCILE_TOTAL,
            "Reconciles run, by controller and result.",
            &["controller", "result"],
        )
    },
    counter(
        RECONCILE_ERRORS,
        "Reconciles that failed, by controller and reason.",
        &["controller", "reason"],
    ),
    histogram(
        REPOSITORY_SYNC_DURATION,
        "Time taken to sync a repository's index or tag list, by repository type and status.",
        &["type", "status"],
    ),
    counter(
        REPOSITORY_SYNC_TOTAL,
        "Repository syncs, by namespace, repository and status (success or failure).",
        &["namespace", "repository", "status"],
    ),
    counter(
        REPOSITORY_SYNC_ERRORS,
        "Failed repository syncs, by namespace, repository and reason.",
        &["namespace", "repository", "reason"],
    ),
    gauge(
        REPOSITORY_CHARTS,
        "Charts offered by a repository at its last sync.",
        &["namespace", "repository"],
    ),
    histogram(
        RELEASE_OPERATION_DURATION,
        "Time taken by a release operation (install, upgrade, rollback, uninstall, test), by operation and status.",
        &["operation", "status"],
    ),
    counter(
        RELEASE_OPERATION_TOTAL,
        "Release operations, by operation and status (success or failure).",
        &["operation", "status"],
    ),
    counter(
        RELEASE_OPERATION_ERRORS,
        "Failed release operations, by namespace, release, operation and reason.",
        &["namespace", "release", "operation", "reason"],
    ),
    counter(
        RELEASE_ROLLBACKS,
        "Automatic rollbacks, by namespace, release and status (success or failure).",
        &["namespace", "release", "status"],
    ),
    gauge(
        RELEASE_INFO,
        "Always 1 for each release; labels carry its chart, version and Helm status.",
        &["namespace", "release", "chart", "version", "status"],
    ),
    histogram(
        CHART_RENDER_DURATION,
        "Time taken to render a chart.",
        &["result"],
    ),
    counter(
        CHART_DOWNLOADS,
        "Chart archives downloaded, by source type (helm or oci) and result.",
        &["type", "result"],
    ),
    counter(
        CACHE_REQUESTS,
        "Cache look-ups, by cache (index, chart, parsed) and result (hit or miss).",
        &["cache", "result"],
    ),
    counter(
        CACHE_EVICTIONS,
        "Entries evicted from a cache, by cache and cause (size, expired).",
        &["cache", "cause"],
    ),
    gauge(CACHE_BYTES, "Bytes held by a cache.", &["cache"]),
    gauge(
        WORKERS_BUSY,
        "Busy workers in a pool (fetch, render, release).",
        &["pool"],
    ),
    gauge(SHARDS_OWNED, "Namespaces this replica owns.", &[]),
    gauge(MEMBERS, "Live replicas this replica sees.", &[]),
    gauge(LEADER, "1 while this replica is the leader, else 0.", &[]),
    counter(
        HANDOVERS,
        "Namespace handovers, by direction (acquired or released).",
        &["direction"],
    ),
    histogram(
        HANDOVER_DURATION,
        "Time from a membership change to this replica's new assignment taking effect.",
        &[],
    ),
    counter(
        KUBE_REQUESTS,
        "Requests to the Kubernetes API, by verb (get, watch, create, update, patch, delete) and result (success or error).",
        &["verb", "result"],
    ),
];
