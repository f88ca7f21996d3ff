"""TFL117 on real environments built by uv from real wheels, each verdict compared with the real import.

- pandas 2.1.4 (its cp311 wheel's extension modules compiled against NumPy 1.x) with numpy 2.1.3 forced in:
  ``import pandas`` fails (ValueError: numpy.dtype size changed) -> TFL117 error.
- pandas 2.2.3 (compiled against NumPy 2, C-API target 1.20) with numpy 1.26.4: works -> no error.
- scipy 1.15.3 (compiled against NumPy 2, target 1.23) with numpy 1.22.4 forced in, on Python 3.10: works (a
  UserWarning only) -> no error: the "built for 2, loaded under 1.x" direction is not a failure by itself.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.envfactory import pyenv_python
from tests.wheelmaker import base_python
from tf_lsp.model import Severity
from tf_lsp.numpyabi import numpy_build
from tf_lsp.workspace import Workspace

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
pytestmark = pytest.mark.skipif(UV is None, reason="uv is not installed")

ENVS = {
    "pandas-np1-build-under-np2": ("3.11", ["pandas==2.1.4", "numpy<2"], ["numpy==2.1.3"]),
    "pandas-np2-build-under-np126": ("3.11", ["pandas==2.2.3", "numpy==1.26.4"], []),
    "scipy-np2-build-under-np122": ("3.10", ["scipy==1.15.3"], ["numpy==1.22.4"]),
}
LINES = ("import pandas", "from pandas import DataFrame", "import scipy.linalg", "import numpy")


def _uv(py: Path, *args: str) -> None:
    subprocess.run([UV, "pip", "install", "-q", "--only-binary=:all:", "--python", str(py), *args], check=True,
                   capture_output=True, timeout=900)


@pytest.fixture(scope="module")
def envs():
    with tempfile.TemporaryDirectory(prefix="tf-lsp-numpy-abi-") as tmp:
        base = Path(tmp)
        out = {}
        for name, (minor, install, force) in ENVS.items():
            python = pyenv_python(minor) or (base_python() if minor == "3.11" else None)
            if python is None:
                continue
            subprocess.run([str(python), "-m", "venv", "--without-pip", str(base / name)], check=True)
            py = base / name / "bin" / "python"
            _uv(py, *install)
            if force:
                _uv(py, "--no-deps", *force)
            (base / f"ws-{name}").mkdir()
            out[name] = {"py": py, "ws": base / f"ws-{name}"}
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield out


def _errors(env, line: str):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    return [f for f in ws.check_source(env["ws"] / "main.py", line + "\n") if f.severity is Severity.ERROR]


def _runs(env, line: str) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(env["py"]), "-c", line], capture_output=True, text=True, cwd=env["ws"], env=e)


@pytest.mark.parametrize("name", sorted(ENVS))
@pytest.mark.parametrize("line", LINES)
def test_error_exactly_when_the_import_fails(envs, name, line):
    if name not in envs:
        pytest.skip(f"no Python {ENVS[name][0]} here")
    env = envs[name]
    run = _runs(env, line)
    if "No module named" in run.stderr:
        return                                    # that package is not in this environment
    errors = _errors(env, line)
    if run.returncode == 0:
        assert not errors, errors
    else:
        assert [f.code for f in errors if f.code == "TFL117"] == ["TFL117"], (run.stderr[-500:], errors)


def test_the_finding_names_the_module_and_the_fix(envs):
    env = envs["pandas-np1-build-under-np2"]
    assert "ValueError: numpy.dtype size changed" in _runs(env, "import pandas").stderr
    f = next(f for f in _errors(env, "import pandas") if f.code == "TFL117")
    assert "ValueError: numpy.dtype size changed" in f.message
    assert "pandas._libs." in f.message and "NumPy 1.x" in f.message and "numpy 2.1.3" in f.message
    assert f.fixes[0].args.specs == ("numpy<2",)
    assert any("numpy_2_0_migration_guide" in d for d in f.details)


def test_read_from_the_so(envs):
    """What the .so says: pandas 2.1.4 built for NumPy 1.x, pandas 2.2.3 for NumPy 2 with C-API target 1.20."""
    def build(name):
        site = next(Path(envs[name]["py"]).parent.parent.glob("lib/python3.*/site-packages"))
        return numpy_build(str(next((site / "pandas" / "_libs").glob("algos.*.so"))))

    old, new = build("pandas-np1-build-under-np2"), build("pandas-np2-build-under-np126")
    assert old.uses_capi and old.built_for == "1.x"
    assert new.uses_capi and new.built_for == "2.x" and new.target == "1.20"
