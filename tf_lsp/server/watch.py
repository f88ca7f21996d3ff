"""Live environment: file watchers on site-packages and the workspace's records, plus a cheap polling fallback.

The poll is a handful of ``stat`` calls per folder each second (no walk, no subprocess), so a ``pip install``
in a terminal clears the squiggle within about a second even in clients that cannot watch files.
"""
from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from lsprotocol import types as t
from pygls.uris import from_fs_path, to_fs_path

log = logging.getLogger("tf_lsp.server")
POLL_SECONDS = float(os.environ.get("TF_LSP_POLL_SECONDS", "1.0"))   # 0 turns the polling fallback off
RECORDS = (".env", ".vscode/settings.json", "pyrightconfig.json", "pyproject.toml", ".python-version", ".pdm-python")
_REGISTRATION = "tf-lsp-watchers"
MANIFESTS = ("requirements*.txt", "pyproject.toml", "environment.yml", ".env", ".vscode/settings.json", "pyvenv.cfg",
             "pyrightconfig.json", ".python-version")
SITE_PATTERNS = ("*.dist-info/**", "*.egg-info/**", "*.pth")   # what pip/uv/conda write on (un)install
EVENT_DEBOUNCE = 0.2


def _record_stamp(folder) -> tuple:
    """mtimes of the files whose change rebuilds a folder's engine (RECORDS)."""
    out = []
    for rel in RECORDS:
        try:
            out.append(os.stat(folder.root / rel).st_mtime_ns)
        except OSError:
            out.append(None)
    return tuple(out)


async def start(ls) -> None:
    await register_watchers(ls)
    if ls.poll_task is None and POLL_SECONDS > 0:
        ls.poll_task = asyncio.ensure_future(_poll(ls))


async def register_watchers(ls) -> None:
    caps = ls.client_capabilities.workspace
    dyn = caps and caps.did_change_watched_files and caps.did_change_watched_files.dynamic_registration
    if not dyn:
        return
    relative = bool(caps.did_change_watched_files.relative_pattern_support)
    watchers = [t.FileSystemWatcher(glob_pattern=f"**/{name}") for name in MANIFESTS]
    watchers.append(t.FileSystemWatcher(glob_pattern="**/*.py", kind=t.WatchKind.Create | t.WatchKind.Delete))
    for folder in list(ls.folders.values()):
        if not folder.loaded:
            continue
        env = folder.ws.env
        sites = list(dict.fromkeys([*env.snapshot.site_packages, str(Path(folder.ws.choice.python).parent.parent)]))
        for site in sites:
            for pattern in SITE_PATTERNS if site in env.snapshot.site_packages else ("pyvenv.cfg",):
                glob = t.RelativePattern(base_uri=from_fs_path(site) or Path(site).as_uri(), pattern=pattern) if relative \
                    else f"{Path(site).as_posix()}/{pattern}"
                watchers.append(t.FileSystemWatcher(glob_pattern=glob))
    key = repr(watchers)
    if getattr(ls, "_watch_key", None) == key:
        return
    if getattr(ls, "_watch_key", None) is not None:
        try:
            await ls.client_unregister_capability_async(t.UnregistrationParams(unregisterations=[
                t.Unregistration(id=_REGISTRATION, method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES)]))
        except Exception as exc:
            log.info("could not unregister file watchers: %s", exc)
    ls._watch_key = key
    try:
        await ls.client_register_capability_async(t.RegistrationParams(registrations=[t.Registration(
            id=_REGISTRATION, method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=t.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))
        log.info("watching %d patterns (manifests and site-packages)", len(watchers))
    except Exception as exc:
        log.warning("could not register file watchers: %s", exc)


def _first_party_stamp(folder) -> tuple:
    """mtimes of the folders whose listing decides first-party imports (a file created, deleted or renamed there)."""
    out = []
    for d in (folder.root, folder.root / "src"):
        try:
            out.append(os.stat(d).st_mtime_ns)
        except OSError:
            out.append(None)
    return tuple(out)


def _is_first_party(folder, path: str) -> bool:
    p = Path(path)
    if p.suffix not in (".py", ".pyi") and p.suffix:
        return False
    if folder.root not in p.parents:
        return False
    sites = folder.ws.env.snapshot.site_packages if folder.loaded else ()
    prefix = Path(folder.ws.choice.python).parent.parent if folder.loaded else None
    return not any(Path(s) in p.parents for s in sites) and not (prefix and prefix in p.parents)


async def on_changed(ls, paths: list[str]) -> None:
    touched = set()
    for folder in list(ls.folders.values()):
        records = [p for p in paths if Path(p).name in {Path(r).name for r in RECORDS} and
                   (Path(p).parent == folder.root or Path(p).parent.parent == folder.root)]
        if records:
            ls.reset_folder(folder)
            touched.add(folder.root)
            continue
        if not folder.loaded:
            continue
        if any(_is_first_party(folder, p) for p in paths):
            ls.forget_first_party(folder)
            touched.add(folder.root)
        changed = await asyncio.to_thread(ls.refresh_folder, folder)
        if changed:
            touched.add(folder.root)
    for folder in list(ls.folders.values()):
        if folder.root in touched:
            await ls.recheck_all(folder)


async def _poll(ls) -> None:
    stamps: dict = {}
    while True:
        await asyncio.sleep(POLL_SECONDS)
        for folder in list(ls.folders.values()):
            try:
                if _record_stamp(folder) != folder.record_stamp:      # changed since this engine was built
                    ls.reset_folder(folder)
                    await ls.recheck_all(folder)
                    continue
                if not folder.loaded:
                    continue
                first = _first_party_stamp(folder)
                old_first, stamps[("first", folder.root)] = stamps.get(("first", folder.root)), first
                if old_first is not None and old_first != first:
                    ls.forget_first_party(folder)
                    await ls.recheck_all(folder)
                    continue
                if await asyncio.to_thread(ls.refresh_folder, folder):
                    log.info("environment of %s changed: re-checking", folder.root)
                    await ls.recheck_all(folder)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("polling %s failed", folder.root)


def register(server) -> None:
    pending: list[str] = []
    timer: list[asyncio.Task] = []

    @server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls, params: t.DidChangeWatchedFilesParams):
        """An install touches hundreds of files: gather the burst, then refresh once."""
        pending.extend(path for c in params.changes if (path := to_fs_path(c.uri)) is not None)
        if timer and not timer[0].done():
            timer[0].cancel()

        async def later():
            await asyncio.sleep(EVENT_DEBOUNCE)
            paths = list(dict.fromkeys(pending))
            pending.clear()
            log.info("watched files changed: %d paths", len(paths))
            await on_changed(ls, paths)
        timer[:] = [asyncio.ensure_future(later())]
