"""Imports a statement runs before its own code can finish, on a real venv with real wheels:

- ``import keras`` imports its backend (TensorFlow unless KERAS_BACKEND or keras.json say otherwise): a broken
  backend is an error on the keras line, with the backend's cause and fix;
- an installed package that imports a module a workspace file shadows (TensorFlow's own ``import numpy`` getting
  ``./numpy.py``) fails, and its import line says so.

The small ``keras`` wheel below chooses its backend the way Keras 3's backend/config.py does (KERAS_BACKEND, else
``backend`` of ``$KERAS_HOME/keras.json``, else tensorflow) and imports it. Every prediction is compared with
``python -c`` in the same environment, with the same environment variables.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install, run_in
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace

_KERAS_INIT = """\
import importlib, json, os
_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
_backend = "tensorflow"
try:
    with open(os.path.join(_home, "keras.json")) as _fh:
        _backend = json.load(_fh).get("backend", _backend)
except OSError:
    pass
if os.environ.get("KERAS_BACKEND"):
    _backend = os.environ["KERAS_BACKEND"]
importlib.import_module(_backend)
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("implied")
    wheels = base / "wheels"
    w = [
        build_wheel(wheels, "keras", "3.1.0", {"keras/__init__.py": _KERAS_INIT}, top_level=["keras"]),
        build_wheel(wheels, "tensorflow", "2.21.0", {"tensorflow/__init__.py": "import tfdep\n__version__ = '2.21.0'\n"},
                    requires=["tfdep>=1.0"], top_level=["tensorflow"]),
        build_wheel(wheels, "tfdep", "1.0", {"tfdep/__init__.py": ""}, top_level=["tfdep"]),
        build_wheel(wheels, "torch", "2.5.0", {"torch/__init__.py": "T = 1\n"}, top_level=["torch"]),
        build_wheel(wheels, "corepkg", "1.0", {"corepkg/__init__.py": "import helper\nX = helper.VALUE\n"},
                    requires=["helper"], top_level=["corepkg"]),
        build_wheel(wheels, "helper", "1.0", {"helper/__init__.py": "VALUE = 1\n"}, top_level=["helper"]),
        build_wheel(wheels, "other", "1.0", {"other/__init__.py": "Y = 2\n"}, top_level=["other"]),
    ]
    py = make_venv(base / "venv")
    pip_install(py, "--no-deps", *map(str, w))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "uninstall", "-y", "-q", "tfdep"],
                   check=True, capture_output=True)
    ws = base / "ws"
    ws.mkdir()
    (ws / "helper.py").write_text("print('my helper')\n")
    home = base / "keras-home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
        yield {"py": py, "ws": ws, "home": home, "base": base}


def _environ(env, **extra) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "KERAS_BACKEND", "KERAS_HOME",
                                                          "TF_USE_LEGACY_KERAS")}
    e["KERAS_HOME"] = str(env["home"])
    e.update(extra)
    return e


def _check(env, text: str, **extra):
    ws = Workspace(env["ws"], python=str(env["py"]), environ=_environ(env, **extra))
    return ws.check_source(env["ws"] / "main.py", text)


def _runs(env, code: str, **extra) -> bool:
    return run_in(env["py"], code, cwd=env["ws"], env=_environ(env, **extra)).returncode == 0


def _errors(findings, line: int = 0):
    return [f for f in findings if f.severity is Severity.ERROR and f.range.start.line == line]


def test_keras_carries_the_broken_tensorflow(env):
    found = _check(env, "import keras\n")
    errs = _errors(found)
    assert not _runs(env, "import keras")
    assert len(errs) == 1 and errs[0].code == "TFL103"
    assert "`import keras` imports tensorflow first" in errs[0].message and "tfdep" in errs[0].message
    assert errs[0].fixes and "tfdep>=1.0" in " ".join(errs[0].fixes[0].command)
    # the same cause on the tensorflow line itself
    assert not _runs(env, "import tensorflow")
    assert [f.code for f in _errors(_check(env, "import tensorflow\n"))] == ["TFL103"]


def test_keras_with_a_healthy_backend_from_the_environment(env):
    assert _runs(env, "import keras", KERAS_BACKEND="torch")
    assert _errors(_check(env, "import keras\n", KERAS_BACKEND="torch")) == []


def test_keras_backend_from_keras_json(env):
    cfg = env["home"] / "keras.json"
    try:
        cfg.write_text(json.dumps({"backend": "torch"}))
        assert _runs(env, "import keras")
        assert _errors(_check(env, "from keras import layers\n")) == []
        cfg.write_text(json.dumps({"backend": "jax"}))
        assert not _runs(env, "import keras")
        errs = _errors(_check(env, "import keras\n"))
        assert len(errs) == 1 and "imports jax first" in errs[0].message and str(cfg) in errs[0].message
    finally:
        cfg.unlink(missing_ok=True)


def test_a_package_importing_a_shadowed_module_fails(env):
    assert not _runs(env, "import corepkg")
    errs = _errors(_check(env, "import corepkg\n"))
    assert len(errs) == 1 and errs[0].code == "TFL107" and "helper" in errs[0].message
    fix = errs[0].fixes[0]
    assert fix.action == "rename" and fix.args.source == str(env["ws"] / "helper.py")
    # a package that does not import it is not blamed
    assert _runs(env, "import other")
    assert _check(env, "import other\n") == []


def test_renaming_the_shadow_clears_it(env, tmp_path):
    ws = tmp_path / "ws2"
    ws.mkdir()
    (ws / "helper_local.py").write_text("print('my helper')\n")
    w = Workspace(ws, python=str(env["py"]), environ=_environ(env))
    assert w.check_source(ws / "main.py", "import corepkg\n") == []
    assert run_in(env["py"], "import corepkg", cwd=ws, env=_environ(env)).returncode == 0
