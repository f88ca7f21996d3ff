"""Shared libraries an extension module needs (DT_NEEDED), on real ELF files built here with the C compiler.

A package ``nativepkg`` holds ``libcore.so`` and a real CPython extension ``_ext`` linked against it (RUNPATH
``$ORIGIN``), plus ``libunused.so`` that nothing loads. Each case deletes or truncates a file in a copy of the
installed environment, asks tf-lsp, and runs ``python -c "import nativepkg"`` in that environment.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install, run_in
from tf_lsp.elf import dynamic_info, search_dirs
from tf_lsp.model import Severity
from tf_lsp.workspace import Workspace


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing (scripts/setup-native.sh installs it)")
        pytest.skip(f"{name} is not installed")
    return path


# --- the ELF reader against readelf ------------------------------------------------------------------------------

def _readelf(path: str) -> tuple[list[str], list[str]]:
    out = subprocess.run([_tool("readelf"), "-dW", path], capture_output=True, text=True).stdout
    needed = [l.split("[", 1)[1].rsplit("]", 1)[0] for l in out.splitlines() if "(NEEDED)" in l]
    runpath = [l.split("[", 1)[1].rsplit("]", 1)[0] for l in out.splitlines() if "(RUNPATH)" in l]
    rpath = [l.split("[", 1)[1].rsplit("]", 1)[0] for l in out.splitlines() if "(RPATH)" in l]
    folders = [p for r in (runpath or rpath) for p in r.split(":") if p]
    return needed, folders


def test_dynamic_info_equals_readelf_on_the_interpreters_extension_modules():
    folder = Path(os.__file__).parent / "lib-dynload"
    files = sorted(str(p) for p in folder.glob("*.so"))
    libs = [str(p) for p in Path("/usr/lib/x86_64-linux-gnu").glob("lib*.so.*")][:80]
    assert files, f"no extension modules in {folder}"
    checked = 0
    for f in files + libs:
        if not os.path.isfile(f):
            continue
        info = dynamic_info(f)
        want_needed, want_dirs = _readelf(f)
        assert info is not None, f
        assert list(info.needed) == want_needed, f
        assert list(info.runpath) == want_dirs, f
        checked += 1
    assert checked >= 20


def test_not_an_elf_file(tmp_path):
    p = tmp_path / "x.so"
    p.write_bytes(b"not an elf file at all" * 10)
    assert dynamic_info(str(p)) is None
    assert dynamic_info(str(tmp_path / "missing.so")) is None


# --- a real package with a native library ------------------------------------------------------------------------

_CORE = "int core_value(void) { return 7; }\n"
_UNUSED = "int unused_value(void) { return 1; }\n"
_EXT = r"""
#include <Python.h>
int core_value(void);
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__ext(void) {
    PyObject *m = PyModule_Create(&def);
    if (m) PyModule_AddIntConstant(m, "VALUE", core_value());
    return m;
}
"""
_INIT = ("try:\n    from nativepkg._ext import VALUE\nexcept ImportError as exc:\n"
         "    raise ImportError(f'native runtime failed: {exc}')\n")


@pytest.fixture(scope="module")
def native_wheel(tmp_path_factory):
    cc = _tool("cc")
    base = tmp_path_factory.mktemp("native")
    py = make_venv(base / "builder-venv")
    inc = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    suffix = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    src = base / "src"
    src.mkdir()
    (src / "core.c").write_text(_CORE)
    (src / "unused.c").write_text(_UNUSED)
    (src / "ext.c").write_text(_EXT)
    run = lambda *a: subprocess.run(a, cwd=src, check=True, capture_output=True)  # noqa: E731
    run(cc, "-shared", "-fPIC", "-o", "libcore.so", "core.c")
    run(cc, "-shared", "-fPIC", "-o", "libunused.so", "unused.c")
    run(cc, "-shared", "-fPIC", f"-I{inc}", "-o", f"_ext{suffix}", "ext.c", "-L.", "-lcore",
        "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags")
    files = {"nativepkg/__init__.py": _INIT,
             "nativepkg/libcore.so": (src / "libcore.so").read_bytes(),
             "nativepkg/libunused.so": (src / "libunused.so").read_bytes(),
             f"nativepkg/_ext{suffix}": (src / f"_ext{suffix}").read_bytes()}
    tag = subprocess.run([str(py), "-c", "import sys; v=sys.version_info; print(f'cp{v.major}{v.minor}')"],
                         capture_output=True, text=True, check=True).stdout.strip()
    whl = build_wheel(base / "dist", "nativepkg", "1.0", files, tag=f"{tag}-{tag}-linux_x86_64")
    return whl, suffix


@pytest.fixture
def env(native_wheel, tmp_path, monkeypatch):
    whl, suffix = native_wheel
    py = make_venv(tmp_path / "venv")
    pip_install(py, "--no-index", str(whl))
    site = Path(run_in(py, "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))
    return {"py": py, "pkg": site / "nativepkg", "ws": ws, "suffix": suffix}


def _check(env):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "LD_LIBRARY_PATH")}
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    return [f for f in ws.check_source(env["ws"] / "main.py", "import nativepkg\n") if f.code == "TFL106"]


def _imports(env) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "LD_LIBRARY_PATH")}
    return run_in(env["py"], "import nativepkg; assert nativepkg.VALUE == 7", cwd=env["ws"], env=e)


def test_healthy_native_package(env):
    assert _imports(env).returncode == 0
    assert _check(env) == []
    ext = next(env["pkg"].glob("_ext*.so"))
    info = dynamic_info(str(ext))
    assert "libcore.so" in info.needed and search_dirs(str(ext), info) == [str(env["pkg"])]


def test_deleted_library_the_extension_needs_is_an_error(env):
    (env["pkg"] / "libcore.so").unlink()
    real = _imports(env)
    assert real.returncode != 0 and "libcore.so: cannot open shared object file" in real.stderr
    found = _check(env)
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    assert "libcore.so: cannot open shared object file" in found[0].message
    assert f"_ext{env['suffix']}" in found[0].message
    assert found[0].fixes[0].args.force_reinstall is True


def test_deleted_library_nothing_loads_is_a_warning(env):
    (env["pkg"] / "libunused.so").unlink()
    assert _imports(env).returncode == 0
    found = _check(env)
    assert len(found) == 1 and found[0].severity is Severity.WARNING


def test_truncated_library_the_extension_needs_is_an_error(env):
    lib = env["pkg"] / "libcore.so"
    data = lib.read_bytes()
    lib.write_bytes(data[: len(data) // 3])
    real = _imports(env)
    assert real.returncode != 0
    found = _check(env)
    assert len(found) == 1 and found[0].severity is Severity.ERROR and "libcore.so" in found[0].message


def test_reraising_handler_does_not_hide_the_extension_import(env):
    """``except ImportError: raise ImportError(...)`` re-raises: the extension stays in the import closure, so its
    deletion is an error (a swallowing handler would make it a warning)."""
    next(env["pkg"].glob("_ext*.so")).unlink()
    real = _imports(env)
    assert real.returncode != 0 and "native runtime failed" in real.stderr
    found = _check(env)
    assert len(found) == 1 and found[0].severity is Severity.ERROR


# --- generic loader rules (TFL121): no RECORD to compare with, LD_LIBRARY_PATH, libraries preloaded by path ------

def _errors(env, environ_extra: dict | None = None, source: str = "import nativepkg\n"):
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "LD_LIBRARY_PATH")}
    environ.update(environ_extra or {})
    ws = Workspace(env["ws"], python=str(env["py"]), environ=environ)
    return [f for f in ws.check_source(env["ws"] / "main.py", source) if f.severity is Severity.ERROR]


def test_leftover_folder_without_its_library_is_an_error(env):
    """The .dist-info is gone (nothing to compare with), then the library: the loader rules still see it."""
    shutil.rmtree(next(env["pkg"].parent.glob("nativepkg-*.dist-info")))
    (env["pkg"] / "libcore.so").unlink()
    real = _imports(env)
    assert real.returncode != 0 and "libcore.so: cannot open shared object file" in real.stderr
    found = _errors(env)
    assert [f.code for f in found] == ["TFL121"]
    assert "libcore.so: cannot open shared object file" in found[0].message and "_ext" in found[0].message


def test_leftover_folder_with_its_library_is_no_error(env):
    shutil.rmtree(next(env["pkg"].parent.glob("nativepkg-*.dist-info")))
    assert _imports(env).returncode == 0
    assert _errors(env) == []


_PRE_INIT = ("import ctypes, os\n"
             "ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'lib', 'libside.so'))\n"
             "from {pkg}._ext import VALUE\n")
_SIDE_EXT = _EXT.replace("core_value", "side_value")


@pytest.fixture(scope="module")
def loose_wheels(tmp_path_factory):
    """Extension modules linked against ``libside.so`` (SONAME libside.so) with no RUNPATH: ``ldpkg`` finds it only
    through LD_LIBRARY_PATH (the library is in the wheel's ``ldside/`` folder); ``prepkg`` loads ``prepkg/lib/libside.so``
    by path with ctypes before its extension module; ``nopre`` has the same files without that preload."""
    cc = _tool("cc")
    base = tmp_path_factory.mktemp("loose")
    py = make_venv(base / "builder-venv")
    q = lambda code: subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True).stdout.strip()  # noqa: E731
    inc, suffix = q("import sysconfig; print(sysconfig.get_paths()['include'])"), q(
        "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
    tag = q("import sys; v=sys.version_info; print(f'cp{v.major}{v.minor}')")
    src = base / "src"
    src.mkdir()
    (src / "side.c").write_text("int side_value(void) { return 7; }\n")
    (src / "ext.c").write_text(_SIDE_EXT)
    run = lambda *a: subprocess.run(a, cwd=src, check=True, capture_output=True)  # noqa: E731
    run(cc, "-shared", "-fPIC", "-Wl,-soname,libside.so", "-o", "libside.so", "side.c")
    run(cc, "-shared", "-fPIC", f"-I{inc}", "-o", f"_ext{suffix}", "ext.c", "-L.", "-lside")
    lib, ext = (src / "libside.so").read_bytes(), (src / f"_ext{suffix}").read_bytes()
    wtag = f"{tag}-{tag}-linux_x86_64"
    return {
        "ldpkg": build_wheel(base / "dist", "ldpkg", "1.0", {"ldpkg/__init__.py": "from ldpkg._ext import VALUE\n",
                                                           f"ldpkg/_ext{suffix}": ext, "ldside/libside.so": lib}, tag=wtag),
        "prepkg": build_wheel(base / "dist", "prepkg", "1.0", {"prepkg/__init__.py": _PRE_INIT.format(pkg="prepkg"),
                                                             f"prepkg/_ext{suffix}": ext, "prepkg/lib/libside.so": lib},
                              tag=wtag),
        "nopre": build_wheel(base / "dist", "nopre", "1.0", {"nopre/__init__.py": "from nopre._ext import VALUE\n",
                                                           f"nopre/_ext{suffix}": ext, "nopre/lib/libside.so": lib},
                             tag=wtag),
    }


@pytest.fixture
def loose_env(loose_wheels, tmp_path, monkeypatch):
    py = make_venv(tmp_path / "venv")
    pip_install(py, "--no-index", *map(str, loose_wheels.values()))
    site = Path(run_in(py, "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.setenv("TF_LSP_CACHE_DIR", str(tmp_path / "cache"))
    return {"py": py, "site": site, "ws": ws}


def _runs(env, module: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "LD_LIBRARY_PATH")}
    e.update(extra or {})
    return run_in(env["py"], f"import {module}; assert {module}.VALUE == 7", cwd=env["ws"], env=e)


def test_library_found_only_through_ld_library_path(loose_env):
    side = {"LD_LIBRARY_PATH": str(loose_env["site"] / "ldside")}
    real_without, real_with = _runs(loose_env, "ldpkg"), _runs(loose_env, "ldpkg", side)
    assert real_without.returncode != 0 and "libside.so: cannot open shared object file" in real_without.stderr
    assert real_with.returncode == 0, real_with.stderr
    found = _errors(loose_env, source="import ldpkg\n")
    assert [f.code for f in found] == ["TFL121"] and "LD_LIBRARY_PATH: (not set)" in found[0].details
    assert found[0].fixes and found[0].fixes[0].args.force_reinstall
    assert _errors(loose_env, side, source="import ldpkg\n") == []


def test_library_preloaded_by_path_is_no_error(loose_env):
    assert _runs(loose_env, "prepkg").returncode == 0
    assert _errors(loose_env, source="import prepkg\n") == []
    real = _runs(loose_env, "nopre")            # the same files without the ctypes preload
    assert real.returncode != 0 and "libside.so: cannot open shared object file" in real.stderr
    assert [f.code for f in _errors(loose_env, source="import nopre\n")] == ["TFL121"]


def test_loader_cache_names_are_read():
    from tf_lsp.nativeload import LD_CACHE, cached_names

    if not os.path.exists(LD_CACHE):
        pytest.skip("no loader cache on this system")
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True).stdout
    want = {l.split(" (")[0].strip() for l in out.splitlines()[1:] if " => " in l}
    assert want and want <= cached_names()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
