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
"""The other direction — built against NumPy 2, loaded under NumPy 1.x — is not a failure in general: NumPy 2's
headers target an older C-API by default (the ``(NumPy 1.20)`` / ``(NumPy 1.23)`` in the ``.so``'s message), and real
runs load such modules under older NumPy (pandas 2.2.3 under numpy 1.26.4; scipy 1.15.3, built for 1.23, under numpy
1.22.4 with only a UserWarning). So it is not reported."""
