"""Integration scenarios outside TensorFlow: constraints that packages enforce themselves (class 8): JAX and jaxlib, PyTorch and its companions.

Same records as ``scenarios.py`` (``Env``, ``Scenario``); each scenario names its classes (``scenarios.CLASSES``).

JAX comes from uv (jax and jaxlib 0.10.x, a few hundred MB with numpy and scipy). PyTorch comes through pip
(``("pip", ...)`` steps): the CPU build of torch 2.13.0 lies on this machine's disk, where pip looks and uv does
not; any other torch is a CUDA build of several GB, so no scenario asks for one (and no healthy torch + torchvision
pair: the torchvision for this CPU torch is not on the default index). The torchvision wheels used here (about 8 MB
each, on the same disk) are CUDA builds for torch 2.13.0 / 2.14.0, forced in with ``--no-deps``.
"""
from __future__ import annotations

from tests.integration.scenarios import Env, Scenario

_JAX = ("install", "jax==0.10.2", "jaxlib==0.10.2")
JAX010 = Env(name="jax010", install=(_JAX,))
# jax 0.10.2 requires jaxlib>=0.10.1 (jax/version.py _minimum_jaxlib_version); 0.10.0 forced under it
JAX010_OLD_JAXLIB = Env(name="jax010-jaxlib-too-old", install=(_JAX,), breakage=(("force", "jaxlib==0.10.0"),))
# numpy and pillow from uv first, so that pip installs only torch (its CPU build, from this machine's disk)
_TORCH = (("install", "numpy", "pillow"), ("pip", "torch==2.13.0"))
TORCH213 = Env(name="torch213-cpu", install=_TORCH)
# torchvision 0.29.0 pins torch==2.14.0; beside torch 2.13.0 its C++ ops do not load
TORCH213_TV029 = Env(name="torch213-torchvision029", install=_TORCH,
                     breakage=(("pip", "--no-deps", "torchvision==0.29.0"),))
# torchvision 0.28.0 pins torch==2.13.0, which torch 2.13.0+cpu meets; but it is the CUDA build: its _C.so needs
# libc10_cuda.so and libtorch_cuda.so, which the CPU torch does not ship
TORCH213_TV028 = Env(name="torch213-torchvision028", install=_TORCH,
                     breakage=(("pip", "--no-deps", "torchvision==0.28.0"),))

_JAX_LINES = ("import jax", "import jax.numpy as jnp", "from jax import jit", "import numpy")
_USES_JAX = ("write", "model.py", "import jax\n\n\ndef predict(x):\n    return jax.numpy.tanh(x)\n")
_TV_LINES = ("import torch", "import torchvision", "from torchvision import transforms", "import numpy")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("jax010-healthy", JAX010, lines=_JAX_LINES, why="jax and jaxlib 0.10.2", classes=("healthy",)),
    Scenario("jax010-jaxlib-too-old", JAX010_OLD_JAXLIB, workspace=(_USES_JAX,),
             lines=(*_JAX_LINES[:3], "import jaxlib", "import model", "import numpy"),
             why="jaxlib 0.10.0 forced under jax 0.10.2 (which checks jaxlib>=0.10.1 on import); model.py imports jax",
             classes=("c8-enforced-pairs", "declared")),
    Scenario("torch213-healthy", TORCH213, lines=("import torch", "import torch.nn as nn", "from torch import Tensor",
                                                   "import numpy"),
             why="torch 2.13.0 CPU build", classes=("healthy",)),
    Scenario("torchvision-for-other-torch", TORCH213_TV029, lines=_TV_LINES,
             why="torchvision 0.29.0 (pins torch==2.14.0) forced beside torch 2.13.0",
             classes=("c8-enforced-pairs", "declared")),
    Scenario("torchvision-cuda-build-cpu-torch", TORCH213_TV028,
             lines=("import torch", "import torchvision", "from torchvision.ops import nms", "import numpy"),
             why="torchvision 0.28.0 (pins torch==2.13.0; a CUDA build) beside torch 2.13.0+cpu",
             classes=("c8-enforced-pairs", "c7-native-libs")),
)

_NMS = "RuntimeError: operator torchvision::nms does not exist"
_OLD_JAXLIB = "RuntimeError: jaxlib is version 0.10.0, but this version of jax requires version >= 0.10.1"
# what the real imports do (test_ground_truth.py checks the recorded outcomes against it)
EXPECTED: dict[str, dict[str, str]] = {
    "jax010-healthy": {"import jax": "ok", "from jax import jit": "ok"},
    "jax010-jaxlib-too-old": {"import jax": _OLD_JAXLIB, "import model": _OLD_JAXLIB, "import jaxlib": "ok"},
    "torch213-healthy": {"import torch": "ok", "from torch import Tensor": "ok"},
    "torchvision-for-other-torch": {"import torch": "ok", "import torchvision": _NMS},
    "torchvision-cuda-build-cpu-torch": {"import torch": "ok", "import torchvision": _NMS},
}
