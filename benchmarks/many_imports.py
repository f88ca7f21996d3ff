"""Time and peak memory of `tf-lsp check` on one file of N distinct missing imports in a plain venv (prints
figures, asserts nothing). Usage: python benchmarks/many_imports.py 1000 10000 100000"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
        env = dict(os.environ, TF_LSP_CACHE_DIR=str(root / "cache"))
        (root / "one.py").write_text("import os\n")
        for n in [1, *sizes]:
            name = "one.py" if n == 1 else f"many{n}.py"
            if n > 1:
                (root / name).write_text("".join(f"import pkg{i:06d}\n" for i in range(n)))
            t0 = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            r = subprocess.run([sys.executable, "-m", "tf_lsp", "check", name, "--python",
                                str(root / ".venv" / "bin" / "python")], cwd=root, env=env, capture_output=True,
                               text=True)
            took = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            print(f"{n:>7} imports: {took:6.2f} s, peak RSS {max(peak, before) / 1024:.0f} MB (largest so far), "
                  f"{r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
