"""The scenarios really are what they claim: the recorded outcome of each import line, checked against what we know.

This needs no tf-lsp: it proves the environments were built right (a breakage step that silently did nothing would
make every prediction test meaningless). Each expectation is "ok" or a piece of the last stderr line.
"""
from __future__ import annotations

import pytest

from tests.integration.build import build_scenario, env_prefix, missing_prerequisites, site_packages, warnings_of
from tests.integration.scenarios import BY_NAME
from tests.integration.scenarios_pairs import EXPECTED as PAIRS_EXPECTED

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

TF, KERAS, DENSE, NUMPY = ("import tensorflow as tf", "from tensorflow import keras",
                           "from tensorflow.keras.layers import Dense", "import numpy")
NO_TF = "ModuleNotFoundError: No module named 'tensorflow'"

EXPECTED: dict[str, dict[str, str]] = {
    "tf221-healthy": {TF: "ok", KERAS: "ok", DENSE: "ok", NUMPY: "ok", "import tensorflow.keras.layers": "ok",
                      "from tensorflow.keras.layers import NoSuchLayer":
                          "ImportError: cannot import name 'NoSuchLayer'",
                      "import tensorflow.contrib": "ModuleNotFoundError: No module named 'tensorflow.contrib'",
                      "import tensorflow.compat.v1": "ok", "from tensorflow.python.framework import ops": "ok"},
    "tf215-healthy": {TF: "ok", DENSE: "ok", "import tensorflow.contrib": "No module named 'tensorflow.contrib'"},
    "tf213-healthy": {TF: "ok", DENSE: "ok"},
    "tf216-healthy": {TF: "ok", DENSE: "ok"},
    "tf221-gpu-wheel": {TF: "ok"},
    "and-cuda-cudnn8": {TF: "ok", DENSE: "ok"},
    "wheel-for-python312": {TF: "undefined symbol", NUMPY: "ok"},
    "wheel-for-aarch64": {TF: "ImportError", NUMPY: "ok"},
    "numpy-uninstalled": {NUMPY: "ModuleNotFoundError: No module named 'numpy'",
                          TF: "ModuleNotFoundError: No module named 'numpy'"},
    "target-folder": {TF: NO_TF, NUMPY: "ModuleNotFoundError: No module named 'numpy'"},
    "workspace-venv-other-interpreter": {TF: NO_TF},
    "py313-no-wheel": {TF: NO_TF},
    "shadow-tensorflow": {TF: "partially initialized module 'tensorflow'", NUMPY: "ok"},
    "shadow-numpy": {NUMPY: "partially initialized module 'numpy'"},
    "orphan-folder": {TF: "ok", DENSE: "ok"},
    "legacy-keras-with-tf-keras": {TF: "ok", DENSE: "ok"},
}
EXPECTED.update(PAIRS_EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_outcomes(name):
    why = missing_prerequisites()
    if why:
        pytest.skip(why)
    built = build_scenario(BY_NAME[name])
    by_line = {o["line"]: o for o in built.outcomes}
    wrong = []
    for line, want in EXPECTED[name].items():
        o = by_line[line]
        if want == "ok" and not o["ok"]:
            wrong.append(f"{line}: expected to work, failed with {o['error']}")
        elif want != "ok" and (o["ok"] or want not in o["error"]):
            wrong.append(f"{line}: expected {want!r}, got {'success' if o['ok'] else o['error']!r}")
    assert not wrong, "\n".join(wrong)


def test_gpu_wheel_import_only_reports_missing_cuda():
    """The CUDA build on a machine without a GPU imports fine and says so on stderr (an INFO line)."""
    if missing_prerequisites():
        pytest.skip(missing_prerequisites())
    built = build_scenario(BY_NAME["tf221-gpu-wheel"])
    first = built.outcomes[0]
    assert first["ok"] and any("cuda" in w.lower() for w in warnings_of(first)), first


def test_breakage_steps_left_their_mark():
    """The files the breakage steps remove are really gone (a silently skipped step would make a healthy env)."""
    if missing_prerequisites():
        pytest.skip(missing_prerequisites())
    for name, rel in (("deleted-so", "tensorflow/python/_pywrap_tensorflow_internal.so"),
                      ("numpy-uninstalled", "numpy/__init__.py")):
        scn = BY_NAME[name]
        build_scenario(scn)
        assert not (site_packages(env_prefix(scn, scn.env)) / rel).exists(), (name, rel)
    scn = BY_NAME["and-cuda-cudnn8"]
    build_scenario(scn)
    cudnn = site_packages(env_prefix(scn, scn.env)) / "nvidia" / "cudnn" / "lib"
    assert (cudnn / "libcudnn.so.8").exists() and not (cudnn / "libcudnn.so.9").exists(), sorted(cudnn.iterdir())
    scn = BY_NAME["no-metadata"]
    build_scenario(scn)
    site = site_packages(env_prefix(scn, scn.env))
    assert (site / "tensorflow" / "__init__.py").exists() and not list(site.glob("tensorflow_cpu-*.dist-info"))


def test_python313_cannot_get_tf215():
    """pip's own words when there is no wheel for the interpreter: recorded in the environment's build log."""
    if missing_prerequisites():
        pytest.skip(missing_prerequisites())
    scn = BY_NAME["py313-no-wheel"]
    build_scenario(scn)
    import json

    log = json.loads((env_prefix(scn, scn.env) / "tf-lsp-it.json").read_text())["log"]
    tail = "\n".join(line for entry in log for line in entry.get("tail", []))
    assert "Could not find a version that satisfies the requirement tensorflow-cpu==2.15.1" in tail, tail
