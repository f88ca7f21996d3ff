"""A hostile workspace and a careless user, against the real server over stdio (issue 13's security holes).

Each "must never run" case plants code that writes a marker file — a ``sitecustomize.py`` on a ``.env`` PYTHONPATH,
a ``.pth`` import line in an environment's site-packages, a ``pip/__main__.py`` in the workspace, a wheel with a
``.pth`` on a find-links folder named by the project's ``[tool.uv.pip]``, an executable that is no interpreter —
and asserts that the marker never appears. The environments and the installs are real.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as t
from pygls.uris import from_fs_path

from tests.envfactory import uv_executable
from tests.server.lsp_client import code_actions, diagnostics_for, open_doc, run_command, session, wait_for
from tests.wheelmaker import build_wheel, make_venv, run_in

VSCODE = "visual_studio_code@v1.65.2"


def site_packages(python: Path) -> Path:
    (sp,) = (python.parent.parent / "lib").glob("python3*/site-packages")
    return sp


def plant_pth(site: Path, marker: Path, name: str = "zz_marker.pth") -> None:
    """A .pth import line: runs whenever that environment's ``site`` runs."""
    (site / name).write_text(f"import os; open({str(marker)!r}, 'w').close()\n")


def marker_code(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').close()\n"


# --- 1. .env reaches no process when trust is off ---------------------------------------------------------------

async def test_untrusted_env_file_runs_nothing_and_resolution_stays_right(tmp_path, server_env):
    ws = tmp_path / "ws"
    (ws / "evil").mkdir(parents=True)
    marker_env, marker_pth = tmp_path / "ran-sitecustomize", tmp_path / "ran-pth"
    (ws / "evil" / "sitecustomize.py").write_text(marker_code(marker_env))
    (ws / "evil" / "envmod.py").write_text("X = 1\n")
    (ws / ".env").write_text(f"PYTHONPATH={ws / 'evil'}\nPYTHONSTARTUP={ws / 'evil' / 'sitecustomize.py'}\n")
    outside = make_venv(tmp_path / "outside-env")                  # the interpreter lives outside the workspace
    site = site_packages(outside)
    (tmp_path / "pthdir" / "pthmod").mkdir(parents=True)
    (tmp_path / "pthdir" / "pthmod" / "__init__.py").write_text("")
    (site / "paths.pth").write_text(str(tmp_path / "pthdir") + "\n")   # a path line: followed, as text
    plant_pth(site, marker_pth)                                          # an import line: never run untrusted
    (ws / "main.py").write_text("import envmod\nimport pthmod\nimport nosuchmod_q\n")
    init = {"trustedWorkspace": False, "interpreter": str(outside)}
    async with session(VSCODE, ws, env=server_env, init=init) as client:
        uri = open_doc(client, ws / "main.py")
        ds = await diagnostics_for(client, uri)
        assert [d.range.start.line for d in ds] == [2], [(d.code, d.message) for d in ds]   # only nosuchmod_q
        assert client.notes["tfLsp/status"][-1].python == str(outside)
    assert not marker_env.exists(), ".env PYTHONPATH made the probe run the workspace's sitecustomize.py"
    assert not marker_pth.exists(), "the untrusted probe ran site (and a .pth import line)"


# --- 2. a settings change never drops trust ---------------------------------------------------------------------

@pytest.fixture()
def trapped_venv(tmp_path):
    """A workspace whose .venv runs a marker-writing .pth as soon as its interpreter starts with site."""
    ws = tmp_path / "ws"
    ws.mkdir()
    venv = make_venv(ws / ".venv")
    marker = tmp_path / "venv-ran"
    plant_pth(site_packages(venv), marker)
    (ws / "main.py").write_text("import nosuchmod_q\n")
    return ws, venv, marker


async def test_partial_settings_change_keeps_trust_off(trapped_venv, server_env):
    ws, venv, marker = trapped_venv
    async with session("neovim@v0.11.0", ws, env=server_env, init={"trustedWorkspace": False}) as client:
        uri = open_doc(client, ws / "main.py")
        await diagnostics_for(client, uri)
        client.workspace_did_change_configuration(t.DidChangeConfigurationParams(
            settings={"tfLsp": {"severity": {"TFL100": "hint"}}}))
        ds = await diagnostics_for(client, uri, lambda ds: ds and ds[0].severity == t.DiagnosticSeverity.Hint)
        assert ds[0].code == "TFL100"                       # the new key took effect ...
        assert not marker.exists(), "a settings change without trustedWorkspace turned trust back on"
        client.workspace_did_change_configuration(t.DidChangeConfigurationParams(   # ... and explicit trust does
            settings={"tfLsp": {"trustedWorkspace": True}}))
        await wait_for(client, "tfLsp/status", lambda s: s.python == str(venv))
        assert marker.exists()


# --- 3. a file outside every folder inherits the most restrictive trust ----------------------------------------

async def test_file_outside_the_folders_inherits_trust_off(trapped_venv, tmp_path, server_env):
    declared, _, _ = trapped_venv
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text("[project]\nname = 'other'\nversion = '0'\n")
    venv = make_venv(other / ".venv")
    marker = tmp_path / "other-venv-ran"
    plant_pth(site_packages(venv), marker)
    (other / "script.py").write_text("import nosuchmod_q\n")
    scoped = {from_fs_path(str(declared)): {"trustedWorkspace": False}}      # trust given per folder only
    async with session(VSCODE, declared, env=server_env, scoped=scoped) as client:
        uri = open_doc(client, other / "script.py")
        ds = await diagnostics_for(client, uri)
        assert [d.code for d in ds] == ["TFL100"]
        assert "not trusted" in client.notes["tfLsp/status"][-1].why
    assert not marker.exists(), "a file outside the folders ran its directory's .venv despite trust off"


# --- 4. the workspace cannot replace pip ------------------------------------------------------------------------

async def test_install_fix_runs_the_real_pip_from_a_neutral_folder(project, server_env, wheels, tmp_path):
    root, bad, _ = project
    marker = tmp_path / "fake-pip-ran"
    (root / "pip").mkdir()
    (root / "pip" / "__init__.py").write_text("")
    (root / "pip" / "__main__.py").write_text(marker_code(marker))
    build_wheel(root / "evil-wheels", "localpkg-q", "9.0", {"localpkg_q/__init__.py": "VALUE = 'evil'\n"})
    (root / "pip.conf").write_text(f"[global]\nfind-links = {root / 'evil-wheels'}\n")          # pip never reads cwd
    (root / ".env").write_text(f"PIP_FIND_LINKS={root / 'evil-wheels'}\nPIP_CONFIG_FILE={root / 'pip.conf'}\n")
    env = dict(server_env, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PYTHONPATH=str(root))
    async with session(VSCODE, root, env=env) as client:
        uri = open_doc(client, root / "main.py")
        local = [d for d in await diagnostics_for(client, uri) if d.range.start.line == 3][0]
        (install,) = [a for a in await code_actions(client, uri, local) if a.command and a.command.command == "tfLsp.install"]
        assert await run_command(client, install.command) == {"ok": True}
        assert not marker.exists(), "the workspace's pip/__main__.py ran instead of pip"
        assert run_in(bad, "import localpkg_q; assert localpkg_q.VALUE == 1", cwd=tmp_path).returncode == 0
        fix = next(f for f in local.data["fixes"] if f["action"] == "install")
        assert fix["command"][1:4] == ["-I", "-m", "pip"]                # .venv has no pip: the server's, --python
        assert not Path(fix["args"]["cwd"]).is_relative_to(root)
        assert install.title.endswith(f"from {wheels} only (no index)"), install.title
        assert any(m.message == "running: " + " ".join(fix["command"]) for m in client.log_messages)   # as shown


# --- 5. uv does not follow the workspace's index settings -------------------------------------------------------

@pytest.mark.skipif(uv_executable() is None, reason="uv is not installed")
@pytest.mark.parametrize("opt_in", [False, True])
async def test_uv_ignores_the_projects_index_unless_opted_in(tmp_path, server_env, opt_in):
    uv = uv_executable()
    ws = tmp_path / "ws"
    ws.mkdir()
    marker = tmp_path / "evil-wheel-ran"
    build_wheel(ws / "wheels", "numpy", "99.0", {"numpy/__init__.py": "", "numpy_evil.pth": f"import os; {marker_code(marker)}"})
    (ws / "pyproject.toml").write_text('[project]\nname = "ws"\nversion = "0"\n\n'
                                       '[tool.uv.pip]\nno-index = true\nfind-links = ["./wheels"]\n')
    good = tmp_path / "good-wheels"                     # the user's own uv.toml (outside the workspace) names these
    build_wheel(good, "numpy", "1.0", {"numpy/__init__.py": ""})
    user_cfg = Path(server_env["HOME"]) / ".config" / "uv" / "uv.toml"
    user_cfg.parent.mkdir(parents=True)
    user_cfg.write_text(f'[pip]\nno-index = true\nfind-links = ["{good}"]\n')
    subprocess.run([uv, "venv", "--python", sys.executable, str(ws / ".venv")], check=True, capture_output=True,
                   cwd=tmp_path, env=dict(os.environ, UV_CACHE_DIR=str(tmp_path / "uvcache")))
    venv = ws / ".venv" / "bin" / "python"
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "uv").symlink_to(uv)
    env = dict(server_env, PATH=f"{tools}:{server_env['PATH']}", UV_OFFLINE="1", UV_CACHE_DIR=str(tmp_path / "uvcache"))
    (ws / "main.py").write_text("import numpy\n")
    async with session(VSCODE, ws, env=env, init={"installerUsesProjectConfig": opt_in}) as client:
        uri = open_doc(client, ws / "main.py")
        (missing,) = await diagnostics_for(client, uri)
        fix = next(f for f in missing.data["fixes"] if f["action"] == "install")
        assert fix["args"]["manager"] == "uv"
        assert ("--no-config" in fix["command"]) is not opt_in
        assert fix["title"].endswith(f"from {good} only (no index)" + (" or the project's uv settings" if opt_in else ""))
        result = await run_command(client, t.Command(title="", command="tfLsp.install", arguments=[
            {"uri": from_fs_path(str(ws)), "specs": fix["args"]["specs"]}]))
    assert result == {"ok": True}, result
    installed = {p.name for p in site_packages(venv).glob("numpy-*.dist-info")}
    if opt_in:                                              # the user said so, in a trusted workspace
        assert installed == {"numpy-99.0.dist-info"}
    else:
        assert installed == {"numpy-1.0.dist-info"}, "uv installed the wheel the workspace's pyproject pointed at"
        run_in(venv, "pass", cwd=tmp_path)
        assert not marker.exists()


# --- 7. only interpreters tf-lsp found ---------------------------------------------------------------------------

async def test_use_interpreter_refuses_an_arbitrary_executable(project, server_env, tmp_path):
    root, bad, good = project
    marker = tmp_path / "fake-python-ran"
    fake = tmp_path / "bin" / "python3"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{}}'\n")
    fake.chmod(0o755)
    async with session("neovim@v0.11.0", root, env=server_env) as client:
        for python in (str(fake), str(fake.parent.parent), "/bin/sh"):
            with pytest.raises(Exception, match="neither a discovered environment"):
                await run_command(client, t.Command(title="", command="tfLsp.useInterpreter", arguments=[
                    {"python": python, "uri": from_fs_path(str(root))}]))
        chosen = await run_command(client, t.Command(title="", command="tfLsp.useInterpreter", arguments=[
            {"python": str(good), "uri": from_fs_path(str(root))}]))         # a discovered one still works
        assert chosen["python"] == str(good)
    assert not marker.exists(), "useInterpreter ran an executable that discovery never found"


# --- 8. fix-all carries text edits only ---------------------------------------------------------------------------

async def test_fix_all_never_installs_or_switches(project, server_env, wheels, tmp_path):
    root, bad, good = project
    env = dict(server_env, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    async with session(VSCODE, root, env=env) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        preferred = {f["action"] for d in ds for f in d.data["fixes"] if f["preferred"]}
        assert {"use-interpreter", "install"} <= preferred          # what fix-all used to run on save
        actions = await code_actions(client, uri, ds[0], only=["source.fixAll"])
        assert all(a.command is None for a in actions), [a.command for a in actions]
        for action in actions:
            assert action.kind == "source.fixAll.tfLsp" and action.edit is not None
            assert not [c for c in action.edit.document_changes or [] if not isinstance(c, t.TextDocumentEdit)]
        result = await run_command(client, t.Command(title="", command="tfLsp.fixAll", arguments=[{"uri": uri}]))
        assert result == {"applied": False}                  # nothing here is a text edit
        await client.workspace_execute_command_async(t.ExecuteCommandParams(command="tfLsp.listEnvironments"))
        assert "tfLsp/interpreterChanged" not in client.notes
        assert client.notes["tfLsp/status"][-1].python == str(bad)
    assert run_in(bad, "import localpkg_q", cwd=tmp_path).returncode != 0, "fix-all installed a package"


# --- hostile interpreters ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["printf '\\377\\376junk\\n'\n", "echo '{\"version\": [3, 11, 7]}'\n"],
                         ids=["junk-bytes", "wrong-json"])
async def test_a_hostile_interpreter_gives_tfl190_once_and_the_server_goes_on(tmp_path, server_env, body):
    ws = tmp_path / "ws"
    ws.mkdir()
    fake = tmp_path / "fake" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n" + body)
    fake.chmod(0o755)
    (ws / "main.py").write_text("import os\nimport numpy\nimport nosuchmod_q\n")
    async with session("neovim@v0.11.0", ws, env=server_env, init={"interpreter": str(fake)}) as client:
        uri = open_doc(client, ws / "main.py")
        ds = await diagnostics_for(client, uri)
        assert [d.code for d in ds] == ["TFL190"], [(d.code, d.message) for d in ds]
        assert "unexpected" in ds[0].message
        status = client.notes["tfLsp/status"][-1]
        assert status.broken is True and status.pythonVersion is None
        hover = await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(0, 8)))
        assert hover is not None                                            # still serving
