"""Same input, same answer: ``tf-lsp check`` on one file gives byte-identical JSON cold (a fresh cache folder) and
warm, while both cores are kept busy during the cold run. The package is big enough (about 3.5 MB of module-level
source in a chain of 60 modules) that a walk with a time budget would stop before the module that needs the
missing dependency, and decide differently on the next, warm run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install

CHAIN = 60


def _big_module(i: int) -> str:
    nxt = f"from bigchain import m{i + 1}\n" if i + 1 < CHAIN else "import farawaydep\n"
    table = "".join(f"    ({j}, {j * 3}, 'k{j}', {j}.5),\n" for j in range(1500))
    return f"{nxt}TABLE_{i} = (\n{table})\n"


@pytest.fixture(scope="module")
def env():
    # a folder of its own: pytest's numbered temp folders are pruned by other pytest runs on this machine
    with tempfile.TemporaryDirectory(prefix="tf-lsp-determinism-") as tmp:
        yield _build(Path(tmp))


def _build(base: Path) -> dict:
    files = {"bigchain/__init__.py": "from bigchain import m0\n"}
    files.update({f"bigchain/m{i}.py": _big_module(i) for i in range(CHAIN)})
    wheel = build_wheel(base / "wheels", "bigchain", "1.0", files, requires=["farawaydep>=1.0"], top_level=["bigchain"])
    py = make_venv(base / "venv")
    pip_install(py, "--no-deps", str(wheel))
    ws = base / "ws"
    ws.mkdir()
    (ws / "main.py").write_text("import bigchain\nfrom bigchain import m3\nfrom bigchain.m7 import TABLE_7, NOPE\n")
    return {"py": py, "ws": ws, "base": base}


def _check(env, cache: Path) -> bytes:
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    environ["TF_LSP_CACHE_DIR"] = str(cache)
    environ["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-m", "tf_lsp", "check", "--format", "json", "--python", str(env["py"]),
                          "main.py"], cwd=env["ws"], env=environ, capture_output=True, timeout=600)
    assert out.returncode in (0, 1), out.stderr.decode()
    return out.stdout


def test_cold_under_load_and_warm_give_identical_json(env):
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        cold = _check(env, env["base"] / "cache")
    finally:
        for p in busy:
            p.kill()
            p.wait()
    warm = _check(env, env["base"] / "cache")
    again = _check(env, env["base"] / "cache")
    assert cold == warm == again
    assert b"farawaydep" in cold
    # the verdict the complete walk gives: the dependency is imported at import time, so the import fails
    assert run_fails(env["py"], "import bigchain")
    diags = json.loads(cold)["files"][0]["diagnostics"]
    assert any(d["code"] == "TFL103" and d["severity"] == "error" and "farawaydep" in d["message"] for d in diags)


def run_fails(py: Path, code: str) -> bool:
    return subprocess.run([str(py), "-c", code], capture_output=True).returncode != 0
