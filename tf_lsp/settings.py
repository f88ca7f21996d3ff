"""The settings model: one record, camelCase on the wire, snake_case here, one converter between them.

Invalid values fall back to their default and are reported (``Settings.from_wire`` returns the problems),
unknown keys are reported as warnings and ignored.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

INSTALLERS = ("auto", "pip", "uv", "conda", "poetry", "pipenv")
SEVERITIES = ("error", "warning", "information", "hint", "none")


@dataclass(frozen=True)
class Settings:
    interpreter: str = ""
    """Path to the Python interpreter (or environment folder) to check against. Empty: discover it."""

    extra_paths: tuple[str, ...] = ()
    """Extra folders put on sys.path after the script's folder, as PYTHONPATH would."""

    env: dict[str, str] = field(default_factory=dict)
    """Extra environment variables the program runs with (e.g. TF_USE_LEGACY_KERAS, PYTHONPATH)."""

    installer: str = "auto"
    """Which tool runs install/uninstall fixes: auto, pip, uv, conda, poetry or pipenv."""

    check_all_imports: bool = True
    """Check every import (true) or only the names the rule packs cover: TensorFlow, JAX and their families (false)."""

    severity: dict[str, str] = field(default_factory=dict)
    """Per-code severity overrides, e.g. {"TFL114": "none"}: error, warning, information, hint or none."""

    trusted_workspace: bool = True
    """When false, nothing of the workspace runs: an interpreter inside it is never run, one outside it is probed in
    isolated mode (no site, .pth, sitecustomize, PYTHONPATH or .env), and installers ignore the project's settings."""

    notebook_interpreters: dict[str, str] = field(default_factory=dict)
    """Interpreter per notebook: {glob pattern: interpreter or environment folder}, the first pattern that matches
    wins over the notebook's kernelspec. A pattern without '/' matches the file name, one with '/' the path from the
    workspace folder (an absolute or ~ pattern the absolute path); '*' stays inside a folder, '**' crosses them."""

    installer_uses_project_config: bool = False
    """Let uv read the project's own settings (pyproject.toml [tool.uv], uv.toml: index, find-links) when it
    installs a fix. Only honoured in a trusted workspace; otherwise uv runs with --no-config."""

    def to_wire(self) -> dict[str, Any]:
        return {to_camel(f.name): _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_wire(cls, data: Any) -> tuple["Settings", list[str]]:
        """Build settings from a camelCase mapping; returns (settings, problems)."""
        return cls().updated(data)

    def updated(self, data: Any) -> tuple["Settings", list[str]]:
        """These settings with the keys present in the camelCase mapping ``data`` changed (a partial update keeps the
        other keys; an invalid value keeps the current one). So trust only goes from false to true through an
        explicit, valid ``trustedWorkspace: true``. Returns (settings, problems)."""
        problems: list[str] = []
        if data is None:
            return self, problems
        if not isinstance(data, dict):
            return self, [f"tfLsp settings must be an object, got {type(data).__name__}; ignored"]
        cls = type(self)
        known = {to_camel(f.name): f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, raw in data.items():
            f = known.get(key)
            if f is None:
                problems.append(f"unknown setting tfLsp.{key} ignored")
                continue
            try:
                values[f.name] = _VALIDATORS[f.name](raw)
            except (TypeError, ValueError) as exc:
                kept = "using the default" if self == cls() else "keeping the current value"
                problems.append(f"invalid value for tfLsp.{key}: {exc}; {kept}")
        return dataclasses.replace(self, **values), problems


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def to_snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _str(v: Any) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise TypeError(f"expected a string, got {v!r}")
    return v


def _str_list(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise TypeError(f"expected a list of strings, got {v!r}")
    return tuple(v)


def _str_map(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(x, (str, int, float, bool)) for k, x in v.items()):
        raise TypeError(f"expected an object of strings, got {v!r}")
    return {k: str(x) for k, x in v.items()}


def _pattern_map(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(k, str) and k.strip() and isinstance(x, str) and x.strip()
                                          for k, x in v.items()):
        raise TypeError(f"expected an object of glob patterns to interpreter paths, got {v!r}")
    return dict(v)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"expected true or false, got {v!r}")
    return v


def _installer(v: Any) -> str:
    if v not in INSTALLERS:
        raise ValueError(f"expected one of {', '.join(INSTALLERS)}, got {v!r}")
    return v


def _severity_map(v: Any) -> dict[str, str]:
    m = _str_map(v)
    bad = {k: x for k, x in m.items() if x not in SEVERITIES}
    if bad:
        raise ValueError(f"severities must be one of {', '.join(SEVERITIES)}, got {bad!r}")
    return m


_VALIDATORS = {
    "interpreter": _str,
    "extra_paths": _str_list,
    "env": _str_map,
    "installer": _installer,
    "check_all_imports": _bool,
    "severity": _severity_map,
    "trusted_workspace": _bool,
    "notebook_interpreters": _pattern_map,
    "installer_uses_project_config": _bool,
}
