"""The hostile-workspace table: each case plants a payload that, if anything runs it, creates one marker file
outside the workspace (issue 13, "How to keep it fixed").

A case is data: its name, a ``plant`` function (writes the payload into a copy of the template workspace), the
settings a careless user would also have (an interpreter pointing into the workspace, an installer), and two
expectations besides "trust off never fires":

- ``trusted``: what the same payload does with ``trustedWorkspace: true``. ``"fires"``: the code path is meant to
  run it (an in-workspace interpreter is probed with ``site``), so the test proves it can see execution;
  ``"never"``: tf-lsp must not run it even when trusted (``setup.py``, ``conftest.py``, the workspace's pip or
  index settings); ``None``: no claim.
- ``cli``: the same for ``python -m tf_lsp check/doctor/envs/verify``, which a person runs on purpose and which
  therefore trusts the folder it is pointed at.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from tests.envfactory import uv_executable


@dataclass(frozen=True)
class Ctx:
    ws: Path            # the workspace (a copy of the template)
    outside: Path       # an environment outside the workspace (a copy of the template's), its python below
    marker: Path        # the file the payload creates; it lives outside the workspace
    tools: Path         # a folder put first on the server's PATH (fake poetry/pipenv, uv)
    base_python: str    # a real interpreter the fake ones hand over to
    preload: Path | None   # a compiled LD_PRELOAD library writing $TFLSP_HOSTILE_MARKER (None: no compiler)

    @property
    def outside_python(self) -> Path:
        return self.outside / "bin" / "python"


@dataclass(frozen=True)
class Case:
    name: str
    plant: Callable[[Ctx], None]
    settings: Callable[[Ctx], dict] = lambda ctx: {}
    trusted: str | None = None        # "fires" | "never" | None
    cli: str | None = None            # "fires" | "never" | None
    notebook: bool = False               # open ws/nb.ipynb as a notebook document
    virtual: bool = False                # open ws/.virtual_documents/nb.ipynb (jupyterlab-lsp's shadow file)
    needs: tuple[str, ...] = field(default=())   # "preload", "uv"
    installs: bool = False               # drive every install-like command and install action (each starts pip/uv)


# --- payloads -------------------------------------------------------------------------------------------------

def py(ctx: Ctx) -> str:
    return f"open({str(ctx.marker)!r}, 'a').close()\n"


def write(path: Path, text: str, mode: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)
    return path


def fake_python(ctx: Ctx, path: Path) -> Path:
    """An executable named python that marks, then behaves as a real interpreter (so a probe still answers)."""
    return write(path, f"#!/bin/sh\ntouch {ctx.marker}\nexec {ctx.base_python} \"$@\"\n", 0o755)


def fake_env(ctx: Ctx, prefix: Path) -> Path:
    """A folder that looks like a venv (pyvenv.cfg, lib/pythonX.Y/site-packages) whose python is a marking script."""
    cfg = (ctx.ws / ".venv" / "pyvenv.cfg").read_text() if (ctx.ws / ".venv" / "pyvenv.cfg").exists() \
        else (ctx.outside / "pyvenv.cfg").read_text()
    write(prefix / "pyvenv.cfg", cfg)
    (site,) = (ctx.outside / "lib").glob("python3*/site-packages")
    (prefix / "lib" / site.parent.name / "site-packages").mkdir(parents=True, exist_ok=True)
    for name in ("python", "python3", site.parent.name):
        fake_python(ctx, prefix / "bin" / name)
    return prefix / "bin" / "python"


def sdist(ctx: Ctx, folder: Path, name: str = "numpy", version: str = "99.0") -> Path:
    """A source distribution whose in-tree build backend marks: pip/uv run it as soon as they pick the file."""
    base = f"{name}-{version}"
    files = {
        f"{base}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{base}/pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "evil_backend"\nbackend-path = ["."]\n',
        f"{base}/evil_backend.py": py(ctx) + "def get_requires_for_build_wheel(config_settings=None):\n    return []\n",
    }
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{base}.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for arcname, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(arcname)
            info.size = len(data)
            tar.addfile(info, BytesIO(data))
    return out


def dotenv(ctx: Ctx, **values: str) -> None:
    lines = [f"{k}={v}" for k, v in values.items()]
    write(ctx.ws / ".env", "\n".join(lines) + "\n")


def site_packages(prefix: Path) -> Path:
    (sp,) = (prefix / "lib").glob("python3*/site-packages")
    return sp


def use_outside(ctx: Ctx) -> dict:
    return {"interpreter": str(ctx.outside_python)}


def uv_managed(ctx: Ctx) -> None:
    """Make the outside environment look uv-made (``uv = ...`` in pyvenv.cfg) and put uv on the server's PATH."""
    cfg = ctx.outside / "pyvenv.cfg"
    cfg.write_text(cfg.read_text() + "uv = 0.4.0\n")
    (ctx.tools / "uv").symlink_to(uv_executable())


def notebook(ctx: Ctx, kernel: str, argv0: str) -> None:
    write(ctx.ws / "share" / "jupyter" / "kernels" / kernel / "kernel.json",
          json.dumps({"argv": [argv0, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "language": "python"}))
    write(ctx.ws / "nb.ipynb", json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                                      "execution_count": None, "source": "import numpy\n"}],
                                           "metadata": {"kernelspec": {"name": kernel, "display_name": kernel}},
                                           "nbformat": 4, "nbformat_minor": 5}))
    dotenv(ctx, JUPYTER_PATH=str(ctx.ws / "share" / "jupyter"))


# --- plants ---------------------------------------------------------------------------------------------------

def env_pythonpath(ctx):
    write(ctx.ws / "evil" / "sitecustomize.py", py(ctx))
    dotenv(ctx, PYTHONPATH=str(ctx.ws / "evil"))


def env_startup(ctx):
    write(ctx.ws / "evil" / "startup.py", py(ctx))
    dotenv(ctx, PYTHONSTARTUP=str(ctx.ws / "evil" / "startup.py"), PYTHONINSPECT="1")


def env_home(ctx):
    (site,) = (ctx.outside / "lib").glob("python3*")
    write(ctx.ws / "evilhome" / "lib" / site.name / "encodings" / "__init__.py", py(ctx))
    dotenv(ctx, PYTHONHOME=str(ctx.ws / "evilhome"))


def env_installer(ctx):
    sdist(ctx, ctx.ws / "dists")
    write(ctx.ws / "evil-pip.conf", f"[global]\nno-index = true\nfind-links = {ctx.ws / 'dists'}\n")
    write(ctx.ws / "evil-uv.toml", f'[pip]\nno-index = true\nfind-links = ["{ctx.ws / "dists"}"]\n')
    dotenv(ctx, PIP_FIND_LINKS=str(ctx.ws / "dists"), PIP_NO_INDEX="1", PIP_CONFIG_FILE=str(ctx.ws / "evil-pip.conf"),
           PIP_INDEX_URL=(ctx.ws / "dists").as_uri(), UV_FIND_LINKS=str(ctx.ws / "dists"), UV_NO_INDEX="1",
           UV_CONFIG_FILE=str(ctx.ws / "evil-uv.toml"), UV_INDEX_URL=(ctx.ws / "dists").as_uri())


def env_installer_uv(ctx):
    env_installer(ctx)
    uv_managed(ctx)


def env_preload(ctx):
    shutil.copy(ctx.preload, ctx.ws / "evil.so")
    dotenv(ctx, LD_PRELOAD=str(ctx.ws / "evil.so"), TFLSP_HOSTILE_MARKER=str(ctx.marker))


def vscode_default_interpreter(ctx):
    fake_env(ctx, ctx.ws / "evilpy")
    write(ctx.ws / ".vscode" / "settings.json",
          '{\n  // the workspace names its interpreter\n  "python.defaultInterpreterPath": "${workspaceFolder}/evilpy/bin/python",\n}\n')


def vscode_tflsp_interpreter(ctx):
    fake_env(ctx, ctx.ws / "evilpy")
    write(ctx.ws / ".vscode" / "settings.json", json.dumps({"tfLsp.interpreter": str(ctx.ws / "evilpy" / "bin" / "python")}))


def pyproject_uv(ctx):
    sdist(ctx, ctx.ws / "dists")
    write(ctx.ws / "pyproject.toml", '[project]\nname = "ws"\nversion = "0"\ndependencies = ["numpy"]\n\n'
          '[tool.uv]\nno-index = true\nfind-links = ["./dists"]\n\n'
          '[tool.uv.pip]\nno-index = true\nfind-links = ["./dists"]\n')
    uv_managed(ctx)


def pyproject_poetry(ctx):
    write(ctx.ws / "pyproject.toml", '[tool.poetry]\nname = "ws"\nversion = "0"\n\n[tool.poetry.dependencies]\n'
          'python = "^3.8"\nnumpy = "*"\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n')
    write(ctx.ws / "poetry.lock", "# poetry lock\n")
    fake_tool(ctx, "poetry")


def pipfile(ctx):
    write(ctx.ws / "Pipfile", '[packages]\nnumpy = "*"\n')
    write(ctx.ws / "Pipfile.lock", "{}\n")
    fake_tool(ctx, "pipenv")


def fake_tool(ctx, name):
    write(ctx.tools / name, f"#!/bin/sh\ntouch {ctx.marker}\nexit 1\n", 0o755)


def pyproject_pdm(ctx):
    shutil.rmtree(ctx.ws / ".venv")
    fake_env(ctx, ctx.ws / "pdmenv")
    write(ctx.ws / "pyproject.toml", '[project]\nname = "ws"\nversion = "0"\ndependencies = ["numpy"]\n\n'
          '[tool.pdm]\ndistribution = false\n')
    write(ctx.ws / ".pdm-python", str(ctx.ws / "pdmenv" / "bin" / "python") + "\n")
    write(ctx.ws / "pdm.lock", "# pdm lock\n")


def pyproject_pyright(ctx):
    fake_env(ctx, ctx.ws / "envs" / "evil")
    write(ctx.ws / "pyproject.toml", '[project]\nname = "ws"\nversion = "0"\ndependencies = ["numpy"]\n\n'
          '[tool.pyright]\nvenvPath = "envs"\nvenv = "evil"\n')


def workspace_installer_configs(ctx):
    dists = ctx.ws / "dists"
    sdist(ctx, dists)
    conf = f"[global]\nno-index = true\nfind-links = {dists}\n"
    for rel in ("pip.conf", "pip.ini", ".pip/pip.conf", ".config/pip/pip.conf", "pip/pip.conf"):
        write(ctx.ws / rel, conf)
    write(ctx.ws / "uv.toml", f'[pip]\nno-index = true\nfind-links = ["{dists}"]\n')
    write(ctx.ws / ".condarc", f"channels:\n  - {dists.as_uri()}\n")


def conda_installer(ctx):
    """A conda that marks whenever it runs, and conda settings in the workspace and in the environment's prefix
    (conda reads ``$CONDA_PREFIX/.condarc``): with trust off no conda process may start at all."""
    fake_tool(ctx, "conda")
    dists = ctx.ws / "dists"
    sdist(ctx, dists)
    for folder in (ctx.ws, ctx.outside):
        write(folder / ".condarc", f"channels:\n  - {dists.as_uri()}\n")


def conda_installer_settings(ctx) -> dict:
    return {"interpreter": str(ctx.outside_python), "installer": "conda"}


def conda_env_in_workspace(ctx):
    """A conda environment inside the workspace (conda-meta, a .condarc in its prefix, a marking python)."""
    conda_installer(ctx)
    fake_env(ctx, ctx.ws / "condaenv")
    (ctx.ws / "condaenv" / "conda-meta").mkdir(exist_ok=True)
    write(ctx.ws / "condaenv" / ".condarc", f"channels:\n  - {(ctx.ws / 'dists').as_uri()}\n")


def conda_env_settings(ctx) -> dict:
    return {"interpreter": str(ctx.ws / "condaenv" / "bin" / "python"), "installer": "conda"}


def workspace_uv_toml(ctx):
    workspace_installer_configs(ctx)
    uv_managed(ctx)


def planted_pip(ctx):
    for base in (ctx.ws, ctx.ws / "src"):
        write(base / "pip" / "__init__.py", py(ctx))
        write(base / "pip" / "__main__.py", py(ctx))
        write(base / "pip" / "_internal" / "__init__.py", py(ctx))
    write(ctx.ws / ".env", f"PYTHONPATH={ctx.ws / 'src'}\n")


def customize_root(ctx):
    write(ctx.ws / "sitecustomize.py", py(ctx))
    write(ctx.ws / "usercustomize.py", py(ctx))


def customize_src(ctx):
    write(ctx.ws / "src" / "sitecustomize.py", py(ctx))
    write(ctx.ws / "src" / "usercustomize.py", py(ctx))
    write(ctx.ws / "src" / "ws_pkg" / "__init__.py", "")


def venv_pth(ctx):
    write(site_packages(ctx.ws / ".venv") / "zz_evil.pth", "import os; " + py(ctx))


def venv_script(ctx):
    (site,) = (ctx.ws / ".venv" / "lib").glob("python3*")
    for name in ("python", "python3", site.name):
        fake_python(ctx, ctx.ws / ".venv" / "bin" / name)


def python_version_abs(ctx):
    shutil.rmtree(ctx.ws / ".venv")
    fake_env(ctx, ctx.ws / "pyver")
    write(ctx.ws / ".python-version", str(ctx.ws / "pyver") + "\n")


def python_version_traversal(ctx):
    shutil.rmtree(ctx.ws / ".venv")
    fake_env(ctx, ctx.ws / "pyver")
    write(ctx.ws / ".python-version", "../../../../../../../../../../.." + str(ctx.ws / "pyver") + "\n")


def symlinked_interpreter(ctx):
    target = fake_env(ctx, ctx.ws / "evilpy")
    link = ctx.outside.parent / "linked-env"
    (link / "bin").mkdir(parents=True)
    (link / "pyvenv.cfg").write_text((ctx.outside / "pyvenv.cfg").read_text())
    (link / "bin" / "python").symlink_to(target)


def symlinked_settings(ctx):
    return {"interpreter": str(ctx.outside.parent / "linked-env" / "bin" / "python")}


def conftest(ctx):
    write(ctx.ws / "conftest.py", py(ctx))
    write(ctx.ws / "tests" / "conftest.py", py(ctx))
    write(ctx.ws / "tests" / "test_x.py", "import numpy\n")


def setup_py(ctx):
    write(ctx.ws / "setup.py", py(ctx) + "from setuptools import setup\nsetup(name='ws', install_requires=['numpy'])\n")
    write(ctx.ws / "setup.cfg", "[metadata]\nname = ws\n[options]\ninstall_requires =\n    numpy\n")
    (ctx.ws / "pyproject.toml").unlink()


def kernel_in_workspace(ctx):
    notebook(ctx, "evil", str(fake_env(ctx, ctx.ws / "kenv")))


def kernel_bare_name(ctx):
    """``argv: ["python", ...]`` in ``<ws>/share/jupyter/kernels``: Jupyter's prefix is then the workspace itself."""
    fake_python(ctx, ctx.ws / "bin" / "python")
    notebook(ctx, "evil", "python")


def kernel_symlink(ctx):
    symlinked_interpreter(ctx)
    notebook(ctx, "evil", str(ctx.outside.parent / "linked-env" / "bin" / "python"))


def virtual_document(ctx):
    kernel_in_workspace(ctx)
    write(ctx.ws / ".virtual_documents" / "nb.ipynb", "import numpy\nimport os\n")


def notebook_setting(ctx):
    """A notebook on a kernel of no one's machine, and the notebookInterpreters setting naming a marking script in
    the workspace for it (a careless user's, or a workspace settings file some editor honours)."""
    fake_env(ctx, ctx.ws / "kenv")
    write(ctx.ws / "nb.ipynb", json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                                      "execution_count": None, "source": "import numpy\n"}],
                                           "metadata": {"kernelspec": {"name": "python3"}},
                                           "nbformat": 4, "nbformat_minor": 5}))
    write(ctx.ws / ".virtual_documents" / "nb.ipynb", "import numpy\nimport os\n")


def dotenv_activation(ctx):
    fake_env(ctx, ctx.ws / "actenv")
    (ctx.ws / ".venv" / "pyvenv.cfg").unlink()
    dotenv(ctx, VIRTUAL_ENV=str(ctx.ws / "actenv"), CONDA_PREFIX=str(ctx.ws / "actenv"),
           PATH=f"{ctx.ws / 'actenv' / 'bin'}:/usr/bin:/bin", PYENV_VERSION=str(ctx.ws / "actenv"))


CASES = [
    Case("dotenv-pythonpath-sitecustomize", env_pythonpath, trusted="fires", cli="fires"),
    Case("dotenv-pythonstartup-inspect", env_startup, trusted="never", cli="never"),
    Case("dotenv-pythonhome", env_home, trusted="never", cli="never"),     # dropped from every probe
    Case("dotenv-pip-uv-index-and-config", env_installer, use_outside, trusted="never", installs=True),
    Case("dotenv-uv-index-uv-managed-env", env_installer_uv, use_outside, trusted="never", needs=("uv",), installs=True),
    Case("dotenv-ld-preload", env_preload, trusted="fires", cli="fires", needs=("preload",)),
    Case("dotenv-activation-variables", dotenv_activation),
    Case("vscode-default-interpreter-path", vscode_default_interpreter, trusted="fires", cli="fires"),
    Case("vscode-tflsp-interpreter-setting", vscode_tflsp_interpreter,
         lambda ctx: {"interpreter": str(ctx.ws / "evilpy" / "bin" / "python")}, trusted="fires"),
    Case("pyproject-tool-uv-and-uv-pip", pyproject_uv, use_outside, trusted="never", needs=("uv",), installs=True),
    Case("pyproject-tool-poetry-installer-poetry", pyproject_poetry, lambda ctx: {"installer": "poetry"},
         trusted="fires", cli="never", installs=True),
    Case("pipfile-installer-pipenv", pipfile, lambda ctx: {"installer": "pipenv"}, trusted="fires", cli="never", installs=True),
    Case("pyproject-tool-pdm-pdm-python", pyproject_pdm, trusted="fires", cli="fires"),
    Case("pyproject-tool-pyright-venvpath", pyproject_pyright, trusted="fires", cli="fires"),
    Case("workspace-pip-conf-pip-ini-uv-toml-condarc", workspace_installer_configs, use_outside, trusted="never",
         cli="never", installs=True),
    Case("workspace-uv-toml-uv-managed-env", workspace_uv_toml, use_outside, trusted="never", cli="never",
         needs=("uv",), installs=True),
    Case("planted-pip-package", planted_pip, use_outside, trusted="never", cli="never", installs=True),
    # conda runs only when the user picked it and trusts the workspace (then it is meant to run: the control)
    Case("installer-conda-condarc-in-workspace-and-prefix", conda_installer, conda_installer_settings,
         trusted="fires", cli="never", installs=True),
    Case("conda-env-in-workspace-condarc-in-its-prefix", conda_env_in_workspace, conda_env_settings,
         trusted="fires", installs=True),
    Case("sitecustomize-usercustomize-root", customize_root),
    Case("sitecustomize-usercustomize-src", customize_src),
    Case("venv-pth-import-line", venv_pth, trusted="fires", cli="fires"),
    Case("venv-python-is-a-shell-script", venv_script, trusted="fires", cli="fires"),
    Case("python-version-absolute-workspace-path", python_version_abs),
    Case("python-version-path-traversal", python_version_traversal),
    Case("outside-interpreter-symlinked-into-workspace", symlinked_interpreter, symlinked_settings, trusted="fires",
         cli=None),
    Case("conftest-py", conftest, trusted="never", cli="never"),
    Case("setup-py-and-setup-cfg", setup_py, trusted="never", cli="never"),
    Case("notebook-kernelspec-workspace-script", kernel_in_workspace, trusted="fires", cli="fires", notebook=True),
    Case("notebook-kernelspec-bare-python-workspace-prefix", kernel_bare_name, trusted="fires", cli="fires",
         notebook=True),
    Case("notebook-kernelspec-symlink-into-workspace", kernel_symlink, trusted="fires", cli="fires", notebook=True),
    Case("jupyterlab-virtual-document", virtual_document, trusted="fires", virtual=True),
    Case("notebook-interpreters-setting-workspace-script", notebook_setting,
         lambda ctx: {"notebookInterpreters": {"*.ipynb": str(ctx.ws / "kenv")}}, trusted="fires", notebook=True,
         virtual=True),
]


def compile_preload(folder: Path) -> Path | None:
    """A shared library whose constructor creates the file named by $TFLSP_HOSTILE_MARKER (None without a C compiler)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    src = write(folder / "evil.c", '#include <stdio.h>\n#include <stdlib.h>\n__attribute__((constructor)) static void '
                "mark(void) { const char *p = getenv(\"TFLSP_HOSTILE_MARKER\"); if (p) { FILE *f = fopen(p, \"a\"); "
                "if (f) fclose(f); } }\n")
    out = folder / "evil.so"
    done = subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(src)], capture_output=True, check=False)
    return out if done.returncode == 0 and out.exists() else None


def available(case: Case, ctx_preload: Path | None) -> str | None:
    """Why the case cannot run on this machine (None: it can)."""
    if "preload" in case.needs and ctx_preload is None:
        return "no C compiler for the LD_PRELOAD library"
    if "uv" in case.needs and uv_executable() is None:
        return "uv is not installed"
    return None


__all__ = ["CASES", "Case", "Ctx", "available", "compile_preload"]
