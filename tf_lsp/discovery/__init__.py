"""Interpreter discovery, split by job; the public API is ``tf_lsp.interpreters``.

- ``layout``: describe one environment from its files (pyvenv.cfg, conda-meta, lib/pythonX.Y), never running it.
- ``records``: what the workspace and the editor wrote down (JSONC settings, pyright config, pyproject, .pdm-python).
- ``tools``: environments tools keep outside the workspace (poetry, pipenv, hatch, conda) and pyenv versions.
- ``activation``: the exact command that activates an environment, per shell.
"""
