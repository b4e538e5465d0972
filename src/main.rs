//! The `helm-operator` command: `run` (the controller manager), `crds` (print or write the CRDs)
//! and `version`. The only place that uses `anyhow`.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Command, FromArgMatches, Parser, Subcommand};
use helm_operator::api::{self, HelmRelease, HelmRepository};
use helm_operator::config::{ProcessEnvironment, RawSettings, SETTINGS, Settings, Source};
use helm_operator::controller::{self, Context, ControllerSpec};
use helm_operator::server::{Readiness, Server};
use helm_operator::shard::{ShardOwnership, SingleMember};
use helm_operator::telemetry::{self, Metrics};
use tokio::sync::watch;

/// A Kubernetes operator that manages Helm repositories and Helm releases.
#[derive(Parser, Debug)]
#[command(name = "helm-operator", version = LONG_VERSION, about, max_term_width = 120)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand, Debug)]
enum Commands {
    /// Run the controller manager (flags override environment variables, which override the config file).
    Run(RunArgs),
    /// Print the CustomResourceDefinitions as YAML, or write one file per CRD into a directory.
    Crds {
        /// Write `<group>_<plural>.yaml` files into this directory instead of printing.
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
        /// `yaml` prints the CRDs; `markdown` prints the API reference generated from them.
        #[arg(long, value_enum, default_value = "yaml")]
        format: CrdFormat,
    },
    /// Print the version, git commit and rustc version.
    Version,
}

const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("HELM_OPERATOR_GIT_COMMIT"),
    ", rustc ",
    env!("HELM_OPERATOR_RUSTC_VERSION"),
    ")"
);

/// The flags of `run`, generated from the settings table so that flags, environment variables,
/// config keys and documentation never disagree.
#[derive(Debug, Clone)]
struct RunArgs {
    config: Option<PathBuf>,
    explicit: BTreeMap<&'static str, (String, Source)>,
}

impl Args for RunArgs {
    fn augment_args(cmd: Command) -> Command {
        let cmd = cmd.arg(
            clap::Arg::new("config")
                .long("config")
                .env("HELM_OPERATOR_CONFIG")
                .value_name("FILE")
                .help("YAML config file with the settings below (see config/helm-operator.yaml)"),
        );
        SETTINGS.iter().fold(cmd, |cmd, s| {
            let default = if s.default.is_empty() {
                String::new()
            } else {
                format!(" [default: {}]", s.default)
            };
            cmd.arg(
                clap::Arg::new(s.key)
                    .long(s.flag)
                    .env(s.env)
                    .value_name("VALUE")
                    .help(format!("{}{default} [config: {}]", s.help, s.key)),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for RunArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut explicit = BTreeMap::new();
        for s in SETTINGS {
            if let Some(value) = matches.get_one::<String>(s.key) {
                let source = match matches.value_source(s.key) {
                    Some(ValueSource::EnvVariable) => Source::Env(s.env),
                    _ => Source::Flag(s.flag),
                };
                explicit.insert(s.key, (value.clone(), source));
            }
        }
        Ok(Self {
            config: matches.get_one::<String>("config").map(PathBuf::from),
            explicit,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// Output of `helm-operator crds`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum CrdFormat {
    /// The CustomResourceDefinitions.
    Yaml,
    /// The API reference as Markdown.
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Commands::Version => {
            println!("helm-operator {LONG_VERSION}");
            ExitCode::SUCCESS
        }
        Commands::Crds {
            format: CrdFormat::Markdown,
            ..
        } => {
            print!("{}", api::reference::markdown());
            ExitCode::SUCCESS
        }
        Commands::Crds {
            output_dir,
            format: CrdFormat::Yaml,
        } => match write_crds(output_dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Commands::Run(args) => {
            let settings = match RawSettings::resolve(args.explicit, args.config.as_deref())
                .and_then(|raw| Settings::from_raw(&raw, &ProcessEnvironment))
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: starting the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(run(settings)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "helm-operator stopped");
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn write_crds(output_dir: Option<PathBuf>) -> anyhow::Result<()> {
    match output_dir {
        None => print!("{}", api::crds_yaml()?),
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for crd in api::crds() {
                let path = dir.join(api::crd_file_name(&crd));
                std::fs::write(&path, api::crd_yaml(&crd)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
    }
    Ok(())
}

async fn kube_client(settings: &Settings, metrics: Arc<Metrics>) -> anyhow::Result<kube::Client> {
    let options = kube::config::KubeConfigOptions {
        context: settings.kube_context.clone(),
        ..Default::default()
    };
    let config = match &settings.kubeconfig {
        Some(path) => {
            let kubeconfig = kube::config::Kubeconfig::read_from(path)
                .with_context(|| format!("reading kubeconfig {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .with_context(|| format!("loading kubeconfig {}", path.display()))?
        }
        None if settings.kube_context.is_some() => kube::Config::from_kubeconfig(&options)
            .await
            .context("loading kubeconfig")?,
        None => kube::Config::infer()
            .await
            .context("finding a kubeconfig or in-cluster service account")?,
    };
    let builder =
        kube::client::ClientBuilder::try_from(config).context("creating the Kubernetes client")?;
    Ok(builder
        .with_layer(&telemetry::kube_requests::KubeRequestMetricsLayer::new(
            metrics,
        ))
        .build())
}

/// Polls the API server's version until it answers, then marks the `kube-api` check ready.
async fn wait_for_api(
    client: kube::Client,
    check: helm_operator::server::ReadinessCheck,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut delay = Duration::from_millis(200);
    loop {
        match tokio::time::timeout(Duration::from_secs(10), client.apiserver_version()).await {
            Ok(Ok(version)) => {
                tracing::info!(server = %version.git_version, "reached the Kubernetes API");
                check.set(true);
                return;
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "Kubernetes API not reachable yet"),
            Err(_) => tracing::warn!("Kubernetes API did not answer within 10s"),
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

async fn termination_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    telemetry::init_logging(settings.log_format, &settings.log_level)?;
    // One TLS provider for the whole process: ring (no aws-lc, no openssl).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let metrics = Arc::new(Metrics::new()?);
    let readiness = Arc::new(Readiness::default());
    let accepting = readiness.register("not-shutting-down");
    accepting.set(true);
    let server = Server::bind(
        settings.health_address,
        settings.metrics_address,
        Arc::clone(&readiness),
        Arc::clone(&metrics),
    )
    .await?;
    tracing::info!(
        version = telemetry::VERSION,
        commit = telemetry::GIT_COMMIT,
        replica = %settings.replica_id,
        operator_namespace = %settings.operator_namespace,
        listen = ?server.local_addresses(),
        "helm-operator starting"
    );
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let server_task = tokio::spawn(server.serve(controller::shutdown_signal(shutdown_rx.clone())));

    let client = kube_client(&settings, Arc::clone(&metrics)).await?;
    let api_check = readiness.register("kube-api");
    tokio::spawn(wait_for_api(client.clone(), api_check, shutdown_rx.clone()));

    let shards: Arc<dyn ShardOwnership> = SingleMember::new(&settings.watch_namespaces);
    let ctx = Arc::new(Context::new(
        client,
        &settings.replica_id,
        Arc::clone(&shards),
        Arc::clone(&metrics),
    ));
    let concurrency = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let repositories = tokio::spawn(controller::run_kind::<HelmRepository, _, _>(
        Arc::clone(&ctx),
        ControllerSpec {
            namespaces: settings.watch_namespaces.clone(),
            concurrency: concurrency(settings.workers.repository),
        },
        Arc::clone(&readiness),
        shutdown_rx.clone(),
        controller::repository::reconcile,
        Duration::from_secs(30),
    ));
    let releases = tokio::spawn(controller::run_kind::<HelmRelease, _, _>(
        Arc::clone(&ctx),
        ControllerSpec {
            namespaces: settings.watch_namespaces.clone(),
            concurrency: concurrency(settings.workers.release),
        },
        Arc::clone(&readiness),
        shutdown_rx.clone(),
        controller::release::reconcile,
        Duration::from_secs(30),
    ));

    termination_signal().await;
    tracing::info!("termination signal received; releasing shards and stopping");
    accepting.set(false);
    shards.release_all();
    let _ = shutdown_tx.send(true);
    let stopped = async {
        let _ = repositories.await;
        let _ = releases.await;
    };
    if tokio::time::timeout(Duration::from_secs(20), stopped)
        .await
        .is_err()
    {
        tracing::warn!("controllers did not stop within 20s");
    }
    match server_task.await {
        Ok(result) => result?,
        Err(e) => tracing::error!(error = %e, "HTTP server task failed"),
    }
    metrics.shutdown();
    tracing::info!("helm-operator stopped");
    Ok(())
}
