"""TFL104 for version pairs that a package enforces itself at import time, on every line whose import runs it.

A declared range that is not met is a warning (TFL115) unless the package's own import-time code refuses the pair.
That is known two ways:

- data (``tf_lsp.knowledge.pairs``): jax refuses a jaxlib outside [jax.version._minimum_jaxlib_version, jax];
  torchvision's compiled ops are built for one torch and ``torchvision._meta_registrations`` fails without them;
- read from the code (``tf_lsp.version_checks``): a module of the package that the import runs checks the
  companion's version at module level and raises; then the range the package declares is the one enforced.

The line's import is simulated across packages (``checks.simulation``, the same walk TFL116 uses), so the error
lands on ``import jax``, on ``from jax import jit``, and on ``import model`` when model.py imports jax. Nothing is
said when the module that enforces the pair is not reached.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tf_lsp.fixes import explain_fix, install_fix
from tf_lsp.installer_env import DEFAULT_INDEX
from tf_lsp.knowledge.pairs import ENFORCED_PAIRS, EnforcedPair
from tf_lsp.model import Finding
from tf_lsp.modfacts import module_facts
from tf_lsp.specifiers import fitting_specifier, satisfies
from tf_lsp.version_checks import leading_numbers, module_strings, version_checks

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState
    from tf_lsp.model import Fix


@dataclass(frozen=True)
class Violation:
    package: "Distribution"
    companion: "Distribution"
    wanted: str                 # the range the package accepts (``>=0.10.1,<=0.10.2``)
    error: str                  # the exception the import ends with
    where: str                  # the module (and file:line) that enforces it
    source: str                 # the record's source, or "read from <file>:<line>"
    fix_first: str              # "companion" | "package"
    why: str = ""               # when the range is met but the builds do not fit: what the compiled code lacks


def violations(ctx: "ImportContext") -> list[Violation]:
    """The enforced pairs this statement's import breaks (memoized per statement and script folder)."""
    stmt = ctx.stmt
    if stmt.level or ctx.resolution is None or not ctx.resolution.found or not stmt.module:
        return []
    candidates = _candidates(ctx.env, ctx.workspace.memo)
    if not candidates:
        return []
    from tf_lsp.checks.simulation import simulation, statement_names

    names = statement_names(stmt)
    key = ("pairs", ctx.script_dir, stmt.module, names)
    hit = ctx.workspace.memo.get(key)
    if hit is None:
        ran = simulation(ctx, stmt.module, names).modules
        hit = ctx.workspace.memo[key] = [v for c in candidates if (v := _judge(ctx, c, ran)) is not None]
    return hit


def _candidates(env: "EnvState", memo: dict) -> list[tuple["Distribution", "Distribution", EnforcedPair | None, str]]:
    """(package, companion, record or None, declared specifier) for each installed pair with a record, and each
    declared range an installed companion does not meet (computed once per environment)."""
    key = ("pair-candidates",)
    hit = memo.get(key)
    if hit is not None:
        return hit
    out = []
    seen = set()
    for d in env.index.dists:
        for req in d.dependencies(env.marker_env):
            comp = env.index.get(req.name)
            if comp is None or comp is d:
                continue
            rec = _record(d.name, comp.name)
            if rec is None and (not req.specifier or satisfies(req.specifier, comp.version)):
                continue
            out.append((d, comp, rec, str(req.specifier)))
            seen.add((d.name, comp.name))
    for rec in ENFORCED_PAIRS:
        d, comp = env.index.get(rec.package), env.index.get(rec.companion)
        if d is not None and comp is not None and (d.name, comp.name) not in seen:
            out.append((d, comp, rec, ""))
    memo[key] = out
    return out


def _record(package: str, companion: str) -> EnforcedPair | None:
    p, c = canonicalize_name(package), canonicalize_name(companion)
    return next((r for r in ENFORCED_PAIRS if r.package == p and r.companion == c), None)


def _judge(ctx: "ImportContext", cand, ran: tuple[str, ...]) -> Violation | None:
    d, comp, rec, declared = cand
    if rec is not None:
        if rec.enforced_by not in ran:
            return None
        return _by_record(ctx, d, comp, rec, declared)
    tops = set(d.import_names)
    wanted_names = set(_import_names(ctx.env, comp)) | {f"dist:{comp.name}", f"dist:{comp.display_name}"}
    memo = ctx.workspace.memo
    # a module can only read the companion's version if it imports it (or importlib.metadata): the facts the
    # simulation already holds say so, and spare reading every other file again
    lookfor = frozenset(n for n in wanted_names if not n.startswith("dist:")) | _METADATA_TOPS
    for mod in ran:
        if mod.split(".")[0] not in tops:
            continue
        key = ("version-checks", ctx.script_dir, mod)       # per environment load: many lines run the same modules
        hit = memo.get(key)
        if hit is None:
            res = ctx.resolver.resolve(mod)
            hit = memo[key] = ((res.path, version_checks(res.path))
                               if res.path and res.path.endswith(".py") and _imports_any(res.path, lookfor)
                               else (None, ()))
        path, checks = hit
        if path is None:
            continue
        for chk in checks:
            if wanted_names & set(chk.names):
                where = f"{mod} ({_short(ctx, path)}:{chk.line})"
                return Violation(d, comp, declared, "", where, f"read from {_short(ctx, path)}:{chk.line}",
                                 "companion")
    return None


_METADATA_TOPS = frozenset({"importlib", "importlib_metadata"})


def _imports_any(path: str, tops: frozenset[str]) -> bool:
    facts = module_facts(path)
    if facts is None or not facts.parsed:
        return True                   # cannot tell: read the file
    return any(not e.level and e.module.split(".")[0] in tops for e in facts.imports)


def _import_names(env: "EnvState", dist: "Distribution") -> tuple[str, ...]:
    from tf_lsp.checks.dependencies import import_names_for
    return import_names_for(env, dist.name)


def _short(ctx: "ImportContext", path: str) -> str:
    for root in ctx.env.snapshot.sys_path:
        if root and path.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, root)
    return path


def _by_record(ctx: "ImportContext", d, comp, rec: EnforcedPair, declared: str) -> Violation | None:
    if rec.accepts == "declared":
        error = rec.error.format(companion_version=comp.version, wanted=declared, package_version=d.version, minimum="")
        if declared and not satisfies(SpecifierSet(declared), comp.version):
            return Violation(d, comp, declared, error, rec.enforced_by, rec.source, rec.fix_first)
        lacking = _lacking_companion_libs(d, comp, rec)
        if not lacking:
            return None
        why = "; ".join(f"{rel} needs {', '.join(libs)}" for rel, libs in lacking)
        return Violation(d, comp, declared, error, rec.enforced_by, rec.source, rec.fix_first,
                         why=f"{why}, which {comp.name} {comp.version} does not have ({rec.companion_libs}/)")
    minimum = module_strings(os.path.join(d.location, *rec.minimum_file.split("/"))).get(rec.minimum_variable)
    have, lo, hi = leading_numbers(comp.version), leading_numbers(minimum or ""), leading_numbers(d.version)
    wanted = f">={minimum},<={d.version}" if minimum else f"<={d.version}"
    fill = dict(companion_version=comp.version, minimum=minimum, package_version=d.version, wanted=wanted)
    if have is not None and lo is not None and have < lo:
        error = rec.error.format(**fill)
    elif have is not None and hi is not None and have > hi:
        error = (rec.error_too_new or rec.error).format(**fill)
    else:
        return None
    return Violation(d, comp, wanted, error, rec.enforced_by, rec.source, rec.fix_first)


def _lacking_companion_libs(d, comp, rec: EnforcedPair) -> list[tuple[str, list[str]]]:
    """(library, the companion's libraries it needs that are nowhere): the package was built for another build of
    the companion. Read from DT_NEEDED and RUNPATH (``tf_lsp.elf``); nothing is loaded."""
    import glob

    from tf_lsp.elf import dynamic_info, search_dirs

    if not rec.compiled or not rec.companion_lib_prefixes:
        return []
    libdir = os.path.join(comp.location, *rec.companion_libs.split("/"))
    out = []
    for path in sorted(glob.glob(os.path.join(d.location, rec.compiled)))[:8]:
        info = dynamic_info(path)
        if info is None:
            continue
        dirs = [libdir, os.path.dirname(path), *search_dirs(path, info)]
        lacking = [n for n in info.needed if n.startswith(rec.companion_lib_prefixes)
                   and not any(os.path.exists(os.path.join(x, n)) for x in dirs)]
        if lacking:
            out.append((os.path.relpath(path, d.location), lacking))
    return out


def check(ctx: "ImportContext") -> list[Finding]:
    return [_finding(ctx, v) for v in violations(ctx)]


def _finding(ctx: "ImportContext", v: Violation) -> Finding:
    d, comp = v.package, v.companion
    if v.why:
        return _build_finding(ctx, v)
    fit = fitting_specifier(ctx.env, comp.name, extra=[v.wanted])
    comp_spec = f"{comp.name}{fit.specifier or v.wanted}"
    keep = f"{comp.name}=={_public(comp.version)}"
    fixes = [install_fix(ctx.workspace, [comp_spec], title=f"Install {comp_spec} (what {d.name} {d.version} accepts)",
                         package=comp.name, specifier=fit.specifier or v.wanted,
                         preferred=v.fix_first == "companion"),
             install_fix(ctx.workspace, [d.name, keep],
                         title=f"Install the {d.name} release that accepts {comp.name} {comp.version} (keeps {keep})",
                         preferred=v.fix_first == "package")]
    if v.fix_first == "package":
        fixes.reverse()
    if "+" in comp.version and all(getattr(f.args, "index", None) == DEFAULT_INDEX for f in fixes if f.command):
        # a local build (``2.13.0+cpu``): the default index has no build of the package for it, and installing the
        # companion from there replaces the local build with another one: say what to install, run nothing
        fixes = [_variant_fix(d, comp)]
    error = v.error or f"the check at {v.where} raises"
    runs = "" if ctx.stmt.module.split(".")[0] in d.import_names else f" (this import runs {v.where.split(' ')[0]})"
    msg = (f"{d.display_name} {d.version} accepts only {comp.name}{v.wanted}, and {comp.name} {comp.version} is "
           f"installed: {d.name} checks this itself when it is imported, so `import {ctx.stmt.module}` fails{runs}: "
           f"{error}")
    details = (f"dependency: {comp.name}", f"enforced by: {v.where}", f"source: {v.source}",
               f"installed: {d.name} {d.version} in {d.location}", f"installed: {comp.name} {comp.version} in {comp.location}")
    return ctx.finding("TFL104", msg, fixes=fixes, details=details, module=comp.name)


def _build_finding(ctx: "ImportContext", v: Violation) -> Finding:
    """The range is met but the package is a build for another build of the companion (CUDA vs CPU). No install
    from the default index is offered: it has one build per release, so it would give the same pair again."""
    d, comp = v.package, v.companion
    msg = (f"{d.display_name} {d.version} is a build for another build of {comp.name} {_public(comp.version)}: "
           f"{v.why}. {d.name} loads its compiled code when it is imported, so `import {ctx.stmt.module}` fails: "
           f"{v.error}")
    details = (f"dependency: {comp.name}", f"enforced by: {v.where}", f"source: {v.source}",
               f"installed: {d.name} {d.version} in {d.location}", f"installed: {comp.name} {comp.version} in {comp.location}")
    return ctx.finding("TFL104", msg, fixes=[_variant_fix(d, comp)], details=details, module=comp.name)


def _variant_fix(d, comp) -> "Fix":
    local = comp.version.split("+", 1)[1] if "+" in comp.version else ""
    hint = (f"Install the {d.name} release that pins {comp.name}=={_public(comp.version)} from the index "
            f"{comp.name} {comp.version} came from" + (f" (the one with the '+{local}' builds: the default index has "
                                                       f"no local versions)" if local else "") + ".")
    return explain_fix(f"Install the {d.name} build made for {comp.name} {comp.version}", hint)


def _public(version: str) -> str:
    return version.split("+", 1)[0]


def covered(ctx: "ImportContext") -> set[tuple[str, str]]:
    """(package, companion) pairs reported as TFL104 on this statement: the range warning (TFL115) on the same
    dependency is replaced by it."""
    return {(v.package.name, v.companion.name) for v in violations(ctx)}


__all__ = ["Violation", "violations", "check", "covered"]
