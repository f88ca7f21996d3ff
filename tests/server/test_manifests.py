"""Pin edits change only the one requirement (or add one line); the rest of each file stays byte-for-byte."""
from __future__ import annotations

from pathlib import Path

import pytest

from tf_lsp.manifests import apply_edits, pin_edits, set_env_edit

PYPROJECT = """\
# top comment
[project]
name = "demo"
dependencies = [
    "numpy>=1.2",   # arrays
    'six',
    "Tensorflow[and-cuda] >=2.15 ; sys_platform == 'linux'",
]

[dependency-groups]
dev = ["pytest>=8", {include-group = "lint"}, "six"]
lint = ["ruff"]

[tool.other]
keep   =   "as is"   # spacing kept
"""

POETRY = """\
[tool.poetry]
name = "demo"

[tool.poetry.dependencies]
python = "^3.10"
numpy = "^1.26"   # arrays
six = {version = "^1.0", optional = true}
"""

REQS = "# pinned for prod\r\nnumpy >= 1.2 # arrays\r\n-r other.txt\r\nsix; python_version<'4'\r\nfoo @ https://example.invalid/foo.whl\r\n"

ENV_YML = """\
name: demo
channels:
  - conda-forge
dependencies:
  - python=3.11
  - numpy=1.26  # from conda
  - pip
  - pip:
    - six
    - requests
variables:
  KEEP: 1
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_bytes(text.encode())
    return path


def edited(root: Path, name: str, edits) -> str:
    mine = [e for e in edits if Path(e.path).name == name]
    return apply_edits((root / name).read_bytes().decode(), mine)


@pytest.mark.parametrize("package,spec,expected", [
    ("six", "==1.17.0", PYPROJECT.replace("'six',", "'six==1.17.0',").replace('"lint"}, "six"]', '"lint"}, "six==1.17.0"]')),
    ("tensorflow", "==2.16.1", PYPROJECT.replace("Tensorflow[and-cuda] >=2.15 ;", "Tensorflow[and-cuda]==2.16.1 ;")),
    ("numpy", "<2", PYPROJECT.replace('"numpy>=1.2",', '"numpy<2",')),
    ("ruff", "==0.5", PYPROJECT.replace('["ruff"]', '["ruff==0.5"]')),
    ("requests", ">=2", PYPROJECT.replace("""sys_platform == 'linux'",\n""", """sys_platform == 'linux'",\n    "requests>=2",\n""")),
])
def test_pyproject_project_and_groups(tmp_path, package, spec, expected):
    write(tmp_path, "pyproject.toml", PYPROJECT)
    edits = pin_edits(tmp_path, package, spec)
    assert edits and all(e.range is not None for e in edits)
    assert edited(tmp_path, "pyproject.toml", edits) == expected


@pytest.mark.parametrize("package,spec,expected", [
    ("numpy", "==1.26.4", POETRY.replace('numpy = "^1.26"', 'numpy = "==1.26.4"')),
    ("six", "==1.17.0", POETRY.replace('version = "^1.0"', 'version = "==1.17.0"')),
    ("h5py", ">=3", POETRY + 'h5py = ">=3"\n'),
])
def test_poetry_dependencies(tmp_path, package, spec, expected):
    write(tmp_path, "pyproject.toml", POETRY)
    assert edited(tmp_path, "pyproject.toml", pin_edits(tmp_path, package, spec)) == expected


@pytest.mark.parametrize("package,spec,expected", [
    ("numpy", "==2.0.1", REQS.replace("numpy >= 1.2 #", "numpy==2.0.1 #")),
    ("SIX", "==1.17.0", REQS.replace("six;", "six==1.17.0;")),
    ("h5py", "~=3.10", REQS + "h5py~=3.10\r\n"),           # appended with the file's own CRLF
])
def test_requirements_keep_comments_options_markers_and_crlf(tmp_path, package, spec, expected):
    write(tmp_path, "requirements.txt", REQS)
    write(tmp_path, "requirements-dev.txt", "pytest\n")
    edits = pin_edits(tmp_path, package, spec)
    assert {Path(e.path).name for e in edits} == {"requirements.txt"}
    assert edited(tmp_path, "requirements.txt", edits) == expected


def test_requirements_without_final_newline_and_direct_refs_untouched(tmp_path):
    write(tmp_path, "requirements.txt", "foo @ https://example.invalid/foo.whl\nnumpy")
    assert edited(tmp_path, "requirements.txt", pin_edits(tmp_path, "numpy", "<2")) == \
        "foo @ https://example.invalid/foo.whl\nnumpy<2"
    assert pin_edits(tmp_path, "foo", "==1") == []          # declared by URL: nothing to pin


@pytest.mark.parametrize("package,spec,expected", [
    ("numpy", "==1.26.4", ENV_YML.replace("numpy=1.26  #", "numpy==1.26.4  #")),
    ("six", "==1.17.0", ENV_YML.replace("    - six\n", "    - six==1.17.0\n")),
    ("h5py", ">=3", ENV_YML.replace("    - requests\n", "    - requests\n    - h5py>=3\n")),
])
def test_environment_yml_text_edits(tmp_path, package, spec, expected):
    write(tmp_path, "environment.yml", ENV_YML)
    assert edited(tmp_path, "environment.yml", pin_edits(tmp_path, package, spec)) == expected


def test_pin_lands_where_the_package_is_declared(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\ndependencies = []\n")
    write(tmp_path, "requirements.txt", "six\n")
    edits = pin_edits(tmp_path, "six", "==1.17.0")
    assert [Path(e.path).name for e in edits] == ["requirements.txt"]
    assert (tmp_path / "pyproject.toml").read_text() == "[project]\nname = 'x'\ndependencies = []\n"
    assert pin_edits(tmp_path / "nowhere", "six", "==1") == []


def test_set_env_edits_or_creates_the_dotenv(tmp_path):
    new = set_env_edit(tmp_path, "TF_USE_LEGACY_KERAS", "1")
    assert new.range is None and new.new_text == "TF_USE_LEGACY_KERAS=1\n"
    write(tmp_path, ".env", "# mine\nexport TF_USE_LEGACY_KERAS=0\nOTHER='x'\n")
    e = set_env_edit(tmp_path, "TF_USE_LEGACY_KERAS", "1")
    assert apply_edits((tmp_path / ".env").read_text(), [e]) == "# mine\nexport TF_USE_LEGACY_KERAS=1\nOTHER='x'\n"
    unset = set_env_edit(tmp_path, "TF_USE_LEGACY_KERAS", None)
    assert apply_edits((tmp_path / ".env").read_text(), [unset]) == "# mine\nOTHER='x'\n"
