"""The static import closure (tf_lsp/checks/closure.py) on package trees written to disk, compared with what the
interpreter really imports (``sys.modules`` after ``import``)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def test_budget_makes_it_incomplete_and_conservative(tree):
    c = _closure(tree, max_files=1)
    assert not c.complete
    assert c.needs("helper_ext") is None          # not seen, cannot be sure
    assert c.needs("first_ext") is True


def test_disk_cache_is_used_and_invalidated_by_record(tree):
    t0 = time.perf_counter()
    first = _closure(tree)
    assert list((tree.parent / "cache" / "closures").glob("*.json"))
    (tree / "pkg" / "deep.py").unlink()          # the cached graph still knows it ...
    cl.clear_memory_cache()
    again = _closure(tree)
    assert again.externals == first.externals
    os.utime(tree / "pkg-1.0.dist-info" / "RECORD", ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    cl.clear_memory_cache()                       # ... until pip rewrites RECORD
    fresh = _closure(tree)
    assert "deep_ext" not in fresh.externals and "pkg.deep" in fresh.unresolved
    assert time.perf_counter() - t0 < 5


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
