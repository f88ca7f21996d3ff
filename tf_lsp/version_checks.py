"""Module-level code that checks another package's version and raises, read statically (nothing is imported).

Three shapes, each at the top level of a module (so it runs whenever the module is imported, and no ``try``
around it can catch what it raises):

- ``if <test reading X's version>: ... raise ...``
- ``assert <test reading X's version>``
- a call of a function defined in the same module that contains ``raise``, with an argument reading X's version
  (jax: ``check_jaxlib_version(jaxlib_version=jaxlib.version.__version__, ...)``)

"Reading X's version" is an attribute chain on a name bound to package X that ends in ``__version__``
(``jaxlib.version.__version__``, ``np.__version__``), or ``version("dist")`` /
``importlib.metadata.version("dist")``. The result names X by its top-level import name, or ``dist:<name>`` for a
distribution name. Facts are cached until the file changes.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, registered

_CACHE: dict = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")
_STRINGS: dict = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")
_LEADING = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_VERSION_TEXT = re.compile(rb"__version__|\bversion\(\s*['\"]")


@dataclass(frozen=True)
class VersionCheck:
    line: int                       # 1-based
    names: tuple[str, ...]          # import names (``jaxlib``) or ``dist:<distribution>`` whose version is read


def version_checks(path: str) -> tuple[VersionCheck, ...]:
    """The module-level version checks of a source file (empty when there are none or it cannot be read)."""
    try:
        return by_mtime(_CACHE, path, _read, missing=())
    except (OSError, ValueError):
        return ()


def _read(path: str) -> tuple[VersionCheck, ...]:
    data = safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT)
    if (b"raise" not in data and b"assert" not in data) or not _VERSION_TEXT.search(data):
        return ()                                   # the cheap test that spares parsing almost every file
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return ()
    aliases = _aliases(tree.body)
    raising = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _raises(n)}
    out: list[VersionCheck] = []
    for node in tree.body:
        names: set[str] = set()
        if isinstance(node, ast.If) and any(_raises(b) for b in node.body):
            names = _versions_read(node.test, aliases)
        elif isinstance(node, ast.Assert):
            names = _versions_read(node.test, aliases)
        elif isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            call = node.value
            if isinstance(call.func, ast.Name) and call.func.id in raising:
                for arg in (*call.args, *(k.value for k in call.keywords)):
                    names |= _versions_read(arg, aliases)
        if names:
            out.append(VersionCheck(node.lineno, tuple(sorted(names))))
    return tuple(out)


def _aliases(body: list[ast.stmt], out: dict[str, str] | None = None) -> dict[str, str]:
    """Module-level names bound to packages: ``import a.b`` binds a -> a; ``import a.b as c``: c -> a;
    ``from a import b as c``: c -> a. Imports inside module-level ``try`` / ``if`` / ``with`` blocks count
    (jax: ``try: import jaxlib.version``); function and class bodies do not."""
    out = {} if out is None else out
    for node in body:
        if isinstance(node, (ast.Try, ast.If, ast.With)):
            for block in ("body", "orelse", "finalbody"):
                _aliases(getattr(node, block, []) or [], out)
            for h in getattr(node, "handlers", []):
                _aliases(h.body, out)
        elif isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = node.module.split(".")[0]
    return out


def _raises(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Raise) for n in ast.walk(node))


def _versions_read(expr: ast.AST, aliases: dict[str, str]) -> set[str]:
    out: set[str] = set()
    for n in ast.walk(expr):
        if isinstance(n, ast.Attribute) and n.attr == "__version__":
            root = n.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in aliases:
                out.add(aliases[root.id])
        elif isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Constant) \
                and isinstance(n.args[0].value, str):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name == "version":
                out.add(f"dist:{n.args[0].value}")
    return out


def leading_numbers(version: str) -> tuple[int, ...] | None:
    """``0.10.2rc1`` -> (0, 10, 2), the comparison jax's own check makes; None when it does not start with a number."""
    m = _LEADING.match(version or "")
    return tuple(int(x) for x in m.group(0).split(".")) if m else None


def module_strings(path: str) -> dict[str, str]:
    """Top-level ``NAME = "string"`` assignments of a module, read statically (cached until the file changes)."""
    try:
        return by_mtime(_STRINGS, path, _string_assignments, missing={})
    except (SyntaxError, ValueError):
        return {}


def _string_assignments(path: str) -> dict[str, str]:
    tree = ast.parse(safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT))
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value.value
    return out


__all__ = ["VersionCheck", "version_checks", "leading_numbers", "module_strings"]
