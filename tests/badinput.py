"""Hostile things on disk for the reliability tests: distributions written file by file into a real venv's
site-packages (as an installer lays them out, but with RECORD / METADATA contents of our choosing), and the
CLI run in a subprocess with its own cache folder."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    assert found, f"no site-packages in {venv}"
    return found[0]


def write_dist(site: Path, name: str, version: str, files: dict[str, str | bytes], *,
               metadata: str | bytes | None = None, record: str | bytes | None = None) -> Path:
    """A ``name-version.dist-info`` beside ``files``; METADATA and RECORD are correct unless given."""
    norm = name.replace("-", "_")
    info = site / f"{norm}-{version}.dist-info"
    info.mkdir(parents=True)
    rows = []
    for rel, content in files.items():
        data = content if isinstance(content, bytes) else content.encode()
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append([rel, f"sha256={digest}", str(len(data))])
    meta = metadata if metadata is not None else f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
    (info / "METADATA").write_bytes(meta if isinstance(meta, bytes) else meta.encode())
    (info / "INSTALLER").write_text("pip\n")
    if record is None:
        rows += [[f"{info.name}/METADATA", "", ""], [f"{info.name}/INSTALLER", "", ""], [f"{info.name}/RECORD", "", ""]]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        record = buf.getvalue()
    (info / "RECORD").write_bytes(record if isinstance(record, bytes) else record.encode())
    return info


def record_row(rel: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{rel},sha256={digest},{len(data)}\n"


def tf_lsp(*args: str, cwd: Path, cache: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_LSP_CACHE_DIR=str(cache))
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "tf_lsp", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)
