"""Compiled companions, on real shared objects built here with the C compiler (no mocks: the dynamic loader decides).

- A torch/torchvision pair of tiny wheels with the real names and the real shape: torch's ``torch/lib`` holds the
  libraries it was built with (a CPU build: ``libc10.so``; a CUDA build: ``libc10.so`` and ``libc10_cuda.so``);
  torchvision's ``_C.so`` needs both (DT_NEEDED). torchvision loads it inside a ``try`` and its
  ``_meta_registrations`` raises without it, as the real one does. tf-lsp reads the DT_NEEDED names
  (``tf_lsp/checks/pairs.py``) against the record in ``tf_lsp/knowledge/pairs.py``.
- A package whose module-level code calls into its own extension module, which binds a name in another of its
  modules (the shape of ``torch._C._multiprocessing_init()``): the simulation must not call that name missing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.envfactory import make_uv_venv, uv_executable
from tests.wheelmaker import base_python, build_wheel, make_venv, pip_install, run_in
from tf_lsp.fixargs import FixAction
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace

CORE_C = r"""
#include <Python.h>
static PyObject *init(PyObject *self, PyObject *args) {
    PyObject *m = PyImport_ImportModule("extpkg.mp");
    if (m == NULL) return NULL;
    if (PyObject_SetAttrString(m, "_hidden", Py_True) < 0) return NULL;
    Py_DECREF(m);
    Py_RETURN_NONE;
}
static PyMethodDef methods[] = {{"init", init, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};
PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&mod); }
"""
TORCH_INIT = ("import ctypes, os\n"
              "for _n in sorted(os.listdir(os.path.join(os.path.dirname(__file__), 'lib'))):\n"
              "    ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'lib', _n), mode=ctypes.RTLD_GLOBAL)\n")
TV_EXTENSION = ("import ctypes, os\n"
                "try:\n"
                "    ctypes.CDLL(os.path.join(os.path.dirname(__file__), '_C.so'))\n"
                "    HAS_OPS = True\n"
                "except OSError:\n"
                "    HAS_OPS = False\n")
TV_META = ("from torchvision import extension\n"
           "if not extension.HAS_OPS:\n"
           "    raise RuntimeError('operator torchvision::nms does not exist')\n")


def _gcc() -> str:
    path = shutil.which("gcc")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("gcc is missing")
        pytest.skip("gcc is not installed")
    return path


def _lib(out: Path, name: str, code: str, *links: str, folder: Path | None = None) -> bytes:
    src = out.with_suffix(".c")
    src.write_text(code)
    argv = [_gcc(), "-shared", "-fPIC", "-o", str(out), str(src), f"-Wl,-soname,{name}"]
    if folder is not None:
        argv += [f"-L{folder}", *(f"-l{lnk}" for lnk in links)]
    subprocess.run(argv, check=True, capture_output=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def built():
    with tempfile.TemporaryDirectory(prefix="tf-lsp-pairs-native-") as tmp:
        base = Path(tmp)
        libs = base / "libs"
        libs.mkdir()
        c10 = _lib(libs / "libc10.so", "libc10.so", "int c10(void) { return 1; }\n")
        c10_cuda = _lib(libs / "libc10_cuda.so", "libc10_cuda.so", "int c10_cuda(void) { return 2; }\n")
        ops = _lib(libs / "_C.so", "_C.so", "int c10(void); int c10_cuda(void);\nint nms(void) { return c10() + c10_cuda(); }\n",
                   "c10", "c10_cuda", folder=libs)
        wheels = {}
        for label, version, files in (("cpu", "2.13.0+cpu", {"torch/lib/libc10.so": c10}),
                                      ("cuda", "2.13.0", {"torch/lib/libc10.so": c10, "torch/lib/libc10_cuda.so": c10_cuda})):
            files = {"torch/__init__.py": TORCH_INIT + f"__version__ = '{version}'\n", **files}
            wheels[label] = build_wheel(base / f"w-{label}", "torch", version, files, top_level=["torch"])
        for tv, pin in (("0.28.0", "torch==2.13.0"), ("0.29.0", "torch==2.14.0")):
            wheels[tv] = build_wheel(base / "w-tv", "torchvision", tv, {
                "torchvision/__init__.py": "import torch\nfrom torchvision import extension, _meta_registrations\n",
                "torchvision/extension.py": TV_EXTENSION, "torchvision/_meta_registrations.py": TV_META,
                "torchvision/_C.so": ops}, requires=[pin], top_level=["torchvision"])
        inc, ext_suffix = subprocess.run(
            [base_python(), "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
                                  "print(sysconfig.get_config_var('EXT_SUFFIX'))"],
            capture_output=True, text=True, check=True).stdout.split()
        (base / "ext").mkdir()
        src, core = base / "ext" / "core.c", base / "ext" / f"_core{ext_suffix}"
        src.write_text(CORE_C)
        subprocess.run([_gcc(), "-shared", "-fPIC", f"-I{inc}", "-o", str(core), str(src)], check=True,
                       capture_output=True)
        wheels["extpkg"] = build_wheel(base / "w-ext", "extpkg", "1.0", {
            "extpkg/__init__.py": "from extpkg import mp\n",
            "extpkg/mp/__init__.py": "import extpkg._core\nextpkg._core.init()\nfrom extpkg.mp import spawn\n",
            "extpkg/mp/spawn.py": "from . import _hidden\n",
            "extpkg/plain.py": "from extpkg.other import missing_name\n",
            "extpkg/reader/__init__.py": "import extpkg._core\nF = extpkg._core.init\nfrom extpkg.reader import spawn\n",
            "extpkg/reader/spawn.py": "from . import _hidden\n",
            "extpkg/other.py": "x = 1\n",
            f"extpkg/_core{ext_suffix}": core.read_bytes()}, top_level=["extpkg"])
        envs = {}
        for label, wanted in (("cpu-tv028", ("cpu", "0.28.0")), ("cuda-tv028", ("cuda", "0.28.0")),
                              ("cpu-tv029", ("cpu", "0.29.0")), ("ext", ("extpkg",))):
            # cpu-tv029 is a uv environment: its installs go to uv's default index (this machine's pip also
            # looks in a folder of wheels, where a build for a local version may be)
            py = (make_uv_venv(base / label, python=Path(base_python()), cache=base / "uv-cache") / "bin" / "python"
                  if label == "cpu-tv029" and uv_executable() else make_venv(base / label))
            pip_install(py, "--no-index", "--no-deps", *(str(wheels[w]) for w in wanted))
            envs[label] = py
        ws = base / "ws"
        ws.mkdir()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield {"envs": envs, "ws": ws}


def _check(built, env: str, line: str):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    ws = Workspace(built["ws"], python=str(built["envs"][env]), environ=environ)
    found = ws.check_source(built["ws"] / "main.py", line + "\n")
    return [f for f in found if f.severity is Severity.ERROR], found


def _real(built, env: str, line: str):
    return run_in(built["envs"][env], line, cwd=built["ws"], env={"PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("env,line,fails", [
    ("cpu-tv028", "import torchvision", True),
    ("cpu-tv028", "import torch", False),
    ("cuda-tv028", "import torchvision", False),
    ("cpu-tv029", "import torchvision", True),
])
def test_a_build_for_another_build_of_the_companion(built, env, line, fails):
    real = _real(built, env, line)
    errors, found = _check(built, env, line)
    if not fails:
        assert real.returncode == 0, real.stderr
        assert errors == [], found
        return
    assert real.returncode != 0 and "operator torchvision::nms does not exist" in real.stderr
    assert [f.code for f in errors] == ["TFL104"], found
    assert "RuntimeError: operator torchvision::nms does not exist" in errors[0].message
    assert not [f for f in found if f.code == "TFL115"], found


def test_the_missing_library_is_named_and_nothing_runs_for_a_local_build(built):
    errors, _ = _check(built, "cpu-tv028", "import torchvision")
    f = errors[0]
    assert "libc10_cuda.so" in f.message and "torch 2.13.0+cpu" in f.message, f.message
    assert [x.action for x in f.fixes] == [FixAction.EXPLAIN]
    # a release that does not fit, beside a local build: the default index has no torchvision for it either
    errors, _ = _check(built, "cpu-tv029", "import torchvision")
    assert "accepts only torch==2.14.0" in errors[0].message
    if uv_executable() is None:
        pytest.skip("uv is not installed (the environment that installs from the default index only)")
    assert [x.action for x in errors[0].fixes] == [FixAction.EXPLAIN]
    assert "+cpu" in errors[0].fixes[0].args.message


def test_names_an_own_extension_binds_are_unknown_not_missing(built):
    real = _real(built, "ext", "import extpkg")
    assert real.returncode == 0, real.stderr
    errors, found = _check(built, "ext", "import extpkg")
    assert errors == [], found
    # a name that really is missing, in a module that calls no extension, is still an error
    real = _real(built, "ext", "import extpkg.plain")
    assert real.returncode != 0 and "cannot import name 'missing_name'" in real.stderr
    errors, found = _check(built, "ext", "import extpkg.plain")
    assert [f.code for f in errors] == ["TFL116"], found
    # reading an extension's attribute without calling it binds nothing: the missing name is still an error
    real = _real(built, "ext", "import extpkg.reader")
    assert real.returncode != 0 and "cannot import name '_hidden'" in real.stderr
    errors, found = _check(built, "ext", "import extpkg.reader")
    assert [f.code for f in errors] == ["TFL116"], found
