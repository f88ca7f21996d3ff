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


class TfLspServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tf-lsp", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Incremental)
        self.folders: dict[str, Folder] = {}
        self.init_options: dict = {}
        self.pull_mode = False
        self.pending: dict[str, asyncio.Task] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.poll_task: asyncio.Task | None = None

    # --- folders ------------------------------------------------------------------------------------------------

    def folder_for(self, uri: str) -> Folder:
        path = Path(to_fs_path(uri) or uri).resolve()
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

    def _check_blocking(self, folder: Folder, uri: str, text: str) -> tuple[list[Finding], bool, float]:
        with folder.lock:
            t0 = time.perf_counter()
            had_env = folder.ws._env is not None
            changed = folder.ws.refresh()
            findings = folder.ws.check_source(Path(to_fs_path(uri)), text)
            return findings, (changed or not had_env), time.perf_counter() - t0

    async def check(self, uri: str) -> list[Finding]:
        doc = self.workspace.get_text_document(uri)
        folder = self.folder_for(uri)
        try:
            findings, env_loaded, took = await asyncio.to_thread(self._check_blocking, folder, uri, doc.source)
        except Exception as exc:  # the engine must never take the server down
            log.exception("checking %s failed", uri)
            self.show(f"tf-lsp could not check {Path(to_fs_path(uri)).name}: {exc}", t.MessageType.Error)
            return []
        log.info("checked %s in %.1f ms", Path(to_fs_path(uri)).name, took * 1000)
        self.findings[uri] = findings
        if env_loaded:
            self.send_status(folder)
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
        if self.pull_mode:
            caps = self.client_capabilities.workspace
            if caps and caps.diagnostics and caps.diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)
            for f in self.folders.values():
                if folder is None or f is folder:
                    self.send_status(f)
            return
        for uri in list(self.workspace.text_documents):
            if folder is None or self.folder_for(uri) is folder:
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

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = t.MessageType.Error if record.levelno >= logging.ERROR else \
                t.MessageType.Warning if record.levelno >= logging.WARNING else t.MessageType.Log
            self.server.window_log_message(t.LogMessageParams(type=kind, message=self.format(record)))
        except Exception:
            pass
