"""Code actions: each diagnostic's fixes (carried in Diagnostic.data, never recomputed) as quick fixes, plus
``source.fixAll.tfLsp`` for the whole file.

Fixes that run something become Commands (``workspace/executeCommand``, validated there); fixes that edit files
become WorkspaceEdits tied to the open documents' versions. Nothing runs until the user picks the action.
"""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types as t
from packaging.requirements import InvalidRequirement, Requirement

from tf_lsp.manifests import ManifestRefused, pin_edits, set_env_edit
from tf_lsp.server.convert import SOURCE, fixes_of, lsp_diagnostic, lsp_rename, lsp_workspace_edit
from tf_lsp.server.state import Folder, TfLspServer

FIX_ALL = "source.fixAll.tfLsp"
RUNNERS = {"install": "tfLsp.install", "uninstall": "tfLsp.uninstall", "reinstall": "tfLsp.reinstall"}


def _edit_caps(ls: TfLspServer) -> tuple[bool, set]:
    ws = ls.client_capabilities.workspace
    we = ws.workspace_edit if ws else None
    return bool(we and we.document_changes), set(we.resource_operations or []) if we else set()


def workspace_edit(ls: TfLspServer, edits: list[dict]) -> t.WorkspaceEdit:
    document_changes, ops = _edit_caps(ls)
    return lsp_workspace_edit(edits, open_docs=dict(ls.workspace.text_documents), codec=ls.workspace.position_codec,
                              document_changes=document_changes, can_create=t.ResourceOperationKind.Create in ops)


def manifest_edits(ls: TfLspServer, folder: Folder, package: str, specifier: str) -> list[dict]:
    """Pin edits computed on the editor's text of open manifests (so they match the document versions)."""
    from pygls.uris import to_fs_path

    texts = {to_fs_path(uri): doc.source for uri, doc in ls.workspace.text_documents.items()}
    return [e.to_json() for e in pin_edits(folder.root, package, specifier, texts=texts)]


def _pinned(spec: str) -> tuple[str, str] | None:
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return None
    return (req.name, str(req.specifier)) if req.specifier and not req.url else None


def actions_for(ls: TfLspServer, folder: Folder, fix: dict, diagnostic: t.Diagnostic | None) -> list[t.CodeAction]:
    title, action, args = fix.get("title", "tf-lsp fix"), fix.get("action"), fix.get("args") or {}
    base = dict(kind=t.CodeActionKind.QuickFix, diagnostics=[diagnostic] if diagnostic else None)
    preferred = bool(fix.get("preferred"))
    if action == "use-interpreter":
        return [t.CodeAction(title=title, **base, is_preferred=preferred, command=t.Command(
            title=title, command="tfLsp.useInterpreter", arguments=[{"python": args.get("python"), "uri": folder.uri}]))]
    if action in RUNNERS:
        specs = args.get("specs") or args.get("names") or []
        payload = {"uri": folder.uri, "python": args.get("python"), "specs": specs}
        out = [t.CodeAction(title=title, **base, is_preferred=preferred,
                            command=t.Command(title=title, command=RUNNERS[action], arguments=[payload]))]
        if action == "install" and len(specs) == 1 and (pinned := _pinned(specs[0])):
            out += _pin_actions(ls, folder, *pinned, base)
        return out
    if action == "explain":                 # e.g. no install can be offered: the reason, nothing runs
        message = str(args.get("message") or title)
        return [t.CodeAction(title=title, **base, command=t.Command(
            title=title, command="tfLsp.explain", arguments=[{"message": message}]))]
    if action == "pin" and not fix.get("edits"):
        return _pin_actions(ls, folder, args.get("package", ""), args.get("specifier", ""), base, preferred=preferred)
    if action == "rename":
        if t.ResourceOperationKind.Rename in _edit_caps(ls)[1]:
            return [t.CodeAction(title=title, **base, is_preferred=preferred, edit=lsp_rename(args["from"], args["to"]))]
        why = (f"Rename {Path(args['from']).name} to {Path(args['to']).name} yourself: this editor does not accept "
               f"file renames from a language server.")
        return [t.CodeAction(title=f"{title} (how)", **base, command=t.Command(
            title=title, command="tfLsp.explain", arguments=[{"message": why}]))]
    edits = list(fix.get("edits") or [])
    if action == "set-env" and not edits and args.get("name"):
        where = str(args.get("where") or "")
        if where and ".env" not in where:          # set in the shell or the tfLsp.env setting: an edit cannot help
            name, value = args["name"], args.get("value")
            why = (f"{name} is {where}: " + (f"remove it there" if value is None else f"set it to {value} there")
                   + " (tf-lsp edits only the workspace .env file).")
            return [t.CodeAction(title=f"{title} (how)", **base, command=t.Command(
                title=title, command="tfLsp.explain", arguments=[{"message": why}]))]
        value = args.get("value")
        try:
            edits = [set_env_edit(folder.root, str(args["name"]), None if value is None else str(value)).to_json()]
        except ManifestRefused as exc:
            return [_explain(f"{title} (how)", str(exc), base)]
    if edits:
        act = t.CodeAction(title=title, **base, is_preferred=preferred, edit=workspace_edit(ls, edits))
        if args.get("specs"):
            act.command = t.Command(title=title, command="tfLsp.install",
                                    arguments=[{"uri": folder.uri, "specs": list(args["specs"])}])
        return [act]
    return []


def _explain(title: str, why: str, base: dict) -> t.CodeAction:
    return t.CodeAction(title=title, **base, command=t.Command(title=title, command="tfLsp.explain",
                                                               arguments=[{"message": why}]))


def _pin_actions(ls, folder, package: str, specifier: str, base: dict, *, preferred: bool = False) -> list[t.CodeAction]:
    try:
        edits = manifest_edits(ls, folder, package, specifier) if package else []
    except ManifestRefused as exc:
        return [_explain(f"Pin {package}{specifier} (why it cannot be pinned here)", str(exc), base)]
    if not edits:
        return []
    files = ", ".join(dict.fromkeys(Path(e["path"]).name for e in edits))
    title = f"Pin {package}{specifier} in {files} and install it"
    return [t.CodeAction(title=title, **base, is_preferred=preferred, edit=workspace_edit(ls, edits), command=t.Command(
        title=title, command="tfLsp.install", arguments=[{"uri": folder.uri, "specs": [f"{package}{specifier}"]}]))]


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
    installs = [fx for fx in chosen if fx["action"] == "install" and not fx["args"].get("forceReinstall")]
    merged = []
    if installs:
        specs = list(dict.fromkeys(s for fx in installs for s in fx["args"].get("specs", [])))
        merged.append({**installs[0], "args": {**installs[0]["args"], "specs": specs}})
    return merged + [fx for fx in chosen if fx not in installs and fx["action"] != "use-interpreter"]


def published_in(ls: TfLspServer, uri: str, rng: t.Range) -> list[t.Diagnostic]:
    """For clients that do not send our diagnostics back (ALE sends only code/message/range, and none at all when
    the cursor is on a word): the diagnostics last published for the document that touch the range."""
    doc = ls.workspace.get_text_document(uri)
    lo, hi = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    out = []
    for f in ls.findings.get(uri, []):
        d = lsp_diagnostic(doc, f)
        if (d.range.start.line, d.range.start.character) <= hi and lo <= (d.range.end.line, d.range.end.character):
            out.append(d)
    return out


def register(server: TfLspServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION, t.CodeActionOptions(
        code_action_kinds=[t.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False))
    def code_actions(ls: TfLspServer, params: t.CodeActionParams):
        only = params.context.only
        wants = (lambda kind: not only or any(kind == o or kind.startswith(o + ".") for o in only))
        folder = ls.folder_for(params.text_document.uri)
        out: list[t.CodeAction] = []
        if wants(t.CodeActionKind.QuickFix):
            ours = [d for d in params.context.diagnostics if d.source == SOURCE and fixes_of(d)]
            for diag in ours or published_in(ls, params.text_document.uri, params.range):
                for fix in fixes_of(diag):
                    out += actions_for(ls, folder, fix, diag)
        if only and wants(FIX_ALL) and preferred_fixes(ls, params.text_document.uri):
            out.append(t.CodeAction(title="tf-lsp: apply the preferred fix of every problem in this file",
                                    kind=FIX_ALL, command=t.Command(title="tf-lsp: fix all", command="tfLsp.fixAll",
                                                                    arguments=[{"uri": params.text_document.uri}])))
        return out


__all__ = ["register", "actions_for", "preferred_fixes", "workspace_edit", "manifest_edits", "FIX_ALL"]
