"""Integration scenarios outside TensorFlow: constraints that packages enforce themselves (class 8): JAX and jaxlib, PyTorch and its companions.

Same records as ``scenarios.py`` (``Env``, ``Scenario``); each scenario names its classes (``scenarios.CLASSES``).
"""
from __future__ import annotations

SCENARIOS: tuple = ()
