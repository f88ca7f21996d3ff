"""Notebooks over LSP 3.17 notebook sync, driven over stdio like VS Code does (cell URIs with a host and port,
only python cells synced): diagnostics per cell, updates on change, quick fixes and hover on cells, the kernel's
interpreter, the editor's own choice, and everything cleared on close."""
from __future__ import annotations

import asyncio
import json

import pytest
from lsprotocol import types as t
from pygls.uris import from_fs_path
from pytest_lsp import client_capabilities

from tests.server.lsp_client import (
    TIMEOUT,
    code_actions,
    open_doc,
    run_command,
    session,
)
from tests.wheelmaker import build_wheel, pip_install, run_in

CELLS = ["!pip install -q localpkg-q\nimport os",
         "%matplotlib inline\nimport six\nimport numpy as np",
         "import localpkg_q  # installed by the first cell\nimport nosuch_q"]


def vscode_caps(*, pull: bool) -> t.ClientCapabilities:
    caps = client_capabilities("visual_studio_code@v1.65.2")
    caps.notebook_document = t.NotebookDocumentClientCapabilities(
        synchronization=t.NotebookDocumentSyncClientCapabilities(execution_summary_support=True))
    if pull:
        caps.text_document.diagnostic = t.DiagnosticClientCapabilities(related_document_support=True)
        caps.workspace.diagnostics = t.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


def open_notebook(client, path, cells: list[str], *, kernel: str | None = None) -> tuple[str, list[str]]:
    nb_uri = from_fs_path(str(path))
    # what code-server sends: the browser's host and port inside the cell URIs
    cell_uris = [f"vscode-notebook-cell://127.0.0.1:8080{path}#W{i}sZmlsZQ%3D%3D" for i in range(len(cells))]
    meta = {"metadata": {"kernelspec": {"name": kernel, "display_name": kernel}}} if kernel else {}
    client.notebook_document_did_open(t.DidOpenNotebookDocumentParams(
        notebook_document=t.NotebookDocument(uri=nb_uri, notebook_type="jupyter-notebook", version=1, metadata=meta,
                                             cells=[t.NotebookCell(kind=t.NotebookCellKind.Code, document=u)
                                                    for u in cell_uris]),
        cell_text_documents=[t.TextDocumentItem(uri=u, language_id="python", version=1, text=c)
                             for u, c in zip(cell_uris, cells, strict=True)]))
    return nb_uri, cell_uris


async def settle(client, want: dict) -> dict[str, list[t.Diagnostic]]:
    """Wait until the last diagnostics published for each URI of ``want`` satisfy its predicate (pytest-lsp keeps
    the last ones per URI; each wake-up is a publishDiagnostics notification)."""
    async def run():
        while not all(u in client.diagnostics and ok(list(client.diagnostics[u])) for u, ok in want.items()):
            try:
                await asyncio.wait_for(client.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 2)
            except asyncio.TimeoutError:
                pass               # re-check: a notification may have landed between the check and the wait
        return {u: list(client.diagnostics[u]) for u in want}
    try:
        return await asyncio.wait_for(run(), TIMEOUT)
    except asyncio.TimeoutError:
        print("server log:", *[m.message for m in client.log_messages], sep="\n")
        raise


def by_module(ds) -> dict[str, t.Diagnostic]:
    return {d.data["module"]: d for d in ds}


@pytest.mark.parametrize("pull", [False, True], ids=["push", "pull-capable"])
async def test_cells_get_their_diagnostics_which_follow_edits_and_clear_on_close(project, server_env, pull):
    root, bad, good = project
    path = root / "explore.ipynb"
    path.write_text("{}")
    async with session(vscode_caps(pull=pull), root, env=server_env) as client:
        nb_uri, (a, b, c) = open_notebook(client, path, CELLS)
        got = await settle(client, {a: lambda ds: True, b: lambda ds: len(ds) == 2, c: lambda ds: len(ds) == 2})
        assert got[a] == []
        six, numpy = by_module(got[b])["six"], by_module(got[b])["numpy"]
        assert six.code == "TFL102" and (six.range.start.line, six.range.start.character, six.range.end.character) == (1, 7, 10)
        assert numpy.code == "TFL100" and numpy.range.start.line == 2 and numpy.severity == t.DiagnosticSeverity.Error
        local, missing = by_module(got[c])["localpkg_q"], by_module(got[c])["nosuch_q"]
        assert local.severity == t.DiagnosticSeverity.Information and local.range.start.line == 0
        assert "installed by the `!pip install` in code cell 1; it works once that cell has run" in local.message
        assert missing.severity == t.DiagnosticSeverity.Error and missing.range.start.line == 1

        # the first cell loses its pip line: the third cell's import is an error again; the second cell drops six
        client.notebook_document_did_change(t.DidChangeNotebookDocumentParams(
            notebook_document=t.VersionedNotebookDocumentIdentifier(version=2, uri=nb_uri),
            change=t.NotebookDocumentChangeEvent(cells=t.NotebookDocumentCellChanges(text_content=[
                t.NotebookDocumentCellContentChanges(
                    document=t.VersionedTextDocumentIdentifier(uri=a, version=2),
                    changes=[t.TextDocumentContentChangePartial(range=t.Range(t.Position(0, 0), t.Position(1, 0)), text="")]),
                t.NotebookDocumentCellContentChanges(
                    document=t.VersionedTextDocumentIdentifier(uri=b, version=2),
                    changes=[t.TextDocumentContentChangePartial(range=t.Range(t.Position(1, 0), t.Position(2, 0)), text="")]),
            ]))))
        got = await settle(client, {b: lambda ds: len(ds) == 1,
                                    c: lambda ds: all(d.severity == t.DiagnosticSeverity.Error for d in ds)})
        assert by_module(got[b])["numpy"].range.start.line == 1
        assert by_module(got[c])["localpkg_q"].code == "TFL100"

        client.notebook_document_did_close(t.DidCloseNotebookDocumentParams(
            notebook_document=t.NotebookDocumentIdentifier(uri=nb_uri),
            cell_text_documents=[t.TextDocumentIdentifier(uri=u) for u in (a, b, c)]))
        await settle(client, {u: (lambda ds: ds == []) for u in (b, c)})


async def test_quick_fixes_and_hover_on_cells(project, server_env):
    root, bad, good = project
    path = root / "fixes.ipynb"
    path.write_text("{}")
    async with session(vscode_caps(pull=False), root, env=server_env) as client:
        nb_uri, (a, b, c) = open_notebook(client, path, CELLS)
        got = await settle(client, {b: lambda ds: len(ds) == 2, c: lambda ds: len(ds) == 2})
        numpy = by_module(got[b])["numpy"]
        actions = await code_actions(client, b, numpy)
        install = [x for x in actions if x.command and x.command.command == "tfLsp.install"][0]
        assert install.command.arguments[0]["python"] == str(bad) and install.command.arguments[0]["specs"] == ["numpy"]
        [pip_line] = [x for x in actions if x.edit is not None]
        [edit] = pip_line.edit.document_changes
        assert edit.text_document.uri == b and edit.edits[0].new_text == "%pip install numpy\n"
        assert edit.edits[0].range == t.Range(t.Position(0, 0), t.Position(0, 0))

        h = await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=c), position=t.Position(0, 9)))
        assert "localpkg_q" in h.contents.value and "installed by the `!pip install` in code cell 1" in h.contents.value

        # the editor picks good-env for this notebook: six then resolves, the folder's interpreter stays .venv
        switch = [x for x in await code_actions(client, b, by_module(got[b])["six"])
                  if x.command and x.command.command == "tfLsp.useNotebookInterpreter"][0]
        assert switch.title.endswith("for this notebook")
        result = await run_command(client, t.Command(title="", command="tfLsp.useNotebookInterpreter",
                                                     arguments=[{"uri": nb_uri, "python": str(good)}]))
        assert result["python"] == str(good)
        got = await settle(client, {b: lambda ds: "six" not in by_module(ds)})
        assert "numpy" in by_module(got[b])


async def test_the_kernel_in_the_notebook_metadata_picks_the_interpreter(project, server_env, tmp_path, wheels):
    root, bad, good = project
    spec = tmp_path / "jupyter" / "kernels" / "goodkernel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(good), "-m", "ipykernel_launcher", "-f", "{connection_file}"]}))
    path = root / "kernel.ipynb"
    path.write_text("{}")
    env = dict(server_env, JUPYTER_PATH=str(tmp_path / "jupyter"), PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    async with session(vscode_caps(pull=False), root, env=env) as client:
        _, (a, b) = open_notebook(client, path, ["import six", "import localpkg_q"], kernel="goodkernel")
        got = await settle(client, {a: lambda ds: True, b: lambda ds: len(ds) == 1})
        assert got[a] == []                                                  # six is in the kernel's env
        actions = await code_actions(client, b, got[b][0])
        install = [x for x in actions if x.command and x.command.command == "tfLsp.install"][0]
        assert install.command.arguments[0]["python"] == str(good)          # installs go into the kernel's env
        assert (await run_command(client, install.command))["ok"] is True
        await settle(client, {b: lambda ds: ds == []})
        assert run_in(good, "import localpkg_q").returncode == 0 and run_in(bad, "import localpkg_q").returncode != 0


async def test_a_cell_sent_as_a_plain_document_is_checked_without_a_traceback(project, server_env):
    root, *_ = project
    uri = f"vscode-notebook-cell://127.0.0.1:8080{root}/loose.ipynb#W0sZmlsZQ%3D%3D"
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(
            uri=uri, language_id="python", version=1, text="%matplotlib inline\nimport numpy\n")))
        got = await settle(client, {uri: lambda ds: len(ds) == 1})
        assert got[uri][0].range.start.line == 1 and got[uri][0].code == "TFL100"
        logs = [m.message for m in client.log_messages]
        assert not any("Traceback" in m or "failed" in m for m in logs), logs


async def test_status_names_the_framework_and_how_to_activate(project, server_env, tmp_path):
    root, bad, good = project
    wheel = build_wheel(tmp_path, "keras", "3.5.0", {"keras/__init__.py": "__version__ = '3.5.0'\n"})
    pip_install(bad, "--no-deps", str(wheel))
    async with session("neovim@v0.11.0", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        await settle(client, {uri: lambda ds: len(ds) > 0})
        status = client.notes["tfLsp/status"][-1]
        assert (status.framework.name, status.framework.short, status.framework.version) == ("Keras", "Keras", "3.5.0")
        assert status.tfVersion is None
        assert status.activate.bash == f"source {root / '.venv' / 'bin' / 'activate'}"


# What jupyterlab-lsp sends for a notebook: code cells joined by two blank lines, magics rewritten to get_ipython()
# calls (its IPython overrides), in <root>/.virtual_documents/<path of the notebook>.
JUPYTERLAB_TEXT = '''get_ipython().run_line_magic("pip", " install -q localpkg-q")


import six
import helper_q
import localpkg_q


get_ipython().run_cell_magic("bash", "", """sudo apt-get install -y x > /dev/null
pip install "nosuch-q>=1"
""")


import nosuch_q
import other_missing_q
'''


async def test_a_jupyterlab_virtual_document_is_the_notebook_it_stands_for(project, server_env, tmp_path):
    root, bad, good = project
    spec = tmp_path / "jupyter" / "kernels" / "goodkernel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(good), "-m", "ipykernel_launcher"]}))
    (root / "sub").mkdir()
    (root / "sub" / "helper_q.py").write_text("X = 1\n")            # next to the real notebook only
    (root / "sub" / "lab.ipynb").write_text(json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5,
                                                        "metadata": {"kernelspec": {"name": "goodkernel"}}}))
    virtual = root / ".virtual_documents" / "sub" / "lab.ipynb"
    virtual.parent.mkdir(parents=True)
    virtual.write_text(JUPYTERLAB_TEXT)
    env = dict(server_env, JUPYTER_PATH=str(tmp_path / "jupyter"))
    async with session("neovim@v0.11.0", root, env=env) as client:
        uri = open_doc(client, virtual)
        [ds] = (await settle(client, {uri: lambda ds: len(ds) == 3})).values()
        got = {d.data["module"]: d for d in ds}
        assert set(got) == {"localpkg_q", "nosuch_q", "other_missing_q"}     # six: the kernel's env; helper_q: sub/
        assert got["localpkg_q"].severity == t.DiagnosticSeverity.Information
        assert "installed by the `%pip install` on line 1; it works once that cell has run" in got["localpkg_q"].message
        assert got["nosuch_q"].severity == t.DiagnosticSeverity.Information
        assert "installed by the `pip install` on line 10" in got["nosuch_q"].message
        assert got["other_missing_q"].severity == t.DiagnosticSeverity.Error and got["other_missing_q"].range.start.line == 14
        assert "good-env/bin/python" in got["other_missing_q"].message        # checked with the kernel's interpreter


async def test_fix_all_in_a_cell_never_switches_or_installs(project, server_env):
    """fix-all (run by editors on save) carries text edits only: in a cell it neither switches the notebook's
    interpreter nor installs; the switch stays a quick fix a person picks, and it switches the notebook only."""
    root, bad, good = project
    path = root / "fixall.ipynb"
    path.write_text("{}")
    async with session(vscode_caps(pull=False), root, env=server_env) as client:
        _, (a,) = open_notebook(client, path, ["import six"])
        [six] = (await settle(client, {a: lambda ds: len(ds) == 1}))[a]
        result = await run_command(client, t.Command(title="", command="tfLsp.fixAll", arguments=[{"uri": a}]))
        assert result == {"applied": False}                             # nothing ran, nothing was switched
        assert not [n for n in client.notes.get("tfLsp/interpreterChanged", [])]
        use = [x for x in await code_actions(client, a, six)
               if x.command and x.command.command == "tfLsp.useNotebookInterpreter"]
        assert use, "the switch is still offered as a quick fix"
        await run_command(client, use[0].command)
        await settle(client, {a: lambda ds: ds == []})
        main = open_doc(client, root / "main.py")                       # the folder still uses .venv
        ds = (await settle(client, {main: lambda ds: len(ds) > 0}))[main]
        assert any(d.data["module"] == "six" for d in ds)


async def test_notebook_interpreters_setting_picks_per_notebook_under_the_editors_choice(project, server_env, tmp_path):
    """tfLsp.notebookInterpreters: the first pattern that matches a notebook names its interpreter, over its
    kernelspec; a notebook no pattern matches keeps its kernelspec (or the folder's interpreter); the editor's own
    choice for one notebook (tfLsp.useNotebookInterpreter) wins over the setting."""
    root, bad, good = project
    spec = tmp_path / "jupyter" / "kernels" / "goodkernel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(good), "-m", "ipykernel_launcher"]}))
    (root / "experiments" / "deep").mkdir(parents=True)
    paths = {"exp": root / "experiments" / "deep" / "a.ipynb", "pinned": root / "pinned.ipynb",
             "kernel": root / "kernel.ipynb", "plain": root / "plain.ipynb"}
    for p in paths.values():
        p.write_text("{}")
    settings = {"notebookInterpreters": {"experiments/**/*.ipynb": "good-env", "pinned.ipynb": str(bad)}}
    env = dict(server_env, JUPYTER_PATH=str(tmp_path / "jupyter"))
    async with session(vscode_caps(pull=False), root, env=env, settings=settings) as client:
        cells = {}
        for key, p in paths.items():       # pinned and kernel both name goodkernel: only the setting tells them apart
            cells[key] = open_notebook(client, p, ["import six\nimport nosuch_q"],
                                       kernel="goodkernel" if key in ("pinned", "kernel") else None)
        got = await settle(client, {c[1][0]: lambda ds: "nosuch_q" in by_module(ds) for c in cells.values()})
        mods = {key: by_module(got[c[1][0]]) for key, c in cells.items()}
        assert "six" not in mods["exp"] and "six" not in mods["kernel"]         # good-env: the setting, the kernel
        assert "six" in mods["pinned"] and "six" in mods["plain"]               # .venv: the setting, the folder's
        assert "./good-env/bin/python" in mods["exp"]["nosuch_q"].message
        assert "./.venv/bin/python" in mods["pinned"]["nosuch_q"].message
        exp_uri, (exp_cell,) = cells["exp"]

        result = await run_command(client, t.Command(title="", command="tfLsp.useNotebookInterpreter",
                                                     arguments=[{"uri": exp_uri, "python": str(bad)}]))
        assert result["python"] == str(bad)
        await settle(client, {exp_cell: lambda ds: "six" in by_module(ds)})
        result = await run_command(client, t.Command(title="", command="tfLsp.useNotebookInterpreter",
                                                     arguments=[{"uri": exp_uri, "python": None}]))
        assert result["python"] == str(good) and "for notebooks matching 'experiments/**/*.ipynb'" in result["why"]
        await settle(client, {exp_cell: lambda ds: "six" not in by_module(ds)})
