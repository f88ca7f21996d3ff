"""A protocol fuzzer over stdio: batches of random and mutated JSON-RPC frames (bad headers, wrong lengths, truncated
bodies, invalid JSON, params of the wrong types for every method the server registers, unknown methods, huge ids),
each followed by a valid request that the server must answer. Every well-framed request of a batch must be answered
too (with a result or an error).

Frames are drawn with hypothesis; ``run(cases=N)`` draws N batches deterministically (derandomized, no database).
Standalone: ``python -m tests.server.fuzz --cases 300`` prints how many cases were tried and how many held.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

TIMEOUT = 60.0
# Methods the server registers (tf_lsp/server/features/*), and pygls' built-in ones, minus shutdown/exit (which
# legitimately end the session; tested apart).
REQUESTS = ["textDocument/hover", "textDocument/codeAction", "workspace/executeCommand", "codeAction/resolve",
            "textDocument/diagnostic", "textDocument/completion", "workspace/symbol"]
NOTIFICATIONS = ["textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave",
                 "workspace/didChangeConfiguration", "workspace/didChangeWatchedFiles",
                 "workspace/didChangeWorkspaceFolders", "initialized", "$/cancelRequest", "$/setTrace"]
# Commands whose random arguments are fuzzed: every command but those that install, uninstall or switch interpreter
# (a mutated argument list could in principle become a valid one; the fuzzer must never install anything).
COMMANDS = ["tfLsp.doctor", "tfLsp.explain", "tfLsp.fixAll", "tfLsp.listEnvironments", "tfLsp.verify", "tfLsp.pin",
            "tfLsp.selectInterpreter", "tfLsp.noSuchCommand"]


# --- a raw client ----------------------------------------------------------------------------------------------------

class RawServer:
    """The real server in a subprocess, spoken to with raw bytes; its output is parsed into messages by a thread."""

    def __init__(self, root: Path, env: dict):
        self.root = root
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "tf_lsp", "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, env=env, cwd=root)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 1_000_000
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                m = re.match(rb"Content-Length:\s*(\d+)", line, re.I)
                if m:
                    length = int(m.group(1))
            body = out.read(length or 0)
            try:
                self.messages.put(json.loads(body))
            except ValueError:
                self.messages.put({"unparseable": body.decode("utf-8", "replace")})

    def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send_message(self, obj: dict) -> None:
        self.send(frame(json.dumps(obj).encode()))

    def request(self, method: str, params) -> int:
        self.next_id += 1
        self.send_message({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait_for(self, ids: set, *, timeout: float = TIMEOUT) -> dict:
        """Read until every id in ``ids`` is answered (answers keyed by ``_key(id)``); answer the server's own
        requests on the way."""
        answers: dict = {}
        pending = {_key(i) for i in ids}
        while pending:
            try:
                msg = self.messages.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no answer within {timeout} s to ids {sorted(pending, key=str)[:5]}") from None
            if msg is None:
                raise AssertionError(f"the server exited (code {self.proc.poll()}): {self.stderr_tail()}")
            if "method" in msg and "id" in msg:             # a request from the server: answer it
                self.send_message({"jsonrpc": "2.0", "id": msg["id"], "result": _client_result(msg)})
                continue
            if "id" in msg and "method" not in msg:
                key = _key(msg["id"])
                if key in pending:
                    pending.discard(key)
                    answers[key] = msg
        return answers

    def initialize(self) -> None:
        from pygls.uris import from_fs_path

        uri = from_fs_path(str(self.root))
        i = self.request("initialize", {"processId": None, "rootUri": uri, "capabilities": {},
                                        "workspaceFolders": [{"uri": uri, "name": self.root.name}]})
        self.wait_for({i})
        self.send_message({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def probe(self) -> dict:
        """The valid request after each batch: must be answered with a result."""
        i = self.request("workspace/executeCommand", {"command": "tfLsp.listEnvironments", "arguments": []})
        answer = self.wait_for({i})[_key(i)]
        assert "result" in answer, answer
        return answer

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-3000:]

    def close(self) -> None:
        try:
            i = self.request("shutdown", None)
            self.wait_for({i}, timeout=20)
            self.send_message({"jsonrpc": "2.0", "method": "exit"})
            self.proc.stdin.close()
            self.proc.wait(timeout=20)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def _client_result(msg: dict):
    if msg.get("method") == "workspace/configuration":
        return [None for _ in (msg.get("params") or {}).get("items", [])]
    return None


def _key(msg_id):
    return json.dumps(msg_id, sort_keys=True)


def frame(body: bytes, *, length: int | None = None, header: bytes | None = None) -> bytes:
    head = header if header is not None else b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length)
    return head + body


# --- what a batch is made of -----------------------------------------------------------------------------------------

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                      st.text(max_size=20))
json_value = st.recursive(json_leaf, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                          max_leaves=12)
weird_ids = st.one_of(st.integers(-2**70, 2**70), st.text(max_size=30), st.just(10**40), st.floats(allow_nan=False),
                      st.just(None), st.lists(st.integers(), max_size=2), st.just(True))

DOC = "file:///nonexistent/fuzz.py"
SKELETONS = {
    "textDocument/hover": {"textDocument": {"uri": DOC}, "position": {"line": 0, "character": 0}},
    "textDocument/codeAction": {"textDocument": {"uri": DOC}, "range": {"start": {"line": 0, "character": 0},
                                "end": {"line": 0, "character": 1}}, "context": {"diagnostics": []}},
    "workspace/executeCommand": {"command": "tfLsp.listEnvironments", "arguments": []},
    "textDocument/didOpen": {"textDocument": {"uri": DOC, "languageId": "python", "version": 1, "text": "import os\n"}},
    "textDocument/didChange": {"textDocument": {"uri": DOC, "version": 2}, "contentChanges": [{"text": "import os\n"}]},
    "textDocument/didClose": {"textDocument": {"uri": DOC}},
    "textDocument/didSave": {"textDocument": {"uri": DOC}},
    "workspace/didChangeConfiguration": {"settings": {"tfLsp": {"severity": {}}}},
    "workspace/didChangeWatchedFiles": {"changes": [{"uri": DOC, "type": 2}]},
    "workspace/didChangeWorkspaceFolders": {"event": {"added": [], "removed": []}},
}


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _replace(obj, path, value):
    if not path:
        return value
    obj = json.loads(json.dumps(obj))
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return obj


@st.composite
def params_for(draw, method: str):
    """A skeleton of valid params with one part replaced by a value of any type, or random params altogether."""
    skeleton = SKELETONS.get(method)
    if skeleton is None or draw(st.integers(0, 4)) == 0:
        return draw(json_value)
    paths = list(_paths(skeleton))
    path = draw(st.sampled_from(paths))
    params = _replace(skeleton, path, draw(json_value))
    if method == "workspace/executeCommand" and isinstance(params, dict) and draw(st.booleans()):
        params["command"] = draw(st.sampled_from(COMMANDS))
        params["arguments"] = draw(st.one_of(json_value, st.lists(json_value, max_size=3)))
    return params


@dataclass
class Part:
    data: bytes
    expect: object = None       # an id the server must answer (a well-framed request with a valid id)
    kind: str = ""


@st.composite
def messages(draw) -> tuple[dict, object]:
    """(message object, id that must be answered or None)."""
    kind = draw(st.sampled_from(["request", "notification", "unknown", "badid", "nojsonrpc", "response"]))
    if kind == "request":
        method = draw(st.sampled_from(REQUESTS))
        i = draw(st.integers(1, 2**31))
        return {"jsonrpc": "2.0", "id": i, "method": method, "params": draw(params_for(method))}, i
    if kind == "notification":
        method = draw(st.sampled_from(NOTIFICATIONS))
        return {"jsonrpc": "2.0", "method": method, "params": draw(params_for(method))}, None
    if kind == "unknown":
        i = draw(st.integers(1, 2**31))
        method = draw(st.one_of(st.text(max_size=30), st.sampled_from(["tfLsp/nothing", "$/x", "textDocument/nope"])))
        return {"jsonrpc": "2.0", "id": i, "method": method, "params": draw(json_value)}, i
    if kind == "badid":
        i = draw(weird_ids)
        valid = isinstance(i, (int, str)) and not isinstance(i, bool)
        return {"jsonrpc": "2.0", "id": i, "method": "textDocument/hover",
                "params": draw(params_for("textDocument/hover"))}, (i if valid else None)
    if kind == "nojsonrpc":
        return draw(st.dictionaries(st.sampled_from(["id", "method", "params", "jsonrpc", "x"]), json_value)), None
    return {"jsonrpc": "2.0", "id": draw(weird_ids), "result": draw(json_value)}, None


@st.composite
def parts(draw) -> Part:
    how = draw(st.sampled_from(["good", "good", "good", "short", "long", "nolength", "badlength", "garbage",
                                "truncated", "notjson", "lfonly", "extraheader", "huge", "array"]))
    msg, expect = draw(messages())
    body = json.dumps(msg).encode()
    if how == "good":
        return Part(frame(body), expect, how)
    if how == "extraheader":
        return Part(frame(body, header=b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
                                       b"Content-Length: %d\r\n\r\n" % len(body)), expect, how)
    if how == "lfonly":
        return Part(b"Content-Length: %d\n\n" % len(body) + body, None, how)
    if how == "short":
        return Part(frame(body, length=max(0, len(body) - draw(st.integers(1, 40)))), None, how)
    if how == "long":
        return Part(frame(body, length=len(body) + draw(st.integers(1, 4000))), None, how)
    if how == "nolength":
        return Part(b"Content-Type: text/plain\r\n\r\n" + body, None, how)
    if how == "badlength":
        value = draw(st.sampled_from([b"abc", b"-5", b"", b"1e3", b"0x10", b"99999999999999999999", b" 12 34"]))
        return Part(b"Content-Length: " + value + b"\r\n\r\n" + body, None, how)
    if how == "garbage":
        return Part(draw(st.binary(max_size=200)), None, how)
    if how == "truncated":
        cut = draw(st.integers(0, max(0, len(body) - 1)))
        return Part(frame(body[:cut], length=len(body)), None, how)
    if how == "notjson":
        junk = draw(st.one_of(st.binary(min_size=1, max_size=100), st.just(b"{"), st.just(b"\xff\xfe"),
                              st.just(b"[" * 5000)))
        return Part(frame(junk), None, how)
    if how == "huge":
        return Part(b"Content-Length: %d\r\n\r\n" % (2**40) + body, None, how)
    return Part(frame(json.dumps([msg, msg]).encode()), None, how)


batches = st.lists(parts(), min_size=1, max_size=6)


@dataclass
class Tally:
    cases: int = 0
    held: int = 0
    frames: int = 0
    kinds: dict = field(default_factory=dict)

    def line(self) -> str:
        return (f"protocol fuzz: {self.cases} cases ({self.frames} frames), {self.held} held, "
                f"{self.cases - self.held} failed")


def run_batch(server: RawServer, batch: list[Part], tally: Tally) -> None:
    """Send one batch in a single write, then the probe; every expected id and the probe must be answered."""
    tally.cases += 1
    tally.frames += len(batch)
    for p in batch:
        tally.kinds[p.kind] = tally.kinds.get(p.kind, 0) + 1
    # A frame after a damaged one may be swallowed by it (a too-long length eats what follows until the next header
    # proves it wrong): only requests that follow well-framed frames are owed an answer.
    expected, clean = set(), True
    for p in batch:
        if clean and p.expect is not None:
            expected.add(p.expect)
        clean = clean and p.kind in ("good", "extraheader")
    # Ids may repeat within a batch (hypothesis draws small ints): one answer per id is what is checked.
    server.send(b"".join(p.data for p in batch))
    server.next_id += 1
    probe_id = server.next_id
    server.send_message({"jsonrpc": "2.0", "id": probe_id, "method": "workspace/executeCommand",
                         "params": {"command": "tfLsp.listEnvironments", "arguments": []}})
    answers = server.wait_for(expected | {probe_id})
    assert "result" in answers[_key(probe_id)], answers[_key(probe_id)]
    tally.held += 1


def make_workspace(base: Path) -> tuple[Path, dict]:
    root = base / "fuzzproj"
    root.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    (root / "main.py").write_text("import os\nimport nosuchmod_fuzz\n")
    home = base / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), PYENV_ROOT=str(home / ".pyenv"), PATH="/usr/local/bin:/usr/bin:/bin",
               TF_LSP_CACHE_DIR=str(base / "cache"))
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "PYENV_VERSION"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")])
    return root, env


def run(cases: int, *, seed: int = 0, base: Path | None = None) -> Tally:
    """Draw ``cases`` batches (deterministic for a seed) against one server; stop at the first that does not hold."""
    from hypothesis import HealthCheck, Phase, given, settings

    owned = base is None
    base = Path(tempfile.mkdtemp(prefix="tf-lsp-fuzz-")) if owned else base
    root, env = make_workspace(base)
    server = RawServer(root, env)
    tally = Tally()
    try:
        server.initialize()
        server.probe()

        from hypothesis import seed as hseed

        @settings(max_examples=cases, derandomize=not seed, database=None, deadline=None, phases=(Phase.generate,),
                  suppress_health_check=list(HealthCheck))
        @given(batch=batches)
        def one(batch):
            run_batch(server, batch, tally)

        if seed:
            one = hseed(seed)(one)
        try:
            one()
        except Exception as exc:
            raise AssertionError(f"{tally.line()}; stderr of the server:\n{server.stderr_tail()}") from exc
        assert server.proc.poll() is None, "the server exited"
    finally:
        server.close()
        if owned:
            shutil.rmtree(base, ignore_errors=True)
    return tally


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.server.fuzz", description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0, help="0: derandomized (the same cases every run)")
    args = ap.parse_args(argv)
    try:
        tally = run(args.cases, seed=args.seed)
    except AssertionError as exc:
        print(exc)
        return 1
    print(tally.line())
    print("frame kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
