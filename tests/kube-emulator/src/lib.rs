//! kube-emulator: an in-memory Kubernetes API server for helm-operator's tests. Real kubectl,
//! real Helm and kube-rs clients talk to it over HTTP exactly as they talk to a cluster:
//! discovery and OpenAPI, CRUD with resourceVersions, watch with bookmarks and watch-list,
//! server-side apply with managed fields, CRDs with schema validation, Table output, simulated
//! workload controllers and fault injection.
//!
//! Start it in-process with [`Emulator::start`] (async) or [`RunningEmulator::start`] (from
//! synchronous tests), or run the `kube-emulator` binary.
#![forbid(unsafe_code)]

pub mod controllers;
pub mod discovery;
pub mod errors;
pub mod events;
pub mod faults;
pub mod managed;
pub mod patch;
pub mod protobuf;
pub mod registry;
pub mod schema;
pub mod selectors;
pub mod server;
pub mod store;
pub mod table;
pub mod watch;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tokio::sync::{oneshot, watch as channel};

use errors::ApiError;
use faults::{FaultRule, Faults};
use store::Store;

/// Settings of an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// How often idle watches that allow bookmarks get one.
    pub bookmark_interval: Duration,
    /// How long simulated controllers take to make a workload ready.
    pub readiness_delay: Duration,
    /// Watch events kept for resuming watches; older resourceVersions get 410 Gone.
    pub history_capacity: usize,
    /// The minor version `/version` reports (the machine's kubectl picks its version from it).
    pub kube_minor: String,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            bookmark_interval: Duration::from_secs(5),
            readiness_delay: Duration::from_millis(200),
            history_capacity: 100_000,
            kube_minor: "32".into(),
        }
    }
}

/// What a watch listens to: the resource's storage key and a namespace (`*` for all).
pub type WatchScope = ((String, String), String);

/// State shared by the HTTP handlers, watches and simulated controllers.
#[derive(Debug)]
pub struct Shared {
    /// The objects.
    pub store: RwLock<Store>,
    /// The latest resourceVersion, to wake watches.
    /// Wake-ups for watches, per (resource, namespace); the namespace `*` stands for watches
    /// across all namespaces. A write wakes only the watches of what it wrote.
    pub changes: Mutex<std::collections::HashMap<WatchScope, channel::Sender<u64>>>,
    /// Bumped to drop every open watch stream.
    pub drop_watches: channel::Sender<u64>,
    /// Injected faults.
    pub faults: Mutex<Faults>,
    /// Settings.
    pub config: EmulatorConfig,
    /// `127.0.0.1:<port>`.
    pub address: String,
}

impl Shared {
    /// Locks the store for writing.
    pub fn lock(&self) -> RwLockWriteGuard<'_, Store> {
        self.store
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks the store for reading; many readers (watches, gets, lists) share it.
    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a write under the lock and wakes watches.
    ///
    /// # Errors
    /// Whatever the write returns.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (result, rv, dirty) = {
            let mut store = self.lock();
            let result = f(&mut store);
            (result, store.resource_version(), store.take_dirty())
        };
        if !dirty.is_empty() {
            let channels = self
                .changes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (key, namespace) in &dirty {
                for ns in [namespace.as_str(), "*"] {
                    if let Some(sender) = channels.get(&(key.clone(), ns.to_owned())) {
                        sender.send_replace(rv);
                    }
                }
            }
        }
        result
    }

    /// Wake-ups for a watch of one resource, in one namespace or (`None`) all of them.
    pub fn subscribe(
        &self,
        key: &(String, String),
        namespace: Option<&str>,
    ) -> channel::Receiver<u64> {
        let mut channels = self
            .changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        channels
            .entry((key.clone(), namespace.unwrap_or("*").to_owned()))
            .or_insert_with(|| channel::Sender::new(0))
            .subscribe()
    }
}

impl Shared {
    /// [`Shared::write`] with `fieldValidation=Strict` semantics when `strict` is set.
    ///
    /// # Errors
    /// Whatever the write returns.
    pub fn write_strict<T>(
        &self,
        strict: bool,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.write(|s| s.with_strict_fields(strict, f))
    }
}

/// A running emulator inside the caller's tokio runtime.
#[derive(Debug)]
pub struct Emulator {
    shared: Arc<Shared>,
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Emulator {
    /// Binds 127.0.0.1 and starts serving.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            store: RwLock::new(Store::new(config.history_capacity)),
            changes: Mutex::new(std::collections::HashMap::new()),
            drop_watches: channel::Sender::new(0),
            faults: Mutex::new(Faults::default()),
            config,
            address: address.to_string(),
        });
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let controllers = tokio::spawn(controllers::run(Arc::clone(&shared)));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            controllers.abort();
        });
        Ok(Self {
            shared,
            address,
            stop: Some(stop),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The shared state, for tests that look inside.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// A kubeconfig that points at this emulator.
    pub fn kubeconfig(&self) -> String {
        kubeconfig_for(&self.url())
    }

    /// Writes [`Emulator::kubeconfig`] to a file.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig())
    }

    /// Adds a fault rule.
    pub fn add_fault(&self, rule: FaultRule) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Ends every open watch stream, as a dropped connection would.
    pub fn drop_watches(&self) {
        self.shared.drop_watches.send_modify(|n| *n += 1);
    }

    /// Forgets all watch history, so resuming watches get 410 Gone.
    pub fn expire_history(&self) {
        self.shared.lock().expire_history();
    }

    /// Stops serving.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kubeconfig for a plain-HTTP server at `url`.
pub fn kubeconfig_for(url: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: emulator\n  cluster:\n    server: {url}\nusers:\n- name: emulator\n  user:\n    token: emulator-token\ncontexts:\n- name: emulator\n  context:\n    cluster: emulator\n    user: emulator\n    namespace: default\ncurrent-context: emulator\n"
    )
}

/// An emulator on its own thread and runtime, for synchronous tests; stops when dropped.
pub struct RunningEmulator {
    emulator: Option<Emulator>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("emulator", &self.emulator)
            .finish_non_exhaustive()
    }
}

impl RunningEmulator {
    /// Starts an emulator on a two-thread runtime of its own.
    ///
    /// # Errors
    /// When the runtime cannot start or the port cannot be bound.
    pub fn start(config: EmulatorConfig) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("kube-emulator")
            .build()?;
        let emulator = runtime.block_on(Emulator::start(config))?;
        Ok(Self {
            emulator: Some(emulator),
            runtime: Some(runtime),
        })
    }

    /// The emulator.
    pub fn emulator(&self) -> &Emulator {
        self.emulator.as_ref().expect("running")
    }
}

impl std::ops::Deref for RunningEmulator {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        self.emulator()
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(mut e) = self.emulator.take() {
            e.stop();
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}
