"""Describe one environment from its files alone: where its interpreter is, what kind it is, which Python.

Nothing here runs an interpreter except ``probe_version``, an explicit, time-limited fallback kept apart.
Facts used (from the tools' own output, checked on disk in the tests):
- ``python -m venv`` writes ``pyvenv.cfg`` with ``home`` and ``version = 3.12.1``;
- virtualenv adds ``virtualenv = 20.x`` and ``version_info = 3.10.13.final.0``;
- ``uv venv`` writes ``uv = 0.x`` and ``version_info = 3.13.0``;
- conda and pixi prefixes hold ``conda-meta/``; the interpreter's record is ``conda-meta/python-3.11.7-<build>.json``;
  pixi keeps its environments in ``.pixi/envs/<name>``;
- a CPython install has ``include/pythonX.Y/patchlevel.h`` (``#define PY_VERSION "3.11.7"``) and ``lib/pythonX.Y``.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tf_lsp import safeio
from tf_lsp.model import Candidate

_VERSION_RE = re.compile(r"\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc)\d+)?")
_LIB_RE = re.compile(r"python(\d+)\.(\d+)t?$")
_EXE_RE = re.compile(r"python(\d+)\.(\d+)t?(?:\.exe)?$")


@dataclass(frozen=True)
class EnvLayout:
    """What the files of one prefix say. ``python`` is None when the environment is broken (``problem`` says how)."""

    prefix: Path
    python: Path | None
    kind: str
    version: str | None
    cfg: dict[str, str]
    problem: str | None = None


def read_pyvenv_cfg(prefix: Path) -> dict[str, str] | None:
    """``key = value`` lines of ``prefix/pyvenv.cfg`` (keys lower-cased), or None when there is no such file."""
    try:
        text = safeio.read_text(prefix / "pyvenv.cfg")
    except OSError:
        return None
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def normalize_version(text: str | None) -> str | None:
    """``3.10.13.final.0`` -> ``3.10.13``; ``3.13.0rc1`` stays; anything else -> None."""
    if not text:
        return None
    m = _VERSION_RE.match(text.strip())
    return m.group(0) if m else None


def python_in(prefix: Path) -> Path | None:
    """The interpreter of an environment folder (POSIX ``bin/python*`` or Windows ``Scripts/python.exe``)."""
    for rel in ("bin/python", "bin/python3", "Scripts/python.exe", "python.exe"):
        p = prefix / rel
        if os.path.exists(p):
            return p
    try:
        names = sorted(n for n in os.listdir(prefix / "bin") if _EXE_RE.match(n))
    except OSError:
        return None
    for n in reversed(names):
        if os.path.exists(prefix / "bin" / n):
            return prefix / "bin" / n
    return None


def is_env_dir(path: Path | str) -> bool:
    """Cheap test: does this folder look like an environment (pyvenv.cfg or conda-meta)?"""
    return os.path.isfile(os.path.join(path, "pyvenv.cfg")) or os.path.isdir(os.path.join(path, "conda-meta"))


def conda_python_version(prefix: Path) -> str | None:
    """The version in ``conda-meta/python-3.11.7-<build>.json`` (conda and pixi record every package so)."""
    try:
        names = os.listdir(prefix / "conda-meta")
    except OSError:
        return None
    for name in names:
        if name.startswith("python-") and name.endswith(".json") and name[7:8].isdigit():
            version = name[7:].rsplit("-", 1)[0]
            return normalize_version(version)
    return None


def patchlevel_version(prefix: Path) -> str | None:
    """``PY_VERSION`` from ``include/pythonX.Y/patchlevel.h`` of a CPython install (exact, micro included)."""
    try:
        dirs = [d for d in os.listdir(prefix / "include") if d.startswith("python")]
    except OSError:
        return None
    for d in sorted(dirs, reverse=True):
        try:
            text = safeio.read_text(prefix / "include" / d / "patchlevel.h")
        except OSError:
            continue
        m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', text)
        if m:
            return normalize_version(m.group(1))
    return None


def layout_version(prefix: Path, python: Path | None = None) -> str | None:
    """``X.Y`` from ``lib/pythonX.Y`` (the highest when several), else from the interpreter's file name."""
    best: tuple[int, int] | None = None
    try:
        for name in os.listdir(prefix / "lib"):
            m = _LIB_RE.match(name)
            if m and os.path.isdir(prefix / "lib" / name):
                best = max(best or (0, 0), (int(m.group(1)), int(m.group(2))))
    except OSError:
        pass
    if best is None and python is not None:
        return exe_minor(python)
    return f"{best[0]}.{best[1]}" if best else None


def exe_minor(python: Path) -> str | None:
    """``3.11`` from ``python3.11`` (the file's name, or the name its symlinks lead to)."""
    for name in (python.name, os.path.basename(os.path.realpath(python))):
        m = _EXE_RE.match(name)
        if m:
            return f"{m.group(1)}.{m.group(2)}"
    return None


def env_kind(prefix: Path, cfg: dict[str, str] | None) -> str:
    if cfg is not None:
        if "uv" in cfg:
            return "uv"
        if "virtualenv" in cfg:
            return "virtualenv"
        return "venv"
    if os.path.isdir(prefix / "conda-meta"):
        in_pixi_dir = prefix.parent.name == "envs" and prefix.parent.parent.name == ".pixi"
        if in_pixi_dir or os.path.isfile(prefix / "conda-meta" / "pixi"):
            return "pixi"
        return "conda"
    if prefix.parent.name == "versions" and (os.path.isdir(prefix.parent.parent / "shims")
                                             or prefix.parent.parent.name == ".pyenv"):
        return "pyenv"
    return "system"


def inspect_prefix(prefix: Path) -> EnvLayout | None:
    """Describe an environment folder; None when it is not one (no pyvenv.cfg, conda-meta or Python install)."""
    cfg = read_pyvenv_cfg(prefix)
    conda = cfg is None and os.path.isdir(prefix / "conda-meta")
    python = python_in(prefix)
    if cfg is None and not conda and python is None:
        return None
    kind = env_kind(prefix, cfg)
    if cfg is not None:
        version = normalize_version(cfg.get("version_info") or cfg.get("version"))
    elif conda:
        version = conda_python_version(prefix)
    else:
        version = patchlevel_version(prefix)
    version = version or layout_version(prefix, python)
    if cfg is None and not conda and version is None:
        return None                      # a bin/python that is no Python install we can read: not an environment
    problem = None
    if python is None:
        problem = _missing_python(prefix, cfg is not None or conda)
    return EnvLayout(prefix=prefix, python=python, kind=kind, version=version, cfg=cfg or {}, problem=problem)


def _missing_python(prefix: Path, is_env: bool) -> str:
    marker = "pyvenv.cfg" if os.path.isfile(prefix / "pyvenv.cfg") else "conda-meta/"
    for rel in ("bin/python", "bin/python3", "Scripts/python.exe"):
        if os.path.islink(prefix / rel):
            return f"{rel} points to {os.readlink(prefix / rel)}, which is gone"
    return f"it has {marker} but no bin/python" if is_env else "it has no interpreter"


def prefix_of(python: Path) -> Path | None:
    """The environment folder an interpreter belongs to, read as CPython's startup does (no run).

    ``pyvenv.cfg`` beside the executable or one level up marks a virtual environment (the path is not
    resolved first: a venv's ``bin/python`` is a symlink to its base). Otherwise the symlinks are followed
    and the install prefix is the folder above ``bin`` that holds ``lib/pythonX.Y`` or ``conda-meta``.
    """
    python = Path(os.path.abspath(python))
    for d in (python.parent, python.parent.parent):
        if os.path.isfile(d / "pyvenv.cfg"):
            return d
    for exe in (Path(os.path.realpath(python)), python):
        if not exe.name.lower().startswith("python"):
            continue
        d = exe.parent
        cand = d.parent if d.name in ("bin", "Scripts") else d       # Windows installs keep python.exe at the top
        if os.path.isdir(cand / "conda-meta") or layout_version(cand) or os.path.isdir(cand / "Lib"):
            return cand
    return None


def candidate_from(layout: EnvLayout, *, root: Path | None, python: Path | None = None, kind: str | None = None,
                   name: str | None = None) -> Candidate | None:
    python = python or layout.python
    if python is None:
        return None
    return Candidate(prefix=layout.prefix, python=python, kind=kind or layout.kind, version=layout.version,
                     name=name or base_name(layout, python) or display_name(layout.prefix, root=root),
                     in_workspace=is_inside(layout.prefix, root))


def display_name(prefix: Path, *, root: Path | None) -> str:
    """``.venv`` for an environment in the workspace (its path from the root), else the folder's name."""
    rel = relative_to(prefix, root)
    if rel is not None and rel != ".":
        return rel
    return prefix.name or str(prefix)


def base_name(layout: EnvLayout, python: Path) -> str | None:
    """Display names of Python installs: ``pyenv 3.11.7``, ``/usr/bin/python3``; None for environments."""
    if layout.kind == "pyenv":
        return f"pyenv {layout.prefix.name}"
    if layout.kind == "system":
        return str(python)
    return None


def relative_to(path: Path, root: Path | None) -> str | None:
    """``path`` from ``root`` ("." for the root itself) as written or with symlinks resolved; None when outside."""
    if root is None:
        return None
    roots = (os.path.abspath(root), os.path.realpath(root))
    for p in (os.path.abspath(path), None):
        p = p or os.path.realpath(path)
        for r in roots:
            if p == r or p.startswith(r.rstrip(os.sep) + os.sep):
                return os.path.relpath(p, r).replace(os.sep, "/")
    return None


def is_inside(path: Path, root: Path | None) -> bool:
    """Is ``path`` (as written, or with symlinks resolved) the root or below it?"""
    return relative_to(path, root) is not None


def probe_version(python: Path | str, *, timeout: float = 2.0) -> str | None:
    """Run the interpreter once to ask its version: the explicit fallback when the files say nothing.

    Time-limited; isolated mode (``-I``) so neither the workspace nor PYTHON* variables take part; returns
    None when it fails, hangs or prints nonsense. Never called by discovery itself.
    """
    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        out = subprocess.run([str(python), "-I", "-S", "-c", code], capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return normalize_version(out.stdout.strip()) if out.returncode == 0 else None
