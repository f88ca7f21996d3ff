"""TFL105 conflicting-installs: several distributions, or several copies of one, claim the imported package.

(a) Two different distributions list the same files of one package folder in the same sys.path entry
    (``tensorflow`` + ``tensorflow-cpu``; any ``A`` and ``B`` that both ship ``pkg/__init__.py``). Namespace
    packages shared by design (``google/`` of protobuf and googleapis-common-protos) claim no common file and are
    not reported. The last install overwrote the shared files; we hash the file the import loads to say whose copy
    it is (or that it is neither's).
(b) Two ``.dist-info`` of one name in one folder (``numpy-1.26.4.dist-info`` + ``numpy-2.0.2.dist-info``, typically
    ``pip install --target`` over an existing folder): pip and importlib.metadata may report either version. We
    compare each RECORD with the files on disk (sizes) and say whose files are really there.
(c) One package in two sys.path entries at different versions where something earlier on sys.path (PYTHONPATH,
    the user site, a .pth folder) hides the environment's own site-packages copy: the first wins, and we say which.
    A venv's own copy hiding the base interpreter's (``--system-site-packages``) is what venvs are for: not reported.
(d) pip installed over a package conda manages in the same environment (``conda-meta/<name>-<ver>-*.json`` and a
    ``.dist-info`` with INSTALLER ``pip``): conda no longer knows what is on disk.

Severity: all four are WARNINGs here, because in each the import statement itself loads one consistent set of
files and works (verified on real installs: ``import`` exits 0). What does break an import in these situations —
files of the loaded copy missing (a partial uninstall of one of two overlapping distributions deletes shared
files), a module that no longer parses — is reported as an ERROR by ``integrity.py`` (TFL106) for the very
statement, so one cause gives one error. The TensorFlow rule pack upgrades the overlaps it knows to break
(``tensorflow`` + ``tensorflow-cpu`` at different versions) using ``shared_files``.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable

from packaging.utils import canonicalize_name

from tf_lsp.checks.base import ImportContext
from tf_lsp.fixes import reinstall_fix, uninstall_fix
from tf_lsp.model import Finding, Severity
from tf_lsp.record import cached_record_state, file_matches_record, owning_distribution, record_paths, record_state
from tf_lsp.resolver import listing

if TYPE_CHECKING:
    from tf_lsp.distributions import Distribution


def check(ctx: ImportContext) -> Iterable[Finding]:
    res = ctx.resolution
    if res is None or not res.found or res.kind in ("builtin", "alias", "editable"):
        return []
    top = res.top
    if not top.root:
        return []
    out: list[Finding] = []
    dist = owning_distribution(ctx.env, res)
    shared = _shared_claims(ctx, top)
    if shared:
        out.append(shared)
    if dist is not None:
        for f in (_duplicate_metadata(ctx, dist), _hidden_copy(ctx, dist, top), _pip_over_conda(ctx, dist)):
            if f is not None:
                out.append(f)
    return out


# --- (a) two distributions over one folder ------------------------------------------------------------------------

def shared_files(a: "Distribution", b: "Distribution", top: str) -> set[str]:
    """RECORD paths under ``top`` claimed by both distributions."""
    pa = {p for p in record_paths(a) if p == top or p.startswith(top + os.sep) or p.startswith(top + ".")}
    return {p for p in record_paths(b) if p in pa and "__pycache__" not in p}


def _shared_claims(ctx: ImportContext, top) -> Finding | None:
    if top.kind == "namespace":
        return None
    here = [d for d in ctx.env.index.providers(top.name) if os.path.normpath(d.location) == os.path.normpath(top.root)]
    names = list(dict.fromkeys(d.name for d in here))
    if len(names) < 2 or set(names) <= _rule_pack_families():
        return None
    a = next(d for d in here if d.name == names[0])
    others = [next(d for d in here if d.name == n) for n in names[1:]]
    result = None
    for b in others:
        common = shared_files(a, b, top.name)
        if not common:
            continue
        loaded = os.path.normpath(os.path.relpath(top.path, top.root)) if top.path else None
        if loaded not in common:
            loaded = sorted(common)[0]
        ma, mb = file_matches_record(a, loaded), file_matches_record(b, loaded)
        la, lb = f"{a.display_name} {a.version}", f"{b.display_name} {b.version}"
        if ma and not mb:
            winner, loser = a, b
        elif mb and not ma:
            winner, loser = b, a
        else:
            winner = loser = None
        details = [f"both list {len(common)} file(s) under {top.name}/, e.g. {sorted(common)[0]}",
                   f"{la}: {a.metadata_dir}", f"{lb}: {b.metadata_dir}", f"file the import loads: {loaded}"]
        if winner is None and not (ma and mb):
            msg = (f"{la} and {lb} are both installed into {top.name}/ and overwrote each other's files; {loaded} "
                   f"matches neither RECORD (changed after install). The import loads whatever is on disk, and "
                   f"uninstalling either deletes files the other needs. Uninstall both, then install the one you want.")
            fixes = [uninstall_fix(ctx.workspace, [a.name, b.name])]
        else:
            w, l = (winner, loser) if winner is not None and loser is not None else (b, a)
            msg = (f"{la} and {lb} both install the package `{top.name}` into the same folder; the files the import "
                   f"loads are {w.display_name} {w.version}'s (installed last), and uninstalling either deletes files "
                   f"the other needs. Uninstall {l.display_name} (then force-reinstall {w.display_name}).")
            fixes = [uninstall_fix(ctx.workspace, [l.name]), reinstall_fix(ctx.workspace, w.name, w.version)]
        sev = Severity.WARNING
        result = ctx.finding("TFL105", msg, severity=sev, fixes=fixes, details=details, module=top.name)
        break
    return result


def _rule_pack_families() -> frozenset[str]:
    """Distributions whose overlaps a rule pack reports with its own knowledge (the packs declare them)."""
    from tf_lsp.packs import owned_distributions

    return owned_distributions()


# --- (b) duplicate metadata of one name in one folder --------------------------------------------------------------

def files_match(dist: "Distribution", ctx: ImportContext | None = None) -> tuple[int, int]:
    """(entries whose file exists with the recorded size, entries checked); one stat pass per environment load
    when ``ctx`` is given."""
    st = cached_record_state(ctx, dist) if ctx is not None else record_state(dist)
    return st.checked - len(st.missing) - len(st.changed), st.checked


def _duplicate_metadata(ctx: ImportContext, dist: "Distribution") -> Finding | None:
    same = [d for d in ctx.env.index.all(dist.name) if os.path.normpath(d.location) == os.path.normpath(dist.location)]
    if len(same) < 2 or len({d.version for d in same}) < 2:
        return None     # one version described twice (an OS package's .egg-info next to its .dist-info): harmless
    same = [d for d in same if d.record] or same
    scores = [(d, *files_match(d, ctx)) for d in same]
    complete = [d for d, ok, n in scores if n and ok == n]
    desc = "; ".join(f"{d.metadata_dir.name}: {ok}/{n} files as recorded" for d, ok, n in scores)
    names = " and ".join(d.metadata_dir.name for d in same)
    details = [f"{d.metadata_dir}" for d in same] + [desc]
    if complete:
        real = complete[0]
        stale = [d for d in same if d is not real]
        msg = (f"{names} are both in {dist.location}: pip and importlib.metadata may report either version, and "
               f"`pip uninstall` removes the wrong files. The files on disk are {real.display_name} {real.version}'s "
               f"(every file of its RECORD is there as recorded); delete the stale "
               f"{', '.join(d.metadata_dir.name for d in stale)} and force-reinstall {real.version}.")
        return ctx.finding("TFL105", msg, severity=Severity.WARNING, details=details, module=ctx.stmt.module.split(".")[0],
                           fixes=[reinstall_fix(ctx.workspace, real.name, real.version)])
    best = max(scores, key=lambda s: s[1] / s[2] if s[2] else 0)[0]
    msg = (f"{names} are both in {dist.location}, and the files on disk match neither RECORD completely ({desc}): "
           f"the import loads a mix of versions, and pip and importlib.metadata may report either. Force-reinstall "
           f"one version.")
    return ctx.finding("TFL105", msg, severity=Severity.WARNING, details=details, module=ctx.stmt.module.split(".")[0],
                       fixes=[reinstall_fix(ctx.workspace, best.name, best.version)])


# --- (c) a copy earlier on sys.path hides the environment's own --------------------------------------------------

def _hidden_copy(ctx: ImportContext, winner: "Distribution", top) -> Finding | None:
    prefix = os.path.normpath(ctx.env.snapshot.prefix) + os.sep
    site = [os.path.normpath(p) for p in ctx.env.snapshot.site_packages if os.path.normpath(p).startswith(prefix)]
    if not site or os.path.normpath(winner.location) == site[0]:
        return None
    own = [d for d in ctx.env.index.all(winner.name) if os.path.normpath(d.location) == site[0]]
    if not own or own[0].version == winner.version:
        return None
    hidden = own[0]
    details = [f"loaded: {winner.display_name} {winner.version} from {winner.location}",
               f"hidden: {hidden.display_name} {hidden.version} in {hidden.location}"]
    msg = (f"`{top.name}` is loaded from {winner.location} ({winner.display_name} {winner.version}), which comes "
           f"before the environment's own site-packages on sys.path and hides {hidden.display_name} {hidden.version} "
           f"installed there: the code that runs is {winner.version}, while tools that look at the environment see "
           f"{hidden.version}. Remove the earlier copy (or that folder from PYTHONPATH / the user site).")
    return ctx.finding("TFL105", msg, severity=Severity.WARNING, details=details, module=top.name,
                       fixes=[uninstall_fix(ctx.workspace, [winner.name],
                                            title=f"Uninstall {winner.display_name} {winner.version} from {winner.location}")])


# --- (d) pip over conda ------------------------------------------------------------------------------------------

def conda_packages(prefix: str) -> dict[str, tuple[str, str]]:
    """``{canonical name: (version, record file)}`` from ``conda-meta/*.json`` file names (name-version-build)."""
    meta = os.path.join(prefix, "conda-meta")
    out: dict[str, tuple[str, str]] = {}
    for n in sorted(listing(meta) or ()):
        if not n.endswith(".json"):
            continue
        parts = n[:-5].rsplit("-", 2)
        if len(parts) == 3:
            out[canonicalize_name(parts[0])] = (parts[1], n)
    return out


def _pip_over_conda(ctx: ImportContext, dist: "Distribution") -> Finding | None:
    if (dist.installer or "").lower() not in ("pip", "uv"):
        return None
    prefix = ctx.env.snapshot.prefix
    pkgs = conda_packages(prefix)
    hit = pkgs.get(dist.name) or pkgs.get(dist.name.replace("-", "_"))
    if hit is None:
        return None
    cver, rec = hit
    msg = (f"{dist.display_name} {dist.version} was installed with {dist.installer} over the {dist.display_name} {cver} "
           f"that conda manages in this environment (conda-meta/{rec}): conda still believes {cver} is there and may "
           f"break it on the next `conda install`/`update`. Install it with one tool only.")
    return ctx.finding("TFL105", msg, severity=Severity.WARNING, module=ctx.stmt.module.split(".")[0],
                       details=[f"conda record: {os.path.join(prefix, 'conda-meta', rec)}",
                                f"pip metadata: {dist.metadata_dir} (INSTALLER: {dist.installer})"],
                       fixes=[reinstall_fix(ctx.workspace, dist.name, dist.version)])


__all__ = ["check", "shared_files", "files_match", "conda_packages"]
