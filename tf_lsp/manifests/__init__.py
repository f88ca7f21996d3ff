"""Format-preserving edits of the files where a project declares its dependencies (and its ``.env``).

``pin_edits(root, package, specifier)`` re-pins the package wherever the project already declares it
(requirements*.txt, pyproject.toml [project] / [tool.poetry] / [dependency-groups], environment.yml), or adds it to
the project's main dependency list. Each edit is the one minimal replacement between the old and new text, so the
rest of the file (comments, order, spacing, line endings) stays byte-for-byte the same.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from tf_lsp.manifests import conda, dotenv, pyproject, requirements
from tf_lsp.manifests.text import apply_edits, minimal_edit, minimal_edits
from tf_lsp.model import Edit

_AUX = ("dev", "test", "tests", "doc", "docs", "lint", "ci", "build", "typing")


def _read(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def manifests(root: Path) -> list[tuple[Path, object]]:
    """(file, editor module) in the order a pin prefers them."""
    root = Path(root)
    out: list[tuple[Path, object]] = []
    if (root / "pyproject.toml").is_file():
        out.append((root / "pyproject.toml", pyproject))
    reqs = sorted(root.glob("requirements*.txt"), key=lambda p: (p.name != "requirements.txt",
                                                                  any(a in p.stem.lower() for a in _AUX), p.name))
    out += [(p, requirements) for p in reqs if p.is_file()]
    out += [(root / n, conda) for n in ("environment.yml", "environment.yaml") if (root / n).is_file()]
    return out


def pin_edits(root: Path, package: str, specifier: str, *, texts: Mapping[str, str] | None = None) -> list[Edit]:
    """Edits that make the project require ``package<specifier>``; [] when the project declares nothing anywhere.

    ``texts`` maps a path to its current text when that differs from the disk (a file open in an editor).
    """
    texts = texts or {}
    found = [(p, mod, text) for p, mod in manifests(root) if (text := texts.get(str(p), _read(p))) is not None]
    edits: list[Edit] = []
    for path, mod, text in found:
        if mod.declares(text, package):
            new = mod.pin(text, package, specifier)
            if new is not None:
                edits += minimal_edits(str(path), text, new)
    if edits or any(mod.declares(text, package) for _, mod, text in found):
        return edits
    for path, mod, text in found:
        if mod is requirements and any(a in path.stem.lower() for a in _AUX):
            continue
        new = mod.append(text, package, specifier)
        if new is not None:
            return minimal_edits(str(path), text, new)
    return []


def set_env_edit(root: Path, name: str, value: str | None) -> Edit:
    """Set ``name=value`` in the workspace ``.env`` (created when missing: ``range=None`` = whole new file);
    ``value=None`` removes the variable."""
    path = Path(root) / ".env"
    text = _read(path)
    if text is None:
        return Edit(path=str(path), range=None, new_text=dotenv.set_variable("", name, value))
    return minimal_edit(str(path), text, dotenv.set_variable(text, name, value)) or \
        Edit(path=str(path), range=None, new_text=text)


__all__ = ["pin_edits", "set_env_edit", "manifests", "apply_edits"]
