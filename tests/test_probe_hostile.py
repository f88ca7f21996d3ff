"""Hostile and broken interpreters: the probe says what went wrong (ProbeError), leaves no process behind, and a
workspace whose environment is unknown reports TFL190 once and nothing derived from a guess. Also the isolated
probe of untrusted workspaces: the same sys.path as the interpreter itself, without running anything of site.

Fake interpreters are shell scripts; the Python 2 case is the real pyenv 2.7."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.wheelmaker import base_python, make_venv, run_in
from tf_lsp.environment import ProbeError, probe, snapshot
from tf_lsp.settings import Settings
from tf_lsp.workspace import Workspace

PY27 = next(iter(sorted((Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions").glob("2.7*/bin/python"))), None)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))


def fake_python(tmp_path: Path, name: str, body: str) -> Path:
    py = tmp_path / name / "bin" / "python"
    py.parent.mkdir(parents=True)
    py.write_text("#!/bin/sh\n" + body)
    py.chmod(0o755)
    return py


JUNK = {
    "junk-bytes": "printf '\\377\\376\\000junk\\n'\n",
    "json-list": "echo '[1, 2, 3]'\n",
    "json-wrong-version": "echo '{\"version\": \"3.11.7\", \"sys_path\": []}'\n",
    "json-wrong-types": "echo '{\"version\": [3, 11, 7], \"executable\": 1, \"sys_path\": \"/x\"}'\n",
    "json-python4": "echo '{\"version\": [4, 0, 0]}'\n",
    "exit-1": "echo 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n",
}


@pytest.mark.parametrize("kind", sorted(JUNK))
@pytest.mark.parametrize("isolated", [False, True], ids=["trusted", "isolated"])
def test_nonsense_is_a_probe_error(tmp_path, kind, isolated):
    py = fake_python(tmp_path, kind, JUNK[kind])
    mode = {"isolated": True} if isolated else {}
    with pytest.raises(ProbeError) as err:
        probe(py, use_cache=False, **mode)
    assert str(py) in str(err.value)
    snap = snapshot(py, **mode)
    assert snap.static and snap.problems[0].startswith("probe failed")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_hanging_probe_is_killed_with_its_children(tmp_path):
    pidfile = tmp_path / "child.pid"
    py = fake_python(tmp_path, "hang", f"sleep 300 &\necho $! > {pidfile}\nexec sleep 300\n")
    with pytest.raises(ProbeError, match="did not answer"):
        probe(py, use_cache=False, timeout=1.0)
    child = int(pidfile.read_text())
    for _ in range(100):                 # SIGKILL is delivered asynchronously: wait for it, not for a time
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child), "the probe's child process outlived the probe"


@pytest.mark.parametrize("kind", ["junk-bytes", "json-wrong-types", "exit-1", "hang"])
def test_unknown_environment_reports_tfl190_once_and_nothing_else(tmp_path, kind):
    py = fake_python(tmp_path, kind, JUNK.get(kind, "exec sleep 300\n"))
    root = tmp_path / "ws"
    root.mkdir()
    ws = Workspace(root, python=str(py), environ={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                   settings=Settings(trusted_workspace=True))
    found = ws.check_source(root / "main.py", "import os\nimport json\nimport numpy\nimport nosuchmod_q\n")
    assert [f.code for f in found] == ["TFL190"], [(f.code, f.message) for f in found]
    assert "unknown" in found[0].message and not found[0].fixes


@pytest.mark.skipif(PY27 is None, reason="no Python 2.7 under pyenv")
@pytest.mark.parametrize("trusted", [True, False])
def test_python_27_is_not_taken_for_a_python_3(tmp_path, trusted):
    for mode in ({}, {"isolated": True}):
        with pytest.raises(ProbeError, match=r"is Python 2\.7\.\d+; tf-lsp checks Python 3 programs only"):
            probe(PY27, use_cache=False, **mode)
    root = tmp_path / "ws"
    root.mkdir()
    ws = Workspace(root, python=str(PY27), environ={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                   settings=Settings(trusted_workspace=trusted))
    found = ws.check_source(root / "main.py", "import os\nimport urllib2\n")
    assert [f.code for f in found] == ["TFL190"] and "Python 2.7" in found[0].message
    assert ws.env.snapshot.version[:2] == (2, 7)              # not this server's 3.x


def test_isolated_probe_sees_the_same_sys_path_and_runs_nothing(tmp_path):
    venv = make_venv(tmp_path / "venv")
    (site,) = (tmp_path / "venv" / "lib").glob("python3*/site-packages")
    (tmp_path / "extra").mkdir()
    (site / "paths.pth").write_text(f"{tmp_path / 'extra'}\n")
    marker = tmp_path / "pth-ran"
    (site / "zz_marker.pth").write_text(f"import os; open({str(marker)!r}, 'w').close()\n")
    isolated = probe(venv, use_cache=False, isolated=True, environ={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                                  "PYTHONPATH": str(tmp_path / "evil")})
    assert not marker.exists()
    truth = run_in(venv, "import sys, json; print(json.dumps(sys.path[1:]))", cwd=tmp_path,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert marker.exists()                                    # a real run does run it: the test would notice
    assert list(isolated.sys_path) == json.loads(truth.stdout)
    assert str(tmp_path / "evil") not in isolated.sys_path
    assert isolated.prefix == str(tmp_path / "venv") and not isolated.user_site_enabled


BASES = [p for p in sorted((Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions").glob("3.*/bin/python3"))
         if p.parent.parent.name.split(".")[1] in {"9", "10", "11", "12", "13"}] + \
        [p for p in (Path("/usr/bin/python3"),) if p.exists()]


@pytest.mark.parametrize("py", BASES, ids=str)
def test_isolated_probe_equals_the_full_probe_on_base_interpreters(py, tmp_path):
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    full, isolated = probe(py, use_cache=False, environ=environ), probe(py, use_cache=False, environ=environ, isolated=True)
    assert isolated.sys_path == full.sys_path
    assert (isolated.prefix, isolated.user_site, isolated.user_site_enabled) == (full.prefix, full.user_site,
                                                                                full.user_site_enabled)


def test_the_probe_cache_keeps_the_trust_modes_apart(tmp_path, monkeypatch):
    venv = make_venv(tmp_path / "venv")
    (site,) = (tmp_path / "venv" / "lib").glob("python3*/site-packages")
    added = tmp_path / "added-by-pth-code"
    added.mkdir()
    (site / "adder.pth").write_text(f"import sys; sys.path.append({str(added)!r})\n")
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for first in (True, False):                                   # whichever mode fills the cache first
        monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / f"cache-{first}"))
        a = probe(venv, environ=environ, isolated=first)
        b = probe(venv, environ=environ, isolated=not first)
        isolated, full = (a, b) if first else (b, a)
        assert str(added) in full.sys_path and str(added) not in isolated.sys_path


@pytest.mark.parametrize("change", ["nul-in-path", "bool-as-string", "extra-keys"])
def test_a_real_answer_altered_by_one_field(tmp_path, change):
    """A real interpreter's answer with one field altered: anything but the extra keys is refused."""
    from tf_lsp.probing import PROBE_SCRIPT, NO_SITE_DIRS
    real = run_in(Path(base_python()), PROBE_SCRIPT.replace("#SITE_DIRS#", NO_SITE_DIRS), cwd=tmp_path)
    data = json.loads(real.stdout.strip().splitlines()[-1])
    if change == "nul-in-path":
        data["sys_path"].append("/x\x00y")
    elif change == "bool-as-string":
        data["user_site_enabled"] = "false"
    else:
        data["something_new"] = {"a": 1}
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(data))
    py = fake_python(tmp_path, change, f"cat {answer}\n")
    if change == "extra-keys":
        assert probe(py, use_cache=False).version == tuple(data["version"])
    else:
        with pytest.raises(ProbeError, match="unexpected shape"):
            probe(py, use_cache=False)
