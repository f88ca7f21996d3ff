# Sourced by scripts/setup-*.sh: install Debian packages the tests need, as root or through sudo.
#   apt_install <who> <package>...   returns 1 (after saying why on stderr) when it cannot install here;
#                                    each caller decides whether that skips its tier or fails the run.
apt_install() {
  local who="$1"
  shift
  local sudo=()
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: need $*, and there is no apt-get here" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "$who: need $*: not root and no sudo" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "$who: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
