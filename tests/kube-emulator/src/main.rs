//! `kube-emulator --port N --kubeconfig-out FILE`: runs the emulator until SIGTERM or Ctrl-C.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::Duration;

use kube_emulator::{Emulator, EmulatorConfig};

fn usage() -> ! {
    eprintln!(
        "usage: kube-emulator [--port N] [--kubeconfig-out FILE] [--readiness-delay-ms N] [--bookmark-interval-ms N] [--history N] [--kube-minor N]"
    );
    std::process::exit(2)
}

fn main() {
    let mut config = EmulatorConfig::default();
    let mut kubeconfig_out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        let number = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage());
        match arg.as_str() {
            "--port" => config.port = u16::try_from(number(value())).unwrap_or_else(|_| usage()),
            "--kubeconfig-out" => kubeconfig_out = Some(PathBuf::from(value())),
            "--readiness-delay-ms" => {
                config.readiness_delay = Duration::from_millis(number(value()))
            }
            "--bookmark-interval-ms" => {
                config.bookmark_interval = Duration::from_millis(number(value()))
            }
            "--history" => {
                config.history_capacity =
                    usize::try_from(number(value())).unwrap_or_else(|_| usage())
            }
            "--kube-minor" => config.kube_minor = value(),
            "-h" | "--help" => usage(),
            other => {
                eprintln!("unknown argument {other:?}");
                usage()
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let emulator = match Emulator::start(config).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("kube-emulator: cannot listen: {e}");
                std::process::exit(1);
            }
        };
        if let Some(path) = kubeconfig_out
            && let Err(e) = emulator.write_kubeconfig(&path)
        {
            eprintln!("kube-emulator: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("kube-emulator listening on {}", emulator.url());
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    });
}
