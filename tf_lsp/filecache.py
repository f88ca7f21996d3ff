"""The engine's caches: in memory, a value derived from a file or folder kept until its mtime changes (one ``stat``
per use; no subprocess, no walk); on disk, one root folder and one way to write a file whole or not at all."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def by_mtime(cache: dict, path: str, compute: Callable[[str], T], *, missing: T = None) -> T:
    """``compute(path)``, cached in ``cache`` until ``path``'s mtime, size or inode changes. ``missing`` when ``path`` cannot
    be stat-ed, or when ``compute`` raises OSError (that result is not cached: the next call tries again)."""
    try:
        st = os.stat(path)
    except OSError:
        return missing
    mtime = (st.st_mtime_ns, st.st_size, st.st_ino)      # a file replaced by another of the same mtime still differs
    hit = cache.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    try:
        value = compute(path)
    except OSError:
        return missing
    cache[path] = (mtime, value)
    return value


def cache_root() -> Path:
    """Where tf-lsp keeps what outlives a process: ``$TF_LSP_CACHE_DIR``, else ``$XDG_CACHE_HOME/tf-lsp``, else
    ``~/.cache/tf-lsp``."""
    base = os.environ.get("TF_LSP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tf-lsp")
    return Path(base)


def write_atomic(path: Path, data: str | bytes) -> bool:
    """Write ``path`` through a temporary file and a rename, so a reader never sees half a file (and concurrent
    writers each leave a whole one). False when it could not be written: caches are best effort."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
