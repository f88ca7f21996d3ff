"""Version pairs a package enforces itself at import time (tf_lsp/checks/pairs.py, tf_lsp/version_checks.py), on
real environments made from wheels built here (tests/wheelmaker.py), each verdict compared with what
``python -c "<line>"`` really does there.

``corelib`` 1.0 is installed; every other package declares ``corelib>=2.0``. ``gated`` checks corelib's version in
module-level code and raises (the shape of jax's check_jaxlib_version); ``loose`` declares the same range but never
checks it (the import works: a warning); ``guarded`` checks inside a ``try`` that catches the error; ``user``
imports ``gated``. ``torchvision``/``torch`` are two tiny wheels with the real names and the shape of the real
failure (its module ``_meta_registrations`` raises), to exercise the data record of tf_lsp/knowledge/pairs.py; the
integration tier (tests/integration/scenarios_pairs.py) runs the real ones.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install, run_in
from tf_lsp.model import Severity
from tf_lsp.version_checks import version_checks
from tf_lsp.workspace import Workspace

GATED_CHECK = (
    "import corelib\n\n\n"
    "def _require(version):\n"
    "    if int(version.split('.')[0]) < 2:\n"
    "        raise RuntimeError(f'gated needs corelib >= 2.0, found {version}')\n\n\n"
    "_require(version=corelib.__version__)\n"
)
GUARDED = (
    "import corelib\n"
    "try:\n"
    "    if corelib.__version__ < '2':\n"
    "        raise RuntimeError('old corelib')\n"
    "except RuntimeError:\n"
    "    OLD = True\n"
)
META = ("import torch\n"
        "if torch.__version__ != '2.14.0':\n"
        "    raise RuntimeError('operator torchvision::nms does not exist')\n")

LINES = {                                   # line -> the error code expected (None: the import works)
    "import gated": "TFL104",
    "from gated import check": "TFL104",
    "import user": "TFL104",
    "import loose": None,
    "import guarded": None,
    "import corelib": None,
    "import torchvision": "TFL104",
    "from torchvision import ops": "TFL104",
    "import torch": None,
}


@pytest.fixture(scope="module")
def env():
    with tempfile.TemporaryDirectory(prefix="tf-lsp-pairs-") as tmp:
        base = Path(tmp)
        wheels = base / "wheels"
        for v in ("1.0", "2.0"):
            build_wheel(wheels, "corelib", v, {"corelib/__init__.py": f"__version__ = '{v}'\n"}, top_level=["corelib"])
        build_wheel(wheels, "gated", "1.0", {"gated/__init__.py": "from gated import check\n",
                                             "gated/check.py": GATED_CHECK},
                    requires=["corelib>=2.0"], top_level=["gated"])
        build_wheel(wheels, "loose", "1.0", {"loose/__init__.py": "import corelib\nV = corelib.__version__\n"},
                    requires=["corelib>=2.0"], top_level=["loose"])
        build_wheel(wheels, "guarded", "1.0", {"guarded/__init__.py": GUARDED}, requires=["corelib>=2.0"],
                    top_level=["guarded"])
        build_wheel(wheels, "user", "1.0", {"user/__init__.py": "import gated\n"}, requires=["gated"],
                    top_level=["user"])
        build_wheel(wheels, "torch", "2.13.0", {"torch/__init__.py": "__version__ = '2.13.0'\n"}, top_level=["torch"])
        build_wheel(wheels, "torchvision", "0.29.0",
                    {"torchvision/__init__.py": "import torch\nfrom torchvision import _meta_registrations, ops\n",
                     "torchvision/_meta_registrations.py": META, "torchvision/ops.py": ""},
                    requires=["torch==2.14.0"], top_level=["torchvision"])
        py = make_venv(base / "venv")
        pip_install(py, "--no-index", "--no-deps", *(str(w) for w in sorted(wheels.glob("*.whl"))
                                                    if "corelib-2.0" not in w.name))
        ws = base / "ws"
        ws.mkdir()
        (ws / "model.py").write_text("import gated\n")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
            yield {"py": py, "ws": ws, "wheels": wheels}


def _errors(env, line: str):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    found = ws.check_source(env["ws"] / "main.py", line + "\n")
    return [f for f in found if f.severity is Severity.ERROR], found


def _real(env, line: str) -> subprocess.CompletedProcess:
    return run_in(env["py"], line, cwd=env["ws"], env={"PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("line", sorted(LINES))
def test_each_line_as_python_says(env, line):
    errors, found = _errors(env, line)
    real = _real(env, line)
    want = LINES[line]
    if want is None:
        assert real.returncode == 0, real.stderr
        assert errors == [], errors
        return
    assert real.returncode != 0 and "RuntimeError" in real.stderr
    assert [f.code for f in errors] == [want], found
    # no "may still work" warning on the dependency the error is about
    assert not [f for f in found if f.code == "TFL115"], found


def test_a_declared_range_nobody_checks_stays_a_warning(env):
    _, found = _errors(env, "import loose")
    assert [(f.code, f.severity) for f in found] == [("TFL115", Severity.WARNING)], found


def test_first_party_module_that_imports_the_package(env):
    real = _real(env, "import model")
    errors, found = _errors(env, "import model")
    assert real.returncode != 0
    assert [f.code for f in errors] == ["TFL104"], found
    assert "gated.check" in errors[0].message


def test_message_names_the_check_and_the_fix_carried_out_works(env, tmp_path):
    errors, _ = _errors(env, "import user")
    f = errors[0]
    assert "gated 1.0 accepts only corelib>=2.0" in f.message and "corelib 1.0 is installed" in f.message
    assert "gated/check.py:9" in f.message, f.message
    assert f.fixes[0].args.specs == ("corelib>=2.0",)
    # carry the fix out in a copy of the environment (offline, from the wheels built here), then import again
    copy = make_venv(tmp_path / "copy")
    pip_install(copy, "--no-index", "--no-deps", *(str(w) for w in sorted(env["wheels"].glob("*.whl"))
                                                   if "corelib-2.0" not in w.name))
    pip_install(copy, "--no-index", "--find-links", str(env["wheels"]), "--upgrade", *f.fixes[0].args.specs)
    assert run_in(copy, "import user", cwd=env["ws"], env={"PATH": "/usr/bin:/bin"}).returncode == 0
    ws = Workspace(env["ws"], python=str(copy), environ={"PATH": "/usr/bin:/bin"})
    assert not [g for g in ws.check_source(env["ws"] / "main.py", "import user\n") if g.severity is Severity.ERROR]


def test_a_pair_from_the_data_offers_the_package_that_fits_the_companion_first(env):
    errors, _ = _errors(env, "import torchvision")
    f = errors[0]
    assert "RuntimeError: operator torchvision::nms does not exist" in f.message
    assert f.fixes[0].args.specs == ("torchvision", "torch==2.13.0")
    assert f.fixes[1].args.specs == ("torch==2.14.0",)


def test_version_check_shapes(tmp_path):
    cases = {
        "call.py": (GATED_CHECK, [(9, ("corelib",))]),
        "if.py": ("import numpy as np\nif np.__version__ < '2':\n    raise ImportError('numpy 2 needed')\n",
                  [(2, ("numpy",))]),
        "assert.py": ("from importlib.metadata import version\nassert version('ml-dtypes') >= '0.5'\n",
                      [(2, ("dist:ml-dtypes",))]),
        "try_alias.py": ("try:\n    import corelib.version\nexcept Exception as err:\n    raise ImportError('x') from err\n"
                         "\ndef chk(v):\n    if v < '2':\n        raise RuntimeError(v)\n\nchk(corelib.version.__version__)\n",
                         [(10, ("corelib",))]),
        "guarded.py": (GUARDED, []),
        "function.py": ("import numpy\ndef f():\n    if numpy.__version__ < '2':\n        raise ImportError\n", []),
        "no_raise.py": ("import numpy\nif numpy.__version__ < '2':\n    OLD = True\n", []),
    }
    for name, (text, want) in cases.items():
        p = tmp_path / name
        p.write_text(text)
        assert [(c.line, c.names) for c in version_checks(str(p))] == want, name
