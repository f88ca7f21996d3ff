"""Every diagnostic code tf-lsp emits: stable code, short name, default severity and its docs anchor.

The README's "Diagnostics" section has one heading per code (a test keeps them in step).
"""
from __future__ import annotations

from dataclasses import dataclass

from tf_lsp.model import Severity

DOCS_BASE = "https://github.com/tf-lsp/tf-lsp/blob/main/README.md"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str

    @property
    def href(self) -> str:
        return f"{DOCS_BASE}#{self.code.lower()}-{self.name}"


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFORMATION

CODES: dict[str, Code] = {c.code: c for c in (
    Code("TFL100", "module-not-found", _E, "The module is not installed in the selected interpreter and exists nowhere else we looked."),
    Code("TFL101", "installed-elsewhere", _E, "Not installed in the selected interpreter, but present somewhere it never looks (another Python, a --target folder, the ignored user site)."),
    Code("TFL102", "wrong-interpreter", _E, "Another environment of this workspace provides the module in a healthy state; the selected interpreter does not."),
    Code("TFL103", "missing-dependency", _E, "A dependency the package needs at import time is not installed."),
    Code("TFL104", "incompatible-version", _E, "A dependency is installed at a version the package cannot import with."),
    Code("TFL105", "conflicting-installs", _E, "Two distributions (or two copies of one) claim the same package folder or module."),
    Code("TFL106", "corrupted-install", _E, "Files the installer recorded are missing or changed, or a folder was left without metadata."),
    Code("TFL107", "shadowed-module", _E, "A file or folder of the workspace hides the installed package."),
    Code("TFL108", "python-unsupported", _E, "The installed or wanted release has no build for this Python version."),
    Code("TFL109", "cuda-mismatch", _W, "The GPU build's CUDA/cuDNN needs are not met: the import works but the GPU is not used."),
    Code("TFL110", "platform-mismatch", _E, "The installed build is for another platform, architecture or CPU feature set."),
    Code("TFL111", "submodule-not-found", _E, "The package is importable but this submodule does not exist in the installed version."),
    Code("TFL112", "name-not-found", _E, "`from X import name`: X does not define that name."),
    Code("TFL113", "removed-module", _E, "The module was removed from TensorFlow; a migration exists."),
    Code("TFL114", "private-module", _I, "A private module (tensorflow.python.*): it works today but may break in any release."),
    Code("TFL115", "version-warning", _W, "A dependency is outside its declared range, but the import still works."),
    Code("TFL116", "import-fails-inside", _E, "Code the import runs (in this package or another) imports a submodule, a name or an attribute that the installed files do not have."),
    Code("TFL117", "numpy-abi-mismatch", _E, "An extension module the import loads was compiled against a NumPy whose binary interface the installed NumPy lacks: NumPy 1.x under NumPy 2, or a C-API target newer than the installed NumPy (read from the .so)."),
    Code("TFL121", "native-library-missing", _E, "An extension module the import loads needs a shared library (DT_NEEDED) that the dynamic loader finds nowhere: RPATH/RUNPATH, LD_LIBRARY_PATH, the loader cache, the default folders."),
    Code("TFL120", "run-folder-dependent", _I, "The import works only in some of the ways the file can run (from another folder, as a module, under pytest): it says which."),
    Code("TFL190", "environment-broken", _W, "The selected interpreter could not be inspected (missing, not executable or hanging)."),
)}


def code(code_id: str) -> Code:
    return CODES[code_id]
