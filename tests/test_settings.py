"""The settings model: wire conversion, defaults, and invalid values reported, never fatal."""
from __future__ import annotations

from tf_lsp.settings import Settings


def test_round_trip_and_defaults():
    s, problems = Settings.from_wire({"interpreter": "/x/python", "extraPaths": ["src"], "env": {"TF_USE_LEGACY_KERAS": 1},
                                      "installer": "uv", "checkAllImports": False, "severity": {"TFL114": "none"},
                                      "trustedWorkspace": False,
                                      "notebookInterpreters": {"experiments/**/*.ipynb": "~/venvs/tf215"}})
    assert not problems
    assert s.notebook_interpreters == {"experiments/**/*.ipynb": "~/venvs/tf215"}
    assert s.interpreter == "/x/python" and s.extra_paths == ("src",) and s.env == {"TF_USE_LEGACY_KERAS": "1"}
    assert s.installer == "uv" and s.check_all_imports is False and s.severity == {"TFL114": "none"}
    assert Settings.from_wire(s.to_wire()) == (s, [])
    assert Settings.from_wire(None) == (Settings(), [])


def test_invalid_values_fall_back_and_are_reported():
    s, problems = Settings.from_wire({"installer": "npm", "extraPaths": "src", "checkAllImports": "yes",
                                      "severity": {"TFL100": "loud"}, "bogusKey": 1, "interpreter": "/ok",
                                      "notebookInterpreters": {"*.ipynb": 3}})
    assert s.installer == "auto" and s.extra_paths == () and s.check_all_imports is True and s.severity == {}
    assert s.interpreter == "/ok" and s.notebook_interpreters == {}
    text = "\n".join(problems)
    for key in ("installer", "extraPaths", "checkAllImports", "severity", "bogusKey", "notebookInterpreters"):
        assert f"tfLsp.{key}" in text
    s, problems = Settings.from_wire(["not", "an", "object"])
    assert s == Settings() and problems


def test_updates_merge_and_trust_only_comes_back_explicitly():
    untrusted, _ = Settings.from_wire({"trustedWorkspace": False, "interpreter": "/x/python"})
    s, problems = untrusted.updated({"severity": {"TFL100": "hint"}})
    assert not problems and s.trusted_workspace is False and s.interpreter == "/x/python"
    assert s.severity == {"TFL100": "hint"}
    s, problems = untrusted.updated({"trustedWorkspace": "yes"})            # invalid: the current value stays
    assert s.trusted_workspace is False and "keeping the current value" in problems[0]
    assert untrusted.updated(None) == (untrusted, [])
    assert untrusted.updated({"trustedWorkspace": True})[0].trusted_workspace is True
