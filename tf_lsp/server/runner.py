"""Run a fix's command (an argv, never a shell) with $/progress, its output in the client's log, cancellable.

Cancelling (the progress' cancel button, or $/cancelRequest of the executeCommand) kills the process.
"""
from __future__ import annotations

import asyncio
import logging
import os
import uuid

from lsprotocol import types as t

log = logging.getLogger("tf_lsp.server")


class CommandFailed(Exception):
    pass


class Progress:
    """``async with Progress(ls, title) as p``: window/workDoneProgress/create + begin/report/end when the client
    supports it, nothing otherwise. ``p.cancelled`` tells whether the user pressed cancel."""

    def __init__(self, ls, title: str, *, cancellable: bool = False):
        self.ls, self.title, self.cancellable = ls, title, cancellable
        self.token = f"tf-lsp-{uuid.uuid4()}"
        self.active = False

    async def __aenter__(self) -> "Progress":
        window = self.ls.client_capabilities.window
        if window and window.work_done_progress:
            try:
                await self.ls.work_done_progress.create_async(self.token)
                self.ls.work_done_progress.begin(self.token, t.WorkDoneProgressBegin(
                    title=self.title, cancellable=self.cancellable))
                self.active = True
            except Exception as exc:       # a client that refuses progress still gets the work done
                log.info("no progress for %s: %s", self.title, exc)
        return self

    def report(self, message: str) -> None:
        if self.active:
            self.ls.work_done_progress.report(self.token, t.WorkDoneProgressReport(message=message[-100:]))

    @property
    def cancelled(self) -> bool:
        fut = self.ls.work_done_progress.tokens.get(self.token) if self.active else None
        return bool(fut is not None and fut.cancelled())

    async def __aexit__(self, *exc) -> None:
        if self.active:
            self.ls.work_done_progress.end(self.token, t.WorkDoneProgressEnd(
                message="cancelled" if self.cancelled else "done"))
            self.ls.work_done_progress.tokens.pop(self.token, None)


_NOISE = ("WARNING: Location", "[notice]", "DEPRECATION:", "WARNING: You are using pip", "Looking in links",
          "Looking in indexes")


def plain_failure(argv: list[str], code: int, output: list[str]) -> str:
    """The installer's last meaningful line, in plain words."""
    meaningful = [ln.strip() for ln in output if ln.strip() and not ln.strip().startswith(_NOISE)]
    errors = [ln for ln in meaningful if ln.lower().startswith("error") or "No matching distribution" in ln
              or "Could not find a version" in ln or "not found" in ln.lower()]
    last = (errors or meaningful or ["no output"])[-1]
    tool = os.path.basename(argv[0]) if argv else "command"
    if "-m" in argv[1:3] and "pip" in argv[2:4]:
        tool = "pip"
    return f"{tool} failed (exit code {code}): {last.removeprefix('ERROR: ').removeprefix('error: ')}"


async def run_with_progress(ls, argv: list[str], *, title: str, cwd: str | None = None,
                            env: dict | None = None) -> list[str]:
    """Run argv; every output line goes to window/logMessage and the progress; raise CommandFailed on failure."""
    log.info("running: %s", " ".join(argv))
    output: list[str] = []
    async with Progress(ls, title, cancellable=True) as progress:
        proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)

        async def pump():
            assert proc.stdout is not None
            async for raw in proc.stdout:
                line = raw.decode(errors="replace").rstrip()
                output.append(line)
                log.info("%s", line)
                progress.report(line)

        pump_task = asyncio.ensure_future(pump())
        try:
            while not pump_task.done():
                if progress.cancelled:
                    break
                await asyncio.wait([pump_task], timeout=0.2)
        finally:                       # cancelled by the user or by $/cancelRequest: the process goes too
            if proc.returncode is None and (progress.cancelled or not pump_task.done()):
                proc.kill()
                log.info("%s: cancelled, process killed", title)
            pump_task.cancel()
        code = await proc.wait()
        if progress.cancelled:
            raise CommandFailed(f"{title}: cancelled")
    if code != 0:
        raise CommandFailed(plain_failure(argv, code, output))
    return output
