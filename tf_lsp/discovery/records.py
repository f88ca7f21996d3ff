"""What the workspace wrote down about its interpreter: editor settings, pyright's config, pdm's pin.

Read only, never executed. VS Code's settings files are JSONC (comments and trailing commas allowed), and
paths in them may use ``${workspaceFolder}``, ``${userHome}``, ``${env:NAME}`` and a leading ``~``.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tf_lsp import safeio


def _toml_module():
    """tomllib (3.11+), else tomlkit; imported on first use (most workspaces are checked without reading TOML)."""
    try:
        import tomllib
        return tomllib
    except ImportError:  # Python 3.10
        import tomlkit
        return tomlkit


@dataclass(frozen=True)
class Record:
    """One place that names an interpreter: ``where`` says where (for the ``why`` sentence)."""

    source: str
    where: str
    value: str            # as written (after variable substitution)
    path: Path            # absolute


def strip_jsonc(text: str) -> str:
    """JSONC -> JSON: drop ``//`` and ``/* */`` comments and trailing commas, leaving strings untouched."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == ",":
            j = i + 1
            while j < n:               # a comma followed (past blanks and comments) by } or ] is dropped
                if text[j].isspace():
                    j += 1
                elif text.startswith("//", j):
                    k = text.find("\n", j)
                    j = n if k < 0 else k
                elif text.startswith("/*", j):
                    k = text.find("*/", j + 2)
                    j = n if k < 0 else k + 2
                else:
                    break
            if j >= n or text[j] not in "}]":
                out.append(c)
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def load_jsonc(path: Path) -> dict[str, Any] | None:
    """A JSONC object file, or None when missing or unreadable (a broken settings file is not ours to judge)."""
    try:
        text = safeio.read_text(path, encoding="utf-8-sig")
    except OSError:
        return None
    try:
        data = json.loads(strip_jsonc(text))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def load_toml(path: Path) -> dict[str, Any] | None:
    try:
        text = safeio.read_text(path)
    except OSError:
        return None
    try:
        data = _toml_module().loads(text)
    except Exception:  # tomllib.TOMLDecodeError / tomlkit's ParseError
        return None
    return data if isinstance(data, dict) else None


def expand(value: str, *, root: Path, environ: Mapping[str, str], base: Path | None = None) -> Path:
    """Substitute VS Code's variables and ``~``; a relative result is taken from ``base`` (default: the root)."""
    home = environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~")
    value = value.replace("${workspaceFolder}", str(root)).replace("${workspaceRoot}", str(root))
    value = value.replace("${workspaceFolderBasename}", root.name).replace("${userHome}", home)
    value = re.sub(r"\$\{env:([^}]*)\}", lambda m: environ.get(m.group(1), ""), value)
    if value == "~" or value.startswith(("~/", "~\\")):
        value = home + value[1:]
    p = Path(value)
    return p if p.is_absolute() else (base or root) / p


def vscode_record(root: Path, environ: Mapping[str, str]) -> Record | None:
    """``python.defaultInterpreterPath`` (or the legacy ``python.pythonPath``) in ``.vscode/settings.json``.

    The default value ``python`` means "not set" to the Python extension, so it is ignored here too.
    """
    data = load_jsonc(root / ".vscode" / "settings.json")
    if not data:
        return None
    for key in ("python.defaultInterpreterPath", "python.pythonPath"):
        value = data.get(key)
        if isinstance(value, str) and value.strip() and value.strip() != "python":
            value = value.strip()
            return Record("vscode-settings", f".vscode/settings.json {key}", value,
                          expand(value, root=root, environ=environ))
    return None


def pyright_record(root: Path, environ: Mapping[str, str], pyproject: dict[str, Any] | None) -> Record | None:
    """``venvPath`` + ``venv`` of pyrightconfig.json, else of ``[tool.pyright]`` / ``[tool.basedpyright]``.

    As pyright does, pyrightconfig.json wins over pyproject.toml; ``venvPath`` is relative to the file's
    folder and defaults to it when only ``venv`` is given.
    """
    sources: list[tuple[str, Any]] = [("pyrightconfig.json", load_jsonc(root / "pyrightconfig.json"))]
    tool = (pyproject or {}).get("tool") or {}
    sources += [(f"pyproject.toml [tool.{k}]", tool.get(k)) for k in ("pyright", "basedpyright")]
    for where, cfg in sources:
        if not isinstance(cfg, dict):
            continue
        venv = cfg.get("venv")
        if not isinstance(venv, str) or not venv.strip():
            if where == "pyrightconfig.json":
                return None        # the file exists and sets no venv: pyright ignores pyproject's then
            continue
        venv_path = cfg.get("venvPath") if isinstance(cfg.get("venvPath"), str) else "."
        folder = expand(venv_path or ".", root=root, environ=environ)
        value = f"{venv_path}/{venv}" if venv_path else venv
        return Record("pyrightconfig", f"{where} venvPath/venv", value, folder / venv.strip())
    return None


def pdm_record(root: Path, environ: Mapping[str, str]) -> Record | None:
    """``.pdm-python``: the interpreter path ``pdm use`` saved for this project."""
    try:
        value = safeio.read_text(root / ".pdm-python").strip()
    except OSError:
        return None
    if not value:
        return None
    return Record("pdm", ".pdm-python", value, expand(value, root=root, environ=environ))


def project_name(pyproject: dict[str, Any] | None) -> str | None:
    """``[project].name``, else ``[tool.poetry].name``."""
    if not pyproject:
        return None
    for table in (pyproject.get("project"), (pyproject.get("tool") or {}).get("poetry")):
        if isinstance(table, dict) and isinstance(table.get("name"), str) and table["name"].strip():
            return table["name"].strip()
    return None


def canonical_name(name: str) -> str:
    """PEP 503 normalization (what poetry and hatch use for the project's name)."""
    return re.sub(r"[-_.]+", "-", name).lower()
