"""What tf-lsp accepts as an install spec: a plain distribution name, optional extras, optional version specifiers.

Installers read far more than requirements from an argument: ``pip install x.whl`` (or ``x.zip[e]``,
``x==1.0+evil.tar.gz``) installs a LOCAL FILE, because pip takes any argument whose text ends in an archive suffix
for a path (pip ``_internal/req/constructors.py`` ``_get_url_from_path`` with ``utils/filetypes.py``
``ARCHIVE_EXTENSIONS``); ``name @ url`` fetches a URL; a leading ``-`` is an option. A spec built from a package's
own ``Requires-Dist`` can hold any of these, so every spec tf-lsp hands to an installer passes ``safe_requirement``
first, whether it came from a client or from metadata.

The rule: a PEP 508 name (no path separators, no archive suffix), extras that are names, PEP 440 specifiers with
neither a local version label (``+...``) nor arbitrary equality (``===``), no URL, no environment marker, and no
whitespace or control characters inside the name or the version text. ``str()`` of the returned Requirement is the
one normal form used on every argv.
"""
from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

# https://packaging.python.org/en/latest/specifications/name-normalization/ (the PEP 508 name)
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
# suffixes pip treats as an archive file (pip/_internal/utils/filetypes.py, ARCHIVE_EXTENSIONS), plus .egg
ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz",
                    ".tar.lz", ".tar.lzma", ".egg")
_SPEC_TEXT = re.compile(r"[A-Za-z0-9._\-\[\],<>=!~*+ ]*")     # every character a name[extras]specifier can hold


def _looks_like_file(text: str) -> bool:
    low = text.lower()
    return any(low.endswith(s) for s in ARCHIVE_SUFFIXES)


def safe_name(text: object) -> str:
    """``text`` when it is a plain distribution name; ValueError (saying why) otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"a package name must be a string, not {type(text).__name__}")
    if not _NAME.fullmatch(text):
        raise ValueError(f"{text!r} is not a distribution name (letters, digits, '.', '_', '-'; starting and ending "
                         f"with a letter or digit)")
    if _looks_like_file(text):
        raise ValueError(f"{text!r} ends like an archive file name: an installer would take it for a local file")
    return text


def safe_specifier(text: object) -> SpecifierSet:
    """A PEP 440 specifier set without local version labels or ``===``; ValueError otherwise."""
    if not isinstance(text, str) or not _SPEC_TEXT.fullmatch(text):
        raise ValueError(f"{text!r} is not a version specifier such as ==1.26.4")
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise ValueError(f"{text!r} is not a valid version specifier: {exc}") from exc
    for s in spec:
        if s.operator == "===":
            raise ValueError(f"{text!r}: arbitrary equality (===) is not offered in install specs")
        if "+" in s.version:
            raise ValueError(f"{text!r}: a local version label (+...) is not offered in install specs")
    if _looks_like_file(str(spec)):
        raise ValueError(f"{text!r} ends like an archive file name")
    return spec


def safe_requirement(text: object) -> Requirement:
    """The parsed requirement when ``text`` is name[extras]specifiers and nothing else; ValueError otherwise."""
    if not isinstance(text, str) or not text:
        raise ValueError("a requirement must be a non-empty string")
    if not _SPEC_TEXT.fullmatch(text):
        raise ValueError(f"{text!r} is not a plain package requirement: only package requirements (a name, [extras], "
                         f"version specifiers) are installed by tf-lsp, no URL, path, option, marker or control "
                         f"character")
    if text.lstrip().startswith(("-", ".")):
        raise ValueError(f"{text!r} starts like an option or a path, not a package name")
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise ValueError(f"{text!r} is not a valid requirement: {exc}") from exc
    if req.url or req.marker is not None:
        raise ValueError(f"{text!r}: only plain package requirements are installed (no URL, no marker)")
    safe_name(req.name)
    for extra in req.extras:
        if not _NAME.fullmatch(extra):
            raise ValueError(f"{text!r}: extra {extra!r} is not a name")
    safe_specifier(str(req.specifier))
    if _looks_like_file(text.strip()) or _looks_like_file(str(req)):
        raise ValueError(f"{text!r} ends like an archive file name: an installer would take it for a local file")
    return req


def safe_spec_text(text: object) -> str:
    """``str(safe_requirement(text))``: the one normal form put on an installer's argv."""
    return str(safe_requirement(text))


def split_safe(specs) -> tuple[list[str], list[str]]:
    """(the safe specs as written, the reasons the others are refused) for specs built from metadata."""
    ok, refused = [], []
    for s in specs:
        try:
            safe_requirement(s)
            ok.append(s.strip())
        except ValueError as exc:
            refused.append(str(exc))
    return ok, refused


__all__ = ["safe_name", "safe_requirement", "safe_specifier", "safe_spec_text", "split_safe", "ARCHIVE_SUFFIXES"]
