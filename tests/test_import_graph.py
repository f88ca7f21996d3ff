"""The module graph of tf_lsp: every module imports on its own in a fresh interpreter (no import cycle breaks an
import, whatever is imported first), no module-level import cycle exists (imports under ``TYPE_CHECKING`` are types
only and do not count), and the engine never imports the protocol libraries."""
from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tf_lsp

ROOT = Path(tf_lsp.__file__).parent
MODULES = sorted(m.name for m in pkgutil.walk_packages(tf_lsp.__path__, "tf_lsp.") if m.name != "tf_lsp.__main__")


def _import_alone(module: str) -> tuple[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, env=env,
                       timeout=120)
    return module, "" if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[-1]


def test_every_module_imports_alone_in_a_fresh_interpreter():
    assert len(MODULES) > 50
    with ThreadPoolExecutor(max_workers=3) as pool:
        failed = [(m, err) for m, err in pool.map(_import_alone, MODULES) if err]
    assert failed == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(path: Path, module: str) -> set[str]:
    """Modules (and their parent packages) imported when ``module`` runs: module level, outside TYPE_CHECKING,
    outside functions."""
    out: set[str] = set()
    is_pkg = path.name == "__init__.py"

    def visit(nodes):
        for n in nodes:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test):
                visit(n.orelse)
                continue
            if isinstance(n, ast.Import):
                out.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                base = n.module or ""
                if n.level:
                    pkg = module if is_pkg else module.rpartition(".")[0]
                    for _ in range(n.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    base = f"{pkg}.{base}" if base else pkg
                out.add(base)
                out.update(f"{base}.{a.name}" for a in n.names)
            for field in ("body", "orelse", "finalbody", "handlers"):
                sub = getattr(n, field, None)
                if isinstance(sub, list):
                    visit(sub)
    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    expanded = set()
    for name in out:
        parts = name.split(".")
        expanded.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return expanded


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for mod, path in files.items():
        deps = _module_level_imports(path, mod)
        # a package's own __init__ running while its submodule loads is how packages work: not a cycle
        graph[mod] = {d for d in deps if d in files and d != mod and not mod.startswith(d + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_no_module_level_import_cycle():
    graph = _graph()
    assert "tf_lsp.fixes" in graph["tf_lsp.checks.missing"] and "tf_lsp.workspace" not in graph["tf_lsp.fixes"]
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_the_engine_never_imports_the_protocol():
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    engine = [m for m in files if not m.startswith("tf_lsp.server") and m not in ("tf_lsp.cli", "tf_lsp.__main__")]
    wrong = {m: sorted(d for d in _module_level_imports(files[m], m) if d.split(".")[0] in ("lsprotocol", "pygls"))
             for m in engine}
    assert {m: d for m, d in wrong.items() if d} == {}
