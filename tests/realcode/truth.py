"""Ground truth: what every import statement of every in-scope file really does, run the documented way.

Files that share a way of running (the same cwd and sys.path) run in one interpreter (``runner.py``), so TensorFlow
is imported once per process; processes run two at a time. The outcomes of a project are cached in
``<real_dir>/truth/<project>.json`` under a digest of the environment's definition, the manifest, the files and this
harness: nothing re-runs until one of them changes.

    python -m tests.realcode.truth [PROJECT ...] [--force]    # record (or reuse) and print a summary
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.build import build_env, clean_environ, uv_binary
from tests.integration.scenarios import PYTHONS, Env
from tests.realcode.manifest import BY_NAME, ENV_INSTALL, ENV_PYTHON, PROJECTS, Project, manifest_digest
from tests.realcode.repos import BY_NAME as CHECKOUTS_BY_NAME
from tests.realcode.repos import CHECKOUTS, Checkout, absent, checkout_digest, checkout_root
from tests.realcode.sources import SourceFile, download_all, in_scope, real_dir, unpack

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "runner.py"
PROCESS_TIMEOUT = 300
MAX_RESTARTS = 8
ENV = Env(name="realcode-tf221", python=ENV_PYTHON, install=(("install", *ENV_INSTALL),))


def missing_prerequisites() -> str | None:
    if os.environ.get("TF_LSP_SKIP_REALCODE", "") not in ("", "0"):
        return "TF_LSP_SKIP_REALCODE is set"
    if uv_binary() is None:
        return "uv is not installed"
    if not Path(PYTHONS[ENV_PYTHON]).exists():
        return f"no pyenv Python {ENV_PYTHON} at {PYTHONS[ENV_PYTHON]}"
    return None


def environment() -> Path:
    """The TensorFlow 2.21 environment's python (built once, then reused: hard links from uv's cache)."""
    return build_env(ENV, real_dir() / "env")[0]


@dataclass
class Group:
    project: str
    mode: str
    cwd: Path
    path: list[str]
    files: list[dict] = field(default_factory=list)


def _dotted(rel: str) -> tuple[str, str]:
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        name = ".".join(parts[:-1])
        return name, name
    name = ".".join(parts)
    return name, ".".join(parts[:-1])


def groups_of(project, root: Path, files: list[SourceFile]) -> list[Group]:
    groups: dict[tuple, Group] = {}
    for f in files:
        runnable = [{"line": s.line, "source": s.source} for s in f.statements if not s.type_checking]
        if not runnable:
            continue
        if f.setup:
            runnable = sorted(runnable + [{"line": s.line, "source": s.source, "setup": True} for s in f.setup],
                              key=lambda st: st["line"])
        for mode in f.modes:
            base = root / mode.folder if mode.folder else root
            extra = [str(root / p) for p in mode.pythonpath]
            if mode.how == "package":
                key, cwd, path = ("package", str(base), *extra), base, [str(base), *extra]
                name, package = _dotted((root / f.rel).relative_to(base).as_posix())
            else:
                folder = (root / f.rel).parent
                key, cwd, path = ("script", str(folder), str(base), *extra), base, [str(folder), *extra]
                name, package = "__main__", None
            group = groups.setdefault(key, Group(project.name, mode.label, cwd, path))
            group.files.append({"rel": f.rel, "file": str(root / f.rel), "name": name, "package": package,
                                "statements": runnable})
    return list(groups.values())


def run_group(group: Group, python: Path) -> list[dict]:
    """Run the group's statements; a statement that kills or hangs the process is recorded and skipped."""
    results: list[dict] = []
    todo = [(f, st) for f in group.files for st in f["statements"]]
    for _ in range(MAX_RESTARTS):
        if not todo:
            break
        with tempfile.TemporaryDirectory(prefix="tf-lsp-real-") as tmp:
            spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.jsonl"
            files: dict[str, dict] = {}
            for f, st in todo:
                files.setdefault(f["rel"], {**f, "statements": []})["statements"].append(st)
            spec_path.write_text(json.dumps({"cwd": str(group.cwd), "path": group.path, "out": str(out_path),
                                             "files": list(files.values())}))
            status = "ok"
            try:
                proc = subprocess.run([str(python), "-I", "-B", str(RUNNER), str(spec_path)], cwd=group.cwd,
                                      env=clean_environ(), capture_output=True, text=True, timeout=PROCESS_TIMEOUT)
                if proc.returncode != 0:
                    status = f"process exit {proc.returncode}: " + (proc.stderr.strip().splitlines() or [""])[-1]
            except subprocess.TimeoutExpired:
                status = f"process timed out after {PROCESS_TIMEOUT}s"
            done = [json.loads(x) for x in out_path.read_text().splitlines()] if out_path.exists() else []
        for record in done:
            record["mode"] = group.mode
        results += done
        todo = todo[len(done):]
        if todo and status != "ok":
            f, st = todo.pop(0)
            results.append({"file": f["rel"], "line": st["line"], "ok": None, "mode": group.mode,
                            "type": "Unknown", "message": status[:300]})
        elif todo:
            results += [{"file": f["rel"], "line": st["line"], "ok": None, "mode": group.mode, "type": "Unknown",
                         "message": "the runner stopped early"} for f, st in todo]
            todo = []
    results += [{"file": f["rel"], "line": st["line"], "ok": None, "mode": group.mode, "type": "Unknown",
                 "message": "too many crashes in one process"} for f, st in todo]
    return results


def _digest(project, files: list[SourceFile], python: Path) -> str:
    h = hashlib.sha256()
    installed = sorted(p.name for p in python.parent.parent.glob("lib/python3*/site-packages/*.dist-info"))
    source = manifest_digest() if isinstance(project, Project) else checkout_digest(project)
    h.update(json.dumps([source, ENV.digest(), str(python), installed]).encode())
    for path in (RUNNER, HERE / "truth.py", HERE / "sources.py", HERE / "repos.py"):
        h.update(path.read_bytes())
    for f in files:
        h.update(json.dumps([f.rel, [m.label for m in f.modes], [(s.line, s.source) for s in f.statements],
                             [(s.line, s.source) for s in f.setup]]).encode())
    return h.hexdigest()[:20]


@dataclass
class Truth:
    project: Project | Checkout
    root: Path
    python: Path
    files: list[SourceFile]
    outcomes: dict            # (rel, line) -> {mode: record}
    seconds: float


def record_all(names: list[str] | None = None, *, force: bool = False,
               checkouts: bool = False) -> dict[str, Truth]:
    """Ground truth for the projects (recorded again only where stale), keyed by project name. ``checkouts``: the
    repositories of ``repos.py`` instead of the sdists (each must be on disk; see ``repos.absent``)."""
    python = environment()
    if checkouts:
        chosen = [CHECKOUTS_BY_NAME[n] for n in names] if names else list(CHECKOUTS)
    else:
        chosen = [BY_NAME[n] for n in names] if names else list(PROJECTS)
    prepared, stale = {}, []
    download_all([p for p in chosen if isinstance(p, Project)])
    for project in chosen:
        if isinstance(project, Project):
            root = unpack(project)
        else:
            why = absent(project)
            if why:
                raise RuntimeError(why)
            root = checkout_root(project)
        files = in_scope(project, root)
        digest = _digest(project, files, python)
        cache = real_dir() / "truth" / f"{project.name.replace('/', '+')}.json"
        data = json.loads(cache.read_text()) if cache.exists() else {}
        prepared[project.name] = (project, root, files, digest, cache, data)
        if force or data.get("digest") != digest:
            stale.append(project.name)
    started = time.monotonic()
    groups = [g for n in stale for g in groups_of(prepared[n][0], prepared[n][1], prepared[n][2])]
    groups.sort(key=lambda g: -sum(len(f["statements"]) for f in g.files))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda g: (g, run_group(g, python)), groups))
    seconds = round(time.monotonic() - started, 1)
    for name in stale:
        project, root, files, digest, cache, _ = prepared[name]
        records = [r for g, rs in results if g.project == name for r in rs]
        cache.parent.mkdir(parents=True, exist_ok=True)
        data = {"digest": digest, "seconds": seconds, "records": records}
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=0))
        os.replace(tmp, cache)
        prepared[name] = (project, root, files, digest, cache, data)
    out = {}
    for name, (project, root, files, _, _, data) in prepared.items():
        outcomes: dict = {}
        for r in data["records"]:
            outcomes.setdefault((r["file"], r["line"]), {})[r["mode"]] = r
        out[name] = Truth(project, root, python, files, outcomes, data.get("seconds", 0.0))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--repos", action="store_true", help="the checked-out repositories (repos.py), not the sdists")
    args = ap.parse_args(argv)
    why = missing_prerequisites()
    if why:
        print(f"cannot record: {why}", file=sys.stderr)
        return 2
    started = time.monotonic()
    truths = record_all(args.names or None, force=args.force, checkouts=args.repos)
    for name, t in truths.items():
        recs = [r for per in t.outcomes.values() for r in per.values() if not r.get("setup")]
        print(f"{name:<28} files={len(t.files):<4} statements={len(t.outcomes):<5} runs={len(recs):<5} "
              f"ok={sum(r['ok'] is True for r in recs):<5} failed={sum(r['ok'] is False for r in recs):<4} "
              f"unknown={sum(r['ok'] is None for r in recs)}")
    print(f"total {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
