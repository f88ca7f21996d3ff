"""Speed and memory of tf-lsp, side by side with the alternatives, in one run. Prints figures; asserts nothing.

    python benchmarks/bench.py [--python ENV_PYTHON] [--no-pyright]

Without --python it builds (once, cached under ~/.cache/tf-lsp-it/bench-tf) a venv with tensorflow-cpu.
Measured:
  1. cold `tf-lsp check` of one file (new process, probe cache cleared) vs `python -c "import tensorflow"` vs pyright
  2. first diagnostics in-process (Workspace + probe + index + check), cold and with the probe cached
  3. re-check after an edit (the hot path the server runs on every keystroke)
  4. files per second over a large tree (TensorFlow's own sources in the env)
  5. peak memory (max RSS) of a `tf-lsp check` process
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = Path(os.environ.get("TF_LSP_IT_DIR", Path.home() / ".cache" / "tf-lsp-it"))
SAMPLE = """import os
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras.layers import Dense, Conv2D
import tensorflow.compat.v1 as v1
from google.protobuf import message


def model():
    return keras.Sequential([Dense(3)])
"""


def build_env() -> Path:
    env = CACHE / "bench-tf"
    py = env / "bin" / "python"
    if py.exists() and (env / ".ready").exists():
        return py
    shutil.rmtree(env, ignore_errors=True)
    uv = shutil.which("uv")
    base = "/root/.pyenv/versions/3.11.7/bin/python3.11"
    if uv:
        subprocess.run([uv, "venv", "-q", "--python", base, str(env)], check=True)
        subprocess.run([uv, "pip", "install", "-q", "--python", str(py), "tensorflow-cpu==2.21.0"], check=True)
    else:
        subprocess.run([base, "-m", "venv", str(env)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "tensorflow-cpu==2.21.0"], check=True)
    (env / ".ready").write_text("ok")
    return py


def timeit(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:8.1f} ms  (min {min(xs) * 1000:.1f}, n={len(xs)})"


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def pyright_command() -> list[str] | None:
    found = shutil.which("pyright")
    if found:
        return [found]
    local = CACHE / "pyright-npm" / "node_modules" / ".bin" / "pyright"
    if not local.exists() and shutil.which("npm"):
        local.parent.parent.parent.mkdir(parents=True, exist_ok=True)
        run(["npm", "install", "--silent", "--prefix", str(CACHE / "pyright-npm"), "pyright"])
    return [str(local)] if local.exists() else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python")
    ap.add_argument("--no-pyright", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    py = Path(args.python) if args.python else build_env()
    work = Path(tempfile.mkdtemp(prefix="tf-lsp-bench-"))
    (work / "train.py").write_text(SAMPLE)
    (work / "pyrightconfig.json").write_text('{"venvPath": "%s", "venv": "%s"}' % (py.parent.parent.parent, py.parent.parent.name))
    cache = work / "cache"
    # Bytecode is written and reused for every contestant (an install compiles it; PYTHONDONTWRITEBYTECODE in the
    # caller's shell would make each run recompile tf-lsp's and TensorFlow's sources), after one warm-up run each.
    plain = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = dict(plain, TF_LSP_CACHE_DIR=str(cache), PYTHONPATH=str(REPO))
    me = [sys.executable, "-m", "tf_lsp", "check", str(work / "train.py"), "--python", str(py)]
    print(f"environment: {py}\n")
    run(me, env=env, cwd=work)
    run([str(py), "-c", "import tensorflow"], cwd=work, env=plain)

    print("1. one file, whole process, side by side")
    cold = timeit(lambda: (shutil.rmtree(cache, ignore_errors=True), run(me, env=env, cwd=work)), args.repeat)
    print(f"   tf-lsp check (cold, probe cache cleared)    {fmt(cold)}")
    warm = timeit(lambda: run(me, env=env, cwd=work), args.repeat)
    print(f"   tf-lsp check (probe cached)                 {fmt(warm)}")
    imp = timeit(lambda: run([str(py), "-c", "import tensorflow"], cwd=work, env=plain), max(2, args.repeat // 2))
    print(f"   python -c 'import tensorflow'               {fmt(imp)}")
    ratio = statistics.median(imp) / statistics.median(cold)
    print(f"   -> tf-lsp check is {ratio:.1f}x faster than importing TensorFlow "
          f"({statistics.median(imp) / statistics.median(warm):.1f}x with its caches)")
    pyright = None if args.no_pyright else pyright_command()
    if pyright:
        run(pyright + [str(work / "train.py")], cwd=work, env=plain)
        pr = timeit(lambda: run(pyright + [str(work / "train.py")], cwd=work, env=plain), max(2, args.repeat // 2))
        print(f"   pyright train.py                            {fmt(pr)}")
        print(f"   -> tf-lsp check is {statistics.median(pr) / statistics.median(cold):.1f}x faster than pyright "
              f"({statistics.median(pr) / statistics.median(warm):.1f}x with its caches)")
    else:
        print("   pyright: not available (npm missing or --no-pyright)")

    print("\n2. first diagnostics in-process (what the server does on didOpen)")
    sys.path.insert(0, str(REPO))
    os.environ["TF_LSP_CACHE_DIR"] = str(cache)
    from tf_lsp import distributions, resolver
    from tf_lsp.workspace import Workspace

    def first(clear_probe: bool):
        if clear_probe:
            shutil.rmtree(cache, ignore_errors=True)
        distributions._ENTRY_CACHE.clear()
        resolver._LISTINGS.clear()
        ws = Workspace(work, python=str(py))
        return ws.check_source(work / "train.py", SAMPLE)
    print(f"   cold (probe + index + resolve + checks)     {fmt(timeit(lambda: first(True), args.repeat))}")
    print(f"   probe cached                                {fmt(timeit(lambda: first(False), args.repeat))}")

    print("\n3. re-check after an edit (hot path)")
    ws = Workspace(work, python=str(py))
    ws.check_source(work / "train.py", SAMPLE)
    edits = [SAMPLE + f"\nx_{i} = {i}\n" for i in range(200)]
    it = iter(edits)
    hot = timeit(lambda: (ws.refresh(), ws.check_source(work / "train.py", next(it))), 200)
    print(f"   refresh + check_source                      {fmt(hot)}  p95 {sorted(hot)[int(len(hot) * .95)] * 1000:.1f} ms")

    print("\n4. a large tree: TensorFlow's own sources")
    tree = next(Path(py).parent.parent.glob("lib/python3.*/site-packages/tensorflow"), None)
    if tree is not None:
        files = [p for p in tree.rglob("*.py")][:5000]
        texts = [(p, p.read_text(errors="replace")) for p in files]
        t0 = time.perf_counter()
        n_find = 0
        for p, text in texts:
            n_find += len(ws.check_source(p, text))
        dt = time.perf_counter() - t0
        print(f"   {len(texts)} files in {dt:.2f} s = {len(texts) / dt:,.0f} files/s ({n_find} findings)")

    print("\n5. memory")
    r = run(["/usr/bin/time", "-f", "%M", *me], env=env, cwd=work) if Path("/usr/bin/time").exists() else None
    if r is not None and r.stderr.strip().splitlines():
        print(f"   tf-lsp check peak RSS: {int(r.stderr.strip().splitlines()[-1]) / 1024:.1f} MB")
    else:
        import resource
        print(f"   this benchmark process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
