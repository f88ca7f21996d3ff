"""Where a project starts: the nearest folder, from a file upwards, that holds a project marker.

Used by the CLI (no ``--root``) and the server (a file outside every workspace folder gets its project root).
"""
from __future__ import annotations

from pathlib import Path

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", ".git", ".vscode", "pyrightconfig.json",
                ".venv", "Pipfile")


def find_root(path: Path) -> Path:
    """The nearest ancestor of ``path`` (itself when a folder) holding one of ROOT_MARKERS, else its folder."""
    start = path if path.is_dir() else path.parent
    for d in [start, *start.parents]:
        if any((d / m).exists() for m in ROOT_MARKERS):
            return d
    return start


__all__ = ["ROOT_MARKERS", "find_root"]
