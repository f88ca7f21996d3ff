"""requirements*.txt: change only the requirement of one package, or append one line."""
from __future__ import annotations

import re

from tf_lsp.manifests.text import eol_of, same_name

# name, optional [extras], optional specifier, the rest of the line (marker, options, comment) kept as is
_LINE = re.compile(r"^(?P<lead>\s*)(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\s*\[[^\]]*\])?"
                   r"(?P<spec>\s*(?:===|==|~=|!=|<=|>=|<|>)\s*[^;#\s,\\]*(?:\s*,\s*(?:===|==|~=|!=|<=|>=|<|>)\s*[^;#\s,\\]*)*)?"
                   r"(?P<rest>.*)$", re.S)


def declares(text: str, package: str) -> bool:
    return any(_match(line, package) for line in text.splitlines())


def _match(line: str, package: str):
    m = _LINE.match(line)
    if not m or line.lstrip().startswith(("-", "#")):
        return None
    rest = m.group("rest")
    if rest and not rest[:1].isspace() and rest[:1] not in ";#\\" and not rest.startswith(("\r", "\n")):
        return None                       # e.g. "name @ url" still matches; "name/x" or a URL does not
    return m if same_name(m.group("name"), package) else None


def pin(text: str, package: str, specifier: str) -> str | None:
    """Re-pin every line that requires ``package``; None when the file does not mention it."""
    out, hit = [], False
    for line in text.splitlines(keepends=True):
        m = _match(line, package)
        if m and "@" not in m.group("rest").split("#")[0].split(";")[0]:
            hit = True
            line = f"{m.group('lead')}{m.group('name')}{m.group('extras') or ''}{specifier}{m.group('rest')}"
        out.append(line)
    return "".join(out) if hit else None


def append(text: str, package: str, specifier: str) -> str:
    eol = eol_of(text) if text else "\n"
    sep = "" if not text or text.endswith(("\n", "\r")) else eol
    return f"{text}{sep}{package}{specifier}{eol}"
