"""Module facts of a big package read on every core before the walk needs them.

``import tensorflow`` runs about 2,400 modules; reading their facts (``modfacts``) is most of a cold check, and a
walk reads them one after the other. When a walk enters a top-level package with many source files whose facts are
not cached yet, those files are shared out between this process and helper processes, each writing what it read
to the ``filecache`` store; the walk then finds them there. Nothing changes in the answer: facts are a function of
each file's content and are checked against its stamp wherever they come from. Without a second core, with
``TF_LSP_NO_PREFETCH`` set, or inside a worker of a tree's check (whose cores are busy already), nothing runs.

The helpers are tf-lsp's own interpreter in isolated mode (``-I``), reading files only: no code of the package or
of the workspace runs, and the environment's interpreter is not involved.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading

from tf_lsp import filecache, modfacts
from tf_lsp.filecache import registered

MIN_FILES = 300             # fewer files than this: spreading them costs more than it saves
MAX_FILES = 20_000          # a package bigger than this is read as the walk goes
MAX_FOLDERS = 5_000
MAX_HELPERS = 3
HELPER_TIMEOUT_S = 120.0    # a helper that takes longer is stopped; the walk reads the rest itself

enabled = True              # False inside a tree check's worker processes
_SKIP_DIRS = frozenset({"__pycache__", "tests", "test", "testing", "_tests"})
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the package folders read ahead once in this process (caches only: what is stored is checked against each file)
_DONE: set[tuple[str, ...]] = registered(set(), stamp="none needed: it only says the caches were warmed once")


def _sources(folders) -> list[tuple[int, str]]:
    """(size, path) of the ``.py`` files under the package's folders, test folders left out (an import rarely
    runs them; any file left out is read by the walk if it needs it)."""
    out: list[tuple[int, str]] = []
    seen = 0
    for top in folders:
        for folder, dirs, files in os.walk(top):        # symlinked folders are not followed
            seen += 1
            if seen > MAX_FOLDERS:
                return []
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for f in sorted(files):
                if f.endswith(".py") and not f.startswith("test_") and not f.endswith("_test.py"):
                    path = os.path.join(folder, f)
                    try:
                        st = os.stat(path)
                    except OSError:
                        continue
                    out.append((st.st_size, path))
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


def package_facts(folders) -> int:
    """Read the facts of the package's source files that are not cached yet, spread over this process and
    helpers, once per process for the same folders. How many files were read ahead (0 when it was not worth it or
    not possible)."""
    helpers = _helpers()
    key = tuple(folders)
    if helpers == 0 or key in _DONE:
        return 0
    _DONE.add(key)
    todo = [(size, path) for size, path in _sources(folders) if not modfacts.facts_known(path)]
    if len(todo) < MIN_FILES:
        return 0
    shares: list[list[str]] = [[] for _ in range(helpers + 1)]
    loads = [0] * (helpers + 1)
    for size, path in sorted(todo, reverse=True):       # biggest first, each to the least loaded share
        i = loads.index(min(loads))
        shares[i].append(path)
        loads[i] += size + 2_000
    procs = [p for p in (_start(share) for share in shares[1:]) if p is not None]
    with filecache.unrecorded():
        for path in shares[0]:
            modfacts.module_facts(path)
    filecache.flush_stamped()
    for proc in procs:
        try:
            proc.wait(timeout=HELPER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return len(todo)


def _start(paths: list[str]) -> subprocess.Popen | None:
    code = "import sys; sys.path.insert(0, sys.argv[1]); from tf_lsp.prefetch import helper_main; helper_main()"
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-c", code, _ROOT], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=os.path.abspath(os.sep))
    except (OSError, ValueError):
        return None
    data = "\n".join(paths).encode("utf-8", "surrogateescape")
    threading.Thread(target=_feed, args=(proc, data), daemon=True).start()   # more than a pipe holds
    return proc


def _feed(proc: subprocess.Popen, data: bytes) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.close()
    except (OSError, ValueError):
        pass


def helper_main() -> None:
    """A helper: read the facts of each path given on stdin (one per line) and store them."""
    for line in sys.stdin.buffer.read().split(b"\n"):
        if line:
            modfacts.module_facts(line.decode("utf-8", "surrogateescape"))
    filecache.flush_stamped()
