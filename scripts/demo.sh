#!/usr/bin/env bash
# Try helm-operator without a cluster: `make demo` (or `scripts/demo.sh [--release]`).
#
# Starts, all on 127.0.0.1 and on free ports: the project's Kubernetes API emulator, a chart
# repository serving examples/charts, and the operator. Then it applies examples/demo/, waits
# until every HelmRelease is Ready, prints how to look around, and runs until Ctrl-C, when it
# stops every process it started (by PID) and removes its temporary directory.
#
# Needs bash, python3, kubectl and cargo; nothing is installed and no cluster is touched (every
# kubectl call names the demo's own kubeconfig).
#
# Environment:
#   CARGO_PROFILE=release       build and run the release profile (same as --release); default dev
#   DEMO_SKIP_BUILD=1           use the binaries already in target/ instead of running cargo build
#   DEMO_KEEP=1                 keep the temporary directory (logs, kubeconfig, charts) on exit;
#                               it is always kept when the demo fails
#   DEMO_READY_TIMEOUT=120s     how long to wait for the HelmReleases to become Ready
#   DEMO_READINESS_DELAY_MS=500 how long the emulator takes to report a Deployment's pods ready
#   DEMO_EXIT_WHEN_READY=1      stop everything and exit 0 once all is Ready (for tests and CI)
#   TMPDIR                      where the temporary directory is made
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROFILE="${CARGO_PROFILE:-dev}"
for arg in "$@"; do
    case "$arg" in
        --release) PROFILE=release ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "demo: unknown argument $arg (try --help)" >&2
            exit 2
            ;;
    esac
done
case "$PROFILE" in
    dev | debug) PROFILE_DIR=debug BUILD_FLAGS=() ;;
    release) PROFILE_DIR=release BUILD_FLAGS=(--release) ;;
    *) PROFILE_DIR="$PROFILE" BUILD_FLAGS=(--profile "$PROFILE") ;;
esac
READY_TIMEOUT="${DEMO_READY_TIMEOUT:-120s}"
READINESS_DELAY_MS="${DEMO_READINESS_DELAY_MS:-500}"
START_SECONDS=$SECONDS

say() { printf '==> %s\n' "$*"; }
fail() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    printf 'demo: %s is required but not on PATH.\n%s\n' "$1" "$2" >&2
    exit 1
}
need kubectl "Install it from https://kubernetes.io/docs/tasks/tools/ (any recent version), e.g.
  curl -LO \"https://dl.k8s.io/release/\$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl\"
  sudo install -m 0755 kubectl /usr/local/bin/kubectl
or with your package manager (apt: kubernetes-client; brew: kubectl)."
need python3 "Install Python 3 with your package manager (apt: python3; brew: python)."
if [[ "${DEMO_SKIP_BUILD:-}" != 1 ]]; then
    need cargo "Install Rust from https://rustup.rs/."
fi
# The interpreter itself, not a version manager's shim, so the PID recorded for the chart server
# is the server's own.
PYTHON="$(python3 -c 'import sys; print(sys.executable)')"

# --- processes: every PID this script starts, stopped by PID on the way out ------------------
PIDS=()
NAMES=()
WORK=""
CLEANED=0
EXIT_STATUS=0

cleanup() {
    [[ $CLEANED == 1 ]] && return
    CLEANED=1
    trap - INT TERM EXIT
    local i pid
    if ((${#PIDS[@]})); then
        say "stopping what the demo started"
    fi
    # newest first: the operator before the API it talks to
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "    ${NAMES[i]} (pid $pid) ignored SIGTERM for 10 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
        echo "    stopped ${NAMES[i]} (pid $pid)"
    done
    if [[ -n "$WORK" && -d "$WORK" ]]; then
        if [[ "${DEMO_KEEP:-}" == 1 || $EXIT_STATUS != 0 ]]; then
            # after a failure the logs are what the user needs next
            echo "    kept $WORK (logs in $WORK/logs)"
        else
            rm -rf "$WORK"
            echo "    removed $WORK (DEMO_KEEP=1 keeps it)"
        fi
    fi
}
trap 'EXIT_STATUS=$?; cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# Starts "$@" in the background with its output in $WORK/logs/NAME.log and records its PID.
# Job control gives each child its own process group, so a Ctrl-C in the terminal reaches this
# script only, and the children are stopped in order by cleanup rather than all at once.
start() {
    local name=$1
    shift
    set -m
    "$@" >"$WORK/logs/$name.log" 2>&1 </dev/null &
    local pid=$!
    set +m
    PIDS+=("$pid")
    NAMES+=("$name")
    echo "    started $name (pid $pid), log $WORK/logs/$name.log"
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to $1 tenths of a second for the command "${@:2}" to succeed.
wait_for() {
    local tenths=$1
    shift
    for _ in $(seq 1 "$tenths"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

alive() {
    local i
    for i in "${!PIDS[@]}"; do
        if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
            echo "${NAMES[i]}"
            return 1
        fi
    done
}

http_ok() {
    "$PYTHON" - "$1" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
}

# --- build -------------------------------------------------------------------------------------
cd "$ROOT"
if [[ "${DEMO_SKIP_BUILD:-}" != 1 ]]; then
    say "building helm-operator and kube-emulator (cargo build --locked --bins${BUILD_FLAGS[*]:+ ${BUILD_FLAGS[*]}})"
    # (the +-form keeps an empty array from tripping `set -u` on bash before 4.4)
    cargo build --locked --bins ${BUILD_FLAGS[@]+"${BUILD_FLAGS[@]}"}
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OPERATOR="$TARGET_DIR/$PROFILE_DIR/helm-operator"
EMULATOR="$TARGET_DIR/$PROFILE_DIR/kube-emulator"
for bin in "$OPERATOR" "$EMULATOR"; do
    [[ -x "$bin" ]] || fail "$bin is missing; run without DEMO_SKIP_BUILD=1 to build it"
done
echo "    binaries: $OPERATOR, $EMULATOR"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/helm-operator-demo.XXXXXX")"
mkdir -p "$WORK/logs" "$WORK/charts" "$WORK/demo" "$WORK/kube-cache"
KUBECONFIG_FILE="$WORK/kubeconfig"
# kubectl for the script itself: the demo's cluster only, with a discovery cache of its own
k() { kubectl --kubeconfig "$KUBECONFIG_FILE" --cache-dir "$WORK/kube-cache" "$@"; }

# --- the API emulator --------------------------------------------------------------------------
say "starting the Kubernetes API emulator"
start kube-emulator "$EMULATOR" --port 0 --kubeconfig-out "$KUBECONFIG_FILE" \
    --readiness-delay-ms "$READINESS_DELAY_MS"
wait_for 300 test -s "$KUBECONFIG_FILE" ||
    fail "the emulator wrote no kubeconfig in 30 s; see $WORK/logs/kube-emulator.log"
wait_for 300 k get --raw /version ||
    fail "the emulator does not answer; see $WORK/logs/kube-emulator.log"
API_URL="$(k config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
echo "    API at $API_URL"

say "installing the CRDs"
k apply --server-side -f crds/ | sed 's/^/    /'

# --- the chart repository ----------------------------------------------------------------------
say "packaging examples/charts"
# A chart archive is a gzipped tar of <chart name>/<files>, as `helm package` writes; index.yaml
# lists every archive with its sha256 digest. Both are written with the standard library only.
"$PYTHON" - "$ROOT/examples/charts" "$WORK/charts" <<'EOF'
import datetime, gzip, hashlib, io, json, os, sys, tarfile

src, out = sys.argv[1], sys.argv[2]

def chart_dirs(top):
    """Every directory holding a Chart.yaml; a chart's own subdirectories are not searched."""
    for here, dirs, files in os.walk(top):
        dirs.sort()
        if "Chart.yaml" in files:
            dirs.clear()
            yield here

def metadata(path):
    """The top-level scalar fields of a Chart.yaml (the demo charts keep those on one line)."""
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line[:1] in (" ", "\t", "#", "-") or ":" not in line:
                continue
            key, _, value = line.partition(":")
            value = value.strip()
            if value and value[0] in "\"'" and value[-1] == value[0]:
                value = value[1:-1]
            if value and value != "|":
                meta[key.strip()] = value
    for field in ("apiVersion", "name", "version"):
        if field not in meta:
            sys.exit(f"{path}: no {field}")
    return meta

def archive(chart_dir, name):
    """The .tgz bytes: files sorted, owner root, mtimes kept, so unchanged charts keep their digest."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for here, dirs, files in os.walk(chart_dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file in sorted(f for f in files if not f.startswith(".")):
                path = os.path.join(here, file)
                info = tar.gettarinfo(path, arcname=name + "/" + os.path.relpath(path, chart_dir))
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o644
                with open(path, "rb") as f:
                    tar.addfile(info, f)
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()

def semver_key(version):
    core, _, pre = version.partition("+")[0].partition("-")
    numbers = [int(n) if n.isdigit() else 0 for n in core.split(".")]
    return numbers, pre == "", pre

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
entries = {}
for chart_dir in chart_dirs(src):
    meta = metadata(os.path.join(chart_dir, "Chart.yaml"))
    name, version = meta["name"], meta["version"]
    data = archive(chart_dir, name)
    file = f"{name}-{version}.tgz"
    with open(os.path.join(out, file), "wb") as f:
        f.write(data)
    entry = {k: meta[k] for k in ("apiVersion", "name", "version", "appVersion", "description", "type", "home") if k in meta}
    entry.update(digest=hashlib.sha256(data).hexdigest(), urls=[file], created=now)
    entries.setdefault(name, []).append(entry)
    print(f"    {file} ({len(data)} bytes) from {os.path.relpath(chart_dir)}")

# JSON strings are valid YAML scalars, so every value is written as JSON.
lines = ["apiVersion: v1", "entries:"]
for name in sorted(entries):
    lines.append(f"  {json.dumps(name)}:")
    # newest first, as Helm orders them (the demo charts use plain MAJOR.MINOR.PATCH versions)
    for entry in sorted(entries[name], key=lambda e: semver_key(e["version"]), reverse=True):
        first = True
        for key, value in entry.items():
            lines.append(f"    {'- ' if first else '  '}{key}: {json.dumps(value)}")
            first = False
lines.append(f"generated: {json.dumps(now)}")
with open(os.path.join(out, "index.yaml"), "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
EOF

say "serving the charts"
CHARTS_PORT="$(free_port)"
start chart-server "$PYTHON" -m http.server --bind 127.0.0.1 --directory "$WORK/charts" "$CHARTS_PORT"
CHARTS_URL="http://127.0.0.1:$CHARTS_PORT/"
wait_for 300 http_ok "${CHARTS_URL}index.yaml" ||
    fail "the chart server does not answer; see $WORK/logs/chart-server.log"
echo "    repository at $CHARTS_URL"

# --- the operator ------------------------------------------------------------------------------
say "starting the operator"
HEALTH_PORT="$(free_port)"
METRICS_PORT="$(free_port)"
# POD_NAME/POD_NAMESPACE would override the flags below if the caller happens to have them set
start helm-operator env -u POD_NAME -u POD_NAMESPACE "$OPERATOR" run \
    --kubeconfig "$KUBECONFIG_FILE" \
    --health-address "127.0.0.1:$HEALTH_PORT" \
    --metrics-address "127.0.0.1:$METRICS_PORT" \
    --replica-id demo --operator-namespace default --log-format text
wait_for 600 http_ok "http://127.0.0.1:$HEALTH_PORT/readyz" ||
    fail "the operator is not ready after 60 s; see $WORK/logs/helm-operator.log"

# --- the examples ------------------------------------------------------------------------------
say "applying examples/demo"
for file in "$ROOT"/examples/demo/*.yaml; do
    # the repository URL in the example names a placeholder port; use the one picked above
    sed "s#http://127.0.0.1:8879/#$CHARTS_URL#" "$file" >"$WORK/demo/$(basename "$file")"
done
k apply -f "$WORK/demo/" | sed 's/^/    /'

say "waiting until every HelmRepository and HelmRelease is Ready (at most $READY_TIMEOUT)"
if ! k wait --all-namespaces --for=condition=Ready helmrepository --all --timeout="$READY_TIMEOUT" >/dev/null ||
    ! k wait --all-namespaces --for=condition=Ready helmrelease --all --timeout="$READY_TIMEOUT" | sed 's/^/    /'; then
    echo >&2
    k get helmrepositories,helmreleases -A >&2 || true
    echo >&2
    tail -n 20 "$WORK/logs/helm-operator.log" | sed 's/^/    | /' >&2
    fail "not everything became Ready in $READY_TIMEOUT; the STATUS column above and the operator's log say why: $WORK/logs/helm-operator.log"
fi
k get helmreleases -A | sed 's/^/    /'
echo "    ready in $((SECONDS - START_SECONDS)) s"

# --- the guide ---------------------------------------------------------------------------------
KC="$KUBECONFIG_FILE"
cat <<GUIDE

helm-operator demo is running. Everything is on 127.0.0.1 and goes away on Ctrl-C.

  kubeconfig   $KC
  API          $API_URL
  charts       ${CHARTS_URL}index.yaml
  metrics      http://127.0.0.1:$METRICS_PORT/metrics
  logs         $WORK/logs/  (helm-operator.log, kube-emulator.log, chart-server.log)

Look around (or export KUBECONFIG=$KC and drop the flag):
  kubectl --kubeconfig $KC get helmrepositories,helmreleases -A
  kubectl --kubeconfig $KC get deploy,svc,cm -n default
  kubectl --kubeconfig $KC get deploy,svc,cm -n demo
  kubectl --kubeconfig $KC describe helmrelease hello-web
  kubectl --kubeconfig $KC get secrets -A -l owner=helm        # Helm's release records
  curl -s http://127.0.0.1:$METRICS_PORT/metrics | grep -E '^helm_release_(info|operation_total)'

Try an upgrade: set hello-config's version to "~0.2.0" in examples/demo/hello-config.yaml, then
  kubectl --kubeconfig $KC apply -f examples/demo/hello-config.yaml
  kubectl --kubeconfig $KC get hr hello-config -w
Then try a failed upgrade: add logLevel: verbose to its values (0.2.0 refuses it), apply, and
  kubectl --kubeconfig $KC describe hr hello-config
GUIDE
PY="$ROOT/.venv/bin/python"
if [[ -x "$PY" ]] && "$PY" -c 'import helm_python' >/dev/null 2>&1; then
    cat <<GUIDE

Ask real Helm (v4, through helm_python) what it sees: helm list -A, then helm history hello-web
  $PY -c 'import helm_python as h; kc = "$KC"; [print(r["namespace"], r["name"], r["chart_name"] + "-" + r["chart_version"], "revision", r["revision"], r["status"]) for r in h.Config(kubeconfig_path=kc).list(all_namespaces=True)]; [print("hello-web revision", r["revision"], r["status"], r["deployed_at"]) for r in h.Config(kubeconfig_path=kc, namespace="default").history("hello-web")]'
GUIDE
else
    cat <<GUIDE

To ask real Helm what it sees, make the Helm venv once (./scripts/ensure-venv.sh) and run the
demo again: it prints a one-liner for helm list and helm history.
GUIDE
fi

if [[ "${DEMO_EXIT_WHEN_READY:-}" == 1 ]]; then
    say "DEMO_EXIT_WHEN_READY=1: stopping"
    exit 0
fi

echo
echo "Press Ctrl-C to stop."
while true; do
    if ! gone="$(alive)"; then
        fail "$gone exited on its own; see $WORK/logs/$gone.log"
    fi
    sleep 1
done
