"""Facts read ahead on every core (tf_lsp/prefetch.py) change nothing but the time: a real wheel with a package of
over 300 modules, installed with pip into a real venv, checked by the CLI in new processes with and without the
read-ahead, cold and warm, gives byte-identical JSON; and the read-ahead really ran (the store holds modules the
import never runs)."""
from __future__ import annotations

import json
import sqlite3

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
