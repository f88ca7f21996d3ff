"""Server state: one engine Workspace per workspace folder, the last findings per document, and checking.

Everything slow (probing an interpreter, indexing an environment) runs in a worker thread; one lock per folder
keeps the engine single-threaded per folder.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from tf_lsp import __version__
from tf_lsp.cli import find_root
from tf_lsp.model import Finding
from tf_lsp.settings import Settings
from tf_lsp.workspace import Workspace

log = logging.getLogger("tf_lsp.server")
DEBOUNCE = 0.15


@dataclass
class Folder:
    root: Path
    uri: str
    settings: Settings
    ws: Workspace
    lock: threading.Lock = field(default_factory=threading.Lock)
    announced_problems: set = field(default_factory=set)
    loading: asyncio.Task | None = None

    @property
    def loaded(self) -> bool:
        return self.ws.loaded


class TfLspServer(LanguageServer):
    def __init__(self) -> None:
        from tf_lsp.server.protocol import TfLspProtocol

        super().__init__("tf-lsp", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Incremental,
                         protocol_cls=TfLspProtocol)
        self.folders: dict[str, Folder] = {}
        self.init_options: dict = {}
        self.pull_mode = False
        self.pending: dict[str, asyncio.Task] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.poll_task: asyncio.Task | None = None
        self.event_loop: asyncio.AbstractEventLoop | None = None     # set on initialize (pygls runs asyncio.run)

    def start_io(self, stdin=None, stdout=None) -> None:
        """stdio with tf-lsp's frame reader, which survives damaged frames (tf_lsp/server/protocol.py)."""
        from tf_lsp.server.protocol import serve_stdio

        serve_stdio(self, stdin, stdout)

    # --- folders ------------------------------------------------------------------------------------------------

    def path_of(self, uri: str) -> Path | None:
        """The file a document is checked as: its own path for a ``file:`` URI; for any other (``untitled:``, a
        diff view's ``git:``) an unsaved file in the first workspace folder, so that its imports resolve from that
        folder's root; None when there is no folder to put it in (then nothing is published for it)."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            return Path(path)
        if not self.folders:
            return None
        root = next(iter(self.folders.values())).root
        scheme, _, rest = uri.partition(":")
        name = "".join(c if c.isalnum() or c in "._-" else "_" for c in rest.rsplit("/", 1)[-1])[:80] or "untitled"
        return root / f"<{scheme or 'unsaved'}:{name}>"

    def is_open(self, uri: str) -> bool:
        """Whether the editor opened ``uri`` (pygls would otherwise read the document from disk, whatever it is)."""
        from urllib.parse import unquote

        return unquote(uri) in self.workspace.text_documents

    def folder_for(self, uri: str) -> Folder:
        path = (self.path_of(uri) or Path(uri)).resolve()
        best = None
        for folder in self.folders.values():
            if path == folder.root or folder.root in path.parents:
                if best is None or len(str(folder.root)) > len(str(best.root)):
                    best = folder
        if best is None:
            root = find_root(path)
            best = self.add_folder(root, Settings.from_wire(self.init_options)[0])
        return best

    def add_folder(self, root: Path, settings: Settings) -> Folder:
        root = Path(root).resolve()
        folder = Folder(root=root, uri=from_fs_path(str(root)), settings=settings,
                        ws=Workspace(root, settings=settings))
        self.folders[str(root)] = folder
        return folder

    def reset_folder(self, folder: Folder, settings: Settings | None = None) -> None:
        """New settings or a changed editor record: rebuild the folder's engine (discovery runs again)."""
        with folder.lock:
            folder.settings = settings or folder.settings
            folder.ws = Workspace(folder.root, settings=folder.settings)

    # --- checking -----------------------------------------------------------------------------------------------

    def forget_first_party(self, folder: Folder) -> None:
        """A workspace .py file was created, deleted or renamed: what the project's own imports resolve to may
        have changed (watcher events; Workspace.refresh() also notices it by the folders' mtimes)."""
        with folder.lock:
            folder.ws.forget_first_party()

    def refresh_folder(self, folder: Folder) -> bool:
        with folder.lock:
            return folder.ws.refresh()

    async def ensure_loaded(self, folder: Folder) -> None:
        """Load the folder's environment (probe + index) in a thread, once, with $/progress; then report status."""
        if folder.loaded:
            return
        if folder.loading is None or folder.loading.done():
            folder.loading = asyncio.ensure_future(self._load(folder))
        await asyncio.shield(folder.loading)

    async def _load(self, folder: Folder) -> None:
        from tf_lsp.server.runner import Progress

        def load():
            with folder.lock:
                t0 = time.perf_counter()
                env = folder.ws.env
                return env, time.perf_counter() - t0
        async with Progress(self, f"tf-lsp: reading the environment of {folder.root.name}"):
            try:
                env, took = await asyncio.to_thread(load)
            except Exception as exc:
                log.exception("loading the environment of %s failed", folder.root)
                self.announce(folder, f"tf-lsp could not read the environment of {folder.root.name}: {exc}")
                return
        log.info("environment of %s: %s (Python %s, %d distributions) loaded in %.0f ms", folder.root,
                 folder.ws.choice.python, env.snapshot.version_str, len(env.index.dists), took * 1000)
        problems = [p for p in env.snapshot.problems if p.startswith("probe failed")]
        if not Path(folder.ws.choice.python).exists():
            problems.insert(0, f"the interpreter {folder.ws.choice.python} does not exist")
        if problems:
            self.announce(folder, f"tf-lsp ({folder.root.name}): {problems[0]}; imports are checked statically. "
                                  f"{folder.ws.choice.why}")
        self.send_status(folder)
        from tf_lsp.server import watch

        asyncio.ensure_future(watch.register_watchers(self))   # not awaited: the first diagnostics come first

    def announce(self, folder: Folder, message: str) -> None:
        """showMessage once per folder and message (a broken environment is said once, not on every keystroke)."""
        if message not in folder.announced_problems:
            folder.announced_problems.add(message)
            self.show(message, t.MessageType.Warning)

    def _check_blocking(self, folder: Folder, uri: str, text: str) -> tuple[list[Finding], float]:
        with folder.lock:
            t0 = time.perf_counter()
            findings = folder.ws.check_source(self.path_of(uri), text)
            return findings, time.perf_counter() - t0

    async def check(self, uri: str) -> list[Finding]:
        doc = self.workspace.get_text_document(uri)
        path = self.path_of(uri)
        if path is None or not self.is_open(uri):                             # never read a document from disk
            return []
        folder = self.folder_for(uri)
        try:
            await self.ensure_loaded(folder)
            findings, took = await asyncio.to_thread(self._check_blocking, folder, uri, doc.source)
        except Exception as exc:  # the engine must never take the server down
            log.exception("checking %s failed", uri)
            self.announce(folder, f"tf-lsp could not check {path.name}: {exc}")
            return []
        log.info("checked %s (v%s) in %.1f ms: %d findings", path.name, doc.version, took * 1000,
                 len(findings))
        self.findings[uri] = findings
        return findings

    async def publish(self, uri: str) -> None:
        from tf_lsp.server.convert import lsp_diagnostic

        findings = await self.check(uri)
        if self.pull_mode:
            return
        doc = self.workspace.get_text_document(uri)
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(
            uri=uri, version=doc.version, diagnostics=[lsp_diagnostic(doc, f) for f in findings]))

    def schedule(self, uri: str, *, delay: float = DEBOUNCE) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()

        async def run():
            if delay:
                await asyncio.sleep(delay)
            await self.publish(uri)
        self.pending[uri] = asyncio.ensure_future(run())

    async def recheck_all(self, folder: Folder | None = None) -> None:
        """The environment or settings changed: reload (status goes out), then push again or ask the client to pull."""
        open_uris = list(self.workspace.text_documents)
        owners = {uri: self.folder_for(uri) for uri in open_uris}
        if self.pull_mode:
            self.workspace_diagnostic_refresh(None)
        for f in list(self.folders.values()):
            if (folder is None or f is folder) and (f.loaded or f in owners.values()):
                was_loaded = f.loaded
                await self.ensure_loaded(f)          # a (re)load sends tfLsp/status itself
                if was_loaded:
                    self.send_status(f)
        if self.pull_mode:
            return
        for uri in open_uris:
            if folder is None or owners[uri] is folder:
                await self.publish(uri)

    # --- client notifications -------------------------------------------------------------------------------------

    def show(self, message: str, kind: t.MessageType = t.MessageType.Warning) -> None:
        self.window_show_message(t.ShowMessageParams(type=kind, message=message))

    def send_status(self, folder: Folder) -> None:
        try:
            ws = folder.ws
            env = ws.env
            tf = next((d for n in ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel",
                                   "tensorflow-macos", "tf-nightly") for d in env.index.all(n)), None)
            cand = ws.choice.candidate
            broken = not Path(ws.choice.python).exists() or any(p.startswith("probe failed") for p in env.snapshot.problems)
            self.protocol.notify("tfLsp/status", {
                "uri": folder.uri, "python": str(ws.choice.python),
                "envName": cand.name if cand else os.path.basename(str(Path(ws.choice.python).parent.parent)),
                "pythonVersion": env.snapshot.version_str, "tfVersion": tf.version if tf else None,
                "broken": broken, "why": ws.choice.why})
        except Exception:
            log.exception("status failed")


class LspLogHandler(logging.Handler):
    """Forward log records to window/logMessage (nothing but the protocol goes to stdout)."""

    def __init__(self, server: TfLspServer):
        super().__init__(logging.INFO)
        self.server = server
        self.loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = t.MessageType.Error if record.levelno >= logging.ERROR else \
                t.MessageType.Warning if record.levelno >= logging.WARNING else t.MessageType.Log
            params = t.LogMessageParams(type=kind, message=self.format(record))
            if threading.get_ident() == self.loop_thread:
                self.server.window_log_message(params)
            else:                      # engine code logging from a worker thread: write from the loop's thread
                loop = self.server.event_loop
                if loop is not None and not loop.is_closed():
                    loop.call_soon_threadsafe(self.server.window_log_message, params)
        except Exception:
            pass
