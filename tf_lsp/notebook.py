"""Jupyter notebooks as one program: the code cells in order (a later cell sees what earlier cells imported), with
IPython syntax made harmless and ``%pip install`` lines remembered, and every line mapped back to its cell.

Plain engine code (no LSP): the CLI reads ``.ipynb`` files with :func:`parse_notebook`; the server builds the same
:class:`Program` from the cells the editor sends. Cell numbers in messages count from 1 (the third cell is "cell 3");
the JSON interface carries the 0-based index among all cells.
"""
from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from tf_lsp.knowledge.import_names import dist_for_import
from tf_lsp.model import Finding, Position, Range, Severity
from tf_lsp.packs import provided_imports

# Cell magics whose body IPython runs as Python (https://ipython.readthedocs.io/en/stable/interactive/magics.html,
# "Cell magics"); every other cell magic (%%bash, %%sh, %%writefile, %%html, %%javascript ...) is not Python.
PYTHON_CELL_MAGICS = frozenset({"python", "python3", "capture", "time", "timeit", "prun"})
SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system"})

# Distributions that provide an import name other than their own, beside knowledge.import_names (one name per
# import) and the rule packs' ``provides`` (the TensorFlow variants and nightlies: tf_lsp.packs.provided_imports).
PROVIDES: dict[str, tuple[str, ...]] = {
    "opencv-python-headless": ("cv2",), "opencv-contrib-python": ("cv2",), "keras-tuner": ("keras_tuner",),
    "pillow": ("PIL",), "scikit-learn": ("sklearn",),
}
# codes that mean "not installed here"; a %pip install earlier in the notebook changes that
INSTALLABLE = frozenset({"TFL100", "TFL101", "TFL102"})

_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
_ASSIGN_MAGIC = re.compile(r"^[\w\s,.\[\]()*]+=\s*[!%]")
_HELP = re.compile(r"^(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")          # `obj?`, `??obj`: IPython's help syntax
_OPTS_WITH_VALUE = frozenset({"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                              "-f", "--find-links", "-t", "--target", "--prefix", "--root", "-e", "--editable",
                              "-n", "--name", "-p", "--channel", "--python", "--platform", "--python-version",
                              "--only-binary", "--no-binary", "--trusted-host", "--progress-bar", "--upgrade-strategy"})
_INSTALLERS = frozenset({"pip", "pip3", "conda", "mamba", "micromamba", "uv"})
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
# IPython syntax as jupyterlab-lsp rewrites it into Python before sending a notebook (its "ipython overrides"):
# %pip install X -> get_ipython().run_line_magic("pip", " install X"); !cmd -> get_ipython().getoutput("cmd");
# %%bash + body -> get_ipython().run_cell_magic("bash", "", """body""")
_IPY_LINE = re.compile(r"""get_ipython\(\)\.(run_line_magic|getoutput|system)\(\s*(["'])((?:\\.|(?!\2).)*)\2"""
                       r"""(?:\s*,\s*(["'])((?:\\.|(?!\4).)*)\4)?\s*\)""")
_IPY_CELL = re.compile(r"""^\s*get_ipython\(\)\.run_cell_magic\(\s*["'](\w+)["']\s*,\s*["'].*?["']\s*,\s*(?:\"\"\"|''')(.*)$""")
_TRIPLE = ('"""', "'''")


class NotebookError(ValueError):
    """The file is not a notebook tf-lsp can read; the message says why, for a person."""


@dataclass(frozen=True)
class Cell:
    index: int                 # 0-based among all cells
    kind: str                  # code, markdown, raw
    source: str


@dataclass(frozen=True)
class Notebook:
    cells: tuple[Cell, ...]
    kernel_name: str | None = None
    kernel_display: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class PipInstall:
    cell: int                  # the cell's key (its index among all cells)
    line: int                  # program line of the command
    tool: str                  # "%pip install", "!pip install", "%conda install" ...
    names: tuple[str, ...]     # normalized distribution names


@dataclass(frozen=True)
class Program:
    text: str
    lines: tuple[tuple[int, int], ...]      # program line -> (cell key, line inside the cell)
    installs: tuple[PipInstall, ...] = ()
    cells_known: bool = True                # False: one text of unknown cells (JupyterLab's virtual document)
    labels: tuple[tuple[int, str], ...] = ()  # how messages name a cell key, when not "cell <key + 1>"

    def locate(self, line: int) -> tuple[int, int]:
        if 0 <= line < len(self.lines):
            return self.lines[line]
        return self.lines[-1] if self.lines else (0, 0)


def parse_notebook(text: str) -> Notebook:
    """Cells and kernel of an nbformat 4 notebook; :class:`NotebookError` for anything else."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotebookError(f"not a notebook: invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise NotebookError("not a notebook: the JSON is not an object with a `cells` list")
    major = data.get("nbformat")
    if "worksheets" in data or (isinstance(major, int) and major < 4):
        raise NotebookError(f"nbformat {major or 3} notebook: only nbformat 4 is read "
                            f"(convert it with `jupyter nbconvert --to notebook --nbformat 4`)")
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no `cells` list")
    out = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict):
            out.append(Cell(i, "invalid", ""))
            continue
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        elif not isinstance(src, str):
            src = ""
        out.append(Cell(i, str(cell.get("cell_type", "code")), src))
    meta = _dict(data.get("metadata"))
    spec, lang = _dict(meta.get("kernelspec")), _dict(meta.get("language_info"))
    name, display, language = spec.get("name"), spec.get("display_name"), lang.get("name") or spec.get("language")
    return Notebook(tuple(out), kernel_name=name if isinstance(name, str) and name else None,
                    kernel_display=display if isinstance(display, str) else None,
                    language=language if isinstance(language, str) else None)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def code_cells(nb: Notebook) -> list[tuple[int, str]]:
    return [(c.index, c.source) for c in nb.cells if c.kind == "code"]


def build_program(cells: Iterable[tuple[int, str]]) -> Program:
    """One Python text of the code cells ``(key, source)`` in order, each line kept where it was: magics and shell
    lines become ``pass`` (same indentation, so blocks stay valid), non-Python cell magics become empty lines."""
    out: list[str] = []
    where: list[tuple[int, int]] = []
    installs: list[PipInstall] = []
    for key, source in cells:
        lines = _LINE_SPLIT.split(source)
        first = lines[0].strip() if lines else ""
        body_python = True
        if first.startswith("%%"):
            magic = first[2:].split(None, 1)[0] if first[2:].split() else ""
            body_python = magic in PYTHON_CELL_MAGICS
            if magic in SHELL_CELL_MAGICS:
                for n, line in enumerate(lines[1:], 1):
                    _note_install(installs, key, len(out) + n, line.strip(), prefix="")
        continued = False
        shell_string = False          # inside get_ipython().run_cell_magic("bash", "", """...""")
        for n, line in enumerate(lines):
            where.append((key, n))
            if (n == 0 and first.startswith("%%")) or not body_python:
                out.append("")
                continue
            stripped = line.lstrip()
            if shell_string or "get_ipython()" in line:
                shell_string = _note_rewritten(installs, key, len(out), line, in_shell=shell_string)
            if continued:
                continued = stripped.rstrip().endswith("\\")
                out.append("")
                continue
            if stripped.startswith(("%", "!")) or _ASSIGN_MAGIC.match(stripped) or _HELP.match(stripped):
                if stripped.startswith(("%", "!")):
                    _note_install(installs, key, len(out), stripped, prefix=stripped[0])
                continued = stripped.rstrip().endswith("\\")
                out.append(line[:len(line) - len(stripped)] + "pass")
                continue
            out.append(line)
    return Program("\n".join(out) + "\n" if out else "", tuple(where), tuple(installs))


def _before_triple(text: str) -> str:
    for q in _TRIPLE:
        text = text.split(q, 1)[0]
    return text


def _note_rewritten(installs: list[PipInstall], key: int, line: int, text: str, *, in_shell: bool) -> bool:
    """Installs in magics as jupyterlab-lsp rewrites them; returns whether the next line is still inside the
    string of a shell cell magic."""
    if in_shell:
        _note_install(installs, key, line, _before_triple(text).strip(), prefix="")
        return not any(q in text for q in _TRIPLE)
    cell = _IPY_CELL.match(text)
    if cell:
        if cell.group(1) not in SHELL_CELL_MAGICS:
            return False
        _note_install(installs, key, line, _before_triple(cell.group(2)).strip(), prefix="")
        return not any(q in cell.group(2) for q in _TRIPLE)
    for m in _IPY_LINE.finditer(text):
        def unescape(v: str | None) -> str:
            return re.sub(r"\\(.)", r"\1", v or "")
        if m.group(1) == "run_line_magic":
            _note_install(installs, key, line, f"{unescape(m.group(3))} {unescape(m.group(5))}", prefix="", shown="%")
        else:
            _note_install(installs, key, line, unescape(m.group(3)), prefix="", shown="!")
    return False


def _note_install(installs: list[PipInstall], key: int, line: int, command: str, *, prefix: str,
                  shown: str | None = None) -> None:
    """``shown``: how the command was written (``%``, ``!``), when ``prefix`` was already taken off."""
    body = command[len(prefix):].rstrip("\\").strip()
    for part in re.split(r"&&|\|\|?|;", body):
        try:
            words = shlex.split(part, comments=True)
        except ValueError:
            words = part.split()
        names = install_names(words)
        if names:
            tool = _tool_name(words)
            installs.append(PipInstall(key, line, f"{prefix if shown is None else shown}{tool} install", names))


def _tool_name(words: list[str]) -> str:
    for w in words:
        base = w.rsplit("/", 1)[-1]
        if base in _INSTALLERS:
            return "pip" if base.startswith("pip") else base
    return "pip"


def install_names(words: Sequence[str]) -> tuple[str, ...]:
    """The distributions a ``pip|conda|mamba|uv pip install ...`` command line installs (normalized names);
    () when it is not one. Paths, URLs (unless ``#egg=``), requirement files and ``$VARIABLES`` are skipped."""
    words = [w for w in words if w not in ("sudo",)]
    try:
        at = words.index("install")
    except ValueError:
        return ()
    if not any(w.rsplit("/", 1)[-1] in _INSTALLERS or w.startswith("{sys.executable}") for w in words[:at]):
        return ()
    out: list[str] = []
    skip = False
    for w in words[at + 1:]:
        if skip:
            skip = False
            continue
        if w.startswith("-"):
            skip = w in _OPTS_WITH_VALUE
            continue
        if re.match(r"^\d*[<>|&]", w):            # a redirection or pipe
            continue
        if "#egg=" in w:
            w = w.split("#egg=", 1)[1]
        elif "://" in w or w.startswith((".", "/", "~", "$", "{", "git+")) or w.endswith((".whl", ".tar.gz", ".zip")):
            continue
        w = w.split("::", 1)[-1]                  # conda channel::name
        m = _NAME.match(w)
        if m:
            name = re.split(r"[=<>!~\[;@ ]", m.group(1))[0]
            out.append(normalize(name))
    return tuple(dict.fromkeys(n for n in out if n))


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def provides(dist: str, module: str) -> bool:
    """Whether installing distribution ``dist`` makes ``module`` importable, as far as known without the wheel."""
    top = module.split(".")[0]
    if dist == normalize(top) or dist == normalize(dist_for_import(module)):
        return True
    return any(module == p or module.startswith(p + ".") for p in (*PROVIDES.get(dist, ()), *provided_imports(dist)))


def installed_before(program: Program, finding: Finding) -> PipInstall | None:
    """The earliest ``%pip install`` above the finding's line that provides its module."""
    if finding.module is None or finding.code not in INSTALLABLE:
        return None
    for inst in program.installs:
        if inst.line < finding.range.start.line and any(provides(d, finding.module) for d in inst.names):
            return inst
    return None


def apply_installs(program: Program, findings: Iterable[Finding]) -> list[Finding]:
    """A missing module that an earlier cell installs is information, saying which cell makes it work."""
    out = []
    for f in findings:
        inst = installed_before(program, f)
        if inst is not None:
            label = dict(program.labels).get(inst.cell, f"cell {inst.cell + 1}")
            where = f"in {label}" if program.cells_known else f"on line {inst.line + 1}"
            f = replace(f, severity=Severity.INFORMATION, fixes=(),
                        message=f"`{f.module}` is installed by the `{inst.tool}` {where}; it works once that "
                                f"cell has run (today: {f.message})",
                        details=(f"{where.split(' ', 1)[1]} runs `{inst.tool} {' '.join(inst.names)}`",) + f.details)
        out.append(f)
    return out


def to_cell(program: Program, rng: Range) -> tuple[int, Range]:
    """A program range as (cell key, range inside that cell's source); characters are unchanged."""
    cell, start = program.locate(rng.start.line)
    end_cell, end = program.locate(rng.end.line)
    if end_cell != cell:
        end, end_char = start, rng.start.character
    else:
        end_char = rng.end.character
    return cell, Range(Position(start, rng.start.character), Position(end, end_char))


__all__ = [
    "Cell",
    "Notebook",
    "NotebookError",
    "PipInstall",
    "Program",
    "apply_installs",
    "build_program",
    "code_cells",
    "install_names",
    "parse_notebook",
    "provides",
    "to_cell",
]
