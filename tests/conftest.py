"""Shared fixtures: the repository, a fresh build of the course, and one autograding run."""

import os
from pathlib import Path

import pytest

from rnnlab.build import build

REPO = Path(__file__).resolve().parent.parent

# Notebook kernels started by the tests inherit this: no TensorFlow start-up lines on stderr.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory):
    """course/ and solutions/ built anew from autograder/source (solutions not executed)."""
    out = tmp_path_factory.mktemp("build")
    build(out, execute_solutions=False, log=lambda *args: None)
    return out
