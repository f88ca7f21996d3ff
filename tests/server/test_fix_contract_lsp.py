"""The fix contract end to end: the CLI's JSON and the editor's code actions list the same fixes for the same file
(pins included: the engine makes them), and a diagnostic whose data is malformed is logged, not silently dropped."""
from __future__ import annotations

import json
import subprocess
import sys

from lsprotocol import types as t

from tests.server.lsp_client import code_actions, diagnostics_for, open_doc, session


def _cli_fixes(root, env) -> dict[tuple[str, int], list[str]]:
    out = subprocess.run([sys.executable, "-m", "tf_lsp", "check", "--format", "json", "main.py"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 1), out.stderr
    report = json.loads(out.stdout)
    (entry,) = report["files"]
    return {(d["code"], d["range"]["start"]["line"]): [fx["title"] for fx in d["fixes"]] for d in entry["diagnostics"]}


async def test_cli_json_and_code_actions_list_the_same_fixes(project, server_env):
    root, *_ = project
    cli = _cli_fixes(root, server_env)
    assert any(title.startswith("Pin six==") for titles in cli.values() for title in titles), cli   # engine-made pin
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        editor = {}
        for d in ds:
            assert isinstance(d.data, dict) and d.data["v"] == 1
            editor[(d.code, d.range.start.line)] = [a.title for a in await code_actions(client, uri, d)]
    assert editor == cli


async def test_malformed_data_is_logged_and_the_published_fixes_stand(project, server_env):
    root, *_ = project
    async with session("neovim@v0.11.0", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        six = [d for d in await diagnostics_for(client, uri) if d.code == "TFL102"][0]
        good = [a.title for a in await code_actions(client, uri, six)]
        broken = t.Diagnostic(range=six.range, message=six.message, code=six.code, source=six.source,
                              data={"v": 1, "fixes": [{"title": "x", "action": "format-disk", "args": {}}]})
        again = [a.title for a in await code_actions(client, uri, broken)]
        assert again == good and good
        logged = [m.message for m in client.log_messages if "malformed data" in m.message]
        assert logged and "unknown fix action 'format-disk'" in logged[0]
