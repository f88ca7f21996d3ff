#!/usr/bin/env bash
# Installs what the JupyterLab tier (tests/jupyterlab/) needs: JupyterLab and jupyterlab-lsp (pinned) in their own
# venv under .cache/jupyterlab/venv, a second kernel's environment (ipykernel only) under .cache/jupyterlab/kernel-venv,
# playwright-core (pinned by tests/jupyterlab/package-lock.json) under
# .cache/jupyterlab/node, and Debian's chromium when it is missing. Idempotent: a second run only checks stamps.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIR="${TF_LSP_JUPYTERLAB_DIR:-$ROOT/.cache/jupyterlab}"
VENV="$DIR/venv"
NODE="$DIR/node"
PY="${TF_LSP_JUPYTERLAB_PYTHON:-$(command -v python3.11 || command -v python3)}"
# The versions the tier was written against (CLIENTS.md); ipykernel comes with jupyterlab.
PINS=(jupyterlab==4.6.6 jupyterlab-lsp==5.3.0 jupyter-lsp==2.3.1)

# 1. Chromium from Debian, only when missing (apt is slow).
if ! command -v chromium >/dev/null 2>&1; then
  # shellcheck source=lib/apt.sh
  . "$ROOT/scripts/lib/apt.sh"
  apt_install setup-jupyterlab chromium || exit 1
fi

# A venv at $1 holding the pins that follow $2 (a file the install makes, e.g. bin/jupyter-lab), reinstalled when the
# pins recorded in its stamp differ.
pinned_venv() {
  local venv="$1" made="$2"; shift 2
  local stamp="$venv/.tf-lsp-pins"
  if [ ! -x "$venv/$made" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$*" ]; then
    echo "setup-jupyterlab: installing $* into $venv"
    [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"
    echo "$*" > "$stamp"
  fi
}

# 2. JupyterLab + jupyterlab-lsp in a dedicated venv (the kernel the notebook runs in is this venv's python).
pinned_venv "$VENV" bin/jupyter-lab "${PINS[@]}"

# 2b. A second kernel's environment: ipykernel alone (no JupyterLab), for the notebook on a non-default kernel.
KVENV="$DIR/kernel-venv"
KPINS=(ipykernel==7.4.0)
pinned_venv "$KVENV" bin/python "${KPINS[@]}"

# 3. playwright-core, from the committed lock file.
lock="$ROOT/tests/jupyterlab/package-lock.json"
if [ ! -f "$NODE/node_modules/.tf-lsp-lock" ] || ! cmp -s "$lock" "$NODE/node_modules/.tf-lsp-lock"; then
  echo "setup-jupyterlab: npm ci (playwright-core) in $NODE"
  mkdir -p "$NODE"
  cp "$ROOT/tests/jupyterlab/package.json" "$lock" "$NODE/"
  (cd "$NODE" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$lock" "$NODE/node_modules/.tf-lsp-lock"
fi
# (The summary reads the stamps: starting jupyter-lab or chromium just to print versions costs seconds.)
echo "setup-jupyterlab: $(cat "$VENV/.tf-lsp-pins") in $VENV, $(cat "$KVENV/.tf-lsp-pins") in $KVENV, playwright-core $(node -p "require('$NODE/node_modules/playwright-core/package.json').version") in $NODE, chromium $(dpkg-query -W -f='${Version}' chromium 2>/dev/null || command -v chromium)"
