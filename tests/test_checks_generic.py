"""Generic environment checks on real environments: a venv, real wheels installed by pip, then broken the way
users break them (pip uninstall, deleted/truncated files, a removed .dist-info, --target over an install, a
workspace file named like a package, a wheel built for another Python). Every prediction is compared with what
``python -c "import X"`` really does in that environment: ERROR <=> nonzero exit.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install, run_in
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace


# --- the environment ---------------------------------------------------------------------------------------------

def _wheels(dest: Path) -> list[Path]:
    w = []
    add = lambda *a, **k: w.append(build_wheel(dest, *a, **k))  # noqa: E731
    # dependencies
    add("alpha", "1.0", {"alpha/__init__.py": "import beta\nVALUE = beta.B\n"},
        requires=["beta>=1.0", "delta", "epsilon>=2.0", "winonly; sys_platform == 'win32'"], top_level=["alpha"])
    add("beta", "1.0", {"beta/__init__.py": "B = 1\n"}, top_level=["beta"])
    add("delta", "1.0", {"delta/__init__.py": ""}, top_level=["delta"])
    add("epsilon", "1.0", {"epsilon/__init__.py": ""}, top_level=["epsilon"])
    add("lazy", "1.0", {"lazy/__init__.py": "def use():\n    import delta\n    return delta\n"}, requires=["delta"],
        top_level=["lazy"])
    add("omega", "1.0", {"omega/__init__.py": "from . import core\n", "omega/core.py": "import middle\n"},
        requires=["middle"], top_level=["omega"])
    add("middle", "1.0", {"middle/__init__.py": "from middle._impl import x\n",
                          "middle/_impl.py": "try:\n    import ujsonx\nexcept ImportError:\n    ujsonx = None\nimport zeta\nx = 1\n"},
        requires=["zeta", "ujsonx"], top_level=["middle"])
    add("zeta", "1.0", {"zeta/__init__.py": ""}, top_level=["zeta"])
    add("healthy", "1.0", {"healthy/__init__.py": "import epsilon\n"}, requires=["epsilon>=1.0"], top_level=["healthy"])
    # integrity
    for name in ("brk", "brk2", "trunc", "orph", "lost", "verif", "gone"):
        add(name, "1.0", {f"{name}/__init__.py": "from .core import thing\n",
                          f"{name}/core.py": "def thing():\n    return 1\n\n\nclass K:\n    pass\n",
                          f"{name}/extra.py": "X = 2\n", f"{name}/data.txt": "data\n"}, top_level=[name])
    # shadowing
    add("shadowme", "1.0", {"shadowme/__init__.py": "array = list\n", "shadowme/sub.py": ""}, top_level=["shadowme"])
    add("selfuse", "1.0", {"selfuse/__init__.py": "value = 1\n"}, top_level=["selfuse"])
    # conflicts
    add("sharer-a", "1.0", {"shared/__init__.py": "WHO = 'a'\n", "shared/a_only.py": ""}, top_level=["shared"])
    add("sharer-b", "2.0", {"shared/__init__.py": "WHO = 'b, longer'\n", "shared/b_only.py": ""}, top_level=["shared"])
    add("nsa", "1.0", {"nsroot/a/__init__.py": ""}, top_level=["nsroot"])
    add("nsb", "1.0", {"nsroot/b/__init__.py": ""}, top_level=["nsroot"])
    add("dupe", "1.0", {"dupe/__init__.py": "V = '1.0'\n"}, top_level=["dupe"])
    add("hid", "1.0", {"hid/__init__.py": "V = '1.0'\n"}, top_level=["hid"])
    add("condapkg", "1.0", {"condapkg/__init__.py": ""}, top_level=["condapkg"])
    return w


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("generic")
    wheels = base / "wheels"
    py = make_venv(base / "venv")
    pip_install(py, "--no-deps", *map(str, _wheels(wheels)))
    plainpy = build_wheel(wheels, "plainpy", "1.0", {"plainpy/__init__.py": ""}, top_level=["plainpy"],
                          requires_python=">=3.13")
    pip_install(py, "--no-deps", "--ignore-requires-python", str(plainpy))
    pip_install(py, "--no-deps", "--force-reinstall", str(build_wheel(wheels / "b", "sharer-b", "2.0",
                {"shared/__init__.py": "WHO = 'b, longer'\n", "shared/b_only.py": ""}, top_level=["shared"])))
    site = Path(run_in(py, "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    # break things the way users do
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "uninstall", "-y", "-q", "beta", "delta", "zeta"],
                   check=True, capture_output=True)
    (site / "brk" / "core.py").unlink()
    shutil.rmtree(site / "gone")
    (site / "brk2" / "extra.py").unlink()
    text = (site / "trunc" / "core.py").read_text()
    (site / "trunc" / "core.py").write_text(text[:12])
    shutil.rmtree(next(site.glob("orph-1.0.dist-info")))
    (site / "lost" / "__init__.py").unlink()
    (site / "verif" / "core.py").write_text((site / "verif" / "core.py").read_text().replace("return 1", "return 7"))
    # a second version's metadata over the first (pip --target without --upgrade keeps the old files)
    dupe2 = build_wheel(wheels / "d2", "dupe", "2.0", {"dupe/__init__.py": "V = '2.0, other'\n"}, top_level=["dupe"])
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    "--target", str(site), str(dupe2)], check=True, capture_output=True)
    # another version of hid on PYTHONPATH
    pp = base / "pp"
    hid2 = build_wheel(wheels / "h2", "hid", "2.0", {"hid/__init__.py": "V = '2.0'\n"}, top_level=["hid"])
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    "--target", str(pp), str(hid2)], check=True, capture_output=True)
    # conda says it manages condapkg
    (py.parent.parent / "conda-meta").mkdir()
    (py.parent.parent / "conda-meta" / "condapkg-0.9-py_0.json").write_text(json.dumps({"name": "condapkg", "version": "0.9"}))
    # a wheel for CPython 3.10 put into this 3.11 environment with pip --target (pip checks tags against 3.10)
    nat = build_wheel(wheels / "n", "natpkg", "1.0",
                      {"natpkg/__init__.py": "from ._core import f\n", "natpkg/_core.cpython-310-x86_64-linux-gnu.so": "ELF",
                       "natpkg/util.py": ""}, tag="cp310-cp310-linux_x86_64", top_level=["natpkg"])
    natmod = build_wheel(wheels / "n", "natmod", "1.0", {"natmod.cpython-310-x86_64-linux-gnu.so": "ELF"},
                         tag="cp310-cp310-linux_x86_64", top_level=["natmod"])
    optnat = build_wheel(wheels / "n", "optnat", "1.0",
                         {"optnat/__init__.py": "X = 1\n", "optnat/_speedups.cpython-310-x86_64-linux-gnu.so": "ELF"},
                         tag="cp310-cp310-linux_x86_64", top_level=["optnat"])
    tagonly = build_wheel(wheels / "n", "tagonly", "1.0", {"tagonly/__init__.py": ""}, tag="cp310-cp310-linux_x86_64",
                          top_level=["tagonly"])
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    "--target", str(site), "--python-version", "3.10", "--only-binary=:all:", "--platform", "linux_x86_64",
                    str(nat), str(natmod), str(optnat), str(tagonly)], check=True, capture_output=True)
    # a wheel for this Python but another architecture, forced in the same way
    arm = build_wheel(wheels / "n", "armpkg", "1.0",
                      {"armpkg/__init__.py": "from ._core import f\n", "armpkg/_core.cpython-311-aarch64-linux-gnu.so": "ELF"},
                      tag="cp311-cp311-linux_aarch64", top_level=["armpkg"])
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    "--target", str(site), "--python-version", "3.11", "--only-binary=:all:", "--platform",
                    "linux_aarch64", str(arm)], check=True, capture_output=True)
    # the workspace, apart from the environment
    ws = base / "ws"
    ws.mkdir()
    (ws / "shadowme.py").write_text("def other():\n    return 0\n")
    (ws / "selfuse.py").write_text("import selfuse\nx = selfuse.value\n")
    (ws / "mylib.py").write_text("A = 1\n")
    with pytest.MonkeyPatch.context() as mp:      # closures and probes cached inside the test's folder
        mp.setenv("TF_LSP_CACHE_DIR", str(base / "cache"))
        yield {"py": py, "site": site, "ws": ws, "pp": pp, "base": base}


def check(env, text: str, *, name: str = "main.py"):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    return ws.check_source(env["ws"] / name, text)


def by_code(findings, code):
    return [f for f in findings if f.code == code]


def runs(env, code: str, *, extra_env: dict | None = None) -> bool:
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    e.update(extra_env or {})
    return run_in(env["py"], code, cwd=env["ws"], env=e).returncode == 0


# --- TFL103 / TFL115 ---------------------------------------------------------------------------------------------

def test_missing_dependency_needed_at_import_is_an_error(env):
    f = by_code(check(env, "import alpha\n"), "TFL103")
    beta = [x for x in f if "beta" in x.message]
    assert beta and beta[0].severity is Severity.ERROR
    assert "No module named 'beta'" in beta[0].message
    assert beta[0].fixes[0].args.specs == ("beta>=1.0",) and beta[0].fixes[0].args.specifier == ">=1.0"
    assert not runs(env, "import alpha")


def test_missing_dependency_not_imported_is_a_warning(env):
    f = by_code(check(env, "import lazy\n"), "TFL103")
    assert len(f) == 1 and f[0].severity is Severity.WARNING and "delta" in f[0].message
    assert runs(env, "import lazy")


def test_marker_for_another_platform_is_ignored(env):
    assert not [x for x in check(env, "import alpha\n") if "winonly" in x.message]


def test_version_out_of_range_is_a_warning(env):
    f = by_code(check(env, "import alpha\n"), "TFL115")
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert "epsilon>=2.0" in f[0].message and "epsilon 1.0" in f[0].message
    # the pin satisfies every installed requirement on epsilon at once (healthy asks for >=1.0)
    assert f[0].fixes[0].args.specs == ("epsilon>=2.0",)
    assert "healthy 1.0 requires epsilon>=1.0" in f[0].details


def test_missing_dependency_of_a_dependency(env):
    found = check(env, "import omega\n")
    f = by_code(found, "TFL103")
    zeta = [x for x in f if "zeta" in x.message]
    assert zeta and zeta[0].severity is Severity.ERROR and "middle" in zeta[0].message
    # ujsonx is guarded by try/except ImportError in middle: never an error
    assert not [x for x in f if "ujsonx" in x.message and x.severity is Severity.ERROR]
    assert not runs(env, "import omega")


def test_healthy_dependencies_no_finding(env):
    found = check(env, "import healthy\n")
    assert not by_code(found, "TFL103") and not by_code(found, "TFL115")
    assert runs(env, "import healthy")


def test_dependency_problems_api(env):
    from tf_lsp.checks.dependencies import dependency_problems

    ws = Workspace(env["ws"], python=str(env["py"]))
    dist = ws.env.index.get("alpha")
    probs = {p.name: p for p in dependency_problems(ws.env, dist)}
    assert probs["beta"].installed is None and probs["beta"].needed_at_import is True
    assert probs["delta"].needed_at_import is False
    assert probs["epsilon"].installed == "1.0"
    assert "winonly" not in probs


# --- TFL106 ------------------------------------------------------------------------------------------------------

def test_missing_module_the_import_runs_is_an_error(env):
    f = by_code(check(env, "import brk\n"), "TFL106")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "brk/core.py" in f[0].message
    assert f[0].fixes[0].args.force_reinstall and f[0].fixes[0].args.specs == ("brk==1.0",)
    assert not runs(env, "import brk")


def test_missing_file_the_import_does_not_run_is_a_warning(env):
    f = by_code(check(env, "import brk2\n"), "TFL106")
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert runs(env, "import brk2")


def test_truncated_module_is_an_error(env):
    f = by_code(check(env, "import trunc\n"), "TFL106")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "parse" in f[0].message
    assert not runs(env, "import trunc")


def test_orphan_folder_is_a_warning(env):
    f = by_code(check(env, "import orph\n"), "TFL106")
    assert len(f) == 1 and f[0].severity is Severity.WARNING and "no installed distribution" in f[0].message
    assert runs(env, "import orph")


def test_lost_init_from_import_is_an_error_plain_import_a_warning(env):
    f = by_code(check(env, "from lost import thing\n"), "TFL106")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "namespace package" in f[0].message
    assert not runs(env, "from lost import thing")
    f = by_code(check(env, "import lost\n"), "TFL106")
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert runs(env, "import lost")


def test_deleted_package_with_metadata_left_is_corrupted_not_missing(env):
    found = check(env, "import gone\nimport brk.core\n")
    f = by_code(found, "TFL106")
    assert [x.range.start.line for x in f] == [0, 1] and all(x.severity is Severity.ERROR for x in f)
    assert "gone 1.0 is installed" in f[0].message and "brk/core.py is gone" in f[1].message
    assert not by_code(found, "TFL100") and not by_code(found, "TFL111")
    assert not runs(env, "import gone") and not runs(env, "import brk.core")


def test_healthy_install_has_no_integrity_finding(env):
    assert not by_code(check(env, "import epsilon\nimport lazy\n"), "TFL106")


def test_verify_distribution_finds_same_size_edits(env):
    from tf_lsp.record import verify_distribution

    ws = Workspace(env["ws"], python=str(env["py"]))
    assert verify_distribution(ws.env.index.get("verif")) == ["content differs: verif/core.py (sha256 does not match RECORD)"]
    assert verify_distribution(ws.env.index.get("epsilon")) == []
    assert not by_code(check(env, "import verif\n"), "TFL106")   # same size: the fast pass does not see it


# --- TFL107 ------------------------------------------------------------------------------------------------------

def test_shadow_missing_name_is_an_error(env):
    f = by_code(check(env, "from shadowme import array\n"), "TFL107")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "cannot import name 'array'" in f[0].message
    assert f[0].range.start.character == 5 and f[0].range.end.character == 13
    assert f[0].fixes[0].action == "rename" and f[0].fixes[0].args.target.endswith("shadowme_local.py")
    assert not runs(env, "from shadowme import array")


def test_shadow_submodule_is_an_error_and_replaces_not_found(env):
    found = check(env, "import shadowme.sub\n")
    f = by_code(found, "TFL107")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "not a package" in f[0].message
    assert not by_code(found, "TFL111") and not by_code(found, "TFL100")
    assert not runs(env, "import shadowme.sub")


def test_shadow_self_import_is_an_error(env):
    f = by_code(check(env, "import selfuse\n"), "TFL107")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "partially initialized" in f[0].message
    assert not runs(env, "import selfuse")


def test_shadow_plain_import_is_a_warning(env):
    f = by_code(check(env, "import shadowme\n"), "TFL107")
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert runs(env, "import shadowme")


def test_first_party_module_is_not_a_shadow(env):
    assert not by_code(check(env, "import mylib\n"), "TFL107")


# --- TFL105 ------------------------------------------------------------------------------------------------------

def test_two_distributions_over_one_folder(env):
    f = by_code(check(env, "import shared\n"), "TFL105")
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert "sharer-b 2.0's" in f[0].message
    assert any(x.action == "uninstall" and x.args.names == ("sharer-a",) for x in f[0].fixes)
    assert runs(env, "import shared; assert shared.WHO == 'b, longer'")


def test_each_statement_gets_its_own_finding(env):
    found = by_code(check(env, "import shared\nimport dupe\n\nimport shared\nimport dupe\n"), "TFL105")
    assert sorted(f.range.start.line for f in found) == [0, 1, 3, 4]


def test_namespace_shared_by_design_is_not_a_conflict(env):
    assert not by_code(check(env, "import nsroot.a\nimport nsroot.b\n"), "TFL105")


def test_duplicate_metadata_names_the_files_on_disk(env):
    f = by_code(check(env, "import dupe\n"), "TFL105")
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert "dupe-1.0.dist-info" in f[0].message and "dupe-2.0.dist-info" in f[0].message
    assert "are dupe 1.0's" in f[0].message
    assert runs(env, "import dupe; assert dupe.V == '1.0'")


def test_copy_on_pythonpath_hides_the_environment_copy(env):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    environ["PYTHONPATH"] = str(env["pp"])
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    f = by_code(ws.check_source(env["ws"] / "main.py", "import hid\n"), "TFL105")
    assert len(f) == 1 and f[0].severity is Severity.WARNING and "hid 2.0" in f[0].message and "hid 1.0" in f[0].message
    assert runs(env, "import hid; assert hid.V == '2.0'", extra_env={"PYTHONPATH": str(env["pp"])})
    assert not by_code(check(env, "import hid\n"), "TFL105")


def test_pip_over_conda_is_a_warning(env):
    f = by_code(check(env, "import condapkg\n"), "TFL105")
    assert len(f) == 1 and f[0].severity is Severity.WARNING and "conda" in f[0].message
    assert runs(env, "import condapkg")


def test_no_conflict_for_a_plain_install(env):
    assert not by_code(check(env, "import epsilon\nimport lazy\n"), "TFL105")


# --- TFL108 / TFL110 ---------------------------------------------------------------------------------------------

def test_extension_for_another_python_is_an_error(env):
    f = by_code(check(env, "import natpkg\n"), "TFL108")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "Python 3.10" in f[0].message
    assert "No module named 'natpkg._core'" in f[0].message
    assert any("supports Python 3.10" in d for d in f[0].details)
    assert not runs(env, "import natpkg")


def test_submodule_not_loading_the_extension_is_a_warning(env):
    f = by_code(check(env, "import optnat\n"), "TFL108")
    assert len(f) == 1 and f[0].severity is Severity.WARNING
    assert runs(env, "import optnat")


def test_invisible_top_level_extension_replaces_not_found(env):
    found = check(env, "import natmod\n")
    f = by_code(found, "TFL108")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "natmod.cpython-310" in f[0].message
    assert not by_code(found, "TFL100")
    assert not runs(env, "import natmod")


def test_wheel_tag_for_another_python_without_extensions_is_a_warning(env):
    f = by_code(check(env, "import tagonly\n"), "TFL108")
    assert len(f) == 1 and f[0].severity is Severity.WARNING and "cp310-cp310-linux_x86_64" in f[0].message
    assert runs(env, "import tagonly")


def test_requires_python_mismatch_is_a_warning(env):
    f = by_code(check(env, "import plainpy\n"), "TFL108")
    assert len(f) == 1 and f[0].severity is Severity.WARNING and ">=3.13" in f[0].message
    assert runs(env, "import plainpy")


def test_matching_build_has_no_finding(env):
    found = check(env, "import epsilon\nimport lazy\n")
    assert not by_code(found, "TFL108") and not by_code(found, "TFL110")


def test_platform_mismatch_from_file_names(env):
    from tf_lsp.checks.pyversion import mismatch, parse_ext_suffix

    ws = Workspace(env["ws"], python=str(env["py"]))
    snap = ws.env.snapshot
    assert mismatch(parse_ext_suffix(f"_c.cpython-{snap.version[0]}{snap.version[1]}-aarch64-linux-gnu.so"), snap) == \
        ("platform" if snap.machine != "aarch64" else None)
    assert mismatch(parse_ext_suffix(f"_c.cp{snap.version[0]}{snap.version[1]}-win_amd64.pyd"), snap) == "platform"
    assert mismatch(parse_ext_suffix("_c.cpython-310-x86_64-linux-gnu.so"), snap) == (
        "python" if snap.version[:2] != (3, 10) else None)


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the foreign build in the fixture is aarch64")
def test_extension_for_another_architecture_is_a_platform_error(env):
    found = check(env, "import armpkg\n")
    f = by_code(found, "TFL110")
    assert len(f) == 1 and f[0].severity is Severity.ERROR and "linux/aarch64" in f[0].message
    assert not by_code(found, "TFL108")
    assert not runs(env, "import armpkg")


def test_prerelease_installed_counts_as_in_range():
    from packaging.specifiers import SpecifierSet

    from tf_lsp.checks.dependencies import satisfies

    assert satisfies(SpecifierSet(">=2.0"), "2.1.0rc1")          # what is installed is what the import loads
    assert not satisfies(SpecifierSet("<2"), "2.0.0rc1")         # PEP 440: <2 excludes 2's pre-releases
    assert satisfies(SpecifierSet(">=1.26,<2.1"), "2.0.2")
    assert not satisfies(SpecifierSet(">=1.26,<2.1"), "2.1.0")


def test_findings_name_their_dependencies(env):
    from tf_lsp.checks.dependencies import dependencies_of

    found = check(env, "import alpha\n")
    assert sorted(dep for f in found if f.code in ("TFL103", "TFL115") for dep in dependencies_of(f)) == \
        ["beta", "delta", "epsilon"]
    assert [f.module for f in found if f.code == "TFL115"] == ["epsilon"]


def test_one_fitting_specifier_for_the_generic_check_and_the_tensorflow_pack(env):
    """The generic range check (TFL115) and the TensorFlow pack's version fix (compat.fitting_install) ask one
    function (specifiers.fitting_specifier): the same package gets the same specifier from both."""
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.checks.tensorflow.compat import fitting_install
    from tf_lsp.imports import extract_imports

    generic = by_code(check(env, "import alpha\n"), "TFL115")[0].fixes[0]
    ws = Workspace(env["ws"], python=str(env["py"]))
    stmt = extract_imports("import alpha\n")[0]
    ctx = ImportContext(workspace=ws, env=ws.env, file_path=env["ws"] / "main.py", stmt=stmt,
                        resolution=ws.resolve("alpha"), resolver=ws.resolver_for(str(env["ws"])), environ={},
                        script_dir=str(env["ws"]))
    pack_fix, spec, constraints = fitting_install(ctx, "epsilon", "", "why")
    assert generic.args.package == pack_fix.args.package == "epsilon"
    assert generic.args.specifier == spec == pack_fix.args.specifier == ">=2.0"
    assert generic.args.specs == pack_fix.args.specs
    assert "healthy 1.0: >=1.0" in constraints
    # delta is asked for without a version: neither path invents one
    from tf_lsp.checks.dependencies import combined_specifier
    assert combined_specifier(ws.env, "delta")[0] == "delta" and fitting_install(ctx, "delta", "", "why")[1] == ""
