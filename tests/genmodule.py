"""Generated modules for the property tests of the fast parse and the facts' shortcuts."""
from __future__ import annotations

import ast
from pathlib import Path


def written_if_it_parses(folder: Path, blocks: list[str], *, padding: int) -> Path | None:
    """The blocks joined into ``gen.py`` under ``folder`` with ``padding`` comment lines after them (a file over
    ``fastparse.REDUCE_ABOVE`` bytes is cut before parsing), or None when the text is not valid Python (a property
    holds only for modules that parse)."""
    text = "\n".join(blocks) + "\n" + "# padding\n" * padding
    try:
        ast.parse(text)
    except SyntaxError:
        return None
    f = folder / "gen.py"
    f.write_text(text)
    return f
