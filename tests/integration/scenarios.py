"""The integration scenarios, as plain data.

An ``Env`` is one real environment: a Python version, install steps, then breakage steps. A ``Scenario`` puts an
environment somewhere (inside the workspace as ``.venv``, or outside it), adds workspace files, picks the interpreter
tf-lsp is told to use, and lists the import lines of the sample file. ``build.py`` turns these records into folders
and records what each import line really does; ``test_predictions.py`` compares tf-lsp with that.

Steps are tuples so that a definition hashes the same on every machine:
  ("install", spec, ...)            uv pip install (dependencies resolved)
  ("force", spec, ...)              uv pip install --no-deps: overwrite one package, ignoring declared ranges
  ("uninstall", name, ...)          uv pip uninstall
  ("delete", glob)                  delete files (glob relative to site-packages); unlinks, never edits in place
  ("truncate", glob, fraction)      rewrite a file keeping the first fraction of its bytes (a NEW inode: the
                                    environment's files are hard links into uv's cache and must not be edited)
  ("rmtree", glob)                  delete folders (e.g. a .dist-info, leaving the package without metadata)
  ("try-install", spec)             an install that is expected to fail; its last error lines are recorded
  ("pip", arg, ...)                 the environment's own ``python -m pip install arg ...`` (pip's configuration
                                    applies: the wheels it finds on this machine's disk, which uv does not look at);
                                    "--no-deps" as an argument forces a package in as "force" does
Workspace steps:
  ("write", relpath, text)          a file in the workspace
  ("mkdir", relpath)                an empty folder in the workspace
  ("target", relpath, spec)         uv pip install --target <workspace>/<relpath> spec (a folder not on sys.path)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

PYTHONS = {v.rsplit(".", 1)[0]: f"/root/.pyenv/versions/{v}/bin/python" for v in
           ("3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0")}

SAMPLE_LINES: tuple[str, ...] = (
    "import tensorflow as tf",
    "from tensorflow import keras",
    "import tensorflow.keras.layers",
    "from tensorflow.keras.layers import Dense",
    "from tensorflow.keras.layers import NoSuchLayer",
    "import numpy",
    "import tensorflow.compat.v1",
    "import tensorflow.contrib",
    "from tensorflow.python.framework import ops",
    "import keras",
)
# a breakage scenario asks only the lines that tell its story (each probe costs an import of TensorFlow)
BREAK_LINES: tuple[str, ...] = (
    "import tensorflow as tf",
    "from tensorflow import keras",
    "from tensorflow.keras.layers import Dense",
    "import numpy",
    "import keras",
)


@dataclass(frozen=True)
class Env:
    name: str
    python: str = "3.11"
    install: tuple[tuple, ...] = ()
    breakage: tuple[tuple, ...] = ()

    def definition(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return _digest(self.definition())


@dataclass(frozen=True)
class Scenario:
    name: str
    env: Env
    # "workspace": the env is <workspace>/.venv; "outside": the env lives in the shared envs folder
    layout: str = "outside"
    # the interpreter tf-lsp is told to use (and the real imports run with); None = ``env``
    selected: Env | None = None
    workspace: tuple[tuple, ...] = ()
    environ: tuple[tuple[str, str], ...] = ()
    lines: tuple[str, ...] = BREAK_LINES
    why: str = ""
    # the failure classes of issue 15 this scenario exercises (keys of CLASSES); not part of the digest, so that
    # tagging a scenario never rebuilds it
    classes: tuple[str, ...] = ()

    @property
    def selected_env(self) -> Env:
        return self.selected or self.env

    def definition(self) -> dict:
        d = asdict(self)
        d["env"] = self.env.digest()
        d["selected"] = self.selected.digest() if self.selected else None
        d.pop("classes", None)
        return d

    def digest(self) -> str:
        return _digest(self.definition())


# The failure classes the tier reports recall and false alarms for (`table.py --by-class`). "healthy" is no class of
# failure: the scenarios whose every line should work, where false alarms are counted.
CLASSES: dict[str, str] = {
    "healthy": "healthy installs (false alarms)",
    "env": "missing, shadowed or misplaced packages; wrong interpreter",
    "declared": "declared version ranges not met (Requires-Dist)",
    "wheel": "wheels for another Python or platform",
    "c1-numpy-abi": "1. binary compatibility with NumPy",
    "c2-closure": "2. the import closure across packages",
    "c3-truncated": "3. files that parse but lost their content",
    "c4-lazy": "4. lazy loaders",
    "c5-partial-tree": "5. leftover partial trees",
    "c6-ownership": "6. files owned by another distribution",
    "c7-native-libs": "7. native libraries",
    "c8-enforced-pairs": "8. constraints the package enforces itself",
    "c9-import-time-attrs": "9. attribute uses across packages at import time",
}


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _tf(spec: str, *more: str, name: str, python: str = "3.11", breakage: tuple = (), extra: tuple = ()) -> Env:
    return Env(name=name, python=python, install=(("install", spec, *more), *extra), breakage=breakage)


# --- environments -------------------------------------------------------------------------------------------------
TF221 = _tf("tensorflow-cpu==2.21.0", name="tf221-cpu")
TF221_GPU = _tf("tensorflow==2.21.0", name="tf221-gpu-wheel")
TF215 = _tf("tensorflow-cpu==2.15.1", name="tf215-cpu")
TF213 = _tf("tensorflow-cpu==2.13.1", name="tf213-cpu")
TF216 = _tf("tensorflow-cpu==2.16.2", name="tf216-cpu")
BARE311 = Env(name="py311-bare", python="3.11")

ENV_NO_NUMPY = _tf("tensorflow-cpu==2.21.0", name="tf221-no-numpy", breakage=(("uninstall", "numpy"),))
ENV_215_NP2 = _tf("tensorflow-cpu==2.15.1", name="tf215-numpy2", breakage=(("force", "numpy==2.0.2"),))
ENV_216_NP2 = _tf("tensorflow-cpu==2.16.2", name="tf216-numpy2", breakage=(("force", "numpy==2.0.2"),))
ENV_221_PB3 = _tf("tensorflow-cpu==2.21.0", name="tf221-protobuf3", breakage=(("force", "protobuf==3.20.3"),))
ENV_213_PB5 = _tf("tensorflow-cpu==2.13.1", name="tf213-protobuf5", breakage=(("force", "protobuf==5.28.3"),))
ENV_214_MLD = _tf("tensorflow-cpu==2.14.1", name="tf214-mldtypes05", breakage=(("force", "ml-dtypes==0.5.1"),))
ENV_215_MLD = _tf("tensorflow-cpu==2.15.1", name="tf215-mldtypes05", breakage=(("force", "ml-dtypes==0.5.1"),))
ENV_215_K3 = _tf("tensorflow-cpu==2.15.1", name="tf215-keras3",
                 breakage=(("install", "keras==3.5.0", "numpy<2"),))
ENV_217_K2 = _tf("tensorflow-cpu==2.17.1", name="tf217-keras2", breakage=(("force", "keras==2.15.0"),))
# --no-deps: tf-keras 2.16.0 requires `tensorflow` (not tensorflow-cpu), and a plain install would put the CUDA
# build over tensorflow-cpu as well (that is what users get; cpu-and-gpu-wheels covers the over-install)
ENV_216_TFK = _tf("tensorflow-cpu==2.16.2", name="tf216-tf-keras", breakage=(("force", "tf-keras==2.16.0"),))
ENV_MIXED = _tf("tensorflow-cpu==2.21.0", name="tf221-cpu-plus-tf220",
                breakage=(("force", "tensorflow==2.20.0"),))
ENV_NO_SO = _tf("tensorflow-cpu==2.21.0", name="tf221-deleted-so",
                breakage=(("delete", "tensorflow/python/_pywrap_tensorflow_internal.so"),))
ENV_215_NO_SO = _tf("tensorflow-cpu==2.15.1", name="tf215-deleted-so",
                   breakage=(("delete", "tensorflow/python/_pywrap_tensorflow_internal.so"),))
ENV_NO_FRAMEWORK = _tf("tensorflow-cpu==2.21.0", name="tf221-deleted-framework-lib",
                       breakage=(("delete", "tensorflow/libtensorflow_framework.so.2"),))
ENV_TRUNC = _tf("tensorflow-cpu==2.21.0", name="tf221-truncated-py",
                breakage=(("truncate", "tensorflow/python/framework/dtypes.py", 0.5),))
ENV_NO_META = _tf("tensorflow-cpu==2.21.0", name="tf221-no-metadata",
                  breakage=(("rmtree", "tensorflow_cpu-*.dist-info"),))
ENV_313 = Env(name="py313-wants-tf215", python="3.13", install=(("try-install", "tensorflow-cpu==2.15.1"),))
# a wheel for another Python / another architecture put into this environment (`pip install --python-version` /
# `--platform`, or a site-packages copied from another machine), over a working install's dependencies
ENV_CP312 = Env(name="tf221-cp312-wheel-in-py311", install=(("install", "tensorflow-cpu==2.21.0"),),
                breakage=(("uninstall", "tensorflow-cpu"),
                          ("force", "--python-version", "3.12", "tensorflow-cpu==2.21.0")))
ENV_AARCH64 = Env(name="tf221-aarch64-wheel", install=(("install", "tensorflow-cpu==2.21.0"),),
                  breakage=(("uninstall", "tensorflow-cpu"),
                            ("force", "--python-platform", "aarch64-manylinux_2_28", "tensorflow==2.21.0")))
# the CUDA libraries from the [and-cuda] extra, then cuDNN 8 forced over the cuDNN 9 that TF 2.21 was built for
ENV_CUDNN8 = _tf("tensorflow[and-cuda]==2.21.0", name="tf221-and-cuda-cudnn8",
                 breakage=(("force", "nvidia-cudnn-cu12==8.9.7.29"),))

_SHADOW_TF = "import tensorflow as tf\nprint(tf.constant([1, 2, 3]))\n"
_SHADOW_NP = "import numpy as np\nprint(np.arange(3))\n"

# --- scenarios ----------------------------------------------------------------------------------------------------
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("tf221-healthy", TF221, layout="workspace", lines=SAMPLE_LINES,
             why="healthy TF 2.21 cpu in the workspace .venv", classes=('healthy',)),
    Scenario("tf221-gpu-wheel", TF221_GPU, lines=SAMPLE_LINES,
             why="the CUDA build on a machine without a GPU or CUDA wheels", classes=('healthy',)),
    Scenario("tf215-healthy", TF215, lines=SAMPLE_LINES, why="healthy TF 2.15 (keras 2), tensorflow-cpu", classes=('healthy',)),
    Scenario("tf213-healthy", TF213, lines=SAMPLE_LINES, why="healthy TF 2.13, keras 2 era", classes=('healthy',)),
    Scenario("tf216-healthy", TF216, lines=SAMPLE_LINES, why="healthy TF 2.16, keras 3, numpy<2", classes=('healthy',)),
    Scenario("numpy-uninstalled", ENV_NO_NUMPY, layout="workspace", why="numpy removed under TF 2.21", classes=('env',)),
    Scenario("tf215-numpy2", ENV_215_NP2, why="numpy 2 forced under TF 2.15", classes=('c1-numpy-abi', 'declared')),
    Scenario("tf216-numpy2", ENV_216_NP2, why="numpy 2 forced under TF 2.16", classes=('c1-numpy-abi', 'declared')),
    Scenario("tf221-protobuf3", ENV_221_PB3, why="protobuf 3.20 under TF 2.21 (declares >=6.31.1)", classes=('c2-closure', 'declared')),
    Scenario("tf213-protobuf5", ENV_213_PB5, why="protobuf 5 under TF 2.13 (declares <5)", classes=('declared',)),
    Scenario("tf214-mldtypes05", ENV_214_MLD, why="ml_dtypes 0.5 under TF 2.14 (pins 0.2.0)", classes=('c8-enforced-pairs', 'declared')),
    Scenario("tf215-mldtypes05", ENV_215_MLD, why="ml_dtypes 0.5 under TF 2.15", classes=('declared',)),
    Scenario("tf215-keras3", ENV_215_K3, why="keras 3 installed under TF 2.15", classes=('c4-lazy',)),
    Scenario("tf217-keras2", ENV_217_K2, why="keras 2 forced under TF 2.17", classes=('c4-lazy', 'declared')),
    Scenario("legacy-keras-without-tf-keras", TF216, environ=(("TF_USE_LEGACY_KERAS", "1"),),
             why="TF_USE_LEGACY_KERAS=1 and no tf_keras, TF 2.16", classes=('c4-lazy',)),
    Scenario("legacy-keras-with-tf-keras", ENV_216_TFK, environ=(("TF_USE_LEGACY_KERAS", "1"),),
             why="TF_USE_LEGACY_KERAS=1 with tf_keras 2.16", classes=('c4-lazy',)),
    Scenario("cpu-and-gpu-wheels", ENV_MIXED, why="tensorflow 2.20 installed over tensorflow-cpu 2.21", classes=('c6-ownership',)),
    Scenario("wheel-for-python312", ENV_CP312, why="tensorflow-cpu 2.21's cp312 wheel in a Python 3.11 environment", classes=('wheel',)),
    Scenario("wheel-for-aarch64", ENV_AARCH64, why="tensorflow 2.21's Linux aarch64 wheel on an x86_64 machine", classes=('wheel',)),
    Scenario("and-cuda-cudnn8", ENV_CUDNN8,
             why="tensorflow[and-cuda] 2.21 with cuDNN 8.9 forced over the cuDNN 9 it was built for (no GPU here)", classes=('c7-native-libs',)),
    Scenario("deleted-so", ENV_NO_SO, why="_pywrap_tensorflow_internal.so deleted (TF 2.21)", classes=('c7-native-libs',)),
    Scenario("tf215-deleted-so", ENV_215_NO_SO, why="_pywrap_tensorflow_internal.so deleted (TF 2.15)", classes=('c7-native-libs',)),
    Scenario("deleted-framework-lib", ENV_NO_FRAMEWORK, why="libtensorflow_framework.so.2 deleted (TF 2.21)", classes=('c7-native-libs',)),
    Scenario("truncated-py", ENV_TRUNC, why="tensorflow/python/framework/dtypes.py cut in half", classes=('c3-truncated',)),
    Scenario("no-metadata", ENV_NO_META, why="tensorflow folder left without its .dist-info", classes=('c5-partial-tree',)),
    Scenario("target-folder", BARE311, workspace=(("target", "vendor", "tensorflow-cpu==2.21.0"),),
             why="pip install --target vendor/: a folder not on sys.path", classes=('env',)),
    Scenario("workspace-venv-other-interpreter", TF221, layout="workspace", selected=BARE311,
             why="the workspace .venv has TF; the selected interpreter is another env without it", classes=('env',)),
    Scenario("shadow-tensorflow", TF221, workspace=(("write", "tensorflow.py", _SHADOW_TF),),
             why="the workspace has its own tensorflow.py", classes=('env',)),
    Scenario("shadow-numpy", TF221, workspace=(("write", "numpy.py", _SHADOW_NP),),
             why="the workspace has its own numpy.py", classes=('env', 'c2-closure')),
    Scenario("orphan-folder", TF221, workspace=(("mkdir", "tensorflow"),),
             why="an empty tensorflow/ folder in the workspace (namespace package)", classes=('env',)),
    Scenario("py313-no-wheel", ENV_313, workspace=(("write", "requirements.txt", "tensorflow-cpu==2.15.1\n"),),
             why="Python 3.13: TF 2.15 has no wheel; requirements.txt wants it", classes=('env', 'wheel')),
)

TF_SCENARIOS = SCENARIOS
# the scenarios outside TensorFlow (issue 15: the same rules must hold for every package), one file per theme
from tests.integration.scenarios_numpy import SCENARIOS as _NUMPY  # noqa: E402
from tests.integration.scenarios_pairs import SCENARIOS as _PAIRS  # noqa: E402
from tests.integration.scenarios_trees import SCENARIOS as _TREES  # noqa: E402

SCENARIOS = TF_SCENARIOS + _NUMPY + _PAIRS + _TREES
BY_NAME = {s.name: s for s in SCENARIOS}
assert len(BY_NAME) == len(SCENARIOS), "two scenarios share a name"
assert all(c in CLASSES for s in SCENARIOS for c in s.classes), "a scenario names an unknown class"
