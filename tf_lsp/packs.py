"""Rule packs as declared records, and the one registry of them.

A rule pack adds a framework's knowledge on top of the generic checks. It states what it covers instead of being
found by a naming convention: the import names it speaks for, the distributions it owns, the families of codes
whose generic findings its own findings replace, its hooks, and a ``summary(env)`` for the status bar and hover.
The generic engine asks the registry; it holds no framework list of its own. Frameworks without a pack yet are
named for the status bar and ``tf-lsp doctor`` only (``NAMED_ONLY``), here beside the packs, not in the engine.

Adding a pack is one module that defines ``PACK = RulePack(...)`` and one line in ``PACK_MODULES``. A pack module
that fails to import is an error at start-up (it is part of tf-lsp, so that is a bug to see, not to hide).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from tf_lsp.filecache import lru

if TYPE_CHECKING:
    from tf_lsp.checks.base import ExtenderFactory, ImportCheck, ImportContext
    from tf_lsp.envstate import EnvState
    from tf_lsp.model import Finding

PACK_MODULES: tuple[str, ...] = (
    "tf_lsp.checks.tensorflow",     # TensorFlow / Keras
    "tf_lsp.checks.jax",            # JAX / jaxlib
)


@dataclass(frozen=True)
class PackSummary:
    """What a pack says about an environment, for status and hover: ``TensorFlow 2.21.0 (tensorflow-cpu)``."""

    framework: str
    version: str | None
    distribution: str | None = None
    details: tuple[str, ...] = ()
    short: str = ""
    """What a status bar shows (``TF``); the framework's name when empty."""
    build: str | None = None
    """What kind of build is installed (``GPU build (CUDA 12.3 / cuDNN 8)``), for hover."""
    location: str | None = None
    """The framework's package folder, for hover."""

    def status_label(self) -> dict[str, Any]:
        """``{name, short, version, distribution}``: the ``framework`` of ``tfLsp/status``."""
        return {"name": self.framework, "short": self.short or self.framework, "version": self.version,
                "distribution": self.distribution}

    def to_json(self) -> dict[str, Any]:
        return {"framework": self.framework, "version": self.version, "distribution": self.distribution,
                "details": list(self.details)}


@dataclass(frozen=True)
class RulePack:
    name: str
    """The framework's name as people say it (``TensorFlow``)."""
    import_names: frozenset[str]
    """Top-level import names the pack speaks for (``checkAllImports: false`` checks only these)."""
    distributions: tuple[str, ...]
    """Distributions the pack owns: overlaps among them are its to report, not the generic conflict check's."""
    companions: tuple[str, ...] = ()
    """Distributions the framework loads when it is imported: ``verify`` and ``doctor`` look at them too."""
    overrides: tuple[frozenset[str], ...] = ()
    """Families of codes: a pack finding of a family replaces the generic findings of that family on a line."""
    check: "ImportCheck | None" = None
    path_extender: "ExtenderFactory | None" = None
    file_findings: "Callable[..., Iterable[Finding]] | None" = None
    implied_imports: "Callable[[ImportContext], list[tuple[str, str]]] | None" = None
    summary: "Callable[[EnvState, Mapping[str, str]], PackSummary | None] | None" = None
    checked_imports: frozenset[str] = frozenset()
    """Top-level names whose statements the pack's ``check`` answers in full (their imported names, their NumPy
    ABI): the generic TFL112 and TFL117 checks leave those statements to the pack."""
    key_imports: tuple[str, ...] = ()
    """The imports that make up the framework, its own first: ``tf-lsp doctor`` checks each one that is installed,
    and a hover on the first shows ``summary``."""
    required_import: str | None = None
    """An import ``tf-lsp doctor`` checks even where nothing provides it (the question tf-lsp is named for)."""
    provides: tuple[tuple[str, str], ...] = ()
    """(distribution, import name) pairs whose names differ, known from the wheels: a notebook's ``%pip install``
    of the distribution makes the import work."""
    status_key: str | None = None
    """A ``tfLsp/status`` field that older clients read the framework's version from (``tfVersion``)."""
    sources: tuple[str, ...] = field(default=())
    """Where the pack's facts come from (its knowledge module names the source of each record)."""


@lru(maxsize=None, stamp="none needed: tf-lsp's own pack modules")
def registry() -> tuple[RulePack, ...]:
    """Every pack of ``PACK_MODULES``, imported on first use (tf_lsp.checks builds its lists from it)."""
    packs = []
    for name in PACK_MODULES:
        mod = importlib.import_module(name)           # raises: a missing pack fails loudly
        pack = getattr(mod, "PACK", None)
        if not isinstance(pack, RulePack):
            raise TypeError(f"{name} is listed as a rule pack but defines no PACK = RulePack(...)")
        packs.append(pack)
    return tuple(packs)


@dataclass(frozen=True)
class NamedFramework:
    """A framework no rule pack covers yet, named in the status bar and shown by doctor only (no check, no
    ownership, no verify)."""

    name: str                         # "PyTorch"
    short: str                        # what the status bar shows
    distributions: tuple[str, ...]    # any of these installed means this framework
    imports: tuple[str, ...] = ()     # what ``tf-lsp doctor`` checks when installed


NAMED_ONLY: tuple[NamedFramework, ...] = (
    NamedFramework("Keras", "Keras", ("keras", "keras-nightly"), ("keras",)),
    NamedFramework("PyTorch", "PyTorch", ("torch",), ("torch",)),
)
"""Asked after every pack's ``summary`` (TensorFlow and JAX come from theirs). Distribution names are the ones each
project's install page tells people to install (https://keras.io/getting_started/,
https://pytorch.org/get-started/locally/). A framework that gets checks becomes a ``RulePack`` and leaves this list."""


def named_framework(index) -> dict | None:
    """``{"name", "short", "version", "distribution"}`` of the first of ``NAMED_ONLY`` installed in ``index`` (an
    environment's distribution index), or None."""
    for fw in NAMED_ONLY:
        for dist_name in fw.distributions:
            for dist in index.all(dist_name):
                return {"name": fw.name, "short": fw.short, "version": dist.version, "distribution": dist.display_name}
    return None


def owned_distributions() -> frozenset[str]:
    return frozenset(d for p in registry() for d in p.distributions)


def key_distributions() -> tuple[str, ...]:
    """Every pack's distributions and companions, in registry order (``tf-lsp verify`` without names, doctor)."""
    return tuple(dict.fromkeys(d for p in registry() for d in (*p.distributions, *p.companions)))


def named_distributions() -> tuple[str, ...]:
    """The distributions of ``NAMED_ONLY`` that no pack lists: ``tf-lsp doctor`` shows them too."""
    known = set(key_distributions())
    return tuple(dict.fromkeys(d for fw in NAMED_ONLY for d in fw.distributions if d not in known))


def covered_import_names() -> frozenset[str]:
    return frozenset(n for p in registry() for n in p.import_names)


def overridden_families() -> tuple[frozenset[str], ...]:
    return tuple(dict.fromkeys(f for p in registry() for f in p.overrides))


def pack_of_check(check) -> RulePack | None:
    return next((p for p in registry() if p.check is check), None)


def checked_imports() -> frozenset[str]:
    """Top-level names whose statements a pack's check answers in full (the generic TFL112/TFL117 skip them)."""
    return frozenset(n for p in registry() for n in p.checked_imports)


def key_imports() -> tuple[tuple[str, bool], ...]:
    """(import, checked even when not installed) of every pack's ``key_imports`` and ``required_import`` in
    registry order, then the ``imports`` of ``NAMED_ONLY``: what ``tf-lsp doctor`` checks."""
    out: dict[str, bool] = {}
    for p in registry():
        if p.required_import:
            out[p.required_import] = True
        for name in p.key_imports:
            out.setdefault(name, False)
    for fw in NAMED_ONLY:
        for name in fw.imports:
            out.setdefault(name, False)
    return tuple(out.items())


def provided_imports(dist: str) -> tuple[str, ...]:
    """Import names a pack knows ``dist`` (a normalized distribution name) to provide, other than its own."""
    return tuple(dict.fromkeys(name for p in registry() for d, name in p.provides if d == dist))


def summary_pack(top: str) -> RulePack | None:
    """The pack whose framework ``top`` is (the first of its ``key_imports``): a hover there shows its summary."""
    return next((p for p in registry() if p.key_imports and p.key_imports[0] == top), None)


def summaries_by_pack(env: "EnvState", environ: Mapping[str, str]) -> list[tuple[RulePack, PackSummary]]:
    """(pack, its summary of ``env``) for each pack whose framework is installed."""
    out = []
    for pack in registry():
        if pack.summary is None:
            continue
        s = pack.summary(env, environ)
        if s is not None:
            out.append((pack, s))
    return out


def summaries(env: "EnvState", environ: Mapping[str, str]) -> list[PackSummary]:
    """Each pack's summary of ``env`` (packs whose framework is not installed say nothing)."""
    return [s for _pack, s in summaries_by_pack(env, environ)]


def status_fields(env: "EnvState", environ: Mapping[str, str]) -> dict[str, Any]:
    """The framework part of ``tfLsp/status``: ``framework`` (the first installed pack's, else a framework of
    ``NAMED_ONLY``), ``frameworks`` (every installed pack's summary) and each pack's ``status_key`` (its version,
    None when not installed: what older clients read)."""
    found = summaries_by_pack(env, environ)
    out: dict[str, Any] = {p.status_key: None for p in registry() if p.status_key}
    for pack, s in found:
        if pack.status_key:
            out[pack.status_key] = s.version
    out["framework"] = found[0][1].status_label() if found else named_framework(env.index)
    out["frameworks"] = [s.to_json() for _pack, s in found]
    return out


__all__ = ["RulePack", "PackSummary", "registry", "PACK_MODULES", "owned_distributions", "covered_import_names",
           "overridden_families", "key_distributions", "pack_of_check", "summaries", "summaries_by_pack",
           "NamedFramework", "NAMED_ONLY", "named_framework", "checked_imports", "key_imports", "provided_imports",
           "summary_pack", "status_fields", "named_distributions"]
