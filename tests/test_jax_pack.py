"""The JAX rule pack on real installs: jax 0.10.2 with the jaxlib it accepts, one older than its minimum and one
newer than itself, each verdict compared with ``python -c "import jax"`` in that environment.

The environments are made with uv from real wheels (jax, jaxlib, numpy, scipy, ml_dtypes, opt_einsum); the
mismatched jaxlib is forced in with ``--no-deps``, the way people end up with it.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.envfactory import make_uv_venv, uv_executable
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace

pytestmark = pytest.mark.integration
CACHE = Path(os.environ.get("UV_CACHE_DIR") or Path.home() / ".cache" / "uv")
BASE = ["jax==0.10.2", "jaxlib==0.10.2", "numpy>=2.0", "scipy>=1.14", "ml_dtypes>=0.5.0", "opt_einsum"]


def _uv_env() -> dict[str, str]:
    """This process's environment (the index and certificates people configured) with the shared uv cache."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}, "UV_CACHE_DIR": str(CACHE),
            "UV_PYTHON_DOWNLOADS": "never"}


def _env(tmp: Path, name: str, forced: list[str]) -> Path:
    prefix = make_uv_venv(tmp / name, python=None, cache=CACHE)
    python = prefix / "bin" / "python"
    env = _uv_env()
    for args in (BASE, ["--no-deps", *forced] if forced else []):
        if args:
            subprocess.run([uv_executable(), "pip", "install", "-q", "--no-config", "--python", str(python), *args],
                           env=env, check=True, capture_output=True, timeout=900)
    return python


@pytest.fixture(scope="module")
def envs(tmp_path_factory):
    if uv_executable() is None:
        pytest.skip("uv is not installed")
    tmp = tmp_path_factory.mktemp("jax")
    return {"ok": _env(tmp, "ok", []), "old": _env(tmp, "old", ["jaxlib==0.10.0"]),
            "new": _env(tmp, "new", ["jax==0.10.1"])}


def _real(python: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", "import jax"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "JAX_PLATFORMS": "cpu"})


@pytest.mark.parametrize("name,expect", [("ok", None), ("old", "requires version >= 0.10.1"),
                                         ("new", "newer than and incompatible with jax version 0.10.1")])
def test_jaxlib_gate_matches_the_real_import(envs, tmp_path, name, expect):
    python = envs[name]
    real = _real(python, tmp_path)
    ws = Workspace(tmp_path, python=str(python))
    findings = ws.check_source(tmp_path / "train.py", "import jax\n")
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if expect is None:
        assert real.returncode == 0, real.stderr
        assert errors == []
        return
    assert real.returncode != 0 and expect in real.stderr          # what really happens
    assert [f.code for f in errors] == ["TFL104"], findings
    assert expect in errors[0].message
    fix = errors[0].fixes[0]
    assert fix.action == "install" and any(a.startswith("jaxlib>=0.10.1,<=") for a in fix.command)
    # and the fix really works: carry it out, then import again
    subprocess.run([uv_executable(), "pip", "install", "-q", "--no-config", "--python", str(python),
                    *[a for a in fix.command if a.startswith("jaxlib")]],
                   env=_uv_env(), check=True, capture_output=True, timeout=900)
    assert _real(python, tmp_path).returncode == 0
    assert not [f for f in Workspace(tmp_path, python=str(python)).check_source(tmp_path / "t.py", "import jax\n")
                if f.severity is Severity.ERROR]


def test_summary_names_jax(envs, tmp_path):
    from tf_lsp.packs import summaries

    ws = Workspace(tmp_path, python=str(envs["ok"]))
    found = {s.framework: s for s in summaries(ws.env, ws.environ)}
    assert found["JAX"].version == "0.10.2" and "TensorFlow" not in found


def test_frameworks_without_a_pack_are_named_beside_the_packs(tmp_path):
    """Keras and PyTorch (no rule pack yet) are data of tf_lsp/packs.py, found from an environment's index; a
    framework a pack covers is never in that list (issue 11: the engine holds no framework list)."""
    from tf_lsp import packs
    from tf_lsp.distributions import build_index
    from tests.wheelmaker import build_wheel, make_venv, pip_install

    python = make_venv(tmp_path / "env")
    pip_install(python, "--no-deps", str(build_wheel(tmp_path / "w", "torch", "2.5.0", {"torch/__init__.py": ""})))
    site = next((tmp_path / "env" / "lib").glob("python3*/site-packages"))
    found = packs.named_framework(build_index([str(site)]))
    assert found == {"name": "PyTorch", "short": "PyTorch", "version": "2.5.0", "distribution": "torch"}
    owned = packs.owned_distributions() | {d for p in packs.registry() for d in p.companions}
    assert not {d for fw in packs.NAMED_ONLY for d in fw.distributions} & (packs.owned_distributions())
    assert {p.name for p in packs.registry()}.isdisjoint({fw.name for fw in packs.NAMED_ONLY}), owned
