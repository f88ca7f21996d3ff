"""The language server: `tf-lsp serve` (stdio by default, --tcp for debugging)."""
from __future__ import annotations

import logging


def create_server():
    from tf_lsp.server import watch
    from tf_lsp.server.features import actions, commands, documents, hover
    from tf_lsp.server.state import LspLogHandler, TfLspServer

    server = TfLspServer()
    for module in (documents, hover, actions, commands, watch):
        module.register(server)
    handler = LspLogHandler(server)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tf_lsp")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return server


def main(*, tcp: bool = False, host: str = "127.0.0.1", port: int = 2087, python: str | None = None) -> int:
    server = create_server()
    server.default_interpreter = python or ""
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
    return 0
