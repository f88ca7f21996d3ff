"""TFL121 native-library-missing: an extension module the import loads (in any distribution, or in a leftover
folder without metadata) needs a shared library the dynamic loader cannot find (``tf_lsp.nativeload``): the import
fails with ``ImportError: <lib>: cannot open shared object file: No such file or directory``.

The extension modules are those the simulated import loads (``tf_lsp.simulate``), in order; each one's DT_NEEDED
names are followed through RPATH/RUNPATH (``$ORIGIN``), the run environment's ``LD_LIBRARY_PATH``, the loader cache
and the default folders, with what the interpreter and earlier extensions loaded counted as loaded. Where a module
of the import loads libraries by path itself (``ctypes.CDLL``) and a file of the missing name is in an installed
wheel's library folder, the verdict is unknown and nothing is said.

A library the statement's own distribution's RECORD lists as missing is TFL106's (it names the damaged install);
this check says the rest: another distribution's library (NumPy's OpenBLAS under ``import scipy``), a folder left
without metadata, a library outside any wheel (LD_LIBRARY_PATH, the system).
"""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from tf_lsp import safeio
from tf_lsp.filecache import cached_by_reads, in_pass, note
from tf_lsp.fixes import reinstall_fix
from tf_lsp.model import Finding
from tf_lsp.nativeload import Loader, Unloadable, find_in, wheel_lib_dirs
from tf_lsp.record import cached_record_state, record_paths, recorded_faithfully

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.distributions import Distribution

_PRELOAD = re.compile(rb"\bCDLL\(|\bPyDLL\(|LoadLibrary\(|\bdlopen\(")


def check(ctx: "ImportContext") -> list[Finding]:
    stmt, res = ctx.stmt, ctx.resolution
    if stmt.level or res is None or not res.found or not stmt.module:
        return []
    from tf_lsp.checks.simulation import statement_simulation

    sim = statement_simulation(ctx)
    extensions = _extensions(ctx, sim)
    if not extensions:
        return []
    ld_path = ctx.environ.get("LD_LIBRARY_PATH", "")
    for module, file, unloadable in _loads(tuple(extensions), ld_path, str(ctx.env.snapshot.python)):
        for u in unloadable:
            if _preloaded(ctx, sim, u):
                continue
            dist = _owner_of_file(ctx, file)
            if dist is not None and _record_says(ctx, dist, u):
                continue                    # TFL106 names the damaged install (with the same reinstall)
            return [_finding(ctx, module, u, dist, ld_path)]
    return []


def _loads(extensions: tuple[tuple[str, str], ...], ld_path: str,
           interpreter: str) -> tuple[tuple[str, str, tuple[Unloadable, ...]], ...]:
    """(module, file, the libraries it needs that the loader cannot find) of each extension module, in order, as
    one process's loader meets them (what earlier ones loaded counts as loaded). The same for every statement that
    loads the same extension modules: once per file's check."""
    def compute() -> tuple[tuple[str, str, tuple[Unloadable, ...]], ...]:
        loader = Loader(ld_library_path=ld_path, interpreter=interpreter)
        return tuple((m, f, tuple(loader.check(f))) for m, f in extensions)
    return in_pass(("native-loads", ld_path, interpreter, extensions), compute)


def _extensions(ctx: "ImportContext", sim) -> list[tuple[str, str]]:
    """The extension modules the simulated import loads, then those of the static closure (``checks.closure``:
    imports under any ``if`` too, as NumPy's ``__init__`` imports ``numpy._core`` in the ``else`` of
    ``if __NUMPY_SETUP__``) of every package whose ``__init__`` it ran."""
    out = dict((f, m) for m, f in sim.extensions)
    stdlib = ctx.env.snapshot.stdlib_names
    for top in sim.tops:
        if top in stdlib:
            continue
        res = ctx.resolver.resolve(top)
        if not res.found or res.kind != "package" or not res.top.root:
            continue
        # the same for every statement under ``top`` (1,000 ``import tensorflow.x`` lines): once per file's check
        root = res.top.root
        for f, m in in_pass(("closure-extensions", root, top), lambda t=top, r=root: _closure_extensions(t, r)):
            if f not in out:
                out[f] = m
    return [(m, f) for f, m in out.items()]


def _closure_extensions(top: str, root: str) -> tuple[tuple[str, str], ...]:
    """(file, module) of the extension modules in the static closure of ``import top``, by module name; kept on
    disk with the stamps of every file and folder it was read from (``filecache.cached_by_reads``: the closure's,
    and each folder listed)."""
    from tf_lsp.checks import closure, integrity

    def compute() -> tuple[tuple[str, str], ...]:
        note(__file__, closure.__file__, integrity.__file__)   # the rules: a changed tf-lsp computes again
        out: list[tuple[str, str]] = []
        for m in sorted(closure.import_closure(top, location=root).modules):
            f = integrity._extension_file(root, m)
            if f is not None:
                out.append((f, m))
        return tuple(out)

    return cached_by_reads("closure-extensions", [root, top], compute, version=1,
                           encode=lambda v: [list(x) for x in v], decode=lambda d: tuple((f, m) for f, m in d))


def _finding(ctx: "ImportContext", module: str, u: Unloadable, dist: "Distribution | None", ld_path: str) -> Finding:
    roots = tuple(ctx.env.snapshot.site_packages)
    shown = _short(u.extension, roots)
    via = "" if u.needer == u.extension else f" (through {_short(u.needer, roots)}, which it loads)"
    msg = (f"`import {ctx.stmt.module}` fails: {shown} (extension module {module}, loaded by this import) needs "
           f"{u.library}{via}, which the dynamic loader finds nowhere: ImportError: {u.library}: cannot open shared "
           f"object file: No such file or directory.")
    fixes = []
    if dist is not None and dist.version:
        msg += f" Force-reinstall {dist.display_name}=={dist.version} (its extension module needs it)."
        fixes.append(reinstall_fix(ctx.workspace, dist.name, dist.version))
    else:
        from tf_lsp.checks.integrity import leftover_fix

        fix = leftover_fix(ctx, module)
        if fix is not None:
            msg += f" {module.split('.')[0]} is a leftover folder no distribution claims: reinstall it."
            fixes.append(fix)
    details = [f"searched: {os.pathsep.join(u.searched) or '(no RPATH/RUNPATH)'}",
               f"LD_LIBRARY_PATH: {ld_path or '(not set)'}", "then the loader cache and the default folders"]
    return ctx.finding("TFL121", msg, fixes=fixes, details=details, module=module)


def _short(path: str, roots: tuple[str, ...]) -> str:
    for r in roots:
        if r and path.startswith(r.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, r)
    return path


def _owner_of_file(ctx: "ImportContext", path: str) -> "Distribution | None":
    for d in ctx.env.index.dists:
        loc = os.path.normpath(d.location)
        if not path.startswith(loc + os.sep):
            continue
        if os.path.normpath(os.path.relpath(path, loc)) in record_paths(d):
            return d
    return None


def _record_says(ctx: "ImportContext", dist: "Distribution", u: Unloadable) -> bool:
    """The statement's own distribution's RECORD lists the missing library as missing (TFL106's finding)."""
    from tf_lsp.record import owning_distribution

    if ctx.resolution is None or owning_distribution(ctx.env, ctx.resolution) is not dist or not recorded_faithfully(dist):
        return False
    loc = os.path.normpath(dist.location)
    wanted = {os.path.normpath(os.path.relpath(os.path.join(d, u.library), loc)) for d in u.searched}
    return bool(wanted & {os.path.normpath(p) for p in cached_record_state(ctx, dist).missing})


def _preloaded(ctx: "ImportContext", sim, u: Unloadable) -> bool:
    """A file of that name is in a wheel's library folder, and code of the import loads libraries by path."""
    key = ("wheel-lib-dirs", tuple(ctx.env.snapshot.site_packages))
    dirs = ctx.workspace.memo.get(key)
    if dirs is None:
        dirs = ctx.workspace.memo[key] = wheel_lib_dirs(tuple(ctx.env.snapshot.site_packages))
    if find_in(u.library, dirs) is None:
        return False
    stdlib = ctx.env.snapshot.stdlib_names
    for name in sim.modules:
        if name.split(".")[0] in stdlib:
            continue                        # ctypes itself, not a preload
        r = ctx.resolver.resolve(name)
        if r.found and r.path and r.path.endswith(".py"):
            try:
                if _PRELOAD.search(safeio.read_bytes(r.path, limit=safeio.SOURCE_LIMIT)):
                    return True
            except OSError:
                continue
    return False


__all__ = ["check"]
