"""One cache policy (issue 11): every process cache of tf-lsp is registered in ``tf_lsp.filecache`` with the stamp
its entries are checked against, and a refresh (``filecache.clear_all``, run by ``tfLsp.refresh`` and whenever the
server sees an environment change) empties every one of them."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.wheelmaker import build_wheel, make_venv, pip_install

TF_LSP = Path(__file__).resolve().parent.parent / "tf_lsp"

# module-level state that is not a cache (nothing derived from a file is kept in it)
NOT_CACHES = {
    ("tf_lsp.checks", "FAILED_MODULES"): "check modules that failed to import, shown in logs and doctor",
    ("tf_lsp.treecheck", "_WORKER"): "the engine of one worker process of `check` over a tree",
}

_SCAN = r"""
import functools, importlib, json, pkgutil, sys
import tf_lsp
from tf_lsp import filecache
for m in pkgutil.walk_packages(tf_lsp.__path__, "tf_lsp."):
    if not m.name.endswith("__main__"):
        importlib.import_module(m.name)
known = {id(r.cache) for r in filecache.registry()}
found = []
for name, mod in sorted(sys.modules.items()):
    if not name.startswith("tf_lsp"):
        continue
    for key, value in vars(mod).items():
        holders = [(key, value)]
        if isinstance(value, type) and value.__module__ == name:
            holders += [(f"{key}.{k}", v) for k, v in vars(value).items()
                        if not (k.startswith("_") and k.endswith("_"))]      # enum's and Python's own
        for k, v in holders:
            cache = isinstance(v, functools._lru_cache_wrapper) or (
                isinstance(v, (dict, list, set)) and not v and type(v).__module__ in ("builtins", "collections"))
            if cache and id(v) not in known:
                found.append([name, k, type(v).__name__])
print(json.dumps({"unregistered": found, "registered": len(known)}))
"""


def test_every_module_level_cache_is_registered():
    """A fresh process imports every module of tf_lsp: each functools cache and each module-level container that
    starts empty (what a cache looks like before its first use) is in the registry, or named in NOT_CACHES."""
    out = subprocess.run([sys.executable, "-c", _SCAN], capture_output=True, text=True, check=True,
                         cwd=TF_LSP.parent)
    data = json.loads(out.stdout)
    unregistered = [tuple(x[:2]) for x in data["unregistered"] if tuple(x[:2]) not in NOT_CACHES]
    assert not unregistered, f"module-level caches outside tf_lsp.filecache's registry: {unregistered}"
    assert data["registered"] >= 30


def test_no_functools_cache_outside_the_registry():
    """``functools.lru_cache`` / ``functools.cache`` only through ``filecache.lru`` (which registers)."""
    offenders = []
    for path in sorted(TF_LSP.rglob("*.py")):
        if path.name == "filecache.py" and path.parent == TF_LSP:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else \
                (node.names if isinstance(node, ast.ImportFrom) and node.module == "functools" else None)
            if isinstance(name, list):
                name = next((a.name for a in name if a.name in ("lru_cache", "cache")), None)
            if name == "lru_cache" or (name == "cache" and isinstance(node, ast.ImportFrom)):
                offenders.append(f"{path.relative_to(TF_LSP.parent)}:{node.lineno}")
    assert not offenders, offenders


def test_a_refresh_empties_every_registered_cache(tmp_path):
    """A real check fills the caches (a venv with a distribution, a missing import, a shadowing file);
    ``clear_all`` leaves every registered cache empty and reports what it dropped."""
    from tf_lsp import filecache
    from tf_lsp.workspace import Workspace

    python = make_venv(tmp_path / ".venv")
    wheel = build_wheel(tmp_path / "dist", "cachepkg", "1.0", {"cachepkg/__init__.py": "X = 1\n"})
    pip_install(python, "--no-deps", str(wheel))
    (tmp_path / "main.py").write_text("import os\nimport cachepkg\nimport missing_pkg_xyz\nfrom cachepkg import X\n")
    ws = Workspace(tmp_path, python=str(python))
    findings = ws.check_file(tmp_path / "main.py")
    assert any(f.code == "TFL100" for f in findings)
    filled = [r for r in filecache.registry() if r.size()]
    assert len(filled) >= 3, [r.module for r in filled]
    dropped = filecache.clear_all()
    assert dropped >= sum(1 for _ in filled)
    assert [(r.module, r.stamp) for r in filecache.registry() if r.size()] == []
    # the next check reads everything again and gives the same answer
    again = ws.check_source(tmp_path / "main.py", (tmp_path / "main.py").read_text())
    assert [f.to_json() for f in again] == [f.to_json() for f in findings]


def test_each_registered_cache_names_its_stamp():
    from tf_lsp import filecache, packs, workspace  # noqa: F401 - importing registers their caches

    for r in filecache.registry():
        assert r.stamp.strip(), r.module
