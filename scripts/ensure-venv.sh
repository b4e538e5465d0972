#!/usr/bin/env bash
# Creates the Python venv the tests use (real Helm v4.2.3 through helm-python-sdk, and PyYAML)
# unless it already works. usage: ensure-venv.sh [VENV_DIR]   (default: .venv)
set -euo pipefail
VENV=${1:-.venv}
if "$VENV/bin/python" -c 'import helm_python, yaml' 2>/dev/null; then
  exit 0
fi
echo "creating Python venv $VENV with helm-python-sdk==0.2.2" >&2
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "helm-python-sdk==0.2.2" "pyyaml>=6"
"$VENV/bin/python" -c 'import helm_python as h; print("helm_python", h.__version__, "Helm SDK", h.helm_sdk_version())' >&2
