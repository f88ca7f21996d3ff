"""Shared fixtures for the server tests: a real workspace with two real venvs, a local wheel folder.

The environments are built once per session and copied per test (a venv made with --without-pip copies with its
symlinks intact). The server runs with its own HOME, PYENV_ROOT and a plain PATH, so that the Pythons of this
machine (pyenv's, which have numpy) are not discovered: numpy then exists nowhere, as on a fresh machine.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install

MAIN = "import os\nimport numpy as np\nimport six\nimport localpkg_q\n"
REQUIREMENTS = "# the project's pins\nrequests>=2  # http\nsix\nlocalpkg-q\n"


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("wheels")
    build_wheel(d, "localpkg-q", "1.2.0", {"localpkg_q/__init__.py": "VALUE = 1\n"})
    return d


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "proj"
    root.mkdir()
    make_venv(root / ".venv")
    good = make_venv(root / "good-env")
    pip_install(good, "six")
    return root


@pytest.fixture()
def project(tmp_path, template):
    """A workspace: .venv (selected) lacks numpy, six and localpkg_q; good-env has six."""
    root = tmp_path / "proj"
    shutil.copytree(template, root, symlinks=True)
    (root / "main.py").write_text(MAIN)
    (root / "requirements.txt").write_text(REQUIREMENTS)
    return root, root / ".venv" / "bin" / "python", root / "good-env" / "bin" / "python"


@pytest.fixture()
def server_env(tmp_path) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), PYENV_ROOT=str(home / ".pyenv"), PATH="/usr/local/bin:/usr/bin:/bin")
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "PYENV_VERSION"):
        env.pop(name, None)
    return env


def server_cmd() -> list[str]:
    return [sys.executable, "-m", "tf_lsp", "serve"]
