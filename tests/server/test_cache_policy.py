"""One cache policy, seen from the editor (issue 11):

- a same-version force-reinstall of another wheel (another platform tag) clears TFL110 in a running server: every
  value read from a distribution's files is re-read when those files change, not kept by path;
- an interpreter picked through a code action survives a rebuild of the folder (the Pin action edits
  pyproject.toml, which rebuilds it);
- diagnostics carry the version of the text that was checked.
"""
from __future__ import annotations

import asyncio
import shutil

from lsprotocol import types as t
from pygls.uris import from_fs_path

from tests.server.lsp_client import (apply_workspace_edit, code_actions, codes, diagnostics_for, open_doc, run_command,
                                     session, wait_for)
from tests.test_tensorflow_pack import TF_INIT_216, tf_files
from tests.wheelmaker import build_wheel, pip_install


def _as_pure_file_name(wheel):
    """pip installs a wheel by its file name's tags; the WHEEL file inside keeps the tag it was built with (what a
    wheel built for another CPU and installed by force looks like on disk)."""
    target = wheel.with_name(wheel.name.split("-cp311-")[0] + "-py3-none-any.whl")
    shutil.move(wheel, target)
    return target


async def test_same_version_reinstall_with_another_wheel_tag_clears_the_diagnostic(project, server_env, tmp_path):
    root, bad, _ = project
    arm = _as_pure_file_name(build_wheel(tmp_path / "arm", "tensorflow-cpu", "2.21.0", tf_files(TF_INIT_216),
                                         tag="cp311-cp311-manylinux_2_17_aarch64"))
    x86 = _as_pure_file_name(build_wheel(tmp_path / "x86", "tensorflow-cpu", "2.21.0", tf_files(TF_INIT_216),
                                         tag="cp311-cp311-manylinux_2_17_x86_64"))
    pip_install(bad, "--no-deps", str(arm))
    (root / "tf.py").write_text("import tensorflow as tf\n")
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "tf.py")
        first = codes(await diagnostics_for(client, uri))
        assert "TFL110" in first and "aarch64" in first["TFL110"].message, first
        cleared = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL110" not in codes(ds)))
        await asyncio.to_thread(pip_install, bad, "--no-deps", "--force-reinstall", str(x86))
        assert "TFL110" not in codes(await cleared)


async def test_an_interpreter_switch_survives_a_pin(project, server_env):
    root, bad, good = project
    (root / "requirements.txt").unlink()
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0.1"\ndependencies = ["six"]\n')
    async with session("neovim", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        six = codes(await diagnostics_for(client, uri))["TFL102"]
        use = [a for a in await code_actions(client, uri, six) if a.command and a.command.command == "tfLsp.useInterpreter"]
        switched = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL102" not in codes(ds)))
        await run_command(client, use[0].command)
        await switched
        assert client.notes["tfLsp/status"][-1].python == str(good)

        # the Pin action edits pyproject.toml; the watcher / poll rebuilds the folder after that edit
        rebuilt = asyncio.ensure_future(wait_for(client, "tfLsp/status"))
        result = await run_command(client, t.Command(title="", command="tfLsp.pin", arguments=[
            {"uri": from_fs_path(str(root)), "package": "numpy", "specifier": "<2"}]))
        assert result["ok"] and '"numpy<2"' in (root / "pyproject.toml").read_text()
        try:
            status = await rebuilt
        except Exception:
            print("\n".join(m.message for m in client.log_messages))
            raise
        assert status.python == str(good), status
        ds = await diagnostics_for(client, uri)
        assert "TFL102" not in codes(ds)          # six still resolves: still the picked interpreter


async def test_diagnostics_carry_the_version_that_was_checked(project, server_env):
    root, *_ = project
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py", version=7)
        params = await wait_for(client, t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, lambda p: p.uri == uri)
        assert params.version == 7
        for v in (8, 9, 10):           # edits in quick succession: whatever is published names its own text
            client.text_document_did_change(t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=v),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text="import os\n" * (v - 7) + "import numpy\n")]))
        last = await wait_for(client, t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, lambda p: p.uri == uri and p.version == 10)
        numpy = [d for d in last.diagnostics if "numpy" in d.message]
        assert numpy and numpy[0].range.start.line == 3     # the line numpy is on in version 10


async def test_refresh_rereads_environments_and_empties_the_caches(project, server_env, tmp_path):
    """``tfLsp.refresh``: every registered process cache is emptied (what it dropped is returned), discovery runs
    again (an environment made after the first listing is offered) and open files are published again."""
    from tests.wheelmaker import make_venv

    root, *_ = project
    async with session("neovim", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        first = codes(await diagnostics_for(client, uri))
        folder = {"uri": from_fs_path(str(root))}
        before = await run_command(client, t.Command(title="", command="tfLsp.listEnvironments", arguments=[folder]))
        assert not any("later-env" in e["path"] for e in before)
        make_venv(root / "later-env")
        again = asyncio.ensure_future(diagnostics_for(client, uri))
        result = await run_command(client, t.Command(title="", command="tfLsp.refresh", arguments=[folder]))
        assert result["ok"] and result["cacheEntriesDropped"] > 0, result
        assert set(codes(await again)) == set(first)
        after = await run_command(client, t.Command(title="", command="tfLsp.listEnvironments", arguments=[folder]))
        assert any("later-env" in e["path"] for e in after), after
