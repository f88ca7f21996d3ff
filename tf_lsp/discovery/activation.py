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


_PS_QUOTES = "'\u2018\u2019\u201a\u201b"      # PowerShell takes all of these for a single quote


def quote_powershell(text: str) -> str:
    """A literal PowerShell string: single quotes, each single-quote character (also the typographic ones,
    which PowerShell treats alike) doubled."""
    return "'" + "".join(ch * 2 if ch in _PS_QUOTES else ch for ch in text) + "'"


def quote_cmd(text: str) -> str | None:
    """cmd.exe: double quotes when the path holds a blank or one of ``&()[]{}^=;!'+,`~``; None when no quoting
    makes it literal (``"``, ``%`` and ``!`` expand even inside quotes; a line break ends the command)."""
    if re.search(r'["%!\x00-\x1f\x7f\x85\u2028\u2029]', text):
        return None
    return f'"{text}"' if re.search(r"[\s&()\[\]{}^=;'+,`~<>|@]", text) else text


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
                   powershell=f"conda activate {quote_powershell(prefix)}", conda=activate)
        if (cmd := quote_cmd(prefix)) is not None:
            out["cmd"] = f"conda activate {cmd}"
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
        out["powershell"] = ps1 if re.fullmatch(r"[\w:./\\-]+", ps1) else f"& {quote_powershell(ps1)}"
    bat = _first(prefix, "Scripts/activate.bat")
    if bat and (cmd := quote_cmd(bat)) is not None:
        out["cmd"] = cmd
    return out
