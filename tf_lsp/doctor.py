"""`tf-lsp doctor`: which interpreter and why, its Python, the key packages and every problem found.

The problems are found by checking a virtual file that imports the key packages the environment has (every rule
pack's ``key_imports`` that are installed, and its ``required_import`` always; then the ``imports`` of the
frameworks named without a pack: ``tf_lsp.packs.key_imports``), so the doctor and the editor can never disagree.
"""
from __future__ import annotations

from pathlib import Path

from tf_lsp.model import Finding
from tf_lsp.packs import key_distributions, key_imports, named_distributions, registry
from tf_lsp.shown import command_line, printable
from tf_lsp.workspace import Workspace


def doctor_data(ws: Workspace) -> dict:
    env = ws.env
    snap = env.snapshot
    packages = {}
    for name in (*key_distributions(), *named_distributions()):
        dists = env.index.all(name)
        if dists:
            packages[name] = [{"version": d.version, "location": d.location, "installer": d.installer} for d in dists]
    wanted = [m for m, always in key_imports() if always or env.index.providers(m.split(".")[0])]
    source = "".join(f"import {m}\n" for m in wanted)
    findings: list[Finding] = ws.check_source(ws.root / "<doctor>.py", source)
    lines = source.splitlines()
    return {
        "interpreter": ws.choice.to_json() | {"version": snap.version_str},
        "python": {"version": snap.version_str, "implementation": snap.implementation, "platform": snap.platform,
                   "machine": snap.machine, "prefix": snap.prefix, "base_prefix": snap.base_prefix,
                   "static": snap.static, "notes": list(snap.problems)},
        "sys_path": list(snap.sys_path),
        "packages": packages,
        "environments": [c.to_json() for c in ws.candidates],
        "problems": [dict(f.to_json(), statement=lines[f.range.start.line] if f.range.start.line < len(lines) else "")
                     for f in findings],
    }


def doctor_text(data: dict) -> str:
    it = data["interpreter"]
    py = data["python"]
    out = ["tf-lsp doctor", "",
           f"Interpreter: {it['path']}",
           f"  chosen because: {it['why']} [{it['source']}]",
           f"Python: {py['version']} ({py['implementation']}, {py['platform']}/{py['machine']})"
           + ("  [static: nothing was run]" if py["static"] else "")]
    for note in py["notes"]:
        out.append(f"  note: {note}")
    out += ["", "Key packages:"]
    if not data["packages"]:
        out.append(f"  (none of the {' or '.join(p.name for p in registry())} family is installed)")
    for name, copies in data["packages"].items():
        for i, c in enumerate(copies):
            extra = "" if i == 0 else "  (shadowed by the copy above)"
            out.append(f"  {name:<18} {c['version']:<12} {c['location']}{extra}")
    out += ["", "Environments found:"]
    for e in data["environments"]:
        out.append(f"  {e['name']:<28} {e['kind']:<10} Python {e['python'] or '?':<8} {e['path']}")
    out += ["", "Problems:"]
    if not data["problems"]:
        out.append("  none: the key imports will work.")
    for p in data["problems"]:
        out.append(f"  {p['code']} [{p['severity']}] {p['statement']}: {p['message']}")
        for fx in p["fixes"][:3]:
            out.append(f"      fix: {fx['title']}" + (f"  ->  {command_line(fx['command'])}" if fx["command"] else ""))
    return "\n".join(printable(line) for line in out)


def doctor(root: Path, **kwargs) -> dict:
    return doctor_data(Workspace(root, **kwargs))
