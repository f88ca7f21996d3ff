"""Version pairs that a package enforces itself when it is imported, as data.

A declared range (Requires-Dist) that is not met is usually only a warning: many packages import fine outside what
they declare. The pairs here are different: the package's own import-time code fails when the pair is broken, so
every import whose code runs ``enforced_by`` fails. Each record names the wheel files it was read from.

Packages not listed here are still caught when their code checks the version itself in a way the static reader
sees (``tf_lsp.version_checks``): then the declared range is the one enforced.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EnforcedPair:
    package: str
    """The distribution whose import enforces the pair (canonical name)."""
    companion: str
    """The distribution it checks."""
    enforced_by: str
    """The module of ``package`` whose import-time code fails when the pair is broken: every import that runs it fails."""
    accepts: str
    """``"declared"``: the range ``package`` declares on ``companion`` (Requires-Dist) is enforced as written;
    ``"gate"``: from the string ``minimum_variable`` in ``minimum_file`` (relative to the site folder) up to
    ``package``'s own version, versions compared by their leading dotted numbers."""
    error: str
    """The exception the import ends with; ``{companion_version}``, ``{minimum}``, ``{package_version}``,
    ``{wanted}`` are filled in."""
    source: str
    fix_first: str = "companion"
    """Which side the first fix changes: ``"companion"`` (install the companion the package accepts) or
    ``"package"`` (install the package release that accepts the installed companion: the companion is the big
    framework people keep)."""
    minimum_file: str = ""
    minimum_variable: str = ""
    error_too_new: str = ""
    """For ``"gate"``: the exception when the companion is newer than the package."""
    compiled: str = ""
    """Glob (relative to the site folder) of the compiled libraries ``enforced_by`` needs loaded: when one of them
    needs a library named ``companion_lib_prefixes*`` that the companion's ``companion_libs`` folder does not have,
    it was built for another build of the companion (CUDA vs CPU) and the pair is broken even inside the range."""
    companion_libs: str = ""
    companion_lib_prefixes: tuple[str, ...] = ()


ENFORCED_PAIRS: tuple[EnforcedPair, ...] = (
    EnforcedPair(
        package="jax", companion="jaxlib", enforced_by="jax._src.lib", accepts="gate",
        minimum_file="jax/version.py", minimum_variable="_minimum_jaxlib_version",
        error="RuntimeError: jaxlib is version {companion_version}, but this version of jax requires version >= {minimum}.",
        error_too_new=("RuntimeError: jaxlib version {companion_version} is newer than and incompatible with jax version "
                       "{package_version}. Please update your jax and/or jaxlib packages."),
        source=("jax 0.10.2 wheel: jax/_src/lib/__init__.py calls check_jaxlib_version() at module level, which "
                "raises RuntimeError when jaxlib is older than jax.version._minimum_jaxlib_version or newer than "
                "jax itself; jax/__init__.py imports jax._src.lib"),
    ),
    EnforcedPair(
        package="torchvision", companion="torch", enforced_by="torchvision._meta_registrations", accepts="declared",
        error="RuntimeError: operator torchvision::nms does not exist",
        fix_first="package",
        compiled="torchvision/_C*.so", companion_libs="torch/lib", companion_lib_prefixes=("libc10", "libtorch"),
        source=("torchvision 0.28.0, 0.29.0 and 0.29.1 wheels: torchvision/__init__.py imports .extension, which "
                "loads the compiled ops (_C.so / _C_stable.so, built against one torch release: 0.29.0 METADATA "
                "Requires-Dist: torch (==2.14.0), 0.28.0: torch (==2.13.0)) and hides a failure to load them; it "
                "then imports _meta_registrations, whose module-level @torch.library.register_fake(\"torchvision::nms\") "
                "raises RuntimeError when the ops were not registered; torchvision 0.28.0's _C.so (DT_NEEDED) needs libc10_cuda.so "
                "and libtorch_cuda.so, which torch 2.13.0+cpu's torch/lib does not have"),
    ),
)


def pair_for(package: str, companion: str) -> EnforcedPair | None:
    return next((p for p in ENFORCED_PAIRS if p.package == package and p.companion == companion), None)


__all__ = ["EnforcedPair", "ENFORCED_PAIRS", "pair_for"]
