"""Integration scenarios outside TensorFlow: binary compatibility with NumPy (class 1) and attribute uses across
packages at import time (class 9), on SciPy, pandas and xarray.

Same records as ``scenarios.py`` (``Env``, ``Scenario``); each scenario names its classes (``scenarios.CLASSES``).
Versions were picked for Python 3.11 wheels that share downloads: numpy 2.1.3 and 1.26.4 serve several envs.
"""
from __future__ import annotations

from tests.integration.scenarios import Env, Scenario

# every line of this one must work: the false-alarm check for the NumPy rules (SciPy and pandas built for NumPy 2)
HEALTHY = Env(name="scipy114-pandas22-numpy21",
              install=(("install", "scipy==1.14.1", "pandas==2.2.3", "numpy==2.1.3"),))
# SciPy 1.11.4's wheel was compiled against NumPy 1.x (import_array of numpy.core only); NumPy 2 forced in
SCIPY111_NP2 = Env(name="scipy111-numpy2", install=(("install", "scipy==1.11.4", "numpy<2"),),
                   breakage=(("force", "numpy==2.1.3"),))
# pandas 2.0.3 (compiled against NumPy 1.x, Cython): ValueError: numpy.dtype size changed
PANDAS20_NP2 = Env(name="pandas20-numpy2", install=(("install", "pandas==2.0.3", "numpy<2"),),
                   breakage=(("force", "numpy==2.1.3"),))
# the other direction: SciPy 1.17.1, built against NumPy 2 (declares numpy>=1.26.4), with NumPy 1.24.4 forced in
SCIPY117_NP124 = Env(name="scipy117-numpy124", install=(("install", "scipy==1.17.1"),),
                     breakage=(("force", "numpy==1.24.4"),))
# class 9: xarray 2023.1.0 declares numpy>=1.20 (no upper bound), so a plain install takes NumPy 2; its
# xarray/core/dtypes.py reads np.unicode_ at module level, a name NumPy 2 removed (its __getattr__ raises)
XARRAY_NP2 = Env(name="xarray202301-numpy21",
                 install=(("install", "xarray==2023.1.0", "pandas==2.2.3", "numpy==2.1.3"),))

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("scipy-pandas-numpy2-healthy", HEALTHY,
             lines=("import numpy", "import scipy", "import scipy.linalg", "from scipy import special",
                    "import pandas", "from pandas import DataFrame"),
             why="scipy 1.14.1 + pandas 2.2.3 + numpy 2.1.3, all built for NumPy 2", classes=("healthy",)),
    Scenario("scipy111-numpy2", SCIPY111_NP2,
             lines=("import numpy", "import scipy", "import scipy.linalg", "from scipy.special import gamma"),
             why="scipy 1.11.4 (built for NumPy 1.x) with numpy 2.1.3 forced in", classes=("c1-numpy-abi", "declared")),
    Scenario("pandas20-numpy2", PANDAS20_NP2,
             lines=("import numpy", "import pandas", "from pandas import DataFrame"),
             why="pandas 2.0.3 (built for NumPy 1.x) with numpy 2.1.3 forced in", classes=("c1-numpy-abi", "declared")),
    Scenario("scipy117-numpy124", SCIPY117_NP124,
             lines=("import numpy", "import scipy", "import scipy.linalg", "from scipy import special"),
             why="scipy 1.17.1 (built for NumPy 2, declares numpy>=1.26.4) with numpy 1.24.4 forced in",
             classes=("c1-numpy-abi", "declared")),
    Scenario("xarray202301-numpy2", XARRAY_NP2,
             lines=("import numpy", "import pandas", "import xarray", "from xarray import DataArray"),
             why="xarray 2023.1.0 reads np.unicode_ at import; numpy 2.1.3 (allowed by its ranges) removed it",
             classes=("c9-import-time-attrs",)),
)
