"""Code actions listed for their diagnostics and applied for real in throwaway environments: use another interpreter,
install from a local wheel folder and from the registry, a failed install, pin edits, fix-all; the live refresh
after an install outside the server; command validation."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as t
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import client_capabilities

from tests.server.conftest import REQUIREMENTS
from tests.server.lsp_client import (CLIENTS, apply_workspace_edit, code_actions, codes, diagnostics_for, open_doc,
                                     run_command, session, wait_for)
from tests.wheelmaker import pip_install, run_in


def local_index(env: dict, wheels: Path) -> dict:
    """pip's own configuration (environment variables): only the test's wheel folder, no index."""
    return dict(env, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_use_interpreter_switches_and_clears(project, server_env, client_name):
    root, bad, good = project
    async with session(client_name, root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        six = codes(await diagnostics_for(client, uri))["TFL102"]
        actions = await code_actions(client, uri, six)
        titles = [a.title for a in actions]
        use = [a for a in actions if a.command and a.command.command == "tfLsp.useInterpreter"]
        assert len(use) == 1 and "good-env" in use[0].title and use[0].is_preferred, titles
        assert list(use[0].diagnostics) == [six] and use[0].kind == t.CodeActionKind.QuickFix
        assert any(a.command and a.command.command == "tfLsp.install" for a in actions), titles
        assert await code_actions(client, uri, six, only=[t.CodeActionKind.Refactor]) == []   # context.only

        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL102" not in codes(ds)))
        result = await run_command(client, use[0].command)
        ds = await waiter
        assert [d.range.start.line for d in ds] == [1, 3]          # numpy and localpkg_q are still missing there
        changed = client.notes["tfLsp/interpreterChanged"][-1]
        assert changed.python == str(good) == result["python"] and changed.uri == from_fs_path(str(root))
        assert "source ./good-env/bin/activate" in changed.activate.bash or str(root / "good-env") in changed.activate.bash
        assert client.notes["tfLsp/status"][-1].python == str(good)
        assert run_in(good, "import six", cwd=root).returncode == 0


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_install_from_a_local_wheel_folder(project, server_env, wheels, client_name):
    root, bad, _ = project
    async with session(client_name, root, env=local_index(server_env, wheels)) as client:
        uri = open_doc(client, root / "main.py")
        local = [d for d in await diagnostics_for(client, uri) if d.range.start.line == 3][0]
        assert local.code == "TFL100"
        actions = await code_actions(client, uri, local)
        install = [a for a in actions if a.command and a.command.command == "tfLsp.install"]
        assert [a.title for a in install] == ["Install localpkg-q into .venv"] and install[0].is_preferred
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: all(d.range.start.line != 3 for d in ds)))
        result = await run_command(client, install[0].command)
        assert result == {"ok": True}
        await waiter
        assert run_in(bad, "import localpkg_q", cwd=root).returncode == 0
        assert any("Successfully installed localpkg-q-1.2.0" in m.message for m in client.log_messages)
        reports = [r for rs in client.progress_reports.values() for r in rs]
        assert any(isinstance(r, t.WorkDoneProgressBegin) and "localpkg-q" in r.title for r in reports)
        assert any(isinstance(r, t.WorkDoneProgressEnd) for r in reports)
        # and back: uninstall through its command, the squiggle returns
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: any(d.range.start.line == 3 for d in ds)))
        assert await run_command(client, t.Command(title="", command="tfLsp.uninstall", arguments=[
            {"uri": from_fs_path(str(root)), "specs": ["localpkg-q"]}])) == {"ok": True}
        assert codes(await waiter)["TFL100"]
        assert run_in(bad, "import localpkg_q", cwd=root).returncode != 0


async def test_failed_install_says_why(project, server_env, wheels):
    root, *_ = project
    async with session("neovim@v0.11.0", root, env=local_index(server_env, wheels)) as client:
        uri = open_doc(client, root / "main.py")
        await diagnostics_for(client, uri)
        result = await run_command(client, t.Command(title="", command="tfLsp.install", arguments=[
            {"uri": from_fs_path(str(root)), "specs": ["localpkg-q==9.9"]}]))
        assert result["ok"] is False
        errors = [m.message for m in client.messages if m.type == t.MessageType.Error]
        assert errors and "pip failed" in errors[-1] and "localpkg-q==9.9" in errors[-1], errors


async def test_real_install_from_the_registry(project, server_env):
    root, bad, _ = project
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        six = codes(await diagnostics_for(client, uri))["TFL102"]
        install = [a for a in await code_actions(client, uri, six)
                   if a.command and a.command.command == "tfLsp.install" and a.edit is None][0]
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL102" not in codes(ds)))
        assert (await run_command(client, install.command))["ok"]
        await waiter
        assert run_in(bad, "import six", cwd=root).returncode == 0


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_pin_action_edits_only_the_requirement(project, server_env, wheels, client_name):
    root, bad, good = project
    version = run_in(good, "import importlib.metadata as m; print(m.version('six'))").stdout.strip()
    async with session(client_name, root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        six = codes(await diagnostics_for(client, uri))["TFL102"]
        pin = [a for a in await code_actions(client, uri, six) if a.edit is not None]
        assert [a.title for a in pin] == [f"Pin six=={version} in requirements.txt and install it"]
        assert (pin[0].edit.document_changes is not None) == (client_name.startswith("visual"))   # documentChanges
        apply_workspace_edit(pin[0].edit)                     # the editor applies the edit ...
        assert (root / "requirements.txt").read_text() == REQUIREMENTS.replace("six\n", f"six=={version}\n")
        assert pin[0].command.command == "tfLsp.install"      # ... then runs the command (installing the pin)
        assert pin[0].command.arguments[0]["specs"] == [f"six=={version}"]

        # tfLsp.pin: the server sends workspace/applyEdit itself (here: a new package appended)
        result = await run_command(client, t.Command(title="", command="tfLsp.pin", arguments=[
            {"uri": from_fs_path(str(root)), "package": "numpy", "specifier": "<2"}]))
        assert result == {"ok": True, "files": [str(root / "requirements.txt")]}
        assert (root / "requirements.txt").read_text() == \
            REQUIREMENTS.replace("six\n", f"six=={version}\n") + "numpy<2\n"


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_live_refresh_after_an_outside_install(project, server_env, wheels, client_name):
    root, bad, _ = project
    async with session(client_name, root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        assert [d.range.start.line for d in ds if d.code == "TFL100"] == [1, 3]
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: all(d.range.start.line != 3 for d in ds)))
        status = asyncio.ensure_future(wait_for(client, "tfLsp/status", lambda s: s.python == str(bad)))
        await asyncio.to_thread(pip_install, bad, "--no-index", "--find-links", str(wheels), "localpkg-q")
        ds = await waiter                                     # no restart, no request: the server noticed
        assert "TFL102" in codes(ds)
        await status


async def test_file_watchers_registered_and_their_events_refresh(project, server_env, wheels):
    """With polling off, only workspace/didChangeWatchedFiles can tell the server about an install."""
    root, bad, _ = project
    async with session("visual_studio_code@v1.65.2", root, env=dict(server_env, TF_LSP_POLL_SECONDS="0")) as client:
        uri = open_doc(client, root / "main.py")
        await diagnostics_for(client, uri)
        await asyncio.wait_for(client.registered.wait(), 30)
        (reg,) = client.registrations.values()
        globs = [w["globPattern"] for w in reg.register_options["watchers"]]
        site = str(next((root / ".venv" / "lib").glob("python3*/site-packages")))
        assert f"{site}/*.dist-info/**" in globs and "**/requirements*.txt" in globs and "**/pyvenv.cfg" in globs
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: all(d.range.start.line != 3 for d in ds)))
        await asyncio.to_thread(pip_install, bad, "--no-index", "--find-links", str(wheels), "localpkg-q")
        dist_info = next(Path(site).glob("localpkg_q-*.dist-info"))
        client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(changes=[
            t.FileEvent(uri=from_fs_path(str(dist_info / n)), type=t.FileChangeType.Created) for n in ("METADATA", "RECORD")]))
        await waiter


async def test_fix_all_applies_the_preferred_fix(project, server_env):
    root, bad, good = project
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        six = codes(await diagnostics_for(client, uri))["TFL102"]
        fix_all = await code_actions(client, uri, six, only=["source.fixAll"])
        assert [a.kind for a in fix_all] == ["source.fixAll.tfLsp"]
        waiter = asyncio.ensure_future(diagnostics_for(client, uri, lambda ds: "TFL102" not in codes(ds)))
        await run_command(client, fix_all[0].command)         # the preferred fix for six: use good-env
        await waiter
        assert client.notes["tfLsp/interpreterChanged"][-1].python == str(good)


INVALID = [
    ("tfLsp.install", [{"specs": ["six; rm -rf /"]}], "invalid requirement"),
    ("tfLsp.install", [{"specs": ["--index-url=http://x", "six"]}], "invalid requirement"),
    ("tfLsp.install", [{"specs": ["six @ https://example.invalid/six.whl"]}], "only package requirements"),
    ("tfLsp.install", [{"specs": ["six"], "python": "/usr/bin/env"}], "selected interpreter only"),
    ("tfLsp.useInterpreter", [{"python": "/bin/sh-not-there"}], "neither a discovered environment"),
    ("tfLsp.pin", [{"package": "six", "specifier": "=>1"}], "invalid version specifier"),
    ("tfLsp.pin", [{"package": "six;x", "specifier": "==1"}], "invalid package name"),
    ("tfLsp.uninstall", ["six"], "expected one object argument"),
    ("tfLsp.explain", [{"message": 3}], "message must be a string"),
    ("tfLsp.verify", [{"names": "six"}], "names must be a list"),
    ("tfLsp.verify", [{"names": ["six; echo"]}], "invalid package name"),
    ("tfLsp.nope", [], "nope"),
]


async def test_commands_validate_their_arguments(project, server_env):
    root, *_ = project
    async with session("neovim@v0.11.0", root, env=server_env) as client:
        for command, arguments, message in INVALID:
            with pytest.raises(Exception, match=message):
                await run_command(client, t.Command(title="", command=command, arguments=arguments))
        envs = await run_command(client, t.Command(title="", command="tfLsp.listEnvironments", arguments=[]))
        assert {Path(e["path"]).name for e in envs} >= {".venv", "good-env"}
        assert set(envs[0]) >= {"path", "kind", "python", "name", "python_path", "in_workspace"}
        doctor = await run_command(client, t.Command(title="", command="tfLsp.doctor", arguments=[]))
        assert "Interpreter" in doctor["text"] and doctor["json"]["interpreter"]["path"] == str(root / ".venv/bin/python")
        verified = await run_command(client, t.Command(title="", command="tfLsp.verify", arguments=[
            {"names": ["six", "nosuchdist"]}]))
        assert verified["results"] == [] and verified["notInstalled"] == ["six", "nosuchdist"]    # .venv has neither
        assert "nosuchdist: not installed" in verified["text"]
        chosen = await run_command(client, t.Command(title="", command="tfLsp.selectInterpreter", arguments=[
            {"python": str(root / "good-env")}]))                   # an environment folder is accepted too
        assert chosen["python"] == str(root / "good-env" / "bin" / "python")


@pytest.mark.parametrize("client_name", ["visual_studio_code@v1.65.2", "no-file-operations"])
async def test_rename_a_shadowing_file(project, server_env, client_name):
    root, bad, good = project
    (root / "six.py").write_text("X = 1\n")
    (root / "app.py").write_text("import six\n")
    caps = client_capabilities("visual_studio_code@v1.65.2")
    if client_name == "no-file-operations":
        caps.workspace.workspace_edit.resource_operations = []
    async with session(caps, root, env=server_env, init={"interpreter": str(good)}) as client:
        uri = open_doc(client, root / "app.py")
        shadow = codes(await diagnostics_for(client, uri))["TFL107"]
        (rename,) = [a for a in await code_actions(client, uri, shadow)]
        if client_name == "no-file-operations":             # explained instead of offered as an edit
            assert rename.edit is None and rename.command.command == "tfLsp.explain"
            await run_command(client, rename.command)
            assert any("six.py" in m.message and "yourself" in m.message for m in client.messages)
            return
        (op,) = rename.edit.document_changes
        assert isinstance(op, t.RenameFile) and op.old_uri == from_fs_path(str(root / "six.py"))
        apply_workspace_edit(rename.edit)
        assert not (root / "six.py").exists()
        new = Path(to_fs_path(op.new_uri))
        assert new.read_text() == "X = 1\n" and new.parent == root
        client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(changes=[   # as the editor reports it
            t.FileEvent(uri=op.old_uri, type=t.FileChangeType.Deleted),
            t.FileEvent(uri=op.new_uri, type=t.FileChangeType.Created)]))
        assert await diagnostics_for(client, uri, lambda ds: "TFL107" not in codes(ds)) == []


LOCAL_FILES = ["x==1.0+evil.tar.gz", "./evil-1.0-py3-none-any.whl", "evil-1.0-py3-none-any.whl", "x.zip",
               "x.zip[e]", "x===1.0", "six\n", "six; python_version > '3'"]


async def test_local_files_are_not_package_specs(project, server_env):
    """pip installs a local file for any argument ending like an archive: such specs are InvalidParams, and the
    file that would have been installed is never touched."""
    from pygls.exceptions import JsonRpcInvalidParams

    root, bad, _ = project
    for name in ("evil-1.0-py3-none-any.whl", "x.zip"):
        (root / name).write_bytes(b"not an archive")
    async with session("neovim@v0.11.0", root, env=server_env) as client:
        for spec in LOCAL_FILES:
            with pytest.raises(JsonRpcInvalidParams, match="invalid requirement"):
                await run_command(client, t.Command(title="", command="tfLsp.install", arguments=[{"specs": [spec]}]))
        for package in ("six\n", "evil-1.0-py3-none-any.whl", "x.tar.gz"):
            with pytest.raises(JsonRpcInvalidParams, match="invalid package name"):
                await run_command(client, t.Command(title="", command="tfLsp.pin", arguments=[
                    {"package": package, "specifier": "==1"}]))
        with pytest.raises(JsonRpcInvalidParams, match="local version label"):
            await run_command(client, t.Command(title="", command="tfLsp.pin", arguments=[
                {"package": "six", "specifier": "==1.0+evil.tar.gz"}]))
        assert not client.progress_reports                      # nothing was started
    assert (root / "requirements.txt").read_text() == REQUIREMENTS


async def test_pin_edit_positions_are_the_editors_and_unsafe_pins_are_explained(project, server_env):
    """pip breaks lines at U+2028, an editor does not: the edit still lands at the editor's line and UTF-16
    column. A requirement with --hash is not re-pinned: the action explains why, the command is InvalidParams."""
    from pygls.exceptions import JsonRpcInvalidParams

    root, _, good = project
    version = run_in(good, "import importlib.metadata as m; print(m.version('six'))").stdout.strip()
    (root / "requirements.txt").write_text("# caf\u00e9 \u2028 \U0001F600 note\nsix\n", encoding="utf-8")
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        six = codes(await diagnostics_for(client, uri))["TFL102"]
        pin = [a for a in await code_actions(client, uri, six) if a.edit is not None]
        edits = [e for ch in pin[0].edit.document_changes for e in ch.edits]
        assert [(e.range.start.line, e.range.start.character, e.range.end.character, e.new_text) for e in edits] == \
            [(1, 3, 3, f"=={version}")]
        (root / "requirements.txt").write_text(f"six=={version} --hash=sha256:{'0' * 64}\n")
        actions = await code_actions(client, uri, six)
        why = [a for a in actions if a.title.startswith("Pin six") and a.edit is None]
        assert why and why[0].command.command == "tfLsp.explain" and "--hash" in why[0].command.arguments[0]["message"]
        with pytest.raises(JsonRpcInvalidParams, match="--hash"):
            await run_command(client, t.Command(title="", command="tfLsp.pin", arguments=[
                {"package": "six", "specifier": "<2"}]))
    assert (root / "requirements.txt").read_text() == f"six=={version} --hash=sha256:{'0' * 64}\n"
