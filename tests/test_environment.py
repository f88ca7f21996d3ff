"""Snapshots (probe and static) and the distribution index, on real interpreters and real installs."""
from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install, run_in
from tf_lsp.distributions import build_index
from tf_lsp.environment import ProbeError, probe, snapshot, static_snapshot

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
VERSIONS = sorted(p for p in PYENV.glob("3.*") if (p / "bin" / "python3").exists()) if PYENV.is_dir() else []


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("home", [v for v in VERSIONS if v.name.split(".")[1] in {"9", "10", "11", "12", "13"}], ids=lambda p: p.name)
def test_probe_matches_the_interpreter_itself(home, tmp_path):
    py = home / "bin" / "python3"
    snap = probe(py, use_cache=False)
    truth = run_in(py, "import sys, json; print(json.dumps([list(sys.version_info[:3]), sys.path[1:], sorted(sys.builtin_module_names)]))",
                   cwd=tmp_path)
    import json
    version, path, builtins = json.loads(truth.stdout)
    assert list(snap.version) == version
    assert list(snap.sys_path) == path
    assert sorted(snap.builtin_names) == builtins
    assert "json" in snap.stdlib_names and "asyncio" in snap.stdlib_names
    minor = version[1]
    assert ("tomllib" in snap.stdlib_names) == (minor >= 11)
    assert any(s.startswith(f".cpython-3{minor}") for s in snap.ext_suffixes)


def test_probe_is_cached_and_invalidated_by_an_install(tmp_path):
    py = make_venv(tmp_path / "venv")
    t0 = time.perf_counter()
    first = probe(py)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = probe(py)
    warm = time.perf_counter() - t0
    assert again == first
    assert warm < cold
    site = next((tmp_path / "venv" / "lib").glob("python3.*/site-packages"))
    (site / "extra.pth").write_text(str(tmp_path) + "\n")
    time.sleep(0.01)
    os.utime(site)
    changed = probe(py)
    assert str(tmp_path) in changed.sys_path and str(tmp_path) not in first.sys_path


def test_pythonpath_and_user_site_are_seen(tmp_path):
    py = make_venv(tmp_path / "venv")
    extra = tmp_path / "extra"
    extra.mkdir()
    env = dict(os.environ, PYTHONPATH=str(extra))
    snap = probe(py, environ=env, use_cache=False)
    assert snap.sys_path[0] == str(extra)
    assert snap.user_site and not snap.user_site_enabled   # a venv ignores the user site


def test_missing_and_hanging_interpreters_give_clear_errors(tmp_path):
    with pytest.raises(ProbeError, match="does not exist"):
        probe(tmp_path / "nope" / "python")
    hang = tmp_path / "bin" / "python"
    hang.parent.mkdir()
    hang.write_text("#!/bin/sh\nsleep 30\n")
    hang.chmod(hang.stat().st_mode | stat.S_IEXEC)
    t0 = time.perf_counter()
    with pytest.raises(ProbeError, match="did not answer"):
        probe(hang, timeout=0.5, use_cache=False)
    assert time.perf_counter() - t0 < 5
    crash = tmp_path / "crash" / "python"
    crash.parent.mkdir()
    crash.write_text("#!/bin/sh\necho 'boom: libpython missing' >&2\nexit 127\n")
    crash.chmod(0o755)
    with pytest.raises(ProbeError, match="boom: libpython missing"):
        probe(crash, use_cache=False)
    snap = snapshot(crash)      # falls back to the static view and records why
    assert snap.static and any("probe failed" in p for p in snap.problems)


def test_static_snapshot_matches_probe_for_a_venv(tmp_path):
    py = make_venv(tmp_path / "venv")
    live, static = probe(py, use_cache=False), static_snapshot(py)
    assert static.version == live.version
    assert [p for p in live.sys_path if "site-packages" in p] == [p for p in static.sys_path if "site-packages" in p]
    assert static.static and not live.static


@pytest.fixture(scope="module")
def indexed_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("index")
    wheels = root / "wheels"
    py = make_venv(root / "venv")
    build_wheel(wheels, "alpha", "1.0", {"alpha/__init__.py": ""}, requires=[
        "beta>=2", 'gamma; python_version < "3.0"', 'delta[fast]>=1; extra == "speed"', 'eps; sys_platform == "win32"'],
        requires_python=">=3.8", extras={"speed": []})
    build_wheel(wheels, "Beta_Pkg", "2.5", {"beta_mod.py": "", "beta_pkg/__init__.py": ""})
    build_wheel(wheels, "toplevel-only", "0.1", {"tl/__init__.py": ""}, top_level=["tl"])
    for w in sorted(wheels.glob("*.whl")):
        pip_install(py, "--no-deps", str(w))
    # a second copy of alpha, older, in a folder earlier on sys.path (through a .pth) - must not collapse
    target = root / "target"
    pip_install(py, "--no-deps", "--target", str(target), str(build_wheel(root / "w2", "alpha", "0.9", {"alpha/__init__.py": ""})))
    site = next((root / "venv" / "lib").glob("python3.*/site-packages"))
    (site / "aaa_target.pth").write_text(str(target) + "\n")
    return py, root, site, target


def test_index_keeps_path_order_and_duplicates(indexed_env):
    py, root, site, target = indexed_env
    snap = probe(py, use_cache=False)
    index = build_index(snap.sys_path)
    alphas = index.all("alpha")
    assert [a.version for a in alphas] == ["1.0", "0.9"]        # site-packages comes before the .pth folder
    assert alphas[0].location == str(site) and alphas[1].location == str(target)
    assert index.get("ALPHA").version == "1.0"
    truth = run_in(py, "import importlib.metadata as m; print(m.version('alpha'))")
    assert truth.stdout.strip() == index.get("alpha").version
    beta = index.get("beta-pkg")
    assert beta.display_name == "Beta_Pkg" and set(beta.import_names) == {"beta_mod", "beta_pkg"}
    assert index.get("toplevel-only").import_names == ("tl",)
    assert alphas[0].installer == "pip" and alphas[0].requires_python == ">=3.8"


def test_requirements_markers_and_extras_are_evaluated_for_the_target(indexed_env):
    py, *_ = indexed_env
    snap = probe(py, use_cache=False)
    alpha = build_index(snap.sys_path).get("alpha")
    env = snap.marker_environment()
    assert [r.name for r in alpha.dependencies(env)] == ["beta"]
    assert [r.name for r in alpha.dependencies(env, extras=["speed"])] == ["beta", "delta"]
    win = dict(env, sys_platform="win32")
    assert "eps" in [r.name for r in alpha.dependencies(win)]


def test_index_follows_installs_and_uninstalls(indexed_env, tmp_path):
    py, root, site, _ = indexed_env
    snap = probe(py, use_cache=False)
    assert build_index(snap.sys_path).get("six") is None
    pip_install(py, "six")
    assert build_index(snap.sys_path).get("six") is not None
    subprocess.run([os.sys.executable, "-m", "pip", "--python", str(py), "uninstall", "-y", "-q", "six"], check=True,
                   capture_output=True)
    assert build_index(snap.sys_path).get("six") is None
