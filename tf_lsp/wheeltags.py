"""Wheel tags, one implementation: the ``Tag:`` lines of a distribution's WHEEL file and what a platform tag says
about the operating system and the CPU architecture.

Architecture names are canonicalised the way Linux spells them (``aarch64``, ``x86_64``): macOS and Windows wheels
say ``arm64`` / ``amd64`` for the same CPUs (source: PEP 425 platform tags and the packaging project's
``packaging.tags`` documentation, where ``macosx_11_0_arm64`` and ``win_amd64`` name those CPUs).
"""
from __future__ import annotations

import os
from pathlib import Path

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, registered

ARCH_ALIASES: dict[str, str] = {
    "x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64",
    "aarch64": "aarch64", "arm64": "aarch64",
    "i686": "i686", "i386": "i686", "x86": "i686", "win32": "i686",
    "ppc64le": "ppc64le", "s390x": "s390x", "armv7l": "armv7l",
    "universal2": "universal2",
}
"""Spellings of one architecture in platform tags and in ``platform.machine()`` -> one canonical name."""

_TAGS: dict = registered({}, stamp="WHEEL's stamp (mtime, size, inode; by_mtime)")


def canonical_arch(name: str) -> str:
    """``arm64`` -> ``aarch64``, ``AMD64`` -> ``x86_64``; unknown names are returned lower-cased."""
    low = (name or "").lower()
    return ARCH_ALIASES.get(low, low)


def arch_of(platform_tag: str) -> str | None:
    """The canonical architecture a platform tag is built for (``manylinux_2_17_aarch64`` -> ``aarch64``,
    ``macosx_11_0_universal2`` -> ``universal2``); None for ``any`` or an unknown tag."""
    tag = platform_tag.lower()
    for spelling in sorted(ARCH_ALIASES, key=len, reverse=True):
        if tag.endswith(spelling):
            return ARCH_ALIASES[spelling]
    return None


def os_of(platform_tag: str) -> str | None:
    """``linux``, ``win32`` or ``darwin`` for a platform tag; None for ``any`` or an unknown tag."""
    tag = platform_tag.lower()
    if tag.startswith(("manylinux", "musllinux", "linux")):
        return "linux"
    if tag.startswith("win"):
        return "win32"
    if tag.startswith("macosx"):
        return "darwin"
    return None


def arch_fits(platform_tag: str, machine: str) -> bool:
    """Whether a wheel of ``platform_tag`` runs on a CPU ``machine`` (``universal2`` fits both macOS CPUs)."""
    arch = arch_of(platform_tag)
    return arch is None or arch == canonical_arch(machine) or arch == "universal2"


def _read_tags(path: str) -> tuple[str, ...]:
    text = safeio.read_text(path)          # a regular file only, size-capped (a WHEEL that is a FIFO cannot hang us)
    return tuple(line.partition(":")[2].strip() for line in text.splitlines() if line.lower().startswith("tag:"))


def wheel_tags(dist) -> tuple[str, ...]:
    """The ``Tag:`` lines of ``dist``'s WHEEL file (empty when there is none), re-read when the file changes (a
    same-version force-reinstall of another wheel rewrites it)."""
    path = os.path.join(str(Path(dist.metadata_dir)), "WHEEL")
    return by_mtime(_TAGS, path, _read_tags, missing=())


__all__ = ["ARCH_ALIASES", "canonical_arch", "arch_of", "os_of", "arch_fits", "wheel_tags"]
