"""Facts read ahead on every core (tf_lsp/prefetch.py) change nothing but the time: a real wheel with a package of
over 300 modules, installed with pip into a real venv, checked by the CLI in new processes with and without the
read-ahead, cold and warm, gives byte-identical JSON; and the read-ahead really ran (the store holds modules the
import never runs)."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tests.cachecase import check_json, installed_package
from tf_lsp import filecache, modfacts, prefetch

N = 330          # more than prefetch.MIN_FILES

FILES = {
    "bigpkg/__init__.py": "from . import " + ", ".join(f"m{i}" for i in range(N)) + "\n",
    **{f"bigpkg/m{i}.py": f"import os\nVALUE_{i} = {i}\n\n\ndef f{i}():\n    return os.sep * {i}\n" for i in range(N)},
    "bigpkg/m150.py": "from .m151 import NOT_THERE\n",
    "bigpkg/unused.py": "import json\nUNUSED = 1\n",
    "bigpkg/tests/test_big.py": "import bigpkg\n",
}


def _stored(cache) -> set[str]:
    with sqlite3.connect(cache / "stamped.sqlite3") as db:
        return {row[0] for row in db.execute("SELECT path FROM entries WHERE kind = 'facts'")}


@pytest.fixture(scope="module")
def env():
    with installed_package("tf-lsp-prefetch-", "bigpkg", FILES, "import bigpkg\n") as env:
        yield env


def test_read_ahead_changes_nothing_but_time(env, tmp_path, monkeypatch):
    if prefetch.MIN_FILES > N:
        pytest.fail("the package must be big enough to be read ahead")
    if prefetch._helpers() == 0:
        pytest.skip("one core: nothing is read ahead")
    ahead = check_json(env, tmp_path / "ahead")
    warm = check_json(env, tmp_path / "ahead")
    monkeypatch.setenv("TF_LSP_NO_PREFETCH", "1")
    serial = check_json(env, tmp_path / "serial")
    assert ahead == serial == warm
    messages = " ".join(d["message"] for f in json.loads(ahead)["files"] for d in f["diagnostics"])
    assert "NOT_THERE" in messages                       # the walk reached the broken module
    unused = str(env["pkg"] / "unused.py")
    assert unused in _stored(tmp_path / "ahead")         # read ahead: no import runs it
    assert unused not in _stored(tmp_path / "serial")
    assert not any("/tests/" in p for p in _stored(tmp_path / "ahead"))


def test_a_read_ahead_is_not_a_read_of_the_walk(env, tmp_path, monkeypatch):
    """What a result depends on is what its own computation read: files read ahead (this process's share and the
    helpers') are not noted in the open read set, so an edit to a module the import never runs does not make a
    stored simulation stale."""
    if prefetch._helpers() == 0:
        pytest.skip("one core: nothing is read ahead")
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))
    filecache.clear_memory()
    with filecache.one_pass(), filecache.recording() as reads:
        read_ahead = prefetch.package_facts([str(env["pkg"])])
    assert read_ahead >= N
    assert not [p for p in reads if p.endswith(".py")]
    assert modfacts.facts_known(str(env["pkg"] / "unused.py"))      # stored, by this process or a helper


@pytest.mark.parametrize("planted", ["fifo", "junk", "folder", "symlink"])
def test_a_store_that_is_not_a_database_is_a_miss_not_an_answer(env, tmp_path, planted):
    """Anything but a SQLite file at the store's place (a FIFO that would block an open, bytes that are not a
    database, a folder, a symlink to elsewhere): the check finishes with the same answer as with a good store, and
    the planted thing is left as it was."""
    import os

    good = check_json(env, tmp_path / "good")
    cache = tmp_path / planted
    cache.mkdir()
    store = cache / "stamped.sqlite3"
    if planted == "fifo":
        os.mkfifo(store)
    elif planted == "junk":
        store.write_bytes(b"not a database\x00" * 100)
    elif planted == "folder":
        store.mkdir()
    else:
        target = tmp_path / "elsewhere.sqlite3"
        target.write_bytes(b"")
        store.symlink_to(target)
    assert check_json(env, cache) == good
    if planted == "junk":
        assert store.read_bytes() == b"not a database\x00" * 100
    if planted == "symlink":
        assert (tmp_path / "elsewhere.sqlite3").read_bytes() == b""


def _package(root, name: str, n: int, body: str) -> str:
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for i in range(n):
        (folder / f"m{i}.py").write_text(body.format(i=i))
    return str(folder)


@pytest.fixture()
def pool(tmp_path, monkeypatch):
    """A fresh queue and store for one test (in this process)."""
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(prefetch, "_POOL", prefetch._Pool())
    filecache.clear_memory()
    yield prefetch._POOL
    prefetch._POOL.stop()
    filecache.clear_memory()


def test_the_packages_a_package_imports_are_queued_as_it_is_read(tmp_path, pool):
    """``follow``: the top-level names the chunks read import are looked up, and their packages are queued for
    the helpers; here ``big``'s modules import ``small``, which nobody asked for."""
    if prefetch._helpers() == 0:
        pytest.skip("one core: nothing is read ahead")
    big = _package(tmp_path, "big", prefetch.MIN_FILES + 10, "import small\nimport json\nV{i} = {i}\n")
    small = _package(tmp_path, "small", prefetch.MIN_AHEAD + 5, "import os\nS{i} = {i}\n")
    asked: list[str] = []

    def follow(name):
        asked.append(name)
        return (small,) if name == "small" else None

    assert prefetch.package_facts([big], follow=follow) == prefetch.MIN_FILES + 11
    assert "small" in asked and "json" in asked
    smalls = [os.path.join(small, f"m{i}.py") for i in range(prefetch.MIN_AHEAD + 5)]
    assert all(f in pool.owner for f in smalls)                          # queued for the helpers
    for key in list(pool.size):
        pool.finish(key)
    assert all(modfacts.facts_known(f) for f in smalls)


def test_a_helper_that_dies_leaves_its_work_to_this_process(tmp_path, pool, monkeypatch):
    """A helper that exits without answering: the wait ends (it does not run into its time-out), every chunk
    nobody took is read here, and at most the chunk the dead helper held is left for the walk to read."""
    if prefetch._helpers() == 0:
        pytest.skip("one core: nothing is read ahead")

    def dying():
        return subprocess.Popen([sys.executable, "-I", "-c", "import sys; sys.stdin.readline()"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    monkeypatch.setattr(prefetch, "_start", dying)
    monkeypatch.setattr(prefetch, "HELPER_TIMEOUT_S", 3600.0)      # a wait that did not end would hang the test
    big = _package(tmp_path, "big", prefetch.MIN_FILES + 10, "V{i} = {i}\n")
    files = [os.path.join(big, f"m{i}.py") for i in range(prefetch.MIN_FILES + 10)]
    prefetch.package_facts([big])
    known = sum(modfacts.facts_known(f) for f in files)
    assert len(files) - prefetch.CHUNK * prefetch._helpers() <= known <= len(files)
    for f in files:                                     # what the walk then reads is what a helper would have
        assert modfacts.module_facts(f) == modfacts.facts_of_file(f)


def test_a_file_name_with_a_line_break_is_left_to_the_walk(tmp_path, pool):
    """Paths go to the helpers one per line: a planted ``a\\n\\nb.py`` (or a folder named so) would split into other
    paths and an early end of chunk. Such names are never queued; everything else is read as usual."""
    if prefetch._helpers() == 0:
        pytest.skip("one core: nothing is read ahead")
    big = _package(tmp_path, "big", prefetch.MIN_FILES + 10, "V{i} = {i}\n")
    (tmp_path / "big" / "a\n\nb.py").write_text("X = 1\n")
    (tmp_path / "big" / "sub\nx").mkdir()
    (tmp_path / "big" / "sub\nx" / "c.py").write_text("Y = 1\n")
    prefetch.package_facts([big])
    assert not [p for p in pool.owner if "\n" in p]
    assert all(modfacts.facts_known(os.path.join(big, f"m{i}.py")) for i in range(prefetch.MIN_FILES + 10))
    assert modfacts.module_facts(str(tmp_path / "big" / "a\n\nb.py")).defines == frozenset({"X"})   # the walk's read
