"""The README stays true: every diagnostic code and every setting has its section."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from tf_lsp.knowledge.codes import CODES
from tf_lsp.settings import Settings, to_camel

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_code_has_a_section_matching_its_href():
    headings = set(re.findall(r"^### (TFL\d+ [a-z-]+)$", README, flags=re.M))
    for code in CODES.values():
        assert f"{code.code} {code.name}" in headings, f"README lacks '### {code.code} {code.name}'"
        anchor = f"{code.code} {code.name}".lower().replace(" ", "-")
        assert code.href.endswith("#" + anchor)
    assert len(headings) == len(CODES), "README documents codes that do not exist"


def test_every_setting_has_a_section():
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^### (\w+)$", section, flags=re.M))
    assert documented == {to_camel(f.name) for f in dataclasses.fields(Settings)}


def test_the_two_commands_and_ci_agree():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "bash scripts/test" in README and "scripts/test" in ci
    assert "tf-lsp check" in README
