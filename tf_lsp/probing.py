"""The probe script, and running an interpreter we do not trust to behave: bounded in time and output, in its own session, and its answer
checked field by field before anything else reads it.

Used by ``environment.probe``. A hostile or broken interpreter (prints junk, prints JSON of another shape, hangs,
spawns children, exits non-zero, is Python 2) gives a ``ProbeError`` with a plain message — never an exception
of another type, never a process left behind.
"""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from typing import Any, Mapping

OUTPUT_CAP = 4 * 1024 * 1024        # bytes of output read at most; more is an error

# The probe: imports only sys, sysconfig, importlib.machinery, json, os (and site's functions in isolated mode).
# Its first lines stay valid Python 2, so a Python 2 says what it is instead of failing to parse.
PROBE_SCRIPT = r"""
import sys
if sys.version_info[0] < 3:
    sys.stdout.write('{"python2": "%d.%d.%d"}\n' % tuple(sys.version_info[:3]))
    sys.exit(0)
import sysconfig, importlib.machinery as m, json, os
#SITE_DIRS#
p = sys.path[1:] if sys.path and sys.path[0] in ('', os.getcwd()) else list(sys.path)
try:
    import site
    us, use = site.getusersitepackages(), bool(site.ENABLE_USER_SITE)
except Exception:
    us, use = None, False
std = getattr(sys, 'stdlib_module_names', None)
stdlib = sysconfig.get_paths().get('stdlib')
if std is None:
    std = set()
    for d in [stdlib, os.path.join(stdlib or '', 'lib-dynload')]:
        try:
            for n in os.listdir(d):
                b = n.split('.')[0]
                if b and b != 'site-packages' and (n.endswith('.py') or '.' not in n or n.endswith(tuple(m.EXTENSION_SUFFIXES))):
                    std.add(b)
        except OSError:
            pass
print(json.dumps({
  'executable': sys.executable, 'version': list(sys.version_info[:3]), 'releaselevel': sys.version_info[3],
  'implementation': sys.implementation.name, 'platform': sys.platform, 'machine': __import__('platform').machine(),
  'sys_path': p, 'prefix': sys.prefix, 'base_prefix': getattr(sys, 'base_prefix', sys.prefix),
  'stdlib_names': sorted(std), 'builtin_names': list(sys.builtin_module_names),
  'ext_suffixes': list(m.EXTENSION_SUFFIXES), 'user_site': us, 'user_site_enabled': use,
  'stdlib': stdlib, 'platstdlib': sysconfig.get_paths().get('platstdlib'),
  'purelib': sysconfig.get_paths().get('purelib'), 'platlib': sysconfig.get_paths().get('platlib'),
  'meta_path': [type(f).__name__ if not isinstance(f, type) else f.__name__ for f in sys.meta_path],
  'platform_tag': sysconfig.get_platform(), 'abiflags': getattr(sys, 'abiflags', ''),
  'soabi': sysconfig.get_config_var('SOABI'), 'site_dirs': site_dirs(),
}))
"""

# Isolated mode (-I -S), put in place of #SITE_DIRS#: the folders site.main() would add, in its order, computed without running it. argv[1] is
# a JSON object from tf-lsp: the user base and PYTHONNOUSERSITE of the server's own environment.
SITE_DIRS = r"""
def site_dirs():
    import site
    opts = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    prefix, system_site, venv = sys.prefix, True, False
    for d in (exe_dir, os.path.dirname(exe_dir)):
        try:
            with open(os.path.join(d, 'pyvenv.cfg')) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        venv, system_site, prefix = True, False, os.path.dirname(exe_dir)
        for line in lines:
            k, _, v = line.partition('=')
            if k.strip().lower() == 'include-system-site-packages':
                system_site = v.strip().lower() == 'true'
        break
    if opts.get('userbase'):
        site.USER_BASE = opts['userbase']
    user = site.getusersitepackages()
    use = system_site and not opts.get('nousersite') and hasattr(os, 'getuid') and os.getuid() == os.geteuid()
    out = [d for d in site.getsitepackages([prefix]) if os.path.isdir(d)]
    if use and os.path.isdir(user):
        out.append(user)
    if venv and system_site:
        out += [d for d in site.getsitepackages([getattr(sys, 'base_prefix', sys.prefix)]) if os.path.isdir(d) and d not in out]
    return {'dirs': out, 'user_site': user, 'user_site_enabled': bool(use), 'prefix': prefix}
"""
NO_SITE_DIRS = "def site_dirs():\n    return None\n"


class ProbeError(Exception):
    """The interpreter could not be inspected: missing, not executable, crashing, hanging or answering nonsense."""


def scrubbed_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of an isolated probe: every PYTHON* variable removed (the caller passes the server's own
    environment, never the workspace's ``.env`` or the ``tfLsp.env`` setting)."""
    return {k: v for k, v in environ.items() if not k.upper().startswith("PYTHON")}


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run_bounded(argv: list[str], *, env: Mapping[str, str], cwd: str | None, timeout: float) -> tuple[int, bytes, bytes]:
    """Run ``argv`` in a new session with output to temporary files; kill its whole process group when it is done,
    when it runs past ``timeout`` or when its output passes ``OUTPUT_CAP``. Returns (exit code, stdout, stderr)."""
    name = argv[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=dict(env), cwd=cwd,
                                    start_new_session=True)
        except OSError as exc:
            raise ProbeError(f"{name} could not be run: {exc.strerror or exc}") from exc
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    code = proc.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    if time.monotonic() > deadline:
                        raise ProbeError(f"{name} did not answer within {timeout:g} s") from None
                    if os.fstat(out.fileno()).st_size + os.fstat(err.fileno()).st_size > OUTPUT_CAP:
                        raise ProbeError(f"{name} printed more than {OUTPUT_CAP // 1024 // 1024} MB") from None
        finally:
            _kill_group(proc.pid)          # the interpreter and anything it started
            if proc.returncode is None:
                proc.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(OUTPUT_CAP + 1), err.read(OUTPUT_CAP + 1)
    if len(stdout) > OUTPUT_CAP:
        raise ProbeError(f"{name} printed more than {OUTPUT_CAP // 1024 // 1024} MB")
    return code, stdout, stderr


_STR, _OPT_STR, _STR_LIST, _BOOL = "a string", "a string or null", "a list of strings", "true or false"
_FIELDS = {
    "executable": _STR, "releaselevel": _STR, "implementation": _STR, "platform": _STR, "machine": _STR,
    "sys_path": _STR_LIST, "prefix": _STR, "base_prefix": _STR, "stdlib_names": _STR_LIST,
    "builtin_names": _STR_LIST, "ext_suffixes": _STR_LIST, "user_site": _OPT_STR, "user_site_enabled": _BOOL,
    "stdlib": _OPT_STR, "platstdlib": _OPT_STR, "purelib": _OPT_STR, "platlib": _OPT_STR, "meta_path": _STR_LIST,
    "platform_tag": _STR, "abiflags": _STR, "soabi": _OPT_STR,
}


def _text(value: Any) -> bool:
    return isinstance(value, str) and "\x00" not in value and len(value) < 65536     # a NUL is no path


def _is(value: Any, kind: str) -> bool:
    if kind == _STR:
        return _text(value)
    if kind == _OPT_STR:
        return value is None or _text(value)
    if kind == _BOOL:
        return isinstance(value, bool)
    return isinstance(value, list) and all(_text(x) for x in value)


def validate(python: str, data: Any) -> dict:
    """The probe's answer, checked: every field present with its type, a Python 3 version, site folders (isolated
    mode) as a list of strings. Anything else is a ``ProbeError`` naming what was wrong."""
    if isinstance(data, dict) and isinstance(data.get("python2"), str) and len(data) == 1:
        raise ProbeError(f"{python} is Python {data['python2'][:20]}; tf-lsp checks Python 3 programs only")
    if not isinstance(data, dict):
        raise ProbeError(f"{python} printed JSON of an unexpected shape ({type(data).__name__}, not an object)")
    version = data.get("version")
    if not (isinstance(version, list) and len(version) == 3 and all(type(v) is int and v >= 0 for v in version)):
        raise ProbeError(f"{python} printed JSON of an unexpected shape (version: {str(version)[:40]!r})")
    if version[0] != 3:
        raise ProbeError(f"{python} says it is Python {'.'.join(map(str, version))}; tf-lsp checks Python 3 programs only")
    for key, kind in _FIELDS.items():
        if not _is(data.get(key), kind):
            raise ProbeError(f"{python} printed JSON of an unexpected shape ({key} is not {kind})")
    sd = data.get("site_dirs")
    if sd is not None and not (isinstance(sd, dict) and _is(sd.get("dirs"), _STR_LIST)
                               and _is(sd.get("user_site"), _OPT_STR) and _is(sd.get("user_site_enabled"), _BOOL)
                               and _is(sd.get("prefix"), _STR)):
        raise ProbeError(f"{python} printed JSON of an unexpected shape (site_dirs)")
    return data
