"""TFL106 corrupted-install: what the installer recorded is not what is on disk.

Three cases, for the distribution that owns the imported module:

- files listed in RECORD are missing, or their size differs from RECORD (one ``stat`` per entry, once per file
  checked: ~20k entries for TensorFlow take ~0.07 s; nothing of the answer is cached, since a file edited in place
  moves no folder's mtime);
- an *orphan*: the import resolves into a site-packages folder no distribution claims (RECORD / top_level.txt),
  typically what an interrupted uninstall or a hand-deleted ``.dist-info`` leaves behind;
- a package that lost its ``__init__.py`` and silently became a namespace package while a RECORD still lists it.

Severity follows the runtime:
- ERROR when a missing or broken file is one the import executes: a module of the static import closure
  (``closure.py``) or an extension module of it, a lost ``__init__.py`` when ``from pkg import name`` needs a name
  the ``__init__`` would have defined, a changed ``.py`` of the closure that no longer parses, a changed extension
  module of the closure (a truncated ``.so`` fails to load);
- WARNING for everything else (data files, modules the import does not execute, ``import pkg`` of a package
  reduced to an empty namespace: the statement works, later uses fail with AttributeError).

RECORD is compared only for distributions whose INSTALLER is a Python installer (pip, uv, poetry, ...): OS
packages (Debian writes no INSTALLER and strips ``.so`` files) and conda legitimately change files after the
wheel's RECORD was written. A module whose RECORD entry exists but whose file is gone is reported whatever the
installer (the import really fails then).

The RECORD primitives (ownership, the stat pass, hashes, ``verify_distribution`` for ``tf-lsp verify``) live in
``tf_lsp.record``.
"""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Iterable

from tf_lsp import safeio
from tf_lsp.checks.base import ImportContext
from tf_lsp.fixes import reinstall_fix
from tf_lsp.model import Finding, Severity
from tf_lsp.record import cached_record_state, owning_distribution, record_paths, recorded_faithfully

if TYPE_CHECKING:
    from tf_lsp.distributions import Distribution
    from tf_lsp.resolver import Resolution

_EXT = (".so", ".pyd", ".dylib")


# --- the check ---------------------------------------------------------------------------------------------------

def check(ctx: ImportContext) -> Iterable[Finding]:
    res = ctx.resolution
    if res is not None and not res.found:
        gone = _recorded_but_gone(ctx, res)
        return [gone] if gone is not None else []
    if res is None or res.kind in ("builtin", "alias"):
        return []
    out: list[Finding] = []
    lost = _lost_init(ctx, res)
    if lost is not None:
        out.append(lost[0])
    dist = owning_distribution(ctx.env, res)
    if dist is None:
        if lost is None:
            orphan = _orphan(ctx, res)
            if orphan is not None:
                out.append(orphan)
        return out
    if not recorded_faithfully(dist):
        return out
    state = cached_record_state(ctx, dist)
    missing = [p for p in state.missing if not (lost is not None and os.path.normpath(p) == lost[1])]
    from tf_lsp.ownership import written_by_other  # a file another distribution wrote later is not damage
    changed = [p for p in state.changed if written_by_other(ctx.env, dist, p) is None]
    if not missing and not changed:
        return out
    out.append(_record_finding(ctx, res, dist, missing, changed))
    return out


def _recorded_but_gone(ctx: ImportContext, res) -> Finding | None:
    """Not found, but an installed distribution's RECORD lists the module: its files were deleted (ERROR: the
    import fails). More specific than "not found", which the workspace then drops for this statement."""
    missing = res.failed_at or res.name
    parts = missing.split(".")
    rels = {os.path.normpath(os.path.join(*parts) + ".py"), os.path.normpath(os.path.join(*parts, "__init__.py"))}
    for d in ctx.env.index.providers(parts[0]):
        if d.location not in ctx.resolver.sys_path or d.editable:
            continue
        paths = record_paths(d)
        listed = sorted(rels & paths)
        if not listed and not any(p.startswith(os.path.join(*parts) + ".") and p.endswith(_EXT) for p in paths):
            continue
        state = cached_record_state(ctx, d)
        label = f"{d.display_name} {d.version}"
        what = listed[0] if listed else os.path.join(*parts) + ".*" + _EXT[0]
        msg = (f"{label} is installed (its metadata is in {d.location}) but {what} is gone: `import {ctx.stmt.module}` "
               f"fails with ModuleNotFoundError: No module named '{missing}'. {len(state.missing)} of {state.checked} "
               f"files its RECORD lists are missing. Force-reinstall {d.display_name}=={d.version}.")
        details = [f"RECORD: {d.metadata_dir / 'RECORD'}"] + [f"missing: {p}" for p in state.missing[:10]]
        return ctx.finding("TFL106", msg, severity=Severity.ERROR, details=details, module=missing,
                           fixes=[reinstall_fix(ctx.workspace, d.name, d.version)])
    return None


def _module_of(rel: str) -> str | None:
    for suf in (".py",):
        if rel.endswith(suf):
            mod = rel[: -len(suf)].replace("/", ".").replace(os.sep, ".")
            return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod
    if rel.endswith(_EXT):
        head, _, name = rel.replace(os.sep, "/").rpartition("/")
        mod = name.split(".")[0]
        return f"{head.replace('/', '.')}.{mod}" if head else mod
    return None


def _closure_modules(ctx: ImportContext, dist: "Distribution", res: "Resolution") -> tuple[set[str], bool]:
    from tf_lsp.checks.closure import import_closure

    root = res.top.root
    if not root or res.kind == "editable":
        return set(), False
    c = import_closure(res.name, location=root, metadata_dir=dist.metadata_dir)
    return set(c.modules) | set(c.unresolved), c.complete


def _record_finding(ctx: ImportContext, res, dist, missing: list[str], changed: list[str]) -> Finding:
    modules, complete = _closure_modules(ctx, dist, res)
    chain = {p.name for p in res.parents} | {res.name}
    fatal: list[str] = []
    parsed_changed: list[tuple[str, str]] = []
    for rel in missing:
        mod = _module_of(rel)
        if mod is not None and (mod in modules or mod in chain):
            fatal.append(f"{rel} (module {mod}, run by this import) is missing: "
                         f"ModuleNotFoundError: No module named '{mod}'")
    for rel in changed:
        mod = _module_of(rel)
        if mod is None or not (mod in modules or mod in chain):
            continue
        full = os.path.join(dist.location, rel)
        if rel.endswith(_EXT):
            fatal.append(f"{rel} (extension module {mod}, loaded by this import) has another size than recorded: "
                         f"loading it fails with ImportError")
        elif not _parses(full):
            fatal.append(f"{rel} (module {mod}, run by this import) no longer parses: the import fails with SyntaxError")
        else:
            parsed_changed.append((rel, mod))
    if parsed_changed:             # still parses: fatal when modules of the import use names it lost
        from tf_lsp.checks.lost_names import lost_names
        lost = lost_names(ctx, {m for _, m in parsed_changed})
        fatal += [f"{rel} (module {mod}, run by this import) has another size than recorded and no longer defines "
                  f"what {lost[mod].importer} uses: {lost[mod].message}" for rel, mod in parsed_changed if mod in lost]
    fatal += _native_fatal(dist, modules | chain, missing, changed)
    n_missing, n_changed = len(missing), len(changed)
    what = ", ".join(x for x in (f"{n_missing} file{'s' if n_missing != 1 else ''} missing" if n_missing else "",
                                 f"{n_changed} changed in size" if n_changed else "") if x)
    label = f"{dist.display_name} {dist.version}"
    if fatal:
        msg = (f"The installation of {label} is damaged ({what}), and `import {res.name}` needs what is damaged: "
               f"{fatal[0]}. "
               f"Force-reinstall {dist.display_name}=={dist.version}.")
        sev = Severity.ERROR
    elif parsed_changed:
        msg = (f"The installation of {label} is damaged ({what}) per its RECORD; `import {res.name}` runs "
               f"{parsed_changed[0][0]}, which has another size than recorded but still parses and defines every name "
               f"the other modules of the import use from it, so the import itself works as far as can be seen, but "
               f"that file is not the released one. Force-reinstall {dist.display_name}=={dist.version}.")
        sev = Severity.WARNING
    else:
        msg = (f"The installation of {label} is damaged ({what}) per its RECORD; `import {res.name}` does not run the "
               f"damaged files{'' if complete else ' as far as we could follow'}, so the import itself works, but "
               f"other parts of the package may fail. Force-reinstall {dist.display_name}=={dist.version}.")
        sev = Severity.WARNING
    details = [f"RECORD: {dist.metadata_dir / 'RECORD'}"]
    details += [f"missing: {p}" for p in missing[:10]] + ([f"... and {n_missing - 10} more missing"] if n_missing > 10 else [])
    details += [f"size differs: {p}" for p in changed[:10]] + ([f"... and {n_changed - 10} more changed"] if n_changed > 10 else [])
    details += fatal[1:5]
    return ctx.finding("TFL106", msg, severity=sev, details=details, fixes=[reinstall_fix(ctx.workspace, dist.name, dist.version)],
                       module=res.name.split(".")[0])


def _is_shared_object(rel: str) -> bool:
    base = os.path.basename(rel)
    return base.endswith(_EXT) or ".so." in base


def _extension_file(location: str, module: str) -> str | None:
    from tf_lsp.resolver import listing

    parts = module.split(".")
    folder = os.path.join(location, *parts[:-1])
    for n in sorted(listing(folder) or ()):
        if n.startswith(parts[-1] + ".") and n.endswith(_EXT):
            return os.path.join(folder, n)
    return None


def _native_fatal(dist: "Distribution", modules: set[str], missing: list[str], changed: list[str]) -> list[str]:
    """Shared libraries of the distribution that are missing or changed in size and that the loader must open for
    an extension module the import loads (DT_NEEDED, followed through the package's own libraries). Those fail
    the import with "ImportError: <lib>: cannot open shared object file" (or a load error) although no Python
    module is missing: TF 2.15's extension modules need ``_pywrap_tensorflow_internal.so``, TF 2.21's need
    ``libtensorflow_framework.so.2``. Only read when such a file is damaged."""
    from tf_lsp.elf import dynamic_info, search_dirs

    loc = os.path.normpath(dist.location)
    gone = {os.path.normpath(os.path.join(loc, p)): p for p in missing if _is_shared_object(p)}
    bad = {os.path.normpath(os.path.join(loc, p)): p for p in changed if _is_shared_object(p)}
    if not gone and not bad:
        return []
    queue = [f for f in (_extension_file(loc, m) for m in sorted(modules)) if f is not None]
    seen = set(queue)
    out: list[str] = []
    while queue and len(seen) < 2000:
        f = queue.pop()
        info = dynamic_info(f)
        if info is None:
            continue
        dirs = search_dirs(f, info)
        for name in info.needed:
            raw = [os.path.join(d, name) for d in dirs]
            found = next((r for r in raw if os.path.exists(r)), None)
            rel_f = os.path.relpath(f, loc)
            if found is None:
                hit = next((gone[os.path.normpath(r)] for r in raw if os.path.normpath(r) in gone), None)
                if hit is not None:
                    out.append(f"{hit} is missing, and {rel_f} (loaded by this import) needs it: ImportError: {name}: "
                               f"cannot open shared object file: No such file or directory")
                continue
            real = os.path.normpath(os.path.realpath(found))
            if real in bad or os.path.normpath(found) in bad:
                out.append(f"{bad.get(real) or bad[os.path.normpath(found)]} has another size than recorded, and "
                           f"{rel_f} (loaded by this import) needs it: loading it fails with ImportError")
            if real.startswith(loc + os.sep) and real not in seen:
                seen.add(real)
                queue.append(real)
    return list(dict.fromkeys(out))


def _parses(path: str) -> bool:
    import ast

    try:
        ast.parse(safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT))
        return True
    except (OSError, SyntaxError, ValueError):
        return False


def _lost_init(ctx: ImportContext, res) -> tuple[Finding, str] | None:
    """A part of the import chain resolved as a namespace package although a RECORD lists its ``__init__.py``."""
    for part in (*res.parents, res):
        if part.kind != "namespace":
            continue
        top = part.name.split(".")[0]
        for loc in part.search_locations:
            init_rel = os.path.normpath(os.path.join(*part.name.split("."), "__init__.py"))
            for d in ctx.env.index.providers(top):
                if not os.path.normpath(loc).startswith(os.path.normpath(d.location) + os.sep):
                    continue
                if init_rel not in record_paths(d):
                    continue
                return _lost_init_finding(ctx, part, d, init_rel), init_rel
    return None


def _lost_init_finding(ctx: ImportContext, part, dist, init_rel: str) -> Finding:
    stmt = ctx.stmt
    names = [n.name for n in stmt.names] if stmt.is_from and stmt.module == part.name else []
    folder = os.path.join(dist.location, os.path.dirname(init_rel))
    missing_names = [n for n in names if n != "*" and not _submodule_exists(folder, n)]
    label = f"{dist.display_name} {dist.version}"
    if missing_names:
        sev = Severity.ERROR
        effect = (f"`from {part.name} import {missing_names[0]}` fails with ImportError: cannot import name "
                  f"'{missing_names[0]}' from '{part.name}' (unknown location)")
    elif part is ctx.resolution or stmt.is_from:
        sev = Severity.WARNING
        effect = (f"`import {stmt.module}` succeeds, but `{part.name}` is an empty namespace package: every "
                  f"`{part.name}.<name>` that its __init__ would define raises AttributeError")
    else:
        sev = Severity.WARNING
        effect = f"the submodule imports, but `{part.name}`'s own initialisation never runs"
    msg = (f"{init_rel} of {label} is missing (its RECORD lists it), so `{part.name}` became a namespace package: "
           f"{effect}. Force-reinstall {dist.display_name}=={dist.version}.")
    return ctx.finding("TFL106", msg, severity=sev, module=part.name,
                       fixes=[reinstall_fix(ctx.workspace, dist.name, dist.version)],
                       details=[f"RECORD: {dist.metadata_dir / 'RECORD'}", f"missing: {init_rel}"])


def _submodule_exists(folder: str, name: str) -> bool:
    from tf_lsp.resolver import listing

    names = listing(folder) or frozenset()
    return name in names or any(n.startswith(name + ".") and n.endswith((".py", *_EXT)) for n in names)


def _is_leftover(ctx: ImportContext, res) -> bool:
    """``res`` lands in a site-packages folder that no installed distribution claims (a leftover tree)."""
    top = res.top
    root = top.root
    if not root or top.kind in ("builtin", "editable", "zip", "alias"):
        return False
    site = {os.path.normpath(p) for p in ctx.env.snapshot.site_packages}
    if os.path.normpath(root) not in site:
        return False
    if any(os.path.normpath(d.location) == os.path.normpath(root) for d in ctx.env.index.providers(top.name)):
        return False
    # a distribution here whose RECORD we could not read may well claim the folder
    return not any(d.record_error and os.path.normpath(d.location) == os.path.normpath(root) for d in ctx.env.index.dists)


# a version literal in the package's own files: ``__version__ = "1.2"`` / ``version = '1.14.1'`` (scipy/version.py,
# numpy/version.py of their wheels; pandas 2.2.3's wheel: ``__version__="2.2.3"`` in _version_meson.py, the file
# meson builds write, which pandas/__init__.py imports)
_VERSION_LINE = re.compile(r"""^(?:__version__|version|VERSION)\s*(?::\s*str\s*)?=\s*["']([0-9][^"'\s]*)["']""", re.M)


def leftover_version(folder: str) -> str | None:
    """The version a leftover package folder states in its own files (``__init__.py``, ``version.py``,
    ``_version_meson.py``, ``_version.py``, ``__about__.py``), or None."""
    from packaging.version import InvalidVersion, Version

    for name in ("version.py", "_version_meson.py", "_version.py", "__init__.py", "__about__.py"):
        try:
            text = safeio.read_source(os.path.join(folder, name))
        except OSError:
            continue
        m = _VERSION_LINE.search(text)
        if m is not None:
            try:
                return str(Version(m.group(1)))
            except InvalidVersion:
                continue
    return None


def _leftover_reinstall(ctx: ImportContext, name: str, folder: str | None = None):
    """Reinstall over the leftover folder: the version its own files state (``--force-reinstall --no-deps``, the
    same file set, so nothing stale stays behind), else the distribution unpinned."""
    from tf_lsp.fixes import install_fix
    from tf_lsp.installgate import provider

    known = provider(ctx.workspace, name)      # only a distribution known to provide the name
    if known is None:
        return None
    version = leftover_version(folder) if folder else None
    if version is not None:
        return install_fix(ctx.workspace, [f"{known.dist}=={version}"], force_reinstall=True, no_deps=True,
                           title=f"Reinstall {known.dist}=={version} over the leftover folder (the version its files "
                                 f"state)")
    return install_fix(ctx.workspace, [known.dist], force_reinstall=True,
                       title=f"Reinstall {known.dist} over the leftover folder")


def leftover_fix(ctx: ImportContext, module: str):
    """The fix for a failure inside a leftover tree (a package folder without its .dist-info, often missing files
    too: an interrupted uninstall): reinstall the distribution known to provide its top-level name over it. None
    when ``module`` is not in such a tree or no distribution is known to provide it."""
    top = module.split(".")[0]
    if not top:
        return None
    res = ctx.resolver.resolve(top)
    if not res.found or not _is_leftover(ctx, res):
        return None
    root = res.top.root
    return _leftover_reinstall(ctx, top, os.path.join(root, top) if root and res.top.kind == "package" else None)


def _orphan(ctx: ImportContext, res) -> Finding | None:
    """The import lands in a site-packages folder that no installed distribution claims."""
    if not _is_leftover(ctx, res):
        return None
    top = res.top
    root = top.root
    target = os.path.join(root, top.name)
    if top.kind == "namespace":
        contents = [n for n in os.listdir(target) if n != "__pycache__"] if os.path.isdir(target) else []
        if contents:
            return None    # a real namespace portion (subpackages of its own), not a leftover
        names = [n.name for n in ctx.stmt.names if n.name != "*"] if ctx.stmt.is_from and ctx.stmt.module == top.name else []
        sev = Severity.ERROR if names else Severity.WARNING
        effect = (f"`from {top.name} import {names[0]}` fails with ImportError: cannot import name '{names[0]}'"
                  if names else f"`import {top.name}` succeeds as an empty namespace package and every use fails")
        msg = (f"{target}/ is an empty leftover of an uninstall (no distribution owns it): {effect}. "
               f"Delete the folder, then install the package again.")
    else:
        sev = Severity.WARNING
        what = f"{target}/" if top.kind == "package" else top.path
        msg = (f"`{top.name}` is loaded from {what}, which no installed distribution claims (no .dist-info lists it): "
               f"typically left by an interrupted uninstall or a deleted .dist-info (files the import runs may be gone "
               f"too: then another finding on this line says which). pip does not know it: "
               f"importlib.metadata.version('{top.name}') raises PackageNotFoundError and upgrades will not replace "
               f"it. Reinstall the package (pip overwrites the folder and records it).")
    fix = _leftover_reinstall(ctx, top.name, target if top.kind == "package" else None)
    fixes = [fix] if fix is not None else []
    return ctx.finding("TFL106", msg, severity=sev, module=top.name, fixes=fixes,
                       details=[f"orphan: {target}", f"searched for metadata in: {root}"])


__all__ = ["check", "leftover_fix"]
