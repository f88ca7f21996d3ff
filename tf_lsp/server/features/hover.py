"""Hover on an import: where it resolves and from which distribution; on a rule pack's framework (the first of its
``key_imports``: ``tensorflow``, ``jax``) the pack's ``summary`` of the environment; for a failing import the full
explanation with what was searched."""
from __future__ import annotations

import asyncio

from lsprotocol import types as t

from tf_lsp.firstparty import choose_way
from tf_lsp.imports import extract_imports
from tf_lsp.notebook import build_program
from tf_lsp.server.state import TfLspServer


def _contains(rng, line: int, col: int) -> bool:
    return (rng.start.line, rng.start.character) <= (line, col) <= (rng.end.line, rng.end.character)


def hover_markdown(ls: TfLspServer, uri: str, line: int, col: int) -> str | None:
    doc = ls.workspace.get_text_document(uri)
    server_pos = doc.position_codec.position_from_client_units(doc.lines, t.Position(line, col))
    line, col = server_pos.line, server_pos.character
    path = ls.document_path(uri)
    folder = ls.folder_for(uri)
    ws = folder.ws
    source = doc.source
    if not uri.startswith("file:"):            # a notebook cell: its kernel's engine, magics blanked
        from tf_lsp.server.features.notebooks import notebook_uri_of

        ws = ls.notebook_ws.get(notebook_uri_of(ls, uri) or "", ws)
        source = build_program([(0, source)]).text
    for stmt in extract_imports(source, path=str(path) if uri.startswith("file:") else None):
        spans = [(stmt.range, stmt.module)] + [(n.range, f"{stmt.module}.{n.name}") for n in stmt.names]
        hit = next((name for rng, name in spans if _contains(rng, line, col)), None)
        if hit is None or stmt.level:
            continue
        with folder.lock:
            ways = ws.run_ways(path, doc.source)
            way, _resolver, res, _note = choose_way(ws, ways, stmt)
            findings = [f for f in ls.findings.get(uri, []) if f.range.start.line == stmt.line]
            out = [f"**`{stmt.module}`**"]
            if res.found:
                top = res.top
                dist = ws.env.index.owner(stmt.module.split(".")[0], top.root)
                out.append(f"resolves to `{res.path or ', '.join(res.search_locations)}` ({res.kind})")
                if dist:
                    out.append(f"from **{dist.display_name} {dist.version}** in `{dist.location}`")
            else:
                out.append(f"not found (missing: `{res.failed_at}`)")
            cand = ws.choice.candidate
            out.append(f"environment: `{cand.name if cand else ws.choice.python}` — Python {ws.env.snapshot.version_str}")
            out += search_path_lines(ws, way)
            for f in findings:
                out += ["", f"**{f.code} {f.name}** ({f.severity.value}): {f.message}"]
                out += [f"- {d}" for d in f.details]
            summary = pack_summary_lines(ws, stmt.top)
            if summary:
                out += ["", *summary]
        return "  \n".join(out)
    return None


def search_path_lines(ws, way) -> list[str]:
    """The file's first-party sys.path for the way it runs, each entry with its reason (then the environment's)."""
    lines = ["", f"**sys.path** {way.label}:"]
    lines += [f"- `{d.split(' — ')[0]}` — {d.split(' — ', 1)[1]}" for d in way.describe(root=ws.root)]
    lines.append("- then the environment's own entries (standard library, site-packages)")
    return lines


def pack_summary_lines(ws, top: str) -> list[str]:
    """The summary of the rule pack whose framework ``top`` is (``tf_lsp.packs.summary_pack``): its version and
    build, the versions it lists, the interpreter; [] when no pack's framework is ``top``."""
    from tf_lsp.packs import summary_pack

    pack = summary_pack(top)
    if pack is None or pack.summary is None:
        return []
    env = ws.env
    lines = [f"**{pack.name} environment**"]
    s = pack.summary(env, ws.environ)
    if s is None:
        lines.append(f"{pack.name} is not installed here.")
    else:
        dist = env.index.get(s.distribution) if s.distribution else None
        head = f"{dist.display_name if dist else s.distribution or top} {s.version or '?'}"
        head += f" — {s.build}" if s.build else ""
        lines.append(head + (f"  \n`{s.location}`" if s.location else ""))
        lines += list(s.details)
    lines.append(f"Python {env.snapshot.version_str}, interpreter: `{ws.choice.python}` — {ws.choice.why}")
    return lines


def register(server: TfLspServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_HOVER)
    async def hover(ls: TfLspServer, params: t.HoverParams):
        uri, pos = params.text_document.uri, params.position
        if not ls.is_open(uri) or ls.path_of(uri) is None:      # only documents the editor opened
            return None
        await ls.ensure_loaded(ls.folder_for(uri))
        text = await asyncio.to_thread(hover_markdown, ls, uri, pos.line, pos.character)
        if text is None:
            return None
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text))
