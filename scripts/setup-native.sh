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
# shellcheck source=lib/apt.sh
. "$(dirname "$0")/lib/apt.sh"
apt_install setup-native "${need[@]}" || { echo "setup-native: tests/test_native_libs.py will be skipped (and fail under CI)" >&2; exit 0; }
echo "setup-native: done"
