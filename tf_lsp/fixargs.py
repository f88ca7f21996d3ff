"""The fix contract: what a fix does (``FixAction``) and the arguments each action carries, one small frozen record
per action with one JSON form (``to_json`` / ``from_json``).

``from_json`` validates every field's type: a malformed or unknown record raises ``FixDataError`` with a message
that names the field, so a front end can log it instead of guessing. The JSON keys are camelCase (the CLI's JSON and
``Diagnostic.data`` share them; README "tf-lsp check" documents them).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping


class FixDataError(ValueError):
    """A fix record (or ``Diagnostic.data``) that is not what the contract says, with the reason."""


class FixAction(str, Enum):
    INSTALL = "install"                    # run the environment's installer (argv in Fix.command)
    UNINSTALL = "uninstall"
    REINSTALL = "reinstall"                # install --force-reinstall --no-deps of the installed version
    USE_INTERPRETER = "use-interpreter"    # switch the folder's interpreter
    RENAME = "rename"                      # rename a workspace file
    PIN = "pin"                            # edit the project's manifest (Fix.edits), then install what it pins
    EDIT = "edit"                          # text edits only (Fix.edits)
    SET_ENV = "set-env"                    # edit the workspace .env (Fix.edits)
    EXPLAIN = "explain"                    # nothing runs: ``message`` says why (e.g. why no install is offered)

    @classmethod
    def parse(cls, value: object) -> FixAction:
        try:
            return cls(value)
        except ValueError:
            raise FixDataError(f"unknown fix action {value!r}") from None


def _obj(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise FixDataError(f"{what} must be an object, not {type(data).__name__}")
    return data


def _str(data: Mapping[str, Any], key: str, *, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise FixDataError(f"{key} must be a string" + ("" if key in data else " (missing)"))
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise FixDataError(f"{key} must be a string or null")
    return value


def _strs(data: Mapping[str, Any], key: str, *, required: bool = True) -> tuple[str, ...]:
    if key not in data and not required:
        return ()
    value = data.get(key)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise FixDataError(f"{key} must be a list of strings" + ("" if key in data else " (missing)"))
    return tuple(value)


def _bool(data: Mapping[str, Any], key: str, *, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise FixDataError(f"{key} must be true or false")
    return value


@dataclass(frozen=True)
class InstallArgs:
    """install / reinstall: ``specs`` into ``python`` with ``manager``, run from ``cwd``; ``package``/``specifier``
    name the one version choice a pin can record (``None`` when the fix installs no single constrained package)."""

    python: str
    specs: tuple[str, ...]
    manager: str
    cwd: str
    index: str = ""
    force_reinstall: bool = False
    no_deps: bool = False
    refused: tuple[str, ...] = ()          # specs left out because they are not plain requirements
    package: str | None = None
    specifier: str | None = None
    constraints: tuple[str, ...] = ()      # where the specifier comes from ("keras 3.5.0: >=1.26")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"python": self.python, "specs": list(self.specs), "manager": self.manager,
                               "cwd": self.cwd, "index": self.index, "forceReinstall": self.force_reinstall,
                               "noDeps": self.no_deps}
        if self.refused:
            out["refused"] = list(self.refused)
        if self.package is not None:
            out["package"] = self.package
            out["specifier"] = self.specifier or ""
        if self.constraints:
            out["constraints"] = list(self.constraints)
        return out

    @classmethod
    def from_json(cls, data: object) -> InstallArgs:
        d = _obj(data, "install args")
        return cls(python=_str(d, "python"), specs=_strs(d, "specs"), manager=_str(d, "manager"),
                   cwd=_str(d, "cwd"), index=_str(d, "index", default=""),
                   force_reinstall=_bool(d, "forceReinstall"), no_deps=_bool(d, "noDeps"),
                   refused=_strs(d, "refused", required=False), package=_opt_str(d, "package"),
                   specifier=_opt_str(d, "specifier"), constraints=_strs(d, "constraints", required=False))


@dataclass(frozen=True)
class UninstallArgs:
    python: str
    names: tuple[str, ...]
    manager: str
    cwd: str

    def to_json(self) -> dict[str, Any]:
        return {"python": self.python, "names": list(self.names), "manager": self.manager, "cwd": self.cwd}

    @classmethod
    def from_json(cls, data: object) -> UninstallArgs:
        d = _obj(data, "uninstall args")
        return cls(python=_str(d, "python"), names=_strs(d, "names"), manager=_str(d, "manager"), cwd=_str(d, "cwd"))


@dataclass(frozen=True)
class UseInterpreterArgs:
    python: str
    prefix: str
    kind: str
    name: str
    activate: tuple[tuple[str, str], ...] = ()     # (shell, command) pairs

    def to_json(self) -> dict[str, Any]:
        return {"python": self.python, "prefix": self.prefix, "kind": self.kind, "name": self.name,
                "activate": dict(self.activate)}

    @classmethod
    def from_json(cls, data: object) -> UseInterpreterArgs:
        d = _obj(data, "use-interpreter args")
        activate = _obj(d.get("activate", {}), "activate")
        if not all(isinstance(v, str) for v in activate.values()):
            raise FixDataError("activate must map shell names to strings")
        return cls(python=_str(d, "python"), prefix=_str(d, "prefix"), kind=_str(d, "kind"), name=_str(d, "name"),
                   activate=tuple((str(k), v) for k, v in activate.items()))


@dataclass(frozen=True)
class RenameArgs:
    source: str      # "from" in JSON
    target: str      # "to" in JSON

    def to_json(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target}

    @classmethod
    def from_json(cls, data: object) -> RenameArgs:
        d = _obj(data, "rename args")
        return cls(source=_str(d, "from"), target=_str(d, "to"))


@dataclass(frozen=True)
class PinArgs:
    """Record ``package<specifier>`` in the manifest that declares it (the edits), then install it when ``install``."""

    package: str
    specifier: str
    install: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"package": self.package, "specifier": self.specifier, "install": self.install}

    @classmethod
    def from_json(cls, data: object) -> PinArgs:
        d = _obj(data, "pin args")
        return cls(package=_str(d, "package"), specifier=_str(d, "specifier"), install=_bool(d, "install",
                                                                                           default=True))


@dataclass(frozen=True)
class EditArgs:
    """A text edit; ``old``/``new`` name the replaced and the new text when the edit is one name (TFL112)."""

    old: str | None = None       # "from" in JSON
    new: str | None = None       # "to" in JSON

    def to_json(self) -> dict[str, Any]:
        return {} if self.old is None and self.new is None else {"from": self.old, "to": self.new}

    @classmethod
    def from_json(cls, data: object) -> EditArgs:
        d = _obj(data, "edit args")
        return cls(old=_opt_str(d, "from"), new=_opt_str(d, "to"))


@dataclass(frozen=True)
class SetEnvArgs:
    """Set ``name`` to ``value`` (``None``: remove it) in the workspace ``.env``; ``where`` says where it is set now."""

    name: str
    value: str | None
    where: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "where": self.where}

    @classmethod
    def from_json(cls, data: object) -> SetEnvArgs:
        d = _obj(data, "set-env args")
        if "value" not in d:
            raise FixDataError("value must be a string or null (missing)")
        return cls(name=_str(d, "name"), value=_opt_str(d, "value"), where=_str(d, "where", default=""))


@dataclass(frozen=True)
class ExplainArgs:
    message: str
    refused: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.refused:
            out["refused"] = list(self.refused)
        return out

    @classmethod
    def from_json(cls, data: object) -> ExplainArgs:
        d = _obj(data, "explain args")
        return cls(message=_str(d, "message"), refused=_strs(d, "refused", required=False))


FixArgs = InstallArgs | UninstallArgs | UseInterpreterArgs | RenameArgs | PinArgs | EditArgs | SetEnvArgs | ExplainArgs

ARGS_OF: dict[FixAction, type[FixArgs]] = {
    FixAction.INSTALL: InstallArgs,
    FixAction.REINSTALL: InstallArgs,
    FixAction.UNINSTALL: UninstallArgs,
    FixAction.USE_INTERPRETER: UseInterpreterArgs,
    FixAction.RENAME: RenameArgs,
    FixAction.PIN: PinArgs,
    FixAction.EDIT: EditArgs,
    FixAction.SET_ENV: SetEnvArgs,
    FixAction.EXPLAIN: ExplainArgs,
}


def args_from_json(action: FixAction, data: object) -> FixArgs:
    return ARGS_OF[action].from_json(data)


DATA_VERSION = 1
"""``Diagnostic.data`` is ``{"v": DATA_VERSION, "name", "module", "fixes": [...], "details": [...]}``."""


__all__ = ["FixAction", "FixArgs", "FixDataError", "InstallArgs", "UninstallArgs", "UseInterpreterArgs", "RenameArgs",
           "PinArgs", "EditArgs", "SetEnvArgs", "ExplainArgs", "ARGS_OF", "args_from_json", "DATA_VERSION"]
