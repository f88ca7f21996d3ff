"""One mechanism for the engine's in-memory caches: a value derived from a file or folder, kept until its mtime
changes (one ``stat`` per use; no subprocess, no walk)."""
from __future__ import annotations

import os
from typing import Callable, TypeVar

T = TypeVar("T")


def by_mtime(cache: dict, path: str, compute: Callable[[str], T], *, missing: T = None) -> T:
    """``compute(path)``, cached in ``cache`` until ``path``'s mtime changes. ``missing`` when ``path`` cannot
    be stat-ed, or when ``compute`` raises OSError (that result is not cached: the next call tries again)."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return missing
    hit = cache.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    try:
        value = compute(path)
    except OSError:
        return missing
    cache[path] = (mtime, value)
    return value
