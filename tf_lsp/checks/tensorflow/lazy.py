"""(L) TensorFlow's lazy ``tf.keras``: where the routed Keras is really imported, and what its failure looks like.

From TF 2.16 the ``keras`` attribute of ``tensorflow`` is a ``KerasLazyLoader`` that imports Keras 3
(``keras._tf_keras.keras``) on the first attribute read (``tf.keras.layers``), and ``tensorflow.keras`` is found
in Keras 3's own ``keras/_tf_keras`` folder through ``tensorflow.__path__`` (``wiring``). Either way Keras 3's
``keras/__init__.py`` runs, with its own dependencies (rich, namex, optree, h5py, ...): when that import fails,

- ``import tensorflow.keras...`` / ``from tensorflow.keras... import X`` fail with Keras's own error: the statement
  implies ``import keras`` (``implied_imports``), whose errors the workspace carries onto the line;
- ``from tensorflow import keras`` works (it binds the loader), and so does ``import tensorflow as tf``; the first
  ``tf.keras.<name>`` / ``keras.<name>`` read raises ``ImportError: Keras cannot be imported. Check that it is
  installed.`` (the loader catches Keras's own error): those uses are errors, with the routed import's causes
  and fixes (``use_findings``).

Source: ``KERAS_ROUTING`` and ``LAZY_ATTR_SOURCE`` in ``knowledge.tensorflow`` (the wheels' lazy_loader.py).
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from tf_lsp.checks.tensorflow.common import find_tensorflow, legacy_keras
from tf_lsp.checks.tensorflow.wiring import keras_attr_only, routing_for, touches_keras
from tf_lsp.knowledge.tensorflow import KERAS_MISSING_MESSAGE, LAZY_ATTR_SOURCE
from tf_lsp.model import Finding, Range, Severity

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext

_TF = "tensorflow"


def routed_module(env, environ) -> tuple[str, str] | None:
    """(module, TF label) that ``tf.keras`` imports when first used, for a TF whose ``keras`` attribute is a lazy
    loader routed to Keras 3 (TF_USE_LEGACY_KERAS routes to tf_keras instead: the wiring check's finding)."""
    tf = find_tensorflow(env, environ)
    if tf is None:
        return None
    routing = routing_for(tf.version)
    if routing is None or routing.keras != "3" or not routing.lazy_attr:
        return None
    if routing.legacy_env and legacy_keras(environ) is not None:
        return None
    return "keras", f"TensorFlow {tf.version}"


def implied_imports(ctx: "ImportContext") -> list[tuple[str, str]]:
    """``import tensorflow.keras.x`` / ``from tensorflow.keras.x import y`` run Keras 3's ``keras/__init__``."""
    stmt = ctx.stmt
    if stmt.level or not touches_keras(ctx) or keras_attr_only(ctx):
        return []
    routed = routed_module(ctx.env, ctx.environ)
    if routed is None or not ctx.resolver.resolve(routed[0]).found:
        return []           # Keras not installed at all: the wiring check's finding (with the version to install)
    module, label = routed
    return [(module, f"`{stmt.module}` is Keras 3's {module} package ({label} routes tf.keras to it), so the line "
                     f"imports {module} first")]


def _bindings(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """Names bound at module level to TensorFlow or to its lazy ``keras`` -> the attribute chain that reaches the
    loader (``tf`` -> ("keras",), ``keras`` from ``from tensorflow import keras`` -> ())."""
    out: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == _TF:
                    out[a.asname or _TF] = ("keras",)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module == _TF:
            for a in node.names:
                if a.name == "keras":
                    out[a.asname or "keras"] = ()
    return out


def _uses(tree: ast.Module, bound: dict[str, tuple[str, ...]]) -> list[tuple[ast.Attribute, str]]:
    """Attribute reads that go through the loader (``tf.keras.layers``, ``keras.layers``), first one per line."""
    out: dict[int, tuple[ast.Attribute, str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain: list[str] = [node.attr]
        cur = node.value
        while isinstance(cur, ast.Attribute):
            chain.insert(0, cur.attr)
            cur = cur.value
        if not isinstance(cur, ast.Name) or cur.id not in bound:
            continue
        prefix = bound[cur.id]
        if len(chain) != len(prefix) + 1 or tuple(chain[:len(prefix)]) != prefix:
            continue            # the innermost read past the loader only (``tf.keras.layers`` of tf.keras.layers.Dense)
        text = ".".join((cur.id, *chain))
        line = node.lineno - 1
        if line not in out or node.col_offset < out[line][0].col_offset:
            out[line] = (node, text)
    return [out[k] for k in sorted(out)]


def _range(lines: list[str], node: ast.Attribute) -> Range:
    def col(line: int, offset: int) -> int:
        text = lines[line] if line < len(lines) else ""
        return len(text.encode("utf-8")[:offset].decode("utf-8", errors="replace"))
    end_line = (node.end_lineno or node.lineno) - 1
    return Range.of(node.lineno - 1, col(node.lineno - 1, node.col_offset), end_line,
                    col(end_line, node.end_col_offset or node.col_offset))


def use_findings(ws, path, text: str) -> list[Finding]:
    """Each line that reads through TensorFlow's lazy ``keras`` gets the routed import's errors."""
    if "keras" not in text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    bound = _bindings(tree)
    uses = _uses(tree, bound) if bound else []
    if not uses:
        return []
    routed = routed_module(ws.env, ws.environ)
    if routed is None:
        return []
    module, label = routed
    errors = [f for f in ws.check_source(path, f"import {module}\n") if f.severity is Severity.ERROR]
    if not errors:
        return []
    lines = text.splitlines()
    out = []
    for node, shown in uses:
        rng = _range(lines, node)
        for f in errors:
            out.append(replace(f, range=rng, message=(
                f"`{shown}` imports {module} on first use ({label}'s tf.keras is a lazy loader routed to it), and "
                f"`import {module}` fails, so this raises ImportError: {KERAS_MISSING_MESSAGE} Why: {f.message}"),
                details=(f"source: {LAZY_ATTR_SOURCE}",) + f.details))
    return out


__all__ = ["implied_imports", "routed_module", "use_findings"]
