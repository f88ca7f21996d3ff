"""The JAX rule pack: the GPU plugin wheels, and JAX's status summary.

The jax/jaxlib pairing that ``import jax`` enforces is a record of ``tf_lsp.knowledge.pairs`` (checked for every
package by ``tf_lsp.checks.pairs``, on every line whose import runs ``jax._src.lib``): this pack adds what only JAX
has, the GPU plugins pinned to jaxlib's release.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

from tf_lsp.fixes import install_fix
from tf_lsp.knowledge.jax import GPU_PLUGIN_PREFIXES, GPU_PLUGIN_SOURCE
from tf_lsp.knowledge.pairs import pair_for
from tf_lsp.model import Finding, Severity
from tf_lsp.packs import PackSummary, RulePack
from tf_lsp.version_checks import leading_numbers, module_strings

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState


def _installed(env: "EnvState", name: str) -> "Distribution | None":
    found = env.index.all(name)
    return found[0] if found else None


def check(ctx: "ImportContext") -> Iterable[Finding]:
    if ctx.stmt.level or ctx.stmt.module.split(".")[0] != "jax":
        return []
    if ctx.resolution is None or not ctx.resolution.found:
        return []
    jaxlib = _installed(ctx.env, "jaxlib")
    if _installed(ctx.env, "jax") is None or jaxlib is None:
        return []                       # not installed / jaxlib missing: the generic checks say so
    have = leading_numbers(jaxlib.version)
    out: list[Finding] = []
    for dist in ctx.env.index.dists:
        if dist.name.startswith(GPU_PLUGIN_PREFIXES) and leading_numbers(dist.version) != have:
            out.append(ctx.finding(
                "TFL115", f"{dist.display_name} {dist.version} is not the version of jaxlib {jaxlib.version}: jax pins "
                          f"its GPU plugins to its own release, so this plugin may fail to load; jax catches that, "
                          f"so `import jax` still works, possibly without the GPU.",
                module="jax", severity=Severity.WARNING, details=(f"source: {GPU_PLUGIN_SOURCE}",),
                fixes=[install_fix(ctx.workspace, [f"{dist.name}=={jaxlib.version}"], preferred=False)]))
    return out


def summary(env: "EnvState", environ: Mapping[str, str]) -> PackSummary | None:
    jax = _installed(env, "jax")
    if jax is None:
        return None
    jaxlib = _installed(env, "jaxlib")
    return PackSummary(framework="JAX", version=jax.version, distribution="jax",
                       details=(f"jaxlib {jaxlib.version}" if jaxlib else "jaxlib not installed",))


_GATE = pair_for("jax", "jaxlib")
PACK = RulePack(
    name="JAX",
    import_names=frozenset({"jax", "jaxlib", "jax_plugins"}),
    distributions=("jax", "jaxlib"),
    companions=("numpy", "scipy", "ml-dtypes", "opt-einsum"),
    check=check, summary=summary, key_imports=("jax",), sources=(_GATE.source if _GATE else "", GPU_PLUGIN_SOURCE),
)

__all__ = ["check", "summary", "leading_numbers", "module_strings", "PACK"]
