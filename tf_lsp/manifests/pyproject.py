"""pyproject.toml: [project] dependencies, [tool.poetry.dependencies] and [dependency-groups], edited with tomlkit
(format preserving); only the one requirement string or value changes.

Every edit is checked: the file must round-trip through tomlkit unchanged before it is touched, and the edited
text, read again (with tomllib where there is one), must differ from the old one only at the target entries.
Otherwise ManifestRefused says why and nothing is written.
"""
from __future__ import annotations

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from tf_lsp.discovery.records import _toml_module
from tf_lsp.manifests.text import ManifestRefused, same_name


def _tomlkit():
    """tomlkit, imported on first use: only an edit of pyproject.toml needs it (12 ms of every check's start)."""
    import tomlkit

    return tomlkit


def _load(text: str, where: str):
    tomlkit = _tomlkit()
    try:
        doc = tomlkit.parse(text)
    except Exception as exc:          # tomlkit raises its own error types, and sometimes others on odd input
        raise ManifestRefused(f"{where} is not valid TOML ({exc}); tf-lsp does not edit it.") from exc
    if tomlkit.dumps(doc) != text:
        raise ManifestRefused(f"{where} would not be written back byte for byte; tf-lsp does not edit it.")
    return doc


def _plain(text: str, where: str):
    try:
        return _toml_module().loads(text)
    except Exception as exc:
        raise ManifestRefused(f"{where} is not valid TOML ({exc}); tf-lsp does not edit it.") from exc


def _req_name(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return Requirement(str(value)).name
    except InvalidRequirement:
        return None


def _repinned(value: str, specifier: str) -> str:
    """The same requirement string with only its version specifier replaced (name spelling, extras, marker kept)."""
    req = Requirement(value)
    if req.url:
        return value
    head = value.split(";", 1)[0]
    marker = value[len(head):]
    # keep the user's spelling of name and extras: everything up to the first specifier character
    cut = len(head)
    for i, ch in enumerate(head):
        if ch in "<>=!~(" or (ch == " " and head[i:].strip()[:1] in "<>=!~("):
            cut = i
            break
    name_part = head[:cut].rstrip()
    gap = head[len(head.rstrip()):] if marker else ""
    return f"{name_part}{specifier}{gap}{marker}"


def _repin_array(arr, package: str, specifier: str) -> bool:
    hit = False
    for i, item in enumerate(list(arr)):
        name = _req_name(item)
        if name and same_name(name, package):
            new = _repinned(str(item), specifier)
            if new != str(item):
                literal = hasattr(item, "as_string") and item.as_string().startswith("'")
                arr[i] = _tomlkit().string(new, literal=literal)
            hit = True
    return hit


def _project_deps(doc):
    project = doc.get("project")
    deps = project.get("dependencies") if isinstance(project, dict) else None
    return deps if isinstance(deps, list) else None


def _poetry_deps(doc):
    poetry = doc.get("tool", {}).get("poetry") if isinstance(doc.get("tool"), dict) else None
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    return deps if isinstance(deps, dict) else None


def _changes(a, b, path=()):
    """Paths where two plain TOML values differ (a list longer on one side: each extra index)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in dict.fromkeys([*a, *b]):
            yield from _changes(a.get(k, _MISSING), b.get(k, _MISSING), (*path, k))
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            yield from _changes(a[i] if i < len(a) else _MISSING, b[i] if i < len(b) else _MISSING, (*path, i))
    elif a != b or type(a) is not type(b):
        yield path, a, b


_MISSING = object()


def _allowed(path: tuple, old, new, package: str, specifier: str) -> bool:
    in_array = path[:2] == ("project", "dependencies") or (path[:1] == ("dependency-groups",) and len(path) == 3)
    if in_array and len(path) == 3:
        try:
            req = Requirement(new)
        except (InvalidRequirement, TypeError):
            return False
        ok = same_name(req.name, package) and req.specifier == SpecifierSet(specifier)
        if old is _MISSING:
            return ok
        return ok and isinstance(old, str) and same_name(Requirement(old).name, package)
    if path[:3] == ("tool", "poetry", "dependencies") and len(path) >= 4 and same_name(str(path[3]), package):
        return (len(path) == 4 or path[4] == "version") and new == specifier
    return False


def _checked(old_text: str, new_text: str, package: str, specifier: str, where: str) -> str:
    before, after = _plain(old_text, where), _plain(new_text, where)
    for path, old, new in _changes(before, after):
        if not _allowed(path, old, new, package, specifier):
            raise ManifestRefused(f"{where}: pinning {package} would change {'.'.join(map(str, path))} too; "
                                  f"tf-lsp does not edit it.")
    return new_text


def declares(text: str, package: str, *, where: str = "pyproject.toml") -> bool:
    doc = _load(text, where)
    arrays = [a for a in [_project_deps(doc)] if a is not None]
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        arrays += [g for g in groups.values() if isinstance(g, list)]
    if any((name := _req_name(v)) and same_name(name, package) for a in arrays for v in a):
        return True
    poetry = _poetry_deps(doc)
    return bool(poetry) and any(same_name(k, package) for k in poetry if k != "python")


def can_append(text: str, *, where: str = "pyproject.toml") -> bool:
    doc = _load(text, where)
    return _project_deps(doc) is not None or _poetry_deps(doc) is not None


def pin(text: str, package: str, specifier: str, *, where: str = "pyproject.toml") -> str | None:
    doc = _load(text, where)
    hit = False
    deps = _project_deps(doc)
    if deps is not None:
        hit |= _repin_array(deps, package, specifier)
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        for group in groups.values():
            if isinstance(group, list):
                hit |= _repin_array(group, package, specifier)
    poetry = _poetry_deps(doc)
    if poetry is not None:
        for key in list(poetry):
            if key != "python" and same_name(key, package):
                hit = True
                value = poetry[key]
                if isinstance(value, dict):
                    value["version"] = specifier
                else:
                    poetry[key] = specifier
    return _checked(text, _tomlkit().dumps(doc), package, specifier, where) if hit else None


def append(text: str, package: str, specifier: str, *, where: str = "pyproject.toml") -> str | None:
    doc = _load(text, where)
    deps = _project_deps(doc)
    if deps is not None:
        deps.append(f"{package}{specifier}")
        return _checked(text, _tomlkit().dumps(doc), package, specifier, where)
    poetry = _poetry_deps(doc)
    if poetry is not None:
        poetry[package] = specifier or "*"
        return _checked(text, _tomlkit().dumps(doc), package, specifier or "*", where)
    return None
