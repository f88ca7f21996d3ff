"""Settings from initializationOptions and workspace/configuration (section ``tfLsp``), per folder."""
from __future__ import annotations

import logging

from lsprotocol import types as t

from tf_lsp.settings import Settings

log = logging.getLogger("tf_lsp.server")
SECTION = "tfLsp"


def unwrap(options) -> dict | None:
    """initializationOptions may hold the settings directly or under ``tfLsp``."""
    if isinstance(options, dict) and isinstance(options.get(SECTION), dict):
        return options[SECTION]
    return options if isinstance(options, dict) else None


def _show(ls, problems: list[str], where: str) -> None:
    shown = ls.__dict__.setdefault("settings_problems_shown", set())
    for p in problems:
        log.warning("%s: %s", where, p)
        if not p.startswith("unknown setting") and p not in shown:      # unknown keys: logged only
            shown.add(p)
            ls.show(f"tf-lsp ({where}): {p}", t.MessageType.Warning)


def parse(ls, raw, *, where: str) -> Settings:
    settings, problems = Settings.from_wire(raw)
    _show(ls, problems, where)
    return settings


def update(ls, current: Settings, raw, *, where: str) -> Settings:
    """``current`` with the keys of ``raw`` applied (a partial update keeps the rest; see ``Settings.updated``)."""
    settings, problems = current.updated(raw)
    _show(ls, problems, where)
    return settings


async def fetch(ls, folder_uris: list[str]) -> list:
    """Ask the client for each folder's ``tfLsp`` section; None for a folder (or every folder, when the client has
    no workspace/configuration) that got no answer."""
    caps = ls.client_capabilities.workspace
    if not (caps and caps.configuration) or not folder_uris:
        return [None for _ in folder_uris]
    try:
        items = [t.ConfigurationItem(scope_uri=u, section=SECTION) for u in folder_uris]
        answers = await ls.workspace_configuration_async(t.ConfigurationParams(items=items))
    except Exception as exc:
        log.warning("workspace/configuration failed: %s", exc)
        answers = [None] * len(folder_uris)
    return list(answers or [None] * len(folder_uris))
