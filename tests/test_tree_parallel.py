"""A large tree is checked by worker processes, unchanged files included (their statements come from the import
cache): the findings are the same as one process checking every file, on the first run and on a warm one."""
from __future__ import annotations

from pathlib import Path

from tests.wheelmaker import make_venv
from tf_lsp import treecheck
from tf_lsp.settings import Settings
from tf_lsp.treecheck import CodeFilter, check_files
from tf_lsp.workspace import Workspace


def _tree(root: Path, n: int) -> list[Path]:
    files = []
    for i in range(n):
        folder = root / f"pkg_{i // 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
        f = folder / f"mod_{i}.py"
        f.write_text(f"import os\nimport not_installed_{i % 3}\nfrom . import mod_{i + 1}\nfrom .gone import x\n")
        files.append(f)
    return files


def _summary(results) -> list:
    return [(str(r.path), [(x.code, x.range.start.line, x.message) for x in r.findings]) for r in results]


def test_parallel_cold_and_warm_equal_serial(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache-serial"))
    py = make_venv(tmp_path / "venv")
    files = _tree(tmp_path / "ws", 60)
    keep = CodeFilter(set(), set())

    def ws() -> Workspace:
        return Workspace(tmp_path / "ws", python=str(py), settings=Settings(check_all_imports=True))

    serial = _summary(treecheck._serial(ws(), files, keep))
    assert any(codes for _, codes in serial)
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(treecheck, "PARALLEL_FROM", 10)
    monkeypatch.setattr(treecheck.os, "cpu_count", lambda: 2)
    assert _summary(check_files(ws(), files, keep=keep)) == serial         # cold: the import cache is filled
    assert treecheck.ImportCache(ws().root).data                              # ... and saved
    assert _summary(check_files(ws(), files, keep=keep)) == serial         # warm: every file from the cache
