"""The project model: the ways a file of the workspace can run, and the sys.path each way gives it.

CPython puts the folder of the script being run first on sys.path (``python x.py``), or the working folder
(``python -m pkg.mod``, ``python -m pytest``); pytest inserts the first folder above each test file and conftest.py
without ``__init__.py`` (its default "prepend" import mode) and its ``pythonpath`` ini entries; PYTHONPATH comes next;
the code's own ``sys.path`` edits run at import time. A file can run in several ways: as a script, as a module of
its package, imported by an entry script of another folder, under pytest, from a ``.vscode/launch.json``
configuration. ``run_ways`` lists them, the most likely first, each entry with its reason (shown on hover).

Everything is read from files, cached by mtime, and bounded (a few folders up, a few hundred files per folder).
"""
from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, registered
from tf_lsp.pathedits import PathEdit, file_sys_path_edits, helper_sys_path_edits, sys_path_edits
from tf_lsp.resolver import listing

_MAIN = re.compile(r"^if\s+__name__\s*==\s*['\"]__main__['\"]\s*:", re.M)
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][\w.]*(?:[ \t]*(?:as[ \t]+\w+)?[ \t]*,[ \t]*[A-Za-z_][\w.]*)*))", re.M)
_UP_LEVELS = 4           # how many folders above a file are searched for entry scripts
_FILES_PER_FOLDER = 300  # .py files read per folder in that search


@dataclass(frozen=True)
class PathEntry:
    path: str
    reason: str
    line: int = -1        # a sys.path edit of the checked file: only imports after this line see it
    front: bool = True    # False: appended after the environment's own entries

    def to_json(self) -> dict:
        return {"path": self.path, "reason": self.reason, "line": self.line, "front": self.front}


@dataclass(frozen=True)
class RunWay:
    """One way the file can run: from which folder, and the first-party part of sys.path it gets."""

    label: str                       # "as `python pose_estimation.py` from `raspberry_pi/`"
    run_dir: str                     # the working folder
    entries: tuple[PathEntry, ...]

    def path_for(self, env_path: Sequence[str], line: int) -> tuple[str, ...]:
        """The whole sys.path for an import on ``line``: this way's entries around the environment's."""
        live = [e for e in self.entries if e.line < line]
        head = [e.path for e in live if e.front]
        tail = [e.path for e in live if not e.front]
        return tuple(dict.fromkeys(head + [p for p in env_path if p not in head] + tail))

    def describe(self, *, root: Path) -> list[str]:
        return [f"{_rel(e.path, root)} — {e.reason}" for e in self.entries]

    def to_json(self) -> dict:
        return {"label": self.label, "runDir": self.run_dir, "entries": [e.to_json() for e in self.entries]}


def _rel(path: str, root: Path) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    if rel == ".":
        return "./"
    return path if rel.startswith("..") else rel + "/"


def package_root(folder: str) -> str:
    """The first folder, from ``folder`` up, without ``__init__.py`` (the sys.path entry its package needs)."""
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def module_name(file: str, base: str) -> str | None:
    """``base/ml/movenet.py`` -> ``ml.movenet``; ``base/pkg/__init__.py`` -> ``pkg``; None when not under base."""
    rel = os.path.relpath(file, base)
    if rel.startswith(".."):
        return None
    parts = rel[:-3].split(os.sep) if rel.endswith(".py") else rel.split(os.sep)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def is_test_file(path: str) -> bool:
    name = os.path.basename(path)
    return name == "conftest.py" or (name.startswith("test_") and name.endswith(".py")) or name.endswith("_test.py")


# --- cached reads ------------------------------------------------------------------------------------------------

_SCAN: dict[str, tuple[int, tuple[frozenset[str], bool]]] = registered({},
    stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _import_tops(text: str) -> frozenset[str]:
    """Top-level names a source text imports (a cheap scan of its import lines)."""
    tops: set[str] = set()
    for m in _IMPORT.finditer(text):
        if m.group(1):
            tops.add(m.group(1).split(".")[0])
        else:
            for part in m.group(2).split(","):
                tops.add(part.strip().split()[0].split(".")[0])
    return frozenset(tops)


def _scan_file(path: str) -> tuple[frozenset[str], bool]:
    text = safeio.read_head(path, 200_000)      # a regular file only: a FIFO next to the script cannot hang us
    return _import_tops(text), bool(_MAIN.search(text))


def scan(path: str) -> tuple[frozenset[str], bool]:
    """(top-level names a file imports, whether it has an ``if __name__ == "__main__"`` block), cached."""
    return by_mtime(_SCAN, path, _scan_file, missing=(frozenset(), False))


_JSONC: dict[str, tuple[int, object]] = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _read_jsonc(path: str) -> object:
    from tf_lsp.discovery.records import load_jsonc
    return load_jsonc(Path(path))


def read_jsonc(path: str) -> object:
    """A JSON-with-comments file (VS Code's launch.json), cached by mtime; None when unreadable."""
    return by_mtime(_JSONC, path, _read_jsonc)


_PYTEST: dict[str, tuple[int, tuple[str, ...]]] = registered({},
    stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _read_pytest_pythonpath(path: str) -> tuple[str, ...]:
    if path.endswith(".toml"):
        import tomllib
        try:
            data = tomllib.loads(safeio.read_text(path))
        except ValueError:
            return ()
        value = ((data.get("tool") or {}).get("pytest") or {}).get("ini_options", {}).get("pythonpath")
        if isinstance(value, str):
            return tuple(value.split())
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return ()
    section = "tool:pytest" if path.endswith("setup.cfg") else "pytest"
    return tuple(parser.get(section, "pythonpath", fallback="").split())


def pytest_config(root: Path, start: str | None = None) -> tuple[str, tuple[str, ...]] | None:
    """(rootdir, pythonpath entries) of the pytest config file found as pytest looks for it: from the test's folder
    up to the workspace root, the first folder with pytest.ini / .pytest.ini, or a pyproject.toml / tox.ini /
    setup.cfg that has a pytest section."""
    folder = os.path.abspath(start or str(root))
    while True:
        for name in ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            entries = by_mtime(_PYTEST, path, _read_pytest_pythonpath, missing=())
            if name in ("pytest.ini", ".pytest.ini") or entries or _has_pytest_section(path):
                return folder, entries
        parent = os.path.dirname(folder)
        if os.path.normpath(folder) == os.path.normpath(str(root)) or parent == folder:
            return None
        folder = parent


def _has_pytest_section(path: str) -> bool:
    try:
        text = safeio.read_text(path)
    except OSError:
        return False
    return any(s in text for s in ("[tool.pytest.ini_options]", "[pytest]", "[tool:pytest]"))


# --- the ways a file runs ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PathSource:
    """PYTHONPATH or extraPaths entries that apply to every way, with where they were set."""

    value: str
    reason: str


def _edits(edits: Sequence[PathEdit], whose: str, *, own: bool) -> list[PathEntry]:
    return [PathEntry(e.path, f"{whose} line {e.line + 1}: `{e.source.strip()}`", e.line if own else -1, e.front)
            for e in edits]


def _common(run_dir: str, sources: Sequence[PathSource], own_edits: Sequence[PathEdit], root: Path) -> list[PathEntry]:
    out = []
    for s in sources:
        for p in s.value.split(os.pathsep):
            if p:
                out.append(PathEntry(os.path.normpath(os.path.join(run_dir, p)), s.reason))
    src = root / "src"
    if src.is_dir():
        out.append(PathEntry(str(src), "src/ layout: the project's own packages (importable once it is installed)"))
    out += _edits(own_edits, "this file", own=True)
    return out


def run_ways(root: Path, file: Path, text: str | None = None, *, sources: Sequence[PathSource] = (),
             launch_env: Mapping[str, str] | None = None) -> tuple[RunWay, ...]:
    """The ways ``file`` can run, most likely first (never empty)."""
    root = Path(root)
    file_s = os.path.abspath(str(file))
    folder = os.path.dirname(file_s)
    if text is None:
        try:
            text = safeio.read_source(file_s)
        except OSError:
            text = ""
    has_main = bool(_MAIN.search(text))
    in_package = os.path.isfile(os.path.join(folder, "__init__.py"))
    name = os.path.basename(file_s)

    def own(run_dir: str) -> list[PathEdit]:
        return list(sys_path_edits(text, file=file_s, run_dir=run_dir))

    ways: list[RunWay] = []
    launch = launch_ways(root, file_s, sources=sources, own=own)
    ways += [w for exact, w in launch if exact]
    if is_test_file(file_s):
        ways.append(_pytest_way(root, file_s, sources, own))
    if in_package:
        proot = package_root(folder)
        mod = module_name(file_s, proot) or name
        ways.append(RunWay(f"as the module `{mod}` (`python -m {mod}` from `{_rel(proot, root)}`)", proot,
                           tuple([PathEntry(proot, f"package root: the first folder above {name} without "
                                                   f"__init__.py (the working folder of `python -m {mod}`)")]
                                 + _common(proot, sources, own(proot), root))))
    if has_main or not in_package:
        ways.append(RunWay(f"as the script `python {name}` from `{_rel(folder, root)}`", folder,
                           tuple([PathEntry(folder, f"folder of the script being run (`python {name}`)")]
                                 + _common(folder, sources, own(folder), root))))
    ways += [w for exact, w in launch if not exact]
    ways += entry_script_ways(root, file_s, sources=sources, own=own)
    rmod = module_name(file_s, str(root))
    if rmod and not any(os.path.normpath(w.run_dir) == str(root) for w in ways):
        ways.append(RunWay(f"as `python -m {rmod}` from the workspace root", str(root),
                           tuple([PathEntry(str(root), f"working folder of `python -m {rmod}` (the workspace root)")]
                                 + _common(str(root), sources, own(str(root)), root))))
    ways = [_with_helper_edits(w, text, root) for w in ways]
    out: list[RunWay] = []
    seen: set[tuple] = set()
    for w in ways:
        key = tuple((e.path, e.line, e.front) for e in w.entries)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return tuple(out)


def _with_helper_edits(way: RunWay, text: str, root: Path) -> RunWay:
    """The way, plus the sys.path edits of the helper modules the file imports from its sys.path[0] (``import
    _init_paths``; ktrain's tests' ``import testenv``), each effective after the importing line."""
    head = next((e.path for e in way.entries if e.front and e.line < 0), "")
    if not head or not any(os.path.isfile(os.path.join(head, n + ".py")) for n in _import_tops(text)):
        return way                          # no imported module beside it: nothing to parse
    helpers = helper_sys_path_edits(text, folder=head, run_dir=way.run_dir)
    if not helpers:
        return way
    extra = tuple(PathEntry(h.edit.path, f"{_rel(h.helper, root).rstrip('/')} line {h.edit.line + 1}: "
                                         f"`{h.edit.source.strip()}` (run by `import {h.name}`, line {h.line + 1})",
                            h.line, h.edit.front) for h in helpers)
    return RunWay(way.label, way.run_dir, way.entries + extra)


def _pytest_way(root: Path, file_s: str, sources, own) -> RunWay:
    folder = os.path.dirname(file_s)
    cfg = pytest_config(root, folder if Path(folder).is_relative_to(root) else None)
    entries = [PathEntry(package_root(folder), "pytest (prepend import mode) inserts the first folder above the "
                                               "test file without __init__.py")]
    d = folder
    while True:                                  # conftest.py files from the file's folder up to the root
        if os.path.isfile(os.path.join(d, "conftest.py")) and d != folder:
            entries.append(PathEntry(package_root(d), f"pytest inserts the folder of {_rel(d, root)}conftest.py "
                                                      f"(the first without __init__.py)"))
        if os.path.normpath(d) == str(root) or os.path.dirname(d) == d:
            break
        d = os.path.dirname(d)
    rootdir = cfg[0] if cfg else str(root)
    for p in (cfg[1] if cfg else ()):
        entries.append(PathEntry(os.path.normpath(os.path.join(rootdir, p)), f"pytest `pythonpath = {p}` "
                                                                            f"(relative to the rootdir)"))
    entries.append(PathEntry(str(root), "working folder of `python -m pytest` (the workspace root)"))
    return RunWay(f"under pytest from `{_rel(rootdir, root)}`", rootdir,
                  tuple(entries + _common(rootdir, sources, own(rootdir), root)))


def _substitute(value: str, *, root: Path, file_s: str) -> str:
    reps = {"${workspaceFolder}": str(root), "${workspaceRoot}": str(root), "${file}": file_s,
            "${fileDirname}": os.path.dirname(file_s), "${cwd}": str(root)}
    for k, v in reps.items():
        value = value.replace(k, v)
    return value


def launch_ways(root: Path, file_s: str, *, sources: Sequence[PathSource], own) -> list[tuple[bool, RunWay]]:
    """Ways from ``.vscode/launch.json``: (names this very file?, way)."""
    data = read_jsonc(str(root / ".vscode" / "launch.json"))
    configs = data.get("configurations") if isinstance(data, dict) else None
    out: list[tuple[bool, RunWay]] = []
    for cfg in configs if isinstance(configs, list) else ():
        if not isinstance(cfg, dict) or cfg.get("type") not in ("python", "debugpy", None):
            continue
        label = f"launch.json configuration \"{cfg.get('name', '?')}\""
        cwd = _substitute(str(cfg.get("cwd") or "${workspaceFolder}"), root=root, file_s=file_s)
        cwd = os.path.normpath(os.path.join(str(root), cwd))
        env_table = cfg.get("env")
        env = env_table if isinstance(env_table, dict) else {}
        pp = [PathSource(_substitute(str(env["PYTHONPATH"]), root=root, file_s=file_s),
                         f"PYTHONPATH of the {label}")] if "PYTHONPATH" in env else []
        program, module = cfg.get("program"), cfg.get("module")
        if isinstance(program, str):
            target = os.path.normpath(os.path.join(cwd, _substitute(program, root=root, file_s=file_s)))
            if target != file_s:
                continue
            head = [PathEntry(os.path.dirname(file_s), f"folder of the program of the {label}")]
            exact = "${file}" not in program
        elif isinstance(module, str):
            if module_name(file_s, cwd) != module:
                continue
            head = [PathEntry(cwd, f"working folder (`cwd`) of the {label}, which runs `python -m {module}`")]
            exact = True
        else:
            continue
        out.append((exact, RunWay(f"by the {label} (from `{_rel(cwd, root)}`)", cwd,
                                  tuple(head + _common(cwd, list(pp) + list(sources), own(cwd), root)))))
    return out


def entry_script_ways(root: Path, file_s: str, *, sources: Sequence[PathSource], own) -> list[RunWay]:
    """Scripts in the folders above this file that import its package or module: each runs it from its folder.
    (``raspberry_pi/pose_estimation.py`` imports ``ml.movenet``: ``ml/movenet.py`` runs with ``raspberry_pi/``.)"""
    out: list[RunWay] = []
    folder = os.path.dirname(file_s)
    if os.path.isfile(os.path.join(folder, "__init__.py")):
        # a script beside it, run from this folder, imports it by its own name: the folder is a package too
        # (google/automl's efficientdet/ has an __init__.py, yet `python main.py` there runs `import dataloader`)
        out += _sibling_entry_ways(root, file_s, sources=sources, own=own)
    d = folder
    for _ in range(_UP_LEVELS):
        parent = os.path.dirname(d)
        if parent == d or not Path(parent).is_relative_to(root):
            break
        d = parent
        mod = module_name(file_s, d)
        if mod is None:
            break
        top = mod.split(".")[0]
        names = sorted(n for n in (listing(d) or ()) if n.endswith(".py") and n != "__init__.py")
        for n in names[:_FILES_PER_FOLDER]:
            script = os.path.join(d, n)
            tops, _has_main = scan(script)
            if top not in tops:
                continue
            edits = file_sys_path_edits(script, run_dir=d)
            out.append(RunWay(f"imported by `{_rel(script, root).rstrip('/')}` (`python {n}` from `{_rel(d, root)}`)",
                              d, tuple([PathEntry(d, f"folder of the entry script {n}, which imports `{top}`")]
                                       + _edits(edits, n, own=False) + _common(d, sources, own(d), root))))
    return out


def _sibling_entry_ways(root: Path, file_s: str, *, sources: Sequence[PathSource], own) -> list[RunWay]:
    """Scripts (with a ``__main__`` block) in the file's own folder that import it by its bare name."""
    folder = os.path.dirname(file_s)
    stem = os.path.basename(file_s)[:-3]
    if not stem.isidentifier() or stem == "__init__":
        return []
    out: list[RunWay] = []
    names = sorted(n for n in (listing(folder) or ()) if n.endswith(".py") and n not in ("__init__.py",
                                                                                         os.path.basename(file_s)))
    for n in names[:_FILES_PER_FOLDER]:
        script = os.path.join(folder, n)
        tops, has_main = scan(script)
        if stem not in tops or not has_main:
            continue
        edits = file_sys_path_edits(script, run_dir=folder)
        out.append(RunWay(f"imported by `{_rel(script, root).rstrip('/')}` (`python {n}` from `{_rel(folder, root)}`)",
                          folder, tuple([PathEntry(folder, f"folder of the entry script {n}, which imports `{stem}`")]
                                        + _edits(edits, n, own=False) + _common(folder, sources, own(folder), root))))
        break                   # one such script says it: the others give the same sys.path
    return out
