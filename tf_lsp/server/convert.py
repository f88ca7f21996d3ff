"""The only place engine records become LSP types (and back)."""
from __future__ import annotations

import logging
import os

from lsprotocol import types as t
from pygls.uris import from_fs_path
from pygls.workspace import TextDocument

from tf_lsp import safeio
from tf_lsp.fixargs import FixDataError
from tf_lsp.knowledge.codes import CODES
from tf_lsp.manifests.text import lsp_lines
from tf_lsp.model import Edit, Finding, Fix, Range, Severity, decode_data

SOURCE = "tf-lsp"
log = logging.getLogger("tf_lsp.server")

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
        data=f.data_json(),
    )


def fixes_of(diagnostic: t.Diagnostic) -> tuple[Fix, ...] | None:
    """The fixes a tf-lsp diagnostic carries (``Finding.data_json``), decoded once here at the edge. None when the
    client sent no data back (some do not: the caller then uses the findings it published) and, logged with the
    reason, when the data is not what the server wrote (never silently dropped)."""
    if diagnostic.data is None:
        return None
    try:
        return decode_data(diagnostic.data)
    except FixDataError as exc:
        log.warning("tf-lsp diagnostic %s at line %d carries malformed data (%s): using the findings published for "
                    "the document instead", diagnostic.code, diagnostic.range.start.line + 1, exc)
        return None


def lsp_workspace_edit(edits: list[Edit], *, open_docs: dict, codec, document_changes: bool,
                       can_create: bool) -> t.WorkspaceEdit:
    """Fix edits (ranges in code points; ``range=None`` for the whole file) as a WorkspaceEdit.

    ``codec`` is the session's position codec (for files the editor does not have open); ``open_docs`` maps a uri to its pygls TextDocument when the editor has the file open: ranges are converted
    with its position codec and, with ``document_changes``, the edit is tied to its version. A whole-file edit of a
    file that does not exist yet becomes CreateFile + insert when the client can create files.
    """
    by_uri: dict[str, list[t.TextEdit]] = {}
    creates: list[str] = []
    for e in edits:
        uri = from_fs_path(e.path) or e.path
        doc = open_docs.get(uri)
        if e.range is None:
            if not os.path.exists(e.path) and doc is None:
                creates.append(uri)
                end = 0
            else:
                end = len(lsp_lines(doc.source)) if doc else len(_read_lines(e.path))
            server = t.Range(t.Position(0, 0), t.Position(end, 0))
        else:
            server = t.Range(t.Position(e.range.start.line, e.range.start.character),
                             t.Position(e.range.end.line, e.range.end.character))
        if doc is not None:
            server = doc.position_codec.range_to_client_units(lsp_lines(doc.source), server)
        else:
            lines = _read_lines(e.path)
            server = codec.range_to_client_units(lines, server) if lines else server
        by_uri.setdefault(uri, []).append(t.TextEdit(range=server, new_text=e.new_text))
    if not document_changes:
        return t.WorkspaceEdit(changes=by_uri)
    ops: list[t.TextDocumentEdit | t.CreateFile | t.RenameFile | t.DeleteFile] = []
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
    return t.WorkspaceEdit(document_changes=[t.RenameFile(kind="rename", old_uri=from_fs_path(old) or old,
                                                           new_uri=from_fs_path(new) or new)])


def _read_lines(path: str) -> list[str]:
    try:
        return lsp_lines(safeio.read_source(path))
    except (OSError, UnicodeDecodeError):
        return []


__all__ = ["lsp_range", "lsp_diagnostic", "fixes_of", "lsp_workspace_edit", "lsp_rename", "SOURCE", "Fix"]
