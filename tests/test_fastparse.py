"""The fast parse (tf_lsp/fastparse.py: ``def`` blocks cut before parsing) against a full parse: the same
module-level imports with the same line numbers and the same bindings, over real files; generated modules whose
docstrings have lines at column 0 (TensorFlow's ``gen_*_ops.py``) are cut too; a cut that would lose code falls
back to the full parse."""
from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.genmodule import written_if_it_parses
from tf_lsp import fastparse, modfacts


def _files(limit: int = 1500) -> list[Path]:
    out: list[Path] = []
    for key in ("stdlib", "purelib"):
        out += sorted(Path(sysconfig.get_paths()[key]).rglob("*.py"))[:limit]
    return [p for p in out if p.stat().st_size > fastparse.REDUCE_ABOVE]


def test_imports_keep_their_lines_and_bindings_stay():
    checked = 0
    for path in _files():
        full = modfacts.facts_of_file(str(path), reduce=False)
        if not full.parsed:
            continue
        fast = modfacts.facts_of_file(str(path))
        assert fast.imports == full.imports, path          # lines included: messages name them
        assert fast.defines == full.defines and fast.stars == full.stars and fast.all_names == full.all_names, path
        checked += 1
    assert checked > 500


GENERATED = '''"""Python wrappers around TensorFlow ops.

This file is MACHINE GENERATED! Do not edit.
"""
import collections
from os import path


def add(x, y, name=None):
  r"""Returns x + y element-wise.

Inputs:
  x: A `Tensor`.
This line starts at column 0 inside the docstring.
  """
  _ctx = 1
  return x


Add = collections.namedtuple("Add", ["x"])
from os import sep
'''


def test_a_docstring_with_lines_at_column_0_is_still_cut(tmp_path):
    f = tmp_path / "gen_ops.py"
    f.write_text(GENERATED + "\n" * 40 + "# padding\n" * 200)
    reduced, hidden = fastparse._reduce(f.read_text())
    assert hidden and fastparse._inside_strings(f.read_text(), hidden)
    tree = fastparse.parse_for_imports(str(f))
    assert not any(isinstance(n, ast.FunctionDef) for n in ast.walk(tree))        # cut, not parsed whole
    facts = modfacts.facts_of_file(str(f))
    assert [(e.module, e.line) for e in facts.imports] == [("collections", 5), ("os", 6), ("os", 21)]
    assert facts.imports == modfacts.facts_of_file(str(f), reduce=False).imports
    assert {"add", "Add", "sep", "path"} <= facts.defines


def test_a_miscounted_quote_falls_back_to_the_full_parse(tmp_path):
    """A triple quote inside a one-line string makes the cut believe a docstring opens: the code after it at column
    0 would be lost, so the whole file is parsed and its import is seen."""
    f = tmp_path / "odd.py"
    f.write_text("def f():\n    s = '\"\"\"'\n    return s\n\n\nimport json\nX = 1\n" + "# padding\n" * 300)
    tree = fastparse.parse_for_imports(str(f))
    assert any(isinstance(n, ast.FunctionDef) for n in ast.walk(tree))
    facts = modfacts.facts_of_file(str(f))
    assert [(e.module, e.line) for e in facts.imports] == [("json", 6)]
    assert "X" in facts.defines


BLOCKS = ["import os", "from json import dumps", "X = 1", "# comment", "", "col0_code = 1",
          "def f(a,\n    b):\n    import sys\n    return 1",
          'def g():\n    """doc\ncol0 = "in a docstring"\n    """\n    return 2',
          "@dec\ndef d():\n    pass", "@dec(\n    1,\n)\nclass E:\n    pass",
          "class C:\n    def m(self):\n        import abc\n    y = 2",
          "if X:\n    def h(): pass\n    import re", "try:\n    import zlib\nexcept ImportError:\n    zlib = None",
          "x = (\n    1,\n)", "def s():\n    s = '\"\"\"'\n    return s", "async def k():\n    await z",
          "def t():\n    x = \'\'\'\nimport fake\n\'\'\'\n    return x", "def u(): return [\n1,\n]",
          'def v():\n    return """\n"""', "class D:\n    \'\'\'doc\n\'\'\'\n    def w(self): pass",
          "def q():\n    # a comment with a quote \"\"\"\n    import json\nimport csv"]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(BLOCKS), max_size=20))
def test_generated_modules_cut_or_not_give_the_full_parse_imports_and_names(tmp_path, blocks):
    """Property: for any module that parses, the fast parse sees the imports (with their lines) and the names of
    a full parse: either the cut was right, or the check sent it to the full parse."""
    f = written_if_it_parses(tmp_path, blocks, padding=250)
    if f is None:
        return
    fast, full = modfacts.facts_of_file(str(f)), modfacts.facts_of_file(str(f), reduce=False)
    assert fast.imports == full.imports and fast.defines == full.defines, f.read_text()
