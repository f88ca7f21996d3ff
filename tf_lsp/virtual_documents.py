"""Documents jupyterlab-lsp keeps in its shadow folder, checked as the files they stand for.

jupyterlab-lsp sends a notebook (or a file open in JupyterLab) as one document whose URI lies in a shadow folder
under the Jupyter server's root: ``<root>/.virtual_documents/<path relative to root>``, and jupyter-lsp writes a
copy there on every change (jupyter-lsp 2.x: ``LanguageServerManager.virtual_documents_dir``, default
``.virtual_documents`` or ``$JP_LSP_VIRTUAL_DIR``, relative to the root; ``serverextension.py`` and
``virtual_documents_shadow.py``). The kernel runs the notebook in its real folder, so imports resolve from there:
``<root>/<path>``. Only that folder matters here (sys.path[0], a shadowing ``numpy.py`` next to it); the text
checked is still the document's own.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePath
from typing import Mapping

DEFAULT_DIR = ".virtual_documents"


def shadow_dir_parts(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The shadow folder's path relative to the Jupyter root, as parts (``$JP_LSP_VIRTUAL_DIR`` when it is a
    relative path, as jupyter-lsp reads it; an absolute one cannot be mapped back without the root, so the
    default is kept)."""
    value = (os.environ if environ is None else environ).get("JP_LSP_VIRTUAL_DIR") or DEFAULT_DIR
    parts = tuple(p for p in PurePath(value).parts if p not in ("", "."))
    if PurePath(value).is_absolute() or not parts or ".." in parts:
        return (DEFAULT_DIR,)
    return parts


def real_document_path(path: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    """``<root>/.virtual_documents/sub/nb.ipynb`` -> ``<root>/sub/nb.ipynb``, and the shadow folder itself (which
    jupyterlab-lsp sends as ``rootUri``) -> ``<root>``; any other path unchanged. The last occurrence of the shadow
    folder counts."""
    path = Path(path)
    shadow = shadow_dir_parts(environ)
    parts = path.parts
    n = len(shadow)
    for i in range(len(parts) - n, 0, -1):
        if parts[i:i + n] == shadow:
            return Path(*parts[:i], *parts[i + n:])
    return path


__all__ = ["DEFAULT_DIR", "real_document_path", "shadow_dir_parts"]
