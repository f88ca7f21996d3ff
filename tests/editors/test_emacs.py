"""Emacs 28 (Debian) with eglot and with lsp-mode, each loading editors/emacs unchanged; the *_driver.el files
do the steps in `emacs --batch`."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.editors.conftest import EDITORS, HERE, editor_env, find_editor, run_editor

pytestmark = [pytest.mark.editors, pytest.mark.timeout(120)]

STEPS = ["client attached", "TFL102 published", "code actions listed", "diagnostics cleared",
         "interpreterChanged notified", "tfLsp/status shows good-env", "TFL102 back after tf-lsp-select-interpreter",
         "doctor report shown"]


def _run(driver: str, workspace, tmp_path) -> dict:
    emacs = find_editor("emacs")
    result = tmp_path / "result.json"
    env = editor_env(tmp_path, TF_LSP_RESULT=str(result))
    return run_editor([emacs, "--batch", "-l", str(HERE / driver)], env=env, cwd=workspace, result=result)


def _check_common(data: dict, workspace) -> None:
    assert data["steps"] == STEPS
    titles = [a["title"] for a in data["listed"]]
    assert any(t.startswith("Use good-env") for t in titles), titles
    assert all(a["kind"] == "quickfix" for a in data["listed"])
    assert {a["command"] for a in data["listed"] if a["title"].startswith("Use ")} == {"tfLsp.useInterpreter"}
    assert any(m.startswith("tf-lsp: now checking with") and "good-env" in m for m in data["messages"])
    assert any(line.startswith("* good-env") for line in data["menu"]), data["menu"]
    assert "Interpreter: " + str(workspace / ".venv" / "bin" / "python") in data["doctor"]


def test_emacs_eglot(workspace, tmp_path):
    data = _run("emacs_eglot_driver.el", workspace, tmp_path)
    [diag] = data["diagnostics"]
    # What Flymake shows: line 2 (1-based), the word `six`, our code in the text, an error.
    assert (diag["line"], diag["text"], diag["code"], diag["lsp_line"]) == (2, "six", "TFL102", 1)
    assert diag["type"] == "eglot-error"
    assert diag["message"].startswith("tf-lsp [TFL102]: `six` is not installed")
    _check_common(data, workspace)


def test_emacs_lsp_mode(workspace, tmp_path):
    data = _run("emacs_lsp_mode_driver.el", workspace, tmp_path)
    [diag] = data["diagnostics"]
    assert (diag["code"], diag["lsp_line"], diag["character"], diag["severity"]) == ("TFL102", 1, 7, 1)
    assert "six" in diag["message"]
    _check_common(data, workspace)


def test_emacs_files_byte_compile_cleanly(tmp_path):
    """Both files compile without a warning (unknown functions, wrong arity, bad docstrings) against the
    installed eglot and lsp-mode; compiled in a copy so editors/ gets no .elc files."""
    emacs = find_editor("emacs")
    for name in ("tf-lsp-eglot.el", "tf-lsp-lsp-mode.el"):
        shutil.copy(EDITORS / "emacs" / name, tmp_path / name)
    proc = subprocess.run([emacs, "--batch", "--eval", "(package-initialize)", "-L", str(tmp_path),
                           "-f", "batch-byte-compile", "tf-lsp-eglot.el", "tf-lsp-lsp-mode.el"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    output = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines() if not line.startswith("Loading "))
    assert proc.returncode == 0 and not output.strip(), output
    assert (tmp_path / "tf-lsp-eglot.elc").exists() and (tmp_path / "tf-lsp-lsp-mode.elc").exists()
