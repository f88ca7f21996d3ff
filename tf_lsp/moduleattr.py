"""What a module's ``__getattr__`` (PEP 562) does with a name it is asked for, read from its source (nothing runs).

A module ``__getattr__`` makes every name of the module unknowable in general. Most are written as a chain of
tests on the name that each return or raise, ending in ``raise AttributeError(...)`` (NumPy's: ``if attr ==
"linalg": import numpy.linalg as linalg; return linalg`` ... ``if attr in __expired_attributes__: raise
AttributeError(...)`` ... ``raise AttributeError("module 'numpy' has no attribute ...")``). Such a function is
summarised into steps, and a name that reaches the final ``raise`` on every path is one the module certainly lacks.

The summary is plain data (cached with the file's other facts): a tuple of steps ``(names, outcome)``, where
``names`` is the tuple of literal names the test compares with (``None`` for a test we cannot evaluate, which may
match any name) and ``outcome`` is what the branch does: ``"raise"``, ``"return"`` (the name is answered, or at least
not refused), ``"next"`` (falls through) or ``"unknown"``. The last step has ``names == ()`` and stands for the code
after the tests (always reached).
"""
from __future__ import annotations

import ast
import re
import textwrap

Steps = tuple[tuple[tuple[str, ...] | None, str], ...]

_DEF = re.compile(r"^([ \t]*)def[ \t]+__getattr__[ \t]*\(", re.M)
_REBOUND = re.compile(r"\b__getattr__\s*(?:=(?!=)|:)|import\s[^\n]*\b__getattr__\b")


def getattr_steps(text: str) -> Steps | None:
    """The summary of the module-level ``def __getattr__(name)`` in ``text``; None when there is none, more than one
    definition, another binding of ``__getattr__``, or a body we do not model."""
    defs = list(_DEF.finditer(text))
    if len(defs) != 1 or _REBOUND.search(text):
        return None
    m = defs[0]
    indent = len(m.group(1).expandtabs())
    lines = text[m.start():].splitlines()
    block = [lines[0]]
    for line in lines[1:]:
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    try:
        tree = ast.parse(textwrap.dedent("\n".join(block)))
    except (SyntaxError, ValueError):
        return None
    fn = tree.body[0] if tree.body else None
    if not isinstance(fn, ast.FunctionDef) or fn.decorator_list:
        return None
    a = fn.args
    if len(a.args) != 1 or a.posonlyargs or a.vararg or a.kwonlyargs or a.kwarg:
        return None                     # ``def __getattr__(self, name)``: a method, not PEP 562's function
    steps: list[tuple[tuple[str, ...] | None, str]] = []
    if not _steps(fn.body, a.args[0].arg, steps):
        steps.append(((), "unknown"))
    return tuple(steps)


def lacks(steps: Steps, name: str) -> bool:
    """Does ``__getattr__`` certainly raise for ``name``? (False: it may answer it, or we cannot tell.)"""
    for names, outcome in steps:
        if names is None:               # a test that may or may not match this name
            if outcome in ("raise", "next"):
                continue                # both ways it raises or goes on
            return False
        if names and name not in names:
            continue
        if outcome == "next":
            continue
        return outcome == "raise"
    return False                        # fell off the end: returns None


def _steps(body: list[ast.stmt], param: str, out: list) -> bool:
    """Append the steps of ``body``; True when its end is reached only through a final step appended here."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            names = _test(stmt.test, param)
            then = _outcome(stmt.body)
            if stmt.orelse and then == "next":
                out.append(((), "unknown"))         # the else branch is skipped for some names only
                return True
            out.append((names, then))
            if stmt.orelse and _steps(stmt.orelse, param, out):
                return True
            continue
        if isinstance(stmt, ast.Raise):
            out.append(((), "raise"))
            return True
        if isinstance(stmt, ast.Return):
            out.append(((), "return"))
            return True
        if _exits(stmt):
            out.append(((), "unknown"))             # a try / loop / with that may return or raise
            return True
    return False


def _outcome(body: list[ast.stmt]) -> str:
    for stmt in body:
        if isinstance(stmt, ast.Raise):
            return "raise"
        if isinstance(stmt, ast.Return):
            return "return"
        if isinstance(stmt, ast.If):
            a, b = _outcome(stmt.body), _outcome(stmt.orelse)
            if a == b == "next":
                continue
            return a if a == b else "unknown"
        if _exits(stmt):
            return "unknown"
    return "next"


def _exits(stmt: ast.stmt) -> bool:
    """Could this statement return or raise (other than by an expression failing)?"""
    return any(isinstance(n, (ast.Return, ast.Raise)) for n in ast.walk(stmt))


def _test(test: ast.expr, param: str) -> tuple[str, ...] | None:
    """The names a test on ``param`` matches exactly (``attr == "x"``, ``attr in ("x", "y")``, or of these);
    None when it cannot be evaluated statically."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        parts = [_test(v, param) for v in test.values]
        return None if any(p is None for p in parts) else tuple(n for p in parts if p is not None for n in p)
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq):
        if isinstance(right, ast.Name) and right.id == param:
            left, right = right, left
        if isinstance(left, ast.Name) and left.id == param and isinstance(right, ast.Constant) \
                and isinstance(right.value, str):
            return (right.value,)
        return None
    if isinstance(op, ast.In) and isinstance(left, ast.Name) and left.id == param \
            and isinstance(right, (ast.Tuple, ast.List, ast.Set)) \
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts):
        return tuple(e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return None


__all__ = ["Steps", "getattr_steps", "lacks"]
