"""Truncated or replaced modules that still parse (issue 15, class 3): a module of the import whose size differs
from RECORD is fatal when other modules the import runs use names it no longer defines — found by the simulated
import (``tf_lsp.simulate``): their ``from m import name`` or module-level ``m.name`` fails."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tf_lsp.simulate import Failure

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext


def lost_names(ctx: "ImportContext", modules: set[str]) -> dict[str, Failure]:
    """For each of ``modules``, the first failure of the simulated import that is a name it does not define."""
    from tf_lsp.checks.simulation import statement_simulation

    out: dict[str, Failure] = {}
    for f in statement_simulation(ctx).failures:
        if f.kind in ("name", "attribute") and f.module in modules and f.module not in out:
            out[f.module] = f
    return out


def damaged_file(ctx: "ImportContext", module: str) -> bool:
    """Is ``module``'s file one its distribution's RECORD lists with another size? (Then the corrupted-install
    finding, with its reinstall fix, tells the cause.)"""
    import os

    from tf_lsp.checks.integrity import cached_record_state, recorded_faithfully
    from tf_lsp.checks.simulation import _owner

    res = ctx.resolver.resolve(module)
    dist = _owner(ctx, module)
    if dist is None or not res.path or not recorded_faithfully(dist):
        return False
    rel = os.path.normpath(os.path.relpath(res.path, dist.location))
    return rel in {os.path.normpath(p) for p in cached_record_state(ctx, dist).changed}
