"""Format-preserving edits of the files where a project declares its dependencies (and its ``.env``).

``pin_edits(root, package, specifier)`` re-pins the package wherever the project already declares it
(requirements*.txt, pyproject.toml [project] / [tool.poetry] / [dependency-groups], environment.yml), or adds it to
the project's main dependency list. Each edit is the one minimal replacement between the old and new text, so the
rest of the file (comments, order, spacing, line endings) stays byte-for-byte the same.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from tf_lsp.manifests import conda, dotenv, pyproject, requirements
from tf_lsp.manifests.reqlines import logical_lines
from tf_lsp.manifests.text import ManifestRefused, apply_edits, minimal_edit, minimal_edits
from tf_lsp.model import Edit
from tf_lsp.reqsafe import safe_name, safe_specifier

_AUX = ("dev", "test", "tests", "doc", "docs", "lint", "ci", "build", "typing")
MAX_BYTES = 4 * 1024 * 1024          # a manifest larger than this is not read (nor edited)
MAX_INCLUDES = 64


def _inside(path: Path, root: Path) -> None:
    """ManifestRefused when ``path`` exists and resolves (through links) to a place outside ``root``."""
    if not os.path.lexists(path):
        return
    try:
        inside = Path(path).resolve().is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise ManifestRefused(f"{path.name} leads out of the workspace (a link); tf-lsp does not edit it.")


def _read(path: Path, root: Path | None = None) -> str | None:
    """The text of a manifest; None when it does not exist. ManifestRefused for what is not a regular UTF-8 file
    of sane size (a FIFO, a device, a directory, a symlink to one of those, binary or other encodings), and for a
    link that leads out of the workspace ``root`` (an edit would be written through it)."""
    if root is not None:
        _inside(path, root)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ManifestRefused(f"{path.name} cannot be read ({exc.strerror or exc}); tf-lsp does not edit it.") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ManifestRefused(f"{path.name} is not a regular file; tf-lsp does not edit it.")
    if st.st_size > MAX_BYTES:
        raise ManifestRefused(f"{path.name} is larger than {MAX_BYTES // (1024 * 1024)} MB; tf-lsp does not edit it.")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ManifestRefused(f"{path.name} cannot be read ({exc.strerror or exc}); tf-lsp does not edit it.") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestRefused(f"{path.name} is not UTF-8 text (byte {exc.start}); tf-lsp does not edit it.") from exc


class ManifestFormat(Protocol):
    """What each editor module (pyproject, requirements, conda) offers."""

    def declares(self, text: str, package: str, *, where: str = ...) -> bool: ...

    def pin(self, text: str, package: str, specifier: str, *, where: str = ...) -> str | None: ...

    def append(self, text: str, package: str, specifier: str, *, where: str = ...) -> str | None: ...


def manifests(root: Path) -> list[tuple[Path, ManifestFormat]]:
    """(file, editor module) in the order a pin prefers them (regular files only)."""
    root = Path(root)
    out: list[tuple[Path, ManifestFormat]] = []
    if (root / "pyproject.toml").is_file():
        out.append((root / "pyproject.toml", pyproject))
    reqs = sorted(root.glob("requirements*.txt"), key=lambda p: (p.name != "requirements.txt",
                                                                  any(a in p.stem.lower() for a in _AUX), p.name))
    out.extend((p, requirements) for p in reqs if p.is_file())
    out.extend((root / n, conda) for n in ("environment.yml", "environment.yaml") if (root / n).is_file())
    return out


def _text(path: Path, texts: Mapping[str, str], root: Path) -> str | None:
    if str(path) in texts:                  # open in the editor: its text, but the same rule for links
        _inside(path, root)
        return texts[str(path)]
    return _read(path, root)


def _includes(root: Path, path: Path, text: str, texts: Mapping[str, str], seen: set) -> list[tuple[Path, str]]:
    """Files pulled in by ``-r`` / ``-c`` (transitively) that lie inside the workspace; each once (no loops)."""
    out: list[tuple[Path, str]] = []
    todo = [(path, text)]
    real_root = root.resolve()
    while todo and len(seen) < MAX_INCLUDES:
        where, body = todo.pop(0)
        for line in logical_lines(body):
            for _, name in line.includes:
                if "://" in name or not name:
                    continue
                target = Path(os.path.normpath(where.parent / name))
                try:
                    real = target.resolve()
                except (OSError, RuntimeError):
                    continue
                if real in seen or not real.is_relative_to(real_root):
                    continue
                seen.add(real)
                found = _text(target, texts, root)
                if found is not None:
                    out.append((target, found))
                    todo.append((target, found))
    return out


def pin_edits(root: Path, package: str, specifier: str, *, texts: Mapping[str, str] | None = None) -> list[Edit]:
    """Edits that make the project require ``package<specifier>``; [] when the project declares nothing anywhere.

    The package is re-pinned wherever it is declared, including requirement files pulled in with ``-r`` / ``-c``
    (inside the workspace), so it is never added a second time. ``texts`` maps a path to its current text when that
    differs from the disk (a file open in an editor). ManifestRefused (a message for a person) when a file that may
    declare it cannot be read or edited safely: then nothing is edited.
    """
    try:
        safe_name(package)
        safe_specifier(specifier)
    except ValueError as exc:
        raise ManifestRefused(f"not pinned: {exc}") from exc
    root = Path(root)
    texts = texts or {}
    found: list[tuple[Path, ManifestFormat, str]] = []
    seen: set = set()
    for p, mod in manifests(root):
        text = _text(p, texts, root)
        if text is None:
            continue
        found.append((p, mod, text))
        if mod is requirements:
            seen.add(p.resolve())
            found.extend((q, requirements, t) for q, t in _includes(root, p, text, texts, seen))
    edits: list[Edit] = []
    declared = False
    for path, mod, text in found:
        if mod.declares(text, package, where=path.name):
            declared = True
            new = mod.pin(text, package, specifier, where=path.name)
            if new is not None:
                edits += minimal_edits(str(path), text, new)
    if edits or declared:
        return edits
    for path, mod, text in found:
        if path.parent != root or mod is requirements and any(a in path.stem.lower() for a in _AUX):
            continue
        new = mod.append(text, package, specifier, where=path.name)
        if new is not None:
            return minimal_edits(str(path), text, new)
    return []


def set_env_edit(root: Path, name: str, value: str | None) -> Edit:
    """Set ``name=value`` in the workspace ``.env`` (created when missing: ``range=None`` = whole new file);
    ``value=None`` removes the variable. ManifestRefused when the .env cannot be read as text."""
    path = Path(root) / ".env"
    text = _read(path, root)
    if text is None:
        return Edit(path=str(path), range=None, new_text=dotenv.set_variable("", name, value))
    return minimal_edit(str(path), text, dotenv.set_variable(text, name, value)) or \
        Edit(path=str(path), range=None, new_text=text)


__all__ = ["ManifestRefused", "apply_edits", "manifests", "pin_edits", "set_env_edit"]
