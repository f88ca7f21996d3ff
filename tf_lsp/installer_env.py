"""Where and how installers run: a working folder of tf-lsp's own, an environment without the workspace's paths,
and, said in words, the index an install will take packages from.

The workspace never takes part: ``python -I -m pip`` from a neutral folder (so a ``pip/`` package planted in the
workspace is not what runs), uv with ``--no-config`` unless the user opted in for a trusted workspace (so the
project's ``[tool.uv]`` / ``uv.toml`` cannot point it at other packages), and PYTHONPATH without workspace entries.
pip reads its configuration from PIP_* variables, ``PIP_CONFIG_FILE``, the user's and the machine's files and the
environment's own ``pip.conf`` (``sys.prefix``) — never from the working folder (pip's ``configuration.py``:
``get_configuration_files``), so the neutral folder is all it takes for pip.
"""
from __future__ import annotations

import configparser
import os
import re
from pathlib import Path
from typing import Mapping

from tf_lsp import safeio
from tf_lsp.filecache import cache_root

DEFAULT_INDEX = "the default index"


def neutral_cwd() -> Path:
    """A folder owned by tf-lsp, empty of anything a tool could pick up, to run installers from."""
    d = cache_root() / "installer-cwd"
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return d


def installer_environ(root: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The installer's environment: the server's own (never the workspace's ``.env`` or ``tfLsp.env``), with
    PYTHONPATH entries inside the workspace removed."""
    env = dict(os.environ if environ is None else environ)
    root = Path(root).resolve()
    pp = env.get("PYTHONPATH")
    if pp is not None:
        kept = [p for p in pp.split(os.pathsep) if p and not _inside(p, root)]
        if kept:
            env["PYTHONPATH"] = os.pathsep.join(kept)
        else:
            env.pop("PYTHONPATH")
    return env


def _inside(path: str, root: Path) -> bool:
    try:
        p = Path(path).resolve()
    except (OSError, RuntimeError):
        return True
    return p == root or root in p.parents


def _redact(url: str) -> str:
    """An index URL without credentials (``https://user:token@host/`` -> ``https://host/``)."""
    return re.sub(r"(?<=://)[^/@\s]*@", "", url.strip())


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _pip_config_files(python: str, environ: Mapping[str, str]) -> list[Path]:
    """pip's files in its order of precedence, lowest first: global, user, site (the environment's), PIP_CONFIG_FILE."""
    home = Path(environ.get("HOME") or os.path.expanduser("~"))
    xdg_dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    xdg_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs] + [Path("/etc/pip.conf")]
    files += [home / ".pip" / "pip.conf", xdg_home / "pip" / "pip.conf"]
    files.append(Path(python).parent.parent / "pip.conf")
    if environ.get("PIP_CONFIG_FILE") and environ["PIP_CONFIG_FILE"] != os.devnull:
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    return files


def _pip_config(python: str, environ: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if environ.get("PIP_CONFIG_FILE") == os.devnull:
        return out
    for f in _pip_config_files(python, environ):
        parser = configparser.RawConfigParser()
        try:
            parser.read(f, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key in ("index-url", "no-index", "find-links"):
                    if parser.has_option(section, key):
                        out[key] = parser.get(section, key)
    return out


def uv_user_config(root: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """The user's (else the machine's) ``uv.toml``, which ``--no-config`` would skip: passed back to uv with
    ``--config-file`` so the user's own index settings still hold. None when UV_CONFIG_FILE already names one,
    when there is none, or when it lies inside the workspace."""
    env = os.environ if environ is None else environ
    if env.get("UV_CONFIG_FILE"):
        return None
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    user = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "uv" / "uv.toml"
    system = [Path(d) / "uv" / "uv.toml" for d in (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)]
    for f in [user, *system, Path("/etc/uv/uv.toml")]:
        if f.is_file() and not _inside(str(f), Path(root).resolve()):
            return f
    return None


def _uv_file_settings(path: Path | None) -> dict:
    if path is None:
        return {}
    import tomllib
    try:
        data = tomllib.loads(safeio.read_text(path, errors="strict"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    out = {k: data[k] for k in ("index-url", "no-index", "find-links") if k in data}
    pip_table = data.get("pip")
    pip = pip_table if isinstance(pip_table, dict) else {}
    out.update({k: pip[k] for k in ("index-url", "no-index", "find-links") if k in pip})
    for idx in data.get("index") or []:
        if isinstance(idx, dict) and idx.get("default") and isinstance(idx.get("url"), str):
            out.setdefault("index-url", idx["url"])
    return out


def describe_index(manager: str, python: str, *, environ: Mapping[str, str] | None = None,
                   project_config: bool = False, uv_config_file: Path | None = None) -> str:
    """Where an install will take packages from, as the installer will see it (``from <this>``)."""
    env = os.environ if environ is None else environ
    if manager == "uv":
        conf = _uv_file_settings(uv_config_file)
        links = env.get("UV_FIND_LINKS") or (" ".join(conf["find-links"]) if isinstance(conf.get("find-links"), list)
                                              else None)
        no_index = _truthy(env.get("UV_NO_INDEX")) if "UV_NO_INDEX" in env else conf.get("no-index") is True
        if no_index:
            where = f"{links} only (no index)" if links else "no index"
        else:
            url = env.get("UV_DEFAULT_INDEX") or env.get("UV_INDEX_URL") or conf.get("index-url")
            where = _redact(url) if isinstance(url, str) and url else DEFAULT_INDEX
            where += f" and {links}" if links else ""
        return where + (" or the project's uv settings" if project_config else "")
    if manager != "pip":
        return f"the sources {manager} is configured with"
    conf = _pip_config(python, env)
    no_index = _truthy(env.get("PIP_NO_INDEX")) if "PIP_NO_INDEX" in env else _truthy(conf.get("no-index"))
    links = env.get("PIP_FIND_LINKS") or conf.get("find-links")
    if no_index:
        return f"{links.strip()} only (no index)" if links else "no index"
    url = env.get("PIP_INDEX_URL") or conf.get("index-url")
    where = _redact(url) if url else DEFAULT_INDEX
    return where + (f" and {links.strip()}" if links else "")
