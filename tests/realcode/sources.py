"""Fetch the projects' source distributions, check them, unpack them, and list what the tier looks at.

Everything lives under ``$TF_LSP_REAL_DIR`` (default ``~/.cache/tf-lsp-real``): ``sdists/`` (the archives as pip
downloaded them), ``src/<folder>`` (unpacked, layout kept), ``env/`` (the TensorFlow environment), ``truth/`` (the
recorded outcomes). Nothing is fetched when the archive is already there with the right sha256.
"""
from __future__ import annotations

import ast
import fnmatch
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tests.realcode.manifest import SELF, Project, RunRule

DOWNLOAD_TIMEOUT = 600


def real_dir() -> Path:
    return Path(os.environ.get("TF_LSP_REAL_DIR") or "~/.cache/tf-lsp-real").expanduser()


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(project: Project) -> Path:
    """The project's sdist, downloaded with pip when absent; raises when its sha256 is not the manifest's."""
    folder = real_dir() / "sdists"
    archive = folder / project.archive
    if not archive.exists() or sha256_of(archive) != project.sha256:
        folder.mkdir(parents=True, exist_ok=True)
        archive.unlink(missing_ok=True)
        argv = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                "--no-binary", ":all:", "--dest", str(folder), project.spec]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT)
        if proc.returncode != 0 or not archive.exists():
            raise RuntimeError(f"pip download {project.spec} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    digest = sha256_of(archive)
    if digest != project.sha256:
        raise RuntimeError(f"{archive.name}: sha256 {digest}, the manifest says {project.sha256}")
    return archive


def unpack(project: Project) -> Path:
    """The project's root folder, unpacked from its checked sdist (again when the archive changed)."""
    archive = download(project)
    root = real_dir() / "src" / project.folder
    stamp = root.parent / f"{project.folder}.sha256"
    if root.is_dir() and stamp.exists() and stamp.read_text().strip() == project.sha256:
        return root
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if not member.name.startswith(project.folder + "/") and member.name != project.folder:
                raise RuntimeError(f"{archive.name}: unexpected member {member.name}")
        tar.extractall(root.parent, filter="data")
    stamp.write_text(project.sha256)
    return root


@dataclass(frozen=True)
class Mode:
    how: str                  # "package" | "script"
    doc: str                  # "file: text" that documents it


@dataclass(frozen=True)
class Statement:
    line: int                 # 1-based first line
    end_line: int
    source: str               # the statement alone, unparsed (runs at module level)
    guarded: bool             # inside try/except ImportError (or broader)
    type_checking: bool


@dataclass(frozen=True)
class SourceFile:
    rel: str                  # posix path relative to the project root
    modes: tuple[Mode, ...]
    statements: tuple[Statement, ...]


def _applies(rule: RunRule, rel: str, text: str) -> bool:
    if not fnmatch.fnmatchcase(rel, rule.pattern):
        return False
    return rule.doc_file != SELF or rule.doc_text in text


def modes_of(project: Project, rel: str, text: str) -> tuple[Mode, ...]:
    modes: dict[str, Mode] = {}
    for rule in project.rules:
        if _applies(rule, rel, text) and rule.how not in modes:
            where = rel if rule.doc_file == SELF else rule.doc_file
            modes[rule.how] = Mode(rule.how, f"{where}: {rule.doc_text}")
    return tuple(modes.values())


_GUARDS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException", "OSError"}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((n.id if isinstance(n, ast.Name) else getattr(n, "attr", "")) in _GUARDS for n in names)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def statements_of(text: str) -> tuple[Statement, ...]:
    """Every import statement, at any depth, in source order."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ()
    found: list[Statement] = []

    def visit(body: list, guarded: bool, tc: bool) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(Statement(node.lineno, node.end_lineno or node.lineno, ast.unparse(node), guarded, tc))
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                visit(node.body, guarded or any(_catches_import_error(h) for h in node.handlers), tc)
                for h in node.handlers:
                    visit(h.body, guarded, tc)
                visit(node.orelse, guarded, tc)
                visit(node.finalbody, guarded, tc)
            elif isinstance(node, ast.If):
                visit(node.body, guarded, tc or _is_type_checking(node.test))
                visit(node.orelse, guarded, tc)
            else:
                for field in ("body", "orelse", "finalbody"):
                    sub = getattr(node, field, None)
                    if isinstance(sub, list):
                        visit(sub, guarded, tc)
                for h in getattr(node, "handlers", []) or []:
                    visit(h.body, guarded, tc)
                for case in getattr(node, "cases", []) or []:
                    visit(case.body, guarded, tc)

    visit(tree.body, False, False)
    return tuple(sorted(found, key=lambda s: s.line))


def in_scope(project: Project, root: Path) -> list[SourceFile]:
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if not any(fnmatch.fnmatchcase(rel, g) for g in project.include):
            continue
        if any(fnmatch.fnmatchcase(rel, g) for g in project.exclude):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        modes = modes_of(project, rel, text)
        if not modes:
            raise RuntimeError(f"{project.name}: {rel} is in scope but no rule says how it runs")
        files.append(SourceFile(rel, modes, statements_of(text)))
    return files


def first_party_names(root: Path) -> set[str]:
    """Every module and package name inside the project tree (any depth): what an install must never be named."""
    names = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        names.add(path.stem)
        names.update(part for part in rel.parts[:-1])
    names.discard("__init__")
    return {n for n in names if n.isidentifier()}
