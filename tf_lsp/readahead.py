"""Which packages a file's check will walk, queued for ``prefetch``'s helpers before the checks start.

A cold check of ``import tensorflow`` spends its first half second on other work (the interpreter, the project
model, RECORD integrity) before its walk reaches TensorFlow, and later walks Keras, NumPy and the rest one module at
a time. Queued here, those packages are read by the helpers meanwhile, on the other cores: first the packages the
file imports; the packages those import are queued as the walk reads them (``prefetch``). What is queued only
warms the facts store; a package the walk never needs costs a helper's time, never an answer.
On a warm run each imported package costs one store lookup (its ``__init__.py`` is known) and nothing is queued;
a server looks at each name once.
"""
from __future__ import annotations

import os

from tf_lsp import modfacts, prefetch
from tf_lsp.filecache import registered

MAX_PACKAGES = 40           # top-level names looked at for one file at most
# (sys.path, name) looked at once in this process: a re-check in a server costs nothing (a cache of work done
# ahead only, never of an answer)
_LOOKED_AT: set[tuple[tuple[str, ...], str]] = registered(set(), stamp="none needed: it only says what was queued")


def source_locations(res) -> tuple[str, ...] | None:
    """Where a resolved top-level module's sources are, to read ahead: a package's (or namespace's) folders, or a
    module's ``.py`` file; None for anything else (not found, an extension, a builtin)."""
    if not res.found:
        return None
    if res.kind in ("package", "namespace") and res.search_locations:
        return tuple(res.search_locations)
    if res.kind == "module" and res.path and res.path.endswith(".py"):
        return (res.path,)
    return None


def _package(resolver, name: str, stdlib) -> tuple[str, ...] | None:
    if name in stdlib:
        return None
    try:
        res = resolver.resolve(name)
    except Exception:        # a damaged environment: the checks say so; reading ahead is only a speed-up
        return None
    return source_locations(res)


def _known(folders: tuple[str, ...]) -> bool:
    """Is the package read already (the facts of one of its ``__init__.py`` files are stored)? Anything without
    one counts as read: namespaces and single modules are left to the walk here (``prefetch`` queues them when
    the walk's reads import them)."""
    for folder in folders:
        init = os.path.join(folder, "__init__.py")
        if os.path.isfile(init):
            return modfacts.facts_known(init)
    return True


def queue_imports(env, resolver, modules) -> list[tuple[str, ...]]:
    """Queue the packages of ``modules`` (top-level names the file imports, in order) for reading ahead; the
    list queued (empty when all were read already). The packages those import are queued as the walk reads them
    (``prefetch.package_facts``' ``follow``)."""
    if prefetch._helpers() == 0:
        return []
    stdlib = env.snapshot.stdlib_names
    path = tuple(resolver.sys_path)
    tops = [t for t in dict.fromkeys(m.split(".")[0] for m in modules if m)
            if t not in stdlib and (path, t) not in _LOOKED_AT][:MAX_PACKAGES]
    packages = []
    for top in tops:
        _LOOKED_AT.add((path, top))
        p = _package(resolver, top, stdlib)
        if p is not None and not _known(p):
            packages.append(p)
    prefetch.ahead(packages)
    return packages
