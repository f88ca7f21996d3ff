"""The engine's caches: in memory, a value derived from a file or folder kept until its mtime changes (one ``stat``
per use; no subprocess, no walk); on disk, one root folder and one way to write a file whole or not at all."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar, cast

T = TypeVar("T")
_PASS = threading.local()         # .seen: {path: mtime or None} while a pass is open in this thread
_READS = threading.local()        # .stack: the read sets of the ``recording`` blocks open in this thread
_MISSING = object()


@contextmanager
def one_pass() -> Iterator[None]:
    """Within the block (one file's check), a path whose mtime was read once is not stat-ed again, and
    ``in_pass`` values are computed once: the check sees one state of the disk, and costs one ``stat`` per folder
    instead of one per import and folder (a file with 100,000 imports). Per thread; nested blocks share the outer."""
    if getattr(_PASS, "seen", None) is not None:
        yield
        return
    _PASS.seen, _PASS.values = {}, {}
    try:
        yield
    finally:
        _PASS.seen = _PASS.values = None


def in_pass(key, compute: Callable[[], T]) -> T:
    """``compute()``, once per ``one_pass`` block (every time outside one)."""
    values = getattr(_PASS, "values", None)
    if values is None:
        return compute()
    hit = values.get(key, _MISSING)
    if hit is _MISSING:
        hit = values[key] = compute()
    return hit


def _stamp(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)      # a file replaced by another of the same mtime still differs


def _stamp_or_none(path: str) -> tuple[int, int, int] | None:
    """``_stamp(path)``, None when it cannot be stat-ed; read once per ``one_pass`` block."""
    seen = getattr(_PASS, "seen", None)
    hit = _MISSING if seen is None else seen.get(path, _MISSING)
    if hit is _MISSING:
        try:
            hit = _stamp(path)
        except OSError:
            hit = None
        if seen is not None:
            seen[path] = hit
    return hit


def _mtime(path: str) -> tuple[int, int, int]:
    """The validity stamp of ``path`` (mtime, size, inode), read once per ``one_pass`` block, and noted in every
    open ``recording`` block."""
    hit = _stamp_or_none(path)
    stack = getattr(_READS, "stack", None)
    if stack:
        for reads in stack:
            reads[path] = hit
    if hit is None:
        raise FileNotFoundError(path)
    return hit


# --- read sets: a value derived from many files, valid while every one of them is as it was ------------------------

@contextmanager
def recording() -> Iterator[dict]:
    """Within the block, every path whose stamp the engine reads (``by_mtime``, ``cached_by_stamp``, ``note``) is
    collected into the yielded dict (path -> stamp, None for a path that does not exist). Blocks nest: an inner
    block's reads are the outer's too."""
    stack = getattr(_READS, "stack", None)
    if stack is None:
        stack = _READS.stack = []
    reads: dict = {}
    stack.append(reads)
    try:
        yield reads
    finally:
        stack.pop()


def add_reads(reads: dict) -> None:
    """Add a read set recorded earlier (a shared part of the computation) to the open ``recording`` blocks."""
    for open_reads in getattr(_READS, "stack", None) or ():
        open_reads.update(reads)


def is_recording() -> bool:
    return bool(getattr(_READS, "stack", None))


def note(path: str) -> None:
    """Add ``path``'s current stamp to the open ``recording`` blocks (for a read that goes around the caches)."""
    if is_recording():
        try:
            _mtime(path)
        except OSError:
            pass


def _reads_hold(reads: list) -> bool:
    for path, old in reads:
        now = _stamp_or_none(path)
        if (None if now is None else list(now)) != old:
            return False
    return True


def cached_by_reads(kind: str, key: object, compute: Callable[[], T], *, version: int,
                    encode: Callable[[T], object], decode: Callable[[Any], T]) -> T:
    """``compute()`` kept on disk (``<cache root>/<kind>/``) with its read set: every path whose stamp was read while
    it ran (see ``recording``). A stored value is used only when ``key`` (JSON: every input that is not a file) is
    the same and every path of its read set still has the stamp it had (a missing path is still missing), so the
    value is the one a fresh computation would give. The computation's own reads still reach outer recordings."""
    blob = json.dumps([version, key], sort_keys=True, default=str)
    digest = hashlib.sha256(blob.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    file = cache_root() / kind / digest[:2] / f"{digest}.json"
    try:
        data = json.loads(file.read_text())
        if data.get("key") == blob and _reads_hold(data["reads"]):
            value = decode(data["value"])
            stack = getattr(_READS, "stack", None)
            if stack:
                for path, st in data["reads"]:
                    for reads in stack:
                        reads[path] = None if st is None else tuple(st)
            return value
    except (OSError, ValueError, KeyError, TypeError):
        pass
    with recording() as reads:
        value = compute()
    if all(_unchanged(p, st) for p, st in reads.items()):        # nothing changed while it ran: safe to keep
        write_atomic(file, json.dumps({"key": blob, "value": encode(value),
                                       "reads": [[p, None if st is None else list(st)] for p, st in reads.items()]}))
    return value


def _unchanged(path: str, st) -> bool:
    try:
        return _stamp(path) == st
    except OSError:
        return st is None


def by_mtime(cache: dict, path: str, compute: Callable[[str], T], *, missing: T = None) -> T:
    """``compute(path)``, cached in ``cache`` until ``path``'s mtime, size or inode changes. ``missing`` when ``path`` cannot
    be stat-ed, or when ``compute`` raises OSError (that result is not cached: the next call tries again)."""
    try:
        mtime = _mtime(path)
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


def stamp(path: str) -> tuple[int, int] | None:
    """(size, mtime in ns) of a file: what a cached fact derived from it is checked against. Read once per
    ``one_pass`` block (one state of the disk per file's check), like ``by_mtime``'s."""
    st = _stamp_or_none(path)
    return None if st is None else (st[1], st[0])


def _fresh_stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


_STAMPED: dict[tuple[str, str], tuple[tuple[int, int], object]] = {}


def cached_by_stamp(kind: str, path: str, compute: Callable[[str], T], *, version: int,
                    encode: Callable[[T], object], decode: Callable[[Any], T]) -> T | None:
    """``compute(path)`` cached in memory and on disk (``<cache root>/<kind>/``), each entry stamped with the
    file's path, size and mtime: a hit is used only when all three still match, so the value is the same as a fresh
    computation (never a leftover of an older file). None when ``path`` cannot be stat-ed."""
    st = stamp(path)
    if st is None:
        note(path)
        return None
    note(path)
    hit = _STAMPED.get((kind, path))
    if hit is not None and hit[0] == st:
        return cast(T, hit[1])          # one kind is always stored by one caller, with one value type
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    file = cache_root() / kind / digest[:2] / f"{digest}.json"
    value = None
    try:
        data = json.loads(file.read_text())
        if data.get("v") == version and data.get("path") == path and tuple(data.get("stamp", ())) == st:
            value = decode(data["value"])
    except (OSError, ValueError, KeyError, TypeError):
        value = None
    if value is None:
        value = compute(path)
        if _fresh_stamp(path) == st:        # not rewritten while we read it: safe to keep
            write_atomic(file, json.dumps({"v": version, "path": path, "stamp": list(st), "value": encode(value)}))
    _STAMPED[(kind, path)] = (st, value)
    return value


def clear_memory() -> None:
    """Forget the in-memory stamped values (the disk entries stay, and are still checked against their files)."""
    _STAMPED.clear()
