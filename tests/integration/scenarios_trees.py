"""Integration scenarios outside TensorFlow: leftover partial trees (class 5), native libraries (class 7) and lazy loaders (class 4), outside TensorFlow.

Same records as ``scenarios.py`` (``Env``, ``Scenario``); each scenario names its classes (``scenarios.CLASSES``).
Every scientific-stack environment starts from the same install, so uv hard-links the same wheels into each (one
download of NumPy, SciPy and pandas in all); the breakage steps then unlink files (never edit them in place).
"""
from __future__ import annotations

from tests.integration.scenarios import Env, Scenario

_SCI = (("install", "numpy==2.1.3", "scipy==1.14.1", "pandas==2.2.3"),)
SCI = Env(name="py311-scipy-pandas", install=_SCI)
# class 5: what an interrupted uninstall leaves: the .dist-info is gone first, then part of the files
SCI_PANDAS_PARTIAL = Env(name="py311-pandas-partial-tree", install=_SCI, breakage=(
    ("rmtree", "pandas-*.dist-info"), ("delete", "pandas/core/reshape/*.py"), ("rmtree", "pandas/tests")))
SCI_SCIPY_PARTIAL = Env(name="py311-scipy-partial-tree", install=_SCI, breakage=(
    ("rmtree", "scipy-*.dist-info"), ("delete", "scipy/special/__init__.py"), ("rmtree", "scipy/io")))
# class 7: the OpenBLAS each wheel vendors (auditwheel puts it under <name>.libs/, found through RUNPATH $ORIGIN)
SCI_SCIPY_BLAS = Env(name="py311-scipy-openblas-deleted", install=_SCI, breakage=(
    ("delete", "scipy.libs/libscipy_openblas-*.so"),))
SCI_NUMPY_BLAS = Env(name="py311-numpy-openblas-deleted", install=_SCI, breakage=(
    ("delete", "numpy.libs/libscipy_openblas64_-*.so"),))
# both: NumPy's metadata and its vendored libraries gone, the package folder left (no RECORD to compare with)
SCI_NUMPY_PARTIAL = Env(name="py311-numpy-partial-tree-no-libs", install=_SCI, breakage=(
    ("rmtree", "numpy-*.dist-info"), ("rmtree", "numpy.libs")))
# class 4: Keras 3 behind tf.keras (TF 2.16+) without one of its own dependencies
TF221_NO_RICH = Env(name="tf221-keras-without-rich", install=(("install", "tensorflow-cpu==2.21.0"),),
                    breakage=(("uninstall", "rich"),))

SCENARIOS: tuple = (
    Scenario("scipy-pandas-healthy", SCI, classes=("healthy", "c5-partial-tree", "c7-native-libs"),
             why="healthy NumPy 2.1, SciPy 1.14 and pandas 2.2 (their vendored OpenBLAS under *.libs/)",
             lines=("import numpy", "from numpy.linalg import inv", "import scipy.linalg",
                    "from scipy.special import gamma", "import pandas", "from pandas import DataFrame")),
    Scenario("pandas-partial-tree", SCI_PANDAS_PARTIAL, classes=("c5-partial-tree",),
             why="pandas left without its .dist-info and without pandas/core/reshape/*.py",
             lines=("import pandas", "from pandas import DataFrame", "import pandas.core.reshape.merge",
                    "import numpy", "import dateutil.parser")),
    Scenario("scipy-partial-tree", SCI_SCIPY_PARTIAL, classes=("c5-partial-tree",),
             why="scipy left without its .dist-info, scipy/special/__init__.py and scipy/io/",
             lines=("import scipy", "import scipy.special", "from scipy.special import gamma", "import scipy.stats",
                    "import scipy.io", "import scipy.linalg")),
    Scenario("scipy-openblas-deleted", SCI_SCIPY_BLAS, classes=("c7-native-libs",),
             why="scipy.libs/libscipy_openblas-*.so deleted (SciPy 1.14)",
             lines=("import scipy", "import scipy.linalg", "from scipy.linalg import inv", "import scipy.special",
                    "import numpy.linalg")),
    Scenario("numpy-openblas-deleted", SCI_NUMPY_BLAS, classes=("c7-native-libs",),
             why="numpy.libs/libscipy_openblas64_-*.so deleted (NumPy 2.1)",
             lines=("import numpy", "from numpy.linalg import inv", "import scipy", "import pandas",
                    "import dateutil.parser")),
    Scenario("numpy-partial-tree-no-libs", SCI_NUMPY_PARTIAL, classes=("c5-partial-tree", "c7-native-libs"),
             why="numpy left without its .dist-info and without numpy.libs/ (OpenBLAS, gfortran)",
             lines=("import numpy", "import scipy.linalg", "import dateutil.parser")),
    Scenario("tf221-keras-without-rich", TF221_NO_RICH, classes=("c4-lazy",),
             why="TF 2.21 routes tf.keras to Keras 3, whose dependency rich is uninstalled",
             lines=("import tensorflow as tf", "from tensorflow import keras",
                    "from tensorflow.keras.layers import Dense", "import tensorflow as tf; layer = tf.keras.layers.Dense(3)",
                    "import tensorflow as tf; x = tf.constant([1, 2])", "import keras")),
)
