"""The static import closure of an installed package: which modules run, and which outside packages they
import, when ``import pkg.sub`` executes — read from the source with ``ast`` (``tf_lsp.modfacts``), nothing is
imported.

Which statements count (module level, class bodies, guarded imports skipped, platform / version tests marked
conditional) is told in ``tf_lsp.modfacts``.

The result is a function of the files on disk only: each file's facts are cached by its path, size and mtime
(``filecache.cached_by_stamp``, shared by every distribution and process), and a result kept in memory is used only
while every file and folder it was read from still has the same stamp. There is no time budget. The walk stops at
``MAX_MODULES`` modules; a closure cut there says so (``complete=False``) — the same cut on every run, since the walk
order comes from the files' contents — and callers treat what it did not see as unknown.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Iterable

from tf_lsp import modfacts, prefetch
from tf_lsp.fastparse import parse_for_imports
from tf_lsp.filecache import (
    Stamp,
    add_reads,
    cached_by_reads,
    in_pass,
    is_recording,
    note,
    recording,
    registered,
    stamp,
)
from tf_lsp.modfacts import module_facts
from tf_lsp.modfacts import module_level_imports as _module_level_imports

MAX_MODULES = 20_000      # modules in one closure (TensorFlow 2.x: about 3,000)
_CACHE_VERSION = 1
_CODE_FILES = (modfacts.__file__, __file__)


@dataclass(frozen=True)
class Closure:
    module: str                        # where the walk started (its parents were walked too)
    externals: frozenset[str]          # top-level names of outside packages imported unconditionally
    conditional: frozenset[str]        # ... imported only under an if on platform / version
    modules: frozenset[str]            # package-internal modules that run (found as files)
    unresolved: frozenset[str]         # package-internal names imported but not found as a source/extension file
    files: int                         # modules in the closure
    complete: bool                     # False when the walk stopped at MAX_MODULES

    def needs(self, import_name: str) -> bool | None:
        """True: imported at import time; False: not (closure complete); None: not seen but we cannot be sure."""
        if import_name in self.externals:
            return True
        if self.complete and import_name not in self.conditional:
            return False
        return None


class ModuleGraph:
    """Where the modules of one installed package tree are, and what each one imports (from its file's facts)."""

    def __init__(self, location: str, top: str):
        self.location = location
        self.top = top
        self.read: dict[str, Stamp | None] = {}        # files and folders consulted -> their stamp
        self._listed: dict[str, dict[str, tuple[bool, bool]]] = {}

    def _stat(self, path: str) -> Stamp | None:
        st = stamp(path)
        self.read.setdefault(path, st)
        return st

    # --- files -------------------------------------------------------------------------------------------------

    def _entries(self, folder: str) -> dict[str, tuple[bool, bool]]:
        """name -> (is a folder, is a file) for the entries of ``folder``, listed once per walk (a ``from m import
        name`` asks whether ``m.name`` is a module for every name it imports); the folder's stamp is noted."""
        hit = self._listed.get(folder)
        if hit is None:
            self._stat(folder)
            hit = {}
            try:
                with os.scandir(folder) as it:
                    for e in it:
                        try:
                            hit[e.name] = (e.is_dir(), e.is_file())
                        except OSError:
                            hit[e.name] = (False, False)
            except OSError:
                pass
            self._listed[folder] = hit
        return hit

    def file_of(self, module: str) -> tuple[str | None, bool]:
        """(source file, is_package) of a package-internal module; (None, _) when it is not a .py file."""
        base = os.path.join(self.location, *module.split("."))
        folder, tail = os.path.split(base)
        entry = self._entries(folder).get(tail)
        if entry is not None and entry[0] and self._entries(base).get("__init__.py", (False, False))[1]:
            return os.path.join(base, "__init__.py"), True
        if self._entries(folder).get(tail + ".py", (False, False))[1]:
            return base + ".py", False
        return None, entry is not None and entry[0]

    def is_module(self, module: str) -> bool:
        base = os.path.join(self.location, *module.split("."))
        folder, tail = os.path.split(base)
        entries = self._entries(folder)
        if entries.get(tail, (False, False))[0] or entries.get(tail + ".py", (False, False))[1]:
            return True
        return any(n.startswith(tail + ".") and n.endswith((".so", ".pyd")) for n in entries)

    def edges(self, module: str) -> tuple[str | None, list[tuple[str, str, bool]]]:
        """(file, [(name, "int" | "ext", conditional)]) of one module."""
        path, is_pkg = self.file_of(module)
        base = os.path.join(self.location, *module.split("."))
        self._stat(base)
        self._stat(os.path.dirname(base))
        out: list[tuple[str, str, bool]] = []
        if path is not None:
            self._stat(path)
            facts = module_facts(path)
            if facts is not None:
                package = module if is_pkg else module.rpartition(".")[0]
                for e in facts.imports:
                    out.extend(self._edges(e.module, e.level, e.names, e.conditional, package))
        return path, out

    def _edges(self, name: str, level: int, names: tuple[str, ...], cond: bool, package: str) -> Iterable[tuple[str, str, bool]]:
        if level:
            parts = package.split(".") if package else []
            if level - 1 > len(parts):
                return
            base = ".".join(parts[:len(parts) - (level - 1)])
            full = f"{base}.{name}" if name and base else (name or base)
        else:
            full = name
        top = full.split(".")[0]
        if not top:
            return
        if top != self.top:
            yield top, "ext", cond
            return
        parts = full.split(".")
        for i in range(1, len(parts) + 1):
            yield ".".join(parts[:i]), "int", cond
        for n in names:
            if n != "*" and self.is_module(f"{full}.{n}"):
                yield f"{full}.{n}", "int", cond


# --- the public entry point ------------------------------------------------------------------------------------

_CLOSURES: dict[tuple[str, str, int], tuple[dict[str, Stamp | None], Closure]] = registered({},
    stamp='the stamp of every file and folder the walk read')


def import_closure(module: str, *, location: str, metadata_dir: str | os.PathLike | None = None,
                   max_files: int = MAX_MODULES) -> Closure:
    """What ``import module`` runs inside its own package (found under ``location``) and which outside top-level
    names that code imports. Parents of ``module`` are part of the walk, as they run first. ``metadata_dir`` is
    accepted for callers that have it; the answer depends only on the package's files.

    Kept in memory and on disk (``filecache.cached_by_reads``) with the stamp of every file and folder the walk
    read, used only while each is unchanged; checked once per ``filecache.one_pass`` (one file's check asks for
    the same closure once per statement)."""
    key = (os.path.normpath(location), module, max_files)
    reads, result = in_pass(("import-closure", key), lambda: _checked(key))
    if is_recording():
        add_reads(reads)
    return result


def _checked(key: tuple[str, str, int]) -> tuple[dict[str, Stamp | None], Closure]:
    hit = _CLOSURES.get(key)
    if hit is not None and all(stamp(p) == st for p, st in hit[0].items()):
        return hit
    location, module, max_files = key

    def compute() -> Closure:
        note(*_CODE_FILES)                  # the walk's own rules: a changed tf-lsp computes again
        return _walk(module, location, max_files)

    with recording() as reads:
        result = cached_by_reads("closures", list(key), compute, version=_CACHE_VERSION, encode=_encode,
                                 decode=_decode)
    hit = _CLOSURES[key] = (reads.all_paths(), result)
    return hit


def _encode(c: Closure) -> dict:
    return {"module": c.module, "externals": sorted(c.externals), "conditional": sorted(c.conditional),
            "modules": sorted(c.modules), "unresolved": sorted(c.unresolved), "files": c.files,
            "complete": c.complete}


def _decode(d: dict) -> Closure:
    return Closure(d["module"], frozenset(d["externals"]), frozenset(d["conditional"]),
                   frozenset(map(sys.intern, d["modules"])), frozenset(d["unresolved"]), d["files"], d["complete"])


def _walk(module: str, location: str, max_files: int) -> Closure:
    top = module.split(".")[0]
    if os.path.isdir(os.path.join(location, top)):
        prefetch.package_facts([os.path.join(location, top)])    # a big package's facts read on every core first
    graph = ModuleGraph(location, top)
    parts = module.split(".")
    start = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    seen: dict[str, bool] = {}        # module -> conditional
    queue = [(m, False) for m in start]
    externals: set[str] = set()
    conditional: set[str] = set()
    unresolved: set[str] = set()
    complete = True
    while queue:
        mod, cond = queue.pop()
        if mod in seen and (seen[mod] is False or cond):
            continue
        if mod not in seen and len(seen) >= max_files:
            complete = False
            continue
        seen[mod] = cond
        path, edges = graph.edges(mod)
        if path is None and not graph.is_module(mod):
            unresolved.add(mod)
        for name, kind, c in edges:
            c = c or cond
            if kind == "ext":
                (conditional if c else externals).add(name)
            elif name not in seen or (seen[name] and not c):
                queue.append((name, c))
    conditional -= externals
    result = Closure(module, frozenset(externals), frozenset(conditional),
                     frozenset(m for m in seen if m not in unresolved), frozenset(unresolved), len(seen), complete)
    return result


def clear_memory_cache() -> None:
    """Forget the closures kept in memory (the per-file facts on disk stay; they are checked against their files)."""
    from tf_lsp.filecache import clear_memory

    _CLOSURES.clear()
    clear_memory()


__all__ = ["Closure", "import_closure", "clear_memory_cache", "parse_for_imports", "_module_level_imports", "MAX_MODULES"]
