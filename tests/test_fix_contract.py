"""The fix contract (tf_lsp/fixargs.py, tf_lsp/model.py): every action's argument record goes to JSON and back
unchanged, anything else is refused with a reason; the engine makes the pin and the .env fixes itself."""
from __future__ import annotations

import pytest

from tf_lsp.fixargs import (ARGS_OF, EditArgs, ExplainArgs, FixAction, FixDataError, InstallArgs, PinArgs, RenameArgs,
                            SetEnvArgs, UninstallArgs, UseInterpreterArgs)
from tf_lsp.fixes import set_env_fix, with_pins
from tf_lsp.model import Edit, Finding, Fix, Range, Severity, decode_data

SAMPLES = {
    FixAction.INSTALL: InstallArgs(python="/e/bin/python", specs=("numpy<2",), manager="pip", cwd="/tmp", index="x",
                                   package="numpy", specifier="<2", constraints=("tf: <2",), refused=("a @ b",)),
    FixAction.REINSTALL: InstallArgs(python="/e/bin/python", specs=("six==1.0",), manager="uv", cwd="/tmp",
                                     force_reinstall=True, no_deps=True),
    FixAction.UNINSTALL: UninstallArgs(python="/e/bin/python", names=("a", "b"), manager="pip", cwd="/tmp"),
    FixAction.USE_INTERPRETER: UseInterpreterArgs(python="/e/bin/python", prefix="/e", kind="venv", name="e",
                                                  activate=(("bash", "source /e/bin/activate"),)),
    FixAction.RENAME: RenameArgs(source="/w/numpy.py", target="/w/numpy_local.py"),
    FixAction.PIN: PinArgs(package="six", specifier="==1.16.0"),
    FixAction.EDIT: EditArgs(old="Dense2", new="Dense"),
    FixAction.SET_ENV: SetEnvArgs(name="TF_USE_LEGACY_KERAS", value=None, where="set in the workspace .env file"),
    FixAction.EXPLAIN: ExplainArgs(message="why", refused=("x",)),
}


def test_every_action_has_a_record_and_a_sample():
    assert set(ARGS_OF) == set(FixAction) == set(SAMPLES)


@pytest.mark.parametrize("action", list(FixAction))
def test_round_trip(action):
    args = SAMPLES[action]
    edits = (Edit("/w/x.py", Range.of(0, 1, 0, 3), "y"), Edit("/w/.env", None, "A=1\n"))
    fix = Fix(title="t", action=action, args=args, command=("a", "b"), edits=edits, preferred=True)
    assert type(args).from_json(args.to_json()) == args
    assert Fix.from_json(fix.to_json()) == fix
    finding = Finding(Range.of(0, 0, 0, 1), Severity.ERROR, "TFL100", "module-not-found", "m", fixes=(fix,))
    assert decode_data(finding.data_json()) == (fix,)


def test_wrong_record_for_the_action_is_a_type_error():
    with pytest.raises(TypeError, match="install fix carries InstallArgs"):
        Fix(title="t", action=FixAction.INSTALL, args=PinArgs(package="a", specifier="<2"))


@pytest.mark.parametrize("data, reason", [
    ({"title": "t", "action": "format-disk", "args": {}}, "unknown fix action 'format-disk'"),
    ({"title": "t", "action": "install", "args": {"python": 3}}, "python must be a string"),
    ({"title": "t", "action": "install", "args": {"python": "p", "specs": "numpy", "manager": "pip", "cwd": "/"}},
     "specs must be a list of strings"),
    ({"title": "t", "action": "rename", "args": {"from": "a"}}, "to must be a string (missing)"),
    ({"title": "t", "action": "set-env", "args": {"name": "A"}}, "value must be a string or null (missing)"),
    ({"title": "t", "action": "pin", "args": {"package": "a", "specifier": "<2", "install": "yes"}},
     "install must be true or false"),
    ({"title": "t", "action": "edit", "args": {}, "edits": [{"path": "/x", "newText": "", "range": {"start": {"line": -1}}}]},
     "position"),
    ({"title": "", "action": "edit", "args": {}}, "needs a title"),
    ("install numpy", "a fix must be an object"),
])
def test_malformed_fix_is_refused_with_a_reason(data, reason):
    with pytest.raises(FixDataError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        Fix.from_json(data)


@pytest.mark.parametrize("data, reason", [
    ({"fixes": []}, "version None"),
    ({"v": 2, "fixes": []}, "version 2"),
    ({"v": 1}, "no list of fixes"),
    ({"v": 1, "fixes": [{"title": "t", "action": "nope"}]}, "fix 0: unknown fix action"),
    (["v", 1], "must be an object"),
])
def test_malformed_diagnostic_data(data, reason):
    with pytest.raises(FixDataError, match=reason):
        decode_data(data)


class _Ws:
    def __init__(self, root):
        self.root = root


def test_set_env_fix_edits_the_dotenv_or_says_where(tmp_path):
    (tmp_path / ".env").write_text("A=1\nTF_USE_LEGACY_KERAS=1\n")
    fix = set_env_fix(_Ws(tmp_path), "TF_USE_LEGACY_KERAS", None, title="Unset", where="set in the workspace .env file")
    assert fix.action is FixAction.SET_ENV and len(fix.edits) == 1 and fix.edits[0].path == str(tmp_path / ".env")
    shell = set_env_fix(_Ws(tmp_path), "TF_USE_LEGACY_KERAS", None, title="Unset", where="set in the environment")
    assert shell.action is FixAction.EXPLAIN and not shell.edits and "remove it there" in shell.args.message


def test_pin_follows_a_constrained_install(tmp_path):
    (tmp_path / "requirements.txt").write_text("six\nrequests\n")
    install = Fix(title="Install six==1.16.0", action=FixAction.INSTALL, command=("pip", "install", "six==1.16.0"),
                  args=InstallArgs(python="p", specs=("six==1.16.0",), manager="pip", cwd="/", package="six",
                                   specifier="==1.16.0"), preferred=True)
    plain = Fix(title="Install six", action=FixAction.INSTALL, command=("pip", "install", "six"),
                args=InstallArgs(python="p", specs=("six",), manager="pip", cwd="/"))
    fixes = with_pins(tmp_path, [install, plain])
    assert [f.action for f in fixes] == [FixAction.INSTALL, FixAction.PIN, FixAction.INSTALL]
    pin = fixes[1]
    assert pin.title == "Pin six==1.16.0 in requirements.txt and install it" and pin.command == install.command
    assert pin.args == PinArgs(package="six", specifier="==1.16.0", install=True)
    assert [e.new_text for e in pin.edits] == ["==1.16.0"] or "six==1.16.0" in "".join(e.new_text for e in pin.edits)
    (tmp_path / "requirements.txt").unlink()
    assert with_pins(tmp_path, [install]) == (install,)          # no manifest: nothing to pin in
