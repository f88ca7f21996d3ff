"""The checks, in the order they run: the generic check modules, then every rule pack of the registry
(``tf_lsp.packs``). A generic module exposes ``check(ctx: ImportContext) -> Iterable[Finding]``; a rule pack states
its hooks in its ``PACK`` record: ``check``, ``path_extender(env, environ) -> PathExtender | None`` (how a package
rewires its submodules at import time, read statically), ``file_findings(ws, path, text)`` and
``implied_imports(ctx) -> [(module, why)]`` (imports a statement runs before it can succeed: the workspace checks
them on the same line and carries their errors over).

A generic check module that cannot be imported is logged as an error (with FAILED_MODULES for doctor) and the
others go on; a rule pack that cannot be imported stops tf-lsp at start-up (``tf_lsp.packs``): never silently.
"""
from __future__ import annotations

import importlib
import logging

from tf_lsp.checks.base import ExtenderFactory, ImportCheck, ImportContext
from tf_lsp.packs import overridden_families, registry

# Order matters only for the order findings are listed in.
CHECK_MODULES = (
    "shadowing",      # TFL107: a workspace file hides the installed package
    "missing",        # TFL100/101/102/111: not found, and where it is instead
    "dependencies",   # TFL103/104/115: Requires-Dist missing or out of range
    "pairs",          # TFL104: version pairs a package enforces itself at import time
    "conflicts",      # TFL105: several distributions or copies claim one package
    "integrity",      # TFL106: RECORD files missing/truncated, orphan folders, lost __init__.py
    "simulation",     # TFL116/TFL112: what fails inside the code the import runs, across packages
    "native",         # TFL121: an extension module the import loads needs a shared library the loader cannot find
    "numpy_abi",      # TFL117: an extension module the import loads was built for another NumPy ABI
    "pyversion",      # TFL108/110: built for another Python / platform
)

IMPORT_CHECKS: list[ImportCheck] = []
PATH_EXTENDERS: list[ExtenderFactory] = []
FILE_CHECKS: list = []          # (workspace, path, text) -> findings that need the whole file
IMPLIED_IMPORTS: list = []      # (ctx) -> [(module, why)]

FAILED_MODULES: dict[str, str] = {}     # check module -> why it could not be imported (shown in logs and doctor)

for _name in CHECK_MODULES:
    try:
        _mod = importlib.import_module(f"tf_lsp.checks.{_name}")
    except Exception as _exc:      # one broken check module must not take the others down, nor vanish silently
        FAILED_MODULES[_name] = f"{type(_exc).__name__}: {_exc}"
        logging.getLogger("tf_lsp").error("check module tf_lsp.checks.%s could not be imported, so its findings are "
                                          "missing: %s", _name, FAILED_MODULES[_name], exc_info=True)
        continue
    if hasattr(_mod, "check"):
        IMPORT_CHECKS.append(_mod.check)

PACK_CHECKS: frozenset = frozenset(p.check for p in registry() if p.check is not None)
for _pack in registry():
    if _pack.check is not None:
        IMPORT_CHECKS.append(_pack.check)
    if _pack.path_extender is not None:
        PATH_EXTENDERS.append(_pack.path_extender)
    if _pack.file_findings is not None:
        FILE_CHECKS.append(_pack.file_findings)
    if _pack.implied_imports is not None:
        IMPLIED_IMPORTS.append(_pack.implied_imports)

OVERRIDDEN_FAMILIES: tuple[frozenset[str], ...] = overridden_families()
"""Code families a pack finding takes over from the generic findings on the same line (the packs declare them)."""


def is_pack(check) -> bool:
    """A rule pack's check (its findings win over the generic ones with the same family of codes)."""
    return check in PACK_CHECKS


__all__ = ["FAILED_MODULES", "IMPORT_CHECKS", "PATH_EXTENDERS", "FILE_CHECKS", "IMPLIED_IMPORTS", "ImportContext",
           "CHECK_MODULES", "is_pack", "OVERRIDDEN_FAMILIES", "PACK_CHECKS"]
