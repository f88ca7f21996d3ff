"""Profile one warm and one cold ``tf-lsp check`` of a TF 2.21 file; keep the reports in benchmarks/profiles/.

    python benchmarks/profile_check.py [--base-python 3.11]

Writes, for each of cold and warm: ``NAME.txt`` (pyinstrument's call tree, the summary to read first),
``NAME.html`` (pyinstrument's interactive view, not committed: ~250 kB each) and ``NAME-flame.svg`` (py-spy's flame graph, sampled at 200 Hz).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import prepare
import workloads


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-python", default="3.11")
    ap.add_argument("--out", type=Path, default=prepare.HERE / "profiles")
    args = ap.parse_args(argv)
    tools = prepare.ensure_tools(base_python=args.base_python)
    env_py = prepare.ensure_env(prepare.TF221, base_python=args.base_python)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tf-lsp-profile-"))
    sample = workloads.write_sample(work / "ws")
    check = ["-m", "tf_lsp", "check", str(sample), "--python", str(env_py)]
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV")}

    def env(name: str) -> dict:
        return dict(base, PYTHONPATH=str(prepare.REPO), TF_LSP_CACHE_DIR=str(work / name / "tf-lsp"),
                    XDG_CACHE_HOME=str(work / name / "xdg"))

    pyinstrument = str(tools.parent / "pyinstrument")
    pyspy = str(tools.parent / "py-spy")
    subprocess.run([str(tools), *check], env=env("warm"), capture_output=True, check=False)   # fill warm caches
    try:
        for name in ("cold", "warm"):
            for renderer, suffix in (("text", "txt"), ("html", "html")):
                if name == "cold":
                    shutil.rmtree(work / "cold", ignore_errors=True)
                subprocess.run([pyinstrument, "-r", renderer, "-o", str(args.out / f"{name}.{suffix}"), *check],
                               env=env(name), capture_output=True, check=False)
            if name == "cold":
                shutil.rmtree(work / "cold", ignore_errors=True)
            proc = subprocess.run([pyspy, "record", "-r", "200", "-o", str(args.out / f"{name}-flame.svg"), "--",
                                   str(tools), *check], env=env(name), capture_output=True, text=True, check=False)
            if not (args.out / f"{name}-flame.svg").exists():
                print(f"py-spy could not record ({proc.stderr.strip()[-300:]})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for p in sorted(args.out.iterdir()):
        print(f"{p}  {p.stat().st_size / 1024:.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
