"""Names that a release of a library removed from a module, as data: when an installed package's import-time code
reads one of them (``np.unicode_`` in xarray 2023.1's ``xarray/core/dtypes.py``), the simulation finds the name
missing (``simulate``/``moduleattr``) and this table says which release still has it, for the fix. Each record names
its source.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Removal:
    distribution: str         # the distribution whose module lost the names
    module: str               # the module they were read from
    names: frozenset[str]
    removed: str              # installed versions that lack them (a specifier)
    pin: str                  # a requirement that has them again
    source: str


REMOVALS: tuple[Removal, ...] = (
    Removal("numpy", "numpy", frozenset({
        "DataSource", "Inf", "Infinity", "NINF", "NZERO", "NaN", "PINF", "PZERO", "add_docstring", "add_newdoc",
        "add_newdoc_ufunc", "alltrue", "asfarray", "byte_bounds", "cast", "cfloat", "clongfloat",
        "compare_chararrays", "compat", "complex_", "deprecate", "deprecate_with_doc", "disp",
        "fastCopyAndTranspose", "find_common_type", "float_", "format_parser", "get_array_wrap", "geterrobj",
        "infty", "issctype", "issubclass_", "issubsctype", "longcomplex", "longfloat", "lookfor", "mat",
        "maximum_sctype", "nbytes", "obj2sctype", "recfromcsv", "recfromtxt", "round_", "safe_eval",
        "sctype2char", "sctypes", "set_numeric_ops", "set_string_function", "seterrobj", "singlecomplex",
        "sometrue", "source", "string_", "tracemalloc_domain", "unicode_", "who"}),
        ">=2", "numpy<2",
        "numpy/_expired_attrs_2_0.py (__expired_attributes__) of the numpy 2.0-2.1 wheels; NumPy 2.0 migration "
        "guide, 'Changes to namespaces': https://numpy.org/devdocs/numpy_2_0_migration_guide.html"),
    Removal("numpy", "numpy", frozenset({"int", "float", "complex", "object", "str", "unicode"}),
            ">=1.24", "numpy<1.24",
            "NumPy 1.24.0 release notes, 'Expired deprecations' (the aliases deprecated in 1.20): "
            "https://numpy.org/doc/stable/release/1.24.0-notes.html"),
    Removal("numpy", "numpy", frozenset({"bool", "long"}), ">=1.24,<2", "numpy<1.24",
            "NumPy 1.24.0 release notes, 'Expired deprecations'; both names are defined again in NumPy 2.0 "
            "(numpy/__init__.py of the 2.0 wheel imports bool and long from numpy._core)"),
)


def removal(distribution: str, module: str, name: str) -> Removal | None:
    """The record saying ``distribution`` removed ``module.name``, if any (the caller checks the version)."""
    for r in REMOVALS:
        if r.distribution == distribution and r.module == module and name in r.names:
            return r
    return None
