"""``sys.path`` edits a file makes, evaluated statically (nothing is run).

Understood: ``sys.path.append(X)``, ``sys.path.insert(N, X)``, ``sys.path.extend([X, ...])``,
``sys.path += [X, ...]`` and ``sys.path[0:0] = [X]`` at module level (also inside ``if`` / ``try`` blocks), where X is
built from ``__file__``, ``os.path.dirname/abspath/realpath/normpath/join/expanduser``, ``os.getcwd()`` (the folder the
program runs from), ``pathlib.Path(...)`` with ``.parent``, ``.parents[N]``, ``.resolve()``, ``.absolute()``, ``/``,
``str()``, string literals, ``+`` concatenation, f-strings of those, and module-level names assigned from such
expressions. Anything else is unknown and the edit is ignored (never guessed).
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, registered


@dataclass(frozen=True)
class PathEdit:
    path: str          # the folder added (absolute, normalised)
    line: int          # 0-based line of the edit: it affects imports on later lines
    front: bool        # insert(0, ...) / [0:0]: before the script's folder; else appended after the environment
    source: str        # the edit as written (for hover)


class _Unknown(Exception):
    pass


class _P(str):
    """A pathlib.Path value during evaluation (a str that remembers it was a Path)."""


_OS_FUNCS = {"dirname", "abspath", "realpath", "normpath", "join", "expanduser", "getcwd", "fspath"}


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


class _Eval:
    def __init__(self, file: str, run_dir: str, names: dict[str, str]):
        self.file = os.path.abspath(file)
        self.run_dir = run_dir
        self.names = names

    def __call__(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return self.file
            if node.id in self.names:
                return self.names[node.id]
            raise _Unknown
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.FormattedValue):
                    parts.append(self(v.value))
                elif isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                else:
                    raise _Unknown
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self(node.left), self(node.right)
            return left + right
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left = self(node.left)
            if not isinstance(left, _P):
                raise _Unknown
            return _P(os.path.join(left, self(node.right)))
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self(node.value)
            if not isinstance(base, _P):
                raise _Unknown
            return _P(os.path.dirname(base))
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
            base = self(node.value.value)
            index = node.slice
            if not isinstance(base, _P) or not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
                raise _Unknown
            out = base
            for _ in range(index.value + 1):
                out = os.path.dirname(out)
            return _P(out)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise _Unknown

    def _call(self, node: ast.Call) -> str:
        name = _call_name(node.func)
        args = node.args
        if node.keywords:
            raise _Unknown
        if isinstance(node.func, ast.Attribute) and name in ("resolve", "absolute") and not args:
            base = self(node.func.value)
            if not isinstance(base, _P):
                raise _Unknown
            return _P(os.path.realpath(base) if name == "resolve" else os.path.abspath(base))
        if name in ("Path", "PurePath") and args:
            return _P(os.path.join(*[self(a) for a in args]))
        if name == "str" and len(args) == 1:
            return str(self(args[0]))
        if name not in _OS_FUNCS:
            raise _Unknown
        if name == "getcwd":
            return self.run_dir
        values = [self(a) for a in args]
        if name == "join" and values:
            return os.path.join(*values)
        if len(values) != 1:
            raise _Unknown
        v = values[0]
        if name == "dirname":
            return os.path.dirname(v)
        if name == "abspath":
            return os.path.abspath(os.path.join(self.run_dir, v))
        if name == "realpath":
            return os.path.realpath(os.path.join(self.run_dir, v))
        if name == "normpath":
            return os.path.normpath(v)
        if name == "expanduser":
            return os.path.expanduser(v)
        return str(v)


def _is_sys_path(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name) \
        and node.value.id == "sys"


def _module_level(body: list[ast.stmt]):
    """Statements run at import time: the module body, and the bodies of its ``if`` / ``try`` / ``with`` blocks."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _module_level(stmt.body)
            yield from _module_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from _module_level(stmt.body)
            yield from _module_level(stmt.orelse)
            yield from _module_level(stmt.finalbody)
        elif isinstance(stmt, ast.With):
            yield from _module_level(stmt.body)


def _edits_of(stmt: ast.stmt, ev: _Eval) -> list[tuple[ast.expr, bool]]:
    """(expression of the folder, front?) for one statement that edits sys.path."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if isinstance(func, ast.Attribute) and _is_sys_path(func.value):
            if func.attr == "append" and len(call.args) == 1:
                return [(call.args[0], False)]
            if func.attr == "insert" and len(call.args) == 2:
                pos = call.args[0]
                front = isinstance(pos, ast.Constant) and pos.value == 0
                return [(call.args[1], front)]
            if func.attr == "extend" and len(call.args) == 1 and isinstance(call.args[0], (ast.List, ast.Tuple)):
                return [(e, False) for e in call.args[0].elts]
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add) and _is_sys_path(stmt.target) \
            and isinstance(stmt.value, (ast.List, ast.Tuple)):
        return [(e, False) for e in stmt.value.elts]
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript) \
            and _is_sys_path(stmt.targets[0].value) and isinstance(stmt.value, (ast.List, ast.Tuple)):
        return [(e, True) for e in stmt.value.elts]
    return []


def sys_path_edits(text: str, *, file: str, run_dir: str) -> tuple[PathEdit, ...]:
    """The folders ``file``'s module-level code adds to sys.path, when ``file`` runs from ``run_dir``."""
    if "sys.path" not in text:
        return ()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    names: dict[str, str] = {}
    ev = _Eval(file, run_dir, names)
    out: list[PathEdit] = []
    for stmt in _module_level(tree.body):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                names[stmt.targets[0].id] = ev(stmt.value)
            except (_Unknown, TypeError, ValueError):
                names.pop(stmt.targets[0].id, None)
            continue
        for expr, front in _edits_of(stmt, ev):
            try:
                value = ev(expr)
            except (_Unknown, TypeError, ValueError):
                continue
            folder = os.path.normpath(os.path.join(run_dir, str(value)))
            out.append(PathEdit(folder, stmt.lineno - 1, front, ast.get_source_segment(text, stmt) or "sys.path edit"))
    return tuple(out)


_FILE_EDITS: dict[str, tuple[int, dict]] = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


def file_sys_path_edits(file: str, *, run_dir: str) -> tuple[PathEdit, ...]:
    """``sys_path_edits`` of a file on disk, cached until it changes."""
    def compute(path: str) -> dict:
        return {"text": safeio.read_source(path), "by_dir": {}}
    entry = by_mtime(_FILE_EDITS, file, compute)
    if entry is None:
        return ()
    if run_dir not in entry["by_dir"]:
        entry["by_dir"][run_dir] = sys_path_edits(entry["text"], file=file, run_dir=run_dir)
    return entry["by_dir"][run_dir]


@dataclass(frozen=True)
class HelperEdit:
    """A sys.path edit made by a module the file imports at module level (``import _init_paths``, ``import
    testenv``): it takes effect on the import's line."""

    edit: PathEdit     # the helper's own edit (its line is in the helper)
    helper: str        # the helper's file
    line: int          # 0-based line of the file's import that runs the helper
    name: str          # the imported name


_MAX_HELPERS = 20      # module-level imports looked at per file


def _module_level_imports(text: str) -> list[tuple[str, int]]:
    """(top-level name, 0-based line) of the plain absolute imports the module body surely reaches."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out: list[tuple[str, int]] = []
    for stmt in _module_level(tree.body):
        if isinstance(stmt, ast.Import):
            out += [(a.name.split(".")[0], stmt.lineno - 1) for a in stmt.names]
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
            out.append((stmt.module.split(".")[0], stmt.lineno - 1))
    return out[:_MAX_HELPERS * 4]


def helper_sys_path_edits(text: str, *, folder: str, run_dir: str) -> tuple[HelperEdit, ...]:
    """The sys.path edits of the modules next to the file (in ``folder``, its sys.path[0]) that it imports at
    module level, each effective from the importing line on. Only a helper whose text edits sys.path counts."""
    if not folder:
        return ()
    out: list[HelperEdit] = []
    seen: set[str] = set()
    for name, line in _module_level_imports(text):
        if name in seen or len(seen) >= _MAX_HELPERS:
            continue
        seen.add(name)
        helper = os.path.join(folder, name + ".py")
        if not os.path.isfile(helper):
            continue
        out += [HelperEdit(e, helper, line, name) for e in file_sys_path_edits(helper, run_dir=run_dir)]
    return tuple(out)
