"""One installed package and the CLI run on a workspace file: the setup of the warm-equals-cold cache tests
(tests/test_record_cache.py, test_simulation_cache.py, test_closure_cache.py). A real wheel (tests/wheelmaker.py) is
installed with pip into a real venv; ``check_json`` runs ``python -m tf_lsp check --format json`` in a new process
with its own cache folder, so a test can compare a warm cache folder's answer with a cold one's."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.wheelmaker import build_wheel, make_venv, pip_install


@contextmanager
def installed_package(prefix: str, name: str, files: dict[str, str], main: str, *,
                      requires: list[str] = ()) -> Iterator[dict]:
    """A venv with the wheel of ``name`` (``files``) installed, and a workspace whose ``main.py`` is ``main``:
    {"py": interpreter, "ws": workspace, "base": the temporary folder, "pkg": the installed package folder}."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        base = Path(tmp)
        wheel = build_wheel(base / "wheels", name, "1.0", files, requires=requires, top_level=[name])
        py = make_venv(base / "venv")
        pip_install(py, "--no-deps", str(wheel))
        ws = base / "ws"
        ws.mkdir()
        (ws / "main.py").write_text(main)
        site = next((base / "venv").glob("lib/python3*/site-packages"))
        yield {"py": py, "ws": ws, "base": base, "pkg": site / name}


def check_json(env: dict, cache: Path, *options: str, file: str = "main.py") -> str:
    """The JSON ``tf-lsp check`` prints for ``file`` of the workspace, with ``cache`` as its cache folder."""
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    environ["TF_LSP_CACHE_DIR"] = str(cache)
    environ["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-m", "tf_lsp", "check", "--format", "json", *options,
                          "--python", str(env["py"]), file], cwd=env["ws"], env=environ, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode in (0, 1), out.stderr
    return out.stdout
