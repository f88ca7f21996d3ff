"""The real-code tier's projects, as data: which source distribution, which files, and how each file is run.

Every project is a public TensorFlow/Keras project's source distribution (sdist), fetched at test time with
``pip download --no-deps --no-binary :all: NAME==VERSION`` and checked against the sha256 below (``sources.py``).
Nothing of the projects is kept in this repository: only this record of them.

A ``RunRule`` says how files matching ``pattern`` (fnmatch on the path relative to the sdist root; ``*`` crosses
folders) are documented to run, with the line that documents it (``doc_file`` relative to the sdist root, or
``SELF`` for the matched file itself: such a rule applies only to the files that contain ``doc_text``; any other
``doc_text`` must occur in its ``doc_file``, which ``test_realcode.py`` checks):

  "package"  ``cd <root> && python -m pkg.mod`` / ``python -m pytest`` / ``import pkg`` from a checkout:
             sys.path[0] is the sdist root and the file is imported as its dotted module name (``__package__`` set,
             so relative imports resolve). pytest's rootdir-based ``prepend`` import mode gives the same sys.path
             here, because every test folder of these projects is a package up to the root.
  "script"   ``python path/to/file.py`` (from any folder): sys.path[0] is the file's own folder, ``__name__`` is
             ``"__main__"`` and there is no parent package.

A file may match several rules: it runs in each documented way, and a line counts as working when it works in at
least one of them (the issue: "when the code can be run in more than one way and the import works in some of them,
the verdict must not be an error").
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

SELF = "<self>"


@dataclass(frozen=True)
class RunRule:
    pattern: str
    how: str                  # "package" | "script"
    doc_file: str
    doc_text: str
    folder: str = ""          # the run folder, relative to the root (repos.py); "" = the root
    pythonpath: tuple[str, ...] = ()   # folders the documented command puts on PYTHONPATH (relative to the root)


@dataclass(frozen=True)
class Project:
    name: str                 # distribution name as pip knows it
    version: str
    archive: str              # the sdist's file name
    sha256: str
    folder: str               # the top folder inside the archive (the project root)
    include: tuple[str, ...]
    rules: tuple[RunRule, ...]
    exclude: tuple[str, ...] = ("setup.py",)
    why: str = ""

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


_FIND_PACKAGES = "packages=find_packages("

PROJECTS: tuple[Project, ...] = (
    Project(
        name="keras-tuner", version="1.4.8", archive="keras_tuner-1.4.8.tar.gz",
        sha256="809e78538ea5c8e048012ef1d680712d56f28cf9dfa4938a2daace1ab30c4828", folder="keras_tuner-1.4.8",
        include=("keras_tuner/*.py",),
        rules=(RunRule("keras_tuner/*.py", "package", "setup.py", 'packages=find_packages(exclude=("*test*",)),'),),
        why="Keras 3 hyperparameter tuning; a package with private `src/` modules and public re-export modules"),
    Project(
        name="keras-rl2", version="1.0.5", archive="keras-rl2-1.0.5.tar.gz",
        sha256="1a31d16e212ff3e01b904d42c3b3961b588841d1b2563b5ac51ed9b936ec7be3", folder="keras-rl2-1.0.5",
        include=("rl/*.py", "tests/*.py", "utils/*.py"),
        rules=(RunRule("rl/*.py", "package", "setup.py", _FIND_PACKAGES),
               RunRule("utils/*.py", "package", "setup.py", _FIND_PACKAGES),
               RunRule("tests/*.py", "package", "setup.py", _FIND_PACKAGES),
               # `python tests/rl/test_core.py` runs pytest on the file, which imports it from the root
               RunRule("tests/rl/test_*.py", "package", SELF, "pytest.main([__file__])"),
               RunRule("tests/rl/agents/test_*.py", "package", SELF, "pytest.main([__file__])")),
        why="Keras reinforcement learning; tests import `gym` (not a declared dependency) and a first-party "
            "top-level package named `utils`"),
    Project(
        name="tflearn", version="0.5.0", archive="tflearn-0.5.0.tar.gz",
        sha256="818aa57667693810415dc203ba3f75f1541e931a8dc30b6e8b21563541a70388", folder="tflearn-0.5.0",
        include=("tflearn/*.py", "tests/*.py"), exclude=("setup.py", "tests/__init__.py"),
        rules=(RunRule("tflearn/*.py", "package", "setup.py", "packages=find_packages(exclude=['tests*']),"),
               # the tests are excluded from the package and end in unittest.main(): run as scripts
               RunRule("tests/test*.py", "script", SELF, "unittest.main()")),
        why="TF1-style high-level API over tf.compat.v1; tests are scripts in `tests/` that import the package"),
    Project(
        name="neural-structured-learning", version="1.4.0", archive="neural-structured-learning-1.4.0.tar.gz",
        sha256="48d5e87498a35c8d19c87734dad44f68229af477abe10cb079216cd7517f42ef",
        folder="neural-structured-learning-1.4.0",
        include=("neural_structured_learning/*.py",),
        rules=(RunRule("neural_structured_learning/*.py", "package", "setup.py",
                       "packages=setuptools.find_packages(),"),
               RunRule("neural_structured_learning/*_test.py", "package", "setup.cfg", "test = pytest"),
               RunRule("neural_structured_learning/*_test.py", "script", SELF, "tf.test.main()"),
               RunRule("neural_structured_learning/tools/build_graph.py", "package",
                       "neural_structured_learning/tools/__init__.py",
                       "`python -m neural_structured_learning.tools.build_graph` [*flags*]"),
               RunRule("neural_structured_learning/tools/pack_nbrs.py", "package",
                       "neural_structured_learning/tools/__init__.py",
                       "`python -m neural_structured_learning.tools.pack_nbrs` [*flags*]"),
               RunRule("neural_structured_learning/tools/build_docs.py", "script", SELF, "python build_docs.py")),
        why="Google's graph-regularisation library (TF2 + Keras); `*_test.py` next to the code, tools run as modules"),
    Project(
        name="mesh-tensorflow", version="0.1.21", archive="mesh-tensorflow-0.1.21.tar.gz",
        sha256="f674afcd260cc6c506b00f623aeb53a2a72e2afa1a318c95b936d961777d8d94", folder="mesh-tensorflow-0.1.21",
        include=("mesh_tensorflow/*.py",),
        rules=(RunRule("mesh_tensorflow/*.py", "package", "setup.py", _FIND_PACKAGES),
               RunRule("mesh_tensorflow/*_test.py", "package", "setup.cfg", "test = pytest"),
               RunRule("mesh_tensorflow/*_test.py", "script", SELF, "tf.test.main()"),
               RunRule("mesh_tensorflow/*.py", "script", SELF, 'if __name__ == "__main__":'),
               RunRule("mesh_tensorflow/*.py", "script", SELF, "if __name__ == '__main__':")),
        why="Google's model-parallel TF1 library over tf.compat.v1; tests and trainers are scripts inside the package"),
)

BY_NAME = {p.name: p for p in PROJECTS}

# The environment every project runs in: TensorFlow 2.21 and the projects' declared runtime dependencies (their
# `requires.txt` without extras: keras-tuner: packaging, requests, kt-legacy, grpcio, protobuf; tflearn: numpy, six,
# Pillow; neural-structured-learning: absl-py, attrs, scipy, six; mesh-tensorflow: absl-py, future, gin-config, six)
# and pytest, the documented test runner; every version pinned (as resolved on 2026-11-28) so that the ground truth is
# the same on every machine. Test-only imports (gym, tensorflow_probability, mock...) are deliberately absent: they
# fail for real, and tf-lsp should say so.
ENV_PYTHON = "3.11"
ENV_INSTALL: tuple[str, ...] = (
    "tensorflow==2.21.0", "keras==3.15.1", "numpy==2.4.6", "protobuf==7.36.2", "grpcio==1.85.3", "h5py==3.14.0",
    "ml-dtypes==0.6.0", "absl-py==2.5.1", "astunparse==1.6.3", "flatbuffers==25.12.19", "gast==0.7.0",
    "google-pasta==0.2.0", "libclang==18.1.1", "opt-einsum==3.4.0", "optree==0.20.0", "termcolor==3.3.0",
    "typing-extensions==4.16.0", "wrapt==2.5.2", "namex==0.1.0", "rich==15.0.0", "markdown-it-py==4.3.0",
    "mdurl==0.1.2", "pygments==2.21.0", "packaging==26.4", "requests==2.34.2", "certifi==2026.10.19.post1",
    "charset-normalizer==3.5.3", "idna==3.20", "urllib3==2.8.0", "kt-legacy==1.0.5", "six==1.17.0",
    "pillow==13.0.0", "attrs==26.1.0", "scipy==1.17.1", "future==1.0.0", "gin-config==0.5.0", "pytest==9.2.0",
    "iniconfig==2.3.1", "pluggy==1.7.0",
)


def manifest_digest() -> str:
    data = {"projects": [asdict(p) for p in PROJECTS], "python": ENV_PYTHON, "install": ENV_INSTALL}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
