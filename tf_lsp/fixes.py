"""Fixes as data: the exact argv of an install/uninstall with the environment's own manager, or an edit.

Nothing here runs anything; front ends (the server's code actions, the CLI's JSON) carry the ``Fix`` records.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from tf_lsp.model import Candidate, Fix
from tf_lsp.reqsafe import safe_name, split_safe

if TYPE_CHECKING:
    from tf_lsp.envstate import EnvState
    from tf_lsp.workspace import Workspace


def environment_manager(python: Path, *, root: Path | None = None, preferred: str = "auto") -> str:
    """pip, uv, conda, poetry or pipenv: what should install into this environment."""
    if preferred != "auto":
        return preferred
    prefix = Path(python).parent.parent
    try:
        cfg = (prefix / "pyvenv.cfg").read_text(errors="replace")
    except OSError:
        cfg = ""
    if any(line.split("=")[0].strip() == "uv" for line in cfg.splitlines()):
        return "uv"
    if (prefix / "conda-meta").is_dir() and not (prefix / "pyvenv.cfg").exists():
        return "pip"  # pip works inside conda envs; conda itself may not be installed here
    return "pip"


def has_pip(python: Path) -> bool:
    prefix = Path(python).parent.parent
    for pattern in ("lib/python3*/site-packages/pip", "Lib/site-packages/pip", "lib/site-packages/pip"):
        if any(prefix.glob(pattern)):
            return True
    return False


def _pip_front(python: str) -> tuple[str, ...]:
    """``python -m pip``; for an environment made without pip: uv, else this process's own pip with ``--python``."""
    if has_pip(Path(python)):
        return (python, "-m", "pip")
    uv = shutil.which("uv")
    if uv:
        return (uv, "pip")
    if importlib.util.find_spec("pip") is not None:
        return (sys.executable, "-m", "pip", "--python", python)
    return (python, "-m", "pip")


def _install_argv(manager: str, python: str, args: list[str]) -> tuple[str, ...]:
    if manager == "uv":
        return ("uv", "pip", "install", "--python", python, *args)
    if manager == "conda":
        return ("conda", "install", "--yes", "--prefix", str(Path(python).parent.parent), *args)
    if manager == "poetry":
        return ("poetry", "add", *args)
    if manager == "pipenv":
        return ("pipenv", "install", *args)
    front = _pip_front(python)
    if front[-1] == "pip" and front[0] != python and len(front) == 2:      # uv pip
        return (*front, "install", "--python", python, *args)
    return (*front, "install", *args)


def no_install_fix(refused: list[str], *, what: str = "install") -> Fix:
    """What a finding carries instead of an install/uninstall whose specs came from metadata and fail the rule of
    ``tf_lsp.reqsafe``: nothing to run, only the reason (front ends show it; nothing reaches an installer)."""
    why = "; ".join(refused)
    return Fix(title=f"No {what} can be offered: {why}", action="explain", args={"refused": list(refused), "message": (
        f"tf-lsp offers no {what} here: {why}. Check the package's metadata and install what you need yourself.")})


def install_fix(ws: "Workspace", specs: Iterable[str], *, title: str | None = None, preferred: bool = True,
                force_reinstall: bool = False, no_deps: bool = False) -> Fix:
    """Install ``specs``; a spec that is not a plain requirement (``reqsafe``) is dropped, and when none is left
    the fix only says why (``no_install_fix``)."""
    raw = list(specs)
    specs, refused = split_safe(raw)
    if not specs:
        return no_install_fix(refused)
    if refused:
        title = None
    python = str(ws.choice.python)
    manager = environment_manager(ws.choice.python, root=ws.root, preferred=ws.settings.installer)
    flags = (["--force-reinstall"] if force_reinstall else []) + (["--no-deps"] if no_deps else [])
    if manager in ("poetry", "pipenv", "conda") and flags:
        manager = "pip"
    argv = _install_argv(manager, python, flags + specs)
    args = {"python": python, "specs": specs, "manager": manager, "cwd": str(ws.root),
            "forceReinstall": force_reinstall, "noDeps": no_deps}
    if refused:
        args["refused"] = refused
    return Fix(title=title or f"Install {' '.join(specs)} into {_env_label(ws)}", action="install", command=argv,
               args=args, preferred=preferred)


def uninstall_fix(ws: "Workspace", names: Iterable[str], *, title: str | None = None) -> Fix:
    given, names, refused = list(names), [], []
    for n in given:
        try:
            names.append(safe_name(n))
        except ValueError as exc:
            refused.append(str(exc))
    if refused:
        return no_install_fix(refused, what="uninstall")
    python = str(ws.choice.python)
    manager = environment_manager(ws.choice.python, preferred=ws.settings.installer)
    front = ("uv", "pip") if manager == "uv" else _pip_front(python)
    if len(front) == 2:
        argv = (*front, "uninstall", "--python", python, *names)
    else:
        argv = (*front, "uninstall", "-y", *names)
    return Fix(title=title or f"Uninstall {' '.join(names)} from {_env_label(ws)}", action="uninstall", command=argv,
               args={"python": python, "names": names, "manager": manager, "cwd": str(ws.root)})


def reinstall_fix(ws: "Workspace", name: str, version: str) -> Fix:
    return install_fix(ws, [f"{name}=={version}"], title=f"Force-reinstall {name}=={version}", force_reinstall=True,
                       no_deps=True)


def use_interpreter_fix(ws: "Workspace", cand: Candidate, *, detail: str = "") -> Fix:
    from tf_lsp.interpreters import activation_commands

    label = cand.name + (f" (Python {cand.version}" + (f", {detail}" if detail else "") + ")" if cand.version else "")
    return Fix(title=f"Use {label}", action="use-interpreter", command=(),
               args={"python": str(cand.python), "prefix": str(cand.prefix), "kind": cand.kind, "name": cand.name,
                     "activate": activation_commands(cand)}, preferred=True)


def rename_fix(old: Path, new: Path, *, why: str) -> Fix:
    return Fix(title=f"Rename {old.name} to {new.name} ({why})", action="rename",
               args={"from": str(old), "to": str(new)}, preferred=True)


def _env_label(ws: "Workspace") -> str:
    cand = ws.choice.candidate
    if cand is not None:
        return cand.name
    return str(ws.choice.python)
