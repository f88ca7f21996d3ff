"""jupyterlab-lsp's shadow documents map back to the files they stand for (tf_lsp/virtual_documents.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tf_lsp.virtual_documents import real_document_path


@pytest.mark.parametrize(("shadow", "real"), [
    ("/srv/nb/.virtual_documents/x.ipynb", "/srv/nb/x.ipynb"),
    ("/srv/nb/.virtual_documents/sub/dir/x.py", "/srv/nb/sub/dir/x.py"),
    ("/srv/nb/.virtual_documents", "/srv/nb"),                      # jupyterlab-lsp's rootUri
    ("/srv/nb/x.ipynb", "/srv/nb/x.ipynb"),                         # not a shadow document: unchanged
    ("/srv/.virtual_documentsX/x.py", "/srv/.virtual_documentsX/x.py"),
])
def test_default_shadow_folder(shadow, real):
    assert real_document_path(Path(shadow), environ={}) == Path(real)


def test_shadow_folder_from_jp_lsp_virtual_dir():
    env = {"JP_LSP_VIRTUAL_DIR": "tmp/lsp-docs"}
    assert real_document_path(Path("/srv/nb/tmp/lsp-docs/a/x.ipynb"), environ=env) == Path("/srv/nb/a/x.ipynb")
    assert real_document_path(Path("/srv/nb/.virtual_documents/x.ipynb"), environ=env) == \
        Path("/srv/nb/.virtual_documents/x.ipynb")


@pytest.mark.parametrize("value", ["/abs/shadow", "../up", ""])
def test_unmappable_settings_fall_back_to_the_default(value):
    env = {"JP_LSP_VIRTUAL_DIR": value}
    assert real_document_path(Path("/srv/nb/.virtual_documents/x.ipynb"), environ=env) == Path("/srv/nb/x.ipynb")
