"""Modules created at run time (six.moves, distutils under setuptools' shim, pkg_resources/setuptools.extern):
tf-lsp's verdict on each import line against what the real import does in a real venv with the real packages."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.envfactory import pyenv_python
from tests.wheelmaker import make_venv, pip_install, run_in
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace

SIX_LINES = [
    "from six.moves import urllib",
    "from six.moves.urllib.parse import urlparse",
    "import six.moves.cPickle as pickle",
    "from six.moves import configparser",
    "import six.moves.urllib.request",
    "from six.moves import queue",
    "import six.moves.http_client",
    "from six.moves import range",
    "import six.moves",
    "import __main__",
]
SIX_FAILING = ["import six.moves.nosuchmodule_xyz", "import six.moves.urllib.nosuch_xyz"]


def _env(tmp_path_factory, name: str, minor: str, *packages: str):
    base = tmp_path_factory.mktemp(name)
    python = pyenv_python(minor)
    if python is None:
        pytest.skip(f"no Python {minor} here")
    py = make_venv(base / "venv", python=str(python))
    try:
        pip_install(py, *packages)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"package index not reachable: {exc}")
    ws = base / "ws"
    ws.mkdir()
    return {"py": py, "ws": ws, "base": base}


@pytest.fixture(scope="module")
def py312(tmp_path_factory):
    return _env(tmp_path_factory, "rt312", "3.12", "six==1.17.0", "setuptools==75.8.0")


@pytest.fixture(scope="module")
def old_setuptools(tmp_path_factory):
    return _env(tmp_path_factory, "rt311", "3.11", "setuptools==70.3.0")


def errors(env, line: str, **environ: str) -> list:
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    base.update(environ)
    ws = Workspace(env["ws"], python=str(env["py"]), environ=base)
    found = ws.check_source(env["ws"] / "main.py", line + "\n")
    return [f for f in found if f.severity is Severity.ERROR]


def works(env, line: str, **environ: str) -> bool:
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    base.update(environ)
    return run_in(env["py"], line, cwd=env["ws"], env=base).returncode == 0


@pytest.mark.parametrize("line", SIX_LINES)
def test_six_moves_resolve_like_the_real_import(py312, line):
    assert works(py312, line)
    assert errors(py312, line) == []


@pytest.mark.parametrize("line", SIX_FAILING)
def test_six_moves_names_six_does_not_register_are_errors(py312, line):
    assert not works(py312, line)
    found = errors(py312, line)
    assert found and found[0].code in ("TFL100", "TFL111")


@pytest.mark.parametrize("line", ["import distutils", "from distutils.core import setup",
                                  "import distutils.command.build_py"])
def test_distutils_through_setuptools_shim_on_312(py312, line):
    assert works(py312, line)
    assert errors(py312, line) == []
    # the shim is off when SETUPTOOLS_USE_DISTUTILS=stdlib: Python 3.12 has no distutils of its own
    assert not works(py312, line, SETUPTOOLS_USE_DISTUTILS="stdlib")
    assert errors(py312, line, SETUPTOOLS_USE_DISTUTILS="stdlib")


@pytest.mark.parametrize("line", ["from pkg_resources.extern.packaging import version",
                                  "import pkg_resources.extern.packaging.version",
                                  "from setuptools.extern.packaging.version import Version",
                                  "from pkg_resources.extern import packaging"])
def test_vendored_extern_importers(old_setuptools, line):
    assert works(old_setuptools, line)
    assert errors(old_setuptools, line) == []


def test_extern_gone_in_new_setuptools_is_an_error(py312):
    line = "from pkg_resources.extern.packaging import version"
    assert not works(py312, line)
    assert errors(py312, line)
