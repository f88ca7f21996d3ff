"""TFL107 shadowed-module: a file or folder of the workspace hides an installed package.

``python script.py`` puts the script's folder first on sys.path (and tools often add the workspace root), so a
``numpy.py``, ``tensorflow.py`` or ``keras/`` there is imported instead of the installed distribution further down
the path. Only names that an installed distribution also provides are flagged: a first-party package that nothing
installed provides is simply the project's own code (and so is the workspace's own project, even when it is also
installed, editable or not).

Severity follows what the statement does at runtime:

- ERROR when the statement fails because it got the wrong module:
  - it imports a submodule the shadow does not have (``import tensorflow.keras`` with a plain ``tensorflow.py``:
    "No module named 'tensorflow.keras'; 'tensorflow' is not a package");
  - ``from numpy import array`` and the shadow does not define ``array`` ("ImportError: cannot import name 'array'
    from 'numpy' (/ws/numpy.py)");
  - the shadow imports its own name and uses it at module level — the classic ``numpy.py`` that does
    ``import numpy; numpy.zeros(3)`` ("AttributeError: partially initialized module 'numpy' has no attribute
    'zeros' (most likely due to a circular import)").
- WARNING otherwise: the statement itself succeeds and binds the workspace's file. That is still almost certainly a
  mistake (every later ``tf.constant`` fails with AttributeError), but the import line does not fail, and an ERROR
  there would contradict ``python -c "import X"``. We chose truth over alarm; the message says what will break.

Fix: rename the workspace file (``numpy.py`` -> ``numpy_local.py``; the new name is checked to be free).
"""
from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Iterable

from tf_lsp import safeio
from tf_lsp.checks.base import ImportContext
from tf_lsp.filecache import lru
from tf_lsp.fixes import rename_fix
from tf_lsp.model import Finding, Position, Range, Severity


def check(ctx: ImportContext) -> Iterable[Finding]:
    res = ctx.resolution
    if res is None:
        return []
    top = res.parents[0] if res.parents else res
    if not top.found or top.kind in ("builtin", "alias", "editable", "namespace") or not top.root:
        return []
    first_party = _first_party_roots(ctx)
    if os.path.normpath(top.root) not in first_party:
        hit = _shadowed_dependency(ctx, res, top)
        return [hit] if hit is not None else []
    installed = [d for d in ctx.env.index.providers(top.name)
                 if os.path.normpath(d.location) not in first_party and not d.editable
                 and d.location in ctx.resolver.sys_path and _provides_here(d.location, top.name)]
    if not installed or top.path is None or any(_is_workspace_project(ctx.workspace.root, d.name) for d in installed):
        return []
    dist = installed[0]
    shadow = Path(top.path).parent if top.kind == "package" else Path(top.path)
    where = _rel(shadow, ctx.workspace.root) + ("/" if top.kind == "package" else "")
    label = f"{dist.display_name} {dist.version}"
    verdict = _verdict(ctx, res, top, shadow)
    if verdict:
        sev = Severity.ERROR
        msg = (f"`import {top.name}` loads {where} of your workspace, not the installed {label}: {where} comes first "
               f"on sys.path (the script's folder), so {verdict}. Rename {where}.")
    else:
        sev = Severity.WARNING
        msg = (f"`import {top.name}` loads {where} of your workspace, not the installed {label}: {where} comes first "
               f"on sys.path (the script's folder). The import line works but binds your file, so anything from the real "
               f"{top.name} (e.g. `{top.name}.<name>`) fails with AttributeError. Rename {where}.")
    new = free_name(shadow)
    s = ctx.stmt.range.start
    rng = Range(s, Position(s.line, s.character + len(top.name))) if ctx.stmt.module.startswith(top.name) else ctx.stmt.range
    return [ctx.finding("TFL107", msg, range=rng, severity=sev, module=top.name,
                        fixes=[rename_fix(shadow, new, why=f"it hides the installed {dist.display_name}")],
                        details=[f"shadow: {shadow}", f"installed: {label} in {dist.location}",
                                 "sys.path starts with: " + ", ".join(list(dict.fromkeys(ctx.resolver.sys_path))[:3])])]


def shadowing_modules(ctx: ImportContext) -> dict[str, str]:
    """{module name: file or folder} of the first-party modules that win over an installed distribution of the same
    name on this statement's sys.path (a ``numpy.py`` next to the script). Cached per folder listing and
    environment."""
    from tf_lsp.resolver import listing

    roots = [r for r in dict.fromkeys(ctx.resolver.sys_path) if os.path.normpath(r) in _first_party_roots(ctx)]
    out: dict[str, str] = {}
    for root in roots:
        names = listing(root)
        if not names:
            continue
        key = ("shadow-candidates", root, names)      # the memo is emptied whenever the environment changes
        hit = ctx.workspace.memo.get(key)
        if hit is None:
            hit = {}
            for n in names:
                mod = n[:-3] if n.endswith(".py") else n if "." not in n else None
                if not mod or not mod.isidentifier() or not ctx.env.index.providers(mod):
                    continue
                path = os.path.join(root, n)
                if n.endswith(".py") or os.path.isfile(os.path.join(path, "__init__.py")):
                    hit[mod] = path
            ctx.workspace.memo[key] = hit
        for mod, path in hit.items():
            out.setdefault(mod, path)
    return out


def _shadowed_dependency(ctx: ImportContext, res, top) -> Finding | None:
    """The installed package imports, while it loads, a module that a workspace file shadows (TensorFlow's own
    ``import numpy`` gets ``./numpy.py``): the package's import fails there (real run: a workspace ``numpy.py``
    fails ``import tensorflow``)."""
    shadows = shadowing_modules(ctx)
    shadows.pop(top.name, None)
    if not shadows:
        return None
    from tf_lsp.checks.closure import import_closure
    from tf_lsp.record import owning_distribution

    dist = owning_distribution(ctx.env, res)
    if dist is None or dist.editable:
        return None
    wanted = [m for m in sorted(shadows) if not _is_workspace_project(ctx.workspace.root, m)]
    if not wanted:
        return None
    closure = import_closure(res.name, location=top.root, metadata_dir=dist.metadata_dir)
    hits = [m for m in wanted if m in closure.externals]
    hits = [m for m in hits if os.path.normpath(ctx.resolver.resolve(m).top.root or "") in _first_party_roots(ctx)]
    if not hits:
        return None
    name = hits[0]
    shadow = Path(shadows[name])
    where = _rel(shadow, ctx.workspace.root) + ("" if shadow.suffix == ".py" else "/")
    real = [d for d in ctx.env.index.providers(name) if os.path.normpath(d.location) not in _first_party_roots(ctx)]
    label = f"{real[0].display_name} {real[0].version}" if real else f"the installed {name}"
    msg = (f"`import {ctx.stmt.module}` fails: {dist.display_name} imports `{name}` while it loads, and `{name}` "
           f"here is {where} of your workspace (the script's folder comes first on sys.path), not {label}. "
           f"{dist.display_name}'s own code then gets your file and fails (AttributeError / ImportError on the first "
           f"`{name}.<name>` it needs). Rename {where}.")
    return ctx.finding("TFL107", msg, severity=Severity.ERROR, module=name,
                       fixes=[rename_fix(shadow, free_name(shadow), why=f"it hides the installed {name} from "
                                                                        f"{dist.display_name}")],
                       details=[f"shadow: {shadow}", f"{dist.display_name} imports: {', '.join(hits)}",
                                "sys.path starts with: " + ", ".join(list(dict.fromkeys(ctx.resolver.sys_path))[:3])])


def _first_party_roots(ctx: ImportContext) -> frozenset[str]:
    key = ("first-party-roots", ctx.script_dir)
    hit = ctx.workspace.memo.get(key)
    if hit is None:
        root = ctx.workspace.root
        roots = {os.path.normpath(ctx.script_dir), os.path.normpath(str(root))}
        if (root / "src").is_dir():
            roots.add(os.path.normpath(str(root / "src")))
        ctx.workspace.memo[key] = hit = frozenset(roots)
    return hit


def _provides_here(location: str, name: str) -> bool:
    from tf_lsp.resolver import listing

    names = listing(location) or frozenset()
    return name in names or any(n.startswith(name + ".") for n in names)


@lru(maxsize=64, stamp="the key holds the manifests' stamp")
def _project_names(root: str, stamp: float) -> frozenset[str]:
    from packaging.utils import canonicalize_name

    names: set[str] = set()
    try:
        import tomllib
        data = tomllib.loads(safeio.read_bytes(os.path.join(root, "pyproject.toml")).decode("utf-8", "replace"))
        for n in ((data.get("project") or {}).get("name"), ((data.get("tool") or {}).get("poetry") or {}).get("name")):
            if isinstance(n, str):
                names.add(canonicalize_name(n))
    except (OSError, ValueError, ImportError):
        pass
    try:
        for line in safeio.read_text(Path(root, "setup.cfg")).splitlines():
            k, _, v = line.partition("=")
            if k.strip() == "name" and v.strip():
                names.add(canonicalize_name(v.strip()))
    except OSError:
        pass
    return frozenset(names)


def _is_workspace_project(root: Path, dist_name: str) -> bool:
    try:
        stamp = os.stat(root / "pyproject.toml").st_mtime
    except OSError:
        stamp = 0.0
    return dist_name in _project_names(str(root), stamp)


def _rel(path: Path, root: Path) -> str:
    try:
        return "./" + str(path.relative_to(root))
    except ValueError:
        return str(path)


def _verdict(ctx: ImportContext, res, top, shadow: Path) -> str | None:
    """Why the statement fails at runtime with the shadow in place, or None when it does not fail."""
    stmt = ctx.stmt
    name = top.name
    if not res.found:
        if top.kind == "module":
            return f"`import {stmt.module}` fails: No module named '{res.failed_at}'; '{name}' is not a package"
        return f"`import {stmt.module}` fails: No module named '{res.failed_at}' (your {name}/ has no such submodule)"
    facts = _shadow_facts(top.path, _mtime(top.path)) if top.path and top.path.endswith(".py") else None
    if facts is None:
        return None
    defined, dynamic, self_use = facts
    if self_use:
        return (f"the shadow imports `{name}` itself and uses it while it is still loading: AttributeError: "
                f"partially initialized module '{name}' has no attribute '{self_use}' (most likely due to a circular import)")
    if stmt.is_from and stmt.module == name and not stmt.star and not dynamic:
        for n in stmt.names:
            if n.name not in defined and not (top.kind == "package" and _has_submodule(shadow, n.name)):
                return f"ImportError: cannot import name '{n.name}' from '{name}' ({top.path})"
    return None


def _has_submodule(folder: Path, name: str) -> bool:
    return (folder / name).is_dir() or (folder / f"{name}.py").is_file() or any(folder.glob(f"{name}.*.so"))


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@lru(maxsize=128, stamp="the key holds the file's mtime")
def _shadow_facts(path: str, mtime: float) -> tuple[frozenset[str], bool, str | None] | None:
    """(names defined at module level, has __getattr__ / star import, first attribute of itself used at load)."""
    try:
        tree = ast.parse(safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT))
    except (OSError, SyntaxError, ValueError):
        return None
    own = Path(path).parent.name if Path(path).name == "__init__.py" else Path(path).stem
    defined: set[str] = set()
    dynamic = False
    aliases: set[str] = set()
    self_use: str | None = None
    for node in _module_level(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
            if node.name == "__getattr__":
                dynamic = True
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                defined.add(a.asname or a.name.split(".")[0])
                if a.name.split(".")[0] == own:
                    aliases.add(a.asname or own)
            continue
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.name == "*":
                    dynamic = True
                defined.add(a.asname or a.name)
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                defined.add(sub.id)
            if self_use is None and isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) \
                    and sub.value.id in aliases and sub.attr not in defined:
                self_use = sub.attr
    return frozenset(defined), dynamic, self_use


def _module_level(body):
    """Statements that run when the module loads, with compound bodies flattened (function bodies excluded)."""
    for node in body:
        if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            head = [node.test] if isinstance(node, (ast.If, ast.While)) else [node.iter] if isinstance(node, ast.For) else []
            for h in head:
                yield ast.Expr(h)
            for part in ("body", "orelse", "finalbody"):
                yield from _module_level(getattr(node, part, []))
            for h in getattr(node, "handlers", []):
                yield from _module_level(h.body)
        else:
            yield node


def free_name(shadow: Path) -> Path:
    """``numpy.py`` -> ``numpy_local.py`` (or ``my_numpy.py``, ``numpy_local2.py``...): a name not taken yet."""
    is_file = shadow.suffix == ".py"
    stem = shadow.stem if is_file else shadow.name
    suffix = ".py" if is_file else ""
    options = [f"{stem}_local", f"my_{stem}"] + [f"{stem}_local{i}" for i in range(2, 50)]
    for opt in options:
        cand = shadow.with_name(opt + suffix)
        if not cand.exists() and not cand.with_suffix("").exists() and not shadow.with_name(opt + ".py").exists():
            return cand
    return shadow.with_name(f"{stem}_local_{os.getpid()}{suffix}")


__all__ = ["check", "free_name"]
