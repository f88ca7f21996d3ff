"""TFL108 python-unsupported, TFL110 platform-mismatch: the installed build is for another Python or platform.

Evidence, all read from disk:
- extension modules carry their build in the file name (``_core.cpython-310-x86_64-linux-gnu.so``,
  ``_core.cp310-win_amd64.pyd``, ``_core.cpython-312-darwin.so``); the target interpreter only loads the suffixes
  in its ``EXTENSION_SUFFIXES`` (snapshot.ext_suffixes), so a foreign one is invisible to it;
- the WHEEL file's ``Tag:`` lines (``cp310-cp310-manylinux_2_17_x86_64``);
- ``Requires-Python``.

Severity:
- ERROR when a foreign extension module is one the import loads (the imported module itself, or a module of its
  static import closure; or the closure could not be followed completely): the import fails with
  "ModuleNotFoundError: No module named 'pkg._core'" (the loader never sees the file). TFL108 when the Python
  version (or implementation) differs, TFL110 when the version fits but the OS / architecture does not.
- WARNING when foreign extensions exist but this import does not load them, or when only the WHEEL tags or
  Requires-Python disagree while every extension module present loads (the import works; parts may not).

When the import resolves to nothing, but a foreign extension module of that name sits where it was searched for,
this check reports TFL108/TFL110 as an ERROR on that statement; the generic "not found" finding (TFL100/TFL111)
for the same statement is dropped by ``Workspace.check_source``'s rule that a specific ERROR wins.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tf_lsp import safeio
from tf_lsp.checks.base import ImportContext
from tf_lsp.filecache import cached_by_stamp
from tf_lsp.fixes import install_fix, use_interpreter_fix
from tf_lsp.model import Finding, Severity
from tf_lsp.record import owning_distribution, record_paths
from tf_lsp.resolver import listing, listing_heads
from tf_lsp.wheeltags import arch_fits, arch_of, canonical_arch, os_of, wheel_tags

if TYPE_CHECKING:
    from tf_lsp.distributions import Distribution
    from tf_lsp.environment import Snapshot

_CPY = re.compile(r"^cpython-(\d)(\d+)[a-z]*-(.+)$")          # cpython-310-x86_64-linux-gnu / cpython-312-darwin
_CPW = re.compile(r"^cp(\d)(\d+)-(win[_a-z0-9]*)$")           # cp310-win_amd64
_PYPY = re.compile(r"^(pypy\d+)-pp\d+-(.+)$")


@dataclass(frozen=True)
class ExtTag:
    """What an extension module's file name says it was built for (None where it does not say)."""

    python: tuple[int, int] | None
    implementation: str              # cpython, pypy
    os: str | None                   # linux, darwin, win32
    arch: str | None                 # as written: x86_64, aarch64, amd64, ...

    def describe(self) -> str:
        py = f"Python {self.python[0]}.{self.python[1]}" if self.python else self.implementation
        where = "/".join(x for x in (self.os, self.arch) if x)
        return py + (f" on {where}" if where else "")


def parse_ext_suffix(filename: str) -> ExtTag | None:
    """``_core.cpython-310-x86_64-linux-gnu.so`` -> ExtTag((3, 10), cpython, linux, x86_64); None when untagged."""
    base = os.path.basename(filename)
    if not base.endswith((".so", ".pyd")):
        return None
    parts = base.rsplit(".", 2)
    if len(parts) < 3:
        return None
    tag = parts[1]
    m = _CPY.match(tag)
    if m:
        plat = m[3]
        os_name = "linux" if "linux" in plat else "darwin" if "darwin" in plat else plat.split("-")[-1]
        arch = None if plat == "darwin" else plat.split("-")[0]
        return ExtTag((int(m[1]), int(m[2])), "cpython", os_name, arch)
    m = _CPW.match(tag)
    if m:
        return ExtTag((int(m[1]), int(m[2])), "cpython", "win32", m[3].partition("_")[2] or "x86")
    m = _PYPY.match(tag)
    if m:
        return ExtTag(None, "pypy", "linux" if "linux" in m[2] else None, m[2].split("-")[0])
    return None


def target_os(snap: "Snapshot") -> str:
    return "win32" if snap.platform.startswith("win") else snap.platform.rstrip("0123456789") or snap.platform


def mismatch(tag: ExtTag, snap: "Snapshot") -> str | None:
    """``python`` or ``platform`` when the tag does not fit the target, else None."""
    if tag.implementation != snap.implementation or (tag.python and tuple(snap.version[:2]) != tag.python):
        return "python"
    if tag.os and tag.os != target_os(snap):
        return "platform"
    if tag.arch and canonical_arch(tag.arch) not in (canonical_arch(snap.machine), "universal2"):
        return "platform"
    return None


_EXT_ROW = re.compile(r'^"?([^,\n"]+\.(?:so|pyd))"?,', re.M)


def extension_paths(dist: "Distribution") -> tuple[str, ...]:
    """RECORD paths ending in .so / .pyd, normalized and sorted, from RECORD's text (a regex over one read instead
    of parsing every row; TensorFlow lists ~130 of them among 28,000 rows)."""
    def compute(path: str) -> tuple[str, ...]:
        text = safeio.read_text(path)
        return tuple(sorted({os.path.normpath(m.group(1)) for m in _EXT_ROW.finditer(text)}))

    try:       # kept on disk by RECORD's stamp: TensorFlow's 2 MB RECORD is not read again by every process
        return cached_by_stamp("ext-paths", str(dist.metadata_dir / "RECORD"), compute, version=1, encode=list,
                               decode=tuple) or ()
    except OSError:
        return ()


def foreign_extensions(dist: "Distribution", snap: "Snapshot") -> list[tuple[str, str, ExtTag, str]]:
    """(RECORD path, module name, tag, "python"|"platform") for extension files the target will not load."""
    out = []
    for rel in extension_paths(dist):
        base = os.path.basename(rel)
        if "." + base.partition(".")[2] in snap.ext_suffixes:
            continue
        tag = parse_ext_suffix(rel)
        if tag is None:
            continue
        why = mismatch(tag, snap)
        if why:
            head, _, name = rel.replace(os.sep, "/").rpartition("/")
            mod = (head.replace("/", ".") + "." if head else "") + name.split(".")[0]
            out.append((rel, mod, tag, why))
    return out




def wheel_tag_problem(tags: Sequence[str], snap: "Snapshot") -> tuple[str, str] | None:
    """(kind, why) when no WHEEL tag fits the target; None when one does (or nothing is known)."""
    if not tags:
        return None
    reasons = []
    for t in tags:
        parts = t.split("-")
        if len(parts) != 3:
            return None
        py, abi, plat = parts
        py_ok = _py_tag_ok(py, abi, snap)
        plat_ok = _plat_tag_ok(plat, snap)
        if py_ok and plat_ok:
            return None
        reasons.append(("python" if not py_ok else "platform", t))
    kind = "python" if all(k == "python" for k, _ in reasons) else "platform"
    return kind, ", ".join(t for _, t in reasons)


def _py_tag_ok(py: str, abi: str, snap: "Snapshot") -> bool:
    major, minor = snap.version[0], snap.version[1]
    for p in py.split("."):
        if p in ("py3", f"py{major}", f"py{major}{minor}"):
            return True
        m = re.match(r"^cp(\d)(\d+)$", p)
        if m and snap.implementation == "cpython":
            built = (int(m[1]), int(m[2]))
            if built == (major, minor) or ("abi3" in abi and built <= (major, minor)):
                return True
        if p.startswith("pp") and snap.implementation == "pypy":
            return True
    return False




def _plat_tag_ok(plat: str, snap: "Snapshot") -> bool:
    if plat == "any":
        return True
    osn = target_os(snap)
    for p in plat.split("."):
        if os_of(p) == osn and arch_of(p) is not None and arch_fits(p, snap.machine) \
                and (osn == "darwin" or arch_of(p) != "universal2"):
            return True
    return False


def supported_pythons(dist: "Distribution", foreign: Sequence[tuple[str, str, ExtTag, str]],
                      tags: Sequence[str]) -> list[str]:
    versions = {f"{t.python[0]}.{t.python[1]}" for _, _, t, _ in foreign if t.python}
    for tag in tags:
        for p in tag.split("-")[0].split("."):
            m = re.match(r"^cp(\d)(\d+)$", p)
            if m:
                versions.add(f"{m[1]}.{m[2]}" + ("+" if "abi3" in tag else ""))
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.rstrip("+").split(".")))


def _fits(version: str | None, supported: list[str], requires_python: str | None) -> bool:
    if not version:
        return False
    short = ".".join(version.split(".")[:2])
    if supported:
        ok = any(short == s or (s.endswith("+") and tuple(map(int, short.split("."))) >= tuple(map(int, s[:-1].split("."))))
                 for s in supported)
        if not ok:
            return False
    if requires_python:
        try:
            return SpecifierSet(requires_python).contains(version, prereleases=True)
        except InvalidSpecifier:
            return True
    return bool(supported)


# --- the check ---------------------------------------------------------------------------------------------------

def check(ctx: ImportContext) -> Iterable[Finding]:
    res = ctx.resolution
    if res is None:
        return []
    if not res.found:
        return _invisible_extension(ctx, res)
    if res.kind in ("builtin", "alias", "namespace"):
        return []
    dist = owning_distribution(ctx.env, res)
    if dist is None:
        return []
    snap = ctx.env.snapshot
    key = ("pyversion", str(dist.metadata_dir))
    facts = ctx.workspace.memo.get(key)
    if facts is None:
        facts = ctx.workspace.memo[key] = (foreign_extensions(dist, snap), wheel_tags(dist))
    foreign, tags = facts
    label = f"{dist.display_name} {dist.version}"
    here = f"Python {snap.version_str} ({snap.platform}/{snap.machine})"
    supported = supported_pythons(dist, foreign, tags)
    if foreign:
        needed, complete = _loaded(dist, res, foreign)
        kind = "python" if any(w == "python" for *_, w in foreign) else "platform"
        code = "TFL108" if kind == "python" else "TFL110"
        first = needed[0] if needed else foreign[0]
        built = first[2].describe()
        if needed:
            msg = (f"{label} was built for {built}, but the selected interpreter is {here}: it cannot load "
                   f"{os.path.basename(first[0])}, so `import {ctx.stmt.module}` fails with ModuleNotFoundError: "
                   f"No module named '{first[1]}'. Reinstall {dist.display_name} with this interpreter, or use one it "
                   f"was built for.")
            sev = Severity.ERROR
        else:
            msg = (f"{label} contains extension modules built for {built} that {here} cannot load "
                   f"({os.path.basename(first[0])}); `import {ctx.stmt.module}` does not load them"
                   f"{'' if complete else ' as far as we could follow'}, but the parts that do will fail. "
                   f"Reinstall {dist.display_name} with this interpreter.")
            sev = Severity.WARNING
        details = [f"foreign: {rel} ({t.describe()})" for rel, _, t, _ in foreign[:8]]
        return [_finding(ctx, code, msg, sev, dist, supported, tags, details)]
    problem = wheel_tag_problem(tags, snap)
    if problem:
        kind, which = problem
        msg = (f"{label} was installed from a wheel tagged {which}, which is not for {here}. Its extension modules "
               f"load here, so the import works, but the build was not made for this interpreter. "
               f"Reinstall {dist.display_name} with this interpreter.")
        return [_finding(ctx, "TFL108" if kind == "python" else "TFL110", msg, Severity.WARNING, dist, supported, tags,
                         [f"WHEEL tags: {', '.join(tags)}"])]
    if dist.requires_python:
        try:
            ok = SpecifierSet(dist.requires_python).contains(snap.version_str, prereleases=True)
        except InvalidSpecifier:
            ok = True
        if not ok:
            msg = (f"{label} declares Requires-Python {dist.requires_python}, and the selected interpreter is "
                   f"Python {snap.version_str}. Nothing compiled stands in the way, so the import may work, but the "
                   f"package was not made for this Python. Use a Python that matches, or install a release of "
                   f"{dist.display_name} that supports {snap.short_version}.")
            return [_finding(ctx, "TFL108", msg, Severity.WARNING, dist, supported, tags,
                             [f"Requires-Python: {dist.requires_python}"])]
    return []


def _loaded(dist, res, foreign) -> tuple[list, bool]:
    """The foreign extensions this import loads (closure-based), and whether the closure was complete."""
    from tf_lsp.checks.closure import import_closure

    chain = {p.name for p in res.parents} | {res.name}
    if dist.editable or not res.top.root:
        return [f for f in foreign if f[1] in chain], False
    c = import_closure(res.name, location=res.top.root, metadata_dir=dist.metadata_dir)
    mods = set(c.modules) | set(c.unresolved) | chain
    needed = [f for f in foreign if f[1] in mods]
    if not needed and not c.complete:
        top = res.name.split(".")[0]
        needed = [f for f in foreign if f[1].split(".")[0] == top]
    return needed, c.complete


def _finding(ctx: ImportContext, code: str, msg: str, sev: Severity, dist, supported: list[str], tags: Sequence[str],
             details: list[str]) -> Finding:
    fixes = []
    here = os.path.normpath(str(ctx.workspace.choice.python))
    fitting = [c for c in ctx.workspace.candidates if _fits(c.version, supported, dist.requires_python)
               and os.path.normpath(str(c.python)) != here]
    with_pkg = []
    for c in fitting:
        other = ctx.workspace.other_env(c)
        theirs = other.index.get(dist.name) if other is not None else None
        if theirs is not None:
            with_pkg.append(c)
            fixes.append(use_interpreter_fix(ctx.workspace, c, detail=f"{dist.display_name} {theirs.version} installed"))
        if len(fixes) >= 3:
            break
    fixes.append(install_fix(ctx.workspace, [f"{dist.name}=={dist.version}"], force_reinstall=True,
                             title=f"Reinstall {dist.name}=={dist.version} for Python {ctx.env.snapshot.short_version}",
                             preferred=not with_pkg))
    details = list(details)
    if supported:
        details.append("the installed build supports Python " + ", ".join(supported))
    if dist.requires_python and not any(d.startswith("Requires-Python") for d in details):
        details.append(f"Requires-Python: {dist.requires_python}")
    envs = [f"{c.name} (Python {c.version}{', has ' + dist.display_name if c in with_pkg else ''})" for c in fitting]
    details.append("environments found with such a Python: " + (", ".join(envs) if envs else "none"))
    return ctx.finding(code, msg, severity=sev, fixes=fixes, details=details, module=ctx.stmt.module)


def _invisible_extension(ctx: ImportContext, res) -> list[Finding]:
    """Nothing was found, but a foreign-tagged extension module of that name sits where the import looked."""
    missing = res.failed_at or res.name
    parent_name, _, tail = missing.rpartition(".")
    if parent_name:
        parent = ctx.resolver.resolve(parent_name)
        folders = parent.search_locations if parent.found else ()
    else:
        folders = ctx.resolver.sys_path
    snap = ctx.env.snapshot
    for folder in folders:
        if tail not in listing_heads(folder, extensions_only=True):
            continue
        for n in sorted(listing(folder or ".") or ()):
            if not n.startswith(tail + ".") or not n.endswith((".so", ".pyd")):
                continue
            tag = parse_ext_suffix(n)
            why = mismatch(tag, snap) if tag is not None else None
            if tag is None or not why:
                continue
            full = os.path.join(folder, n)
            top = missing.split(".")[0]
            dist = next((d for d in ctx.env.index.providers(top)
                         if os.path.normpath(os.path.relpath(full, d.location)) in record_paths(d)), None)
            label = f"{dist.display_name} {dist.version}" if dist else f"`{missing}`"
            here = f"Python {snap.version_str} ({snap.platform}/{snap.machine})"
            msg = (f"{label} is installed, but {n} was built for {tag.describe()} and the selected interpreter is "
                   f"{here}: it does not load that file, so `import {ctx.stmt.module}` fails with ModuleNotFoundError: "
                   f"No module named '{missing}'. Reinstall it with this interpreter, or use one it was built for.")
            code = "TFL108" if why == "python" else "TFL110"
            details = [f"found: {full} ({tag.describe()})",
                       "this interpreter loads: " + ", ".join(snap.ext_suffixes)]
            if dist is None:
                return [ctx.finding(code, msg, severity=Severity.ERROR, details=details, module=missing)]
            supported = supported_pythons(dist, [(n, missing, tag, why)], wheel_tags(dist))
            return [_finding(ctx, code, msg, Severity.ERROR, dist, supported, wheel_tags(dist), details)]
    return []


__all__ = ["check", "parse_ext_suffix", "foreign_extensions", "wheel_tags", "wheel_tag_problem", "supported_pythons",
           "ExtTag", "mismatch"]
