"""What the raw text of a module says, beyond its syntax tree: ``global`` statements in function bodies, writes
through ``globals()``, ``sys.modules`` and ``__path__``, changes to ``sys.path``, an ``__all__`` edited by code.

The bodies of functions are not parsed (``fastparse``), so these are found in the text. Each pattern is a list of
alternatives that each start with a literal: Python's ``re`` finds a literal prefix quickly and tries every position
otherwise, which cost about a second over the ~42 MB that ``import tensorflow`` runs. A ``\\b`` or a line start
before a literal is checked on the bytes before the match instead of in the pattern, so every answer is the one the
single pattern would give.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _word_before(data: bytes, at: int) -> bool:
    return at > 0 and data[at - 1] in _WORD


def _line_indented_before(data: bytes, at: int) -> bool:
    """Only spaces and tabs, at least one, between the line's start and ``at`` (``^[ \\t]+`` in multiline mode)."""
    start = data.rfind(b"\n", 0, at) + 1
    return at > start and not data[start:at].strip(b" \t")


def _not_after_in(data: bytes, at: int) -> bool:
    """``(?<!\\bin )``: not right after the word ``in`` and a space (``for k in globals():`` reads)."""
    return not (data[at - 3:at] == b"in " and not _word_before(data, at - 3)) if at >= 3 else True


@dataclass(frozen=True)
class _Alt:
    pattern: re.Pattern
    boundary: bool = False            # a ``\b`` before the match
    line_start: bool = False          # ``^[ \t]+`` before the match
    after_in: bool = False            # ``(?<!\bin )`` before the match

    def accepts(self, data: bytes, at: int) -> bool:
        if self.boundary and _word_before(data, at):
            return False
        if self.line_start and not _line_indented_before(data, at):
            return False
        return not self.after_in or _not_after_in(data, at)

    def matches(self, data: bytes):
        """Every accepted match, left to right; a refused one is searched past by one byte only."""
        pos = 0
        while True:
            m = self.pattern.search(data, pos)
            if m is None:
                return
            if self.accepts(data, m.start()):
                yield m
                pos = m.end() if m.end() > m.start() else m.start() + 1
            else:
                pos = m.start() + 1


@dataclass(frozen=True)
class TextPattern:
    """Alternatives of one question, with literals that every match contains (a file without any of them cannot
    match, and ``bytes.find`` is cheaper than any pattern)."""
    literals: tuple[bytes, ...]
    alternatives: tuple[_Alt, ...]

    def found(self, data: bytes) -> bool:
        if not any(lit in data for lit in self.literals):
            return False
        return any(next(a.matches(data), None) is not None for a in self.alternatives)

    def found_all(self, data: bytes) -> list:
        """What ``findall`` returns (the first group when the pattern has one), alternative by alternative."""
        if not any(lit in data for lit in self.literals):
            return []
        out: list = []
        for a in self.alternatives:
            out.extend(m.group(1) if a.pattern.groups else m.group() for m in a.matches(data))
        return out


def _alt(pattern: bytes, **kw) -> _Alt:
    return _Alt(re.compile(pattern), **kw)


# ``global X`` in a function: X is bound at module level once that function runs
GLOBAL = TextPattern((b"global",), (_alt(rb"global[ \t]+([A-Za-z_][A-Za-z_0-9, \t]*)", line_start=True),))
# ``globals()`` written through; only read (``globals().keys()``, ``for k in globals()``) is harmless
GLOBALS_CALL = TextPattern((b"globals()",), (
    _alt(rb"globals\(\)(?!\s*\.\s*(?:keys|items|values|get|copy)\s*\()", boundary=True, after_in=True),))
# ``modules[key] = m`` with a key that is a variable (``__name__`` passed down, as TensorFlow's generated pywrap
# stubs do): the module may replace itself in sys.modules, so any name may be there
DYNAMIC = TextPattern((b"vars()", b"exec(", b"modules[", b"setattr(", b"global_enum", b"_convert_("), (
    _alt(rb"vars\(\)", boundary=True),
    _alt(rb"exec\(", boundary=True),
    _alt(rb"modules\[__name__\]"),
    _alt(rb"modules\[\s*[A-Za-z_][A-Za-z_0-9.]*\s*\]\s*=(?!=)", boundary=True),
    _alt(rb"setattr\(\s*_?sys\.modules", boundary=True),
    _alt(rb"global_enum"),
    _alt(rb"_convert_\(", boundary=True),
))
ALL_CHANGED = TextPattern((b"__all__",), (_alt(rb"__all__\s*(?:\.\s*[a-z_]+\s*\(|\+=|\[)"),))
# what may stand between a name and the ``(`` or ``.`` after it: spaces, line breaks, continuations, closing brackets,
# comments (a comment runs to its line's end, so there is one way to match: a comment that could end anywhere made a
# run of ``#`` cost minutes)
_BETWEEN = rb"(?:[\s)\\]|#[^\n]*\n)*"
# ``__all__`` read for an attribute (``__all__.extend``, ``(__all__).append``): the tree walk for it can find something
ALL_ATTRIBUTE = TextPattern((b"__all__",), (_alt(rb"__all__" + _BETWEEN + rb"\."),))
# a call of a name in ``modfacts._DYNAMIC_CALLS`` or of ``setattr``, or a walrus: the tree walk for them can find
# something (``executing_eagerly()`` is not a call of ``exec``)
CALL_OR_WALRUS = TextPattern((b"globals", b"vars", b"exec", b"locals", b"setattr", b":="), (
    *(_alt(name + _BETWEEN + rb"\(", boundary=True) for name in (b"globals", b"vars", b"exec", b"locals", b"setattr")),
    _alt(rb":="),
))
# ``sys.path`` changed (``from sys import path`` then ``path.append``: the name ``path`` is imported from sys); a
# local list named ``path`` (NumPy's einsumfunc) is not sys.path
SYS_PATH = TextPattern((b"sys.path", b"addsitedir", b"from"), (
    _alt(rb"sys\.path\.(?:insert|append|extend)\(", boundary=True),
    _alt(rb"sys\.path\s*(?:\[|\+=|=[^=])", boundary=True),
    _alt(rb"addsitedir"),
    _alt(rb"from\s+sys\s+import\s[^\n]*\bpath\b"),
))
# the same question as one pattern over text, for finding where in a file it happens
SYS_PATH_ONE = re.compile(r"\bsys\.path\.(?:insert|append|extend)\(|\bsys\.path\s*(?:\[|\+=|=[^=])|addsitedir|"
                          r"from\s+sys\s+import\s[^\n]*\bpath\b")
# ``__path__`` written (assigned, extended, edited in place); reading ``module.__path__`` makes no module
HOOKS = TextPattern((b"meta_path", b"path_hooks", b"modules[", b"__path__"), (
    _alt(rb"meta_path"),
    _alt(rb"path_hooks"),
    _alt(rb"modules\[[^\]\n]+\]\s*=(?!=)"),
    _alt(rb"__path__\s*(?:=(?!=)|\+=|\.\s*(?:append|insert|extend|remove|pop|clear)\s*\(|\[[^\]\n]*\]\s*=(?!=))"),
))


_MAIN_BLOCK = re.compile(r"^if\s+__name__\s*==\s*['\"]__main__['\"]\s*:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)\n?)*", re.M)
_DEF_LINE = re.compile(r"^([ \t]*)(?:async\s+)?def\s+([A-Za-z_][A-Za-z_0-9]*)")


def changes_sys_path(data: bytes) -> bool:
    """Does running the module change sys.path? A change in module-level code does; one inside a function only when
    module-level code calls that function by name (``pytz._test``'s ``sys.path.insert``, run only under
    ``if __name__ == "__main__"``, and a local list named ``path`` in NumPy's einsumfunc never do)."""
    if not SYS_PATH.found(data):
        return False
    from tf_lsp.fastparse import _drop_top_level_functions

    text = data.decode("utf-8", errors="replace")
    outside = _MAIN_BLOCK.sub("", _drop_top_level_functions(text))
    if SYS_PATH_ONE.search(outside):
        return True
    lines = text.splitlines()
    for m in SYS_PATH_ONE.finditer(text):
        name = _enclosing_def(lines, text.count("\n", 0, m.start()))
        if name is None or re.search(r"\b" + re.escape(name) + r"\s*\(", outside):
            return True
    return False


def _enclosing_def(lines: list[str], at: int) -> str | None:
    """The outermost ``def`` whose block holds line ``at`` (0-based); None when the line is at module level."""
    indent = len(lines[at]) - len(lines[at].lstrip()) if at < len(lines) else 0
    name = None
    for i in range(min(at, len(lines) - 1), -1, -1):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cur = len(line) - len(line.lstrip())
        if cur < indent:
            m = _DEF_LINE.match(line)
            if m is not None:
                name = m.group(2)
            indent = cur
            if cur == 0:
                break
    return name
