"""Runs inside the project's environment (``python -I runner.py SPEC OUT``); standard library only.

SPEC (JSON): {"cwd": folder, "path": [entries to put first on sys.path], "out": file, "files": [{"rel", "file",
"name", "package", "statements": [{"line", "source"}]}]}. Each statement runs in its file's own namespace (``__name__`` and
``__package__`` as the documented way of running gives them), in order, inside try/except; one JSON line per
statement goes to OUT as soon as it is known, so a crash or a timeout loses only the statement it happened in.
"""
import json
import os
import sys
import traceback


def _origin(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if not f.filename.startswith("<")]
    return frames[-1].filename if frames else ""


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
            for st in f["statements"]:
                record = {"file": f["rel"], "line": st["line"], "ok": True}
                try:
                    exec(compile(st["source"], f["file"], "exec", dont_inherit=True), ns)
                except BaseException as exc:  # noqa: BLE001 - every outcome is recorded
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    record.update(ok=False, type=type(exc).__name__, message=str(exc).splitlines()[0][:300]
                                  if str(exc) else "", name=getattr(exc, "name", None) if isinstance(
                                      exc, ImportError) else None, origin=_origin(exc))
                out.write(json.dumps(record) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
