"""Integration scenarios outside TensorFlow: leftover partial trees (class 5), native libraries (class 7) and lazy loaders (class 4), outside TensorFlow.

Same records as ``scenarios.py`` (``Env``, ``Scenario``); each scenario names its classes (``scenarios.CLASSES``).
"""
from __future__ import annotations

SCENARIOS: tuple = ()
