"""Where installers take packages from, said in words, and the environment they run with (real config files)."""
from __future__ import annotations

import os
from pathlib import Path

from tf_lsp.installer_env import DEFAULT_INDEX, describe_index, installer_environ


def test_pip_index_from_variables_then_config_files_else_the_default(tmp_path):
    home = tmp_path / "home"
    py = str(tmp_path / "env" / "bin" / "python")
    base = {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "xdg"), "PATH": "/usr/bin"}
    assert describe_index("pip", py, environ=base) == DEFAULT_INDEX
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text("[global]\nindex-url = https://me:secret@mirror.example/simple\n")
    assert describe_index("pip", py, environ=base) == "https://mirror.example/simple"       # credentials never shown
    env = dict(base, PIP_INDEX_URL="https://other.example/simple")
    assert describe_index("pip", py, environ=env) == "https://other.example/simple"
    env = dict(base, PIP_NO_INDEX="1", PIP_FIND_LINKS="/wheels")
    assert describe_index("pip", py, environ=env) == "/wheels only (no index)"
    assert describe_index("pip", py, environ=dict(base, PIP_CONFIG_FILE=os.devnull)) == DEFAULT_INDEX


def test_uv_index_from_its_variables_and_the_project_only_when_allowed(tmp_path):
    py = str(tmp_path / "python")
    assert describe_index("uv", py, environ={}) == DEFAULT_INDEX
    assert describe_index("uv", py, environ={"UV_DEFAULT_INDEX": "https://t:x@idx.example/simple"}) == \
        "https://idx.example/simple"
    assert describe_index("uv", py, environ={}, project_config=True) == f"{DEFAULT_INDEX} or the project's uv settings"


def test_installer_environment_drops_workspace_paths(tmp_path):
    root = tmp_path / "ws"
    (root / "lib").mkdir(parents=True)
    keep = tmp_path / "mine"
    env = installer_environ(root, {"PYTHONPATH": os.pathsep.join([str(root / "lib"), str(keep)]), "HOME": "/h"})
    assert env == {"PYTHONPATH": str(keep), "HOME": "/h"}
    assert "PYTHONPATH" not in installer_environ(root, {"PYTHONPATH": str(root)})
    assert installer_environ(Path(root), {"A": "1"}) == {"A": "1"}


def test_the_users_own_uv_config_is_kept_and_described(tmp_path):
    from tf_lsp.installer_env import uv_user_config
    home, root = tmp_path / "home", tmp_path / "ws"
    root.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "xdg")}
    assert uv_user_config(root, env) is None
    cfg = home / ".config" / "uv" / "uv.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[[index]]\nurl = "https://u:p@corp.example/simple"\ndefault = true\n')
    assert uv_user_config(root, env) == cfg
    assert describe_index("uv", "py", environ=env, uv_config_file=cfg) == "https://corp.example/simple"
    cfg.write_text('[pip]\nno-index = true\nfind-links = ["/w"]\n')
    assert describe_index("uv", "py", environ=env, uv_config_file=cfg) == "/w only (no index)"
    assert uv_user_config(root, dict(env, UV_CONFIG_FILE="/elsewhere.toml")) is None       # uv reads that one itself
    assert uv_user_config(home.parent, env) is None                    # a config inside the workspace is not the user's
