"""tf-lsp: will `import tensorflow` work in this workspace's interpreter? Answered statically."""

__version__ = "0.1.0"
