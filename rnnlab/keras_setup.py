"""Importing Keras (TensorFlow backend) quietly.

TensorFlow writes absl and CUDA lines straight to file descriptor 2 when it loads, even with
``TF_CPP_MIN_LOG_LEVEL=3``; in a notebook they show up as red stderr output under the cell.
"""

import contextlib
import os


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 to /dev/null for the duration of the block."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_keras():
    """Import and return ``keras`` with TensorFlow's start-up messages silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    with _stderr_silenced():
        import tensorflow  # noqa: F401  (loads the backend, which is what prints)
        import keras
    return keras
