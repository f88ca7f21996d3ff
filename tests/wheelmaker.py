"""Build real wheels and real environments for tests (no mocks: pip installs what this writes)."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

PY311 = "/root/.pyenv/versions/3.11.7/bin/python3.11"


def base_python() -> str:
    for cand in (os.environ.get("TF_LSP_TEST_BASE_PYTHON"), PY311, sys.executable):
        if cand and os.path.exists(cand):
            return cand
    return sys.executable


def build_wheel(dest: Path, name: str, version: str, files: dict[str, str | bytes], *, requires: list[str] = (),
                requires_python: str | None = None, tag: str = "py3-none-any", top_level: list[str] | None = None,
                extras: dict[str, list[str]] | None = None) -> Path:
    """Write ``{name}-{version}-{tag}.whl`` holding ``files`` (path -> text or bytes) with real METADATA and RECORD."""
    dest.mkdir(parents=True, exist_ok=True)
    norm = name.replace("-", "_")
    distinfo = f"{norm}-{version}.dist-info"
    meta = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        meta.append(f"Requires-Python: {requires_python}")
    meta += [f"Requires-Dist: {r}" for r in requires]
    for extra, reqs in (extras or {}).items():
        meta.append(f"Provides-Extra: {extra}")
        meta += [f'Requires-Dist: {r}; extra == "{extra}"' for r in reqs]
    content = dict(files)
    content[f"{distinfo}/METADATA"] = "\n".join(meta) + "\n\n"
    content[f"{distinfo}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: tf-lsp-tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
    if top_level is not None:
        content[f"{distinfo}/top_level.txt"] = "".join(t + "\n" for t in top_level)
    rows = []
    for path, text in content.items():
        data = text if isinstance(text, bytes) else text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append([path, f"sha256={digest}", str(len(data))])
    rows.append([f"{distinfo}/RECORD", "", ""])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    content[f"{distinfo}/RECORD"] = buf.getvalue()
    out = dest / f"{norm}-{version}-{tag}.whl"
    with zipfile.ZipFile(out, "w") as zf:
        for path, text in content.items():
            zf.writestr(path, text)
    return out


def make_venv(path: Path, *, python: str | None = None, system_site: bool = False) -> Path:
    args = [python or base_python(), "-m", "venv", "--without-pip", str(path)]
    if system_site:
        args.insert(4, "--system-site-packages")
    subprocess.run(args, check=True, capture_output=True)
    return path / "bin" / "python"


def pip_install(python: Path, *args: str, target_python_for_pip: str | None = None) -> subprocess.CompletedProcess:
    """Install with the test runner's pip into another environment (``--python`` needs pip >= 22.3)."""
    cmd = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--disable-pip-version-check", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def run_in(python: Path, code: str, *, cwd: Path | None = None, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
