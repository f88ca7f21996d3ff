"""Notebooks over LSP 3.17 notebook sync: the cells of a ``jupyter-notebook`` are checked together as one program
(tf_lsp.notebook) with the kernel's interpreter (tf_lsp.kernels), and diagnostics go to each cell's own URI.

Cells are mapped to their notebook through the cell list the client sent (pygls' workspace), never by rebuilding
URIs: VS Code puts the browser's host and port into ``vscode-notebook-cell:`` URIs. Cells are always pushed
(publishDiagnostics), also to clients that pull for files: a change in one cell (a ``%pip install``, an import)
changes the diagnostics of the cells below it, which a pull of one document cannot express.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types as t

from tf_lsp.model import Finding
from tf_lsp.notebook import NotebookError, build_program, parse_notebook, to_cell
from tf_lsp.notebookcheck import check_program
from tf_lsp.server.state import Folder, TfLspServer
from tf_lsp.server.uris import uri_path
from tf_lsp.workspace import Workspace

log = logging.getLogger("tf_lsp.server")


def notebook_uri_of(ls: TfLspServer, uri: str) -> str | None:
    """The notebook a cell URI belongs to (or the URI itself when it names an open notebook)."""
    nb = ls.workspace.get_notebook_document(notebook_uri=uri) or ls.workspace.get_notebook_document(cell_uri=uri)
    return nb.uri if nb is not None else None


def kernel_name(nb: t.NotebookDocument) -> str | None:
    """``kernelspec.name`` from the notebook metadata the client sent (VS Code nests it under ``metadata`` or
    ``custom.metadata``), else from the ``.ipynb`` file on disk."""
    meta = nb.metadata if isinstance(nb.metadata, dict) else {}
    for keys in (("kernelspec",), ("metadata", "kernelspec"), ("custom", "metadata", "kernelspec")):
        node = meta
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("name"), str):
            return node["name"]
    try:
        return parse_notebook(uri_path(nb.uri).read_text(encoding="utf-8")).kernel_name
    except (OSError, NotebookError):
        return None


def _cells(ls: TfLspServer, nb: t.NotebookDocument) -> list[tuple[int, str, str]]:
    """(index among the notebook's cells, cell URI, text) of the code cells the client synced."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.kind == t.NotebookCellKind.Code and unquote(cell.document) in ls.workspace.text_documents:
            out.append((i, cell.document, ls.workspace.get_text_document(cell.document).source))
    return out


def kernels_of(folder: Folder):
    from tf_lsp.kernels import KernelWorkspaces

    if folder.kernels is None or folder.kernels.ws is not folder.ws:
        folder.kernels = KernelWorkspaces(folder.ws)
    return folder.kernels


def check_cells(ls: TfLspServer, folder: Folder, path: Path, cells: list[tuple[int, str, str]], kernel: str | None,
                python: str | None) -> tuple[dict[str, list[Finding]], Workspace]:
    """Blocking: findings per cell URI (ranges inside each cell), and the workspace that checked them."""
    # the client may sync only the python cells, so the server cannot count every cell: it names code cells
    program = replace(build_program([(i, src) for i, _, src in cells]),
                      labels=tuple((i, f"code cell {n}") for n, (i, _, _) in enumerate(cells, 1)))
    uris = {i: uri for i, uri, _ in cells}
    with folder.lock:
        ws, _ = kernels_of(folder).workspace_for(path, kernel, python=python)
        findings = check_program(ws, path, program)
    out: dict[str, list[Finding]] = {uri: [] for uri in uris.values()}
    for f in findings:
        cell, rng = to_cell(program, f.range)
        out[uris[cell]].append(Finding(range=rng, severity=f.severity, code=f.code, name=f.name, message=f.message,
                                       fixes=f.fixes, module=f.module, details=f.details))
    return out, ws


async def check_notebook(ls: TfLspServer, nb_uri: str) -> dict[str, list[Finding]]:
    await ls.configured.wait()          # the folder's settings (and its trust) first: a notebook opened before they
    nb = ls.workspace.get_notebook_document(notebook_uri=nb_uri)     # arrive must not make a permissive folder
    if nb is None:
        return {}
    folder = ls.folder_for(nb_uri)
    path = uri_path(nb_uri)
    cells = _cells(ls, nb)
    try:
        await ls.ensure_loaded(folder)
        per_cell, ws = await asyncio.to_thread(check_cells, ls, folder, path, cells, kernel_name(nb),
                                               ls.notebook_python.get(nb_uri))
    except Exception as exc:             # the engine must never take the server down
        log.exception("checking %s failed", nb_uri)
        ls.announce(folder, f"tf-lsp could not check {path.name}: {exc}")
        return {}
    ls.findings.update(per_cell)
    ls.notebook_ws[nb_uri] = ws
    log.info("checked notebook %s (%d cells) with %s: %d findings", path.name, len(cells), ws.choice.python,
             sum(len(v) for v in per_cell.values()))
    return per_cell


async def publish_notebook(ls: TfLspServer, nb_uri: str) -> None:
    from tf_lsp.server.convert import lsp_diagnostic

    per_cell = await check_notebook(ls, nb_uri)
    before = ls.notebook_cells.get(nb_uri, set())
    ls.notebook_cells[nb_uri] = set(per_cell)
    for uri in before - set(per_cell):          # cells deleted since: clear what they showed
        ls.findings.pop(uri, None)
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    for uri, findings in per_cell.items():
        doc = ls.workspace.get_text_document(uri)
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(
            uri=uri, version=doc.version, diagnostics=[lsp_diagnostic(doc, f) for f in findings]))


def close_notebook(ls: TfLspServer, nb_uri: str, cell_uris: list[str]) -> None:
    task = ls.pending.pop(nb_uri, None)
    if task is not None:
        task.cancel()
    ls.notebook_ws.pop(nb_uri, None)
    for uri in set(cell_uris) | ls.notebook_cells.pop(nb_uri, set()):
        ls.findings.pop(uri, None)
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def register(server: TfLspServer) -> None:
    @server.feature(t.NOTEBOOK_DOCUMENT_DID_OPEN)
    async def did_open(ls: TfLspServer, params: t.DidOpenNotebookDocumentParams):
        await publish_notebook(ls, params.notebook_document.uri)

    @server.feature(t.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(ls: TfLspServer, params: t.DidChangeNotebookDocumentParams):
        closed = [d.uri for d in ((params.change.cells.structure.did_close or []) if params.change.cells and
                                  params.change.cells.structure else [])]
        for uri in closed:
            ls.findings.pop(uri, None)
        ls.schedule(params.notebook_document.uri)

    @server.feature(t.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(ls: TfLspServer, params: t.DidSaveNotebookDocumentParams):
        ls.schedule(params.notebook_document.uri, delay=0)

    @server.feature(t.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: TfLspServer, params: t.DidCloseNotebookDocumentParams):
        close_notebook(ls, params.notebook_document.uri, [d.uri for d in params.cell_text_documents])


__all__ = ["register", "notebook_uri_of", "publish_notebook", "check_notebook", "check_cells"]
