"""A tiny rule pack that exists only in the tests: registered by adding its module to ``tf_lsp.packs.PACK_MODULES``
(what a real pack takes: one module, one registry line), it shows that doctor, status, hover, the notebook's
``%pip install`` knowledge and the generic checks read a pack's declared data and nothing else."""
from __future__ import annotations

from tf_lsp.packs import PackSummary, RulePack


def summary(env, environ):
    found = env.index.all("toyfw")
    if not found:
        return None
    d = found[0]
    return PackSummary(framework="Toy", version=d.version, distribution=d.name, short="T", build="toy build",
                       location=d.location, details=("toy detail",))


PACK = RulePack(
    name="Toy", import_names=frozenset({"toyfw"}), distributions=("toyfw",), summary=summary,
    checked_imports=frozenset({"toyfw"}), key_imports=("toyfw",), required_import="toyreq",
    provides=(("toyfw-nightly", "toyfw"),), status_key="toyVersion", sources=("tests/toypack.py",),
)
