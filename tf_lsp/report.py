"""Renderings of findings: text (like ruff's), the stable JSON interface, SARIF 2.1.0, and the doctor report."""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tf_lsp import __version__
from tf_lsp.knowledge.codes import CODES
from tf_lsp.model import Candidate, Finding, InterpreterChoice, Severity
from tf_lsp.shown import command_line, printable

JSON_VERSION = 1


@dataclass(frozen=True)
class FileResult:
    path: Path
    text: str
    findings: tuple[Finding, ...]
    error: str | None = None       # the file could not be read
    cells: tuple[tuple[int, int], ...] | None = None    # a notebook: text line -> (cell index, line in the cell)
    interpreter: dict | None = None                      # a notebook checked with its kernel's interpreter

    def cell_of(self, f: Finding) -> tuple[int | None, int, int]:
        """(cell index or None, start line, end line) of a finding, lines inside the cell for notebooks."""
        if not self.cells:
            return None, f.range.start.line, f.range.end.line
        last = self.cells[-1] if self.cells else (0, 0)
        cell, line = self.cells[f.range.start.line] if f.range.start.line < len(self.cells) else last
        end_cell, end = self.cells[f.range.end.line] if f.range.end.line < len(self.cells) else last
        return cell, line, end if end_cell == cell else line
    skipped: bool = False          # refused on purpose (not a regular file, too large, a symlink loop): ``error`` says why


def utf16_column(line_text: str, column: int) -> int:
    """Code-point column -> UTF-16 code units (what LSP positions count by default)."""
    prefix = line_text[:column]
    return column + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def _lsp_range(text_lines: list[str], f: Finding, lines: tuple[int, int] | None = None) -> dict:
    """UTF-16 range; ``lines`` replaces the start and end line numbers (a notebook cell's own lines)."""
    def pos(p, shown):
        line = text_lines[p.line] if 0 <= p.line < len(text_lines) else ""
        return {"line": shown, "character": utf16_column(line, p.character)}
    start, end = lines or (f.range.start.line, f.range.end.line)
    return {"start": pos(f.range.start, start), "end": pos(f.range.end, end)}


def _diagnostic(r: FileResult, f: Finding, lines: list[str]) -> dict:
    d = f.to_json()
    cell, start, end = r.cell_of(f)
    d["range"] = _lsp_range(lines, f, (start, end))
    if cell is not None:
        d["cell"] = cell
    d["codeDescription"] = {"href": CODES[f.code].href}
    d["source"] = "tf-lsp"
    return d


class _Streamed(list):
    """A list that ``json``'s encoder walks without it being built: its items are made one at a time while the
    output is written (a file with 100,000 findings never holds 100,000 dicts, nor the whole document)."""

    def __init__(self, make: Callable[[], Iterator], n: int):
        super().__init__()
        self._make, self._n = make, n

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def __iter__(self) -> Iterator:
        return iter(self._make())


def to_json(choice: InterpreterChoice, python_version: str | None, candidates: Iterable[Candidate],
            results: Iterable[FileResult], *, streamed: bool = False) -> dict:
    """The JSON interface as a dict; ``streamed``: its diagnostics lists are made while ``iter_json`` writes them."""
    results = list(results)
    files, skipped = [], []
    for r in results:
        if r.skipped:
            skipped.append({"path": str(r.path), "reason": r.error})
            continue

        def diags(r=r):
            lines = r.text.splitlines()
            return (_diagnostic(r, f, lines) for f in r.findings)
        entry: dict = {"path": str(r.path),
                       "diagnostics": _Streamed(diags, len(r.findings)) if streamed else list(diags())}
        if r.error:
            entry["error"] = r.error
        if r.interpreter:
            entry["interpreter"] = r.interpreter
        files.append(entry)
    return {
        "version": JSON_VERSION,
        "tool": {"name": "tf-lsp", "version": __version__},
        "interpreter": {"path": str(choice.python), "version": python_version, "source": choice.source, "why": choice.why},
        "environments": [{"path": str(c.prefix), "kind": c.kind, "python": c.version, "name": c.name,
                          "in_workspace": c.in_workspace} for c in candidates],
        "files": files,
        "skipped": skipped,
        "summary": _summary(r for r in results if not r.skipped),
    }


def iter_json(data: dict) -> Iterator[str]:
    """``dumps(data)`` in pieces, for writing as they are made (the same text)."""
    return json.JSONEncoder(indent=2).iterencode(data)


def _summary(results: Iterable[FileResult]) -> dict:
    counts = {s.value: 0 for s in Severity}
    n = 0
    for r in results:
        n += 1
        for f in r.findings:
            counts[f.severity.value] += 1
    return {"files": n, **counts}


def to_text(results: Iterable[FileResult], *, cwd: Path | None = None) -> str:
    return "\n".join(iter_text(results, cwd=cwd))


def iter_text(results: Iterable[FileResult], *, cwd: Path | None = None) -> Iterator[str]:
    """The text report one line at a time (each made printable: one line, whatever names and messages hold)."""
    for line in _text_lines(results, cwd=cwd):
        yield printable(line)


def _text_lines(results: Iterable[FileResult], *, cwd: Path | None = None) -> Iterator[str]:
    for r in results:
        if r.skipped:
            continue                # said on stderr by the CLI (skipped_lines)
        shown = _rel(r.path, cwd)
        if r.error:
            yield f"{shown}:1:1: E902 {r.error}"
        if r.interpreter:
            yield f"{shown}: checked with {r.interpreter['path']} ({r.interpreter['why']})"
        for f in r.findings:
            cell, line, _ = r.cell_of(f)
            where = f"{shown}:" + (f"cell {cell + 1}:" if cell is not None else "")
            yield f"{where}{line + 1}:{f.range.start.character + 1}: {f.code} [{f.severity.value}] {f.message}"
            for fix in f.fixes[:2]:
                how = command_line(fix.command) if fix.command else ""
                yield f"    fix: {fix.title}" + (f"  ->  {how}" if how else "")


def skipped_lines(results: Iterable[FileResult], *, cwd: Path | None = None) -> list[str]:
    """One line per file that was refused (``skipped x.py: not a regular file (FIFO)``), for stderr."""
    return [f"skipped {_rel(r.path, cwd)}: {r.error}" for r in results if r.skipped]


def _rel(path: Path, cwd: Path | None) -> str:
    if cwd is None:
        return str(path)
    try:
        return str(Path(os.path.abspath(path)).relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFORMATION: "note", Severity.HINT: "note"}


def to_sarif(results: Iterable[FileResult]) -> dict:
    results = list(results)
    used = sorted({f.code for r in results for f in r.findings})
    rules = [{"id": c, "name": CODES[c].name, "shortDescription": {"text": CODES[c].summary},
              "helpUri": CODES[c].href, "defaultConfiguration": {"level": _SARIF_LEVEL[CODES[c].severity]}} for c in used]
    sarif_results = []
    for r in results:
        for f in r.findings:
            cell, line, end = r.cell_of(f)
            location: dict[str, object] = {"physicalLocation": {
                "artifactLocation": {"uri": Path(r.path).resolve().as_uri()},
                "region": {"startLine": line + 1, "startColumn": f.range.start.character + 1,
                           "endLine": end + 1, "endColumn": f.range.end.character + 1}}}
            if cell is not None:       # a notebook: the region counts lines inside the cell
                location["logicalLocations"] = [{"name": f"cell {cell + 1}"}]
                location["properties"] = {"cell": cell}
            sarif_results.append({
                "ruleId": f.code, "ruleIndex": used.index(f.code), "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message if cell is None else f"cell {cell + 1}: {f.message}"},
                "locations": [location],
                "fixes": [{"description": {"text": fx.title}} for fx in f.fixes if fx.edits] or None,
            })
            if sarif_results[-1]["fixes"] is None:
                del sarif_results[-1]["fixes"]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "tf-lsp", "version": __version__, "informationUri": CODES["TFL100"].href.split("#")[0],
                                      "rules": rules}},
                  "results": sarif_results}],
    }


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=False)
