"""Import names whose distribution on the package index has another name (what `pip install` needs).

Source: each project's own install instructions (e.g. OpenCV's `pip install opencv-python`, scikit-learn's
`pip install scikit-learn`, Pillow's `pip install pillow`, PyYAML's `pip install pyyaml`).
"""
from __future__ import annotations

DIST_FOR_IMPORT: dict[str, str] = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "skimage": "scikit-image",
    "attr": "attrs",
    "dateutil": "python-dateutil",
    "google.protobuf": "protobuf",
    "absl": "absl-py",
    "tf_keras": "tf-keras",
    "dotenv": "python-dotenv",
    "jwt": "pyjwt",
    "serial": "pyserial",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyopenssl",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "tflite_runtime": "tflite-runtime",
    "ml_dtypes": "ml-dtypes",
}


def dist_for_import(module: str) -> str:
    """The distribution name to install for an import (``google.protobuf`` -> protobuf, ``cv2`` -> opencv-python)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        hit = DIST_FOR_IMPORT.get(".".join(parts[:n]))
        if hit:
            return hit
    return parts[0].replace("_", "-")
