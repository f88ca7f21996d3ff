"""tf-lsp against public repositories at a pinned commit (``repos.py``): sample projects in sub-folders run from
their own folder, packages named like their folder, ``sys.path`` edits. A LOCAL measure: each repository's tests
are skipped, saying why, when its checkout is not on disk (CI reaches no repository host).
"""
from __future__ import annotations

import fnmatch

import pytest

from tests.realcode import compare
from tests.realcode.manifest import SELF
from tests.realcode.repos import CHECKOUTS, absent, checkout_root
from tests.realcode.sources import in_scope, path_edits_of

pytestmark = [pytest.mark.realcode, pytest.mark.timeout(1800)]


def _present():
    return [c for c in CHECKOUTS if absent(c) is None]


@pytest.fixture(scope="module")
def measured():
    from tests.realcode.truth import missing_prerequisites, record_all

    why = missing_prerequisites()
    if why:
        pytest.skip(why)
    present = _present()
    if not present:
        pytest.skip("no repository checkout on disk: " + "; ".join(absent(c) for c in CHECKOUTS))
    per_project, total = {}, compare.Summary()
    truths = record_all([c.name for c in present], checkouts=True)
    for name, prediction in compare.predict_all(truths).items():
        truth = truths[name]
        assert prediction.report is not None, (
            f"{name}: tf-lsp check failed (exit {prediction.returncode}):\n{prediction.stderr[-3000:]}")
        rows, installs = compare.compare(truth, prediction), compare.first_party_installs(truth, prediction)
        per_project[name] = (rows, installs)
        total.add(rows, installs)
    compare.write_table(compare.render(per_project, commit=compare.head_commit()), name="realrepos-table.md")
    return per_project, total


@pytest.mark.parametrize("checkout", CHECKOUTS, ids=[c.name for c in CHECKOUTS])
def test_checkout_is_the_pinned_commit_and_its_run_docs_exist(checkout):
    """Every documenting line (README command, the import an entry script makes) is really in the checkout."""
    why = absent(checkout)
    if why:
        pytest.skip(why)
    root = checkout_root(checkout)
    files = in_scope(checkout, root)
    assert files, f"{checkout.name}: nothing in scope"
    for rule in checkout.rules:
        if rule.doc_file == SELF:
            assert any(fnmatch.fnmatchcase(f.rel, rule.pattern)
                       and rule.doc_text in (root / f.rel).read_text(encoding="utf-8") for f in files), (
                f"{checkout.name}: no file in scope says {rule.doc_text!r} (rule {rule.pattern})")
        else:
            assert rule.doc_text in (root / rule.doc_file).read_text(encoding="utf-8"), (
                f"{checkout.name}: {rule.doc_file} does not say {rule.doc_text!r}")
        assert (root / rule.folder).is_dir(), f"{checkout.name}: no run folder {rule.folder}"


def test_every_statement_ran(measured):
    per_project, total = measured
    assert total.statements > 100
    assert total.unknown <= total.statements // 100, total.line()


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


def test_path_edits_are_run_with_what_they_read():
    """The harness runs a file's module-level sys.path edits (and the assignments and helper they use) before the
    imports after them; nothing else of the file runs."""
    text = ("import os, sys\nROOT = os.path.abspath('../../')\nUNUSED = train()\n"
            "def add_path(p):\n    if p not in sys.path:\n        sys.path.insert(0, p)\n"
            "add_path(ROOT)\nsys.path.append(os.path.dirname(__file__) + '/..')\nfrom mrcnn import model\n"
            "main()\n")
    assert [s.line for s in path_edits_of(text)] == [2, 4, 7, 8]
