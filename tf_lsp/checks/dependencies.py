"""TFL103 missing-dependency, TFL115 version-warning (and the data TFL104 is built from).

For the distribution that owns the imported module, its Requires-Dist (markers evaluated for the TARGET
interpreter) are compared with what is installed.

- A missing dependency is an ERROR only when the import really needs it: its import name appears in the static
  import closure of the imported module (``closure.py``), directly or through a dependency that is itself needed
  (followed a few levels deep). When the closure is complete and the name is not in it, the import works: WARNING.
  When the walk was cut short and the name was not seen: WARNING (conservative, never a false ERROR).
- A version outside the declared range is a WARNING (TFL115): a declared range is a claim, not a verdict. The
  TensorFlow rule pack upgrades the combinations known to break to TFL104 through ``dependency_problems``, and
  ``checks.pairs`` does for pairs the package enforces itself at import time (its TFL104 replaces the TFL115).

- A dependency whose metadata is there but whose files are gone (the resolver finds nothing under its import
  name) counts as missing when the import needs it: ERROR, fix = force-reinstall.

Per statement: one TFL103 ERROR listing every dependency the import needs that is missing (the message names the
first, with the exact ModuleNotFoundError), one TFL103 WARNING for the missing ones it does not need, and one
TFL115 per dependency out of range (``module`` = that dependency, ``details`` carry ``dependency: <name>`` lines,
see ``dependencies_of``). Results are cached per (distribution, module) for the environment's lifetime.

The fix pins the version that satisfies every installed distribution's requirement on that package at once
(``combined_specifier``), in the install fix's ``package``/``specifier`` (``InstallArgs``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tf_lsp.checks.base import ImportContext
from tf_lsp.checks.closure import Closure, import_closure
from tf_lsp.checks.pairs import covered
from tf_lsp.fixargs import InstallArgs
from tf_lsp.fixes import install_fix
from tf_lsp.knowledge.import_names import DIST_FOR_IMPORT
from tf_lsp.model import Finding, Severity
from tf_lsp.record import owning_distribution
from tf_lsp.specifiers import fitting_specifier, requirements_on, satisfies

if TYPE_CHECKING:
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState

MAX_DEPTH = 3


@dataclass(frozen=True)
class DepProblem:
    requirement: Requirement            # as declared by ``dist`` (markers already evaluated for the target)
    installed: str | None               # installed version, None when missing
    needed_at_import: bool | None       # True: the import runs code that imports it; False: it does not; None: unknown
    dist: str                           # canonical name of the distribution that declares it
    via: tuple[str, ...] = ()           # chain of distributions from the imported one down to ``dist``
    import_names: tuple[str, ...] = ()  # what it is imported as
    files_missing: bool = False         # metadata says installed, but its import name resolves to nothing

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def missing(self) -> bool:
        return self.installed is None or self.files_missing


# --- data functions (used by the TensorFlow rule pack too) -------------------------------------------------------

def import_names_for(env: "EnvState", dist_name: str) -> tuple[str, ...]:
    """Top-level import names of a distribution: from its metadata when installed, else the known table / its name."""
    d = env.index.get(dist_name)
    if d is not None and d.import_names:
        return d.import_names
    canon = canonicalize_name(dist_name)
    names = [imp.split(".")[0] for imp, dn in DIST_FOR_IMPORT.items() if canonicalize_name(dn) == canon]
    names.append(canon.replace("-", "_"))
    return tuple(dict.fromkeys(names))


def closure_of(dist: "Distribution", module: str) -> Closure | None:
    if dist.editable:
        return None
    return import_closure(module, location=dist.location, metadata_dir=dist.metadata_dir)


def dependency_problems(env: "EnvState", dist: "Distribution", *, extras: Iterable[str] = (),
                        module: str | None = None, importable: Callable[[str], bool] | None = None) -> list[DepProblem]:
    """Direct requirements of ``dist`` that are missing or out of range in ``env``.

    ``needed_at_import`` is decided with the import closure of ``module`` (default: the distribution's first
    top-level name). With ``importable`` (import name -> found by the resolver), a dependency whose metadata is
    there but whose files are gone counts as missing (``files_missing``)."""
    module = module or (dist.import_names[0] if dist.import_names else None)
    closure = closure_of(dist, module) if module else None
    out = []
    for req in dist.dependencies(env.marker_env, extras=extras):
        installed = env.index.get(req.name)
        names = import_names_for(env, req.name)
        needed = _needed(closure, names)
        gone = _gone(installed, names, needed, importable)
        if installed is not None and not gone and (not req.specifier or satisfies(req.specifier, installed.version)):
            continue
        out.append(DepProblem(req, installed.version if installed else None, needed, dist.name, (dist.name,), names,
                              gone))
    return out


def _gone(installed, names, needed, importable) -> bool:
    return bool(installed is not None and needed and importable is not None and names
                and not any(importable(n) for n in names))


def _needed(closure: Closure | None, names: Iterable[str]) -> bool | None:
    if closure is None:
        return None
    verdicts = [closure.needs(n) for n in names]
    if any(v is True for v in verdicts):
        return True
    if verdicts and all(v is False for v in verdicts):
        return False
    return None


def import_problems(env: "EnvState", dist: "Distribution", module: str, *, max_depth: int = MAX_DEPTH,
                    importable: Callable[[str], bool] | None = None) -> list[DepProblem]:
    """``dependency_problems`` of ``dist`` plus, for each dependency the import needs and that is installed, the
    missing dependencies *it* needs at import (depth-bounded). Out-of-range versions only for direct ones."""
    out = dependency_problems(env, dist, module=module, importable=importable)
    seen = {dist.name}
    frontier = [(dist, module, (dist.name,))]
    closure = closure_of(dist, module)
    for _ in range(max_depth):
        nxt = []
        for d, mod, via in frontier:
            cl = closure if d is dist else closure_of(d, mod)
            if cl is None:
                continue
            for req in d.dependencies(env.marker_env):
                dep = env.index.get(req.name)
                if dep is None or dep.name in seen or (importable is not None and not any(map(importable, dep.import_names))):
                    continue
                names = [n for n in dep.import_names if cl.needs(n)]
                if not names:
                    continue
                seen.add(dep.name)
                nxt.append((dep, names[0], via + (dep.name,)))
        for dep, mod, via in nxt:
            dcl = closure_of(dep, mod)
            for req in dep.dependencies(env.marker_env):
                there = env.index.get(req.name)
                names = import_names_for(env, req.name)
                needed = _needed(dcl, names)
                gone = _gone(there, names, needed, importable)
                if needed and (there is None or gone):
                    out.append(DepProblem(req, there.version if there else None, True, dep.name, via, names, gone))
        frontier = nxt
    return out


def combined_specifier(env: "EnvState", name: str) -> tuple[str, list[str]]:
    """(``name`` + the specifier that fits every installed distribution, who asks for what): ``fitting_specifier``."""
    fit = fitting_specifier(env, name)
    return fit.requirement(name), [f"{who} requires {name}{spec}" for who, spec in fit.constraints]


# --- the check ---------------------------------------------------------------------------------------------------

def check(ctx: ImportContext) -> Iterable[Finding]:
    res = ctx.resolution
    if res is None or not res.found:
        return []
    dist = owning_distribution(ctx.env, res)
    if dist is None:
        return []
    key = ("deps", str(dist.metadata_dir), res.name)
    problems = ctx.workspace.memo.get(key)
    present_key = ("deps-present", str(dist.metadata_dir), ctx.script_dir)
    if problems is None and present_key not in ctx.workspace.memo:
        ctx.workspace.memo[present_key] = _all_present(ctx.env, dist, lambda n: ctx.resolver.resolve(n).found)
    if problems is None and ctx.workspace.memo[present_key]:
        problems = ctx.workspace.memo[key] = []    # nothing missing or out of range: no closure needed (fast path)
    if problems is None:
        problems = import_problems(ctx.env, dist, res.name, importable=lambda n: ctx.resolver.resolve(n).found)
        if all(p.needed_at_import is not None for p in problems if p.missing):
            ctx.workspace.memo[key] = problems     # an unsure verdict (closure cut short) is computed again next time
    out = []
    needed = [p for p in problems if p.missing and p.needed_at_import]
    unneeded = [p for p in problems if p.missing and not p.needed_at_import]
    if needed:
        out.append(_missing_finding(ctx, dist, needed, fatal=True))
    if unneeded:
        out.append(_missing_finding(ctx, dist, unneeded, fatal=False))
    enforced = covered(ctx) if any(not p.missing for p in problems) else set()
    out.extend(_range_finding(ctx, dist, p) for p in problems if not p.missing and (p.dist, p.name) not in enforced)
    return out


def _all_present(env: "EnvState", dist: "Distribution", importable: Callable[[str], bool]) -> bool:
    """True when every requirement reachable from ``dist`` (as deep as ``import_problems`` looks, and one level
    more) is installed, in range, and importable: then no import closure has to be computed at all."""
    seen = {dist.name}
    frontier = [dist]
    for _ in range(MAX_DEPTH + 1):
        nxt = []
        for d in frontier:
            for req in d.dependencies(env.marker_env):
                dep = env.index.get(req.name)
                if dep is None:
                    return False
                if d is dist and req.specifier and not satisfies(req.specifier, dep.version):
                    return False
                if dep.name in seen:
                    continue
                seen.add(dep.name)
                names = import_names_for(env, req.name)
                if names and not any(importable(n) for n in names):
                    return False
                nxt.append(dep)
        frontier = nxt
    return True


def dependencies_of(finding: Finding) -> list[str]:
    """The dependencies (canonical names) a TFL103/TFL115 finding of this module is about, read from its details,
    so a more specific finding on the same statement and dependency (the TensorFlow pack's TFL104) can replace it."""
    return [d.removeprefix("dependency: ") for d in finding.details if d.startswith("dependency: ")]


def _install_spec(ctx: ImportContext, p: DepProblem) -> str:
    spec, _ = combined_specifier(ctx.env, p.requirement.name)
    return spec if spec != p.requirement.name else f"{p.requirement.name}{p.requirement.specifier}"


def _missing_finding(ctx: ImportContext, dist: "Distribution", probs: list[DepProblem], *, fatal: bool) -> Finding:
    label = f"{dist.display_name} {dist.version}"
    mod = ctx.stmt.module
    specs = list(dict.fromkeys(_install_spec(ctx, p) for p in probs))
    fix = install_fix(ctx.workspace, specs)
    offered = list(fix.args.specs) if isinstance(fix.args, InstallArgs) else []
    todo = (f"Install {' '.join(offered)}." if offered else "") + (
        " No install is offered for what is not a plain package requirement." if len(offered) < len(specs) else "")
    details = [f"dependency: {p.name}" for p in probs]
    for p in probs:
        details.append(f"{p.dist} declares: Requires-Dist: {p.requirement}"
                       + ("" if len(p.via) == 1 else f" (needed through {' -> '.join(p.via)})"))
    first = probs[0]
    req = first.requirement
    imp = first.import_names[0] if first.import_names else req.name
    chain = "" if len(first.via) == 1 else f" (through {' -> '.join(first.via[1:])}, which {label} imports)"
    others = list(dict.fromkeys(p.name for p in probs if p.name != first.name))
    more = f" ({len(others)} more missing: {', '.join(others)})" if others else ""
    if fatal:
        state = (f"whose metadata says {first.installed} is installed but whose files are gone" if first.files_missing
                 else "which is not installed")
        msg = (f"{label} requires {req.name}{req.specifier}, {state}, and `import {mod}` imports it"
               f"{chain}: the import fails with ModuleNotFoundError: No module named '{imp}'{more}. "
               + (f"Force-reinstall {req.name}." if first.files_missing else todo))
        if any(p.files_missing for p in probs):
            fix = install_fix(ctx.workspace, specs, force_reinstall=True)
        return ctx.finding("TFL103", msg, severity=Severity.ERROR, fixes=[fix], details=details, module=mod)
    how = ("does not import " + ("it" if len(probs) == 1 else "them") if all(p.needed_at_import is False for p in probs)
           else "was not seen importing " + ("it" if len(probs) == 1 else "them")
           + " (its import code was not followed completely)")
    names = ", ".join(f"{p.requirement.name}{p.requirement.specifier}" for p in probs)
    msg = (f"{label} requires {names}, not installed. `import {mod}` {how}, so the import itself works, but the parts "
           f"of {dist.display_name} that use {'it' if len(probs) == 1 else 'them'} fail with ModuleNotFoundError. "
           f"{todo}")
    return ctx.finding("TFL103", msg, severity=Severity.WARNING, fixes=[fix], details=details, module=mod)


def _range_finding(ctx: ImportContext, dist: "Distribution", p: DepProblem) -> Finding:
    label = f"{dist.display_name} {dist.version}"
    req = p.requirement
    spec, who = combined_specifier(ctx.env, req.name)
    fix = install_fix(ctx.workspace, [spec], title=f"Install {spec} (fits every installed package's requirement)")
    msg = (f"{label} declares {req.name}{req.specifier}, but {req.name} {p.installed} is installed. The declared "
           f"range is not met, though the import may still work; if it fails, install {spec}.")
    details = [f"dependency: {p.name}", f"{p.dist} declares: Requires-Dist: {req}", *who, f"installed: {req.name} {p.installed}"]
    return ctx.finding("TFL115", msg, fixes=[fix], details=details, module=p.name)


__all__ = ["dependencies_of", "DepProblem", "dependency_problems", "import_problems", "combined_specifier", "requirements_on",
           "import_names_for", "satisfies", "check"]
