#!/usr/bin/env bash
# Installs what the VS Code tier (tests/vscode/) needs: Debian's chromium, ripgrep and libkrb5-dev (only when
# missing), the extension's npm packages (npm ci from the committed package-lock.json), and code-server 4.100.3
# (the last release that runs on Node 20) into .cache/code-server (gitignored). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CS_VERSION=4.100.3
CS_DIR="${TF_LSP_CODE_SERVER_DIR:-$ROOT/.cache/code-server}"
EXT="$ROOT/vscode-extension"

# 1. Debian packages, only when missing (apt is slow).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ "${#need[@]}" -gt 0 ]; then
  # shellcheck source=lib/apt.sh
  . "$ROOT/scripts/lib/apt.sh"
  apt_install setup-vscode "${need[@]}" || exit 1
fi

# 2. The extension's packages (esbuild, typescript, vsce, playwright-core, vscode-languageclient).
stamp="$EXT/node_modules/.tf-lsp-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$EXT/package-lock.json" "$stamp"; then
  echo "setup-vscode: npm ci in vscode-extension/"
  (cd "$EXT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$EXT/package-lock.json" "$stamp"
fi

# 3. code-server, into a cache folder. Its pinned @vscode/ripgrep downloads rg from GitHub unless its cache holds
#    the archive already: feed it Debian's rg (a tar.gz with rg at its root).
if [ ! -x "$CS_DIR/node_modules/.bin/code-server" ] || \
   [ "$(node -p "require('$CS_DIR/node_modules/code-server/package.json').version" 2>/dev/null)" != "$CS_VERSION" ]; then
  echo "setup-vscode: installing code-server@$CS_VERSION into $CS_DIR"
  tmp="${TMPDIR:-/tmp}"
  cache="$tmp/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$cache" "$CS_DIR"
  archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$archive" ]; then
    work="$(mktemp -d)"
    cp "$(command -v rg)" "$work/rg"
    tar -C "$work" -czf "$archive" rg
    rm -rf "$work"
  fi
  [ -f "$CS_DIR/package.json" ] || echo '{"name":"tf-lsp-code-server","private":true}' > "$CS_DIR/package.json"
  (cd "$CS_DIR" && npm_config_unsafe_perm=true npm_config_yes=true \
     npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION")
fi
echo "setup-vscode: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), code-server $CS_VERSION in $CS_DIR"
