"""The TensorFlow rule pack: keras wiring (A), removed/private modules (B), imported names (C), real
incompatibilities (D), conflicting installs (E), Python support (F), CUDA/cuDNN (G), platform/CPU (H), backend
imports (I: ``import keras`` runs ``import tensorflow``).

``check(ctx)`` runs once per import statement; ``path_extender(env, environ)`` teaches the resolver how
``tensorflow/__init__.py`` extends ``tensorflow.__path__``; ``file_findings(ws, path, text)`` adds the findings
that need the whole file (GPU-listing calls); ``implied_imports(ctx)`` names the imports a statement runs first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

from tf_lsp.checks import names
from tf_lsp.checks.tensorflow import backend, compat, lazy, modules, platform, wiring
from tf_lsp.checks.tensorflow.common import find_tensorflow
from tf_lsp.knowledge.tensorflow import (
    NIGHTLY_PROVIDES,
    NIGHTLY_PROVIDES_SOURCE,
    TF_DISTRIBUTIONS,
    TF_DISTRIBUTIONS_SOURCE,
)
from tf_lsp.model import Finding
from tf_lsp.packs import PackSummary, RulePack

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.envstate import EnvState
    from tf_lsp.resolver import PathExtender


def path_extender(env: "EnvState", environ: Mapping[str, str]) -> "PathExtender | None":
    return wiring.make_extender(env, environ)


def check(ctx: "ImportContext") -> Iterable[Finding]:
    top = ctx.stmt.module.split(".")[0]
    if ctx.stmt.level or top not in ("tensorflow", "keras"):
        return []
    if top == "keras":          # Keras's own incompatibilities with the installed TensorFlow
        tf = find_tensorflow(ctx.env, ctx.environ)
        found = ctx.resolution is not None and ctx.resolution.found
        return compat.incompatibility_findings(ctx, tf) if tf is not None and found else []
    tf = find_tensorflow(ctx.env, ctx.environ)
    if tf is None:
        return platform.not_installed_findings(ctx)
    out: list[Finding] = []
    out += modules.removed_or_private(ctx)
    out += wiring.keras_findings(ctx, tf)
    out += compat.incompatibility_findings(ctx, tf)
    out += compat.conflict_findings(ctx, tf)
    out += platform.installed_findings(ctx, tf)
    if not any(f.code == "TFL113" for f in out):
        out += names.name_findings(ctx)
    return out


def implied_imports(ctx: "ImportContext") -> list[tuple[str, str]]:
    """Modules a statement imports first (``import keras`` -> its backend, TensorFlow by default;
    ``from tensorflow.keras.layers import Dense`` -> the Keras 3 that tf.keras is routed to)."""
    return backend.implied_imports(ctx) + lazy.implied_imports(ctx)


def file_findings(ws, path, text: str) -> list[Finding]:
    """Findings that need the file text: ``tf.config.list_physical_devices('GPU')`` lines (CUDA, TFL109), and
    ``tf.keras.<name>`` reads that make TensorFlow's lazy loader import a Keras that fails."""
    return platform.gpu_call_findings(ws, path, text) + lazy.use_findings(ws, path, text)


SUMMARY_DISTS = ("numpy", "protobuf", "keras", "tf-keras", "ml-dtypes")
"""Versions a TensorFlow summary lists (the packages TFL104's incompatibilities are about)."""


def summary(env: "EnvState", environ: Mapping[str, str]) -> PackSummary | None:
    """``TensorFlow 2.21.0`` from the distribution that really owns ``tensorflow/`` (any of TF_DISTRIBUTIONS), its
    build (CUDA/cuDNN from build_info.py) and the versions of SUMMARY_DISTS."""
    tf = find_tensorflow(env, environ)
    if tf is None:
        return None
    info = platform.build_info(tf) or {}
    if info.get("is_cuda_build"):
        build = f"GPU build (CUDA {info.get('cuda_version', '?')} / cuDNN {info.get('cudnn_version', '?')})"
    elif info.get("is_rocm_build"):
        build = "ROCm build"
    else:
        build = "CPU build" if info else "build unknown (no build_info.py)"
    versions = [f"{d.display_name} {d.version}" for n in SUMMARY_DISTS if (d := env.index.get(n))]
    return PackSummary(framework="TensorFlow", version=str(tf.version) if tf.version else None,
                       distribution=tf.dist.name if tf.dist is not None else None, short="TF", build=build,
                       location=tf.folder, details=(", ".join(versions),) if versions else ())


PACK = RulePack(
    name="TensorFlow",
    import_names=frozenset({"tensorflow", "keras", "tf_keras", "numpy", "ml_dtypes", "google", "tensorboard",
                            "tensorflow_datasets", "tensorflow_hub", "tensorflow_probability", "tensorflow_text",
                            "tensorflow_addons", "tensorflow_io", "h5py", "absl", "tf_slim", "tflite_runtime"}),
    distributions=TF_DISTRIBUTIONS,
    companions=("keras", "tf-keras", "numpy", "ml-dtypes", "protobuf", "h5py", "tensorboard"),
    overrides=(frozenset({"TFL103", "TFL104", "TFL115"}), frozenset({"TFL105"}), frozenset({"TFL106"}),
               frozenset({"TFL108", "TFL110"})),
    check=check, path_extender=path_extender, file_findings=file_findings, implied_imports=implied_imports,
    summary=summary,
    checked_imports=frozenset({"tensorflow", "keras"}),       # names.name_findings and TFL104 answer these
    key_imports=("tensorflow", "keras", "tf_keras", "numpy", "google.protobuf", "ml_dtypes"),
    required_import="tensorflow",
    provides=tuple((d, "tensorflow") for d in TF_DISTRIBUTIONS if d != "tensorflow") + NIGHTLY_PROVIDES,
    status_key="tfVersion",
    sources=(TF_DISTRIBUTIONS_SOURCE, NIGHTLY_PROVIDES_SOURCE, "tf_lsp/knowledge/tensorflow.py (a source per record)"),
)

__all__ = ["check", "path_extender", "file_findings", "implied_imports", "summary", "PACK"]
