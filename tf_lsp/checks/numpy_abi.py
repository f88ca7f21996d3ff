"""TFL117 numpy-abi-mismatch: an extension module the import loads was compiled against a NumPy whose binary
interface the installed NumPy does not have (``knowledge/numpy_abi.py``, read from the ``.so`` by ``numpyabi``).

Generic: any package's extension modules, found by simulating the import (``checks/simulation``), only those
loaded unconditionally. An error: NumPy's own ``import_array()`` refuses to load it. TensorFlow and Keras imports
are left to the TensorFlow pack (TFL104 says the same with TensorFlow's pins).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from tf_lsp.fixes import install_fix
from tf_lsp.knowledge.numpy_abi import ABI_BREAKS
from tf_lsp.model import Finding
from tf_lsp.numpyabi import numpy_build

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext

_PACK_TOPS = frozenset({"tensorflow", "keras"})


def check(ctx: "ImportContext") -> list[Finding]:
    stmt, res = ctx.stmt, ctx.resolution
    if stmt.level or res is None or not res.found or not stmt.module or stmt.top in _PACK_TOPS:
        return []
    numpy = _installed_numpy(ctx)
    if numpy is None:
        return []
    from tf_lsp.checks.simulation import simulation

    names = tuple(n.name for n in stmt.names) if stmt.is_from and not stmt.star else ()
    sim = simulation(ctx, stmt.module, names)
    for module, path in sim.extensions:
        if module.split(".")[0] == "numpy":
            continue
        build = numpy_build(path)
        if build is None or not build.uses_capi or build.built_for is None:
            continue
        for rule in ABI_BREAKS:
            if rule.built_for == build.built_for and SpecifierSet(rule.fails_with).contains(numpy[1], prereleases=True):
                return [_finding(ctx, module, path, numpy, rule)]
    return []


def _installed_numpy(ctx: "ImportContext") -> tuple[str, Version] | None:
    """(display, version) of the NumPy the import would load: the distribution whose files ``numpy`` resolves to."""
    res = ctx.resolver.resolve("numpy")
    if not res.found or not res.root:
        return None
    for d in ctx.env.index.providers("numpy"):
        if os.path.normpath(d.location) == os.path.normpath(res.root):
            try:
                return f"{d.display_name} {d.version}", Version(d.version)
            except InvalidVersion:
                return None
    return None


def _finding(ctx: "ImportContext", module: str, path: str, numpy: tuple[str, Version], rule) -> Finding:
    where = path
    for root in ctx.env.snapshot.sys_path:
        if root and path.startswith(root.rstrip(os.sep) + os.sep):
            where = os.path.relpath(path, root)
            break
    msg = (f"`import {ctx.stmt.module}` fails: it loads {module} ({where}), an extension module compiled against "
           f"NumPy {rule.built_for}, and {numpy[0]} is installed: {rule.message}. Install {rule.pin}, or a release "
           f"of the package built for NumPy 2.")
    fix = install_fix(ctx.workspace, [rule.pin], title=f"Install {rule.pin} (the NumPy {module} was built for)")
    return ctx.finding("TFL117", msg, fixes=[fix], module=module,
                       details=(f"read from {where}: it imports numpy.core._multiarray_umath only (NumPy 1.x headers)",
                                f"source: {rule.source}"))
