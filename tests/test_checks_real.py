"""Generic checks on real packages from the package index (six, python-dateutil), installed with pip and broken the
way users break them; each prediction is compared with ``python -c "import ..."`` in that environment."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.wheelmaker import make_venv, pip_install, run_in
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("real")
    py = make_venv(base / "venv")
    try:
        pip_install(py, "--no-deps", "six==1.16.0", "python-dateutil==2.9.0.post0")
        site = run_in(py, "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
        # six 1.17.0 into the same folder with --target (no --upgrade): pip keeps the old six.py, adds its metadata
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                        "--target", site, "six==1.17.0"], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"package index not reachable: {exc.stderr[-300:] if exc.stderr else exc}")
    ws = base / "ws"
    ws.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
        yield {"py": py, "ws": ws, "site": site}


def findings(env, text):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    return Workspace(env["ws"], python=str(env["py"]), environ=environ).check_source(env["ws"] / "main.py", text)


def runs(env, code):
    return run_in(env["py"], code, cwd=env["ws"]).returncode == 0


def test_duplicate_six_metadata_names_the_real_files(env):
    f = [x for x in findings(env, "import six\n") if x.code == "TFL105"]
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert "six-1.16.0.dist-info" in f[0].message and "six-1.17.0.dist-info" in f[0].message
    assert "are six 1.16.0's" in f[0].message
    assert runs(env, "import six; assert six.__version__ == '1.16.0'")


def test_uninstall_over_duplicates_leaves_metadata_without_files(env):
    """``pip uninstall six`` removes one metadata folder and six.py (both RECORDs list it); the other stays."""
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env["py"]), "uninstall", "-y", "-q", "six"],
                   check=True, capture_output=True)
    found = findings(env, "import six\n")
    f = [x for x in found if x.code == "TFL106"]
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "six.py is gone" in f[0].message
    assert not [x for x in found if x.code == "TFL100"]
    assert not runs(env, "import six")


def test_dateutil_needs_six_only_for_some_modules(env):
    """(runs after six was uninstalled) `import dateutil` does not import six; `import dateutil.tz` does."""
    found = findings(env, "import dateutil\nimport dateutil.tz\n")
    dep = [f for f in found if f.code == "TFL103"]
    # six's metadata is still there (its files are not): only the statement that imports six is an error
    assert [(f.range.start.line, f.severity) for f in dep] == [(1, Severity.ERROR)]
    assert "No module named 'six'" in dep[0].message and "files are gone" in dep[0].message
    assert dep[0].fixes[0].args.force_reinstall
    assert runs(env, "import dateutil") and not runs(env, "import dateutil.tz")
