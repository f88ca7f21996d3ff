"""Static import resolution that follows CPython's PathFinder/FileFinder rules on the target's sys.path.

For one sys.path entry, FileFinder tries in this order: a package folder with ``__init__`` + a known suffix,
then a module file ``name`` + suffix (extension suffixes, then ``.py``, then ``.pyc``), and only then a plain
folder as a namespace *portion*. PathFinder takes the first entry that yields a real module; a namespace package
exists only when no entry does. Builtins come before all of it; setuptools' editable finders after it.

Nothing is imported. Results are data (``Resolution``) with the trace of what was tried.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, Sequence, overload

from tf_lsp import safeio
from tf_lsp.filecache import by_mtime, in_pass, note, registered

SOURCE_SUFFIXES = (".py",)
MODULE_ALIASES = {"os.path": "set by the os module at import time (posixpath or ntpath)"}
BYTECODE_SUFFIXES = (".pyc",)


class MissTrace(Sequence[str]):
    """The trace of a name no entry has: ``"<entry>: no <name>"`` for each entry, made when read. A file with
    100,000 missing imports keeps one shared tuple of entries and the name per miss, not 100,000 x entries strings;
    it equals (and hashes as) the tuple of those lines."""

    __slots__ = ("entries", "tail")

    def __init__(self, entries: tuple[str, ...], tail: str):
        self.entries, self.tail = entries, tail

    def _lines(self) -> tuple[str, ...]:
        return tuple(f"{entry or '.'}: no {self.tail}" for entry in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[str, ...]: ...
    def __getitem__(self, i):
        return self._lines()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines())

    def __add__(self, other) -> tuple[str, ...]:
        return self._lines() + tuple(other)

    def __radd__(self, other) -> tuple[str, ...]:
        return tuple(other) + self._lines()

    def __eq__(self, other) -> bool:
        return isinstance(other, (tuple, MissTrace)) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(self._lines())

    def __repr__(self) -> str:
        return repr(self._lines())


@dataclass(frozen=True, slots=True)
class Resolution:
    name: str
    found: bool
    kind: str                          # builtin, module, package, namespace, extension, bytecode, zip, editable, missing
    path: str | None = None            # the file (origin) or None for builtins / namespaces
    search_locations: tuple[str, ...] = ()
    root: str | None = None            # the sys.path entry (or parent __path__ entry) it came from
    failed_at: str | None = None       # the first dotted prefix that could not be found
    trace: Sequence[str] = ()          # what was tried, in order (a tuple, or a MissTrace when nothing was found)
    parents: tuple["Resolution", ...] = field(default=(), repr=False)

    @property
    def top(self) -> "Resolution":
        return self.parents[0] if self.parents else self


# --- directory listings, cached by mtime (FileFinder keeps a similar cache) ------------------------------------

_LISTINGS: dict[str, tuple[int, frozenset[str]]] = registered({},
    stamp="the folder's stamp (mtime, size, inode; by_mtime)")
_ZIPS: dict[str, tuple[int, frozenset[str]]] = registered({},
    stamp="the archive's stamp (mtime, size, inode; by_mtime)")


def listing(folder: str) -> frozenset[str] | None:
    return by_mtime(_LISTINGS, folder, lambda p: frozenset(os.listdir(p)))


_HEADS: dict[tuple[str, bool], tuple[frozenset[str], frozenset[str]]] = registered({},
    stamp='the folder listing it is derived from (rebuilt whenever the listing is)')


def listing_heads(folder: str, *, extensions_only: bool = False) -> frozenset[str]:
    """The part before the first dot of every entry of ``folder`` (of its ``.so``/``.pyd`` files only, with
    ``extensions_only``): a superset of the top-level names the folder can provide, so a name not in it needs no
    search there. Derived from ``listing`` and rebuilt whenever the listing is (same validity)."""
    names = listing(folder or ".")
    if names is None:
        return frozenset()
    key = (folder, extensions_only)
    hit = _HEADS.get(key)
    if hit is None or hit[0] is not names:
        heads = frozenset(n.split(".")[0] for n in names if not extensions_only or n.endswith((".so", ".pyd")))
        hit = _HEADS[key] = (names, heads)
    return hit[1]


def _zip_namelist(archive: str) -> frozenset[str]:
    try:
        with zipfile.ZipFile(archive) as zf:
            return frozenset(zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return frozenset()


def zip_names(archive: str) -> frozenset[str] | None:
    return by_mtime(_ZIPS, archive, _zip_namelist)


# --- the resolver --------------------------------------------------------------------------------------------

PathExtender = Callable[[str, str, tuple[str, ...]], tuple[str, ...]]
"""(package name, its __init__ file, its search locations) -> the locations after the package's own code ran."""


@dataclass(frozen=True)
class _Hit:
    kind: str
    path: str | None
    locations: tuple[str, ...]
    entry: str


class Resolver:
    """Resolve dotted module names on one sys.path for one interpreter."""

    def __init__(self, sys_path: Sequence[str], *, ext_suffixes: Sequence[str], builtin_names: Iterable[str] = (),
                 editable_mapping: Mapping[str, str] | None = None,
                 path_extenders: Sequence[PathExtender] = (),
                 runtime_modules: "Callable[[str, Resolver], Resolution | None] | None" = None):
        self.sys_path = tuple(sys_path)
        self.ext_suffixes = tuple(ext_suffixes)
        self.suffixes = self.ext_suffixes + SOURCE_SUFFIXES + BYTECODE_SUFFIXES
        self.builtin_names = frozenset(builtin_names)
        self.editable_mapping = dict(editable_mapping or {})
        self.path_extenders = tuple(path_extenders)
        self.runtime_modules = runtime_modules     # modules a package creates at run time (six.moves, ...)
        self._memo: dict[str, Resolution] = {}

    def fresh(self) -> "Resolver":
        """The same resolver with nothing memoized: every resolution reads (and, inside ``filecache.recording``,
        notes) the listings it depends on."""
        other = object.__new__(Resolver)
        other.__dict__.update(self.__dict__)
        other._memo = {}
        return other

    def fingerprint(self) -> list | None:
        """Everything resolution depends on besides the files (JSON), or None when an extender or the run-time
        finder does not say what it depends on (then nothing derived from this resolver may be kept on disk)."""
        parts: list = [list(self.sys_path), list(self.ext_suffixes), sorted(self.builtin_names),
                       sorted(self.editable_mapping.items())]
        for hook in (*self.path_extenders, *((self.runtime_modules,) if self.runtime_modules else ())):
            fp = getattr(hook, "fingerprint", None)
            if fp is None:
                return None
            parts.append(fp)
        return parts

    def resolve(self, name: str) -> Resolution:
        """Resolve an absolute dotted name; parents are resolved first, as the import system does."""
        hit = self._memo.get(name)
        if hit is not None:
            return hit
        if name in MODULE_ALIASES:
            res = Resolution(name, True, "alias", trace=(f"{name}: {MODULE_ALIASES[name]}",))
            self._memo[name] = res
            return res
        made = self.runtime_modules(name, self) if self.runtime_modules is not None else None
        if made is not None:
            self._memo[name] = made
            return made
        parent_name, _, tail = name.rpartition(".")
        if not parent_name:
            res = self._resolve_top(name)
        else:
            parent = self.resolve(parent_name)
            chain = parent.parents + (parent,)
            if not parent.found:
                res = Resolution(name, False, "missing", failed_at=parent.failed_at, trace=parent.trace, parents=chain)
            elif not parent.search_locations:
                res = Resolution(name, False, "missing", failed_at=name, parents=chain,
                                 trace=(f"{parent_name} is a module, not a package: it has no submodule {tail!r}",))
            else:
                res = self._search(name, tail, parent.search_locations, chain)
        if res.found or parent_name:
            self._memo[name] = res      # a top-level name no entry has is searched again when asked (a few set
        return res                      # lookups): a file of 100,000 missing imports does not keep them all

    def _resolve_top(self, name: str) -> Resolution:
        if name in self.builtin_names:
            return Resolution(name, True, "builtin", trace=(f"{name}: built into the interpreter",))
        res = self._search(name, name, self.sys_path, ())
        if not res.found and name in self.editable_mapping:
            target = self.editable_mapping[name]
            hit = self._find_in(os.path.dirname(target), os.path.basename(target)) if target else None
            if hit is None and os.path.isfile(target):
                hit = _Hit("module", target, (), os.path.dirname(target))
            if hit is not None and hit.kind != "namespace":
                return Resolution(name, True, "editable", hit.path, hit.locations, hit.entry,
                                  trace=tuple(res.trace) + (f"editable finder maps {name} -> {target}",))
        return res

    def _search(self, name: str, tail: str, entries: Sequence[str], chain: tuple[Resolution, ...]) -> Resolution:
        entries = entries if isinstance(entries, tuple) else tuple(entries)
        trace: list[str | int] = []      # an int i: entries[i] has nothing (its line is made only if it is kept)
        portions: list[str] = []

        def lines() -> tuple[str, ...]:
            return tuple(t if isinstance(t, str) else f"{entries[t] or '.'}: no {tail}" for t in trace)

        for i, entry in enumerate(entries):
            hit = self._find_in(entry, tail)
            if hit is None:
                trace.append(i)
                continue
            if hit.kind == "namespace":
                portions.extend(hit.locations)
                trace.append(f"{entry}: folder {tail}/ without __init__ (namespace portion)")
                continue
            trace.append(f"{entry}: found {hit.path}")
            locations = hit.locations
            if hit.kind == "package" and self.path_extenders and hit.path:
                for extend in self.path_extenders:
                    locations = extend(name, hit.path, locations)
            return Resolution(name, True, hit.kind, hit.path, locations, hit.entry, trace=lines(), parents=chain)
        if portions:
            return Resolution(name, True, "namespace", None, tuple(portions), portions[0], trace=lines(), parents=chain)
        return Resolution(name, False, "missing", failed_at=name, trace=MissTrace(entries, tail), parents=chain)

    def _find_in(self, entry: str, tail: str) -> _Hit | None:
        """FileFinder.find_spec for one folder (or zipimporter for one archive)."""
        folder = entry or "."
        names = listing(folder)
        if names is None:
            zip_root, inner = in_pass(("zip-root", folder), lambda: _zip_root(folder))
            if zip_root:
                return self._find_in_zip(zip_root, inner, tail)
            return None
        is_namespace = False
        if tail in names:
            base = os.path.join(folder, tail)
            sub = listing(base)
            if sub is not None:
                for suffix in self.suffixes:
                    init = "__init__" + suffix
                    if init in sub and os.path.isfile(os.path.join(base, init)):
                        return _Hit("package", os.path.join(base, init), (base,), entry)
                is_namespace = True
        for suffix in self.suffixes:
            if tail + suffix in names:
                full = os.path.join(folder, tail + suffix)
                if os.path.isfile(full):
                    kind = "extension" if suffix in self.ext_suffixes else "bytecode" if suffix in BYTECODE_SUFFIXES else "module"
                    return _Hit(kind, full, (), entry)
        if is_namespace:
            return _Hit("namespace", None, (os.path.join(folder, tail),), entry)
        return None

    def _find_in_zip(self, archive: str, inner: str, tail: str) -> _Hit | None:
        names = zip_names(archive) or frozenset()
        prefix = f"{inner}/" if inner else ""
        for suffix in (".py", ".pyc"):
            init = f"{prefix}{tail}/__init__{suffix}"
            if init in names:
                return _Hit("zip", os.path.join(archive, init), (os.path.join(archive, prefix + tail),), archive)
        for suffix in (".py", ".pyc"):
            mod = f"{prefix}{tail}{suffix}"
            if mod in names:
                return _Hit("zip", os.path.join(archive, mod), (), archive)
        if any(n.startswith(f"{prefix}{tail}/") for n in names):
            return _Hit("namespace", None, (os.path.join(archive, prefix + tail),), archive)
        return None


def _zip_root(folder: str) -> tuple[str | None, str]:
    """An entry that is not a folder: (archive, path inside it) when it is or lies in a zip archive."""
    if os.path.isfile(folder) and folder.endswith((".zip", ".egg", ".whl")):
        return folder, ""
    return _split_zip_path(folder)


def _split_zip_path(path: str) -> tuple[str | None, str]:
    """``/a/b.zip/pkg/sub`` -> (``/a/b.zip``, ``pkg/sub``) when the archive exists."""
    probe = path
    while True:
        parent = os.path.dirname(probe)
        if parent == probe:
            return None, ""
        if os.path.isfile(probe):
            return (probe, os.path.relpath(path, probe).replace(os.sep, "/")) if zipfile.is_zipfile(probe) else (None, "")
        probe = parent


def pkgutil_extender(sys_path: Sequence[str]) -> PathExtender:
    """Follow ``pkgutil.extend_path`` / ``pkg_resources.declare_namespace`` found in a package's ``__init__.py``."""
    def extend(name: str, init_file: str, locations: tuple[str, ...]) -> tuple[str, ...]:
        if "." in name or not init_file.endswith(".py"):
            return locations
        note(init_file)
        try:
            head = safeio.read_head(init_file, 4096)
        except OSError:
            return locations
        if "extend_path" not in head and "declare_namespace" not in head:
            return locations
        for e in sys_path:
            note(e or ".")
        extra = [os.path.join(e, name) for e in sys_path if os.path.isdir(os.path.join(e or ".", name))]
        return tuple(dict.fromkeys(list(locations) + extra))
    extend.fingerprint = ("pkgutil", list(sys_path))  # type: ignore[attr-defined]
    return extend


def resolve_relative(module: str | None, level: int, *, file_path: str) -> str | None:
    """The folder or file a relative import refers to, or None when it climbs above the file system root."""
    folder = os.path.dirname(os.path.abspath(file_path))
    for _ in range(level - 1):
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    if not module:
        return folder
    return os.path.join(folder, *module.split("."))
