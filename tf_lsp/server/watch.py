"""Live environment: file watchers on site-packages and the workspace's records, plus a cheap polling fallback.

The poll is a handful of ``stat`` calls per folder each second (no walk, no subprocess), so a ``pip install``
in a terminal clears the squiggle within about a second even in clients that cannot watch files.
"""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
from pathlib import Path

from lsprotocol import types as t
from pygls.uris import from_fs_path, to_fs_path

log = logging.getLogger("tf_lsp.server")
POLL_SECONDS = 1.0
RECORDS = (".env", ".vscode/settings.json", "pyrightconfig.json", "pyproject.toml", ".python-version", ".pdm-python")
_REGISTRATION = "tf-lsp-watchers"


def _record_stamp(folder) -> tuple:
    out = []
    for rel in RECORDS:
        try:
            out.append(os.stat(folder.root / rel).st_mtime_ns)
        except OSError:
            out.append(None)
    return tuple(out)


async def start(ls) -> None:
    await register_watchers(ls)
    if ls.poll_task is None:
        ls.poll_task = asyncio.ensure_future(_poll(ls))


async def register_watchers(ls) -> None:
    caps = ls.client_capabilities.workspace
    dyn = caps and caps.did_change_watched_files and caps.did_change_watched_files.dynamic_registration
    if not dyn:
        return
    relative = bool(caps.did_change_watched_files.relative_pattern_support)
    watchers = [t.FileSystemWatcher(glob_pattern=f"**/{name}") for name in
                ("requirements*.txt", "pyproject.toml", ".env", "pyvenv.cfg", "settings.json", "pyrightconfig.json",
                 "environment.yml")]
    for folder in list(ls.folders.values()):
        try:
            sites = await asyncio.to_thread(lambda f=folder: f.ws.env.snapshot.site_packages)
        except Exception:
            continue
        for site in sites:
            if relative:
                watchers.append(t.FileSystemWatcher(glob_pattern=t.RelativePattern(base_uri=from_fs_path(site), pattern="*")))
            else:
                watchers.append(t.FileSystemWatcher(glob_pattern=f"{site}/*"))
    try:
        await ls.client_unregister_capability_async(t.UnregistrationParams(unregisterations=[
            t.Unregistration(id=_REGISTRATION, method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES)]))
    except Exception:
        pass
    try:
        await ls.client_register_capability_async(t.RegistrationParams(registrations=[t.Registration(
            id=_REGISTRATION, method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=t.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))
    except Exception as exc:
        log.warning("could not register file watchers: %s", exc)


async def on_changed(ls, paths: list[str]) -> None:
    touched = set()
    for folder in list(ls.folders.values()):
        records = [p for p in paths if Path(p).name in {Path(r).name for r in RECORDS} and
                   (Path(p).parent == folder.root or Path(p).parent.parent == folder.root)]
        if records:
            ls.reset_folder(folder)
            touched.add(folder.root)
            continue
        changed = await asyncio.to_thread(_refresh, folder)
        if changed:
            touched.add(folder.root)
    for folder in list(ls.folders.values()):
        if folder.root in touched:
            await ls.recheck_all(folder)


def _refresh(folder) -> bool:
    with folder.lock:
        return folder.ws.refresh()


async def _poll(ls) -> None:
    stamps: dict = {}
    while True:
        await asyncio.sleep(POLL_SECONDS)
        for folder in list(ls.folders.values()):
            try:
                stamp = _record_stamp(folder)
                old = stamps.get(folder.root)
                stamps[folder.root] = stamp
                if old is not None and old != stamp:
                    ls.reset_folder(folder)
                    await ls.recheck_all(folder)
                    continue
                if folder.ws._env is None:
                    continue
                if await asyncio.to_thread(_refresh, folder):
                    log.info("environment of %s changed: re-checking", folder.root)
                    await ls.recheck_all(folder)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("polling %s failed", folder.root)


def register(server) -> None:
    @server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def did_change_watched(ls, params: t.DidChangeWatchedFilesParams):
        await on_changed(ls, [to_fs_path(c.uri) for c in params.changes])
