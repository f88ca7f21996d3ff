"""Module facts of the packages an import runs, read on every core before the walk needs them.

``import tensorflow`` runs about 2,400 modules; reading their facts (``modfacts``) is most of a cold check, and a
walk reads them one after the other. Packages are queued here in chunks of files, and helper processes take the
chunks one at a time, each writing what it read to the ``filecache`` store: the packages a file imports as soon as
its check starts (``readahead``), and, as chunks are read, the packages their module-level code imports. When the
walk enters a big package (``MIN_FILES``), this process takes that package's remaining chunks too and waits until
all are stored; a smaller package queued ahead is left to the helpers, and the walk reads itself whatever they have
not stored yet. Nothing changes in the answer: facts are a function of each file's content and are checked against
its stamp wherever they come from, and a helper that fails only leaves more for the walk to read. Without a second
core, with ``TF_LSP_NO_PREFETCH`` set, or inside a worker of a tree's check (whose cores are busy already), nothing
runs.

The helpers are tf-lsp's own interpreter in isolated mode (``-I``), reading files only: no code of the package or
of the workspace runs, and the environment's interpreter is not involved. They stop when the queue is empty, and
with this process.
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Callable, Sequence

from tf_lsp import filecache, modfacts
from tf_lsp.filecache import registered

MIN_FILES = 300             # fewer files than this: spreading them costs more than it saves
MIN_AHEAD = 40              # a package the file imports, queued before the walk needs it (fewer files: left to the walk)
MAX_FILES = 20_000          # a package bigger than this is read as the walk goes
MAX_FOLDERS = 5_000
MAX_HELPERS = 3
CHUNK = 32                  # files handed to a helper at a time
HELPER_TIMEOUT_S = 120.0    # a walk waits this long at most for the helpers; it reads what is missing itself

enabled = True              # False inside a tree check's worker processes
_SKIP_DIRS = frozenset({"__pycache__", "tests", "test", "testing", "_tests"})
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the package folders read ahead once in this process (caches only: what is stored is checked against each file)
_DONE: set[tuple[str, ...]] = registered(set(), stamp="none needed: it only says the caches were warmed once")


def _sources(folders) -> list[str]:
    """The ``.py`` files under the package's folders, test folders left out (an import rarely runs them; any file
    left out is read by the walk if it needs it); listed without a ``stat`` each (whoever reads a file checks it)."""
    out: list[str] = []
    seen = 0
    for top in folders:
        if "\n" in top or "\r" in top:                 # see below
            continue
        if top.endswith(".py"):                         # a module of one file
            out.append(top)
            continue
        for folder, dirs, files in os.walk(top):        # symlinked folders are not followed
            seen += 1
            if seen > MAX_FOLDERS:
                return []
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")
                             and "\n" not in d and "\r" not in d)
            # a name with a line break would split in the helpers' one-path-per-line protocol: the walk reads it
            out.extend(os.path.join(folder, f) for f in sorted(files)
                       if f.endswith(".py") and not f.startswith("test_") and not f.endswith("_test.py")
                       and "\n" not in f and "\r" not in f)
            if len(out) > MAX_FILES:
                return []
    return out


def _helpers() -> int:
    if not enabled or os.environ.get("TF_LSP_NO_PREFETCH") or not sys.executable:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, MAX_HELPERS))


def _read(paths: list[str]) -> set[str]:
    """Store the facts of each path not stored yet; the top-level names their module-level code imports."""
    names: set[str] = set()
    for path in paths:
        if modfacts.facts_known(path):
            continue
        facts = modfacts.module_facts(path)
        if facts is not None:
            names.update(e.module.split(".")[0] for e in facts.imports
                         if not e.level and not e.conditional and not e.branch and e.module)
    return names


class _Pool:
    """Chunks of files waiting to be read, taken by helper processes (one feeder thread each) and by this process
    when its walk needs a package: whoever comes first reads a chunk, and nobody reads it twice. The top-level
    names the chunks read import are gathered, so that the packages an import runs next can be queued."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.queue: deque[tuple[tuple[str, ...], list[str]]] = deque()
        self.busy: dict[tuple[str, ...], int] = {}      # chunks of a package being read by a helper now
        self.procs: list[subprocess.Popen] = []
        self.imported: dict[str, None] = {}             # names the chunks read so far import, in the order seen
        self.offered: set[str] = set()                  # names already looked at by ``follow``
        self.size: dict[tuple[str, ...], int] = {}      # files queued per package
        self.owner: dict[str, tuple[str, ...]] = {}     # file -> the package it was queued with (once only)
        self.parts: dict[tuple[str, ...], set[tuple[str, ...]]] = {}   # package -> those its files were queued with

    def add(self, key: tuple[str, ...], paths: list[str], *, first: bool) -> None:
        chunks = [(key, paths[i:i + CHUNK]) for i in range(0, len(paths), CHUNK)]
        with self.cond:
            self.size[key] = len(paths)
            if first:
                self.queue.extendleft(reversed(chunks))
            else:
                self.queue.extend(chunks)
            self.procs = [p for p in self.procs if p.poll() is None]
            wanted = _helpers() - len(self.procs)
        for _ in range(max(0, wanted)):
            proc = _start()
            if proc is None:
                break
            with self.cond:
                self.procs.append(proc)
            threading.Thread(target=self._feed, args=(proc,), daemon=True).start()

    def take(self, key: tuple[str, ...] | None) -> tuple[tuple[str, ...], list[str]] | None:
        """The next chunk (of ``key`` only, when given), removed from the queue."""
        with self.cond:
            for i, item in enumerate(self.queue):
                if key is None or item[0] == key:
                    del self.queue[i]
                    return item
        return None

    def _feed(self, proc: subprocess.Popen) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        while True:
            item = self.take(None)
            if item is None:
                break
            key, paths = item
            with self.cond:
                self.busy[key] = self.busy.get(key, 0) + 1
            try:
                proc.stdin.write(b"".join(p.encode("utf-8", "surrogateescape") + b"\n" for p in paths) + b"\n")
                proc.stdin.flush()
                reply = proc.stdout.readline()
            except (OSError, ValueError):
                reply = b""
            with self.cond:
                self.busy[key] -= 1
                if reply.startswith(b"ok"):
                    self.imported.update(dict.fromkeys(n.decode("ascii", "replace") for n in reply.split()[1:]))
                self.cond.notify_all()
            if not reply.startswith(b"ok"):     # the helper is gone: what it did not store, the walk reads
                break
        try:
            proc.stdin.close()
        except (OSError, ValueError):
            pass

    def finish(self, key: tuple[str, ...]) -> None:
        """Read the chunks of ``key`` nobody took yet, then wait for those the helpers are reading."""
        with filecache.unrecorded():
            while (item := self.take(key)) is not None:
                names = _read(item[1])
                with self.cond:
                    self.imported.update(dict.fromkeys(sorted(names)))
        filecache.flush_stamped()
        deadline = time.monotonic() + HELPER_TIMEOUT_S
        with self.cond:
            while self.busy.get(key, 0) > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)

    def new_names(self) -> list[str]:
        with self.cond:
            names = [n for n in self.imported if n not in self.offered]
            self.offered.update(names)
        return names

    def stop(self) -> None:
        with self.cond:
            self.queue.clear()
            procs, self.procs = self.procs, []
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


_POOL = _Pool()
atexit.register(_POOL.stop)     # a helper still reading what nobody waited for stops with this process


def _unqueued(folders) -> tuple[tuple[str, ...], list[str], list[str]] | None:
    """(key, every source file, the files no other package queued) of a package not looked at before in this
    process, noting which packages hold its other files (folders overlap: ``tensorflow``'s search path holds Keras
    folders); None when it was looked at, or nothing is read ahead."""
    key = tuple(folders)
    if _helpers() == 0 or key in _DONE:
        return None
    _DONE.add(key)
    paths = _sources(folders)
    with _POOL.cond:
        _POOL.parts[key] = {_POOL.owner[p] for p in paths if p in _POOL.owner}
        return key, paths, [p for p in paths if p not in _POOL.owner]


def _own(paths: list[str], holder: tuple[str, ...]) -> None:
    """Note that ``paths`` are queued, in the chunks of ``holder``."""
    with _POOL.cond:
        for p in paths:
            _POOL.owner.setdefault(p, holder)


def _claim(key: tuple[str, ...], paths: list[str], *, first: bool) -> None:
    """Queue ``paths`` in chunks of package ``key``, one the walk may wait for (``package_facts``)."""
    _own(paths, key)
    with _POOL.cond:
        _POOL.parts[key].add(key)
    _POOL.add(key, paths, first=first)


def _queue(folders, *, minimum: int, first: bool) -> int:
    """Queue the package's files that no other package queued, when there are at least ``minimum``; how many."""
    found = _unqueued(folders)
    if found is None or len(found[2]) < minimum:
        return 0
    key, _paths, new = found
    _claim(key, new, first=first)
    return len(new)


def ahead(packages) -> None:
    """Queue the source files of these packages (each a list of folders, in the order they will be needed) for
    the helpers to read while this process does other work; ``package_facts`` later joins in (``readahead`` says
    which packages)."""
    for folders in packages:
        _queue(folders, minimum=MIN_AHEAD, first=False)


def package_facts(folders, *, follow: Callable[[str], Sequence[str] | None] | None = None) -> int:
    """Read the facts of the package's source files that are not cached yet, spread over this process and
    helpers, once per process for the same folders; wait until they are stored. ``follow`` maps a top-level name
    to its package's folders (None: not a package to read ahead): the packages that the files read so far import
    are then queued for the helpers, to be read while the walk goes on. How many files this call queued (0 when
    it was not worth it, not possible, or queued before)."""
    key = tuple(folders)
    n = _queue(folders, minimum=MIN_FILES, first=True)
    for part in sorted(_POOL.parts.get(key, ())):
        if _POOL.size.get(part, 0) >= MIN_FILES:
            _POOL.finish(part)  # a big package: this process reads its share too, and waits for the rest
    # a smaller one queued ahead is left to the helpers: the walk reads what they have not stored yet itself
    if follow is not None and _helpers():
        _follow([found for name in _POOL.new_names() if (found := follow(name))])
    return n


def _follow(packages: list[Sequence[str]]) -> None:
    """Queue what the modules read so far import: the big packages first, since the walk will wait for them when it
    gets there, then every smaller package and single module in one list (chunks of several packages)."""
    small: list[str] = []
    for folders in packages:
        found = _unqueued(folders)
        if found is None:
            continue
        key, paths, new = found
        if len(paths) < MIN_FILES:
            small.extend(new)
        elif len(new) >= MIN_FILES:
            _claim(key, new, first=True)
    if small:       # no package's part: the walk never waits for this list
        holder = ("(imported by what was read)", str(len(_POOL.size)))
        _own(small, holder)
        _POOL.add(holder, list(dict.fromkeys(small)), first=False)


def _start() -> subprocess.Popen | None:
    code = "import sys; sys.path.insert(0, sys.argv[1]); from tf_lsp.prefetch import helper_main; helper_main()"
    try:
        return subprocess.Popen([sys.executable, "-I", "-c", code, _ROOT], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=os.path.abspath(os.sep))
    except (OSError, ValueError):
        return None


def helper_main() -> None:
    """A helper: read the facts of each path given on stdin (one per line); at each empty line (the end of a
    chunk) store them and answer ``ok`` and the top-level names they import."""
    paths: list[str] = []
    for line in sys.stdin.buffer:
        line = line.rstrip(b"\n")
        if line:
            paths.append(line.decode("utf-8", "surrogateescape"))
            continue
        names = _read(paths)
        paths = []
        filecache.flush_stamped()
        sys.stdout.buffer.write(b" ".join([b"ok", *(n.encode("ascii", "replace") for n in sorted(names))]) + b"\n")
        sys.stdout.buffer.flush()
    filecache.flush_stamped()
