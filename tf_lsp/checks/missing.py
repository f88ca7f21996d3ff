"""Generic check: the module (or one of its parent packages) cannot be found — and where it is instead.

TFL100 nowhere we looked; TFL101 somewhere the interpreter never looks (another Python, a ``--target`` folder,
the ignored user site); TFL102 another environment of this workspace has it in a healthy state;
TFL111 the package exists but the submodule does not.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from tf_lsp.checks.base import ImportContext
from tf_lsp.filecache import registered
from tf_lsp.firstparty import is_first_party
from tf_lsp.fixes import install_fix, use_interpreter_fix
from tf_lsp.installgate import provider, unknown_reason
from tf_lsp.knowledge.import_names import dist_for_import
from tf_lsp.model import Candidate, Finding
from tf_lsp.resolver import Resolver, listing, listing_heads

if TYPE_CHECKING:
    from tf_lsp.envstate import EnvState

_PROJECT_KINDS = {"poetry", "pipenv", "hatch", "pdm"}


@dataclass(frozen=True)
class Elsewhere:
    where: str                     # human description
    path: str                      # the folder holding it
    candidate: Candidate | None    # when it is a usable environment
    version: str | None            # of the providing distribution, when known
    healthy: bool = True


def check(ctx: ImportContext) -> Iterable[Finding]:
    res = ctx.resolution
    if res is None:
        if ctx.stmt.level:
            return [ctx.finding("TFL100", f"Relative import target {'.' * ctx.stmt.level}{ctx.stmt.module} does not exist "
                                          f"next to {ctx.file_path.name}.")]
        return []
    if res.found:
        return []
    missing = res.failed_at or ctx.stmt.module
    if "." in missing:
        return _submodule_missing(ctx, missing)
    return _top_missing(ctx, missing)


def _submodule_missing(ctx: ImportContext, missing: str) -> list[Finding]:
    parent_name = missing.rpartition(".")[0]
    parent = ctx.resolver.resolve(parent_name)
    dist = ctx.env.index.owner(parent_name.split(".")[0], parent.top.root) if parent.found else None
    owner = f" ({dist.display_name} {dist.version})" if dist else ""
    where = ", ".join(parent.search_locations) or parent.path or "?"
    local = parent.path or (parent.search_locations[0] if parent.search_locations else None)
    if parent.found and not dist and local is not None and is_first_party(ctx.workspace, local):
        # a folder of the workspace, not a distribution (a sample's `tf_agents/` folder found as a namespace
        # package once tf-agents itself is missing): say so, never "installed"
        rel = os.path.relpath(local, ctx.workspace.root)
        what = (f"the folder {rel}/ of this workspace (a namespace package: it has no __init__.py)"
                if parent.kind == "namespace" else f"{rel} of this workspace")
        return [ctx.finding("TFL111", f"`{parent_name}` resolves to {what}, which has no submodule "
                                      f"`{missing.rpartition('.')[2]}`: `import {ctx.stmt.module}` fails with "
                                      f"ModuleNotFoundError: No module named '{missing}'.",
                            details=(f"searched: {where}",), module=missing)]
    return [ctx.finding("TFL111", f"`{parent_name}` is installed{owner} but has no submodule "
                                  f"`{missing.rpartition('.')[2]}`: `import {ctx.stmt.module}` fails with "
                                  f"ModuleNotFoundError: No module named '{missing}'.",
                        details=(f"searched: {where}",), module=missing, fixes=_leftover_fixes(ctx, missing))]


def _leftover_fixes(ctx: ImportContext, module: str) -> list:
    from tf_lsp.checks.integrity import leftover_fix

    fix = leftover_fix(ctx, module)
    return [fix] if fix is not None else []


def _common_details(ctx: ImportContext) -> tuple[str, str]:
    """The interpreter and search-path lines every "not found" finding of one resolver carries: built once and
    shared (a file with 100,000 missing imports holds one copy, not 100,000)."""
    key = ("missing-details", id(ctx.resolver))
    hit = ctx.workspace.memo.get(key)
    if hit is None or hit[0] is not ctx.resolver:
        snap = ctx.env.snapshot
        searched = [e for e in ctx.resolver.sys_path if e]
        hit = ctx.workspace.memo[key] = (ctx.resolver, (
            f"interpreter: {ctx.workspace.choice.python} (Python {snap.version_str}) — {ctx.workspace.choice.why}",
            "searched: " + os.pathsep.join(searched)))
    return hit[1]


def _top_missing(ctx: ImportContext, name: str) -> list[Finding]:
    snap = ctx.env.snapshot
    details = list(_common_details(ctx))
    dist_name = dist_for_import(name)
    if name in _all_stdlib_names() and name not in snap.stdlib_names:
        return [ctx.finding("TFL100", f"`{name}` is not in the standard library of Python {snap.version_str} "
                                      f"(the selected interpreter).", details=details)]
    key = ("elsewhere", name)
    places = ctx.workspace.memo.get(key)
    if places is None:
        places = tuple(find_elsewhere(ctx, name))
        if places:          # kept per environment load; nothing found is found again quickly (prepared _places)
            ctx.workspace.memo[key] = places
    for p in places:
        details.append(f"found: {p.where} ({p.path})" + (f", version {p.version}" if p.version else ""))
    fixes = []
    usable = [(p, p.candidate) for p in places if p.candidate is not None and p.healthy]
    for p, cand in usable:
        detail = f"{dist_name} {p.version}" if p.version else ""
        fixes.append(use_interpreter_fix(ctx.workspace, cand, detail=detail))
    known = provider(ctx.workspace, ctx.stmt.module if ctx.stmt.module.split(".")[0] == name else name)
    if known is not None:
        dist_name = known.dist
        spec = dist_name if not places or not places[0].version else f"{dist_name}=={places[0].version}"
        fixes.append(install_fix(ctx.workspace, [spec], preferred=not usable))
        details.append(f"install: {known.why}")
        why_not = ""
    else:
        why_not = unknown_reason(ctx.workspace, name)
        details.append("install: " + why_not)
    install_hint = f"install {dist_name} here" if known else "no install is offered"
    here = _here(ctx)
    project = [p for p, cand in usable if cand.in_workspace or cand.kind in _PROJECT_KINDS]
    if project:
        p = project[0]
        return [ctx.finding("TFL102", f"`{name}` is not installed in {here}, but {p.where} has it"
                                      + (f" ({dist_name} {p.version})" if p.version else "")
                                      + ": switch to that environment" + (f", or {install_hint}." if known else "."),
                            fixes=fixes, details=details, module=name)]
    if places:
        p = places[0]
        return [ctx.finding("TFL101", f"`{name}` is not installed in {here}; it is in {p.where}, "
                                      f"which this interpreter never looks at.", fixes=fixes, details=details, module=name)]
    if known is None:
        return [ctx.finding("TFL100", f"No module named '{name}': it is not found on this file's sys.path in {here}; "
                                      f"{why_not}.", fixes=fixes, details=details,
                            module=name)]
    return [ctx.finding("TFL100", f"No module named '{name}': it is not installed in {here}. "
                                  f"Install {dist_name} into it.", fixes=fixes, details=details, module=name)]


def _here(ctx: ImportContext) -> str:
    """``the selected interpreter ./.venv/bin/python (Python 3.11.7)``, made once per environment load."""
    ws = ctx.workspace
    key = ("missing-here", str(ws.choice.python))
    hit = ws.memo.get(key)
    if hit is None:
        hit = ws.memo[key] = (f"the selected interpreter {_short(ws.choice.python, ws.root)} "
                              f"(Python {ctx.env.snapshot.version_str})")
    return hit


def _short(path: Path, root: Path) -> str:
    try:
        return "./" + str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class _Places:
    """Where to look for a module outside the selected interpreter, prepared once per environment load (the
    candidates' static views and a resolver over each one's site-packages), not once per missing import."""
    others: tuple[tuple[Candidate, EnvState, Resolver, frozenset[str]], ...]
    """(candidate, its static view, a resolver over its site folders, every name those folders can provide)"""
    user_site: tuple[str, Resolver] | None     # the user site folder, when this interpreter ignores it
    targets: tuple[tuple[str, Resolver], ...]


def _places(ctx: ImportContext) -> _Places:
    memo = ctx.workspace.memo
    hit = memo.get("elsewhere-places")
    if hit is not None:
        return hit
    ws = ctx.workspace
    current = Path(ws.choice.python)
    others: list[tuple[Candidate, EnvState, Resolver, frozenset[str]]] = []
    for cand in ws.candidates:
        if _same_python(cand.python, current):
            continue
        other = ws.other_env(cand)
        if other is None:
            continue
        site = [p for p in other.snapshot.site_packages if os.path.isdir(p)]
        heads = frozenset().union(*(listing_heads(f) for f in site))
        others.append((cand, other, Resolver(site, ext_suffixes=other.snapshot.ext_suffixes), heads))
    snap = ctx.env.snapshot
    user = ((snap.user_site, Resolver([snap.user_site], ext_suffixes=snap.ext_suffixes))
            if snap.user_site and not snap.user_site_enabled else None)
    targets = tuple((folder, Resolver([folder], ext_suffixes=snap.ext_suffixes)) for folder in _target_folders(ws.root)
                    if folder not in ctx.resolver.sys_path)
    hit = memo["elsewhere-places"] = _Places(tuple(others), user, targets)
    return hit


def find_elsewhere(ctx: ImportContext, name: str) -> Iterable[Elsewhere]:
    """Places outside the selected interpreter's sys.path that provide ``name``, most relevant first."""
    ws = ctx.workspace
    places = _places(ctx)
    seen: set[str] = set()
    for cand, other, resolver, heads in places.others:
        if name not in heads:              # cheap: nothing there can be `name`
            continue
        r = resolver.resolve(name)
        if not r.found or r.kind == "namespace" or r.root is None or r.root in seen:
            continue
        seen.add(r.root)
        dist = other.index.owner(name, r.root)
        healthy = dist is None or _deps_present(other, dist)
        label = f"{cand.kind} environment {cand.name}" + (" of this workspace" if cand.in_workspace else "")
        yield Elsewhere(label, r.root, cand, dist.version if dist else None, healthy)
    if places.user_site is not None and places.user_site[0] not in seen:
        user_site, resolver = places.user_site
        r = resolver.resolve(name)
        if r.found and r.kind != "namespace":
            yield Elsewhere("the user site (pip install --user), which this interpreter ignores", user_site, None, None, False)
    for folder, resolver in places.targets:
        if folder in seen:
            continue
        r = resolver.resolve(name)
        if r.found and r.kind != "namespace":
            yield Elsewhere(f"the folder {os.path.relpath(folder, ws.root)} (a pip --target install, not on sys.path)", folder, None, None, False)


def _same_python(a: Path, b: Path) -> bool:
    try:
        return Path(a).parent.parent.resolve() == Path(b).parent.parent.resolve()
    except OSError:
        return False


def _deps_present(env, dist) -> bool:
    for req in dist.dependencies(env.marker_env):
        if env.index.get(req.name) is None:
            return False
    return True


def _target_folders(root: Path) -> list[str]:
    """Direct subfolders of the workspace that look like ``pip install --target`` output (hold *.dist-info)."""
    out = []
    names = listing(str(root)) or frozenset()
    for n in sorted(names):
        if n.startswith(".") or n in ("node_modules", "__pycache__"):
            continue
        sub = os.path.join(root, n)
        entries = listing(sub)
        if entries and not any(e == "pyvenv.cfg" or e == "conda-meta" for e in entries) and any(e.endswith(".dist-info") for e in entries):
            out.append(sub)
    return out


_STDLIB_CACHE: list[frozenset[str]] = registered([], stamp="none needed: the running Python's own list of stdlib names")


def _all_stdlib_names() -> frozenset[str]:
    """Standard library names of any recent Python (the server's own list, plus modules added since 3.8)."""
    if not _STDLIB_CACHE:
        import sys
        _STDLIB_CACHE.append(frozenset(getattr(sys, "stdlib_module_names", ())) | {"tomllib", "graphlib", "zoneinfo", "_interpreters"})
    return _STDLIB_CACHE[0]
