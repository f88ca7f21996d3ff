"""A snapshot of one interpreter: what a program started with it will see, obtained without importing anything.

Two ways to get it:
- ``probe``: one short, time-limited run of the interpreter (``-c`` with a script that imports only ``sys``,
  ``sysconfig`` and ``importlib.machinery``; ``site`` runs as it would for the user's program). Cached on disk
  keyed by the interpreter's identity and the mtimes of its site-packages folders.
- ``static``: derived from ``pyvenv.cfg`` and the folder layout alone, for untrusted workspaces and for speed.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from tf_lsp import safeio
from tf_lsp.filecache import cache_root, write_atomic

PROBE_TIMEOUT = 5.0
_CACHE_VERSION = 3

_PROBE = r"""
import sys, sysconfig, importlib.machinery as m, json, os
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
  'soabi': sysconfig.get_config_var('SOABI'),
}))
"""


class ProbeError(Exception):
    """The interpreter could not be inspected: missing, not executable, crashing or hanging."""


@dataclass(frozen=True)
class Snapshot:
    python: Path
    version: tuple[int, int, int]
    implementation: str
    platform: str                       # sys.platform
    machine: str                        # x86_64, aarch64, arm64, AMD64
    sys_path: tuple[str, ...]           # as a program sees it, without the script's own folder
    prefix: str
    base_prefix: str
    stdlib_names: frozenset[str]
    builtin_names: frozenset[str]
    ext_suffixes: tuple[str, ...]
    user_site: str | None
    user_site_enabled: bool
    site_packages: tuple[str, ...]
    platform_tag: str = ""
    soabi: str | None = None
    static: bool = False
    meta_path: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def version_str(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def short_version(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"

    def marker_environment(self) -> dict[str, str]:
        """The PEP 508 marker environment of the target interpreter (not of the server)."""
        sysplat = self.platform
        os_name = "nt" if sysplat.startswith("win") else "posix"
        plat_sys = {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}.get(sysplat, sysplat.title())
        return {
            "implementation_name": self.implementation,
            "implementation_version": self.version_str,
            "os_name": os_name,
            "platform_machine": self.machine,
            "platform_release": "",
            "platform_system": plat_sys,
            "platform_version": "",
            "python_full_version": self.version_str,
            "platform_python_implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(self.implementation, self.implementation),
            "python_version": self.short_version,
            "sys_platform": sysplat,
        }

    def with_path(self, *, script_dir: str | None = None, extra_paths: tuple[str, ...] = ()) -> tuple[str, ...]:
        """sys.path for a program run as ``python script.py`` from ``script_dir``, with extra entries after it."""
        head = ([script_dir] if script_dir else []) + list(extra_paths)
        return tuple(head) + tuple(p for p in self.sys_path if p not in head)

    def to_json(self) -> dict:
        return {
            "python": str(self.python), "version": self.version_str, "implementation": self.implementation,
            "platform": self.platform, "machine": self.machine, "sys_path": list(self.sys_path),
            "prefix": self.prefix, "base_prefix": self.base_prefix, "static": self.static,
            "user_site": self.user_site, "user_site_enabled": self.user_site_enabled,
            "ext_suffixes": list(self.ext_suffixes), "problems": list(self.problems),
        }


def _cache_dir() -> Path:
    return cache_root() / "snapshots"


def _stamp(paths: list[str]) -> list:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append([p, st.st_mtime_ns, st.st_ino])
        except OSError:
            out.append([p, None, None])
    return out


def _candidate_site_dirs(python: Path) -> list[str]:
    """The folders whose change should invalidate a cached probe (cheap guess before probing)."""
    prefix = python.parent.parent
    dirs = [str(prefix / "pyvenv.cfg")]
    for lib in ("lib", "lib64", "Lib"):
        d = prefix / lib
        if d.is_dir():
            for sub in d.iterdir() if lib != "Lib" else [d]:
                sp = sub / "site-packages"
                if sp.is_dir():
                    dirs.append(str(sp))
    return dirs


def probe(python: Path, *, environ: Mapping[str, str] | None = None, timeout: float = PROBE_TIMEOUT,
          use_cache: bool = True) -> Snapshot:
    """Run the interpreter once (or reuse the cached answer) and return its snapshot."""
    python = Path(python)
    if not python.exists():
        raise ProbeError(f"{python} does not exist")
    if not os.access(python, os.X_OK):
        raise ProbeError(f"{python} is not executable")
    env = dict(os.environ if environ is None else environ)
    for k in ("PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT"):
        env.pop(k, None)
    env_key = {k: env.get(k) for k in ("PYTHONPATH", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "HOME")}
    try:
        st = python.stat()
        ident = [str(python), st.st_mtime_ns, st.st_size, os.path.realpath(python)]
    except OSError as exc:
        raise ProbeError(str(exc)) from exc
    key = hashlib.sha256(json.dumps([_CACHE_VERSION, ident, env_key]).encode()).hexdigest()[:24]
    cache_file = _cache_dir() / f"{key}.json"
    if use_cache:
        try:
            cached = json.loads(cache_file.read_text())
            if cached["stamp"] == _stamp(cached["watch"]):
                return _from_probe(python, cached["data"])
        except (OSError, ValueError, KeyError):
            pass
    try:
        proc = subprocess.run([str(python), "-c", _PROBE, "-"], capture_output=True, text=True, timeout=timeout,
                              env=env, cwd=os.path.dirname(str(python)) or None, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(f"{python} did not answer within {timeout:g} s") from exc
    except OSError as exc:
        raise ProbeError(f"{python} could not be run: {exc.strerror or exc}") from exc
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProbeError(f"{python} exited with status {proc.returncode}: {last}")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise ProbeError(f"{python} printed something unexpected: {proc.stdout[:200]!r}") from exc
    watch = sorted({*_candidate_site_dirs(python), *[p for p in data["sys_path"] if "site-packages" in p or "dist-packages" in p]})
    write_atomic(cache_file, json.dumps({"stamp": _stamp(watch), "watch": watch, "data": data}))
    return _from_probe(python, data)


def _from_probe(python: Path, d: dict) -> Snapshot:
    sys_path = tuple(d["sys_path"])
    site = tuple(p for p in sys_path if os.path.basename(p) in ("site-packages", "dist-packages"))
    return Snapshot(
        python=python, version=tuple(d["version"]), implementation=d["implementation"], platform=d["platform"],
        machine=d["machine"], sys_path=sys_path, prefix=d["prefix"], base_prefix=d["base_prefix"],
        stdlib_names=frozenset(d["stdlib_names"]), builtin_names=frozenset(d["builtin_names"]),
        ext_suffixes=tuple(d["ext_suffixes"]), user_site=d.get("user_site"),
        user_site_enabled=bool(d.get("user_site_enabled")), site_packages=site,
        platform_tag=d.get("platform_tag", ""), soabi=d.get("soabi"), meta_path=tuple(d.get("meta_path", ())),
    )


# --- static mode -----------------------------------------------------------------------------------------------

_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def read_pyvenv_cfg(prefix: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = safeio.read_text(prefix / "pyvenv.cfg")
    except OSError:
        return out
    for line in text.splitlines():
        if "=" in line:
            k, _, v = line.partition("=")
            out[k.strip().lower()] = v.strip()
    return out


def static_snapshot(python: Path, *, environ: Mapping[str, str] | None = None) -> Snapshot:
    """Derive a snapshot from the layout alone (nothing is run)."""
    python = Path(python)
    environ = os.environ if environ is None else environ
    prefix = python.parent.parent
    cfg = read_pyvenv_cfg(prefix)
    problems: list[str] = ["static snapshot: nothing was run; builtin modules and sys.path are derived from the layout"]
    version = None
    for key in ("version_info", "version"):
        m = _VERSION_RE.match(cfg.get(key, ""))
        if m:
            version = (int(m[1]), int(m[2]), int(m[3] or 0))
            break
    if version is None:
        libs = sorted((prefix / "lib").glob("python3.*")) if (prefix / "lib").is_dir() else []
        m = _VERSION_RE.search(libs[-1].name) if libs else _VERSION_RE.search(python.name)
        version = (int(m[1]), int(m[2]), 0) if m else sys.version_info[:3]
        if not m:
            problems.append("Python version unknown; assumed the server's own")
    short = f"{version[0]}.{version[1]}"
    base = Path(cfg["home"]).parent if "home" in cfg else prefix
    base_lib = base / "lib" / f"python{short}"
    site = prefix / "lib" / f"python{short}" / "site-packages"
    path: list[str] = []
    pp = environ.get("PYTHONPATH")
    if pp:
        path += [p for p in pp.split(os.pathsep) if p]
    path += [str(base / "lib" / f"python{version[0]}{version[1]}.zip"), str(base_lib), str(base_lib / "lib-dynload")]
    sites = [str(site)]
    if cfg.get("include-system-site-packages", "false").lower() == "true" or "home" not in cfg:
        if "home" in cfg:
            sites.append(str(base_lib / "site-packages"))
    path += sites
    for sp in list(sites):
        path += _pth_entries(Path(sp))
    stdlib_names: set[str] = set()
    for d in (base_lib, base_lib / "lib-dynload"):
        try:
            for n in os.listdir(d):
                b = n.split(".")[0]
                if b and b not in ("site-packages", "__pycache__"):
                    stdlib_names.add(b)
        except OSError:
            pass
    same = sys.version_info[:2] == version[:2]
    builtins = frozenset(sys.builtin_module_names) if same else _COMMON_BUILTINS
    if same and hasattr(sys, "stdlib_module_names"):
        stdlib_names |= set(sys.stdlib_module_names)
    suffix_tag = f"cpython-{version[0]}{version[1]}-{'x86_64' if platform.machine() == 'x86_64' else platform.machine()}-linux-gnu"
    return Snapshot(
        python=python, version=version, implementation="cpython", platform=sys.platform, machine=platform.machine(),
        sys_path=tuple(dict.fromkeys(path)), prefix=str(prefix), base_prefix=str(base), stdlib_names=frozenset(stdlib_names),
        builtin_names=builtins, ext_suffixes=(f".{suffix_tag}.so", ".abi3.so", ".so"), user_site=None,
        user_site_enabled=False, site_packages=tuple(sites), static=True, problems=tuple(problems),
    )


def _pth_entries(site: Path) -> list[str]:
    """Path lines of ``*.pth`` files (lines starting with ``import`` run code and are not followed statically)."""
    out: list[str] = []
    try:
        names = sorted(n for n in os.listdir(site) if n.endswith(".pth"))
    except OSError:
        return out
    for n in names:
        try:
            lines = safeio.read_text(site / n).splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#") or line.startswith(("import ", "import\t")):
                continue
            p = Path(line) if os.path.isabs(line) else site / line
            if p.is_dir():
                out.append(str(p))
    return out


_COMMON_BUILTINS = frozenset({
    "_abc", "_ast", "_codecs", "_collections", "_functools", "_imp", "_io", "_locale", "_operator", "_signal",
    "_sre", "_stat", "_string", "_symtable", "_thread", "_tokenize", "_tracemalloc", "_typing", "_warnings",
    "_weakref", "atexit", "builtins", "errno", "faulthandler", "gc", "itertools", "marshal", "posix", "pwd",
    "sys", "time", "xxsubtype",
})


def snapshot(python: Path, *, environ: Mapping[str, str] | None = None, static: bool = False) -> Snapshot:
    """Probe the interpreter, or derive statically when asked (or when the probe fails: the problem is recorded)."""
    if static:
        return static_snapshot(python, environ=environ)
    try:
        return probe(python, environ=environ)
    except ProbeError as exc:
        snap = static_snapshot(python, environ=environ)
        return replace(snap, problems=(f"probe failed: {exc}",) + snap.problems)
