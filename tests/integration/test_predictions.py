"""tf-lsp's prediction for every import line of every scenario, against what the import really does.

Real failure <=> an error-severity diagnostic on that line. Any missed failure or false alarm fails, unless the lead
listed it in known_gaps.py (then it xfails with the reason). Then the first fix offered on each failing line is
carried out in a copy of the environment and the import is run again.
"""
from __future__ import annotations

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
