"""The project model against CPython: real folder trees on disk, tf-lsp's verdict on each import, and the same
file run for real (``python script.py`` / ``python -m`` / ``python -m pytest`` from the folder tf-lsp names)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheelmaker import make_venv
from tf_lsp.model import Severity
from tf_lsp.settings import Settings
from tf_lsp.workspace import Workspace

FIRST_PARTY = ("data", "model", "utils", "configs", "tracker", "common", "version")


@pytest.fixture(scope="module")
def py(tmp_path_factory) -> Path:
    return make_venv(tmp_path_factory.mktemp("venv") / "v")


def clean_environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    env.update(extra)
    return env


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def check(root: Path, rel: str, py: Path, **kw):
    ws = Workspace(root, python=str(py), environ=clean_environ(), **kw)
    return ws, ws.check_source(root / rel, (root / rel).read_text())


def on_line(found, line: int):
    return [f for f in found if f.range.start.line == line]


def run(py: Path, argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(py), *argv], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env=clean_environ(**env))


# --- scripts in sub-folders (tensorflow/examples pose_estimation/raspberry_pi layout) -----------------------------

RASPBERRY = {
    "raspberry_pi/pose_estimation.py": "from ml.movenet import Movenet\nfrom data import Person\n"
                                       "if __name__ == '__main__':\n    print(Movenet, Person)\n",
    "raspberry_pi/data.py": "class Person:\n    pass\n",
    "raspberry_pi/ml/movenet.py": "from data import Person\n\n\nclass Movenet:\n    pass\n",
    "README.md": "cd raspberry_pi && python pose_estimation.py\n",
}


def test_module_imported_by_an_entry_script_resolves_from_its_folder(tmp_path, py):
    root = write(tmp_path / "repo", RASPBERRY)
    ws, found = check(root, "raspberry_pi/ml/movenet.py", py)
    assert [f.code for f in found] == ["TFL120"]
    note = found[0]
    assert note.severity is Severity.INFORMATION and "resolves when run from `raspberry_pi/`" in note.message
    assert any("pose_estimation.py" in d for d in note.details)
    # CPython agrees: it works the way tf-lsp names, and not as a script of its own folder
    assert run(py, ["pose_estimation.py"], root / "raspberry_pi").returncode == 0
    alone = run(py, ["movenet.py"], root / "raspberry_pi" / "ml")
    assert alone.returncode != 0 and "No module named 'data'" in alone.stderr
    _, entry = check(root, "raspberry_pi/pose_estimation.py", py)
    assert entry == []


def test_module_of_a_package_runs_with_the_package_root(tmp_path, py):
    root = write(tmp_path / "repo", {**RASPBERRY, "raspberry_pi/ml/__init__.py": ""})
    _, found = check(root, "raspberry_pi/ml/movenet.py", py)
    assert found == []
    assert run(py, ["-m", "ml.movenet"], root / "raspberry_pi").returncode == 0


def test_package_named_like_its_folder(tmp_path, py):
    root = write(tmp_path / "repo", {"tracker/__init__.py": "from tracker.config import LIMIT\n",
                                     "tracker/config.py": "LIMIT = 3\n",
                                     "tracker/tracker.py": "class Tracker:\n    pass\n",
                                     "main.py": "import tracker\nprint(tracker.LIMIT)\n"})
    ws, found = check(root, "tracker/__init__.py", py)
    assert found == []
    way = ws.run_ways(root / "tracker" / "__init__.py")[0]
    res = ws.way_resolver(way, 0).resolve("tracker")
    assert res.kind == "package" and res.path == str(root / "tracker" / "__init__.py")
    assert not any(e.path == str(root / "tracker") for e in way.entries)      # the file's folder is not first
    assert run(py, ["main.py"], root).stdout.strip() == "3"


# --- sys.path edits in the code -------------------------------------------------------------------------------------

EDITS = {
    "append_concat": "import os, sys\nsys.path.append(os.path.dirname(__file__) + '/../libs')\n",
    "insert_join_abspath": "import os\nimport sys\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'libs'))\n",
    "pathlib_parent": "import sys\nfrom pathlib import Path\nsys.path += [str(Path(__file__).parent.parent / 'libs')]\n",
    "pathlib_parents": "import sys\nfrom pathlib import Path\nsys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'libs'))\n",
    "getcwd": "import os, sys\nsys.path.append(os.path.realpath(os.path.join(os.getcwd(), '..', 'libs')))\n",
    "slice": "import os, sys\nsys.path[0:0] = [os.path.normpath(os.path.join(os.path.dirname(__file__), '..', 'libs'))]\n",
    "fstring": "import os, sys\nHERE = os.path.dirname(os.path.abspath(__file__))\nsys.path.insert(0, f'{HERE}/../libs')\n",
    "variable": "import os, sys\nROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))\nsys.path.extend([os.path.join(ROOT, 'libs')])\n",
}


@pytest.mark.parametrize("form", sorted(EDITS))
def test_sys_path_edits_are_followed(tmp_path, py, form):
    head = EDITS[form]
    root = write(tmp_path / "repo", {"libs/mylib.py": "VALUE = 7\n",
                                     "tools/script.py": head + "import mylib\nprint(mylib.VALUE)\n"})
    _, found = check(root, "tools/script.py", py)
    assert [f for f in found if f.severity is Severity.ERROR] == [], [f.message for f in found]
    assert run(py, ["script.py"], root / "tools").stdout.strip() == "7"


def test_import_above_the_edit_and_unknown_edits_still_fail(tmp_path, py):
    root = write(tmp_path / "repo", {
        "libs/mylib.py": "VALUE = 7\n",
        "tools/early.py": "import os, sys\nimport mylib\nsys.path.append(os.path.dirname(__file__) + '/../libs')\n",
        "tools/dynamic.py": "import os, sys\nsys.path.append(os.environ.get('LIBS', 'nowhere'))\nimport mylib\n"})
    for name in ("early.py", "dynamic.py"):
        _, found = check(root, f"tools/{name}", py)
        errors = [f for f in found if f.severity is Severity.ERROR]
        assert [f.module for f in errors] == ["mylib"], name
        assert not [fx for f in errors for fx in f.fixes if fx.action == "install"]       # first-party: no install
        assert "No module named 'mylib'" in run(py, [name], root / "tools").stderr


# --- pytest, launch.json, .env, src layout ------------------------------------------------------------------------

def test_pytest_pythonpath_and_rootdir_insertion(tmp_path):
    root = write(tmp_path / "repo", {
        "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = [\"helpers\"]\n",
        "helpers/helper.py": "def answer():\n    return 42\n",
        "tests/conftest.py": "",
        "tests/util_here.py": "X = 1\n",
        "tests/unit/test_a.py": "from helper import answer\nfrom util_here import X\n\n\n"
                                "def test_a():\n    assert answer() == 42 and X == 1\n"})
    py = Path(sys.executable)      # the test runner's own Python has pytest
    _, found = check(root, "tests/unit/test_a.py", py, settings=Settings(trusted_workspace=True))
    assert [f for f in found if f.severity is Severity.ERROR] == [], [f.message for f in found]
    result = run(py, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit/test_a.py"], root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pytest_config_of_a_sub_project(tmp_path):
    root = write(tmp_path / "repo", {
        "sub/pytest.ini": "[pytest]\npythonpath = lib\n",
        "sub/lib/helper2.py": "VALUE = 2\n",
        "sub/tests/__init__.py": "",
        "sub/tests/test_b.py": "from helper2 import VALUE\n\n\ndef test_b():\n    assert VALUE == 2\n"})
    py = Path(sys.executable)
    ws, found = check(root, "sub/tests/test_b.py", py, settings=Settings(trusted_workspace=True))
    assert [f for f in found if f.severity is Severity.ERROR] == [], [f.message for f in found]
    way = ws.run_ways(root / "sub" / "tests" / "test_b.py")[0]
    assert way.run_dir == str(root / "sub") and any("pythonpath = lib" in e.reason for e in way.entries)
    result = run(py, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], root / "sub")
    assert result.returncode == 0, result.stdout + result.stderr


LAUNCH = """{
  // a comment, as VS Code allows
  "version": "0.2.0",
  "configurations": [
    {
      "name": "App",
      "type": "debugpy",
      "request": "launch",
      "program": "${workspaceFolder}/app/main.py",
      "cwd": "${workspaceFolder}",
      "env": {"PYTHONPATH": "${workspaceFolder}/shared"},   /* trailing comma next */
    },
  ]
}
"""


def test_launch_json_pythonpath(tmp_path, py):
    files = {"shared/sharedmod.py": "NAME = 'shared'\n", "app/main.py": "import sharedmod\nprint(sharedmod.NAME)\n"}
    root = write(tmp_path / "repo", files)
    _, found = check(root, "app/main.py", py)
    assert [f.code for f in found] == ["TFL100"] and not found[0].fixes          # not without launch.json
    write(root, {".vscode/launch.json": LAUNCH})
    ws, found = check(root, "app/main.py", py)
    assert found == []
    way = ws.run_ways(root / "app" / "main.py")[0]
    assert "launch.json" in way.label and any("PYTHONPATH of the launch.json" in e.reason for e in way.entries)
    result = run(py, ["app/main.py"], root, PYTHONPATH=str(root / "shared"))
    assert result.stdout.strip() == "shared"


def test_dotenv_pythonpath(tmp_path, py):
    root = write(tmp_path / "repo", {"shared/sharedmod.py": "NAME = 'shared'\n",
                                     "app/main.py": "import sharedmod\nprint(sharedmod.NAME)\n"})
    (root / ".env").write_text(f"PYTHONPATH={root / 'shared'}\n")
    ws, found = check(root, "app/main.py", py)
    assert found == []
    reasons = [e.reason for e in ws.run_ways(root / "app" / "main.py")[0].entries]
    assert any(".env" in r for r in reasons)
    assert run(py, ["main.py"], root / "app", PYTHONPATH=str(root / "shared")).stdout.strip() == "shared"


def test_src_layout(tmp_path, py):
    root = write(tmp_path / "repo", {"src/mypkg/__init__.py": "VALUE = 5\n",
                                     "tests/test_x.py": "import mypkg\n\n\ndef test():\n    assert mypkg.VALUE == 5\n"})
    _, found = check(root, "tests/test_x.py", py)
    assert found == []
    assert any("src/ layout" in e.reason for e in
               Workspace(root, python=str(py), environ=clean_environ()).run_ways(root / "tests" / "test_x.py")[0].entries)
    # as it runs once installed (pip install -e . puts src/ on sys.path through a .pth file)
    site = run(py, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root).stdout.strip()
    Path(site, "_src_layout.pth").write_text(str(root / "src") + "\n")
    try:
        assert run(py, ["tests/test_x.py"], root).returncode == 0
        assert run(py, ["-c", "import mypkg; print(mypkg.VALUE)"], root / "tests").stdout.strip() == "5"
    finally:
        Path(site, "_src_layout.pth").unlink()


# --- what really fails in a first-party module ----------------------------------------------------------------------

def test_first_party_module_failing_on_its_own_import_says_so(tmp_path, py):
    root = write(tmp_path / "repo", {"helper.py": "import os\nimport cv2\n\nVALUE = 1\n"
                                                  "if __name__ == '__main__':\n    import nosuch_main_only\n"
                                                  "if os.name == 'nt':\n    import winreg\n"
                                                  "try:\n    import nosuch_guarded\nexcept ImportError:\n    pass\n",
                                     "main.py": "import helper\nprint(helper.VALUE)\n"})
    _, found = check(root, "main.py", py)
    errors = [f for f in found if f.severity is Severity.ERROR]
    assert len(errors) == 1 and errors[0].module == "cv2" and "helper.py line 2" in errors[0].message
    installs = [fx.args.specs for fx in errors[0].fixes if fx.action == "install"]
    assert installs == [("opencv-python",)]                          # the real cause's fix, never `helper`
    result = run(py, ["main.py"], root)
    assert "No module named 'cv2'" in result.stderr
    # without the cv2 line the module imports fine: the __main__-only, platform-only and guarded imports never run
    (root / "helper.py").write_text((root / "helper.py").read_text().replace("import cv2\n", ""))
    _, found = check(root, "main.py", py)
    assert found == [] and run(py, ["main.py"], root).stdout.strip() == "1"


# --- never an install named after a first-party module ---------------------------------------------------------

def test_no_install_fix_for_first_party_names(tmp_path, py):
    files = {f"lib/{n}.py": "" for n in FIRST_PARTY if n != "tracker"}
    files["lib/tracker/__init__.py"] = ""
    files["scripts/run.py"] = "".join(f"import {n}\n" for n in FIRST_PARTY) + \
        "import utilz\nimport nosuch_dist_xyz\nimport cv2\nimport yaml\nimport declared_thing\n"
    files["requirements.txt"] = "declared-thing==1.0\n"
    root = write(tmp_path / "repo", files)
    out = subprocess.run([sys.executable, "-m", "tf_lsp", "check", "scripts/run.py", "--format", "json",
                          "--python", str(py)], cwd=root, capture_output=True, text=True, timeout=120,
                         env=clean_environ(PYTHONPATH=os.getcwd()))
    data = json.loads(out.stdout)
    diags = {d["module"]: d for f in data["files"] for d in f["diagnostics"]}
    for name in FIRST_PARTY + ("utilz", "nosuch_dist_xyz"):
        assert diags[name]["code"] == "TFL100", name
        assert [fx for fx in diags[name]["fixes"] if fx["action"] == "install"] == [], name
    assert "a module of this workspace" in diags["data"]["message"]
    assert "nothing known provides" in diags["nosuch_dist_xyz"]["message"]
    specs = {m: [[s.split("==")[0] for s in fx["args"]["specs"]] for fx in diags[m]["fixes"] if fx["action"] == "install"]
             for m in ("cv2", "yaml", "declared_thing")}       # (pinned to the version another environment has)
    assert specs == {"cv2": [["opencv-python"]], "yaml": [["pyyaml"]], "declared_thing": [["declared-thing"]]}


def test_old_generated_pb2_names_what_the_installed_protobuf_lacks(tmp_path, tmp_path_factory):
    """A _pb2 generated by a newer protoc imports `runtime_version`, which protobuf 3.20 does not have: the error is
    that ImportError on the line importing the first-party module, never "install model_pb2"."""
    py = make_venv(tmp_path_factory.mktemp("pb") / "v")
    try:
        subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                        "--disable-pip-version-check", "protobuf==3.20.3"], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"package index not reachable: {exc.stderr[-300:]}")
    root = write(tmp_path / "repo", {
        "proto/model_pb2.py": "from google.protobuf import descriptor as _descriptor\n"
                              "from google.protobuf import runtime_version as _runtime_version\n",
        "main.py": "from proto import model_pb2\nimport proto.model_pb2\n"})
    _, found = check(root, "main.py", py)
    errors = [f for f in found if f.severity is Severity.ERROR]
    assert [f.range.start.line for f in errors] == [0, 1], [f.message for f in errors]
    assert all(f.code in ("TFL112", "TFL116") and "runtime_version" in f.message
               and ("model_pb2.py line 2" in f.message or "model_pb2.py:2" in f.message) for f in errors)
    assert not [fx for f in errors for fx in f.fixes if fx.action == "install"]
    result = run(py, ["main.py"], root)
    assert "cannot import name 'runtime_version' from 'google.protobuf'" in result.stderr


def test_a_module_added_deep_in_the_tree_is_first_party_at_once(tmp_path, py):
    root = write(tmp_path / "repo", {"app/main.py": "import helpers_xyz\n", "lib/deep/other.py": ""})
    ws = Workspace(root, python=str(py), environ=clean_environ())
    first = ws.check_source(root / "app" / "main.py", "import helpers_xyz\n")
    assert "nothing known provides" in first[0].message
    (root / "lib" / "deep" / "helpers_xyz.py").write_text("")          # only lib/deep/ changes
    again = ws.check_source(root / "app" / "main.py", "import helpers_xyz\n")
    assert "a module of this workspace (lib/deep/helpers_xyz.py)" in again[0].message
    assert [fx for fx in again[0].fixes if fx.action == "install"] == []


def test_entry_script_sys_path_edits_count_for_the_modules_it_imports(tmp_path, py):
    root = write(tmp_path / "repo", {
        "app/vendor/vendored_mod.py": "NAME = 'vendored'\n",
        "app/main.py": "import os\nimport sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'vendor'))\n"
                       "from ml.model_code import NAME\nprint(NAME)\n",
        "app/ml/model_code.py": "from vendored_mod import NAME\n"})
    ws, found = check(root, "app/ml/model_code.py", py)
    assert [f.code for f in found] == ["TFL120"] and "resolves when run from `app/`" in found[0].message
    assert any("main.py line 3" in d for d in found[0].details)      # the entry script's edit, with its line
    assert run(py, ["main.py"], root / "app").stdout.strip() == "vendored"
    assert "No module named 'vendored_mod'" in run(py, ["model_code.py"], root / "app" / "ml").stderr


def test_install_offered_for_what_another_environment_provides(tmp_path):
    """Not declared, not in the curated table: the install is offered only because another environment of this
    machine has a distribution whose RECORD provides the import name (and it names that distribution)."""
    from tests.wheelmaker import build_wheel, pip_install
    root = write(tmp_path / "repo", {"main.py": "import odd_import_xyz\n"})
    selected = make_venv(root / ".venv")
    _, found = check(root, "main.py", selected)
    assert [f.code for f in found] == ["TFL100"] and not found[0].fixes
    wheel = build_wheel(tmp_path / "wheels", "odd-dist-name", "1.4.0", {"odd_import_xyz/__init__.py": ""})
    other = make_venv(root / "other-env")
    pip_install(other, "--no-deps", str(wheel))
    ws, found = check(root, "main.py", selected)
    installs = [fx for f in found for fx in f.fixes if fx.action == "install"]
    assert [fx.args.specs for fx in installs] == [("odd-dist-name==1.4.0",)], [f.message for f in found]
    assert any("provides `odd_import_xyz` in other-env" in d for f in found for d in f.details)


@pytest.mark.parametrize("manifest,text", [
    ("pyproject.toml", "[project]\nname = 'p'\ndependencies = ['declared-thing>=1']\n"),
    ("pyproject.toml", "[tool.poetry.dependencies]\npython = '^3.11'\ndeclared-thing = '^1'\n"),
    ("pyproject.toml", "[dependency-groups]\ndev = ['declared-thing']\n"),
    ("setup.cfg", "[options]\ninstall_requires =\n    declared-thing>=1\n"),
    ("setup.py", "from setuptools import setup\nsetup(name='p', install_requires=['declared_thing==1.0'])\n"),
    ("environment.yml", "name: p\ndependencies:\n  - python=3.11\n  - pip:\n    - declared-thing==1.0\n"),
    ("Pipfile", "[packages]\ndeclared-thing = '*'\n"),
])
def test_declared_in_any_manifest_is_known(tmp_path, py, manifest, text):
    root = write(tmp_path / "repo", {"main.py": "import declared_thing\n", manifest: text})
    _, found = check(root, "main.py", py)
    installs = [fx.args.specs for f in found for fx in f.fixes if fx.action == "install"]
    assert installs == [("declared-thing",)], manifest
    assert any(f"is declared in {manifest}" in d for f in found for d in f.details)


# --- layouts of the real-code tier's repositories (tests/realcode/repos.py) -----------------------------------------

def test_script_beside_an_init_runs_its_folder_as_sys_path_0(tmp_path, py):
    """google/automl's efficientdet/: an ``__init__.py`` in the folder, yet ``python main.py`` runs from it and
    imports its siblings by their bare names."""
    root = write(tmp_path / "repo", {
        "efficientdet/__init__.py": "",
        "efficientdet/main.py": "import dataloader\nif __name__ == '__main__':\n    print(dataloader.utils.X)\n",
        "efficientdet/dataloader.py": "import utils\nfrom tf2 import anchors\n",
        "efficientdet/utils.py": "X = 5\n",
        "efficientdet/tf2/__init__.py": "",
        "efficientdet/tf2/anchors.py": "import utils\n"})
    _, found = check(root, "efficientdet/dataloader.py", py)
    assert [f for f in found if f.severity is Severity.ERROR] == [], [f.message for f in found]
    assert {f.code for f in found} == {"TFL120"} and "imported by `efficientdet/main.py`" in found[0].message
    assert run(py, ["main.py"], root / "efficientdet").stdout.strip() == "5"
    # a sibling without a __main__ block is not an entry script: nothing runs the folder as sys.path[0] for it
    (root / "efficientdet" / "main.py").write_text("import dataloader\n")
    _, found = check(root, "efficientdet/dataloader.py", py)
    assert [f.module for f in found if f.severity is Severity.ERROR] == ["utils", "tf2"]


def test_sys_path_edit_of_an_imported_helper_counts_after_its_import(tmp_path, py):
    """``import _init_paths`` (ktrain's tests: ``import testenv``): the helper beside the script edits sys.path
    when it is imported; imports after that line see the edit, imports before it do not."""
    root = write(tmp_path / "repo", {
        "tools/_init_paths.py": "import os.path as osp\nimport sys\n"
                                "sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'lib'))\n",
        "tools/train.py": "import _init_paths\nimport netlib_xyz\nprint(netlib_xyz.N)\n",
        "tools/early.py": "import netlib_xyz\nimport _init_paths\n",
        "lib/netlib_xyz.py": "N = 11\n"})
    _, found = check(root, "tools/train.py", py)
    assert [f for f in found if f.severity is Severity.ERROR] == [], [f.message for f in found]
    assert run(py, ["train.py"], root / "tools").stdout.strip() == "11"
    _, found = check(root, "tools/early.py", py)
    errors = [f for f in found if f.severity is Severity.ERROR]
    assert [(f.module, f.range.start.line) for f in errors] == [("netlib_xyz", 0)]
    assert not [fx for f in errors for fx in f.fixes if fx.action == "install"]
    assert "No module named 'netlib_xyz'" in run(py, ["early.py"], root / "tools").stderr


def test_followed_module_edits_and_a_folder_named_like_a_missing_package(tmp_path, py):
    """tensorflow/examples' reinforcement_learning/ml/tf_agents/: the imported module appends ``ml/`` to sys.path
    and then fails on ``tf_agents.environments``; afterwards ``import tf_agents`` finds the folder ``ml/tf_agents/``
    itself (a namespace package), and its submodules are missing."""
    root = write(tmp_path / "repo", {
        "ml/common_xyz.py": "C = 1\n",
        "ml/agents_xyz/env_mod.py": "import os\nimport sys\n"
                                    "sys.path.append(os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))\n"
                                    "import common_xyz\nfrom agents_xyz.environments import py_environment\n",
        "ml/agents_xyz/train.py": "try:\n    import env_mod\nexcept ImportError as e:\n    print('1:', e)\n"
                                  "import agents_xyz\nfrom agents_xyz.drivers import py_driver\n"})
    _, found = check(root, "ml/agents_xyz/train.py", py)
    errors = {f.range.start.line: f for f in found if f.severity is Severity.ERROR or f.code == "TFL111"}
    first = [f for f in found if f.range.start.line == 1]
    assert first and "agents_xyz.environments" in first[0].message and "common_xyz" not in first[0].message
    assert 4 not in errors                                               # `import agents_xyz` works
    assert "namespace package" in errors[5].message and "installed" not in errors[5].message
    assert not [fx for f in found for fx in f.fixes if fx.action == "install"]
    out = run(py, ["train.py"], root / "ml" / "agents_xyz")
    assert "1: No module named 'agents_xyz.environments'" in out.stdout
    assert "No module named 'agents_xyz.drivers'" in out.stderr
