"""The first-party closure follows Python's execution order, on real trees run for real with python.

- depth first, each file top to bottom: the reason given is the first failure that really happens;
- a package's ``__init__`` is partly initialised while it runs: its lines before the failing one work, and a
  submodule importing its own package while that package initialises gets the package from ``sys.modules``;
- a failure the simulated import (TFL116) finds in a first-party file counts only if nothing fails before it;
- a generated stub that replaces itself in ``sys.modules`` (``modules[name] = m``) defines names nobody can list.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_project import check, on_line, run, write
from tests.wheelmaker import make_venv
from tf_lsp.model import Severity


@pytest.fixture(scope="module")
def py(tmp_path_factory) -> Path:
    return make_venv(tmp_path_factory.mktemp("venv") / "v")


def errors(found):
    return [f for f in found if f.severity is Severity.ERROR]


def test_the_reason_is_the_first_failure_depth_first(tmp_path, py):
    # pkg/__init__ runs first.py (which runs deep.py) before second.py: deep's import fails first
    root = write(tmp_path / "repo", {"pkg/__init__.py": "import pkg.first\nimport pkg.second\n",
                                     "pkg/first.py": "import pkg.deep\n",
                                     "pkg/deep.py": "import nosuch_deep_xyz\n",
                                     "pkg/second.py": "import nosuch_second_xyz\n",
                                     "main.py": "import pkg\n"})
    _, found = check(root, "main.py", py)
    errs = errors(found)
    assert len(errs) == 1 and errs[0].module == "nosuch_deep_xyz", [f.message for f in errs]
    assert "nosuch_deep_xyz" in run(py, ["main.py"], root).stderr


def test_lines_of_an_init_before_the_failing_one_work(tmp_path, py):
    root = write(tmp_path / "repo", {"pkg/__init__.py": "from . import a\nfrom .sub import b\nfrom . import c\n",
                                     "pkg/a.py": "from pkg import helper\nA = helper.H\n",
                                     "pkg/helper.py": "H = 1\n",
                                     "pkg/sub/__init__.py": "",
                                     "pkg/sub/b.py": "B = 2\n",
                                     "pkg/c.py": "import nosuch_c_xyz\n",
                                     "main.py": "import pkg\n"})
    result = run(py, ["main.py"], root)
    assert "nosuch_c_xyz" in result.stderr and 'pkg/__init__.py", line 3' in result.stderr
    _, found = check(root, "pkg/__init__.py", py)
    assert errors(on_line(found, 0)) == [] and errors(on_line(found, 1)) == []
    errs = errors(on_line(found, 2))
    assert len(errs) == 1 and errs[0].module == "nosuch_c_xyz"
    # a.py runs while pkg initialises: `from pkg import helper` gets the partly run package and works
    _, found = check(root, "pkg/a.py", py)
    assert errors(found) == [], [f.message for f in found]
    # from outside, importing the package does fail, for c's reason
    _, found = check(root, "main.py", py)
    assert [f.module for f in errors(found)] == ["nosuch_c_xyz"]


def test_an_earlier_failure_comes_before_a_simulated_one(tmp_path, py):
    # b.py reads an attribute c does not define (the simulation's finding), but a.py, run first, fails already
    root = write(tmp_path / "repo", {"pkg/__init__.py": "from pkg import a\nfrom pkg import b\n",
                                     "pkg/a.py": "import nosuch_a_xyz\n",
                                     "pkg/b.py": "from pkg import c\nX = c.nothing_here\n",
                                     "pkg/c.py": "Y = 1\n",
                                     "main.py": "import pkg\n"})
    assert "nosuch_a_xyz" in run(py, ["main.py"], root).stderr
    _, found = check(root, "main.py", py)
    errs = errors(found)
    assert len(errs) == 1 and "nosuch_a_xyz" in errs[0].message and "nothing_here" not in errs[0].message
    # once a.py is fixed, the simulated failure is the first and is reported
    (root / "pkg/a.py").write_text("import os\n")
    result = run(py, ["main.py"], root)
    assert "has no attribute 'nothing_here'" in result.stderr
    _, found = check(root, "main.py", py)
    errs = errors(found)
    assert len(errs) == 1 and errs[0].code == "TFL116" and "nothing_here" in errs[0].message


def test_a_stub_that_replaces_itself_in_sys_modules_defines_any_name(tmp_path, py):
    # the shape of TensorFlow's generated pywrap stubs: the module swaps itself for another one
    root = write(tmp_path / "repo", {
        "stub/__init__.py": "",
        "stub/_impl.py": "Wrapper = object\n",
        "stub/_wrap.py": ("from sys import modules\n\n\ndef _swap(path, m):\n    modules[path] = m\n\n\n"
                          "def _load():\n    m = __import__('stub._impl', fromlist=['*'])\n    _swap(__name__, m)\n\n\n"
                          "_load()\n"),
        "stub/user.py": "from stub._wrap import Wrapper\n",
        "main.py": "import stub.user\nprint(stub.user.Wrapper)\n"})
    assert run(py, ["main.py"], root).returncode == 0
    _, found = check(root, "main.py", py)
    assert errors(found) == [], [f.message for f in found]


def test_a_module_left_in_sys_modules_by_a_failed_import_is_not_run_again(tmp_path, py):
    # `import pkg` fails at b, but a ran to the end and stays in sys.modules: `from pkg.a import A` works;
    # `import pkg.a` imports its top package again, and that fails again
    root = write(tmp_path / "repo", {"pkg/__init__.py": "from . import a\nfrom . import b\n",
                                     "pkg/a.py": "A = 1\n",
                                     "pkg/b.py": "import nosuch_b_xyz\n",
                                     "main.py": "try:\n    import pkg\nexcept ImportError:\n    pass\n"
                                                "from pkg.a import A\nprint(A)\nimport pkg.a\n"})
    result = run(py, ["main.py"], root)
    assert result.stdout.strip() == "1" and "nosuch_b_xyz" in result.stderr and 'main.py", line 7' in result.stderr
    _, found = check(root, "main.py", py)
    assert errors(on_line(found, 4)) == [], [f.message for f in found]
    assert [f.module for f in errors(on_line(found, 6))] == ["nosuch_b_xyz"]


def test_a_submodule_importing_its_initialising_package_gets_no_simulated_failure(tmp_path, py):
    # pkg/__init__ runs a (which does `import pkg`: the partly run package) and then b, whose module-level read
    # of an attribute c lacks fails (the simulation's finding): that failure belongs to pkg/__init__'s line 2
    root = write(tmp_path / "repo", {"pkg/__init__.py": "from pkg import a\nfrom pkg import b\n",
                                     "pkg/a.py": "import pkg\nfrom pkg import c\nA = c.Y\n",
                                     "pkg/b.py": "from pkg import c\nX = c.nothing_here\n",
                                     "pkg/c.py": "Y = 1\n",
                                     "main.py": "import pkg\n"})
    result = run(py, ["main.py"], root)
    assert "has no attribute 'nothing_here'" in result.stderr and 'pkg/__init__.py", line 2' in result.stderr
    _, found = check(root, "pkg/a.py", py)
    assert errors(found) == [], [f.message for f in found]
    _, found = check(root, "pkg/__init__.py", py)
    assert errors(on_line(found, 0)) == []
    assert ["nothing_here" in f.message for f in errors(on_line(found, 1))] == [True]
