"""The engine's front door: one workspace folder, its interpreter, its environment, and checking files.

Used the same way by the CLI, the language server and the tests. Everything expensive is cached and
re-validated with a few ``stat`` calls (``refresh``), so a re-check after an edit costs only parsing + lookups.
"""
from __future__ import annotations

import logging
import os
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from tf_lsp import interpreters, prefetch, readahead, safeio
from tf_lsp.checks import (
    FILE_CHECKS,
    IMPLIED_IMPORTS,
    IMPORT_CHECKS,
    OVERRIDDEN_FAMILIES,
    PATH_EXTENDERS,
    ImportContext,
    is_pack,
)
from tf_lsp.discovery.layout import is_inside
from tf_lsp.envstate import EnvState, load_env
from tf_lsp.filecache import one_pass
from tf_lsp.firstparty import choose_way, closure_failures, simulated_first_party, ways_details
from tf_lsp.fixes import use_interpreter_fix, with_pins
from tf_lsp.imports import extract_imports
from tf_lsp.knowledge.codes import CODES
from tf_lsp.model import Candidate, Finding, InterpreterChoice, Severity
from tf_lsp.packs import covered_import_names
from tf_lsp.resolver import Resolution, Resolver, pkgutil_extender, resolve_relative
from tf_lsp.runtime_modules import make_runtime_finder
from tf_lsp.settings import Settings

if TYPE_CHECKING:
    from tf_lsp.project import PathSource


log = logging.getLogger("tf_lsp")
_GENERIC = frozenset({"TFL100", "TFL111"})   # "not found": dropped when a check names the real cause
_GUARD_NOTE = " (the import is guarded by `except ImportError`, so the program goes on without it)"


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a workspace ``.env`` file (``export`` prefixes and quotes allowed)."""
    out: dict[str, str] = {}
    try:
        text = safeio.read_text(path)
    except OSError:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key.strip().isidentifier():
            out[key.strip()] = value
    return out


class Workspace:
    def __init__(self, root: Path, *, settings: Settings | None = None, environ: Mapping[str, str] | None = None,
                 python: str | None = None, choice: InterpreterChoice | None = None,
                 candidates: list[Candidate] | None = None):
        """``choice`` fixes the interpreter (a notebook's kernel); ``candidates`` reuses a discovery already made."""
        self.root = Path(root).resolve()
        self.settings = settings or Settings()
        self._process_env = dict(os.environ if environ is None else environ)
        self._explicit = python or self.settings.interpreter or None
        self._explicit_source = "flag" if python else "setting"
        self._env: EnvState | None = None
        self._other_envs: dict[Path, EnvState | None] = {}
        self._resolvers: dict = {}        # script folder or whole sys.path -> Resolver
        self._fp_dirs: set[str] = set()   # first-party folders on some sys.path (re-stat-ed by refresh)
        self.memo: dict = {}        # per-environment results of checks (cleared whenever the environment changes)
        if choice is not None:
            self.__dict__["choice"] = choice
        if candidates is not None:
            self.__dict__["candidates"] = candidates

    # --- configuration ------------------------------------------------------------------------------------------

    @cached_property
    def environ(self) -> dict[str, str]:
        """The program's environment: process, then the workspace .env file, then the tfLsp.env setting."""
        env = dict(self._process_env)
        env.update(read_dotenv(self.root / ".env") if (self.root / ".env").is_file() else {})
        env.update(self.settings.env)
        return env

    @cached_property
    def candidates(self) -> list[Candidate]:
        return interpreters.discover_environments(self.root, environ=self._process_env)

    @cached_property
    def choice(self) -> InterpreterChoice:
        return interpreters.discover_interpreter(self.root, explicit=self._explicit, environ=self._process_env,
                                                 trusted=self.settings.trusted_workspace, candidates=self.candidates,
                                                 explicit_source=self._explicit_source)

    def use_interpreter(self, python: str) -> InterpreterChoice:
        """Switch to another interpreter (a code action picked by the user); everything is re-derived."""
        self._explicit = python
        self._explicit_source = "setting"
        for name in ("choice",):
            self.__dict__.pop(name, None)
        self._env = None
        self._resolvers.clear()
        return self.choice

    @property
    def static(self) -> bool:
        """Untrusted workspace + interpreter inside it (its environment, or its file with symlinks followed: a
        kernelspec's ``argv[0]`` outside that links into the workspace): never run it."""
        if self.settings.trusted_workspace:
            return False
        cand = self.choice.candidate
        if cand is not None and interpreters.inside_root(cand, self.root):
            return True
        return is_inside(Path(os.path.abspath(self.choice.python)), self.root)

    # --- environment --------------------------------------------------------------------------------------------

    @property
    def env(self) -> EnvState:
        if self._env is None:
            if self.static or self.settings.trusted_workspace:
                self._env = load_env(self.choice.python, environ=self.environ, static=self.static)
            else:      # untrusted, interpreter outside: isolated probe; .env and tfLsp.env reach no process
                self._env = load_env(self.choice.python, environ=self._process_env, isolated=True,
                                     pythonpath=self.environ.get("PYTHONPATH"))
            self._resolvers.clear()
            self.memo.clear()
        return self._env

    @property
    def loaded(self) -> bool:
        """Whether the environment has been loaded (it is loaded lazily, on first use)."""
        return self._env is not None

    def forget_first_party(self) -> None:
        """The workspace's own files changed: forget what its imports resolved to."""
        self._resolvers.clear()
        self.memo.clear()

    def _first_party_stamp(self) -> dict:
        out = {}
        for d in {str(self.root), str(self.root / "src"), *self._fp_dirs,
                  *(k for k in self._resolvers if isinstance(k, str))}:
            try:
                out[d] = os.stat(d).st_mtime_ns
            except OSError:
                out[d] = None
        return out

    def refresh(self) -> bool:
        """Re-stat the environment and the workspace's script folders (a few ``stat`` calls); reload what
        changed. True when something changed."""
        stamp = self._first_party_stamp()
        before = getattr(self, "_fp_stamp", {})
        self._fp_stamp = {**before, **stamp}
        changed = False
        if any(d in before and before[d] != m for d, m in stamp.items()):
            self.forget_first_party()
            changed = True
        if self._env is not None and self._env.is_stale():
            self._env = None
            self._resolvers.clear()
            changed = True
        if changed or any(o is not None and o.is_stale() for o in self._other_envs.values()):
            self.memo.clear()
        for path, other in list(self._other_envs.items()):
            if other is not None and other.is_stale():
                del self._other_envs[path]
                changed = True
        return changed

    def other_env(self, candidate: Candidate) -> EnvState | None:
        """A static view of another candidate environment (never run: only its files are read)."""
        key = candidate.python
        if key not in self._other_envs:
            try:
                self._other_envs[key] = load_env(candidate.python, environ={}, static=True)
            except Exception:
                self._other_envs[key] = None
        return self._other_envs[key]

    def resolver_for(self, script_dir: str) -> Resolver:
        """A resolver for a program run as a script from ``script_dir`` (the folder first, then PYTHONPATH,
        extraPaths, the workspace root and src/)."""
        extra = [p if os.path.isabs(p) else str(self.root / p) for p in self.settings.extra_paths]
        pp = [p for p in self.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        first_party = [str(self.root)] + ([str(self.root / "src")] if (self.root / "src").is_dir() else [])
        path = self.env.snapshot.with_path(script_dir=script_dir,
                                           extra_paths=tuple(dict.fromkeys(pp + extra + first_party)))
        return self.resolver_on(path, key=script_dir)

    def resolver_on(self, path: tuple[str, ...], *, key: str | None = None) -> Resolver:
        """A resolver on exactly this sys.path (cached; ``key`` names it for the first-party stamp)."""
        cache_key = key or path
        hit = self._resolvers.get(cache_key)
        if hit is not None and hit.sys_path == tuple(path):
            return hit
        env = self.env
        extenders = [pkgutil_extender(path)]
        for factory in PATH_EXTENDERS:
            ext = factory(env, self.environ)
            if ext is not None:
                extenders.append(ext)
        resolver = Resolver(path, ext_suffixes=env.snapshot.ext_suffixes, builtin_names=env.snapshot.builtin_names,
                            editable_mapping=env.editable_mapping, path_extenders=extenders,
                            runtime_modules=make_runtime_finder(env, self.environ))
        self._resolvers[cache_key] = resolver
        return resolver

    def path_sources(self) -> list[PathSource]:
        """PYTHONPATH and extraPaths entries that apply to every way a file runs, with where each was set."""
        from tf_lsp.project import PathSource
        pp = self.environ.get("PYTHONPATH", "")
        where = ("the tfLsp.env setting" if "PYTHONPATH" in self.settings.env else
                 "the workspace .env file" if "PYTHONPATH" in read_dotenv(self.root / ".env") else
                 "the environment tf-lsp was started with")
        out = [PathSource(pp, f"PYTHONPATH from {where}")] if pp else []
        extra = [p if os.path.isabs(p) else str(self.root / p) for p in self.settings.extra_paths]
        out += [PathSource(p, "the tfLsp.extraPaths setting") for p in extra]
        return out

    def run_ways(self, path: Path, text: str | None = None):
        """The ways ``path`` can run (tf_lsp.project), most likely first."""
        from tf_lsp.project import run_ways
        return run_ways(self.root, Path(path), text, sources=self.path_sources())

    def way_resolver(self, way, line: int) -> Resolver:
        """The resolver of one way for an import on ``line`` (the file's own sys.path edits above it count)."""
        for e in way.entries:
            self._fp_dirs.add(e.path)
        return self.resolver_on(way.path_for(self.env.snapshot.sys_path, line))

    def resolve(self, module: str, *, script_dir: str | None = None) -> Resolution:
        return self.resolver_for(script_dir or str(self.root)).resolve(module)

    # --- checking -----------------------------------------------------------------------------------------------

    def check_source(self, path: Path, text: str, *, stmts=None) -> list[Finding]:
        """Findings for one file's text. ``stmts`` may carry imports already extracted (the CLI's cache). The
        disk is read as one state for the whole file (``filecache.one_pass``)."""
        with one_pass():
            return self._check_source(Path(path), text, stmts=stmts)

    def _check_source(self, path: Path, text: str, *, stmts=None) -> list[Finding]:
        env = self.env
        ways = self.run_ways(path, text)
        script_dir = ways[0].run_dir if os.path.isdir(ways[0].run_dir) else str(self.root)
        findings: list[Finding] = []
        if stmts is None:
            stmts = extract_imports(text, version=env.snapshot.short_version, path=str(path))
        broken = [p for p in env.snapshot.problems if p.startswith("probe failed")]
        if stmts and not Path(self.choice.python).exists():
            return [Finding(range=stmts[0].range, severity=Severity.ERROR, code="TFL190", name=CODES["TFL190"].name,
                            module=stmts[0].module, fixes=tuple(use_interpreter_fix(self, c) for c in self.candidates
                                                                if c.in_workspace and Path(c.python).exists())[:3],
                            message=f"The selected interpreter {self.choice.python} does not exist, so nothing here can run. "
                                    f"Pick an existing interpreter (tf-lsp envs lists the ones found).",
                            details=(f"interpreter: {self.choice.python} — {self.choice.why}",))]
        if broken and stmts:    # the environment is unknown: say so once, and nothing derived from a guess
            return [Finding(range=stmts[0].range, severity=CODES["TFL190"].severity, code="TFL190",
                            name=CODES["TFL190"].name, module=stmts[0].module,
                            message=f"The selected interpreter could not be inspected ({broken[0].removeprefix('probe failed: ')}), "
                                    f"so what its imports do is unknown; no import of this file was checked.",
                            details=(f"interpreter: {self.choice.python} — {self.choice.why}",))]
        if prefetch.enabled:
            readahead.queue_imports(env, self.way_resolver(ways[0], 1).fresh(),
                                    [s.module for s in stmts if not s.level and not s.type_checking])
        implied_memo: dict[str, list[Finding]] = {}
        way_lines = ways_details(ways, self.root)      # one tuple, shared by every "not found" finding of the file
        loaded: set[str] = set()        # first-party files the statements above ran to the end (sys.modules)
        for stmt in stmts:
            if stmt.type_checking:
                continue
            note = None
            stmt_resolver = self.way_resolver(ways[0], stmt.line)
            if stmt.level:
                target = resolve_relative(stmt.module or None, stmt.level, file_path=str(path))
                resolution = None if target is None else _relative_resolution(target, stmt.module)
            else:
                if not self.settings.check_all_imports and not _is_tf_family(stmt.module):
                    continue
                _way, stmt_resolver, resolution, note = choose_way(self, ways, stmt)
            ctx = ImportContext(workspace=self, env=env, file_path=path, stmt=stmt, resolution=resolution,
                                resolver=stmt_resolver, environ=self.environ, script_dir=script_dir)
            own = _run_checks(ctx)
            own = ([note] if note else []) + [_with_ways(f, way_lines) for f in own]
            errors = [f for f in own if f.severity is Severity.ERROR]
            if resolution is not None and resolution.found and all(f.code == "TFL116" for f in errors):
                # the first failure in execution order: the closure's (other checks' knowledge) or the simulation's
                closure = closure_failures(ctx, _run_checks, _relative_resolution, loaded=loaded,
                                           pending=simulated_first_party(ctx) if errors else ())
                if closure:
                    own = [f for f in own if f.code != "TFL116"] + closure
            carried = [c for c in self._carried(ctx, implied_memo) if not any(_same_cause(c, f) for f in own)]
            found = carried + own
            for f in found:
                f = self._apply_overrides(f, guarded=stmt.guarded)
                if f is not None:
                    findings.append(f)
        if stmts:
            for file_check in FILE_CHECKS:
                for f in isolated(file_check, path, lambda fc=file_check: list(fc(self, path, text))):
                    f = self._apply_overrides(f, guarded=False)
                    if f is not None:
                        findings.append(f)
        return [_with_pins(f, self.root) for f in _dedupe(findings)]

    def _carried(self, ctx: ImportContext, memo: dict[str, list[Finding]]) -> list[Finding]:
        """Errors of the imports ``ctx.stmt`` runs first (``import keras`` -> ``import tensorflow``), moved onto this
        statement with the reason in front; their causes and fixes stay theirs."""
        if ctx.stmt.level:
            return []
        out: list[Finding] = []
        for implied in IMPLIED_IMPORTS:
            for module, why in isolated(implied, ctx.file_path, lambda im=implied: list(im(ctx))):
                if module == ctx.stmt.module.split(".")[0]:
                    continue
                if module not in memo:
                    sub = replace(ctx.stmt, module=module, level=0, names=(), star=False, is_from=False)
                    sub_ctx = replace(ctx, stmt=sub, resolution=ctx.resolver.resolve(module))
                    memo[module] = [f for f in _run_checks(sub_ctx) if f.severity is Severity.ERROR]
                for f in memo[module]:
                    out.append(replace(f, range=ctx.stmt.range, message=f"{why}, and that fails: {f.message}",
                                       details=(why,) + f.details))
        return out

    def check_file(self, path: Path) -> list[Finding]:
        text = safeio.read_source(path)
        return self.check_source(Path(path), text)

    def _apply_overrides(self, f: Finding, *, guarded: bool) -> Finding | None:
        wanted = self.settings.severity.get(f.code)
        if wanted == "none":
            return None
        if wanted:
            return replace(f, severity=Severity(wanted))
        if guarded and f.severity in (Severity.ERROR, Severity.WARNING):
            return replace(f, severity=Severity.INFORMATION, message=f.message + _GUARD_NOTE)
        return f


def _with_pins(f: Finding, root: Path) -> Finding:
    """The engine offers the pin next to each version-constrained install (so the CLI and the editor list the same)."""
    fixes = with_pins(root, f.fixes)
    return f if fixes == f.fixes else replace(f, fixes=fixes)


def _same_cause(carried: Finding, own: Finding) -> bool:
    """An own error that says the same (same code, and the same module or the same first fix) as a carried one."""
    if own.severity is not Severity.ERROR or own.code != carried.code:
        return False
    if own.module == carried.module:
        return True
    return bool(own.fixes and carried.fixes and own.fixes[0].command and own.fixes[0].command == carried.fixes[0].command)


def _with_ways(f: Finding, way_lines: tuple[str, ...]) -> Finding:
    """A "not found" finding carries every way the file can run, with the sys.path entries of each and why."""
    if f.code not in _NOT_FOUND:
        return f
    return replace(f, details=f.details + way_lines)


_NOT_FOUND = frozenset({"TFL100", "TFL101", "TFL102", "TFL111"})


def _run_checks(ctx: ImportContext) -> list[Finding]:
    generic: list[Finding] = []
    pack: list[Finding] = []
    for check in IMPORT_CHECKS:
        found = isolated(check, ctx.file_path, lambda c=check: list(c(ctx)), what=f"`import {ctx.stmt.module}`")
        (pack if is_pack(check) else generic).extend(found)
    return _merge(generic, pack)


def isolated(check, path, run, *, what: str = "") -> list:
    """``run()``, or ``[]`` when it raises: one failing check (a damaged distribution it read, a bug) is logged with
    the file and the check's name, and every other check's findings stand."""
    try:
        return run()
    except Exception:
        name = f"{getattr(check, '__module__', '?')}.{getattr(check, '__qualname__', repr(check))}"
        log.exception("check %s failed on %s%s; its findings are missing, the others stand", name, path,
                      f" ({what})" if what else "")
        return []


def _is_tf_family(module: str) -> bool:
    """Whether a rule pack speaks for the module (``checkAllImports: false`` checks only those)."""
    return module.split(".")[0] in covered_import_names()


def _relative_resolution(target: str, module: str) -> Resolution:
    if os.path.isdir(target):
        init = next((os.path.join(target, f"__init__{s}") for s in (".py", ".pyc") if os.path.isfile(os.path.join(target, f"__init__{s}"))), None)
        return Resolution(module or ".", True, "package" if init else "namespace", init, (target,), os.path.dirname(target))
    for suffix in (".py", ".pyc"):
        if os.path.isfile(target + suffix):
            return Resolution(module, True, "module", target + suffix, (), os.path.dirname(target))
    for name in os.listdir(os.path.dirname(target)) if os.path.isdir(os.path.dirname(target)) else ():
        if name.startswith(os.path.basename(target) + ".") and name.endswith((".so", ".pyd")):
            return Resolution(module, True, "extension", os.path.join(os.path.dirname(target), name), (), os.path.dirname(target))
    return Resolution(module, False, "missing", failed_at=module, trace=(f"{target}: nothing there",))


def _merge(generic: list[Finding], pack: list[Finding]) -> list[Finding]:
    """One statement's findings: a rule pack's finding replaces the generic ones of the same family of codes, and
    any specific error replaces a bare "not found" (TFL100/TFL111)."""
    pack_codes = {f.code for f in pack}
    kept = [f for f in generic if not any(pack_codes & fam and f.code in fam for fam in OVERRIDDEN_FAMILIES)]
    found = kept + pack
    if any(f.severity is Severity.ERROR and f.code not in _GENERIC for f in found):
        found = [f for f in found if f.code not in _GENERIC]
    seen, out = set(), []
    for f in found:
        key = (f.code, f.range, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Never the same cause twice on one line (same code, line and message)."""
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.range.start.line, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def severity_rank(sev: Severity) -> int:
    return {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFORMATION: 2, Severity.HINT: 3}[sev]


__all__ = ["Workspace", "CODES", "read_dotenv"]
