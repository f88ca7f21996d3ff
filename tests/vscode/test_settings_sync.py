"""The extension's ``contributes.configuration`` agrees with the settings model (tf_lsp.settings.Settings):
every server setting is contributed as ``tfLsp.<camelCase>`` with the same default and a matching type, and
anything else the extension contributes is on an explicit allow-list of extension-only settings."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from tf_lsp.settings import INSTALLERS, SEVERITIES, Settings, to_camel

EXT = Path(__file__).resolve().parents[2] / "vscode-extension"
EXTENSION_ONLY = {"tfLsp.serverCommand", "tfLsp.trace.server"}


@pytest.fixture(scope="module")
def contributed() -> dict:
    package = json.loads((EXT / "package.json").read_text())
    return package["contributes"]["configuration"]["properties"]


def _json_type(value) -> str:
    return {bool: "boolean", str: "string", list: "array", dict: "object"}[type(value)]


def test_every_server_setting_is_contributed_with_its_default(contributed):
    wire = Settings().to_wire()
    for key, default in wire.items():
        prop = contributed.get(f"tfLsp.{key}")
        assert prop is not None, f"package.json lacks tfLsp.{key}"
        assert prop["default"] == default, f"tfLsp.{key}: default {prop['default']!r} != {default!r}"
        assert prop["type"] == _json_type(default), f"tfLsp.{key}: type {prop['type']}"
        assert prop.get("description"), f"tfLsp.{key} has no description"


def test_no_contributed_setting_is_unknown_to_the_server(contributed):
    server_keys = {f"tfLsp.{to_camel(f.name)}" for f in dataclasses.fields(Settings)}
    extra = set(contributed) - server_keys
    assert extra == EXTENSION_ONLY, f"not in the settings model nor the allow-list: {sorted(extra - EXTENSION_ONLY)}"
    _, problems = Settings.from_wire({k.removeprefix("tfLsp."): contributed[k]["default"] for k in server_keys})
    assert problems == []


def test_enums_match_the_model(contributed):
    assert contributed["tfLsp.installer"]["enum"] == list(INSTALLERS)
    assert contributed["tfLsp.severity"]["additionalProperties"]["enum"] == list(SEVERITIES)


def test_extension_logic_knows_the_same_keys_and_defaults():
    """src/logic.ts keeps its own copy of the defaults (what it sends when a value has the wrong type)."""
    text = (EXT / "src" / "logic.ts").read_text()
    block = re.search(r"SERVER_SETTING_DEFAULTS = \{(.*?)\n\};", text, re.S).group(1)
    keys = re.findall(r"^\s+(\w+):", block, re.M)
    assert keys == list(Settings().to_wire())


def test_restricted_settings_exist(contributed):
    package = json.loads((EXT / "package.json").read_text())
    trust = package["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited"
    assert set(trust["restrictedConfigurations"]) <= set(contributed)
