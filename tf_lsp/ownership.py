"""Which distribution wrote a file last, when several install the same paths (``tf-nightly`` over
``tensorflow-cpu``): a file that differs from one RECORD but is exactly what another distribution of the same folder
recorded — and that distribution was installed later (its ``.dist-info`` is newer) — is that distribution's file,
not damage."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tf_lsp.filecache import Stamp, registered, stamp

if TYPE_CHECKING:
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState


def _sizes(dist: "Distribution") -> dict[str, int | None]:
    return {os.path.normpath(e.path): e.size for e in dist.record}


_SIZES: dict[str, tuple[Stamp | None, dict[str, int | None]]] = registered({},
    stamp="RECORD's stamp (mtime, size, inode)")


def recorded_sizes(dist: "Distribution") -> dict[str, int | None]:
    """RECORD path -> size, kept while RECORD's stamp is the same."""
    key = str(dist.metadata_dir)
    st = stamp(os.path.join(key, "RECORD"))
    hit = _SIZES.get(key)
    if hit is None or hit[0] != st:
        hit = _SIZES[key] = (st, _sizes(dist))
    return hit[1]


def _installed_at(dist: "Distribution") -> int:
    try:
        return os.stat(dist.metadata_dir).st_mtime_ns
    except OSError:
        return 0


def written_by_other(env: "EnvState", dist: "Distribution", rel: str) -> "Distribution | None":
    """The distribution that wrote ``rel`` (a path of ``dist``'s RECORD whose size on disk differs from it) last,
    if another one of the same folder recorded exactly the size on disk and was installed after ``dist``."""
    rel = os.path.normpath(rel)
    st = stamp(os.path.join(dist.location, rel))
    if st is None:
        return None
    mine = _installed_at(dist)
    best = None
    for other in env.index.dists:
        if other is dist or os.path.normpath(other.location) != os.path.normpath(dist.location):
            continue
        size = recorded_sizes(other).get(rel, -1)
        if size == st[1] and _installed_at(other) >= mine:      # stamp: (mtime, size, inode)
            if best is None or _installed_at(other) > _installed_at(best):
                best = other
    return best
