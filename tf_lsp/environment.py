"""A snapshot of one interpreter: what a program started with it will see, obtained without importing anything.

Two ways to get it:
- ``probe``: one short, time-limited run of the interpreter (``-c`` with a script that imports only ``sys``,
  ``sysconfig`` and ``importlib.machinery``; ``site`` runs as it would for the user's program). Cached on disk
  keyed by the interpreter's identity, the trust mode and the mtimes of its site-packages folders.
  ``isolated=True`` (untrusted workspaces, interpreter outside the workspace): ``-I -S``, no PYTHON* variable,
  nothing of ``.env`` / ``tfLsp.env``, a fresh empty working folder; the script names the site folders itself and
  their ``.pth`` path lines are read here, as text, so no ``site``, ``.pth``, ``sitecustomize`` or PYTHONPATH runs.
  The probe runs in its own session; on timeout the whole process group is killed. Its output is checked for
  shape and types: anything else is a ``ProbeError`` (the environment is then unknown).
- ``static``: derived from ``pyvenv.cfg`` and the folder layout alone, for untrusted workspaces and for speed.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from tf_lsp import safeio
from tf_lsp.filecache import cache_root, write_atomic
from tf_lsp.probing import NO_SITE_DIRS, PROBE_SCRIPT, SITE_DIRS, ProbeError, run_bounded, scrubbed_environ, validate

PROBE_TIMEOUT = 5.0
_CACHE_VERSION = 5



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


def path_stamps(paths) -> list:
    """[path, mtime in ns, size, inode] of each path ([path, None, None, None] when it cannot be stat-ed): what a
    probe and an environment load are kept against."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append([p, st.st_mtime_ns, st.st_size, st.st_ino])
        except OSError:
            out.append([p, None, None, None])
    return out


# files of a site folder whose text shapes sys.path at startup (site.py reads each ``.pth``; sitecustomize and
# usercustomize may append to it): edited in place, they move no folder's mtime, so each is watched by its own stamp
_STARTUP_FILES = ("sitecustomize.py", "usercustomize.py")


def startup_files(folders: list[str]) -> list[str]:
    out = []
    for d in folders:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        out += [os.path.join(d, n) for n in names if n.endswith(".pth") or n in _STARTUP_FILES]
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
          use_cache: bool = True, isolated: bool = False, pythonpath: str | None = None) -> Snapshot:
    """Run the interpreter once (or reuse the cached answer) and return its snapshot.

    ``isolated``: for untrusted workspaces. ``environ`` is then the server's own environment (PYTHON* variables are
    removed from it), ``pythonpath`` the PYTHONPATH the program would get, modelled here from text and never
    handed to the process."""
    python = Path(python)
    if not python.exists():
        raise ProbeError(f"{python} does not exist")
    if not os.access(python, os.X_OK):
        raise ProbeError(f"{python} is not executable")
    env = dict(os.environ if environ is None else environ)
    if isolated:
        env_key = {"isolated": True, "HOME": env.get("HOME"), "PYTHONUSERBASE": env.get("PYTHONUSERBASE"),
                   "PYTHONNOUSERSITE": bool(env.get("PYTHONNOUSERSITE"))}
        opts = json.dumps({"userbase": env.get("PYTHONUSERBASE"), "nousersite": bool(env.get("PYTHONNOUSERSITE"))})
        env = scrubbed_environ(env)
    else:
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
    extra = tuple(p for p in (pythonpath or "").split(os.pathsep) if p) if isolated else ()
    if use_cache:
        try:
            cached = json.loads(cache_file.read_text())
            if cached["stamp"] == path_stamps(cached["watch"]):
                return _from_probe(python, validate(str(python), cached["data"]), pythonpath=extra)
        except (OSError, ValueError, KeyError, TypeError, ProbeError):
            pass
    if isolated:
        with tempfile.TemporaryDirectory(prefix="tf-lsp-probe-") as cwd:
            script = PROBE_SCRIPT.replace("#SITE_DIRS#", SITE_DIRS)
            code, out, err = run_bounded([str(python), "-I", "-S", "-c", script, opts], env=env, cwd=cwd,
                                         timeout=timeout)
            if code != 0 and b"Unknown option" in err:          # Python 2 has no -I: the same isolation by hand
                code, out, err = run_bounded([str(python), "-E", "-s", "-S", "-c", script, opts], env=env, cwd=cwd,
                                             timeout=timeout)
    else:
        script = PROBE_SCRIPT.replace("#SITE_DIRS#", NO_SITE_DIRS)
        code, out, err = run_bounded([str(python), "-c", script, "-"], env=env,
                                     cwd=os.path.dirname(str(python)) or None, timeout=timeout)
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if code != 0:
        last = (stderr.strip().splitlines() or ["no output"])[-1][:300]
        raise ProbeError(f"{python} exited with status {code}: {last}")
    try:
        data = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise ProbeError(f"{python} printed something unexpected: {stdout[:200]!r}") from exc
    data = validate(str(python), data)
    sites = data["site_dirs"]["dirs"] if data.get("site_dirs") else data["sys_path"]
    folders = sorted({*_candidate_site_dirs(python), *[p for p in sites if "site-packages" in p or "dist-packages" in p]})
    watch = sorted({*folders, *startup_files(folders)})    # a .pth added or removed moves its folder's mtime
    write_atomic(cache_file, json.dumps({"stamp": path_stamps(watch), "watch": watch, "data": data}))
    return _from_probe(python, data, pythonpath=extra)


def _from_probe(python: Path, d: dict, *, pythonpath: tuple[str, ...] = ()) -> Snapshot:
    sys_path = tuple(d["sys_path"])
    user_site, user_enabled, problems = d.get("user_site"), bool(d.get("user_site_enabled")), ()
    sd = d.get("site_dirs")
    if sd is not None:       # isolated probe: sys.path as site.main() would make it, with .pth path lines read here
        path = list(pythonpath) + list(sys_path)
        for site_dir in sd["dirs"]:
            path += [site_dir, *_pth_entries(Path(site_dir))]
        sys_path = tuple(dict.fromkeys(path))
        user_site, user_enabled = sd["user_site"], sd["user_site_enabled"]
        d = dict(d, prefix=sd.get("prefix") or d["prefix"])
        problems = ("isolated probe (untrusted workspace): site, sitecustomize and .pth import lines were not run",)
    site = tuple(p for p in sys_path if os.path.basename(p) in ("site-packages", "dist-packages"))
    return Snapshot(
        python=python, version=tuple(d["version"]), implementation=d["implementation"], platform=d["platform"],
        machine=d["machine"], sys_path=sys_path, prefix=d["prefix"], base_prefix=d["base_prefix"],
        stdlib_names=frozenset(d["stdlib_names"]), builtin_names=frozenset(d["builtin_names"]),
        ext_suffixes=tuple(d["ext_suffixes"]), user_site=user_site,
        user_site_enabled=user_enabled, site_packages=site,
        platform_tag=d.get("platform_tag", ""), soabi=d.get("soabi"), meta_path=tuple(d.get("meta_path", ())),
        problems=problems,
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
        libs = sorted((prefix / "lib").glob("python[23].*")) if (prefix / "lib").is_dir() else []
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


def snapshot(python: Path, *, environ: Mapping[str, str] | None = None, static: bool = False,
             isolated: bool = False, pythonpath: str | None = None) -> Snapshot:
    """Probe the interpreter, or derive statically when asked (or when the probe fails: the problem is recorded, and
    the environment counts as unknown). ``isolated``/``pythonpath``: see ``probe``."""
    if static:
        return static_snapshot(python, environ=environ)
    try:
        return probe(python, environ=environ, isolated=isolated, pythonpath=pythonpath)
    except ProbeError as exc:
        snap = static_snapshot(python, environ=environ)
        return replace(snap, problems=(f"probe failed: {exc}",) + snap.problems)
