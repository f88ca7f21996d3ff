"""Leftover partial trees (issue 15, class 5): a package folder without its .dist-info and with files gone, as an
interrupted uninstall leaves it. The simulated import must see the missing modules and names as it does for an
installed package, and offer the reinstall. Real wheels installed into real venvs; each case runs the import."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install, run_in
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace

# pytz 2026's __init__ has `sys.path.insert(0, os.pardir)` inside `def _test()`, run only under __main__; NumPy's
# einsumfunc appends to a local list named `path`: neither changes sys.path when imported
HELPER = ("import os, sys\n\n\ndef _test():\n    sys.path.insert(0, os.pardir)\n    return 1\n\n\n"
          "def _walk(items):\n    path = []\n    for i in items:\n        path.append(i)\n    return path\n\n\n"
          "if __name__ == '__main__':\n    _test()\n")
FILES = {
    "leftpkg/__init__.py": "import pathhelper\nfrom leftpkg.core import thing\nfrom leftpkg import sub\n",
    "leftpkg/core/__init__.py": "from leftpkg.core.reshape import concat\nthing = concat\n",
    "leftpkg/core/reshape.py": "concat = 1\n",
    "leftpkg/sub/__init__.py": "from leftpkg.sub._impl import gamma\n",
    "leftpkg/sub/_impl.py": "gamma = 2\n",
    "leftpkg/user.py": "from leftpkg.sub import gamma\n",
    "leftpkg/version.py": "version = '1.0'\n",
}


@pytest.mark.parametrize("text,changes", [
    (HELPER, False),
    ("import sys\nsys.path.insert(0, '/x')\n", True),
    ("import sys\nif True:\n    sys.path.append('/x')\n", True),
    ("import sys\n\ndef _setup():\n    sys.path.append('/x')\n\n_setup()\n", True),
    ("import site\nsite.addsitedir('/x')\n", True),
    ("x = 1\n", False),
])
def test_changes_sys_path(text, changes):
    from tf_lsp.modfacts import changes_sys_path

    assert changes_sys_path(text.encode()) is changes


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    d = tmp_path_factory.mktemp("trees")
    return [build_wheel(d, "leftpkg", "1.0", FILES, requires=["pathhelper"]),
            build_wheel(d, "pathhelper", "1.0", {"pathhelper.py": HELPER})]


@pytest.fixture
def env(wheels, tmp_path, monkeypatch):
    py = make_venv(tmp_path / "venv")
    pip_install(py, "--no-index", "--no-deps", *map(str, wheels))
    site = Path(run_in(py, "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "requirements.txt").write_text("leftpkg\n")        # a distribution known to provide `leftpkg`
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))
    shutil.rmtree(next(site.glob("leftpkg-*.dist-info")))
    return {"py": py, "site": site, "ws": ws, "wheel": wheels[0]}


def _errors(env, source: str):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    return [f for f in ws.check_source(env["ws"] / "main.py", source) if f.severity is Severity.ERROR]


def _real(env, source: str):
    return run_in(env["py"], source, cwd=env["ws"])


def test_leftover_tree_intact_imports(env):
    assert _real(env, "import leftpkg").returncode == 0
    assert _errors(env, "import leftpkg\n") == []


def test_leftover_tree_missing_module(env):
    (env["site"] / "leftpkg" / "core" / "reshape.py").unlink()
    real = _real(env, "import leftpkg")
    assert "No module named 'leftpkg.core.reshape'" in real.stderr
    found = _errors(env, "import leftpkg\n")
    assert [f.code for f in found] == ["TFL116"] and "leftpkg.core.reshape" in found[0].message
    fix = found[0].fixes[0]      # the version the folder's own files state, over itself: nothing stale stays
    assert fix.args.specs == ("leftpkg==1.0",) and fix.args.force_reinstall and fix.args.no_deps
    pip_install(env["py"], "--no-index", "--force-reinstall", "--no-deps", str(env["wheel"]))
    assert _real(env, "import leftpkg").returncode == 0
    assert _errors(env, "import leftpkg\n") == []


def test_leftover_tree_lost_init_names(env):
    (env["site"] / "leftpkg" / "sub" / "__init__.py").unlink()
    real = _real(env, "from leftpkg.sub import gamma")
    assert "cannot import name 'gamma' from 'leftpkg.sub' (unknown location)" in real.stderr
    found = _errors(env, "from leftpkg.sub import gamma\nimport leftpkg.user\n")
    by_line = {f.range.start.line: f for f in found}
    assert sorted(by_line) == [0, 1]
    assert by_line[0].code == "TFL112" and by_line[0].fixes[0].args.specs == ("leftpkg==1.0",)
    assert by_line[1].code == "TFL116" and "gamma" in by_line[1].message
