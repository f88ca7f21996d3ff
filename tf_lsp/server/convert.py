"""The only place engine records become LSP types (and back)."""
from __future__ import annotations

import os

from lsprotocol import types as t
from pygls.uris import from_fs_path
from pygls.workspace import TextDocument

from tf_lsp.knowledge.codes import CODES
from tf_lsp.manifests.text import lsp_lines
from tf_lsp.model import Finding, Fix, Range, Severity

SOURCE = "tf-lsp"

_SEVERITY = {
    Severity.ERROR: t.DiagnosticSeverity.Error,
    Severity.WARNING: t.DiagnosticSeverity.Warning,
    Severity.INFORMATION: t.DiagnosticSeverity.Information,
    Severity.HINT: t.DiagnosticSeverity.Hint,
}


def lsp_range(doc: TextDocument, rng: Range) -> t.Range:
    """Engine ranges count code points; the codec turns them into the client's units (UTF-16 by default)."""
    server = t.Range(t.Position(rng.start.line, rng.start.character), t.Position(rng.end.line, rng.end.character))
    return doc.position_codec.range_to_client_units(doc.lines, server)


def lsp_diagnostic(doc: TextDocument, f: Finding) -> t.Diagnostic:
    return t.Diagnostic(
        range=lsp_range(doc, f.range),
        message=f.message,
        severity=_SEVERITY[f.severity],
        code=f.code,
        code_description=t.CodeDescription(href=CODES[f.code].href),
        source=SOURCE,
        data={"name": f.name, "module": f.module, "fixes": [fx.to_json() for fx in f.fixes], "details": list(f.details)},
    )


def fixes_of(diagnostic: t.Diagnostic) -> list[dict]:
    data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
    fixes = data.get("fixes")
    return [fx for fx in fixes if isinstance(fx, dict)] if isinstance(fixes, list) else []


def lsp_workspace_edit(edits: list[dict], *, open_docs: dict, codec, document_changes: bool,
                       can_create: bool) -> t.WorkspaceEdit:
    """Fix edits (``{"path", "range" (code points) or None for the whole file, "newText"}``) as a WorkspaceEdit.

    ``codec`` is the session's position codec (for files the editor does not have open); ``open_docs`` maps a uri to its pygls TextDocument when the editor has the file open: ranges are converted
    with its position codec and, with ``document_changes``, the edit is tied to its version. A whole-file edit of a
    file that does not exist yet becomes CreateFile + insert when the client can create files.
    """
    by_uri: dict[str, list[t.TextEdit]] = {}
    creates: list[str] = []
    for e in edits:
        uri = from_fs_path(e["path"])
        doc = open_docs.get(uri)
        rng = e.get("range")
        if rng is None:
            if not os.path.exists(e["path"]) and doc is None:
                creates.append(uri)
                rng = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
            else:
                n = len(lsp_lines(doc.source)) if doc else len(_read_lines(e["path"]))
                rng = {"start": {"line": 0, "character": 0}, "end": {"line": n, "character": 0}}
        server = t.Range(t.Position(**rng["start"]), t.Position(**rng["end"]))
        if doc is not None:
            server = doc.position_codec.range_to_client_units(lsp_lines(doc.source), server)
        else:
            lines = _read_lines(e["path"])
            server = codec.range_to_client_units(lines, server) if lines else server
        by_uri.setdefault(uri, []).append(t.TextEdit(range=server, new_text=e["newText"]))
    if not document_changes:
        return t.WorkspaceEdit(changes=by_uri)
    ops: list = []
    for uri, text_edits in by_uri.items():
        if uri in creates:
            if not can_create:
                continue
            ops.append(t.CreateFile(kind="create", uri=uri, options=t.CreateFileOptions(ignore_if_exists=True)))
        doc = open_docs.get(uri)
        ops.append(t.TextDocumentEdit(text_document=t.OptionalVersionedTextDocumentIdentifier(
            uri=uri, version=doc.version if doc is not None else None), edits=text_edits))
    return t.WorkspaceEdit(document_changes=ops)


def lsp_rename(old: str, new: str) -> t.WorkspaceEdit:
    return t.WorkspaceEdit(document_changes=[t.RenameFile(kind="rename", old_uri=from_fs_path(old),
                                                           new_uri=from_fs_path(new))])


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return lsp_lines(fh.read())
    except (OSError, UnicodeDecodeError):
        return []


def lsp_fix_kind(fix: dict) -> str:
    return t.CodeActionKind.QuickFix if fix.get("kind", "quickfix") == "quickfix" else fix["kind"]


__all__ = ["lsp_range", "lsp_diagnostic", "fixes_of", "lsp_workspace_edit", "lsp_rename", "SOURCE", "Fix"]
