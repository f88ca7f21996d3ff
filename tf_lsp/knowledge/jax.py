"""JAX knowledge as data: which wheels are its GPU plugins (what ``import jax`` enforces about jaxlib is a record of
``tf_lsp.knowledge.pairs``).

Read from the jax 0.10.2 wheel (``pip download --no-deps jax==0.10.2``) and the jax-cuda12-plugin 0.10.2 wheel.
"""
from __future__ import annotations

GPU_PLUGIN_PREFIXES = ("jax-cuda12-plugin", "jax-cuda13-plugin", "jax-cuda12-pjrt", "jax-cuda13-pjrt",
                       "jax-rocm7-plugin", "jax-rocm7-pjrt")
"""The GPU plugin distributions of JAX. jax's extras pin them to jax's own version (jax 0.10.2 METADATA:
``jax-cuda12-plugin[with-cuda]<=0.10.2,>=0.10.2; extra == "cuda12"``; the plugin pins
``jax-cuda12-pjrt==0.10.2``). A plugin that fails to load is caught and logged by jax
(jax/_src/xla_bridge.py discover_pjrt_plugins, jax/_src/lib/__init__.py ``except ImportError``), so a mismatch
does not stop ``import jax``: it is a warning, not an error."""
GPU_PLUGIN_SOURCE = "jax 0.10.2 METADATA (extras cuda12/cuda13/rocm7-local) and jax_cuda12_plugin 0.10.2 METADATA"
