"""The workspace ``.env`` file (read by tf_lsp.workspace.read_dotenv): set one variable, keep everything else."""
from __future__ import annotations

import re

from tf_lsp.manifests.text import eol_of

_LINE = re.compile(r"^(?P<lead>\s*(?:export\s+)?)(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=(?P<value>[^\r\n]*)")


def set_variable(text: str, name: str, value: str | None) -> str:
    """``value=None`` removes the variable's line(s)."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        m = _LINE.match(line)
        if m and m.group("key") == name:
            end = line[len(line.rstrip("\r\n")):]
            lines[i] = "" if value is None else f"{m.group('lead')}{name}={value}{end}"
            if value is None:
                continue
            return "".join(lines)
    if value is None:
        return "".join(lines)
    eol = eol_of(text) if text else "\n"
    sep = "" if not text or text.endswith(("\n", "\r")) else eol
    return f"{text}{sep}{name}={value}{eol}"
