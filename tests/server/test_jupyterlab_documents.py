"""What jupyterlab-lsp sends, over stdio to the real server: ``rootUri`` is its shadow folder
``<root>/.virtual_documents``, no workspaceFolders, no workspace/configuration, and the notebook is one Python
document ``<root>/.virtual_documents/nb.ipynb`` (the initialize capabilities below are the ones jupyterlab-lsp
5.3.0 sent in tests/jupyterlab). The server started with ``serve --python <kernel's python>`` (as the shipped
editors/jupyterlab config starts it) checks against that interpreter, and resolves the notebook's own imports from
its real folder, not from the shadow folder.
"""
from __future__ import annotations

import json
import sys

from lsprotocol import types as t
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig

from tests.server.lsp_client import diagnostics_for, open_doc
from tests.wheelmaker import make_venv, pip_install

JUPYTERLAB_LSP_CAPS = t.ClientCapabilities(
    text_document=t.TextDocumentClientCapabilities(
        synchronization=t.TextDocumentSyncClientCapabilities(dynamic_registration=True, did_save=True),
        publish_diagnostics=t.PublishDiagnosticsClientCapabilities(
            tag_support=t.ClientDiagnosticsTagOptions(value_set=[t.DiagnosticTag.Deprecated, t.DiagnosticTag.Unnecessary])),
        hover=t.HoverClientCapabilities(dynamic_registration=True,
                                        content_format=[t.MarkupKind.Markdown, t.MarkupKind.PlainText])),
    workspace=t.WorkspaceClientCapabilities(
        did_change_configuration=t.DidChangeConfigurationClientCapabilities(dynamic_registration=True)))
CELLS = "import six\nimport helpers\n\n\n\n\n\nimport numpy_that_does_not_exist\n\n"   # two cells, as jupyterlab-lsp joins them


async def _check_notebook(root, kernel_python, env, *, init: dict | None = None) -> list[t.Diagnostic]:
    shadow = root / ".virtual_documents"
    shadow.mkdir()
    (shadow / "nb.ipynb").write_text(CELLS)          # jupyter-lsp writes the copy there
    argv = [sys.executable, "-m", "tf_lsp", "serve"] + (["--python", str(kernel_python)] if kernel_python else [])
    client = await ClientServerConfig(server_command=argv, server_env=env).start()
    try:
        await client.initialize_session(t.InitializeParams(
            capabilities=JUPYTERLAB_LSP_CAPS, root_uri=from_fs_path(str(shadow)), workspace_folders=None,
            initialization_options=init))
        client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={}))
        uri = open_doc(client, shadow / "nb.ipynb", CELLS, version=0)
        return await diagnostics_for(client, uri)
    finally:
        await client.shutdown_session()


def _notebook_folder(tmp_path):
    """A notebook folder whose .venv lacks six (discovery would pick it) beside a kernel environment that has it."""
    root = tmp_path / "nbdir"
    root.mkdir()
    make_venv(root / ".venv")
    (root / "helpers.py").write_text("VALUE = 1\n")
    kernel = make_venv(tmp_path / "kernel-env")
    pip_install(kernel, "six")
    return root, kernel


async def test_shadow_document_checked_in_its_real_folder_with_the_kernel_python(tmp_path, server_env):
    root, kernel = _notebook_folder(tmp_path)
    ds = await _check_notebook(root, kernel, server_env)
    assert [(d.code, d.range.start.line) for d in ds] == [("TFL100", 7)], [(d.code, d.message) for d in ds]
    assert "numpy_that_does_not_exist" in ds[0].message and str(kernel) in ds[0].message


async def test_without_python_the_workspace_interpreter_is_used(tmp_path, server_env):
    """The same notebook with no --python: the folder (mapped back from the shadow folder) is the real one, so its
    .venv is found and `import six` is reported against it; helpers.py still resolves from the real folder."""
    root, _ = _notebook_folder(tmp_path)
    ds = await _check_notebook(root, None, server_env)
    lines = {d.range.start.line: d for d in ds}
    assert sorted(lines) == [0, 7], [(d.code, d.message) for d in ds]
    assert "./.venv/bin/python" in lines[0].message        # named relative to the real folder: its workspace


async def test_a_client_setting_wins_over_serve_python(tmp_path, server_env):
    """--python is the default for clients that send no interpreter; a tfLsp.interpreter the client sends wins."""
    root, kernel = _notebook_folder(tmp_path)
    ds = await _check_notebook(root, kernel, server_env, init={"tfLsp": {"interpreter": str(root / ".venv")}})
    lines = {d.range.start.line: d for d in ds}
    assert sorted(lines) == [0, 7], [(d.code, d.message) for d in ds]
    assert "six" in lines[0].message and str(kernel) not in lines[0].message


def _kernelspec(data_dir, name: str, python) -> None:
    """A kernelspec as ``python -m ipykernel install --user --name NAME`` writes it (argv[0] absolute)."""
    spec = data_dir / "kernels" / name
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": name,
        "language": "python", "metadata": {"debugger": True}}))


def _real_notebook(path, kernel: str) -> None:
    cells = [{"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "import six\nimport helpers\n"},
             {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "import numpy_that_does_not_exist\n"}]
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": kernel, "display_name": kernel, "language": "python"}}}))


async def test_a_notebook_on_another_kernel_is_checked_with_that_kernels_python(tmp_path, server_env):
    """JupyterLab starts the server with --python <default kernel's>; a notebook whose metadata.kernelspec names
    another kernel (registered in the user's Jupyter data folder, which the server inherits from JupyterLab) is
    checked with that kernel's interpreter: six resolves there, and the message names it."""
    root, kernel = _notebook_folder(tmp_path)
    default = make_venv(tmp_path / "jupyterlab-env")          # the default kernel's environment: it lacks six
    data = tmp_path / "jupyter-data"
    _kernelspec(data, "other-kernel", kernel)
    _real_notebook(root / "nb.ipynb", "other-kernel")
    env = dict(server_env, JUPYTER_DATA_DIR=str(data))
    ds = await _check_notebook(root, default, env)
    assert [(d.code, d.range.start.line) for d in ds] == [("TFL100", 7)], [(d.code, d.message) for d in ds]
    assert str(kernel) in ds[0].message, ds[0].message
