"""Which deep-learning framework an environment holds, for the status bar, when no rule pack reports one: the
first of these whose distribution is installed. Distribution names are the ones each project's install page tells people to install
(https://www.tensorflow.org/install/pip, https://keras.io/getting_started/, https://jax.readthedocs.io/en/latest/installation.html,
https://pytorch.org/get-started/locally/)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    name: str                         # "TensorFlow"
    short: str                        # what the status bar shows: "TF"
    distributions: tuple[str, ...]    # any of these installed means this framework


FRAMEWORKS: tuple[Framework, ...] = (
    Framework("Keras", "Keras", ("keras", "keras-nightly")),
    Framework("PyTorch", "PyTorch", ("torch",)),
)
"""Frameworks no rule pack covers yet (TensorFlow and JAX come from their packs' ``summary``, tf_lsp/packs.py,
which the status bar asks first)."""


def find_framework(index) -> dict | None:
    """``{"name", "short", "version", "distribution"}`` of the first framework installed in ``index`` (an
    environment's distribution index), or None."""
    for fw in FRAMEWORKS:
        for dist_name in fw.distributions:
            for dist in index.all(dist_name):
                return {"name": fw.name, "short": fw.short, "version": dist.version, "distribution": dist.display_name}
    return None
