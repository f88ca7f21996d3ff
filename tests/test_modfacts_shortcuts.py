"""The shortcuts of ``modfacts`` against the walks they skip: a text with no walrus and no call of ``globals``,
``vars``, ``exec``, ``locals`` or ``setattr`` skips the search for them; ``__all__`` not followed by ``.`` skips
the search for ``__all__.extend``; an assignment whose lines have no ``for`` has its stored names read from its
targets; constants are not walked. With or without the shortcuts the facts must be equal, on real files and on
generated modules that mix every form the shortcuts must not miss."""
from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.genmodule import written_if_it_parses
from tf_lsp import fastparse, modfacts, safeio


def _both(path: str):
    """(facts with the shortcuts, facts of the same tree walked in full), and the state of each."""
    data = safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT)
    tree, text = fastparse.parse_with_text(data, path)
    assert tree is not None
    fast = modfacts._facts_of_tree(tree, source=data, text=text)
    slow = modfacts._facts_of_tree(tree)
    return fast, slow


def _same(path: str) -> None:
    (fast, fast_state), (slow, slow_state) = _both(path)
    assert fast == slow, path
    assert (fast_state["dynamic"], fast_state["globals_ok"]) == (slow_state["dynamic"], slow_state["globals_ok"]), path


def test_real_files_give_the_same_facts_with_and_without_the_shortcuts():
    checked = 0
    for key in ("stdlib", "purelib"):
        for path in sorted(Path(sysconfig.get_paths()[key]).rglob("*.py"))[:1200]:
            try:
                ast.parse(path.read_bytes())
            except (SyntaxError, ValueError, OSError):
                continue
            _same(str(path))
            checked += 1
    assert checked > 1000


BLOCKS = ["import numpy as np", "import os.path", "from pkg import mod as m", "X = np.pi",
          "np = None", "Y = [np for np in range(3)]", "Z = {k: v for k, v in ()}", "(w := np.e)",
          "if (q := 1):\n    pass", "__all__ = ['X']", "(__all__).extend(['Y'])", "__all__ # note\n.append('Z')",
          "__all__ += ['W']", "globals ()['G'] = 1", "f = context.executing_eagerly()", "variables = 1",
          "setattr(sys.modules[__name__], 'a', 1)", "for name in ['a', 'b']:\n    globals()[name] = 1",
          "class C(np.ndarray):\n    import json as js\n    k = m.attr\n    def f(self): pass",
          "@deco([m for m in ()])\nclass D:\n    pass", "class E(\n    base, metaclass=[t for t in ()][0]): pass",
          "class F: '''doc for F'''", "a, (b, *m) = 1, (2, 3)", "os.path.join('x', 'for')",
          "def g():\n    global H\n    H = 1", "T: int = np.int8", "m.x += 1", "del m", "print(locals())",
          "with open('f') as np:\n    pass", "try:\n    import zlib\nexcept ImportError as np:\n    zlib = None",
          "lam = lambda np: np.e", "s = '''\nfor m in x\n'''", "u = m.sub.attr", "exec('y = 1')"]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(BLOCKS), max_size=14), st.booleans())
def test_generated_modules_give_the_same_facts_with_and_without_the_shortcuts(tmp_path, blocks, big):
    """Property: whatever the statements, the shortcuts find what the full walks find (a big file is cut by
    ``fastparse`` and gets the line-based shortcut; a small one is parsed whole)."""
    f = written_if_it_parses(tmp_path, blocks, padding=250 if big else 0)
    if f is not None:
        _same(str(f))


def test_the_shortcuts_still_see_what_they_look_for(tmp_path):
    """Each form the shortcuts test for in the text is still found: a walrus rebinding an alias, a comprehension
    target, ``(__all__).extend`` and a spaced ``globals ()`` write."""
    pad = "# padding\n" * 250
    f = tmp_path / "a.py"
    f.write_text("import numpy as np\nimport os\nY = [os for os in ()]\nX = np.pi\nV = os.sep\n" + pad)
    facts = modfacts.facts_of_file(str(f))
    assert [u.module for u in facts.uses] == ["numpy"]           # os is rebound by the comprehension: not trusted
    f.write_text("import numpy as np\n(np := 1)\nX = np.pi\n" + pad)
    assert modfacts.facts_of_file(str(f)).uses == ()
    f.write_text("__all__ = ['a']\n(__all__).extend(['b'])\na = b = 1\n" + pad)
    assert modfacts.facts_of_file(str(f)).all_names is None
    f.write_text("globals ()['G'] = 1\n" + pad)
    assert modfacts.facts_of_file(str(f)).dynamic
    f.write_text("import context\nf = context.executing_eagerly()\n" + pad)
    assert not modfacts.facts_of_file(str(f)).dynamic


def test_comment_runs_after_a_searched_name_cost_one_pass(tmp_path):
    """``__all__`` or a callee name followed by comment lines made of many ``#``: each comment matches one way, so
    the text searches finish (a pattern where a comment could end anywhere tried every split of the ``#`` run, and
    a real module with an 80-column ``#`` rule after its ``__all__`` took minutes; this test would hang)."""
    rule = "#" * 80
    f = tmp_path / "rules.py"
    f.write_text(f"__all__ = ['a']\nx = __all__\n{rule}\n{rule}\na = 1\nexec\n{rule}\nb = exec\n" + "# pad\n" * 300)
    facts = modfacts.facts_of_file(str(f))
    assert facts.all_names == ("a",) and not facts.dynamic
    f.write_text(f"__all__ = ['a']\n(__all__  {rule}\n  {rule}\n).append('b')\na = b = 1\n" + "# pad\n" * 300)
    assert modfacts.facts_of_file(str(f)).all_names is None
