"""Every import statement of a file, with exact ranges, from parso's error-tolerant tree.

Works while the file has syntax errors elsewhere. Imports inside functions and classes are included; each one
says whether it is guarded by ``try: ... except ImportError`` and whether it sits under ``if TYPE_CHECKING:``.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator, TypedDict

from tf_lsp.filecache import lru
from tf_lsp.model import Range

_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException", "OSError"}


class _Where(TypedDict):
    """Where a statement sits: the keyword arguments every ``ImportStmt`` of one statement shares."""

    guarded: bool
    type_checking: bool
    in_function: bool
    statement_range: Range | None


@dataclass(frozen=True, slots=True)
class ImportedName:
    name: str
    range: Range
    alias: str | None = None


@dataclass(frozen=True, slots=True)
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


@lru(maxsize=8, stamp="none needed: parso's grammar of a Python version")
def _grammar(version: str):
    import parso  # imported on first use: only files with syntax errors need it (saves ~40 ms at start)
    return parso.load_grammar(version=version)  # pyright: ignore[reportPrivateImportUsage] - parso's documented API, not in its __all__


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


def extract_imports(source: str, *, version: str = "3.11", path: str | None = None) -> list[ImportStmt]:
    """Imports of ``source``. Files that parse go through CPython's ``ast`` (fast); files with syntax errors go
    through parso's error-recovering parser, incrementally when ``path`` names the document being edited."""
    return list(_extract(source, version, path))


@lru(maxsize=64, stamp="none needed: the key is the text itself")
def _extract(source: str, version: str, path: str | None) -> tuple[ImportStmt, ...]:
    fast = extract_with_ast(source)
    if fast is not None:
        return fast
    return _extract_parso(source, version, path)


def _extract_parso(source: str, version: str, path: str | None) -> tuple[ImportStmt, ...]:
    import parso
    from parso.python import tree as ptree

    try:
        grammar = _grammar(version)
    except Exception:  # parso refuses unknown grammar versions; fall back to its newest
        grammar = parso.load_grammar()  # pyright: ignore[reportPrivateImportUsage] - as in _grammar
    try:
        if path is not None:
            module = grammar.parse(source, error_recovery=True, path=path, diff_cache=True, cache=False)
        else:
            module = grammar.parse(source, error_recovery=True, cache=False)
    except Exception:
        module = grammar.parse(source, error_recovery=True)
    out: list[ImportStmt] = []
    for node in _walk(module):
        guarded, type_checking, in_function = _context(node)
        stmt_range = _rng(node.start_pos, node.end_pos)
        common = _Where(guarded=guarded, type_checking=type_checking, in_function=in_function,
                        statement_range=stmt_range)
        try:
            if isinstance(node, ptree.ImportName):
                for dotted_names in node.get_paths():
                    if not dotted_names or any(getattr(p, "type", "") != "name" for p in dotted_names):
                        continue
                    dotted, rng = _dotted(dotted_names)
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


# --- fast path: CPython's own parser ------------------------------------------------------------------------------

_FROM_RE = re.compile(r"from\s*(\.*)\s*([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)?")


CHUNK_LINES = 5_000     # a longer file is parsed in pieces of about this many lines (see _pieces)
_NOT_A_START = re.compile(r"(?:else|elif|except|finally)\b|[\s#)\]}]")


def _pieces(source: str, lines: list[str]) -> list[tuple[int, int]] | None:
    """Where a long file can be cut into pieces that parse one by one to the same statements: before lines that
    start at column 0 a new statement (not ``else``/``except``/...). A cut inside a string, a bracket, a
    continuation or a block makes a piece fail to parse, and then the whole file is parsed (``extract_with_ast``):
    pieces that all parse hold exactly the file's statements. The syntax tree of a file of 100,000 imports takes
    ~200 MB at once; pieces keep it to a few. None: parse the file whole (short, or line breaks other than \\n)."""
    if len(lines) <= CHUNK_LINES or "\r" in source or len(lines) != source.count("\n") + (not source.endswith("\n")):
        return None
    out, start = [], 0
    cut = CHUNK_LINES
    while cut < len(lines):
        while cut < len(lines) and (not lines[cut] or _NOT_A_START.match(lines[cut])):
            cut += 1
        if cut >= len(lines):
            break
        out.append((start, cut))
        start, cut = cut, cut + CHUNK_LINES
    out.append((start, len(lines)))
    return out


def _trees(source: str, lines: list[str], pieces: list[tuple[int, int]] | None) -> Iterator[ast.Module]:
    """The module's syntax tree; for a long file, one tree per piece (``_pieces``), line numbers of the file."""
    if pieces is None:
        yield ast.parse(source)
        return
    for a, b in pieces:
        yield ast.increment_lineno(ast.parse("\n".join(lines[a:b]) + "\n"), a)


def extract_with_ast(source: str) -> tuple[ImportStmt, ...] | None:
    """The same records as the parso path, from ``ast`` (None when the source does not parse)."""
    lines = source.splitlines()
    out: list[ImportStmt] = []

    def col(line_no: int, byte_col: int) -> int:
        text = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def name_range(node, name: str) -> Range | None:
        start = col(node.lineno, node.col_offset)
        text = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
        if text[start:start + len(name)] != name:
            return None
        return Range.of(node.lineno - 1, start, node.lineno - 1, start + len(name))

    def visit(body, guarded: bool, type_checking: bool, in_function: bool) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                end_line = node.end_lineno if node.end_lineno is not None else node.lineno
                end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
                stmt_range = Range.of(node.lineno - 1, col(node.lineno, node.col_offset), end_line - 1,
                                      col(end_line, end_col))
                common = _Where(guarded=guarded, type_checking=type_checking, in_function=in_function,
                                statement_range=stmt_range)
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        rng = name_range(alias, alias.name)
                        if rng is None:
                            raise _Fallback
                        out.append(ImportStmt(alias.name, 0, rng, **common))
                else:
                    out.append(_from_stmt(node, lines, col, name_range, common))
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(node.body, guarded, type_checking, True)
                continue
            if isinstance(node, ast.ClassDef):
                visit(node.body, guarded, type_checking, in_function)
                continue
            if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                catches = any(_catches_import_error(h) for h in node.handlers)
                visit(node.body, guarded or catches, type_checking, in_function)
                for h in node.handlers:
                    visit(h.body, guarded, type_checking, in_function)
                visit(node.orelse, guarded, type_checking, in_function)
                visit(node.finalbody, guarded, type_checking, in_function)
                continue
            if isinstance(node, ast.If):
                is_tc = _is_type_checking(node.test)
                visit(node.body, guarded, type_checking or is_tc, in_function)
                visit(node.orelse, guarded, type_checking, in_function)
                continue
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                sub = getattr(node, field, None)
                if isinstance(sub, list):
                    visit(sub, guarded, type_checking, in_function)

    pieces = _pieces(source, lines)
    try:
        for tree in _trees(source, lines, pieces):
            visit(tree.body, False, False, False)
    except _Fallback:
        return None
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        if pieces is None:
            return None
        out.clear()
        try:                                # a piece did not parse: the whole file (which may not either)
            visit(ast.parse(source).body, False, False, False)
        except (SyntaxError, ValueError, MemoryError, RecursionError, _Fallback):
            return None
    finally:
        lines.clear()   # the recursive ``visit`` is a reference cycle that would hold every line until a gc run
    out.sort(key=lambda s: (s.range.start.line, s.range.start.character))
    return tuple(out)


class _Fallback(Exception):
    """The fast path met a layout it does not map exactly (e.g. ``import a . b``): use parso."""


def _catches_import_error(handler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, (ast.Name, ast.Attribute)) and (getattr(n, "id", None) or getattr(n, "attr", None)) in _GUARD_EXCEPTIONS
               for n in names)


def _is_type_checking(test) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
           (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _from_stmt(node, lines, col, name_range, common: _Where) -> ImportStmt:
    first = node.lineno - 1
    start = col(node.lineno, node.col_offset)
    text = lines[first] if first < len(lines) else ""
    m = _FROM_RE.match(text, start)
    module = node.module or ""
    if m is None:
        raise _Fallback
    if module:
        if m.group(2) is None or m.group(2).replace(" ", "") != module or " " in m.group(2):
            raise _Fallback
        rng = Range.of(first, m.start(2), first, m.end(2))
    else:
        dots = m.group(1)
        if not dots:
            raise _Fallback
        rng = Range.of(first, m.start(1), first, m.end(1))
    star = any(a.name == "*" for a in node.names)
    names = []
    if not star:
        for alias in node.names:
            r = name_range(alias, alias.name)
            if r is None:
                raise _Fallback
            names.append(ImportedName(alias.name, r, alias.asname))
    return ImportStmt(module, node.level or 0, rng, tuple(names), star=star, is_from=True, **common)
