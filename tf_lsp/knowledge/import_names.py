"""Import name -> the distribution that provides it (what `pip install` needs), as curated records with sources.

An install fix is offered for a missing import only when a distribution is *known* to provide the name
(tf_lsp.installgate): this table is one of the ways it is known. Each record names where the mapping is stated:
the project's own install instructions, or the ``top_level.txt`` / RECORD of its wheel (the file in the wheel's
``.dist-info`` that lists the import names it installs).
"""
from __future__ import annotations

from dataclasses import dataclass

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class ImportName:
    import_name: str      # top-level (or dotted, for namespace packages) import name
    dist: str             # distribution to install
    source: str


def _r(import_name: str, dist: str, source: str) -> ImportName:
    return ImportName(import_name, dist, source)


_TOP = "top_level.txt of the {} wheel"

RECORDS: tuple[ImportName, ...] = (
    # --- import name differs from the distribution name ---------------------------------------------------------
    _r("sklearn", "scikit-learn", "https://scikit-learn.org/stable/install.html (pip install -U scikit-learn)"),
    _r("cv2", "opencv-python", "https://github.com/opencv/opencv-python#installation-and-usage (pip install opencv-python)"),
    _r("PIL", "pillow", "https://pillow.readthedocs.io/en/stable/installation/basic-installation.html"),
    _r("yaml", "pyyaml", "https://pyyaml.org/wiki/PyYAMLDocumentation (pip install pyyaml)"),
    _r("bs4", "beautifulsoup4", "https://www.crummy.com/software/BeautifulSoup/bs4/doc/#installing-beautiful-soup"),
    _r("skimage", "scikit-image", "https://scikit-image.org/docs/stable/user_guide/install.html"),
    _r("attr", "attrs", "https://www.attrs.org/en/stable/overview.html (attrs ships the attr and attrs packages)"),
    _r("dateutil", "python-dateutil", "https://dateutil.readthedocs.io/en/stable/#installation"),
    _r("google.protobuf", "protobuf", "https://protobuf.dev/getting-started/pythontutorial/ (pip install protobuf)"),
    _r("absl", "absl-py", "https://abseil.io/docs/python/quickstart (pip install absl-py)"),
    _r("tf_keras", "tf-keras", "https://github.com/keras-team/tf-keras#installation (pip install tf-keras)"),
    _r("dotenv", "python-dotenv", "https://github.com/theskumar/python-dotenv#getting-started"),
    _r("jwt", "pyjwt", "https://pyjwt.readthedocs.io/en/stable/installation.html"),
    _r("serial", "pyserial", "https://pyserial.readthedocs.io/en/latest/pyserial.html#installation"),
    _r("usb", "pyusb", "https://github.com/pyusb/pyusb#installing (pip install pyusb)"),
    _r("Crypto", "pycryptodome", "https://www.pycryptodome.org/src/installation"),
    _r("OpenSSL", "pyopenssl", "https://www.pyopenssl.org/en/latest/install.html"),
    _r("gi", "pygobject", "https://pygobject.gnome.org/getting_started.html (pip install pygobject)"),
    _r("magic", "python-magic", "https://github.com/ahupp/python-magic#installation"),
    _r("docx", "python-docx", "https://python-docx.readthedocs.io/en/latest/user/install.html"),
    _r("pptx", "python-pptx", "https://python-pptx.readthedocs.io/en/latest/user/install.html"),
    _r("fitz", "pymupdf", "https://pymupdf.readthedocs.io/en/latest/installation.html (import fitz / pymupdf)"),
    _r("tflite_runtime", "tflite-runtime", "https://ai.google.dev/edge/litert/microcontrollers/python (pip install tflite-runtime)"),
    _r("tflite_support", "tflite-support", "https://pypi.org/project/tflite-support/ project page: pip install tflite-support"),
    _r("ml_dtypes", "ml-dtypes", "https://github.com/jax-ml/ml_dtypes#installation"),
    _r("grpc", "grpcio", "https://grpc.io/docs/languages/python/quickstart/ (pip install grpcio)"),
    _r("tensorflow_datasets", "tensorflow-datasets", "https://www.tensorflow.org/datasets/overview#installation"),
    _r("tensorflow_hub", "tensorflow-hub", "https://www.tensorflow.org/hub/installation"),
    _r("tensorflow_probability", "tensorflow-probability", "https://www.tensorflow.org/probability/install"),
    _r("tensorflow_text", "tensorflow-text", "https://www.tensorflow.org/text/guide/tf_text_intro (pip install tensorflow-text)"),
    _r("tensorflow_addons", "tensorflow-addons", "https://github.com/tensorflow/addons#installation"),
    _r("tensorflow_io", "tensorflow-io", "https://github.com/tensorflow/io#installation"),
    _r("tensorflow_model_optimization", "tensorflow-model-optimization", "https://www.tensorflow.org/model_optimization/guide/install"),
    _r("tensorflow_estimator", "tensorflow-estimator", _TOP.format("tensorflow-estimator")),
    _r("tensorflow_transform", "tensorflow-transform", "https://www.tensorflow.org/tfx/transform/install"),
    _r("tensorflow_serving", "tensorflow-serving-api", "https://www.tensorflow.org/tfx/serving/setup#tensorflow_serving_python_api_pip_package"),
    _r("tensorflow_decision_forests", "tensorflow-decision-forests", "https://www.tensorflow.org/decision_forests/installation"),
    _r("tensorflowjs", "tensorflowjs", "https://www.tensorflow.org/js/guide/conversion (pip install tensorflowjs)"),
    _r("tf_slim", "tf-slim", "https://github.com/google-research/tf-slim#installation"),
    _r("object_detection", "tf-models-official", "https://github.com/tensorflow/models/tree/master/official#installation (pip install tf-models-official)"),
    _r("official", "tf-models-official", "https://github.com/tensorflow/models/tree/master/official#installation"),
    _r("opt_einsum", "opt-einsum", _TOP.format("opt-einsum")),
    _r("google.generativeai", "google-generativeai", "https://ai.google.dev/gemini-api/docs/quickstart?lang=python"),
    _r("googleapiclient", "google-api-python-client", "https://github.com/googleapis/google-api-python-client#installation"),
    _r("google.cloud.storage", "google-cloud-storage", "https://cloud.google.com/python/docs/reference/storage/latest#installation"),
    _r("websocket", "websocket-client", "https://websocket-client.readthedocs.io/en/latest/installation.html"),
    _r("zmq", "pyzmq", "https://pyzmq.readthedocs.io/en/latest/howto/build.html (pip install pyzmq)"),
    _r("Levenshtein", "levenshtein", "https://github.com/rapidfuzz/Levenshtein#installation"),
    _r("MySQLdb", "mysqlclient", "https://github.com/PyMySQL/mysqlclient#install"),
    _r("psycopg2", "psycopg2-binary", "https://www.psycopg.org/docs/install.html#quick-install"),
    _r("sentencepiece", "sentencepiece", _TOP.format("sentencepiece")),
    _r("lmdb", "lmdb", _TOP.format("lmdb")),
    _r("pycocotools", "pycocotools", _TOP.format("pycocotools")),
    _r("picamera2", "picamera2", "https://github.com/raspberrypi/picamera2#installation"),
    _r("RPi", "rpi-gpio", "https://sourceforge.net/p/raspberry-gpio-python/wiki/install/ (pip install RPi.GPIO)"),
    _r("tkinter", "", "part of the standard library (the OS package python3-tk provides it): never pip-installed"),
    _r("pkg_resources", "setuptools", _TOP.format("setuptools")),
    _r("_distutils_hack", "setuptools", _TOP.format("setuptools")),
    _r("wx", "wxpython", "https://wxpython.org/pages/downloads/ (pip install wxpython)"),
    _r("Bio", "biopython", "https://biopython.org/wiki/Download"),
    _r("mpl_toolkits", "matplotlib", _TOP.format("matplotlib")),
    _r("pylab", "matplotlib", _TOP.format("matplotlib")),
    _r("IPython", "ipython", _TOP.format("ipython")),
    _r("jose", "python-jose", "https://python-jose.readthedocs.io/en/latest/#installation"),
    _r("telegram", "python-telegram-bot", "https://github.com/python-telegram-bot/python-telegram-bot#installing"),
    _r("speech_recognition", "speechrecognition", "https://github.com/Uberi/speech_recognition#installing"),
    _r("hydra", "hydra-core", "https://hydra.cc/docs/intro/#installation (pip install hydra-core)"),
    _r("gin", "gin-config", "https://github.com/google/gin-config#installation (pip install gin-config)"),
    _r("orbax.checkpoint", "orbax-checkpoint", "https://orbax.readthedocs.io/en/latest/ (pip install orbax-checkpoint)"),
    _r("board", "adafruit-blinka", "https://learn.adafruit.com/circuitpython-on-raspberrypi-linux/installing-circuitpython-on-raspberry-pi"),
    _r("sounddevice", "sounddevice", _TOP.format("sounddevice")),
)

# Distributions whose import name is their own name (normalised): each ships a top-level package of that name,
# as its wheel's top_level.txt / RECORD lists.
SAME_NAME: tuple[str, ...] = (
    "numpy", "scipy", "pandas", "matplotlib", "requests", "six", "tensorflow", "keras", "torch", "torchvision",
    "h5py", "tqdm", "packaging", "setuptools", "pip", "wheel", "jax", "jaxlib", "flax", "optax", "flask", "django",
    "pytest", "click", "jinja2", "sympy", "networkx", "seaborn", "plotly", "boto3", "botocore", "psutil", "pydantic",
    "tensorboard", "gast", "astunparse", "flatbuffers", "wrapt", "termcolor", "lxml", "numba", "onnx", "onnxruntime",
    "transformers", "datasets", "nltk", "gym", "gymnasium", "imageio", "mediapipe", "librosa", "soundfile",
    "albumentations", "tf2onnx", "einops", "timm", "tokenizers", "safetensors", "huggingface_hub", "certifi",
    "urllib3", "idna", "charset_normalizer", "typing_extensions", "markdown", "werkzeug", "rich", "typer", "toml",
    "tomli", "filelock", "fsspec", "joblib", "threadpoolctl", "cloudpickle", "dill", "pyarrow", "polars", "xgboost",
    "lightgbm", "catboost", "statsmodels", "shapely", "pyproj", "rasterio", "fiona", "geopandas", "folium",
    "streamlit", "gradio", "fastapi", "uvicorn", "httpx", "aiohttp", "websockets", "redis", "pymongo", "sqlalchemy",
    "pyodbc", "paramiko", "cryptography", "bcrypt", "pexpect", "pyaudio", "pygame", "pyglet", "moviepy", "imutils",
    "dlib", "face_recognition", "pytesseract", "easyocr", "ultralytics", "keras_cv", "keras_nlp", "keras_hub",
    "kagglehub", "wandb", "mlflow", "optuna", "hyperopt", "ray", "dask", "tensorstore", "chex", 
    "pydot", "graphviz", "pillow_heif", "tifffile", "nibabel", "pydicom", "SimpleITK", "openpyxl", "xlrd", "tabulate",
    "colorama", "coloredlogs", "docopt", "fire", "omegaconf", "jsonschema", "simplejson", "ujson", "orjson",
    "msgpack", "zstandard", "lz4", "brotli", "regex", "ftfy", "unidecode", "emoji", "spacy", "gensim", "jieba",
    "sacrebleu", "rouge_score", "evaluate", "accelerate", "peft", "trl", "bitsandbytes", "deepspeed", "triton",
    "pycuda", "pynvml", "GPUtil", "tensorrt", "openvino", "coremltools", 
    "pycoral", "smbus2", "spidev", "gpiozero", "adafruit_blinka", "picamera",
)
SAME_NAME_SOURCE = "top_level.txt / RECORD of the distribution's wheel: it installs a top-level package of its own name"

DIST_FOR_IMPORT: dict[str, str] = {r.import_name: r.dist for r in RECORDS}
_SOURCES: dict[str, str] = {r.import_name: r.source for r in RECORDS}
_SAME = {canonicalize_name(n): n for n in SAME_NAME}


def _lookup(module: str) -> tuple[str, str] | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in DIST_FOR_IMPORT:
            return DIST_FOR_IMPORT[key], _SOURCES[key]
    return None


def dist_for_import(module: str) -> str:
    """The distribution name to install for an import (``google.protobuf`` -> protobuf, ``cv2`` -> opencv-python);
    the import name normalised when the table does not know it."""
    hit = _lookup(module)
    if hit and hit[0]:
        return hit[0]
    return module.split(".")[0].replace("_", "-")


def known_dist(module: str) -> tuple[str, str] | None:
    """(distribution, source) when the curated table knows who provides ``module``; None otherwise."""
    hit = _lookup(module)
    if hit is not None:
        return hit if hit[0] else None
    top = module.split(".")[0]
    if canonicalize_name(top) in _SAME and top == _SAME[canonicalize_name(top)]:
        return canonicalize_name(top), SAME_NAME_SOURCE
    return None
