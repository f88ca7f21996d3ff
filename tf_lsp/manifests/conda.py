"""environment.yml: edited as text (a YAML dumper would reformat the file). Only the one list item changes.

Items of ``dependencies:`` are conda match specs (``numpy=1.26``, ``numpy>=1.26``); items of its ``pip:`` sublist
are PEP 508 requirements. A pin is written as ``name<specifier>`` in both (conda accepts ``==``, ``>=``, ``,``).
"""
from __future__ import annotations

import re

from tf_lsp.manifests.text import ManifestRefused, eol_of, lsp_lines, same_name

_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?P<q>['\"]?)(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?"
                   r"(?P<spec>[^'\"#]*?)(?P=q)(?P<rest>\s*(?:#.*)?)$")
_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w-]*)\s*:")


def _sections(lines: list[str]):
    """Yield (index, section) for each list item: section is "conda" or "pip"."""
    in_deps = False
    pip_indent = None
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        key = _KEY.match(line)
        if indent == 0 and not line.startswith("-"):
            in_deps = bool(key and key.group("key") == "dependencies")
            pip_indent = None
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


_AMBIGUOUS = ("\x85", "\u2028", "\u2029")      # line breaks in YAML 1.1 (PyYAML), not in YAML 1.2 nor in editors


def _lines(text: str, where: str) -> list[str]:
    if any(ch in text for ch in _AMBIGUOUS):
        raise ManifestRefused(f"{where} holds a character that YAML 1.1 reads as a line break (U+0085, U+2028 or "
                              f"U+2029) and an editor does not; tf-lsp does not edit it.")
    return lsp_lines(text)


def declares(text: str, package: str, *, where: str = "environment.yml") -> bool:
    lines = _lines(text, where)
    return any((m := _ITEM.match(lines[i].rstrip("\r\n"))) and same_name(m.group("name"), package)
               for i, _, _ in _sections(lines))


def pin(text: str, package: str, specifier: str, *, where: str = "environment.yml") -> str | None:
    lines = _lines(text, where)
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


def append(text: str, package: str, specifier: str, *, where: str = "environment.yml") -> str | None:
    """Append to the ``pip:`` sublist when there is one, else to ``dependencies:``; None without either."""
    lines = _lines(text, where)
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
