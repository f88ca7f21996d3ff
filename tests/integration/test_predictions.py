"""tf-lsp's prediction for every import line of every scenario, against what the import really does.

Real failure <=> an error-severity diagnostic on that line. Any missed failure or false alarm fails, unless the lead
listed it in known_gaps.py (then it xfails with the reason). Then the first fix offered on each failing line is
carried out in a copy of the environment and the import is run again.
"""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest

from tests.integration import harness
from tests.integration.build import build_scenario, missing_prerequisites
from tests.integration.conftest import ROWS
from tests.integration.known_gaps import KNOWN_FIX_GAPS, KNOWN_GAPS
from tests.integration.scenarios import BY_NAME, SCENARIOS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

_PREDICTIONS: dict[str, tuple] = {}


def _rows(name: str):
    why = missing_prerequisites() or harness.cli_missing()
    if why:
        pytest.skip(why)
    if name not in _PREDICTIONS:
        built = build_scenario(BY_NAME[name])
        prediction = harness.predict(built)
        assert prediction.returncode in (0, 1) and prediction.report is not None, (
            f"tf-lsp check failed (exit {prediction.returncode}):\n{prediction.stderr[-3000:]}")
        rows = harness.compare(built, prediction, KNOWN_GAPS)
        _PREDICTIONS[name] = (built, prediction, rows)
        ROWS[name] = rows
    return _PREDICTIONS[name]


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_prediction_matches_reality(name):
    built, prediction, rows = _rows(name)
    table = harness.render_table(rows)
    unknown = [r for r in rows if r.mismatch and not r.known_gap]
    assert not unknown, f"{len(unknown)} mismatch(es) in {name} ({built.scenario.why}):\n{table}"
    stale = [line for (scn, line) in KNOWN_GAPS if scn == name and not any(
        r.line == line and r.mismatch for r in rows)]
    assert not stale, f"listed in KNOWN_GAPS but no longer a mismatch (remove them): {stale}"
    if any(r.known_gap for r in rows):
        pytest.xfail("; ".join(sorted({r.known_gap for r in rows if r.known_gap})))


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_fixes_make_the_import_work(name):
    built, _, rows = _rows(name)
    harness.verify_fixes(built, rows)
    checked = [r for r in rows if r.fix_result]
    if not checked:
        pytest.skip("no failing line with a fix to carry out")
    broken = [r for r in checked if r.fix_result != "works" and (name, r.line) not in KNOWN_FIX_GAPS]
    assert not broken, "fixes that did not make the import work:\n" + harness.render_table(broken)
    if any(r.fix_result != "works" for r in checked):
        pytest.xfail("; ".join(KNOWN_FIX_GAPS[(name, r.line)] for r in checked if r.fix_result != "works"))


def test_cudnn_mismatch_is_a_warning_that_names_both_versions():
    """[and-cuda] with cuDNN 8 forced over the cuDNN 9 TF 2.21 was built for: the import works (no GPU here, and
    TensorFlow only dlopens cuDNN when it sets up a GPU), so the finding is a TFL109 warning naming both."""
    built, prediction, rows = _rows("and-cuda-cudnn8")
    diags = [d for f in prediction.report["files"] for d in f["diagnostics"] if d["range"]["start"]["line"] == 0]
    cudnn = [d for d in diags if d["code"] == "TFL109" and "cudnn" in d["message"].lower()]
    assert built.outcomes[0]["ok"]
    assert cudnn and all(d["severity"] == "warning" for d in cudnn), diags
    assert "cudnn 9" in cudnn[0]["message"] and "8.9.7.29" in cudnn[0]["message"], cudnn[0]["message"]
    fix = cudnn[0]["fixes"][0]
    assert "[and-cuda]==2.21.0" in " ".join(fix["command"])
    # the fix, carried out in a copy of the environment, brings cuDNN 9 back and the finding goes away
    with tempfile.TemporaryDirectory(prefix="tf-lsp-fix-") as tmp:
        python, _ = harness._apply_fix(built, fix, Path(tmp))
        libs = {p.name for p in python.parent.parent.glob("lib/python3*/site-packages/nvidia/cudnn/lib/*")}
        assert "libcudnn.so.9" in libs, sorted(libs)
        again = harness.predict(dataclasses.replace(built, python=python))
        after = [d for f in again.report["files"] for d in f["diagnostics"]
                 if d["code"] == "TFL109" and "cudnn" in d["message"].lower()]
        assert after == [], after
