"""The only place engine records become LSP types (and back)."""
from __future__ import annotations

from lsprotocol import types as t
from pygls.workspace import TextDocument

from tf_lsp.knowledge.codes import CODES
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


def lsp_text_edits(doc_uri_of, edits: list[dict]) -> t.WorkspaceEdit:
    """Fix edits (path, range or None for whole file, newText) as a WorkspaceEdit."""
    changes: dict[str, list[t.TextEdit]] = {}
    for e in edits:
        rng = e.get("range")
        if rng is None:
            rng = {"start": {"line": 0, "character": 0}, "end": {"line": 10 ** 6, "character": 0}}
        changes.setdefault(doc_uri_of(e["path"]), []).append(t.TextEdit(
            range=t.Range(t.Position(**rng["start"]), t.Position(**rng["end"])), new_text=e["newText"]))
    return t.WorkspaceEdit(changes=changes)


def lsp_fix_kind(fix: dict) -> str:
    return t.CodeActionKind.QuickFix if fix.get("kind", "quickfix") == "quickfix" else fix["kind"]


__all__ = ["lsp_range", "lsp_diagnostic", "fixes_of", "lsp_text_edits", "SOURCE", "Fix"]
