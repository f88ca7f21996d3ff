"""Code actions: each diagnostic's fixes (carried in Diagnostic.data, decoded once by ``convert.fixes_of``) as
quick fixes, plus ``source.fixAll.tfLsp`` for the whole file.

The engine made every fix (the CLI's JSON lists the same); a pin's or a ``.env`` edit is made again here by the same
engine function on the editor's current text of that file, so it matches the document version it is tied to.

Fixes that run something become Commands (``workspace/executeCommand``, validated there); fixes that edit files
become WorkspaceEdits tied to the open documents' versions. Nothing runs until the user picks the action; fix-all
carries text edits only.
"""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types as t
from pygls.uris import to_fs_path

from tf_lsp.fixargs import (
    EditArgs,
    ExplainArgs,
    FixAction,
    InstallArgs,
    PinArgs,
    RenameArgs,
    SetEnvArgs,
    UninstallArgs,
    UseInterpreterArgs,
)
from tf_lsp.fixes import pin_fix, set_env_fix
from tf_lsp.manifests import pin_edits
from tf_lsp.model import Edit, Fix
from tf_lsp.server.convert import SOURCE, fixes_of, lsp_diagnostic, lsp_rename, lsp_workspace_edit
from tf_lsp.server.state import Folder, TfLspServer

FIX_ALL = "source.fixAll.tfLsp"
RUNNERS = {FixAction.INSTALL: "tfLsp.install", FixAction.UNINSTALL: "tfLsp.uninstall",
           FixAction.REINSTALL: "tfLsp.reinstall"}


def _edit_caps(ls: TfLspServer) -> tuple[bool, set]:
    ws = ls.client_capabilities.workspace
    we = ws.workspace_edit if ws else None
    return bool(we and we.document_changes), set(we.resource_operations or []) if we else set()


def workspace_edit(ls: TfLspServer, edits: list[Edit]) -> t.WorkspaceEdit:
    document_changes, ops = _edit_caps(ls)
    return lsp_workspace_edit(edits, open_docs=dict(ls.workspace.text_documents), codec=ls.workspace.position_codec,
                              document_changes=document_changes, can_create=t.ResourceOperationKind.Create in ops)


def open_texts(ls: TfLspServer) -> dict[str, str]:
    """The editor's text of every open file (a manifest edit is computed on it, so it matches the document version)."""
    return {to_fs_path(uri) or uri: doc.source for uri, doc in ls.workspace.text_documents.items()
            if uri.startswith("file:")}


def manifest_edits(ls: TfLspServer, folder: Folder, package: str, specifier: str) -> list[Edit]:
    """Pin edits computed on the editor's text of open manifests (so they match the document versions)."""
    return pin_edits(folder.root, package, specifier, texts=open_texts(ls))


def _fresh_edits(ls: TfLspServer, folder: Folder, fix: Fix) -> Fix | None:
    """A pin or .env fix with its edits made again on the editor's current text of those files (the engine made
    them on the disk's when it checked): the same engine function, so the same fix when nothing changed."""
    args = fix.args
    if isinstance(args, PinArgs):
        install = fix if args.install else None
        return pin_fix(folder.root, args.package, args.specifier, install=install, texts=open_texts(ls))
    if isinstance(args, SetEnvArgs):
        return set_env_fix(folder.ws, args.name, args.value, title=fix.title, where=args.where,
                           preferred=fix.preferred)
    return fix


def _command(title: str, name: str, payload: dict) -> t.Command:
    return t.Command(title=title, command=name, arguments=[payload])


def actions_for(ls: TfLspServer, folder: Folder, fix: Fix, diagnostic: t.Diagnostic | None, *,
                cell: tuple[str, str] | None = None) -> list[t.CodeAction]:
    """The code actions of one decoded fix. ``cell`` = (notebook URI, cell URI) for a diagnostic of a notebook cell."""
    title, args, preferred = fix.title, fix.args, fix.preferred
    base = [diagnostic] if diagnostic else None
    if isinstance(args, UseInterpreterArgs):
        if cell is not None:               # the notebook's interpreter, not the folder's
            return [_quickfix(f"{title} for this notebook", base, is_preferred=preferred, command=_command(
                title, "tfLsp.useNotebookInterpreter", {"python": args.python, "uri": cell[0]}))]
        return [_quickfix(title, base, is_preferred=preferred, command=_command(
            title, "tfLsp.useInterpreter", {"python": args.python, "uri": folder.uri}))]
    if isinstance(args, InstallArgs):
        payload: dict = {"uri": folder.uri, "python": args.python, "specs": list(args.specs)}
        if fix.action is FixAction.INSTALL and (args.force_reinstall or args.no_deps):
            payload.update(forceReinstall=args.force_reinstall, noDeps=args.no_deps)
        out = [_quickfix(title, base, is_preferred=preferred,
                            command=_command(title, RUNNERS[fix.action], payload))]
        if fix.action is FixAction.INSTALL and cell is not None and args.specs:
            out.append(_pip_line_action(ls, cell[1], list(args.specs), base))
        return out
    if isinstance(args, UninstallArgs):
        payload = {"uri": folder.uri, "python": args.python, "specs": list(args.names)}
        return [_quickfix(title, base, is_preferred=preferred,
                             command=_command(title, RUNNERS[fix.action], payload))]
    if isinstance(args, ExplainArgs):        # e.g. no install can be offered: the reason, nothing runs
        return [_explain(title, args.message or title, base)]
    if isinstance(args, RenameArgs):
        if t.ResourceOperationKind.Rename in _edit_caps(ls)[1]:
            return [_quickfix(title, base, is_preferred=preferred, edit=lsp_rename(args.source, args.target))]
        why = (f"Rename {Path(args.source).name} to {Path(args.target).name} yourself: this editor does not accept "
               f"file renames from a language server.")
        return [_explain(f"{title} (how)", why, base)]
    fresh = _fresh_edits(ls, folder, fix)
    if fresh is None:
        return []
    if isinstance(fresh.args, ExplainArgs):
        return [_explain(fresh.title, fresh.args.message, base)]
    if not fresh.edits:
        return []
    act = _quickfix(fresh.title, base, is_preferred=preferred, edit=workspace_edit(ls, list(fresh.edits)))
    if isinstance(fresh.args, PinArgs) and fresh.args.install:
        act.command = _command(fresh.title, "tfLsp.install", {"uri": folder.uri, "specs": [
            f"{fresh.args.package}{fresh.args.specifier}"]})
    return [act]


def _quickfix(title: str, diagnostics: list[t.Diagnostic] | None, *, is_preferred: bool | None = None,
              command: t.Command | None = None, edit: t.WorkspaceEdit | None = None) -> t.CodeAction:
    return t.CodeAction(title=title, kind=t.CodeActionKind.QuickFix, diagnostics=diagnostics,
                        is_preferred=is_preferred, command=command, edit=edit)


def _explain(title: str, why: str, base: list[t.Diagnostic] | None) -> t.CodeAction:
    return _quickfix(title, base, command=_command(title, "tfLsp.explain", {"message": why}))


def _pip_line_action(ls: TfLspServer, cell_uri: str, specs: list[str], base: list[t.Diagnostic] | None
                     ) -> t.CodeAction:
    """An edit only: a ``%pip install`` line at the top of the cell, so the notebook installs what it needs when
    it runs anywhere (IPython's %pip installs into the kernel's own environment)."""
    doc = ls.workspace.get_text_document(cell_uri)
    line = "%pip install " + " ".join(f"'{s}'" if any(c in s for c in "<>!~;[ ") else s for s in specs)
    edit = t.TextEdit(range=t.Range(t.Position(0, 0), t.Position(0, 0)), new_text=line + "\n")
    if _edit_caps(ls)[0]:
        we = t.WorkspaceEdit(document_changes=[t.TextDocumentEdit(
            text_document=t.OptionalVersionedTextDocumentIdentifier(uri=cell_uri, version=doc.version), edits=[edit])])
    else:
        we = t.WorkspaceEdit(changes={cell_uri: [edit]})
    return _quickfix(f"Add `{line}` at the top of this cell", base, edit=we)


TEXT_ONLY = frozenset({FixAction.EDIT, FixAction.SET_ENV, FixAction.PIN})   # whose whole effect is a text edit


def fix_all_edits(ls: TfLspServer, folder: Folder, uri: str) -> list[Edit]:
    """For ``source.fixAll.tfLsp`` (which editors run on save): the text edits of each finding's preferred fix, and
    nothing else. Installs, uninstalls and interpreter switches stay quick fixes a person picks; a rename is a file
    operation that changes what other files import, so it is not applied on save either; a pin is its edit alone."""
    out: list[Edit] = []
    for f in ls.findings.get(uri, []):
        pref = next((fx for fx in f.fixes if fx.preferred), f.fixes[0] if f.fixes else None)
        if pref is None or pref.action not in TEXT_ONLY:
            continue
        fresh = _fresh_edits(ls, folder, pref)
        if fresh is None or not isinstance(fresh.args, (PinArgs, SetEnvArgs, EditArgs)):
            continue
        out += [e for e in fresh.edits if e not in out]
    return out


def fix_all_edit(ls: TfLspServer, folder: Folder, uri: str) -> t.WorkspaceEdit | None:
    edits = fix_all_edits(ls, folder, uri)
    return workspace_edit(ls, edits) if edits else None


def fixes_in(ls: TfLspServer, uri: str, params: t.CodeActionParams) -> list[tuple[t.Diagnostic, tuple[Fix, ...]]]:
    """The fixes of the tf-lsp diagnostics the client sent, decoded once (``convert.fixes_of``). Clients that send
    none back, or whose data cannot be read (logged there), get the findings last published that touch the range
    (ALE sends only code/message/range, and none at all when the cursor is on a word)."""
    sent = [(d, fixes_of(d)) for d in params.context.diagnostics if d.source == SOURCE]
    pairs = [(d, fixes) for d, fixes in sent if fixes]
    if pairs and all(fixes is not None for _, fixes in sent):
        return pairs
    doc = ls.workspace.get_text_document(uri)
    rng = params.range
    lo, hi = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    out = []
    for f in ls.findings.get(uri, []):
        d = lsp_diagnostic(doc, f)
        if (d.range.start.line, d.range.start.character) <= hi and lo <= (d.range.end.line, d.range.end.character):
            out.append((d, f.fixes))
    return out


def register(server: TfLspServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION, t.CodeActionOptions(
        code_action_kinds=[t.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False))
    def code_actions(ls: TfLspServer, params: t.CodeActionParams):
        only = params.context.only
        wants = (lambda kind: not only or any(kind == o or kind.startswith(o + ".") for o in only))
        from tf_lsp.server.features.notebooks import notebook_uri_of

        uri = params.text_document.uri
        folder = ls.folder_for(uri)
        nb_uri = notebook_uri_of(ls, uri)
        cell = (nb_uri, uri) if nb_uri is not None and nb_uri != uri else None
        out: list[t.CodeAction] = []
        if wants(t.CodeActionKind.QuickFix):
            for diag, fixes in fixes_in(ls, uri, params):
                for fix in fixes:
                    out += actions_for(ls, folder, fix, diag, cell=cell)
        if only and wants(FIX_ALL):           # text edits only, carried as a WorkspaceEdit: nothing runs on save
            edit = fix_all_edit(ls, folder, params.text_document.uri)
            if edit is not None:
                out.append(t.CodeAction(title="tf-lsp: apply the text edits of the preferred fixes in this file",
                                        kind=FIX_ALL, edit=edit))
        return out


__all__ = ["register", "actions_for", "fix_all_edit", "workspace_edit", "manifest_edits", "FIX_ALL"]
