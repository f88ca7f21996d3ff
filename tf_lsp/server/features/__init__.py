"""LSP handlers, grouped by feature; each module has ``register(server)``."""
