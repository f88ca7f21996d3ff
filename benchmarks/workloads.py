"""The files the benchmark checks, generated deterministically (same inputs, same files, every run)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

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

_STD = ("os", "sys", "json", "re", "math", "typing", "pathlib", "functools", "itertools", "collections",
        "dataclasses", "logging", "argparse", "subprocess", "datetime")
_THIRD = ("import numpy as np", "import tensorflow as tf", "from tensorflow import keras",
          "from tensorflow.keras import layers", "import tensorflow.compat.v1 as v1", "from google.protobuf import message",
          "import absl.flags", "import ml_dtypes", "import h5py", "import requests_not_installed")
_BODY = '''

class Layer{i}:
    """Generated class {i}."""

    def __init__(self, units: int = {u}) -> None:
        self.units = units
        self.weights = [0.0] * units

    def __call__(self, x):
        total = 0.0
        for w in self.weights:
            total += w * x
        return total


def build_{i}(n: int = {u}):
    layers_ = [Layer{i}(k) for k in range(1, n)]
    return sum(layer(1.0) for layer in layers_)
'''


def write_sample(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train.py"
    path.write_text(SAMPLE)
    return path


def generated_tree(root: Path, *, files: int = 10_000) -> Path:
    """A repository of ``files`` Python files in packages of 100, each with stdlib, third-party, local and relative
    imports (some missing on purpose) and ~20 lines of code. Reused when already complete."""
    stamp = root / ".complete"
    if stamp.exists() and stamp.read_text() == str(files):
        return root
    shutil.rmtree(root, ignore_errors=True)
    per = 100
    for i in range(files):
        pkg, mod = divmod(i, per)
        folder = root / "src" / "proj" / f"pkg_{pkg:03d}"
        if mod == 0:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "__init__.py").write_text(f'"""Package {pkg}."""\nfrom . import mod_001\n')
            continue
        lines = [f'"""Module {i}."""']
        lines += [f"import {_STD[(i + k) % len(_STD)]}" for k in range(3)]
        lines += [_THIRD[(i * 7 + k) % len(_THIRD)] for k in range(2)]
        lines.append(f"from proj.pkg_{(pkg + 1) % (files // per):03d} import mod_{(mod % (per - 1)) + 1:03d}")
        lines.append(f"from . import mod_{((mod + 1) % (per - 1)) + 1:03d}")
        (folder / f"mod_{mod:03d}.py").write_text("\n".join(lines) + _BODY.format(i=i, u=(i % 13) + 2))
    (root / "src" / "proj" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\ndependencies = ["tensorflow-cpu"]\n')
    stamp.write_text(str(files))
    return root


def tensorflow_tree(site: Path, root: Path) -> tuple[Path, int]:
    """A copy of TensorFlow's own Python sources from the installed wheel: a real repository-sized tree."""
    stamp = root / ".complete"
    src = site / "tensorflow"
    if not stamp.exists():
        shutil.rmtree(root, ignore_errors=True)
        for path in sorted(src.rglob("*.py")):
            dest = root / "tensorflow" / path.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        stamp.write_text("ok")
    return root, sum(1 for _ in (root / "tensorflow").rglob("*.py"))


def module_names(site: Path, package: str) -> list[str]:
    """Dotted names of the modules of an installed package, sorted."""
    out = []
    base = site / package
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(site).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if all(p.isidentifier() for p in parts):
            out.append(".".join(parts))
    return out


def thousand_imports(site: Path, folder: Path, *, count: int = 1000) -> Path:
    """One file with ``count`` distinct imports: the standard library, then numpy's and TensorFlow's modules, and a
    tail of names nobody provides."""
    names: list[str] = []
    seen: set[str] = set()
    pools = (sorted(n for n in sys.stdlib_module_names if not n.startswith("_") and n not in ("antigravity", "this")),
             module_names(site, "numpy")[:150], module_names(site, "tensorflow"),
             [f"not_installed_{k}" for k in range(count)])
    for pool in pools:
        for name in pool:
            if len(names) < count and name not in seen:
                seen.add(name)
                names.append(name)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "thousand.py"
    path.write_text("".join(f"import {n}\n" for n in names))
    return path


def count_py(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.py"))
