"""TensorFlow knowledge as data: plain records, each with the source it was taken from.

Adding a TensorFlow release is an edit here, not in the checks. "real run" sources were observed on this project's
integration environments (``~/.cache/tf-lsp-it/pack-*``, CPython 3.11, Linux x86_64, 2026-11); "wheel" sources were
read from the released wheel's files (``pip download --no-deps tensorflow-cpu==X``).
"""
from __future__ import annotations

from dataclasses import dataclass

# --- which distributions install the `tensorflow` package ----------------------------------------------------

TF_DISTRIBUTIONS: tuple[str, ...] = (
    "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel", "tensorflow-macos", "tensorflow-cpu-aws",
    "tensorflow-aarch64", "tensorflow-rocm", "tensorflow-directml", "intel-tensorflow", "intel-tensorflow-avx512",
    "tf-nightly", "tf-nightly-cpu", "tf-nightly-gpu", "tf-nightly-intel", "tf-nightly-macos",
)
"""Distribution names whose wheels hold a ``tensorflow/`` package folder (source: their wheels' RECORD files on the
package index; ``tensorflow-intel`` / ``tensorflow-cpu-aws`` / ``tensorflow-macos`` are pulled in by the
``tensorflow`` meta wheel on Windows / Linux aarch64 / macOS for some releases, which is why a conflict is decided
from RECORD — which of them really own ``tensorflow/__init__.py`` — and not from names)."""
TF_DISTRIBUTIONS_SOURCE = "wheel METADATA of tensorflow-cpu 2.12.1-2.15.1 (Requires-Dist tensorflow-intel / tensorflow-cpu-aws)"

NIGHTLY_PROVIDES: tuple[tuple[str, str], ...] = (
    ("tfds-nightly", "tensorflow_datasets"), ("keras-nightly", "keras"), ("tf-keras-nightly", "tf_keras"),
)
"""Nightly distributions of the TensorFlow family and the package each installs, a name other than their own."""
NIGHTLY_PROVIDES_SOURCE = ("https://www.tensorflow.org/datasets/overview#installation (tfds-nightly); "
                           "https://keras.io/getting_started/ (keras-nightly); top_level.txt of the tf-keras-nightly "
                           "wheel (tf_keras)")


# --- how tensorflow/__init__.py rewires __path__ (A) --------------------------------------------------------

@dataclass(frozen=True)
class PathStep:
    """One statement of a generated TF ``__init__.py`` that changes the package's ``__path__``.

    kind ``api_dir``: ``__path__.append(<tensorflow folder>/_api/v2)`` unless present (``_tf_api_dir``).
    kind ``parent_dir_for_name``: ``module_util.get_parent_dir_for_name(target)`` = the folder of
    ``find_spec(first part).origin`` joined with the middle parts (``None`` when the first part is not importable).
    kind ``imported_parent``: the parent folder of ``target`` after importing it (tensorboard's summary); only when
    ``target`` exists on disk.
    ``when``: ``always``, ``legacy`` (TF_USE_LEGACY_KERAS in true/True/1) or ``not_legacy``.
    ``guarded``: the statement is under ``if _module_dir:`` (nothing added when not found).
    ``attr``: the sub-package whose ``__path__`` changes ("" = the package itself, "nn" = ``.nn``).
    """

    op: str                 # "prepend" | "append"
    kind: str
    target: str = ""
    when: str = "always"
    guarded: bool = False
    attr: str = ""


@dataclass(frozen=True)
class PathRule:
    versions: str           # packaging SpecifierSet over the installed TF version
    init: str               # folder of the __init__.py, relative to the tensorflow folder ("" = tensorflow itself)
    marker: str             # text that must appear in that __init__.py (guards against a wrong version guess)
    steps: tuple[PathStep, ...]
    source: str


_API = PathStep("append", "api_dir")
_TB = PathStep("prepend", "imported_parent", "tensorboard.summary._tf.summary")
_EST = PathStep("prepend", "parent_dir_for_name", "tensorflow_estimator.python.estimator.api._v2.estimator", guarded=True)
_K2_OLD = PathStep("prepend", "parent_dir_for_name", "keras.api._v2.keras", guarded=True)
_K3 = PathStep("prepend", "parent_dir_for_name", "keras._tf_keras.keras")
_K_LEGACY = PathStep("prepend", "parent_dir_for_name", "tf_keras.api._v2.keras", when="legacy")
_K_V2 = PathStep("prepend", "parent_dir_for_name", "keras.api._v2.keras", when="not_legacy")
_V1_LEGACY = PathStep("prepend", "parent_dir_for_name", "tf_keras.api._v1.keras", when="legacy")
_V1_K = PathStep("prepend", "parent_dir_for_name", "keras.api._v1.keras", when="not_legacy")
_V1_LAYERS_L = PathStep("prepend", "parent_dir_for_name", "tf_keras.api._v1.keras.__internal__.legacy.layers", when="legacy")
_V1_LAYERS = PathStep("prepend", "parent_dir_for_name", "keras.api._v1.keras.__internal__.legacy.layers", when="not_legacy")
_V1_RNN_L = PathStep("prepend", "parent_dir_for_name", "tf_keras.api._v1.keras.__internal__.legacy.rnn_cell", when="legacy", attr="nn")
_V1_RNN = PathStep("prepend", "parent_dir_for_name", "keras.api._v1.keras.__internal__.legacy.rnn_cell", when="not_legacy", attr="nn")
_V1_EST = PathStep("prepend", "parent_dir_for_name", "tensorflow_estimator.python.estimator.api._v1.estimator", guarded=True)
_V1_K_OLD = PathStep("prepend", "parent_dir_for_name", "keras.api._v1.keras", guarded=True)
_V1_LAYERS_OLD = PathStep("prepend", "parent_dir_for_name", "keras.api._v1.keras.__internal__.legacy.layers", guarded=True)
_V1_RNN_OLD = PathStep("prepend", "parent_dir_for_name", "keras.api._v1.keras.__internal__.legacy.rnn_cell", guarded=True,
                       attr="nn")

PATH_RULES: tuple[PathRule, ...] = (
    # TF 2.16+: no estimator, no tensorboard hook; Keras 3 folder, then legacy tf_keras or Keras 2 folder in front.
    PathRule(">=2.16", "", 'get_parent_dir_for_name("keras._tf_keras.keras")', (_API, _K3, _K_LEGACY, _K_V2),
             "wheel: tensorflow/__init__.py of 2.16.2 (l.358-384), 2.17.1 (l.360-386), 2.18.1 (l.363-389), "
             "2.21.0 (l.365-390); real run 2.21.0: tf.__path__ == [keras/api/_v2, keras/_tf_keras, tensorflow, "
             "tensorflow/_api/v2]"),
    # TF 2.15: tensorboard + estimator hooks, then the same Keras 2/3/legacy logic as 2.16.
    PathRule(">=2.15,<2.16", "", 'get_parent_dir_for_name("keras._tf_keras.keras")',
             (_API, _TB, _EST, _K3, _K_LEGACY, _K_V2),
             "wheel: tensorflow/__init__.py of 2.15.1 (l.361-407)"),
    # TF 2.6-2.14: `_keras_module = "keras.api._v2.keras"` only when keras is importable.
    PathRule(">=2.6,<2.15", "", '_keras_module = "keras.api._v2.keras"', (_API, _TB, _EST, _K2_OLD),
             "wheel: tensorflow/__init__.py of 2.6.5 (l.352-388), 2.8.4, 2.10.1, 2.12.1, 2.13.1 (l.353-396), "
             "2.14.1 (l.354-397)"),
    # compat.v1 / compat.v2 (tensorflow/_api/v2/compat/v{1,2}/__init__.py) do the same for their own keras.
    PathRule(">=2.16", "_api/v2/compat/v2", '"keras.api._v2.keras"', (_K_LEGACY, _K_V2),
             "wheel: tensorflow/_api/v2/compat/v2/__init__.py of 2.21.0 (l.341-348)"),
    PathRule(">=2.16", "_api/v2/compat/v1", '"keras.api._v1.keras"',
             (_V1_LEGACY, _V1_K, _V1_LAYERS_L, _V1_LAYERS, _V1_RNN_L, _V1_RNN),
             "wheel: tensorflow/_api/v2/compat/v1/__init__.py of 2.21.0 (l.695-735)"),
    PathRule(">=2.15,<2.16", "_api/v2/compat/v2", '"keras.api._v2.keras"', (_TB, _EST, _K_LEGACY, _K_V2),
             "wheel: tensorflow/_api/v2/compat/v2/__init__.py of 2.15.1 (l.342-366)"),
    PathRule(">=2.15,<2.16", "_api/v2/compat/v1", '"keras.api._v1.keras"',
             (_V1_EST, _V1_LEGACY, _V1_K, _V1_LAYERS_L, _V1_LAYERS, _V1_RNN_L, _V1_RNN),
             "wheel: tensorflow/_api/v2/compat/v1/__init__.py of 2.15.1 (l.697-743)"),
    PathRule(">=2.6,<2.15", "_api/v2/compat/v1", '_keras_module = "keras.api._v1.keras"',
             (_V1_EST, _V1_K_OLD, _V1_LAYERS_OLD, _V1_RNN_OLD),
             "wheel: tensorflow/_api/v2/compat/v1/__init__.py of 2.6.5 (l.680-723), 2.13.1 (l.683-717)"),
    PathRule(">=2.6,<2.15", "_api/v2/compat/v2", '_keras_module = "keras.api._v2.keras"', (_TB, _EST, _K2_OLD),
             "wheel: tensorflow/_api/v2/compat/v2/__init__.py of 2.13.1 (l.335-356)"),
)
"""Per TF version: the statements of the generated ``__init__.py`` files that rewire ``__path__``, in order.
Versions outside every range use the rule whose ``marker`` matches the installed file."""


# --- the Keras that tf.keras routes to (KerasLazyLoader / LazyLoader) ----------------------------------------

@dataclass(frozen=True)
class KerasRouting:
    versions: str
    keras: str                      # the Keras major tf.keras expects without TF_USE_LEGACY_KERAS: "2" or "3"
    legacy_env: bool                # TF_USE_LEGACY_KERAS honoured (routes to tf_keras)
    source: str
    lazy_attr: bool = True          # the `keras` attribute of tensorflow is a lazy loader: `from tensorflow import
                                    # keras` binds it without importing Keras; Keras problems surface on first use


KERAS_ROUTING: tuple[KerasRouting, ...] = (
    KerasRouting(">=2.16", "3", True, "wheel: tensorflow/python/util/lazy_loader.py KerasLazyLoader (2.16.2, 2.21.0); "
                                      "TF 2.16 release notes (Keras 3 is the default)"),
    KerasRouting(">=2.15,<2.16", "2", True, "wheel: tensorflow/python/util/lazy_loader.py of 2.15.1"),
    KerasRouting(">=2.6,<2.15", "2", False, "wheel: tensorflow/__init__.py of 2.6.5-2.14.1 (_keras_module)"),
)

LAZY_ATTR_SOURCE = ("wheel: tensorflow/__init__.py of 2.13.1/2.14.1 (`_keras = _LazyLoader(\"keras\", ...)`; "
                    "`setattr(_current_module, \"keras\", _keras)`) and tensorflow/python/util/lazy_loader.py "
                    "KerasLazyLoader of 2.15.1-2.21.0; real run: `from tensorflow import keras` exits 0 under TF 2.17 "
                    "+ keras 2.15 and under TF_USE_LEGACY_KERAS=1 without tf_keras (integration scenarios "
                    "tf217-keras2, legacy-keras-without-tf-keras)")
LEGACY_KERAS_VALUES = ("true", "True", "1")
LEGACY_KERAS_SOURCE = "wheel: tensorflow/__init__.py of 2.15.1-2.21.0 (`_tf_uses_legacy_keras`)"
KERAS_MISSING_MESSAGE = "Keras cannot be imported. Check that it is installed."
LEGACY_MISSING_MESSAGE = ("Your environment has TF_USE_LEGACY_KERAS set to True, but you do not have the tf_keras "
                          "package installed. You must install it in order to use the legacy tf.keras. "
                          "Install it via: `pip install tf_keras`")
KERAS_MESSAGES_SOURCE = "wheel: tensorflow/python/util/lazy_loader.py of 2.21.0 (l.138-175)"


# --- packages whose import runs another framework's import (Keras backends) --------------------------------

@dataclass(frozen=True)
class BackendImport:
    """``import <module>`` (any submodule too) of distribution ``package`` at ``versions`` first imports a backend:
    ``fixed`` when it always is the same one, else the Keras backend setting (``KERAS_BACKEND`` when set and not
    empty, else ``"backend"`` of ``keras.json`` in ``$KERAS_HOME`` or ``~/.keras`` (``/tmp/.keras`` when the home
    folder is not writable), else ``default``). A failure of that backend import fails this import too."""

    package: str
    module: str
    versions: str
    fixed: str              # module always imported ("" = from the backend setting)
    default: str            # backend when nothing is configured
    source: str


BACKEND_IMPORTS: tuple[BackendImport, ...] = (
    BackendImport("keras", "keras", ">=3", "", "tensorflow",
                  "wheel: keras/src/backend/config.py (_BACKEND = 'tensorflow'; KERAS_HOME, keras.json, KERAS_BACKEND) "
                  "and keras/src/backend/__init__.py (`if backend() == 'tensorflow': from keras.src.backend.tensorflow "
                  "import *`) of keras 3.15.1; real run: `import keras` fails with TensorFlow's own error in the "
                  "tf215-numpy2, tf221-protobuf3 and shadow-tensorflow scenarios"),
    BackendImport("keras", "keras", "<3", "tensorflow", "tensorflow",
                  "wheel: keras/src/__init__.py of keras 2.13.1 and 2.15.0 (`from tensorflow.python import tf2`)"),
    BackendImport("tf-keras", "tf_keras", "", "tensorflow", "tensorflow",
                  "wheel: tf_keras/__init__.py of tf_keras 2.16.0 (`from tensorflow.python import tf2`); its "
                  "METADATA Requires-Dist tensorflow<2.17,>=2.16"),
)
KERAS_BACKEND_MODULES: dict[str, str] = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch",
                                         "numpy": "numpy", "openvino": "openvino"}
"""Keras 3 backend name -> the module ``keras/src/backend/<name>/`` imports (source: keras 3.15.1's backend
folders)."""


# --- removed and private modules (B) -------------------------------------------------------------------------

@dataclass(frozen=True)
class RemovedModule:
    prefix: str             # dotted module prefix
    removed_in: str         # first TF version without it
    hint: str               # what to use instead
    replacement: str        # a module to import instead ("" when none)
    source: str


_MIGRATE = "https://www.tensorflow.org/guide/migrate/migrate_tf2"
REMOVED_MODULES: tuple[RemovedModule, ...] = (
    RemovedModule("tensorflow.contrib.slim", "2.0", "TF-Slim lives on as the separate `tf-slim` package: "
                  "`pip install tf-slim`, then `import tf_slim as slim`.", "tf_slim",
                  "https://github.com/google-research/tf-slim (README); " + _MIGRATE),
    RemovedModule("tensorflow.contrib.layers", "2.0", "use `tf.keras.layers` (or `tf_slim.layers` for slim-style code).",
                  "tensorflow.keras.layers", _MIGRATE),
    RemovedModule("tensorflow.contrib.rnn", "2.0", "use the Keras RNN layers (`tf.keras.layers.LSTM`, `GRU`, `RNN`) "
                  "or `tf.compat.v1.nn.rnn_cell` for TF1-style cells.", "tensorflow.keras.layers", _MIGRATE),
    RemovedModule("tensorflow.contrib.learn", "2.0", "use Keras (`tf.keras.Model.fit`).", "", _MIGRATE),
    RemovedModule("tensorflow.contrib", "2.0", "`tf.contrib` was removed in TensorFlow 2.0: its modules moved into "
                  "core TF (`tf.*`, `tf.keras`), into separate packages (tf-slim, tensorflow-addons, "
                  "tensorflow-probability) or were dropped. See the TF2 migration guide.", "",
                  _MIGRATE + "; https://github.com/tensorflow/community/blob/master/rfcs/20180907-contrib-sunset.md"),
    RemovedModule("tensorflow.compat.v1.contrib", "2.0", "`tf.compat.v1` never contained `contrib`: it was removed "
                  "in TensorFlow 2.0 (see `tensorflow.contrib`).", "", _MIGRATE),
    RemovedModule("tensorflow.examples.tutorials", "2.0", "the MNIST tutorial helpers are not shipped with TF 2: "
                  "load the data with `tf.keras.datasets.mnist.load_data()` or `tensorflow_datasets`.",
                  "tensorflow.keras.datasets.mnist",
                  "wheel: no tensorflow/examples/tutorials in tensorflow-cpu 2.6.5-2.21.0; "
                  "https://www.tensorflow.org/api_docs/python/tf/keras/datasets/mnist/load_data"),
    RemovedModule("tensorflow.estimator", "2.16", "`tf.estimator` was removed in TensorFlow 2.16: migrate to Keras, "
                  "or pin tensorflow<2.16 (with tensorflow-estimator).", "",
                  "wheel: the estimator hook is gone from tensorflow/__init__.py in 2.16.2; TF 2.16 release notes"),
    RemovedModule("tensorflow.compat.v1.estimator", "2.16", "`tf.compat.v1.estimator` was removed in TensorFlow "
                  "2.16 with `tf.estimator`: migrate to Keras, or pin tensorflow<2.16 (with tensorflow-estimator).",
                  "", "wheel: no estimator in tensorflow/_api/v2/compat/v1/__init__.py of tensorflow-cpu 2.21.0; "
                      "TF 2.16 release notes"),
)

PRIVATE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python", "https://www.tensorflow.org/guide/versions (only the documented public API is covered "
                          "by semantic versioning)"),
)


# --- undeclared / real incompatibilities (D) -----------------------------------------------------------------

@dataclass(frozen=True)
class Incompatibility:
    package: str            # the dependency (canonical distribution name)
    tf_versions: str        # TF versions affected (SpecifierSet)
    bad: str                # the dependency versions that break (SpecifierSet)
    good: str               # the constraint that fixes it (SpecifierSet), intersected with the declared ranges
    breaks: bool            # True: the statement raises (error); False: it imports (warning)
    effect: str             # what the user sees
    source: str
    scope: str = "import"   # "import": every `tensorflow` import; "keras": statements that touch tf.keras;
                            # "keras-package": statements that import the keras package itself


INCOMPATIBILITIES: tuple[Incompatibility, ...] = (
    Incompatibility("numpy", "<2.18", ">=2", "<2", True,
                    "`import tensorflow` fails: \"A module that was compiled using NumPy 1.x cannot be run in NumPy "
                    "2.x as it may crash\", then \"ImportError: numpy.core.umath failed to import\" "
                    "(or \"AttributeError: _ARRAY_API not found\")",
                    "real run: tensorflow-cpu 2.15.1 + numpy 2.0.2 -> exit 1; tensorflow #67291; "
                    "NumPy 2 support from TF 2.18 (release notes)"),
    Incompatibility("ml-dtypes", ">=2.14,<2.15", ">=0.3", "==0.2.0", True,
                    "`import tensorflow` fails: \"AttributeError: module 'ml_dtypes' has no attribute "
                    "'float8_e4m3b11'\"", "jax-ml/ml_dtypes #101; tensorflow-cpu 2.14.1 METADATA (ml-dtypes==0.2.0)"),
    Incompatibility("keras", "<2.15", ">=3", "<3", True,
                    "`tensorflow.keras` is missing: TF < 2.15 only knows Keras 2's `keras/api/_v2/keras`, "
                    "so `import tensorflow.keras...` raises ModuleNotFoundError",
                    "wheel: tensorflow/__init__.py of 2.14.1 (_keras_module); real run 2.14.1 + keras 3.6.0: "
                    "`from tensorflow.keras.layers import Dense` exit 1 (No module named 'tensorflow.keras')", "keras"),
    Incompatibility("keras", ">=2.15,<2.16", ">=3", "<3", False,
                    "TF 2.15 routes `tf.keras` to Keras 3 (`keras/_tf_keras/keras`); it imports, but TF 2.15 was "
                    "released and tested with Keras 2.15",
                    "real run: tensorflow-cpu 2.15.1 + keras 3.6.0 -> tf.keras.layers.Dense is keras.src Dense, exit 0", "keras"),
    Incompatibility("keras", ">=2.16", "<3", ">=3", True,
                    "`import tensorflow` works but every use of `tf.keras` fails: \"AttributeError: module "
                    "'tensorflow._api.v2.compat.v2.__internal__' has no attribute 'register_load_context_function'\"",
                    "real run: tensorflow-cpu 2.21.0 + keras 2.15.0 -> `from tensorflow.keras.layers import Dense` "
                    "exit 1", "keras"),
    Incompatibility("keras", ">=2.16", "<3", ">=3", True,
                    "`import keras` fails: Keras 2 reaches into TensorFlow internals that TF 2.16+ no longer has "
                    "(\"AttributeError: module 'tensorflow._api.v2.compat.v2.__internal__' has no attribute "
                    "'register_load_context_function'\")",
                    "real run: tensorflow-cpu 2.17.1 + keras 2.15.0 -> `import keras` exit 1 (integration scenario "
                    "tf217-keras2)", "keras-package"),
    Incompatibility("protobuf", "<2.9", ">=4.21", "<3.20", True,
                    "`import tensorflow` fails: \"TypeError: Descriptors cannot be created directly\"",
                    "tensorflow #56266; protobuf 4.21 release notes"),
)

PROTOBUF_GENCODE_FILE = "core/framework/types_pb2.py"
PROTOBUF_GENCODE_SOURCE = ("wheel: tensorflow/core/framework/types_pb2.py of 2.21.0 ('# Protobuf Python Version: 6.31.1' "
                           "+ ValidateProtobufRuntimeVersion); protobuf runtime_version.py raises VersionError when "
                           "the runtime is older than the gencode")
PROTOBUF_BUILDER_MIN = "3.20"
PROTOBUF_BUILDER_SOURCE = ("wheel: tensorflow/core/framework/types_pb2.py of 2.12.1-2.15.1 import "
                           "google.protobuf.internal.builder, added in protobuf 3.20")

TF_KERAS_SOURCE = "tf_keras releases follow TF minor versions (tf_keras 2.21.0 for TF 2.21; its METADATA)"


# --- Python support (F) --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PythonSupport:
    tf: str                 # "2.21"
    python_min: str         # "3.10"
    python_max: str         # "3.13"
    source: str


_SRC_TABLE = "tensorflow/docs site/en/install/source.md (tested build configurations)"
PYTHON_SUPPORT: tuple[PythonSupport, ...] = (
    PythonSupport("2.21", "3.10", "3.13", _SRC_TABLE + "; wheel tensorflow-cpu 2.21.0 Requires-Python >=3.10"),
    PythonSupport("2.20", "3.9", "3.13", _SRC_TABLE),
    PythonSupport("2.19", "3.9", "3.12", _SRC_TABLE),
    PythonSupport("2.18", "3.9", "3.12", _SRC_TABLE),
    PythonSupport("2.17", "3.9", "3.12", _SRC_TABLE),
    PythonSupport("2.16", "3.9", "3.12", _SRC_TABLE),
    PythonSupport("2.15", "3.9", "3.11", _SRC_TABLE),
    PythonSupport("2.14", "3.9", "3.11", _SRC_TABLE + "; wheel tensorflow-cpu 2.14.1 Requires-Python >=3.9"),
    PythonSupport("2.13", "3.8", "3.11", _SRC_TABLE),
    PythonSupport("2.12", "3.8", "3.11", _SRC_TABLE),
    PythonSupport("2.11", "3.7", "3.10", _SRC_TABLE),
    PythonSupport("2.10", "3.7", "3.10", _SRC_TABLE),
)


# --- CUDA / cuDNN (G) ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CudaLibrary:
    key: str                # build_info key: cuda_version / cudnn_version
    soname: str             # library file stem the loader looks for, "{major}" filled in
    wheels: tuple[str, ...]   # nvidia-* distributions providing it, "{major}" filled in
    source: str


CUDA_LIBRARIES: tuple[CudaLibrary, ...] = (
    CudaLibrary("cuda_version", "libcudart.so.{major}", ("nvidia-cuda-runtime-cu{major}",),
                "wheel: tensorflow 2.21.0 METADATA extra and-cuda (nvidia-cuda-runtime-cu12) + build_info.py"),
    CudaLibrary("cudnn_version", "libcudnn.so.{major}", ("nvidia-cudnn-cu{cuda_major}",),
                "wheel: tensorflow 2.21.0 METADATA extra and-cuda (nvidia-cudnn-cu12) + build_info.py"),
)
CUDA_WARNING_TEXT = ("Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are "
                     "installed properly if you would like to use GPU. ... Skipping registering GPU devices...")
CUDA_SOURCE = "tensorflow/core/common_runtime/gpu/gpu_device.cc (the warning); tensorflow/docs install/pip.md"
WINDOWS_GPU_LAST = "2.10"
WINDOWS_GPU_SOURCE = "https://www.tensorflow.org/install/pip#windows-native (GPU support ends with TF 2.10)"
MACOS_GPU_SOURCE = "https://www.tensorflow.org/install/pip (no CUDA on macOS; GPU through tensorflow-metal)"

# --- CPU features (H) ----------------------------------------------------------------------------------------

AVX_REQUIRED_FROM = "1.6"
AVX_SOURCE = "https://www.tensorflow.org/install/pip (hardware requirements: pip packages use AVX since TF 1.6)"
