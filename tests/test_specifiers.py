"""tf_lsp.specifiers.simplify: short, and admitting exactly the versions the original constraints admit."""
from __future__ import annotations

import itertools
import random

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tf_lsp.specifiers import simplify

CASES = [
    (">=1.12.0,>1.20,>=1.21.2,>=1.23.3,>=1.23.5,<2,<2.0.0", ">=1.23.5,<2"),      # TF 2.15's numpy pins, real
    (">=1.19.3,>=1.26.0,>=2.0.0", ">=2.0.0"),
    (">=3,>=3.2.0", ">=3.2.0"),
    ("<2.17,>=2.16", ">=2.16,<2.17"),
    ("~=2.20.0", "~=2.20.0"),
    ("~=2.20.0,>=2.20.1", ">=2.20.1,<2.21"),
    ("==1.26.4,<2", "==1.26.4"),
    (">=1,!=1.5,!=3,<2", ">=1,<2,!=1.5"),
    (">=6.31.1,<8.0.0", ">=6.31.1,<8.0.0"),
    (">1.20,>=1.20", ">1.20"),
    ("<=2,<2", "<2"),
]


@pytest.mark.parametrize("original,short", CASES)
def test_known_simplifications(original, short):
    assert simplify([original]) == short


def _versions() -> list[Version]:
    out = []
    for major, minor, patch in itertools.product(range(0, 4), range(0, 22, 3), range(0, 3)):
        base = f"{major}.{minor}.{patch}"
        out += [Version(base), Version(f"{base}rc1"), Version(f"{base}.post1"), Version(f"{base}.dev0")]
    out += [Version("2"), Version("2.0"), Version("1.20"), Version("1.5")]
    return out


def test_random_intersections_admit_the_same_versions():
    rng = random.Random(20261125)
    versions = _versions()
    ops = [">=", ">", "<", "<=", "!=", "==", "~="]
    numbers = ["1", "1.5", "1.20", "1.20.1", "2", "2.0.0", "2.3", "2.15.1", "3.0", "0.9.2", "1.20.post1", "2.0rc1"]
    for _ in range(400):
        parts = [f"{rng.choice(ops)}{rng.choice(numbers)}" for _ in range(rng.randint(1, 5))]
        parts = [p for p in parts if not (p.startswith("~=") and "." not in p[2:])]
        if not parts:
            continue
        original = SpecifierSet(",".join(parts))
        short_text = simplify(parts)
        short = SpecifierSet(short_text)
        for v in versions:
            assert original.contains(v, prereleases=True) == short.contains(v, prereleases=True), \
                (parts, short_text, str(v))
        assert len(list(short)) <= len(list(original))


def test_invalid_parts_are_dropped_and_nothing_is_invented():
    assert simplify(["not a spec", ">=1.0"]) == ">=1.0"
    assert simplify([]) == ""


def test_generic_and_pack_paths_give_one_fitting_specifier(tmp_path):
    """dependencies.combined_specifier (the generic TFL103/TFL115 fix) and the TensorFlow pack's
    compat.fitting_install used to compute "fits every installed package" apart and disagreed when the installed
    version already fits (==1.5 against >=1.0,<2): both now ask specifiers.fitting_specifier."""
    from tests.wheelmaker import build_wheel, make_venv, pip_install
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.checks.dependencies import combined_specifier
    from tf_lsp.checks.tensorflow.compat import fitting_install
    from tf_lsp.imports import extract_imports
    from tf_lsp.workspace import Workspace

    wheels, ws_root = tmp_path / "wheels", tmp_path / "ws"
    ws_root.mkdir()
    py = make_venv(tmp_path / "venv")
    pip_install(py, "--no-deps",
                str(build_wheel(wheels, "req-a", "1.0", {"req_a/__init__.py": ""}, requires=["dep>=1.0,<3"])),
                str(build_wheel(wheels, "req-b", "1.0", {"req_b/__init__.py": ""}, requires=["dep<2"])),
                str(build_wheel(wheels, "dep", "1.5", {"dep/__init__.py": ""})))
    ws = Workspace(ws_root, python=str(py))
    stmt = extract_imports("import req_a\n")[0]
    ctx = ImportContext(workspace=ws, env=ws.env, file_path=ws_root / "main.py", stmt=stmt,
                        resolution=ws.resolve("req_a"), resolver=ws.resolver_for(str(ws_root)), environ={},
                        script_dir=str(ws_root))
    generic, who = combined_specifier(ws.env, "dep")
    fix, spec, constraints = fitting_install(ctx, "dep", "", "why")
    assert generic == "dep==1.5" and spec == "==1.5" and fix.args.specs == ("dep==1.5",)
    assert sorted(constraints) == ["req-a 1.0: <3,>=1.0", "req-b 1.0: <2"], constraints
    assert len(who) == 2
    # with tf-lsp's own constraint that excludes the installed version, both bounds are kept, written short
    assert fitting_install(ctx, "dep", ">=1.6", "why")[1] == ">=1.6,<2"
