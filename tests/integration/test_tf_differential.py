"""Differential test on a real TensorFlow 2.21 install: for every top-level module of the environment and a wide
sample of TensorFlow submodules (the keras wiring included), the static resolver must agree with
importlib.util.find_spec run inside that interpreter."""
from __future__ import annotations

import os

import pytest

from tests.integration import build
from tests.integration.scenarios import SCENARIOS
from tests.test_resolver_differential import assert_agree, candidate_names, ground_truth, submodule_names
from tf_lsp.workspace import Workspace

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tf_env():
    reason = build.missing_prerequisites()
    if reason or os.environ.get("TF_LSP_SKIP_INTEGRATION"):
        pytest.skip(reason or "TF_LSP_SKIP_INTEGRATION set")
    scn = next(s for s in SCENARIOS if s.name == "tf221-healthy")
    return build.build_scenario(scn)


def test_tensorflow_environment_agrees_with_find_spec(tf_env):
    ws_root = tf_env.sample.parent
    ws = Workspace(ws_root, python=str(tf_env.env_python))
    resolver = ws.resolver_for(str(ws_root))
    snap = ws.env.snapshot
    site = [p for p in snap.site_packages if os.path.isdir(p)]
    names = candidate_names(site, suffixes=snap.ext_suffixes + (".py",))
    tf_dir = os.path.join(site[0], "tensorflow")
    names |= set(submodule_names([tf_dir], "tensorflow", limit=80))
    names |= set(submodule_names([os.path.join(tf_dir, "python")], "tensorflow.python", limit=60))
    names |= {"tensorflow.keras", "tensorflow.keras.layers", "tensorflow.keras.models", "tensorflow.keras.optimizers",
              "tensorflow.keras.nope", "tensorflow.compat.v1", "tensorflow.compat.v1.nn", "tensorflow.compat.v2",
              "tensorflow.contrib", "tensorflow.math", "tensorflow.data", "tensorflow.python.framework.ops",
              "tensorflow.python.keras", "tensorflow.examples.tutorials", "tensorflow.lite.python"}
    truth = ground_truth(tf_env.env_python, sorted(names), cwd=ws_root)
    assert truth["tensorflow.keras.layers"]["found"] and not truth["tensorflow.contrib"]["found"]
    problems = assert_agree(resolver, truth)
    assert not problems, "\n".join(problems)
    assert len(truth) > 100
