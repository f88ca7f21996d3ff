"""One interpreter's environment: its snapshot and distribution index, with change detection.

Staleness is decided by stat-ing the sys.path folders (a handful of ``stat`` calls, no walk, no subprocess):
``pip install`` / ``uninstall`` renames or creates entries in site-packages, which changes its mtime.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Mapping

from tf_lsp.distributions import DistIndex, build_index
from tf_lsp.environment import Snapshot, path_stamps, startup_files
from tf_lsp.environment import snapshot as take_snapshot


def _stamp(entries) -> tuple:
    return tuple(map(tuple, path_stamps(entries)))


@dataclass(eq=False)
class EnvState:
    python: Path
    snapshot: Snapshot
    index: DistIndex
    stamp: tuple = field(repr=False)

    def is_stale(self) -> bool:
        return _stamp(s[0] for s in self.stamp) != self.stamp

    @cached_property
    def editable_mapping(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for d in self.index.dists:
            out.update(d.editable_mapping)
        return out

    @property
    def marker_env(self) -> dict[str, str]:
        return self.snapshot.marker_environment()

    def version_of(self, dist_name: str) -> str | None:
        d = self.index.get(dist_name)
        return d.version if d else None


def load_env(python: Path, *, environ: Mapping[str, str] | None = None, static: bool = False,
             isolated: bool = False, pythonpath: str | None = None) -> EnvState:
    snap = take_snapshot(Path(python), environ=environ, static=static, isolated=isolated, pythonpath=pythonpath)
    watch = list(snap.sys_path)
    if snap.user_site:
        watch.append(snap.user_site)
    watch += startup_files(   # .pth files edited in place move no folder's mtime
        [*snap.site_packages, *([snap.user_site] if snap.user_site else [])])
    index = build_index(snap.sys_path)
    return EnvState(python=Path(python), snapshot=snap, index=index, stamp=_stamp(dict.fromkeys(watch)))
