"""What ``import X`` really runs, across every package, simulated from the files (nothing is imported).

The walk follows Python's own order: a module's parents run first, then its module-level statements top to bottom,
each import entering the module it names (into whichever distribution provides it, found by the same ``Resolver``
the rest of the engine uses). Along the way it checks what the import system would check:

- every submodule an import names exists (``ModuleNotFoundError: No module named 'keras.src.engine'``);
- every ``from M import name`` binds a name M defines: an assignment, def, class, import, ``global`` in a function,
  a name of a star import we can follow, or a submodule (``ImportError: cannot import name 'builder' from
  'google.protobuf.internal' (...)``);
- every attribute that module-level code reads from a module it imported (``np.exceptions.AxisError``) is defined
  there (``AttributeError: module 'numpy' has no attribute 'exceptions'``).

Certain failures only. A module ``__getattr__`` is read (``moduleattr``): a name it raises for on every path is
missing (NumPy 2's ``np.unicode_``). Where the answer depends on code we cannot read — any other ``__getattr__``, writes
through ``globals()``, a star import of an extension, an extension module, module-level code that calls into an
extension of its own package (which may bind names in the module), a package that installs import hooks or edits its
``__path__`` — the verdict is *unknown* and never an error. Imports under an ``if`` on the platform or the Python
version, in a ``try`` that catches ImportError, or inside functions are not followed. Standard library modules are
checked for names but not walked into. A missing top-level package is left to the dependency checks (they know
which distribution to install).

The result depends only on the files: each file's facts come from ``modfacts`` (cached by path, size and mtime),
and the walk stops at ``MAX_MODULES`` modules (then ``complete=False``, the same cut on every run).
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field

from tf_lsp import fastparse, modfacts, prefetch, readahead, runtime_modules, sourcetext
from tf_lsp import resolver as _resolver_module
from tf_lsp.filecache import (
    add_shared,
    cached_by_reads,
    in_pass,
    note,
    recording,
    registered,
    shared_hold,
    shared_reads,
    unrecorded,
)
from tf_lsp.knowledge import runtime_modules as _runtime_knowledge
from tf_lsp.modfacts import ModuleFacts, module_facts
from tf_lsp.moduleattr import lacks
from tf_lsp.resolver import Resolution, Resolver

MAX_MODULES = 20_000
MAX_DEPTH = 300              # nested imports (Python's own recursion limit is about 1,000 frames)
_CACHE_VERSION = 3            # 2: the top-level package's reads are a shared read set; 3: ``tops``
_CODE_FILES = (fastparse.__file__, modfacts.__file__, sourcetext.__file__, _resolver_module.__file__, runtime_modules.__file__,
               _runtime_knowledge.__file__, __file__)
_IMPLICIT = frozenset({"__name__", "__file__", "__path__", "__doc__", "__spec__", "__loader__", "__package__",
                       "__builtins__", "__cached__", "__dict__", "__annotations__"})


@dataclass(frozen=True)
class Failure:
    kind: str                       # "module" | "name" | "attribute"
    module: str                     # the module that lacks it (``google.protobuf.internal``)
    name: str | None                # the name it lacks (``builder``); None for a missing module
    importer: str                   # the module whose code fails ("" for the statement being checked)
    file: str | None                # that module's file
    line: int                       # 1-based line in that file (0 for the statement being checked)
    message: str                    # the exception line Python prints
    via: tuple[str, ...] = ()       # the modules entered from the start down to ``importer``


@dataclass(frozen=True)
class Simulation:
    start: str
    found: bool                                     # the start module itself exists
    failures: tuple[Failure, ...]                   # in the order Python meets them (the first is the one raised)
    unknown: tuple[str, ...]                        # why parts could not be decided
    modules: tuple[str, ...]                        # modules run, in the order they are entered
    extensions: tuple[tuple[str, str], ...]         # (module, file) of extension modules loaded
    complete: bool                                  # False: the walk stopped at MAX_MODULES / MAX_DEPTH
    names: dict = field(default_factory=dict, compare=False)   # name -> True/False/None for the names asked
    tops: tuple[str, ...] = field(default=(), compare=False)   # top-level names of ``modules``, first seen first

    def to_json(self) -> dict:
        return {"start": self.start, "found": self.found, "failures": [[f.kind, f.module, f.name, f.importer, f.file,
                                                                         f.line, f.message, list(f.via)]
                                                                        for f in self.failures],
                "unknown": list(self.unknown), "modules": list(self.modules),
                "extensions": [list(e) for e in self.extensions], "complete": self.complete, "names": self.names,
                "tops": list(self.tops)}

    @staticmethod
    def from_json(d: dict) -> "Simulation":
        return Simulation(d["start"], d["found"],
                          tuple(Failure(k, m, n, i, f, ln, msg, tuple(via)) for k, m, n, i, f, ln, msg, via in d["failures"]),
                          tuple(d["unknown"]), tuple(map(sys.intern, d["modules"])),   # one copy per name, not per result
                          tuple((m, f) for m, f in d["extensions"]),
                          d["complete"], dict(d["names"]), tuple(d["tops"]))


def simulate_import(resolver: Resolver, module: str, *, names: tuple[str, ...] = (),
                    stdlib: frozenset[str] = frozenset(), max_modules: int = MAX_MODULES,
                    running: tuple[str, ...] = ()) -> Simulation:
    """Run ``import module`` (and ``from module import names``) in the simulation. ``running`` are modules
    already in sys.modules, partly run (the packages of the importing file, initialising): not run again.

    The result is kept on disk with the stamps of every file and folder the walk read (``filecache.cached_by_reads``)
    when the resolver says what else it depends on; a stored result is used only while all of them are unchanged."""
    fingerprint = resolver.fingerprint()
    if fingerprint is None:
        return _simulate(resolver, module, names=names, stdlib=stdlib, max_modules=max_modules, running=running)
    key = {"resolver": fingerprint, "module": module, "names": list(names), "stdlib": sorted(stdlib),
           "max": max_modules, "running": list(running)}

    def compute() -> Simulation:
        note(*_CODE_FILES)                  # the walk's own rules: a changed tf-lsp computes again
        # every walk of a ``tensorflow.*`` module first runs ``tensorflow`` itself, the same way each time: within
        # one file's check (``filecache.in_pass``: one state of the disk) that part is walked once, and each
        # statement goes on from a copy of it; its reads are kept once on disk (``filecache.shared_reads``) and
        # each statement's stored result refers to them, checked once per file's check
        share = json.dumps({k: v for k, v in key.items() if k not in ("module", "names")}, sort_keys=True, default=str)
        top = module.split(".")[0]
        base, top_digest, top_reads = in_pass(("simulation-top", share, top),
                                              lambda: _kept_top_walk(resolver, share, top, stdlib=stdlib,
                                                                     max_modules=max_modules, running=running))
        add_shared(top_digest, top_reads)
        return _finish(base.copy(), module, names)

    return cached_by_reads("simulations", key, compute, version=_CACHE_VERSION, encode=Simulation.to_json,
                           decode=Simulation.from_json)


# walks of top-level packages kept across file checks (a server, a tree's worker process): (share, top) -> the
# walk, its shared read set's digest and paths; reused only while every path of that read set is unchanged
_TOP_WALKS: dict[tuple[str, str], tuple["_Walk", str, dict]] = registered({},
    stamp="every path the walk read (its shared read set), checked once per file's check before reuse")
_TOP_WALKS_KEPT = 8


def _kept_top_walk(resolver: Resolver, share: str, top: str, *, stdlib: frozenset[str], max_modules: int,
                   running: tuple[str, ...]) -> tuple["_Walk", str | None, dict]:
    """``_top_walk``, kept in memory for the next file's check while what it read is unchanged (each statement goes
    on from a copy, so the kept walk itself never changes)."""
    hit = _TOP_WALKS.get((share, top))
    if hit is not None and shared_hold(hit[1], hit[2]):
        return hit
    walk, digest, paths = _top_walk(resolver, top, stdlib=stdlib, max_modules=max_modules, running=running)
    if digest is not None:
        _TOP_WALKS.pop((share, top), None)
        _TOP_WALKS[(share, top)] = (walk, digest, paths)
        while len(_TOP_WALKS) > _TOP_WALKS_KEPT:
            _TOP_WALKS.pop(next(iter(_TOP_WALKS)))
    return walk, digest, paths


def _top_walk(resolver: Resolver, top: str, *, stdlib: frozenset[str], max_modules: int,
              running: tuple[str, ...]) -> tuple["_Walk", str | None, dict]:
    """A walk (on a fresh resolver) that has run the top-level package ``top``, as every walk of a module under it
    starts; and the stamps it read, kept as a shared read set (its digest, None when a file changed meanwhile)."""
    with recording() as reads:
        walk = _Walk(resolver.fresh(), stdlib=stdlib, max_modules=max_modules)
        for m in running:
            walk.state[m] = "running"
        walk.run(top, (), 0)
    paths = reads.all_paths()
    return walk, shared_reads(paths), paths


def _simulate(resolver: Resolver, module: str, *, names: tuple[str, ...], stdlib: frozenset[str], max_modules: int,
              running: tuple[str, ...]) -> Simulation:
    walk = _Walk(resolver, stdlib=stdlib, max_modules=max_modules)
    for m in running:
        walk.state[m] = "running"
    return _finish(walk, module, names)


def _finish(walk: "_Walk", module: str, names: tuple[str, ...]) -> Simulation:
    ok = walk.run(module, (), 0)
    verdicts: dict[str, bool | None] = {}
    if ok:
        for n in names:
            if n != "*":
                verdicts[n] = walk.need_name(module, n, importer="", file=None, line=0, via=(module,))
    return Simulation(module, ok, tuple(walk.failures), tuple(dict.fromkeys(walk.unknown)), tuple(walk.order),
                      tuple(walk.extensions), walk.complete, verdicts,
                      tuple(dict.fromkeys(m.split(".")[0] for m in walk.order)))


class _Walk:
    def __init__(self, resolver: Resolver, *, stdlib: frozenset[str], max_modules: int):
        self.resolver = resolver
        self.stdlib = stdlib
        self.max_modules = max_modules
        self.state: dict[str, str] = {}         # module -> running | done | missing | cut
        self.order: list[str] = []
        self.failures: list[Failure] = []
        self.unknown: list[str] = []
        self.extensions: list[tuple[str, str]] = []
        self.complete = True
        self.hooked: set[str] = set()           # top-level packages whose code may make modules that are not files
        self.path_changed = False               # some module that ran changes sys.path
        self._res: dict[str, Resolution] = {}
        self._facts: dict[str, ModuleFacts | None] = {}     # one read per module and walk (one state of the disk)
        self._ahead: Resolver | None = None     # resolves only what to read ahead (``_folders_ahead``)

    def copy(self) -> "_Walk":
        """An independent walk in the same state (its resolver's memo copied too, so what one copy resolves later
        is read, and noted, by that copy)."""
        other = object.__new__(_Walk)
        other.__dict__.update({k: v.copy() if isinstance(v, (dict, list, set)) else v for k, v in self.__dict__.items()})
        other.resolver = self.resolver.fresh()
        other.resolver._memo = dict(self.resolver._memo)
        return other

    def _folders_ahead(self, name: str) -> tuple[str, ...] | None:
        """Where top-level module ``name``'s sources are, to read ahead: a package's folders, or a module's ``.py``
        file (the standard library's too: the walk reads the names they define). A resolver of its own, its reads
        not noted: nothing the walk's answer or read set depends on."""
        if self._ahead is None:
            self._ahead = self.resolver.fresh()
        with unrecorded():
            return readahead.source_locations(self._ahead.resolve(name))

    def resolve(self, name: str) -> Resolution:
        hit = self._res.get(name)
        if hit is None:
            hit = self._res[name] = self.resolver.resolve(name)
        return hit

    def facts(self, name: str) -> ModuleFacts | None:
        try:
            return self._facts[name]
        except KeyError:
            pass
        res = self.resolve(name)
        f = module_facts(res.path) if res.found and res.path and res.path.endswith(".py") else None
        out = self._facts[name] = f if f is not None and f.parsed else None
        return out

    # --- running modules ---------------------------------------------------------------------------------------

    def run(self, name: str, via: tuple[str, ...], depth: int) -> bool:
        """Import ``name`` (parents first). False when it (or a parent) does not exist."""
        st = self.state.get(name)
        if st is not None:
            return st != "missing"
        parent = name.rpartition(".")[0]
        if parent and not self.run(parent, via, depth):
            return False
        if name in self.state:                  # the parent's code imported it
            return self.state[name] != "missing"
        if len(self.order) >= self.max_modules or depth > MAX_DEPTH:
            self.complete = False
            self.state[name] = "cut"
            self.unknown.append(f"the walk stopped at {len(self.order)} modules / depth {depth}: {name} not followed")
            return True
        res = self.resolve(name)
        if not res.found:
            self.state[name] = "missing"
            return False
        self.state[name] = "running"
        self.order.append(name)
        top = name.split(".")[0]
        if res.kind == "extension" and res.path:
            self.extensions.append((name, res.path))
        if top not in self.stdlib:
            if name == top and res.kind == "package":
                # a big package's facts read on every core first, and the packages it imports queued for helpers
                prefetch.package_facts(res.search_locations, follow=self._folders_ahead)
            facts = self.facts(name)
            if facts is not None:
                self._body(name, res, facts, via + (name,), depth)
        self.state[name] = "done"
        return True

    def _body(self, name: str, res: Resolution, facts: ModuleFacts, via: tuple[str, ...], depth: int) -> None:
        if facts.hooks:
            self.hooked.add(name.split(".")[0])
        if facts.syspath:
            self.path_changed = True
        package = name if res.kind == "package" else name.rpartition(".")[0]
        for e in facts.imports:
            if e.conditional or e.branch:
                continue
            full = absolute(e.module, e.level, package)
            if full is None:
                continue
            if not self.need_module(full, importer=name, file=res.path, line=e.line, via=via, depth=depth):
                continue
            for n in e.names:
                if n != "*":
                    self.need_name(full, n, importer=name, file=res.path, line=e.line, via=via, depth=depth)
        for use in facts.uses:
            level = len(use.module) - len(use.module.lstrip("."))
            target = absolute(use.module[level:], level, package)
            if target is not None and self.state.get(target) == "done":
                self.check_attribute(target, use.chain, importer=name, file=res.path, line=use.line, via=via)

    def need_module(self, full: str, *, importer: str, file: str | None, line: int, via: tuple[str, ...],
                    depth: int = 0) -> bool:
        if self.run(full, via, depth + 1):
            return True
        parts = full.split(".")
        missing = next(".".join(parts[:i]) for i in range(1, len(parts) + 1)
                       if self.state.get(".".join(parts[:i])) == "missing")
        parent = missing.rpartition(".")[0]
        if not parent:
            return False                        # a missing top-level package: the dependency checks' finding
        pres = self.resolve(parent)
        if parent.split(".")[0] in self.hooked or (self.path_changed and pres.kind == "namespace") \
                or pres.kind not in ("package", "namespace", "module"):
            # import hooks, an extension module (which may register submodules itself), or a changed sys.path under
            # a namespace package (its portions are looked up again on sys.path; a regular package's submodules are
            # searched in its own __path__ only)
            self.unknown.append(f"{missing}: not a file, but it may be made at run time")
            return False
        msg = f"ModuleNotFoundError: No module named '{missing}'"
        if pres.kind == "module":
            msg += f"; '{parent}' is not a package"
        self._fail("module", missing, None, importer, file, line, msg, via)
        return False

    def need_name(self, module: str, name: str, *, importer: str, file: str | None, line: int,
                  via: tuple[str, ...], depth: int = 0) -> bool | None:
        """``from module import name``: True / False (recorded as a failure) / None (unknown)."""
        sub = f"{module}.{name}"
        if self.resolve(sub).found:             # the import system imports the submodule (a name bound by the
            return self.run(sub, via, depth + 1) or None      # very statement, ``from pkg import sub``, is that)
        verdict = self.defines(module, name)
        if verdict is True:
            return True
        if verdict is None:
            self.unknown.append(f"from {module} import {name}: {module} may define it at run time")
            return None
        res = self.resolve(module)
        where = res.path or "unknown location"
        self._fail("name", module, name, importer, file, line,
                   f"ImportError: cannot import name '{name}' from '{module}' ({where})", via)
        return False

    def check_attribute(self, module: str, chain: tuple[str, ...], *, importer: str, file: str | None, line: int,
                        via: tuple[str, ...]) -> None:
        cur = module
        for attr in chain:
            sub = f"{cur}.{attr}"
            verdict = self.defines(cur, attr)
            if verdict is True or verdict is None:
                # the parent's own code binds the name (TensorFlow's ``from tensorflow._api.v2 import distribute``
                # puts another module than tensorflow/distribute/ there), or it cannot be known: not followed
                return
            if self.state.get(sub) == "done":
                cur = sub                       # an imported submodule the parent does not rebind is its attribute
                continue
            if self.resolve(sub).found:
                return                          # a submodule someone may import later: unknown
            self._fail("attribute", cur, attr, importer, file, line,
                       f"AttributeError: module '{cur}' has no attribute '{attr}'", via)
            return

    # --- names -------------------------------------------------------------------------------------------------

    def defines(self, module: str, name: str, _seen: frozenset[str] = frozenset()) -> bool | None:
        """Does the module's code bind ``name``? None when it cannot be known statically."""
        res = self.resolve(module)
        if not res.found:
            return None
        if name in _IMPLICIT:
            return True
        if res.kind == "namespace":
            # no code: only submodules (checked by the caller), unless sys.path changed (more portions)
            return None if self.path_changed else False
        facts = self.facts(module)
        if facts is None:
            return None                         # extension, builtin, bytecode, zip, unparsable
        if name in facts.defines:
            return True
        if facts.dynamic and facts.getattr_steps is None:
            return None
        if self._calls_own_extension(module, res, facts):
            return None
            return None
        unsure = False
        package = module if res.kind == "package" else module.rpartition(".")[0]
        for star_mod, level in facts.stars:
            target = absolute(star_mod, level, package)
            if target is None or target in _seen:
                unsure = True
                continue
            tfacts = self.facts(target)
            if tfacts is not None and tfacts.all_names is not None:
                if name in tfacts.all_names:
                    return True
                continue
            if name.startswith("_"):
                continue
            v = self.defines(target, name, _seen | {module})
            if v is True:
                return True
            if v is None:
                unsure = True
        if unsure:
            return None
        # a module __getattr__ (the only dynamic part): False only when it raises for this name on every path
        return None if facts.getattr_steps is not None and not lacks(facts.getattr_steps, name) else False

    def _calls_own_extension(self, module: str, res: Resolution, facts: ModuleFacts) -> bool:
        """Module-level code calls a function of an extension module of its own package
        (``torch._C._multiprocessing_init()`` in torch/multiprocessing/__init__.py, which adds
        ``_prctl_pr_set_pdeathsig`` to that module): compiled code may bind names in the module, so a name not found
        in its source is unknown, not missing. Reading an extension's attribute (a base class) is no call."""
        top = module.split(".")[0]
        package = module if res.kind == "package" else module.rpartition(".")[0]
        lines: list[str] | None = None
        for use in facts.uses:
            level = len(use.module) - len(use.module.lstrip("."))
            cur = absolute(use.module[level:], level, package)
            if cur is None or cur.split(".")[0] != top:
                continue
            for i, attr in enumerate((None, *use.chain[:-1][:4])):
                cur = f"{cur}.{attr}" if attr else cur
                if self.resolve(cur).kind != "extension":
                    continue
                if lines is None:
                    lines = _source_lines(res.path)
                called = re.compile(r"\." + r"\s*\.\s*".join(map(re.escape, use.chain[i:])) + r"\s*\(")
                if 0 < use.line <= len(lines) and called.search(lines[use.line - 1]):
                    return True
                break
        return False

    def _fail(self, kind: str, module: str, name: str | None, importer: str, file: str | None, line: int,
              message: str, via: tuple[str, ...]) -> None:
        self.failures.append(Failure(kind, module, name, importer, file, line, message, via))


def _source_lines(path: str | None) -> list[str]:
    from tf_lsp import safeio
    try:
        return safeio.read_source(path).splitlines() if path else []
    except (OSError, ValueError):
        return []


def absolute(module: str, level: int, package: str) -> str | None:
    """The absolute name of ``from {'.' * level}{module} import ...`` inside ``package``."""
    if not level:
        return module or None
    parts = package.split(".") if package else []
    if level - 1 > len(parts) or (level - 1 == len(parts) and not module):
        return None
    base = ".".join(parts[:len(parts) - (level - 1)])
    return f"{base}.{module}" if module and base else (module or base) or None


def describe(f: Failure, *, site_roots: tuple[str, ...] = ()) -> str:
    """``google/protobuf/internal/x_pb2.py:5`` for a failure's place (relative to its site folder when known)."""
    if not f.file:
        return f.importer
    path = f.file
    for root in site_roots:
        if root and path.startswith(root.rstrip(os.sep) + os.sep):
            path = os.path.relpath(path, root)
            break
    return f"{path}:{f.line}"


__all__ = ["Failure", "Simulation", "simulate_import", "absolute", "describe", "MAX_MODULES"]
