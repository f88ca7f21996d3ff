"""The VS Code extension: type check, node unit tests, packaging, and the end-to-end run of the packaged .vsix
in real VS Code (code-server) driven by headless Chromium (vscode-extension/test-e2e/run.mjs, no-python.mjs).

scripts/setup-vscode.sh installs what these need (npm packages, code-server, chromium); without them the tests
skip, except under CI where they fail.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.vscode

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "vscode-extension"
CODE_SERVER = Path(os.environ.get("TF_LSP_CODE_SERVER_DIR", ROOT / ".cache" / "code-server")) / "node_modules/.bin/code-server"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    why += " (scripts/setup-vscode.sh installs it)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def _run(argv: list[str], *, timeout: int, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, cwd=EXT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    return proc


@pytest.fixture(scope="module")
def npm() -> str:
    exe = shutil.which("npm")
    _need(exe is not None, "npm is not installed")
    _need((EXT / "node_modules" / "esbuild").is_dir(), "the extension's npm packages are not installed")
    return exe


@pytest.fixture(scope="module")
def vsix(npm) -> Path:
    """Build and package the extension with the server bundled (pip runs with this interpreter)."""
    _run([npm, "run", "-s", "package"], timeout=300, env={"TF_LSP_BUNDLE_PYTHON": sys.executable})
    out = EXT / "dist" / "tf-lsp.vsix"
    assert out.is_file()
    return out


def test_typecheck(npm):
    _run([npm, "run", "-s", "typecheck"], timeout=180)


def test_unit(npm):
    proc = _run([npm, "test", "--silent"], timeout=180)
    assert "# fail 0" in proc.stdout, proc.stdout[-3000:]


def test_vsix_holds_the_bundled_server(vsix):
    import zipfile

    names = set(zipfile.ZipFile(vsix).namelist())
    for must in ("extension/dist/extension.js", "extension/bundled/tool/tf_lsp_server.py",
                 "extension/bundled/tool/tf_lsp/server/__init__.py", "extension/bundled/libs/pygls/__init__.py",
                 "extension/bundled/libs/lsprotocol/types.py", "extension/LICENSE.txt"):
        assert must in names, must
    assert not any("__pycache__" in n for n in names)


def test_bundled_server_starts_with_an_isolated_python(vsix, tmp_path):
    """The bundled copy runs with nothing but the standard library on sys.path (python -I)."""
    proc = subprocess.run([sys.executable, "-I", str(EXT / "bundled/tool/tf_lsp_server.py")], input="",
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr


def test_quick_fix_in_code_server(vsix):
    _need(CODE_SERVER.exists(), f"code-server is not installed at {CODE_SERVER}")
    _need(Path(CHROMIUM).exists(), f"chromium is not installed at {CHROMIUM}")
    venv_python = next((p for p in (shutil.which("python3.11"), shutil.which("python3")) if p), sys.executable)
    proc = subprocess.run(["node", "test-e2e/run.mjs"], cwd=EXT, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "CODE_SERVER": str(CODE_SERVER), "TF_LSP_VSIX": str(vsix),
                               "CHROMIUM": CHROMIUM, "TF_LSP_E2E_VENV_PYTHON": venv_python,
                               "TF_LSP_E2E_PIP_PYTHON": sys.executable})
    print(proc.stdout)
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    for step in ("squiggle shown", "quick fixes: Use np-env", "squiggle gone", "stored tfLsp.interpreter", "PASS"):
        assert step in proc.stdout


def test_clear_error_without_a_suitable_python(vsix):
    """Only a Python 3.8 for the server: an error notification, the reason in the output channel, a red status item."""
    _need(CODE_SERVER.exists(), f"code-server is not installed at {CODE_SERVER}")
    _need(Path(CHROMIUM).exists(), f"chromium is not installed at {CHROMIUM}")
    proc = subprocess.run(["node", "test-e2e/no-python.mjs"], cwd=EXT, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "CODE_SERVER": str(CODE_SERVER), "TF_LSP_VSIX": str(vsix), "CHROMIUM": CHROMIUM})
    print(proc.stdout)
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    for step in ("status bar: tf-lsp: no server", "needs Python 3.10 or newer", "output channel shows the error", "PASS"):
        assert step in proc.stdout


def test_notebook_quick_fix_in_code_server(vsix):
    """A real .ipynb in VS Code's notebook editor: the squiggle in the cell, the quick fix for this notebook, gone."""
    _need(CODE_SERVER.exists(), f"code-server is not installed at {CODE_SERVER}")
    _need(Path(CHROMIUM).exists(), f"chromium is not installed at {CHROMIUM}")
    venv_python = next((p for p in (shutil.which("python3.11"), shutil.which("python3")) if p), sys.executable)
    proc = subprocess.run(["node", "test-e2e/notebook.mjs"], cwd=EXT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CODE_SERVER": str(CODE_SERVER), "TF_LSP_VSIX": str(vsix),
                               "CHROMIUM": CHROMIUM, "TF_LSP_E2E_VENV_PYTHON": venv_python,
                               "TF_LSP_E2E_PIP_PYTHON": sys.executable})
    print(proc.stdout)
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    for step in ("squiggle shown in the cell", "for this notebook", "squiggle gone", "PASS"):
        assert step in proc.stdout
