"""(A) How the installed TensorFlow wires ``tensorflow.keras`` (and friends) into ``tensorflow.__path__``.

Reproduces, statically, the ``__path__`` statements of the generated ``tensorflow/__init__.py`` (and of
``compat/v1``, ``compat/v2``) recorded per TF version in ``knowledge.tensorflow.PATH_RULES``, and reports what
breaks ``tf.keras``: Keras missing, TF_USE_LEGACY_KERAS without (or with a mismatched) tf_keras.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Mapping

from tf_lsp import safeio
from tf_lsp.checks.tensorflow.common import (
    TFInstall,
    find_tensorflow,
    in_spec,
    legacy_keras,
    parse_version,
    release_of,
    search_path,
)
from tf_lsp.filecache import by_mtime, is_recording, registered, stamp
from tf_lsp.fixes import install_fix, set_env_fix
from tf_lsp.knowledge.tensorflow import (
    KERAS_MESSAGES_SOURCE,
    KERAS_MISSING_MESSAGE,
    KERAS_ROUTING,
    LAZY_ATTR_SOURCE,
    LEGACY_MISSING_MESSAGE,
    PATH_RULES,
    TF_KERAS_SOURCE,
    KerasRouting,
    PathRule,
    PathStep,
)
from tf_lsp.model import Finding, Fix, Range, Severity
from tf_lsp.resolver import PathExtender, Resolver
from tf_lsp.specifiers import fitting_specifier

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.envstate import EnvState

_TEXT: dict[str, tuple[int, str]] = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


def _read_text(path: str) -> str:
    return safeio.read_source(path)


def _read(path: str) -> str:
    return by_mtime(_TEXT, path, _read_text, missing="")


def rules_for(version, init_rel: str, init_text: str) -> list[tuple[PathRule, str]]:
    """The rules (with the sub-package attribute they change) that apply to the package at ``init_rel``."""
    out = []
    for attr_level in ("", "nn"):
        base = init_rel if not attr_level else os.path.dirname(init_rel)
        if attr_level and os.path.basename(init_rel) != attr_level:
            continue
        candidates = [r for r in PATH_RULES if r.init == base]
        text = init_text if not attr_level else None
        chosen = None
        for r in candidates:
            if version is not None and in_spec(release_of(version), r.versions) and (text is None or r.marker in text):
                chosen = r
                break
        if chosen is None and text:
            chosen = next((r for r in candidates if r.marker in text), None)
        if chosen is None and text is None and version is not None:
            chosen = next((r for r in candidates if in_spec(release_of(version), r.versions)), None)
        if chosen is not None:
            out.append((chosen, attr_level))
    return out


def make_extender(env: "EnvState", environ: Mapping[str, str]) -> PathExtender | None:
    tf = find_tensorflow(env, environ)
    if tf is None:
        return None
    legacy = legacy_keras(environ) is not None
    finder = Resolver(search_path(env, environ), ext_suffixes=env.snapshot.ext_suffixes,
                      builtin_names=env.snapshot.builtin_names, editable_mapping=env.editable_mapping)

    def resolver() -> Resolver:
        # while a read set is recorded (filecache.cached_by_reads), resolve afresh so every listing read is noted
        return finder.fresh() if is_recording() else finder

    def parent_dir_for_name(target: str) -> str | None:
        parts = target.split(".")
        spec = resolver().resolve(parts[0])
        if not spec.found or not spec.path:
            return None
        return os.path.join(os.path.dirname(spec.path), *parts[1:-1])

    def apply(step: PathStep, tf_root: str, locations: list[str]) -> list[str]:
        if step.when == "legacy" and not legacy or step.when == "not_legacy" and legacy:
            return locations
        if step.kind == "api_dir":
            api = os.path.join(tf_root, "_api", "v2")
            return locations if api in locations else locations + [api]
        if step.kind == "imported_parent":
            res = resolver().resolve(step.target)
            folder = os.path.dirname(os.path.dirname(res.path)) if res.found and res.path and res.kind == "package" else None
        else:
            folder = parent_dir_for_name(step.target)
        if folder is None:
            return locations          # guarded: skipped; unguarded: a None entry, which the import system skips
        return [folder] + locations if step.op == "prepend" else locations + [folder]

    def extend(name: str, init_file: str, locations: tuple[str, ...]) -> tuple[str, ...]:
        if name != "tensorflow" and not name.startswith("tensorflow."):
            return locations
        tf_root = _tf_root(init_file)
        if tf_root is None:
            return locations
        init_rel = os.path.relpath(os.path.dirname(init_file), tf_root).replace(os.sep, "/")
        init_rel = "" if init_rel == "." else init_rel
        if name == "tensorflow":
            init_rel = ""
        dist_version = tf.version if os.path.normpath(tf_root) == os.path.normpath(tf.folder) else None
        rules = rules_for(dist_version, init_rel, _read(init_file) if init_file.endswith(".py") else "")
        if not rules:
            return locations
        out = list(locations)
        for rule, attr in rules:
            for step in rule.steps:
                if step.attr == attr:
                    out = apply(step, tf_root, out)
        return tuple(dict.fromkeys(out))

    from tf_lsp.knowledge import tensorflow as rules_module
    code = [stamp(f) for f in (__file__, rules_module.__file__ or "")]       # the rules themselves, as data and code
    extend.fingerprint = ("tensorflow-path-rules", tf.version, str(tf.folder), legacy, finder.fingerprint(), code)  # type: ignore[attr-defined]
    return extend


def _tf_root(init_file: str) -> str | None:
    folder = os.path.dirname(os.path.abspath(init_file))
    while True:
        if os.path.basename(folder) == "tensorflow":
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def routing_for(version) -> KerasRouting | None:
    if version is None:
        return None
    return next((r for r in KERAS_ROUTING if in_spec(release_of(version), r.versions)), None)


def touches_keras(ctx: "ImportContext") -> bool:
    stmt = ctx.stmt
    if stmt.module == "tensorflow.keras" or stmt.module.startswith("tensorflow.keras."):
        return True
    return stmt.is_from and stmt.module == "tensorflow" and any(n.name == "keras" for n in stmt.names)


def _keras_range(ctx: "ImportContext", stmt_names=("keras",)) -> Range | None:
    stmt = ctx.stmt
    if stmt.is_from and stmt.module == "tensorflow":
        for n in stmt.names:
            if n.name in stmt_names:
                return n.range
    return None


def keras_findings(ctx: "ImportContext", tf: TFInstall) -> list[Finding]:
    """TF_USE_LEGACY_KERAS without a matching tf_keras; Keras not installed at all."""
    if not touches_keras(ctx):
        return []
    routing = routing_for(tf.version)
    env, res = ctx.env, ctx.resolution
    where = _env_source(ctx, "TF_USE_LEGACY_KERAS")
    value = legacy_keras(ctx.environ)
    attr_form = ctx.stmt.is_from and ctx.stmt.module == "tensorflow"
    tf_minor = f"{tf.version.major}.{tf.version.minor}" if tf.version else None
    if value is not None and (routing is None or routing.legacy_env):
        tfk = env.index.get("tf-keras")
        fixes = ([install_fix(ctx.workspace, [f"tf_keras~={tf_minor}.0"])] if tf_minor else []) + [_unset_fix(ctx, where)]
        if tfk is None:
            lazy = attr_form and lazy_attr(routing)
            works = res is not None and res.found and not attr_form
            msg = (f"TF_USE_LEGACY_KERAS={value} ({where}) routes tf.keras to the tf_keras package, which is not "
                   f"installed: TensorFlow logs \"{LEGACY_MISSING_MESSAGE}\" and every use of `tf.keras` raises "
                   f"ImportError: {KERAS_MISSING_MESSAGE}")
            if works:
                msg += (" This line itself imports, but from Keras 3's keras/_tf_keras (not the legacy Keras you asked "
                        "for).")
            elif lazy:
                msg += f" {LAZY_NOTE}"
            return [ctx.finding("TFL115" if works else "TFL103", msg, fixes=fixes, range=_keras_range(ctx),
                                severity=Severity.WARNING if lazy else None,
                                details=(f"source: {KERAS_MESSAGES_SOURCE}",) + ((f"source: {LAZY_ATTR_SOURCE}",)
                                                                                  if lazy else ()), module="tf_keras")]
        tv = parse_version(tfk.version)
        if tf_minor and tv is not None and tf.version is not None \
                and (tv.major, tv.minor) != (tf.version.major, tf.version.minor):
            return [ctx.finding("TFL115", f"tf_keras {tfk.version} is installed for TensorFlow {tf.version}: tf_keras "
                                          f"releases follow TF's minor version, install tf_keras~={tf_minor}.0.",
                                fixes=fixes[:1], details=(f"source: {TF_KERAS_SOURCE}",), module="tf_keras")]
        return []
    if env.index.get("keras") is None and routing is not None:
        fit = fitting_specifier(env, "keras")
        spec = fit.specifier
        if routing.keras == "2" and not routing.legacy_env:
            effect = (f"ModuleNotFoundError: No module named '{ctx.stmt.module if not attr_form else 'keras'}'"
                      if not attr_form else "ModuleNotFoundError: No module named 'keras'")
        elif attr_form:
            effect = f"`tf.keras` raises ImportError: {KERAS_MISSING_MESSAGE}"
        else:
            effect = "ModuleNotFoundError: No module named 'tensorflow.keras'"
        fix = install_fix(ctx.workspace, [f"keras{spec}"], package="keras", specifier=spec)
        lazy = attr_form and lazy_attr(routing)
        if lazy:
            effect = f"every use of `keras.` raises ImportError ({effect}). {LAZY_NOTE}"
        return [ctx.finding("TFL103", f"Keras is not installed, and TensorFlow {tf.version} takes `tf.keras` from the "
                                      f"keras package: {effect}. Install keras{spec}.", fixes=[fix],
                            severity=Severity.WARNING if lazy else None,
                            range=_keras_range(ctx), details=tuple(f"required by {who}: keras{s}" for who, s in fit.constraints)
                            + (f"source: {KERAS_MESSAGES_SOURCE}",) + ((f"source: {LAZY_ATTR_SOURCE}",) if lazy else ()),
                            module="keras")]
    return []


LAZY_NOTE = ("`from tensorflow import keras` itself works (it binds TensorFlow's lazy loader); the failure comes on "
             "the first use of `keras.<name>`.")


def lazy_attr(routing: KerasRouting | None) -> bool:
    """Does ``from tensorflow import keras`` only bind a lazy loader in this TF version?"""
    return routing is not None and routing.lazy_attr


def keras_attr_only(ctx: "ImportContext") -> bool:
    """``from tensorflow import keras`` (and nothing under tensorflow.keras is imported by the statement)."""
    stmt = ctx.stmt
    return stmt.is_from and stmt.module == "tensorflow" and any(n.name == "keras" for n in stmt.names)


def _env_source(ctx: "ImportContext", key: str) -> str:
    ws = ctx.workspace
    settings_env = getattr(getattr(ws, "settings", None), "env", {}) or {}
    if key in settings_env:
        return "set in the tfLsp.env setting"
    proc = getattr(ws, "_process_env", {}) or {}
    if proc.get(key) == ctx.environ.get(key):
        return "set in the environment"
    return "set in the workspace .env file"


def _unset_fix(ctx: "ImportContext", where: str) -> Fix:
    return set_env_fix(ctx.workspace, "TF_USE_LEGACY_KERAS", None, where=where,
                       title="Unset TF_USE_LEGACY_KERAS (use Keras 3 for tf.keras)")


__all__ = ["make_extender", "keras_findings", "rules_for", "touches_keras", "routing_for", "Severity"]
