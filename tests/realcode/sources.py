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


def download_all(projects) -> None:
    """The sdists not yet here (or not matching their sha256), fetched with ONE ``pip download`` (a pip start per
    project cost more than the downloads); ``download`` then checks each."""
    folder = real_dir() / "sdists"
    wanted = [p for p in projects if not (folder / p.archive).exists() or sha256_of(folder / p.archive) != p.sha256]
    if len(wanted) < 2:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for p in wanted:
        (folder / p.archive).unlink(missing_ok=True)
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
            "--no-binary", ":all:", "--dest", str(folder), *[p.spec for p in wanted]]
    subprocess.run(argv, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT)


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
    folder: str = ""          # run folder relative to the root ("" = the root)
    pythonpath: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How the outcome is keyed: the way, plus its run folder and PYTHONPATH when it has them."""
        extra = (f" in {self.folder}" if self.folder else "") + "".join(f" +{p}" for p in self.pythonpath)
        return self.how + extra


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
    setup: tuple[Statement, ...] = ()   # module-level sys.path edits, run in order with the imports, not judged


def _applies(rule: RunRule, rel: str, text: str) -> bool:
    if not fnmatch.fnmatchcase(rel, rule.pattern):
        return False
    return rule.doc_file != SELF or rule.doc_text in text


def modes_of(project, rel: str, text: str) -> tuple[Mode, ...]:
    modes: dict[tuple, Mode] = {}
    for rule in project.rules:
        key = (rule.how, rule.folder, rule.pythonpath)
        if _applies(rule, rel, text) and key not in modes:
            where = rel if rule.doc_file == SELF else rule.doc_file
            modes[key] = Mode(rule.how, f"{where}: {rule.doc_text}", rule.folder, rule.pythonpath)
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


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def path_edits_of(text: str) -> tuple[Statement, ...]:
    """The module-level statements that change ``sys.path`` (``sys.path.append(...)``, ``if p not in sys.path:
    ...``, a call of a module-level function that does), with the module-level assignments and functions they
    read: run before the imports that follow them, as the file does, so that the imports are judged the way the
    file really runs them."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ()
    body = tree.body
    editors = {n.name for n in body if isinstance(n, ast.FunctionDef) and "sys.path" in ast.unparse(n)}
    chosen: set[int] = set()
    for i, node in enumerate(body):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            continue
        src = ast.unparse(node)
        if "sys.path" in src or (_names_in(node) & editors and isinstance(node, (ast.Expr, ast.If))):
            chosen.add(i)
    wanted = set().union(*(_names_in(body[i]) for i in chosen)) if chosen else set()
    for _ in range(3):          # the assignments (and editing functions) those statements read, a few levels deep
        for i, node in enumerate(body):
            if i in chosen:
                continue
            if isinstance(node, ast.Assign) and {t.id for t in node.targets if isinstance(t, ast.Name)} & wanted \
                    and i < max(chosen):
                chosen.add(i)
                wanted |= _names_in(node.value)
            elif isinstance(node, ast.FunctionDef) and node.name in wanted and node.name in editors:
                chosen.add(i)
    return tuple(Statement(body[i].lineno, body[i].end_lineno or body[i].lineno, ast.unparse(body[i]), False,
                           False) for i in sorted(chosen))


def in_scope(project, root: Path) -> list[SourceFile]:
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
        files.append(SourceFile(rel, modes, statements_of(text), path_edits_of(text)))
    return files


def first_party_names(root: Path, folders: tuple[str, ...] = ("",)) -> set[str]:
    """Every module and package name inside the project tree (any depth; only under ``folders`` of a repository
    with many projects): what an install must never be named."""
    names = set()
    for base, path in [(root / folder, p) for folder in folders for p in (root / folder).rglob("*.py")]:
        rel = path.relative_to(base)
        names.add(path.stem)
        names.update(part for part in rel.parts[:-1])
    names.discard("__init__")
    return {n for n in names if n.isidentifier()}
