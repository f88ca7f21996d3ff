"""Compare tf-lsp's predictions with what the imports really do, verify its fixes, and render the table.

Nothing here is a test: ``test_predictions.py`` asserts, ``table.py`` prints.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.build import Built, env_prefix, it_dir, outcome_label, probe_line, uv_binary, warnings_of

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
TABLE = ARTIFACTS / "integration-table.md"
SUMMARY = ARTIFACTS / "integration-summary.md"
BY_CLASS = ARTIFACTS / "integration-by-class.md"
FIX_TIMEOUT = 900


def cli_missing() -> str | None:
    return None if importlib.util.find_spec("tf_lsp.cli") is not None else "tf_lsp.cli not available"


@dataclass
class Row:
    scenario: str
    index: int
    line: str
    real_ok: bool
    real: str                      # "ok", "ok (warns: ...)" or "FAIL: <last stderr line>"
    codes: list[str]               # "TFL103/error" for each diagnostic on the line
    predicted_error: bool
    fix: dict | None = None        # the fix that was (or would be) verified
    fix_result: str = ""           # "works", "fails: ...", "" when not verified
    known_gap: str = ""            # the reason, when the lead listed this mismatch as a known gap

    @property
    def verdict(self) -> str:
        if self.real_ok and not self.predicted_error:
            return "ok"
        if not self.real_ok and self.predicted_error:
            return "caught"
        return "missed" if not self.real_ok else "false alarm"

    @property
    def mismatch(self) -> bool:
        return self.verdict in ("missed", "false alarm")


@dataclass
class Prediction:
    returncode: int
    report: dict | None
    stderr: str
    argv: list[str] = field(default_factory=list)


def predict(built: Built) -> Prediction:
    """``tf-lsp check sample.py --python <selected> --format json`` with the scenario's environment variables."""
    argv = [sys.executable, "-m", "tf_lsp", "check", str(built.sample), "--root", str(built.workspace),
            "--python", str(built.python), "--format", "json"]
    env = dict(built.environ)
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(argv, cwd=built.workspace, env=env, capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        report = None
    return Prediction(proc.returncode, report, proc.stderr, argv)


def compare(built: Built, prediction: Prediction, known_gaps: dict) -> list[Row]:
    diags: list[dict] = []
    for f in (prediction.report or {}).get("files", []):
        if Path(f["path"]).resolve() == built.sample.resolve():
            diags.extend(f.get("diagnostics", []))
    rows = []
    for i, outcome in enumerate(built.outcomes):
        on_line = [d for d in diags if d["range"]["start"]["line"] == i]
        errors = [d for d in on_line if d["severity"] == "error"]
        fix = next((fx for d in errors for fx in d.get("fixes", []) if fx.get("command")), None) \
            or next((fx for d in errors for fx in d.get("fixes", [])
                     if fx.get("action") in ("use-interpreter", "rename")), None)
        row = Row(built.scenario.name, i, outcome["line"], outcome["ok"], outcome_label(outcome),
                  [f"{d['code']}/{d['severity']}" for d in on_line], bool(errors), fix)
        row.known_gap = known_gaps.get((row.scenario, row.line), "") if row.mismatch else ""
        rows.append(row)
    return rows


def _map_path(text: str, mapping: dict[str, str]) -> str:
    for old, new in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
        if text == old or text.startswith(old + os.sep) or text.startswith(old + "/"):
            return new + text[len(old):]
    return text


def _rewrite_shebangs(prefix: Path, old: str, new: str) -> None:
    """Entry-point scripts in a copied env point at the original python: give the copy its own (new inodes)."""
    for script in (prefix / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        head = script.read_bytes()[:300]
        if head.startswith(b"#!") and old.encode() in head:
            data = script.read_bytes().replace(old.encode(), new.encode())
            mode = script.stat().st_mode
            script.unlink()
            script.write_bytes(data)
            script.chmod(mode)


def verify_fixes(built: Built, rows: list[Row]) -> None:
    """Carry out each failing line's fix in a COPY (hard links, ``cp -al``) and run the import again.

    Lines whose fix is the same argv share one copy. Files in the copy are hard links into uv's cache: pip and uv
    unlink before they write, so the original environments stay untouched.
    """
    todo = [r for r in rows if not r.real_ok and r.predicted_error and r.fix]
    groups: dict[str, list[Row]] = {}
    for r in todo:
        groups.setdefault(json.dumps([r.fix.get("action"), r.fix.get("command"), r.fix.get("args")],
                                     sort_keys=True), []).append(r)
    for members in groups.values():
        fix = members[0].fix
        with tempfile.TemporaryDirectory(prefix="tf-lsp-fix-") as tmp:
            try:
                python, ws = _apply_fix(built, fix, Path(tmp))
            except Exception as exc:  # the fix itself failed to run: that is the result
                for r in members:
                    r.fix_result = f"fails: {str(exc).strip().splitlines()[-1][:150] if str(exc).strip() else exc!r}"
                continue
            for r in members:
                o = probe_line(ws, python, r.line, r.index, built.environ, name="fixprobe")
                r.fix_result = "works" if o["ok"] else f"fails: {o['error'][:150]}"
        if fix.get("command"):
            _prune_uv_cache()


def _prune_uv_cache() -> None:
    """``uv pip install --force-reinstall`` unpacks the package into uv's cache afresh (TensorFlow: 1.2 GB each
    time, measured with uv 0.13.9) and leaves the previous copy unreferenced; one run of the tier carries out
    dozens of such fixes, which filled a 252 GB disk over a few runs. ``uv cache prune`` drops only what nothing
    references (instant when there is nothing to drop)."""
    uv = uv_binary()
    if uv:
        subprocess.run([uv, "cache", "prune", "--quiet"], capture_output=True, timeout=300)


def _apply_fix(built: Built, fix: dict, tmp: Path) -> tuple[Path, Path]:
    action = fix.get("action")
    if action == "use-interpreter" and not fix.get("command"):
        return Path(fix["args"]["python"]), built.workspace
    root_copy = tmp / "scenario"
    subprocess.run(["cp", "-al", str(built.root), str(root_copy)], check=True)
    mapping = {str(built.root): str(root_copy)}
    ws = root_copy / "ws"
    python = Path(_map_path(str(built.python), mapping))
    scn = built.scenario
    selected_prefix = env_prefix(scn, scn.selected_env)
    if not str(selected_prefix).startswith(str(built.root)):
        env_copy = tmp / "env"
        subprocess.run(["cp", "-al", str(selected_prefix), str(env_copy)], check=True)
        mapping[str(selected_prefix)] = str(env_copy)
        python = env_copy / "bin" / "python"
        _rewrite_shebangs(env_copy, str(selected_prefix), str(env_copy))
    else:
        prefix_copy = Path(_map_path(str(selected_prefix), mapping))
        _rewrite_shebangs(prefix_copy, str(selected_prefix), str(prefix_copy))
    if action == "rename" and not fix.get("command"):
        src, dst = (Path(_map_path(fix["args"][k], mapping)) for k in ("from", "to"))
        src.rename(dst)
        return python, ws
    argv = [_map_path(a, mapping) for a in fix["command"]]
    if argv and argv[0] == "uv" and shutil.which("uv") is None and uv_binary():
        argv[0] = uv_binary()          # the test venv has uv on PATH; a bare shell may not
    if argv and not os.path.isabs(argv[0]) and shutil.which(argv[0]) is None:
        raise RuntimeError(f"{argv[0]} is not on PATH")
    env = dict(built.environ)
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run(argv, cwd=ws, env=env, capture_output=True, text=True, timeout=FIX_TIMEOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {(proc.stdout + proc.stderr).strip()}")
    return python, ws


def _cell(text: str) -> str:
    return text.replace(str(it_dir()), "$IT").replace("|", "\\|").replace("\n", " ")


def render_table(rows: list[Row]) -> str:
    out = ["| scenario | line | real outcome | prediction | fix offered | fix result | verdict |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        fix = ""
        if r.fix:
            cmd = r.fix.get("command") or []
            shown = " ".join([Path(cmd[0]).name, *cmd[1:]]) if cmd else ""
            fix = r.fix.get("title", "") + (f" (`{shown}`)" if cmd else f" ({r.fix.get('action')})")
        verdict = r.verdict + (f" (known gap: {r.known_gap})" if r.known_gap else "")
        out.append("| " + " | ".join(_cell(c) for c in (
            r.scenario, f"`{r.line}`", r.real, ", ".join(r.codes) or "—", fix or "—", r.fix_result or "—",
            verdict)) + " |")
    failing = [r for r in rows if not r.real_ok]
    counts = {
        "import lines": len(rows),
        "failing for real": len(failing),
        "caught": sum(r.verdict == "caught" for r in rows),
        "missed": sum(r.verdict == "missed" for r in rows),
        "false alarms": sum(r.verdict == "false alarm" for r in rows),
        "known gaps among them": sum(bool(r.known_gap) for r in rows),
        "fixes verified": sum(bool(r.fix_result) for r in rows),
        "fixes that made the import work": sum(r.fix_result == "works" for r in rows),
    }
    out += ["", " · ".join(f"{k}: {v}" for k, v in counts.items())]
    return "\n".join(out) + "\n"


def render_summary(rows: list[Row], why: dict[str, str]) -> str:
    """One line per scenario (for the README): what it is, its real failures, what tf-lsp said about them (the
    error codes), the fix the tier carried out (the first one with a command), and how many made the import work."""
    out = ["| scenario | what it is | lines | fail for real | caught | false alarms | predicted (errors) | "
           "fix carried out | fixes that worked |", "|---|---|---|---|---|---|---|---|---|"]
    order = list(dict.fromkeys(r.scenario for r in rows))
    for name in order:
        mine = [r for r in rows if r.scenario == name]
        errors = list(dict.fromkeys(c.split("/")[0] for r in mine for c in r.codes if c.endswith("/error")))
        fixed = [r for r in mine if r.fix_result]
        first = next((r.fix for r in mine if r.fix and not r.real_ok), None)
        out.append("| " + " | ".join(_cell(c) for c in (
            name, why.get(name, ""), str(len(mine)), str(sum(not r.real_ok for r in mine)),
            str(sum(r.verdict == "caught" for r in mine)), str(sum(r.verdict == "false alarm" for r in mine)),
            ", ".join(errors) or "—", (first or {}).get("title", "—"),
            f"{sum(r.fix_result == 'works' for r in fixed)}/{len(fixed)}" if fixed else "—")) + " |")
    return "\n".join(out) + "\n"


def render_by_class(rows: list[Row], classes_of: dict[str, tuple[str, ...]], names: dict[str, str]) -> str:
    """Recall and false alarms per failure class (a scenario counts for each class it names): the failing lines
    that got an error, and the working lines that got one."""
    out = ["| class | scenarios | lines | fail for real | caught | recall | working lines | false alarms |",
           "|---|---|---|---|---|---|---|---|"]
    for key, title in names.items():
        mine = [r for r in rows if key in classes_of.get(r.scenario, ())]
        if not mine:
            continue
        failing = [r for r in mine if not r.real_ok]
        working = [r for r in mine if r.real_ok]
        caught = sum(r.verdict == "caught" for r in failing)
        alarms = sum(r.verdict == "false alarm" for r in working)
        recall = f"{100 * caught / len(failing):.0f}%" if failing else "—"
        out.append("| " + " | ".join(_cell(c) for c in (
            title, str(len({r.scenario for r in mine})), str(len(mine)), str(len(failing)), str(caught), recall,
            str(len(working)), str(alarms))) + " |")
    return "\n".join(out) + "\n"


def write_table(rows: list[Row]) -> Path:
    from tests.integration.scenarios import CLASSES, SCENARIOS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    TABLE.write_text("# tf-lsp predictions vs real imports\n\n" + render_table(rows))
    SUMMARY.write_text(render_summary(rows, {s.name: s.why for s in SCENARIOS}))
    BY_CLASS.write_text(render_by_class(rows, {s.name: s.classes for s in SCENARIOS}, CLASSES))
    return TABLE


__all__ = ["Row", "Prediction", "cli_missing", "predict", "compare", "verify_fixes", "render_table", "write_table",
           "warnings_of", "render_summary", "render_by_class"]
