"""What a Linux shared object asks the dynamic loader for: its DT_NEEDED names and its RUNPATH/RPATH folders.

Read from the ELF program headers and the PT_DYNAMIC segment only (a few kB of a file that may be hundreds of MB);
nothing is loaded or run. Used to tell whether a library missing from an installed package is one an extension
module of the import needs (``libtensorflow_framework.so.2``): the loader then fails with "cannot open shared
object file" before any Python code of the extension runs.

Layout facts from the System V ABI's ELF specification (e_phoff/e_phentsize/e_phnum, PT_LOAD = 1,
PT_DYNAMIC = 2, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_RPATH = 15, DT_RUNPATH = 29).
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, lru, registered

_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_RPATH, _DT_RUNPATH = 0, 1, 5, 10, 15, 29


@dataclass(frozen=True)
class DynamicInfo:
    needed: tuple[str, ...]
    runpath: tuple[str, ...]        # RUNPATH entries, else RPATH entries ($ORIGIN not yet expanded)


_CACHE: dict[str, tuple[int, DynamicInfo | None]] = registered({},
    stamp="the file's stamp (mtime, size, inode; by_mtime)")


def dynamic_info(path: str) -> DynamicInfo | None:
    """DT_NEEDED and RUNPATH of an ELF file; None when it is not an ELF shared object we can read."""
    return by_mtime(_CACHE, path, _read)


def search_dirs(path: str, info: DynamicInfo) -> list[str]:
    """The RUNPATH folders of ``path`` with ``$ORIGIN`` expanded (the loader's first stop for a DT_NEEDED name)."""
    return list(_search_dirs(os.path.abspath(path), info))


@lru(maxsize=8192, stamp="the key is the absolute path and its RUNPATH entries")
def _search_dirs(path: str, info: DynamicInfo) -> tuple[str, ...]:
    origin = os.path.dirname(path)
    out = []
    for entry in info.runpath:
        d = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
        out.append(os.path.normpath(d if os.path.isabs(d) else os.path.join(origin, d)))
    return tuple(out)


def _read(path: str) -> DynamicInfo | None:
    with safeio.open_regular(path) as fh:
        ident = fh.read(64)
        if len(ident) < 52 or ident[:4] != b"\x7fELF":
            return None
        is64 = ident[4] == 2
        end = "<" if ident[5] == 1 else ">"
        if is64:
            phoff, = struct.unpack_from(end + "Q", ident, 32)
            phentsize, phnum = struct.unpack_from(end + "HH", ident, 54)
        else:
            phoff, = struct.unpack_from(end + "I", ident, 28)
            phentsize, phnum = struct.unpack_from(end + "HH", ident, 42)
        if not phnum or phnum > 4096 or phentsize < (56 if is64 else 32):
            return None
        fh.seek(phoff)
        table = fh.read(phentsize * phnum)
        loads: list[tuple[int, int, int]] = []          # (vaddr, offset, filesz)
        dynamic: tuple[int, int] | None = None          # (offset, filesz)
        for i in range(phnum):
            base = i * phentsize
            if base + phentsize > len(table):
                break
            if is64:
                p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(end + "IIQQQQ", table, base)
            else:
                p_type, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(end + "IIIII", table, base)
            if p_type == _PT_LOAD:
                loads.append((p_vaddr, p_offset, p_filesz))
            elif p_type == _PT_DYNAMIC:
                dynamic = (p_offset, p_filesz)
        if dynamic is None:
            return DynamicInfo((), ())
        fh.seek(dynamic[0])
        raw = fh.read(min(dynamic[1], 1 << 20))
        entry = struct.Struct(end + ("qQ" if is64 else "iI"))
        tags: list[tuple[int, int]] = []
        for off in range(0, len(raw) - entry.size + 1, entry.size):
            tag, val = entry.unpack_from(raw, off)
            if tag == _DT_NULL:
                break
            tags.append((tag, val))
        strtab = next((v for t, v in tags if t == _DT_STRTAB), None)
        strsz = next((v for t, v in tags if t == _DT_STRSZ), 0)
        if strtab is None:
            return DynamicInfo((), ())
        str_off = next((off + (strtab - va) for va, off, size in loads if va <= strtab < va + size), None)
        if str_off is None:
            return None

        def at(i: int) -> str:
            if i >= strsz:
                return ""
            fh.seek(str_off + i)
            chunk = fh.read(4096)
            stop = chunk.find(b"\0")
            return chunk[:stop if stop >= 0 else len(chunk)].decode("utf-8", "replace")

        needed = tuple(at(v) for t, v in tags if t == _DT_NEEDED)
        runpath = [at(v) for t, v in tags if t == _DT_RUNPATH] or [at(v) for t, v in tags if t == _DT_RPATH]
    folders = tuple(p for r in runpath for p in r.split(":") if p)
    return DynamicInfo(needed, folders)


__all__ = ["DynamicInfo", "dynamic_info", "search_dirs"]
