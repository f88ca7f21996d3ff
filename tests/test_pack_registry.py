"""Every framework fact the generic engine uses comes from the rule-pack registry (issue 11): a pack registered
in a test (``tests/toypack.py``, one line added to ``PACK_MODULES``) changes what doctor checks, what the status
carries, what hover summarises, what a notebook's ``%pip install`` is known to provide, and which statements the
generic imported-names check leaves to the pack, with no change to generic code. The shipped packs' data is what
gives TensorFlow's ``tfVersion`` and hover summary, and JAX's."""
from __future__ import annotations

import pytest

from tests.wheelmaker import build_wheel, make_venv, pip_install
from tf_lsp import packs
from tf_lsp.workspace import Workspace


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setattr(packs, "PACK_MODULES", (*packs.PACK_MODULES, "tests.toypack"))
    packs.registry.cache_clear()
    yield
    packs.registry.cache_clear()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A venv with ``toyfw`` 1.0, whose ``__init__`` fails inside (it imports a name its own submodule lacks)."""
    tmp = tmp_path_factory.mktemp("toyenv")
    python = make_venv(tmp / "venv")
    whl = build_wheel(tmp / "w", "toyfw", "1.0", {"toyfw/__init__.py": "from toyfw._core import gone\n",
                                                  "toyfw/_core.py": "here = 1\n"}, top_level=["toyfw"])
    pip_install(python, "--no-deps", str(whl))
    return python


def _ws(tmp_path, python) -> Workspace:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    return Workspace(root, python=str(python))


def test_doctor_checks_the_key_imports_a_pack_declares(env, tmp_path, toy):
    from tf_lsp.doctor import doctor_data, doctor_text

    data = doctor_data(_ws(tmp_path, env))
    statements = {p["statement"] for p in data["problems"]}
    assert "import toyfw" in statements          # installed key import: checked (and it fails inside)
    assert "import toyreq" in statements         # required import: checked though nothing provides it
    assert "import tensorflow" in statements     # the TensorFlow pack's required import, as before
    assert "toyfw" in data["packages"]
    assert "Toy" in doctor_text(data | {"packages": {}})


def test_doctor_without_the_pack_knows_nothing_of_it(env, tmp_path):
    from tf_lsp.doctor import doctor_data

    data = doctor_data(_ws(tmp_path, env))
    statements = {p["statement"] for p in data["problems"]}
    assert "import tensorflow" in statements and "import toyfw" not in statements and "toyfw" not in data["packages"]


def test_checked_imports_leave_the_statements_names_to_the_pack(env, tmp_path, monkeypatch):
    source = "from toyfw._core import nothere\n"
    before = [f.code for f in _ws(tmp_path, env).check_source(tmp_path / "proj" / "a.py", source)]
    assert "TFL112" in before                  # the generic check answers for a package no pack covers
    monkeypatch.setattr(packs, "PACK_MODULES", (*packs.PACK_MODULES, "tests.toypack"))
    packs.registry.cache_clear()
    try:
        after = [f.code for f in _ws(tmp_path, env).check_source(tmp_path / "proj" / "a.py", source)]
    finally:
        monkeypatch.undo()
        packs.registry.cache_clear()
    assert "TFL112" not in after, after        # toyfw is the pack's (its checked_imports)


def test_status_fields_come_from_the_packs(env, tmp_path, toy):
    ws = _ws(tmp_path, env)
    fields = packs.status_fields(ws.env, ws.environ)
    assert fields["toyVersion"] == "1.0" and fields["tfVersion"] is None
    assert fields["framework"] == {"name": "Toy", "short": "T", "version": "1.0", "distribution": "toyfw"}
    assert [f["framework"] for f in fields["frameworks"]] == ["Toy"]


def test_status_fields_without_a_framework(env, tmp_path):
    ws = _ws(tmp_path, env)
    assert packs.status_fields(ws.env, ws.environ) == {"tfVersion": None, "framework": None, "frameworks": []}


def test_hover_summary_is_the_packs(env, tmp_path, toy):
    from tf_lsp.server.features.hover import pack_summary_lines

    ws = _ws(tmp_path, env)
    lines = pack_summary_lines(ws, "toyfw")
    assert lines[0] == "**Toy environment**" and lines[1].startswith("toyfw 1.0 — toy build  \n`")
    assert "toy detail" in lines and lines[-1].startswith("Python ")
    assert pack_summary_lines(ws, "jax")[:2] == ["**JAX environment**", "JAX is not installed here."]
    assert pack_summary_lines(ws, "tensorflow")[:2] == ["**TensorFlow environment**",
                                                        "TensorFlow is not installed here."]
    assert pack_summary_lines(ws, "numpy") == []       # a name a pack covers, but not its framework


def test_notebook_installs_know_what_a_pack_provides(toy):
    from tf_lsp.notebook import provides

    assert provides("toyfw-nightly", "toyfw.sub")
    assert provides("tensorflow-rocm", "tensorflow")            # every TF distribution, from the TF pack
    assert provides("tf-keras-nightly", "tf_keras") and not provides("tensorflow-rocm", "keras")


def test_notebook_without_the_pack(monkeypatch):
    from tf_lsp.notebook import provides

    assert not provides("toyfw-nightly", "toyfw")
