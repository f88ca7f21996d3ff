"""What every check receives, and how it makes a finding."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from tf_lsp.imports import ImportStmt
from tf_lsp.knowledge.codes import CODES
from tf_lsp.model import Finding, Fix, Range, Severity
from tf_lsp.resolver import PathExtender, Resolution, Resolver

if TYPE_CHECKING:
    from tf_lsp.envstate import EnvState
    from tf_lsp.workspace import Workspace


@dataclass(frozen=True)
class ImportContext:
    workspace: "Workspace"
    env: "EnvState"
    file_path: Path
    stmt: ImportStmt
    resolution: Resolution | None      # None for relative imports
    resolver: Resolver
    environ: Mapping[str, str]
    script_dir: str

    def finding(self, code: str, message: str, *, range: Range | None = None, fixes: Iterable[Fix] = (),
                details: Iterable[str] = (), severity: Severity | None = None, module: str | None = None) -> Finding:
        c = CODES[code]
        return Finding(range=range or self.stmt.range, severity=severity or c.severity, code=code, name=c.name,
                       message=message, fixes=tuple(fixes), module=module or self.stmt.module,
                       details=tuple(details))


ImportCheck = Callable[[ImportContext], Iterable[Finding]]
ExtenderFactory = Callable[["EnvState", Mapping[str, str]], "PathExtender | None"]
