"""TensorFlow's lazy tf.keras routed to a Keras 3 whose own import fails (issue 15, class 4), on real environments
built from wheels with TF's layout (tests/test_tensorflow_pack.py). Keras 3 here imports ``rich`` the way the real
one does (keras/src/utils/summary_utils.py); the real-TensorFlow comparison is the integration scenario
``tf221-keras-without-rich``."""
from __future__ import annotations

import pytest

from tests.test_tensorflow_pack import KERAS3, TF_INIT_216, _check, _env, tf_files
from tests.wheelmaker import build_wheel

SOURCE = ("from tensorflow.keras.layers import Dense\n"       # 0: runs keras/__init__ -> fails
          "from tensorflow import keras\n"                   # 1: binds the lazy loader -> works
          "import tensorflow as tf\n"                        # 2: works
          "layer = tf.keras.layers.Dense(3)\n"               # 3: first read through the loader -> fails
          "def build():\n"
          "    return keras.layers.Dense\n"                  # 5: fails whenever it runs
          "x = tf.constant\n"                                # 6: not Keras
          "y = tf.keras\n")                                  # 7: the loader itself, nothing read through it


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    d = tmp_path_factory.mktemp("lazy")
    files = dict(KERAS3, **{"keras/__init__.py": "import rich\n__version__ = '3.12.0'\n"})
    return {
        "tf221": build_wheel(d, "tensorflow-cpu", "2.21.0", tf_files(TF_INIT_216), tag="cp311-cp311-manylinux_2_27_x86_64",
                             requires=["keras>=3.12.0"]),
        "keras3": build_wheel(d, "keras", "3.12.0", files, requires=["rich"]),
        "rich": build_wheel(d, "rich", "14.0.0", {"rich/__init__.py": ""}),
    }


def _error_lines(found) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for f in found:
        if f.severity.value == "error":
            out.setdefault(f.range.start.line, []).append(f.code)
    return out


def test_routed_keras_failing_is_an_error_on_imports_and_uses(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"])
    _, found = _check(tmp_path, py, SOURCE)
    lines = _error_lines(found)
    assert sorted(lines) == [0, 3, 5]
    for line in (0, 3, 5):
        f = next(f for f in found if f.range.start.line == line and f.severity.value == "error")
        assert f.code == "TFL103" and "rich" in f.message
        assert f.fixes and f.fixes[0].args.specs == ("rich",)
    use = next(f for f in found if f.range.start.line == 3)
    assert "Keras cannot be imported" in use.message
    assert (use.range.start.character, use.range.end.character) == (len("layer = "), len("layer = tf.keras.layers"))


def test_routed_keras_working_is_no_error(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], wheels["rich"])
    _, found = _check(tmp_path, py, SOURCE)
    assert _error_lines(found) == {}
