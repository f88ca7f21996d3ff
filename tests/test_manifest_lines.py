"""The requirements line model (tf_lsp/manifests/reqlines.py) against pip's own reader, and pin edits that keep
every byte outside their target: examples from the issue, then properties over generated files."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tf_lsp.manifests import ManifestRefused, apply_edits, pin_edits
from tf_lsp.manifests import requirements as reqs
from tf_lsp.manifests.reqlines import logical_lines
from tf_lsp.manifests.text import lsp_lines, minimal_edits


def pip_view(text: str) -> list[tuple[int, str]]:
    """(line number, requirement text) of each non-editable requirement, as pip's own parser reads the file
    (pip internals, used here only as the oracle; includes are not followed)."""
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import RequirementsFileParser, get_line_parser

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "requirements.txt")
        with open(path, "wb") as fh:
            fh.write(text.encode("utf-8"))
        for include in ("other.txt", "c.txt"):          # the files the generated lines include, empty
            open(os.path.join(d, include), "w").close()
        parser = RequirementsFileParser(PipSession(), get_line_parser(None))
        return [(ln.lineno, ln.requirement.rstrip()) for ln in parser.parse(path, constraint=False)
                if ln.is_requirement and not ln.is_editable]


def model_view(text: str) -> list[tuple[int, str]]:
    return [(ln.number, ln.args) for ln in logical_lines(text) if ln.args]


def write(root: Path, name: str, text: str) -> Path:
    (root / name).write_bytes(text.encode())
    return root / name


def edited(root: Path, name: str, edits) -> str:
    return apply_edits((root / name).read_bytes().decode(), [e for e in edits if Path(e.path).name == name])


@pytest.mark.parametrize("text,line", [
    ("# a\rsix\rnumpy\r", 1),                       # CR-only line endings
    ("# a \f numpy\nsix\nnumpy\n", 1),              # pip breaks at \f, the editor does not
    ("# a \u2028 b\nsix\n", 1),
    ("# a \x85 b\r\nsix\r\n", 1),
    ("# a \\\nsix\n", 1),
])
def test_the_edit_lands_on_the_line_pip_reads(tmp_path, text, line):
    write(tmp_path, "requirements.txt", text)
    edits = pin_edits(tmp_path, "six", "==1.17.0")
    assert [e.range.start.line for e in edits] == [line]
    assert lsp_lines(edited(tmp_path, "requirements.txt", edits))[line].startswith("six==1.17.0")
    assert edited(tmp_path, "requirements.txt", edits) == text.replace("six", "six==1.17.0")


def test_a_form_feed_ends_a_line_for_pip_so_the_comment_tail_is_a_requirement(tmp_path):
    text = "# a \f numpy\nsix\n"
    assert model_view(text) == pip_view(text) == [(2, "numpy"), (3, "six")]
    write(tmp_path, "requirements.txt", text)
    edits = pin_edits(tmp_path, "numpy", "<2")
    assert [(e.range.start.line, e.range.start.character) for e in edits] == [(0, 11)]   # editor line 0, after \f
    assert edited(tmp_path, "requirements.txt", edits) == "# a \f numpy<2\nsix\n"


@pytest.mark.parametrize("package", ["six\n", "six\r\nevil", "evil-1.0-py3-none-any.whl", "-rx"])
def test_a_name_that_is_not_a_distribution_name_is_refused(tmp_path, package):
    write(tmp_path, "requirements.txt", "six\n")
    with pytest.raises(ManifestRefused):
        pin_edits(tmp_path, package, "==1")
    with pytest.raises(ManifestRefused):
        pin_edits(tmp_path, "six", "==1\nevil")


def test_hashes_are_refused_not_left_stale(tmp_path):
    text = "six==1.16.0 \\\n    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\nnumpy\n"
    write(tmp_path, "requirements.txt", text)
    with pytest.raises(ManifestRefused, match="--hash"):
        pin_edits(tmp_path, "six", "==1.17.0")
    assert edited(tmp_path, "requirements.txt", pin_edits(tmp_path, "numpy", "<2")) == text.replace("numpy", "numpy<2")


def test_a_requirement_split_over_continuations_is_refused(tmp_path):
    write(tmp_path, "requirements.txt", "six\\\n==1.16\n")
    assert model_view("six\\\n==1.16\n") == pip_view("six\\\n==1.16\n") == [(1, "six==1.16")]
    with pytest.raises(ManifestRefused, match="continues"):
        pin_edits(tmp_path, "six", "==1.17.0")


def test_included_files_are_pinned_not_duplicated(tmp_path):
    write(tmp_path, "requirements.txt", "-r base.txt\n--constraint=sub/constraints.txt\nrequests\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path, "base.txt", "# base\r\nsix>=1.0\r\n-r requirements.txt\r\n")        # a loop back
    write(tmp_path, "sub/constraints.txt", "-c ../base.txt\nnumpy<3\n")
    edits = pin_edits(tmp_path, "six", "==1.17.0")
    assert {Path(e.path).name for e in edits} == {"base.txt"}
    assert edited(tmp_path, "base.txt", edits) == "# base\r\nsix==1.17.0\r\n-r requirements.txt\r\n"
    edits = pin_edits(tmp_path, "numpy", "<2")
    assert [Path(e.path).name for e in edits] == ["constraints.txt"]
    assert apply_edits((tmp_path / "sub/constraints.txt").read_text(), edits) == "-c ../base.txt\nnumpy<2\n"
    edits = pin_edits(tmp_path, "h5py", ">=3")                # declared nowhere: appended to the main file
    assert edited(tmp_path, "requirements.txt", edits).endswith("requests\nh5py>=3\n")


def test_includes_outside_the_workspace_are_not_followed(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    write(tmp_path, "outside.txt", "six\n")
    write(root, "requirements.txt", "-r ../outside.txt\n")
    edits = pin_edits(root, "six", "==1")
    assert [Path(e.path).name for e in edits] == ["requirements.txt"]
    assert (tmp_path / "outside.txt").read_text() == "six\n"


def test_files_that_cannot_be_edited_safely_are_refused(tmp_path):
    write(tmp_path, "requirements.txt", "-r pipe.txt\nsix\n")
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(ManifestRefused, match="not a regular file"):
        pin_edits(tmp_path, "six", "==1")                    # and it does not hang on the FIFO
    (tmp_path / "pipe.txt").unlink()
    (tmp_path / "pipe.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(ManifestRefused, match="not UTF-8"):
        pin_edits(tmp_path, "six", "==1")
    (tmp_path / "pipe.txt").unlink()
    write(tmp_path, "pyproject.toml", "[project\ndependencies = ['six']\n")
    with pytest.raises(ManifestRefused, match="not valid TOML"):
        pin_edits(tmp_path, "six", "==1")
    (tmp_path / "pyproject.toml").unlink()
    write(tmp_path, "environment.yml", "dependencies:\n  - python\n  # x\u2028  - six\n")
    with pytest.raises(ManifestRefused, match="YAML"):
        pin_edits(tmp_path, "numpy", "==1")


def test_pyproject_edits_change_only_their_target(tmp_path):
    text = ("[project]\nname = 'x'\ndependencies = [\n  'six>=1',  # c\r\n  \"numpy\",\n]\n"
            "[tool.x]\nk = \"\\u00e9\"\n")
    write(tmp_path, "pyproject.toml", text)
    assert edited(tmp_path, "pyproject.toml", pin_edits(tmp_path, "six", "==1.17.0")) == \
        text.replace("'six>=1'", "'six==1.17.0'")


# --- properties -----------------------------------------------------------------------------------------------

BREAKS = ["\n", "\r\n", "\r", "\f", "\v", "\u2028", "\x85", "\x1c"]
PIECES = ["six", "six==1.0", "Six [a,b] >= 1.0 ; python_version > '3'", "six; sys_platform == 'linux'",
          "numpy>=1.2", "numpy  # six", "# six", "  # comment six", "-r other.txt", "-c c.txt", "--pre",
          "six \\", "numpy \\", "\\", "  --hash=sha256:abcd", "six==1 --hash=sha256:abcd", "foo @ https://e.invalid/six.whl",
          "-e ./six", "", "   ", "\t", "six#notacomment", "é ü", "six\t", "x==1 \\"]


@st.composite
def requirement_files(draw):
    parts = draw(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(BREAKS)), max_size=12))
    text = "".join(p + b for p, b in parts)
    if draw(st.booleans()) and text:
        text = text[:-1] if text[-1] in "\n\r" else text          # no final line break
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requirement_files())
def test_model_agrees_with_pip_on_which_line_holds_which_requirement(text):
    try:
        expected = pip_view(text)
    except Exception:                       # pip refuses the file (an option it cannot parse): nothing to compare
        assume(False)
    assert model_view(text) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requirement_files(), st.sampled_from(["==2.0", "<2,>=1", "~=1.5"]))
def test_pin_keeps_every_byte_outside_its_target_and_pip_reads_the_pin(text, spec):
    try:
        new = reqs.pin(text, "six", spec)
    except ManifestRefused:
        targets = [ln for ln in logical_lines(text) if (r := ln.requirement()) and r.name.lower() == "six"]
        assert any(ln.hashes or ln.req_span is None for ln in targets) or targets
        return
    if new is None:
        assert not any((r := ln.requirement()) and r.name.lower() == "six" and not r.url for ln in logical_lines(text))
        return
    targets = [ln for ln in logical_lines(text) if (r := ln.requirement()) and r.name.lower() == "six" and not r.url]
    pos_new, prev = 0, 0
    for ln in targets:                     # outside the target spans, old and new are the same text
        a, b = ln.req_span
        seg = text[prev:a]
        assert new[pos_new:pos_new + len(seg)] == seg
        pos_new += len(seg)
        req_new = Requirement(reqs._repinned_args(text[a:b], spec))
        old_req = Requirement(text[a:b])
        assert req_new.name == old_req.name and req_new.marker == old_req.marker and req_new.extras == old_req.extras
        pos_new += len(reqs._repinned_args(text[a:b], spec))
        prev = b
    assert new[pos_new:] == text[prev:]
    # the editor's view: the minimal edits, applied on the editor's lines, give exactly the new text
    assert apply_edits(text, minimal_edits("r.txt", text, new)) == new
    # pip's view: the same lines hold the same requirements, the pinned ones with the new specifier
    before, after = pip_view(text), pip_view(new)
    assert [n for n, _ in before] == [n for n, _ in after]
    for (_, x), (_, y) in zip(before, after):
        try:
            rx = Requirement(x)
        except ValueError:
            rx = None
        if rx is not None and rx.name.lower() == "six" and not rx.url:
            assert Requirement(y).specifier == SpecifierSet(spec)
        else:
            assert x == y


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requirement_files())
def test_append_adds_exactly_one_requirement_line(text):
    try:
        new = reqs.append(text, "h5py", ">=3")
    except ManifestRefused:
        return
    assert new.startswith(text)
    assert model_view(new)[:-1] == model_view(text) and model_view(new)[-1][1] == "h5py>=3"
    try:
        assert pip_view(new)[-1][1] == "h5py>=3"
    except Exception:
        assume(False)


def test_a_manifest_linked_out_of_the_workspace_is_not_edited(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    target = write(tmp_path, "bashrc", "export X=1\n")
    (root / "requirements.txt").symlink_to(target)
    with pytest.raises(ManifestRefused, match="out of the workspace"):
        pin_edits(root, "numpy", "<2")
    (root / "requirements.txt").unlink()
    (root / ".env").symlink_to(target)
    from tf_lsp.manifests import set_env_edit
    with pytest.raises(ManifestRefused, match="out of the workspace"):
        set_env_edit(root, "TF_USE_LEGACY_KERAS", "1")
    assert target.read_text() == "export X=1\n"
    inner = write(root, "real.txt", "six\n")                 # a link inside the workspace is fine
    (root / ".env").unlink()
    (root / "requirements.txt").symlink_to(inner)
    assert len(pin_edits(root, "six", "==1")) == 1


# --- pyproject.toml and environment.yml: only the target changes ---------------------------------------------

ITEMS = ['"six"', "'six>=1'", "\"Six[x] >= 1 ; python_version > '3'\"", '"numpy"', "'requests>=2'",
         '"six @ https://e.invalid/s.whl"', '"six;sys_platform==\'linux\'"']
SEPS = [",\n    ", ", ", ",  # six é\n  ", ", # x \u2028 y\n", ",\n# six>=9\n  "]
SIX_LITERAL = r"\"[Ss]ix[^\"]*\"|'[Ss]ix[^']*'"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ITEMS), st.sampled_from(SEPS)), min_size=1, max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.sampled_from(["==2.0", "<2,>=1"]))
def test_pyproject_pin_changes_only_the_six_strings(items, eol, spec):
    import re

    from tf_lsp.manifests import pyproject
    from tf_lsp.discovery.records import _toml_module

    deps = "".join(item + sep for item, sep in items)
    text = (f"# top\n[project]\nname = 'x'\ndependencies = [\n  {deps}\n]\n[tool.x]\nother = \"six>=1\"  # six\n"
            ).replace("\n", eol)
    try:
        new = pyproject.pin(text, "six", spec)
    except ManifestRefused:
        return
    if new is None:
        assert not any(item.lower().startswith(("\"six", "'six")) for item, _ in items)
        return
    hide = lambda s: re.sub(SIX_LITERAL, "<SIX>", s)          # noqa: E731
    assert hide(new) == hide(text)                            # every byte outside the six strings survives
    old_data, new_data = _toml_module().loads(text), _toml_module().loads(new)
    assert new_data["tool"] == old_data["tool"] and new_data["project"]["name"] == "x"
    for a, b in zip(old_data["project"]["dependencies"], new_data["project"]["dependencies"], strict=True):
        ra, rb = Requirement(a), Requirement(b)
        if ra.name.lower() == "six" and not ra.url:
            assert rb.specifier == SpecifierSet(spec) and rb.marker == ra.marker and rb.extras == ra.extras
        else:
            assert a == b
    assert apply_edits(text, minimal_edits("pyproject.toml", text, new)) == new


CONDA_ITEMS = ["  - six", "  - numpy=1.26  # six", "  - python=3.11", "  # - six", "  - pip", "  - pip:",
               "    - six>=1", "    - requests", "  - 'six'", "  - conda-forge::six"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CONDA_ITEMS), st.sampled_from(["\n", "\r\n", "\r", "  # \f x\n",
                                                                          " # \v\n"])), max_size=8),
       st.sampled_from(["==2.0", ">=1"]))
def test_environment_yml_pin_changes_only_the_six_items(items, spec):
    from tf_lsp.manifests import conda

    text = "name: x\ndependencies:\n" + "".join(a + b for a, b in items) + "variables:\n  K: six\n"
    new = conda.pin(text, "six", spec)
    if new is None:
        return
    old_lines, new_lines = lsp_lines(text), lsp_lines(new)
    assert len(old_lines) == len(new_lines)
    for a, b in zip(old_lines, new_lines):
        if a != b:
            assert a.lstrip().startswith(("- six", "- 'six'")) and b.rstrip("\r\n").split("#")[0].rstrip().endswith(
                ("six" + spec.replace(" ", ""), "six" + spec.replace(" ", "") + "'")), (a, b)
            assert a[len(a.rstrip("\r\n")):] == b[len(b.rstrip("\r\n")):]      # its line break kept
    assert apply_edits(text, minimal_edits("environment.yml", text, new)) == new
