"""Helpers shared by the manifest editors: one minimal edit between two texts, line endings, names."""
from __future__ import annotations

import difflib
import re

from packaging.utils import canonicalize_name

from tf_lsp.model import Edit, Position, Range

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def same_name(a: str, b: str) -> bool:
    return canonicalize_name(a) == canonicalize_name(b)


def eol_of(text: str) -> str:
    """The file's own line ending ("\\r\\n" when its first line ending is one)."""
    i = text.find("\n")
    return "\r\n" if i > 0 and text[i - 1] == "\r" else "\n"


def _position(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return Position(line, offset - start)


def minimal_edit(path: str, old: str, new: str) -> Edit | None:
    """The single replacement that turns ``old`` into ``new`` (common prefix and suffix left alone), or None."""
    if old == new:
        return None
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    return Edit(path=path, range=Range(_position(old, head), _position(old, len(old) - tail)),
                new_text=new[head:len(new) - tail])


def minimal_edits(path: str, old: str, new: str) -> list[Edit]:
    """One minimal edit per changed hunk of lines (several far-apart changes stay several small edits)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    starts_a, starts_b = _starts(a), _starts(b)
    edits = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        o1, o2, n1, n2 = starts_a[i1], starts_a[i2], starts_b[j1], starts_b[j2]
        part = minimal_edit(path, old[o1:o2], new[n1:n2])
        if part is None:
            continue
        base = _position(old, o1)
        shift = (lambda p: Position(base.line + p.line, (base.character if p.line == 0 else 0) + p.character))
        edits.append(Edit(path=path, range=Range(shift(part.range.start), shift(part.range.end)), new_text=part.new_text))
    return edits


def _starts(lines: list[str]) -> list[int]:
    out = [0]
    for ln in lines:
        out.append(out[-1] + len(ln))
    return out


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply edits (code-point ranges) to a text; used by tests and by front ends without an editor."""
    lines = text.splitlines(keepends=True) or [""]
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln))

    def offset(p: Position) -> int:
        return min(starts[min(p.line, len(lines))] + p.character, len(text))

    for e in sorted(edits, key=lambda e: (e.range.start if e.range else Position(0, 0)), reverse=True):
        if e.range is None:
            text = e.new_text
            continue
        text = text[:offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text
