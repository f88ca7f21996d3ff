"""The JAX rule pack: the jax/jaxlib version pairing that ``import jax`` enforces, and the GPU plugin wheels.

A small second pack, to show that a framework's knowledge is one package plus one registry line: the generic
dependency check only knows that jax declares ``jaxlib>=min,<=jax``, and calls a miss "may still work"; jax checks
the pair itself when it is imported, so here the miss is certain to fail.
"""
from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING, Iterable, Mapping

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, registered
from tf_lsp.fixes import install_fix
from tf_lsp.knowledge.jax import GPU_PLUGIN_PREFIXES, GPU_PLUGIN_SOURCE, JAX_VERSION_VARIABLE, JAXLIB_GATE
from tf_lsp.model import Finding, Severity
from tf_lsp.packs import PackSummary, RulePack

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState

_LEADING = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_MODULE_STRINGS: dict = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


def leading_numbers(version: str) -> tuple[int, ...] | None:
    """``0.10.2rc1`` -> (0, 10, 2), the comparison jax itself makes; None when it does not start with a number."""
    m = _LEADING.match(version or "")
    return tuple(int(x) for x in m.group(0).split(".")) if m else None


def _string_assignments(path: str) -> dict[str, str]:
    tree = ast.parse(safeio.read_bytes(path))
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value.value
    return out


def module_strings(path: str) -> dict[str, str]:
    """Top-level ``NAME = "string"`` assignments of a module, read statically (cached until the file changes)."""
    try:
        return by_mtime(_MODULE_STRINGS, path, _string_assignments, missing={})
    except (SyntaxError, ValueError):
        return {}


def _installed(env: "EnvState", name: str) -> "Distribution | None":
    found = env.index.all(name)
    return found[0] if found else None


def _jax_folder(env: "EnvState", jax: "Distribution") -> str:
    return os.path.join(jax.location, "jax")


def check(ctx: "ImportContext") -> Iterable[Finding]:
    if ctx.stmt.level or ctx.stmt.module.split(".")[0] != "jax":
        return []
    if ctx.resolution is None or not ctx.resolution.found:
        return []
    jax = _installed(ctx.env, "jax")
    jaxlib = _installed(ctx.env, "jaxlib")
    if jax is None or jaxlib is None:
        return []                       # not installed / jaxlib missing: the generic checks say so
    out: list[Finding] = []
    gate = JAXLIB_GATE
    version_file = os.path.join(_jax_folder(ctx.env, jax), gate.minimum_from)
    strings = module_strings(version_file)
    minimum = strings.get(gate.minimum_variable)
    jax_version = strings.get(JAX_VERSION_VARIABLE) or jax.version
    have, lo, hi = leading_numbers(jaxlib.version), leading_numbers(minimum or ""), leading_numbers(jax_version)
    wanted = f"jaxlib>={minimum},<={jax_version}" if minimum else f"jaxlib<={jax_version}"
    details = (f"jax {jax_version} in {jax.location}", f"jaxlib {jaxlib.version} in {jaxlib.location}",
               f"source: {gate.source}")
    message = None
    if have is not None and lo is not None and have < lo:
        message = gate.message_too_old.format(companion=jaxlib.version, minimum=minimum)
    elif have is not None and hi is not None and have > hi:
        message = gate.message_too_new.format(companion=jaxlib.version, package=jax_version)
    if message:
        out.append(ctx.finding(
            "TFL104", f"`import jax` fails with RuntimeError: {message}", module="jax", details=details,
            fixes=[install_fix(ctx.workspace, [wanted], title=f"Install {wanted} (the jaxlib this jax accepts)")]))
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


PACK = RulePack(
    name="JAX",
    import_names=frozenset({"jax", "jaxlib", "jax_plugins"}),
    distributions=("jax", "jaxlib"),
    companions=("numpy", "scipy", "ml-dtypes", "opt-einsum"),
    overrides=(frozenset({"TFL104", "TFL115"}),),     # a missing dependency (TFL103) is never hidden
    check=check, summary=summary, sources=(JAXLIB_GATE.source, GPU_PLUGIN_SOURCE),
)

__all__ = ["check", "summary", "leading_numbers", "module_strings", "PACK"]
