"""Build the integration scenarios on disk and record what every import line really does.

Environments live under ``$TF_LSP_IT_DIR`` (default ``~/.cache/tf-lsp-it``) and are reused across sessions: each
folder keeps the hash of its definition and is rebuilt only when the definition changes. uv installs from its shared
cache (``$UV_CACHE_DIR``) by hard links, so a rebuild costs seconds once the wheels are cached. Because the files are
hard links into that cache, breakage steps never edit a file in place: they unlink and write a new one.

    python -m tests.integration.build [NAME ...] [--force]   # build (or reuse) and print the ground truth
"""
from __future__ import annotations

import argparse
import fcntl
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.integration.scenarios import BY_NAME, PYTHONS, SCENARIOS, Env, Scenario

STAMP = "tf-lsp-it.json"
_GPU = re.compile(r"cuda|gpu|dlopen|dynamic library|cudnn", re.I)
OUTCOME_FORMAT = 3        # bump when record_outcomes changes what it records
# stderr lines that are noise, not warnings: absl's preamble and glog INFO lines
_NOISE = re.compile(r"^(WARNING: All log messages before absl|I\d{4} |\d{4}-\d\d-\d\d [\d:.]+: I |\s|"
                    r"To enable the following instructions)")
_GLOG_PREFIX = re.compile(r"^([IWEF]\d{4} [\d:.]+\s+\d+ |\d{4}-\d\d-\d\d [\d:.]+: [IWEF] )")
_PATH_IN_PARENS = re.compile(r" \((/[^)]*)\)")
PROBE_TIMEOUT = 120
# variables that would change what an import does and must come only from the scenario
_SCRUB = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONSTARTUP", "PYTHONNOUSERSITE",
          "TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND", "PYTHONSAFEPATH", "PYTHONWARNINGS")


def it_dir() -> Path:
    return Path(os.environ.get("TF_LSP_IT_DIR") or "~/.cache/tf-lsp-it").expanduser()


def uv_binary() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    for cand in (Path(sys.executable).parent / "uv", Path("/work/devenv/bin/uv")):
        if cand.exists():
            return str(cand)
    return None


def missing_prerequisites() -> str | None:
    """Why the integration tier cannot run here, or None."""
    if os.environ.get("TF_LSP_SKIP_INTEGRATION", "") not in ("", "0"):
        return "TF_LSP_SKIP_INTEGRATION is set"
    if uv_binary() is None:
        return "uv is not installed"
    wanted = {s.env.python for s in SCENARIOS} | {s.selected_env.python for s in SCENARIOS}
    absent = sorted(v for v in wanted if not Path(PYTHONS[v]).exists())
    if absent:
        return f"no pyenv Python for {', '.join(absent)}"
    return None


def clean_environ(extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(dict(extra))
    return env


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(argv: list[str], *, log: list[dict], check: bool = True, env: dict | None = None,
         timeout: float = 1800) -> subprocess.CompletedProcess:
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env or clean_environ(), timeout=timeout)
    log.append({"argv": argv, "returncode": proc.returncode, "seconds": round(time.monotonic() - started, 1),
                "tail": (proc.stdout + proc.stderr).strip().splitlines()[-6:]})
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def python_of(prefix: Path) -> Path:
    return prefix / "bin" / "python"


def site_packages(prefix: Path) -> Path:
    found = sorted(prefix.glob("lib/python3*/site-packages"))
    if not found:
        raise RuntimeError(f"no site-packages under {prefix}")
    return found[0]


def _uv_pip(verb: str, python: Path, *args: str) -> list[str]:
    return [uv_binary(), "pip", verb, "--python", str(python), *args]


def apply_env_step(step: tuple, prefix: Path, log: list[dict]) -> None:
    op, args = step[0], step[1:]
    py = python_of(prefix)
    if op == "install":
        _run(_uv_pip("install", py, *args), log=log)
    elif op == "force":
        _run(_uv_pip("install", py, "--no-deps", *args), log=log)
    elif op == "uninstall":
        _run(_uv_pip("uninstall", py, *args), log=log)
    elif op == "pip":             # pip's own configuration (find-links, constraints) applies
        # --no-compile: no bytecode at install, as uv (torch: 18 s instead of 72 s)
        _run([str(py), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-compile", *args],
             log=log)
    elif op == "try-install":     # what a user's pip says when there is no build for this Python
        proc = _run([str(py), "-m", "pip", "install", "--disable-pip-version-check", *args], log=log, check=False)
        if proc.returncode == 0:
            raise RuntimeError(f"{args} unexpectedly installed into {prefix}")
    elif op in ("delete", "truncate", "rmtree"):
        hits = sorted(glob.glob(str(site_packages(prefix) / args[0])))
        if not hits:
            raise RuntimeError(f"{op}: nothing matches {args[0]} in {prefix}")
        for hit in hits:
            path = Path(hit)
            if op == "rmtree":
                shutil.rmtree(path)
            elif op == "delete":
                path.unlink()
            else:
                data = path.read_bytes()
                path.unlink()                       # a new inode: the old one is shared with uv's cache
                path.write_bytes(data[: int(len(data) * float(args[1]))])
        log.append({"step": list(step), "paths": hits})
    else:
        raise ValueError(f"unknown environment step {op!r}")


def build_env(env: Env, prefix: Path, *, force: bool = False) -> tuple[Path, list[dict]]:
    """Create (or reuse) the environment at ``prefix``; returns its python and the build log."""
    stamp = prefix / STAMP
    with _locked(prefix):
        if not force and stamp.exists():
            data = json.loads(stamp.read_text())
            if data.get("digest") == env.digest() and python_of(prefix).exists():
                return python_of(prefix), data.get("log", [])
        if prefix.exists():
            shutil.rmtree(prefix)
        log: list[dict] = []
        started = time.monotonic()
        _run([uv_binary(), "venv", "--seed", "--quiet", "--python", PYTHONS[env.python], str(prefix)], log=log)
        for step in (*env.install, *env.breakage):
            apply_env_step(step, prefix, log)
        stamp.write_text(json.dumps({"digest": env.digest(), "definition": env.definition(), "log": log,
                                     "seconds": round(time.monotonic() - started, 1)}, indent=1))
        return python_of(prefix), log


@dataclass(frozen=True)
class Built:
    scenario: Scenario
    root: Path            # the scenario's folder
    workspace: Path
    sample: Path
    python: Path          # the selected interpreter
    env_python: Path      # the scenario's own environment
    environ: dict
    outcomes: list        # one dict per line, in order


def env_prefix(scn: Scenario, env: Env) -> Path:
    if env is scn.env and scn.layout == "workspace":
        return it_dir() / "scenarios" / scn.name / "ws" / ".venv"
    return it_dir() / "envs" / env.name


def _apply_workspace_step(step: tuple, ws: Path, env_python: Path, log: list[dict]) -> None:
    op = step[0]
    if op == "write":
        (ws / step[1]).parent.mkdir(parents=True, exist_ok=True)
        (ws / step[1]).write_text(step[2])
    elif op == "mkdir":
        (ws / step[1]).mkdir(parents=True, exist_ok=True)
    elif op == "target":
        _run(_uv_pip("install", env_python, "--target", str(ws / step[1]), *step[2:]), log=log)
    else:
        raise ValueError(f"unknown workspace step {op!r}")


def build_scenario(scn: Scenario, *, force: bool = False) -> Built:
    root = it_dir() / "scenarios" / scn.name
    ws = root / "ws"
    stamp = root / STAMP
    env_python, _ = build_env(scn.env, env_prefix(scn, scn.env), force=force)
    python = env_python if scn.selected is None else build_env(scn.selected, env_prefix(scn, scn.selected),
                                                               force=force)[0]
    digest = scn.digest()
    environ = clean_environ(scn.environ)
    with _locked(root):
        data = json.loads(stamp.read_text()) if stamp.exists() else {}
        stale = (data.get("digest") != digest or data.get("format") != OUTCOME_FORMAT
                 or len(data.get("outcomes", [])) != len(scn.lines)
                 or any(o.get("exit") is None for o in data.get("outcomes", [])))   # a timeout is not an outcome
        if force or stale:
            for child in (ws.iterdir() if ws.exists() else ()):
                if child.name != ".venv":
                    shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
            ws.mkdir(parents=True, exist_ok=True)
            log: list[dict] = []
            for step in scn.workspace:
                _apply_workspace_step(step, ws, env_python, log)
            (ws / "sample.py").write_text("".join(line + "\n" for line in scn.lines))
            outcomes = record_outcomes(ws, python, scn.lines, environ)
            data = {"digest": digest, "format": OUTCOME_FORMAT, "definition": scn.definition(), "log": log,
                    "outcomes": outcomes, "python": str(python)}
            stamp.write_text(json.dumps(data, indent=1))
    return Built(scn, root, ws, ws / "sample.py", python, env_python, environ, data["outcomes"])


def probe_line(ws: Path, python: Path, line: str, index: int, environ: dict, *, name: str = "probe") -> dict:
    """Run one import line as a script in the workspace (sys.path[0] = the workspace, as for ``python file.py``)."""
    script = ws / f"{name}_{index}.py"
    script.write_text(line + "\n")
    started = time.monotonic()
    try:
        proc = subprocess.run([str(python), script.name], cwd=ws, env=environ, capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT)
        code, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, stderr = None, (exc.stderr or b"").decode(errors="replace") + "\nTIMEOUT"
    finally:
        script.unlink(missing_ok=True)
    lines = [l for l in stderr.splitlines() if l.strip()]
    return {"line": line, "ok": code == 0, "exit": code, "error": _exception_line(lines) if code != 0 else "",
            "stderr_lines": len(lines), "stderr_head": lines[:12], "stderr_tail": lines[-12:],
            "seconds": round(time.monotonic() - started, 1)}


_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


def _exception_line(lines: list[str]) -> str:
    """The exception a traceback ended with (its first line: messages may span several), else the last line."""
    for l in reversed(lines):
        if _EXCEPTION.match(l):
            return l
    return lines[-1] if lines else ""


def record_outcomes(ws: Path, python: Path, lines: tuple[str, ...], environ: dict) -> list[dict]:
    """What each line really does. A probe that timed out (a loaded machine) says nothing about the line: it is run
    again alone, and a second timeout is recorded as such (``exit`` None), so the next build probes it again."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(probe_line, ws, python, line, i, environ) for i, line in enumerate(lines)]
        outcomes = [f.result() for f in futures]
    return [probe_line(ws, python, o["line"], i, environ) if o["exit"] is None else o for i, o in enumerate(outcomes)]


def build_all(names: list[str] | None = None, *, force: bool = False) -> list[Built]:
    chosen = [BY_NAME[n] for n in names] if names else list(SCENARIOS)
    return [build_scenario(s, force=force) for s in chosen]


def warnings_of(o: dict) -> list[str]:
    """stderr lines of a successful import that are real warnings (not absl's preamble or glog INFO lines)."""
    return [l for l in o["stderr_head"] if _GPU.search(l) or not _NOISE.match(l)] if o["ok"] else []


def outcome_label(o: dict) -> str:
    if o["ok"]:
        warns = warnings_of(o)
        return "ok" + (" (stderr: " + _GLOG_PREFIX.sub("", warns[0])[:80] + ")" if warns else "")
    return "FAIL: " + _PATH_IN_PARENS.sub("", o["error"])[:140]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="scenario names (default: all)")
    ap.add_argument("--force", action="store_true", help="rebuild even when the definition is unchanged")
    ap.add_argument("--envs-only", action="store_true", help="build the environments only (no workspaces, no probes)")
    args = ap.parse_args(argv)
    why = missing_prerequisites()
    if why:
        print(f"cannot build: {why}", file=sys.stderr)
        return 2
    total = time.monotonic()
    if args.envs_only:
        done = set()
        for scn in [BY_NAME[n] for n in args.names] or SCENARIOS:
            for env in {scn.env, scn.selected_env}:
                prefix = env_prefix(scn, env)
                if prefix not in done:
                    started = time.monotonic()
                    build_env(env, prefix, force=args.force)
                    done.add(prefix)
                    print(f"{env.name:<32} {time.monotonic() - started:5.1f}s  {prefix}", flush=True)
        print(f"total {time.monotonic() - total:.0f}s for {len(done)} environments")
        return 0
    for name in args.names or [s.name for s in SCENARIOS]:
        started = time.monotonic()
        built = build_scenario(BY_NAME[name], force=args.force)
        print(f"## {name}  ({time.monotonic() - started:.0f}s)  python={built.python}", flush=True)
        for o in built.outcomes:
            print(f"   {o['line']:<50} {outcome_label(o)}", flush=True)
    print(f"total {time.monotonic() - total:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
