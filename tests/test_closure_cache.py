"""The static import closure (``checks.closure.import_closure``) is kept on disk with the stamps of every file and
folder its walk read (``filecache.cached_by_reads``), and checked once per file's check (``filecache.in_pass``): a
warm check must give the same JSON as a cold one after any change of those files (a module that stops importing a
dependency, a new module that imports it), never a stored answer."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.cachecase import check_json, installed_package

FILES = {
    "clopkg/__init__.py": "from clopkg import a\n",
    "clopkg/a.py": "import farawaydep\n",
}


@pytest.fixture(scope="module")
def env():
    # several statements under one package: the closure of ``clopkg`` is asked for by each, in one check
    with installed_package("tf-lsp-closurecache-", "clopkg", FILES,
                           "import clopkg\nimport clopkg.a\nfrom clopkg import a\n",
                           requires=["farawaydep>=1.0"]) as env:
        yield env


def _check(env, cache: Path) -> str:
    # an install's working folder is under the cache folder
    return check_json(env, cache, "--select", "TFL103").replace(str(cache), "<cache>")


def test_warm_closure_follows_every_change_of_what_the_walk_read(env):
    warm = env["base"] / "warm-cache"
    pkg = env["pkg"]

    def same(step: int) -> str:
        got = _check(env, warm)
        assert got == _check(env, env["base"] / f"cold-{step}"), f"step {step}: warm and cold answers differ"
        return got

    unused = "does not import it"              # TFL103's words when the dependency is missing but not imported
    first = same(0)
    assert "farawaydep" in first and unused not in first               # a.py imports it at import time
    (pkg / "a.py").write_text("VALUE = 1\n")                          # a module of the closure stops importing it
    assert unused in same(1)
    (pkg / "b.py").write_text("import farawaydep\n")                  # a new module (the folder changes) ...
    assert unused in same(2)                                          # ... that nothing imports yet
    (pkg / "a.py").write_text("from clopkg import b\n")               # ... and now a.py imports it
    assert unused not in same(3)
