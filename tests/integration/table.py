"""Print the integration table (Markdown) for the README, building or reusing the cached scenarios.

    python -m tests.integration.table              # predictions vs reality, with fix verification
    python -m tests.integration.table --no-fixes   # skip carrying out the fixes
    python -m tests.integration.table --truth      # only what the imports really do (no tf-lsp needed)
    python -m tests.integration.table --summary    # one line per scenario, from the last full run (README)
    python -m tests.integration.table --by-class   # recall and false alarms per failure class, same source
"""
from __future__ import annotations

import argparse
import sys

from tests.integration import harness
from tests.integration.build import build_scenario, missing_prerequisites, outcome_label
from tests.integration.known_gaps import KNOWN_GAPS
from tests.integration.scenarios import BY_NAME, CLASSES, SCENARIOS


def truth_table(names: list[str]) -> str:
    out = ["| scenario | what it is | line | real outcome |", "|---|---|---|---|"]
    for name in names:
        built = build_scenario(BY_NAME[name])
        for o in built.outcomes:
            out.append(f"| {name} | {built.scenario.why} | `{o['line']}` | "
                       f"{outcome_label(o).replace('|', '/')} |")
    return "\n".join(out) + "\n"


def rows_from_artifact(path=None) -> list:
    """The rows of the last full run, read back from its Markdown table (fix results included)."""
    rows = []
    for line in (path or harness.TABLE).read_text().splitlines():
        if not line.startswith("| ") or line.startswith("| scenario") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        if len(cells) < 7:
            continue
        scenario, src, real, pred, fix, result = cells[:6]
        codes = [] if pred == "—" else pred.split(", ")
        title = fix.rsplit(" (", 1)[0] if fix != "—" else ""
        rows.append(harness.Row(scenario, len(rows), src.strip("`"), not real.startswith("FAIL"), real, codes,
                                any(c.endswith("/error") for c in codes), {"title": title} if title else None,
                                "" if result == "—" else result))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="scenario names (default: all)")
    ap.add_argument("--no-fixes", action="store_true")
    ap.add_argument("--truth", action="store_true")
    ap.add_argument("--summary", action="store_true",
                    help="print the per-scenario summary of the last full run (from tests/artifacts) for the README")
    ap.add_argument("--by-class", action="store_true",
                    help="print recall and false alarms per failure class of the last full run (README)")
    args = ap.parse_args(argv)
    if args.by_class:
        print(harness.render_by_class(rows_from_artifact(), {s.name: s.classes for s in SCENARIOS}, CLASSES), end="")
        return 0
    if args.summary:
        print(harness.render_summary(rows_from_artifact(), {s.name: s.why for s in SCENARIOS}), end="")
        return 0
    why = missing_prerequisites()
    if why:
        print(f"cannot build the scenarios: {why}", file=sys.stderr)
        return 2
    names = args.names or [s.name for s in SCENARIOS]
    if args.truth:
        print(truth_table(names), end="")
        return 0
    if harness.cli_missing():
        print(harness.cli_missing(), file=sys.stderr)
        return 2
    rows = []
    for name in names:
        built = build_scenario(BY_NAME[name])
        prediction = harness.predict(built)
        if prediction.report is None:
            print(f"{name}: tf-lsp check exit {prediction.returncode}: {prediction.stderr[-500:]}", file=sys.stderr)
            continue
        scenario_rows = harness.compare(built, prediction, KNOWN_GAPS)
        if not args.no_fixes:
            harness.verify_fixes(built, scenario_rows)
        rows += scenario_rows
    path = harness.write_table(rows)
    print(harness.render_table(rows), end="")
    print(f"(written to {path})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
