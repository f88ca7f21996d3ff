"""tf-lsp against real projects, statement by statement (issue 10's targets).

The ground truth is measured here (``truth.py``: every import statement run the documented way, cached by digest)
and tf-lsp is run as a user runs it (``compare.py``); no outcome is written down in advance.
"""
from __future__ import annotations

import fnmatch

import pytest

from tests.realcode import compare
from tests.realcode.conftest import RESULTS
from tests.realcode.manifest import PROJECTS, SELF
from tests.realcode.sources import download_all, in_scope, real_dir, sha256_of, unpack

pytestmark = [pytest.mark.realcode, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def measured():
    from tests.realcode.truth import missing_prerequisites, record_all

    why = missing_prerequisites()
    if why:
        pytest.skip(why)
    per_project, total = {}, compare.Summary()
    truths = record_all()
    for name, prediction in compare.predict_all(truths).items():
        truth = truths[name]
        assert prediction.report is not None, (
            f"{name}: tf-lsp check failed (exit {prediction.returncode}):\n{prediction.stderr[-3000:]}")
        rows, installs = compare.compare(truth, prediction), compare.first_party_installs(truth, prediction)
        per_project[name] = (rows, installs)
        total.add(rows, installs)
    table = compare.write_table(compare.render(per_project, commit=compare.head_commit()))
    RESULTS.update(per_project=per_project, line=total.line(), table=table)
    return per_project, total


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_sdist_is_the_pinned_one_and_its_run_docs_exist(project):
    """The archive pip fetched has the manifest's sha256; every documenting line is really in the project."""
    download_all(PROJECTS)                   # one pip run for all the archives still missing
    root = unpack(project)

    assert sha256_of(real_dir() / "sdists" / project.archive) == project.sha256
    files = in_scope(project, root)
    assert files, f"{project.name}: nothing in scope"
    for rule in project.rules:
        if rule.doc_file == SELF:
            assert any(fnmatch.fnmatchcase(f.rel, rule.pattern)
                       and rule.doc_text in (root / f.rel).read_text(encoding="utf-8") for f in files), (
                f"{project.name}: no file in scope says {rule.doc_text!r} (rule {rule.pattern})")
        else:
            assert rule.doc_text in (root / rule.doc_file).read_text(encoding="utf-8"), (
                f"{project.name}: {rule.doc_file} does not say {rule.doc_text!r}")


def test_ground_truth_ran_every_statement(measured):
    per_project, total = measured
    assert total.statements > 1000
    assert total.unknown <= total.statements // 100, total.line()
    # the environment is healthy: TensorFlow itself imports
    rows = [r for rows, _ in per_project.values() for r in rows]
    assert any(r.source == "import tensorflow as tf" and r.real == "ok" for r in rows)


def test_false_alarms_at_most_one_percent_of_errors(measured):
    per_project, total = measured
    listing = compare.false_alarm_listing(per_project)
    assert total.false_alarms <= 0.01 * total.errors, f"{total.line()}\n{listing}"


def test_no_install_fix_names_a_first_party_module(measured):
    per_project, total = measured
    installs = [i for _, ins in per_project.values() for i in ins]
    assert not installs, f"{total.line()}\n{compare.install_listing(per_project)}"


def test_wrong_reasons_at_most_two_percent(measured):
    per_project, total = measured
    listing = compare.wrong_reason_listing(per_project)
    assert total.wrong_reasons <= 0.02 * total.caught, f"{total.line()}\n{listing}"


def test_first_party_install_measure_counts_what_the_issue_calls_harm(tmp_path):
    """The measure itself, on a small tree: an install named after a module of the tree counts, unless the project
    declares that distribution or the environment provides the name (so the target above can fail)."""
    from tests.realcode.truth import Truth

    root = tmp_path / "proj"
    (root / "ml").mkdir(parents=True)
    (root / "data.py").write_text("X = 1\n")
    (root / "ml" / "movenet.py").write_text("from data import X\nimport gym\n")
    (root / "vendored" / "gym").mkdir(parents=True)
    (root / "vendored" / "gym" / "__init__.py").write_text("")
    (root / "proj.egg-info").mkdir()
    (root / "proj.egg-info" / "requires.txt").write_text("numpy\n\n[gym]\ngym\n")
    env = tmp_path / "env"
    (env / "bin").mkdir(parents=True)
    (env / "lib" / "python3.11" / "site-packages" / "numpy").mkdir(parents=True)

    def install(spec, line):
        return {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}},
                "severity": "error", "code": "TFL100", "message": f"No module named '{spec}'",
                "fixes": [{"title": f"Install {spec}", "action": "install", "args": {"specs": [spec]}}]}

    report = {"files": [{"path": str(root / "ml" / "movenet.py"),
                         "diagnostics": [install("data", 0), install("gym>=0.20", 1)]}]}
    truth = Truth(PROJECTS[0], root, env / "bin" / "python", [], {}, 0.0)
    found = compare.first_party_installs(truth, compare.Prediction(1, report, ""))
    assert [(i["file"], i["line"], i["spec"]) for i in found] == [("ml/movenet.py", 1, "data")]
