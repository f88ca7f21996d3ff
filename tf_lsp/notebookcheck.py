"""Checking a notebook: its program (tf_lsp.notebook) in the workspace of its kernel's interpreter (tf_lsp.kernels),
with the ``%pip install`` cells taken into account."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tf_lsp import safeio
from tf_lsp.model import Finding
from tf_lsp.notebook import (
    NotebookError,
    Program,
    apply_installs,
    build_program,
    code_cells,
    parse_notebook,
)
from tf_lsp.report import FileResult
from tf_lsp.virtual_documents import real_document_path


def check_program(ws, path: Path, program: Program) -> list[Finding]:
    """Findings of a notebook's program (program coordinates), installs of earlier cells applied."""
    return apply_installs(program, ws.check_source(Path(path), program.text))


def check_notebook_file(ws, path: Path, text: str, *, keep, kernels=None) -> FileResult:
    """One ``.ipynb`` for the CLI; ``kernels`` (a :class:`tf_lsp.kernels.KernelWorkspaces`) picks the workspace of
    the notebook's kernel; a broken notebook is a FileResult with ``error``, never an exception."""
    try:
        nb = parse_notebook(text)
    except NotebookError as exc:
        return FileResult(path, "", (), error=str(exc))
    if nb.language and nb.language.lower() not in ("python", "python3", "ipython", "ipython3"):
        return FileResult(path, "", ())                   # an R or Julia notebook: nothing of ours
    program = build_program(code_cells(nb))
    used, interpreter = ws, None
    if kernels is not None:
        used, choice = kernels.workspace_for(path, nb.kernel_name)
        if choice is not None:
            interpreter = {"path": str(choice.python), "source": choice.source, "why": choice.why}
    findings = tuple(x for x in check_program(used, path, program) if keep(x))
    return FileResult(path, program.text if findings else "", findings, cells=program.lines,
                      interpreter=interpreter)


def check_notebook_text(kernels, path: Path, text: str) -> list[Finding]:
    """A notebook sent as one Python document (jupyterlab-lsp: code cells joined by blank lines, magics rewritten
    to ``get_ipython()`` calls), checked with its kernel's interpreter; findings in the document's own lines."""
    real = real_document_path(path)      # jupyterlab-lsp's shadow copy -> the notebook in its real folder
    try:
        kernel = parse_notebook(safeio.read_text(real, limit=64 * 1024 * 1024)).kernel_name
    except (OSError, NotebookError):
        kernel = None
    ws, _ = kernels.workspace_for(real, kernel)
    program = replace(build_program([(0, text)]), cells_known=False)
    return check_program(ws, real, program)
