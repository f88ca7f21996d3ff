"""Real environments on disk for tests: made by the real tools (venv, virtualenv, uv, poetry, pipenv), or, for
conda and pixi (whose installers are not available offline), by writing their exact on-disk layout around a
real interpreter.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PYENV_ROOT = Path(os.environ.get("TF_LSP_TEST_PYENV_ROOT", "/root/.pyenv"))


def pyenv_python(minor: str) -> Path | None:
    """The newest pyenv-installed ``minor`` (``3.11``) as ``versions/<v>/bin/python``, or None."""
    try:
        names = [n for n in os.listdir(PYENV_ROOT / "versions") if n.startswith(minor + ".") and n[len(minor) + 1:].isdigit()]
    except OSError:
        return None
    if not names:
        return None
    best = max(names, key=lambda n: tuple(int(x) for x in n.split(".")))
    exe = PYENV_ROOT / "versions" / best / "bin" / "python"
    return exe if exe.exists() else None


def any_python(*minors: str) -> Path:
    """The first pyenv Python among ``minors``, else the running interpreter."""
    for m in minors:
        p = pyenv_python(m)
        if p is not None:
            return p
    return Path(sys.executable)


def _run(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120) -> str:
    out = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise RuntimeError(f"{argv} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out.stdout + out.stderr


def tool_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for running a tool: its own HOME, a plain PATH, no activated environment."""
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def make_venv(path: Path, *, python: Path | None = None) -> Path:
    """``python -m venv --without-pip``: the stdlib's layout (``version = X.Y.Z`` in pyvenv.cfg)."""
    _run([str(python or any_python("3.12", "3.11")), "-m", "venv", "--without-pip", str(path)])
    return path


def make_virtualenv(path: Path, *, python: Path | None = None) -> Path:
    """virtualenv (``virtualenv = ...`` and ``version_info`` in pyvenv.cfg), run from the test interpreter."""
    _run([sys.executable, "-m", "virtualenv", "--no-seed", "--no-periodic-update", "-q", "-p",
          str(python or any_python("3.10", "3.11")), str(path)])
    return path


def uv_executable() -> str | None:
    for cand in (Path(sys.executable).parent / "uv", Path("/work/devenv/bin/uv")):
        if cand.exists():
            return str(cand)
    return shutil.which("uv")


def make_uv_venv(path: Path, *, python: Path | None = None, cache: Path) -> Path:
    """``uv venv`` (``uv = ...`` in pyvenv.cfg)."""
    uv = uv_executable()
    if uv is None:
        raise RuntimeError("uv is not installed")
    _run([uv, "venv", "-q", "--no-config", "-p", str(python or any_python("3.13", "3.11")), str(path)],
         env=tool_env(cache.parent, UV_CACHE_DIR=str(cache), UV_PYTHON_DOWNLOADS="never"))
    return path


def make_conda_prefix(prefix: Path, *, python: Path, version: str = "3.11.7", build: str = "h955ad1f_0",
                      pixi_manifest: Path | None = None) -> Path:
    """The on-disk layout conda (or pixi) leaves: conda-meta/history, the python package record, bin/python.

    ``bin/python`` is a symlink to a real interpreter so the environment can really be run.
    """
    major_minor = ".".join(version.split(".")[:2])
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True)
    (meta / "history").write_text(f"==> 2024-01-15 10:00:00 <==\n# cmd: conda create -p {prefix} python={version}\n"
                                  f"+defaults/linux-64::python-{version}-{build}\n")
    record = {"name": "python", "version": version, "build": build, "build_number": 0, "channel": "https://repo/pkgs/main",
              "subdir": "linux-64", "fn": f"python-{version}-{build}.conda", "files": [f"bin/python{major_minor}"],
              "depends": ["libgcc-ng >=11.2.0", "openssl >=3.0"], "requested_spec": f"python={version}"}
    (meta / f"python-{version}-{build}.json").write_text(json.dumps(record, indent=1))
    (meta / "python_abi-3.11-4_cp311.json").write_text(json.dumps({"name": "python_abi", "version": major_minor}))
    (meta / "python-dateutil-2.8.2-pyhd3eb1b0_0.json").write_text(json.dumps({"name": "python-dateutil", "version": "2.8.2"}))
    if pixi_manifest is not None:
        (meta / "pixi").write_text(json.dumps({"manifest_path": str(pixi_manifest), "environment_name": prefix.name,
                                               "pixi_version": "0.40.0"}))
    (prefix / "bin").mkdir()
    (prefix / "bin" / f"python{major_minor}").symlink_to(python)
    (prefix / "bin" / "python").symlink_to(f"python{major_minor}")
    (prefix / "bin" / "python3").symlink_to(f"python{major_minor}")
    (prefix / "lib" / f"python{major_minor}" / "site-packages").mkdir(parents=True)
    return prefix


def poetry_command() -> list[str] | None:
    for cand in (Path(sys.executable).parent / "poetry", Path("/work/devenv/bin/poetry")):
        if cand.exists():
            return [str(cand)]
    found = shutil.which("poetry")
    return [found] if found else None


def pipenv_command() -> list[str] | None:
    if importlib.util.find_spec("pipenv") is not None:
        return [sys.executable, "-m", "pipenv"]
    for cand in (Path("/work/devenv/bin/pipenv"),):
        if cand.exists():
            return [str(cand)]
    found = shutil.which("pipenv")
    return [found] if found else None


def poetry_env_use(project: Path, python: Path, *, home: Path, **env: str) -> str:
    """Run the real ``poetry env use <python>`` in ``project``; returns poetry's output."""
    cmd = poetry_command()
    if cmd is None:
        raise RuntimeError("poetry is not installed")
    return _run(cmd + ["env", "use", "--no-interaction", str(python)], cwd=project, env=tool_env(home, **env))


def pipenv_create(project: Path, python: Path, *, home: Path, **env: str) -> str:
    """Run the real ``pipenv --python <python>`` in ``project`` (creates the environment only)."""
    cmd = pipenv_command()
    if cmd is None:
        raise RuntimeError("pipenv is not installed")
    return _run(cmd + ["--python", str(python)], cwd=project,
                env=tool_env(home, PIPENV_IGNORE_VIRTUALENVS="1", PIPENV_YES="1", PIPENV_NOSPIN="1",
                             PIPENV_VERBOSITY="-1", **env))
