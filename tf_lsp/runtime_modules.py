"""Resolve modules created at run time (tf_lsp.knowledge.runtime_modules) without running anything: the names
are read from the installed creator's own file (six.py's ``_moved_attributes``, an ``extern/__init__.py``'s
``names``), cached by mtime, and each maps onto a real module the resolver can find."""
from __future__ import annotations

import ast
import os
from typing import TYPE_CHECKING, Callable, Mapping

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, registered
from tf_lsp.knowledge.runtime_modules import RECORDS, RuntimeModules
from tf_lsp.resolver import Resolution

if TYPE_CHECKING:
    from tf_lsp.envstate import EnvState
    from tf_lsp.resolver import Resolver

RuntimeFinder = Callable[[str, "Resolver"], "Resolution | None"]
_READ: dict[str, tuple[int, dict]] = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _str_args(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _parse(path: str) -> ast.Module:
    text = safeio.read_source(path)
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return ast.Module(body=[], type_ignores=[])


def read_six(path: str) -> dict[str, str]:
    """six.moves.<name> -> the module it stands for on Python 3, read from six.py (empty when unreadable)."""
    tree = _parse(path)
    if not tree.body:
        return {}
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_moved_attributes"
                                                for t in node.targets) and isinstance(node.value, ast.List):
            for elt in node.value.elts:
                if isinstance(elt, ast.Call) and getattr(elt.func, "id", None) == "MovedModule":
                    args = _str_args(elt)
                    if args:
                        out[args[0]] = args[2] if len(args) > 2 else args[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "_add_module":
            for name in _str_args(node)[0:]:
                if name.startswith("moves.") and name[6:] not in out:
                    tail = name[6:]
                    out[tail] = tail.replace("urllib_", "urllib.") if tail.startswith("urllib") else tail
    out[""] = ""
    return out


def read_vendor_names(path: str) -> dict[str, str]:
    """extern/__init__.py: ``names = (...)`` and the vendor package of ``VendorImporter(__name__, names, vendor)``."""
    tree = _parse(path)
    names: list[str] = []
    vendor = ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "names" for t in node.targets) \
                and isinstance(node.value, (ast.Tuple, ast.List)):
            names = [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "VendorImporter":
            args = _str_args(node)
            vendor = args[0] if args else ""
    return {n: vendor for n in names}


def _distutils_enabled(env: "EnvState", environ: Mapping[str, str]) -> bool:
    if environ.get("SETUPTOOLS_USE_DISTUTILS", "local") != "local":
        return False
    return any(os.path.isfile(os.path.join(sp, "distutils-precedence.pth")) for sp in env.snapshot.site_packages)


def make_runtime_finder(env: "EnvState", environ: Mapping[str, str]) -> RuntimeFinder:
    shim = _distutils_enabled(env, environ)

    def find(name: str, resolver: "Resolver") -> Resolution | None:
        for rec in RECORDS:
            if name != rec.prefix and not name.startswith(rec.prefix + "."):
                continue
            if rec.how == "interpreter":
                if name != rec.prefix:
                    return None
                return Resolution(name, True, "runtime", trace=(f"{name}: created by {rec.creator} (source: {rec.source})",))
            if rec.how == "distutils-shim":
                if not shim:
                    return None
                return _mapped(resolver, name, "setuptools._distutils" + name[len("distutils"):], rec)
            if rec.how == "six-moves":
                return _six(resolver, name, rec)
            if rec.how == "vendor-importer" and name != rec.prefix:
                return _vendored(resolver, name, rec)
        return None
    find.fingerprint = ("runtime-modules", shim)  # type: ignore[attr-defined]
    return find


def _mapped(resolver: "Resolver", name: str, target: str, rec: RuntimeModules, *, why: str = "") -> Resolution:
    real = resolver.resolve(target)
    trace = (f"{name}: created at run time by {rec.creator} -> {target}{why} (source: {rec.source})",)
    if not real.found:
        return Resolution(name, False, "missing", failed_at=real.failed_at or target, trace=trace + tuple(real.trace))
    return Resolution(name, True, "runtime", real.path, real.search_locations, real.root, trace=trace)


def _six(resolver: "Resolver", name: str, rec: RuntimeModules) -> Resolution | None:
    six = resolver.resolve("six")
    if not six.found or not six.path or not six.path.endswith(".py"):
        return None
    table = by_mtime(_READ, six.path, read_six) or dict(f.split("=") for f in rec.fallback)
    tail = name[len(rec.prefix) + 1:] if name != rec.prefix else ""
    if tail not in table:
        return Resolution(name, False, "missing", failed_at=name,
                          trace=(f"{name}: six.py registers no such module under six.moves (source: {rec.source})",))
    if not tail:
        return Resolution(name, True, "runtime", six.path, (), six.root,
                          trace=(f"six.moves: created by six when it is imported (source: {rec.source})",))
    return _mapped(resolver, name, table[tail], rec)


def _vendored(resolver: "Resolver", name: str, rec: RuntimeModules) -> Resolution | None:
    init = resolver.resolve(rec.prefix)
    if not init.found or not init.path or not init.path.endswith("__init__.py"):
        return None
    table = by_mtime(_READ, init.path, read_vendor_names) or {}
    rest = name[len(rec.prefix) + 1:]
    if rest.split(".")[0] not in table:
        return None
    vendor = table[rest.split(".")[0]] or rec.prefix.replace("extern", "_vendor")
    first = resolver.resolve(f"{vendor}.{rest}")
    if first.found:
        return _mapped(resolver, name, f"{vendor}.{rest}", rec)
    return _mapped(resolver, name, rest, rec, why=f" (not vendored in {vendor})")
