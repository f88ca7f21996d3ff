"""Integration tier: real TensorFlow releases in cached environments (see build.py). Marked ``integration``."""
from __future__ import annotations

import pytest

from tests.integration import harness

ROWS: dict[str, list] = {}        # scenario name -> rows, filled by test_predictions, rendered at the end


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter):
    if not ROWS:
        return
    from tests.integration.scenarios import SCENARIOS

    rows = [r for s in SCENARIOS for r in ROWS.get(s.name, [])]
    path = harness.write_table(rows)
    terminalreporter.write_sep("=", f"integration table (also in {path})")
    terminalreporter.write(harness.render_table(rows))
