#!/usr/bin/env bash
# Installs the C compiler and binutils that tests/test_native_libs.py needs (it builds a real extension module
# linked against a library of its package, and compares tf-lsp's ELF reader with readelf), only when missing.
set -euo pipefail

need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v readelf >/dev/null 2>&1 || need+=(binutils)
if [ "${#need[@]}" -eq 0 ]; then
  echo "setup-native: cc and readelf already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-native: missing ${need[*]} and no apt-get here; tests/test_native_libs.py will be skipped (and fail under CI)" >&2
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "setup-native: missing ${need[*]}; not root and no sudo" >&2
    exit 0
  fi
fi
echo "setup-native: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup-native: done"
