"""Real-code tier: real TensorFlow/Keras projects (see manifest.py). Marked ``realcode``."""
from __future__ import annotations

import pytest

RESULTS: dict = {}        # filled by test_realcode's fixture: {"per_project": ..., "line": ..., "table": path}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/realcode/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.realcode)


def pytest_terminal_summary(terminalreporter):
    if RESULTS:
        terminalreporter.write_sep("=", f"real-code tier (table in {RESULTS['table']})")
        terminalreporter.write_line(RESULTS["line"])
