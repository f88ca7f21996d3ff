"""`tf-lsp check | doctor | envs` end to end, in a subprocess, on a real workspace with two real venvs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheelmaker import make_venv, pip_install, run_in

MAIN = """import os
import six
from json import decoder
import nosuchmod_xyz

def later():
    import also_missing_abc
try:
    import guarded_missing_q
except ImportError:
    guarded_missing_q = None
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    bad = make_venv(root / ".venv")                 # selected (well-known name), lacks six
    good = make_venv(root / "good-env")             # another env of the workspace, has six
    pip_install(good, "six")
    (root / "main.py").write_text(MAIN)
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text("import os\nimport nosuchmod_xyz\n")
    (root / "ignored_dir").mkdir()
    (root / "ignored_dir" / "x.py").write_text("import nosuchmod_xyz\n")
    (root / ".gitignore").write_text("ignored_dir/\n")
    return root, bad, good


def tf_lsp(*args, cwd, env=None):
    env = dict(os.environ if env is None else env)
    env.pop("VIRTUAL_ENV", None)
    env.pop("CONDA_PREFIX", None)
    return subprocess.run([sys.executable, "-m", "tf_lsp", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


def test_runtime_truth_of_the_fixture(workspace):
    root, bad, good = workspace
    assert run_in(bad, "import six", cwd=root).returncode != 0
    assert run_in(good, "import six", cwd=root).returncode == 0


def test_json_follows_the_schema(workspace):
    root, bad, good = workspace
    r = tf_lsp("check", "main.py", "--format", "json", cwd=root)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["version"] == 1
    it = data["interpreter"]
    assert Path(it["path"]).parent.parent == root / ".venv"
    assert it["version"].count(".") == 2 and it["source"] and it["why"]
    envs = {Path(e["path"]).name: e for e in data["environments"]}
    assert {".venv", "good-env"} <= set(envs)
    assert all(set(e) >= {"path", "kind", "python"} for e in data["environments"])
    [f] = data["files"]
    assert f["path"].endswith("main.py")
    by_line = {}
    for d in f["diagnostics"]:
        assert set(d) >= {"range", "severity", "code", "name", "message", "fixes"}
        assert d["severity"] in ("error", "warning", "information", "hint")
        for fx in d["fixes"]:
            assert set(fx) >= {"title", "kind", "command", "edits"} and isinstance(fx["command"], list)
        by_line.setdefault(d["range"]["start"]["line"], []).append(d)
    six = by_line[1][0]
    assert six["code"] == "TFL102" and six["severity"] == "error" and six["name"] == "wrong-interpreter"
    assert six["range"] == {"start": {"line": 1, "character": 7}, "end": {"line": 1, "character": 10}}
    assert "good-env" in six["message"]
    use = [fx for fx in six["fixes"] if fx["action"] == "use-interpreter"]
    assert use and Path(use[0]["args"]["python"]).parent.parent == root / "good-env"
    install = [fx for fx in six["fixes"] if fx["action"] == "install"]
    argv = install[0]["command"]
    assert install and str(bad) in argv and "six==1.17.0" in argv and "install" in argv   # into .venv, pinned
    assert by_line[3][0]["code"] == "TFL100" and by_line[3][0]["severity"] == "error"
    assert by_line[6][0]["code"] == "TFL100"                      # inside a function: still checked
    assert by_line[8][0]["severity"] == "information"             # guarded by except ImportError
    assert 0 not in by_line and 2 not in by_line                  # os, json.decoder resolve


def test_every_failing_statement_gets_its_own_error_and_predictions_match_runtime(workspace):
    root, bad, good = workspace
    data = json.loads(tf_lsp("check", "main.py", "--format", "json", cwd=root).stdout)
    errors = {d["range"]["start"]["line"] for d in data["files"][0]["diagnostics"] if d["severity"] == "error"}
    for i, line in enumerate(MAIN.splitlines()):
        stmt = line.strip()
        if not stmt.startswith(("import ", "from ")):
            continue
        fails = run_in(bad, stmt, cwd=root).returncode != 0
        guarded = "guarded" in stmt
        assert (i in errors) == (fails and not guarded), f"line {i}: {stmt!r} fails={fails}"


def test_text_format_reads_like_ruff_and_folders_respect_excludes(workspace):
    root, *_ = workspace
    r = tf_lsp("check", ".", cwd=root)
    assert r.returncode == 1
    lines = [l for l in r.stdout.splitlines() if not l.startswith("    ")]
    assert "main.py:2:8: TFL102" in r.stdout
    assert "pkg/mod.py:2:8: TFL100" in r.stdout
    assert all(l.split(":")[0] in ("main.py", "pkg/mod.py") for l in lines), r.stdout   # no venv, no ignored_dir
    assert "file(s) checked" in r.stderr


def test_sarif(workspace):
    root, *_ = workspace
    r = tf_lsp("check", "main.py", "--format", "sarif", cwd=root)
    sarif = json.loads(r.stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {"TFL100", "TFL102"} <= rules
    res = [x for x in run["results"] if x["ruleId"] == "TFL102"][0]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 8)
    assert res["level"] == "error"


def test_select_ignore_and_exit_codes(workspace):
    root, *_ = workspace
    sel = json.loads(tf_lsp("check", "main.py", "--format", "json", "--select", "TFL102", cwd=root).stdout)
    assert {d["code"] for d in sel["files"][0]["diagnostics"]} == {"TFL102"}
    assert tf_lsp("check", "main.py", "--ignore", "TFL1", cwd=root).returncode == 0
    assert tf_lsp("check", "no_such_file.py", cwd=root).returncode == 2
    assert tf_lsp("check", "--format", "yaml", cwd=root).returncode == 2
    assert tf_lsp("frobnicate", cwd=root).returncode == 2
    good = json.loads(tf_lsp("check", "main.py", "--format", "json", "--python", str(root / "good-env"), cwd=root).stdout)
    assert not any(d["code"] == "TFL102" for d in good["files"][0]["diagnostics"])


def test_broken_file_and_missing_interpreter_get_clear_messages(workspace, tmp_path):
    root, *_ = workspace
    (tmp_path / "broken.py").write_bytes(b"import nosuchmod_xyz\ndef (:\n\xff\xfe garbage\n")
    r = tf_lsp("check", str(tmp_path / "broken.py"), "--python", str(root / ".venv"), cwd=root)
    assert r.returncode == 1 and "TFL100" in r.stdout
    r = tf_lsp("check", "main.py", "--python", "/nonexistent/python3", "--format", "json", cwd=root)
    assert r.returncode in (1, 2)
    out = r.stdout + r.stderr
    assert "/nonexistent/python3" in out and "Traceback" not in out


def test_doctor_and_envs(workspace):
    root, *_ = workspace
    r = tf_lsp("doctor", cwd=root)
    assert "Interpreter:" in r.stdout and ".venv" in r.stdout and "chosen because" in r.stdout
    assert "tensorflow" in r.stdout            # not installed: the doctor says so as a problem
    data = json.loads(tf_lsp("doctor", "--format", "json", cwd=root).stdout)
    assert data["problems"] and data["problems"][0]["code"].startswith("TFL")
    envs = json.loads(tf_lsp("envs", "--format", "json", cwd=root).stdout)
    names = {Path(e["path"]).name for e in envs["environments"]}
    assert {".venv", "good-env"} <= names
    assert "good-env" in tf_lsp("envs", cwd=root).stdout


def test_verify_hashes_what_the_stat_pass_cannot_see(tmp_path):
    """A file edited in place at the same size passes the checks' stat pass; `tf-lsp verify` hashes it."""
    from tests.wheelmaker import build_wheel

    py = make_venv(tmp_path / "venv")
    whl = build_wheel(tmp_path / "w", "verifyme", "1.0", {"verifyme/__init__.py": "def f():\n    return 1\n"},
                      top_level=["verifyme"])
    pip_install(py, "--no-deps", str(whl))
    ws = tmp_path / "ws"
    ws.mkdir()
    args = ("--python", str(py), "--root", str(ws))
    ok = tf_lsp("verify", "verifyme", *args, cwd=ws)
    assert ok.returncode == 0 and "verifyme 1.0" in ok.stdout and "ok, " in ok.stdout, ok.stdout + ok.stderr
    site = Path(run_in(py, "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    init = site / "verifyme" / "__init__.py"
    init.write_text(init.read_text().replace("return 1", "return 7"))
    (ws / "main.py").write_text("import verifyme\n")
    assert tf_lsp("check", "main.py", *args, cwd=ws).returncode == 0          # same size: the stat pass is silent
    bad = tf_lsp("verify", "verifyme", "nosuchdist", *args, "--format", "json", cwd=ws)
    assert bad.returncode == 1, bad.stderr
    data = json.loads(bad.stdout)
    [r] = data["results"]
    assert r["ok"] is False and r["problems"] == ["content differs: verifyme/__init__.py (sha256 does not match RECORD)"]
    assert r["fix"]["args"]["specs"] == ["verifyme==1.0"] and r["fix"]["args"]["forceReinstall"] is True
    assert data["notInstalled"] == ["nosuchdist"]
