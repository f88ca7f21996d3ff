"""Whether an install may be offered for a missing import: only when a distribution is *known* to provide it.

A package index serves whatever was uploaded under a name; an install fix named after a workspace module
(``data``, ``utils``, ``tracker``) would install a stranger's code (dependency confusion). So ``provider`` answers
with the distribution and the reason it is known, or None:

(a) the project declares it (requirements*.txt, pyproject [project] / optional deps / [dependency-groups] / poetry,
    environment.yml, setup.cfg / setup.py install_requires, Pipfile) and its import name matches (the curated table, or the name
    normalised);
(b) it provides that import name in another environment on this machine (its RECORD / top_level.txt);
(c) the curated import-name table (tf_lsp.knowledge.import_names), each record with its source.

Never for a name that is first-party (a module or package of the workspace) or whose closest match is one.
"""
from __future__ import annotations

import configparser
import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from tf_lsp import safeio
from tf_lsp.filecache import Stamp, by_mtime, in_pass, registered, stamp
from tf_lsp.knowledge.import_names import known_dist
from tf_lsp.resolver import listing

if TYPE_CHECKING:
    from tf_lsp.workspace import Workspace

_NAMESPACES = frozenset({"google", "azure", "jaraco", "zope", "sphinxcontrib", "backports", "nvidia"})
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "dist-packages", "build", "dist", ".git"})
_MAX_DIRS = 2000
_MAX_DEPTH = 6


@dataclass(frozen=True)
class Provider:
    dist: str          # what to install
    why: str           # how it is known (shown in the fix's details)


# --- first-party names -------------------------------------------------------------------------------------------

def first_party_locations(root: Path, *, visited: dict[str, Stamp | None] | None = None) -> dict[str, list[str]]:
    """Top-level-importable names of the workspace's own files: every ``x.py`` and every folder holding Python
    files, anywhere in the tree (bounded), -> where they are. ``visited`` receives each folder read and its mtime."""
    out: dict[str, list[str]] = {}
    stack = [(str(root), 0)]
    seen = 0
    while stack and seen < _MAX_DIRS:
        folder, depth = stack.pop()
        names = listing(folder)
        if visited is not None:
            visited[folder] = _mtime(folder)
        if names is None:
            continue
        seen += 1
        if "pyvenv.cfg" in names or "conda-meta" in names or any(n.endswith(".dist-info") for n in names):
            continue
        for n in sorted(names):
            full = os.path.join(folder, n)
            if n.endswith(".py") and n[:-3].isidentifier():
                out.setdefault(n[:-3], []).append(full)
            elif n.isidentifier() and n not in _SKIP_DIRS and not n.startswith(".") and depth < _MAX_DEPTH \
                    and os.path.isdir(full):
                sub = listing(full) or frozenset()
                if any(s.endswith(".py") for s in sub) or "__init__.py" in sub:
                    out.setdefault(n, []).append(full + os.sep)
                stack.append((full, depth + 1))
    return out


def _mtime(path: str) -> Stamp | None:
    """The path's stamp, read once per file check (``filecache.stamp``)."""
    return stamp(path)


_CLOSE = 0.85       # how close a name must be to a workspace module's to be taken for it (difflib ratio)


def first_party_match(ws: "Workspace", name: str) -> tuple[str, list[str]] | None:
    """(the workspace name, its locations) when ``name`` is first-party or its closest match is."""
    key = ("first-party-names",)
    hit = ws.memo.get(key)
    if hit is None or any(_mtime(d) != m for d, m in hit[0].items()):       # valid while no folder changed
        visited: dict[str, Stamp | None] = {}
        hit = ws.memo[key] = (visited, first_party_locations(ws.root, visited=visited))
    names = hit[1]
    if name in names:
        return name, names[name]
    last = ws.memo.get(("first-party-last",))          # provider() then unknown_reason() ask for the same name
    if last is not None and last[0] == name and last[1] is names:
        return last[2]
    # difflib's own first test (real_quick_ratio: 2 * shorter / both lengths >= cutoff), made before it: the same
    # answer without building a matcher for names that cannot pass (a file with 100,000 missing imports)
    near = [n for n in names if 2.0 * min(len(n), len(name)) / (len(n) + len(name)) >= _CLOSE]
    close = difflib.get_close_matches(name, near, n=1, cutoff=_CLOSE) if near else []
    out = (close[0], names[close[0]]) if close else None
    ws.memo[("first-party-last",)] = (name, names, out)
    return out


# --- declared in the project's manifests -------------------------------------------------------------------------

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_DECLARED: dict[str, tuple[int, frozenset[str]]] = registered({},
    stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _req_names(lines) -> set[str]:
    out = set()
    for line in lines:
        if not isinstance(line, str) or line.lstrip().startswith(("#", "-")):
            continue
        m = _REQ.match(line)
        if m:
            out.add(canonicalize_name(m.group(1)))
    return out


def _read_declared(path: str) -> frozenset[str]:
    name = os.path.basename(path)
    text = safeio.read_text(path)
    if name.endswith(".txt"):
        return frozenset(_req_names(text.splitlines()))
    if name == "pyproject.toml":
        import tomllib
        try:
            data = tomllib.loads(text)
        except ValueError:
            return frozenset()
        project = data.get("project") or {}
        reqs = list(project.get("dependencies") or [])
        for group in (project.get("optional-dependencies") or {}).values():
            reqs += list(group or [])
        for group in (data.get("dependency-groups") or {}).values():
            reqs += [g for g in group or [] if isinstance(g, str)]
        out = _req_names(reqs)
        poetry = (data.get("tool") or {}).get("poetry") or {}
        for table in [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {},
                      *[(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values()]]:
            out |= {canonicalize_name(k) for k in table if k.lower() != "python"}
        return frozenset(out)
    if name == "Pipfile":
        import tomllib
        try:
            data = tomllib.loads(text)
        except ValueError:
            return frozenset()
        return frozenset(canonicalize_name(k) for sec in ("packages", "dev-packages") for k in (data.get(sec) or {}))
    if name == "setup.py":                      # install_requires=[...] / extras_require={...} of string literals
        import ast
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return frozenset()
        reqs: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in ("install_requires", "extras_require", "tests_require"):
                reqs += [n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        return frozenset(_req_names(reqs))
    if name == "setup.cfg":
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            return frozenset()
        reqs = parser.get("options", "install_requires", fallback="").splitlines()
        if parser.has_section("options.extras_require"):
            for _k, v in parser.items("options.extras_require"):
                reqs += v.splitlines()
        return frozenset(_req_names(reqs))
    # environment.yml: "- name" items (conda dependencies and the pip: list alike)
    items = [line.split("#")[0].strip()[1:].strip() for line in text.splitlines() if line.strip().startswith("-")]
    return frozenset(_req_names(i for i in items if i and not i.startswith("pip:")))


def declared(root: Path) -> dict[str, str]:
    """Distribution names the project declares (normalised) -> the file declaring it (read once per file check)."""
    return in_pass(("declared", str(root)), lambda: _declared(root))


def _declared(root: Path) -> dict[str, str]:
    files = [n for n in sorted(listing(str(root)) or ()) if (n.startswith("requirements") and n.endswith(".txt"))
             or n in ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "environment.yml", "environment.yaml")]
    req_dir = root / "requirements"
    files += [f"requirements/{n}" for n in sorted(listing(str(req_dir)) or ()) if n.endswith(".txt")]
    out: dict[str, str] = {}
    for rel in files:
        for d in by_mtime(_DECLARED, str(root / rel), _read_declared, missing=frozenset()):
            out.setdefault(d, rel)
    return out


# --- the gate ------------------------------------------------------------------------------------------------------

def provider(ws: "Workspace", import_name: str) -> Provider | None:
    """The distribution known to provide ``import_name`` and how it is known, or None (then offer no install)."""
    top = import_name.split(".")[0]
    if first_party_match(ws, top) is not None:
        return None
    curated = known_dist(import_name)
    for dist, where in declared(ws.root).items():
        if dist == canonicalize_name(top) or (curated and canonicalize_name(curated[0]) == dist):
            return Provider(dist, f"{dist} is declared in {where}")
    if top not in _NAMESPACES:
        for cand, by_import in _other_indexes(ws):
            for dist in by_import.get(top, ()):
                return Provider(dist.name, f"{dist.display_name} provides `{top}` in {cand.name} "
                                           f"(its RECORD / top_level.txt)")
    if curated:
        return Provider(curated[0], f"known import name: {curated[1]}")
    return None


def _other_indexes(ws: "Workspace") -> tuple:
    """(candidate, its import name -> distributions) of every other environment, once per environment load (the
    workspace's ``memo`` is cleared whenever an environment changes)."""
    key = ("provider-other-indexes", str(ws.choice.python))
    hit = ws.memo.get(key)
    if hit is None:
        out = []
        for cand in ws.candidates:
            if str(cand.python) == str(ws.choice.python):
                continue
            other = ws.other_env(cand)
            if other is not None:
                out.append((cand, other.index.by_import))
        hit = ws.memo[key] = tuple(out)
    return hit


def unknown_reason(ws: "Workspace", import_name: str) -> str:
    """Why no install is offered for ``import_name`` (one sentence)."""
    top = import_name.split(".")[0]
    hit = first_party_match(ws, top)
    if hit is not None:
        name, where = hit
        places = ", ".join(os.path.relpath(p, ws.root) + ("/" if p.endswith(os.sep) else "") for p in where[:3])
        same = "is" if name == top else f"looks like `{name}`, which is"
        return (f"`{top}` {same} a module of this workspace ({places}), whose folder is not on this file's sys.path "
                f"in any way it runs (run it from there, or add the folder to PYTHONPATH / tfLsp.extraPaths); "
                f"installing a package of that name from an index would bring in unrelated code, so no install is "
                f"offered")
    return (f"nothing known provides `{top}` (the project does not declare it, no other environment here has it, "
            f"and it is not in tf-lsp's table of import names), so no install is offered: a package of that name on "
            f"an index could be anything")
