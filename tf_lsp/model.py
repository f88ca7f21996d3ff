"""Plain records shared by the engine, the CLI and the server.

Nothing here knows about LSP: positions are 0-based lines and 0-based columns counted in
Unicode code points (the server converts to the client's encoding through pygls).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from tf_lsp.fixargs import ARGS_OF, DATA_VERSION, FixAction, FixArgs, FixDataError, args_from_json


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True, order=True, slots=True)
class Position:
    line: int
    character: int

    def to_json(self) -> dict:
        return {"line": self.line, "character": self.character}

    @staticmethod
    def from_json(data: object) -> Position:
        if not isinstance(data, dict):
            raise FixDataError("a position must be an object")
        line, char = data.get("line"), data.get("character")
        if not isinstance(line, int) or not isinstance(char, int) or isinstance(line, bool) or isinstance(char, bool) \
                or line < 0 or char < 0:
            raise FixDataError("a position needs non-negative integer line and character")
        return Position(line, char)


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position

    @staticmethod
    def of(line: int, start: int, end_line: int | None = None, end: int | None = None) -> "Range":
        return Range(Position(line, start), Position(line if end_line is None else end_line, start if end is None else end))

    def to_json(self) -> dict:
        return {"start": self.start.to_json(), "end": self.end.to_json()}

    @staticmethod
    def from_json(data: object) -> Range:
        if not isinstance(data, dict):
            raise FixDataError("a range must be an object")
        return Range(Position.from_json(data.get("start")), Position.from_json(data.get("end")))


@dataclass(frozen=True)
class Edit:
    """A text edit of one file. ``range=None`` means: replace the whole file with ``new_text``."""

    path: str
    range: Range | None
    new_text: str

    def to_json(self) -> dict:
        return {"path": self.path, "range": self.range.to_json() if self.range else None, "newText": self.new_text}

    @staticmethod
    def from_json(data: object) -> Edit:
        if not isinstance(data, dict):
            raise FixDataError("an edit must be an object")
        path, text, rng = data.get("path"), data.get("newText"), data.get("range")
        if not isinstance(path, str) or not path or not isinstance(text, str):
            raise FixDataError("an edit needs a path and a newText string")
        return Edit(path=path, range=None if rng is None else Range.from_json(rng), new_text=text)


@dataclass(frozen=True)
class Fix:
    """One way to make a finding go away, as data (the contract: ``tf_lsp.fixargs``).

    ``action`` names what the fix does; ``args`` is that action's argument record (``ARGS_OF[action]``).
    ``command`` is the exact argv to run (never passed through a shell), empty when the fix is an edit only.
    ``edits`` are the text edits it makes (pin, edit, set-env).
    """

    title: str
    action: FixAction
    args: FixArgs
    command: tuple[str, ...] = ()
    edits: tuple[Edit, ...] = ()
    kind: str = "quickfix"
    preferred: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.action, FixAction):
            object.__setattr__(self, "action", FixAction(self.action))
        if not isinstance(self.args, ARGS_OF[self.action]):
            raise TypeError(f"a {self.action.value} fix carries {ARGS_OF[self.action].__name__}, "
                            f"not {type(self.args).__name__}")

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "kind": self.kind,
            "action": self.action.value,
            "command": list(self.command),
            "edits": [e.to_json() for e in self.edits],
            "args": self.args.to_json(),
            "preferred": self.preferred,
        }

    @staticmethod
    def from_json(data: object) -> Fix:
        """The inverse of ``to_json``; ``FixDataError`` naming what is wrong for anything else."""
        if not isinstance(data, dict):
            raise FixDataError("a fix must be an object")
        action = FixAction.parse(data.get("action"))
        title, kind = data.get("title"), data.get("kind", "quickfix")
        command, edits, preferred = data.get("command", []), data.get("edits", []), data.get("preferred", False)
        if not isinstance(title, str) or not title:
            raise FixDataError("a fix needs a title")
        if not isinstance(kind, str):
            raise FixDataError("kind must be a string")
        if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
            raise FixDataError("command must be a list of strings")
        if not isinstance(edits, list):
            raise FixDataError("edits must be a list")
        if not isinstance(preferred, bool):
            raise FixDataError("preferred must be true or false")
        try:
            args = args_from_json(action, data.get("args", {}))
        except FixDataError as exc:
            raise FixDataError(f"{action.value} fix: {exc}") from None
        return Fix(title=title, action=action, args=args, command=tuple(command),
                   edits=tuple(Edit.from_json(e) for e in edits), kind=kind, preferred=preferred)


@dataclass(frozen=True, slots=True)
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

    def data_json(self) -> dict:
        """What the server puts in ``Diagnostic.data`` (versioned; ``decode_data`` reads it back)."""
        return {"v": DATA_VERSION, "name": self.name, "module": self.module,
                "fixes": [f.to_json() for f in self.fixes], "details": list(self.details)}


def decode_data(data: object) -> tuple[Fix, ...]:
    """The fixes of a ``Diagnostic.data`` written by ``Finding.data_json``; ``FixDataError`` when it is not."""
    if not isinstance(data, dict):
        raise FixDataError("diagnostic data must be an object")
    if data.get("v") != DATA_VERSION:
        raise FixDataError(f"diagnostic data version {data.get('v')!r} is not {DATA_VERSION}")
    fixes = data.get("fixes")
    if not isinstance(fixes, list):
        raise FixDataError("diagnostic data has no list of fixes")
    out = []
    for i, fx in enumerate(fixes):
        try:
            out.append(Fix.from_json(fx))
        except FixDataError as exc:
            raise FixDataError(f"fix {i}: {exc}") from None
    return tuple(out)


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
                                 # hatch, pdm, python-version, virtual-env, conda-prefix, path; for a notebook
                                 # also editor, notebook-setting, kernel
    why: str                     # one sentence
    candidate: Candidate | None = None

    def to_json(self) -> dict:
        return {"path": str(self.python), "source": self.source, "why": self.why,
                "version": self.candidate.version if self.candidate else None}
