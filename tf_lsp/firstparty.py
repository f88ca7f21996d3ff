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

from tf_lsp.filecache import by_mtime
from tf_lsp.imports import ImportStmt, extract_imports
from tf_lsp.model import Finding, Severity
from tf_lsp.resolver import Resolution, Resolver

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.project import RunWay
    from tf_lsp.workspace import Workspace

_MAX_FILES = 25      # first-party files followed per statement
_MAX_DEPTH = 3


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
            where = _rel(hit.path or hit.root or "?", ws.root)
            run_from = _rel(way.run_dir, ws.root)
            msg = (f"`{stmt.module}` resolves when run from `{run_from if run_from != '.' else './'}/` "
                   f"({way.label}: {where}), not {primary.label} (No module named '{res.failed_at}'). "
                   f"Run it that way, or make the import work from both.").replace("//`", "/`")
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
    if not path or not Path(path).is_relative_to(ws.root):
        return False
    snap = ws.env.snapshot
    prefixes = [snap.prefix, *snap.site_packages]
    return not any(p and Path(path).is_relative_to(p) for p in prefixes)


_IMPORTS: dict[str, tuple[int, tuple[ImportStmt, ...]]] = {}


def _certain_lines(body: list[ast.stmt]) -> set[int]:
    """1-based lines of the import statements that surely run when the module runs: the module body, unguarded
    ``try`` blocks, ``with`` and class bodies. Nothing under an ``if`` (a platform or version test, a ``__main__``
    block, a flag: which branch runs is not known), nothing in functions."""
    out: set[int] = set()
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        elif isinstance(node, ast.Try) and not any(h.type is None or "Error" in ast.unparse(h.type)
                                                   or "Exception" in ast.unparse(h.type) for h in node.handlers):
            out |= _certain_lines(node.body) | _certain_lines(node.orelse) | _certain_lines(node.finalbody)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            out |= _certain_lines(node.body)
    return out


def _module_level_imports(path: str) -> tuple[ImportStmt, ...]:
    def compute(p: str):
        with open(p, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        try:
            lines = _certain_lines(ast.parse(text).body)
        except (SyntaxError, ValueError):
            return ()
        return tuple(s for s in extract_imports(text, path=p)
                     if not (s.guarded or s.type_checking or s.in_function)
                     and (s.statement_range or s.range).start.line + 1 in lines)
    return by_mtime(_IMPORTS, path, compute, missing=())


def closure_failures(ctx: "ImportContext", run_checks: Callable[["ImportContext"], list[Finding]],
                     relative: Callable[[str, str], Resolution]) -> list[Finding]:
    """The first error raised while a found first-party module runs its own module-level imports."""
    from tf_lsp.resolver import resolve_relative
    ws, res = ctx.workspace, ctx.resolution
    if res is None or not res.found:
        return []
    chain = [*res.parents, res]
    if ctx.stmt.is_from and not ctx.stmt.level and res.search_locations:      # from pkg import submodule
        chain += [ctx.resolver.resolve(f"{ctx.stmt.module}.{n.name}") for n in ctx.stmt.names if n.name != "*"]
    files = [r.path for r in chain if r.found and r.kind in ("module", "package") and is_first_party(ws, r.path)]
    if not files:
        return []
    seen: set[str] = set()
    queue = [(f, 1, (f,)) for f in files]
    while queue and len(seen) < _MAX_FILES:
        file, depth, chain = queue.pop(0)
        if file in seen or not file.endswith(".py"):
            continue
        seen.add(file)
        for sub in _module_level_imports(file):
            if sub.level:
                target = resolve_relative(sub.module or None, sub.level, file_path=file)
                sub_res = None if target is None else relative(target, sub.module)
            else:
                sub_res = ctx.resolver.resolve(sub.module)
            if sub_res is not None and sub_res.found and is_first_party(ws, sub_res.path):
                if depth < _MAX_DEPTH and sub_res.path:
                    queue.append((sub_res.path, depth + 1, chain + (sub_res.path,)))
                continue
            if sub.level and sub_res is not None and sub_res.found:
                continue
            key = ("closure", file, _mtime(file), sub.line, ctx.resolver.sys_path)   # stale once the file changes
            errors = ws.memo.get(key)
            if errors is None:
                sub_ctx = replace(ctx, stmt=sub, resolution=sub_res, file_path=Path(file))
                found = run_checks(sub_ctx)
                if not sub.level and sub_res is not None and sub_res.found and not is_first_party(ws, sub_res.path):
                    from tf_lsp.checks.tensorflow.names import name_findings
                    found = list(found) + [f for f in name_findings(sub_ctx) if not any(g.code == f.code for g in found)]
                errors = ws.memo[key] = [f for f in found if f.severity is Severity.ERROR]
            if errors:
                return [_carry(ctx, errors[0], file, sub, chain)]
    return []


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _carry(ctx: "ImportContext", f: Finding, file: str, sub: ImportStmt, chain: tuple[str, ...]) -> Finding:
    root = ctx.workspace.root
    via = " -> ".join(_rel(c, root) for c in chain)
    written = f"{'from ' if sub.is_from else 'import '}{'.' * sub.level}{sub.module}" + \
              (f" import {', '.join(n.name for n in sub.names)}" if sub.is_from and sub.names else "")
    msg = (f"`{ctx.stmt.module}` is found ({via}), but importing it fails: {_rel(file, root)} line {sub.line + 1} "
           f"runs `{written}`, and that fails: {f.message}")
    return replace(f, range=ctx.stmt.range, message=msg,
                   details=(f"first-party chain: {via}", f"failing line: {_rel(file, root)}:{sub.line + 1}") + f.details)
