"""The checks, in the order they run. Each is a function ``(ImportContext) -> Iterable[Finding]``.

Generic checks work for any import; rule packs (``tf_lsp.checks.tensorflow``) add their own checks and
``__path__`` extenders (how a package rewires its submodules at import time, read statically).
"""
from __future__ import annotations

from tf_lsp.checks.base import ExtenderFactory, ImportCheck, ImportContext
from tf_lsp.checks import missing

IMPORT_CHECKS: list[ImportCheck] = [missing.check]
PATH_EXTENDERS: list[ExtenderFactory] = []

__all__ = ["IMPORT_CHECKS", "PATH_EXTENDERS", "ImportContext"]
