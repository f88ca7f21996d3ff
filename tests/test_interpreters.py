"""Interpreter discovery against real environments: made by venv, virtualenv, uv, poetry and pipenv themselves,
pyenv's installed Pythons, and the exact on-disk layout of conda and pixi environments."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import envfactory as ef
from tf_lsp.discovery.records import strip_jsonc
from tf_lsp.interpreters import (activation_commands, candidate_for, discover_environments, discover_interpreter,
                                 probe_version)

PY310, PY311, PY312, PY313 = (ef.pyenv_python(m) for m in ("3.10", "3.11", "3.12", "3.13"))
needs_pyenv = pytest.mark.skipif(not (ef.PYENV_ROOT / "versions").is_dir(), reason=f"no pyenv Pythons in {ef.PYENV_ROOT}")


def environ(tmp: Path, **extra: str) -> dict[str, str]:
    """A process environment with nothing activated and nothing on PATH (tests add what they need)."""
    (tmp / "home").mkdir(exist_ok=True)
    (tmp / "emptybin").mkdir(exist_ok=True)
    env = {"HOME": str(tmp / "home"), "PATH": str(tmp / "emptybin"), "PYENV_ROOT": str(tmp / "no-pyenv")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> dict[str, Path]:
    """Environments outside every workspace, shared by the module: one per creating tool."""
    base = tmp_path_factory.mktemp("outside")
    return {
        "venv": ef.make_venv(base / "venv312", python=ef.any_python("3.12", "3.11")),
        "virtualenv": ef.make_virtualenv(base / "virtualenv310", python=ef.any_python("3.10", "3.11")),
        "uv": ef.make_uv_venv(base / "uv313", python=ef.any_python("3.13", "3.11"), cache=base / "uvcache"),
    }


@pytest.fixture
def ws(tmp_path) -> Path:
    root = tmp_path / "work space"
    root.mkdir()
    return root


# --- one environment, described from its files --------------------------------------------------------------------

def test_each_tool_layout_gives_kind_and_exact_version(outside):
    for kind, prefix in outside.items():
        cand = candidate_for(prefix)
        real = probe_version(cand.python)
        assert (cand.kind, cand.version) == (kind, real), prefix
        assert cand.python == prefix / "bin" / "python" and cand.prefix == prefix
        assert candidate_for(prefix / "bin" / "python") == cand          # interpreter path or folder: same record


@needs_pyenv
def test_pyenv_pythons_are_described_statically(tmp_path):
    for minor in ("3.9", "3.10", "3.11", "3.12", "3.13"):
        exe = ef.pyenv_python(minor)
        if exe is None:
            continue
        cand = candidate_for(exe)
        assert cand.kind == "pyenv" and cand.version == probe_version(exe), exe
        assert cand.prefix == exe.parent.parent


def test_conda_layout_version_from_conda_meta(tmp_path):
    prefix = ef.make_conda_prefix(tmp_path / "envs" / "tf", python=ef.any_python("3.11"), version="3.11.7")
    cand = candidate_for(prefix)
    assert (cand.kind, cand.version, cand.python) == ("conda", "3.11.7", prefix / "bin" / "python")
    assert probe_version(cand.python) is not None                       # the symlinked interpreter really runs


def test_broken_envs_are_not_candidates(ws):
    broken = ws / ".venv"
    broken.mkdir()
    (broken / "pyvenv.cfg").write_text("home = /nowhere/bin\nversion = 3.11.7\n")
    assert candidate_for(broken) is None
    dangling = ws / "venv"
    (dangling / "bin").mkdir(parents=True)
    (dangling / "pyvenv.cfg").write_text("home = /gone/bin\nversion = 3.12.0\n")
    (dangling / "bin" / "python").symlink_to("/gone/bin/python3.12")
    assert candidate_for(dangling) is None
    assert candidate_for(ws / "missing") is None
    assert discover_environments(ws, environ=environ(ws.parent)) == []


# --- precedence -----------------------------------------------------------------------------------------------------

def test_workspace_venv_is_chosen_and_why_says_so(ws):
    ef.make_venv(ws / ".venv")
    choice = discover_interpreter(ws, environ=environ(ws.parent))
    assert choice.source == "workspace-env" and choice.python == ws / ".venv" / "bin" / "python"
    assert choice.why.startswith("./.venv: the virtual environment inside the workspace (found .venv/pyvenv.cfg)")
    assert "no interpreter was set explicitly or in the editor's settings" in choice.why
    assert choice.candidate.in_workspace and choice.candidate.kind == "venv"


def test_workspace_env_names_in_order_and_any_child_with_pyvenv_cfg(ws, outside):
    ef.make_venv(ws / "zzz-custom")
    assert discover_interpreter(ws, environ=environ(ws.parent)).python == ws / "zzz-custom" / "bin" / "python"
    ef.make_venv(ws / "env")
    assert discover_interpreter(ws, environ=environ(ws.parent)).python == ws / "env" / "bin" / "python"
    ef.make_virtualenv(ws / "venv")
    choice = discover_interpreter(ws, environ=environ(ws.parent))
    assert choice.python == ws / "venv" / "bin" / "python" and choice.candidate.kind == "virtualenv"
    # the activated one among several workspace environments comes first
    choice = discover_interpreter(ws, environ=environ(ws.parent, VIRTUAL_ENV=str(ws / "env")))
    assert choice.python == ws / "env" / "bin" / "python" and "activated one (VIRTUAL_ENV)" in choice.why


def test_workspace_env_beats_activated_env_elsewhere_which_beats_python_version(ws, outside):
    (ws / ".python-version").write_text("3.11\n")
    env = environ(ws.parent, VIRTUAL_ENV=str(outside["uv"]), PYENV_ROOT=str(ef.PYENV_ROOT))
    choice = discover_interpreter(ws, environ=env)
    assert choice.source == "virtual-env" and choice.python == outside["uv"] / "bin" / "python"
    assert "the workspace holds no usable environment" in choice.why
    ef.make_venv(ws / ".venv")
    assert discover_interpreter(ws, environ=env).source == "workspace-env"


def test_explicit_interpreter_folder_relative_and_command(ws, outside):
    ef.make_venv(ws / ".venv")
    env = environ(ws.parent)
    by_exe = discover_interpreter(ws, explicit=str(outside["virtualenv"] / "bin" / "python"), environ=env)
    by_dir = discover_interpreter(ws, explicit=str(outside["virtualenv"]), environ=env, explicit_source="flag")
    assert by_exe.python == by_dir.python == outside["virtualenv"] / "bin" / "python"
    assert by_exe.source == "setting" and by_dir.source == "flag" and "--python" in by_dir.why
    assert by_dir.candidate.version == probe_version(by_dir.python)
    rel = discover_interpreter(ws, explicit="./.venv", environ=env)
    assert rel.python == ws / ".venv" / "bin" / "python"
    var = discover_interpreter(ws, explicit="${workspaceFolder}/.venv/bin/python", environ=env)
    assert var.python == ws / ".venv" / "bin" / "python"
    pathbin = ws.parent / "pathbin"
    pathbin.mkdir()
    (pathbin / "python3.99").symlink_to(outside["uv"] / "bin" / "python")
    cmd = discover_interpreter(ws, explicit="python3.99", environ=environ(ws.parent, PATH=str(pathbin)))
    assert cmd.python == pathbin / "python3.99" and "found on PATH" in cmd.why


def test_missing_or_broken_explicit_is_kept_and_explained(ws):
    ef.make_venv(ws / ".venv")
    missing = discover_interpreter(ws, explicit=str(ws.parent / "nope" / "bin" / "python"), environ=environ(ws.parent))
    assert missing.source == "setting" and missing.python == ws.parent / "nope" / "bin" / "python"
    assert missing.candidate is None and "does not exist" in missing.why
    home = discover_interpreter(ws, explicit="~/envs/gone", environ=environ(ws.parent))
    assert home.python == ws.parent / "home" / "envs" / "gone" and "does not exist" in home.why
    broken = ws.parent / "broken"
    broken.mkdir()
    (broken / "pyvenv.cfg").write_text("home = /x\nversion = 3.11.1\n")
    choice = discover_interpreter(ws, explicit=str(broken), environ=environ(ws.parent))
    assert choice.candidate is None and "broken" in choice.why and "no bin/python" in choice.why
    text = ws.parent / "notes.txt"
    text.write_text("not a program")
    choice = discover_interpreter(ws, explicit=str(text), environ=environ(ws.parent))
    assert choice.python == text and "not an executable file" in choice.why
    wrapper = ws.parent / "wrapper"                     # an executable we cannot read: honoured, and said so
    wrapper.write_text(f"#!/bin/sh\nexec {ef.any_python('3.11')} \"$@\"\n")
    wrapper.chmod(0o755)
    choice = discover_interpreter(ws, explicit=str(wrapper), environ=environ(ws.parent))
    assert choice.python == wrapper and choice.candidate is None and "do not say which Python" in choice.why


def test_broken_workspace_venv_is_skipped_and_named(ws, outside):
    (ws / ".venv").mkdir()
    (ws / ".venv" / "pyvenv.cfg").write_text("home = /x\nversion = 3.11.1\n")
    choice = discover_interpreter(ws, environ=environ(ws.parent, VIRTUAL_ENV=str(outside["venv"])))
    assert choice.source == "virtual-env"
    assert "skipped ./.venv because it is broken: it has pyvenv.cfg but no bin/python" in choice.why


def test_vscode_settings_jsonc_beat_workspace_env(ws, outside):
    ef.make_venv(ws / ".venv")
    ef.make_venv(ws / "other")
    (ws / ".vscode").mkdir()
    (ws / ".vscode" / "settings.json").write_text("""{
        // the team's interpreter
        "editor.rulers": [100, 120,],   /* trailing commas are fine in JSONC */
        "python.defaultInterpreterPath": "${workspaceFolder}/other/bin/python",
        "url": "http://example.invalid/*not a comment*/",
    }""")
    choice = discover_interpreter(ws, environ=environ(ws.parent))
    assert choice.source == "vscode-settings" and choice.python == ws / "other" / "bin" / "python"
    assert "python.defaultInterpreterPath" in choice.why and "no interpreter was set explicitly" in choice.why
    # the extension's default value "python" means "not set"
    (ws / ".vscode" / "settings.json").write_text('{"python.defaultInterpreterPath": "python"}')
    assert discover_interpreter(ws, environ=environ(ws.parent)).source == "workspace-env"


def test_pyright_config_then_pyproject(ws, outside):
    ef.make_venv(ws / ".venv")
    envs = outside["venv"].parent
    (ws / "pyproject.toml").write_text(f'[project]\nname = "x"\n[tool.pyright]\nvenvPath = "{envs}"\nvenv = "uv313"\n')
    choice = discover_interpreter(ws, environ=environ(ws.parent))
    assert (choice.source, choice.python) == ("pyrightconfig", outside["uv"] / "bin" / "python")
    assert "[tool.pyright]" in choice.why
    (ws / "pyrightconfig.json").write_text('{\n  // pyright reads comments too\n  "venvPath": "%s",\n  "venv": "virtualenv310",\n}' % envs)
    choice = discover_interpreter(ws, environ=environ(ws.parent))
    assert choice.python == outside["virtualenv"] / "bin" / "python" and "pyrightconfig.json" in choice.why


def test_jsonc_stripping_leaves_strings_alone():
    text = '{"a": "//x", "b": "/*y*/", "c": "q\\"//", /* c */ "d": [1, 2, // t\n ], }'
    assert json.loads(strip_jsonc(text)) == {"a": "//x", "b": "/*y*/", "c": 'q"//', "d": [1, 2]}


# --- tool-managed environments, made by the real tools ------------------------------------------------------------

@pytest.mark.skipif(ef.poetry_command() is None, reason="poetry is not installed (pip install poetry)")
def test_poetry_environments_made_by_poetry(tmp_path):
    py_a, py_b = ef.any_python("3.12", "3.11"), ef.any_python("3.11", "3.12")
    project = tmp_path / "My Project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "My_Proj.x"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'
                                            '[tool.poetry]\npackage-mode = false\n')
    cache = tmp_path / "poetry-cache"
    tool = dict(POETRY_CACHE_DIR=str(cache), POETRY_CONFIG_DIR=str(tmp_path / "poetry-config"))
    ef.poetry_env_use(project, py_a, home=tmp_path / "home", **tool)
    out = ef.poetry_env_use(project, py_b, home=tmp_path / "home", **tool)       # the last one used is the active one
    made = Path(re.search(r"Using virtualenv: (.+)", out).group(1).strip())
    assert made.parent == cache / "virtualenvs"
    for env in (environ(tmp_path, **tool), environ(tmp_path, POETRY_VIRTUALENVS_PATH=str(cache / "virtualenvs"))):
        choice = discover_interpreter(project, environ=env)
        assert choice.source == "poetry" and choice.candidate.prefix == made
        assert choice.candidate.kind == "poetry" and choice.candidate.version == probe_version(py_b)
        assert "envs.toml" in choice.why
    names = {c.prefix.name for c in discover_environments(project, environ=environ(tmp_path, **tool))}
    assert len([n for n in names if n.startswith("my-proj-x-")]) == (2 if py_a != py_b else 1)
    ef.make_venv(project / ".venv")                          # poetry itself prefers an in-project .venv
    assert discover_interpreter(project, environ=environ(tmp_path, **tool)).source == "workspace-env"


@pytest.mark.skipif(ef.pipenv_command() is None, reason="pipenv is not installed (pip install pipenv)")
def test_pipenv_environment_made_by_pipenv(tmp_path):
    project = tmp_path / "pip proj"
    project.mkdir()
    (project / "Pipfile").write_text('[packages]\n\n[requires]\npython_version = "3.12"\n')
    workon = tmp_path / "workon"
    python = ef.any_python("3.12", "3.11")
    ef.pipenv_create(project, python, home=tmp_path / "home", WORKON_HOME=str(workon))
    decoy = ef.make_venv(workon / "pip_proj-AAAAAAAA")      # same stem, but another project's environment
    (decoy / ".project").write_text(str(tmp_path / "elsewhere" / "pip proj"))
    choice = discover_interpreter(project, environ=environ(tmp_path, WORKON_HOME=str(workon)))
    assert choice.source == "pipenv" and choice.candidate.kind == "pipenv"
    assert (choice.candidate.prefix / ".project").read_text().strip() == str(project)
    assert choice.candidate.prefix != decoy and choice.candidate.version == probe_version(python)
    # not under its computed name (another casing of the path, say): found by its .project file, decoy passed over
    moved = choice.candidate.prefix.with_name("pip_proj-ZZZZZZZZ")
    choice.candidate.prefix.rename(moved)
    choice = discover_interpreter(project, environ=environ(tmp_path, WORKON_HOME=str(workon)))
    assert choice.candidate.prefix == moved and ".project" in choice.why
    # the default WORKON_HOME: $XDG_DATA_HOME/virtualenvs
    xdg = tmp_path / "xdg"
    (xdg).mkdir()
    shutil.move(str(workon), str(xdg / "virtualenvs"))
    choice = discover_interpreter(project, environ=environ(tmp_path, XDG_DATA_HOME=str(xdg)))
    assert choice.source == "pipenv" and choice.candidate.prefix.parent == xdg / "virtualenvs"


def test_pdm_python_file(ws, outside):
    (ws / ".pdm-python").write_text(str(outside["venv"] / "bin" / "python") + "\n")
    choice = discover_interpreter(ws, environ=environ(ws.parent, VIRTUAL_ENV=str(outside["uv"])))
    assert choice.source == "pdm" and choice.python == outside["venv"] / "bin" / "python"
    assert choice.candidate.kind == "pdm" and ".pdm-python" in choice.why


def test_hatch_data_dir_layout(ws, tmp_path):
    import base64
    import hashlib
    (ws / "pyproject.toml").write_text('[project]\nname = "Hatch_Demo"\nversion = "1"\n[tool.hatch.envs.default]\n')
    project_id = base64.urlsafe_b64encode(hashlib.sha256(str(ws).encode()).digest()).decode()[:8]
    data = tmp_path / "hatch-data"
    ef.make_venv(data / "env" / "virtual" / "hatch-demo" / project_id / "hatch-demo")
    (data / "env" / "virtual" / "hatch-demo" / project_id / ".gitignore").write_text("*\n")
    choice = discover_interpreter(ws, environ=environ(tmp_path, HATCH_DATA_DIR=str(data)))
    assert choice.source == "hatch" and choice.candidate.kind == "hatch" and "skipped" not in choice.why


def test_conda_and_pixi_layouts(ws, tmp_path):
    py = ef.any_python("3.11")
    ef.make_conda_prefix(ws / ".pixi" / "envs" / "default", python=py, version="3.11.7", pixi_manifest=ws / "pixi.toml")
    choice = discover_interpreter(ws, environ=environ(tmp_path))
    assert choice.candidate.kind == "pixi" and choice.candidate.version == "3.11.7"
    assert "found .pixi/envs/default/conda-meta" in choice.why
    acts = activation_commands(choice.candidate)
    assert acts["conda"].startswith("conda activate '") and "pixi shell --manifest-path" in acts["pixi"]
    ef.make_conda_prefix(ws / ".conda", python=py, version="3.11.7")           # VS Code's "Create Environment" name
    assert discover_interpreter(ws, environ=environ(tmp_path)).candidate.kind == "conda"


def test_conda_prefix_named_base_and_environment_yml(tmp_path):
    ws = tmp_path / "proj"
    ws.mkdir()
    py = ef.any_python("3.11")
    envs = tmp_path / "miniconda3" / "envs"
    named = ef.make_conda_prefix(envs / "tfenv", python=py, version="3.11.7")
    base = ef.make_conda_prefix(tmp_path / "base", python=py, version="3.11.7")
    (base / "condabin").mkdir()
    act = environ(tmp_path, CONDA_PREFIX=str(named), CONDA_DEFAULT_ENV="tfenv")
    assert discover_interpreter(ws, environ=act).source == "conda-prefix"
    (ws / ".python-version").write_text("3.12\n")
    on_base = environ(tmp_path, CONDA_PREFIX=str(base), CONDA_DEFAULT_ENV="base", PYENV_ROOT=str(ef.PYENV_ROOT))
    if PY312 is not None:                                    # conda's base says nothing about the project
        assert discover_interpreter(ws, environ=on_base).source == "python-version"
    (ws / ".python-version").unlink()
    assert discover_interpreter(ws, environ=on_base).source == "conda-prefix"
    (ws / "environment.yml").write_text("name: tfenv\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n")
    choice = discover_interpreter(ws, environ=environ(tmp_path, CONDA_EXE=str(tmp_path / "miniconda3" / "bin" / "conda")))
    assert choice.source == "conda" and choice.candidate.prefix == named and "'tfenv'" in choice.why


# --- pyenv and PATH -------------------------------------------------------------------------------------------------

@needs_pyenv
@pytest.mark.parametrize("minor", ["3.9", "3.10", "3.11", "3.12", "3.13"])
def test_python_version_file_maps_prefix_to_latest_installed(ws, minor):
    exe = ef.pyenv_python(minor)
    if exe is None:
        pytest.skip(f"pyenv has no Python {minor}")
    (ws / ".python-version").write_text(f"# pinned for the team\n{minor}\n")
    choice = discover_interpreter(ws, environ=environ(ws.parent, PYENV_ROOT=str(ef.PYENV_ROOT)))
    assert choice.source == "python-version" and choice.candidate.prefix == exe.parent.parent
    assert choice.candidate.version == probe_version(exe) and choice.candidate.kind == "pyenv"
    assert "not installed" not in choice.why                              # the comment line is no version


@needs_pyenv
def test_python_version_file_skips_uninstalled_and_system(ws, outside):
    if PY310 is None:
        pytest.skip("pyenv has no 3.10")
    (ws / ".python-version").write_text("2.1.9\nsystem\npython-3.10\n")
    choice = discover_interpreter(ws, environ=environ(ws.parent, PYENV_ROOT=str(ef.PYENV_ROOT)))
    assert choice.candidate.prefix == PY310.parent.parent and "names 2.1.9, which is not installed" in choice.why
    escape = os.path.relpath(outside["venv"], ef.PYENV_ROOT / "versions")   # path traversal is ignored, as pyenv does
    (ws / ".python-version").write_text(escape + "\n")
    assert discover_interpreter(ws, environ=environ(ws.parent, PYENV_ROOT=str(ef.PYENV_ROOT))).source == "none"


@needs_pyenv
def test_path_fallback_follows_pyenv_shims(tmp_path):
    ws = tmp_path / "plain"
    ws.mkdir()
    shims = ef.PYENV_ROOT / "shims"
    if not (shims / "python3").exists() or PY310 is None:
        pytest.skip("no pyenv shims")
    env = environ(tmp_path, PATH=f"{shims}:/usr/bin:/bin", PYENV_ROOT=str(ef.PYENV_ROOT), PYENV_VERSION="3.10")
    choice = discover_interpreter(ws, environ=env)
    assert choice.source == "path" and choice.candidate.prefix == PY310.parent.parent
    assert "pyenv shim" in choice.why and "PYENV_VERSION" in choice.why
    real = subprocess.run([str(shims / "python3"), "-c", "import sys; print(sys.prefix)"], env=env, cwd=ws,
                          capture_output=True, text=True, timeout=30)
    assert Path(real.stdout.strip()).resolve() == choice.candidate.prefix.resolve()


def test_path_fallback_and_nothing_found(tmp_path, outside):
    ws = tmp_path / "plain"
    ws.mkdir()
    assert discover_interpreter(ws, environ=environ(tmp_path)).source == "none"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(outside["venv"] / "bin" / "python")
    choice = discover_interpreter(ws, environ=environ(tmp_path, PATH=str(bindir)))
    assert choice.source == "path" and choice.python == bindir / "python3"
    # a symlink to a venv's interpreter, outside the venv, runs the *base* Python (no pyvenv.cfg beside it)
    real = subprocess.run([str(bindir / "python3"), "-c", "import sys; print(sys.prefix)"], capture_output=True,
                          text=True, timeout=30)
    assert choice.candidate.prefix == Path(real.stdout.strip()) != outside["venv"]
    assert choice.candidate.version == probe_version(bindir / "python3")


# --- trust ----------------------------------------------------------------------------------------------------------

def test_untrusted_workspace_refuses_interpreters_inside_it(ws, outside):
    ef.make_venv(ws / ".venv")
    (ws / ".vscode").mkdir()
    (ws / ".vscode" / "settings.json").write_text('{"python.defaultInterpreterPath": ".venv/bin/python"}')
    env = environ(ws.parent, VIRTUAL_ENV=str(outside["uv"]))
    assert discover_interpreter(ws, environ=env).python == ws / ".venv" / "bin" / "python"
    choice = discover_interpreter(ws, environ=env, trusted=False, explicit=str(ws / ".venv"))
    assert choice.source == "virtual-env" and choice.python == outside["uv"] / "bin" / "python"
    assert "refused ./.venv because the workspace is not trusted" in choice.why
    # an outside-looking path that leads into the workspace is refused too
    link = ws.parent / "link-to-ws-venv"
    link.symlink_to(ws / ".venv", target_is_directory=True)
    choice = discover_interpreter(ws, environ=environ(ws.parent), trusted=False, explicit=str(link))
    assert choice.source == "none" and "refused" in choice.why
    # an environment outside whose interpreter is a file planted in the workspace
    planted = ws / "tools" / "python3.11"
    planted.parent.mkdir()
    planted.write_text(f"#!/bin/sh\nexec {ef.any_python('3.11')} \"$@\"\n")
    planted.chmod(0o755)
    shell = ws.parent / "shell-env"
    (shell / "bin").mkdir(parents=True)
    (shell / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (shell / "bin" / "python").symlink_to(planted)
    assert discover_interpreter(ws, environ=environ(ws.parent), explicit=str(shell)).candidate.prefix == shell
    choice = discover_interpreter(ws, environ=environ(ws.parent), trusted=False, explicit=str(shell))
    assert choice.source == "none" and "refused" in choice.why


# --- listing, activation, speed -------------------------------------------------------------------------------------

def test_discover_environments_lists_dedups_and_matches_choice(ws, outside):
    ef.make_venv(ws / ".venv")
    ef.make_uv_venv(ws / "uvenv", cache=ws.parent / "uvcache")
    (ws / "dup").symlink_to(ws / ".venv", target_is_directory=True)
    env = environ(ws.parent, VIRTUAL_ENV=str(outside["virtualenv"]), PYENV_ROOT=str(ef.PYENV_ROOT))
    cands = discover_environments(ws, environ=env)
    prefixes = [os.path.realpath(c.prefix) for c in cands]
    assert len(prefixes) == len(set(prefixes)) or all(c.kind in ("system", "pyenv") for c in cands[3:])
    by_name = {c.name: c for c in cands}
    assert by_name[".venv"].kind == "venv" and by_name["uvenv"].kind == "uv" and "dup" not in by_name
    assert any(c.prefix == outside["virtualenv"] and c.kind == "virtualenv" for c in cands)
    if (ef.PYENV_ROOT / "versions").is_dir():
        assert any(c.kind == "pyenv" for c in cands)
    choice = discover_interpreter(ws, environ=env, candidates=cands)
    assert any(c is choice.candidate for c in cands)


def test_activation_commands_work_in_a_real_shell_with_spaces(ws, outside):
    ef.make_venv(ws / ".venv")
    cand = candidate_for(ws / ".venv")
    acts = activation_commands(cand)
    assert acts["bash"] == f"source '{ws}/.venv/bin/activate'" == acts["zsh"]
    assert acts["fish"] == f"source '{ws}/.venv/bin/activate.fish'"
    assert acts["powershell"] == f"& '{ws}/.venv/bin/Activate.ps1'" and "cmd" not in acts
    out = subprocess.run(["bash", "-c", acts["bash"] + ' && python -c "import sys; print(sys.prefix)"'],
                         capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == str(ws / ".venv")
    virtualenv_acts = activation_commands(candidate_for(outside["virtualenv"]))
    assert virtualenv_acts["powershell"].endswith("activate.ps1")
    win = ws.parent / "win env"
    (win / "Scripts").mkdir(parents=True)
    for name in ("python.exe", "activate.bat", "Activate.ps1", "activate"):
        (win / "Scripts" / name).write_text("")
    (win / "pyvenv.cfg").write_text("home = C:\\Python311\nversion = 3.11.7\n")
    win_acts = activation_commands(candidate_for(win))
    assert win_acts["cmd"] == f'"{win}/Scripts/activate.bat"' and win_acts["powershell"] == f"& '{win}/Scripts/Activate.ps1'"


def test_hot_path_runs_no_process(ws, outside, monkeypatch):
    ef.make_venv(ws / ".venv")
    (ws / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.poetry]\n')
    (ws / "Pipfile").write_text("")

    def refuse(*a, **k):
        raise AssertionError("discovery started a process")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "posix_spawn", refuse, raising=False)
    env = environ(ws.parent, PYENV_ROOT=str(ef.PYENV_ROOT), PATH=os.environ.get("PATH", ""))
    assert discover_interpreter(ws, environ=env).source == "workspace-env"
    assert discover_environments(ws, environ=env)


def test_probe_version_is_time_limited(tmp_path):
    hang = tmp_path / "python"
    hang.write_text("#!/bin/sh\nexec sleep 30\n")
    hang.chmod(0o755)
    assert probe_version(hang, timeout=0.5) is None
    assert probe_version(sys.executable) == "%d.%d.%d" % sys.version_info[:3]
