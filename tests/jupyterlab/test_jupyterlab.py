"""JupyterLab 4 + jupyterlab-lsp 5 with the shipped editors/jupyterlab/jupyter_server_config.py, end to end.

JupyterLab runs headless on 127.0.0.1 (a free port, a token) from its own venv (scripts/setup-jupyterlab.sh), with
throwaway HOME and JUPYTER_* folders; the shipped config starts this checkout's server (``TF_LSP_COMMAND`` =
``<this python> -m tf_lsp``, PYTHONPATH = the checkout). drive.mjs opens the notebook in Debian's Chromium with
playwright-core and reads what the page shows.

The notebook folder holds a ``.venv`` that lacks ipykernel (tf-lsp's discovery would pick it for a .py file) and a
``helpers.py``. The notebook's cells: ``import ipykernel`` + ``import helpers``, a markdown cell, then
``import numpy_that_does_not_exist``. Only the last may be underlined: ipykernel is in the kernel's environment
(the kernel, not the folder's .venv, runs a notebook) and helpers.py lies next to the notebook (not in
jupyterlab-lsp's ``.virtual_documents`` shadow folder, where the document's URI points). Then a second missing
module typed into the cell gets its own underline: the server re-checks what jupyterlab-lsp sends on each edit.

A second notebook runs on another kernel (``.cache/jupyterlab/kernel-venv``: ipykernel without JupyterLab,
registered with ``ipykernel install --user``): its cells are checked with that kernel's interpreter.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.wheelmaker import make_venv

pytestmark = [pytest.mark.jupyterlab, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("TF_LSP_JUPYTERLAB_DIR", ROOT / ".cache" / "jupyterlab"))
JUPYTER_PYTHON = CACHE / "venv" / "bin" / "python"
PLAYWRIGHT_DIR = CACHE / "node"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TF_LSP_ARTIFACTS", ROOT / "tests" / "artifacts")) / "jupyterlab"
MISSING = "numpy_that_does_not_exist"
CELLS = [("code", "import ipykernel\nimport helpers\n"), ("markdown", "Imports that must work, then one that cannot:"),
         ("code", f"import {MISSING}\n")]


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    why += " (scripts/setup-jupyterlab.sh installs it)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(path: Path, cells=CELLS, *, kernel: str = "python3", display: str = "Python 3 (ipykernel)") -> None:
    cells = [{"cell_type": kind, "id": f"cell-{i}", "metadata": {}, "source": source,
              **({"outputs": [], "execution_count": None} if kind == "code" else {})}
             for i, (kind, source) in enumerate(cells)]
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": kernel, "display_name": display, "language": "python"},
        "language_info": {"name": "python"}}}, indent=1))


def _jupyter_dirs(tmp: Path) -> dict[str, str]:
    """Throwaway HOME and Jupyter folders; the shipped config copied in as a user installs it; offline and quiet."""
    dirs = {name: tmp / name for name in ("home", "config", "data", "runtime", "settings", "workspaces")}
    for d in dirs.values():
        d.mkdir()
    shutil.copy(ROOT / "editors" / "jupyterlab" / "jupyter_server_config.py", dirs["config"])
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
        "LanguageServerManager": {"autodetect": False},
        "LabApp": {"extension_manager": "readonly", "news_url": None,
                   "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}))
    notify = dirs["settings"] / "@jupyterlab" / "apputils-extension"
    notify.mkdir(parents=True)
    (notify / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV",
                                                            "JUPYTER_PATH", "JP_LSP_VIRTUAL_DIR")}
    env.update(HOME=str(dirs["home"]), JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]), IPYTHONDIR=str(dirs["home"] / ".ipython"),
               TF_LSP_COMMAND=f"{sys.executable} -m tf_lsp", PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return env


def _wait_until_up(proc: subprocess.Popen, url: str, token: str, log: Path) -> None:
    """Poll the server's REST API until it answers (or the process exits: fail with its log)."""
    for _ in range(600):
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"jupyter lab did not answer:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen, url: str, token: str) -> None:
    """Ask the server to shut down (it stops its kernels and language servers), then end its process group."""
    try:
        urllib.request.urlopen(urllib.request.Request(f"{url}/api/shutdown", method="POST",
                                                      headers={"Authorization": f"token {token}"}), timeout=5)
        proc.wait(timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        pass
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _need_tier() -> None:
    _need(JUPYTER_PYTHON.exists() and (CACHE / "venv" / "bin" / "jupyter-lab").exists(), "JupyterLab is not installed")
    _need((PLAYWRIGHT_DIR / "node_modules" / "playwright-core").is_dir(), "playwright-core is not installed")
    _need(Path(CHROMIUM).exists(), f"chromium is not installed at {CHROMIUM}")
    _need(shutil.which("node") is not None, "node is not installed")


def _run_lab(tmp_path: Path, nbdir: Path, env: dict, **drive_env: str) -> tuple[dict, list]:
    """Start JupyterLab on ``nbdir``, run drive.mjs with ``drive_env``, read the kernel sessions it started, stop
    JupyterLab; (drive.mjs's RESULT, the sessions), failing with both logs when the drive failed."""
    port, token = _free_port(), os.urandom(12).hex()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "jupyterlab.log"
    sessions: list = []
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(CACHE / "venv" / "bin" / "jupyter-lab"), "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={nbdir}", "--LabApp.expose_app_in_browser=True"],
            cwd=nbdir, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until_up(proc, url, token, log)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        drive = subprocess.run(["node", str(HERE / "drive.mjs")], capture_output=True, text=True, timeout=240, env={
            **os.environ, "PLAYWRIGHT_DIR": str(PLAYWRIGHT_DIR), "JUPYTERLAB_URL": url, "JUPYTERLAB_TOKEN": token,
            "CHROMIUM": CHROMIUM, **drive_env})
        with urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=10) as r:
            sessions = json.loads(r.read())
    finally:
        _stop(proc, url, token)
    print(drive.stdout)
    lines = [ln for ln in drive.stdout.splitlines() if ln.startswith("RESULT ")]
    result = json.loads(lines[-1][len("RESULT "):]) if lines else {}
    assert drive.returncode == 0 and not result.get("error"), \
        f"{drive.stdout[-6000:]}\n{drive.stderr[-4000:]}\n--- jupyter lab:\n{log.read_text()[-6000:]}"
    return result, sessions


def test_notebook_cell_shows_tf_lsp_diagnostic(tmp_path):
    _need_tier()
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    make_venv(nbdir / ".venv")                 # what discovery would pick for a .py file here: it lacks ipykernel
    (nbdir / "helpers.py").write_text("VALUE = 1\n")
    _notebook(nbdir / "nb.ipynb")
    result, _ = _run_lab(tmp_path, nbdir, _jupyter_dirs(tmp_path), NOTEBOOK="nb.ipynb",
                         TYPED_MODULE="typed_module_that_does_not_exist",
                         SCREENSHOT=str(ARTIFACTS / "jupyterlab-diagnostic.png"))

    assert result["steps"] == ["notebook open", "diagnostic underline shown", "diagnostics panel lists them",
                               "hover shows the message", "screenshot taken", "underline follows the edit"]
    # One underline, on the missing module, in the third cell (index 2: the markdown cell counts).
    assert [(u["text"], u["cell"]) for u in result["underlines"]] == [(MISSING, 2)], result["underlines"]
    assert "cm-lintRange-error" in result["underlines"][0]["cls"]
    kernel_python = str(CACHE / "venv" / "bin" / "python")
    assert f"No module named '{MISSING}'" in result["hover"], result["hover"]
    assert kernel_python in result["hover"], result["hover"]      # checked against the kernel's interpreter
    assert result["hover"].endswith("tf-lsp"), result["hover"]    # CodeMirror shows the diagnostic's source
    # The diagnostics panel: one row, tf-lsp's message and code, in the cell it belongs to.
    assert len(result["panel"]) == 1, result["panel"]
    row = dict(zip(result["panelHeader"], result["panel"][0], strict=True))
    assert f"No module named '{MISSING}'" in row["Message"] and row["Code"] == "TFL100" and row["Source"] == "tf-lsp", row
    assert (row["Cell"], row["Line:Ch"]) == ("3", "0:7"), row     # 1-based cell, 0-based line and column in it


def test_a_notebook_on_another_kernel_is_checked_with_that_kernels_interpreter(tmp_path):
    """A second kernel, registered as people do (``python -m ipykernel install --user --name other-kernel`` run by
    the kernel's own environment: ipykernel alone, no JupyterLab), and a notebook on it. JupyterLab starts that
    kernel; tf-lsp was started with the default kernel's interpreter (JupyterLab's, which has jupyterlab), yet
    ``import jupyterlab`` is underlined, checked with the notebook's kernel, and ``import ipykernel`` is not. Then
    the notebook is switched to the default kernel and saved: the underline goes."""
    _need_tier()
    kernel_python = CACHE / "kernel-venv" / "bin" / "python"
    _need(kernel_python.exists(), "the second kernel's environment is not installed")
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    (nbdir / "helpers.py").write_text("VALUE = 1\n")
    _notebook(nbdir / "other.ipynb", [("code", "import ipykernel\nimport helpers\n"), ("code", "import jupyterlab\n")],
              kernel="other-kernel", display="Other kernel")
    env = _jupyter_dirs(tmp_path)
    subprocess.run([str(kernel_python), "-m", "ipykernel", "install", "--user", "--name", "other-kernel",
                    "--display-name", "Other kernel"], env=env, check=True, capture_output=True, timeout=120)
    spec = json.loads((Path(env["JUPYTER_DATA_DIR"]) / "kernels" / "other-kernel" / "kernel.json").read_text())
    assert spec["argv"][0] == str(kernel_python)
    result, sessions = _run_lab(tmp_path, nbdir, env, NOTEBOOK="other.ipynb", SWITCH_KERNEL="python3",
                                SCREENSHOT=str(ARTIFACTS / "jupyterlab-other-kernel.png"))

    assert result["steps"] == ["notebook open", "diagnostic underline shown", "diagnostics panel lists them",
                               "hover shows the message", "screenshot taken", "kernel switched and saved",
                               "underlines follow the kernel"]
    assert [(u["text"], u["cell"]) for u in result["underlines"]] == [("jupyterlab", 1)], result["underlines"]
    assert "No module named 'jupyterlab'" in result["hover"], result["hover"]
    assert str(kernel_python) in result["hover"], result["hover"]            # the notebook's kernel, not the default
    assert len(result["panel"]) == 1, result["panel"]
    row = dict(zip(result["panelHeader"], result["panel"][0], strict=True))
    assert (row["Cell"], row["Line:Ch"], row["Source"]) == ("2", "0:7", "tf-lsp"), row
    # Switched to the default kernel (JupyterLab's own environment, which has jupyterlab) and saved: the underline
    # goes, as the notebook now runs where jupyterlab is installed.
    assert result["afterSwitch"] == [], result["afterSwitch"]
    assert [s["kernel"]["name"] for s in sessions] == ["python3"], sessions
    assert json.loads((nbdir / "other.ipynb").read_text())["metadata"]["kernelspec"]["name"] == "python3"


LOAD_CONFIG = """
import json, sys
from traitlets.config import Config
from jupyter_lsp.schema import LANGUAGE_SERVER_SPEC_MAP
c = Config()
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), {"get_config": lambda: c, "__file__": sys.argv[1]})
specs = c.LanguageServerManager.language_servers
errors = [e.message for e in LANGUAGE_SERVER_SPEC_MAP.iter_errors(specs)]
print(json.dumps({"specs": specs, "errors": errors, "python": sys.executable}))
"""


@pytest.mark.parametrize("python_env", [None, "/opt/kernels/tf/bin/python"])
def test_shipped_config_is_a_valid_spec_naming_the_kernel_python(tmp_path, python_env):
    """The shipped file loaded as Jupyter loads it (in JupyterLab's own environment), checked with jupyter-lsp's
    schema: argv starts `tf-lsp serve --python <default kernel's interpreter>` (ipykernel's python3 kernel runs
    on JupyterLab's own Python), or TF_LSP_PYTHON; TF_LSP_COMMAND replaces the command."""
    _need(JUPYTER_PYTHON.exists(), "JupyterLab is not installed")
    env = _jupyter_dirs(tmp_path)
    env["TF_LSP_COMMAND"] = "/opt/tools/bin/python -m tf_lsp"
    if python_env:
        env["TF_LSP_PYTHON"] = python_env
    proc = subprocess.run([str(JUPYTER_PYTHON), "-c", LOAD_CONFIG, str(ROOT / "editors/jupyterlab/jupyter_server_config.py")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["errors"] == []
    spec = out["specs"]["tf-lsp"]
    assert spec["argv"] == ["/opt/tools/bin/python", "-m", "tf_lsp", "serve", "--python", python_env or out["python"]]
    assert spec["languages"] == ["python"] and spec["version"] == 2
    assert "text/x-ipython" in spec["mime_types"]
