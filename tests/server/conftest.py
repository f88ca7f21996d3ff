"""Shared fixtures for the server tests: a real workspace with two real venvs, a local wheel folder."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install

MAIN = "import os\nimport six\nimport localpkg_q\n"


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("wheels")
    build_wheel(d, "localpkg-q", "1.2.0", {"localpkg_q/__init__.py": "VALUE = 1\n"})
    return d


@pytest.fixture()
def project(tmp_path, wheels):
    """A workspace: .venv (selected) lacks six and localpkg_q; good-env has six."""
    root = tmp_path / "proj"
    root.mkdir()
    bad = make_venv(root / ".venv")
    good = make_venv(root / "good-env")
    pip_install(good, "six")
    (root / "main.py").write_text(MAIN)
    return root, bad, good


def server_cmd() -> list[str]:
    return [sys.executable, "-m", "tf_lsp", "serve"]
