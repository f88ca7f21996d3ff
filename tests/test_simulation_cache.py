"""The import simulation's results are kept on disk with the stamps of every file and folder the walk read
(``filecache.cached_by_reads``): a warm check must give the same JSON as a cold one after any change of those files
(a module that loses a name, a submodule that appears, one that is deleted), never a stored answer."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.cachecase import check_json, installed_package

FILES = {
    "chainpkg/__init__.py": "from chainpkg.a import helper\n",
    "chainpkg/a.py": "from chainpkg.b import thing\nfrom chainpkg.c import value\n\ndef helper():\n    return thing\n",
    "chainpkg/b.py": "thing = 1\n",
}


@pytest.fixture(scope="module")
def env():
    with installed_package("tf-lsp-simcache-", "chainpkg", FILES, "import chainpkg\n") as env:
        yield env


def _check(env, cache: Path) -> str:
    return check_json(env, cache, "--select", "TFL116")


def test_warm_answer_follows_every_change_of_what_the_walk_read(env):
    warm = env["base"] / "warm-cache"
    pkg = env["pkg"]

    def same(step: int) -> str:
        got = _check(env, warm)
        assert got == _check(env, env["base"] / f"cold-{step}"), f"step {step}: warm and cold answers differ"
        return got

    # c.py is no file of the wheel (RECORD does not list it): changing it is no damage of the installation
    assert "No module named 'chainpkg.c'" in same(0)            # stored with chainpkg/ listed without c.py
    (pkg / "c.py").write_text("value = 2\n")                      # the folder changes: the stored walk is stale
    assert "TFL116" not in same(1)
    (pkg / "c.py").write_text("other_name = 2\n")                 # a module of the walk loses the name
    assert "cannot import name 'value'" in same(2)
    (pkg / "c.py").unlink()
    assert "No module named 'chainpkg.c'" in same(3)


SHARED_FILES = {
    "sharedpkg/__init__.py": "from sharedpkg.a import helper\n",
    "sharedpkg/a.py": "from sharedpkg.c import value\n\ndef helper():\n    return value\n",
    "sharedpkg/own.py": "from sharedpkg.d import other\n",
}


@pytest.fixture(scope="module")
def shared_env():
    # every statement's walk starts with the walk of ``sharedpkg`` itself: its read set is stored once
    # (filecache.shared_reads) and each statement's stored result refers to it
    with installed_package("tf-lsp-simshared-", "sharedpkg", SHARED_FILES,
                           "import sharedpkg\nimport sharedpkg.own\nfrom sharedpkg import a\n"
                           "from sharedpkg.a import helper\n") as env:
        yield env


def test_warm_answer_follows_changes_of_the_shared_top_level_walk(shared_env):
    env, pkg = shared_env, shared_env["pkg"]
    warm = env["base"] / "warm-cache"

    def same(step: int) -> str:
        got = _check(env, warm)
        assert got == _check(env, env["base"] / f"cold-{step}"), f"step {step}: warm and cold answers differ"
        return got

    first = same(0)
    assert "No module named 'sharedpkg.c'" in first and "No module named 'sharedpkg.d'" in first
    (pkg / "c.py").write_text("value = 1\n")               # a file of the shared walk appears
    step = same(1)
    assert "sharedpkg.c" not in step and "No module named 'sharedpkg.d'" in step
    (pkg / "d.py").write_text("other = 1\n")               # a file only one statement's walk reads
    assert "TFL116" not in same(2)
    (pkg / "c.py").write_text("nothing = 22\n")            # a module of the shared walk loses the name
    assert "cannot import name 'value'" in same(3)
