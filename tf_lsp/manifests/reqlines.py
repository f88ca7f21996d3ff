"""requirements files as pip reads them: one line model, with every piece mapped back to offsets of the text.

pip's reader (``pip/_internal/req/req_file.py``: ``preprocess``, ``join_lines``, ``ignore_comments``,
``break_args_options``), as observed in pip 23-25:

- physical lines are ``str.splitlines()``: besides ``\\n``, ``\\r\\n`` and ``\\r`` they also end at ``\\v``, ``\\f``,
  ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029`` (an editor, per LSP, breaks only at the first three;
  ``tf_lsp.manifests.text`` converts offsets to the editor's positions);
- a physical line ending in a backslash continues on the next one, unless it is a comment line; the pieces are
  concatenated after ``strip("\\\\")`` (backslashes at both ends go);
- a comment is ``#`` at the start or after whitespace, to the end of the joined line; the rest is stripped and
  empty lines are dropped; ``${VAR}`` is expanded from the environment;
- the line splits on single spaces: tokens before the first one that starts with ``-`` are the requirement, the rest
  are options (``shlex.split``, then pip's option parser: ``-r``/``-c`` include files, ``-e``, ``--hash`` ...).

``logical_lines(text)`` returns these lines; ``Logical.req_span`` is where the requirement text sits in ``text``
when it lies on one physical line (so it can be rewritten in place), else None.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

_COMMENT = re.compile(r"(^|\s+)#.*$")                       # pip's comment rule (req_file.COMMENT_RE)
_HEAD = re.compile(r"\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(\s*\[[^\]]*\])?")
# long options of pip's requirements-file parser (pip/_internal/cli/cmdoptions.py); optparse takes unique prefixes
_LONG = {"--requirement": "-r", "--constraint": "-c", "--editable": "-e", "--index-url": "-i", "--extra-index-url": "",
         "--no-index": "", "--find-links": "-f", "--no-binary": "", "--only-binary": "", "--prefer-binary": "",
         "--require-hashes": "", "--pre": "", "--trusted-host": "", "--use-feature": "", "--global-option": "",
         "--hash": "", "--config-settings": ""}
_TAKES_VALUE = {"--requirement", "--constraint", "--editable", "--index-url", "--extra-index-url", "--find-links",
                "--no-binary", "--only-binary", "--trusted-host", "--use-feature", "--global-option", "--hash",
                "--config-settings"}
_SHORT = {"-r": "--requirement", "-c": "--constraint", "-e": "--editable", "-i": "--index-url", "-f": "--find-links"}


@dataclass(frozen=True)
class Physical:
    start: int          # offset of the line's first character
    end: int            # offset just past its content (its line break not included)
    stop: int           # offset just past its line break


@dataclass(frozen=True)
class Logical:
    number: int                         # pip's line number (of the first physical line)
    lines: tuple[Physical, ...]         # the physical lines joined into this one
    text: str                           # the joined line, comment removed, stripped
    args: str                           # the requirement part, right-stripped ("" for an option line)
    options: tuple[str, ...] | None     # long option names with values ((name, value) flattened); None: unparseable
    req_span: tuple[int, int] | None    # offsets of ``args`` in the file text when it sits on one physical line

    @property
    def hashes(self) -> bool:
        return bool(self.options) and "--hash" in self.options[0::2]

    @property
    def includes(self) -> list[tuple[str, str]]:
        """(``-r`` or ``-c``, path) for each include on this line."""
        if not self.options or self.args:
            return []
        opts = self.options
        return [(_LONG[opts[i]], opts[i + 1]) for i in range(0, len(opts), 2) if opts[i] in ("--requirement",
                                                                                          "--constraint")]

    @property
    def span(self) -> tuple[int, int]:
        return self.lines[0].start, self.lines[-1].stop

    def requirement(self) -> Requirement | None:
        """The named requirement of this line (also ``name @ url``); None for options, paths, URLs, ``${VAR}``."""
        args = self.args.strip()
        if not args or "${" in args or not _HEAD.match(args):
            return None
        head = args.split(";", 1)[0].split("@", 1)[0]
        if "/" in head or "\\" in head:
            return None
        try:
            return Requirement(args)
        except InvalidRequirement:
            return None


def physical_lines(text: str, *, start: int = 0) -> list[Physical]:
    out, pos = [], start
    for piece in text[start:].splitlines(keepends=True):
        body = piece.splitlines()[0] if piece.splitlines() else ""
        out.append(Physical(pos, pos + len(body), pos + len(piece)))
        pos += len(piece)
    return out


def _options(text: str) -> tuple[str, ...] | None:
    """Option tokens as (long name, value) pairs, flattened; None when pip's parser would not accept them."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        return None
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        value = None
        if tok.startswith("--"):
            name, eq, val = tok.partition("=")
            full = [n for n in _LONG if n.startswith(name)]
            if name in _LONG:
                full = [name]
            if len(full) != 1:
                return None
            name = full[0]
            if eq:
                value = val
        elif tok.startswith("-") and len(tok) >= 2 and tok[:2] in _SHORT:
            name = _SHORT[tok[:2]]
            if len(tok) > 2:
                value = tok[2:]
        else:
            return None
        if name in _TAKES_VALUE and value is None:
            if i + 1 >= len(tokens):
                return None
            i += 1
            value = tokens[i]
        out += [name, value or ""]
        i += 1
    return tuple(out)


def _joined(text: str, lines: list[Physical]):
    """pip's join_lines: yield (first index, last index, joined text, [(offset in joined, offset in text, length)])."""
    pending: list[tuple[int, str, int]] = []          # (index, piece, text offset of the piece)
    for i, ph in enumerate(lines):
        line = text[ph.start:ph.end]
        comment = bool(_COMMENT.match(line))
        if not line.endswith("\\") or comment:
            piece, off = (" " + line, ph.start - 1) if comment else (line, ph.start)
            if pending:
                pending.append((i, piece, off))
                yield pending[0][0], i, pending
                pending = []
            else:
                yield i, i, [(i, piece, off)]
        else:
            stripped = line.strip("\\")
            lead = len(line) - len(line.lstrip("\\"))
            pending.append((i, stripped, ph.start + lead))
    if pending:
        yield pending[0][0], pending[-1][0], pending


def logical_lines(text: str) -> list[Logical]:
    """The lines pip acts on, in order (a BOM at the start is skipped, as pip's decoder does)."""
    lines = physical_lines(text, start=1 if text.startswith("\ufeff") else 0)
    out = []
    for first, last, pieces in _joined(text, lines):
        joined = "".join(p for _, p, _ in pieces)
        body = _COMMENT.sub("", joined)
        stripped = body.strip()
        if not stripped:
            continue
        lead = len(body) - len(body.lstrip())
        tokens = stripped.split(" ")
        n = next((k for k, tok in enumerate(tokens) if tok.startswith("-")), len(tokens))
        args, opts = " ".join(tokens[:n]).rstrip(), " ".join(tokens[n:])
        span = None
        first_piece, first_off = pieces[0][1], pieces[0][2]
        if args and lead + len(args) <= len(first_piece):
            span = (first_off + lead, first_off + lead + len(args))
            if text[span[0]:span[1]] != args:
                span = None
        out.append(Logical(number=first + 1, lines=tuple(lines[first:last + 1]), text=stripped, args=args,
                           options=_options(opts), req_span=span))
    return out


__all__ = ["Logical", "Physical", "logical_lines", "physical_lines"]
