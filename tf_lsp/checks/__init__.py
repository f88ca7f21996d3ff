"""The checks, in the order they run. Each module exposes ``check(ctx: ImportContext) -> Iterable[Finding]``;
a module may also expose ``path_extender(env, environ) -> PathExtender | None`` (how a package rewires its
submodules at import time, read statically) and ``implied_imports(ctx) -> [(module, why)]`` (imports a statement
runs before it can succeed: the workspace checks them on the same line and carries their errors over).

Generic modules work for any import; ``tensorflow`` is the TensorFlow rule pack on top.
"""
from __future__ import annotations

import importlib

from tf_lsp.checks.base import ExtenderFactory, ImportCheck, ImportContext

# Order matters only for the order findings are listed in.
CHECK_MODULES = (
    "shadowing",      # TFL107: a workspace file hides the installed package
    "missing",        # TFL100/101/102/111: not found, and where it is instead
    "dependencies",   # TFL103/104/115: Requires-Dist missing or out of range
    "conflicts",      # TFL105: several distributions or copies claim one package
    "integrity",      # TFL106: RECORD files missing/truncated, orphan folders, lost __init__.py
    "simulation",     # TFL116/TFL112: what fails inside the code the import runs, across packages
    "numpy_abi",      # TFL117: an extension module the import loads was built for another NumPy ABI
    "pyversion",      # TFL108/110: built for another Python / platform
    "tensorflow",     # TFL1xx: the TensorFlow rule pack (keras wiring, removed/private modules, names, CUDA, ...)
)

IMPORT_CHECKS: list[ImportCheck] = []
PATH_EXTENDERS: list[ExtenderFactory] = []
FILE_CHECKS: list = []          # (workspace, path, text) -> findings that need the whole file
IMPLIED_IMPORTS: list = []      # (ctx) -> [(module, why)]

for _name in CHECK_MODULES:
    try:
        _mod = importlib.import_module(f"tf_lsp.checks.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"tf_lsp.checks.{_name}":
            raise
        continue
    if hasattr(_mod, "check"):
        IMPORT_CHECKS.append(_mod.check)
    if hasattr(_mod, "path_extender"):
        PATH_EXTENDERS.append(_mod.path_extender)
    if hasattr(_mod, "file_findings"):
        FILE_CHECKS.append(_mod.file_findings)
    if hasattr(_mod, "implied_imports"):
        IMPLIED_IMPORTS.append(_mod.implied_imports)



def is_pack(check) -> bool:
    """A rule pack's check (its findings win over the generic ones with the same family of codes)."""
    return check.__module__.startswith("tf_lsp.checks.tensorflow")


__all__ = ["IMPORT_CHECKS", "PATH_EXTENDERS", "FILE_CHECKS", "IMPLIED_IMPORTS", "ImportContext", "CHECK_MODULES", "is_pack"]
