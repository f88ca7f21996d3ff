"""The extension modules of a package's static closure (``checks.native._closure_extensions``, what TFL121 follows
besides the simulated import) are kept on disk with the stamps of every file and folder they were read from: the
answer from a warm cache folder must equal a cold one after each change of the package (a module that starts
importing an extension, a new extension file, a deleted one)."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from tf_lsp import filecache
from tf_lsp.checks.native import _closure_extensions

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def _answer(root: Path, cache: Path, monkeypatch) -> tuple:
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(cache))
    filecache.clear_all()                   # a new process: only the disk cache is left
    with filecache.one_pass():
        return _closure_extensions("extpkg", str(root))


def test_warm_answer_follows_every_change_of_the_package(tmp_path, monkeypatch):
    root = tmp_path / "site"
    pkg = root / "extpkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from extpkg import a\n")
    (pkg / "a.py").write_text("VALUE = 1\n")
    (pkg / f"_fast{SUFFIX}").write_bytes(b"\x7fELF not loaded here")
    warm = tmp_path / "warm"

    def same(step: int) -> tuple:
        got = _answer(root, warm, monkeypatch)
        assert got == _answer(root, tmp_path / f"cold-{step}", monkeypatch), f"step {step}: warm and cold differ"
        return got

    assert same(0) == ()                                            # nothing imports _fast
    (pkg / "a.py").write_text("from extpkg import _fast\n")         # a module of the closure starts importing it
    assert same(1) == ((str(pkg / f"_fast{SUFFIX}"), "extpkg._fast"),)
    (pkg / "sub").mkdir()
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from extpkg import _fast\nfrom extpkg.sub import _deep\n")
    assert [m for _, m in same(2)] == ["extpkg._fast"]             # _deep is no file yet
    (pkg / "sub" / f"_deep{SUFFIX}").write_bytes(b"\x7fELF")       # a new extension file in a folder read
    assert [m for _, m in same(3)] == ["extpkg._fast", "extpkg.sub._deep"]
    (pkg / f"_fast{SUFFIX}").unlink()
    assert [m for _, m in same(4)] == ["extpkg.sub._deep"]


@pytest.fixture(autouse=True)
def _fresh_memory():
    yield
    filecache.clear_all()
