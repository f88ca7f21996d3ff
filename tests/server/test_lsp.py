"""The real server over stdio, driven with recorded Neovim and VS Code client capabilities (pytest-lsp):
diagnostics, hover, settings, multi-root, pull diagnostics, a broken interpreter. Waits on notifications."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as t
from pygls.uris import from_fs_path
from pytest_lsp import client_capabilities

from tests.server.lsp_client import CLIENTS, codes, diagnostics_for, open_doc, session, client_col, wait_for
from tests.wheelmaker import build_wheel, pip_install

EMOJI_LINE = 'greeting = "héllo 😀"; import localpkg_q\n'


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_diagnostics_on_open_move_with_edits_and_clear_on_close(project, server_env, client_name):
    root, bad, good = project
    async with session(client_name, root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        by = codes(ds)
        assert set(by) == {"TFL100", "TFL102"}, [(d.code, d.message) for d in ds]
        numpy = [d for d in ds if d.code == "TFL100" and d.range.start.line == 1][0]
        assert (numpy.range.start.character, numpy.range.end.line, numpy.range.end.character) == (7, 1, 12)
        assert numpy.severity == t.DiagnosticSeverity.Error and numpy.source == "tf-lsp"
        assert numpy.code_description.href.endswith("#tfl100-module-not-found")
        assert "numpy" in numpy.message
        assert [f["action"] for f in numpy.data["fixes"]] == ["install"]
        six = by["TFL102"]
        assert six.range.start.line == 2 and any(f["action"] == "use-interpreter" for f in six.data["fixes"])

        # two lines inserted above, one with non-ASCII text: ranges move, in the client's units
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangePartial(
                range=t.Range(t.Position(0, 0), t.Position(0, 0)), text="# a comment\n" + EMOJI_LINE)]))
        ds = await diagnostics_for(client, uri, lambda ds: any(d.range.start.line == 3 for d in ds))
        assert [d.range.start.line for d in ds if d.code == "TFL100"] == [1, 3, 5]
        emoji = [d for d in ds if d.range.start.line == 1][0]
        start = EMOJI_LINE.index("localpkg_q")
        assert (emoji.range.start.character, emoji.range.end.character) == \
            (client_col(client.encoding, EMOJI_LINE, start), client_col(client.encoding, EMOJI_LINE, start + 10))
        assert emoji.range.start.character != start      # the test means something: units differ from code points

        client.text_document_did_close(t.DidCloseTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=uri)))
        assert await diagnostics_for(client, uri, lambda ds: not ds) == []
        begun = [r.title for rs in client.progress_reports.values() for r in rs if isinstance(r, t.WorkDoneProgressBegin)]
        assert begun == ["tf-lsp: reading the environment of proj"]        # $/progress for the first scan
        status = client.notes["tfLsp/status"][-1]
        assert status.uri == from_fs_path(str(root)) and status.python == str(bad) and status.broken is False
        assert status.envName == ".venv" and status.tfVersion is None


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_hover_explains_resolution_and_failure(project, server_env, client_name):
    root, *_ = project
    (root / "tf.py").write_text("import tensorflow as tf\n")
    async with session(client_name, root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        await diagnostics_for(client, uri)

        async def hover(line: int, col: int, doc_uri: str = uri) -> str:
            h = await client.text_document_hover_async(t.HoverParams(
                text_document=t.TextDocumentIdentifier(uri=doc_uri), position=t.Position(line, col)))
            assert h.contents.kind == t.MarkupKind.Markdown
            return h.contents.value
        ok = await hover(0, 8)
        assert "resolves to" in ok and "/os.py" in ok and "environment: `.venv`" in ok
        # the search path the file runs with, each entry with its reason
        assert "**sys.path** as the script `python main.py`" in ok and "folder of the script being run" in ok
        missing = await hover(1, 9)
        assert "TFL100" in missing and "searched:" in missing and str(root / ".venv") in missing
        elsewhere = await hover(2, 8)
        assert "TFL102" in elsewhere and "good-env" in elsewhere
        assert await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(1, 16))) is None  # on "np"
        tf_uri = open_doc(client, root / "tf.py")
        await diagnostics_for(client, tf_uri)
        tf = await hover(0, 9, tf_uri)
        assert "TensorFlow environment" in tf and "TensorFlow is not installed here" in tf and "interpreter:" in tf


async def test_hover_summarises_a_tensorflow_gpu_build(project, server_env, tmp_path):
    root, bad, _ = project
    wheels = tmp_path / "tfwheels"
    build_wheel(wheels, "tensorflow", "2.16.1", {
        "tensorflow/__init__.py": "",
        "tensorflow/python/__init__.py": "",
        "tensorflow/python/platform/__init__.py": "",
        "tensorflow/python/platform/build_info.py":
            "import collections\nbuild_info = collections.OrderedDict([('cuda_version', '12.3'), "
            "('cudnn_version', '8'), ('is_cuda_build', True), ('is_rocm_build', False)])\n"})
    build_wheel(wheels, "numpy", "1.26.4", {"numpy/__init__.py": ""})
    pip_install(bad, "--no-deps", "--no-index", "--find-links", str(wheels), "tensorflow", "numpy")
    (root / "tf.py").write_text("import tensorflow as tf\n")
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "tf.py")
        await diagnostics_for(client, uri)
        h = await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(0, 9)))
        text = h.contents.value
        assert "tensorflow 2.16.1 — GPU build (CUDA 12.3 / cuDNN 8)" in text, text
        assert "numpy 1.26.4" in text and str(bad) in text


async def test_status_and_hover_come_from_the_rule_packs(project, server_env, tmp_path):
    """tfLsp/status and hover read the pack registry: a TensorFlow variant the TF pack owns (tensorflow-rocm) fills
    ``tfVersion`` and ``framework``, the JAX pack adds its summary to ``frameworks`` and to a hover on ``jax``."""
    root, bad, _ = project
    wheels = tmp_path / "packwheels"
    build_wheel(wheels, "tensorflow-rocm", "2.16.1", {"tensorflow/__init__.py": ""}, top_level=["tensorflow"])
    build_wheel(wheels, "jax", "0.4.30", {"jax/__init__.py": ""})
    build_wheel(wheels, "jaxlib", "0.4.30", {"jaxlib/__init__.py": ""})
    pip_install(bad, "--no-deps", "--no-index", "--find-links", str(wheels), "tensorflow-rocm", "jax", "jaxlib")
    (root / "j.py").write_text("import jax\n")
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "j.py")
        await diagnostics_for(client, uri)
        status = client.notes["tfLsp/status"][-1]
        assert status.tfVersion == "2.16.1"
        fw = status.framework
        assert (fw.name, fw.short, fw.version, fw.distribution) == ("TensorFlow", "TF", "2.16.1", "tensorflow-rocm")
        assert [f.framework for f in status.frameworks] == ["TensorFlow", "JAX"]
        h = await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(0, 8)))
        assert "**JAX environment**" in h.contents.value and "jax 0.4.30" in h.contents.value
        assert "jaxlib 0.4.30" in h.contents.value and "TensorFlow environment" not in h.contents.value


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_invalid_settings_are_reported_and_fall_back(project, server_env, client_name):
    root, *_ = project
    async with session(client_name, root, env=server_env,
                       settings={"installer": "npm", "checkAllImports": "yes", "interpreter": 42, "bogus": 1}) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        assert "TFL102" in codes(ds)                       # defaults still work (checkAllImports: true)
        shown = [m for m in client.messages if m.type == t.MessageType.Warning]
        text = " ".join(m.message for m in shown)
        for key in ("installer", "checkAllImports", "interpreter"):
            assert f"tfLsp.{key}" in text, text
        assert "bogus" not in text                         # unknown keys are only logged
        assert any("tfLsp.bogus" in m.message for m in client.log_messages)

        # a valid change through workspace/didChangeConfiguration re-checks with the new settings
        client.set_configuration({"tfLsp": {"checkAllImports": False}})
        client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
        ds = await diagnostics_for(client, uri, lambda ds: "TFL102" not in codes(ds))
        assert [d.range.start.line for d in ds] == [1]     # numpy is in the TensorFlow family; six is not


async def test_multi_root_folders_have_their_own_interpreter(project, server_env, tmp_path):
    root, bad, good = project
    other = tmp_path / "other"
    other.mkdir()
    (other / "app.py").write_text("import six\n")
    async with session("visual_studio_code@v1.65.2", [root, other], env=server_env,
                       scoped={from_fs_path(str(other)): {"interpreter": str(good)}}) as client:
        uri_a = open_doc(client, root / "main.py")
        assert "TFL102" in codes(await diagnostics_for(client, uri_a))
        uri_b = open_doc(client, other / "app.py")
        assert await diagnostics_for(client, uri_b) == []
        assert {s.python for s in client.notes["tfLsp/status"]} == {str(bad), str(good)}


async def test_pull_diagnostics_for_clients_that_can_refresh(project, server_env, wheels):
    root, bad, _ = project
    caps = client_capabilities("visual_studio_code@v1.65.2")
    caps.text_document.diagnostic = t.DiagnosticClientCapabilities(dynamic_registration=False)
    caps.workspace.diagnostics = t.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    async with session(caps, root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")

        async def pull() -> list[t.Diagnostic]:
            report = await client.text_document_diagnostic_async(t.DocumentDiagnosticParams(
                text_document=t.TextDocumentIdentifier(uri=uri)))
            return list(report.items)
        ds = await pull()
        assert [d.code for d in ds if d.range.start.line == 3] == ["TFL100"]
        refreshed = asyncio.ensure_future(wait_for(client, "tfLsp/status"))
        await asyncio.to_thread(pip_install, bad, "--no-index", "--find-links", str(wheels), "localpkg-q")
        await refreshed                                  # sent with workspace/diagnostic/refresh after the change
        assert client.diagnostic_refresh_count >= 1
        assert not [d for d in await pull() if d.range.start.line == 3]
        assert uri not in client.diagnostics             # nothing was pushed to a pulling client


async def test_missing_interpreter_setting_does_not_crash(project, server_env):
    root, *_ = project
    missing = str(root / "nope" / "bin" / "python")
    async with session("neovim@v0.11.0", root, env=server_env, init={"interpreter": missing}) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        assert [d.code for d in ds] == ["TFL190"] and missing in ds[0].message
        assert any(missing in m.message for m in client.messages)          # said once, with showMessage
        assert client.notes["tfLsp/status"][-1].broken is True
        hover = await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(0, 8)))
        assert hover is not None                                            # still serving


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_run_folder_dependent_import_is_information_with_its_search_path(project, server_env, client_name):
    """`ml/movenet.py` imports `data`, which sits next to the entry script one folder up: information (TFL120),
    never an error, and no install of `data`; the hover lists the sys.path with a reason per entry."""
    root, *_ = project
    (root / "raspberry_pi" / "ml").mkdir(parents=True)
    (root / "raspberry_pi" / "data.py").write_text("class Person:\n    pass\n")
    (root / "raspberry_pi" / "pose_estimation.py").write_text("from ml.movenet import Movenet\n")
    movenet = root / "raspberry_pi" / "ml" / "movenet.py"
    movenet.write_text("from data import Person\n")
    async with session(client_name, root, env=server_env) as client:
        uri = open_doc(client, movenet)
        ds = await diagnostics_for(client, uri)
        assert [d.code for d in ds] == ["TFL120"] and ds[0].severity == t.DiagnosticSeverity.Information
        assert "resolves when run from `raspberry_pi/`" in ds[0].message
        assert not [f for f in ds[0].data["fixes"] if f["action"] == "install"]
        h = await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(0, 6)))
        text = h.contents.value
        assert "**sys.path** imported by `raspberry_pi/pose_estimation.py`" in text
        assert "folder of the entry script pose_estimation.py, which imports `ml`" in text
