"""Lifecycle and document sync: initialize, open/change/save/close, pull diagnostics, configuration changes."""
from __future__ import annotations

import asyncio
import logging

from lsprotocol import types as t

from tf_lsp.server import settings as wire
from tf_lsp.server import watch
from tf_lsp.server.convert import lsp_diagnostic
from tf_lsp.server.state import TfLspServer
from tf_lsp.server.uris import folder_path

log = logging.getLogger("tf_lsp.server")


def _wants_pull(caps: t.ClientCapabilities) -> bool:
    """Pull diagnostics only for clients that can also be told to re-pull (workspace/diagnostic/refresh) when the
    environment changes under them; everyone else gets pushed diagnostics. Never both for one client."""
    td, ws = caps.text_document, caps.workspace
    return bool(td and td.diagnostic and ws and ws.diagnostics and ws.diagnostics.refresh_support)


def register(server: TfLspServer) -> None:
    @server.feature(t.INITIALIZE)
    def initialize(ls: TfLspServer, params: t.InitializeParams):
        ls.event_loop = asyncio.get_running_loop()
        ls.init_options = wire.unwrap(params.initialization_options) or {}
        ls.pull_mode = _wants_pull(params.capabilities)
        if ls.pull_mode:
            ls.feature(t.TEXT_DOCUMENT_DIAGNOSTIC, t.DiagnosticOptions(
                identifier="tf-lsp", inter_file_dependencies=False, workspace_diagnostics=False))(pull_diagnostics)
        folders = params.workspace_folders or []
        if not folders and params.root_uri:
            folders = [t.WorkspaceFolder(uri=params.root_uri, name="root")]
        settings = wire.parse(ls, ls.init_options, where="initializationOptions")
        for f in folders:
            ls.add_folder(folder_path(f.uri), settings)

    @server.feature(t.INITIALIZED)
    async def initialized(ls: TfLspServer, params: t.InitializedParams):
        try:
            folders = [f for f in ls.folders.values() if f.declared]
            for folder, raw in zip(folders, await wire.fetch(ls, [f.uri for f in folders]), strict=False):
                ls.apply_settings(folder, wire.update(ls, folder.settings, raw, where="settings"))
            ls.restrict_outside_folders()
        finally:
            ls.configured.set()
        await watch.start(ls)

    @server.feature(t.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: TfLspServer, params: t.DidChangeConfigurationParams):
        """Settings MERGE: the keys sent change, the others stay (a change of ``severity`` alone keeps trust off)."""
        pushed = params.settings.get(wire.SECTION) if isinstance(params.settings, dict) else None
        pushed = pushed if isinstance(pushed, dict) else None
        if pushed is not None:
            ls.init_options = {**ls.init_options, **pushed}
        ls.__dict__.pop("settings_problems_shown", None)          # show problems of the new settings again
        folders = [f for f in ls.folders.values() if f.declared]
        for folder, raw in zip(folders, await wire.fetch(ls, [f.uri for f in folders]), strict=False):
            settings = wire.update(ls, folder.settings, pushed, where="settings")
            ls.apply_settings(folder, wire.update(ls, settings, raw, where="settings"))
        ls.restrict_outside_folders()
        await watch.register_watchers(ls)
        await ls.recheck_all()

    @server.feature(t.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_folders(ls: TfLspServer, params: t.DidChangeWorkspaceFoldersParams):
        for f in params.event.removed:
            ls.folders.pop(str(folder_path(f.uri)), None)
        base = wire.parse(ls, ls.init_options, where="initializationOptions")
        added = [ls.add_folder(folder_path(f.uri), base) for f in params.event.added]
        for folder, raw in zip(added, await wire.fetch(ls, [f.uri for f in added]), strict=False):
            ls.apply_settings(folder, wire.update(ls, folder.settings, raw, where="settings"))
        ls.restrict_outside_folders()
        await ls.recheck_all()

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: TfLspServer, params: t.DidOpenTextDocumentParams):
        await ls.publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: TfLspServer, params: t.DidChangeTextDocumentParams):
        ls.schedule(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: TfLspServer, params: t.DidSaveTextDocumentParams):
        ls.schedule(params.text_document.uri, delay=0)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: TfLspServer, params: t.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.findings.pop(uri, None)
        if not ls.pull_mode:
            ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


async def pull_diagnostics(ls: TfLspServer, params: t.DocumentDiagnosticParams):
    uri = params.text_document.uri
    from tf_lsp.server.features.notebooks import notebook_uri_of

    if notebook_uri_of(ls, uri) is not None:        # notebook cells are pushed (see features/notebooks.py)
        return t.RelatedFullDocumentDiagnosticReport(items=[])
    findings = await ls.check(uri)
    doc = ls.workspace.get_text_document(uri)
    return t.RelatedFullDocumentDiagnosticReport(items=[lsp_diagnostic(doc, f) for f in findings])
