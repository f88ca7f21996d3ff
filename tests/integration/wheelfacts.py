"""Read TensorFlow facts straight out of downloaded wheels (no install): the source of docs/tf-facts-verified.md.

    python -m tests.integration.wheelfacts [WHEEL_DIR]      # default: $TF_LSP_IT_DIR/wheels; prints JSON

Wheels are fetched once with ``pip download --no-deps --only-binary=:all: -d WHEEL_DIR tensorflow-cpu==2.X.*``.
"""
from __future__ import annotations

import json
import re
import sys
import zipfile
from collections import Counter
from email.parser import Parser
from pathlib import Path

from tests.integration.build import it_dir

_INTERESTING = re.compile(r"^(numpy|ml[-_]dtypes|keras|protobuf|tf[-_]keras|tensorboard|h5py|nvidia-|"
                          r"tensorflow-io-gcs|typing[-_]ext|wrapt|setuptools|grpcio)", re.I)
_KERAS_LINES = re.compile(r"keras|_KERAS|__path__|_keras_module|TF_USE_LEGACY|_tf_uses_legacy|lazy", re.I)


def wheel_facts(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode())
        wheel = Parser().parsestr(zf.read(meta_name.replace("METADATA", "WHEEL")).decode())
        build_info = zf.read("tensorflow/python/platform/build_info.py").decode() \
            if "tensorflow/python/platform/build_info.py" in names else None
        init = zf.read("tensorflow/__init__.py").decode()
        ext_tags = Counter(re.sub(r"^.*?\.(cpython-[^.]+|abi3)\.so$", r"\1", n) for n in names
                           if n.endswith(".so") and (".cpython-" in n or ".abi3." in n))
        tops = sorted({n.split("/")[0] for n in names if "/" in n and ".dist-info" not in n and ".data" not in n})
        return {
            "wheel": path.name,
            "name": meta["Name"], "version": meta["Version"],
            "requires_python": meta["Requires-Python"],
            "requires_dist": [r for r in meta.get_all("Requires-Dist") or [] if _INTERESTING.match(r)],
            "requires_dist_all": meta.get_all("Requires-Dist") or [],
            "extras": meta.get_all("Provides-Extra") or [],
            "tags": wheel.get_all("Tag"),
            "ext_module_tags": dict(ext_tags),
            "pywrap_internal": [n for n in names if "_pywrap_tensorflow_internal" in n],
            "build_info": build_info,
            "top_level_folders": tops,
            "has_contrib": any(n.startswith("tensorflow/contrib/") for n in names),
            "has_examples": any(n.startswith("tensorflow/examples/") for n in names),
            "has_keras_folder": sorted({"/".join(n.split("/")[:3]) for n in names
                                        if n.startswith(("tensorflow/keras/", "tensorflow/python/keras/"))}),
            "init_keras_lines": [f"{i + 1}: {l}" for i, l in enumerate(init.splitlines()) if _KERAS_LINES.search(l)],
            "lazy_loader": "tensorflow/python/util/lazy_loader.py" in names,
        }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else it_dir() / "wheels"
    facts = [wheel_facts(p) for p in sorted(folder.glob("tensorflow*.whl"))]
    json.dump(facts, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
