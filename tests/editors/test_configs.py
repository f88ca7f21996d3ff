"""The configurations shipped for editors that cannot run here (Helix, Sublime Text, Zed, Kate) at least parse,
start `tf-lsp serve`, and hold only real tfLsp settings with valid values (the defaults)."""
from __future__ import annotations

import json

import tomlkit

from tests.editors.conftest import EDITORS
from tf_lsp.settings import Settings


def _toml(text: str) -> dict:
    return tomlkit.parse(text).unwrap()


def _jsonc(path) -> dict:
    """JSON with whole-line // comments (Sublime Text and Zed settings files)."""
    return json.loads("\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//")))


def _valid(section: dict) -> None:
    assert Settings.from_wire(section) == (Settings(), [])


def test_helix():
    data = _toml((EDITORS / "helix" / "languages.toml").read_text())
    server = data["language-server"]["tf-lsp"]
    assert (server["command"], server["args"]) == ("tf-lsp", ["serve"])
    _valid(server["config"]["tfLsp"])
    [python] = [lang for lang in data["language"] if lang["name"] == "python"]
    assert "tf-lsp" in python["language-servers"]


def test_sublime():
    client = _jsonc(EDITORS / "sublime" / "LSP.sublime-settings")["clients"]["tf-lsp"]
    assert client["command"] == ["tf-lsp", "serve"] and client["selector"] == "source.python"
    _valid(client["settings"]["tfLsp"])


def test_zed():
    data = _jsonc(EDITORS / "zed" / "settings.json")
    assert "tf-lsp" in data["languages"]["Python"]["language_servers"]
    _valid(data["lsp"]["tf-lsp"]["settings"])
    manifest = _toml((EDITORS / "zed" / "extension" / "extension.toml").read_text())
    assert manifest["language_servers"]["tf-lsp"]["languages"] == ["Python"]
    assert '"serve"' in (EDITORS / "zed" / "extension" / "src" / "lib.rs").read_text()


def test_kate():
    server = json.loads((EDITORS / "kate" / "lspclient-settings.json").read_text())["servers"]["python"]
    assert server["command"] == ["tf-lsp", "serve"]
    _valid(server["settings"]["tfLsp"])
