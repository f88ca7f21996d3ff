"""environment.yml: edited as text (a YAML dumper would reformat the file). Only the one list item changes.

Items of ``dependencies:`` are conda match specs (``numpy=1.26``, ``numpy>=1.26``); items of its ``pip:`` sublist
are PEP 508 requirements. A pin is written as ``name<specifier>`` in both (conda accepts ``==``, ``>=``, ``,``).
"""
from __future__ import annotations

import re

from tf_lsp.manifests.text import eol_of, same_name

_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?P<q>['\"]?)(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?"
                   r"(?P<spec>[^'\"#]*?)(?P=q)(?P<rest>\s*(?:#.*)?)$")
_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w-]*)\s*:")


def _sections(lines: list[str]):
    """Yield (index, section) for each list item: section is "conda" or "pip"."""
    in_deps = False
    deps_indent = -1
    pip_indent = None
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        key = _KEY.match(line)
        if indent == 0 and not line.startswith("-"):
            in_deps = bool(key and key.group("key") == "dependencies")
            deps_indent, pip_indent = -1, None
            continue
        if not in_deps:
            continue
        if pip_indent is not None and indent <= pip_indent:
            pip_indent = None
        if key and key.group("key") == "pip" and line.lstrip().startswith("-"):
            pip_indent = indent
            continue
        if line.lstrip().startswith("-"):
            yield i, ("pip" if pip_indent is not None else "conda"), indent


def declares(text: str, package: str) -> bool:
    lines = text.splitlines(keepends=True)
    return any((m := _ITEM.match(lines[i].rstrip("\r\n"))) and same_name(m.group("name"), package)
               for i, _, _ in _sections(lines))


def pin(text: str, package: str, specifier: str) -> str | None:
    lines = text.splitlines(keepends=True)
    hit = False
    for i, section, _ in list(_sections(lines)):
        body = lines[i].rstrip("\r\n")
        end = lines[i][len(body):]
        m = _ITEM.match(body)
        if not m or not same_name(m.group("name"), package) or "@" in m.group("spec") or "::" in body:
            continue
        hit = True
        spec = specifier if section == "pip" else specifier.replace(" ", "")
        lines[i] = (f"{m.group('indent')}- {m.group('q')}{m.group('name')}{m.group('extras') or ''}{spec}"
                    f"{m.group('q')}{m.group('rest')}{end}")
    return "".join(lines) if hit else None


def append(text: str, package: str, specifier: str) -> str | None:
    """Append to the ``pip:`` sublist when there is one, else to ``dependencies:``; None without either."""
    lines = text.splitlines(keepends=True)
    items = list(_sections(lines))
    if not items:
        return None
    pips = [(i, ind) for i, sec, ind in items if sec == "pip"]
    i, indent = pips[-1] if pips else [(i, ind) for i, sec, ind in items if sec == "conda"][-1]
    eol = eol_of(text)
    if not lines[i].endswith(("\n", "\r")):
        lines[i] += eol
    lines.insert(i + 1, f"{' ' * indent}- {package}{specifier}{eol}")
    return "".join(lines)
