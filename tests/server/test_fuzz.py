"""The protocol under bad input, over real stdio: damaged frames, params of the wrong types, requests before
initialize, untitled documents; and the fuzzer (tests/server/fuzz.py), derandomized with a bounded case count."""
from __future__ import annotations

import json

import pytest

from tests.server.fuzz import RawServer, frame, make_workspace, run

pytestmark = pytest.mark.timeout(300)

FUZZ_CASES = 200


def test_fuzzer_batches_never_wedge_the_server(tmp_path):
    tally = run(FUZZ_CASES, base=tmp_path)
    print(tally.line())
    assert tally.cases == tally.held == FUZZ_CASES


@pytest.fixture()
def server(tmp_path):
    root, env = make_workspace(tmp_path)
    s = RawServer(root, env)
    yield s
    s.close()


def _request(method: str, params, msg_id) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}).encode()


LIST_ENVS = {"command": "tfLsp.listEnvironments", "arguments": []}


def test_requests_before_initialize_get_server_not_initialized(server):
    server.send(frame(_request("workspace/executeCommand", LIST_ENVS, 1)))
    server.send(frame(_request("textDocument/hover", {"textDocument": {"uri": "file:///x.py"},
                                                      "position": {"line": 0, "character": 0}}, 2)))
    server.send(frame(b'{"jsonrpc": "2.0", "method": "initialized", "params": {}}'))       # dropped
    answers = server.wait_for({1, 2})
    for key in ("1", "2"):
        assert answers[key]["error"]["code"] == -32002, answers[key]
    server.initialize()
    assert isinstance(server.probe()["result"], list)


DAMAGED = {
    "missing Content-Length": b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + _request("tfLsp/nothing", None, 90),
    "non-numeric length": b"Content-Length: abc\r\n\r\n" + _request("tfLsp/nothing", None, 91),
    "length too small": frame(_request("tfLsp/nothing", None, 92), length=10),
    "length too large": frame(b'{"jsonrpc": "2.0", "method": "$/x"}', length=5000),
    "truncated body": frame(b'{"jsonrpc": "2.0", "id": 9', length=300),
    "invalid JSON": frame(b"{not json"),
    "garbage": b"\x00\xff garbage \r\n\r\n more",
    "huge length": b"Content-Length: 99999999999999\r\n\r\n{}",
}


@pytest.mark.parametrize("name", list(DAMAGED))
def test_one_damaged_frame_does_not_wedge_the_server(server, name):
    server.initialize()
    server.send(DAMAGED[name])
    assert isinstance(server.probe()["result"], list)
    assert isinstance(server.probe()["result"], list)       # and the one after it


@pytest.mark.parametrize("params", [{"textDocument": 5, "position": "x"}, None, [1, 2], {"position": {"line": "a"}}])
def test_params_of_the_wrong_type_get_an_error_answer(server, params):
    server.initialize()
    server.send(frame(_request("textDocument/hover", params, 7)))
    answer = server.wait_for({7})["7"]
    assert answer["error"]["code"] in (-32602, -32600), answer
    assert isinstance(server.probe()["result"], list)


def test_invalid_json_gets_a_parse_error(server):
    server.initialize()
    server.send(frame(b'{"jsonrpc": "2.0", "id": 3, "method": '))
    got = None
    while got is None:
        msg = server.messages.get(timeout=60)
        if msg and msg.get("id") is None and "error" in msg:
            got = msg
    assert got["error"]["code"] == -32700


@pytest.mark.parametrize("uri", ["untitled:Untitled-1", "git:/proj/main.py?%7B%22ref%22%3A%22HEAD%22%7D"])
async def test_unsaved_documents_are_checked_from_the_first_folder(project, server_env, uri):
    """An ``untitled:`` (or any non-file) document is checked as an unsaved file in the first workspace folder: its
    imports resolve from the folder root (``localmod_u`` lives there), and nothing logs a traceback."""
    from lsprotocol import types as t

    from tests.server.lsp_client import diagnostics_for, session

    root, *_ = project
    (root / "localmod_u.py").write_text("X = 1\n")
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(
            uri=uri, language_id="python", version=1, text="import localmod_u\nimport nosuchmod_untitled\n")))
        ds = await diagnostics_for(client, uri)
        assert [(d.code, d.range.start.line) for d in ds] == [("TFL100", 1)], [(d.code, d.message) for d in ds]
        hover = await client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(1, 9)))
        assert hover is not None and "TFL100" in hover.contents.value
        logs = [m.message for m in client.log_messages]
        assert not any("Traceback" in m for m in logs), logs
