"""The real server over stdio, driven with recorded Neovim and VS Code client capabilities (pytest-lsp).

Waits on notifications, never on sleeps."""
from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as t
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, client_capabilities

from tests.server.conftest import MAIN, server_cmd
from tests.wheelmaker import pip_install, run_in

CLIENTS = ["neovim@v0.11.0", "visual_studio_code@v1.65.2"]
TIMEOUT = 60


@contextlib.asynccontextmanager
async def session(client_name: str, root: Path, *, settings: dict | None = None, init: dict | None = None,
                  env: dict | None = None):
    server_env = dict(os.environ, **(env or {}))
    server_env.pop("VIRTUAL_ENV", None)
    client = await ClientServerConfig(server_command=server_cmd(), server_env=server_env).start()
    client.messages = []
    client.notes = {}
    if settings is not None:
        client.set_configuration({"tfLsp": settings})

    @client.feature("tfLsp/interpreterChanged")
    def _changed(params):
        client.notes.setdefault("tfLsp/interpreterChanged", []).append(params)

    @client.feature("tfLsp/status")
    def _status(params):
        client.notes.setdefault("tfLsp/status", []).append(params)

    uri = from_fs_path(str(root))
    await client.initialize_session(t.InitializeParams(
        capabilities=client_capabilities(client_name), root_uri=uri,
        workspace_folders=[t.WorkspaceFolder(uri=uri, name=root.name)], initialization_options=init))
    try:
        yield client
    finally:
        await client.shutdown_session()


async def diagnostics_for(client, uri: str, predicate=lambda ds: True) -> list[t.Diagnostic]:
    async def wait():
        while True:
            params = await client.wait_for_notification("textDocument/publishDiagnostics")
            if params.uri == uri and predicate(params.diagnostics):
                return list(params.diagnostics)
    return await asyncio.wait_for(wait(), TIMEOUT)


def open_doc(client, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(
        uri=uri, language_id="python", version=version, text=path.read_text() if text is None else text)))
    return uri


def commands_of(actions) -> list[tuple[str, t.Command]]:
    """(title, command) of each code action. pytest-lsp's client decodes a CodeAction that carries a Command as
    a bare Command whose ``command`` is the repr of the nested object; undo that here (the wire data is right)."""
    import ast

    out = []
    for a in actions or []:
        if isinstance(a, t.CodeAction):
            if a.command is not None:
                out.append((a.title, a.command))
        elif isinstance(a.command, str) and a.command.startswith("{"):
            inner = ast.literal_eval(a.command)
            out.append((a.title, t.Command(title=inner["title"], command=inner["command"], arguments=inner.get("arguments"))))
        else:
            out.append((a.title, a))
    return out


def codes(ds) -> dict[str, t.Diagnostic]:
    return {d.code: d for d in ds}


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_diagnostics_on_open_move_with_edits_and_clear_on_close(project, client_name):
    root, bad, good = project
    async with session(client_name, root) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        by = codes(ds)
        assert set(by) == {"TFL102", "TFL100"}
        six = by["TFL102"]
        assert (six.range.start.line, six.range.start.character, six.range.end.character) == (1, 7, 10)
        assert six.severity == t.DiagnosticSeverity.Error and six.source == "tf-lsp"
        assert six.code_description.href.endswith("#tfl102-wrong-interpreter")
        assert any(f["action"] == "use-interpreter" for f in six.data["fixes"])
        # an edit that inserts two lines above moves the squiggles down
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangePartial(
                range=t.Range(t.Position(0, 0), t.Position(0, 0)), text="# a comment\n\n")]))
        ds = await diagnostics_for(client, uri, lambda ds: any(d.range.start.line == 3 for d in ds))
        assert codes(ds)["TFL102"].range.start.line == 3
        waiter = asyncio.ensure_future(diagnostics_for(client, uri))
        client.text_document_did_close(t.DidCloseTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=uri)))
        assert await waiter == []


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_hover_explains_resolution_and_failure(project, client_name):
    root, *_ = project
    async with session(client_name, root) as client:
        uri = open_doc(client, root / "main.py")
        await diagnostics_for(client, uri)
        ok = await client.text_document_hover_async(t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri),
                                                                  position=t.Position(0, 8)))
        assert "os" in ok.contents.value and "resolves to" in ok.contents.value
        bad = await client.text_document_hover_async(t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri),
                                                                   position=t.Position(1, 8)))
        text = bad.contents.value
        assert "TFL102" in text and "searched:" in text and "good-env" in text


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_use_interpreter_action_switches_and_clears(project, client_name):
    root, bad, good = project
    async with session(client_name, root) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        six = codes(ds)["TFL102"]
        actions = await client.text_document_code_action_async(t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri), range=six.range,
            context=t.CodeActionContext(diagnostics=[six])))
        cmds = commands_of(actions)
        use = [c for title, c in cmds if c.command == "tfLsp.useInterpreter" and "good-env" in title]
        assert use, cmds
        assert any(c.command == "tfLsp.install" for _, c in cmds)
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL102" not in codes(ds)))
        await client.workspace_execute_command_async(t.ExecuteCommandParams(
            command=use[0].command, arguments=use[0].arguments))
        ds = await waiter
        assert "TFL102" not in codes(ds)
        changed = client.notes["tfLsp/interpreterChanged"][-1]
        assert Path(changed.python).parent.parent == root / "good-env"
        assert run_in(good, "import six", cwd=root).returncode == 0


async def test_install_action_from_local_wheels_and_from_the_registry(project, wheels):
    root, bad, good = project
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(wheels)}
    async with session("neovim@v0.11.0", root, env=env) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        local = codes(ds)["TFL100"]
        assert local.range.start.line == 2
        actions = await client.text_document_code_action_async(t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri), range=local.range,
            context=t.CodeActionContext(diagnostics=[local])))
        inst = [c for _, c in commands_of(actions) if c.command == "tfLsp.install"][0]
        assert bad.parent.parent == root / ".venv"
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL100" not in codes(ds)))
        result = await client.workspace_execute_command_async(t.ExecuteCommandParams(
            command=inst.command, arguments=inst.arguments))
        assert result["ok"], result
        await waiter
        assert run_in(bad, "import localpkg_q", cwd=root).returncode == 0
    # a real install from the registry (the machine's normal pip configuration)
    async with session("neovim@v0.11.0", root) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        six = codes(ds)["TFL102"]
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: not ds))
        result = await client.workspace_execute_command_async(t.ExecuteCommandParams(
            command="tfLsp.install", arguments=[{"uri": from_fs_path(str(root)), "specs": ["six"]}]))
        assert result["ok"], result
        await waiter
        assert run_in(bad, "import six", cwd=root).returncode == 0


async def test_live_refresh_after_an_outside_install(project, wheels):
    root, bad, good = project
    async with session("neovim@v0.11.0", root) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        assert "TFL100" in codes(ds)
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL100" not in codes(ds)))
        await asyncio.to_thread(pip_install, bad, "--no-index", "--find-links", str(wheels), "localpkg-q")
        ds = await waiter
        assert "TFL102" in codes(ds)


async def test_invalid_settings_are_reported_and_do_not_crash(project):
    root, *_ = project
    async with session("visual_studio_code@v1.65.2", root,
                       settings={"installer": "npm", "checkAllImports": "yes", "interpreter": 42}) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        assert "TFL102" in codes(ds)                       # defaults still work
        shown = " ".join(m.message for m in client.messages)
        for key in ("installer", "checkAllImports", "interpreter"):
            assert f"tfLsp.{key}" in shown, shown


async def test_missing_interpreter_setting_and_bad_commands(project):
    root, *_ = project
    async with session("neovim@v0.11.0", root, init={"interpreter": str(root / "nope" / "python")}) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        assert [d.code for d in ds] == ["TFL190"]
        with pytest.raises(Exception):
            await client.workspace_execute_command_async(t.ExecuteCommandParams(
                command="tfLsp.install", arguments=[{"uri": from_fs_path(str(root)), "specs": ["six; rm -rf /"]}]))
        with pytest.raises(Exception):
            await client.workspace_execute_command_async(t.ExecuteCommandParams(
                command="tfLsp.useInterpreter", arguments=[{"python": "/bin/sh-not-there"}]))
        envs = await client.workspace_execute_command_async(t.ExecuteCommandParams(command="tfLsp.listEnvironments", arguments=[]))
        assert {Path(e["path"]).name for e in envs} >= {".venv", "good-env"}
        doc = await client.workspace_execute_command_async(t.ExecuteCommandParams(command="tfLsp.doctor", arguments=[]))
        assert "Interpreter:" in doc["text"]
        # still alive after all that
        hover = await client.text_document_hover_async(t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri),
                                                                     position=t.Position(0, 8)))
        assert hover is not None
