"""The TensorFlow pack on real environments built from real wheels (tests/wheelmaker.py) with TF's layout.

The wheels carry the files the pack reads (METADATA, RECORD, WHEEL, the marker line of tensorflow/__init__.py,
build_info.py, the Keras API folders); the real-TensorFlow comparisons are in tests/test_tf_integration.py.
"""
from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install
from tf_lsp.checks.tensorflow import file_findings
from tf_lsp.checks.names import module_names, parse_module
from tf_lsp.settings import Settings
from tf_lsp.specifiers import simplify
from tf_lsp.workspace import Workspace

PY311 = "/root/.pyenv/versions/3.11.7/bin/python3.11"
PY39 = "/root/.pyenv/versions/3.9.18/bin/python3.9"

TF_INIT_216 = '''"""stand-in for the generated tensorflow/__init__.py of TF >= 2.16 (only the marker line matters here)"""
import os as _os
_module_dir = _module_util.get_parent_dir_for_name("keras._tf_keras.keras")
from tensorflow._api.v2 import bitwise
'''
TF_INIT_214 = '''_keras_module = "keras.api._v2.keras"\nfrom tensorflow._api.v2 import bitwise\n'''


def tf_files(init: str, *, cuda: bool = False, version_tag: str = "") -> dict[str, str]:
    info = ("build_info = collections.OrderedDict([('cuda_version', '12.5.1'), ('cudnn_version', '9'), "
            "('is_cuda_build', True)])" if cuda else "build_info = collections.OrderedDict([('is_cuda_build', False)])")
    return {
        "tensorflow/__init__.py": init + version_tag,
        "tensorflow/_api/__init__.py": "",
        "tensorflow/_api/v2/__init__.py": "",
        "tensorflow/_api/v2/bitwise/__init__.py": "from tensorflow.python.ops.bitwise_ops import bitwise_and\n",
        "tensorflow/_api/v2/compat/__init__.py": "from . import v1\nfrom . import v2\n",
        "tensorflow/_api/v2/compat/v1/__init__.py": 'x = "keras.api._v1.keras"\n',
        "tensorflow/_api/v2/compat/v2/__init__.py": 'x = "keras.api._v2.keras"\n',
        "tensorflow/python/__init__.py": "",
        "tensorflow/python/ops/__init__.py": "",
        "tensorflow/python/ops/bitwise_ops.py": "def bitwise_and(a, b):\n    return a & b\n",
        "tensorflow/python/platform/__init__.py": "",
        "tensorflow/python/platform/build_info.py": "import collections\n" + info + "\n",
    }


KERAS3 = {
    "keras/__init__.py": "__version__ = '3.12.0'\n",
    "keras/_tf_keras/__init__.py": "",
    "keras/_tf_keras/keras/__init__.py": "from keras._tf_keras.keras import layers\n",
    "keras/_tf_keras/keras/layers/__init__.py": "from keras.src.layers.core.dense import Dense as Dense\n"
                                                "from keras.src.layers.core.dense import Dense as DenseAlias\n",
    "keras/src/__init__.py": "",
    "keras/src/layers/__init__.py": "",
    "keras/src/layers/core/__init__.py": "",
    "keras/src/layers/core/dense.py": "class Dense:\n    pass\n",
}
TF_KERAS = {
    "tf_keras/__init__.py": "",
    "tf_keras/api/__init__.py": "",
    "tf_keras/api/_v2/__init__.py": "",
    "tf_keras/api/_v2/keras/__init__.py": "",
    "tf_keras/api/_v2/keras/layers/__init__.py": "class Dense:\n    pass\n",
}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("wheels")
    return {
        "tf221": build_wheel(d, "tensorflow-cpu", "2.21.0", tf_files(TF_INIT_216), tag="cp311-cp311-manylinux_2_27_x86_64",
                             requires=["keras>=3.12.0", "numpy>=1.26.0", "protobuf>=6.31.1,<8"]),
        "tf215": build_wheel(d / "215", "tensorflow-cpu", "2.15.1", tf_files(TF_INIT_216),
                             tag="cp311-cp311-manylinux2014_x86_64", requires=["numpy<2.0.0,>=1.23.5", "keras<2.16,>=2.15.0"]),
        "tf_gpu": build_wheel(d / "gpu", "tensorflow", "2.21.0", tf_files(TF_INIT_216, cuda=True, version_tag="#gpu\n"),
                              tag="cp311-cp311-manylinux_2_27_x86_64",
                              extras={"and-cuda": ["nvidia-cudnn-cu12<10.0,>=9.3.0.75"]}),
        "keras3": build_wheel(d, "keras", "3.12.0", KERAS3),
        "tf_keras": build_wheel(d, "tf-keras", "2.20.0", TF_KERAS),
        "numpy2": build_wheel(d, "numpy", "2.0.2", {"numpy/__init__.py": "__version__ = '2.0.2'\n"}),
        "protobuf": build_wheel(d, "protobuf", "6.31.1", {"google/protobuf/__init__.py": ""}),
        "cudnn8": build_wheel(d, "nvidia-cudnn-cu12", "8.9.7.29", {"nvidia/cudnn/__init__.py": ""}),
    }


def _env(tmp: Path, name: str, *wheel_files: Path, python: str = PY311, base=None) -> Path:
    py = make_venv(tmp / name, python=python)
    wheel_files = wheel_files + tuple(base or ())
    if wheel_files:
        pip_install(py, "--no-deps", *map(str, wheel_files))
    return py


def _check(tmp: Path, py: Path, source: str, **environ: str):
    root = tmp / "ws"
    root.mkdir(exist_ok=True)
    ws = Workspace(root, environ={"PATH": "/usr/bin:/bin", **environ}, python=str(py),
                   settings=Settings(trusted_workspace=True))
    return ws, ws.check_source(root / "main.py", source)


def _codes(findings) -> list[str]:
    return sorted(f.code for f in findings)


def test_keras3_wiring_names_removed_private(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], base=(wheels["numpy2"], wheels["protobuf"]))
    ws, found = _check(tmp_path, py, "import tensorflow.keras.layers\n"
                                     "from tensorflow.keras.layers import Dense\n"
                                     "from tensorflow.keras import layers\n"
                                     "from tensorflow.keras.layers import NoSuchLayer, Dense\n"
                                     "import tensorflow.contrib.slim as slim\n"
                                     "from tensorflow.python.ops import bitwise_ops\n"
                                     "import tensorflow.compat.v1\n"
                                     "from tensorflow.examples.tutorials.mnist import input_data\n")
    res = ws.resolve("tensorflow.keras.layers")
    assert res.found and res.path.endswith("keras/_tf_keras/keras/layers/__init__.py")
    tf_paths = ws.resolve("tensorflow").search_locations
    assert [p.split("site-packages/")[1] for p in tf_paths] == ["keras/api/_v2", "keras/_tf_keras", "tensorflow",
                                                                "tensorflow/_api/v2"]
    by_line = {}
    for f in found:
        by_line.setdefault(f.range.start.line, []).append(f.code)
    assert 0 not in by_line and 1 not in by_line and 2 not in by_line and 6 not in by_line
    assert by_line[3] == ["TFL112"]
    names = [f for f in found if f.code == "TFL112"]
    assert "NoSuchLayer" in names[0].message and names[0].range.start.character == len("from tensorflow.keras.layers import ")
    assert "TFL113" in by_line[4] and "tf_slim" in next(f for f in found if f.range.start.line == 4).message
    assert "TFL111" not in by_line[4]
    assert by_line[5] == ["TFL114"]
    assert "TFL113" in by_line[7]


def test_legacy_keras_routes_to_tf_keras_and_flags_minor_mismatch(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], wheels["tf_keras"], base=(wheels["numpy2"], wheels["protobuf"]))
    ws, found = _check(tmp_path, py, "from tensorflow.keras.layers import Dense\n", TF_USE_LEGACY_KERAS="1")
    res = ws.resolve("tensorflow.keras.layers")
    assert res.path.endswith("tf_keras/api/_v2/keras/layers/__init__.py")
    assert _codes(found) == ["TFL115"] and "tf_keras~=2.21.0" in found[0].message


def test_legacy_keras_without_tf_keras(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], base=(wheels["numpy2"], wheels["protobuf"]))
    _, found = _check(tmp_path, py, "from tensorflow import keras\nimport tensorflow.keras.layers\n",
                      TF_USE_LEGACY_KERAS="true")
    first = [f for f in found if f.range.start.line == 0]
    second = [f for f in found if f.range.start.line == 1]
    assert [f.code for f in first] == ["TFL103"] and "Keras cannot be imported" in first[0].message
    assert [f.code for f in second] == ["TFL115"] and "Keras 3" in second[0].message
    unset = [fx for fx in first[0].fixes if fx.title.startswith("Unset TF_USE_LEGACY_KERAS")]
    assert [fx.action for fx in unset] == ["explain"] and "remove it there" in unset[0].args.message


def test_keras_missing(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf221"], base=(wheels["numpy2"], wheels["protobuf"]))
    _, found = _check(tmp_path, py, "import tensorflow.keras.layers\nimport tensorflow\n")
    assert [f.code for f in found if f.range.start.line == 0] == ["TFL103"]
    fix = found[0].fixes[0]
    assert fix.action == "install" and fix.args.specifier == ">=3.12.0"
    assert not [f for f in found if f.range.start.line == 1 and f.severity.value == "error"]


def test_old_tf_rule_from_marker(tmp_path, wheels):
    d = tmp_path / "w"
    tf214 = build_wheel(d, "tensorflow-cpu", "2.14.1", tf_files(TF_INIT_214), tag="cp311-cp311-manylinux2014_x86_64")
    keras2 = build_wheel(d, "keras", "2.14.0", {"keras/__init__.py": "", "keras/api/__init__.py": "",
                                                "keras/api/_v2/__init__.py": "", "keras/api/_v2/keras/__init__.py": "",
                                                "keras/api/_v2/keras/layers/__init__.py": "Dense = 1\n"})
    py = _env(tmp_path, "v", tf214, keras2)
    ws, found = _check(tmp_path, py, "from tensorflow.keras.layers import Dense\n")
    assert ws.resolve("tensorflow.keras.layers").path.endswith("keras/api/_v2/keras/layers/__init__.py")
    assert found == []


def test_numpy2_under_tf215_is_an_error_with_combined_pin(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf215"], wheels["numpy2"], wheels["keras3"])
    _, found = _check(tmp_path, py, "import tensorflow as tf\n")
    errs = [f for f in found if f.code == "TFL104" and f.module == "numpy"]
    assert len(errs) == 1
    spec = errs[0].fixes[0].args.specifier
    assert spec == ">=1.23.5,<2.0.0"          # every declared range at once, written short
    assert "numpy.core.umath failed to import" in errs[0].message


def test_conflicting_tf_distributions(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], base=(wheels["numpy2"], wheels["protobuf"]))
    pip_install(py, "--no-deps", str(wheels["tf_gpu"]))       # tensorflow 2.21.0 over tensorflow-cpu 2.21.0
    _, found = _check(tmp_path, py, "import tensorflow\n")
    conf = [f for f in found if f.code == "TFL105" and any("sampled recorded files" in d for d in f.details)]
    assert len(conf) == 1 and "tensorflow 2.21.0" in conf[0].message and "tensorflow-cpu 2.21.0" in conf[0].message
    assert "disk are tensorflow 2.21.0" in conf[0].message and conf[0].severity.value == "warning"            # the last install's files are on disk
    assert [fx.action for fx in conf[0].fixes] == ["uninstall", "reinstall"]
    assert conf[0].fixes[1].args.force_reinstall


def test_cuda_build_with_wrong_cudnn_wheel(tmp_path, wheels):
    py = _env(tmp_path, "v", wheels["tf_gpu"], wheels["keras3"], wheels["cudnn8"], base=(wheels["numpy2"], wheels["protobuf"]))
    ws, found = _check(tmp_path, py, "import tensorflow as tf\nprint(tf.config.list_physical_devices('GPU'))\n")
    cuda = [f for f in found if f.code == "TFL109"]
    assert any("nvidia-cudnn-cu12 8.9.7.29" in f.message for f in cuda)
    assert cuda[0].fixes and cuda[0].fixes[0].args.specs == ("tensorflow[and-cuda]==2.21.0",)
    lines = file_findings(ws, tmp_path / "ws" / "main.py", "import tensorflow as tf\n"
                                                             "print(tf.config.list_physical_devices('GPU'))\n")
    assert lines and {f.range.start.line for f in lines} == {1}


def test_cpu_build_gpu_call_line(tmp_path, wheels):
    """A CPU-only build says so on a GPU call line only where a GPU is expected (here: CUDA_VISIBLE_DEVICES)."""
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], base=(wheels["numpy2"], wheels["protobuf"]))
    ws, _ = _check(tmp_path, py, "import tensorflow as tf\n", CUDA_VISIBLE_DEVICES="0")
    lines = file_findings(ws, tmp_path / "ws" / "main.py", "x = tf.config.list_physical_devices(\"GPU\")\n")
    assert [f.code for f in lines] == ["TFL109"] and "CPU-only build" in lines[0].message


def test_gpu_call_lines_are_quiet_without_a_gpu(tmp_path, wheels):
    """No GPU on this machine and none asked for: an empty GPU list is expected, so no TFL109 on the import or on
    the GPU call lines, whatever the build (the CUDA build without its CUDA wheels is a healthy CPU setup here)."""
    if gpu_wanted_here():
        pytest.skip("this machine has a GPU")
    source = ("import tensorflow as tf\nprint(tf.config.list_physical_devices('GPU'))\n"
              "a, b = tf.config.list_physical_devices('GPU'), tf.config.list_physical_devices('GPU')\n")
    for wheel in ("tf221", "tf_gpu"):
        py = _env(tmp_path, f"v-{wheel}", wheels[wheel], wheels["keras3"], base=(wheels["numpy2"], wheels["protobuf"]))
        _, found = _check(tmp_path, py, source)
        assert [f for f in found if f.code == "TFL109"] == [], wheel
        _, found = _check(tmp_path, py, source, CUDA_VISIBLE_DEVICES="0")
        per_line = [(f.range.start.line, f.message) for f in found if f.code == "TFL109"]
        assert found and len(per_line) == len(set(per_line)), per_line      # never the same cause twice on a line
        assert {line for line, _ in per_line} >= {1, 2}


def gpu_wanted_here() -> bool:
    return os.path.exists("/proc/driver/nvidia/version") or bool(glob.glob("/dev/nvidia[0-9]*"))


@pytest.mark.skipif(not Path(PY39).exists(), reason="needs pyenv 3.9")
def test_python_without_current_tf(tmp_path):
    py = _env(tmp_path, "v", python=PY39)
    _, found = _check(tmp_path, py, "import tensorflow\n")
    tfl = [f for f in found if f.code == "TFL108"]
    assert len(tfl) == 1 and "2.20" in tfl[0].message
    assert any(getattr(fx.args, "specs", None) == ("tensorflow==2.20.*",) for fx in tfl[0].fixes)


def test_python_built_for_other_version(tmp_path, wheels):
    d = tmp_path / "w"
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], base=(wheels["numpy2"], wheels["protobuf"]))
    # what a copied-over site-packages from a 3.10 environment looks like: the WHEEL file names cp310
    wheel_file = next((tmp_path / "v").glob("lib/python3.11/site-packages/tensorflow_cpu-2.21.0.dist-info/WHEEL"))
    wheel_file.write_text(wheel_file.read_text().replace("cp311-cp311", "cp310-cp310"))
    _, found = _check(tmp_path, py, "import tensorflow\n")
    assert "TFL108" in _codes(found)


def test_static_names_are_conservative(tmp_path):
    (tmp_path / "dyn.py").write_text("def __getattr__(name):\n    return name\n")
    (tmp_path / "plain.py").write_text("import os as o\nfrom x import y as z\nA = 1\nfor B in []: pass\n"
                                       "def f():\n    global G\n    G = 1\nsetattr(o, 'S', 1)\n")
    assert parse_module(str(tmp_path / "dyn.py")).dynamic
    p = parse_module(str(tmp_path / "plain.py"))
    assert not p.dynamic and {"o", "z", "A", "B", "f", "G", "S"} <= p.names


def test_combine_specs():
    assert simplify(["<2.0.0,>=1.23.5", "<2"]) == ">=1.23.5,<2.0.0"
    assert module_names(None) is None


def test_cpu_without_avx(tmp_path, wheels):
    """TFL110 for a CPU without AVX. This machine's CPU has AVX, so the flags of a CPU without it are put in place of
    the cached /proc/cpuinfo flags (the only substitution here; the parser itself reads the real file)."""
    from tf_lsp.checks.tensorflow import platform as tfplatform

    real = tfplatform.cpu_flags()
    assert real and "sse2" in real, "the real /proc/cpuinfo of this x86_64 machine"
    no_avx = tmp_path / "cpuinfo"
    no_avx.write_text("processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 sse sse2 ssse3 sse4_1 sse4_2\n")
    flags = tfplatform.cpu_flags(str(no_avx))
    assert "sse2" in flags and "avx" not in flags
    py = _env(tmp_path, "v", wheels["tf221"], wheels["keras3"], base=(wheels["numpy2"], wheels["protobuf"]))
    saved = list(tfplatform._CPU)
    try:
        tfplatform._CPU[:] = [flags]
        _, found = _check(tmp_path, py, "import tensorflow\n")
        avx = [f for f in found if f.code == "TFL110"]
        assert len(avx) == 1 and avx[0].severity.value == "error" and "Illegal instruction" in avx[0].message
    finally:
        tfplatform._CPU[:] = saved
    _, found = _check(tmp_path, py, "import tensorflow\n")
    assert not [f for f in found if f.code == "TFL110"]        # the real CPU has AVX
