"""Integration scenarios outside TensorFlow: binary compatibility with NumPy (class 1) and attribute uses across packages at import time (class 9), on SciPy, pandas and other NumPy consumers.

Same records as ``scenarios.py`` (``Env``, ``Scenario``); each scenario names its classes (``scenarios.CLASSES``).
"""
from __future__ import annotations

SCENARIOS: tuple = ()
