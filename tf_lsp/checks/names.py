"""``from X import name``: does X define ``name``? Read statically, conservatively (TFL112). Generic: used by the
TensorFlow pack for its imports (its category C) and by the first-party closure for any package.

A module's names: everything its top-level code binds (assignments, defs, classes, imports, ``global`` in its
functions, ``setattr(<module>, "literal", ...)``), names from star imports we can follow, and — for packages — the
submodules and sub-folders on its ``__path__`` (``from pkg import sub`` imports them). Anything dynamic
(a module ``__getattr__``, ``globals()``, ``exec``, a star import we cannot follow, non-literal ``setattr``) makes
the answer "unknown", and unknown is never reported. Parses are cached per file mtime.
"""
from __future__ import annotations

import ast
import difflib
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tf_lsp import safeio
from tf_lsp.filecache import cached_by_stamp
from tf_lsp.fixes import edit_fix
from tf_lsp.model import Edit, Finding
from tf_lsp.resolver import Resolution, listing

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.resolver import Resolver


@dataclass(frozen=True)
class _Parsed:
    names: frozenset[str]
    stars: tuple[tuple[str, int], ...]     # (module, level) of ``from m import *``
    dynamic: bool
    all_names: tuple[str, ...] | None      # literal __all__


_DYNAMIC_CALLS = frozenset({"globals", "exec", "vars", "locals"})
_GLOBAL_STMT = re.compile(rb"^[ \t]*global[ \t]", re.M)


def _parse(path: str) -> _Parsed | None:
    try:
        data = safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT)
        tree = ast.parse(data, filename=path)
    except (OSError, SyntaxError, ValueError):
        return None
    return _collect(tree, scan_functions=_GLOBAL_STMT.search(data) is not None)


def parse_module(path: str) -> _Parsed | None:
    """``_parse(path)``, kept on disk by the file's stamp (TensorFlow's generated ``__init__`` is parsed once, not
    once per process)."""
    return cached_by_stamp("tf-names", path, _parse, version=1, encode=_encode, decode=_decode)


def _encode(p: _Parsed | None):
    return None if p is None else {"names": sorted(p.names), "stars": [list(s) for s in p.stars],
                                   "dynamic": p.dynamic, "all": None if p.all_names is None else list(p.all_names)}


def _decode(d) -> _Parsed | None:
    if d is None:
        return None
    return _Parsed(frozenset(d["names"]), tuple((m, lv) for m, lv in d["stars"]), d["dynamic"],
                   None if d["all"] is None else tuple(d["all"]))


def _collect(tree: ast.Module, *, scan_functions: bool = True) -> _Parsed:
    """``scan_functions=False`` when the source has no ``global`` statement at all: function bodies then bind no
    module names and are not walked (TensorFlow's generated op modules hold thousands of functions)."""
    names: set[str] = set()
    stars: list[tuple[str, int]] = []
    dynamic = False
    all_names = None
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            if node.name == "__getattr__" and not isinstance(node, ast.ClassDef):
                dynamic = True
            if scan_functions:
                for sub in ast.walk(node):          # `global X` inside functions binds module names at call time
                    if isinstance(sub, ast.Global):
                        names.update(sub.names)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                names.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.name == "*":
                    stars.append((node.module or "", node.level))
                else:
                    names.add(a.asname or a.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Call):
            fn = node.func
            fname = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            if fname in _DYNAMIC_CALLS and isinstance(fn, ast.Name):
                dynamic = True
            elif fname == "setattr" and isinstance(fn, ast.Name) and len(node.args) >= 2:
                key = node.args[1]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    names.add(key.value)
                else:
                    dynamic = True
            elif fname == "update" and isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Attribute) \
                    and fn.value.attr == "__dict__":
                dynamic = True
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
                all_names = tuple(str(v) for v in value)
            except (ValueError, TypeError, SyntaxError):
                pass
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchAs) and node.name:
            names.add(node.name)
        stack.extend(ast.iter_child_nodes(node))
    return _Parsed(frozenset(names), tuple(stars), dynamic, all_names)


def submodule_names(locations: tuple[str, ...], ext_suffixes: tuple[str, ...] = ()) -> set[str]:
    out: set[str] = set()
    suffixes = (".py", ".pyc") + tuple(ext_suffixes)
    for loc in locations:
        for n in listing(loc) or ():
            if n.isidentifier():
                if os.path.isdir(os.path.join(loc, n)) and n != "__pycache__":
                    out.add(n)
                continue
            for s in suffixes:
                if n.endswith(s) and n[: -len(s)].isidentifier():
                    out.add(n[: -len(s)])
                    break
            else:
                stem = n.split(".")[0]
                if stem.isidentifier() and (n.endswith(".so") or n.endswith(".pyd")):
                    out.add(stem)
    return out


def module_names(res: Resolution | None, *, resolver: "Resolver | None" = None, _depth: int = 0) -> frozenset[str] | None:
    """Names ``from <res> import name`` can bind, or None when that cannot be known statically."""
    if res is None or not res.found or _depth > 3:
        return None
    ext = resolver.ext_suffixes if resolver else ()
    if res.kind == "namespace":
        return frozenset(submodule_names(res.search_locations, ext))
    if res.kind not in ("module", "package") or not res.path or not res.path.endswith(".py"):
        return None
    parsed = parse_module(res.path)
    if parsed is None or parsed.dynamic:
        return None
    names = set(parsed.names)
    for mod, level in parsed.stars:
        if resolver is None:
            return None
        target = _star_target(res, mod, level)
        if target is None:
            return None
        sub = module_names(resolver.resolve(target), resolver=resolver, _depth=_depth + 1)
        if sub is None:
            return None
        star_all = _all_of(resolver.resolve(target))
        names.update(star_all if star_all is not None else (n for n in sub if not n.startswith("_")))
    if res.kind == "package":
        names |= submodule_names(res.search_locations, ext)
    return frozenset(names)


def _all_of(res: Resolution) -> tuple[str, ...] | None:
    if res.found and res.path and res.path.endswith(".py"):
        p = parse_module(res.path)
        return p.all_names if p else None
    return None


def _star_target(res: Resolution, mod: str, level: int) -> str | None:
    if level == 0:
        return mod
    base = res.name.split(".") if res.kind == "package" else res.name.split(".")[:-1]
    if level - 1 >= len(base):
        return None
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([mod] if mod else []))


def name_findings(ctx: "ImportContext") -> list[Finding]:
    stmt, res = ctx.stmt, ctx.resolution
    if not stmt.is_from or stmt.star or res is None or not res.found:
        return []
    known = module_names(res, resolver=ctx.resolver)
    if known is None:
        return []
    out = []
    for n in stmt.names:
        if n.name in known:
            continue
        where = res.path or (res.search_locations[0] if res.search_locations else "?")
        msg = f"cannot import name '{n.name}' from '{stmt.module}' ({where})"
        close = difflib.get_close_matches(n.name, sorted(k for k in known if not k.startswith("_")), n=3, cutoff=0.7)
        fixes = [edit_fix(f"Change to `{c}`", (Edit(str(ctx.file_path), n.range, c),), old=n.name, new=c,
                          preferred=i == 0) for i, c in enumerate(close)]
        if close:
            msg += f"; did you mean {', '.join(f'`{c}`' for c in close)}?"
        out.append(ctx.finding("TFL112", f"ImportError: {msg}", range=n.range, fixes=fixes,
                               module=f"{stmt.module}.{n.name}",
                               details=(f"read statically from {where}",)))
    return out
