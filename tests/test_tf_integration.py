"""The TensorFlow pack against real TensorFlow installs: predictions compared with what the interpreter does.

Environments live under ~/.cache/tf-lsp-it/pack-* and are reused across runs (built with uv on first use:
tensorflow-cpu 2.21.0 / 2.15.1 / 2.14.1 wheels from ~/.cache/tf-lsp-wheels or /tmp/dl, else the package index).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tf_lsp.settings import Settings
from tf_lsp.workspace import Workspace

pytestmark = pytest.mark.integration

CACHE = Path(os.path.expanduser("~/.cache/tf-lsp-it"))
PY311 = "/root/.pyenv/versions/3.11.7/bin/python3.11"
UV = shutil.which("uv") or "/work/devenv/bin/uv"
ENVS = {   # name: (tensorflow-cpu version, extra installs after it, uninstalls)
    "pack-221": ("2.21.0", [], []),
    "pack-215": ("2.15.1", [], []),
    "pack-214": ("2.14.1", [], []),
    "pack-221-legacy": ("2.21.0", ["--no-deps", "tf_keras~=2.21.0"], []),   # tf_keras depends on `tensorflow`
    "pack-215-np2": ("2.15.1", ["numpy==2.0.2"], []),
    "pack-221-nokeras": ("2.21.0", [], ["keras"]),
    "pack-221-k2": ("2.21.0", ["keras==2.15.0"], []),
    "pack-221-both": ("2.21.0", ["tf_keras~=2.21.0"], []),     # pulls `tensorflow` over tensorflow-cpu
}


def _wheel(version: str) -> str:
    for folder in (Path(os.path.expanduser("~/.cache/tf-lsp-wheels")), Path("/tmp/dl")):
        hits = sorted(folder.glob(f"tensorflow_cpu-{version}-cp311-*.whl"))
        if hits:
            return str(hits[0])
    return f"tensorflow-cpu=={version}"


def env_python(name: str) -> Path:
    py = CACHE / name / "bin" / "python"
    if (CACHE / name / ".pack-ready").exists():
        return py
    if not Path(PY311).exists() or not Path(UV).exists():
        pytest.skip("needs pyenv 3.11 and uv")
    version, extra, remove = ENVS[name]
    shutil.rmtree(CACHE / name, ignore_errors=True)
    run = lambda *a: subprocess.run([UV, *a], check=True, capture_output=True, timeout=900)  # noqa: E731
    run("venv", "-q", "-p", PY311, str(CACHE / name))
    run("pip", "install", "-q", "--python", str(py), _wheel(version))
    if extra:
        run("pip", "install", "-q", "--python", str(py), *extra)
    if remove:
        run("pip", "uninstall", "-q", "--python", str(py), *remove)
    (CACHE / name / ".pack-ready").write_text("ok\n")
    return py


def _clean_environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "PYTHONPATH", "VIRTUAL_ENV")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.update(extra)
    return env


_REAL = r"""
import json, sys, importlib, traceback
out = {"lines": {}}
for line in json.loads(sys.argv[1]):
    try:
        exec(line, {})
        out["lines"][line] = "ok"
    except BaseException as e:
        out["lines"][line] = type(e).__name__ + ": " + str(e)[:200]
try:
    import tensorflow as tf
    out["paths"] = {"tensorflow": list(tf.__path__), "tensorflow.compat.v1": list(tf.compat.v1.__path__),
                    "tensorflow.compat.v2": list(tf.compat.v2.__path__)}
except BaseException as e:
    out["paths"] = None
print("RESULT" + json.dumps(out))
"""


def real(py: Path, lines: list[str], **environ: str) -> dict:
    p = subprocess.run([str(py), "-c", _REAL, json.dumps(lines)], capture_output=True, text=True, timeout=600,
                       env=_clean_environ(**environ), cwd="/")
    got = [l for l in p.stdout.splitlines() if l.startswith("RESULT")]
    assert got, p.stderr[-2000:]
    return json.loads(got[-1][6:])


def predict(tmp: Path, py: Path, lines: list[str], **environ: str):
    root = tmp / "ws"
    root.mkdir(exist_ok=True)
    ws = Workspace(root, environ=_clean_environ(**environ), python=str(py), settings=Settings(trusted_workspace=True))
    verdicts = {}
    for line in lines:
        found = ws.check_source(root / "main.py", line + "\n")
        verdicts[line] = "error" if any(f.severity.value == "error" for f in found) else "ok"
    return ws, verdicts


def compare(tmp: Path, name: str, lines: list[str], **environ: str) -> dict:
    py = env_python(name)
    truth = real(py, lines, **environ)
    ws, verdicts = predict(tmp, py, lines, **environ)
    for line in lines:
        actual = "ok" if truth["lines"][line] == "ok" else "error"
        assert verdicts[line] == actual, f"{name}: {line!r}: predicted {verdicts[line]}, real {truth['lines'][line]}"
    if truth["paths"]:
        for pkg, want in truth["paths"].items():
            want = list(dict.fromkeys(p for p in want if p))
            assert list(ws.resolve(pkg).search_locations) == want, pkg
    return truth


HEALTHY = ["import tensorflow.keras.layers", "from tensorflow.keras.layers import Dense",
           "from tensorflow.keras import layers", "from tensorflow.keras.layers import NoSuchLayer",
           "import tensorflow.contrib", "from tensorflow.examples.tutorials.mnist import input_data",
           "import tensorflow.compat.v1", "from tensorflow.compat.v1 import placeholder",
           "from tensorflow.nn import relu", "from tensorflow.math import no_such_function",
           "import tensorflow.python.ops.array_ops"]


def test_tf221_keras3(tmp_path):
    compare(tmp_path, "pack-221", HEALTHY)


def test_tf215_keras2(tmp_path):
    compare(tmp_path, "pack-215", HEALTHY)


def test_tf214_keras2_old_rule(tmp_path):
    compare(tmp_path, "pack-214", HEALTHY[:4] + ["import tensorflow.estimator"])


def test_tf221_legacy_tf_keras(tmp_path):
    truth = compare(tmp_path, "pack-221-legacy", HEALTHY[:4], TF_USE_LEGACY_KERAS="True")
    assert "tf_keras" in truth["paths"]["tensorflow"][0]


def test_tf215_numpy2_breaks_import(tmp_path):
    compare(tmp_path, "pack-215-np2", ["import tensorflow", "from tensorflow.keras import layers"])


def test_keras_missing_and_legacy_without_tf_keras(tmp_path):
    truth = compare(tmp_path, "pack-221-nokeras", ["import tensorflow", "import tensorflow.keras.layers",
                                                   "from tensorflow import keras"])
    # `from tensorflow import keras` binds the lazy loader and works; its first use fails, and the warning says so
    used = real(env_python("pack-221-nokeras"), ["from tensorflow import keras; keras.layers"])
    assert truth["lines"]["from tensorflow import keras"] == "ok"
    assert "Keras cannot be imported" in used["lines"]["from tensorflow import keras; keras.layers"]
    ws, _ = predict(tmp_path, env_python("pack-221-nokeras"), [])
    found = [f for f in ws.check_source(tmp_path / "ws" / "main.py", "from tensorflow import keras\n")
             if f.code == "TFL103"]
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert "first use" in found[0].message and "Keras cannot be imported" in found[0].message


def test_keras2_under_tf221(tmp_path):
    compare(tmp_path, "pack-221-k2", ["import tensorflow", "from tensorflow.keras.layers import Dense"])


def test_tf_keras_pulls_tensorflow_over_tensorflow_cpu(tmp_path):
    py = env_python("pack-221-both")
    root = tmp_path / "ws"
    root.mkdir()
    ws = Workspace(root, environ=_clean_environ(), python=str(py), settings=Settings(trusted_workspace=True))
    mine = [f for f in ws.check_source(root / "m.py", "import tensorflow\n")
            if f.code == "TFL105" and any("sampled" in d for d in f.details)]
    assert len(mine) == 1 and mine[0].severity.value == "warning"
    on_disk = "tensorflow" if "True" in (Path(ws.resolve("tensorflow").path).parent / "python" / "platform" /
                                                "build_info.py").read_text().split("is_cuda_build")[1][:10] \
        else "tensorflow-cpu"
    assert mine[0].fixes[1].args.specs == (f"{on_disk}==2.21.0",)
