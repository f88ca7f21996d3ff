"""Text shown to a person in a terminal: commands quoted so that pasting them runs exactly the argv, and names or
messages escaped so that they cannot fake lines or colours of the output.

``command_line(argv)`` is ``shlex.join`` (POSIX shells): ``numpy<2`` is quoted, so ``<`` is not a redirection.
``printable(text)`` writes every control, format or separator character (newlines, ``\\r``, ESC of an ANSI
sequence, U+0085, U+2028/2029, bidirectional overrides ...) as a visible escape (``\\n``, ``\\x1b``, ``\\u202e``),
so one diagnostic stays one line. The JSON and SARIF outputs carry the raw text: JSON escapes it by itself.
"""
from __future__ import annotations

import shlex
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def printable(text: object) -> str:
    """``text`` with every character of category Cc, Cf, Zl, Zp (and lone surrogates) escaped."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(ch if ch == " " or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")
                   or ch.isprintable() else _escape(ch) for ch in s)


def command_line(argv) -> str:
    """The POSIX shell command that runs exactly ``argv`` (each word quoted where the shell would act on it),
    escaped for display."""
    return printable(shlex.join(str(a) for a in argv))


__all__ = ["command_line", "printable"]
