"""Reading the files of a workspace or of an environment without trusting what they are.

A path named ``x.py`` or ``RECORD`` may be a FIFO (opening it blocks until a writer comes), a device (``/dev/zero``
never ends), a socket, a symlink loop, or simply huge. Every read of such a file goes through here: it opens with
``O_NONBLOCK`` (a FIFO opens at once instead of waiting), checks with ``fstat`` on the open descriptor that it is a
regular file (no race between a check and the open), and reads at most a cap. What cannot be read this way raises
``Unreadable``, a subclass of ``OSError`` whose message says why ("not a regular file (FIFO)", "larger than 10 MB"),
so callers that already handle ``OSError`` stay correct and callers that report skipped files have the reason.
"""
from __future__ import annotations

import os
import stat
from typing import Iterator

SOURCE_LIMIT = 10 * 1024 * 1024       # a Python source file of the workspace
METADATA_LIMIT = 16 * 1024 * 1024     # RECORD / METADATA / top_level.txt / .pth / pyvenv.cfg / .env / manifests
CHUNK = 1024 * 1024                   # hashing reads in pieces of this size

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0) \
    | getattr(os, "O_BINARY", 0)


class Unreadable(OSError):
    """A file tf-lsp refuses to read; ``reason`` is the human sentence (also ``str(exc)`` and ``strerror``)."""

    def __init__(self, path: str, reason: str):
        super().__init__(reason)
        self.strerror = reason
        self.filename = path
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "directory"
    return "special file"


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n} bytes"
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"


def describe(exc: OSError) -> str:
    """Why a file could not be read, in a few words (for 'skipped x.py: ...' lines)."""
    if isinstance(exc, Unreadable):
        return exc.reason
    if getattr(exc, "errno", None) == 40 or "symbolic links" in str(exc):       # ELOOP
        return "symlink loop"
    return exc.strerror or str(exc) or type(exc).__name__


def _open_regular(path) -> tuple[int, os.stat_result]:
    path = os.fspath(path)
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        if exc.errno == 40:                                     # ELOOP: never followed any further
            raise Unreadable(path, "symlink loop") from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(path, f"not a regular file ({file_kind(st.st_mode)})")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_bytes(path, *, limit: int = METADATA_LIMIT) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes; ``Unreadable`` otherwise."""
    fd, st = _open_regular(path)
    try:
        if st.st_size > limit:
            raise Unreadable(os.fspath(path), f"larger than {_size(limit)} ({_size(st.st_size)})")
        parts, total = [], 0
        while True:
            chunk = os.read(fd, min(CHUNK, limit + 1 - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if total > limit:                                   # grew while we read
                raise Unreadable(os.fspath(path), f"larger than {_size(limit)}")
        return b"".join(parts)
    finally:
        os.close(fd)


def read_text(path, *, limit: int = METADATA_LIMIT, encoding: str = "utf-8", errors: str = "replace") -> str:
    """``read_bytes`` decoded; newlines kept as they are in the file except that ``\\r\\n`` and ``\\r`` become
    ``\\n`` (what ``open(..., 'r')`` does)."""
    text = read_bytes(path, limit=limit).decode(encoding, errors)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def read_source(path, *, limit: int = SOURCE_LIMIT) -> str:
    """A Python source file of the workspace (UTF-8, undecodable bytes replaced, line endings kept)."""
    return read_bytes(path, limit=limit).decode("utf-8", "replace")


def iter_chunks(path, *, chunk: int = CHUNK) -> Iterator[bytes]:
    """A regular file of any size, in pieces (for hashing); ``Unreadable`` when it is not a regular file."""
    fd, _ = _open_regular(path)
    try:
        while True:
            data = os.read(fd, chunk)
            if not data:
                return
            yield data
    finally:
        os.close(fd)


def read_head(path, size: int) -> str:
    """The first ``size`` bytes of a regular file, decoded (for a cheap look before a parse)."""
    fd, _ = _open_regular(path)
    try:
        return os.read(fd, size).decode("utf-8", "replace")
    finally:
        os.close(fd)


def hash_file(path, algo: str) -> bytes:
    """The ``algo`` digest of a regular file of any size, read in pieces (``ValueError`` for an unknown algo)."""
    import hashlib

    h = hashlib.new(algo)
    for data in iter_chunks(path):
        h.update(data)
    return h.digest()


def open_regular(path):
    """A binary file object for a regular file (for readers that seek, like the ELF reader)."""
    fd, _ = _open_regular(path)
    return os.fdopen(fd, "rb")


__all__ = ["Unreadable", "read_bytes", "read_text", "read_source", "read_head", "hash_file", "iter_chunks", "open_regular", "describe",
           "file_kind", "SOURCE_LIMIT", "METADATA_LIMIT"]
