"""Shared helpers of the TensorFlow pack: where TF is installed, its version, constraint arithmetic."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, lru, registered
from tf_lsp.resolver import listing

if TYPE_CHECKING:
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState


@dataclass(frozen=True)
class TFInstall:
    folder: str                          # .../site-packages/tensorflow
    location: str                        # the sys.path entry holding it
    dist: "Distribution | None"          # the distribution that owns that folder
    version: Version | None


def search_path(env: "EnvState", environ: Mapping[str, str]) -> list[str]:
    """The program's sys.path without its script folder: PYTHONPATH first, then the interpreter's own path."""
    pp = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return list(dict.fromkeys(pp + list(env.snapshot.sys_path)))


def find_tensorflow(env: "EnvState", environ: Mapping[str, str] | None = None) -> TFInstall | None:
    """The ``tensorflow`` package the interpreter would import (first sys.path entry with tensorflow/__init__)."""
    for entry in search_path(env, environ or {}):
        names = listing(entry or ".")
        if not names or "tensorflow" not in names:
            continue
        folder = os.path.join(entry, "tensorflow")
        sub = listing(folder)
        if not sub or not any(n.startswith("__init__.") for n in sub):
            continue
        dist = owner_of_folder(env, entry)
        return TFInstall(folder, entry, dist, parse_version(dist.version) if dist else None)
    return None


def owner_of_folder(env: "EnvState", location: str) -> "Distribution | None":
    """The distribution at ``location`` that owns ``tensorflow/__init__.py`` (meta wheels own no files there)."""
    cands = [d for d in env.index.providers("tensorflow") if os.path.normpath(d.location) == os.path.normpath(location)]
    owning = [d for d in cands if owns_tf_files(d)]
    return (owning or cands or [None])[0]


_OWNS: dict = registered({}, stamp="RECORD's stamp (mtime, size, inode; by_mtime)")


def owns_tf_files(dist: "Distribution") -> bool:
    """Does ``dist``'s RECORD list ``tensorflow/__init__.py``? Re-read when RECORD changes (a reinstall)."""
    record = os.path.join(str(dist.metadata_dir), "RECORD")
    return by_mtime(_OWNS, record, lambda _p: _record_lists(dist, ("tensorflow/__init__.py", "tensorflow\\__init__.py")),
                    missing=True)


def _record_lists(dist: "Distribution", paths: tuple[str, ...]) -> bool:
    """Does RECORD list one of ``paths``? (True when there is no RECORD to ask.) A search in RECORD's text: one
    read, no CSV parse of TensorFlow's 28,000 rows."""
    try:
        text = safeio.read_bytes(dist.metadata_dir / "RECORD")
    except OSError:
        return True
    if not text.strip():
        return True
    text = b"\n" + text.replace(b"\r\n", b"\n")
    return any(b"\n" + p.encode() + b"," in text or b'\n"' + p.encode() + b'",' in text for p in paths)


@lru(maxsize=4096, stamp="none needed: a function of its arguments")
def parse_version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


@lru(maxsize=4096, stamp="none needed: a function of its arguments")
def in_spec(version: Version | None, spec: str) -> bool:
    if version is None:
        return False
    try:
        return SpecifierSet(spec).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


@lru(maxsize=1024, stamp="none needed: a function of its arguments")
def release_of(version: Version) -> Version:
    """2.15.0rc1 / 2.16.0.dev2023 compare as their release (so ``>=2.16`` matches a 2.16 nightly)."""
    return Version(".".join(str(p) for p in version.release))


def legacy_keras(environ: Mapping[str, str]) -> str | None:
    """The TF_USE_LEGACY_KERAS value when it switches tf.keras to tf_keras, else None."""
    from tf_lsp.knowledge.tensorflow import LEGACY_KERAS_VALUES
    value = environ.get("TF_USE_LEGACY_KERAS")
    return value if value in LEGACY_KERAS_VALUES else None
