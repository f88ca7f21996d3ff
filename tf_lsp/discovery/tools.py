"""Environments that tools keep outside the workspace for this project, pyenv's Pythons, and Pythons on PATH.

Every location rule below was read from the tool's own source and checked against the real tool in
``tests/test_interpreters.py`` (poetry, pipenv) or by writing the layout the source describes (hatch, conda):
- poetry: ``{virtualenvs.path}/{name}-{hash}-py{X.Y}``, name = the canonical project name with
  `` $`!*@"\\`` and control blanks replaced by ``_`` (first 42 chars), hash = the first 8 chars of the urlsafe
  base64 SHA-256 of the normcased real project path; the active one is recorded in ``envs.toml``.
  ``virtualenvs.path`` defaults to ``{cache-dir}/virtualenvs``.
- pipenv: ``$WORKON_HOME/{name}-{hash}`` (default ``$XDG_DATA_HOME/virtualenvs``), name = the project folder's
  name sanitized like poetry's (plus ``&()[]``), hash = 8 chars of the urlsafe base64 of the first 6 bytes of the
  SHA-256 of the Pipfile's path; the environment's ``.project`` file holds the project folder.
- hatch: ``{data dir}/env/virtual/{project}/{id}/{env}``, id = 8 chars of the urlsafe base64 SHA-256 of the
  project path; the default environment's folder is named after the project.
- conda: ``name:`` of environment.yml looked up in ``envs/`` folders and ``~/.conda/environments.txt``.
- pyenv: ``.python-version`` (first word of each non-comment line, nearest file upwards; ``3.11`` means the
  latest installed 3.11.x; ``python-`` prefixes dropped) -> ``$PYENV_ROOT/versions/<v>``.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterator, Mapping

from tf_lsp import safeio
from tf_lsp.discovery.records import canonical_name, load_toml, project_name

PYTHON_NAMES = ("python3", "python") + tuple(f"python3.{m}" for m in range(14, 7, -1))


def home_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~"))


def _user_dir(environ: Mapping[str, str], *, kind: str, app: str) -> Path:
    """platformdirs' user cache/data folder for ``app`` (Linux XDG, macOS, Windows), without importing it."""
    home = home_dir(environ)
    if sys.platform == "win32":
        base = Path(environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / app / "Cache" if kind == "cache" else base / app
    if sys.platform == "darwin":
        return home / "Library" / ("Caches" if kind == "cache" else "Application Support") / app
    if kind == "cache":
        return Path(environ.get("XDG_CACHE_HOME") or home / ".cache") / app
    return Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share") / app


def _sanitize(name: str, extra: str = "") -> str:
    return re.sub(r'[ $`!*@"\\\r\n\t' + extra + "]", "_", name)[:42]


def _b64_sha256(text: str, *, nbytes: int | None = None) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest[:nbytes] if nbytes else digest).decode()[:8]


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


# --- poetry -------------------------------------------------------------------------------------------------------

def uses_poetry(root: Path, pyproject: dict[str, Any] | None) -> bool:
    tool = (pyproject or {}).get("tool") or {}
    backend = str(((pyproject or {}).get("build-system") or {}).get("build-backend", ""))
    return "poetry" in tool or backend.startswith("poetry") or os.path.isfile(root / "poetry.lock")


def poetry_venvs_dir(root: Path, environ: Mapping[str, str]) -> Path:
    """``virtualenvs.path``: env var, then the project's poetry.toml, then the user's config.toml, then the default."""
    if environ.get("POETRY_VIRTUALENVS_PATH"):
        return Path(os.path.expanduser(environ["POETRY_VIRTUALENVS_PATH"]))
    config_dir = Path(environ.get("POETRY_CONFIG_DIR") or _user_config(environ) / "pypoetry")
    local, user = load_toml(root / "poetry.toml") or {}, load_toml(config_dir / "config.toml") or {}
    cache = (environ.get("POETRY_CACHE_DIR") or user.get("cache-dir")
             or str(_user_dir(environ, kind="cache", app="pypoetry")))
    for cfg in (local, user):
        path = (cfg.get("virtualenvs") or {}).get("path")
        if isinstance(path, str) and path:
            return Path(os.path.expanduser(path.replace("{cache-dir}", str(cache))))
    return Path(os.path.expanduser(str(cache))) / "virtualenvs"


def _user_config(environ: Mapping[str, str]) -> Path:
    home = home_dir(environ)
    if sys.platform == "win32":
        return Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
    if sys.platform == "darwin":
        return home / "Library" / "Application Support"
    return Path(environ.get("XDG_CONFIG_HOME") or home / ".config")


def poetry_env_name(name: str, project_dir: Path) -> str:
    """``{name}-{hash}`` as poetry computes it (without the ``-pyX.Y`` suffix)."""
    cwd = os.path.normcase(os.path.realpath(project_dir))
    return f"{_sanitize(canonical_name(name))}-{_b64_sha256(cwd)}"


def poetry_envs(root: Path, pyproject: dict[str, Any] | None, environ: Mapping[str, str]) -> list[tuple[Path, str]]:
    """This project's poetry environments, the active one first, as (prefix, evidence)."""
    name = project_name(pyproject)
    if not name or not uses_poetry(root, pyproject):
        return []
    venvs = poetry_venvs_dir(root, environ)
    base = poetry_env_name(name, root)
    try:
        found = [venvs / n for n in os.listdir(venvs) if n.startswith(base + "-py")]
    except OSError:
        return []
    found.sort(key=lambda p: _version_key(p.name[len(base) + 3:]), reverse=True)
    active = ((load_toml(venvs / "envs.toml") or {}).get(base) or {}).get("minor")
    if active:
        found.sort(key=lambda p: p.name != f"{base}-py{active}")
    out = []
    for p in found:
        why = f"recorded as active in {venvs / 'envs.toml'}" if active and p.name.endswith(f"-py{active}") else \
            f"named after the project in {venvs}"
        out.append((p, why))
    return out


# --- pipenv -------------------------------------------------------------------------------------------------------

_PIPENV_EXTRA = "&()\\[\\]"


def workon_home(environ: Mapping[str, str]) -> Path:
    if environ.get("WORKON_HOME"):
        return Path(os.path.expanduser(os.path.expandvars(environ["WORKON_HOME"])))
    if sys.platform == "win32":
        return home_dir(environ) / ".virtualenvs"
    data = environ.get("XDG_DATA_HOME") or str(home_dir(environ) / ".local" / "share")
    return Path(os.path.expanduser(data)) / "virtualenvs"


def pipenv_env_name(project_dir: Path) -> str:
    return f"{_sanitize(project_dir.name, _PIPENV_EXTRA)}-{_b64_sha256(str(project_dir / 'Pipfile'), nbytes=6)}"


def pipenv_envs(root: Path, environ: Mapping[str, str]) -> list[tuple[Path, str]]:
    """This project's pipenv environment: by its computed name, or any whose ``.project`` names the project."""
    if not os.path.isfile(root / "Pipfile"):
        return []
    home = workon_home(environ)
    dot_venv = root / ".venv"
    if os.path.isfile(dot_venv):                     # pipenv: a .venv *file* names the environment
        try:
            named = safeio.read_text(dot_venv).strip()
        except OSError:
            named = ""
        if named:
            target = root / named if ("/" in named or "\\" in named) else home / named
            return [(target, "named by the .venv file")]
    if environ.get("PIPENV_CUSTOM_VENV_NAME"):
        return [(home / environ["PIPENV_CUSTOM_VENV_NAME"], "named by PIPENV_CUSTOM_VENV_NAME")]
    out: list[tuple[Path, str]] = []
    direct = home / pipenv_env_name(root)
    if os.path.isdir(direct):
        out.append((direct, f"named after the project in {home}"))
    stem = _sanitize(root.name, _PIPENV_EXTRA).lower() + "-"
    real_root = os.path.normcase(os.path.realpath(root))
    try:
        names = sorted(n for n in os.listdir(home) if n.lower().startswith(stem))
    except OSError:
        names = []
    for n in names:
        p = home / n
        if p == direct:
            continue
        try:
            target = safeio.read_text(p / ".project").strip()
        except OSError:
            continue
        if target and os.path.normcase(os.path.realpath(target)) == real_root:
            out.append((p, f"its .project file points to the workspace ({home})"))
    return out


# --- hatch --------------------------------------------------------------------------------------------------------

def hatch_envs(root: Path, pyproject: dict[str, Any] | None, environ: Mapping[str, str]) -> list[tuple[Path, str]]:
    tool = (pyproject or {}).get("tool") or {}
    if "hatch" not in tool and not os.path.isfile(root / "hatch.toml"):
        return []
    out: list[tuple[Path, str]] = []
    hatch_cfg = tool.get("hatch") if isinstance(tool.get("hatch"), dict) else (load_toml(root / "hatch.toml") or {})
    for env_name, env_cfg in ((hatch_cfg or {}).get("envs") or {}).items():
        if isinstance(env_cfg, dict) and isinstance(env_cfg.get("path"), str):
            out.append((root / env_cfg["path"], f"the path of [tool.hatch.envs.{env_name}]"))
    name = project_name(pyproject)
    data = Path(environ.get("HATCH_DATA_DIR") or _user_dir(environ, kind="data", app="hatch"))
    if name:
        project = canonical_name(name)
        for key in dict.fromkeys((str(root), os.path.realpath(root))):
            text = key.casefold() if sys.platform in ("win32", "darwin") else key
            folder = data / "env" / "virtual" / project / _b64_sha256(text)
            try:
                names = sorted(os.listdir(folder), key=lambda n: n != project)   # the default env first
            except OSError:
                continue
            out += [(folder / n, f"hatch's environment for this project in {folder}") for n in names
                    if os.path.isdir(folder / n)]
    return out


# --- conda (environment.yml) --------------------------------------------------------------------------------------

def conda_envs(root: Path, environ: Mapping[str, str]) -> list[tuple[Path, str]]:
    """The named conda environment of the workspace's environment.yml, in the usual envs folders."""
    for fname in ("environment.yml", "environment.yaml"):
        try:
            text = safeio.read_text(root / fname)
        except OSError:
            continue
        prefix = re.search(r"^prefix:\s*['\"]?([^'\"\n]+?)['\"]?\s*$", text, re.M)
        if prefix:
            return [(Path(prefix.group(1)), f"the prefix: of {fname}")]
        m = re.search(r"^name:\s*['\"]?([^'\"\s#]+)", text, re.M)
        if not m:
            return []
        name = m.group(1)
        home = home_dir(environ)
        dirs = [Path(d) for key in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS")
                for d in environ.get(key, "").split(os.pathsep) if d]
        for exe_var in ("CONDA_EXE", "MAMBA_EXE"):
            if environ.get(exe_var):
                dirs.append(Path(environ[exe_var]).parent.parent / "envs")
        if environ.get("MAMBA_ROOT_PREFIX"):
            dirs.append(Path(environ["MAMBA_ROOT_PREFIX"]) / "envs")
        dirs += [home / ".conda" / "envs"]
        dirs += [home / d / "envs" for d in ("miniconda3", "anaconda3", "miniforge3", "mambaforge")]
        try:
            listed = safeio.read_text(home / ".conda" / "environments.txt").split()
        except OSError:
            listed = []
        hits = [d / name for d in dirs if os.path.isdir(d / name / "conda-meta")]
        hits += [Path(p) for p in listed if Path(p).name == name and os.path.isdir(Path(p) / "conda-meta")]
        return [(h, f"the conda environment named {name!r} in {fname}") for h in dict.fromkeys(hits)]
    return []


# --- pyenv --------------------------------------------------------------------------------------------------------

def pyenv_root(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("PYENV_ROOT") or home_dir(environ) / ".pyenv")


def find_version_file(start: Path) -> Path | None:
    """The nearest ``.python-version`` from ``start`` upwards (pyenv's and uv's rule)."""
    d = Path(os.path.abspath(start))
    while True:
        if os.path.isfile(d / ".python-version"):
            return d / ".python-version"
        if d.parent == d:
            return None
        d = d.parent


def read_version_file(path: Path) -> list[str]:
    """The first word of each non-blank, non-comment line (pyenv-version-file-read), unsafe names dropped."""
    try:
        text = safeio.read_text(path)[:65536]
    except OSError:
        return []
    words = [line.split()[0] for line in text.splitlines() if line.split() and not line.lstrip().startswith("#")]
    return [w for w in words if w != ".." and "/" not in w and "\\" not in w]


def pyenv_versions(root_dir: Path) -> list[Path]:
    try:
        names = os.listdir(root_dir / "versions")
    except OSError:
        return []
    return [root_dir / "versions" / n for n in sorted(names, key=_version_key, reverse=True)
            if os.path.isdir(root_dir / "versions" / n)]


def resolve_pyenv_version(name: str, root_dir: Path) -> Path | None:
    """``3.11.7`` / ``python-3.11`` / ``3.11`` (latest installed 3.11.x, no pre-releases) -> the version's prefix."""
    versions = root_dir / "versions"
    for n in (name, name.removeprefix("python-")):
        if n and os.path.isdir(versions / n):
            return versions / n
        suffix = "t" if re.fullmatch(r".*\dt", n) else ""
        pattern = re.compile(re.escape(n[:len(n) - len(suffix)]) + r"[.-]\d+(?:\.\d+)*" + suffix + "$")
        try:
            matches = [v for v in os.listdir(versions) if pattern.match(v)]
        except OSError:
            return None
        if matches:
            return versions / max(matches, key=_version_key)
    return None


# --- PATH ---------------------------------------------------------------------------------------------------------

def path_dirs(environ: Mapping[str, str]) -> list[str]:
    return [d for d in environ.get("PATH", os.defpath).split(os.pathsep) if d]


def which_all(name: str, environ: Mapping[str, str]) -> Iterator[Path]:
    """Every executable ``name`` along PATH, in order."""
    exts = [""] + ([".exe"] if sys.platform == "win32" else [])
    for d in path_dirs(environ):
        for ext in exts:
            p = os.path.join(d, name + ext)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                yield Path(p)
                break


def is_pyenv_shim(path: Path, environ: Mapping[str, str]) -> bool:
    return os.path.abspath(path.parent) == os.path.abspath(pyenv_root(environ) / "shims") or (
        path.parent.name == "shims" and ".pyenv" in path.parent.parts[-2:-1])


def shim_target(root: Path, environ: Mapping[str, str], command: str = "python") -> tuple[Path, str] | None:
    """What the pyenv shim ``command`` would run here: PYENV_VERSION, else the nearest .python-version, else the
    global ``version`` file; the first selected version that has the command wins (as ``pyenv which``).

    Returns the version's prefix and where the version came from; None for ``system`` or nothing installed.
    """
    pyroot = pyenv_root(environ)
    if environ.get("PYENV_VERSION"):
        names, origin = environ["PYENV_VERSION"].split(":"), "PYENV_VERSION"
    else:
        vf = find_version_file(root)
        origin_file = vf or pyroot / "version"
        names, origin = read_version_file(origin_file), str(origin_file)
    for n in names:
        if n == "system":
            return None
        prefix = resolve_pyenv_version(n, pyroot)
        if prefix is not None and any(os.path.exists(prefix / d / command) for d in ("bin", "Scripts")):
            return prefix, origin
    return None
