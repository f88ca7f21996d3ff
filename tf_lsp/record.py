"""RECORD primitives, one implementation for every check and for ``tf-lsp verify``: which distribution owns an
imported file, the stat pass over a distribution's RECORD (missing files, size differences: one stat per entry on
every check, RECORD's parse kept while RECORD is unchanged), the full sha256 verification, and whether one file still
has the hash RECORD gives for it.

Engine code: checks (integrity, conflicts, pyversion, dependencies, shadowing) import it; it imports no check.
"""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, cached_by_stamp, in_pass, registered, stamp

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.distributions import Distribution
    from tf_lsp.envstate import EnvState
    from tf_lsp.resolver import Resolution

@dataclass(frozen=True)
class RecordState:
    """Result of the stat pass over one distribution's RECORD."""

    checked: int
    missing: tuple[str, ...]        # RECORD paths (relative to the location) absent on disk
    changed: tuple[str, ...]        # present, but the size differs from RECORD


# --- ownership ---------------------------------------------------------------------------------------------------

_RECORD_PATHS: dict = registered({}, stamp="RECORD's stamp (mtime, size, inode; by_mtime)")


def record_paths(dist: "Distribution") -> frozenset[str]:
    """The normalised paths ``dist``'s RECORD lists; re-read when RECORD changes (a same-version reinstall)."""
    record = os.path.join(str(dist.metadata_dir), "RECORD")
    return by_mtime(_RECORD_PATHS, record, lambda _p: frozenset(os.path.normpath(e.path) for e in dist.record),
                    missing=frozenset())


def owning_distribution(env: "EnvState", res: "Resolution") -> "Distribution | None":
    """The installed distribution whose files the import loads (namespace-aware: ``google.protobuf`` -> protobuf)."""
    if not res.found or res.kind in ("builtin", "alias"):
        return None
    top = res.name.split(".")[0]
    root = res.top.root
    cands = [d for d in env.index.providers(top) if root and os.path.normpath(d.location) == os.path.normpath(root)]
    if not cands:
        return env.index.owner(top) if res.kind == "editable" else None
    if len(cands) == 1 or not res.path:
        return cands[0]
    rel = os.path.normpath(os.path.relpath(res.path, root))
    claim = [d for d in cands if rel in record_paths(d)]
    if len(claim) > 1:      # several claim the file (an overlap): the owner is the one whose copy is on disk
        claim = [d for d in claim if file_matches_record(d, rel)] or claim
    if claim:
        return claim[0]
    return cands[0] if res.top.kind != "namespace" else None


# Installers that leave the files exactly as RECORD lists them. OS packages (Debian/Ubuntu write no INSTALLER and
# strip extension modules; conda relocates prefixes in text files) change files after the wheel's RECORD was
# written, so a size difference there is no damage.
FAITHFUL_INSTALLERS = frozenset({"pip", "uv", "poetry", "pdm", "pipenv", "hatch", "rye", "pipx", "installer"})


def recorded_faithfully(dist: "Distribution") -> bool:
    return (dist.installer or "").strip().lower() in FAITHFUL_INSTALLERS


# --- the stat pass -----------------------------------------------------------------------------------------------

def _relevant(path: str) -> bool:
    return not (path.startswith("..") or os.path.isabs(path) or "__pycache__" in path or path.endswith(".pyc")
                or path.endswith("/RECORD") or ".dist-info/" in path and path.endswith(("INSTALLER", "REQUESTED")))


def _entries(dist: "Distribution") -> tuple[tuple[str, str, int | None], ...]:
    """The relevant RECORD rows as (relative path, absolute path, size or None)."""
    return tuple((e.path, os.path.join(dist.location, e.path), e.size) for e in dist.record if _relevant(e.path))


def _decode_entries(data) -> tuple[tuple[str, str, int | None], ...]:
    return tuple((str(rel), str(full), None if s is None else int(s)) for rel, full, s in data)


def _prepared(dist: "Distribution") -> tuple[tuple[str, str, int | None], ...]:
    """The relevant RECORD entries as (relative path, absolute path, size): kept in memory and on disk while
    RECORD's stamp (mtime, size, inode) is the same (RECORD's path fixes the folder the paths are joined to), so a
    new process does not parse RECORD again."""
    return cached_by_stamp("record-entries", str(dist.metadata_dir / "RECORD"), lambda _p: _entries(dist),
                           version=_ENTRIES_VERSION, encode=lambda v: [list(r) for r in v],
                           decode=_decode_entries) or ()


_ENTRIES_VERSION = 2        # 2: the absolute path is stored too


def record_state(dist: "Distribution") -> RecordState:
    """Missing files and size mismatches against RECORD: one ``stat`` per entry, every time. Nothing of the
    answer is kept: a file edited in place (truncated, appended to) moves no folder's mtime, so only its own stat
    tells (a TensorFlow RECORD: ~20,000 stats, about 0.1 s). What is kept (in memory and on disk, by RECORD's
    stamp) is RECORD's parse."""
    if stamp(str(dist.metadata_dir / "RECORD")) is None:
        return RecordState(0, (), ())
    entries = _prepared(dist)
    missing, changed = [], []
    stat = os.stat
    for rel, full, size in entries:
        try:
            st = stat(full)
        except OSError:
            missing.append(rel)
            continue
        if size is not None and st.st_size != size:
            changed.append(rel)
    return RecordState(len(entries), tuple(missing), tuple(changed))


def cached_record_state(ctx: "ImportContext", dist: "Distribution") -> RecordState:
    """One stat pass per distribution per check of a file (``filecache.one_pass``: one state of the disk)."""
    return in_pass(("record-state", str(dist.metadata_dir)), lambda: record_state(dist))


def verify_distribution(dist: "Distribution") -> list[str]:
    """Full check: every RECORD entry's sha256 and size against the file on disk. One line per problem."""
    problems = []
    for e in dist.record:
        if not _relevant(e.path):
            continue
        full = os.path.join(dist.location, e.path)
        algo, _, want = e.hash.partition("=")
        try:
            size = 0
            h = hashlib.new(algo) if algo and want else None
            for data in safeio.iter_chunks(full):
                size += len(data)
                if h is not None:
                    h.update(data)
        except safeio.Unreadable as exc:
            problems.append(f"not verifiable: {e.path} ({exc.reason})")
            continue
        except ValueError:                                   # a hash algorithm hashlib does not know
            problems.append(f"not verifiable: {e.path} (unknown hash algorithm {algo!r})")
            continue
        except FileNotFoundError:
            problems.append(f"missing: {e.path}")
            continue
        except OSError as exc:
            problems.append(f"not verifiable: {e.path} ({safeio.describe(exc)})")
            continue
        if e.size is not None and size != e.size:
            problems.append(f"size differs: {e.path} (RECORD {e.size}, on disk {size})")
            continue
        if h is not None:
            got = base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
            if got != want:
                problems.append(f"content differs: {e.path} ({algo} does not match RECORD)")
    return problems


_HASHES: dict[tuple, str | None] = registered({}, stamp="the key holds the file's path, mtime and size")


def _file_hash(path: str, algo: str) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, algo, st.st_mtime_ns, st.st_size)
    if key not in _HASHES:
        try:
            _HASHES[key] = base64.urlsafe_b64encode(safeio.hash_file(path, algo)).rstrip(b"=").decode()
        except (OSError, ValueError):
            _HASHES[key] = None
    return _HASHES[key]


def file_matches_record(dist: "Distribution", rel_path: str) -> bool | None:
    """Does the file on disk have the hash RECORD gives for it? None when RECORD has no hash for it.
    (Hashes are cached by path, mtime and size: one read per file version.)"""
    rel = os.path.normpath(rel_path)
    for e in dist.record:
        if os.path.normpath(e.path) == rel and e.hash:
            return hash_matches(dist.location, e.path, e.hash)
    return None


def hash_matches(location: str, rel_path: str, record_hash: str) -> bool | None:
    """Does ``location/rel_path`` have ``record_hash`` (RECORD's ``algo=urlsafe-b64-digest``)? None without a hash.
    An unreadable file does not match."""
    algo, _, want = record_hash.partition("=")
    if not algo or not want:
        return None
    return _file_hash(os.path.join(location, rel_path), algo) == want


__all__ = ["RecordState", "record_paths", "owning_distribution", "FAITHFUL_INSTALLERS", "recorded_faithfully",
           "record_state", "cached_record_state", "verify_distribution", "file_matches_record", "hash_matches"]
