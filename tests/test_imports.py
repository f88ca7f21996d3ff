"""Import extraction: exact ranges, context flags, and tolerance of broken code."""
from __future__ import annotations

from tf_lsp.imports import extract_imports

SOURCE = '''import os, numpy as np
import tensorflow.keras.layers as L
from tensorflow.keras.layers import Dense, NoSuch as X
from . import sibling
from ..pkg.mod import thing
try:
    import ujson
except ImportError:
    ujson = None
try:
    import strict
except ValueError:
    pass
if TYPE_CHECKING:
    import typing_only
if typing.TYPE_CHECKING:
    import typing_only2
else:
    import runtime_branch
def f():
    import torch
    x = (
import after_error
class C:
    from a.b import *
'''


def _by_module(stmts):
    return {(s.module, s.level): s for s in stmts}


def test_ranges_are_exact_code_point_columns():
    stmts = extract_imports(SOURCE)
    m = _by_module(stmts)
    lines = SOURCE.splitlines()
    for s in stmts:
        if s.module:
            line = lines[s.range.start.line]
            assert line[s.range.start.character:s.range.end.character] == s.module
    assert m[("numpy", 0)].range.start.character == 11
    names = [s for s in stmts if not s.is_from and s.module == "tensorflow.keras.layers"][0]
    found = [s for s in stmts if s.is_from and s.module == "tensorflow.keras.layers"][0]
    assert [n.name for n in found.names] == ["Dense", "NoSuch"]
    assert found.names[1].alias == "X"
    line = lines[found.line]
    assert line[found.names[0].range.start.character:found.names[0].range.end.character] == "Dense"
    assert names.line == 1


def test_relative_imports_keep_their_level():
    m = _by_module(extract_imports(SOURCE))
    assert m[("", 1)].names[0].name == "sibling"
    assert m[("pkg.mod", 2)].names[0].name == "thing"


def test_guards_type_checking_functions_and_star():
    m = _by_module(extract_imports(SOURCE))
    assert m[("ujson", 0)].guarded
    assert not m[("strict", 0)].guarded            # ValueError does not catch ImportError
    assert m[("typing_only", 0)].type_checking
    assert m[("typing_only2", 0)].type_checking
    assert not m[("runtime_branch", 0)].type_checking
    assert m[("torch", 0)].in_function
    assert m[("a.b", 0)].star
    assert not m[("os", 0)].guarded and not m[("os", 0)].in_function


def test_survives_syntax_errors_elsewhere():
    m = _by_module(extract_imports(SOURCE))
    assert ("after_error", 0) in m                 # after an unclosed parenthesis
    broken = "def (:\n  ???\nimport numpy\nfrom tensorflow import keras\nprint('unterminated\n"
    mods = [s.module for s in extract_imports(broken)]
    assert mods == ["numpy", "tensorflow"]


def test_half_typed_import_does_not_crash():
    for text in ["import ", "from ", "from . import", "import tensorflow.", "from tensorflow.keras import (",
                 "from tensorflow.keras import (Dense,", "import a as", "\x00\x01", ""]:
        extract_imports(text)  # no exception
    assert [s.module for s in extract_imports("import numpy\nimport ")] == ["numpy"]


def test_fast_path_agrees_with_parso_on_valid_code():
    """Files that parse go through ast; the records must be identical to parso's."""
    import glob
    import sysconfig

    from tf_lsp.imports import _extract_parso, extract_with_ast

    valid = SOURCE.replace("    x = (\n", "    x = 1\n")
    samples = [valid, "from .. import a, b as c\nfrom ... x import y\nimport a.b.c as d, e\n",
               "s = 'héllo'; import numpy as np  # non-ASCII before the import\n",
               "with open('x') as f:\n    import json\nfor i in range(3):\n    from os import path\n",
               "match x:\n    case 1:\n        import matchmod\n",
               "try:\n    pass\nexcept (ValueError, ImportError):\n    import fallback_mod\nelse:\n    import else_mod\n"]
    stdlib = sysconfig.get_paths()["stdlib"]
    for f in sorted(glob.glob(f"{stdlib}/*.py"))[:120]:
        samples.append(open(f, encoding="utf-8", errors="replace").read())
    checked = 0
    for src in samples:
        fast = extract_with_ast(src)
        if fast is None:
            continue
        slow = _extract_parso(src, "3.11", None)
        assert fast == slow, src[:200]
        checked += 1
    assert checked > 100
