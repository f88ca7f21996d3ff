"""RESULTS.md and results.png from one benchmark run: machine, versions, medians, ratios, targets."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import prepare

NOTES = ("Notes: `cold` = fresh `TF_LSP_CACHE_DIR` and `XDG_CACHE_HOME` for that run; `warm` = the caches a "
         "previous run left. pyright and basedpyright run through their PyPI wrappers (a Python start, then node), "
         "as `pip install pyright` gives them; each peer ran once before its timed runs (bytecode, node package). "
         "The server figures are taken from a minimal JSON-RPC client over stdio; peak RSS of a process is GNU "
         "time's `%M` (the largest of the process and the children it waited for: node under the wrappers, tf-lsp's "
         "worker processes on trees).")


def _out(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        return (proc.stdout or proc.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def dist_versions(python: Path, names: tuple[str, ...]) -> str:
    site = prepare.site_packages(python)
    found = []
    for name in names:
        for info in sorted(site.glob(f"{name}-*.dist-info")):
            found.append(info.name[: -len(".dist-info")].replace("-", " ", 1))
    return ", ".join(found)


def versions(bench, envs: dict) -> dict:
    tools = bench.tools_bin
    git = _out(["git", "-C", str(prepare.REPO), "rev-parse", "--short", "HEAD"])
    out = {"tf-lsp": f"{git} (this checkout, run from source)",
           "Python (tf-lsp, tools venv)": sys.version.split()[0],
           "pyright": _out([str(tools / "pyright"), "--version"]),
           "basedpyright": _out([str(tools / "basedpyright"), "--version"]),
           "ty": _out([str(tools / "ty"), "--version"])}
    for label, py in envs.items():
        out[f"environment {label}"] = (f"{py} — Python {_out([str(py), '-c', 'import sys; print(sys.version.split()[0])'])}; "
                                       + dist_versions(py, ("tensorflow", "tensorflow_cpu", "numpy")))
    return out


def chart(targets: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [t["target"] for t in targets][::-1]
    scores = [t["score"] for t in targets][::-1]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(targets) + 1.6))
    colours = ["#2e7d32" if s >= 1 else "#c62828" for s in scores]
    ax.barh(names, scores, color=colours)
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("measured / target (log scale; >= 1 means the target is met)")
    for y, (s, t) in enumerate(zip(scores, [t["measured"] for t in targets][::-1])):
        ax.text(s, y, f"  {t}", va="center", fontsize=8)
    ax.set_xlim(min(scores + [1]) / 2, max(scores + [1]) * 8)
    ax.set_title("tf-lsp against issue 12's targets (ratios measured in the same run)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(bench, *, args, started: dict, envs: dict, out: Path) -> list[Path]:
    v = versions(bench, envs)
    load = " ".join(f"{x:.2f}" for x in started["load"])
    load_end = " ".join(f"{x:.2f}" for x in started["load_end"])
    busy = max(started["load"][0], started["load_end"][0]) > (os.cpu_count() or 1) * 0.75
    state = "other work was running" if busy else "nothing else was running"
    lines = ["# Benchmark results", "",
             f"Written by `python benchmarks/run.py --runs {args.runs} --tree-runs {args.tree_runs}"
             + (f" --only {args.only}" if args.only != "one,lsp,trees,broken,thousand,rss" else "") + f"` on {started['when']}, in {started['seconds'] / 60:.1f} min. "
             "Every figure is a whole process (start-up included) unless said otherwise; each ratio compares two "
             "figures from this same run, so they are the numbers to quote on a loaded machine.", "",
             "## Machine", "",
             f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
             f"- load average at start: {load} (1, 5, 15 min); at the end: {load_end} — {state}",
             f"- OS: {platform.platform()}", ""]
    lines += ["## Versions", ""] + [f"- {k}: {val}" for k, val in v.items()] + [""]
    lines += ["## Targets (issue 12)", "", "| target | goal | measured | met |", "|---|---|---|---|"]
    lines += [f"| {t['target']} | {t['goal']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |"
              for t in bench.targets]
    lines += ["", "![measured / target](results.png)", "", "## Ratios (peer time / tf-lsp time, > 1: tf-lsp faster)", "",
              "| comparison | ratio |", "|---|---|"]
    lines += [f"| {r['what']} | {r['ratio']:.2f}x |" for r in bench.ratios]
    lines += ["", "## Medians", "", "| section | measure | median | min | runs | peak RSS | files/s |",
              "|---|---|---|---|---|---|---|"]
    for r in bench.rows:
        fps = f"{r['files_per_s']:,.0f}" if "files_per_s" in r else ""
        rss = f"{r['max_rss_mb']:.0f} MB" if r["max_rss_mb"] else ""
        lines.append(f"| {r['section']} | {r['what']} | {r['median_s'] * 1000:,.0f} ms | {r['min_s'] * 1000:,.0f} ms "
                     f"| {r['runs']} | {rss} | {fps} |")
    lines += ["", NOTES, ""]
    md = out / "RESULTS.md"
    md.write_text("\n".join(lines))
    (out / "results.json").write_text(json.dumps({"rows": bench.rows, "targets": bench.targets,
                                                  "ratios": bench.ratios, "versions": v,
                                                  "load": started["load"]}, indent=1))
    png = out / "results.png"
    if bench.targets:
        chart(bench.targets, png)
    return [md, out / "results.json", png]
