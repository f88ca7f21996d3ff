"""(I) Imports that run another framework's import first: ``import keras`` imports its backend (TensorFlow by
default), ``import tf_keras`` imports TensorFlow. The workspace checks that backend import on the same line and
carries its errors over, so a broken TensorFlow shows on the ``import keras`` line too (with TensorFlow's cause
and fixes), and a Keras configured for JAX is not blamed for TensorFlow.
"""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Mapping

from packaging.utils import canonicalize_name

from tf_lsp import safeio
from tf_lsp.checks.tensorflow.common import in_spec, parse_version
from tf_lsp.filecache import by_mtime, registered
from tf_lsp.knowledge.tensorflow import BACKEND_IMPORTS, KERAS_BACKEND_MODULES, BackendImport

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext

_CONFIG: dict[str, tuple[int, str | None]] = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _read_backend(path: str) -> str | None:
    try:
        data = json.loads(safeio.read_text(path))
    except ValueError:
        return None
    value = data.get("backend") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def keras_backend(environ: Mapping[str, str], default: str) -> tuple[str, str]:
    """(backend name, where it comes from) the way Keras 3's backend/config.py decides it."""
    value = environ.get("KERAS_BACKEND")
    if value:
        return value, "KERAS_BACKEND"
    if "KERAS_HOME" in environ:
        folder = environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        folder = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    config = os.path.join(os.path.expanduser(folder), "keras.json")
    configured = by_mtime(_CONFIG, config, _read_backend)
    if configured:
        return configured, config
    return default, "the default"


def _record_for(ctx: "ImportContext", top: str) -> tuple[BackendImport, str | None] | None:
    records = [r for r in BACKEND_IMPORTS if r.module == top]
    if not records:
        return None
    dist = ctx.env.index.get(records[0].package)
    version = parse_version(dist.version) if dist is not None else None
    for r in records:
        if version is None or not r.versions or in_spec(version, r.versions):
            return r, dist.version if dist is not None else None
    return None


def implied_imports(ctx: "ImportContext") -> list[tuple[str, str]]:
    """[(module, why)] that ``ctx.stmt`` imports before its own code can finish."""
    stmt = ctx.stmt
    if stmt.level:
        return []
    hit = _record_for(ctx, stmt.module.split(".")[0])
    if hit is None:
        return []
    rec, version = hit
    label = f"{rec.package} {version}" if version else rec.package
    if rec.fixed:
        return [(rec.fixed, f"`import {stmt.module}` imports {rec.fixed} first ({label} is built on it)")]
    backend, where = keras_backend(ctx.environ, rec.default)
    module = KERAS_BACKEND_MODULES.get(backend)
    if module is None or canonicalize_name(module) == canonicalize_name(rec.package):
        return []
    origin = "its default backend" if where == "the default" else f"the backend set by {where}"
    return [(module, f"`import {stmt.module}` imports {module} first ({label}: {origin})")]


__all__ = ["implied_imports", "keras_backend"]
