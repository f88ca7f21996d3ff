"""First-party imports, judged the way the code really runs (the ways of tf_lsp.project).

- ``choose_way``: resolve an import in the file's most likely way; when it fails there but works in another way,
  use that way and say so (TFL120, information: "resolves when run from `raspberry_pi/`").
- ``closure_failures``: a first-party module that exists can still fail to import: follow its module-level imports
  (a bounded closure, cached by file mtime) and report what really fails there, with that failure's own fix.
"""
from __future__ import annotations

import ast
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tf_lsp import safeio
from tf_lsp.filecache import Stamp, by_mtime, registered, stamp
from tf_lsp.imports import ImportedName, ImportStmt
from tf_lsp.model import Finding, Range, Severity
from tf_lsp.pathedits import file_sys_path_edits
from tf_lsp.resolver import Resolution, Resolver

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.project import RunWay
    from tf_lsp.workspace import Workspace

_MAX_FILES = 60      # first-party files followed per statement
_MAX_DEPTH = 12


def _rel(path: str, root: Path) -> str:
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel


def choose_way(ws: "Workspace", ways: tuple["RunWay", ...], stmt: ImportStmt
               ) -> tuple["RunWay", Resolver, Resolution, Finding | None]:
    """(way, its resolver, the resolution, a TFL120 note when only a later way resolves the import)."""
    primary = ways[0]
    resolver = ws.way_resolver(primary, stmt.line)
    res = resolver.resolve(stmt.module)
    if res.found:
        return primary, resolver, res, None
    for way in ways[1:]:
        other = ws.way_resolver(way, stmt.line)
        hit = other.resolve(stmt.module)
        if hit.found:
            from tf_lsp.knowledge.codes import CODES
            where = _rel(hit.path or (hit.search_locations[0] if hit.search_locations else "?"), ws.root)
            run_from = _rel(way.run_dir, ws.root)
            run_from = "./" if run_from == "." else run_from + "/"
            msg = (f"`{stmt.module}` resolves when run from `{run_from}` ({where}; {way.label}), but not "
                   f"{primary.label}: there it fails with No module named '{res.failed_at}'.")
            details = (f"works {way.label}:",) + tuple("  " + d for d in way.describe(root=ws.root)) + \
                      (f"fails {primary.label}:",) + tuple("  " + d for d in primary.describe(root=ws.root))
            note = Finding(range=stmt.range, severity=CODES["TFL120"].severity, code="TFL120",
                           name=CODES["TFL120"].name, message=msg, module=stmt.module, details=details)
            return way, other, hit, note
    return primary, resolver, res, None


def ways_details(ways: tuple["RunWay", ...], root: Path) -> tuple[str, ...]:
    """Hover lines: each way tried, and its first-party sys.path with the reason of each entry."""
    out: list[str] = []
    for w in ways:
        out.append(f"sys.path {w.label}:")
        out += ["  " + d for d in w.describe(root=root)]
    return tuple(out)


def is_first_party(ws: "Workspace", path: str | None) -> bool:
    """A file of the workspace that is not part of an environment (a .venv inside the workspace is not)."""
    if not path:
        return False
    key = ("first-party-prefixes",)
    prefixes = ws.memo.get(key)
    if prefixes is None:
        snap = ws.env.snapshot
        prefixes = ws.memo[key] = tuple(os.path.join(os.path.normpath(p), "") for p in (snap.prefix, *snap.site_packages) if p)
    path = os.path.normpath(path)
    return path.startswith(os.path.join(str(ws.root), "")) and not path.startswith(prefixes)


_IMPORTS: dict[str, tuple[int, tuple[ImportStmt, ...]]] = registered({},
    stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _certain_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that surely run when the module runs: the module body, unguarded ``try`` blocks,
    ``with`` and class bodies. Nothing under an ``if`` (a platform or version test, a ``__main__`` block, a flag:
    which branch runs is not known), nothing in functions."""
    out: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        elif isinstance(node, ast.Try) and not any(h.type is None or "Error" in ast.unparse(h.type)
                                                   or "Exception" in ast.unparse(h.type) for h in node.handlers):
            out += _certain_imports(node.body) + _certain_imports(node.orelse) + _certain_imports(node.finalbody)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            out += _certain_imports(node.body)
    return out


def _stmts(node: ast.Import | ast.ImportFrom) -> list[ImportStmt]:
    rng = Range.of(node.lineno - 1, node.col_offset, (node.end_lineno or node.lineno) - 1, node.end_col_offset or 0)
    if isinstance(node, ast.Import):
        return [ImportStmt(module=a.name, level=0, range=rng, statement_range=rng) for a in node.names]
    names = tuple(ImportedName(a.name, rng, a.asname) for a in node.names if a.name != "*")
    return [ImportStmt(module=node.module or "", level=node.level or 0, range=rng, names=names, is_from=True,
                       star=any(a.name == "*" for a in node.names), statement_range=rng)]


def _module_level_imports(path: str) -> tuple[ImportStmt, ...]:
    def compute(p: str):
        data = safeio.read_bytes(p, limit=safeio.SOURCE_LIMIT)
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError):
            return ()
        return tuple(st for node in _certain_imports(tree.body) for st in _stmts(node))
    return by_mtime(_IMPORTS, path, compute, missing=())


def closure_failures(ctx: "ImportContext", run_checks: Callable[["ImportContext"], list[Finding]],
                     relative: Callable[[str, str], Resolution], *, pending: tuple[str, ...] = (),
                     loaded: set[str] | None = None) -> list[Finding] | None:
    """The first error raised while a found first-party module runs its own module-level imports (cached while
    none of the files read changes).

    The walk follows Python's execution order: depth first, each file's statements top to bottom, a package's
    ``__init__`` before its submodules. What is already in ``sys.modules`` when the statement runs is not run
    again: the file itself and the packages it belongs to (they are initialising: a package's ``__init__`` is
    partly run while its own imports run). ``pending`` are first-party files where the simulated import
    (TFL116) found a failure: when the walk finishes such a file before any earlier error, that failure is the
    first, and None is returned (keep the simulation's finding). ``loaded`` holds the first-party files the
    statements above ran to the end (in ``sys.modules`` even when an import that ran them failed later): they
    are not run again, and the files this statement runs to the end are added to it."""
    ws, res = ctx.workspace, ctx.resolution
    if res is None or not res.found:
        return []
    running = initialising(str(ctx.file_path))
    loaded = set() if loaded is None else loaded
    files = [p for p in _chain_files(ctx.stmt, res, ctx.resolver, relative, str(ctx.file_path))
             if is_first_party(ws, p) and os.path.normpath(p) not in running]
    if ctx.stmt.is_from and res.path and os.path.normpath(res.path) in loaded:
        # `from X import ...` with X in sys.modules already: its parents are not imported again, only the
        # submodules the list names (`import X.Y` does import its top package again)
        names = [os.path.normpath(p) for p in files]
        files = files[names.index(os.path.normpath(res.path)) + 1:] if os.path.normpath(res.path) in names else []
    if not files:
        return []
    key = ("closure-walk", tuple(files), ctx.resolver.sys_path, tuple(sorted(running)), pending,
           tuple(sorted(loaded)))
    hit = ws.memo.get(key)
    if hit is None or any(_mtime(f) != m for f, m in hit[0].items()):    # valid while no file it read changed
        visited: dict[str, Stamp | None] = {}
        done: set[str] = set()
        hit = ws.memo[key] = (visited, _walk(ctx, files, run_checks, relative, visited, running | loaded, pending,
                                             done), done)
    loaded |= hit[2]
    if hit[1] is None:
        return []
    if hit[1] == "pending":
        return None
    error, file, sub, chain = hit[1]
    return [_carry(ctx, error, file, sub, chain)]


def initialising(path: str) -> frozenset[str]:
    """The file and the ``__init__.py`` of every package it belongs to: in ``sys.modules`` while it runs."""
    out = {os.path.normpath(os.path.abspath(path))}
    folder = os.path.dirname(os.path.abspath(path))
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        out.add(os.path.join(folder, "__init__.py"))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return frozenset(out)


def _chain_files(stmt: ImportStmt, res: Resolution, resolver: Resolver, relative, file: str) -> list[str]:
    """The source files the statement runs, in order: parent packages, the module, then the submodules a
    ``from package import sub`` names."""
    from tf_lsp.resolver import resolve_relative
    out: list[str] = []
    if stmt.level:
        anchor = resolve_relative(None, stmt.level, file_path=file)
        target = resolve_relative(stmt.module or None, stmt.level, file_path=file)
        if anchor is None or target is None:
            return []
        parts = stmt.module.split(".") if stmt.module else []
        for i in range(len(parts) - 1):             # packages between the anchor and the target run first
            init = os.path.join(anchor, *parts[:i + 1], "__init__.py")
            if os.path.isfile(init):
                out.append(init)
        if res.path:
            out.append(res.path)
        if stmt.is_from and res.search_locations:
            for n in stmt.names:
                sub = relative(os.path.join(target, n.name), n.name)
                if sub.found and sub.path:
                    out.append(sub.path)
        return [p for p in out if p.endswith(".py")]
    out = [r.path for r in (*res.parents, res) if r.found and r.kind in ("module", "package") and r.path]
    if stmt.is_from and res.search_locations:
        for n in stmt.names:
            if n.name != "*":
                sub = resolver.resolve(f"{stmt.module}.{n.name}")
                if sub.found and sub.kind in ("module", "package") and sub.path:
                    out.append(sub.path)
    return [p for p in out if p.endswith(".py")]


def _walk(ctx: "ImportContext", files: list[str], run_checks, relative, visited: dict[str, Stamp | None],
          running: frozenset[str], pending: tuple[str, ...], done: set[str]):
    """(error, file, import statement, chain of files) of the first failing import in execution order, "pending"
    when a ``pending`` file finishes first; None."""
    ws = ctx.workspace
    seen: set[str] = set(running)
    pend = {os.path.normpath(p) for p in pending}
    # sys.path as the walk changes it: a followed module's own sys.path edits count for what runs after them
    # (tensorflow/examples' planestrike_py_environment.py appends its parent folder, then imports `common`)
    state = {"resolver": ctx.resolver}

    def apply_edits(file: str, before: int | None) -> None:
        edits = [e for e in file_sys_path_edits(file, run_dir=ctx.script_dir)
                 if (before is None or e.line < before) and (file, e.line, e.path) not in applied]
        if not edits:
            return
        applied.update((file, e.line, e.path) for e in edits)
        current = state["resolver"].sys_path
        head = [e.path for e in edits if e.front]
        tail = [e.path for e in edits if not e.front]
        path = tuple(dict.fromkeys(head + [p for p in current if p not in head] + tail))
        state["resolver"] = ws.resolver_on(path)

    applied: set[tuple] = set()

    def visit(file: str, depth: int, chain: tuple[str, ...]):
        file = os.path.normpath(file)
        if file in seen or not file.endswith(".py") or len(visited) >= _MAX_FILES:
            return None
        seen.add(file)
        visited[file] = _mtime(file)
        for sub in _module_level_imports(file):
            apply_edits(file, sub.line)
            resolver = state["resolver"]
            if sub.level:
                target = resolve_relative(sub.module or None, sub.level, file_path=file)
                sub_res = None if target is None else relative(target, sub.module)
            else:
                sub_res = resolver.resolve(sub.module)
            if sub_res is not None and sub_res.found and is_first_party(ws, sub_res.path):
                if depth < _MAX_DEPTH:
                    for nxt in _chain_files(sub, sub_res, resolver, relative, file):
                        if is_first_party(ws, nxt):
                            hit = visit(nxt, depth + 1, chain + (nxt,))
                            if hit is not None:
                                return hit
                continue
            if sub.level and sub_res is not None and sub_res.found:
                continue
            sub_ctx = replace(ctx, stmt=sub, resolution=sub_res, file_path=Path(file), resolver=resolver)
            found = run_checks(sub_ctx)
            if not sub.level and sub_res is not None and sub_res.found:
                from tf_lsp.checks.names import name_findings
                found = list(found) + [f for f in name_findings(sub_ctx) if not any(g.code == f.code for g in found)]
            errors = [f for f in found if f.severity is Severity.ERROR]
            if errors:
                return errors[0], file, sub, chain
        apply_edits(file, None)
        if file in pend:
            return "pending"
        done.add(file)
        return None

    from tf_lsp.resolver import resolve_relative
    for f in files:
        hit = visit(f, 1, (f,))
        if hit is not None:
            return hit
    return None


def simulated_first_party(ctx: "ImportContext") -> tuple[str, ...]:
    """The first-party file where the simulated import of the statement first fails (TFL116), if it is one."""
    from tf_lsp.checks.simulation import statement_simulation
    inside = [f for f in statement_simulation(ctx).failures if f.importer]
    return (inside[0].file,) if inside and inside[0].file and is_first_party(ctx.workspace, inside[0].file) else ()


def _mtime(path: str) -> Stamp | None:
    """The path's stamp, read once per file check (``filecache.stamp``)."""
    return stamp(path)


def _carry(ctx: "ImportContext", f: Finding, file: str, sub: ImportStmt, chain: tuple[str, ...]) -> Finding:
    root = ctx.workspace.root
    via = " -> ".join(_rel(c, root) for c in chain)
    written = f"{'from ' if sub.is_from else 'import '}{'.' * sub.level}{sub.module}" + \
              (f" import {', '.join(n.name for n in sub.names)}" if sub.is_from and sub.names else "")
    msg = (f"`{ctx.stmt.module}` is found ({via}), but importing it fails: {_rel(file, root)} line {sub.line + 1} "
           f"runs `{written}`, and that fails: {f.message}")
    return replace(f, range=ctx.stmt.range, message=msg,
                   details=(f"first-party chain: {via}", f"failing line: {_rel(file, root)}:{sub.line + 1}") + f.details)
