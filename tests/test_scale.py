"""A file with 1,000 distinct missing imports gets exactly 1,000 findings, one per line (the answer, not the time:
timings are printed by benchmarks/many_imports.py)."""
from __future__ import annotations

import json

import pytest

from tests.badinput import tf_lsp
from tests.wheelmaker import make_venv

pytestmark = pytest.mark.timeout(300)


def test_one_thousand_distinct_imports(tmp_path):
    make_venv(tmp_path / ".venv")
    (tmp_path / "many.py").write_text("".join(f"import pkg_scale_{i:04d}\n" for i in range(1000)))
    r = tf_lsp("check", "many.py", "--format", "json", "--python", str(tmp_path / ".venv" / "bin" / "python"),
               cwd=tmp_path, cache=tmp_path / "cache")
    assert r.returncode == 1, r.stderr
    diags = json.loads(r.stdout)["files"][0]["diagnostics"]
    assert len(diags) == 1000
    assert sorted(d["range"]["start"]["line"] for d in diags) == list(range(1000))
    assert {d["code"] for d in diags} == {"TFL100"}
    assert all(f"pkg_scale_{d['range']['start']['line']:04d}" in d["message"] for d in diags)
