"""Which interpreter will run this workspace's code, and why: found from files alone, never by running one.

Order of precedence (the first source that names a usable interpreter wins):

1. **Explicit**: the ``tfLsp.interpreter`` setting or ``--python``: a path to an interpreter, to an environment
   folder, or a command name looked up on PATH. The user said so; nothing overrides it. A missing or broken
   target is *not* skipped silently: the choice keeps that path and its ``why`` says what is wrong (no exception),
   so the checks report the interpreter as broken instead of quietly judging another one.
2. **The editor's record in the workspace**: ``.vscode/settings.json`` ``python.defaultInterpreterPath`` (JSONC,
   ``${workspaceFolder}``), then pyright's ``venvPath``/``venv`` (pyrightconfig.json, else ``[tool.pyright]``).
   Someone wrote down which interpreter this workspace uses; the editor runs and type-checks with it.
3. **Environments inside the workspace**: ``.venv``, ``venv``, ``env``, ``.env``, any other direct child with
   ``pyvenv.cfg`` or ``conda-meta/``, then pixi's ``.pixi/envs/default`` and its other environments. If one of
   them is the activated environment (``VIRTUAL_ENV``/``CONDA_PREFIX``) it comes first. They beat the tools'
   out-of-tree environments because the tools agree: poetry and pipenv both use an existing ``.venv`` in the
   project before their own cache, and uv ignores a ``VIRTUAL_ENV`` that is not the project's ``.venv``.
4. **The project's tool-managed environments kept elsewhere**: pdm's ``.pdm-python`` (an exact interpreter path
   ``pdm use`` wrote), poetry (``{name}-{hash}-pyX.Y``, the one active in ``envs.toml`` first), pipenv
   (``$WORKON_HOME/{name}-{hash}`` whose ``.project`` points here), hatch's data-dir environments, and the conda
   environment named in ``environment.yml``. Each is looked for only when the project uses that tool.
5. **The activated environment**: ``VIRTUAL_ENV``, then ``CONDA_PREFIX`` unless it is conda's ``base`` (which
   ``conda init`` activates in every shell, so it says nothing about this project). Activation puts the
   environment's ``bin`` first on PATH, so in that shell ``python`` is this one, whatever pyenv says. It comes
   after the project's own environments because the server inherits the variables of whoever started the
   editor, which may be another project's shell.
6. **``.python-version``** (nearest upwards): pyenv's ``$PYENV_ROOT/versions/<v>`` (``3.11`` = latest 3.11.x),
   else ``python3.11`` on PATH (uv reads the file the same way).
7. **Last resorts**: conda's ``base`` when activated, then the first ``python3``/``python`` on PATH; a pyenv shim
   is followed as pyenv would (``PYENV_VERSION``, ``.python-version``, the global ``version`` file).

Nothing found: the choice is ``python3`` with source ``none`` and a ``why`` saying so.

Trust: with ``trusted=False`` an interpreter inside the workspace root (its path, its environment folder, or
where its symlinks lead) is refused, whatever source named it, and the ``why`` says so: running it could run
code from the workspace (a planted ``bin/python``, a ``.pth`` file in its site-packages). This is jedi's safe
mode, but by location rather than jedi's ownership test, and without jedi's helpers: every jedi environment
helper (``find_virtualenvs``, ``find_system_environments``, ``create_environment``) starts the interpreter to
learn its version, which this module must never do on the hot path. ``probe_version`` is the explicit,
time-limited fallback for a caller that wants to ask the interpreter itself.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Iterator, Mapping

from tf_lsp import safeio
from tf_lsp.discovery import records, tools
from tf_lsp.discovery.activation import activation_commands
from tf_lsp.discovery.layout import (
    candidate_from,
    exe_minor,
    inspect_prefix,
    is_env_dir,
    is_inside,
    patchlevel_version,
    prefix_of,
    probe_version,
    relative_to,
)
from tf_lsp.model import Candidate, InterpreterChoice

__all__ = ["discover_environments", "discover_interpreter", "candidate_for", "activation_commands", "probe_version"]

WELL_KNOWN = (".venv", "venv", "env", ".env")
_SKIP_CHILDREN = frozenset({".git", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox"})
_ABSENT = ("no interpreter was set explicitly", "or in the editor's settings",
           "the workspace holds no usable environment", "no tool keeps one for this project",
           "no project environment is activated", "no .python-version names an installed Python")


@dataclass(frozen=True)
class _Lead:
    """A place that points at an interpreter or environment."""

    stage: int              # 0 explicit .. 6 last resort (see the module docstring)
    source: str
    path: Path              # an interpreter or an environment folder
    what: str               # "the virtual environment inside the workspace (found .venv/pyvenv.cfg)"
    kind: str | None = None  # the managing tool, when the folder alone does not say it


def candidate_for(python_or_prefix: Path, *, root: Path | None = None) -> Candidate | None:
    """Describe one environment (folder or interpreter) from its files; None when it is missing or broken."""
    return _describe(Path(python_or_prefix), root=root, environ=os.environ)[0]


def _describe(path: Path, *, root: Path | None, environ: Mapping[str, str], kind: str | None = None,
              name: str | None = None) -> tuple[Candidate | None, str | None]:
    """(candidate, None) or (None, what is wrong)."""
    path = Path(os.path.abspath(path))
    if os.path.isdir(path):
        layout = inspect_prefix(path)
        if layout is None:
            return None, "it is neither an environment nor a Python install (no pyvenv.cfg, conda-meta or bin/python)"
        if layout.problem:
            return None, f"it is broken: {layout.problem}"
        return candidate_from(layout, root=root, kind=_kind(layout.kind, kind, path, root), name=name), None
    if not os.path.lexists(path):
        return None, "it does not exist"
    if not os.path.exists(path):
        return None, f"it is a symlink to {os.readlink(path)}, which is gone"
    if tools.is_pyenv_shim(path, environ):
        target = tools.shim_target(root or Path.cwd(), environ, path.name)
        if target is None:
            return None, "it is a pyenv shim that selects no installed version having it here"
        return _describe(target[0] / "bin" / path.name, root=root, environ=environ, kind=kind, name=name)
    prefix = prefix_of(path)
    layout = inspect_prefix(prefix) if prefix is not None else None
    if layout is None or prefix is None:
        return None, "it is not an interpreter of an environment or Python install this tool can read"
    if layout.kind in ("pyenv", "system"):     # one prefix may hold several Pythons: trust the file's own name
        minor = exe_minor(path)
        if minor and not (layout.version or "").startswith(minor + "."):
            exact = patchlevel_version(prefix)
            layout = replace(layout, version=exact if exact and exact.startswith(minor + ".") else minor)
    return candidate_from(layout, root=root, python=path, kind=_kind(layout.kind, kind, prefix, root), name=name), None


def _kind(found: str, tool: str | None, prefix: Path, root: Path | None) -> str:
    """The tool's name for environments it keeps outside the workspace; what the folder says otherwise."""
    if tool and not (root is not None and is_inside(prefix, root)) and found not in ("pyenv", "system"):
        return tool
    return found


class _Search:
    def __init__(self, root: Path, environ: Mapping[str, str], candidates: list[Candidate] | None):
        self.root = Path(os.path.abspath(root))
        self.environ = environ
        self.known = {os.path.realpath(c.prefix): c for c in candidates or ()}

    @cached_property
    def pyproject(self) -> dict | None:
        return records.load_toml(self.root / "pyproject.toml")

    def pyproject_mentions(self, word: str) -> bool:
        """A cheap look before parsing: most pyproject files never mention pyright."""
        if "pyproject" in self.__dict__:
            return True
        try:
            return word.encode() in safeio.read_bytes(self.root / "pyproject.toml")
        except OSError:
            return False

    def display(self, cand: Candidate) -> str:
        """How the ``why`` names an environment: ``./.venv`` inside the workspace, the interpreter for a system one."""
        return str(cand.python) if cand.kind == "system" and not cand.in_workspace else self.label(cand.prefix)

    def label(self, path: Path) -> str:
        rel = relative_to(path, self.root)
        return str(path) if rel is None else ("." if rel == "." else "./" + rel)

    def describe(self, lead: _Lead) -> tuple[Candidate | None, str | None]:
        cand, problem = _describe(lead.path, root=self.root, environ=self.environ, kind=lead.kind)
        if cand is not None:
            hit = self.known.get(os.path.realpath(cand.prefix))
            if hit is not None and (hit.python == cand.python
                                    or os.path.realpath(hit.python) == os.path.realpath(cand.python)):
                cand = hit                      # the same interpreter: the listed record, so equality holds
        return cand, problem

    # --- the sources, in order ------------------------------------------------------------------------------------

    def editor_leads(self) -> Iterator[_Lead]:
        pyproject = self.pyproject if self.pyproject_mentions("pyright") else None
        for rec in (records.vscode_record(self.root, self.environ),
                    records.pyright_record(self.root, self.environ, pyproject)):
            if rec is not None:
                yield _Lead(1, rec.source, rec.path, f"named by {rec.where} ({rec.value})")

    def _workspace_dirs(self) -> Iterator[str]:
        """Folders that may hold an environment, best first: the usual names, other children, pixi's envs."""
        root = str(self.root)
        yield from (os.path.join(root, n) for n in WELL_KNOWN)
        try:
            with os.scandir(root) as it:
                names = sorted(e.name for e in it if e.name not in WELL_KNOWN and e.name not in _SKIP_CHILDREN
                               and e.is_dir())
        except OSError:
            names = []
        yield from (os.path.join(root, n) for n in names)
        pixi = os.path.join(root, ".pixi", "envs")
        try:
            yield from (os.path.join(pixi, n) for n in sorted(os.listdir(pixi), key=lambda n: n != "default"))
        except OSError:
            pass

    def workspace_leads(self) -> Iterator[_Lead]:
        active = self.activated()
        first = [Path(self.environ[var]) for var in active.values() if is_inside(Path(self.environ[var]), self.root)]
        seen: set[str] = set()
        for d in (*first, *self._workspace_dirs()):
            if not is_env_dir(d):
                continue
            real = os.path.realpath(d)
            if real in seen:
                continue
            seen.add(real)
            marker = "pyvenv.cfg" if os.path.isfile(os.path.join(d, "pyvenv.cfg")) else "conda-meta"
            what = "conda" if marker == "conda-meta" else "virtual"
            note = f" and it is the activated one ({active[real]})" if real in active else ""
            rel = relative_to(Path(d), self.root)
            yield _Lead(2, "workspace-env", Path(d),
                        f"the {what} environment inside the workspace (found {rel}/{marker}{note})")

    def tool_leads(self) -> Iterator[_Lead]:
        rec = records.pdm_record(self.root, self.environ)
        if rec is not None:
            yield _Lead(3, "pdm", rec.path, f"the interpreter pdm recorded for this project in {rec.where}", kind="pdm")
        for source, found in (("poetry", lambda: tools.poetry_envs(self.root, self.pyproject, self.environ)),
                              ("pipenv", lambda: tools.pipenv_envs(self.root, self.environ)),
                              ("hatch", lambda: tools.hatch_envs(self.root, self.pyproject, self.environ)),
                              ("conda", lambda: tools.conda_envs(self.root, self.environ))):
            for prefix, evidence in found():
                yield _Lead(3, source, prefix, f"this project's {source} environment ({evidence})",
                            kind=None if source == "conda" else source)

    def activated(self) -> dict[str, str]:
        out = {}
        for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
            if self.environ.get(var):
                out.setdefault(os.path.realpath(self.environ[var]), var)
        return out

    def _conda_base(self) -> bool:
        prefix = Path(self.environ.get("CONDA_PREFIX", ""))
        return self.environ.get("CONDA_DEFAULT_ENV") == "base" or os.path.isdir(prefix / "condabin")

    def activated_leads(self, *, base: bool) -> Iterator[_Lead]:
        if not base and self.environ.get("VIRTUAL_ENV"):
            yield _Lead(4, "virtual-env", Path(self.environ["VIRTUAL_ENV"]),
                        "the activated virtual environment (VIRTUAL_ENV)")
        if self.environ.get("CONDA_PREFIX") and self._conda_base() == base:
            what = ("conda's base environment, activated (CONDA_PREFIX)" if base
                    else "the activated conda environment (CONDA_PREFIX)")
            yield _Lead(6 if base else 4, "conda-prefix", Path(self.environ["CONDA_PREFIX"]), what)

    def version_file_leads(self, notes: list[str] | None = None) -> Iterator[_Lead]:
        vf = tools.find_version_file(self.root)
        if vf is None:
            return
        pyroot = tools.pyenv_root(self.environ)
        shown = self.label(vf)
        for name in tools.read_version_file(vf):
            if name == "system":
                continue
            prefix = tools.resolve_pyenv_version(name, pyroot)
            if prefix is not None:
                yield _Lead(5, "python-version", prefix, f"pyenv's Python {prefix.name}, named by {shown} ({name})")
                continue
            minor = ".".join(name.removeprefix("python-").split(".")[:2])
            exe = next(iter(w for w in tools.which_all(f"python{minor}", self.environ)
                            if not tools.is_pyenv_shim(w, self.environ)), None) if minor.count(".") == 1 else None
            if exe is not None:
                yield _Lead(5, "python-version", exe, f"python{minor} on PATH, the version {shown} names ({name})")
            elif notes is not None:
                notes.append(f"{shown} names {name}, which is not installed")

    def path_leads(self) -> Iterator[_Lead]:
        seen: set[str] = set()
        for exe_name in ("python3", "python"):
            for exe in tools.which_all(exe_name, self.environ):
                if str(exe) in seen:
                    continue
                seen.add(str(exe))
                if tools.is_pyenv_shim(exe, self.environ):
                    target = tools.shim_target(self.root, self.environ, exe.name)
                    if target is not None:
                        origin = self.label(Path(target[1])) if os.path.sep in target[1] else target[1]
                        yield _Lead(6, "path", target[0] / "bin" / exe.name,
                                    f"what the pyenv shim {exe} runs here (version from {origin})")
                    continue
                yield _Lead(6, "path", exe, f"the first {exe_name} on PATH")
            if seen:
                return

    def leads(self, notes: list[str]) -> Iterator[_Lead]:
        yield from self.editor_leads()
        yield from self.workspace_leads()
        yield from self.tool_leads()
        yield from self.activated_leads(base=False)
        yield from self.version_file_leads(notes)
        yield from self.activated_leads(base=True)
        yield from self.path_leads()


def _explicit_lead(explicit: str, search: _Search, source: str) -> _Lead:
    value = explicit.strip()
    what = {"setting": "set by the tfLsp.interpreter setting", "flag": "given with --python",
            "notebook-setting": "set by the tfLsp.notebookInterpreters setting"}.get(
        source, f"set explicitly ({source})")
    if not any(sep in value for sep in ("/", "\\")) and not value.startswith((".", "~", "$")):
        for found in tools.which_all(value, search.environ):
            if not tools.is_pyenv_shim(found, search.environ) or tools.shim_target(search.root, search.environ, found.name):
                return _Lead(0, source, found, f"{what} ({value}, found on PATH)")
        what += " (not found on PATH either)"
    path = records.expand(value, root=search.root, environ=search.environ)
    return _Lead(0, source, path, what)


def discover_interpreter(root: Path, *, explicit: str | None = None, environ: Mapping[str, str] | None = None,
                         trusted: bool = True, candidates: list[Candidate] | None = None,
                         explicit_source: str = "setting") -> InterpreterChoice:
    """Pick the interpreter for the workspace at ``root`` (see the module docstring for the order and why).

    ``explicit_source`` names where ``explicit`` came from: ``setting`` (tfLsp.interpreter) or ``flag`` (--python).
    ``candidates`` (from ``discover_environments``) are reused so that equal environments are the same records.
    """
    search = _Search(Path(root), os.environ if environ is None else environ, candidates)
    notes: list[str] = []
    if explicit and explicit.strip():
        lead = _explicit_lead(explicit, search, explicit_source)
        cand, problem = search.describe(lead)
        odd = cand is None and (problem or "").startswith("it is not an interpreter of")
        if odd and os.access(lead.path, os.X_OK):
            # an executable we cannot describe (a wrapper script, an unusual install): honour it all the same
            if trusted or not is_inside(lead.path, search.root):
                return InterpreterChoice(python=lead.path, source=lead.source,
                                         why=f"{lead.path}: {lead.what} (its files do not say which Python it is).")
        elif cand is None:
            problem = "it is not an executable file" if odd else problem
            return InterpreterChoice(python=lead.path, source=lead.source,
                                     why=f"{search.label(lead.path)}: {lead.what}, but {problem}.")
        if cand is not None and (trusted or not inside_root(cand, search.root)):
            return InterpreterChoice(python=cand.python, source=lead.source, why=f"{search.display(cand)}: {lead.what}.",
                                     candidate=cand)
        notes.append(_refusal(search.label(lead.path)))
    for lead in search.leads(notes):
        cand, problem = search.describe(lead)
        if cand is None:
            if lead.stage <= 3:
                notes.append(f"skipped {search.label(lead.path)} because {problem}")
            continue
        if not trusted and inside_root(cand, search.root):
            notes.append(_refusal(search.display(cand)))
            continue
        why = f"{search.display(cand)}: {lead.what}{_absence(lead.stage)}{_notes(notes)}."
        return InterpreterChoice(python=cand.python, source=lead.source, why=why, candidate=cand)
    why = f"no interpreter found{_absence(len(_ABSENT))}, and there is no python3 on PATH{_notes(notes)}."
    return InterpreterChoice(python=Path("python3"), source="none", why=why)


def inside_root(cand: Candidate, root: Path) -> bool:
    """Would running ``cand`` run files of ``root``: its environment or its interpreter (symlinks followed) lies there."""
    return cand.in_workspace or is_inside(cand.prefix, root) or is_inside(cand.python, root)


def _refusal(label: str) -> str:
    return f"refused {label} because the workspace is not trusted (running it could run the workspace's code)"


def _notes(notes: list[str]) -> str:
    """Notes joined; refusals merged into one ("refused ./.venv and ./venv because ...")."""
    refused = list(dict.fromkeys(n[len("refused "):n.index(" because the workspace")]
                                 for n in notes if n.startswith("refused ")))
    others = [n for n in notes if not n.startswith("refused ")]
    if refused:
        labels = refused[0] if len(refused) == 1 else ", ".join(refused[:-1]) + " and " + refused[-1]
        others.append(_refusal(labels))
    return "".join("; " + n for n in others)


def _absence(stage: int) -> str:
    """"; no interpreter was set explicitly or in the editor's settings and ..." for the sources before ``stage``."""
    if stage == 0:
        return ""
    parts = [_ABSENT[0] + (" " + _ABSENT[1] if stage >= 2 else ""), *_ABSENT[2:stage]]
    return "; " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])


def discover_environments(root: Path, *, environ: Mapping[str, str] | None = None) -> list[Candidate]:
    """Every candidate environment, deduplicated by resolved prefix (and Python minor version), with kind and version.

    Order: the workspace's records, its own environments, tool-managed ones for this project, VIRTUAL_ENV,
    CONDA_PREFIX, the ``.python-version`` target, pyenv's versions, then Pythons on PATH. Broken environments
    are left out (``discover_interpreter`` names them in its ``why``).
    """
    search = _Search(Path(root), os.environ if environ is None else environ, None)
    pyroot = tools.pyenv_root(search.environ)
    leads: list[_Lead] = [*search.editor_leads(), *search.workspace_leads(), *search.tool_leads(),
                          *search.activated_leads(base=False), *search.activated_leads(base=True),
                          *search.version_file_leads()]
    leads += [_Lead(5, "pyenv", p, "pyenv") for p in tools.pyenv_versions(pyroot)]
    for exe_name in tools.PYTHON_NAMES:
        for exe in tools.which_all(exe_name, search.environ):
            if not tools.is_pyenv_shim(exe, search.environ):
                leads.append(_Lead(6, "path", exe, "PATH"))
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for lead in leads:
        cand, _ = search.describe(lead)
        if cand is None:
            continue
        key = (os.path.realpath(cand.prefix), ".".join((cand.version or "").split(".")[:2]))
        if key not in seen:
            seen.add(key)
            out.append(cand)
    return out
