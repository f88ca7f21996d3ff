"""Command line: ``tf-lsp check | doctor | envs | verify | serve``.

Exit status of ``check``: 0 no error, 1 at least one error diagnostic, 2 usage or internal error.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
from pathlib import Path

from tf_lsp import __version__, safeio
from tf_lsp.roots import find_root
from tf_lsp.shown import printable

_SKIP_DIRS = {".ipynb_checkpoints", ".virtual_documents", ".git", ".hg", ".svn", "node_modules", "__pycache__", "build", "dist", ".tox", ".nox", ".mypy_cache",
              ".pytest_cache", ".ruff_cache", "site-packages", ".eggs"}


def _gitignore(root: Path) -> list[str]:
    try:
        lines = safeio.read_text(root / ".gitignore").splitlines()
    except OSError:
        return []
    return [l.strip().rstrip("/").lstrip("/") for l in lines if l.strip() and not l.startswith(("#", "!"))]


def iter_python_files(paths: list[Path], root: Path):
    patterns = _gitignore(root)

    def ignored(p: Path) -> bool:
        rel = str(p.relative_to(root)) if p.is_relative_to(root) else p.name
        return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(p.name, pat) for pat in patterns)

    for p in paths:
        if not p.is_dir():          # a file named on the command line: checked, or skipped with the reason
            yield p
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            keep = []
            for d in sorted(dirnames):
                full = Path(dirpath) / d
                if d in _SKIP_DIRS or (full / "pyvenv.cfg").exists() or (full / "conda-meta").is_dir() or ignored(full):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                if f.endswith((".py", ".ipynb")) and not ignored(Path(dirpath) / f):
                    yield Path(dirpath) / f


def _absolute(p: Path) -> Path:
    """``p`` resolved, as Python resolves a script's symlinks for ``sys.path[0]``; but a link to something that is
    not a regular file (``/dev/zero``), a dangling link or a loop keeps the name the user wrote, so the line that
    says it was skipped names it."""
    try:
        real = p.resolve()
        if real.is_dir() or real.is_file():
            return real
        return p.parent.resolve() / p.name
    except (OSError, RuntimeError):
        return Path(os.path.abspath(p))


def _codes(value: str | None) -> set[str]:
    return {c.strip().upper() for c in value.split(",") if c.strip()} if value else set()


def cmd_check(args) -> int:
    from tf_lsp.report import dumps, iter_json, iter_text, skipped_lines, to_json, to_sarif
    from tf_lsp.workspace import Workspace

    paths = [Path(p) for p in (args.paths or ["."])]
    for p in paths:
        if not os.path.lexists(p):
            print(f"tf-lsp: {printable(p)}: no such file or folder", file=sys.stderr)
            return 2
    paths = [_absolute(p) for p in paths]
    root = Path(args.root) if args.root else find_root(paths[0])
    ws = Workspace(root, python=args.python)
    from tf_lsp.treecheck import CodeFilter, check_files

    files = list(dict.fromkeys(iter_python_files(paths, root)))
    results = check_files(ws, files, keep=CodeFilter(_codes(args.select), _codes(args.ignore)))
    for line in skipped_lines(results, cwd=Path.cwd()):
        print(line, file=sys.stderr)
    checked = [r for r in results if not r.skipped]
    if args.format == "json":
        version = ws.env.snapshot.version_str if Path(ws.choice.python).exists() else None
        _write(iter_json(to_json(ws.choice, version, ws.candidates, results, streamed=True)), end="\n")
    elif args.format == "sarif":
        print(dumps(to_sarif(results)))
    else:
        _write(_lines(iter_text(results, cwd=Path.cwd())))
        n_err = sum(1 for r in results for x in r.findings if x.severity.value == "error")
        n_all = sum(len(r.findings) for r in results)
        print(f"{len(checked)} file(s) checked with {printable(ws.choice.python)} (Python {ws.env.snapshot.version_str}): "
              f"{n_err} error(s), {n_all - n_err} other finding(s).", file=sys.stderr)
    return 1 if any(x.severity.value == "error" for r in results for x in r.findings) else 0


def _lines(lines):
    """Each line followed by a newline (nothing at all for no lines)."""
    for line in lines:
        yield line
        yield "\n"


def _write(pieces, *, end: str = "") -> None:
    """Write output as it is made, in blocks (a report of 100,000 findings is never one string in memory)."""
    out, size = [], 0
    for piece in pieces:
        out.append(piece)
        size += len(piece)
        if size >= 1 << 16:
            sys.stdout.write("".join(out))
            out, size = [], 0
    sys.stdout.write("".join(out) + end)
    sys.stdout.flush()


def cmd_doctor(args) -> int:
    from tf_lsp.doctor import doctor_data, doctor_text
    from tf_lsp.workspace import Workspace

    ws = Workspace(Path(args.root or ".").resolve(), python=args.python)
    data = doctor_data(ws)
    print(json.dumps(data, indent=2) if args.format == "json" else doctor_text(data))
    return 1 if any(p["severity"] == "error" for p in data["problems"]) else 0


def cmd_envs(args) -> int:
    from tf_lsp.workspace import Workspace

    ws = Workspace(Path(args.root or ".").resolve(), python=args.python)
    if args.format == "json":
        print(json.dumps({"selected": ws.choice.to_json(), "environments": [c.to_json() for c in ws.candidates]}, indent=2))
        return 0
    print(printable(f"selected: {ws.choice.python}  [{ws.choice.source}] {ws.choice.why}"))
    for c in ws.candidates:
        chosen = ws.choice.candidate
        mark = "*" if (chosen is not None and c.prefix == chosen.prefix) or c.python == ws.choice.python else " "
        print(printable(f"{mark} {c.name:<28} {c.kind:<10} Python {c.version or '?':<8} {c.prefix}"))
    return 0


def cmd_verify(args) -> int:
    from tf_lsp.verify import verify, verify_text
    from tf_lsp.workspace import Workspace

    ws = Workspace(Path(args.root or ".").resolve(), python=args.python)
    results, unknown = verify(ws, args.names, everything=args.all)
    if args.format == "json":
        print(json.dumps({"python": str(ws.choice.python), "results": [r.to_json() for r in results],
                          "notInstalled": unknown}, indent=2))
    else:
        print(verify_text(results, unknown))
    return 1 if any(not r.ok for r in results) or unknown else 0


def cmd_serve(args) -> int:
    from tf_lsp.server import main as serve_main

    return serve_main(tcp=args.tcp, host=args.host, port=args.port, python=args.python)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tf-lsp", description="Will your imports work in this workspace's interpreter?")
    p.add_argument("--version", action="version", version=f"tf-lsp {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="check files and folders; exit 1 when an import would fail")
    c.add_argument("paths", nargs="*")
    c.add_argument("--python", help="interpreter or environment folder to check against")
    c.add_argument("--root", help="workspace root (default: found from the first path)")
    c.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    c.add_argument("--select", help="only these codes (comma-separated prefixes, e.g. TFL10)")
    c.add_argument("--ignore", help="skip these codes (comma-separated prefixes)")
    c.set_defaults(func=cmd_check)

    d = sub.add_parser("doctor", help="report on the environment: interpreter, key packages, problems")
    d.add_argument("--python")
    d.add_argument("--root")
    d.add_argument("--format", choices=("text", "json"), default="text")
    d.set_defaults(func=cmd_doctor)

    e = sub.add_parser("envs", help="list the candidate environments")
    e.add_argument("--python")
    e.add_argument("--root")
    e.add_argument("--format", choices=("text", "json"), default="text")
    e.set_defaults(func=cmd_envs)

    v = sub.add_parser("verify", help="hash every installed file against RECORD (slow; exit 1 when damaged)")
    v.add_argument("names", nargs="*", help="distributions (default: every rule pack's distributions and runtime companions)")
    v.add_argument("--all", action="store_true", help="every distribution of the environment")
    v.add_argument("--python")
    v.add_argument("--root")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.set_defaults(func=cmd_verify)

    s = sub.add_parser("serve", help="run the language server (stdio by default)")
    s.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio (for debugging)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=2087)
    s.add_argument("--stdio", action="store_true", help="(default) accepted for editors that pass it")
    s.add_argument("--python", help="interpreter or environment folder to check against when the client's "
                                     "tfLsp.interpreter setting names none (JupyterLab: the kernel's)")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 2
    except Exception as exc:  # internal error: say so clearly, exit 2
        print(f"tf-lsp: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("TF_LSP_DEBUG"):
            raise
        return 2
