"""One broken distribution never hides the findings of the others: real venvs holding broken RECORD files
(unterminated quote, binary junk, a line over the csv module's field limit), broken METADATA (not UTF-8, no Name
or Version), a .dist-info that is a file, beside a healthy package with a real finding (a missing dependency)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.badinput import site_packages, tf_lsp, write_dist
from tests.wheelmaker import make_venv

pytestmark = pytest.mark.timeout(180)

MAIN = ("import needsdep\n"            # healthy, but its dependency is not installed: TFL103
        "import quoted\nimport junk\nimport longline\nimport latin\nimport nameless\nimport filemeta\n")

BROKEN_RECORDS = {
    "quoted": 'quoted/__init__.py,sha256=abc,3\n"quoted/unterminated.py,sha256=,\n',
    "junk": b"\x00\xff\xfe\x89PNG\r\n\x1a\n\x00\x00junk,,\n\x00",
    "longline": "longline/__init__.py," + "x" * 300_000 + ",1\n",
}


def broken_venv(root: Path) -> Path:
    venv = root / ".venv"
    make_venv(venv)
    site = site_packages(venv)
    write_dist(site, "needsdep", "1.0", {"needsdep/__init__.py": "import absentdep\n"},
               metadata="Metadata-Version: 2.1\nName: needsdep\nVersion: 1.0\nRequires-Dist: absentdep>=1\n\n")
    for name, record in BROKEN_RECORDS.items():
        write_dist(site, name, "1.0", {f"{name}/__init__.py": ""}, record=record)
    write_dist(site, "latin", "1.0", {"latin/__init__.py": ""},
               metadata="Metadata-Version: 2.1\nName: latin\nVersion: 1.0\nSummary: caf\xe9 \xff\xfe\n\n".encode("latin-1"))
    write_dist(site, "nameless", "1.0", {"nameless/__init__.py": ""}, metadata="Metadata-Version: 2.1\nSummary: x\n\n")
    (site / "filemeta").mkdir()
    (site / "filemeta" / "__init__.py").write_text("")
    (site / "filemeta-1.0.dist-info").write_text("Name: filemeta\nVersion: 1.0\n")     # a file, not a folder
    (root / "main.py").write_text(MAIN)
    return venv


def test_cli_reports_the_healthy_finding(tmp_path):
    venv = broken_venv(tmp_path)
    r = tf_lsp("check", "main.py", "--python", str(venv / "bin" / "python"), "--root", str(tmp_path), cwd=tmp_path,
               cache=tmp_path / "c")
    assert r.returncode == 1, r.stdout + r.stderr                         # findings, not an internal error (2)
    assert "main.py:1:8: TFL103" in r.stdout and "absentdep" in r.stdout
    assert "internal error" not in r.stderr
    for line, name in enumerate(("quoted", "junk", "longline", "latin", "nameless", "filemeta"), start=2):
        assert f"main.py:{line}:8: TFL100" not in r.stdout, r.stdout     # installed: never called missing
    for name in BROKEN_RECORDS:                                           # and what was skipped is said
        assert f"{name}-1.0.dist-info/RECORD: skipped" in r.stderr, r.stderr


def test_verify_names_the_broken_record(tmp_path):
    venv = broken_venv(tmp_path)
    r = tf_lsp("verify", "--all", "--python", str(venv / "bin" / "python"), "--root", str(tmp_path), cwd=tmp_path,
               cache=tmp_path / "c")
    assert r.returncode == 1
    assert "not verifiable: RECORD (" in r.stdout
    assert "needsdep 1.0" in r.stdout and "ok," in r.stdout


def test_a_check_that_raises_leaves_the_others(tmp_path, monkeypatch, caplog):
    """Fault injection in-process: a check that raises on every import is logged with its name and the file;
    the other checks' findings are all still there."""
    from tf_lsp import checks, workspace
    from tf_lsp.workspace import Workspace

    venv = broken_venv(tmp_path)
    ws = Workspace(tmp_path, python=str(venv / "bin" / "python"))
    text = (tmp_path / "main.py").read_text() + "import nosuchmod_b1\n"
    before = {(f.code, f.range.start.line) for f in ws.check_source(tmp_path / "main.py", text)}
    assert ("TFL103", 0) in before and ("TFL100", 7) in before

    def exploding(ctx):
        raise RuntimeError("boom")

    def exploding_file(ws, path, text):
        raise ValueError("file boom")

    def exploding_implied(ctx):
        raise KeyError("implied boom")

    monkeypatch.setattr(checks, "IMPORT_CHECKS", [exploding, *checks.IMPORT_CHECKS])
    monkeypatch.setattr(workspace, "IMPORT_CHECKS", [exploding, *checks.IMPORT_CHECKS[1:]])
    monkeypatch.setattr(workspace, "FILE_CHECKS", [exploding_file, *checks.FILE_CHECKS])
    monkeypatch.setattr(workspace, "IMPLIED_IMPORTS", [exploding_implied, *checks.IMPLIED_IMPORTS])
    ws.memo.clear()
    with caplog.at_level(logging.ERROR, logger="tf_lsp"):
        after = {(f.code, f.range.start.line) for f in ws.check_source(tmp_path / "main.py", text)}
    assert after == before
    logged = caplog.text
    assert "exploding failed on" in logged and "main.py" in logged and "boom" in logged
    assert "exploding_file failed" in logged and "exploding_implied failed" in logged


def test_a_check_module_that_fails_to_import_is_logged_not_skipped_silently():
    """Fault injection in a subprocess: importing one check module raises; the others load, and it is said."""
    import subprocess
    import sys

    code = ("import sys, importlib.abc\n"
            "class Boom(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name == 'tf_lsp.checks.pyversion':\n"
            "            raise ImportError('simulated: pyversion is broken')\n"
            "sys.meta_path.insert(0, Boom())\n"
            "from tf_lsp import checks\n"
            "print(sorted(checks.FAILED_MODULES), len(checks.IMPORT_CHECKS))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("['pyversion'") and "shadowing" not in r.stdout
    assert "check module tf_lsp.checks.pyversion could not be imported" in r.stderr
    assert "simulated: pyversion is broken" in r.stderr
