"""(D) Incompatibilities that really break (or only warn) — numpy ABI, ml_dtypes, Keras majors, protobuf gencode —
and (E) several distributions installing the ``tensorflow`` package over each other."""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from tf_lsp import safeio
from tf_lsp.checks.tensorflow.common import TFInstall, in_spec, owns_tf_files, parse_version, release_of
from tf_lsp.checks.tensorflow.wiring import LAZY_NOTE, keras_attr_only, lazy_attr, routing_for, touches_keras
from tf_lsp.filecache import by_mtime, registered
from tf_lsp.fixes import install_fix, reinstall_fix, uninstall_fix
from tf_lsp.knowledge.tensorflow import (
    INCOMPATIBILITIES,
    LAZY_ATTR_SOURCE,
    PROTOBUF_BUILDER_MIN,
    PROTOBUF_BUILDER_SOURCE,
    PROTOBUF_GENCODE_FILE,
    PROTOBUF_GENCODE_SOURCE,
    TF_DISTRIBUTIONS,
    TF_DISTRIBUTIONS_SOURCE,
    Incompatibility,
)
from tf_lsp.model import Finding, Fix, Severity
from tf_lsp.record import hash_matches
from tf_lsp.specifiers import fitting_specifier

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext


def fitting_install(ctx: "ImportContext", package: str, extra: str, why: str) -> tuple[Fix, str, tuple[str, ...]]:
    """Install fix with the specifier that satisfies every installed Requires-Dist on ``package`` plus ``extra``;
    the specifier and where its parts come from."""
    fit = fitting_specifier(ctx.env, package, extra=[extra])
    spec = fit.specifier
    constraints = tuple(f"{who}: {s}" for who, s in fit.constraints) + ((f"tf-lsp: {extra}",) if extra else ())
    fix = install_fix(ctx.workspace, [f"{package}{spec}"], title=f"Install {package}{spec} ({why})",
                      package=package, specifier=spec, constraints=constraints)
    return fix, spec, constraints


def incompatibility_findings(ctx: "ImportContext", tf: TFInstall) -> list[Finding]:
    if tf.version is None:
        return []
    out: list[Finding] = []
    tf_rel = release_of(tf.version)
    top = ctx.stmt.module.split(".")[0]
    scopes = {"keras-package"} if top == "keras" else {"import", "keras"} if touches_keras(ctx) else {"import"}
    for rec in INCOMPATIBILITIES:
        if rec.scope not in scopes:
            continue
        if not in_spec(tf_rel, rec.tf_versions):
            continue
        dist = ctx.env.index.get(rec.package)
        v = parse_version(dist.version) if dist else None
        if dist is None or v is None or not in_spec(v, rec.bad):
            continue
        out.append(_finding(ctx, tf, rec, dist.version))
    if top == "tensorflow":
        out += _protobuf_gencode(ctx, tf)
    return out


def _finding(ctx: "ImportContext", tf: TFInstall, rec: Incompatibility, installed: str) -> Finding:
    fix, spec, constraints = fitting_install(ctx, rec.package, rec.good, f"works with TensorFlow {tf.version}")
    code = "TFL104" if rec.breaks else "TFL115"
    verb = "breaks" if rec.breaks else "is outside what TensorFlow was built and tested with"
    msg = f"{rec.package} {installed} {verb} under TensorFlow {tf.version}: {rec.effect}. Install {rec.package}{spec}."
    details = (f"source: {rec.source}",) + constraints
    severity = None
    if rec.breaks and rec.scope == "keras" and keras_attr_only(ctx) and lazy_attr(routing_for(tf.version)):
        msg += f" {LAZY_NOTE}"
        severity = Severity.WARNING
        details += (f"source: {LAZY_ATTR_SOURCE}",)
    return ctx.finding(code, msg, fixes=[fix], module=rec.package, details=details, severity=severity)


_GENCODE = re.compile(r"^# Protobuf Python Version: (\S+)", re.M)
_GENCODE_CACHE: dict[str, tuple[int, str | None]] = registered({},
    stamp="the file's stamp (mtime, size, inode; by_mtime)")


def gencode_minimum(tf: TFInstall) -> tuple[str, str] | None:
    """(minimum protobuf runtime, source) the installed TF's generated *_pb2.py files need."""
    need = by_mtime(_GENCODE_CACHE, os.path.join(tf.folder, *PROTOBUF_GENCODE_FILE.split("/")), _gencode_need)
    if need is None:
        return None
    return need, PROTOBUF_GENCODE_SOURCE if need != PROTOBUF_BUILDER_MIN else PROTOBUF_BUILDER_SOURCE


def _gencode_need(path: str) -> str | None:
    try:
        head = safeio.read_head(path, 2048)
    except OSError:
        head = ""
    m = _GENCODE.search(head)
    return m.group(1) if m else PROTOBUF_BUILDER_MIN if "google.protobuf.internal import builder" in head else None


def _protobuf_gencode(ctx: "ImportContext", tf: TFInstall) -> list[Finding]:
    need = gencode_minimum(tf)
    pb = ctx.env.index.get("protobuf")
    if need is None or pb is None:
        return []
    v = parse_version(pb.version)
    minimum, source = need
    if v is None or in_spec(v, f">={minimum}"):
        return []
    fix, spec, constraints = fitting_install(ctx, "protobuf", f">={minimum}",
                                             f"TensorFlow {tf.version}'s generated code needs it")
    effect = (f"google.protobuf.runtime_version.VersionError: Detected mismatched Protobuf Gencode/Runtime version "
              f"(gencode {minimum}, runtime {pb.version})" if minimum != PROTOBUF_BUILDER_MIN else
              "ImportError: cannot import name 'builder' from 'google.protobuf.internal'")
    return [ctx.finding("TFL104", f"protobuf {pb.version} is older than the protobuf TensorFlow {tf.version} was "
                                  f"generated with ({minimum}): `import tensorflow` fails with {effect}. "
                                  f"Install protobuf{spec}.", fixes=[fix], module="protobuf",
                        details=(f"source: {source}",) + constraints)]


# --- (E) conflicting installs ------------------------------------------------------------------------------

_MATCH_CACHE: dict[tuple[str, int], float] = registered({},
    stamp='the key holds the distribution and the mtime of tensorflow/__init__.py')


def _disk_match(dist, others, location: str, sample: int = 12) -> float:
    """Share of the distribution's recorded tensorflow/ files that differ from the other owners' records and whose
    sha256 matches the disk (1.0 when nothing tells them apart)."""
    key = (str(dist.metadata_dir), _mtime(os.path.join(location, "tensorflow", "__init__.py")))
    hit = _MATCH_CACHE.get(key)
    if hit is not None:
        return hit
    theirs = [{e.path: e.hash for e in o.record} for o in others]
    entries = [e for e in dist.record if e.path.startswith("tensorflow/") and e.hash
               and any(t.get(e.path) != e.hash for t in theirs)]
    entries = sorted(entries, key=lambda e: (e.size or 0, e.path))[:sample]
    good = 0
    for e in entries:
        good += hash_matches(location, e.path, e.hash) is True
    score = good / len(entries) if entries else 1.0
    _MATCH_CACHE[key] = score
    return score


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def conflict_findings(ctx: "ImportContext", tf: TFInstall) -> list[Finding]:
    owners = [d for d in ctx.env.index.providers("tensorflow")
              if os.path.normpath(d.location) == os.path.normpath(tf.location) and owns_tf_files(d)
              and (d.name in TF_DISTRIBUTIONS or d.name.startswith(("tensorflow", "tf-nightly")))]
    if len(owners) < 2:
        return []
    owners = [d for d in owners if d.record]       # parsed only when two distributions claim the folder
    if len(owners) < 2:
        return []
    scores = [(_disk_match(d, [o for o in owners if o is not d], tf.location), d) for d in owners]
    best = max(scores, key=lambda s: s[0])
    keep = best[1] if best[0] > 0 else owners[0]
    extra = [d for d in owners if d is not keep]
    listing = ", ".join(f"{d.display_name} {d.version}" for d in owners)
    details = [f"{d.display_name} {d.version}: {round(s * 100)}% of sampled recorded files match the disk"
               for s, d in scores] + [f"source: {TF_DISTRIBUTIONS_SOURCE}"]
    fixes = [uninstall_fix(ctx.workspace, [d.name for d in extra] + [keep.name],
                           title=f"Uninstall {', '.join(d.display_name for d in extra)} (and {keep.display_name}, "
                                 f"reinstalled next)"),
             reinstall_fix(ctx.workspace, keep.name, keep.version)]
    same = len({d.version for d in owners}) == 1
    # The last install rewrote every file of its own RECORD: when the sampled files that tell the owners apart are
    # all the winner's, the import loads one consistent TensorFlow and works (real run: tensorflow 2.20 over
    # tensorflow-cpu 2.21 imports). Only a mix (an interrupted install, files of both versions) breaks it.
    consistent = same or best[0] == 1.0
    state = (f"the files on disk are {keep.display_name} {keep.version}'s (installed last; the import loads them and "
             f"works)" if consistent else
             f"the files on disk are a mix of {listing} ({keep.display_name} {keep.version}'s matching best), so the "
             f"import may load code of both versions")
    return [ctx.finding("TFL105", f"{len(owners)} distributions install the same `tensorflow` folder ({listing}): "
                                  f"{state}; uninstalling either one deletes files the other needs. Uninstall "
                                  f"all of them, then reinstall {keep.display_name}=={keep.version}.",
                        fixes=fixes, details=details, module="tensorflow",
                        severity=Severity.WARNING if consistent else Severity.ERROR)]

