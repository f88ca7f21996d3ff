"""The hostile-workspace suite: every case of ``cases.CASES`` attacked through every entry point.

Trust off four ways — ``initializationOptions``, ``workspace/configuration``, a later ``didChangeConfiguration``
that carries only other keys, and a file outside every workspace folder whose client declared trust off for its
folder — must never run the payload. The controls prove the marker can be seen: with trust on (and through the CLI,
which trusts the folder a person points it at) the payloads whose code path is meant to run do create it, and the
ones tf-lsp must never run (``setup.py``, ``conftest.py``, the workspace's pip, index settings) still do not.
"""
from __future__ import annotations

import os

import pytest
from pygls.uris import from_fs_path

from tests.hostile.cases import CASES, Case, Ctx, available
from tests.hostile.drive import drive_server, run_cli, session

pytestmark = pytest.mark.hostile

VSCODE, NEOVIM = "visual_studio_code@v1.65.2", "neovim@v0.11.0"
UNTRUSTED = {"init": VSCODE, "config": NEOVIM, "change": VSCODE, "outside": NEOVIM}
# Each case meets trust off in one of the four ways (round robin, so each way meets a quarter of the cases);
# TFLSP_HOSTILE_FULL=1 attacks every case in all four ways (four times the server sessions).
FULL = os.environ.get("TFLSP_HOSTILE_FULL") == "1"
MODES = list(UNTRUSTED)
PARAMS = ([pytest.param(mode, case, id=f"{mode}-{case.name}") for i, case in enumerate(CASES)
           for mode in (MODES if FULL else [MODES[i % len(MODES)]])]
          + [pytest.param("trusted", case, id=f"trusted-{case.name}") for case in CASES if case.trusted]
          + [pytest.param("cli", case, id=f"cli-{case.name}") for case in CASES if case.cli])


def workspace_pythons(ctx: Ctx) -> list[str]:
    """Every interpreter-looking file a case planted (offered to useInterpreter as a careless user would type it)."""
    found = [*ctx.ws.glob("*/bin/python"), *ctx.ws.glob("*/*/bin/python"), *ctx.outside.parent.glob("*/bin/python")]
    return sorted({str(p) for p in found})


def describe(ctx: Ctx) -> str:
    return f"payload ran: {ctx.marker} exists"


async def run_server(mode: str, case: Case, ctx: Ctx, env: dict) -> list[str]:
    """Drive the server; its log (window/logMessage), for the failure message."""
    settings = case.settings(ctx)
    kwargs: dict = {"env": env}
    roots = ctx.ws
    if mode in ("init", "change"):
        kwargs["init"] = dict(settings, trustedWorkspace=False)
    elif mode == "config":
        kwargs["settings"] = dict(settings, trustedWorkspace=False)
    elif mode == "outside":                     # trust declared off for the only folder; the file lives elsewhere
        roots = ctx.ws.parent / "declared"
        roots.mkdir()
        kwargs["init"] = settings               # the case's settings reach the outside file (initializationOptions)
        kwargs["scoped"] = {from_fs_path(str(roots)): {"trustedWorkspace": False}}
    else:
        kwargs["init"] = dict(settings, trustedWorkspace=True)
    async with session(UNTRUSTED.get(mode, VSCODE), roots, **kwargs) as client:
        try:
            await drive_server(client, ctx.ws, extra_python=workspace_pythons(ctx), notebook=case.notebook,
                               virtual=case.virtual, change_config=mode == "change", installs=case.installs)
        finally:
            log = [m.message for m in client.log_messages]
    return log


@pytest.mark.parametrize(("mode", "case"), PARAMS)
async def test_hostile_workspace(mode: str, case: Case, hostile_ctx: Ctx, hostile_env: dict):
    why = available(case, hostile_ctx.preload)
    if why:
        pytest.skip(why)
    ctx = hostile_ctx
    case.plant(ctx)
    log: list[str] = []
    if mode == "cli":
        results = run_cli(ctx.ws, hostile_env)
        assert all(r.returncode in (0, 1) for r in results), [(r.args, r.stderr[-2000:]) for r in results]
        expect = case.cli
    else:
        log = await run_server(mode, case, ctx, hostile_env)
        expect = "fires" if mode == "trusted" and case.trusted == "fires" else "never"
    if expect == "fires":
        assert ctx.marker.exists(), f"control: the payload of {case.name} should have run ({mode}) but did not"
    else:
        assert not ctx.marker.exists(), describe(ctx) + "\nserver log:\n" + "\n".join(log[-40:])
