"""The import simulated across packages (tf_lsp/simulate.py, checks/simulation.py) on real environments built by uv
from real wheels, each verdict compared with what ``python -c "..."`` really does in that environment.

protobuf 3.19.6 has no ``google/protobuf/internal/builder.py`` (added in 3.20) and no
``message_factory.GetMessageClass`` (added in 4.21); generated ``*_pb2.py`` files of newer protoc do
``from google.protobuf.internal import builder``. The consumer wheels are built here (tests/wheelmaker.py) and
declare ``protobuf>=3.20`` as real generated code's packages do.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
pytestmark = pytest.mark.skipif(UV is None, reason="uv is not installed")

PB2 = ("from google.protobuf import descriptor as _descriptor\n"
       "from google.protobuf.internal import builder as _builder\n"
       "DESCRIPTOR = None\n")


def uv_install(py: Path, *args: str) -> None:
    subprocess.run([UV, "pip", "install", "-q", "--python", str(py), *args], check=True, capture_output=True,
                   timeout=600)


@pytest.fixture(scope="module")
def envs():
    # a folder of its own: pytest's numbered temp folders are pruned by other pytest runs on this machine
    with tempfile.TemporaryDirectory(prefix="tf-lsp-simulate-") as tmp:
        base = Path(tmp)
        wheels = base / "wheels"
        pbuser = build_wheel(wheels, "pbuser", "1.0", {"pbuser/__init__.py": "from pbuser import msg_pb2\n",
                                                       "pbuser/msg_pb2.py": PB2},
                             requires=["protobuf>=3.20"], top_level=["pbuser"])
        pbattr = build_wheel(wheels, "pbattr", "1.0",
                             {"pbattr/__init__.py": "from google.protobuf import message_factory\n"
                                                    "GET = message_factory.GetMessageClass\n"},
                             requires=["protobuf>=4.21"], top_level=["pbattr"])
        out = {}
        for label, pin in (("old", "protobuf==3.19.6"), ("new", "protobuf==4.25.3")):
            py = make_venv(base / label)
            uv_install(py, pin)
            uv_install(py, "--no-deps", str(pbuser), str(pbattr))
            ws = base / f"ws-{label}"
            ws.mkdir()
            out[label] = {"py": py, "ws": ws}
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield out


LINES = {
    "import pbuser": "TFL116",
    "import pbattr": "TFL116",
    "from google.protobuf.internal import builder": "TFL112",
    "from google.protobuf.internal import containers, nosuchname": "TFL112",
    "from collections import Mapping": "TFL112",
    "from google.protobuf import descriptor": None,
    "import google.protobuf.message_factory": None,
}


def check(env, line: str):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    return [f for f in ws.check_source(env["ws"] / "main.py", line + "\n") if f.severity is Severity.ERROR]


def real(env, line: str) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(env["py"]), "-c", line], capture_output=True, text=True, cwd=env["ws"], env=e)


@pytest.mark.parametrize("line", sorted(LINES))
def test_old_protobuf_each_line_as_python_says(envs, line):
    env = envs["old"]
    errors = check(env, line)
    run = real(env, line)
    want = LINES[line]
    if want is None:
        assert run.returncode == 0 and not errors, (run.stderr, errors)
        return
    assert run.returncode != 0
    assert [f.code for f in errors] == [want], errors
    last = run.stderr.strip().splitlines()[-1]
    # the message is Python's own exception line (the path in parentheses aside)
    assert last.split(" (")[0].split(". Did you mean")[0] in errors[0].message, (last, errors[0].message)


def test_the_fix_is_the_requirement_the_importer_declares(envs):
    f = check(envs["old"], "import pbuser")[0]
    assert "pbuser.msg_pb2" in f.message and "from google.protobuf.internal import builder" in f.message
    assert f.fixes and f.fixes[0].args.specs == ("protobuf>=3.20",)
    g = check(envs["old"], "import pbattr")[0]
    assert "AttributeError: module 'google.protobuf.message_factory' has no attribute 'GetMessageClass'" in g.message
    assert g.fixes and g.fixes[0].args.specs == ("protobuf>=4.21",)


@pytest.mark.parametrize("line", sorted(LINES))
def test_new_protobuf_no_false_alarm(envs, line):
    env = envs["new"]
    errors = check(env, line)
    run = real(env, line)
    if run.returncode == 0:
        assert not errors, errors
    else:
        assert [f.code for f in errors] == ["TFL112"], (run.stderr, errors)
