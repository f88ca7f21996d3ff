"""NumPy's binary interface as data: how an extension module shows which NumPy it was compiled against, and which
installed NumPy it cannot load under. Each record names where it was read.

An extension module that uses NumPy's C API calls ``import_array()``, which NumPy's headers compile into it: it
imports NumPy's core extension by name and reads its ``_ARRAY_API`` capsule, then compares the ABI version it was
built with against the running NumPy's. Headers of NumPy 2 import ``numpy._core._multiarray_umath`` (and fall back to
``numpy.core._multiarray_umath`` for NumPy 1.x); headers of NumPy 1.x know only ``numpy.core._multiarray_umath``.
Those names and the error strings are string literals in the ``.so``, so what it was built for can be read from the
file without loading it.
"""
from __future__ import annotations

from dataclasses import dataclass

CAPI_MARKERS: tuple[bytes, ...] = (b"_ARRAY_API", b"module compiled against ABI version")
"""Both present: the module runs NumPy's ``import_array()`` (source: numpy/_core/code_generators/
generate_numpy_api.py, the ``_import_array`` template in NumPy 1.26 and 2.x; seen in pandas, scipy, ml_dtypes
wheels)."""

BUILT_FOR_2: bytes = b"numpy._core._multiarray_umath"
BUILT_FOR_1: bytes = b"numpy.core._multiarray_umath"


@dataclass(frozen=True)
class AbiBreak:
    built_for: str            # "1.x": compiled against NumPy 1.x headers
    fails_with: str           # installed NumPy versions it cannot load under (a specifier)
    pin: str                  # the NumPy requirement that loads it
    message: str              # what Python prints
    source: str


ABI_BREAKS: tuple[AbiBreak, ...] = (
    AbiBreak("1.x", ">=2", "numpy<2",
             "NumPy 2's binary interface is not 1.x's, so loading it fails (Cython modules: ValueError: numpy.dtype "
             "size changed, may indicate binary incompatibility; others: \"A module that was compiled using NumPy 1.x "
             "cannot be run in NumPy 2.x\", then ImportError: numpy.core.multiarray failed to import)",
             "NumPy 2.0 migration guide, section 'NumPy 2.0 C-API ... ABI break': "
             "https://numpy.org/devdocs/numpy_2_0_migration_guide.html#numpy-2-abi-break ; real run: pandas 2.1.4 "
             "(cp311 wheel) + numpy 2.1.3 -> ValueError: numpy.dtype size changed"),
)

C_API_VERSIONS: dict[str, int] = {
    "1.16": 0xd, "1.17": 0xd, "1.18": 0xd, "1.19": 0xd, "1.20": 0xe, "1.21": 0xe, "1.22": 0xf, "1.23": 0x10,
    "1.24": 0x10, "1.25": 0x11, "1.26": 0x11, "2.0": 0x12, "2.1": 0x13, "2.2": 0x13, "2.3": 0x14, "2.4": 0x15,
}
"""NumPy release (major.minor) -> the C-API feature version it provides. Source: the ``NPY_x_y_API_VERSION`` defines
of numpy/_core/include/numpy/numpyconfig.h in the numpy 2.4.6 wheel (1.26 has 1.25's version: no ``NPY_1_26``
define, and 1.26's own numpyconfig.h gives ``NPY_API_VERSION`` 0x11)."""

CAPI_SOURCE = ("the import_array() that NumPy 2's headers compile in (numpy/_core/include/numpy/__multiarray_api.h): "
               "\"module was compiled against NumPy C-API version 0x%x (NumPy <target>) but the running NumPy has C-API "
               "version 0x%x\", a RuntimeError, then ImportError: numpy.core.multiarray failed to import; "
               "https://numpy.org/devdocs/user/troubleshooting-importerror.html#c-api-incompatibility")
"""The other direction — built against NumPy 2, loaded under NumPy 1.x — fails only when the module's C-API target
(``NPY_TARGET_VERSION``, written in the ``.so`` as ``(NumPy 1.23)``) is newer than what the installed NumPy provides:
NumPy 2's headers target an older C-API by default (1.19-1.23), and real runs load such modules under older NumPy
(pandas 2.2.3, target 1.20, under numpy 1.26.4). h5py 3.14's ``_npystrings`` module targets 2.0, but only h5py's own
compiled code imports it, under NumPy 2."""


def c_api(version: str) -> int | None:
    """The C-API feature version of NumPy ``version`` (``1.26.4`` or ``1.26``); None when the table does not know it."""
    parts = version.split(".")
    return C_API_VERSIONS.get(".".join(parts[:2])) if len(parts) >= 2 else None
