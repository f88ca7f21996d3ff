"""Run a fix's command (an argv, never a shell) with $/progress, its output in the client's log, cancellable."""
from __future__ import annotations

import asyncio
import logging
import os
import uuid

from lsprotocol import types as t

log = logging.getLogger("tf_lsp.server")


class CommandFailed(Exception):
    pass


def plain_failure(argv: list[str], code: int, output: list[str]) -> str:
    """The installer's last meaningful line, in plain words."""
    meaningful = [l.strip() for l in output if l.strip() and not l.strip().startswith(("WARNING: Location", "[notice]"))]
    errors = [l for l in meaningful if l.startswith(("ERROR", "error")) or "No matching distribution" in l
              or "Could not find a version" in l]
    last = (errors or meaningful or ["no output"])[-1]
    tool = os.path.basename(argv[0]) if argv else "command"
    if argv[1:3] == ["-m", "pip"]:
        tool = "pip"
    return f"{tool} failed (exit {code}): {last}"


async def run_with_progress(ls, argv: list[str], *, title: str, cwd: str | None = None,
                            env: dict | None = None) -> list[str]:
    token = str(uuid.uuid4())
    use_progress = bool(ls.client_capabilities.window and ls.client_capabilities.window.work_done_progress)
    if use_progress:
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(token, t.WorkDoneProgressBegin(title=title, message=" ".join(argv[-3:]),
                                                                       cancellable=True))
        except Exception:
            use_progress = False
    log.info("running: %s", " ".join(argv))
    proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output: list[str] = []
    cancelled = False

    async def pump():
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            output.append(line)
            log.info("%s", line)
            if use_progress:
                ls.work_done_progress.report(token, t.WorkDoneProgressReport(message=line[-80:]))

    pump_task = asyncio.ensure_future(pump())
    try:
        while not pump_task.done():
            if use_progress and token in getattr(ls.work_done_progress, "tokens", {}) and \
                    ls.work_done_progress.tokens[token].cancelled():
                cancelled = True
                proc.kill()
                break
            await asyncio.wait([pump_task], timeout=0.2)
        code = await proc.wait()
    finally:
        if use_progress:
            ls.work_done_progress.end(token, t.WorkDoneProgressEnd(message="cancelled" if cancelled else "done"))
    if cancelled:
        raise CommandFailed(f"{title}: cancelled")
    if code != 0:
        raise CommandFailed(plain_failure(argv, code, output))
    return output
