"""The exact command that activates an environment, per shell, quoted for that shell.

Only shells whose activation script the environment really has get a command (a POSIX venv has no
``activate.bat``; conda environments have no ``bin/activate`` of their own and get ``conda activate``).
"""
from __future__ import annotations

import os
import re
import shlex

from tf_lsp.model import Candidate


def quote_fish(text: str) -> str:
    """fish's single quotes: only ``\\\\`` and ``\\'`` are escapes inside them."""
    if text and re.fullmatch(r"[\w@%+=:,./-]+", text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_powershell(text: str) -> str:
    """A literal PowerShell string: single quotes, a quote doubled."""
    return "'" + text.replace("'", "''") + "'"


def quote_cmd(text: str) -> str:
    """cmd.exe: double quotes when the path holds a blank or one of ``&()[]{}^=;!'+,`~``."""
    return f'"{text}"' if re.search(r"[\s&()\[\]{}^=;!'+,`~%]", text) else text


def _first(prefix: str, *rels: str) -> str | None:
    for rel in rels:
        p = os.path.join(prefix, *rel.split("/"))
        if os.path.isfile(p):
            return p
    return None


def activation_commands(candidate: Candidate) -> dict[str, str]:
    """Shell -> command: ``bash``, ``zsh``, ``fish``, ``powershell``, ``cmd``, ``conda`` (and ``pixi``, ``pyenv``)."""
    prefix = str(candidate.prefix)
    out: dict[str, str] = {}
    if candidate.kind in ("conda", "pixi"):
        activate = f"conda activate {shlex.quote(prefix)}"
        out.update(bash=activate, zsh=activate, fish=f"conda activate {quote_fish(prefix)}",
                   powershell=f"conda activate {quote_powershell(prefix)}", cmd=f"conda activate {quote_cmd(prefix)}",
                   conda=activate)
        envs = candidate.prefix.parent
        if candidate.kind == "pixi" and envs.name == "envs" and envs.parent.name == ".pixi":
            env = candidate.prefix.name
            out["pixi"] = f"pixi shell --manifest-path {shlex.quote(str(envs.parent.parent))}" + (
                "" if env == "default" else f" -e {shlex.quote(env)}")
        return out
    if candidate.kind == "pyenv":
        return {"pyenv": f"pyenv shell {shlex.quote(candidate.prefix.name)}"}
    posix = _first(prefix, "bin/activate", "Scripts/activate")
    if posix:
        out["bash"] = out["zsh"] = f"source {shlex.quote(posix)}"
    fish = _first(prefix, "bin/activate.fish", "Scripts/activate.fish")
    if fish:
        out["fish"] = f"source {quote_fish(fish)}"
    ps1 = _first(prefix, "Scripts/Activate.ps1", "Scripts/activate.ps1", "bin/Activate.ps1", "bin/activate.ps1")
    if ps1:
        out["powershell"] = ps1 if re.fullmatch(r"[\w@%+=:,./\\-]+", ps1) else f"& {quote_powershell(ps1)}"
    bat = _first(prefix, "Scripts/activate.bat")
    if bat:
        out["cmd"] = quote_cmd(bat)
    return out
