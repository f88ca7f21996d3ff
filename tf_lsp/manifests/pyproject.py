"""pyproject.toml: [project] dependencies, [tool.poetry.dependencies] and [dependency-groups], edited with tomlkit
(format preserving); only the one requirement string or value changes."""
from __future__ import annotations

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement

from tf_lsp.manifests.text import same_name


def _load(text: str):
    try:
        return tomlkit.parse(text)
    except Exception:          # a broken pyproject is left alone
        return None


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
                arr[i] = tomlkit.string(new, literal=literal)
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


def declares(text: str, package: str) -> bool:
    doc = _load(text)
    if doc is None:
        return False
    arrays = [a for a in [_project_deps(doc)] if a is not None]
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        arrays += [g for g in groups.values() if isinstance(g, list)]
    if any(_req_name(v) and same_name(_req_name(v), package) for a in arrays for v in a):
        return True
    poetry = _poetry_deps(doc)
    return bool(poetry) and any(same_name(k, package) for k in poetry if k != "python")


def can_append(text: str) -> bool:
    doc = _load(text)
    return doc is not None and (_project_deps(doc) is not None or _poetry_deps(doc) is not None)


def pin(text: str, package: str, specifier: str) -> str | None:
    doc = _load(text)
    if doc is None:
        return None
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
    return tomlkit.dumps(doc) if hit else None


def append(text: str, package: str, specifier: str) -> str | None:
    doc = _load(text)
    if doc is None:
        return None
    deps = _project_deps(doc)
    if deps is not None:
        deps.append(f"{package}{specifier}")
        return tomlkit.dumps(doc)
    poetry = _poetry_deps(doc)
    if poetry is not None:
        poetry[package] = specifier or "*"
        return tomlkit.dumps(doc)
    return None
