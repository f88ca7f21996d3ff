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
