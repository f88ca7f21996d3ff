"""Plain records shared by the engine, the CLI and the server.

Nothing here knows about LSP: positions are 0-based lines and 0-based columns counted in
Unicode code points (the server converts to the client's encoding through pygls).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True, order=True)
class Position:
    line: int
    character: int

    def to_json(self) -> dict:
        return {"line": self.line, "character": self.character}


@dataclass(frozen=True)
class Range:
    start: Position
    end: Position

    @staticmethod
    def of(line: int, start: int, end_line: int | None = None, end: int | None = None) -> "Range":
        return Range(Position(line, start), Position(line if end_line is None else end_line, start if end is None else end))

    def to_json(self) -> dict:
        return {"start": self.start.to_json(), "end": self.end.to_json()}


@dataclass(frozen=True)
class Edit:
    """A text edit of one file. ``range=None`` means: replace the whole file with ``new_text``."""

    path: str
    range: Range | None
    new_text: str

    def to_json(self) -> dict:
        return {"path": self.path, "range": self.range.to_json() if self.range else None, "newText": self.new_text}


@dataclass(frozen=True)
class Fix:
    """One way to make a finding go away, as data.

    ``action`` names what the fix does so a front end can run it (see ``tf_lsp.fixes``):
    ``install``, ``uninstall``, ``reinstall``, ``use-interpreter``, ``rename``, ``pin``, ``edit``, ``set-env``,
    ``explain`` (nothing runs; ``args["message"]`` says why, e.g. why no install can be offered).
    ``command`` is the exact argv to run (never passed through a shell), empty when the fix is an edit only.
    ``args`` holds what the front end needs to carry it out (package specs, interpreter path, ...).
    """

    title: str
    action: str
    command: tuple[str, ...] = ()
    edits: tuple[Edit, ...] = ()
    args: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    kind: str = "quickfix"
    preferred: bool = False

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "kind": self.kind,
            "action": self.action,
            "command": list(self.command),
            "edits": [e.to_json() for e in self.edits],
            "args": self.args,
            "preferred": self.preferred,
        }


@dataclass(frozen=True)
class Finding:
    """A diagnostic in engine terms."""

    range: Range
    severity: Severity
    code: str
    name: str
    message: str
    fixes: tuple[Fix, ...] = ()
    module: str | None = None          # the module the finding is about (``tensorflow.keras``)
    details: tuple[str, ...] = ()       # extra lines for hover / doctor ("searched: ...")

    def to_json(self) -> dict:
        return {
            "range": self.range.to_json(),
            "severity": self.severity.value,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "fixes": [f.to_json() for f in self.fixes],
            "module": self.module,
            "details": list(self.details),
        }


@dataclass(frozen=True)
class Candidate:
    """An environment found on disk that could run the workspace's code."""

    prefix: Path                 # the environment folder (sys.prefix of its interpreter)
    python: Path                 # its interpreter executable
    kind: str                    # venv, virtualenv, uv, conda, pixi, poetry, pipenv, hatch, pdm, pyenv, system
    version: str | None          # "3.11.7" when known without running anything
    name: str                    # short display name (".venv", "proj-AbC12-py3.11")
    in_workspace: bool = False

    def to_json(self) -> dict:
        return {"path": str(self.prefix), "python_path": str(self.python), "kind": self.kind,
                "python": self.version, "name": self.name, "in_workspace": self.in_workspace}


@dataclass(frozen=True)
class InterpreterChoice:
    """The interpreter the workspace's code will run with, and why that one."""

    python: Path
    source: str                  # setting, flag, vscode-settings, pyrightconfig, workspace-env, poetry, pipenv,
                                 # hatch, pdm, python-version, virtual-env, conda-prefix, path
    why: str                     # one sentence
    candidate: Candidate | None = None

    def to_json(self) -> dict:
        return {"path": str(self.python), "source": self.source, "why": self.why,
                "version": self.candidate.version if self.candidate else None}
