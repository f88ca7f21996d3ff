"""(F) Python support, (G) CUDA/cuDNN of GPU builds, (H) platform / CPU features. All read from files:
WHEEL tags, ``build_info.py`` (with ast), ``/etc/ld.so.cache`` (searched for sonames, cached by mtime),
``/proc/cpuinfo`` (read once). Nothing is run."""
from __future__ import annotations

import ast
import glob
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from packaging.version import Version

from tf_lsp import safeio
from tf_lsp.checks.tensorflow.common import TFInstall, find_tensorflow, parse_version
from tf_lsp.filecache import by_mtime, registered
from tf_lsp.fixes import install_fix, use_interpreter_fix
from tf_lsp.knowledge.codes import CODES
from tf_lsp.knowledge.tensorflow import (
    AVX_SOURCE,
    CUDA_LIBRARIES,
    CUDA_SOURCE,
    CUDA_WARNING_TEXT,
    MACOS_GPU_SOURCE,
    PYTHON_SUPPORT,
    WINDOWS_GPU_LAST,
    WINDOWS_GPU_SOURCE,
)
from tf_lsp.model import Finding, Range, Severity
from tf_lsp.wheeltags import arch_of, canonical_arch, os_of, wheel_tags

if TYPE_CHECKING:
    from tf_lsp.checks.base import ImportContext
    from tf_lsp.envstate import EnvState


def _pv(text: str) -> tuple[int, int]:
    a, b = text.split(".")[:2]
    return int(a), int(b)


def releases_for(py: tuple[int, int]) -> list[str]:
    return [s.tf for s in PYTHON_SUPPORT if _pv(s.python_min) <= py <= _pv(s.python_max)]


# --- (F) TensorFlow not installed: is there any release for this Python? -------------------------------------

def not_installed_findings(ctx: "ImportContext") -> list[Finding]:
    res = ctx.resolution
    if res is None or res.found or (res.failed_at or "").split(".")[0] != "tensorflow" or res.failed_at != "tensorflow":
        return []
    snap = ctx.env.snapshot
    py = (snap.version[0], snap.version[1])
    releases = releases_for(py)
    newest = PYTHON_SUPPORT[0]
    lo = min(_pv(s.python_min) for s in PYTHON_SUPPORT)
    hi = max(_pv(s.python_max) for s in PYTHON_SUPPORT)
    if releases and releases[0] == newest.tf:
        return []
    good = [c for c in ctx.workspace.candidates
            if c.version and _pv(newest.python_min) <= _pv(c.version) <= _pv(newest.python_max)]
    fixes = [use_interpreter_fix(ctx.workspace, c, detail=f"TensorFlow {newest.tf} supports it") for c in good[:3]]
    span = f"{newest.python_min}-{newest.python_max}"
    details = [f"source: {newest.source}"] + [f"usable environment: {c.name} (Python {c.version})" for c in good]
    if not releases:
        msg = (f"No TensorFlow release has a wheel for Python {py[0]}.{py[1]} (the selected interpreter): "
               f"`pip install tensorflow` fails with \"Could not find a version that satisfies the requirement "
               f"tensorflow (from versions: none)\". TensorFlow {newest.tf} supports Python {span}; all releases "
               f"together cover {lo[0]}.{lo[1]}-{hi[0]}.{hi[1]}.")
        if good:
            msg += " " + ", ".join(c.name for c in good[:3]) + " of this workspace has a supported Python."
        return [ctx.finding("TFL108", msg, fixes=fixes, details=details, module="tensorflow")]
    last = releases[0]
    fixes.append(install_fix(ctx.workspace, [f"tensorflow=={last}.*"], preferred=not fixes))
    return [ctx.finding("TFL108", f"Python {py[0]}.{py[1]} gets at most TensorFlow {last} (TensorFlow {newest.tf} "
                                  f"needs Python {span}): `pip install tensorflow` installs {last}.", fixes=fixes,
                        details=details, module="tensorflow", severity=Severity.WARNING)]


# --- wheel tags (F + H): tf_lsp.wheeltags -----------------------------------------------------------------

def installed_findings(ctx: "ImportContext", tf: TFInstall) -> list[Finding]:
    out: list[Finding] = []
    snap = ctx.env.snapshot
    dist = tf.dist
    tags = wheel_tags(dist) if dist is not None else ()
    if tags and dist is not None:
        pys = {t.split("-")[0] for t in tags}
        plats = {t.split("-")[2] for t in tags}
        want = f"cp{snap.version[0]}{snap.version[1]}"
        if not any(p == want or p.startswith("py3") for p in pys):
            out.append(ctx.finding("TFL108", f"{dist.display_name} {dist.version} is built for "
                                             f"{', '.join(sorted(pys))} but this interpreter is Python "
                                             f"{snap.version[0]}.{snap.version[1]}: `import tensorflow` fails "
                                             f"(its compiled modules cannot load). Reinstall it for this Python.",
                                   fixes=[install_fix(ctx.workspace, [f"{dist.name}=={dist.version}"],
                                                      force_reinstall=True,
                                                      title=f"Reinstall {dist.name}=={dist.version} for "
                                                            f"Python {snap.version[0]}.{snap.version[1]}")],
                                   details=(f"WHEEL tags: {', '.join(tags)}",), module="tensorflow"))
        machine = canonical_arch(snap.machine)
        arches = {arch_of(p) for p in plats}
        oses = {os_of(p) for p in plats}
        wrong_os = None not in oses and snap.platform not in oses
        if wrong_os or (None not in arches and "universal2" not in arches and machine not in arches):
            out.append(ctx.finding("TFL110", f"{dist.display_name} {dist.version} was built for "
                                             f"{', '.join(sorted(plats))}, but this interpreter runs on "
                                             f"{snap.platform} {snap.machine}: `import tensorflow` fails (its "
                                             f"compiled libraries cannot load). Reinstall it for this platform.",
                                   details=(f"WHEEL tags: {', '.join(tags)}",), module="tensorflow",
                                   fixes=[install_fix(ctx.workspace, [f"{dist.name}=={dist.version}"],
                                                      force_reinstall=True,
                                                      title=f"Reinstall {dist.name}=={dist.version} for "
                                                            f"{snap.platform} {snap.machine}")]))
    out += _avx(ctx, tf)
    if ctx.stmt.module == "tensorflow":
        problems = gpu_problems(ctx.env, tf, ctx.environ)
        fixes = []
        if problems and tf.dist is not None and "and-cuda" in tf.dist.provides_extras:
            fixes = [install_fix(ctx.workspace, [f"{tf.dist.name}[and-cuda]=={tf.dist.version}"],
                                 title=f"Install the CUDA libraries TensorFlow {tf.version} was built for "
                                       f"({tf.dist.name}[and-cuda]=={tf.dist.version})")]
        for msg, details in problems:
            out.append(ctx.finding("TFL109", msg, details=details, module="tensorflow", fixes=fixes))
    return out


# --- (H) AVX -----------------------------------------------------------------------------------------------------

_CPU: list[frozenset[str] | None] = registered([],
    stamp="none needed: the machine's CPU flags do not change while tf-lsp runs")


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str] | None:
    if path != "/proc/cpuinfo":
        return _read_flags(path)
    if not _CPU:
        _CPU.append(_read_flags(path))
    return _CPU[0]


def _read_flags(path: str) -> frozenset[str] | None:
    try:
        with open(path, errors="replace") as fh:
            for line in fh:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        return None
    return None


def _avx(ctx: "ImportContext", tf: TFInstall) -> list[Finding]:
    snap = ctx.env.snapshot
    if snap.platform != "linux" or canonical_arch(snap.machine) != "x86_64":
        return []
    flags = cpu_flags()
    if flags is None or "avx" in flags or not flags:
        return []
    return [ctx.finding("TFL110", f"This CPU has no AVX instructions, and TensorFlow {tf.version}'s pip wheels are "
                                  f"compiled with AVX: `import tensorflow` kills the interpreter with "
                                  f"\"Illegal instruction (core dumped)\". Use a CPU with AVX, or a TensorFlow build "
                                  f"compiled without it (from source, or a conda-forge build).",
                        details=(f"source: {AVX_SOURCE}", "/proc/cpuinfo flags lack `avx`"), module="tensorflow")]


# --- (G) CUDA / cuDNN ------------------------------------------------------------------------------------------

_BUILD_INFO: dict[str, tuple[int, dict | None]] = registered({},
    stamp="the file's stamp (mtime, size, inode; by_mtime)")


def build_info(tf: TFInstall) -> dict | None:
    return by_mtime(_BUILD_INFO, os.path.join(tf.folder, "python", "platform", "build_info.py"), _read_build_info)


def _read_build_info(path: str) -> dict | None:
    info = None
    try:
        tree = ast.parse(safeio.read_bytes(path, limit=safeio.SOURCE_LIMIT))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "build_info" for t in node.targets):
                value = node.value
                if isinstance(value, ast.Call) and value.args:       # collections.OrderedDict([...])
                    value = value.args[0]
                raw = ast.literal_eval(value)
                info = dict(raw)
    except (OSError, SyntaxError, ValueError, TypeError):
        info = None
    return info


_LDCACHE: dict[str, tuple[int, bytes]] = registered({}, stamp="the file's stamp (mtime, size, inode; by_mtime)")


def ld_cache_has(soname: str, path: str = "/etc/ld.so.cache") -> bool:
    """Whether the dynamic loader's cache lists ``soname`` (the file's string table holds every name)."""
    data = by_mtime(_LDCACHE, path, _read_bytes, missing=b"")
    return (soname.encode() + b"\0") in data


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def library_dirs(environ: Mapping[str, str]) -> list[str]:
    dirs = [d for d in environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if d]
    return dirs + sorted(glob.glob("/usr/local/cuda*/lib64"))


def gpu_wanted(env: "EnvState", environ: Mapping[str, str], *, proc: str = "/proc/driver/nvidia/version",
               dev: str = "/dev") -> str | None:
    """Why a GPU is expected here (a GPU is present, or the environment asks for CUDA), or None: then a GPU
    that is not used is no news, and nothing is said about it."""
    if os.path.exists(proc):
        return f"an NVIDIA driver is loaded ({proc})"
    nodes = sorted(glob.glob(os.path.join(dev, "nvidia[0-9]*")))
    if nodes:
        return f"an NVIDIA device is present ({nodes[0]})"
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() not in ("", "-1"):
        return f"CUDA_VISIBLE_DEVICES={visible} is set"
    wheels = sorted(d.display_name for d in env.index.dists if d.name.startswith("nvidia-"))
    if wheels:
        return f"CUDA wheels are installed ({', '.join(wheels[:3])}{', ...' if len(wheels) > 3 else ''})"
    return None


def gpu_problems(env: "EnvState", tf: TFInstall, environ: Mapping[str, str]) -> list[tuple[str, tuple]]:
    """(message, details) for each reason the GPU will not be used (none when no GPU is present or wanted)."""
    snap = env.snapshot
    info = build_info(tf)
    if info is None or not info.get("is_cuda_build"):
        return []
    wanted = gpu_wanted(env, environ)
    if snap.platform == "linux" and wanted is None:
        return []
    # TensorFlow prints the dlopen warning only once a driver answered; without one it just finds no GPU
    logs = f"TensorFlow logs \"{CUDA_WARNING_TEXT}\" and " if wanted is None or "driver" in wanted or "device" in wanted else ""
    out = []
    cuda = str(info.get("cuda_version") or "")
    cuda_major = cuda.split(".")[0]
    if snap.platform == "win32" and tf.version and tf.version >= Version(f"{WINDOWS_GPU_LAST}.999"):
        return [(f"TensorFlow {tf.version} has no GPU support on native Windows (it ended with {WINDOWS_GPU_LAST}): "
                 f"the GPU list is empty. Use WSL2.", (f"source: {WINDOWS_GPU_SOURCE}",))]
    for lib in CUDA_LIBRARIES:
        version = str(info.get(lib.key) or "")
        major = version.split(".")[0]
        if not major:
            continue
        soname = lib.soname.format(major=major)
        wheels = [w.format(major=major, cuda_major=cuda_major) for w in lib.wheels]
        found = None
        for w in wheels:
            d = env.index.get(w)
            if d is not None and (parse_version(d.version) or Version("0")).major == int(major):
                found = f"{d.display_name} {d.version}"
            elif d is not None:
                out_of = f"{d.display_name} {d.version} (TensorFlow needs major {major})"
                details = (f"build_info.py: {lib.key}={version}", f"installed: {out_of}", f"source: {lib.source}")
                out.append((f"TensorFlow {tf.version} was built for {soname.split('.so')[0][3:]} {version}, but "
                            f"{out_of}: {logs or 'TensorFlow '}runs on the CPU.", details))
                found = "mismatch"
        if found:
            continue
        if ld_cache_has(soname) or any(os.path.exists(os.path.join(d, soname)) for d in library_dirs(environ)):
            continue
        details = (f"build_info.py: {lib.key}={version}", f"not found: {soname} (no {' / '.join(wheels)} wheel, "
                   f"not in /etc/ld.so.cache, LD_LIBRARY_PATH or /usr/local/cuda*/lib64)",
                   f"source: {lib.source}; {CUDA_SOURCE}")
        out.append((f"TensorFlow {tf.version} is a CUDA build (CUDA {cuda}) but {soname} cannot be found: the import "
                    f"works, {logs}the GPU list is empty.", details))
    return out


_GPU_CALL = re.compile(r"list_physical_devices\(\s*(?:device_type\s*=\s*)?['\"]GPU['\"]\s*\)|is_gpu_available\(|"
                       r"gpu_device_name\(")


def gpu_call_findings(ws, path, text: str) -> list[Finding]:
    matches = [(i, m) for i, line in enumerate(text.splitlines()) for m in [_GPU_CALL.search(line)] if m]
    if not matches:
        return []
    env = ws.env
    tf = find_tensorflow(env, ws.environ)
    if tf is None:
        return []
    snap = env.snapshot
    info = build_info(tf) or {}
    problems: list[tuple[str, tuple]] = []
    if snap.platform == "darwin" and env.index.get("tensorflow-metal") is None:
        problems.append(("On macOS TensorFlow has no CUDA: this returns no GPU unless tensorflow-metal is installed.",
                         (f"source: {MACOS_GPU_SOURCE}",)))
    elif snap.platform == "win32" and tf.version and tf.version >= Version(f"{WINDOWS_GPU_LAST}.999"):
        problems.append((f"TensorFlow {tf.version} has no GPU support on native Windows (it ended with "
                         f"{WINDOWS_GPU_LAST}): this returns no GPU. Use WSL2.", (f"source: {WINDOWS_GPU_SOURCE}",)))
    elif snap.platform == "linux" and gpu_wanted(env, ws.environ) is None:
        return []               # no GPU here and none asked for: an empty GPU list is what is expected
    elif info and not info.get("is_cuda_build"):
        name = tf.dist.display_name if tf.dist else "tensorflow"
        problems.append((f"{name} {tf.version} is a CPU-only build (build_info.py: is_cuda_build=False): this "
                         f"returns no GPU.", ("read from tensorflow/python/platform/build_info.py",)))
    else:
        problems += gpu_problems(env, tf, ws.environ)
    out = []
    done: set[tuple[int, str]] = set()
    for line, m in matches:
        for msg, details in problems:
            if (line, msg) in done:          # one finding per cause and line
                continue
            done.add((line, msg))
            out.append(Finding(range=Range.of(line, m.start(), line, m.end()), severity=CODES["TFL109"].severity,
                               code="TFL109", name=CODES["TFL109"].name, message=msg, module="tensorflow",
                               details=tuple(details)))
    return out
