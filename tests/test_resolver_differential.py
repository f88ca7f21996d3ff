"""Differential test: the static resolver must agree with importlib.util.find_spec run inside the interpreter.

The environment is real: a venv with pip-installed wheels (built here), a PEP 420 namespace split over two
distributions, a pkgutil-style namespace over two sys.path entries, a .pth folder, a zip on sys.path, an
editable install, module/package/namespace precedence traps and an extension-module file.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install
from tf_lsp.environment import probe, static_snapshot
from tf_lsp.resolver import Resolver, pkgutil_extender

GROUND_TRUTH = textwrap.dedent(r"""
    import importlib.util, json, sys, os
    names = json.load(sys.stdin)
    out = {}
    for n in names:
        try:
            spec = importlib.util.find_spec(n)
        except BaseException as e:  # a parent that fails to import, or is not a package
            out[n] = {"found": False, "error": type(e).__name__}
            continue
        if spec is None:
            out[n] = {"found": False}
        else:
            locs = spec.submodule_search_locations
            out[n] = {"found": True, "origin": spec.origin, "locations": list(locs) if locs is not None else None}
    print(json.dumps(out))
""")


def ground_truth(python: Path, names: list[str], *, cwd: Path, env: dict | None = None) -> dict:
    proc = subprocess.run([str(python), "-c", GROUND_TRUTH], input=json.dumps(names), capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def candidate_names(sys_path, *, suffixes) -> set[str]:
    names = set()
    for entry in sys_path:
        if not os.path.isdir(entry):
            continue
        for n in os.listdir(entry):
            full = os.path.join(entry, n)
            if os.path.isdir(full):
                if n.isidentifier():
                    names.add(n)
            else:
                for s in suffixes:
                    if n.endswith(s) and n[: -len(s)].isidentifier():
                        names.add(n[: -len(s)])
    return names


def submodule_names(res_locations, parent: str, limit: int = 40) -> list[str]:
    out = []
    for loc in res_locations:
        if not os.path.isdir(loc):
            continue
        for n in sorted(os.listdir(loc)):
            base = n[:-3] if n.endswith(".py") else n.split(".")[0] if n.endswith(".so") else n
            if base.isidentifier() and base != "__init__" and not base.startswith("__"):
                out.append(f"{parent}.{base}")
    return sorted(set(out))[:limit]


def assert_agree(resolver: Resolver, truth: dict) -> list[str]:
    problems = []
    for name, t in sorted(truth.items()):
        r = resolver.resolve(name)
        if t.get("error") and not t["found"]:
            # find_spec raised because the parent could not be imported or is not a package; the static answer
            # for such a name must be "not found" unless the parent imported fine but is a module.
            if r.found and t["error"] == "ModuleNotFoundError":
                problems.append(f"{name}: static found {r.path}, find_spec raised {t['error']}")
            continue
        if r.found != t["found"]:
            problems.append(f"{name}: static found={r.found} ({r.kind} {r.path}), find_spec found={t['found']} ({t.get('origin')})")
            continue
        if not r.found:
            continue
        origin = t["origin"]
        if origin in ("built-in",):
            if r.kind != "builtin":
                problems.append(f"{name}: find_spec says built-in, static says {r.kind} {r.path}")
        elif origin == "frozen":
            if r.kind not in ("builtin", "module", "package", "alias") or (r.path and not r.path.endswith(("/" + name.split(".")[-1] + ".py", "/__init__.py"))):
                problems.append(f"{name}: find_spec says frozen, static says {r.kind} {r.path}")
        elif origin in (None, "namespace") or (t["locations"] is not None and r.kind == "namespace"):
            if r.kind != "namespace" or sorted(map(os.path.realpath, r.search_locations)) != sorted(map(os.path.realpath, t["locations"] or [])):
                problems.append(f"{name}: namespace mismatch: static {r.kind} {r.search_locations}, find_spec {t['locations']}")
        else:
            if not r.path or os.path.realpath(r.path) != os.path.realpath(origin):
                problems.append(f"{name}: static {r.kind} {r.path}, find_spec {origin}")
    return problems


@pytest.fixture(scope="module")
def mixed_env(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("diff")
    wheels = root / "wheels"
    py = make_venv(root / "venv")
    site = next((root / "venv" / "lib").glob("python3.*/site-packages"))
    build_wheel(wheels, "acme-one", "1.0", {"acme/one/__init__.py": "X = 1\n"})
    build_wheel(wheels, "acme-two", "2.0", {"acme/two/__init__.py": "Y = 2\n", "acme/two/sub.py": ""})
    build_wheel(wheels, "plainpkg", "0.3", {"plainpkg/__init__.py": "", "plainpkg/mod.py": "", "plainpkg/deep/__init__.py": "",
                                            "plainpkg/deep/leaf.py": "", "plainpkg/data/readme.txt": "not a module"})
    build_wheel(wheels, "pkgutilns-a", "1.0", {"pkgutilns/__init__.py": "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
                                               "pkgutilns/a.py": ""})
    build_wheel(wheels, "trap", "1.0", {"dupmod.py": "", "dupmod/helper.py": "", "duppkg/__init__.py": "", "duppkg.py": ""})
    for whl in sorted(wheels.glob("*.whl")):
        pip_install(py, "--no-deps", str(whl))
    # a second sys.path entry via .pth: pkgutil namespace portion b + a plain module
    extra = root / "extra"
    (extra / "pkgutilns").mkdir(parents=True)
    (extra / "pkgutilns" / "__init__.py").write_text("__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n")
    (extra / "pkgutilns" / "b.py").write_text("")
    (extra / "extra_mod.py").write_text("")
    (extra / "acme" / "three").mkdir(parents=True)
    (extra / "acme" / "three" / "__init__.py").write_text("")
    zpath = root / "zipped.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("zmod.py", "")
        zf.writestr("zpkg/__init__.py", "")
        zf.writestr("zpkg/inner.py", "")
    (site / "zz_extra.pth").write_text(f"{extra}\n{zpath}\n# a comment\nimport os\n")
    # an extension-module file (find_spec locates it without loading)
    (site / "fakeext.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    # an editable install of a local project (setuptools' finder or .pth, whichever it picks)
    proj = root / "edproj"
    (proj / "edpkg").mkdir(parents=True)
    (proj / "edpkg" / "__init__.py").write_text("")
    (proj / "edpkg" / "core.py").write_text("")
    (proj / "notes").mkdir()
    (proj / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "edproj"
        version = "0.1"
        [tool.setuptools]
        packages = ["edpkg"]
    """))
    pip_install(py, "--no-deps", "-e", str(proj))
    return py, root


def _resolver_for(py: Path, *, static: bool = False, cwd: Path) -> Resolver:
    snap = static_snapshot(py) if static else probe(py, use_cache=False)
    path = snap.with_path()
    from tf_lsp.distributions import build_index
    mapping = {}
    for d in build_index(path).dists:
        mapping.update(d.editable_mapping)
    return Resolver(path, ext_suffixes=snap.ext_suffixes, builtin_names=snap.builtin_names,
                    editable_mapping=mapping, path_extenders=[pkgutil_extender(path)])


def test_top_level_and_submodules_agree_with_find_spec(mixed_env):
    py, root = mixed_env
    snap = probe(py, use_cache=False)
    resolver = _resolver_for(py, cwd=root)
    names = candidate_names(snap.sys_path, suffixes=snap.ext_suffixes + (".py", ".pyc"))
    names |= set(snap.builtin_names) | {"does_not_exist_xyz", "edpkg", "zmod", "zpkg", "acme", "pkgutilns"}
    subs = ["acme.one", "acme.two", "acme.two.sub", "acme.three", "acme.missing", "plainpkg.mod", "plainpkg.deep.leaf",
            "plainpkg.data", "plainpkg.nope", "pkgutilns.a", "pkgutilns.b", "pkgutilns.c", "zpkg.inner", "zpkg.nope",
            "dupmod.helper", "duppkg", "edpkg.core", "edpkg.nope", "json.decoder", "xml.etree.ElementTree",
            "email.mime.text", "concurrent.futures.thread", "importlib.metadata", "collections.abc", "os.path",
            "json.nope", "six.moves"]
    names = sorted(names | set(subs))
    truth = ground_truth(py, names, cwd=root)
    assert truth["acme.one"]["found"] and truth["pkgutilns.b"]["found"] and truth["zmod"]["found"]  # the traps are real
    assert truth["edpkg"]["found"], "the editable install must be importable for the test to mean anything"
    problems = assert_agree(resolver, truth)
    assert not problems, "\n".join(problems)
    assert len(truth) > 300


def test_static_snapshot_agrees_on_site_packages(mixed_env):
    """Static mode (nothing run) must reach the same verdicts for third-party modules."""
    py, root = mixed_env
    resolver = _resolver_for(py, static=True, cwd=root)
    names = ["acme", "acme.one", "acme.two.sub", "plainpkg.deep.leaf", "dupmod", "duppkg", "extra_mod",
             "fakeext", "pkgutilns.b", "edpkg.core", "nope_nope", "json.decoder"]
    truth = ground_truth(py, names, cwd=root)
    problems = assert_agree(resolver, truth)
    assert not problems, "\n".join(problems)


def test_metadata_headers_equal_the_email_parser():
    """tf_lsp.distributions.read_headers (stops at the header block) against email.parser.HeaderParser (reads the
    whole file) on every METADATA / PKG-INFO this machine has in its Python environments."""
    import glob
    import sysconfig
    from email.parser import HeaderParser

    from tf_lsp.distributions import read_headers

    roots = {sysconfig.get_paths()["purelib"], "/usr/lib/python3/dist-packages",
             *glob.glob("/root/.pyenv/versions/*/lib/python3*/site-packages")}
    files = [f for r in roots for f in glob.glob(f"{r}/*.dist-info/METADATA") + glob.glob(f"{r}/*.egg-info/PKG-INFO")]
    assert len(files) >= 10, roots
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            want = HeaderParser().parse(fh)
        with open(f, encoding="utf-8", errors="replace") as fh:
            got = read_headers(fh)
        for key in ("Name", "Version", "Requires-Python"):
            value = want.get(key)
            assert got.get(key) == (str(value) if value is not None else None), (f, key)
        for key in ("Requires-Dist", "Provides-Extra"):
            assert got.get_all(key) == [str(v) for v in want.get_all(key) or []], (f, key)
