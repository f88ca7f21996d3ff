"""What one Python source file does when it runs as a module, read with ``ast`` (nothing is imported): the imports
its module-level code runs, the names it binds, the star imports it does, whether it answers attributes dynamically
(a module ``__getattr__``, writes through ``globals()``, a replaced ``sys.modules`` entry), and which attributes of
the modules it imported its module-level code reads (``np.exceptions.AxisError``).

Only module-level code counts (class bodies too, since they run at import); function bodies do not. Imports in a
``try`` whose handler catches ImportError (or broader) and does not re-raise are skipped, as are ``if TYPE_CHECKING:``
blocks. Imports under an ``if`` that tests the platform or the Python version are kept but marked *conditional*.
Literal ``importlib.import_module("x")`` / ``__import__("x")`` calls at module level count as imports.

Files are parsed by ``fastparse``; facts are computed once per file content: cached in memory and on disk
(``filecache.cached_by_stamp``), keyed by the file's path, size and mtime, so a changed file is read again and the
answer never depends on what was cached.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, replace

from tf_lsp import safeio, sourcetext
from tf_lsp.fastparse import parse_with_text
from tf_lsp.filecache import cached_by_stamp, stamped_known
from tf_lsp.moduleattr import getattr_steps
from tf_lsp.sourcetext import changes_sys_path

FACTS_VERSION = 12
_GUARDS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
_COND_NAMES = {"sys", "platform", "os", "version_info", "TYPE_CHECKING"}
_DYNAMIC_CALLS = {"globals", "vars", "exec", "locals"}
if sys.version_info >= (3, 11):
    _TRY_NODES = (ast.Try, ast.TryStar)     # ``try: ... except* E:`` (3.11+) runs its body like a ``try``
else:
    _TRY_NODES = (ast.Try,)


@dataclass(frozen=True)
class ImportEdge:
    module: str                  # as written (relative part without dots)
    level: int                   # leading dots
    names: tuple[str, ...]       # ``from module import names``; () for ``import module``
    conditional: bool            # under an if on platform / Python version
    line: int                    # 1-based
    branch: bool = False         # under any if / loop: may not run


@dataclass(frozen=True)
class AttrUse:
    module: str                  # the module the alias is bound to (``numpy`` for ``import numpy as np``; with
                                 # leading dots when relative; for ``from p import m``, ``p.m``, used only if a module)
    chain: tuple[str, ...]       # attributes read in order (``("exceptions", "AxisError")``)
    line: int


@dataclass(frozen=True)
class ModuleFacts:
    parsed: bool                             # False: the file does not parse (SyntaxError at import)
    imports: tuple[ImportEdge, ...]
    defines: frozenset[str]                  # names bound at module level (any branch)
    all_names: tuple[str, ...] | None        # a literal ``__all__``
    stars: tuple[tuple[str, int], ...]       # ``from module import *`` as (module, level)
    dynamic: bool                            # names may come from code we cannot read statically
    uses: tuple[AttrUse, ...]                # unconditional module-level attribute reads of imported modules
    hooks: bool = False                      # touches sys.meta_path / sys.modules[...] = / writes __path__: may
                                             # make modules that are not files
    syspath: bool = False                    # changes sys.path: modules may come from folders we do not search
    getattr_steps: tuple | None = None       # the module __getattr__, summarised (``moduleattr``), when it is the
                                             # only thing that makes ``dynamic`` true

    def to_json(self) -> dict:
        return {"parsed": self.parsed, "imports": [[e.module, e.level, list(e.names), e.conditional, e.line,
                                                    e.branch] for e in self.imports],
                "defines": sorted(self.defines), "all": None if self.all_names is None else list(self.all_names),
                "stars": [list(s) for s in self.stars], "dynamic": self.dynamic,
                "uses": [[u.module, list(u.chain), u.line] for u in self.uses], "hooks": self.hooks, "syspath": self.syspath,
                "getattr": None if self.getattr_steps is None else [[None if n is None else list(n), o]
                                                                    for n, o in self.getattr_steps]}

    @staticmethod
    def from_json(d: dict) -> "ModuleFacts":
        return ModuleFacts(d["parsed"], tuple(ImportEdge(m, lv, tuple(n), c, ln, b) for m, lv, n, c, ln, b in d["imports"]),
                           frozenset(d["defines"]), None if d["all"] is None else tuple(d["all"]),
                           tuple((m, lv) for m, lv in d["stars"]), d["dynamic"],
                           tuple(AttrUse(m, tuple(c), ln) for m, c, ln in d["uses"]), d["hooks"], d["syspath"],
                           None if d.get("getattr") is None else tuple((None if n is None else tuple(n), o)
                                                                         for n, o in d["getattr"]))


UNPARSED = ModuleFacts(False, (), frozenset(), None, (), True, (), True, True)


def module_facts(path: str) -> ModuleFacts | None:
    """The facts of one source file; None when it cannot be read."""
    return cached_by_stamp("facts", path, _compute, version=FACTS_VERSION,
                           encode=ModuleFacts.to_json, decode=ModuleFacts.from_json)


def facts_known(path: str) -> bool:
    """Are the facts of ``path`` at its current stamp cached (``prefetch`` leaves those out)?"""
    return stamped_known("facts", path, version=FACTS_VERSION)


def _compute(path: str) -> ModuleFacts:
    return facts_of_file(path)


def facts_of_file(path: str, *, reduce: bool = True) -> ModuleFacts:
    """The facts of ``path`` read now (no cache); ``reduce=False`` parses function bodies too (for tests)."""
    try:
        data = safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT)
    except OSError:
        return UNPARSED
    tree, text = parse_with_text(data, path, reduce=reduce)     # the same bytes as the text patterns below read
    if tree is None:
        return UNPARSED
    # ``global X`` in a function: X is bound at module level once that function runs
    extra = {n.strip().decode() for m in sourcetext.GLOBAL.found_all(data) for n in m.split(b",") if n.strip()}
    facts, state = _facts_of_tree(tree, extra_defines=extra, source=data, text=text)
    # anywhere in the file, function bodies included (they are not parsed)
    if facts.all_names is not None and sourcetext.ALL_CHANGED.found(data):
        facts = replace(facts, all_names=None)      # __all__ extended by code (a function body included)
    # ``globals()`` only read (``globals().keys()``) is harmless; each write the tree accounted for (a loop over
    # literal names writing ``globals()[name]``) is not a dynamic one
    other = state["dynamic"] or sourcetext.DYNAMIC.found(data) \
        or len(sourcetext.GLOBALS_CALL.found_all(data)) > state["globals_ok"]
    steps = None
    if not other and "__getattr__" in facts.defines:
        steps = getattr_steps(data.decode("utf-8", errors="replace"))
    return replace(facts, dynamic=facts.dynamic or other, hooks=sourcetext.HOOKS.found(data),
                   syspath=changes_sys_path(data), getattr_steps=steps)


def facts_of_tree(tree: ast.Module, *, extra_defines: set[str] | frozenset[str] = frozenset()) -> ModuleFacts:
    return _facts_of_tree(tree, extra_defines=extra_defines)[0]


def _facts_of_tree(tree: ast.Module, *, extra_defines: set[str] | frozenset[str] = frozenset(),
                   source: bytes | None = None, text: str | None = None) -> tuple[ModuleFacts, dict]:
    """``source``: the file's bytes, when known; walks that cannot find anything in a text without certain words are
    skipped (each word is in the text of every node the walk looks for). ``text``: the text ``tree`` was parsed
    from, when known; its lines say which statements may hide a store in an expression."""
    imports = tuple(ImportEdge(m, lv, names, cond, line, branch)
                    for m, lv, names, cond, line, branch in _imports(tree.body, False))
    defines: set[str] = set(extra_defines)
    stars: list[tuple[str, int]] = []
    state = {"dynamic": False, "all": None, "globals_ok": 0, "ok_calls": set(),
             "scan": source is None or sourcetext.CALL_OR_WALRUS.found(source)}
    _bindings(tree.body, defines, stars, state)
    if state["all"] is not None and (source is None or sourcetext.ALL_ATTRIBUTE.found(source)) and any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                                        and n.value.id == "__all__" for n in ast.walk(tree)):
        state["all"] = None          # __all__.extend(...): not a literal any more
    lines = text.split("\n") if text is not None and "\r" not in text and (
        source is not None and b":=" not in source) else None
    aliases = _aliases(tree.body, lines)
    uses: list[AttrUse] = []
    for node in tree.body if aliases else ():
        if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.ClassDef)) and not _plain(node):
            _attr_uses(node, aliases, uses)
    return ModuleFacts(True, imports, frozenset(defines), state["all"], tuple(stars),
                       state["dynamic"] or "__getattr__" in defines, tuple(uses)), state


# --- imports ---------------------------------------------------------------------------------------------------

def _guarding(handlers: list[ast.ExceptHandler]) -> bool:
    """Does a handler swallow a failed import? One whose body ends in ``raise`` re-raises, so the imports it
    covers still count."""
    for h in handlers:
        if h.body and isinstance(h.body[-1], ast.Raise):
            continue
        if h.type is None:
            return True
        types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        for t in types:
            name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
            if name in _GUARDS:
                return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
           (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _is_env_test(test: ast.expr) -> bool:
    for n in ast.walk(test):
        if isinstance(n, ast.Name) and n.id in _COND_NAMES:
            return True
        if isinstance(n, ast.Attribute) and n.attr in ("platform", "version_info", "name", "machine", "system"):
            return True
    return False


def module_level_imports(body: list[ast.stmt], cond: bool):
    """(module, level, imported names, conditional) for imports that run when the module body runs."""
    for name, level, names, c, _line, _branch in _imports(body, cond):
        yield name, level, names, c


def _imports(body: list[ast.stmt], cond: bool, branch: bool = False):
    for node in body:
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, 0, (), cond, node.lineno, branch
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level or 0, tuple(a.name for a in node.names), cond, node.lineno, branch
        elif isinstance(node, _TRY_NODES):
            if not _guarding(node.handlers):
                yield from _imports(node.body, cond, branch)
            yield from _imports(node.orelse, cond, branch)
            yield from _imports(node.finalbody, cond, branch)
        elif isinstance(node, ast.If):
            if _is_type_checking(node.test):
                yield from _imports(node.orelse, cond, True)
                continue
            c = cond or _is_env_test(node.test)
            yield from _imports(node.body, c, True)
            yield from _imports(node.orelse, c, True)
        elif isinstance(node, ast.With):
            yield from _imports(node.body, cond, branch)
        elif isinstance(node, ast.ClassDef):
            yield from _imports(node.body, cond, branch)
        elif isinstance(node, (ast.Expr, ast.Assign)) and isinstance(node.value, ast.Call):
            call = node.value
            fn = call.func
            fname = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if fname in ("import_module", "__import__") and call.args and isinstance(call.args[0], ast.Constant) \
                    and isinstance(call.args[0].value, str) and not call.args[0].value.startswith("."):
                yield call.args[0].value, 0, (), cond, node.lineno, branch


# --- bindings --------------------------------------------------------------------------------------------------

def _targets(t: ast.expr, out: set[str]) -> None:
    """The names an assignment target stores (``a``, ``a, (b, *c)``); ``x.a`` and ``x[i]`` store none."""
    if isinstance(t, ast.Name):
        out.add(t.id)
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            _targets(e, out)
    elif isinstance(t, ast.Starred):
        _targets(t.value, out)


def _bindings(body: list[ast.stmt], out: set[str], stars: list, state: dict) -> None:
    """Every name module-level code may bind, in any branch (a superset: a name is "not defined" only when no
    statement could bind it)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                out.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.name == "*":
                    stars.append((node.module or "", node.level or 0))
                else:
                    out.add(a.asname or a.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                _targets(t, out)
                if isinstance(t, ast.Name) and t.id == "__all__":
                    state["all"] = _literal_names(node.value)
                if isinstance(t, ast.Subscript) and _is_sys_modules(t.value):
                    state["dynamic"] = True
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            _targets(node.target, out)
            if isinstance(node.target, ast.Name) and node.target.id == "__all__":
                state["all"] = None          # extended at run time: not a literal any more
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            _targets(node.target, out)
            _literal_globals_loop(node, out, state)
            _bindings(node.body, out, stars, state)
            _bindings(node.orelse, out, stars, state)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    _targets(item.optional_vars, out)
            _bindings(node.body, out, stars, state)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                _bindings(node.body, out, stars, state)
            _bindings(node.orelse, out, stars, state)
        elif isinstance(node, ast.While):
            _bindings(node.body, out, stars, state)
            _bindings(node.orelse, out, stars, state)
        elif isinstance(node, _TRY_NODES):
            _bindings(node.body, out, stars, state)
            for h in node.handlers:
                if h.name:
                    out.add(h.name)
                _bindings(h.body, out, stars, state)
            _bindings(node.orelse, out, stars, state)
            _bindings(node.finalbody, out, stars, state)
        elif type(node).__name__ == "Match":
            state["dynamic"] = True          # capture patterns bind names: rare at module level, not modelled
        if state["scan"] and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and not _plain(node):
            for sub in _walk_running(node, skip_plain=True):
                if isinstance(sub, ast.Call) and id(sub) in state.get("ok_calls", ()):
                    continue
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and (
                        sub.func.id in _DYNAMIC_CALLS or (sub.func.id == "setattr" and sub.args and isinstance(
                            sub.args[0], ast.Subscript) and _is_sys_modules(sub.args[0].value))):
                    state["dynamic"] = True
                elif isinstance(sub, ast.NamedExpr):
                    _targets(sub.target, out)



def _literal_globals_loop(node: ast.For | ast.AsyncFor, out: set[str], state: dict) -> None:
    """``for ta in ["float96", "float128"]: globals()[ta] = ...`` (NumPy's ``__init__``): binds those literal names,
    nothing else; such ``globals()`` calls are not dynamic writes."""
    if "ok_calls" not in state or not isinstance(node.target, ast.Name):
        return
    names = _literal_names(node.iter)
    if names is None:
        return
    for sub in _walk_running(node):
        if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Subscript):
            t = sub.targets[0]
            if isinstance(t.value, ast.Call) and isinstance(t.value.func, ast.Name) and t.value.func.id == "globals" \
                    and not t.value.args and isinstance(t.slice, ast.Name) and t.slice.id == node.target.id:
                out.update(names)
                state["ok_calls"].add(id(t.value))
                state["globals_ok"] += 1


def _plain(node: ast.stmt) -> bool:
    """A statement with no call, attribute, walrus or nested statement in it: ``name = None`` (what each dropped
    ``def`` leaves), ``a = b = 1``, a docstring, an import. The walks for calls, stores and attribute reads have
    nothing to find in it beyond its own targets."""
    if isinstance(node, ast.Assign):
        return isinstance(node.value, ast.Constant) and all(isinstance(t, ast.Name) for t in node.targets)
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Constant)
    return isinstance(node, (ast.Import, ast.ImportFrom))


def _children(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))`` without the constants, and without a generator per field (this runs for
    every node of every module of an import's closure). A constant holds no call, attribute, store or walrus, which
    is all the walks look for; TensorFlow's generated ``TypeVar("T", "_atypes.Int8", ...)`` lines are mostly
    constants."""
    out: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            if type(value) is not ast.Constant:
                out.append(value)
        elif isinstance(value, list):
            out.extend(item for item in value if isinstance(item, ast.AST) and type(item) is not ast.Constant)
    return out


_NOT_RUN = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _walk_running(node: ast.AST, *, skip_plain: bool = False):
    """``ast.walk`` without the bodies of functions and lambdas (and of classes: their names are not the module's);
    ``skip_plain``: nor inside the statements ``_plain`` describes (for a search of calls and walruses)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if skip_plain and isinstance(n, ast.stmt) and _plain(n):
            continue
        for child in _children(n):
            if not isinstance(child, _NOT_RUN):
                todo.append(child)


def _is_sys_modules(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "modules" and isinstance(node.value, ast.Name) \
        and node.value.id == "sys"


def _literal_names(value: ast.expr) -> tuple[str, ...] | None:
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    names: list[str] = []
    for e in value.elts:
        if not (isinstance(e, ast.Constant) and isinstance(e.value, str)):
            return None
        names.append(e.value)
    return tuple(names)


# --- attribute uses --------------------------------------------------------------------------------------------

def _aliases(body: list[ast.stmt], lines: list[str] | None = None) -> dict[str, str]:
    """Names bound exactly once at module level, by an unconditional ``import`` statement, to the module they
    name (``import numpy as np`` -> np: numpy; ``import a.b`` -> a: a). ``lines``: the parsed text's lines, when
    known and free of walruses (see ``_simple_stores``)."""
    counts: dict[str, int] = {}
    bound: dict[str, str] = {}
    for node in body:
        if isinstance(node, ast.Import):
            for a in node.names:
                local = a.asname or a.name.split(".")[0]
                bound[local] = a.name if a.asname else a.name.split(".")[0]
                counts[local] = counts.get(local, 0) + 1
        elif isinstance(node, ast.ImportFrom):      # ``from pkg import mod``: an alias if pkg.mod is a module
            for a in node.names:
                if a.name != "*":
                    local = a.asname or a.name
                    bound[local] = "." * (node.level or 0) + (f"{node.module}." if node.module else "") + a.name
                    counts[local] = counts.get(local, 0) + 1
    # a name bound anywhere else too (``np = None`` in an except branch) is not trusted
    others: set[str] = set()
    plain = (ast.Import, ast.ImportFrom)
    if not any(counts[k] == 1 for k in bound):
        return {}
    todo: list[ast.AST] = []
    for node in body:
        if not isinstance(node, plain) and not _simple_stores(node, lines, others):
            todo.append(node)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.stmt) and _plain(node):     # ``name = None`` (each dropped def leaves one)
            if isinstance(node, ast.Assign):
                others.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):                       # a nested import
                others.update(a.asname or a.name.split(".")[0] for a in node.names)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            others.add(node.id)
        elif isinstance(node, ast.alias):
            others.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            others.add(node.name)
        todo.extend(_children(node))
    return {k: v for k, v in bound.items() if counts[k] == 1 and k not in others}


_ASSIGNS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)


def _simple_stores(node: ast.stmt, lines: list[str] | None, out: set[str]) -> bool:
    """Add the names ``node`` stores to ``out`` without walking its expressions, when that is certain to find the
    same names as the walk: an assignment or expression statement whose lines have no ``for`` (a comprehension's
    target is a store) in a text with no walrus, or a class made of such statements. False: not done, walk it."""
    if lines is None:
        return False
    if isinstance(node, ast.ClassDef):
        # the header: decorators, bases and keywords, up to the line before the body's first statement
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        body0 = node.body[0]
        last = max(first, body0.lineno - 1)
        if lines[body0.lineno - 1].encode()[:body0.col_offset].strip():     # the header ends on its line
            last = max(last, body0.lineno)
        if _has_for(lines, first, last):
            return False
        found: set[str] = {node.name}
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or \
                    (not _plain(stmt) and not isinstance(stmt, _ASSIGNS)) or \
                    not _simple_stores_of(stmt, lines, found):
                return False
        out.update(found)
        return True
    return isinstance(node, _ASSIGNS) and _simple_stores_of(node, lines, out)


def _has_for(lines: list[str], first: int, last: int) -> bool:
    """Is ``for`` written anywhere on lines ``first``..``last`` (1-based)?"""
    return any("for" in lines[i] for i in range(first - 1, min(last, len(lines))))


def _simple_stores_of(node: ast.stmt, lines: list[str], out: set[str]) -> bool:
    if not _plain(node) and _has_for(lines, node.lineno, node.end_lineno or node.lineno):
        return False
    if isinstance(node, ast.Assign):
        for t in node.targets:
            _targets(t, out)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        _targets(node.target, out)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):           # in a class body
        out.update(a.asname or a.name.split(".")[0] for a in node.names)
    return True


_SKIP = (ast.Lambda, ast.IfExp, ast.BoolOp, ast.FunctionDef, ast.AsyncFunctionDef, ast.Try, ast.If, ast.While,
         ast.For, ast.With, ast.comprehension)


def _attr_uses(node: ast.AST, aliases: dict[str, str], out: list[AttrUse]) -> None:
    """Outermost ``alias.a.b`` chains read by code that certainly runs (not under a conditional expression, a
    lambda, a loop or a nested block)."""
    if isinstance(node, _SKIP):
        return
    if isinstance(node, ast.ClassDef):
        for b in node.bases:
            _attr_uses(b, aliases, out)
        for stmt in node.body:
            if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)) and not _plain(stmt):
                _attr_uses(stmt, aliases, out)
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("hasattr", "getattr"):
        return
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        chain: list[str] = []
        cur: ast.expr = node
        while isinstance(cur, ast.Attribute):
            chain.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name) and cur.id in aliases:
            out.append(AttrUse(aliases[cur.id], tuple(reversed(chain)), node.lineno))
            return
    for child in _children(node):
        _attr_uses(child, aliases, out)
