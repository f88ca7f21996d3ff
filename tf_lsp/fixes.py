"""Fixes as data: the exact argv of an install/uninstall with the environment's own manager, or an edit.

Nothing here runs anything; front ends (the server's code actions, the CLI's JSON) carry the ``Fix`` records.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement

from tf_lsp import safeio
from tf_lsp.fixargs import (
    EditArgs,
    ExplainArgs,
    FixAction,
    InstallArgs,
    PinArgs,
    RenameArgs,
    SetEnvArgs,
    UninstallArgs,
    UseInterpreterArgs,
)
from tf_lsp.installer_env import describe_index, neutral_cwd, uv_user_config
from tf_lsp.manifests import ManifestRefused, pin_edits, set_env_edit
from tf_lsp.model import Candidate, Edit, Fix
from tf_lsp.reqsafe import safe_name, split_safe

if TYPE_CHECKING:
    from tf_lsp.workspace import Workspace


def environment_manager(python: Path, *, root: Path | None = None, preferred: str = "auto") -> str:
    """pip, uv, conda, poetry or pipenv: what should install into this environment."""
    if preferred != "auto":
        return preferred
    prefix = Path(python).parent.parent
    try:
        cfg = safeio.read_text(prefix / "pyvenv.cfg")
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
    """``python -I -m pip`` (isolated: neither the working folder nor PYTHON* variables decide which pip runs); for
    an environment made without pip: uv, else this process's own pip with ``--python``."""
    if has_pip(Path(python)):
        return (python, "-I", "-m", "pip")
    uv = shutil.which("uv")
    if uv:
        return (uv, "pip")
    if importlib.util.find_spec("pip") is not None:
        return (sys.executable, "-I", "-m", "pip", "--python", python)
    return (python, "-I", "-m", "pip")


def uses_project_config(ws: "Workspace") -> bool:
    """uv may read the project's own settings only in a trusted workspace whose user opted in."""
    return ws.settings.trusted_workspace and ws.settings.installer_uses_project_config


def _uv_config(ws: "Workspace") -> tuple[str, ...]:
    """``--no-config`` (the project's pyproject/uv.toml are not read), with the user's own uv.toml passed back."""
    if uses_project_config(ws):
        return ()
    user = uv_user_config(ws.root)
    return ("--no-config",) + (("--config-file", str(user)) if user else ())


def _install_argv(manager: str, python: str, args: list[str], *, uv_config: tuple[str, ...] = ("--no-config",),
                  front: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if manager == "uv":
        return ("uv", "pip", "install", *uv_config, "--python", python, *args)
    if manager == "conda":
        return ("conda", "install", "--yes", "--prefix", str(Path(python).parent.parent), *args)
    if manager == "poetry":
        return ("poetry", "add", *args)
    if manager == "pipenv":
        return ("pipenv", "install", *args)
    front = front or _pip_front(python)
    if front[-1] == "pip" and front[0] != python and len(front) == 2:      # uv pip
        return (*front, "install", *uv_config, "--python", python, *args)
    return (*front, "install", *args)


def no_install_fix(refused: list[str], *, what: str = "install") -> Fix:
    """What a finding carries instead of an install/uninstall whose specs came from metadata and fail the rule of
    ``tf_lsp.reqsafe``: nothing to run, only the reason (front ends show it; nothing reaches an installer)."""
    why = "; ".join(refused)
    return Fix(title=f"No {what} can be offered: {why}", action=FixAction.EXPLAIN, args=ExplainArgs(
        refused=tuple(refused), message=(f"tf-lsp offers no {what} here: {why}. Check the package's metadata and "
                                         f"install what you need yourself.")))


def explain_fix(title: str, message: str) -> Fix:
    return Fix(title=title, action=FixAction.EXPLAIN, args=ExplainArgs(message=message))


def _per_load(ws, key: tuple, compute):
    """``compute()`` once per environment load of ``ws`` (its ``memo`` is cleared whenever the environment changes):
    a file with thousands of missing imports builds thousands of install fixes, each would glob and read again."""
    memo = getattr(ws, "memo", None)
    if memo is None:
        return compute()
    key = ("fixes",) + key
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def install_fix(ws: "Workspace", specs: Iterable[str], *, title: str | None = None, preferred: bool = True,
                force_reinstall: bool = False, no_deps: bool = False, package: str | None = None,
                specifier: str | None = None, constraints: Iterable[str] = (),
                action: FixAction = FixAction.INSTALL) -> Fix:
    """Install ``specs``; a spec that is not a plain requirement (``reqsafe``) is dropped, and when none is left
    the fix only says why (``no_install_fix``). ``package``/``specifier`` name the version choice the fix makes
    (what a pin records); by default the one spec's own name and specifier."""
    raw = list(specs)
    specs, refused = split_safe(raw)
    if not specs:
        return no_install_fix(refused)
    if refused:
        title = None
    python = str(ws.choice.python)
    manager = _per_load(ws, ("manager", python, ws.settings.installer),
                        lambda: environment_manager(ws.choice.python, root=ws.root, preferred=ws.settings.installer))
    flags = (["--force-reinstall"] if force_reinstall else []) + (["--no-deps"] if no_deps else [])
    if manager in ("poetry", "pipenv", "conda") and (flags or not ws.settings.trusted_workspace):
        # project tools read (and run) the project, and conda reads .condarc files (the environment's prefix among
        # them): none of them starts for an untrusted workspace (tests/hostile: installer-conda-* cases)
        manager = "pip"
    argv = _install_argv(manager, python, flags + specs, uv_config=_uv_config(ws),
                         front=_per_load(ws, ("pip-front", python), lambda: _pip_front(python)))
    uv = manager == "uv" or (len(argv) > 1 and argv[1] == "pip" and argv[0] != python)
    project = uv and uses_project_config(ws)      # uv finds the project's settings from its working folder
    index = _per_load(ws, ("index", python, manager, uv, project), lambda: describe_index(
        "uv" if uv else manager, python, project_config=project, uv_config_file=uv_user_config(ws.root) if uv else None))
    title = (title or f"Install {' '.join(specs)} into {_env_label(ws)}") + f" from {index}"
    if package is None and len(specs) == 1 and (pinned := pinned_spec(specs[0])):
        package, specifier = pinned
    args = InstallArgs(python=python, specs=tuple(specs), manager=manager,
                       cwd=str(ws.root if project else neutral_cwd()), index=index, force_reinstall=force_reinstall,
                       no_deps=no_deps, refused=tuple(refused), package=package,
                       specifier=None if package is None else (specifier or ""), constraints=tuple(constraints))
    return Fix(title=title, action=action, command=argv, args=args, preferred=preferred)


def pinned_spec(spec: str) -> tuple[str, str] | None:
    """(name, specifier) of a requirement that constrains its version (``numpy<2``), else None."""
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return None
    return (req.name, str(req.specifier)) if req.specifier and not req.url else None


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
        argv = (*front, "uninstall", *_uv_config(ws), "--python", python, *names)
    else:
        argv = (*front, "uninstall", "-y", *names)
    return Fix(title=title or f"Uninstall {' '.join(names)} from {_env_label(ws)}", action=FixAction.UNINSTALL,
               command=argv, args=UninstallArgs(python=python, names=tuple(names), manager=manager,
                                                cwd=str(neutral_cwd())))


def reinstall_fix(ws: "Workspace", name: str, version: str) -> Fix:
    """The installed version again, over itself (``--force-reinstall --no-deps``): the ``reinstall`` action."""
    return install_fix(ws, [f"{name}=={version}"], title=f"Force-reinstall {name}=={version}", force_reinstall=True,
                       no_deps=True, action=FixAction.REINSTALL)


def use_interpreter_fix(ws: "Workspace", cand: Candidate, *, detail: str = "") -> Fix:
    from tf_lsp.interpreters import activation_commands

    label = cand.name + (f" (Python {cand.version}" + (f", {detail}" if detail else "") + ")" if cand.version else "")
    return Fix(title=f"Use {label}", action=FixAction.USE_INTERPRETER, command=(),
               args=UseInterpreterArgs(python=str(cand.python), prefix=str(cand.prefix), kind=cand.kind,
                                       name=cand.name, activate=tuple(activation_commands(cand).items())),
               preferred=True)


def rename_fix(old: Path, new: Path, *, why: str) -> Fix:
    return Fix(title=f"Rename {old.name} to {new.name} ({why})", action=FixAction.RENAME,
               args=RenameArgs(source=str(old), target=str(new)), preferred=True)


def edit_fix(title: str, edits: Iterable[Edit], *, old: str | None = None, new: str | None = None,
             preferred: bool = False) -> Fix:
    return Fix(title=title, action=FixAction.EDIT, edits=tuple(edits), args=EditArgs(old=old, new=new),
               preferred=preferred)


def pin_fix(root: Path, package: str, specifier: str, *, install: Fix | None = None,
            texts: Mapping[str, str] | None = None) -> Fix | None:
    """Pin ``package<specifier>`` where the project declares its dependencies (``manifests.pin_edits``; ``texts``:
    files whose text differs from the disk, e.g. open in an editor) and install it with ``install``'s argv.
    None when the project has no manifest to pin in; an ``explain`` fix when the manifest cannot be edited safely."""
    try:
        edits = pin_edits(root, package, specifier, texts=texts) if package else []
    except ManifestRefused as exc:
        return explain_fix(f"Pin {package}{specifier} (why it cannot be pinned here)", str(exc))
    if not edits:
        return None
    files = ", ".join(dict.fromkeys(Path(e.path).name for e in edits))
    return Fix(title=f"Pin {package}{specifier} in {files} and install it", action=FixAction.PIN,
               args=PinArgs(package=package, specifier=specifier, install=install is not None),
               command=install.command if install is not None else (), edits=tuple(edits))


def with_pins(root: Path, fixes: Iterable[Fix]) -> tuple[Fix, ...]:
    """Each install of one version-constrained package followed by its pin (when the project has a manifest)."""
    out: list[Fix] = []
    for fx in fixes:
        out.append(fx)
        args = fx.args
        if fx.action is FixAction.INSTALL and isinstance(args, InstallArgs) and args.package and args.specifier \
                and len(args.specs) == 1:
            pin = pin_fix(root, args.package, args.specifier, install=fx)
            if pin is not None and pin not in out:
                out.append(pin)
    return tuple(out)


def set_env_fix(ws: "Workspace", name: str, value: str | None, *, title: str, where: str,
                preferred: bool = False) -> Fix:
    """Set (``value=None``: remove) an environment variable in the workspace ``.env``. When it is set somewhere an
    edit of ``.env`` cannot reach (the shell, the tfLsp.env setting), the fix says where to change it instead."""
    if where and ".env" not in where:
        why = (f"{name} is {where}: " + ("remove it there" if value is None else f"set it to {value} there")
               + " (tf-lsp edits only the workspace .env file).")
        return explain_fix(f"{title} (how)", why)
    try:
        edit = set_env_edit(ws.root, name, value)
    except ManifestRefused as exc:
        return explain_fix(f"{title} (how)", str(exc))
    return Fix(title=title, action=FixAction.SET_ENV, args=SetEnvArgs(name=name, value=value, where=where),
               edits=(edit,), preferred=preferred)


def _env_label(ws: "Workspace") -> str:
    cand = ws.choice.candidate
    if cand is not None:
        return cand.name
    return str(ws.choice.python)
