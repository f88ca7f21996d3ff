"""URI -> file, in one place: which file a document or a workspace folder of the client stands for.

- ``file:`` URIs as pygls decodes them; a jupyterlab-lsp shadow copy (``<root>/.virtual_documents/nb.ipynb``) is
  the notebook in its real folder (``tf_lsp.virtual_documents.real_document_path``, the path rule the engine also
  uses for notebooks given to the CLI);
- a notebook cell (``vscode-notebook-cell:``): its notebook;
- any other document (``untitled:``, a diff view's ``git:``): an unsaved file in the first workspace folder.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from pygls.uris import to_fs_path

from tf_lsp.virtual_documents import real_document_path


def uri_path(uri: str) -> Path:
    """The path a URI names, as written: ``file:`` URIs as pygls decodes them; for others (``vscode-notebook-cell:``,
    ``untitled:``) the URI's path, which names the notebook."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else Path(unquote(urlparse(uri).path) or uri)


def folder_path(uri: str) -> Path:
    """The folder a workspace-folder URI stands for (jupyterlab-lsp's ``rootUri`` is its shadow folder)."""
    return real_document_path(uri_path(uri)).resolve()


def document_file(uri: str, *, first_root: Path | None) -> Path | None:
    """The file a document is checked as; None for a document that is not a file when there is no folder."""
    if uri.startswith(("file:", "vscode-notebook-cell:")):
        return real_document_path(uri_path(uri))
    if first_root is None:
        return None
    scheme, _, rest = uri.partition(":")
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in rest.rsplit("/", 1)[-1])[:80] or "untitled"
    return first_root / f"<{scheme or 'unsaved'}:{name}>"


__all__ = ["uri_path", "folder_path", "document_file"]
