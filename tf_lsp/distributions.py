"""Index of every installed distribution on a sys.path, in path order, duplicates kept.

Reads ``*.dist-info`` / ``*.egg-info`` metadata with ``packaging``; nothing is imported. Each sys.path entry's
listing is cached by the folder's mtime, so a re-index after ``pip install`` reads only the folders that changed.
"""
from __future__ import annotations

import ast
import csv
import io
import json
import logging
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, registered

log = logging.getLogger("tf_lsp")


@dataclass(frozen=True)
class RecordEntry:
    path: str          # as written in RECORD, relative to the location
    hash: str          # "sha256=..." or ""
    size: int | None


@dataclass(frozen=True, eq=False)
class Distribution:
    name: str                    # canonical (PEP 503)
    display_name: str
    version: str
    metadata_dir: Path
    location: str                # the sys.path entry holding it
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    installer: str | None = None
    provides_extras: tuple[str, ...] = ()
    direct_url: dict | None = field(default=None, repr=False)

    @property
    def parsed_version(self) -> Version | None:
        try:
            return Version(self.version)
        except InvalidVersion:
            return None

    @property
    def editable(self) -> bool:
        return bool(((self.direct_url or {}).get("dir_info") or {}).get("editable"))

    @property
    def record(self) -> tuple[RecordEntry, ...]:
        return self._record[0]

    @property
    def record_error(self) -> str | None:
        """Why RECORD exists but could not be read or parsed (then ``record`` is empty or partial); None if fine."""
        return self._record[1]

    @cached_property
    def _record(self) -> tuple[tuple[RecordEntry, ...], str | None]:
        path = self.metadata_dir / "RECORD"
        try:
            text = safeio.read_text(path)
        except (FileNotFoundError, NotADirectoryError):
            return (), None
        except OSError as exc:
            return (), _skipped(path, safeio.describe(exc))
        entries, error = parse_record(text)
        return entries, (_skipped(path, error) if error else None)

    @cached_property
    def import_names(self) -> tuple[str, ...]:
        """Top-level import names this distribution provides (top_level.txt, else RECORD, else editable finders)."""
        names: list[str] = []
        try:
            names = [n.strip().replace("/", ".").split(".")[0] for n in
                     safeio.read_text(self.metadata_dir / "top_level.txt").splitlines() if n.strip()]
        except OSError:
            pass
        if not names:
            for entry in self.record:
                names.extend(_top_name(entry.path))
        names.extend(self.editable_mapping)
        return tuple(dict.fromkeys(n for n in names if n and n.isidentifier()))

    @cached_property
    def editable_mapping(self) -> dict[str, str]:
        """``{import name: folder}`` from a setuptools ``__editable___*_finder.py`` that belongs to this distribution."""
        loc = Path(self.location)
        stem = self.metadata_dir.name.split("-")[0]
        out: dict[str, str] = {}
        for finder in (loc.glob(f"__editable___{stem}*_finder.py") if self.editable else ()):
            out.update(read_editable_finder(finder))
        return out

    def dependencies(self, env: Mapping[str, str], *, extras: Iterable[str] = ()) -> list[Requirement]:
        """Requires-Dist entries that apply to the target environment (markers evaluated there, extras honoured);
        parsed and evaluated once per distribution, target environment and extras."""
        wanted = [""] + [canonicalize_name(e) for e in extras]
        key = (tuple(sorted(env.items())), tuple(wanted))
        hit = self._dependency_cache.get(key)
        if hit is None:
            hit = self._dependency_cache[key] = tuple(self._dependencies_for(env, wanted))
        return list(hit)

    @cached_property
    def _dependency_cache(self) -> dict[tuple, tuple[Requirement, ...]]:
        return {}

    def _dependencies_for(self, env: Mapping[str, str], wanted: list[str]) -> list[Requirement]:
        out = []
        for raw in self.requires:
            try:
                req = Requirement(raw)
            except InvalidRequirement:
                continue
            if req.marker is None:
                out.append(req)
                continue
            try:
                if any(req.marker.evaluate({**env, "extra": e}) for e in wanted):
                    out.append(req)
            except Exception:
                continue
        return out

    def to_json(self) -> dict:
        return {"name": self.name, "version": self.version, "location": self.location,
                "metadata": str(self.metadata_dir), "installer": self.installer, "editable": self.editable}


class Headers:
    """The header block of a METADATA / PKG-INFO file (RFC 822 style, as the core metadata spec says): names are
    case-insensitive, a line starting with whitespace continues the previous value, the block ends at the first
    empty line (the description that follows is never read). Checked equal to ``email.parser.HeaderParser`` on
    every METADATA of the test environments (tests/test_resolver_differential.py)."""

    def __init__(self, items: list[tuple[str, str]]):
        self._items = items

    def get(self, name: str) -> str | None:
        key = name.lower()
        return next((v for k, v in self._items if k == key), None)

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [v for k, v in self._items if k == key]


def parse_record(text: str) -> tuple[tuple[RecordEntry, ...], str | None]:
    """RECORD rows (CSV, as the wheel spec says), and what was wrong with the file when it is damaged (an
    unterminated quote, a NUL byte, a field over the csv module's limit): the rows read before the damage are kept."""
    out: list[RecordEntry] = []
    reader = csv.reader(io.StringIO(text.replace("\0", "")))
    error = "NUL bytes in the file" if "\0" in text else None
    try:
        for row in reader:
            if not row:
                continue
            if any("\n" in field for field in row):       # a quote that never closes swallowed the lines after it
                error = f"line {reader.line_num}: a quoted field is never closed"
                break
            size = int(row[2]) if len(row) > 2 and row[2].isdigit() and len(row[2]) < 20 else None
            out.append(RecordEntry(row[0], row[1] if len(row) > 1 else "", size))
    except csv.Error as exc:
        error = f"line {reader.line_num}: {exc}"
    return tuple(out), error


def _skipped(path: Path, why: str) -> str:
    log.warning("%s: skipped (%s); the rest of the environment is checked without it", path, why)
    return why


def read_headers(lines: Iterable[str]) -> Headers:
    items: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            break
        if line[:1] in (" ", "\t"):           # a folded line (even one of spaces only) continues the value
            if items:
                k, v = items[-1]
                items[-1] = (k, f"{v}\n{line}")
            continue
        name, sep, value = line.partition(":")
        if not sep:                              # not a header: the body starts here
            break
        items.append((name.strip().lower(), value.strip()))
    return Headers(items)


def _top_name(rel: str) -> list[str]:
    if rel.startswith(("..", "/")) or ".dist-info/" in rel or ".egg-info/" in rel or ".data/" in rel:
        return []
    head, sep, _ = rel.partition("/")
    if sep:
        return [] if head == "__pycache__" else [head]
    if rel.endswith(".py"):
        return [rel[:-3]]
    if rel.endswith((".so", ".pyd")):
        return [rel.split(".")[0]]
    return []


def read_editable_finder(path: Path) -> dict[str, str]:
    """Read ``MAPPING = {...}`` from a setuptools editable finder without running it."""
    try:
        tree = ast.parse(safeio.read_text(path))
    except (OSError, SyntaxError, ValueError):
        return {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value_node = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value_node = [node.target], node.value
        else:
            continue
        if value_node is not None and any(isinstance(t, ast.Name) and t.id == "MAPPING" for t in targets):
            try:
                value = ast.literal_eval(value_node)
            except ValueError:
                return {}
            if isinstance(value, dict):
                return {str(k): str(v) for k, v in value.items()}
    return {}


_DIST_RE = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+?)(?:-py\d.*)?\.(?P<kind>dist-info|egg-info)$")


def read_distribution(meta: Path, location: str) -> Distribution | None:
    kind = "dist-info" if meta.name.endswith(".dist-info") else "egg-info"
    mfile = meta / ("METADATA" if kind == "dist-info" else "PKG-INFO") if meta.is_dir() else meta
    try:
        headers = read_headers(safeio.read_text(mfile).splitlines())
    except OSError:
        headers = None
    m = _DIST_RE.match(meta.name)
    name = (headers.get("Name") if headers else None) or (m["name"] if m else meta.name.split("-")[0])
    version = (headers.get("Version") if headers else None) or (m["version"] if m else "0")
    requires: list[str] = list(headers.get_all("Requires-Dist") or []) if headers else []
    if kind == "egg-info" and not requires and meta.is_dir():
        requires = _egg_requires(meta / "requires.txt")
    installer = None
    direct_url = None
    if meta.is_dir():
        try:
            installer = safeio.read_text(meta / "INSTALLER").strip() or None
        except OSError:
            pass
        try:
            direct_url = json.loads(safeio.read_text(meta / "direct_url.json"))
        except (OSError, ValueError):
            pass
    return Distribution(
        name=canonicalize_name(str(name)), display_name=str(name), version=str(version).strip(), metadata_dir=meta,
        location=location, requires=tuple(requires),
        requires_python=(headers.get("Requires-Python") if headers else None),
        installer=installer, provides_extras=tuple(headers.get_all("Provides-Extra") or []) if headers else (),
        direct_url=direct_url,
    )


def _egg_requires(path: Path) -> list[str]:
    try:
        lines = safeio.read_text(path).splitlines()
    except OSError:
        return []
    out, section = [], ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        extra, _, marker = section.partition(":")
        conds = [c for c in (f'extra == "{extra}"' if extra else "", marker) if c]
        out.append(line + ("; " + " and ".join(conds) if conds else ""))
    return out


_ENTRY_CACHE: dict[str, tuple[int, tuple[Distribution, ...]]] = registered({},
    stamp="the folder's stamp (mtime, size, inode; by_mtime)")


def _read_entry(entry: str) -> tuple[Distribution, ...]:
    try:
        names = sorted(os.listdir(entry))
    except OSError:
        names = []
    dists = (_read_isolated(Path(entry) / n, entry) for n in names if n.endswith((".dist-info", ".egg-info")))
    return tuple(d for d in dists if d is not None)


def _read_isolated(meta: Path, location: str) -> Distribution | None:
    """One distribution; a failure reading it is logged and leaves it out, never the whole folder."""
    try:
        return read_distribution(meta, location)
    except Exception:
        log.exception("%s: skipped (its metadata could not be read); the rest of the environment is checked without it",
                      meta)
        return None


def scan_entry(entry: str) -> tuple[Distribution, ...]:
    """Distributions in one sys.path folder, cached until the folder's mtime changes."""
    return by_mtime(_ENTRY_CACHE, entry, _read_entry, missing=())


class DistIndex:
    """All distributions on a path, in path order (within a folder: by name), duplicates kept."""

    def __init__(self, dists: Iterable[Distribution]):
        self.dists: tuple[Distribution, ...] = tuple(dists)
        self.by_name: dict[str, list[Distribution]] = {}
        for d in self.dists:
            self.by_name.setdefault(d.name, []).append(d)

    @cached_property
    def by_import(self) -> dict[str, list[Distribution]]:
        out: dict[str, list[Distribution]] = {}
        for d in self.dists:
            for n in d.import_names:
                out.setdefault(n, []).append(d)
        return out

    def get(self, name: str) -> Distribution | None:
        """The distribution importlib.metadata would report (the first on the path)."""
        found = self.by_name.get(canonicalize_name(name))
        return found[0] if found else None

    def all(self, name: str) -> list[Distribution]:
        return list(self.by_name.get(canonicalize_name(name), ()))

    def providers(self, import_name: str) -> list[Distribution]:
        return list(self.by_import.get(import_name.split(".")[0], ()))

    def owner(self, import_name: str, location: str | None = None) -> Distribution | None:
        """The distribution that provides ``import_name`` from ``location`` (the first such when location is None)."""
        for d in self.providers(import_name):
            if location is None or os.path.normpath(d.location) == os.path.normpath(location):
                return d
        return None

    def __len__(self) -> int:
        return len(self.dists)


def build_index(sys_path: Iterable[str]) -> DistIndex:
    seen: set[str] = set()
    dists: list[Distribution] = []
    for entry in sys_path:
        key = os.path.normpath(entry) if entry else entry
        if key in seen or not entry:
            continue
        seen.add(key)
        dists.extend(scan_entry(entry))
    return DistIndex(dists)
