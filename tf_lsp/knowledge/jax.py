"""JAX knowledge as data: what ``import jax`` enforces about jaxlib, and which wheels are its GPU plugins.

Read from the jax 0.10.2 wheel (``pip download --no-deps jax==0.10.2``) and the jax-cuda12-plugin 0.10.2 wheel.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VersionGate:
    """A version rule a package checks itself while it is imported, so breaking it makes the import fail."""

    package: str            # the importing distribution
    companion: str          # the distribution it checks
    minimum_from: str       # module file (relative to the package folder) and the variable holding the minimum
    minimum_variable: str
    upper: str              # "package-version": the companion may not be newer than the package itself
    message_too_old: str
    message_too_new: str
    source: str


JAXLIB_GATE = VersionGate(
    package="jax", companion="jaxlib",
    minimum_from="version.py", minimum_variable="_minimum_jaxlib_version",
    upper="package-version",
    message_too_old="jaxlib is version {companion}, but this version of jax requires version >= {minimum}.",
    message_too_new=("jaxlib version {companion} is newer than and incompatible with jax version {package}. "
                     "Please update your jax and/or jaxlib packages."),
    source=("jax 0.10.2 wheel: jax/_src/lib/__init__.py check_jaxlib_version() raises RuntimeError when jaxlib is "
            "older than jax.version._minimum_jaxlib_version or newer than jax itself; it runs on `import jax`"),
)
"""Versions compare by their leading dotted numbers, as check_jaxlib_version does (0.10.2rc1 -> (0, 10, 2))."""

JAX_VERSION_VARIABLE = "_version"
"""jax/version.py holds the release as ``_version = "0.10.2"`` (jax 0.10.2 wheel)."""

GPU_PLUGIN_PREFIXES = ("jax-cuda12-plugin", "jax-cuda13-plugin", "jax-cuda12-pjrt", "jax-cuda13-pjrt",
                       "jax-rocm7-plugin", "jax-rocm7-pjrt")
"""The GPU plugin distributions of JAX. jax's extras pin them to jax's own version (jax 0.10.2 METADATA:
``jax-cuda12-plugin[with-cuda]<=0.10.2,>=0.10.2; extra == "cuda12"``; the plugin pins
``jax-cuda12-pjrt==0.10.2``). A plugin that fails to load is caught and logged by jax
(jax/_src/xla_bridge.py discover_pjrt_plugins, jax/_src/lib/__init__.py ``except ImportError``), so a mismatch
does not stop ``import jax``: it is a warning, not an error."""
GPU_PLUGIN_SOURCE = "jax 0.10.2 METADATA (extras cuda12/cuda13/rocm7-local) and jax_cuda12_plugin 0.10.2 METADATA"
