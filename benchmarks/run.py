"""Speed and memory of tf-lsp side by side with pyright, basedpyright, ty and the real import, in one run.

    python benchmarks/run.py [--runs N] [--tree-runs N] [--only SECTION,...] [--dry-run]

Builds what it needs (see prepare.py), re-runs itself inside the tools venv, measures every comparison of issue 12,
prints medians and ratios, and writes benchmarks/RESULTS.md and benchmarks/results.png. Asserts nothing.
Sections: one (one file, cold/warm, peers, import), lsp (first diagnostics after didOpen, re-check after an edit),
trees (10,000 generated files and TensorFlow's own sources), broken (broken environments, cold), thousand (one file
with 1,000 imports: time and peak memory), rss (server memory with TF loaded and 100 files open).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import prepare
import workloads
from measure import LspClient, median, run_once

SECTIONS = ("one", "lsp", "trees", "broken", "thousand", "rss")


class Bench:
    def __init__(self, args, tools_python: Path, work: Path):
        self.args = args
        self.py = Path(sys.executable)
        self.tools_bin = tools_python.parent
        self.work = work
        self.rows: list[dict] = []       # every measured figure
        self.targets: list[dict] = []    # issue 12's targets: measured, goal, score (>= 1 when met)
        self.ratios: list[dict] = []     # tf-lsp against a peer, same run (> 1: tf-lsp faster)
        self.plain = {k: v for k, v in os.environ.items()
                      if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "VIRTUAL_ENV", "TF_LSP_CACHE_DIR")}
        self._fresh = 0

    # -- helpers -------------------------------------------------------------------------------------------------
    def log(self, text: str) -> None:
        print(text, flush=True)

    def caches(self, name: str) -> dict:
        """Environment for tf-lsp with its own cache folders: a new name gives cold caches."""
        base = self.work / "caches" / name
        return dict(self.plain, PYTHONPATH=str(prepare.REPO), TF_LSP_CACHE_DIR=str(base / "tf-lsp"),
                    XDG_CACHE_HOME=str(base / "xdg"))

    def cold_env(self) -> dict:
        self._fresh += 1
        return self.caches(f"cold-{self._fresh}")

    def tf_lsp(self, *args: str) -> list[str]:
        return [str(self.py), "-m", "tf_lsp", *args]

    def tool(self, name: str) -> str:
        return str(self.tools_bin / name)

    def record(self, section: str, what: str, samples, *, files: int | None = None) -> dict:
        secs = [s.seconds for s in samples]
        row = {"section": section, "what": what, "median_s": median(secs), "min_s": min(secs), "runs": len(secs),
               "max_rss_mb": max(s.max_rss_mb for s in samples), "returncode": samples[-1].returncode}
        if files:
            row["files"] = files
            row["files_per_s"] = files / row["median_s"]
        self.rows.append(row)
        extra = f"  {row['files_per_s']:,.0f} files/s" if files else ""
        self.log(f"   {what:<58} {row['median_s'] * 1000:9.0f} ms median (min {row['min_s'] * 1000:.0f}, "
                 f"n={row['runs']})" + (f"  peak {row['max_rss_mb']:.0f} MB" if row["max_rss_mb"] else "") + extra)
        return row

    def repeat(self, argv, *, n: int, env: dict | None = None, cwd: Path | None = None, fresh_env=None):
        return [run_once(argv, env=fresh_env() if fresh_env else env, cwd=cwd) for _ in range(n)]

    def cold_and_warm(self, section: str, check: list[str], folder: Path, *,
                      cold_label: str = "tf-lsp check, cold") -> tuple[dict, dict]:
        """``check`` timed cold (fresh caches for each run) and warm (the caches of one untimed run before)."""
        n = self.args.runs
        cold = self.record(section, cold_label, self.repeat(check, n=n, cwd=folder, fresh_env=self.cold_env))
        warm_env = self.caches(f"warm-{section}")
        run_once(check, env=warm_env, cwd=folder)
        warm = self.record(section, "tf-lsp check, warm", self.repeat(check, n=n, env=warm_env, cwd=folder))
        return cold, warm

    def ratio(self, what: str, peer_row: dict, ours: dict) -> float:
        r = peer_row["median_s"] / ours["median_s"]
        self.ratios.append({"what": what, "ratio": r})
        self.log(f"   -> {what}: {r:.2f}x")
        return r

    def target(self, name: str, measured: str, score: float, goal: str) -> None:
        self.targets.append({"target": name, "goal": goal, "measured": measured, "score": score, "met": score >= 1})
        self.log(f"   target {name}: {measured} (goal {goal}) {'MET' if score >= 1 else 'not met'}")

    # -- sections --------------------------------------------------------------------------------------------------
    def one(self, env_py: Path) -> None:
        n = self.args.runs
        self.log(f"\n1. one file ({workloads.SAMPLE.count(chr(10))} lines, TF {prepare.TF_VERSION}), whole process")
        folder = self.work / "one"
        sample = workloads.write_sample(folder)
        check = self.tf_lsp("check", str(sample), "--python", str(env_py))
        cold, warm = self.cold_and_warm("one", check, folder, cold_label="tf-lsp check, cold (fresh caches)")
        peers = {"pyright": [self.tool("pyright"), "--pythonpath", str(env_py), str(sample)],
                 "basedpyright": [self.tool("basedpyright"), "--pythonpath", str(env_py), str(sample)],
                 "ty": [self.tool("ty"), "check", "--python", str(env_py.parent.parent), str(sample)],
                 "import": [str(env_py), "-c", "import tensorflow"]}
        got = {}
        for name, argv in peers.items():
            run_once(argv, env=self.plain, cwd=folder)          # bytecode and the node package, once
            label = 'python -c "import tensorflow"' if name == "import" else f"{name} (same file)"
            got[name] = self.record("one", label, self.repeat(argv, n=n, env=self.plain, cwd=folder))
        self.ratio("warm tf-lsp vs ty", got["ty"], warm)
        for name in ("pyright", "basedpyright", "import"):
            self.ratio(f"cold tf-lsp vs {name}", got[name], cold)
            self.ratio(f"warm tf-lsp vs {name}", got[name], warm)
        r = got["ty"]["median_s"] / warm["median_s"]
        self.target("one file warm vs ty", f"{warm['median_s']:.2f} s vs {got['ty']['median_s']:.2f} s ({r:.2f}x)",
                    r, "no slower than ty (>= 1x)")
        r = got["pyright"]["median_s"] / cold["median_s"]
        self.target("one file cold vs pyright", f"{r:.1f}x", r / 5, ">= 5x faster")
        r = got["import"]["median_s"] / cold["median_s"]
        self.target("one file cold vs import", f"{r:.1f}x", r / 10, ">= 10x faster")

    def lsp(self, env_py: Path) -> None:
        n = self.args.runs
        self.log("\n2. the server over stdio: cold start, didOpen -> first publishDiagnostics, edit -> re-check")
        folder = self.work / "lsp"
        sample = workloads.write_sample(folder)
        firsts, starts, edits = [], [], []
        for _ in range(n):
            t0 = time.perf_counter()
            client = LspClient(self.tf_lsp("serve", "--python", str(env_py)), env=self.cold_env(), cwd=folder)
            try:
                client.initialize(folder)
                starts.append(time.perf_counter() - t0)
                opened = client.open(sample, workloads.SAMPLE)
                firsts.append(client.diagnostics_for(sample.as_uri())[0] - opened)
                for version in range(2, 7):
                    changed = client.change(sample, workloads.SAMPLE + f"\nx_{version} = {version}\n", version=version)
                    edits.append(client.diagnostics_for(sample.as_uri())[0] - changed)
            finally:
                client.close()
        from measure import Sample
        rows = {}
        for what, xs in (("server start to initialize result, cold", starts),
                         ("didOpen -> first publishDiagnostics, cold server", firsts),
                         ("didChange -> publishDiagnostics (includes 150 ms debounce)", edits)):
            rows[what] = self.record("lsp", what, [Sample(x, 0, 0, "") for x in xs])
        first = rows["didOpen -> first publishDiagnostics, cold server"]["median_s"]
        self.target("first diagnostics after didOpen, cold server", f"{first * 1000:.0f} ms", 0.3 / first, "<= 300 ms")

    def tree(self, label: str, root: Path, files: int, env_py: Path, *, targets: bool) -> None:
        n = self.args.tree_runs
        check = self.tf_lsp("check", str(root), "--python", str(env_py))
        env = self.caches(f"tree-{label}")
        shutil.rmtree(self.work / "caches" / f"tree-{label}", ignore_errors=True)
        samples = [run_once(check, env=env, cwd=root)]          # the first cold run fills the warm caches
        samples += self.repeat(check, n=n - 1, cwd=root, fresh_env=self.cold_env)
        cold = self.record("trees", f"{label}: tf-lsp check, cold", samples, files=files)
        warm = self.record("trees", f"{label}: tf-lsp check, warm", self.repeat(check, n=n, env=env, cwd=root),
                           files=files)
        ty = [self.tool("ty"), "check", "--python", str(env_py.parent.parent), str(root)]
        peer = self.record("trees", f"{label}: ty check", self.repeat(ty, n=n, env=self.plain, cwd=root), files=files)
        self.ratio(f"{label}: warm tf-lsp vs ty", peer, warm)
        self.ratio(f"{label}: cold tf-lsp vs ty", peer, cold)
        if targets:
            self.target(f"{label} warm", f"{warm['files_per_s']:,.0f} files/s", warm["files_per_s"] / 2000,
                        ">= 2,000 files/s")
            self.target(f"{label} cold", f"{cold['files_per_s']:,.0f} files/s", cold["files_per_s"] / 500,
                        ">= 500 files/s")

    def trees(self, env_py: Path) -> None:
        self.log("\n3. large trees (whole process; files/s = files / wall time)")
        cache = prepare.bench_dir() / "trees"
        gen = workloads.generated_tree(cache / "gen10k", files=self.args.tree_files)
        self.tree(f"{self.args.tree_files:,} generated files", gen, workloads.count_py(gen), env_py, targets=True)
        tf_root, count = workloads.tensorflow_tree(prepare.site_packages(env_py), cache / "tf-sources")
        self.tree(f"TensorFlow {prepare.TF_VERSION}'s own {count:,} sources", tf_root, count, env_py, targets=False)

    def broken(self, envs: list[tuple[prepare.EnvSpec, Path]]) -> None:
        n = self.args.runs
        self.log("\n4. broken environments, cold")
        folder = self.work / "broken"
        sample = workloads.write_sample(folder)
        for spec, env_py in envs:
            check = self.tf_lsp("check", str(sample), "--python", str(env_py))
            row = self.record("broken", f"{spec.name}: tf-lsp check, cold",
                              self.repeat(check, n=n, cwd=folder, fresh_env=self.cold_env))
            imp = self.record("broken", f'{spec.name}: python -c "import tensorflow"',
                              self.repeat([str(env_py), "-c", "import tensorflow"], n=n, env=self.plain, cwd=folder))
            self.ratio(f"{spec.name}: cold tf-lsp vs import", imp, row)
            self.target(f"broken env cold: {spec.name}", f"{row['median_s']:.2f} s", 2 / row["median_s"], "< 2 s")

    def thousand(self, env_py: Path) -> None:
        self.log("\n5. one file with 1,000 distinct imports")
        folder = self.work / "thousand"
        path = workloads.thousand_imports(prepare.site_packages(env_py), folder)
        check = self.tf_lsp("check", str(path), "--python", str(env_py))
        cold, warm = self.cold_and_warm("thousand", check, folder)
        for name, argv in (("ty", [self.tool("ty"), "check", "--python", str(env_py.parent.parent), str(path)]),
                           ("pyright", [self.tool("pyright"), "--pythonpath", str(env_py), str(path)])):
            peer = self.record("thousand", f"{name} (same file)", self.repeat(argv, n=1, env=self.plain, cwd=folder))
            self.ratio(f"1,000 imports: cold tf-lsp vs {name}", peer, cold)
            self.ratio(f"1,000 imports: warm tf-lsp vs {name}", peer, warm)
        self.target("1,000 imports, time (cold)", f"{cold['median_s']:.2f} s", 1 / cold["median_s"], "< 1 s")
        self.target("1,000 imports, memory (cold)", f"{cold['max_rss_mb']:.0f} MB", 100 / cold["max_rss_mb"],
                    "< 100 MB")

    def rss(self, env_py: Path) -> None:
        self.log("\n6. server memory with TF loaded and 100 files open")
        root = workloads.generated_tree(prepare.bench_dir() / "trees" / "gen10k", files=self.args.tree_files)
        paths = sorted((root / "src").rglob("mod_*.py"))[:100]
        client = LspClient(self.tf_lsp("serve", "--python", str(env_py)), env=self.caches("warm-one"), cwd=root)
        try:
            client.initialize(root)
            t0 = time.perf_counter()
            for p in paths:
                client.open(p, p.read_text())
            waiting = {p.as_uri() for p in paths}
            while waiting:
                _, msg = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
                waiting.discard(msg["params"]["uri"])
            took = time.perf_counter() - t0
            now, peak = client.rss_mb()
        finally:
            client.close()
        self.rows.append({"section": "rss", "what": "server, warm caches: 100 didOpen -> all 100 published; RSS "
                          "then (VmRSS)", "median_s": took, "min_s": took, "runs": 1, "max_rss_mb": now,
                          "returncode": 0})
        self.log(f"   100 files opened and diagnosed in {took:.2f} s; RSS {now:.0f} MB (peak {peak:.0f} MB)")
        self.rows.append({"section": "rss", "what": "the same server's peak RSS (VmHWM)", "median_s": took,
                          "min_s": took, "runs": 1, "max_rss_mb": peak, "returncode": 0})
        self.target("server RSS, TF loaded, 100 files open", f"{now:.0f} MB", 80 / now, "< 80 MB")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per measure; the median is reported (default 3)")
    ap.add_argument("--tree-runs", type=int, default=1, help="runs per large-tree measure (default 1)")
    ap.add_argument("--tree-files", type=int, default=10_000, help="size of the generated tree (default 10,000)")
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    ap.add_argument("--base-python", default="3.11", help="interpreter (version or path) uv builds venvs from")
    ap.add_argument("--out", type=Path, default=prepare.HERE, help="where RESULTS.md and results.png go")
    ap.add_argument("--dry-run", action="store_true", help="print the plan and generate small workloads; no timing")
    return ap.parse_args(argv)


def dry_run(args) -> int:
    print(f"plan: sections {args.only}; {args.runs} run(s) per measure, {args.tree_runs} per tree")
    print(f"  benchmark folder: {prepare.bench_dir()} (tools venv, envs, trees)")
    print(f"  environments: {prepare.TF221.name}, " + ", ".join(s.name for s in prepare.BROKEN))
    print(f"  tools: {', '.join(prepare.TOOLS)} + tf-lsp's dependencies {prepare.tf_lsp_requirements()}")
    with tempfile.TemporaryDirectory() as tmp:
        tree = workloads.generated_tree(Path(tmp) / "gen", files=200)
        sample = workloads.write_sample(Path(tmp) / "one")
        print(f"  workloads: generated tree ok ({workloads.count_py(tree)} files at --tree-files 200), "
              f"sample ok ({sample.name})")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.dry_run:
        return dry_run(args)
    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    tools = prepare.ensure_tools(base_python=args.base_python)
    if Path(sys.prefix).resolve() != tools.parent.parent.resolve():
        os.execv(str(tools), [str(tools), str(Path(__file__).resolve()), *argv])
    import report
    started = {"load": os.getloadavg(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in started['load'])}")
    env_py = prepare.ensure_env(prepare.TF221, base_python=args.base_python)
    broken = [(s, prepare.ensure_env(s, base_python=args.base_python)) for s in prepare.BROKEN]
    work = Path(tempfile.mkdtemp(prefix="tf-lsp-bench-"))
    bench = Bench(args, tools, work)
    t0 = time.perf_counter()
    try:
        for section in SECTIONS:
            if section in args.only.split(","):
                if section == "broken":
                    bench.broken(broken)
                else:
                    getattr(bench, section)(env_py)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    started["seconds"] = time.perf_counter() - t0
    started["load_end"] = os.getloadavg()
    envs = {"healthy": env_py, **{s.name: p for s, p in broken}}
    out = report.write(bench, args=args, started=started, envs=envs, out=args.out)
    print(f"\nwrote {', '.join(str(p) for p in out)} in {started['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
