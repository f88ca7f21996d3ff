"""The import, simulated across packages (``tf_lsp.simulate``): what fails inside the code an import runs.

TFL116 (error): a module the import runs — in this package or any other — imports a submodule that does not exist,
  a name its source module does not define, or reads a module attribute that is not there; the import fails with
  that exception (``ImportError: cannot import name 'builder' from 'google.protobuf.internal' (...)``). When the
  importing distribution declares a requirement on the providing one that the installed version does not meet,
  the fix installs that requirement.
TFL112 (error): the statement's own ``from X import name`` where X (any package; the names of a rule pack's
  ``checked_imports``, TensorFlow and Keras, are the pack's) does not define ``name``.

Unknown stays silent: nothing is reported where the simulation could not decide.
"""
from __future__ import annotations

import difflib
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from tf_lsp.filecache import in_pass
from tf_lsp.fixes import edit_fix, install_fix
from tf_lsp.model import Edit, Finding, Fix
from tf_lsp.packs import checked_imports
from tf_lsp.simulate import Failure, Simulation, describe, simulate_import

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext


def statement_names(stmt) -> tuple[str, ...]:
    """The names a statement imports from its module (``from m import a, b``); () for ``import m`` and star imports."""
    return tuple(n.name for n in stmt.names) if stmt.is_from and not stmt.star else ()


def statement_simulation(ctx: "ImportContext") -> Simulation:
    """The simulated import of the statement being checked (memoised by ``simulation``)."""
    return simulation(ctx, ctx.stmt.module, statement_names(ctx.stmt))


def simulation(ctx: "ImportContext", module: str, names: tuple[str, ...] = ()) -> Simulation:
    running = tuple(m for m in running_modules(ctx) if m.split(".")[0] == module.split(".")[0])
    key = ("simulate", id(ctx.workspace), id(ctx.resolver), ctx.script_dir, module, names, running)
    # once per file's check (several checks ask for the same simulation); across checks the simulation's disk cache
    # answers, valid while every file and folder the walk read is unchanged (a module edited in place moves no
    # folder's mtime). Keeping results in memory with their read sets cost a server ~5 MB per statement.
    return in_pass(key, lambda: simulate_import(ctx.resolver, module, names=names, running=running,
                                                stdlib=ctx.env.snapshot.stdlib_names))


def check(ctx: "ImportContext") -> list[Finding]:
    stmt, res = ctx.stmt, ctx.resolution
    if stmt.level or res is None or not res.found or not stmt.module:
        return []
    sim = statement_simulation(ctx)
    out: list[Finding] = []
    from tf_lsp.checks.lost_names import damaged_file

    # a workspace file shadowing the module (TFL107) or a damaged file of it (TFL106) is the finding that names the cause
    inside = [f for f in sim.failures if f.importer and not _shadowed(ctx, f)
              and not (f.kind != "module" and damaged_file(ctx, f.module))]
    if inside:
        out.append(_inside_finding(ctx, inside))
    if stmt.top not in checked_imports():
        own = {f.name: f for f in sim.failures if not f.importer and f.kind == "name"}
        for n in stmt.names:
            f = own.get(n.name)
            if f is not None:
                out.append(_name_finding(ctx, n, f))
    return out


def running_modules(ctx: "ImportContext") -> tuple[str, ...]:
    """The file's own packages and itself, by the names they resolve to: initialising while the file runs (a
    package's ``__init__`` is in sys.modules, partly run, while its submodules load), so an import does not run
    them again."""
    import os

    from tf_lsp.firstparty import initialising
    out = []
    path = os.path.abspath(str(ctx.file_path))
    folder, parts = os.path.dirname(path), []
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem != "__init__":
        parts.append(stem)
    files = initialising(path)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        res = ctx.resolver.resolve(name)
        if res.found and res.path and os.path.normpath(res.path) in files:
            out.append(name)
    return tuple(out)


def _shadowed(ctx: "ImportContext", f: Failure) -> bool:
    """An installed package's code gets a workspace file in place of the module it imports: that is the shadowing
    check's finding (TFL107), with its rename fix."""
    import os

    res = ctx.resolver.resolve(f.module if f.kind != "module" else f.module.rpartition(".")[0])
    root = str(ctx.workspace.root) + os.sep
    return bool(res.path and res.path.startswith(root) and not (f.file or "").startswith(root))


def _inside_finding(ctx: "ImportContext", failures: list[Failure]) -> Finding:
    first = failures[0]
    roots = tuple(ctx.env.snapshot.sys_path)
    place = describe(first, site_roots=roots)
    chain = " -> ".join(first.via[-4:])
    fix, why = _version_fix(ctx, first)
    if fix is None:
        from tf_lsp.checks.integrity import leftover_fix
        fix = leftover_fix(ctx, first.module) or leftover_fix(ctx, first.importer)
        if fix is not None:
            why = (f"{first.module.split('.')[0]} is a leftover folder no distribution claims (an interrupted "
                   f"uninstall or a deleted .dist-info): reinstall it.")
    msg = (f"`import {ctx.stmt.module}` fails: {first.importer} ({place}), which this import runs, does "
           f"{_what(first)}: {first.message}.")
    if why:
        msg += f" {why}"
    details = [f"import chain: {chain}"] + [f"also: {describe(f, site_roots=roots)}: {f.message}" for f in failures[1:6]]
    return ctx.finding("TFL116", msg, fixes=[fix] if fix else [], details=details, module=first.module)


def _what(f: Failure) -> str:
    if f.kind == "module":
        return f"`import {f.module}`"
    if f.kind == "name":
        return f"`from {f.module} import {f.name}`"
    return f"`{f.module}.{f.name}` at module level"


def _version_fix(ctx: "ImportContext", f: Failure) -> tuple[Fix | None, str]:
    """The fix a version change gives, when the importing distribution declares a requirement on the providing one
    that the installed version does not meet."""
    provider_module = f.module if f.kind != "module" else f.module.rpartition(".")[0]
    imp = _owner(ctx, f.importer)
    prov = _owner(ctx, provider_module)
    if imp is None or prov is None or imp is prov:
        return None, ""
    for req in imp.dependencies(ctx.env.marker_env):
        if canonicalize_name(req.name) != canonicalize_name(prov.name):
            continue
        if req.specifier and not req.specifier.contains(prov.version, prereleases=True):
            spec = f"{prov.name}{req.specifier}"
            return (install_fix(ctx.workspace, [spec], title=f"Install {spec} (what {imp.name} {imp.version} requires)"),
                    f"{imp.name} {imp.version} requires {req}, and {prov.name} {prov.version} is installed: "
                    f"install {spec}.")
        return _removal_fix(ctx, f, prov) or (
            None, f"{prov.name} {prov.version} is installed ({imp.name} {imp.version} requires {req}).")
    return _removal_fix(ctx, f, prov) or (None, f"{prov.name} {prov.version} is installed.")


def _removal_fix(ctx: "ImportContext", f: Failure, prov) -> tuple[Fix, str] | None:
    """The name is one the installed release removed (``knowledge/removed_names``): install a release that has it."""
    from packaging.specifiers import SpecifierSet

    from tf_lsp.knowledge.removed_names import removal
    if f.kind == "module" or not f.name:
        return None
    rec = removal(canonicalize_name(prov.name), f.module, f.name)
    if rec is None or not SpecifierSet(rec.removed).contains(prov.version, prereleases=True):
        return None
    return (install_fix(ctx.workspace, [rec.pin], title=f"Install {rec.pin} (it still has {f.module}.{f.name})"),
            f"{prov.name} {prov.version} is installed, and `{f.name}` was removed from {f.module} in that release "
            f"line: install {rec.pin}.")


def _owner(ctx: "ImportContext", module: str):
    """The distribution whose RECORD lists the module's file (namespace packages included)."""
    import os

    from tf_lsp.checks.integrity import owning_distribution, record_paths

    res = ctx.resolver.resolve(module)
    if res.found and res.path:
        for d in ctx.env.index.providers(module):
            rel = os.path.normpath(os.path.relpath(res.path, d.location))
            if not rel.startswith("..") and rel in record_paths(d):
                return d
    return owning_distribution(ctx.env, res)


def _name_finding(ctx: "ImportContext", n, f: Failure) -> Finding:
    known = _public_names(ctx, f.module)
    close = difflib.get_close_matches(n.name, known, n=3, cutoff=0.7)
    fixes = [edit_fix(f"Change to `{c}`", (Edit(str(ctx.file_path), n.range, c),), old=n.name, new=c,
                      preferred=i == 0) for i, c in enumerate(close)]
    msg = f.message + (f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else "")
    from tf_lsp.checks.integrity import leftover_fix
    leftover = leftover_fix(ctx, f.module)
    if leftover is not None:      # files of a leftover tree are gone: reinstalling it comes first
        msg += (f". {f.module.split('.')[0]} is a leftover folder no distribution claims (an interrupted uninstall "
                f"or a deleted .dist-info): reinstall it")
        fixes = [leftover, *(replace(x, preferred=False) for x in fixes)]
    return ctx.finding("TFL112", msg, range=n.range, fixes=fixes, module=f"{f.module}.{n.name}",
                       details=("read statically from the module's source",))


def _public_names(ctx: "ImportContext", module: str) -> list[str]:
    from tf_lsp.modfacts import module_facts

    res = ctx.resolver.resolve(module)
    if not res.path or not res.path.endswith(".py"):
        return []
    facts = module_facts(res.path)
    return sorted(n for n in (facts.defines if facts else ()) if not n.startswith("_"))
