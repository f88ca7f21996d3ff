"""The hostile-workspace tier: one template workspace built per session and copied per case, and the count of
attacks tried and held printed at the end of the run (and kept for the README's "Hostile workspaces")."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.hostile.cases import Ctx, compile_preload
from tests.wheelmaker import base_python, make_venv

MAIN = "import os\nimport numpy\nimport nosuchmod_q\n"
TALLY: dict[str, list[str]] = {"held": [], "failed": [], "skipped": []}
HERE = Path(__file__).parent.name


@pytest.fixture(scope="session")
def hostile_template(tmp_path_factory) -> Path:
    """tmpl/ws: a project (main.py, requirements.txt, pyproject.toml) with its .venv; tmpl/outside-env: a venv
    outside it; tmpl/evil.so: the LD_PRELOAD library."""
    root = tmp_path_factory.mktemp("hostile-template")
    ws = root / "ws"
    ws.mkdir()
    make_venv(ws / ".venv")
    make_venv(root / "outside-env")
    (ws / "main.py").write_text(MAIN)
    (ws / "requirements.txt").write_text("numpy\n")
    (ws / "pyproject.toml").write_text('[project]\nname = "ws"\nversion = "0"\ndependencies = ["numpy"]\n')
    compile_preload(root)
    return root


@pytest.fixture()
def hostile_ctx(tmp_path, hostile_template) -> Ctx:
    shutil.copytree(hostile_template / "ws", tmp_path / "ws", symlinks=True)
    shutil.copytree(hostile_template / "outside-env", tmp_path / "outside-env", symlinks=True)
    (tmp_path / "tools").mkdir()
    (tmp_path / "markers").mkdir()
    # the last-resort python3 on PATH is this case's own outside environment, never one of the machine's
    (tmp_path / "tools" / "python3").symlink_to(tmp_path / "outside-env" / "bin" / "python")
    preload = hostile_template / "evil.so"
    return Ctx(ws=tmp_path / "ws", outside=tmp_path / "outside-env", marker=tmp_path / "markers" / "RAN",
               tools=tmp_path / "tools", base_python=os.path.realpath(base_python()),
               preload=preload if preload.exists() else None)


@pytest.fixture()
def hostile_env(tmp_path, hostile_ctx) -> dict:
    """The server's and the CLI's environment: their own HOME, no activated environment, pip and uv offline with an
    empty wheel folder of their own (so an install that followed the workspace's settings is the only one that finds
    anything), the case's tools first on PATH."""
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "no-wheels").mkdir()
    env = dict(os.environ, HOME=str(home), PYENV_ROOT=str(home / ".pyenv"), XDG_CONFIG_HOME=str(home / ".config"),
               PATH=f"{hostile_ctx.tools}:/usr/local/bin:/usr/bin:/bin", PIP_NO_INDEX="1",
               PIP_FIND_LINKS=str(tmp_path / "no-wheels"), PIP_DISABLE_PIP_VERSION_CHECK="1", UV_OFFLINE="1",
               UV_NO_INDEX="1", UV_CACHE_DIR=str(tmp_path / "uvcache"))
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "PYENV_VERSION", "PYTHONPATH", "PIP_CONFIG_FILE",
                 "UV_CONFIG_FILE", "JUPYTER_PATH", "LD_PRELOAD"):
        env.pop(name, None)
    return env


def pytest_runtest_logreport(report):
    if f"/{HERE}/" not in f"/{report.nodeid}" or "test_hostile_" not in report.nodeid:
        return
    if report.when == "call":
        TALLY["held" if report.passed else "failed"].append(report.nodeid)
    elif report.when == "setup" and report.skipped:
        TALLY["skipped"].append(report.nodeid)
    elif report.when == "setup" and report.failed:
        TALLY["failed"].append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    tried = len(TALLY["held"]) + len(TALLY["failed"])
    if not tried and not TALLY["skipped"]:
        return
    cases = {n.split("[", 1)[1].split("-", 1)[1].rstrip("]") for n in TALLY["held"] + TALLY["failed"] if "[" in n}
    terminalreporter.write_sep("=", "hostile workspaces")
    terminalreporter.write_line(f"{tried} attacks tried on {len(cases)} planted workspaces, {len(TALLY['held'])} held, "
                                f"{len(TALLY['failed'])} failed, {len(TALLY['skipped'])} not runnable here")
    for nodeid in TALLY["failed"]:
        terminalreporter.write_line(f"  FAILED {nodeid}")
