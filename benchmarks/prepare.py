"""Everything the benchmark needs, built on demand and reused: environments, the tools venv, the workloads.

Nothing here knows a machine-specific path: environments come from uv (its shared cache makes a rebuild cost seconds
once the wheels are cached) with the base interpreter named by version (``--base-python``, default ``3.11``); folders
live under ``$TF_LSP_BENCH_DIR`` (default ``$XDG_CACHE_HOME/tf-lsp-bench``). An environment the integration tier
already built (``$TF_LSP_IT_DIR/envs/NAME``, see tests/integration/build.py) is reused as it is.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TF_VERSION = "2.21.0"
TOOLS = ("pyright", "basedpyright", "ty", "matplotlib", "pyinstrument", "py-spy")


def bench_dir() -> Path:
    if os.environ.get("TF_LSP_BENCH_DIR"):
        return Path(os.environ["TF_LSP_BENCH_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tf-lsp-bench"


def it_dir() -> Path:
    return Path(os.environ.get("TF_LSP_IT_DIR") or Path.home() / ".cache" / "tf-lsp-it").expanduser()


@dataclass(frozen=True)
class EnvSpec:
    """One environment: what to install, then what to force over it (the breakage)."""
    name: str
    install: tuple[str, ...]
    force: tuple[str, ...] = ()
    why: str = ""


TF221 = EnvSpec("tf221-cpu", (f"tensorflow-cpu=={TF_VERSION}",), why=f"TensorFlow {TF_VERSION} (cpu), healthy")
BROKEN = (
    EnvSpec("tf215-numpy2", ("tensorflow-cpu==2.15.1",), ("numpy==2.0.2",), why="numpy 2 forced under TF 2.15"),
    EnvSpec("tf221-cpu-plus-tf220", (f"tensorflow-cpu=={TF_VERSION}",), ("tensorflow==2.20.0",),
            why="tensorflow 2.20 forced over tensorflow-cpu 2.21 (one distribution over another)"),
)


def uv_binary() -> str:
    """uv from ``$UV``, PATH, next to this interpreter, or uv's own install folders."""
    for cand in (os.environ.get("UV"), shutil.which("uv"), Path(sys.executable).parent / "uv",
                 Path.home() / ".local" / "bin" / "uv", Path.home() / ".cargo" / "bin" / "uv"):
        if cand and Path(cand).exists():
            return str(cand)
    raise SystemExit("uv is needed to build the benchmark environments: pip install uv, or set UV=/path/to/uv")


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}")


def _python(prefix: Path) -> Path:
    return prefix / "bin" / "python"


def ensure_env(spec: EnvSpec, *, base_python: str, log=print) -> Path:
    """The python of ``spec``'s environment: the integration tier's copy if it has one, else ours (built once)."""
    shared = it_dir() / "envs" / spec.name
    if _python(shared).exists() and (shared / "tf-lsp-it.json").exists():
        return _python(shared)
    prefix = bench_dir() / "envs" / spec.name
    stamp = prefix / "tf-lsp-bench.json"
    definition = {"install": spec.install, "force": spec.force, "base": base_python}
    if stamp.exists() and json.loads(stamp.read_text()) == json.loads(json.dumps(definition)):
        return _python(prefix)
    log(f"  building {spec.name} ({spec.why}) with uv ...")
    shutil.rmtree(prefix, ignore_errors=True)
    uv = uv_binary()
    _run([uv, "venv", "--seed", "--quiet", "--python", base_python, str(prefix)])
    _run([uv, "pip", "install", "--quiet", "--python", str(_python(prefix)), *spec.install])
    if spec.force:
        _run([uv, "pip", "install", "--quiet", "--no-deps", "--python", str(_python(prefix)), *spec.force])
    stamp.write_text(json.dumps(definition))
    return _python(prefix)


def tf_lsp_requirements() -> list[str]:
    """tf-lsp's own runtime dependencies, read from pyproject.toml (tf-lsp itself runs from this checkout)."""
    import tomllib
    return list(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])


def ensure_tools(*, base_python: str, log=print) -> Path:
    """A venv with tf-lsp's dependencies, the peers (pyright, basedpyright, ty), matplotlib and the profilers."""
    prefix = bench_dir() / "tools"
    wanted = sorted([*tf_lsp_requirements(), *TOOLS])
    stamp = prefix / "tf-lsp-bench.json"
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return _python(prefix)
    log("  building the tools venv (pyright, basedpyright, ty, matplotlib, pyinstrument, py-spy) with uv ...")
    uv = uv_binary()
    shutil.rmtree(prefix, ignore_errors=True)
    _run([uv, "venv", "--quiet", "--python", base_python, str(prefix)])
    _run([uv, "pip", "install", "--quiet", "--python", str(_python(prefix)), *wanted])
    stamp.write_text(json.dumps(wanted))
    return _python(prefix)


def site_packages(python: Path) -> Path:
    found = sorted(python.parent.parent.glob("lib/python3*/site-packages"))
    if not found:
        raise SystemExit(f"no site-packages next to {python}")
    return found[0]
