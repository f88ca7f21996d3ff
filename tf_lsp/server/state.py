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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from tf_lsp import __version__
from tf_lsp.filecache import clear_all
from tf_lsp.model import Finding
from tf_lsp.roots import find_root
from tf_lsp.server.uris import document_file, uri_path
from tf_lsp.settings import Settings
from tf_lsp.workspace import Workspace

if TYPE_CHECKING:
    from tf_lsp.kernels import KernelWorkspaces

log = logging.getLogger("tf_lsp.server")
DEBOUNCE = 0.15
# LSP 3.17 notebook sync: the python cells of Jupyter notebooks (VS Code's built-in ipynb support sends these)
NOTEBOOK_SYNC = t.NotebookDocumentSyncOptions(notebook_selector=[t.NotebookDocumentFilterWithNotebook(
    notebook="jupyter-notebook", cells=[t.NotebookCellLanguage(language="python")])], save=True)


@dataclass
class Folder:
    root: Path
    uri: str
    settings: Settings
    ws: Workspace
    lock: threading.Lock = field(default_factory=threading.Lock)
    announced_problems: set = field(default_factory=set)
    loading: asyncio.Task | None = None
    record_stamp: tuple | None = None
    """The mtimes of the folder's configuration files (watch.RECORDS) when its engine was built: the poll rebuilds
    the engine when they differ, whenever the change happened."""
    override: str | None = None
    """The interpreter a person picked through a code action or command: folder state, so it survives every
    rebuild of the engine (a .env or manifest edit, a settings change) until the interpreter setting changes."""
    kernels: KernelWorkspaces | None = None        # of the folder's notebooks
    declared: bool = True          # a workspace folder of the client; False: made for a file outside all of them

    @property
    def loaded(self) -> bool:
        return self.ws.loaded


class TfLspServer(LanguageServer):
    def __init__(self) -> None:
        from tf_lsp.server.protocol import TfLspProtocol

        super().__init__("tf-lsp", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=NOTEBOOK_SYNC, protocol_cls=TfLspProtocol)
        self.folders: dict[str, Folder] = {}
        self.notebook_python: dict[str, str] = {}    # notebook URI -> the interpreter the editor chose for it
        self.notebook_ws: dict[str, Workspace] = {}  # notebook URI -> the engine that checked it last (its kernel's)
        self.notebook_cells: dict[str, set] = {}     # notebook URI -> cell URIs last published
        self.init_options: dict = {}
        self.pull_mode = False
        self.pending: dict[str, asyncio.Task] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.poll_task: asyncio.Task | None = None
        self.event_loop: asyncio.AbstractEventLoop | None = None     # set on initialize (pygls runs asyncio.run)
        self.default_interpreter = ""       # `serve --python`: used while the client's settings name no interpreter
        self.configured = asyncio.Event()     # set once the client's settings are in: nothing runs before that

    def start_io(self, stdin=None, stdout=None) -> None:
        """stdio with tf-lsp's frame reader, which survives damaged frames (tf_lsp/server/protocol.py)."""
        from tf_lsp.server.protocol import serve_stdio

        serve_stdio(self, stdin, stdout)

    # --- folders ------------------------------------------------------------------------------------------------

    def path_of(self, uri: str) -> Path | None:
        """The file a document is checked as: its own path for a ``file:`` URI (a jupyterlab-lsp shadow copy,
        ``<root>/.virtual_documents/nb.ipynb``, counts as the notebook in its real folder, where its kernel resolves
        imports); for a notebook cell, its notebook; for any other (``untitled:``, a diff view's ``git:``) an unsaved
        file in the first workspace folder, so that its imports resolve from that folder's root; None when there is
        no folder to put it in (then nothing is published for it)."""
        return document_file(uri, first_root=next(iter(self.folders.values())).root if self.folders else None)

    def document_path(self, uri: str) -> Path:
        """``path_of``, or the URI's own path when there is no folder to put an unsaved document in."""
        return self.path_of(uri) or uri_path(uri)

    def is_open(self, uri: str) -> bool:
        """Whether the editor opened ``uri`` (pygls would otherwise read the document from disk, whatever it is)."""
        return unquote(uri) in self.workspace.text_documents

    def folder_for(self, uri: str) -> Folder:
        path = self.document_path(uri).resolve()
        best = None
        for folder in self.folders.values():
            if path == folder.root or folder.root in path.parents:
                if best is None or len(str(folder.root)) > len(str(best.root)):
                    best = folder
        if best is None:
            root = find_root(path)
            best = self.add_folder(root, self.outside_settings(), declared=False)
        return best

    def outside_settings(self) -> Settings:
        """Settings of a folder made for a file outside every workspace folder: initializationOptions, with the most
        restrictive trust the client declared anywhere (there, or in any folder's settings)."""
        settings = Settings.from_wire(self.init_options)[0]
        trusted = settings.trusted_workspace and all(f.settings.trusted_workspace for f in self.folders.values()
                                                     if f.declared)
        return replace(settings, trusted_workspace=trusted)

    def add_folder(self, root: Path, settings: Settings, *, declared: bool = True) -> Folder:
        root = Path(root).resolve()
        folder = Folder(root=root, uri=from_fs_path(str(root)) or root.as_uri(), settings=settings, ws=self._workspace(root, settings),
                        declared=declared)
        self.folders[str(root)] = folder
        folder.record_stamp = _config_stamp(folder)
        return folder

    def apply_settings(self, folder: Folder, settings: Settings) -> None:
        if settings != folder.settings:
            self.reset_folder(folder, settings)

    def restrict_outside_folders(self) -> None:
        """After the declared folders' settings changed: folders made for outside files follow them."""
        for folder in list(self.folders.values()):
            if not folder.declared:
                self.apply_settings(folder, replace(folder.settings,
                                                    trusted_workspace=self.outside_settings().trusted_workspace))

    def reset_folder(self, folder: Folder, settings: Settings | None = None) -> None:
        """New settings or a changed editor record: rebuild the folder's engine (discovery runs again)."""
        with folder.lock:
            new = settings or folder.settings
            if new.interpreter != folder.settings.interpreter:
                folder.override = None          # the setting changed after the pick: the newer choice wins
            folder.settings = new
            folder.ws = self._workspace(folder.root, new)
            folder.record_stamp = _config_stamp(folder)
            if folder.override:
                folder.ws.use_interpreter(folder.override)

    def _workspace(self, root: Path, settings: Settings) -> Workspace:
        """The engine for one folder; `serve --python` names the interpreter unless the client's settings do."""
        python = None if settings.interpreter else (self.default_interpreter or None)
        return Workspace(root, settings=settings, python=python)

    # --- checking -----------------------------------------------------------------------------------------------

    def forget_first_party(self, folder: Folder) -> None:
        """A workspace .py file was created, deleted or renamed: what the project's own imports resolve to may
        have changed (watcher events; Workspace.refresh() also notices it by the folders' mtimes)."""
        with folder.lock:
            folder.ws.forget_first_party()

    def refresh_folder(self, folder: Folder) -> bool:
        """Re-stat the folder's environments; when one changed (an install, a removal), every registered process
        cache is emptied too (``filecache.clear_all``: each entry is stamped anyway, this drops what no file backs
        any more). True when something changed."""
        with folder.lock:
            kernels = folder.kernels.refresh() if folder.kernels is not None else False
            changed = folder.ws.refresh() or kernels
        if changed:
            clear_all()
        return changed

    def reread_environments(self) -> int:
        """``tfLsp.refresh``: forget every process cache and rebuild every folder's engine (discovery runs again;
        an interpreter picked through a command stays). The cache entries dropped."""
        dropped = clear_all()
        for folder in list(self.folders.values()):
            self.reset_folder(folder)
        return dropped

    async def ensure_loaded(self, folder: Folder) -> None:
        """Load the folder's environment (probe + index) in a thread, once, with $/progress; then report status."""
        await self.configured.wait()
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
        path = self.document_path(uri)
        if path.suffix == ".ipynb":              # a whole notebook as one Python text (JupyterLab's jupyterlab-lsp)
            from tf_lsp.notebookcheck import check_notebook_text
            from tf_lsp.server.features.notebooks import kernels_of
            with folder.lock:
                t0 = time.perf_counter()
                return check_notebook_text(kernels_of(folder), path, text), time.perf_counter() - t0
        if not uri.startswith("file:"):          # a notebook cell sent alone: its magics are not Python
            from tf_lsp.notebook import build_program
            text = build_program([(0, text)]).text
        with folder.lock:
            t0 = time.perf_counter()
            findings = folder.ws.check_source(self.document_path(uri), text)
            return findings, time.perf_counter() - t0

    async def check(self, uri: str) -> list[Finding]:
        return (await self.check_versioned(uri))[0]

    async def check_versioned(self, uri: str) -> tuple[list[Finding], int | None]:
        """The findings for the document's text as it is now, and the version of that text (an edit that arrives
        while the check runs gets its own check; these findings belong to the version they were computed for)."""
        await self.configured.wait()          # the folder's settings (and its trust) first
        from tf_lsp.server.features import notebooks

        nb_uri = notebooks.notebook_uri_of(self, uri)
        if nb_uri is not None:
            await notebooks.check_notebook(self, nb_uri)
            return self.findings.get(uri, []), None
        doc = self.workspace.get_text_document(uri)
        path = self.path_of(uri)
        if path is None or not self.is_open(uri):                             # never read a document from disk
            return [], None
        folder = self.folder_for(uri)
        text, version = doc.source, doc.version
        try:
            await self.ensure_loaded(folder)
            findings, took = await asyncio.to_thread(self._check_blocking, folder, uri, text)
        except Exception as exc:  # the engine must never take the server down
            log.exception("checking %s failed", uri)
            self.announce(folder, f"tf-lsp could not check {path.name}: {exc}")
            return [], version
        log.info("checked %s (v%s) in %.1f ms: %d findings", path.name, version, took * 1000,
                 len(findings))
        self.findings[uri] = findings
        return findings, version

    async def publish(self, uri: str) -> None:
        from tf_lsp.server.convert import lsp_diagnostic
        from tf_lsp.server.features import notebooks

        await self.configured.wait()            # the folder's settings (and its trust) first
        nb_uri = notebooks.notebook_uri_of(self, uri)
        if nb_uri is not None:                  # notebooks are pushed, whatever the client's mode
            await notebooks.publish_notebook(self, nb_uri)
            return
        findings, version = await self.check_versioned(uri)
        if self.pull_mode or not self.is_open(uri):
            return
        doc = self.workspace.get_text_document(uri)
        if doc.version != version:      # edited meanwhile: that edit's own check publishes; never mix versions
            return
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[lsp_diagnostic(doc, f) for f in findings]))

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
        from tf_lsp.server.features import notebooks

        open_uris = list(dict.fromkeys(notebooks.notebook_uri_of(self, u) or u for u in self.workspace.text_documents))
        owners = {uri: self.folder_for(uri) for uri in open_uris}
        if self.pull_mode:
            self.workspace_diagnostic_refresh(None)
        for f in list(self.folders.values()):
            if (folder is None or f is folder) and (f.loaded or f in owners.values()):
                was_loaded = f.loaded
                await self.ensure_loaded(f)          # a (re)load sends tfLsp/status itself
                if was_loaded:
                    self.send_status(f)
        for uri in open_uris:
            if (folder is None or owners[uri] is folder) and (not self.pull_mode or uri in self.notebook_cells):
                await self.publish(uri)

    # --- client notifications -------------------------------------------------------------------------------------

    def show(self, message: str, kind: t.MessageType = t.MessageType.Warning) -> None:
        self.window_show_message(t.ShowMessageParams(type=kind, message=message))

    def send_status(self, folder: Folder) -> None:
        """tfLsp/status: the folder's interpreter, the frameworks found in it (``tf_lsp.packs.status_fields``:
        ``framework``, ``frameworks``, and each rule pack's ``status_key``, ``tfVersion`` for older clients) and the
        per-shell commands that activate it (``activate``, for "Open activated terminal")."""
        from tf_lsp.interpreters import activation_commands

        try:
            ws = folder.ws
            env = ws.env
            from tf_lsp.packs import status_fields

            cand = ws.choice.candidate
            broken = not Path(ws.choice.python).exists() or any(p.startswith("probe failed") for p in env.snapshot.problems)
            self.protocol.notify("tfLsp/status", {
                "uri": folder.uri, "python": str(ws.choice.python),
                "envName": cand.name if cand else os.path.basename(str(Path(ws.choice.python).parent.parent)),
                "pythonVersion": None if broken else env.snapshot.version_str, **status_fields(env, ws.environ),
                "activate": activation_commands(cand) if cand else {},
                "broken": broken, "why": ws.choice.why})
        except Exception:
            log.exception("status failed")


def _config_stamp(folder: Folder) -> tuple:
    from tf_lsp.server.watch import _record_stamp

    return _record_stamp(folder)


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
