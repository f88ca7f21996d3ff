"""The real-code tier's second kind of source: public repositories at a pinned commit, checked out by hand.

Issue 10's motivating cases live in sub-folders of big repositories that are run from their own folder
(``cd lite/examples/pose_estimation/raspberry_pi && python3 pose_estimation.py``), in packages named like their
folder, and behind ``sys.path.append(...)`` edits. No package registry carries them, and CI reaches nothing but
package registries, so these entries are a LOCAL measure: the test is skipped when the checkout is absent.

A checkout lives in ``$TF_LSP_REAL_REPOS`` (default ``<TF_LSP_REAL_DIR>/repos``) as ``<owner>+<name>/`` with a
``.commit`` file holding the commit it was extracted from::

    git clone https://github.com/OWNER/NAME /tmp/x && mkdir -p DIR/OWNER+NAME
    git -C /tmp/x archive COMMIT | tar -x -C DIR/OWNER+NAME && echo COMMIT > DIR/OWNER+NAME/.commit

or ``python -m tests.realcode.repos GIT_DIR`` for a git directory already on disk (a bare clone is enough).

A rule's ``folder`` is the run folder the project documents (relative to the repository root): for ``package``
it is ``sys.path[0]`` and the base of the file's dotted name (``python -m tf2.train`` from ``efficientdet/``; a
module the entry script imports); for ``script`` it is the working folder (``sys.path[0]`` is the file's own
folder). ``pythonpath`` lists folders a documented command line puts on ``PYTHONPATH``
(``PYTHONPATH=".:$PYTHONPATH" python dataset/create_coco_tfrecord.py``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.realcode.manifest import SELF, RunRule


@dataclass(frozen=True)
class Checkout:
    name: str                 # the label in tables
    repo: str                 # owner/name on GitHub
    commit: str               # 40 hex digits
    folders: tuple[str, ...]  # the sub-folders measured (their own projects); first-party names come from these
    include: tuple[str, ...]
    rules: tuple[RunRule, ...]
    exclude: tuple[str, ...] = ("*/setup.py",)
    why: str = ""

    @property
    def folder(self) -> str:
        return self.repo.replace("/", "+")


def _rp(pattern: str, how: str, doc_file: str, doc_text: str, *, folder: str = "",
        pythonpath: tuple[str, ...] = ()) -> RunRule:
    return RunRule(pattern, how, doc_file, doc_text, folder=folder, pythonpath=pythonpath)


_POSE = "lite/examples/pose_estimation/raspberry_pi"
_RL = "lite/examples/reinforcement_learning/ml"
_EDET = "efficientdet"

CHECKOUTS: tuple[Checkout, ...] = (
    Checkout(
        name="tensorflow/examples", repo="tensorflow/examples", commit="608f7db8c511e3dcc420afc564496e4516ceb800",
        folders=(_POSE, _RL, "lite/examples/image_classification/raspberry_pi",
                 "lite/examples/object_detection/raspberry_pi", "lite/examples/audio_classification/raspberry_pi"),
        include=(f"{_POSE}/*.py", f"{_RL}/*.py", "lite/examples/image_classification/raspberry_pi/*.py",
                 "lite/examples/object_detection/raspberry_pi/*.py",
                 "lite/examples/audio_classification/raspberry_pi/*.py"),
        rules=(
            # `cd raspberry_pi && python3 pose_estimation.py`: the scripts run from their folder
            _rp(f"{_POSE}/pose_estimation.py", "script", f"{_POSE}/README.md", "python3 pose_estimation.py",
                folder=_POSE),
            _rp(f"{_POSE}/visualizer.py", "script", f"{_POSE}/README.md", "```python3 visualizer.py```",
                folder=_POSE),
            # what the scripts import: `data`, `utils`, the `ml` and `tracker` packages, from the example folder
            _rp(f"{_POSE}/*.py", "package", f"{_POSE}/pose_estimation.py", "from ml import Movenet", folder=_POSE),
            # the tests: `python -m unittest ml.movenet_test` from the example folder (a relative import in
            # ml/movenet_multipose_test.py works only that way)
            _rp(f"{_POSE}/*_test.py", "package", SELF, "unittest.main()", folder=_POSE),
            _rp(f"{_RL}/tf_and_jax/training_*.py", "script", f"{_RL}/README.md", "python training_tf.py",
                folder=f"{_RL}/tf_and_jax"),
            _rp(f"{_RL}/tf_agents/*.py", "script", f"{_RL}/README.md", "python training_tf_agents.py",
                folder=f"{_RL}/tf_agents"),
            _rp(f"{_RL}/common.py", "package", f"{_RL}/tf_and_jax/training_tf.py", "import common",
                folder=_RL),
            # gym_planestrike is installed with `python setup.py install` (from its folder) and imported by name
            _rp(f"{_RL}/tf_and_jax/gym_planestrike/gym_planestrike/*.py", "package", f"{_RL}/README.md",
                "python setup.py install", folder=f"{_RL}/tf_and_jax/gym_planestrike"),
            _rp("lite/examples/image_classification/raspberry_pi/*.py", "script",
                "lite/examples/image_classification/raspberry_pi/README.md", "python3 classify.py",
                folder="lite/examples/image_classification/raspberry_pi"),
            _rp("lite/examples/object_detection/raspberry_pi/*.py", "script",
                "lite/examples/object_detection/raspberry_pi/README.md", "python3 detect.py",
                folder="lite/examples/object_detection/raspberry_pi"),
            _rp("lite/examples/audio_classification/raspberry_pi/*.py", "script",
                "lite/examples/audio_classification/raspberry_pi/README.md", "python3 classify.py",
                folder="lite/examples/audio_classification/raspberry_pi"),
        ),
        why="TF Lite sample apps in sub-folders run from their own folder; `from data import ...` one level up, "
            "`tracker/__init__.py` importing `tracker.config`, `sys.path.append(dirname(__file__) + '/..')`"),
    Checkout(
        name="google/automl", repo="google/automl", commit="6a54c8741e7c3265d4547c4f35f47a0391122dc5",
        folders=(_EDET,),
        include=(f"{_EDET}/*.py",),
        exclude=(f"{_EDET}/*/setup.py",),
        rules=(
            # `cd efficientdet && python main.py` / `python model_inspect.py`: an `__init__.py` beside them, yet the
            # folder itself is sys.path[0]; what they import runs as a top-level module of that folder
            _rp(f"{_EDET}/*.py", "package", f"{_EDET}/README.md", "!python main.py --mode=eval", folder=_EDET),
            _rp(f"{_EDET}/main.py", "script", f"{_EDET}/README.md", "!python main.py --mode=eval", folder=_EDET),
            _rp(f"{_EDET}/model_inspect.py", "script", f"{_EDET}/README.md", "!python model_inspect.py",
                folder=_EDET),
            # `python -m tf2.train` from efficientdet/
            _rp(f"{_EDET}/tf2/*.py", "package", f"{_EDET}/tf2/README.md", "python -m tf2.train", folder=_EDET),
            # `PYTHONPATH=".:$PYTHONPATH" python dataset/create_coco_tfrecord.py` from efficientdet/
            _rp(f"{_EDET}/dataset/*.py", "script", f"{_EDET}/README.md",
                '!PYTHONPATH=".:$PYTHONPATH"  python dataset/create_coco_tfrecord.py', folder=_EDET,
                pythonpath=(_EDET,)),
        ),
        why="EfficientDet: scripts run from `efficientdet/` (which has an `__init__.py`), `python -m tf2.train`, "
            "tools run with `PYTHONPATH=.`"),
    Checkout(
        name="amaiya/ktrain", repo="amaiya/ktrain", commit="fdbeda6edfdde0e125d0a258c6c1abd091853da2",
        folders=("tests", "ktrain"),
        include=("tests/*.py",),
        exclude=("tests/*/*",),
        rules=(
            # `cd tests && python test_basic.py` (or pytest, which puts the same folder first): `import testenv`
            # runs `sys.path.insert(0, os.path.join(CURRDIR, ".."))` before `import ktrain`
            _rp("tests/*.py", "script", "tests/testenv.py", 'sys.path.insert(0, os.path.join(CURRDIR, ".."))',
                folder="tests"),
        ),
        why="tests reach the package through a `sys.path.insert` made by another module they import first"),
)

BY_NAME = {c.name: c for c in CHECKOUTS}


def repos_dir() -> Path:
    from tests.realcode.sources import real_dir

    return Path(os.environ.get("TF_LSP_REAL_REPOS") or real_dir() / "repos").expanduser()


def checkout_root(checkout: Checkout) -> Path:
    return repos_dir() / checkout.folder


def absent(checkout: Checkout) -> str | None:
    """Why the checkout cannot be measured here (None when it is on disk at the manifest's commit)."""
    root = checkout_root(checkout)
    stamp = root / ".commit"
    if not stamp.exists():
        return (f"no checkout of {checkout.repo} at {root} (a local measure: extract commit {checkout.commit} "
                f"there and write it to .commit, see tests/realcode/repos.py)")
    got = stamp.read_text().strip()
    if got != checkout.commit:
        return f"{root} holds {checkout.repo} at {got}, the manifest says {checkout.commit}"
    return None


def checkout_digest(checkout: Checkout) -> str:
    return hashlib.sha256(json.dumps(asdict(checkout), sort_keys=True).encode()).hexdigest()[:16]


def extract(git_dir: Path, checkout: Checkout) -> Path:
    """Write the manifest's commit of ``git_dir`` into the checkout folder, file by file (no work tree needed; a
    blob the git directory lacks, such as a large image of a partial snapshot, is left out and listed in
    ``.missing``)."""
    root = checkout_root(checkout)
    root.mkdir(parents=True, exist_ok=True)
    git = ["git", "--git-dir", str(git_dir)]
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", checkout.commit], capture_output=True,
                             check=True).stdout
    entries = []
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, path = item.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":
            entries.append((sha.decode(), path.decode()))
    proc = subprocess.run([*git, "cat-file", "--batch"], input="".join(f"{sha}\n" for sha, _ in entries).encode(),
                          capture_output=True, check=True)
    out, pos, missing = proc.stdout, 0, []
    for _sha, path in entries:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            missing.append(path)
            continue
        size = int(header[2])
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(out[pos:pos + size])
        pos += size + 1
    (root / ".missing").write_text("".join(f"{m}\n" for m in missing))
    (root / ".commit").write_text(checkout.commit + "\n")
    return root


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("git_dir", nargs="*", type=Path, help="git directories of the repositories (bare is enough)")
    args = ap.parse_args(argv)
    for git_dir in args.git_dir:
        url = subprocess.run(["git", "--git-dir", str(git_dir), "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True).stdout.strip()
        chosen = [c for c in CHECKOUTS if url.rstrip("/").removesuffix(".git").endswith(c.repo)
                  or git_dir.resolve().parent.name == c.folder or git_dir.resolve().name == c.folder]
        if not chosen:
            print(f"{git_dir}: not a repository of the manifest", file=sys.stderr)
            return 2
        print(f"{chosen[0].repo} at {chosen[0].commit} -> {extract(git_dir, chosen[0])}")
    for c in CHECKOUTS:
        print(f"{c.repo}: {absent(c) or 'present'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
