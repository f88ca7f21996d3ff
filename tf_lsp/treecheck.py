"""Checking a whole tree fast: the imports of unchanged files come from a cache, and large trees are split
over worker processes (each with its own engine; the interpreter probe is shared through its disk cache)."""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from tf_lsp import safeio
from tf_lsp.filecache import cache_root, one_pass, write_atomic
from tf_lsp.imports import extract_imports
from tf_lsp.report import FileResult

PARALLEL_FROM = 400          # files; below this a second process costs more than it saves
MAX_CACHED = 5_000           # statements; a file with more is parsed again (pickling 100,000 records takes more
                             # memory than the whole check)
_CACHE_VERSION = 1


def _cache_file(root: Path) -> Path:
    key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return cache_root() / "imports" / f"{key}.pickle"


class ImportCache:
    """``path -> (mtime_ns, size, version, statements)``; one pickle per workspace root."""

    def __init__(self, root: Path):
        self.file = _cache_file(root)
        self.data: dict = {}
        self.dirty = False
        try:
            with open(self.file, "rb") as fh:
                loaded = pickle.load(fh)
            if loaded.get("version") == _CACHE_VERSION:
                self.data = loaded["files"]
        except Exception:
            self.data = {}

    def get(self, path: Path, text: str, py_version: str):
        stmts = self.known(path, py_version)
        if stmts is None:
            stmts = tuple(extract_imports(text, version=py_version))
            self.put(path, py_version, stmts)
        return stmts

    def known(self, path: Path, py_version: str) -> tuple | None:
        """The statements kept for ``path`` while its mtime and size, and the Python version, are the same."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        hit = self.data.get(str(path))
        if hit is not None and hit[:3] == (st.st_mtime_ns, st.st_size, py_version):
            return hit[3]
        return None

    def put(self, path: Path, py_version: str, stmts: tuple) -> None:
        if len(stmts) > MAX_CACHED:
            return
        try:
            st = os.stat(path)
        except OSError:
            return
        self.data[str(path)] = (st.st_mtime_ns, st.st_size, py_version, stmts)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        write_atomic(self.file, pickle.dumps({"version": _CACHE_VERSION, "files": self.data},
                                             protocol=pickle.HIGHEST_PROTOCOL))


def check_files(ws, files: list[Path], *, keep) -> list[FileResult]:
    """Check ``files`` with ``ws``; ``keep(finding)`` filters (select/ignore). Notebooks (``.ipynb``) are checked
    here, each with its kernel's interpreter; the rest in one or more processes."""
    notebooks = [f for f in files if f.suffix == ".ipynb"]
    scripts = [f for f in files if f.suffix != ".ipynb"]
    if len(scripts) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        done = _parallel(ws, scripts, keep)
    else:
        done = _serial(ws, scripts, keep)
    if not notebooks:
        return done
    by_path = {r.path: r for r in done}
    by_path.update({r.path: r for r in _notebooks(ws, notebooks, keep)})
    return [by_path[f] for f in files]


NOTEBOOK_LIMIT = 64 * 1024 * 1024     # notebooks carry their outputs (images): larger than any source file


def _notebooks(ws, files, keep) -> list[FileResult]:
    from tf_lsp.kernels import KernelWorkspaces
    from tf_lsp.notebookcheck import check_notebook_file

    kernels = KernelWorkspaces(ws)
    out = []
    for f in files:
        try:
            text = safeio.read_text(f, limit=NOTEBOOK_LIMIT)     # a regular file only: never a FIFO or a device
        except OSError as exc:
            out.append(FileResult(f, "", (), error=safeio.describe(exc), skipped=isinstance(exc, safeio.Unreadable)))
            continue
        out.append(check_notebook_file(ws, f, text, keep=keep, kernels=kernels))
    return out


def _serial(ws, files, keep) -> list[FileResult]:
    cache = ImportCache(ws.root)
    version = ws.env.snapshot.short_version
    results = []
    with one_pass():        # one run reads one state of the disk (one RECORD stat pass per distribution, not per file)
        for f in files:
            results.append(_check_file(ws, f, keep, lambda text, f=f: cache.get(f, text, version))[0])
    cache.save()
    return results


_WORKER = {}


def _init_worker(root, python, settings) -> None:
    from tf_lsp import prefetch
    from tf_lsp.workspace import Workspace
    prefetch.enabled = False        # the tree's workers keep every core busy already
    _WORKER["ws"] = Workspace(root, python=python, settings=settings)


def _work(chunk, keep) -> list[tuple[FileResult, tuple | None]]:
    """Check ``chunk``: (path, the statements the import cache holds for it, or None) pairs."""
    ws = _WORKER["ws"]
    out = []
    version = ws.env.snapshot.short_version
    with one_pass():        # as _serial: one state of the disk for the chunk
        for f, known in chunk:
            if known is not None:
                out.append((_check_file(ws, f, keep, lambda _text, k=known: k)[0], None))
            else:                                   # new statements go back to the main process's import cache
                out.append(_check_file(ws, f, keep, lambda text: tuple(extract_imports(text, version=version))))
    return out


def _check_file(ws, f: Path, keep, statements) -> tuple[FileResult, tuple | None]:
    """One file's result, and the statements it was checked with (None when it could not be read);
    ``statements(text)`` gives them."""
    try:
        text = safeio.read_source(f)
    except OSError as exc:
        return FileResult(f, "", (), error=safeio.describe(exc), skipped=isinstance(exc, safeio.Unreadable)), None
    stmts = statements(text)
    findings = tuple(x for x in ws.check_source(f, text, stmts=stmts) if keep(x))
    return FileResult(f, text if findings else "", findings), stmts


def _parallel(ws, files, keep) -> list[FileResult]:
    """Every file goes to the worker processes (those unchanged since the last run with the statements the import
    cache holds for them): checking, not parsing, is most of the work on a warm tree."""
    cache = ImportCache(ws.root)
    version = ws.env.snapshot.short_version
    work = [(f, cache.known(f, version)) for f in files]
    results: dict[Path, FileResult] = {}
    workers = min(os.cpu_count() or 2, 8)
    size = max(50, len(work) // (workers * 4))
    chunks = [work[i:i + size] for i in range(0, len(work), size)]
    from concurrent.futures import (
        ProcessPoolExecutor,  # only large trees pay for importing it
    )

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(ws.root, str(ws.choice.python), ws.settings)) as pool:
        for part in pool.map(_work, chunks, [keep] * len(chunks)):
            for r, stmts in part:
                results[r.path] = r
                if stmts is not None:
                    cache.put(r.path, version, stmts)
    cache.save()
    return [results[f] for f in files]


class CodeFilter:
    """``--select`` / ``--ignore`` as a picklable predicate over findings (code prefixes)."""

    def __init__(self, select: set[str], ignore: set[str]):
        self.select, self.ignore = frozenset(select), frozenset(ignore)

    def __call__(self, finding) -> bool:
        code = finding.code
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)
