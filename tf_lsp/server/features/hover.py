"""Hover on an import: where it resolves and from which distribution; for TensorFlow an environment summary;
for a failing import the full explanation with what was searched."""
from __future__ import annotations

import asyncio

from lsprotocol import types as t

from tf_lsp.imports import extract_imports
from tf_lsp.server.state import TfLspServer

SUMMARY_DISTS = ("numpy", "protobuf", "keras", "tf-keras", "ml-dtypes")


def _contains(rng, line: int, col: int) -> bool:
    return (rng.start.line, rng.start.character) <= (line, col) <= (rng.end.line, rng.end.character)


def hover_markdown(ls: TfLspServer, uri: str, line: int, col: int) -> str | None:
    doc = ls.workspace.get_text_document(uri)
    server_pos = doc.position_codec.position_from_client_units(doc.lines, t.Position(line, col))
    line, col = server_pos.line, server_pos.character
    path = ls.document_path(uri)
    folder = ls.folder_for(uri)
    ws = folder.ws
    for stmt in extract_imports(doc.source, path=str(path)):
        spans = [(stmt.range, stmt.module)] + [(n.range, f"{stmt.module}.{n.name}") for n in stmt.names]
        hit = next((name for rng, name in spans if _contains(rng, line, col)), None)
        if hit is None or stmt.level:
            continue
        with folder.lock:
            script_dir = str(path.parent)
            res = ws.resolve(stmt.module, script_dir=script_dir)
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
            for f in findings:
                out += ["", f"**{f.code} {f.name}** ({f.severity.value}): {f.message}"]
                out += [f"- {d}" for d in f.details]
            if stmt.top == "tensorflow":
                out += ["", *tf_summary(ws)]
        return "  \n".join(out)
    return None


def tf_summary(ws) -> list[str]:
    """TF version and build (CUDA/cuDNN from build_info.py, read by the engine), key versions, the interpreter."""
    from tf_lsp.checks.tensorflow.common import find_tensorflow
    from tf_lsp.checks.tensorflow.platform import build_info

    env = ws.env
    lines = ["**TensorFlow environment**"]
    tf = find_tensorflow(env, ws.environ)
    if tf is None:
        lines.append("TensorFlow is not installed here.")
    else:
        info = build_info(tf) or {}
        if info.get("is_cuda_build"):
            build = f"GPU build (CUDA {info.get('cuda_version', '?')} / cuDNN {info.get('cudnn_version', '?')})"
        elif info.get("is_rocm_build"):
            build = "ROCm build"
        else:
            build = "CPU build" if info else "build unknown (no build_info.py)"
        name = tf.dist.display_name if tf.dist else "tensorflow"
        lines.append(f"{name} {tf.version or '?'} — {build}  \n`{tf.folder}`")
    versions = [f"{d.display_name} {d.version}" for n in SUMMARY_DISTS if (d := env.index.get(n))]
    if versions:
        lines.append(", ".join(versions))
    lines.append(f"Python {env.snapshot.version_str}, interpreter: `{ws.choice.python}` — {ws.choice.why}")
    return lines


def register(server: TfLspServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_HOVER)
    async def hover(ls: TfLspServer, params: t.HoverParams):
        uri, pos = params.text_document.uri, params.position
        await ls.ensure_loaded(ls.folder_for(uri))
        text = await asyncio.to_thread(hover_markdown, ls, uri, pos.line, pos.character)
        if text is None:
            return None
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text))
