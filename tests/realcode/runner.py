"""Runs inside the project's environment (``python -I -B runner.py SPEC``); standard library only.

SPEC (JSON): {"cwd": folder, "path": [entries to put first on sys.path], "out": file, "files": [{"rel", "file",
"name", "package", "statements": [{"line", "source"}]}]}. A statement with ``"setup": true`` (a module-level ``sys.path`` edit of the file, or what it reads) runs in its place
and its record says ``setup`` (it is not judged); ``sys.path`` is put back after each file (each file is its own run). Each statement runs in its file's own namespace
(``__name__`` and ``__package__`` as the documented way of running gives them), in order, inside try/except;
one JSON line per statement goes to OUT as soon as it is known, so a crash or a timeout loses only the statement
it happened in.
Each statement is judged on its own: a package whose ``__init__`` fails is replaced, while its files run, by a bare
package module, as it is partly initialised while its own modules load; records say ``parent_broken`` when a
parent package of the file (not the ``__init__`` being run) fails to import, and ``parent_error`` how.
"""
import importlib
import importlib.machinery
import json
import os
import sys
import traceback
import types


def _origin(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if not f.filename.startswith("<")]
    return frames[-1].filename if frames else ""


# A module that failed half-way may fail differently when imported again in the same process (registries filled
# twice, e.g. gin's "A different configurable ... already exists"): a fresh process would raise what its first
# import raised, so that is what is recorded for it.
FIRST_FAILURE = {}


def _attempt(own, run, *args):
    """Run ``run(*args)``; None when it worked, else how it failed: how any module of the failing chain failed the
    first time, if it already did in this process."""
    loaded = set(sys.modules)
    try:
        run(*args)
        return None
    except BaseException as exc:  # every outcome is recorded
        if isinstance(exc, KeyboardInterrupt):
            raise
        chain = _failed_chain(exc, loaded, own)
        seen = next((n for n in chain if n in FIRST_FAILURE), None)
        if seen is not None:
            return {**FIRST_FAILURE[seen], "repeat_of": seen}
        described = _describe(exc)
        for name in chain:
            FIRST_FAILURE[name] = described
        return described


def _failed_chain(exc, loaded, own):
    """The modules whose import this exception broke: those executing when it was raised (its traceback's frames)
    that are not loaded afterwards, and the module ModuleNotFoundError names. ``own`` is the namespace the
    statement ran in (not a module of sys.modules)."""
    names = []
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__")
        if name and name != own and name not in sys.modules and name not in loaded and name not in names:
            names.append(name)
        tb = tb.tb_next
    missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    if missing and missing not in names and missing not in sys.modules:
        names.append(missing)
    return names


def _describe(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": str(exc).splitlines()[0][:300] if str(exc) else "",
            "name": getattr(exc, "name", None) if isinstance(exc, ImportError) else None, "origin": _origin(exc)}


def _enter_package(package, root):
    """Make the file's package and its parents importable the way they are while the file runs: imported when
    that works, else a bare package module in sys.modules (as a package is, partly initialised, while its
    modules load), so that the file's own statements are judged on their own. Returns the stubs made and how
    each of those packages failed."""
    stubs, errors = [], {}
    if not package:
        return stubs, errors
    parts = package.split(".")
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        if name in sys.modules:
            continue
        failure = _attempt(None, importlib.import_module, name)
        if failure is None:
            continue
        errors[name] = failure          # a broken package still has modules that load: stand in for it
        path = os.path.join(root, *parts[:i])
        stub = types.ModuleType(name)
        stub.__path__ = [path]
        stub.__file__ = os.path.join(path, "__init__.py")
        stub.__package__ = name
        stub.__spec__ = importlib.machinery.ModuleSpec(name, None, origin=stub.__file__, is_package=True)
        stub.__spec__.submodule_search_locations = [path]
        sys.modules[name] = stub
        stubs.append(name)
    return stubs, errors


def _leave_package(stubs, before):
    """Forget the stubs and everything imported under them, so that later files see the packages as they are."""
    for name in [n for n in sys.modules if n not in before]:
        if any(name == s or name.startswith(s + ".") for s in stubs):
            del sys.modules[name]
    for s in stubs:
        sys.modules.pop(s, None)


def main() -> int:
    with open(sys.argv[1]) as fh:
        spec = json.load(fh)
    os.chdir(spec["cwd"])
    sys.path[:0] = spec["path"]
    sys.argv = ["runner"]
    with open(spec["out"], "a") as out:
        for f in spec["files"]:
            ns = {"__name__": f["name"], "__package__": f["package"], "__file__": f["file"],
                  "__builtins__": __builtins__}
            before, path_before = set(sys.modules), list(sys.path)
            stubs, errors = _enter_package(f["package"], spec["path"][0])
            for st in f["statements"]:
                if st.get("setup"):        # recorded (one line per statement) but never judged
                    record = {"file": f["rel"], "line": st["line"], "ok": True, "setup": True}
                    try:
                        exec(compile(st["source"], f["file"], "exec", dont_inherit=True), ns)
                    except BaseException as exc:  # the edit fails for real: the imports after it see that
                        if isinstance(exc, KeyboardInterrupt):
                            raise
                        record.update(ok=False, **_describe(exc))
                    out.write(json.dumps(record) + "\n")
                    out.flush()
                    continue
                record = {"file": f["rel"], "line": st["line"], "ok": True}
                # a package's own __init__ runs while that package is partly initialised: only a broken PARENT
                # means the file cannot be reached through its package
                broken = [n for n in stubs if not (f["file"].endswith("__init__.py") and n == f["package"])]
                if broken:
                    record["parent_broken"] = broken
                    record["parent_error"] = errors.get(broken[0])
                code = compile(st["source"], f["file"], "exec", dont_inherit=True)
                failure = _attempt(f["name"], exec, code, ns)
                if failure is not None:
                    record.update(ok=False, **failure)
                out.write(json.dumps(record) + "\n")
                out.flush()
            _leave_package(stubs, before)
            sys.path[:] = path_before
    return 0


if __name__ == "__main__":
    sys.exit(main())
