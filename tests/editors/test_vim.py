"""Vim 9 + ALE (Debian) with editors/vim unchanged on 'runtimepath'; vim_driver.vim does the steps in `vim -es`."""
from __future__ import annotations

import re

import pytest

from tests.editors.conftest import HERE, editor_env, find_editor, run_editor

pytestmark = [pytest.mark.editors, pytest.mark.timeout(120)]


def _run(flow: str, workspace, tmp_path) -> dict:
    vim = find_editor("vim")
    result = tmp_path / "result.json"
    env = editor_env(tmp_path, TF_LSP_RESULT=str(result), TF_LSP_VIM_FLOW=flow)
    data = run_editor([vim, "-N", "-u", str(HERE / "vim_driver.vim"), "-i", "NONE", "-n", "-es", "main.py"],
                      env=env, cwd=workspace, result=result)
    [diag] = data["diagnostics"]
    # ALE's loclist is 1-based: line 2, columns 8-10 are `six`.
    assert (diag["lnum"], diag["col"], diag["end_col"], diag["code"], diag["type"]) == (2, 8, 10, "TFL102", "E")
    assert "six" in diag["text"]
    return data


def test_vim_ale_interpreter_picker(workspace, tmp_path):
    data = _run("select", workspace, tmp_path)
    assert data["steps"] == ["TFL102 published", "diagnostics cleared", "verify report shown", "TFL102 back",
                             "doctor report shown"]
    assert any(line.startswith("* good-env ") for line in data["menu"]), data["menu"]  # the second menu
    assert any(m.startswith("tf-lsp: now checking with") and "good-env" in m for m in data["messages"])
    assert "Interpreter: " + str(workspace / ".venv" / "bin" / "python") in data["doctor"]
    # :TfLspVerify six: the server's tfLsp.verify text for good-env's six, every file matching its RECORD.
    assert re.match(r"six \S+ \(" + re.escape(str(workspace / "good-env")) + r"/lib/python3\.\d+/site-packages\): ok, \d+ files match RECORD$",
                    data["verify"]), data["verify"]
    assert "tf-lsp: verifying six against RECORD ..." in data["messages"]


def test_vim_ale_code_action(workspace, tmp_path):
    data = _run("code-action", workspace, tmp_path)
    assert data["steps"] == ["TFL102 published", "code actions listed", "diagnostics cleared"]
    assert any(t.startswith("Use good-env") for t in data["listed"]), data["listed"]
