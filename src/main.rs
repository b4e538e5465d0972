//! The `helm-operator` command: `run` (the controller manager), `template` (render a chart as
//! `helm template` does), `crds` (print or write the CRDs) and `version`. The only place that
//! uses `anyhow`.
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
use helm_operator::controller::repository::status::StatusBounds;
use helm_operator::controller::{self, Context, ControllerOptions, ControllerSpec};
use helm_operator::engine::chart::load::LoadLimits;
use helm_operator::server::{Readiness, Server};
use helm_operator::shard::ShardOwnership;
use helm_operator::shard::membership::{Leased, MembershipConfig};
use helm_operator::source::sync::{SourceLimits, Sources};
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
    /// Render a chart locally and print the manifests, as `helm template` does.
    Template(Box<TemplateArgs>),
    /// Query a chart repository (HTTP URL, `oci://` chart, or a local index.yaml).
    Repo {
        #[command(subcommand)]
        command: RepoCommand,
    },
    /// Print the version, git commit and rustc version.
    Version,
}

/// The flags of `template`, named as `helm template` names them.
#[derive(Args, Debug)]
struct TemplateArgs {
    /// The chart: a directory or a `.tgz` archive.
    chart: PathBuf,
    /// Values files (`-` reads standard input); later files win.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<String>,
    /// Values as `key=value` pairs (integers, booleans and `null` typed, `{a,b}` lists).
    #[arg(long, value_name = "EXPR")]
    set: Vec<String>,
    /// Values as `key=value` pairs, every value a string.
    #[arg(long, value_name = "EXPR")]
    set_string: Vec<String>,
    /// Values as `key=<JSON>` pairs, or whole JSON objects.
    #[arg(long, value_name = "EXPR")]
    set_json: Vec<String>,
    /// Values read from files, as `key=path` pairs.
    #[arg(long, value_name = "EXPR")]
    set_file: Vec<String>,
    /// One `key=value` pair whose value is taken verbatim.
    #[arg(long, value_name = "EXPR")]
    set_literal: Vec<String>,
    /// The release name.
    #[arg(long, default_value = "release-name")]
    name: String,
    /// The release namespace.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// The Kubernetes version templates see [default: v1.36.0].
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// Extra API versions templates see in `.Capabilities.APIVersions` (comma-separated or repeated).
    #[arg(short = 'a', long, value_name = "GROUP/VERSION", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// `yaml` prints what `helm template` prints; `json` prints Helm's render map
    /// (`<chart>/templates/<file>` to text, NOTES.txt included).
    #[arg(short = 'o', long, value_enum, default_value = "yaml")]
    output: TemplateFormat,
    /// Also print the CRDs of the charts' `crds/` directories.
    #[arg(long)]
    include_crds: bool,
    /// Leave out test hooks.
    #[arg(long)]
    skip_tests: bool,
    /// Leave out every hook.
    #[arg(long)]
    no_hooks: bool,
}

/// `helm-operator repo ...`.
#[derive(Subcommand, Debug)]
enum RepoCommand {
    /// List charts and versions, like `helm search repo` (newest stable version of each chart;
    /// `--versions` lists all).
    Search {
        /// `https://...` repository, `oci://registry/path/chart`, or a path to an index.yaml.
        location: String,
        /// Only this chart.
        #[arg(long)]
        chart: Option<String>,
        /// Every version, prereleases included.
        #[arg(short = 'l', long)]
        versions: bool,
        #[command(flatten)]
        access: RepoAccessArgs,
    },
    /// Print the version the operator would pick for a constraint.
    Resolve {
        /// `https://...` repository, `oci://registry/path/chart`, or a path to an index.yaml.
        location: String,
        /// The chart name (for OCI, the last part of the reference).
        chart: String,
        /// A Helm version constraint (`^1.2`, `~1.2.0`, `1.2.3`, empty or `latest`).
        constraint: String,
        #[command(flatten)]
        access: RepoAccessArgs,
    },
}

/// Credentials and transport flags of `repo`, named as Helm names them.
#[derive(Args, Debug)]
struct RepoAccessArgs {
    /// Repository user name.
    #[arg(long)]
    username: Option<String>,
    /// Repository password (or set HELM_OPERATOR_REPO_PASSWORD).
    #[arg(long, env = "HELM_OPERATOR_REPO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// CA bundle (PEM) to verify the server with.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Client certificate (PEM).
    #[arg(long, value_name = "FILE")]
    cert_file: Option<PathBuf>,
    /// Client key (PEM).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Skip verifying the server's certificate.
    #[arg(long)]
    insecure_skip_tls_verify: bool,
    /// Use plain HTTP for an OCI registry.
    #[arg(long)]
    plain_http: bool,
    /// Timeout of each request, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

/// Output of `helm-operator template`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum TemplateFormat {
    /// The manifests and hooks, as `helm template` prints them.
    Yaml,
    /// Helm's render map as one JSON object.
    Json,
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
            let arg = clap::Arg::new(s.key)
                .long(s.flag)
                .env(s.env)
                .value_name("VALUE")
                .help(format!("{}{default} [config: {}]", s.help, s.key));
            // a switch may be given bare (`--allow-cross-namespace-secrets`) or with true/false
            let arg = if s.default == "false" {
                arg.num_args(0..=1).default_missing_value("true")
            } else {
                arg
            };
            cmd.arg(arg)
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

/// Turns transparent huge pages off for this process. mimalloc reserves its arenas 2 MiB-aligned;
/// where the kernel's THP setting is `always` (the default of many distributions, and so of many
/// nodes), every touched part of an arena is backed by a whole 2 MiB page and the resident size
/// about doubles (measured with 1,000 releases: peak 84.9 MiB with THP, 44.7 MiB without, the
/// same CPU). A kernel that refuses (older than 3.15, a seccomp filter) leaves things as they
/// were; `run` says so in its log.
fn keep_heap_in_small_pages() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}

fn main() -> ExitCode {
    keep_heap_in_small_pages();
    let cli = Cli::parse();
    match cli.command {
        Commands::Version => {
            println!("helm-operator {LONG_VERSION}");
            ExitCode::SUCCESS
        }
        Commands::Template(args) => match template(&args) {
            Ok(out) => {
                use std::io::Write as _;
                let mut stdout = std::io::stdout().lock();
                match stdout
                    .write_all(out.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("Error: writing the output: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Err(message) => {
                eprintln!("Error: {message}");
                ExitCode::FAILURE
            }
        },
        Commands::Repo { command } => match repo(command) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("Error: {message}");
                ExitCode::FAILURE
            }
        },
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

/// `helm template`: the output, or Helm's message for the first failure.
fn template(args: &TemplateArgs) -> Result<String, String> {
    use helm_operator::engine::chart::install::{
        InstallOptions, ValueSources, merge_user_values, render_install,
    };
    use helm_operator::engine::chart::load::{LoadLimits, load_archive};
    use helm_operator::engine::chart::manifests::{TemplateOptions, helm_template_output};
    use helm_operator::engine::chart::objects::Capabilities;
    use helm_operator::engine::chart::render::ReleaseInfo;

    let mut capabilities = match &args.kube_version {
        Some(v) => Capabilities::for_kube_version(v)
            .map_err(|e| format!("invalid kube version '{v}': {e}"))?,
        None => Capabilities::default(),
    };
    capabilities
        .api_versions
        .extend(args.api_versions.iter().cloned());
    let limits = LoadLimits::default();
    let path = &args.chart;
    let meta = std::fs::metadata(path)
        .map_err(|_| format!("path {:?} not found", path.display().to_string()))?;
    let chart = if meta.is_dir() {
        helm_operator::source::local::load_dir(path, &limits)
    } else {
        let bytes = std::fs::read(path).map_err(|e| go_io_error("read", path, &e))?;
        load_archive(&bytes, &limits)
    }
    .map_err(|e| e.to_string())?;
    let sources = ValueSources {
        files: args.values.clone(),
        set_json: args.set_json.clone(),
        set: args.set.clone(),
        set_string: args.set_string.clone(),
        set_file: args.set_file.clone(),
        set_literal: args.set_literal.clone(),
    };
    let user_values = merge_user_values(&sources, &mut read_values_file)?;
    let release = ReleaseInfo {
        name: args.name.clone(),
        namespace: args.namespace.clone(),
        ..ReleaseInfo::default()
    };
    let installed = render_install(
        &chart,
        &user_values,
        InstallOptions::offline(&release, &capabilities),
    )
    .map_err(|e| {
        if e.during_render() {
            format!("{e}\n\nUse --debug flag to render out invalid YAML")
        } else {
            e.to_string()
        }
    })?;
    Ok(match args.output {
        TemplateFormat::Yaml => helm_template_output(
            &installed.rendered,
            TemplateOptions {
                include_crds: args.include_crds,
                skip_tests: args.skip_tests,
                disable_hooks: args.no_hooks,
            },
        ),
        TemplateFormat::Json => {
            let mut text = serde_json::to_string_pretty(&installed.render_map)
                .map_err(|e| format!("encoding the render map: {e}"))?;
            text.push('\n');
            text
        }
    })
}

/// `repo search` and `repo resolve`: the output, or the reason it failed.
fn repo(command: RepoCommand) -> Result<String, String> {
    use helm_operator::source::constraint::Constraint;
    use helm_operator::source::http::{BasicAuth, RepoTls};
    use helm_operator::source::query::{RepoAccess, list, resolve, rows};

    let args = match &command {
        RepoCommand::Search { access, .. } | RepoCommand::Resolve { access, .. } => access,
    };
    let read = |path: &Option<PathBuf>| -> Result<Option<Vec<u8>>, String> {
        path.as_ref()
            .map(|p| std::fs::read(p).map_err(|e| format!("reading {}: {e}", p.display())))
            .transpose()
    };
    let access = RepoAccess {
        auth: match (&args.username, &args.password) {
            (Some(u), p) => Some(BasicAuth {
                username: u.clone(),
                password: p.clone().unwrap_or_default(),
            }),
            (None, Some(_)) => return Err("--password needs --username".into()),
            (None, None) => None,
        },
        tls: RepoTls {
            ca_pem: read(&args.ca_file)?,
            cert_pem: read(&args.cert_file)?,
            key_pem: read(&args.key_file)?,
            insecure_skip_verify: args.insecure_skip_tls_verify,
        },
        plain_http: args.plain_http,
        timeout: Duration::from_secs(args.timeout.max(1)),
        ..RepoAccess::default()
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    match command {
        RepoCommand::Search {
            location,
            chart,
            versions,
            ..
        } => {
            let listing = runtime
                .block_on(list(&location, &access))
                .map_err(|e| e.to_string())?;
            let found = rows(&listing, chart.as_deref(), versions);
            if found.is_empty() {
                return Ok("No results found\n".into());
            }
            let mut table = vec![[
                "NAME".to_owned(),
                "CHART VERSION".to_owned(),
                "APP VERSION".to_owned(),
                "DESCRIPTION".to_owned(),
            ]];
            table.extend(
                found
                    .into_iter()
                    .map(|r| [r.name, r.version, r.app_version, r.description]),
            );
            let widths: Vec<usize> = (0..3)
                .map(|i| {
                    table
                        .iter()
                        .map(|r| r[i].chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let mut out = String::new();
            for row in &table {
                for (i, width) in widths.iter().enumerate() {
                    let pad = width - row[i].chars().count();
                    out.push_str(&row[i]);
                    out.push_str(&" ".repeat(pad));
                    out.push('\t');
                }
                out.push_str(row[3].trim());
                out.push('\n');
            }
            Ok(out)
        }
        RepoCommand::Resolve {
            location,
            chart,
            constraint,
            ..
        } => {
            let parsed = Constraint::parse(&constraint).map_err(|e| e.to_string())?;
            let listing = runtime
                .block_on(list(&location, &access))
                .map_err(|e| e.to_string())?;
            resolve(&listing, &chart, &parsed)
                .map(|v| format!("{v}\n"))
                .ok_or_else(|| {
                    format!("no version of {chart} in {location} matches {constraint:?}")
                })
        }
    }
}

/// Reads a `-f` or `--set-file` file (`-` is standard input), with Go's error wording.
fn read_values_file(path: &str) -> Result<String, String> {
    use std::io::Read as _;
    let bytes = if path.trim() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("read /dev/stdin: {e}"))?;
        buf
    } else {
        std::fs::read(path).map_err(|e| go_io_error("open", std::path::Path::new(path), &e))?
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Go's `*PathError` text: `open x.yaml: no such file or directory`.
fn go_io_error(op: &str, path: &std::path::Path, e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => {
            return format!("read {}: is a directory", path.display());
        }
        _ => e.to_string(),
    };
    format!("{op} {}: {why}", path.display())
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
    let shards_report = helm_operator::server::ShardsReport::default();
    let server = Server::bind(
        settings.health_address,
        settings.metrics_address,
        Arc::clone(&readiness),
        Arc::clone(&metrics),
        Arc::clone(&shards_report),
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
    #[cfg(target_os = "linux")]
    if !nix::sys::prctl::get_thp_disable().unwrap_or(false) {
        tracing::warn!(
            "the kernel refused to turn transparent huge pages off for this process; \
             resident memory may be up to twice as large"
        );
    }
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let server_task = tokio::spawn(server.serve(controller::shutdown_signal(shutdown_rx.clone())));

    let client = kube_client(&settings, Arc::clone(&metrics)).await?;
    let api_check = readiness.register("kube-api");
    tokio::spawn(wait_for_api(client.clone(), api_check, shutdown_rx.clone()));

    let membership = Leased::start(
        client.clone(),
        MembershipConfig {
            namespace: settings.operator_namespace.clone(),
            replica: settings.replica_id.clone(),
            lease_duration: settings.lease_duration,
            renew_interval: settings.lease_renew_interval,
            watched_namespaces: settings.watch_namespaces.clone(),
        },
        Arc::clone(&metrics),
        readiness.register("shard-membership"),
        shutdown_rx.clone(),
    );
    let reporting = Arc::clone(&membership);
    let _ = shards_report.set(Arc::new(move || reporting.report()));
    let shards: Arc<dyn ShardOwnership> = membership.clone();
    let sources = Arc::new(Sources::new(
        settings.caches.index_bytes,
        settings.caches.chart_bytes,
        settings.caches.ttl,
        settings.workers.fetch,
        SourceLimits {
            max_index_bytes: settings.limits.max_index_bytes,
            max_archive_bytes: settings.limits.max_chart_archive_bytes,
            max_registry_charts: settings.limits.max_registry_charts,
        },
        Some(Arc::clone(&metrics)),
    ));
    let options = ControllerOptions {
        status_bounds: StatusBounds {
            versions_per_chart: settings.limits.status_versions_per_chart,
            max_charts: settings.limits.status_max_charts,
        },
        allow_cross_namespace_secrets: settings.allow_cross_namespace_secrets,
        chart_limits: LoadLimits {
            max_archive_bytes: settings.limits.max_chart_archive_bytes,
            max_file_bytes: settings.limits.max_chart_file_bytes,
            max_total_bytes: settings.limits.max_chart_unpacked_bytes,
            max_files: settings.limits.max_chart_files,
            ..LoadLimits::default()
        },
        render_workers: settings.workers.render,
    };
    let ctx = Arc::new(Context::new(
        client,
        &settings.replica_id,
        Arc::clone(&shards),
        Arc::clone(&metrics),
        sources,
        options,
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
        controller::Triggers {
            observe: |ctx, repo, deleted| {
                if deleted {
                    ctx.wakes.forget_repository(repo);
                } else {
                    ctx.wakes.observe_repository(repo);
                }
            },
            wakes: None,
        },
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
        controller::Triggers {
            observe: |ctx, hr, deleted| {
                if deleted {
                    ctx.wakes.forget_release(hr);
                } else {
                    ctx.wakes.observe_release(hr);
                }
            },
            wakes: Some(|ctx| futures::StreamExt::boxed(ctx.wakes.subscribe())),
        },
    ));

    termination_signal().await;
    tracing::info!("termination signal received; releasing shards and stopping");
    accepting.set(false);
    shards.release_all();
    let _ = shutdown_tx.send(true);
    // the hand-over starts as soon as the running reconciles are done, not when the
    // controllers have wound down
    let stopped = async {
        membership.leave(controller::SHUTDOWN_GRACE).await;
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
