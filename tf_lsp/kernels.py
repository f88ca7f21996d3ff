"""Which interpreter runs a notebook: its kernel's. ``metadata.kernelspec.name`` names a kernelspec folder in one of
Jupyter's data directories; its ``kernel.json`` ``argv[0]`` is the interpreter. Everything is read from files:
nothing is run to find a kernel. Before the kernelspec come the editor's own choice for the notebook and the
``notebookInterpreters`` setting (glob pattern -> interpreter), see :meth:`KernelWorkspaces.workspace_for`.

Search order, as ``jupyter --paths`` lists data directories (https://docs.jupyter.org/en/latest/use/jupyter-directories.html):
``$JUPYTER_PATH``, the user's data directory (``$JUPYTER_DATA_DIR``, ``$XDG_DATA_HOME/jupyter``,
``~/.local/share/jupyter``, ``~/Library/Jupyter``), ``share/jupyter`` of the workspace's interpreter and of every
other environment found, then ``/usr/local/share/jupyter`` and ``/usr/share/jupyter``.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tf_lsp import safeio
from tf_lsp.model import InterpreterChoice

if TYPE_CHECKING:
    from tf_lsp.workspace import Workspace


@dataclass(frozen=True)
class KernelSpec:
    name: str
    file: Path                  # .../kernels/<name>/kernel.json
    argv0: str
    python: Path | None         # argv[0] resolved to a file (None: a bare name with no environment to resolve it in)
    display_name: str | None = None


def data_dirs(*, environ: Mapping[str, str], prefixes: Iterable[Path]) -> list[Path]:
    out: list[Path] = [Path(p) for p in environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    home = Path(environ.get("HOME") or os.path.expanduser("~"))
    if environ.get("JUPYTER_DATA_DIR"):
        out.append(Path(environ["JUPYTER_DATA_DIR"]))
    if environ.get("XDG_DATA_HOME"):
        out.append(Path(environ["XDG_DATA_HOME"]) / "jupyter")
    out += [home / ".local" / "share" / "jupyter", home / "Library" / "Jupyter"]
    out += [Path(p) / "share" / "jupyter" for p in prefixes]
    out += [Path("/usr/local/share/jupyter"), Path("/usr/share/jupyter")]
    return list(dict.fromkeys(out))


def find_kernelspec(name: str, dirs: Iterable[Path]) -> KernelSpec | None:
    """The first ``kernels/<name>/kernel.json`` with a usable ``argv`` (Jupyter matches names case-insensitively)."""
    for d in dirs:
        kernels = Path(d) / "kernels"
        try:
            entries = {e.lower(): e for e in os.listdir(kernels)}
        except OSError:
            continue
        folder = entries.get(name.lower())
        if folder is None:
            continue
        spec = _read(kernels / folder / "kernel.json", folder)
        if spec is not None:
            return spec
    return None


def _read(file: Path, name: str) -> KernelSpec | None:
    try:
        data = json.loads(safeio.read_text(file))
    except (OSError, ValueError):
        return None
    argv = data.get("argv") if isinstance(data, dict) else None
    if not isinstance(argv, list) or not argv or not isinstance(argv[0], str) or not argv[0]:
        return None
    argv0 = argv[0]
    display = data.get("display_name") if isinstance(data.get("display_name"), str) else None
    return KernelSpec(name, file, argv0, _resolve(argv0, file), display)


def _resolve(argv0: str, file: Path) -> Path | None:
    """An absolute argv[0] as is; a bare ``python``/``python3`` in the environment whose ``share/jupyter/kernels``
    holds the spec (``<prefix>/share/jupyter/kernels/<name>/kernel.json``)."""
    if os.path.isabs(argv0):
        return Path(argv0)
    if "/" in argv0 or "\\" in argv0:
        return None
    parts = file.parents
    if len(parts) >= 5 and parts[1].name == "kernels" and parts[2].name == "jupyter" and parts[3].name == "share":
        prefix = parts[4]
        for sub in ("bin", "Scripts", ""):
            cand = prefix / sub / argv0 if sub else prefix / argv0
            if cand.is_file():
                return cand
    return None


def kernel_choice(ws, name: str | None) -> InterpreterChoice | None:
    """The interpreter of the kernel ``name`` for workspace ``ws``; None when the kernel is unknown here (Jupyter
    then starts its own default kernel: the workspace's interpreter is the best guess)."""
    if not name:
        return None
    from tf_lsp.interpreters import candidate_for

    prefixes = [Path(ws.choice.python).parent.parent] + [c.prefix for c in ws.candidates]
    spec = find_kernelspec(name, data_dirs(environ=ws.environ, prefixes=prefixes))
    if spec is None or spec.python is None:
        return None
    python = Path(os.path.abspath(spec.python))
    cand = candidate_for(python, root=ws.root)
    return InterpreterChoice(python=python, source="kernel", candidate=cand,
                             why=f"kernel '{spec.name}' from {spec.file} (the notebook's metadata.kernelspec.name)")


def glob_match(pattern: str, path: Path, root: Path) -> bool:
    """Whether a ``notebookInterpreters`` pattern names ``path``: without ``/`` it matches the file name; with one,
    the path from ``root`` (absolute and ``~`` patterns: the absolute path), ``*`` and ``?`` staying inside one
    folder and ``**`` crossing any number of them (as VS Code's ``files.associations`` reads its patterns)."""
    pattern = pattern.strip().replace("\\", "/")
    if "/" not in pattern:
        return _glob_regex(pattern).fullmatch(path.name) is not None
    if pattern == "~" or pattern.startswith("~/"):
        pattern = os.path.expanduser("~") + pattern[1:]
    if pattern.startswith("/"):
        target = Path(os.path.abspath(path)).as_posix()
    else:
        try:
            target = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
        except ValueError:
            return False
        pattern = pattern.removeprefix("./")
    return _glob_regex(pattern).fullmatch(target) is not None


def _glob_regex(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i])))
            i += 1
    return re.compile("".join(out))


def setting_choice(ws, path: Path) -> InterpreterChoice | None:
    """The interpreter the ``notebookInterpreters`` setting names for the notebook at ``path`` (first matching
    pattern), resolved like ``tfLsp.interpreter`` (an environment folder, ``~``, relative to the workspace); None
    when no pattern matches. Nothing is run here; an interpreter inside an untrusted workspace is later only read
    (Workspace.static)."""
    for pattern, value in ws.settings.notebook_interpreters.items():
        if glob_match(pattern, Path(path), ws.root):
            from tf_lsp.interpreters import discover_interpreter

            found = discover_interpreter(ws.root, explicit=value, environ=ws._process_env, trusted=True,
                                         candidates=ws.candidates, explicit_source="notebook-setting")
            why = found.why.rstrip(".") + f" for notebooks matching '{pattern}'."
            return InterpreterChoice(python=found.python, source="notebook-setting", why=why,
                                     candidate=found.candidate)
    return None


class KernelWorkspaces:
    """One engine Workspace per kernel interpreter, made once and shared by the notebooks using it."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self._by_python: dict[str, Workspace] = {}

    def workspace_for(self, path: Path, kernel_name: str | None, *, python: str | None = None
                      ) -> tuple[Workspace, InterpreterChoice | None]:
        """(workspace, choice) for a notebook: ``python`` (the editor's own choice for this notebook), else the
        ``notebookInterpreters`` setting, else the kernelspec. choice is None when the workspace's interpreter is
        used for want of any of them."""
        if python:
            choice = InterpreterChoice(python=Path(python), source="editor",
                                       why="the interpreter the editor chose for this notebook")
        else:
            choice = setting_choice(self.ws, path) or kernel_choice(self.ws, kernel_name)
        if choice is None:
            return self.ws, None
        key = str(choice.python)
        if key == str(self.ws.choice.python):
            return self.ws, choice
        hit = self._by_python.get(key)
        if hit is None:
            from tf_lsp.workspace import Workspace

            hit = Workspace(self.ws.root, settings=self.ws.settings, environ=self.ws._process_env, choice=choice,
                            candidates=self.ws.candidates)
            self._by_python[key] = hit
        return hit, choice

    def refresh(self) -> bool:
        changed = [w.refresh() for w in self._by_python.values()]      # every one, not up to the first
        return any(changed)


__all__ = ["KernelSpec", "KernelWorkspaces", "data_dirs", "find_kernelspec", "glob_match", "kernel_choice",
           "setting_choice"]
