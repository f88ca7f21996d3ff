"""The RECORD stat pass (TFL106: files missing or changed in size since the install) follows every file of the
distribution, not only its folders: a file edited in place (same folder, so no folder's mtime moves) must give the
same answer warm (a cache left by an earlier check) as cold (an empty cache), in a new process (the CLI) and within
one process (the server's workspace, checked again after the edit)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cachecase import check_json, installed_package

CORE = "value = 1\nother = 2\n\n\ndef helper():\n    return value + other\n"
FILES = {
    "inplacepkg/__init__.py": "from inplacepkg.core import value\n",
    "inplacepkg/core.py": CORE,
    "inplacepkg/data.txt": "some data\n",
}


@pytest.fixture(scope="module")
def env():
    with installed_package("tf-lsp-recordcache-", "inplacepkg", FILES,
                           "import inplacepkg\nfrom inplacepkg.core import helper\n") as env:
        yield env


def _check(env, cache: Path) -> str:
    return check_json(env, cache).replace(str(cache), "<cache>")     # a fix's installer folder lives in the cache


def _rewrite(path: Path, data: str, *, mode: str = "r+") -> None:
    """Change ``path`` in place: the same inode, the same folder (whose mtime does not move)."""
    folder = os.stat(path.parent).st_mtime_ns
    with open(path, mode) as fh:
        if mode == "r+":
            fh.truncate(0)
        fh.write(data)
    assert os.stat(path.parent).st_mtime_ns == folder


def _same_size(text: str) -> str:
    return text.replace("other = 2", "other = 3")


EDITS = {
    "same-size": lambda p: _rewrite(p, _same_size(CORE)),
    "appended": lambda p: _rewrite(p, "# appended\n", mode="a"),
    "rewritten-longer": lambda p: _rewrite(p, CORE + "extra = 3\n"),
    "truncated": lambda p: _rewrite(p, ""),
    "data-truncated": None,
}


@pytest.mark.parametrize("case", list(EDITS))
def test_in_place_edit_warm_equals_cold(env, case):
    warm = env["base"] / f"warm-{case}"
    core = env["pkg"] / ("data.txt" if case == "data-truncated" else "core.py")
    original = FILES["inplacepkg/" + core.name]
    _rewrite(core, original)
    clean = _check(env, warm)                                     # the cache now holds the intact install
    assert "TFL106" not in clean
    assert clean == _check(env, env["base"] / f"cold-{case}-0")
    edit = EDITS[case]
    if edit is None:
        _rewrite(core, "")
    else:
        edit(core)
    try:
        got = _check(env, warm)
        cold = _check(env, env["base"] / f"cold-{case}-1")
        assert got == cold, f"{case}: warm and cold answers differ"
        if case != "same-size":                                   # a size change is damage per RECORD
            assert "TFL106" in cold
    finally:
        _rewrite(core, original)
    assert _check(env, warm) == clean                             # and back: the warm answer follows again


def test_in_process_check_follows_in_place_edits(env, monkeypatch):
    """The server's case: one workspace, checked, the file edited in place, checked again."""
    from tf_lsp.filecache import clear_all
    from tf_lsp.workspace import Workspace

    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(env["base"] / "inproc-cache"))
    core = env["pkg"] / "core.py"
    _rewrite(core, CORE)
    ws = Workspace(env["ws"], python=str(env["py"]))
    main = env["ws"] / "main.py"

    def findings(w) -> list[tuple[str, str, str]]:
        return sorted((f.code, f.severity.name, f.message) for f in w.check_source(main, main.read_text()))

    def codes() -> list[tuple[str, str]]:
        ws.refresh()
        warm = findings(ws)
        cold = env["base"] / f"inproc-cold-{len(list(env['base'].glob('inproc-cold-*')))}"
        monkeypatch.setenv("TF_LSP_CACHE_DIR", str(cold))
        clear_all()
        try:
            assert warm == findings(Workspace(env["ws"], python=str(env["py"]))), "warm and cold answers differ"
        finally:
            monkeypatch.setenv("TF_LSP_CACHE_DIR", str(env["base"] / "inproc-cache"))
        return [(c, s) for c, s, _ in warm]

    clean = codes()
    assert ("TFL106", "WARNING") not in clean and ("TFL106", "ERROR") not in clean
    try:
        _rewrite(core, "# appended\n", mode="a")
        assert ("TFL106", "WARNING") in codes()
        _rewrite(core, "")
        assert ("TFL106", "ERROR") in codes()
    finally:
        _rewrite(core, CORE)
    assert codes() == clean


def test_pth_file_edited_in_place_warm_equals_cold(env, monkeypatch):
    """The interpreter's probe (its sys.path) is kept on disk, checked against the site folders' stamps; a ``.pth``
    file appended to in place (no folder's mtime moves) adds a sys.path entry: warm must see it as cold does."""
    site = env["pkg"].parent
    extra = env["base"] / "extra-dir"
    extra.mkdir(exist_ok=True)
    (extra / "pthmod.py").write_text("VALUE = 1\n")
    main = env["ws"] / "pth_main.py"
    main.write_text("import pthmod\n")
    pth = site / "zz_extra.pth"
    pth.write_text("# nothing yet\n")
    warm = env["base"] / "warm-pth"
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(env["base"] / "inproc-pth"))

    def check(cache: Path) -> str:
        return check_json(env, cache, file="pth_main.py").replace(str(cache), "<cache>")

    from tf_lsp.workspace import Workspace

    def in_process(w) -> list[str]:
        w.refresh()
        return [f.code for f in w.check_source(main, main.read_text())]

    try:
        before = check(warm)
        assert "pthmod" in before                                  # not found yet
        ws = Workspace(env["ws"], python=str(env["py"]))           # the server's engine, kept across the edit
        assert in_process(ws)
        _rewrite(pth, f"{extra}\n", mode="a")
        after = check(warm)
        assert after == check(env["base"] / "cold-pth"), "warm and cold answers differ"
        assert '"code"' not in after                               # found through the .pth line
        assert in_process(ws) == []
    finally:
        pth.unlink()
        main.unlink()
