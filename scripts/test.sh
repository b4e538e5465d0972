#!/usr/bin/env bash
# Runs every test of helm-operator, lint included, on a fresh machine: installs the Debian
# packages and the Python venv the tests need when they are missing, then runs rustfmt, clippy
# and `cargo test` for the whole workspace. Real parts (Helm, Prometheus, kubectl) are required;
# tests that need ../shared skip with a message when it is not beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
command -v curl >/dev/null 2>&1 || packages+=(curl)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
command -v docker-registry >/dev/null 2>&1 || packages+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || packages+=(apache2-utils)
python3 -c 'import ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
if ((${#packages[@]})); then
  echo "installing Debian packages: ${packages[*]}" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  # Debian's maintainer scripts would start prometheus, nginx and the registry on 0.0.0.0; block service starts.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null; $sudo chmod +x /usr/sbin/policy-rc.d; added_policy=1
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
  [ "$added_policy" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
fi
command -v kubectl >/dev/null 2>&1 || { echo "error: kubectl is not on PATH; the tests drive the API with real kubectl" >&2; exit 1; }

./scripts/ensure-venv.sh "${HELM_OPERATOR_TEST_VENV:-.venv}"
export HELM_OPERATOR_TEST_VENV="${HELM_OPERATOR_TEST_VENV:-$PWD/.venv}"
export HELM_OPERATOR_REQUIRE_TESTBED=1

# Incremental caches only cost disk on a clean checkout (a CI run ran out of space).
export CARGO_INCREMENTAL=0

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# benchmarks run one quick pass as smoke tests; the tests run last so the log closes on their summary
cargo test --workspace --benches --locked
cargo test --workspace --lib --bins --tests --examples --locked
