"""Truncated or replaced modules that still parse (issue 15, class 3), on a real install: a module of the import
whose size differs from RECORD is an error when other modules of the import use names it no longer defines, and
a warning that says so when it still defines them — each compared with the real import."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace

FILES = {
    "trunc/__init__.py": "from trunc.core import helper, VALUE\nfrom trunc.util import A\n",
    "trunc/core.py": "VALUE = 1\n\n\ndef helper():\n    return 2\n",
    "trunc/util.py": "A = 1\nB = 2\n# the end of the released file\n",
}


@pytest.fixture()
def env():
    with tempfile.TemporaryDirectory(prefix="tf-lsp-truncated-") as tmp:
        base = Path(tmp)
        wheel = build_wheel(base / "w", "trunc", "1.0", FILES, top_level=["trunc"])
        py = make_venv(base / "venv")
        pip_install(py, "--no-deps", str(wheel))
        (base / "ws").mkdir()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield {"py": py, "ws": base / "ws", "site": next((base / "venv").glob("lib/python3.*/site-packages"))}


def _replace(env, rel: str, text: str) -> None:
    p = env["site"] / rel
    p.unlink()                    # a new file, as a partial copy or an editor leaves it
    p.write_text(text)


def _check(env, line="import trunc"):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    return Workspace(env["ws"], python=str(env["py"]), environ=environ).check_source(env["ws"] / "main.py", line + "\n")


def _run(env, line="import trunc") -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(env["py"]), "-c", line], capture_output=True, text=True, cwd=env["ws"], env=e)


def test_lost_name_used_by_the_import_is_an_error(env):
    _replace(env, "trunc/core.py", "VALUE = 1\n")          # still parses; `helper` is gone
    run = _run(env)
    assert run.returncode != 0 and "cannot import name 'helper' from 'trunc.core'" in run.stderr
    errors = [f for f in _check(env) if f.severity is Severity.ERROR]
    assert [f.code for f in errors] == ["TFL106"], errors          # one finding for one cause, with its reinstall fix
    assert "no longer defines" in errors[0].message and "cannot import name 'helper' from 'trunc.core'" in errors[0].message
    assert errors[0].fixes[0].args.specs == ("trunc==1.0",)


def test_changed_file_that_still_defines_what_is_used_is_a_warning_that_says_so(env):
    _replace(env, "trunc/util.py", "A = 1\n")              # B is gone, but nothing of the import uses it
    assert _run(env).returncode == 0
    found = [f for f in _check(env) if f.code == "TFL106"]
    assert len(found) == 1 and found[0].severity is Severity.WARNING
    assert "trunc/util.py" in found[0].message and "still parses and defines every name" in found[0].message
