"""Code actions: each diagnostic's fixes (carried in Diagnostic.data) as quick fixes, plus source.fixAll.tfLsp.

Fixes that run something become Commands (workspace/executeCommand, validated there); fixes that edit files
become WorkspaceEdits. Nothing runs until the user picks the action.
"""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types as t
from pygls.uris import from_fs_path

from tf_lsp.server.convert import SOURCE, fixes_of, lsp_text_edits
from tf_lsp.server.state import TfLspServer

FIX_ALL = "source.fixAll.tfLsp"
RUNNERS = {"install": "tfLsp.install", "uninstall": "tfLsp.uninstall", "reinstall": "tfLsp.install"}


def _supports_rename(ls: TfLspServer) -> bool:
    ws = ls.client_capabilities.workspace
    ops = ws.workspace_edit.resource_operations if ws and ws.workspace_edit else None
    return bool(ops and t.ResourceOperationKind.Rename in ops)


def action_for(ls: TfLspServer, folder_uri: str, fix: dict, diagnostic: t.Diagnostic | None) -> t.CodeAction | None:
    title, action, args = fix.get("title", "tf-lsp fix"), fix.get("action"), fix.get("args") or {}
    base = dict(title=title, kind=t.CodeActionKind.QuickFix, diagnostics=[diagnostic] if diagnostic else None,
                is_preferred=bool(fix.get("preferred")))
    if action == "use-interpreter":
        return t.CodeAction(**base, command=t.Command(title=title, command="tfLsp.useInterpreter",
                                                      arguments=[{"python": args.get("python"), "uri": folder_uri}]))
    if action in RUNNERS:
        payload = {"uri": folder_uri, "python": args.get("python"), "specs": args.get("specs") or args.get("names") or [],
                   "forceReinstall": bool(args.get("forceReinstall")), "noDeps": bool(args.get("noDeps"))}
        return t.CodeAction(**base, command=t.Command(title=title, command=RUNNERS[action], arguments=[payload]))
    if action == "rename":
        if not _supports_rename(ls):
            return None
        edit = t.WorkspaceEdit(document_changes=[t.RenameFile(kind="rename", old_uri=from_fs_path(args["from"]),
                                                               new_uri=from_fs_path(args["to"]))])
        return t.CodeAction(**base, edit=edit)
    if fix.get("edits"):
        action_obj = t.CodeAction(**base, edit=lsp_text_edits(lambda p: from_fs_path(p), fix["edits"]))
        if action == "pin" and args.get("install"):
            action_obj.command = t.Command(title="Install the pinned version", command="tfLsp.install",
                                           arguments=[{"uri": folder_uri, "python": args.get("python"),
                                                       "specs": [args["install"]]}])
        return action_obj
    return None


def register(server: TfLspServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION, t.CodeActionOptions(
        code_action_kinds=[t.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False))
    def code_actions(ls: TfLspServer, params: t.CodeActionParams):
        only = params.context.only
        folder = ls.folder_for(params.text_document.uri)
        out: list[t.CodeAction] = []
        wants = (lambda kind: not only or any(kind == o or kind.startswith(o + ".") for o in only))
        if wants(t.CodeActionKind.QuickFix):
            for diag in params.context.diagnostics:
                if diag.source != SOURCE:
                    continue
                for fix in fixes_of(diag):
                    act = action_for(ls, folder.uri, fix, diag)
                    if act is not None:
                        out.append(act)
        if only and any(FIX_ALL.startswith(o) for o in only):
            out.append(t.CodeAction(title="tf-lsp: apply the preferred fix of every problem in this file",
                                    kind=FIX_ALL, command=t.Command(
                                        title="tf-lsp: fix all", command="tfLsp.fixAll",
                                        arguments=[{"uri": params.text_document.uri}])))
        return out


def preferred_fixes(ls: TfLspServer, uri: str) -> list[dict]:
    """For fixAll: the preferred fix of each finding; one interpreter switch at most, installs merged."""
    chosen = []
    for f in ls.findings.get(uri, []):
        pref = next((fx for fx in f.fixes if fx.preferred), f.fixes[0] if f.fixes else None)
        if pref is not None:
            chosen.append(pref.to_json())
    switch = [fx for fx in chosen if fx["action"] == "use-interpreter"]
    if switch:
        return switch[:1]
    installs = [fx for fx in chosen if fx["action"] == "install"]
    merged = []
    if installs:
        specs = list(dict.fromkeys(s for fx in installs for s in fx["args"].get("specs", [])))
        merged.append({**installs[0], "args": {**installs[0]["args"], "specs": specs}})
    return merged + [fx for fx in chosen if fx["action"] not in ("install", "use-interpreter")]


__all__ = ["register", "action_for", "preferred_fixes", "Path"]
