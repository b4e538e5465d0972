//! The operator's HTTP endpoints (axum): `/healthz` (the process is alive), `/readyz` (the client
//! reached the API server and every controller's cache is synced), and `/metrics` (Prometheus
//! text). Never reaches into controller internals: controllers report readiness through
//! [`Readiness`] and metrics through [`Metrics`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::telemetry::Metrics;

/// Named readiness checks; `/readyz` answers 200 only when all of them pass.
#[derive(Debug, Default)]
pub struct Readiness {
    checks: RwLock<Vec<(String, Arc<AtomicBool>)>>,
}

/// The handle a component uses to report one readiness check.
#[derive(Debug, Clone)]
pub struct ReadinessCheck(Arc<AtomicBool>);

impl ReadinessCheck {
    /// Marks the check as passing or failing.
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }
}

impl Readiness {
    /// Registers a check that starts out failing.
    pub fn register(&self, name: impl Into<String>) -> ReadinessCheck {
        let flag = Arc::new(AtomicBool::new(false));
        self.checks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name.into(), Arc::clone(&flag)));
        ReadinessCheck(flag)
    }

    /// Whether every check passes, and one line per check as `[+]name ok` or `[-]name not ready`.
    pub fn report(&self) -> (bool, String) {
        let checks = self
            .checks
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut all = !checks.is_empty();
        let mut text = String::new();
        for (name, flag) in checks.iter() {
            let ok = flag.load(Ordering::SeqCst);
            all &= ok;
            text.push_str(&format!(
                "[{}]{name} {}\n",
                if ok { '+' } else { '-' },
                if ok { "ok" } else { "not ready" }
            ));
        }
        text.push_str(if all {
            "readyz check passed\n"
        } else {
            "readyz check failed\n"
        });
        (all, text)
    }
}

/// What `/debug/shards` shows, set once membership has started.
pub type ShardsReport = Arc<std::sync::OnceLock<Arc<dyn Fn() -> serde_json::Value + Send + Sync>>>;

#[derive(Clone)]
struct AppState {
    readiness: Arc<Readiness>,
    metrics: Arc<Metrics>,
    shards: ShardsReport,
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let (ready, text) = state.readiness.report();
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        text,
    )
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// The routes served on the health address.
/// The members, the leader and the namespaces this replica owns, read-only.
async fn debug_shards(State(state): State<AppState>) -> impl IntoResponse {
    match state.shards.get() {
        Some(report) => (StatusCode::OK, axum::Json(report())).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "membership has not started yet\n",
        )
            .into_response(),
    }
}

fn health_routes() -> Router<AppState> {
    Router::new()
        .route("/debug/shards", get(debug_shards))
        .route("/healthz", get(healthz))
        .route("/livez", get(healthz))
        .route("/readyz", get(readyz))
}

/// The routes served on the metrics address.
fn metrics_routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Errors of the HTTP server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// An address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving {address}: {source}")]
    Serve {
        /// The address.
        address: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Bound listeners, ready to serve. Binding first lets `run` fail fast on a busy port and lets
/// tests bind port 0 and learn the real address.
pub struct Server {
    listeners: Vec<(TcpListener, Router)>,
}

impl Server {
    /// Binds the health and metrics addresses (one listener when they are equal).
    ///
    /// # Errors
    /// When an address cannot be bound.
    pub async fn bind(
        health: SocketAddr,
        metrics_address: SocketAddr,
        readiness: Arc<Readiness>,
        metrics: Arc<Metrics>,
        shards: ShardsReport,
    ) -> Result<Self, ServerError> {
        let state = AppState {
            readiness,
            metrics,
            shards,
        };
        let bind = |address: SocketAddr| async move {
            TcpListener::bind(address)
                .await
                .map_err(|source| ServerError::Bind { address, source })
        };
        let listeners = if health == metrics_address {
            vec![(
                bind(health).await?,
                health_routes().merge(metrics_routes()).with_state(state),
            )]
        } else {
            vec![
                (
                    bind(health).await?,
                    health_routes().with_state(state.clone()),
                ),
                (
                    bind(metrics_address).await?,
                    metrics_routes().with_state(state),
                ),
            ]
        };
        Ok(Self { listeners })
    }

    /// The addresses actually bound, health first.
    pub fn local_addresses(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|(l, _)| l.local_addr().ok())
            .collect()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    ///
    /// # Errors
    /// When a listener fails.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
        let mut tasks = Vec::new();
        for (listener, router) in self.listeners {
            let address = listener.local_addr().map_err(|source| ServerError::Serve {
                address: SocketAddr::from(([0, 0, 0, 0], 0)),
                source,
            })?;
            let mut stop = stop_tx.subscribe();
            tasks.push(tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stop.recv().await;
                    })
                    .await
                    .map_err(|source| ServerError::Serve { address, source })
            }));
        }
        shutdown.await;
        let _ = stop_tx.send(());
        for task in tasks {
            match task.await {
                Ok(result) => result?,
                Err(e) => tracing::error!(error = %e, "HTTP server task panicked"),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_needs_every_check_and_at_least_one() {
        let readiness = Readiness::default();
        assert!(!readiness.report().0, "no checks registered is not ready");
        let api = readiness.register("kube-api");
        let cache = readiness.register("cache:HelmRelease");
        api.set(true);
        let (ready, text) = readiness.report();
        assert!(!ready);
        assert!(
            text.contains("[+]kube-api ok") && text.contains("[-]cache:HelmRelease not ready"),
            "{text}"
        );
        cache.set(true);
        assert!(readiness.report().0);
        api.set(false);
        assert!(!readiness.report().0, "a check can fail again");
    }
}
