"""Files owned by another distribution are not damage (issue 15, class 6): two real wheels of different names that
install the same package files (as tf-nightly and tensorflow-cpu do), installed one over the other by pip. Each file
is judged against the RECORD of the distribution that wrote it last; what is really damaged is still reported."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install
from tf_lsp.workspace import Workspace

OLD = {"alpha/__init__.py": "from alpha.core import VALUE\nVERSION = '1.0'\n", "alpha/core.py": "VALUE = 1\n",
       "alpha/old_only.py": "X = 1\n"}
NEW = {"alpha/__init__.py": "from alpha.core import VALUE, NEW\nVERSION = '2.0.dev1'\n",
       "alpha/core.py": "VALUE = 2\nNEW = 'longer content here'\n", "alpha/new_only.py": "Y = 2\n" * 20}
LINES = ("import alpha", "from alpha.core import NEW", "import alpha.new_only", "import alpha.old_only")


@pytest.fixture()
def env():
    with tempfile.TemporaryDirectory(prefix="tf-lsp-ownership-") as tmp:
        base = Path(tmp)
        old = build_wheel(base / "w", "alpha-cpu", "1.0", OLD, top_level=["alpha"])
        new = build_wheel(base / "w", "alpha-nightly", "2.0.dev1", NEW, top_level=["alpha"])
        py = make_venv(base / "venv")
        pip_install(py, "--no-deps", str(old))
        pip_install(py, "--no-deps", str(new))        # over it, at the same paths
        (base / "ws").mkdir()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield {"py": py, "ws": base / "ws", "site": next((base / "venv").glob("lib/python3.*/site-packages"))}


def _check(env, line):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    return Workspace(env["ws"], python=str(env["py"]), environ=environ).check_source(env["ws"] / "main.py", line + "\n")


def _runs(env, line) -> bool:
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(env["py"]), "-c", line], capture_output=True, cwd=env["ws"], env=e).returncode == 0


def test_the_last_writer_s_files_are_not_damage(env):
    for line in LINES:
        found = _check(env, line)
        assert _runs(env, line)
        assert not [f for f in found if f.code == "TFL106"], (line, found)
        assert not [f for f in found if f.severity.value == "error"], (line, found)
        conflict = [f for f in found if f.code == "TFL105"]
        assert conflict and "alpha-nightly 2.0.dev1's" in conflict[0].message     # the version that really loads


def test_real_damage_is_still_reported(env):
    target = env["site"] / "alpha" / "new_only.py"
    data = target.read_bytes()
    target.unlink()                                   # a new file, cut short (installs hard-link uv's cache)
    target.write_bytes(data[: len(data) // 2])
    found = [f for f in _check(env, "import alpha.new_only") if f.code == "TFL106"]
    assert found and "alpha-nightly" in found[0].message
