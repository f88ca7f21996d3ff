"""Full verification of installed distributions: every file RECORD lists, read and hashed (sha256), against the
hash and size RECORD gives. The explicit, slow counterpart of the stat pass the checks run on every load
(TensorFlow 2.21: ~1.5 GB read). Results are data; the CLI (``tf-lsp verify``) and the server
(``tfLsp.verify``) render them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from packaging.utils import canonicalize_name

from tf_lsp.fixes import reinstall_fix
from tf_lsp.model import Fix
from tf_lsp.packs import key_distributions
from tf_lsp.record import recorded_faithfully, verify_distribution
from tf_lsp.shown import command_line, printable

if TYPE_CHECKING:
    from tf_lsp.workspace import Workspace

# What `tf-lsp verify` looks at without names: every rule pack's distributions and the companions its framework
# imports at runtime (tf_lsp.packs.key_distributions).


@dataclass(frozen=True)
class Verification:
    name: str
    version: str
    location: str
    files: int                      # RECORD entries checked
    problems: tuple[str, ...]       # one line per missing / changed file
    note: str = ""                  # why the result needs care (an installer that edits files after RECORD)
    fix: Fix | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"name": self.name, "version": self.version, "location": self.location, "files": self.files,
                "ok": self.ok, "problems": list(self.problems), "note": self.note,
                "fix": self.fix.to_json() if self.fix else None}


def verify(ws: "Workspace", names: Iterable[str] = (), *, everything: bool = False) -> tuple[list[Verification], list[str]]:
    """(results, names asked for that are not installed). Without names: every rule pack's distributions and
    companions that are installed, or every distribution with ``everything``."""
    index = ws.env.index
    wanted = [canonicalize_name(n) for n in names]
    if everything:
        dists = [d for group in index.by_name.values() for d in group]
    else:
        dists = []
        for n in wanted or key_distributions():
            dists += list(index.all(canonicalize_name(n)))
    unknown: list[str] = [str(n) for n in wanted if not index.all(n)]
    out: list[Verification] = []
    seen: set[str] = set()
    for d in dists:
        key = str(d.metadata_dir)
        if key in seen:
            continue
        seen.add(key)
        damaged = (f"not verifiable: RECORD ({d.record_error})",) if d.record_error else ()
        if not d.record and damaged:
            out.append(Verification(d.display_name, d.version, d.location, 0, damaged,
                                    fix=reinstall_fix(ws, d.name, d.version)))
            continue
        if not d.record:
            out.append(Verification(d.display_name, d.version, d.location, 0, (),
                                    note="no RECORD (installed by a tool that does not write one): nothing to compare"))
            continue
        problems = damaged + tuple(verify_distribution(d))
        note = "" if recorded_faithfully(d) else (f"installed by {d.installer or 'an OS package manager'}, which may "
                                                   f"change files after the wheel's RECORD was written")
        fix = reinstall_fix(ws, d.name, d.version) if problems else None
        files = sum(1 for e in d.record if e.hash)
        out.append(Verification(d.display_name, d.version, d.location, files, problems, note, fix))
    return out, unknown


def verify_text(results: list[Verification], unknown: list[str]) -> str:
    lines = []
    for r in results:
        head = f"{r.name} {r.version} ({r.location}): "
        if r.ok:
            lines.append(head + (f"ok, {r.files} files match RECORD" if r.files else r.note))
            continue
        lines.append(head + f"{len(r.problems)} problem(s) in {r.files} files")
        lines += [f"    {p}" for p in r.problems[:20]]
        if len(r.problems) > 20:
            lines.append(f"    ... and {len(r.problems) - 20} more")
        if r.note:
            lines.append(f"    note: {r.note}")
        if r.fix is not None:
            lines.append(f"    fix: {command_line(r.fix.command)}")
    lines += [f"{n}: not installed in this environment" for n in unknown]
    if not results and not unknown:
        lines.append("nothing to verify: none of " + ", ".join(key_distributions()) + " is installed")
    return "\n".join(printable(line) for line in lines)


__all__ = ["Verification", "verify", "verify_text"]
