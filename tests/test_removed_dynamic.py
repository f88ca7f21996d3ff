"""A removed TensorFlow module (TFL113) named in ``from tensorflow import estimator`` when TensorFlow's
``__init__`` adds its names by code (so they cannot be listed): the installed version decides. Real wheels named
``tensorflow`` built here, installed with uv into real venvs, and the statement run for real."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv
from tf_lsp.workspace import Workspace

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
pytestmark = pytest.mark.skipif(UV is None, reason="uv is not installed")

INIT_NEW = "import sys as _sys\n_names = {'constant': 1}\nglobals().update(_names)\n"
INIT_OLD = "import sys as _sys\n_names = {'constant': 1, 'estimator': object()}\nglobals().update(_names)\n"


@pytest.mark.parametrize("version,init,fails", [("2.21.0", INIT_NEW, True), ("2.15.0", INIT_OLD, False)])
def test_removed_module_under_a_dynamic_init(tmp_path, version, init, fails):
    wheel = build_wheel(tmp_path / "wheels", "tensorflow", version, {"tensorflow/__init__.py": init},
                        top_level=["tensorflow"])
    py = make_venv(tmp_path / "venv")
    subprocess.run([UV, "pip", "install", "-q", "--no-deps", "--python", str(py), str(wheel)], check=True,
                   capture_output=True, timeout=600)
    root = tmp_path / "ws"
    root.mkdir()
    src = root / "main.py"
    src.write_text("from tensorflow import estimator\nfrom tensorflow import constant\n")
    real = subprocess.run([str(py), str(src)], capture_output=True, text=True, timeout=60, check=False)
    assert (real.returncode != 0) is fails
    if fails:
        assert "cannot import name 'estimator'" in real.stderr
    found = Workspace(root, python=str(py), environ={}).check_source(src, src.read_text())
    removed = [f for f in found if f.code == "TFL113"]
    assert bool(removed) is fails, [f.message for f in found]
    if fails:
        assert removed[0].range.start.line == 0 and "removed in 2.16" in removed[0].message
