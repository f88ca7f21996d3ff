"""The install-spec rule (tf_lsp/reqsafe.py): properties over generated text, and a real environment whose
installed metadata declares hostile requirements that must never reach an installer's argv."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from tf_lsp.reqsafe import ARCHIVE_SUFFIXES, safe_name, safe_requirement, safe_specifier
from tests.wheelmaker import build_wheel, make_venv, pip_install

EVIL = ["evil-1.0-py3-none-any.whl", "x.zip", "x==1.0+evil.tar.gz", "./evil-1.0-py3-none-any.whl", "x.tgz",
        "X.TAR.BZ2", "x.egg", "x.zip[e]", "x===1.0", "x @ https://example.invalid/x.whl", "x @ file:///tmp/x.whl",
        "-e .", "--index-url=http://x", ".", "..", "/tmp/x", "C:\\x\\y", "numpy\n", "numpy\r", "numpy\x1b[2J",
        "numpy; python_version > '3'", "numpy\u2028", "numpy==1.0\x00", " -rx", "~/x.whl", "x==1.0+local"]
NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


@pytest.mark.parametrize("text", EVIL)
def test_the_listed_evil_forms_are_refused(text):
    with pytest.raises(ValueError):
        safe_requirement(text)


@pytest.mark.parametrize("text", ["numpy", "numpy>=1.23.5,<2.0.0", "tensorflow[and-cuda]==2.16.1", "tf_keras~=2.16.0",
                                  "tensorflow==2.16.*", "Six", "numpy >= 1.2", "a", "zope.interface!=5"])
def test_plain_requirements_pass(text):
    assert str(safe_requirement(text)) == str(Requirement(text))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_anything_accepted_is_a_plain_name_and_specifier(text):
    try:
        req = safe_requirement(text)
    except ValueError:
        return
    assert NAME.fullmatch(req.name) and req.url is None and req.marker is None
    assert not any(req.name.lower().endswith(s) for s in ARCHIVE_SUFFIXES)
    assert all("+" not in s.version and s.operator != "===" for s in req.specifier)
    assert re.fullmatch(r"[A-Za-z0-9._\-\[\],<>=!~*+ ]+", text)       # no separator, quote, control char, newline
    assert not text.lstrip().startswith(("-", "."))


_name = st.from_regex(NAME, fullmatch=True).filter(lambda n: len(n) < 30)
_version = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(_name, st.sampled_from(["", "==", ">=", "~=", "!=", "<"]), _version)
def test_generated_plain_requirements_are_accepted_unless_archive_like(name, op, version):
    text = name + (f"{op}{version}" if op and (op != "~=" or "." in version) else "")
    archive = any(name.lower().endswith(s) for s in ARCHIVE_SUFFIXES)
    if archive:
        with pytest.raises(ValueError):
            safe_requirement(text)
    else:
        assert safe_requirement(text).name == name


@settings(max_examples=300, deadline=None)
@given(_name, st.sampled_from(["/", "\\", "./", "../", "~/", "C:\\", "file:", "https://", "git+ssh://"]),
       st.text(max_size=20))
def test_generated_path_and_url_like_strings_are_refused(name, sep, tail):
    for text in (f"{name}{sep}{tail}", f"{sep}{name}{tail}", f"{name} @ {sep}{tail}"):
        with pytest.raises(ValueError):
            safe_requirement(text)


@settings(max_examples=300, deadline=None)
@given(_name, st.sampled_from(ARCHIVE_SUFFIXES), st.sampled_from(["", "==1.0+evil", "[x]"]))
def test_archive_suffixes_are_refused_wherever_they_end(name, suffix, middle):
    with pytest.raises(ValueError):
        safe_requirement(f"{name}{middle}{suffix}")
    with pytest.raises(ValueError):
        safe_name(f"{name}{suffix.upper()}")


@settings(max_examples=200, deadline=None)
@given(_name, st.sampled_from(["\n", "\r", "\t", "\x0b", "\x0c", "\x1b", "\x85", "\u2028", "\x00"]))
def test_names_with_line_breaks_or_control_characters_are_refused(name, ch):
    for text in (name + ch, ch + name, name[:1] + ch + name[1:]):
        with pytest.raises(ValueError):
            safe_name(text)
        with pytest.raises(ValueError):
            safe_requirement(text)


def test_specifiers_refuse_local_labels_and_arbitrary_equality():
    assert str(safe_specifier("<2,>=1.23")) == "<2,>=1.23"
    for bad in ("==1.0+evil.tar.gz", "===1", "==1.0+cu118", ">=1; rm", "==1\n", "=>1"):
        with pytest.raises(ValueError):
            safe_specifier(bad)


HOSTILE = ["evil-1.0-py3-none-any.whl", "x==1.0+evil.tar.gz", "y @ file:///tmp/evil/y-1.0-py3-none-any.whl",
           "zz.zip>=1", "six>=1.10"]


def test_hostile_requires_dist_never_reaches_the_fix_argv(tmp_path):
    """A real venv holds a distribution whose METADATA requires archive names, a local version label and a URL.
    The CLI's JSON fixes install six (a plain requirement) and nothing of the rest."""
    root = tmp_path / "ws"
    root.mkdir()
    py = make_venv(root / ".venv")
    wheel = build_wheel(tmp_path / "wheels", "hostile-dist", "1.0",
                        {"hostile_mod/__init__.py": "import six\nimport evil\nimport x\nimport y\nimport zz\n"},
                        requires=HOSTILE, top_level=["hostile_mod"])
    pip_install(py, "--no-deps", str(wheel))
    (root / "main.py").write_text("import hostile_mod\n")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    r = subprocess.run([sys.executable, "-m", "tf_lsp", "check", "main.py", "--format", "json"], cwd=root, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 1), r.stderr
    findings = [f for fl in json.loads(r.stdout)["files"] for f in fl["diagnostics"]]
    fixes = [fx for f in findings for fx in f["fixes"]]
    argv = [a for fx in fixes for a in fx["command"]]
    assert any(a == "six>=1.10" for a in argv), fixes             # the plain requirement is still offered
    for fx in fixes:
        for a in fx["command"]:
            assert not any(s in a for s in ("evil", ".whl", ".zip", "file:", "+", "zz")), fx
        for spec in fx["args"].get("specs", []):
            safe_requirement(spec)
    refused = [why for fx in fixes for why in fx["args"].get("refused", [])]
    assert any("local version label" in why for why in refused), fixes
    assert any("archive file name" in why for why in refused), fixes
    explain = [fx for fx in fixes if fx["action"] == "explain"]
    assert explain and all(not fx["command"] and fx["title"].startswith("No install can be offered") for fx in explain)
    for f in findings:                      # what a person is told to install is what the fix installs
        assert "Install evil" not in f["message"] and "x==1.0+evil" not in f["message"].split("Install")[-1]
