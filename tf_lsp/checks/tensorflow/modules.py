"""(B) Removed TensorFlow modules (TFL113) with their migration, and private modules (TFL114)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tf_lsp.knowledge.tensorflow import PRIVATE_PREFIXES, REMOVED_MODULES, RemovedModule
from tf_lsp.model import Finding

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext


def removed_entry(module: str) -> RemovedModule | None:
    """The most specific removed-module record covering ``module``."""
    best = None
    for r in REMOVED_MODULES:
        if module == r.prefix or module.startswith(r.prefix + "."):
            if best is None or len(r.prefix) > len(best.prefix):
                best = r
    return best


def removed_finding(ctx: "ImportContext", module: str, *, range=None) -> Finding | None:
    rec = removed_entry(module)
    if rec is None:
        return None
    tf_version = _tf_version(ctx)
    msg = (f"`{module}` does not exist in TensorFlow {tf_version or '2.x'} (removed in {rec.removed_in}): {rec.hint}")
    return ctx.finding("TFL113", msg, range=range, module=module, details=(f"source: {rec.source}",))


def removed_or_private(ctx: "ImportContext") -> list[Finding]:
    stmt, res = ctx.stmt, ctx.resolution
    if res is None:
        return []
    out = []
    if not res.found:
        missing = res.failed_at or stmt.module
        f = removed_finding(ctx, stmt.module) or removed_finding(ctx, missing)
        if f is not None:
            out.append(f)
    elif stmt.is_from:
        for n in stmt.names:
            full = f"{stmt.module}.{n.name}"
            rec = removed_entry(full)
            if rec and not ctx.resolver.resolve(full).found and not _defines(ctx, n.name, removed_in=rec.removed_in):
                out.append(removed_finding(ctx, full, range=n.range))
    if res.found:
        for prefix, source in PRIVATE_PREFIXES:
            if stmt.module == prefix or stmt.module.startswith(prefix + "."):
                out.append(ctx.finding("TFL114", f"`{stmt.module}` is TensorFlow's private implementation: it works "
                                                 f"today but may change or disappear in any release. Use the public "
                                                 f"`tf.*` API (`import tensorflow as tf`) where one exists.",
                                       details=(f"source: {source}",)))
                break
    return out


def _defines(ctx: "ImportContext", name: str, *, removed_in: str) -> bool:
    """Does the module bind ``name``? When its names cannot be listed (a module that adds names by code, as
    ``tensorflow/__init__.py`` does), the installed TensorFlow's version decides: at or after the removal, no."""
    from tf_lsp.checks.names import module_names
    known = module_names(ctx.resolution)
    if known is not None:
        return name in known
    version = _tf_version(ctx)
    if version is None:
        return True
    from packaging.version import InvalidVersion, Version
    try:
        return Version(version).release[:2] < Version(removed_in).release[:2]
    except InvalidVersion:
        return True


def _tf_version(ctx: "ImportContext") -> str | None:
    from tf_lsp.checks.tensorflow.common import find_tensorflow
    tf = find_tensorflow(ctx.env, ctx.environ)
    return str(tf.version) if tf and tf.version else None
