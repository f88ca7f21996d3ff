"""Timing and memory of child processes, and a minimal LSP client over stdio (JSON-RPC with Content-Length framing).

A child's wall time is taken around ``os.wait4``; its peak RSS (with the children it waited for, e.g. node under
pyright's wrapper, or tf-lsp's worker processes) comes from GNU time, see ``run_once``.
"""
from __future__ import annotations

import json
import os
import queue
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_mb: float
    returncode: int
    output: str


GNU_TIME = Path("/usr/bin/time")


def run_once(argv: list[str], *, env: dict | None = None, cwd: Path | None = None, timeout: float = 900) -> Sample:
    """Wall time around ``os.wait4``; peak RSS from GNU time's ``%M`` when it is installed. (Linux carries a parent's
    RSS into a forked child's ``ru_maxrss`` across ``exec``, so ``wait4``'s own figure has this driver's RSS as its
    floor; GNU time's child is forked from a 2 MB process. Without it, that floored figure is what we have.)"""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as rss:
        wrapped = [str(GNU_TIME), "-f", "%M", "-o", rss.name, *argv] if GNU_TIME.exists() else argv
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
        lines = rss.read().split()
        max_rss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else usage.ru_maxrss
    return Sample(seconds, max_rss_kb / 1024, proc.returncode, text[-4000:])


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


class LspClient:
    """Starts a server, answers its requests with defaults, and waits for notifications."""

    def __init__(self, argv: list[str], *, env: dict, cwd: Path):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, cwd=cwd)
        self._lock = threading.Lock()
        self._next = 0
        self.inbox: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _send(self, message: dict) -> None:
        body = json.dumps(dict(jsonrpc="2.0", **message)).encode()
        with self._lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(stream.read(length))
            arrived = time.perf_counter()
            if "method" in msg and "id" in msg:          # a request from the server: answer with defaults
                result = None
                if msg["method"] == "workspace/configuration":
                    result = [{} for _ in msg["params"]["items"]]
                self._send({"id": msg["id"], "result": result})
                continue
            self.inbox.put((arrived, msg))

    def request(self, method: str, params, *, timeout: float = 300):
        self._next += 1
        ident = self._next
        self._send({"id": ident, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == ident, timeout=timeout)[1].get("result")

    def notify(self, method: str, params) -> None:
        self._send({"method": method, "params": params})

    def wait(self, accept, *, timeout: float = 300) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while True:
            item = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            if item is None:
                raise RuntimeError("the server exited")
            if accept(item[1]):
                return item

    def diagnostics_for(self, uri: str, *, timeout: float = 300) -> tuple[float, dict]:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri, timeout=timeout)

    def initialize(self, root: Path) -> None:
        caps = {"textDocument": {"publishDiagnostics": {"relatedInformation": True},
                                 "synchronization": {"didSave": True}},
                "workspace": {"configuration": True, "workspaceFolders": True}}
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": caps,
                                    "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}]})
        self.notify("initialized", {})

    def open(self, path: Path, text: str, *, version: int = 1) -> float:
        started = time.perf_counter()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "python",
                                                              "version": version, "text": text}})
        return started

    def change(self, path: Path, text: str, *, version: int) -> float:
        started = time.perf_counter()
        self.notify("textDocument/didChange", {"textDocument": {"uri": path.as_uri(), "version": version},
                                               "contentChanges": [{"text": text}]})
        return started

    def rss_mb(self) -> tuple[float, float]:
        """Current and peak resident memory of the server process (VmRSS, VmHWM)."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines())
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        except (OSError, RuntimeError, queue.Empty):
            self.proc.kill()
            self.proc.wait()
