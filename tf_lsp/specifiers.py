"""Version constraints written the way a person would: ``numpy>=1.12.0,>1.20,>=1.23.5,<2,<2.0.0`` (what several
packages ask for at once) becomes ``numpy>=1.23.5,<2``. The result admits exactly the versions the input admits
(a unit test compares both on many versions); anything we cannot reason about (wildcards, ``===``, invalid
versions) is kept as written.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tf_lsp.filecache import registered

if TYPE_CHECKING:
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState


def _compatible_bounds(spec: Specifier) -> list[Specifier] | None:
    """``~=X.Y[.Z]`` as ``>=X.Y[.Z]`` and ``<X.(Y+1)`` / ``<(X+1)`` (PEP 440: ``>=V`` and ``==X[.Y].*``, and a
    ``<`` bound leaves out the pre-releases of its version just as the prefix match does); None when the version is
    not a plain release."""
    try:
        v = Version(spec.version)
    except InvalidVersion:
        return None
    release = v.release
    if len(release) < 2 or v.epoch or v.local:
        return None
    head = list(release[:-1])
    head[-1] += 1
    return [Specifier(f">={spec.version}"), Specifier(f"<{'.'.join(str(p) for p in head)}")]


def simplify(specs: Iterable[str | Specifier]) -> str:
    """The intersection of ``specs`` (strings may hold several, comma-separated) as one short specifier string."""
    items: list[Specifier] = []
    for s in specs:
        try:
            items.extend([s] if isinstance(s, Specifier) else SpecifierSet(str(s)))
        except InvalidSpecifier:
            continue
    lower: tuple[Version, Specifier, Specifier | None] | None = None     # (version, bound, the ~= it came from)
    upper: tuple[Version, Specifier, Specifier | None] | None = None
    exact: list[Specifier] = []
    excluded: list[tuple[Version, Specifier]] = []
    kept: list[Specifier] = []
    queue: list[tuple[Specifier, Specifier | None]] = [(sp, None) for sp in items]
    while queue:
        sp, source = queue.pop(0)
        op = sp.operator
        if op == "~=":
            expanded = _compatible_bounds(sp)
            if expanded is None:
                kept.append(sp)
            else:
                queue[:0] = [(e, sp) for e in expanded]
            continue
        if sp.version.endswith(".*") or op == "===":
            kept.append(sp)
            continue
        try:
            v = Version(sp.version)
        except InvalidVersion:
            kept.append(sp)
            continue
        if op in (">=", ">"):
            if lower is None or v > lower[0] or (v == lower[0] and op == ">" and lower[1].operator == ">="):
                lower = (v, sp, source)
        elif op in ("<=", "<"):
            if upper is None or v < upper[0] or (v == upper[0] and op == "<" and upper[1].operator == "<="):
                upper = (v, sp, source)
        elif op == "==":
            exact.append(sp)
        elif op == "!=":
            excluded.append((v, sp))
        else:
            kept.append(sp)
    bounds: list[Specifier] = []
    if lower is not None and upper is not None and lower[2] is not None and lower[2] is upper[2]:
        bounds = [lower[2]]                     # both bounds from one ~=: write it as written
    else:
        bounds = [b[1] for b in (lower, upper) if b is not None]
    out: list[Specifier] = []
    if exact:
        out.extend(exact)
        pinned = [Version(e.version) for e in exact]
        # an exact pin says everything the bounds and exclusions say, unless it contradicts them
        rest = bounds + [e for _, e in excluded]
        out.extend(r for r in rest if not all(r.contains(p, prereleases=True) for p in pinned))
    else:
        out.extend(bounds)
        for v, e in excluded:
            if lower is not None and not lower[1].contains(v, prereleases=True):
                continue
            if upper is not None and not upper[1].contains(v, prereleases=True):
                continue
            out.append(e)
    out.extend(kept)
    short = ",".join(dict.fromkeys(str(sp) for sp in out))
    whole = ",".join(dict.fromkeys(str(sp) for sp in items))
    return short if _same_on_probes(whole, short, items) else whole


def _probes(items: list[Specifier]) -> list[Version]:
    """Versions around every version the specifiers mention (pre, post, dev, next patch): where two spellings of
    one constraint could disagree."""
    out: set[Version] = set()
    for sp in items:
        text = sp.version.rstrip(".*").rstrip(".")
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        base = v.base_version
        nxt = ".".join(str(p) for p in (*v.release[:-1], v.release[-1] + 1))
        for cand in (str(v), base, f"{base}.post1", f"{base}rc1", f"{base}.dev0", nxt, f"{nxt}rc1", f"{nxt}.dev0",
                     f"{base}.0", f"{base}.1"):
            try:
                out.add(Version(cand))
            except InvalidVersion:
                pass
    return sorted(out)


def _same_on_probes(a: str, b: str, items: list[Specifier]) -> bool:
    try:
        sa, sb = SpecifierSet(a), SpecifierSet(b)
    except InvalidSpecifier:
        return False
    return all(sa.contains(v, prereleases=True) == sb.contains(v, prereleases=True) for v in _probes(items))


def satisfies(spec: SpecifierSet, version: str) -> bool:
    """``version`` in ``spec``; pre-releases count (an installed pre-release is what the import will load)."""
    try:
        return spec.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True


_REQS: dict[int, tuple[object, dict[str, list]]] = registered({},
    stamp='the distribution index it was built from (the same object; a reload makes a new one)')


def requirements_on(env: EnvState, name: str) -> list[tuple[Distribution, Requirement]]:
    """Every installed distribution's requirement on ``name`` (markers evaluated for the target; a distribution
    whose metadata cannot be read asks for nothing); the table is built once per distribution index."""
    hit = _REQS.get(id(env.index))
    if hit is None or hit[0] is not env.index:
        table: dict[str, list] = {}
        for d in env.index.dists:
            try:
                reqs = d.dependencies(env.marker_env)
            except Exception:       # noqa: BLE001 - unreadable metadata: that distribution states nothing
                continue
            for req in reqs:
                table.setdefault(canonicalize_name(req.name), []).append((d, req))
        if len(_REQS) > 8:
            _REQS.clear()
        hit = _REQS[id(env.index)] = (env.index, table)
    return list(hit[1].get(canonicalize_name(name), ()))


@dataclass(frozen=True)
class Fitting:
    """The version choice that fits every installed package's requirement on one package."""

    specifier: str                              # "" when nothing constrains it
    constraints: tuple[tuple[str, str], ...]    # (who asks, what specifier): "keras 3.5.0", ">=1.26"

    def requirement(self, name: str) -> str:
        return f"{name}{self.specifier}"


def fitting_specifier(env: EnvState, name: str, *, extra: Iterable[str] = ()) -> Fitting:
    """One implementation of "fits every installed package": the intersection of every installed distribution's
    specifier on ``name`` and ``extra`` (tf-lsp's own knowledge), written short (``simplify``). When the installed
    version of ``name`` already satisfies all of them, the choice is that version (``==installed``)."""
    constraints = [(f"{d.display_name} {d.version}", str(req.specifier))
                   for d, req in requirements_on(env, name) if str(req.specifier)]
    parts = [s for _, s in constraints] + [e for e in extra if e]
    try:
        combined = SpecifierSet(",".join(parts))
    except InvalidSpecifier:
        combined = SpecifierSet()
    installed = env.index.get(name)
    if installed is not None and parts and str(combined) and satisfies(combined, installed.version):
        return Fitting(f"=={installed.version}", tuple(constraints))
    return Fitting(simplify(parts) if parts else "", tuple(constraints))


__all__ = ["simplify", "satisfies", "requirements_on", "Fitting", "fitting_specifier"]
