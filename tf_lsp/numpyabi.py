"""Which NumPy an extension module was compiled against, read from the ``.so`` itself (``knowledge/numpy_abi``).

One pass over the file (memory-mapped, nothing loaded or run), cached by path, size and mtime like every other
file-derived fact.
"""
from __future__ import annotations

import mmap
import re
from dataclasses import dataclass

from tf_lsp import safeio
from tf_lsp.filecache import cached_by_stamp
from tf_lsp.knowledge.numpy_abi import BUILT_FOR_1, BUILT_FOR_2, CAPI_MARKERS

_VERSION = 1
_PATTERN = re.compile(b"|".join(re.escape(m) for m in (*CAPI_MARKERS, BUILT_FOR_1, BUILT_FOR_2))
                      + rb"|C-API version 0x%x \(NumPy (\d+\.\d+)\)")


@dataclass(frozen=True)
class NumpyBuild:
    uses_capi: bool               # runs NumPy's import_array()
    built_for: str | None         # "1.x" / "2.x" (None when it does not use the C API)
    target: str | None            # the oldest C-API it accepts, as written in the module (``1.23``)

    def to_json(self) -> list:
        return [self.uses_capi, self.built_for, self.target]

    @staticmethod
    def from_json(d: list) -> "NumpyBuild":
        return NumpyBuild(*d)


def numpy_build(path: str) -> NumpyBuild | None:
    """What NumPy ``path`` (an extension module) was compiled against; None when it cannot be read."""
    return cached_by_stamp("numpyabi", path, _scan, version=_VERSION, encode=NumpyBuild.to_json,
                           decode=NumpyBuild.from_json)


def _scan(path: str) -> NumpyBuild:
    found: set[bytes] = set()
    target = None
    with safeio.open_regular(path) as fh:      # a regular file only (a FIFO named like an extension cannot hang us)
        try:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:          # an empty file
            return NumpyBuild(False, None, None)
        with data:
            for m in _PATTERN.finditer(data):
                if m.group(1):
                    target = m.group(1).decode()
                else:
                    found.add(m.group(0))
    uses = all(c in found for c in CAPI_MARKERS)
    built = None if not uses else "2.x" if BUILT_FOR_2 in found else "1.x" if BUILT_FOR_1 in found else None
    return NumpyBuild(uses, built, target)
