"""A module ``__getattr__`` read statically (``moduleattr``), and the import-time attribute uses it decides (class 9).

Real environment: numpy 2.1.3 installed by uv, and a real wheel (``wheelmaker``) whose modules read NumPy names at
module level, the way xarray 2023.1's ``xarray/core/dtypes.py`` reads ``np.unicode_``. Every verdict is compared with
the real import in that environment; the fix (``numpy<2``, from ``knowledge/removed_names``) is carried out in a
second environment and the import run again.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.wheelmaker import PY311, build_wheel
from tf_lsp.modfacts import facts_of_file
from tf_lsp.model import Severity
from tf_lsp.moduleattr import getattr_steps, lacks
from tf_lsp.workspace import Workspace

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")

_NUMPY_LIKE = '''
def __getattr__(attr):
    import warnings
    if attr == "linalg":
        import numpy.linalg as linalg
        return linalg
    elif attr == "array_api":
        raise AttributeError("not available")
    elif attr == "distutils":
        if "distutils" in __numpy_submodules__:
            return 1
        else:
            raise AttributeError("no distutils")
    if attr in __future_scalars__:
        warnings.warn("future", FutureWarning)
    if attr in __former_attrs__:
        raise AttributeError(__former_attrs__[attr], name=None)
    if attr in ("a", "b") or attr == "c":
        return 2
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, attr))
'''


def test_steps_of_a_numpy_like_getattr():
    steps = getattr_steps("import sys\nif sys:\n    pass\nelse:\n" + "\n".join("    " + ln for ln in
                                                                             _NUMPY_LIKE.splitlines()))
    assert steps is not None
    assert lacks(steps, "unicode_") and lacks(steps, "array_api")
    assert not lacks(steps, "linalg") and not lacks(steps, "a") and not lacks(steps, "c")
    assert not lacks(steps, "distutils")                  # one branch returns, the other raises: unknown


@pytest.mark.parametrize("body", [
    "def __getattr__(name):\n    return _lazy(name)\n",                                # a lazy loader
    "def __getattr__(name):\n    try:\n        return D[name]\n    except KeyError:\n        raise AttributeError\n",
    "def __getattr__(name):\n    if name != 'x':\n        raise AttributeError(name)\n    return 1\n",
    "def __getattr__(name):\n    if name == 'x':\n        y = 1\n    else:\n        return 3\n    raise AttributeError\n",
    "def __getattr__(name):\n    pass\n",                                               # falls off: returns None
])
def test_what_cannot_be_decided_is_never_missing(body):
    steps = getattr_steps(body)
    assert steps is None or not lacks(steps, "unicode_")


@pytest.mark.parametrize("text", [
    "class C:\n    def __getattr__(self, name):\n        raise AttributeError(name)\n",  # a method
    "def __getattr__(name):\n    raise AttributeError(name)\n__getattr__ = other\n",    # rebound
    "def __getattr__(name):\n    raise AttributeError(name)\nif x:\n    def __getattr__(name):\n        return 1\n",
])
def test_no_summary_when_the_function_is_not_the_module_one(text):
    assert getattr_steps(text) is None


@pytest.mark.parametrize("src, hooks, syspath", [
    ("import sys\np = sys.modules['numpy'].__path__\n", False, False),
    ("from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n", True, False),
    ("__path__.append('x')\n", True, False),
    ("path = []\npath.append((1, 2))\n", False, False),
    ("import sys\nsys.path.insert(0, 'x')\n", False, True),
    ("from sys import path\npath.append('x')\n", False, True),
])
def test_hooks_and_sys_path_are_writes_not_reads(tmp_path, src, hooks, syspath):
    f = tmp_path / "m.py"
    f.write_text(src)
    facts = facts_of_file(str(f))
    assert (facts.hooks, facts.syspath) == (hooks, syspath)


def test_globals_read_or_written_from_literal_names(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("for ta in ['float96', 'float128']:\n    try:\n        globals()[ta] = 1\n    except Exception:\n"
                 "        pass\n\ndef __dir__():\n    return list(globals().keys())\n\n" + _NUMPY_LIKE)
    facts = facts_of_file(str(f))
    assert {"float96", "float128"} <= facts.defines and facts.getattr_steps is not None
    f.write_text("def f(n):\n    globals()[n] = 1\n\n" + _NUMPY_LIKE)
    assert facts_of_file(str(f)).getattr_steps is None           # a write we cannot follow: unknown again


# --- real environment ----------------------------------------------------------------------------------------

_PKG = {
    "npuser/__init__.py": "",
    "npuser/removed.py": "import numpy as np\nKINDS = [{np.bytes_, np.unicode_}]\n",
    "npuser/removed_from.py": "from numpy import NaN\n",
    "npuser/fine.py": ("import numpy as np\nA = np.float64\nB = np.linalg.norm\nC = np.dtypes.StringDType\n"
                       "D = np.exceptions.AxisError\nE = np.float128\n"),
}
LINES = ("import npuser.removed", "import npuser.removed_from", "import npuser.fine", "from numpy import float_",
         "import numpy")


def _uv(py: Path, *args: str) -> None:
    subprocess.run([UV, "pip", "install", "-q", "--only-binary=:all:", "--python", str(py), *args], check=True,
                   capture_output=True, timeout=900)


@pytest.fixture(scope="module")
def env():
    if UV is None or not os.path.exists(PY311):
        pytest.skip("needs uv and Python 3.11")
    with tempfile.TemporaryDirectory(prefix="tf-lsp-getattr-") as tmp:
        base = Path(tmp)
        wheel = build_wheel(base / "wheels", "npuser", "1.0", _PKG, requires=["numpy>=1.20"])
        out = {"wheel": wheel, "ws": base / "ws"}
        (base / "ws").mkdir()
        subprocess.run([PY311, "-m", "venv", "--without-pip", str(base / "v")], check=True)
        out["py"] = base / "v" / "bin" / "python"
        _uv(out["py"], "numpy==2.1.3", str(wheel))
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield out


def _errors(env, line: str, py: Path | None = None):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    ws = Workspace(env["ws"], python=str(py or env["py"]), environ=environ)
    return [f for f in ws.check_source(env["ws"] / "main.py", line + "\n") if f.severity is Severity.ERROR]


def _runs(env, line: str, py: Path | None = None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(py or env["py"]), "-c", line], capture_output=True, text=True, cwd=env["ws"], env=e)


@pytest.mark.parametrize("line", LINES)
def test_error_exactly_when_the_import_fails(env, line):
    run = _runs(env, line)
    errors = _errors(env, line)
    if run.returncode == 0:
        assert not errors, errors
    else:
        assert "AttributeError" in run.stderr or "ImportError" in run.stderr, run.stderr[-400:]
        assert errors and errors[0].code in ("TFL116", "TFL112"), (run.stderr[-400:], errors)


def test_the_finding_and_its_fix_work(env, tmp_path):
    assert "`np.unicode_` was removed in the NumPy 2.0 release" in _runs(env, "import npuser.removed").stderr
    f = _errors(env, "import npuser.removed")[0]
    assert f.code == "TFL116" and "numpy.unicode_" in f.message and "npuser/removed.py:2" in f.message
    assert f.fixes[0].args.specs == ("numpy<2",)
    # carried out in a second environment: numpy<2 installed over numpy 2.1.3
    subprocess.run([PY311, "-m", "venv", "--without-pip", str(tmp_path / "v")], check=True)
    py = tmp_path / "v" / "bin" / "python"
    _uv(py, "numpy==2.1.3", str(env["wheel"]))
    _uv(py, *f.fixes[0].args.specs)
    assert _runs(env, "import npuser.removed; import npuser.removed_from", py).returncode == 0
    assert not _errors(env, "import npuser.removed", py)
