"""Modules that exist only at run time: a package's own code registers them (in ``sys.modules`` or through an
import hook on ``sys.meta_path``) when it is imported, so no file of that name exists on disk.

Each record says which module creates them, how tf-lsp finds their names (read statically from the installed
file where possible), and the public source file where the creation happens.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuntimeModules:
    prefix: str            # the dotted name they live under
    creator: str           # the module whose import creates them
    how: str               # interpreter | six-moves | vendor-importer | distutils-shim (how tf_lsp.runtime_modules reads them)
    source: str
    fallback: tuple[str, ...] = ()   # names (after the prefix) when the installed file cannot be read: "name=target"


RECORDS: tuple[RuntimeModules, ...] = (
    RuntimeModules(
        "__main__", "the interpreter", "interpreter",
        "https://docs.python.org/3/library/__main__.html: the top-level code environment is always in sys.modules "
        "as `__main__` (the script, `-m` module, `-c` code or REPL being run), so `import __main__` never fails"),
    RuntimeModules(
        "six.moves", "six", "six-moves",
        "six.py of six 1.17.0, https://github.com/benjaminp/six/blob/1.17.0/six.py: `_moved_attributes` "
        "(MovedModule entries, registered as six.moves.<name> by `_importer._add_module(attr, \"moves.\" + "
        "attr.name)`), and the `_importer._add_module(..., \"moves.urllib\", \"moves.urllib.parse\", ...)` calls; "
        "`_SixMetaPathImporter` serves them from sys.meta_path",
        fallback=("cPickle=pickle", "configparser=configparser", "queue=queue", "urllib=urllib", "urllib.parse=urllib.parse",
                  "urllib.error=urllib.error", "urllib.request=urllib.request", "urllib.response=urllib.response",
                  "urllib.robotparser=urllib.robotparser", "http_client=http.client", "builtins=builtins",
                  "copyreg=copyreg", "reprlib=reprlib", "socketserver=socketserver", "_thread=_thread",
                  "html_parser=html.parser", "html_entities=html.entities", "http_cookiejar=http.cookiejar",
                  "email_mime_text=email.mime.text", "BaseHTTPServer=http.server", "xmlrpc_client=xmlrpc.client")),
    RuntimeModules(
        "pkg_resources.extern", "pkg_resources.extern", "vendor-importer",
        "pkg_resources/extern/__init__.py of setuptools < 71, e.g. "
        "https://github.com/pypa/setuptools/blob/v70.3.0/pkg_resources/extern/__init__.py: `VendorImporter(__name__, "
        "names, 'pkg_resources._vendor').install()` maps pkg_resources.extern.<name> to pkg_resources._vendor.<name>, "
        "else the top-level <name> (removed in setuptools 71)"),
    RuntimeModules(
        "setuptools.extern", "setuptools.extern", "vendor-importer",
        "setuptools/extern/__init__.py of setuptools < 71, e.g. "
        "https://github.com/pypa/setuptools/blob/v70.3.0/setuptools/extern/__init__.py: `VendorImporter(__name__, "
        "names, 'setuptools._vendor').install()`"),
    RuntimeModules(
        "distutils", "_distutils_hack", "distutils-shim",
        "setuptools >= 60 installs distutils-precedence.pth, which runs `_distutils_hack.add_shim()` at start-up "
        "unless SETUPTOOLS_USE_DISTUTILS is set to something other than 'local': "
        "https://github.com/pypa/setuptools/blob/v75.0.0/_distutils_hack/__init__.py (DistutilsMetaFinder serves "
        "`distutils` from setuptools._distutils); Python 3.12 removed the standard library's distutils (PEP 632), "
        "so there it exists only through this shim"),
)
