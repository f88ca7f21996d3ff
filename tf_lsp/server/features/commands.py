"""workspace/executeCommand: every command validates its arguments before anything runs.

Install/uninstall argv are rebuilt here by the engine (``tf_lsp.fixes``) from validated package specs and a
known interpreter — a client cannot make the server run an arbitrary program.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from lsprotocol import types as t
from packaging.requirements import InvalidRequirement, Requirement
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from tf_lsp.doctor import doctor_data, doctor_text
from tf_lsp.fixes import install_fix, uninstall_fix
from tf_lsp.server.features.actions import action_for, preferred_fixes
from tf_lsp.server.runner import CommandFailed, run_with_progress
from tf_lsp.server.state import Folder, TfLspServer

log = logging.getLogger("tf_lsp.server")


def _arg(args) -> dict:
    first = args[0] if isinstance(args, (list, tuple)) and args else args
    if not isinstance(first, dict):
        raise JsonRpcInvalidParams("expected one object argument")
    return first


def _folder(ls: TfLspServer, arg: dict) -> Folder:
    uri = arg.get("uri")
    if uri is not None and not isinstance(uri, str):
        raise JsonRpcInvalidParams("uri must be a string")
    if uri:
        return ls.folder_for(uri)
    if not ls.folders:
        raise JsonRpcInvalidParams("no workspace folder is open")
    return next(iter(ls.folders.values()))


def _known_python(folder: Folder, python) -> str:
    if not isinstance(python, str) or not python:
        raise JsonRpcInvalidParams("python must be a path")
    known = {str(c.python) for c in folder.ws.candidates} | {str(folder.ws.choice.python)}
    if python in known:
        return python
    p = Path(python)
    if p.is_dir():
        for sub in ("bin/python", "bin/python3", "Scripts/python.exe"):
            if (p / sub).exists():
                return str(p / sub)
    if p.is_file() and os.access(p, os.X_OK):
        return python
    raise JsonRpcInvalidParams(f"{python} is neither a discovered environment nor an executable interpreter")


def _specs(values) -> list[str]:
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise JsonRpcInvalidParams("specs must be a non-empty list of requirement strings")
    out = []
    for v in values:
        try:
            req = Requirement(v)
        except InvalidRequirement as exc:
            raise JsonRpcInvalidParams(f"invalid requirement {v!r}: {exc}") from exc
        if req.url:
            raise JsonRpcInvalidParams(f"direct URLs are not installed by tf-lsp: {v!r}")
        out.append(str(req))
    return out


async def _switch(ls: TfLspServer, folder: Folder, python: str) -> dict:
    with folder.lock:
        choice = folder.ws.use_interpreter(python)
    ls.protocol.notify("tfLsp/interpreterChanged", {"uri": folder.uri, "python": str(choice.python), "why": choice.why})
    await ls.recheck_all(folder)
    ls.send_status(folder)
    return {"python": str(choice.python), "why": choice.why}


async def _run_fix(ls: TfLspServer, folder: Folder, fix) -> dict:
    try:
        await run_with_progress(ls, list(fix.command), title=fix.title, cwd=str(folder.root))
    except CommandFailed as exc:
        ls.show(str(exc), t.MessageType.Error)
        return {"ok": False, "error": str(exc)}
    except OSError as exc:
        msg = f"{fix.title}: could not start {fix.command[0]}: {exc.strerror or exc}"
        ls.show(msg, t.MessageType.Error)
        return {"ok": False, "error": msg}
    with folder.lock:
        folder.ws.refresh()
    await ls.recheck_all(folder)
    ls.send_status(folder)
    return {"ok": True}


def register(server: TfLspServer) -> None:
    @server.command("tfLsp.useInterpreter")
    async def use_interpreter(ls: TfLspServer, *args):
        arg = _arg(args)
        folder = _folder(ls, arg)
        return await _switch(ls, folder, _known_python(folder, arg.get("python")))

    @server.command("tfLsp.selectInterpreter")
    async def select_interpreter(ls: TfLspServer, *args):
        return await use_interpreter(ls, *args)

    @server.command("tfLsp.install")
    async def install(ls: TfLspServer, *args):
        arg = _arg(args)
        folder = _folder(ls, arg)
        python = _known_python(folder, arg.get("python") or str(folder.ws.choice.python))
        if python != str(folder.ws.choice.python):
            raise JsonRpcInvalidParams("installs go into the selected interpreter only")
        fix = install_fix(folder.ws, _specs(arg.get("specs")), force_reinstall=bool(arg.get("forceReinstall")),
                          no_deps=bool(arg.get("noDeps")))
        return await _run_fix(ls, folder, fix)

    @server.command("tfLsp.reinstall")
    async def reinstall(ls: TfLspServer, *args):
        arg = dict(_arg(args), forceReinstall=True, noDeps=True)
        return await install(ls, arg)

    @server.command("tfLsp.uninstall")
    async def uninstall(ls: TfLspServer, *args):
        arg = _arg(args)
        folder = _folder(ls, arg)
        names = [Requirement(s).name for s in _specs(arg.get("specs") or arg.get("names"))]
        return await _run_fix(ls, folder, uninstall_fix(folder.ws, names))

    @server.command("tfLsp.listEnvironments")
    async def list_environments(ls: TfLspServer, *args):
        folder = _folder(ls, _arg(args) if args and args[0] else {})
        chosen = folder.ws.choice
        return [dict(c.to_json(), selected=str(c.python) == str(chosen.python)) for c in folder.ws.candidates]

    @server.command("tfLsp.doctor")
    async def doctor(ls: TfLspServer, *args):
        import asyncio

        folder = _folder(ls, _arg(args) if args and args[0] else {})

        def run():
            with folder.lock:
                return doctor_data(folder.ws)
        data = await asyncio.to_thread(run)
        return {"text": doctor_text(data), "json": data}

    @server.command("tfLsp.fixAll")
    async def fix_all(ls: TfLspServer, *args):
        arg = _arg(args)
        uri = arg.get("uri")
        if not isinstance(uri, str):
            raise JsonRpcInvalidParams("uri must be a document uri")
        folder = ls.folder_for(uri)
        results = []
        for fx in preferred_fixes(ls, uri):
            act = action_for(ls, folder.uri, fx, None)
            if act is None:
                continue
            if act.edit is not None:
                await ls.workspace_apply_edit_async(t.ApplyWorkspaceEditParams(edit=act.edit, label=act.title))
            if act.command is not None:
                handler = {"tfLsp.useInterpreter": use_interpreter, "tfLsp.install": install,
                           "tfLsp.uninstall": uninstall}[act.command.command]
                results.append(await handler(ls, *act.command.arguments))
        return results


__all__ = ["register", "to_fs_path"]
