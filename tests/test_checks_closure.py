"""The static import closure (tf_lsp/checks/closure.py) on package trees written to disk, compared with what the
interpreter really imports (``sys.modules`` after ``import``)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tf_lsp import filecache
from tf_lsp.checks import closure as cl

PKG = {
    "pkg/__init__.py": (
        "import os\n"
        "import first_ext\n"
        "from . import core\n"
        "from .sub import helper\n"
        "try:\n    import optional_ext\nexcept ImportError:\n    optional_ext = None\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import typing_only_ext\n"
        "import sys\n"
        "if sys.platform == 'win32':\n    import win_ext\n"
        "def later():\n    import func_ext\n"
        "class K:\n    import class_ext\n"
        "import importlib\n"
        "importlib.import_module('dyn_ext')\n"
    ),
    "pkg/core.py": "from pkg.deep import x\n",
    "pkg/deep.py": "import deep_ext\nx = 1\n",
    "pkg/sub/__init__.py": "",
    "pkg/sub/helper.py": "from .. import core\nimport helper_ext\n",
    "pkg/unused.py": "import unused_ext\n",
    "pkg-1.0.dist-info/RECORD": "",
}


@pytest.fixture()
def tree(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))
    cl.clear_memory_cache()
    site = tmp_path / "site"
    for rel, text in PKG.items():
        p = site / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return site


def _closure(site: Path, module: str = "pkg", **kw) -> cl.Closure:
    return cl.import_closure(module, location=str(site), metadata_dir=site / "pkg-1.0.dist-info", **kw)


def test_module_level_imports_only(tree):
    c = _closure(tree)
    assert c.complete
    assert {"first_ext", "deep_ext", "helper_ext", "dyn_ext", "class_ext"} <= c.externals
    assert not {"optional_ext", "typing_only_ext", "func_ext", "unused_ext"} & (c.externals | c.conditional)
    assert "win_ext" in c.conditional and "win_ext" not in c.externals
    assert c.modules == {"pkg", "pkg.core", "pkg.deep", "pkg.sub", "pkg.sub.helper"}
    assert c.needs("first_ext") is True and c.needs("unused_ext") is False and c.needs("win_ext") is None


def test_closure_matches_what_the_interpreter_imports(tree):
    """Stub every external the closure names; then the modules Python imports from pkg are the closure's."""
    c = _closure(tree)
    stubs = tree.parent / "stubs"
    stubs.mkdir()
    for name in c.externals - set(sys.stdlib_module_names):
        (stubs / f"{name}.py").write_text("")
    code = ("import sys, pkg; print(sorted(m for m in sys.modules if m == 'pkg' or m.startswith('pkg.')));"
            "print(sorted(m for m in sys.modules if m.endswith('_ext')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{stubs}"}).stdout.splitlines()
    assert eval(out[0]) == sorted(c.modules)
    assert set(eval(out[1])) == {n for n in c.externals if n.endswith("_ext")}


def test_size_limit_cuts_the_same_way_cold_and_warm(tree):
    """The only limit is the number of modules, so a cut closure is the same whatever was cached before."""
    cold = _closure(tree, max_files=1)
    assert not cold.complete
    assert cold.needs("helper_ext") is None          # not seen, cannot be sure
    assert cold.needs("first_ext") is True
    warm = _closure(tree, max_files=1)
    full = _closure(tree)
    cl.clear_memory_cache()
    assert _closure(tree, max_files=1) == cold == warm
    assert full.complete and _closure(tree) == full


def test_cache_never_outlives_the_file(tree):
    """Facts are cached by path, size and mtime: a file changed or removed after the first walk (RECORD untouched,
    as when a file is truncated or deleted by hand) gives the fresh answer, from memory and from the disk cache."""
    first = _closure(tree)
    assert "deep_ext" in first.externals
    filecache.flush_stamped()
    with sqlite3.connect(tree.parent / "cache" / "stamped.sqlite3") as db:
        stored = {row[0] for row in db.execute("SELECT path FROM entries WHERE kind = 'facts'")}
    assert str(tree / "pkg" / "deep.py") in stored
    (tree / "pkg" / "deep.py").unlink()
    again = _closure(tree)
    assert "deep_ext" not in again.externals and "pkg.deep" in again.unresolved
    cl.clear_memory_cache()
    assert _closure(tree) == again
    (tree / "pkg" / "sub" / "helper.py").write_text("from .. import core\nimport other_ext\n")
    changed = _closure(tree)
    assert "other_ext" in changed.externals and "helper_ext" not in changed.externals
    cl.clear_memory_cache()
    assert _closure(tree) == changed


def test_parsing_without_function_bodies_sees_the_same_imports():
    """Differential: the fast parse (function bodies dropped) finds exactly the module-level imports of a full parse,
    over the standard library's top-level modules; a cut that does not parse falls back to the full parse."""
    import ast
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    checked = 0
    for path in sorted(stdlib.glob("*.py")):
        data = path.read_bytes()
        try:
            full = ast.parse(data)
        except (SyntaxError, ValueError):
            continue
        fast = cl.parse_for_imports(str(path))
        assert list(cl._module_level_imports(fast.body, False)) == list(cl._module_level_imports(full.body, False)), path
        checked += 1
    assert checked > 100


def test_dropped_functions_keep_their_names():
    """The fast parse binds the same module-level names as a full parse, over the standard library's modules."""
    import sysconfig

    from tf_lsp import modfacts

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    checked = 0
    for path in sorted(stdlib.glob("*.py")):
        full = modfacts.facts_of_file(str(path), reduce=False)
        if not full.parsed:
            continue
        fast = modfacts.facts_of_file(str(path))
        assert fast.defines == full.defines and fast.all_names == full.all_names, path
        assert fast.stars == full.stars and fast.dynamic == full.dynamic, path
        checked += 1
    assert checked > 100
