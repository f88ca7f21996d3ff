"""TFL117 numpy-abi-mismatch: an extension module the import loads was compiled against a NumPy whose binary
interface the installed NumPy does not have (``knowledge/numpy_abi.py``, read from the ``.so`` by ``numpyabi``):
built for NumPy 1.x under NumPy 2, or built for NumPy 2 with a C-API target newer than the installed NumPy.

Generic: any package's extension modules, found by simulating the import (``checks/simulation``), only those
loaded unconditionally. An error: NumPy's own ``import_array()`` refuses to load it. Statements a rule pack answers
in full (its ``checked_imports``: TensorFlow and Keras, whose TFL104 says the same with TensorFlow's pins) are left
to that pack.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from tf_lsp.fixes import install_fix
from tf_lsp.knowledge.numpy_abi import ABI_BREAKS, CAPI_SOURCE, c_api
from tf_lsp.model import Finding
from tf_lsp.numpyabi import numpy_build
from tf_lsp.packs import checked_imports

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext


def check(ctx: "ImportContext") -> list[Finding]:
    stmt, res = ctx.stmt, ctx.resolution
    if stmt.level or res is None or not res.found or not stmt.module or stmt.top in checked_imports():
        return []
    numpy = _installed_numpy(ctx)
    if numpy is None:
        return []
    from tf_lsp.checks.simulation import statement_simulation

    sim = statement_simulation(ctx)
    for module, path in sim.extensions:
        if module.split(".")[0] == "numpy":
            continue
        build = numpy_build(path)
        if build is None or not build.uses_capi or build.built_for is None:
            continue
        for rule in ABI_BREAKS:
            if rule.built_for == build.built_for and SpecifierSet(rule.fails_with).contains(numpy[1], prereleases=True):
                return [_finding(ctx, module, path, numpy, rule)]
        if build.built_for == "2.x" and build.target:
            need, have = c_api(build.target), c_api(numpy[1].base_version)
            if need is not None and have is not None and have < need:
                return [_target_finding(ctx, module, path, numpy, build.target, need, have)]
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


def _where(ctx: "ImportContext", path: str) -> str:
    for root in ctx.env.snapshot.sys_path:
        if root and path.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, root)
    return path


def _target_finding(ctx: "ImportContext", module: str, path: str, numpy: tuple[str, Version], target: str,
                    need: int, have: int) -> Finding:
    where = _where(ctx, path)
    pin = f"numpy>={target}"
    msg = (f"`import {ctx.stmt.module}` fails: it loads {module} ({where}), an extension module compiled against "
           f"NumPy 2 for the C API of NumPy {target} (0x{need:x}), and {numpy[0]} provides only 0x{have:x}: "
           f"RuntimeError: module was compiled against NumPy C-API version 0x{need:x} (NumPy {target}) but the "
           f"running NumPy has C-API version 0x{have:x}, then ImportError: numpy.core.multiarray failed to import. "
           f"Install {pin}.")
    fix = install_fix(ctx.workspace, [pin], title=f"Install {pin} (the C API {module} was built for)")
    return ctx.finding("TFL117", msg, fixes=[fix], module=module,
                       details=(f"read from {where}: it imports numpy._core._multiarray_umath and targets NumPy "
                                f"{target}'s C API", f"source: {CAPI_SOURCE}"))


def _finding(ctx: "ImportContext", module: str, path: str, numpy: tuple[str, Version], rule) -> Finding:
    where = _where(ctx, path)
    msg = (f"`import {ctx.stmt.module}` fails: it loads {module} ({where}), an extension module compiled against "
           f"NumPy {rule.built_for}, and {numpy[0]} is installed: {rule.message}. Install {rule.pin}, or a release "
           f"of the package built for NumPy 2.")
    fix = install_fix(ctx.workspace, [rule.pin], title=f"Install {rule.pin} (the NumPy {module} was built for)")
    return ctx.finding("TFL117", msg, fixes=[fix], module=module,
                       details=(f"read from {where}: it imports numpy.core._multiarray_umath only (NumPy 1.x headers)",
                                f"source: {rule.source}"))
