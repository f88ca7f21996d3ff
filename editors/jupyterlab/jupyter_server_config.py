# tf-lsp for JupyterLab 4 with jupyterlab-lsp 5 (jupyter-lsp 2): a language server entry for Python.
#
# Install: copy this file into your Jupyter config folder (`jupyter --config-dir`, usually ~/.jupyter/) as
# jupyter_server_config.py, or add its lines to the one you have, or start JupyterLab with
# `jupyter lab --config=/path/to/this/jupyter_server_config.py`. It needs `pip install jupyterlab-lsp` in the
# environment JupyterLab runs from, and tf-lsp on PATH (or TF_LSP_COMMAND, below).
#
# What it does:
# - starts `tf-lsp serve` for Python notebooks, consoles and .py files (jupyterlab-lsp keys: argv, languages,
#   version, display_name, mime_types; see jupyter-lsp's schema/schema.json);
# - checks against the interpreter of JupyterLab's default kernel, as JupyterLab itself resolves it
#   (`--python`): the python3 kernel of ipykernel is the interpreter JupyterLab runs with, and a kernelspec whose
#   argv[0] is `python` runs with it too. A project `.venv` is not what a notebook runs in; the kernel is.
#   A notebook on another kernel is checked with that kernel's interpreter: tf-lsp reads the saved notebook's
#   metadata.kernelspec.name and finds that kernelspec in the Jupyter data folders it inherits from JupyterLab
#   (JUPYTER_PATH, JUPYTER_DATA_DIR, ~/.local/share/jupyter, this interpreter's share/jupyter ...).
# - jupyterlab-lsp sends a notebook as one Python document, its code cells joined, under
#   `<root>/.virtual_documents/` (`LanguageServerManager.virtual_documents_dir`); tf-lsp checks it as the notebook
#   in its real folder, so `import helpers` finds the helpers.py next to the notebook as the kernel would.
#
# Environment variables read here (all optional):
#   TF_LSP_COMMAND  the command that starts tf-lsp, split like a shell would (default: `tf-lsp`), e.g.
#                   "~/.venvs/tools/bin/tf-lsp" or "/usr/bin/python3 -m tf_lsp"
#   TF_LSP_PYTHON   the interpreter to check against instead of the default kernel's
import os
import shlex
import shutil
import sys

c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)


def _default_kernel_python(config) -> str:
    """The interpreter JupyterLab's default kernel runs with, resolved the way jupyter_client resolves it."""
    name = "python3"
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        name = config.MultiKernelManager.get("default_kernel_name", name)
        argv = KernelSpecManager().get_kernel_spec(name).argv
        exe = argv[0] if argv else ""
    except Exception:            # no such kernel, no jupyter_client: the server's interpreter, as ipykernel's would be
        exe = "python"
    if exe in ("python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]):
        return sys.executable    # jupyter_client runs these names with its own interpreter
    return shutil.which(exe) or exe


_command = shlex.split(os.path.expanduser(os.environ.get("TF_LSP_COMMAND", "tf-lsp")))
_python = os.environ.get("TF_LSP_PYTHON") or _default_kernel_python(c)

c.LanguageServerManager.language_servers = {
    **c.LanguageServerManager.get("language_servers", {}),
    "tf-lsp": {
        "display_name": "tf-lsp",
        "version": 2,
        "argv": [*_command, "serve", "--python", _python],
        "languages": ["python"],
        "mime_types": ["text/python", "text/x-python", "text/x-ipython"],
        "urls": {"home": "https://github.com/tf-lsp/tf-lsp"},
    },
}
