"""The engine's caches, in one place.

- One stamp: ``stamp(path)`` is (mtime in ns, size, inode), read once per ``one_pass`` block; every cached fact
  derived from a file or folder is kept only while that stamp is the same (``by_mtime`` in memory,
  ``cached_by_stamp`` in memory and on disk).
- One registry: every process cache of tf-lsp (module-level dicts, ``lru`` functions) is made through
  ``registered``/``lru``, each naming what its entries are checked against; ``clear_all`` empties them all (a
  refresh). tests/test_caches.py fails on a module-level cache that is not registered.
- On disk: one root folder (``cache_root``) and one way to write a file whole or not at all (``write_atomic``).
"""
from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import stat as _stat_mode
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar, cast

T = TypeVar("T")
_PASS = threading.local()         # .seen: {path: stamp or None}, .values while a pass is open in this thread
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
        flush_stamped()


def in_pass(key, compute: Callable[[], T]) -> T:
    """``compute()``, once per ``one_pass`` block (every time outside one)."""
    values = getattr(_PASS, "values", None)
    if values is None:
        return compute()
    hit = values.get(key, _MISSING)
    if hit is _MISSING:
        hit = values[key] = compute()
    return hit


Stamp = tuple[int, int, int]


def _stat_now(path: str) -> Stamp:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)      # a file replaced by another of the same mtime still differs


def _fresh(path: str) -> Stamp | None:
    try:
        return _stat_now(path)
    except OSError:
        return None


def _stamp_once(path: str) -> Stamp | None:
    seen = getattr(_PASS, "seen", None)
    if seen is None:
        return _fresh(path)
    hit = seen.get(path, _MISSING)
    if hit is _MISSING:
        hit = seen[path] = _fresh(path)
    return hit


def stamp(path: str) -> Stamp | None:
    """The validity stamp of ``path`` (mtime in ns, size, inode), None when it cannot be stat-ed: what every cached
    fact derived from a file or folder is checked against. Read once per ``one_pass`` block (the one stat cache),
    and noted in every open ``recording`` block."""
    hit = _stamp_once(path)
    stack = getattr(_READS, "stack", None)
    if stack:
        for reads in stack:
            reads[path] = hit
    return hit


# --- read sets: a value derived from many files, valid while every one of them is as it was ------------------------

class Reads(dict):
    """What a ``recording`` block read: path -> stamp (None for a path that does not exist), and the shared read
    sets it used by reference (``shared``: digest -> their paths and stamps, see ``shared_reads``)."""

    def __init__(self) -> None:
        super().__init__()
        self.shared: dict[str, dict] = {}
        self.keep = True        # False: a shared set's file changed while it was read; results are not stored

    def all_paths(self) -> dict:
        """Every path read, the shared sets' included."""
        out: dict = {}
        for reads in self.shared.values():
            out.update(reads)
        out.update(self)
        return out


@contextmanager
def recording() -> Iterator[Reads]:
    """Within the block, every path whose stamp the engine reads (``stamp``, hence ``by_mtime`` and
    ``cached_by_stamp``) is collected into the yielded dict (path -> stamp, None for a path that does not exist);
    shared read sets used in the block (``add_shared``) are kept by reference in its ``shared``.
    Blocks nest: an inner block's reads are the outer's too."""
    stack = getattr(_READS, "stack", None)
    if stack is None:
        stack = _READS.stack = []
    reads = Reads()
    stack.append(reads)
    try:
        yield reads
    finally:
        stack.pop()


@contextmanager
def unrecorded() -> Iterator[None]:
    """Within the block, reads are not noted in the open ``recording`` blocks (work done ahead for caches only, such
    as ``prefetch``: what a result depends on is what its own computation reads)."""
    stack = getattr(_READS, "stack", None)
    _READS.stack = []
    try:
        yield
    finally:
        _READS.stack = stack


def add_reads(reads: dict) -> None:
    """Add a read set recorded earlier (a shared part of the computation) to the open ``recording`` blocks."""
    for open_reads in getattr(_READS, "stack", None) or ():
        open_reads.update(reads)


def is_recording() -> bool:
    return bool(getattr(_READS, "stack", None))


def note(*paths: str | None) -> None:
    """Add each path's current stamp to the open ``recording`` blocks (for a read that goes around the caches, and
    for tf-lsp's own rule files: a changed tf-lsp computes again); None entries are skipped."""
    if is_recording():
        for path in paths:
            if path:
                stamp(path)


def _reads_hold(reads: list) -> bool:
    for path, old in reads:
        now = _stamp_once(path)
        if (None if now is None else list(now)) != old:
            return False
    return True


def _digest(text: str) -> str:
    """The name of a cache file for ``text`` (a key or a path): 32 hex digits of its sha256."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _readset_file(digest: str) -> Path:
    return cache_root() / "readsets" / digest[:2] / f"{digest}.json"


def shared_reads(reads: dict) -> str | None:
    """Keep ``reads`` — a read set that many results share, such as the walk of the package every statement under
    it starts with — once on disk, named by the digest of its content (paths and stamps), so each result refers to
    it instead of carrying thousands of paths. The digest; None when one of the paths changed since it was read
    (then results that used it are not stored)."""
    items = sorted([p, None if st is None else list(st)] for p, st in reads.items())
    blob = json.dumps(items)
    digest = _digest(blob)
    if not all(_fresh(p) == st for p, st in reads.items()):
        return None
    file = _readset_file(digest)
    if not file.exists():
        write_atomic(file, blob)
    return digest


def add_shared(digest: str | None, reads: dict) -> None:
    """Add a shared read set (``shared_reads``: its digest, and its paths and stamps) to the open ``recording``
    blocks, by reference. A None digest (it changed while read) adds the paths, and marks the blocks not to be
    stored."""
    for open_reads in getattr(_READS, "stack", None) or ():
        if digest is None:
            open_reads.update(reads)
            open_reads.keep = False
        else:
            open_reads.shared[digest] = reads


def _shared_holds(digest: str) -> dict | None:
    """The paths and stamps of a stored shared read set, when every one of them still has its stamp; once per
    ``one_pass`` (the stamps are read once per pass, so the answer is the same for every result that refers to
    it)."""
    def load() -> dict | None:
        try:
            items = json.loads(_readset_file(digest).read_text())
            reads = {p: None if st is None else tuple(st) for p, st in items}
        except (OSError, ValueError, TypeError):
            return None
        return reads if shared_hold(digest, reads) else None
    return in_pass(("shared-reads", cache_root(), digest), load)


def cached_by_reads(kind: str, key: object, compute: Callable[[], T], *, version: int,
                    encode: Callable[[T], object], decode: Callable[[Any], T]) -> T:
    """``compute()`` kept on disk (``<cache root>/<kind>/``) with its read set: every path whose stamp was read while
    it ran (see ``recording``), the shared read sets it used by their digest (``shared_reads``). A stored value is
    used only when ``key`` (JSON: every input that is not a file) is the same and every path of its read set and of
    its shared sets still has the stamp it had (a missing path is still missing), so the value is the one a fresh
    computation would give. The computation's own reads still reach outer recordings."""
    blob = json.dumps([version, key], sort_keys=True, default=str)
    digest = _digest(blob)
    file = cache_root() / kind / digest[:2] / f"{digest}.json"
    try:
        data = json.loads(file.read_text())
        if data.get("key") == blob and _reads_hold(data["reads"]):
            shared = {d: _shared_holds(d) for d in data.get("shared", ())}
            if all(r is not None for r in shared.values()):
                value = decode(data["value"])
                if is_recording():
                    add_reads({path: None if st is None else tuple(st) for path, st in data["reads"]})
                    for d, r in shared.items():
                        add_shared(d, cast(dict, r))
                return value
    except (OSError, ValueError, KeyError, TypeError):
        pass
    with recording() as reads:
        value = compute()
    # a path of a shared set is kept there only (the first result that used it read it too)
    own = {p: st for p, st in reads.items()
           if not any(p in r and r[p] == st for r in reads.shared.values())}
    if reads.keep and all(_fresh(p) == st for p, st in own.items()):    # nothing changed while it ran: safe to keep
        write_atomic(file, json.dumps({"key": blob, "value": encode(value),
                                       "reads": [[p, None if st is None else list(st)] for p, st in own.items()],
                                       "shared": sorted(reads.shared)}))
    return value


def shared_hold(digest: str, reads: dict) -> bool:
    """Does every path of a shared read set (``shared_reads``: its digest, and its paths and stamps) still have its
    stamp? Checked once per ``one_pass`` block (the digest names the content, so one answer serves every holder)."""
    return in_pass(("shared-hold", digest), lambda: all(_stamp_once(p) == st for p, st in reads.items()))


def by_mtime(cache: dict, path: str, compute: Callable[[str], T], *, missing: T = None) -> T:
    """``compute(path)``, cached in ``cache`` until ``path``'s stamp (mtime, size, inode) changes. ``missing`` when
    ``path`` cannot be stat-ed, or when ``compute`` raises OSError (that result is not cached: the next call tries
    again)."""
    st = stamp(path)
    if st is None:
        return missing
    hit = cache.get(path)
    if hit is not None and hit[0] == st:
        return hit[1]
    try:
        value = compute(path)
    except OSError:
        return missing
    cache[path] = (st, value)
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


_STAMPED: dict[tuple[str, str], tuple[Stamp, object]] = {}      # registered below


class _Store:
    """The disk side of ``cached_by_stamp``: one SQLite file under the cache root, one row per (kind, path) with
    the file's stamp and the encoded value. New rows wait in memory and are written in one transaction at the end
    of each pass (and every ``_BATCH`` rows, and at exit): TensorFlow's import runs ~2,400 modules, and one cache
    file per module cost about a second of file creation on a cold run. Any SQLite error (a locked, damaged or
    read-only file) makes a read a miss and a write a no-op, and anything but a regular file at its place (a FIFO, a
    symlink, a folder) is not opened: the cache is best effort, never an answer."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)     # a forked worker starts with its own connection

    def _reset(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[tuple[str, str, int, str, str]] = []
        self.pending_file: str | None = None      # the store the pending rows belong to
        self.conn = None
        self.conn_file: str | None = None

    @staticmethod
    def _file() -> str:
        key = (os.environ.get("TF_LSP_CACHE_DIR"), os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME"))
        if _FILE_FOR[0] != key:         # the path is worked out once per setting (this runs for every module)
            _FILE_FOR[:] = [key, str(cache_root() / "stamped.sqlite3")]
        return _FILE_FOR[1]

    def _connect(self, file: str):
        if self.conn_file != file:                # another cache root (tests, a changed setting)
            if self.conn is not None:
                try:
                    self.conn.close()
                except Exception:
                    pass
            self.conn, self.conn_file = None, file
            try:
                import sqlite3

                os.makedirs(os.path.dirname(file), exist_ok=True)
                try:
                    if not _stat_mode.S_ISREG(os.lstat(file).st_mode):
                        return None
                except FileNotFoundError:
                    pass
                conn = sqlite3.connect(file, timeout=2.0, check_same_thread=False, isolation_level=None)
                try:
                    # a write-ahead log: readers (the walk) are not blocked while a read-ahead helper writes, and
                    # a commit does not wait for the disk (a crash may lose the last commits, never the file)
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                except Exception:
                    pass
                conn.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, path TEXT, version INTEGER, "
                             "stamp TEXT, value TEXT, PRIMARY KEY (kind, path))")
                self.conn = conn
            except Exception:                        # sqlite3.Error, OSError, no sqlite3 in this Python
                self.conn = None
        return self.conn

    def _row(self, sql: str, args: tuple):
        with self.lock:
            conn = self._connect(self._file())
            if conn is None:
                return None
            try:
                return conn.execute(sql, args).fetchone()
            except Exception:
                return None

    def get(self, kind: str, path: str, version: int, st: Stamp):
        row = self._row("SELECT value FROM entries WHERE kind = ? AND path = ? AND version = ? AND stamp = ?",
                        (kind, path, version, _stamp_text(st)))
        if row is None:
            return _MISSING
        try:
            return json.loads(row[0])
        except (ValueError, TypeError):
            return _MISSING

    def has(self, kind: str, path: str, version: int, st: Stamp) -> bool:
        return self._row("SELECT 1 FROM entries WHERE kind = ? AND path = ? AND version = ? AND stamp = ?",
                         (kind, path, version, _stamp_text(st))) is not None

    def put(self, kind: str, path: str, version: int, st: Stamp, encoded: object) -> None:
        file = self._file()
        if self.pending and self.pending_file != file:
            self.flush()
        with self.lock:
            self.pending_file = file
            self.pending.append((kind, path, version, _stamp_text(st), json.dumps(encoded)))
            full = len(self.pending) >= _BATCH
        if full:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            rows, self.pending = self.pending, []
            if not rows or self.pending_file is None:
                return
            conn = self._connect(self.pending_file)
            if conn is None:
                return
            try:
                conn.execute("BEGIN")
                conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)", rows)
                conn.execute("COMMIT")
            except Exception:
                try:
                    conn.execute("ROLLBACK")
                except Exception:
                    pass


_BATCH = 500
_FILE_FOR: list = [None, ""]        # (the settings cache_root reads, the store's path under them)
_STORE = _Store()


def _stamp_text(st: Stamp) -> str:
    return ",".join(map(str, st))


def stamped_known(kind: str, path: str, *, version: int) -> bool:
    """Is the value of ``kind`` for ``path`` at its current stamp cached (in memory or on disk)? Not noted as a
    read."""
    st = _stamp_once(path)
    if st is None:
        return False
    hit = _STAMPED.get((kind, path))
    if hit is not None and hit[0] == st:
        return True
    return _STORE.has(kind, path, version, st)


def flush_stamped() -> None:
    """Write the ``cached_by_stamp`` entries computed since the last flush (end of each outermost ``one_pass``, and
    at exit)."""
    _STORE.flush()


atexit.register(flush_stamped)


def cached_by_stamp(kind: str, path: str, compute: Callable[[str], T], *, version: int,
                    encode: Callable[[T], object], decode: Callable[[Any], T]) -> T | None:
    """``compute(path)`` cached in memory and on disk (``_Store``), each entry stamped with the file's path and
    stamp (mtime, size, inode): a hit is used only when they still match, so the value is the same as a fresh
    computation (never a leftover of an older file). None when ``path`` cannot be stat-ed."""
    st = stamp(path)
    if st is None:
        return None
    hit = _STAMPED.get((kind, path))
    if hit is not None and hit[0] == st:
        return cast(T, hit[1])          # one kind is always stored by one caller, with one value type
    value = None
    stored = _STORE.get(kind, path, version, st)
    if stored is not _MISSING:
        try:
            value = decode(stored)
        except (ValueError, KeyError, TypeError, IndexError):
            value = None
    if value is None:
        value = compute(path)
        if _fresh(path) == st:       # not rewritten while we read it: safe to keep
            _STORE.put(kind, path, version, st, encode(value))
    _STAMPED[(kind, path)] = (st, value)
    return value


# --- the one registry of process caches ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Registered:
    """A cache that lives as long as the process: where it is, and what its entries are checked against."""

    module: str
    cache: Any
    stamp: str
    """What decides that an entry is still valid (``"WHEEL: mtime, size, inode"``); caches of facts that never go
    stale (the key is the content, or tf-lsp's own code) say so."""

    def size(self) -> int:
        info = getattr(self.cache, "cache_info", None)
        return info().currsize if info is not None else len(self.cache)

    def clear(self) -> None:
        clear = getattr(self.cache, "cache_clear", None) or self.cache.clear
        clear()


_REGISTRY: list[Registered] = []
C = TypeVar("C")


def registered(cache: C, *, stamp: str) -> C:
    """``cache`` (a dict, list or ``functools`` cache kept at module level), recorded so that ``clear_all`` empties it.
    Every process cache of tf-lsp is made through this or ``lru`` (tests/test_caches.py finds any other)."""
    module = sys._getframe(1).f_globals.get("__name__", "?")
    _REGISTRY.append(Registered(module, cache, stamp))
    return cache


def lru(*, maxsize: int | None, stamp: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``functools.lru_cache(maxsize)``, registered: ``@lru(maxsize=64, stamp="the key is the text")``."""
    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        cached = functools.lru_cache(maxsize=maxsize)(fn)
        _REGISTRY.append(Registered(fn.__module__, cached, stamp))
        return cached
    return wrap


def registry() -> tuple[Registered, ...]:
    return tuple(_REGISTRY)


def clear_all() -> int:
    """Empty every registered process cache (a refresh: the server's ``tfLsp.refresh`` and every detected change of
    an environment); the entries dropped. Disk caches stay: each entry there is checked against its file's stamp."""
    dropped = 0
    for r in list(_REGISTRY):
        dropped += r.size()
        r.clear()
    return dropped


def clear_memory() -> None:
    """Forget the in-memory stamped values (the disk entries stay, and are still checked against their files)."""
    _STAMPED.clear()


registered(_STAMPED, stamp="the file's path, size, mtime and inode (cached_by_stamp)")
