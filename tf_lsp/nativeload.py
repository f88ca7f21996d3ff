"""Can the dynamic loader open every shared library an extension module needs? Read from the files (``elf``), in
the order glibc's ld.so searches for a DT_NEEDED name without a slash (ld.so(8), "Rpath token expansion" and the
search order in its DESCRIPTION):

1. a library already loaded into the process under that name (the interpreter's own libraries, and what earlier
   extension modules of the same import loaded): it is used again;
2. the DT_RPATH folders of the object and of the objects that loaded it (only when the object has no DT_RUNPATH;
   ``elf.DynamicInfo.runpath`` holds either, and both are tried here: a folder too many only finds more);
3. ``LD_LIBRARY_PATH`` of the run environment;
4. the object's DT_RUNPATH folders (``$ORIGIN`` expanded: auditwheel's ``numpy.libs/`` and ``scipy.libs/``);
5. the loader cache ``/etc/ld.so.cache`` (the names it lists), then the default folders ``/lib``, ``/usr/lib``
   (and their 64-bit twins).

A name with a slash is opened as that path. A name found nowhere fails the import with ``ImportError: <name>:
cannot open shared object file: No such file or directory`` — unless a module of the import loads libraries by
path itself (``ctypes.CDLL(path)``, as packages do for libraries of other wheels, e.g. CUDA's under
``site-packages/nvidia/*/lib``) and a file of that name exists in such a folder: then it may be loaded already,
and the verdict is unknown (``preloadable``), never an error.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from tf_lsp import safeio
from tf_lsp.elf import dynamic_info, search_dirs
from tf_lsp.filecache import by_mtime, registered

LD_CACHE = "/etc/ld.so.cache"
DEFAULT_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64")
MAX_OBJECTS = 2000
# the cache's string table holds each library's path (its key, the name, is often stored as the tail of that path)
_CACHE_NAME = re.compile(rb"[\x00/]([^\x00/]{1,200}?\.so(?:\.[^\x00/]{0,40})?)(?=\x00)")
_CACHES: dict[str, tuple[int, frozenset[str]]] = registered(
    {}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


@dataclass(frozen=True)
class Unloadable:
    extension: str                  # the extension module file the import loads
    needer: str                     # the object whose DT_NEEDED names the library (the extension or a library of it)
    library: str                    # the DT_NEEDED name
    searched: tuple[str, ...]       # folders tried (RPATH/RUNPATH with $ORIGIN expanded, LD_LIBRARY_PATH)
    preloadable: str | None = None  # a file of that name in a wheel folder that code of the import may preload


def _read_cache(path: str) -> frozenset[str]:
    try:
        data = safeio.read_bytes(path, limit=64 << 20)
    except OSError:
        return frozenset()
    return frozenset(m.decode("utf-8", "replace") for m in _CACHE_NAME.findall(data))


def cached_names(path: str = LD_CACHE) -> frozenset[str]:
    """The library names ``/etc/ld.so.cache`` maps (its keys, e.g. ``libz.so.1``), re-read when the file changes."""
    return by_mtime(_CACHES, path, _read_cache, missing=frozenset())


def _find(name: str, dirs: list[str]) -> str | None:
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    return None


class Loader:
    """One process's loader state: the libraries loaded so far (by name), grown by each extension checked."""

    def __init__(self, *, ld_library_path: str = "", interpreter: str | None = None,
                 cache: frozenset[str] | None = None):
        self.env_dirs = [os.path.abspath(p) for p in ld_library_path.split(":") if p]
        self.cache = cached_names() if cache is None else cache
        self.loaded: set[str] = set()
        self.seen: set[str] = set()
        if interpreter:
            for _ in self._walk(os.path.realpath(interpreter), extension=interpreter):
                pass                         # the interpreter's own libraries are in the process first

    def check(self, extension: str) -> list[Unloadable]:
        """Libraries ``extension`` needs (transitively) that the loader cannot find."""
        return list(self._walk(extension, extension=extension))

    def _walk(self, start: str, *, extension: str):
        queue: list[tuple[str, tuple[str, ...]]] = [(start, ())]
        while queue and len(self.seen) < MAX_OBJECTS:
            obj, inherited = queue.pop(0)
            if obj in self.seen:
                continue
            self.seen.add(obj)
            self.loaded.add(os.path.basename(obj))
            info = dynamic_info(obj)
            if info is None:
                continue                     # not an ELF file we can read: unknown, nothing said
            own = search_dirs(obj, info)
            for name in info.needed:
                if name in self.loaded:
                    continue
                if "/" in name:
                    found = name if os.path.isfile(name) else None
                    dirs: list[str] = []
                else:
                    dirs = list(dict.fromkeys([*own, *inherited, *self.env_dirs]))
                    found = _find(name, dirs)
                    if found is None and name in self.cache:
                        self.loaded.add(name)        # a system library: not followed further
                        continue
                    if found is None:
                        found = _find(name, list(DEFAULT_DIRS))
                if found is None:
                    yield Unloadable(extension, obj, name, tuple(dirs))
                    continue
                self.loaded.add(name)
                queue.append((os.path.realpath(found), tuple(dict.fromkeys([*own, *inherited]))))


def find_in(name: str, dirs: tuple[str, ...]) -> str | None:
    """The first ``dirs/name`` that is a file."""
    return _find(name, list(dirs))


def wheel_lib_dirs(site_packages: tuple[str, ...]) -> tuple[str, ...]:
    """Folders of installed wheels that hold shared libraries a package may load by path: ``<site>/<x>.libs``,
    ``<site>/<x>/lib`` and ``<site>/<x>/<y>/lib`` (nvidia/cuda_runtime/lib)."""
    out: list[str] = []
    for site in site_packages:
        try:
            names = sorted(os.listdir(site))
        except OSError:
            continue
        for n in names:
            full = os.path.join(site, n)
            if n.endswith(".libs"):
                out.append(full)
            elif n.isidentifier() and os.path.isdir(full):
                if os.path.isdir(os.path.join(full, "lib")):
                    out.append(os.path.join(full, "lib"))
                try:
                    subs = sorted(os.listdir(full))
                except OSError:
                    continue
                out += [os.path.join(full, s, "lib") for s in subs if os.path.isdir(os.path.join(full, s, "lib"))]
    return tuple(out)


__all__ = ["Loader", "Unloadable", "cached_names", "find_in", "wheel_lib_dirs", "LD_CACHE", "DEFAULT_DIRS"]
