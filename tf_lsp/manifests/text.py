"""Helpers shared by the manifest editors: one minimal edit between two texts, positions, line endings, names.

Positions are the editor's: LSP lines end only at ``\\n``, ``\\r\\n`` and ``\\r`` (not at ``\\f``, ``\\v``,
``\\x85`` or ``\\u2028``, where Python's ``str.splitlines`` and pip also break), and characters are code points
(the server converts them to the client's encoding).
"""
from __future__ import annotations

import difflib
import re

from packaging.utils import canonicalize_name

from tf_lsp.model import Edit, Position, Range

_BREAK = re.compile(r"\r\n|\r|\n")


class ManifestRefused(ValueError):
    """A manifest tf-lsp will not edit, with the reason for a person (the message)."""


def same_name(a: str, b: str) -> bool:
    return canonicalize_name(a) == canonicalize_name(b)


def eol_of(text: str) -> str:
    """The file's own line ending: that of its first line break (``\\n`` when it has none)."""
    m = _BREAK.search(text)
    return m.group() if m else "\n"


def lsp_lines(text: str) -> list[str]:
    """The editor's lines, each with its line break (LSP: ``\\n``, ``\\r\\n``, ``\\r`` only)."""
    out, pos = [], 0
    for m in _BREAK.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _starts(lines: list[str]) -> list[int]:
    out = [0]
    for ln in lines:
        out.append(out[-1] + len(ln))
    return out


def position_of(text: str, offset: int) -> Position:
    """The editor position (line, code point) of an offset of ``text``."""
    line, start = 0, 0
    for m in _BREAK.finditer(text, 0, offset):
        if m.end() > offset:
            break
        line, start = line + 1, m.end()
    return Position(line, offset - start)


def offset_of(text: str, pos: Position) -> int:
    lines = lsp_lines(text) or [""]
    starts = _starts(lines)
    if pos.line >= len(lines):
        return len(text)
    body = lines[pos.line].rstrip("\r\n")
    return starts[pos.line] + min(pos.character, len(body))


def _trim(old: str, new: str) -> tuple[int, int]:
    """Lengths of the common prefix and suffix, never splitting a ``\\r\\n``."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    while head and old[head - 1:head + 1] == "\r\n" or head and new[head - 1:head + 1] == "\r\n":
        head -= 1
    while tail and (old[len(old) - tail - 1:len(old) - tail + 1] == "\r\n"
                    or new[len(new) - tail - 1:len(new) - tail + 1] == "\r\n"):
        tail -= 1
    return head, tail


def minimal_edit(path: str, old: str, new: str) -> Edit | None:
    """The single replacement that turns ``old`` into ``new`` (common prefix and suffix left alone), or None."""
    if old == new:
        return None
    head, tail = _trim(old, new)
    return Edit(path=path, range=Range(position_of(old, head), position_of(old, len(old) - tail)),
                new_text=new[head:len(new) - tail])


def minimal_edits(path: str, old: str, new: str) -> list[Edit]:
    """One minimal edit per changed hunk of lines (several far-apart changes stay several small edits)."""
    a, b = lsp_lines(old), lsp_lines(new)
    starts_a, starts_b = _starts(a), _starts(b)
    edits = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        o1, o2, n1, n2 = starts_a[i1], starts_a[i2], starts_b[j1], starts_b[j2]
        head, tail = _trim(old[o1:o2], new[n1:n2])
        if old[o1:o2] == new[n1:n2]:
            continue
        edits.append(Edit(path=path, range=Range(position_of(old, o1 + head), position_of(old, o2 - tail)),
                          new_text=new[n1 + head:n2 - tail]))
    return edits


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply edits (editor positions, code points) to a text, as an editor does; used by tests and by front ends
    without an editor."""
    spans = []
    for e in edits:
        if e.range is None:
            spans.append((0, len(text), e.new_text))
        else:
            spans.append((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text))
    for a, b, new in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:a] + new + text[b:]
    return text
