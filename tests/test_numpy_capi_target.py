"""TFL117, the "built for NumPy 2, loaded under NumPy 1.x" direction, on a real extension module compiled here.

A 20-line C extension is compiled with gcc against the headers of a real numpy 2.1.3 install, once with
``NPY_TARGET_VERSION`` = NumPy 2.0's C API and once with the headers' default target, packed in a real wheel with a
package ``__init__`` that imports it, and installed next to numpy 1.26.4 and numpy 2.1.3. Each verdict is compared
with the real import: under numpy 1.26.4 the 2.0-target build fails (RuntimeError "module was compiled against NumPy
C-API version 0x12 ... running NumPy has C-API version 0x11", then ImportError), the default-target one works.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from tests.wheelmaker import PY311, build_wheel
from tf_lsp.model import Severity
from tf_lsp.numpyabi import numpy_build
from tf_lsp.workspace import Workspace

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
GCC = shutil.which("gcc")
pytestmark = pytest.mark.skipif(UV is None or GCC is None or not os.path.exists(PY311), reason="needs uv, gcc, 3.11")

_C = r"""
#include <Python.h>
#include <numpy/arrayobject.h>
static PyObject *zeros3(PyObject *self, PyObject *args) {
    npy_intp n = 3;
    return PyArray_ZEROS(1, &n, NPY_DOUBLE, 0);
}
static PyMethodDef methods[] = {{"zeros3", zeros3, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods};
PyMODINIT_FUNC PyInit__ext(void) {
    import_array();
    return PyModule_Create(&mod);
}
"""
_INIT = "from ._ext import zeros3\n"


def _uv(py: Path, *args: str) -> None:
    subprocess.run([UV, "pip", "install", "-q", "--only-binary=:all:", "--python", str(py), *args], check=True,
                   capture_output=True, timeout=900)


def _venv(path: Path) -> Path:
    subprocess.run([PY311, "-m", "venv", "--without-pip", str(path)], check=True)
    return path / "bin" / "python"


def _site(py: Path) -> Path:
    return next(py.parent.parent.glob("lib/python3.*/site-packages"))


@pytest.fixture(scope="module")
def envs():
    with tempfile.TemporaryDirectory(prefix="tf-lsp-capi-") as tmp:
        base = Path(tmp)
        np2 = _venv(base / "np2")
        _uv(np2, "numpy==2.1.3")
        np1 = _venv(base / "np1")
        _uv(np1, "numpy==1.26.4")
        inc = _site(np2) / "numpy" / "_core" / "include"
        pyinc = subprocess.run([PY311, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
        suffix = subprocess.run([PY311, "-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                                capture_output=True, text=True, check=True).stdout.strip()
        (base / "ext.c").write_text(_C)
        wheels = {}
        for name, target in (("capi20", ["-DNPY_TARGET_VERSION=NPY_2_0_API_VERSION"]), ("capidefault", [])):
            so = base / f"{name}{suffix}"
            subprocess.run([GCC, "-shared", "-fPIC", "-O0", f"-I{pyinc}", f"-I{inc}", *target, str(base / "ext.c"),
                            "-o", str(so)], check=True, capture_output=True, timeout=300)
            wheels[name] = build_wheel(base / "wheels", name, "1.0",
                                       {f"{name}/__init__.py": _INIT, f"{name}/_ext{suffix}": so.read_bytes()},
                                       tag=f"cp311-cp311-{sysconfig.get_platform().replace('-', '_')}")
        for py in (np1, np2):
            _uv(py, "--no-deps", *map(str, wheels.values()))
        (base / "ws").mkdir()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield {"np1": np1, "np2": np2, "ws": base / "ws"}


def _errors(envs, py: Path, line: str):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    ws = Workspace(envs["ws"], python=str(py), environ=environ)
    return [f for f in ws.check_source(envs["ws"] / "main.py", line + "\n") if f.severity is Severity.ERROR]


def _runs(envs, py: Path, line: str) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(py), "-c", line], capture_output=True, text=True, cwd=envs["ws"], env=e)


@pytest.mark.parametrize("numpy", ["np1", "np2"])
@pytest.mark.parametrize("line", ["import capi20", "from capi20 import zeros3", "import capidefault", "import numpy"])
def test_error_exactly_when_the_import_fails(envs, numpy, line):
    py = envs[numpy]
    run = _runs(envs, py, line)
    errors = _errors(envs, py, line)
    if run.returncode == 0:
        assert not errors, errors
    else:
        assert [f.code for f in errors] == ["TFL117"], (run.stderr[-500:], errors)


def test_the_real_failure_and_the_finding(envs):
    run = _runs(envs, envs["np1"], "import capi20")
    assert "module was compiled against NumPy C-API version 0x12 (NumPy 2.0)" in run.stderr, run.stderr[-800:]
    assert "running NumPy has C-API version 0x11" in run.stderr
    f = _errors(envs, envs["np1"], "import capi20")[0]
    assert "capi20._ext" in f.message and "0x12" in f.message and "0x11" in f.message and "numpy 1.26.4" in f.message
    assert f.fixes[0].args.specs == ("numpy>=2.0",)


def test_what_the_so_says(envs):
    site = _site(envs["np1"])
    new = numpy_build(str(next((site / "capi20").glob("_ext*.so"))))
    default = numpy_build(str(next((site / "capidefault").glob("_ext*.so"))))
    assert new.uses_capi and new.built_for == "2.x" and new.target == "2.0"
    assert default.uses_capi and default.built_for == "2.x" and default.target is not None
    assert default.target < "1.26"


def test_the_fix_makes_it_work(envs, tmp_path):
    """numpy>=2.0 (the fix's requirement) installed over numpy 1.26.4 in a copy of the environment."""
    py = _venv(tmp_path / "fixed")
    _uv(py, "numpy==1.26.4")
    _uv(py, "--no-deps", *map(str, (envs["np1"].parent.parent.parent / "wheels").glob("capi20-*.whl")))
    assert _runs(envs, py, "import capi20").returncode != 0
    _uv(py, "numpy>=2.0")
    assert _runs(envs, py, "import capi20; print(capi20.zeros3())").returncode == 0
    assert not _errors(envs, py, "import capi20")


def test_a_pack_that_answers_the_statement_takes_it_over(envs, monkeypatch):
    """A rule pack's ``checked_imports`` (tf_lsp.packs): TFL117 leaves those statements to the pack, as it leaves
    ``tensorflow`` and ``keras`` to the TensorFlow pack; no other change needed."""
    from tf_lsp import packs

    assert [f.code for f in _errors(envs, envs["np1"], "import capi20")] == ["TFL117"]
    extra = packs.RulePack(name="Capi", import_names=frozenset({"capi20"}), distributions=("capi20",),
                           checked_imports=frozenset({"capi20"}))
    real = packs.registry
    monkeypatch.setattr(packs, "registry", lambda: (*real(), extra))
    assert not _errors(envs, envs["np1"], "import capi20")
