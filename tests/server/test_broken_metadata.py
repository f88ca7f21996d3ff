"""The server with broken distributions in the environment (tests/test_broken_metadata.py builds them): the
healthy package's finding is still published."""
from __future__ import annotations

import pytest

from tests.server.lsp_client import diagnostics_for, open_doc, session
from tests.test_broken_metadata import broken_venv

pytestmark = pytest.mark.timeout(180)


async def test_server_publishes_the_healthy_finding(tmp_path, server_env):
    root = tmp_path / "proj"
    root.mkdir()
    broken_venv(root)
    async with session("visual_studio_code@v1.65.2", root, env=server_env) as client:
        uri = open_doc(client, root / "main.py")
        ds = await diagnostics_for(client, uri)
        assert any(d.code == "TFL103" and d.range.start.line == 0 for d in ds), [(d.code, d.message) for d in ds]
        assert not any(d.code == "TFL100" for d in ds), [(d.code, d.message) for d in ds]
