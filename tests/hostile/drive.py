"""Every entry point that could run something, driven as a careless user would: through the real CLI, and through
the real server over stdio (open, edit, save, hover, code actions, every command, fix-all, a .env and a pyproject
change, notebooks). Errors answered by the server are fine (a refusal is the point); only the marker counts."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from lsprotocol import types as t
from pygls.uris import from_fs_path

from tests.server.lsp_client import (
    TIMEOUT,
    apply_workspace_edit,
    diagnostics_for,
    open_doc,
    session,
    wait_for,
)

CLI_COMMANDS = (["check", "--format", "json", "."], ["doctor", "--format", "json"], ["envs", "--format", "json"],
                ["verify", "--all", "--format", "json"])


def run_cli(ws: Path, env: dict) -> list[subprocess.CompletedProcess]:
    """``python -m tf_lsp check/doctor/envs/verify`` run from inside the workspace, as a person would."""
    env = dict(env, PYTHONPATH=os.environ.get("PYTHONPATH", ""))   # tf-lsp itself, nothing of the workspace
    return [subprocess.run([sys.executable, "-m", "tf_lsp", *cmd, *(["--root", str(ws)] if cmd[0] != "check" else [])],
                           cwd=ws, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                           check=False)
            for cmd in CLI_COMMANDS]


async def _try(coro):
    try:
        return await asyncio.wait_for(coro, TIMEOUT)
    except asyncio.TimeoutError:
        raise
    except Exception as exc:  # noqa: BLE001 - a refusal (InvalidParams, a failed install) is an answer too
        return exc


async def _command(client, name: str, arg: dict):
    return await _try(client.workspace_execute_command_async(t.ExecuteCommandParams(command=name, arguments=[arg])))


def _notify_changed(client, *paths: Path) -> None:
    client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(changes=[
        t.FileEvent(uri=from_fs_path(str(p)), type=t.FileChangeType.Changed) for p in paths]))


async def _actions(client, uri: str, ds: list[t.Diagnostic]) -> list:
    results = []
    for d in ds:
        got = await _try(client.text_document_code_action_async(t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri), range=d.range,
            context=t.CodeActionContext(diagnostics=[d]))))
        results += got if isinstance(got, list) else []
    whole = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=3, character=0))
    fix_all = await _try(client.text_document_code_action_async(t.CodeActionParams(
        text_document=t.TextDocumentIdentifier(uri=uri), range=whole,
        context=t.CodeActionContext(diagnostics=ds, only=["source.fixAll.tfLsp"]))))
    return results + (fix_all if isinstance(fix_all, list) else [])


INSTALLS = (("tfLsp.install", {"specs": ["numpy"]}), ("tfLsp.reinstall", {"specs": ["numpy"]}), ("tfLsp.uninstall", {"names": ["numpy"]}),
            ("tfLsp.pin", {"package": "numpy", "specifier": ">=1", "install": True}))
OTHERS = (("tfLsp.listEnvironments", {}), ("tfLsp.doctor", {}), ("tfLsp.verify", {}),
          ("tfLsp.verify", {"names": ["numpy", "pip"]}), ("tfLsp.fixAll", {}))


async def drive_server(client, ws: Path, *, extra_python: list[str], notebook: bool, virtual: bool,
                       change_config: bool, installs: bool) -> None:
    """``installs``: run every install-like command (each starts pip or uv: slow); otherwise one install and one
    pin, which go through the same runner."""
    main = ws / "main.py"
    uri = open_doc(client, main)
    ds = await diagnostics_for(client, uri)
    if change_config:                 # a later settings change that carries only other keys
        client.workspace_did_change_configuration(t.DidChangeConfigurationParams(
            settings={"tfLsp": {"severity": {"TFL100": "hint"}, "checkAllImports": True}}))
        await _command(client, "tfLsp.doctor", {"uri": uri})
    await _try(client.text_document_hover_async(t.HoverParams(
        text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=1, character=8))))
    actions = await _actions(client, uri, ds)
    for a in actions if installs else [a for a in actions if "install" not in str(a)]:   # picks every action offered
        if isinstance(a, t.CodeAction) and a.edit is not None:
            apply_workspace_edit(a.edit)
        command = a.command if isinstance(a, t.CodeAction) else a
        if command is not None:
            await _command(client, command.command, (command.arguments or [{}])[0])
    text = main.read_text() + "import six\n"
    client.text_document_did_change(t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))
    main.write_text(text)
    client.text_document_did_save(t.DidSaveTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=uri), text=text))
    folder = {"uri": uri}
    for name, arg in (INSTALLS if installs else (INSTALLS[0], ("tfLsp.pin", {"package": "numpy", "specifier": ">=1"}))) + OTHERS:
        await _command(client, name, dict(folder, **arg))
    for python in extra_python:       # switching to the workspace's own interpreters, as offered or typed
        await _command(client, "tfLsp.useInterpreter", dict(folder, python=python))
        await _command(client, "tfLsp.selectInterpreter", dict(folder, python=python))
        if installs:
            await _command(client, "tfLsp.install", dict(folder, specs=["numpy"], python=python))
    envs = await _command(client, "tfLsp.listEnvironments", folder)
    for env in envs if isinstance(envs, list) else []:
        await _command(client, "tfLsp.useInterpreter", dict(folder, python=env.get("python_path")))
    # a .env change and a pyproject change, as a file watcher reports them
    dotenv, pyproject = ws / ".env", ws / "pyproject.toml"
    with dotenv.open("a") as f:
        f.write("\nTFLSP_HOSTILE_CHANGED=1\n")
    with pyproject.open("a") as f:
        f.write("\n# changed\n")
    _notify_changed(client, dotenv, pyproject)
    await _command(client, "tfLsp.doctor", folder)
    client.text_document_did_change(t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[t.TextDocumentContentChangeWholeDocument(text=text + "import os\n")]))
    await diagnostics_for(client, uri)
    if notebook:
        nb_uri = await _open_notebook(client, ws / "nb.ipynb")
        for python in [*extra_python, None]:      # the editor's own pick for the notebook, then back to the kernel
            await _command(client, "tfLsp.useNotebookInterpreter", {"uri": nb_uri, "python": python})
    if virtual:
        vuri = open_doc(client, ws / ".virtual_documents" / "nb.ipynb")
        await diagnostics_for(client, vuri)
        await _command(client, "tfLsp.doctor", {"uri": vuri})


async def _open_notebook(client, path: Path) -> str:
    meta = json.loads(path.read_text())["metadata"]
    cell = f"vscode-notebook-cell:{path}#W0sZmlsZQ%3D%3D"
    client.notebook_document_did_open(t.DidOpenNotebookDocumentParams(
        notebook_document=t.NotebookDocument(uri=from_fs_path(str(path)), notebook_type="jupyter-notebook", version=1,
                                             metadata=meta, cells=[t.NotebookCell(kind=t.NotebookCellKind.Code,
                                                                                  document=cell)]),
        cell_text_documents=[t.TextDocumentItem(uri=cell, language_id="python", version=1, text="import numpy\n")]))
    await wait_for(client, t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, lambda p: p.uri == cell)
    await _command(client, "tfLsp.install", {"uri": cell, "specs": ["numpy"]})
    await _command(client, "tfLsp.doctor", {"uri": cell})
    return from_fs_path(str(path))


__all__ = ["drive_server", "run_cli", "session"]
