"""Every import statement of a file, with exact ranges, from parso's error-tolerant tree.

Works while the file has syntax errors elsewhere. Imports inside functions and classes are included; each one
says whether it is guarded by ``try: ... except ImportError`` and whether it sits under ``if TYPE_CHECKING:``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import parso
from parso.python import tree as ptree

from tf_lsp.model import Range

_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException", "OSError"}


@dataclass(frozen=True)
class ImportedName:
    name: str
    range: Range
    alias: str | None = None


@dataclass(frozen=True)
class ImportStmt:
    module: str               # dotted module name as written ("" for ``from . import x``)
    level: int                # 0 for absolute imports, N for N leading dots
    range: Range              # the dotted module name (or the dots of ``from . import``)
    names: tuple[ImportedName, ...] = ()   # ``from m import a, b``: a and b
    star: bool = False
    is_from: bool = False
    guarded: bool = False     # inside ``try`` whose handler catches ImportError (or broader)
    type_checking: bool = False
    in_function: bool = False
    statement_range: Range | None = None

    @property
    def line(self) -> int:
        return self.range.start.line

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


def _rng(start: tuple[int, int], end: tuple[int, int]) -> Range:
    return Range.of(start[0] - 1, start[1], end[0] - 1, end[1])


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        t = n.type
        if t in ("import_name", "import_from"):
            yield n
            continue
        children = getattr(n, "children", None)
        if children:
            stack.extend(reversed(children))


def _is_guard_handler(except_clause) -> bool:
    if except_clause == "except" or getattr(except_clause, "value", None) == "except":
        return True  # bare except
    text = except_clause.get_code()
    return any(e in text for e in _GUARD_EXCEPTIONS)


def _context(node) -> tuple[bool, bool, bool]:
    guarded = type_checking = in_function = False
    child, parent = node, node.parent
    while parent is not None:
        t = parent.type
        if t in ("funcdef", "lambdef"):
            in_function = True
        elif t == "try_stmt" and not guarded:
            kids = parent.children
            # children: 'try' ':' suite (except_clause ':' suite)* ['else' ':' suite] ['finally' ':' suite]
            if len(kids) > 2 and kids[2] is child:
                guarded = any(
                    (k.type == "except_clause" or getattr(k, "value", None) == "except") and _is_guard_handler(k)
                    for k in kids[3:]
                )
        elif t == "if_stmt" and not type_checking:
            kids = parent.children
            # children: 'if' test ':' suite ('elif' test ':' suite)* ['else' ':' suite]
            for i, k in enumerate(kids):
                if k is child and i >= 3 and kids[i - 1] == ":" and kids[i - 3] in ("if", "elif"):
                    if kids[i - 2].get_code().strip().endswith("TYPE_CHECKING"):
                        type_checking = True
        child, parent = parent, parent.parent
    return guarded, type_checking, in_function


def _dotted(names: list) -> tuple[str, Range]:
    return ".".join(n.value for n in names), _rng(names[0].start_pos, names[-1].end_pos)


def extract_imports(source: str, *, version: str = "3.11") -> list[ImportStmt]:
    return list(_extract(source, version))


@lru_cache(maxsize=64)
def _extract(source: str, version: str) -> tuple[ImportStmt, ...]:
    try:
        module = parso.parse(source, version=version, error_recovery=True)
    except Exception:  # parso refuses unknown grammar versions; fall back to its newest
        module = parso.parse(source, error_recovery=True)
    out: list[ImportStmt] = []
    for node in _walk(module):
        guarded, type_checking, in_function = _context(node)
        stmt_range = _rng(node.start_pos, node.end_pos)
        common = dict(guarded=guarded, type_checking=type_checking, in_function=in_function, statement_range=stmt_range)
        try:
            if isinstance(node, ptree.ImportName):
                for path in node.get_paths():
                    if not path or any(getattr(p, "type", "") != "name" for p in path):
                        continue
                    dotted, rng = _dotted(path)
                    out.append(ImportStmt(dotted, 0, rng, **common))
            elif isinstance(node, ptree.ImportFrom):
                from_names = node.get_from_names()
                level = node.level
                if from_names:
                    if any(getattr(p, "type", "") != "name" for p in from_names):
                        continue
                    dotted, rng = _dotted(from_names)
                elif level:
                    dots = [c for c in node.children[1:] if getattr(c, "value", None) in (".", "...")]
                    dotted, rng = "", (_rng(dots[0].start_pos, dots[-1].end_pos) if dots else stmt_range)
                else:
                    continue
                star = node.is_star_import()
                names: list[ImportedName] = []
                if not star:
                    for name, alias in node._as_name_tuples():
                        if getattr(name, "type", "") != "name":
                            continue
                        names.append(ImportedName(name.value, _rng(name.start_pos, name.end_pos),
                                                  alias.value if alias is not None else None))
                out.append(ImportStmt(dotted, level, rng, tuple(names), star=star, is_from=True, **common))
        except (AttributeError, IndexError, ValueError):
            continue  # a half-typed statement parso could not make sense of
    out.sort(key=lambda s: (s.range.start.line, s.range.start.character))
    return tuple(out)
