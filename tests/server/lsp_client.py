"""Driving the real server with pytest-lsp: sessions with recorded client capabilities, waiting on notifications."""
from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Union

from lsprotocol import types as t
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import ClientServerConfig, client_capabilities

from tests.server.conftest import server_cmd

CLIENTS = ["neovim@v0.11.0", "visual_studio_code@v1.65.2"]
TIMEOUT = 60


def _code_action_hook(converter):
    """lsprotocol decodes any CodeAction that carries a ``command`` as a bare Command (it only checks the key);
    a Command's ``command`` is a string, a CodeAction's is an object: decide on that, so the test sees the edit."""
    def hook(obj, _):
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, t.Command)
        return converter.structure(obj, t.CodeAction)
    return hook


@contextlib.asynccontextmanager
async def session(client_name: str | t.ClientCapabilities, roots: Path | list[Path], *, env: dict,
                  settings: dict | None = None, init: dict | None = None, scoped: dict | None = None):
    client = await ClientServerConfig(server_command=server_cmd(), server_env=env).start()
    converter = client.protocol._converter
    converter.register_structure_hook(Union[t.Command, t.CodeAction], _code_action_hook(converter))
    client.notes = {}
    if settings is not None:
        client.set_configuration({"tfLsp": settings})
    for scope, value in (scoped or {}).items():
        client.set_configuration({"tfLsp": value}, scope_uri=scope)

    for method in ("tfLsp/interpreterChanged", "tfLsp/status"):
        client.feature(method)(lambda params, m=method: client.notes.setdefault(m, []).append(params))

    @client.feature(t.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: t.ApplyWorkspaceEditParams):
        apply_workspace_edit(params.edit)
        return t.ApplyWorkspaceEditResult(applied=True)

    client.registrations = {}
    client.registered = asyncio.Event()

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def register(params: t.RegistrationParams):
        for r in params.registrations:
            client.registrations[r.id] = r
        client.registered.set()

    @client.feature(t.CLIENT_UNREGISTER_CAPABILITY)
    def unregister(params: t.UnregistrationParams):
        for r in params.unregisterations:
            client.registrations.pop(r.id, None)

    roots = roots if isinstance(roots, list) else [roots]
    caps = client_capabilities(client_name) if isinstance(client_name, str) else client_name
    result = await client.initialize_session(t.InitializeParams(
        capabilities=caps, root_uri=from_fs_path(str(roots[0])), initialization_options=init,
        workspace_folders=[t.WorkspaceFolder(uri=from_fs_path(str(r)), name=r.name) for r in roots]))
    client.encoding = result.capabilities.position_encoding or t.PositionEncodingKind.Utf16
    try:
        yield client
    finally:
        await client.shutdown_session()


async def wait_for(client, method: str, predicate=lambda p: True):
    async def wait():
        while True:
            params = await client.wait_for_notification(method)
            if predicate(params):
                return params
    return await asyncio.wait_for(wait(), TIMEOUT)


async def diagnostics_for(client, uri: str, predicate=lambda ds: True) -> list[t.Diagnostic]:
    params = await wait_for(client, t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                            lambda p: p.uri == uri and predicate(p.diagnostics))
    return list(params.diagnostics)


def open_doc(client, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(
        uri=uri, language_id="python", version=version, text=path.read_text() if text is None else text)))
    return uri


async def code_actions(client, uri: str, diagnostic: t.Diagnostic, only=None) -> list[t.CodeAction]:
    actions = await client.text_document_code_action_async(t.CodeActionParams(
        text_document=t.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=t.CodeActionContext(diagnostics=[diagnostic], only=only)))
    assert all(isinstance(a, t.CodeAction) for a in actions or []), actions
    return list(actions or [])


async def run_command(client, command: t.Command):
    return await client.workspace_execute_command_async(t.ExecuteCommandParams(
        command=command.command, arguments=command.arguments))


def codes(ds) -> dict[str, t.Diagnostic]:
    return {d.code: d for d in ds}


def client_col(encoding: str, line: str, index: int) -> int:
    """Column of code point ``index`` in the negotiated encoding (Neovim: utf-8, VS Code: utf-16)."""
    if encoding == t.PositionEncodingKind.Utf8:
        return len(line[:index].encode("utf-8"))
    if encoding == t.PositionEncodingKind.Utf32:
        return index
    return len(line[:index].encode("utf-16-le")) // 2


def apply_workspace_edit(edit: t.WorkspaceEdit) -> None:
    """What an editor does with a WorkspaceEdit, on disk (files here are ASCII, so UTF-16 columns = indices)."""
    per_file: list[tuple[str, list[t.TextEdit]]] = list((edit.changes or {}).items())
    for change in edit.document_changes or []:
        if isinstance(change, t.TextDocumentEdit):
            per_file.append((change.text_document.uri, list(change.edits)))
        elif isinstance(change, t.CreateFile):
            Path(to_fs_path(change.uri)).touch()
        elif isinstance(change, t.RenameFile):
            Path(to_fs_path(change.old_uri)).rename(to_fs_path(change.new_uri))
    for uri, edits in per_file:
        path = Path(to_fs_path(uri))
        text = path.read_bytes().decode()
        lines = text.splitlines(keepends=True)
        starts = [0]
        for ln in lines:
            starts.append(starts[-1] + len(ln))
        off = (lambda p: min(starts[min(p.line, len(lines))] + p.character, len(text)))
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            text = text[:off(e.range.start)] + e.new_text + text[off(e.range.end):]
        path.write_bytes(text.encode())
