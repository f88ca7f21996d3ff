"""tf-lsp's prediction for every import statement of the real projects, against the recorded ground truth.

    python -m tests.realcode.compare [PROJECT ...]    # print the summary and write tests/artifacts/realcode-table.md
    python -m tests.realcode.compare --repos [NAME ...]   # the checked-out repositories (repos.py, a local measure):
                                                          # tests/artifacts/realrepos-table.md

Per statement (all its documented ways of running together):
  real        "ok" when it works in at least one documented way, "fail" when it fails in every one, "unknown" when a
              run crashed or timed out (left out of every count), "parent" when it works on its own but only with a
              broken parent package stood in for: the file cannot be imported through its package, for a reason
              elsewhere. An error there counts as caught (its reason is checked against the package's failure);
              silence is not a miss (the cause is reported where it is; the issue asks for no repetition).
  verdict     ok / caught / missed / false alarm (an error-severity diagnostic on a statement that works) /
              guarded (fails inside ``try: ... except ImportError`` and tf-lsp says something, not an error).
  wrong reason  a caught statement whose errors name none of the modules the real exception names (ImportError's
              ``name``, the name in "cannot import name 'X'", or the module whose code raised anything else).
  first-party install  an install fix (on any line) whose package is named like a module or package inside the
              project tree, that no distribution in the environment provides as a top-level name and that the
              project does not declare (its sdist's ``*.egg-info/requires.txt`` or PKG-INFO ``Requires-Dist``,
              extras included: keras-rl2 declares ``gym`` and ships a ``utils/gym/`` of its own).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.integration.build import clean_environ
from tests.integration.harness import Prediction
from tests.realcode.sources import first_party_names, real_dir
from tests.realcode.truth import Truth

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
TABLE = ARTIFACTS / "realcode-table.md"
CHECK_TIMEOUT = 600
_CANNOT_IMPORT = re.compile(r"cannot import name '([\w.]+)'")
_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*$")


def predict(truth: Truth) -> Prediction:
    """``tf-lsp check --format json --python <env> --root <project> <files>``, as a user would run it."""
    argv = [sys.executable, "-m", "tf_lsp", "check", "--format", "json", "--python", str(truth.python),
            "--root", str(truth.root), *[str(truth.root / f.rel) for f in truth.files]]
    engine = os.environ.get("TF_LSP_ENGINE_PATH") or str(REPO)     # another checkout's tf_lsp, to compare engines
    env = clean_environ((("PYTHONPATH", engine),))
    proc = subprocess.run(argv, cwd=truth.root, env=env, capture_output=True, text=True, timeout=CHECK_TIMEOUT)
    try:
        report = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        report = None
    return Prediction(proc.returncode, report, proc.stderr, argv)


def predict_all(truths: dict[str, Truth]) -> dict[str, Prediction]:
    """``predict`` for every project, two at a time (the ground truth runs two processes at a time too)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(truths, pool.map(predict, truths.values()), strict=True))


@dataclass
class Row:
    project: str
    rel: str
    line: int
    source: str
    guarded: bool
    real: str                       # "ok" | "fail" | "unknown"
    outcomes: dict                  # mode -> record
    errors: list[dict]
    others: list[dict]              # warnings / information / hints on the statement
    wrong_reason: bool = False

    @property
    def verdict(self) -> str:
        if self.real == "unknown":
            return "unknown"
        if self.real == "parent":
            return "caught" if self.errors else "parent"
        if self.real == "ok":
            return "false alarm" if self.errors else "ok"
        if self.errors:
            return "caught"
        return "guarded" if self.guarded and self.others else "missed"

    def real_label(self) -> str:
        parts = []
        for mode, r in sorted(self.outcomes.items()):
            if r["ok"] and r.get("parent_broken"):
                why = r.get("parent_error") or {}
                text = (f"ok alone; its package {r['parent_broken'][0]} fails: {why.get('type')}: "
                        f"{why.get('message', '')}")
            elif r["ok"]:
                text = "ok"
            elif r["ok"] is False:
                text = f"{r.get('type')}: {r.get('message', '')}"
            else:
                text = f"unknown: {r.get('message', '')}"
            parts.append(f"{mode}: {_strip_paths(text)[:140]}")
        return "; ".join(parts)


def _strip_paths(text: str) -> str:
    return re.sub(r" \((/[^)]*)\)", "", text).replace(str(real_dir()), "$REAL")


def _module_of(path: str, truth: Truth) -> str | None:
    """The dotted module a traceback frame's file belongs to (project tree or site-packages), else None."""
    p = Path(path)
    for base in [truth.root, *truth.python.parent.parent.glob("lib/python3*/site-packages")]:
        try:
            rel = p.relative_to(base)
        except ValueError:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts) or None
    return None


def real_modules(row: Row, truth: Truth) -> set[str]:
    """Names a correct explanation of the failure would mention (any failing way of running)."""
    names: set[str] = set()
    records = list(row.outcomes.values())
    if row.real == "parent":      # the package's own failure is the reason
        records = [{**r["parent_error"], "ok": False} for r in records if r.get("parent_error")]
    for r in records:
        if r["ok"] is not False:
            continue
        if r.get("name") and _NAME.match(r["name"]):
            names.add(r["name"])
        m = _CANNOT_IMPORT.search(r.get("message") or "")
        if m:
            names.add(m.group(1))
        if r.get("type") not in ("ImportError", "ModuleNotFoundError"):
            names.add(r.get("type") or "")
            origin = _module_of(r.get("origin") or "", truth)
            if origin:
                names.add(origin)
    names.discard("")
    return names


def _names_in(message: str, name: str) -> bool:
    return re.search(r"(?<![\w.])" + re.escape(name) + r"(?!\w)", message) is not None


def _diagnostics_by_file(prediction: Prediction, truth: Truth) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in (prediction.report or {}).get("files", []):
        try:
            rel = Path(f["path"]).resolve().relative_to(truth.root.resolve()).as_posix()
        except ValueError:
            continue
        out.setdefault(rel, []).extend(f.get("diagnostics", []))
    return out


def compare(truth: Truth, prediction: Prediction) -> list[Row]:
    diags = _diagnostics_by_file(prediction, truth)
    rows = []
    for f in truth.files:
        for st in f.statements:
            if st.type_checking:
                continue
            outcomes = truth.outcomes.get((f.rel, st.line), {})
            states = [r["ok"] for r in outcomes.values()]
            real = ("ok" if any(r["ok"] and not r.get("parent_broken") for r in outcomes.values()) else
                    "parent" if True in states else
                    "fail" if states and all(s is False for s in states) else "unknown")
            on = [d for d in diags.get(f.rel, []) if st.line - 1 <= d["range"]["start"]["line"] <= st.end_line - 1]
            row = Row(truth.project.name, f.rel, st.line, st.source, st.guarded, real, outcomes,
                      [d for d in on if d["severity"] == "error"], [d for d in on if d["severity"] != "error"])
            if row.verdict == "caught":
                wanted = real_modules(row, truth)
                text = " ".join(d["message"] for d in row.errors)
                row.wrong_reason = bool(wanted) and not any(_names_in(text, n) for n in wanted)
            rows.append(row)
    return rows


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _spec_name(spec: str) -> str:
    return re.split(r"[\[<>=!~;@ ]", spec.strip(), maxsplit=1)[0]


def provided_top_levels(python: Path) -> set[str]:
    """Top-level import names the environment's distributions provide (their folders and modules)."""
    names = set()
    for sp in python.parent.parent.glob("lib/python3*/site-packages"):
        for entry in sp.iterdir():
            if entry.suffix in (".dist-info", ".pth") or entry.name.startswith("_"):
                continue
            names.add(entry.name.split(".")[0])
    return {_normalize(n) for n in names}


def declared_distributions(root: Path, folders: tuple[str, ...] = ()) -> set[str]:
    """Every distribution the project's own metadata names (runtime and extras; for a repository, the
    ``requirements*.txt`` files of its measured sub-folders)."""
    names = set()
    for folder in folders:
        for req in (root / folder).rglob("requirements*.txt"):
            for line in req.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    names.add(_normalize(_spec_name(line)))
    for req in root.glob("*.egg-info/requires.txt"):
        for line in req.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip() and not line.startswith("["):
                names.add(_normalize(_spec_name(line)))
    pkg_info = root / "PKG-INFO"
    if pkg_info.exists():
        for line in pkg_info.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Requires-Dist:"):
                names.add(_normalize(_spec_name(line.split(":", 1)[1])))
    return names


def first_party_installs(truth: Truth, prediction: Prediction) -> list[dict]:
    """Install fixes whose package is named like a first-party module (that nothing installed provides and the
    project does not declare)."""
    folders = getattr(truth.project, "folders", ("",))
    first_party = ({_normalize(n) for n in first_party_names(truth.root, folders)}
                   - provided_top_levels(truth.python) - declared_distributions(truth.root, folders))
    found = []
    for rel, diags in _diagnostics_by_file(prediction, truth).items():
        for d in diags:
            for fx in d.get("fixes", []):
                if fx.get("action") != "install":
                    continue
                for spec in (fx.get("args") or {}).get("specs", []):
                    if _normalize(_spec_name(spec)) in first_party:
                        found.append({"project": truth.project.name, "file": rel,
                                      "line": d["range"]["start"]["line"] + 1, "code": d["code"], "spec": spec,
                                      "title": fx.get("title", "")})
    return found


@dataclass
class Summary:
    statements: int = 0
    unknown: int = 0
    parent: int = 0                 # works alone, a parent package fails to import, no error (neither count)
    failing: int = 0
    errors: int = 0                 # statements with an error diagnostic
    caught: int = 0
    missed: int = 0
    guarded: int = 0
    false_alarms: int = 0
    wrong_reasons: int = 0
    first_party_installs: int = 0
    warned: int = 0                 # working statements with a warning (not counted against any target)

    def add(self, rows: list[Row], installs: list[dict]) -> "Summary":
        for r in rows:
            self.statements += 1
            v = r.verdict
            self.unknown += v == "unknown"
            self.parent += v == "parent"
            self.failing += r.real == "fail"
            self.errors += bool(r.errors) and v != "unknown"
            self.caught += v == "caught"
            self.missed += v == "missed"
            self.guarded += v == "guarded"
            self.false_alarms += v == "false alarm"
            self.wrong_reasons += r.wrong_reason
            self.warned += r.real == "ok" and any(d["severity"] == "warning" for d in r.others)
        self.first_party_installs += len(installs)
        return self

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.errors if self.errors else 0.0

    @property
    def wrong_reason_rate(self) -> float:
        return self.wrong_reasons / self.caught if self.caught else 0.0

    def line(self) -> str:
        return (f"import statements: {self.statements} · failing for real: {self.failing} · with an error: "
                f"{self.errors} · caught: {self.caught} · missed: {self.missed} · guarded (not an error): "
                f"{self.guarded} · false alarms: {self.false_alarms} ({self.false_alarm_rate:.1%} of errors) · "
                f"wrong reasons: {self.wrong_reasons} ({self.wrong_reason_rate:.1%} of caught) · "
                f"first-party installs: {self.first_party_installs} · unknown: {self.unknown} · "
                f"in a broken package, no error: {self.parent} · "
                f"working statements with a warning: {self.warned}")


def _cell(text: str) -> str:
    return _strip_paths(text).replace("|", "\\|").replace("\n", " ")


def _diag_label(d: dict) -> str:
    return f"{d['code']}/{d['severity']}: {d['message'][:160]}"


def false_alarm_listing(per_project: dict[str, tuple[list[Row], list[dict]]], limit: int = 40) -> str:
    """The false alarms, one line each (file, line, statement, the errors said), for a failing assertion."""
    alarms = [r for rows, _ in per_project.values() for r in rows if r.verdict == "false alarm"]
    return "\n".join(f"  {r.project} {r.rel}:{r.line} `{r.source}`: "
                     + "; ".join(_diag_label(d) for d in r.errors) for r in alarms[:limit])


def install_listing(per_project: dict[str, tuple[list[Row], list[dict]]], limit: int = 40) -> str:
    """The install fixes named after a first-party module, one line each."""
    installs = [i for _, ins in per_project.values() for i in ins]
    return "\n".join(f"  {i['project']} {i['file']}:{i['line']} {i['code']}: {i['title']}" for i in installs[:limit])


def wrong_reason_listing(per_project: dict[str, tuple[list[Row], list[dict]]], limit: int = 40) -> str:
    """The caught lines whose reason is not what really fails, one line each (the real error and what was said)."""
    wrong = [r for rows, _ in per_project.values() for r in rows if r.wrong_reason]
    return "\n".join(f"  {r.project} {r.rel}:{r.line} `{r.source}`: real {r.real_label()[:160]}; said "
                     + "; ".join(_diag_label(d)[:160] for d in r.errors) for r in wrong[:limit])


def render(per_project: dict[str, tuple[list[Row], list[dict]]], *, commit: str = "") -> str:
    total = Summary()
    out = ["# tf-lsp on real projects: predictions vs real imports", ""]
    if commit:
        out += [f"tf-lsp at {commit}.", ""]
    out += ["| project | statements | failing for real | with an error | caught | missed | false alarms | "
            "wrong reasons | first-party installs | unknown |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, (rows, installs) in per_project.items():
        s = Summary().add(rows, installs)
        total.add(rows, installs)
        out.append(f"| {name} | {s.statements} | {s.failing} | {s.errors} | {s.caught} | {s.missed} | "
                   f"{s.false_alarms} | {s.wrong_reasons} | {s.first_party_installs} | {s.unknown} |")
    out += ["", total.line(), "", "## Statements that fail for real or get an error", "",
            "| project | file:line | statement | real outcome (per documented way) | tf-lsp errors | verdict |",
            "|---|---|---|---|---|---|"]
    for name, (rows, _) in per_project.items():
        for r in rows:
            if r.real == "ok" and not r.errors:
                continue
            verdict = r.verdict + (" (wrong reason)" if r.wrong_reason else "")
            errs = "<br>".join(_diag_label(d) for d in r.errors) or "—"
            out.append("| " + " | ".join(_cell(c) for c in (
                name, f"{r.rel}:{r.line}", f"`{r.source[:80]}`", r.real_label(), errs, verdict)) + " |")
    installs = [i for _, (_, ins) in per_project.items() for i in ins]
    if installs:
        out += ["", "## Install fixes named after a first-party module", "", "| project | file:line | code | fix |",
                "|---|---|---|---|"]
        out += [f"| {i['project']} | {i['file']}:{i['line']} | {i['code']} | {_cell(i['title'])} |" for i in installs]
    return "\n".join(out) + "\n"


def write_table(text: str, *, name: str | None = None) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name if name else TABLE
    path.write_text(text)
    return path


def head_commit() -> str:
    """What engine was measured: this checkout's commit, or the TF_LSP_ENGINE_PATH folder."""
    if os.environ.get("TF_LSP_ENGINE_PATH"):
        return f"the tf_lsp of {os.environ['TF_LSP_ENGINE_PATH']}"
    proc = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return proc.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    from tests.realcode.truth import missing_prerequisites, record_all

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--repos", action="store_true", help="the checked-out repositories (repos.py), not the sdists")
    args = ap.parse_args(argv)
    why = missing_prerequisites()
    if why:
        print(f"cannot run: {why}", file=sys.stderr)
        return 2
    per_project = {}
    total = Summary()
    truths = record_all(args.names or None, checkouts=args.repos)
    for name, prediction in predict_all(truths).items():
        truth = truths[name]
        if prediction.report is None:
            print(f"{name}: tf-lsp check exit {prediction.returncode}: {prediction.stderr[-800:]}", file=sys.stderr)
            return 1
        rows, installs = compare(truth, prediction), first_party_installs(truth, prediction)
        per_project[name] = (rows, installs)
        s = Summary().add(rows, installs)
        total.add(rows, installs)
        print(f"{name}: {s.line()}")
    print(f"all: {total.line()}")
    table = write_table(render(per_project, commit=head_commit()), name="realrepos-table.md" if args.repos else None)
    print(f"(table in {table})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
