"""A file with 1,000 distinct missing imports gets exactly 1,000 findings, one per line (the answer, not the time:
timings are printed by benchmarks/many_imports.py)."""
from __future__ import annotations

import json

import pytest

from tests.badinput import tf_lsp
from tests.wheelmaker import make_venv

pytestmark = pytest.mark.timeout(300)


def test_one_thousand_distinct_imports(tmp_path):
    make_venv(tmp_path / ".venv")
    (tmp_path / "many.py").write_text("".join(f"import pkg_scale_{i:04d}\n" for i in range(1000)))
    r = tf_lsp("check", "many.py", "--format", "json", "--python", str(tmp_path / ".venv" / "bin" / "python"),
               cwd=tmp_path, cache=tmp_path / "cache")
    assert r.returncode == 1, r.stderr
    diags = json.loads(r.stdout)["files"][0]["diagnostics"]
    assert len(diags) == 1000
    assert sorted(d["range"]["start"]["line"] for d in diags) == list(range(1000))
    assert {d["code"] for d in diags} == {"TFL100"}
    assert all(f"pkg_scale_{d['range']['start']['line']:04d}" in d["message"] for d in diags)


def test_a_long_file_is_parsed_in_pieces_with_the_same_statements():
    """Above CHUNK_LINES lines the file is parsed piece by piece (bounded memory); the statements are those of the
    whole-file parse, including layouts a cut must never split (strings, brackets, blocks, continuations)."""
    from tf_lsp import imports as im

    parts = ["import a{i}\n", "x = '''\nimport s{i}\n'''\n", "try:\n    import t{i}\nexcept ImportError:\n    pass\n",
             "if TYPE_CHECKING:\n    import tc{i}\nelse:\n    import e{i}\n", "def f{i}():\n    import f{i}\n",
             "y = (1,\n2)\n", "from . import r{i}\n", "@d\nclass C{i}:\n    import c{i}\n", "z = 1 + \\\n 2\n",
             "# comment\n", "\n", "from m{i} import (a,\n b)\n"]
    src = "".join(parts[(i * 7) % len(parts)].format(i=i) for i in range(im.CHUNK_LINES))
    assert im._pieces(src, src.splitlines()) is not None and len(im._pieces(src, src.splitlines())) > 1
    pieces = im.extract_with_ast(src)
    whole = im._pieces
    try:
        im._pieces = lambda s, lines: None
        assert pieces == im.extract_with_ast(src)
    finally:
        im._pieces = whole
    assert len(pieces) > 1000
