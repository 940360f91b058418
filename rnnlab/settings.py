"""What every command of the course shares: where the course is, its start page, and the environment
its processes run with. Kept free of heavy imports: `rnnlab-lab` starts with it."""

import hashlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_PAGE = "00_start_here.md"


def course_environment():
    """The variables every process of the course runs with (JupyterLab, the build, grading).

    TensorFlow's absl/oneDNN start-up lines would otherwise land on stderr in every notebook that
    imports it; and matplotlib gets a cache of this environment's own, since a broken cache shared
    with the user's other environments makes every plot write to stderr.
    """
    cache = Path(sys.prefix) / "var" / "matplotlib"
    if not os.access(sys.prefix, os.W_OK):  # a shared environment: a folder of the user's, per environment
        digest = hashlib.sha1(sys.prefix.encode()).hexdigest()[:10]
        cache = Path.home() / ".cache" / "rnnlab" / f"matplotlib-{digest}"
    return {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
            "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR") or str(cache)}
