"""workspace/executeCommand: every command validates its arguments before anything runs.

Install/uninstall argv are rebuilt here by the engine (``tf_lsp.fixes``) from validated package specs and a
known interpreter — a client cannot make the server run an arbitrary program. Bad arguments are JSON-RPC
InvalidParams errors, never a crash.
"""
from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import unquote

from lsprotocol import types as t
from packaging.requirements import Requirement
from pygls.exceptions import JsonRpcInvalidParams

from tf_lsp.doctor import doctor_data, doctor_text
from tf_lsp.fixargs import InstallArgs, UninstallArgs
from tf_lsp.fixes import install_fix, uninstall_fix
from tf_lsp.installer_env import installer_environ
from tf_lsp.manifests import ManifestRefused
from tf_lsp.model import Fix
from tf_lsp.reqsafe import safe_name, safe_spec_text, safe_specifier
from tf_lsp.server.features.actions import fix_all_edit, manifest_edits, workspace_edit
from tf_lsp.server.runner import CommandFailed, run_with_progress
from tf_lsp.server.state import Folder, TfLspServer

log = logging.getLogger("tf_lsp.server")


def _arg(args) -> dict:
    if isinstance(args, (list, tuple)) and len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = args[0]                      # pygls may hand over the arguments list as one positional value
    first = args[0] if isinstance(args, (list, tuple)) and args else args
    if first is None or first == [] or first == ():
        return {}
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
    """An interpreter tf-lsp found (a discovered candidate, or the current choice — which is where the editor's own
    pick arrives, through the ``tfLsp.interpreter`` setting), given as its interpreter or its environment folder.
    Nothing else: a command argument cannot make tf-lsp run an arbitrary executable."""
    if not isinstance(python, str) or not python:
        raise JsonRpcInvalidParams("python must be a path")
    known: dict[str, str] = {}
    for c in folder.ws.candidates:
        known[str(c.python)] = str(c.python)
        known[str(c.prefix)] = str(c.python)
    known[str(folder.ws.choice.python)] = str(folder.ws.choice.python)
    if folder.ws.choice.candidate is not None:
        known[str(folder.ws.choice.candidate.prefix)] = str(folder.ws.choice.python)
    for key in (python, os.path.normpath(python), os.path.normpath(python).rstrip(os.sep)):
        if key in known:
            return known[key]
    raise JsonRpcInvalidParams(
        f"{python} is neither a discovered environment nor an executable interpreter tf-lsp found: pick one from "
        f"tfLsp.listEnvironments, or select it in the editor (the tfLsp.interpreter setting)")


def _specs(values) -> list[str]:
    """Plain package requirements only (``tf_lsp.reqsafe``): no URL, path, archive name, option or marker."""
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise JsonRpcInvalidParams("specs must be a non-empty list of requirement strings")
    out = []
    for v in values:
        try:
            out.append(safe_spec_text(v))
        except ValueError as exc:
            raise JsonRpcInvalidParams(f"invalid requirement: {exc}") from exc
    return out


def _package(value) -> str:
    try:
        return safe_name(value)
    except ValueError as exc:
        raise JsonRpcInvalidParams(f"invalid package name: {exc}") from exc


def _specifier(value) -> str:
    try:
        return str(safe_specifier(value))
    except ValueError as exc:
        raise JsonRpcInvalidParams(f"invalid version specifier: {exc}") from exc


async def switch_interpreter(ls: TfLspServer, folder: Folder, python: str) -> dict:
    from tf_lsp.interpreters import activation_commands

    await ls.configured.wait()           # the folder's trust is known before anything is run

    def run():
        with folder.lock:
            choice = folder.ws.use_interpreter(python)
            folder.override = str(choice.python)
            _ = folder.ws.env     # load it off the event loop
            return choice
    choice = await asyncio.to_thread(run)
    activate = activation_commands(choice.candidate) if choice.candidate else {}
    result = {"uri": folder.uri, "python": str(choice.python), "why": choice.why, "activate": activate}
    ls.protocol.notify("tfLsp/interpreterChanged", result)
    await ls.recheck_all(folder)
    return result


async def run_fix(ls: TfLspServer, folder: Folder, fix: Fix) -> dict:
    """Run an install/uninstall fix exactly as its record says (argv and working folder, never the workspace)."""
    await ls.configured.wait()
    if folder.ws.static:
        raise JsonRpcInvalidParams(f"the workspace is not trusted and {folder.ws.choice.python} lives inside it: "
                                   f"tf-lsp does not run it (nor its pip)")
    try:
        if not isinstance(fix.args, (InstallArgs, UninstallArgs)):
            raise JsonRpcInvalidParams(f"{fix.title}: nothing to run")
        await run_with_progress(ls, list(fix.command), title=fix.title, cwd=fix.args.cwd,
                                env=installer_environ(folder.root))
    except CommandFailed as exc:
        ls.show(str(exc), t.MessageType.Error)
        return {"ok": False, "error": str(exc)}
    except OSError as exc:
        msg = f"{fix.title}: could not start {fix.command[0]}: {exc.strerror or exc}"
        ls.show(msg, t.MessageType.Error)
        return {"ok": False, "error": msg}
    await asyncio.to_thread(ls.refresh_folder, folder)
    await ls.recheck_all(folder)
    return {"ok": True}


def _target(folder: Folder, arg: dict):
    """The engine whose interpreter an install/uninstall goes into: the folder's selected interpreter, or the
    kernel interpreter of one of its open notebooks; nothing else."""
    python = arg.get("python")
    if not python or python == str(folder.ws.choice.python):
        return folder.ws
    kernels = getattr(folder.kernels, "_by_python", {}) if folder.kernels is not None else {}
    if isinstance(python, str) and python in kernels:
        return kernels[python]
    if _known_python(folder, python) != str(folder.ws.choice.python):
        raise JsonRpcInvalidParams("installs go into the selected interpreter only (or the kernel of an open "
                                   "notebook); switch to it first")
    return folder.ws


def register(server: TfLspServer) -> None:
    @server.command("tfLsp.useInterpreter")
    async def use_interpreter(ls: TfLspServer, *args):
        arg = _arg(args)
        folder = _folder(ls, arg)
        return await switch_interpreter(ls, folder, _known_python(folder, arg.get("python")))

    @server.command("tfLsp.useNotebookInterpreter")
    async def use_notebook_interpreter(ls: TfLspServer, *args):
        """The editor's choice of interpreter for one notebook (``uri``: the notebook or one of its cells); it wins
        over the notebook's kernelspec. ``python: null`` goes back to the kernelspec."""
        from tf_lsp.server.features.notebooks import notebook_uri_of, publish_notebook

        arg = _arg(args)
        uri = arg.get("uri")
        nb_uri = notebook_uri_of(ls, uri) if isinstance(uri, str) else None
        if nb_uri is None:
            raise JsonRpcInvalidParams("uri must be an open notebook or one of its cells")
        if arg.get("python") is None:
            ls.notebook_python.pop(nb_uri, None)
        else:
            ls.notebook_python[nb_uri] = _known_python(ls.folder_for(nb_uri), arg.get("python"))
        await publish_notebook(ls, nb_uri)
        ws = ls.notebook_ws.get(nb_uri)
        return {"uri": nb_uri, "python": str(ws.choice.python) if ws else None, "why": ws.choice.why if ws else None}

    @server.command("tfLsp.selectInterpreter")
    async def select_interpreter(ls: TfLspServer, *args):
        return await use_interpreter(ls, *args)

    @server.command("tfLsp.install")
    async def install(ls: TfLspServer, *args):
        arg = _arg(args)
        folder = _folder(ls, arg)
        fix = install_fix(_target(folder, arg), _specs(arg.get("specs")), force_reinstall=bool(arg.get("forceReinstall")),
                          no_deps=bool(arg.get("noDeps")))
        return await run_fix(ls, folder, fix)

    @server.command("tfLsp.reinstall")
    async def reinstall(ls: TfLspServer, *args):
        return await install(ls, dict(_arg(args), forceReinstall=True, noDeps=True))

    @server.command("tfLsp.uninstall")
    async def uninstall(ls: TfLspServer, *args):
        arg = _arg(args)
        folder = _folder(ls, arg)
        target = _target(folder, arg)
        names = [Requirement(s).name for s in _specs(arg.get("specs") or arg.get("names"))]
        return await run_fix(ls, folder, uninstall_fix(target, names))

    @server.command("tfLsp.pin")
    async def pin(ls: TfLspServer, *args):
        arg = _arg(args)
        folder = _folder(ls, arg)
        package, specifier = _package(arg.get("package")), _specifier(arg.get("specifier"))
        try:
            edits = manifest_edits(ls, folder, package, specifier)
        except ManifestRefused as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
        if not edits:
            raise JsonRpcInvalidParams(f"{folder.root} has no requirements*.txt, pyproject.toml dependency list or "
                                       f"environment.yml to pin {package} in")
        applied = await ls.workspace_apply_edit_async(t.ApplyWorkspaceEditParams(
            edit=workspace_edit(ls, edits), label=f"Pin {package}{specifier}"))
        result = {"ok": bool(applied and applied.applied), "files": sorted({e.path for e in edits})}
        if result["ok"] and arg.get("install"):
            result["install"] = await install(ls, {"uri": folder.uri, "specs": [f"{package}{specifier}"]})
        return result

    @server.command("tfLsp.listEnvironments")
    async def list_environments(ls: TfLspServer, *args):
        folder = _folder(ls, _arg(args))
        cands, chosen = await asyncio.to_thread(lambda: (folder.ws.candidates, folder.ws.choice))
        return [dict(c.to_json(), selected=str(c.python) == str(chosen.python)) for c in cands]

    @server.command("tfLsp.refresh")
    async def refresh(ls: TfLspServer, *args):
        """Re-read every environment: every process cache emptied, every folder rediscovered, open files re-checked."""
        await ls.configured.wait()
        dropped = await asyncio.to_thread(ls.reread_environments)
        await ls.recheck_all()
        return {"ok": True, "cacheEntriesDropped": dropped}

    @server.command("tfLsp.doctor")
    async def doctor(ls: TfLspServer, *args):
        folder = _folder(ls, _arg(args))

        def run():
            with folder.lock:
                return doctor_data(folder.ws)
        data = await asyncio.to_thread(run)
        return {"text": doctor_text(data), "json": data}

    @server.command("tfLsp.verify")
    async def verify_command(ls: TfLspServer, *args):
        """Full sha256 verification of named distributions (default: every rule pack's distributions and companions)."""
        from tf_lsp.verify import verify, verify_text

        arg = _arg(args)
        folder = _folder(ls, arg)
        names = arg.get("names", [])
        if not isinstance(names, list):
            raise JsonRpcInvalidParams("names must be a list of distribution names")
        names = [_package(n) for n in names]

        def run():
            with folder.lock:
                return verify(folder.ws, names)
        results, unknown = await asyncio.to_thread(run)
        return {"text": verify_text(results, unknown), "results": [r.to_json() for r in results],
                "notInstalled": unknown}

    @server.command("tfLsp.explain")
    def explain(ls: TfLspServer, *args):
        message = _arg(args).get("message")
        if not isinstance(message, str):
            raise JsonRpcInvalidParams("message must be a string")
        ls.show(message, t.MessageType.Info)
        return {"ok": True}

    @server.command("tfLsp.fixAll")
    async def fix_all(ls: TfLspServer, *args):
        """The text edits of the file's preferred fixes, applied (never an install, an uninstall or a switch)."""
        uri = _arg(args).get("uri")
        if not isinstance(uri, str) or unquote(uri) not in ls.workspace.text_documents:
            raise JsonRpcInvalidParams("uri must be an open document")
        edit = fix_all_edit(ls, ls.folder_for(uri), uri)
        if edit is None:
            return {"applied": False}
        applied = await ls.workspace_apply_edit_async(t.ApplyWorkspaceEditParams(edit=edit, label="tf-lsp: fix all"))
        return {"applied": bool(applied and applied.applied)}


__all__ = ["register", "switch_interpreter", "run_fix"]
