"""Notebooks: the program built from code cells, `%pip install` cells, broken files, and `tf-lsp check` on small
notebooks made from public TensorFlow tutorials (tests/data/notebooks), against a real empty venv."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_cli import tf_lsp
from tests.wheelmaker import make_venv, pip_install, run_in
from tf_lsp.imports import extract_imports
from tf_lsp.kernels import KernelWorkspaces
from tf_lsp.notebook import NotebookError, build_program, install_names, parse_notebook
from tf_lsp.settings import Settings
from tf_lsp.workspace import Workspace

DATA = Path(__file__).parent / "data" / "notebooks"


def notebook(*cells: str | tuple[str, str], kernel: str | None = "python3") -> str:
    out = []
    for c in cells:
        kind, src = c if isinstance(c, tuple) else ("code", c)
        out.append({"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True),
                    **({"outputs": [], "execution_count": None} if kind == "code" else {})})
    meta = {"kernelspec": {"name": kernel, "display_name": kernel}} if kernel else {}
    return json.dumps({"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})


def test_program_keeps_every_line_in_its_cell_and_skips_ipython_syntax():
    cells = [(1, "!pip install -q tensorflow-hub\n%matplotlib inline\nimport os"),
             (3, "if True:\n    !echo hi \\\n        more\n    import json  # why?\nfiles = !ls\nlen?\nimport sys"),
             (4, "%%bash\nimport not_python\npip install --upgrade tfds-nightly > /dev/null 2>&1"),
             (5, "%%time\nimport collections")]
    p = build_program(cells)
    lines = p.text.splitlines()
    assert len(lines) == len(p.lines) == 3 + 7 + 3 + 2
    stmts = {s.module: s for s in extract_imports(p.text)}
    assert set(stmts) == {"os", "json", "sys", "collections"}            # not_python (a %%bash cell) is not Python
    assert p.locate(stmts["json"].line) == (3, 3) and stmts["json"].range.start.character == 11
    assert p.locate(stmts["collections"].line) == (5, 1)
    assert lines[4] == "    pass" and lines[5] == ""                          # the shell line and its continuation
    assert [(i.cell, i.tool, i.names) for i in p.installs] == [
        (1, "!pip install", ("tensorflow-hub",)), (4, "pip install", ("tfds-nightly",))]


@pytest.mark.parametrize("line, names", [
    ("pip install -U -q tensorflow tensorflow_datasets", ("tensorflow", "tensorflow-datasets")),
    ("pip install gym[classic_control]", ("gym",)),
    ('pip install "tensorflow-compression<$MAJOR.$(($MINOR+1))"', ("tensorflow-compression",)),
    ("pip install git+https://github.com/tensorflow/docs > /dev/null 2>&1", ()),
    ("pip install git+https://github.com/x/y#egg=tf_models", ("tf-models",)),
    ("python -m pip install -r requirements.txt keras==3.0 -i https://example.invalid/simple", ("keras",)),
    ("conda install -c conda-forge -y conda-forge::numpy=1.26 'protobuf>=4'", ("numpy", "protobuf")),
    ("uv pip install --python /x/bin/python ml_dtypes", ("ml-dtypes",)),
    ("sudo apt-get install -y python-opengl", ()),
    ("pip show tensorflow", ()),
])
def test_install_lines(line, names):
    assert install_names(line.replace('"', "").replace("'", "").split()) == names


@pytest.mark.parametrize("text, said", [
    ("{not json", "invalid JSON"),
    ('{"nbformat": 3, "worksheets": [{"cells": []}]}', "nbformat 3"),
    ('[1, 2]', "not a notebook"),
    ('{"nbformat": 4, "metadata": {}}', "no `cells` list"),
])
def test_broken_notebooks_say_why(text, said):
    with pytest.raises(NotebookError, match=said.replace("`", ".")):
        parse_notebook(text)


def test_odd_cells_are_read_without_a_crash():
    nb = parse_notebook(json.dumps({"nbformat": 4, "metadata": {}, "cells": [
        {"cell_type": "code", "source": "import os\n"}, {"cell_type": "code", "source": ["import ", "sys"]},
        {"cell_type": "code", "source": 7}, "not a cell", {"cell_type": "markdown", "source": ["import nope"]}]}))
    assert [(c.kind, c.source) for c in nb.cells] == [("code", "import os\n"), ("code", "import sys"), ("code", ""),
                                                       ("invalid", ""), ("markdown", "import nope")]
    assert nb.kernel_name is None


@pytest.fixture(scope="module")
def tutorials(tmp_path_factory):
    """A workspace holding the tutorial notebooks and an empty .venv (nothing of TensorFlow's installed)."""
    root = tmp_path_factory.mktemp("tutorials")
    shutil.copytree(DATA, root / "nbs")
    make_venv(root / ".venv")
    (root / "nbs" / ".ipynb_checkpoints").mkdir()
    (root / "nbs" / ".ipynb_checkpoints" / "old-checkpoint.ipynb").write_text(notebook("import nosuch_checkpoint"))
    (root / "nbs" / "broken.ipynb").write_text('{"nbformat": 3, "worksheets": []}')
    return root


def _json(root, *args):
    r = tf_lsp("check", *args, "--format", "json", cwd=root)
    assert r.returncode in (0, 1), r.stderr
    return r, {Path(f["path"]).name: f for f in json.loads(r.stdout)["files"]}


def test_check_a_folder_of_tutorial_notebooks(tutorials):
    r, files = _json(tutorials, "nbs")
    assert r.returncode == 1
    assert set(files) == {p.name for p in DATA.glob("*.ipynb")} | {"broken.ipynb"}     # no checkpoint copies
    assert "nbformat 3" in files["broken.ipynb"]["error"]
    hub = {d["module"]: d for d in files["text_classification_with_hub.ipynb"]["diagnostics"]
           if d["code"] != "TFL100" or "imports tensorflow first" not in d["message"]}
    th = hub["tensorflow_hub"]
    assert th["severity"] == "information" and th["cell"] == 2
    assert th["range"] == {"start": {"line": 4, "character": 7}, "end": {"line": 4, "character": 21}}
    assert "installed by the `!pip install` in cell 2; it works once that cell has run" in th["message"]
    assert th["fixes"] == []
    assert hub["tensorflow_datasets"]["severity"] == "information"
    assert hub["tensorflow"]["severity"] == "error" and hub["tensorflow"]["cell"] == 2      # nothing installs it
    tuner = {d["module"]: d for d in files["keras_tuner.ipynb"]["diagnostics"]}
    assert tuner["keras_tuner"]["severity"] == "information" and tuner["keras_tuner"]["cell"] == 3
    tfc = {d["module"]: d for d in files["data_compression.ipynb"]["diagnostics"]}
    assert tfc["tensorflow_compression"]["severity"] == "information"                   # pip in a %%bash cell
    assert "`pip install` in cell 2" in tfc["tensorflow_compression"]["message"]
    assert tfc["tensorflow_datasets"]["severity"] == "error"
    actor = [(d["module"], d["severity"], d["cell"]) for d in files["actor_critic.ipynb"]["diagnostics"]]
    assert ("gym", "information", 3) in actor and ("tqdm", "error", 3) in actor
    assert ("tensorflow_docs", "error", 6) in actor          # a git URL names no distribution
    assert not any(m.startswith("collections") for m, *_ in actor)


def test_text_and_sarif_name_the_cell(tutorials):
    r = tf_lsp("check", "nbs/keras_tuner.ipynb", cwd=tutorials)
    assert r.returncode == 1
    assert "nbs/keras_tuner.ipynb:cell 4:1:8: TFL100 [information] `keras_tuner` is installed" in r.stdout, r.stdout
    assert "nbs/keras_tuner.ipynb:cell 2:1:8: TFL100 [error]" in r.stdout
    sarif = json.loads(tf_lsp("check", "nbs/keras_tuner.ipynb", "--format", "sarif", cwd=tutorials).stdout)
    res = [x for x in sarif["runs"][0]["results"] if "keras_tuner" in x["message"]["text"]]
    [loc] = res[0]["locations"]
    assert loc["properties"] == {"cell": 3} and loc["logicalLocations"] == [{"name": "cell 4"}]
    assert loc["physicalLocation"]["region"]["startLine"] == 1
    assert res[0]["message"]["text"].startswith("cell 4: ")


def test_a_python_file_next_to_notebooks_is_unchanged(tutorials):
    (tutorials / "jupytext.py").write_text("# %%\nimport os\n\n# %%\nimport nosuch_jupytext\n")
    _, files = _json(tutorials, "jupytext.py")
    [d] = files["jupytext.py"]["diagnostics"]
    assert "cell" not in d and d["range"]["start"]["line"] == 4


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """A workspace whose .venv lacks six, a kernel environment elsewhere that has it (its kernelspec in a
    JUPYTER_PATH folder, argv[0] absolute), and one inside the workspace whose kernelspec says just `python`."""
    base = tmp_path_factory.mktemp("kernels")
    root = base / "proj"
    root.mkdir()
    make_venv(root / ".venv")
    kpy = make_venv(base / "elsewhere" / "kenv")
    pip_install(kpy, "six")
    jpath = base / "jupyter-path"
    (jpath / "kernels" / "tf215").mkdir(parents=True)
    (jpath / "kernels" / "tf215" / "kernel.json").write_text(json.dumps(
        {"argv": [str(kpy), "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "TF 2.15",
         "language": "python"}))
    inner = make_venv(root / "kernel-env")
    pip_install(inner, "six")
    spec = root / "kernel-env" / "share" / "jupyter" / "kernels" / "Inner"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]}))
    for name, kernel in (("tf215.ipynb", "tf215"), ("inner.ipynb", "inner"), ("nokernel.ipynb", "python3")):
        (root / name).write_text(notebook("import six", kernel=kernel))
    home = base / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), JUPYTER_PATH=str(jpath), PATH="/usr/local/bin:/usr/bin:/bin")
    return root, kpy, inner, env


def test_a_notebook_is_checked_with_its_kernels_interpreter(kernels):
    root, kpy, inner, env = kernels
    assert run_in(kpy, "import six").returncode == 0 and run_in(root / ".venv" / "bin" / "python", "import six").returncode
    r = tf_lsp("check", "tf215.ipynb", "nokernel.ipynb", "inner.ipynb", "--format", "json", cwd=root, env=env)
    files = {Path(f["path"]).name: f for f in json.loads(r.stdout)["files"]}
    tf215 = files["tf215.ipynb"]
    assert tf215["diagnostics"] == [] and tf215["interpreter"]["path"] == str(kpy)
    assert tf215["interpreter"]["source"] == "kernel"
    assert tf215["interpreter"]["why"].startswith(f"kernel 'tf215' from {root.parent / 'jupyter-path'}/kernels/tf215/kernel.json")
    assert files["inner.ipynb"]["diagnostics"] == []                      # `python` of the env holding the kernelspec
    assert files["inner.ipynb"]["interpreter"]["path"] == str(inner)
    [six] = files["nokernel.ipynb"]["diagnostics"]                        # no such kernelspec: the workspace's .venv
    assert six["module"] == "six" and six["severity"] == "error" and "interpreter" not in files["nokernel.ipynb"]
    text = tf_lsp("check", "tf215.ipynb", cwd=root, env=env)
    assert f"tf215.ipynb: checked with {kpy} (kernel 'tf215' from " in text.stdout


def test_a_kernel_inside_an_untrusted_workspace_is_read_not_run(kernels):
    root, kpy, inner, env = kernels
    ws = Workspace(root, settings=Settings(trusted_workspace=False), environ=env)
    kws = KernelWorkspaces(ws)
    inside, choice = kws.workspace_for(root / "inner.ipynb", "inner")
    assert choice.python == inner and inside.static
    outside, choice = kws.workspace_for(root / "tf215.ipynb", "tf215")
    assert choice.python == kpy and not outside.static
    assert kws.workspace_for(root / "x.ipynb", "inner")[0] is inside                 # one engine per interpreter
    editor, choice = kws.workspace_for(root / "tf215.ipynb", "tf215", python=str(inner))
    assert choice.source == "editor" and editor is inside                      # the editor's choice wins


def test_installs_in_magics_as_jupyterlab_lsp_rewrites_them():
    text = "\n".join([
        'get_ipython().run_line_magic("pip", " install -q \\"tf-keras>=2.15\\"")',
        'out = get_ipython().getoutput("pip install tensorflow-hub")',
        "get_ipython().run_line_magic('pinfo', 'int')",
        'get_ipython().run_cell_magic("bash", "", """sudo apt-get install -y x',
        "pip install tensorflow-text",
        '""")',
        'get_ipython().run_cell_magic("capture", "", """pip install not-a-shell-cell""")',
        "import os",
    ])
    p = build_program([(0, text)])
    assert [(i.line, i.tool, i.names) for i in p.installs] == [
        (0, "%pip install", ("tf-keras",)), (1, "!pip install", ("tensorflow-hub",)), (4, "pip install", ("tensorflow-text",))]
    assert p.text.splitlines() == text.splitlines()                  # valid Python stays as it is


TOKENS = list("%!?#=\\\"' \nabc()[]{}:;-<>$|&") + ["get_ipython()", '"""', "pip install ", "import ", "%%bash\n",
                                                        "%%time\n", "    ", "\r\n"]


@given(st.lists(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), max_size=5))
@settings(max_examples=300, deadline=None)
def test_any_cells_give_a_program_with_every_line_in_place(sources):
    p = build_program(list(enumerate(sources)))
    assert p.text.count("\n") == len(p.lines) == sum(len(re.split(r"\r\n|\r|\n", s)) for s in sources)
    assert [k for k, _ in p.lines] == sorted(k for k, _ in p.lines)
    extract_imports(p.text)                                   # never raises, whatever the cells hold


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("*.ipynb", "a/b/x.ipynb", True),                   # no '/': the file name, in any folder
    ("tf215-*.ipynb", "a/tf215-x.ipynb", True),
    ("tf215-*.ipynb", "a/tf1-x.ipynb", False),
    ("a/*.ipynb", "a/x.ipynb", True),                   # with '/': the path from the workspace folder
    ("a/*.ipynb", "a/b/x.ipynb", False),                # '*' stays inside one folder
    ("a/**/*.ipynb", "a/b/c/x.ipynb", True),            # '**' crosses folders, and may be none
    ("a/**/*.ipynb", "a/x.ipynb", True),
    ("./a/x.ipynb", "a/x.ipynb", True),
    ("b/*.ipynb", "a/b/x.ipynb", False),                # anchored at the workspace folder
])
def test_notebook_interpreter_patterns(tmp_path, pattern, path, hit):
    from tf_lsp.kernels import glob_match

    assert glob_match(pattern, tmp_path / path, tmp_path) is hit
    assert glob_match(str(tmp_path / "a") + "/**", tmp_path / path, tmp_path) is path.startswith("a/")
